"""tiphys.local.pods: leaf templates run for real on this machine (host backend).

The secret/configmap store and the artifact store are small private stand-ins with the
contract's signatures (contract §1-2) until ``tiphys.local.store`` / ``artifacts`` land.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.server
import json
import os
import shutil
import socket
import sys
import tarfile
import threading
import time
import tracemalloc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tiphys.local import docker, host, images
from tiphys.local.artifacts import ArtifactStore
from tiphys.local.http_template import canonical_header
from tiphys.local.pods import (
    DEADLINE_MESSAGE,
    RESULT_CAP,
    Executor,
    PodError,
    PodResult,
    PodSpec,
)
from tiphys.local.store import LocalStore

pytestmark = pytest.mark.skipif(not host.namespaces_available(), reason="needs unshare")


def FakeStore() -> LocalStore:
    return LocalStore(
        secrets={"tok": {"auth": "Bearer s3cr3t"}},
        configmaps={"cfg": {"color": "blue", "size": "L"}},
    )


def FakeArtifacts(root: Path) -> ArtifactStore:
    return ArtifactStore(root)


def stored(arts: ArtifactStore, key: str) -> str:
    path = arts.path(key)
    if path.is_dir():
        return "<dir>"
    if key.endswith(".tgz"):
        with tarfile.open(path) as tar:
            return "|".join(
                f"{m.name}={tar.extractfile(m).read().decode() if m.isfile() else ''}"  # type: ignore[union-attr]
                for m in tar.getmembers()
            )
    return path.read_text()


def run(coro: Any, timeout: float = 20) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def env(tmp_path: Path) -> tuple[Executor, FakeArtifacts, list[tuple[str, str, str]]]:
    logs: list[tuple[str, str, str]] = []
    arts = FakeArtifacts(tmp_path / "repo")
    ex = Executor(
        backend="host",
        store=FakeStore(),
        artifacts=arts,
        on_log=lambda pod, ctr, line: logs.append((pod, ctr, line)),
    )
    return ex, arts, logs


def spec(tmp_path: Path, template: Mapping[str, Any], name: str = "n1", **kw: Any) -> PodSpec:
    return PodSpec(
        workflow_name="wf",
        namespace="default",
        node_id=f"wf-{name}",
        pod_name=f"wf-{name}-1",
        template=template,
        sandbox=tmp_path / "run" / "nodes" / name,
        log_dir=tmp_path / "run" / "logs" / f"wf-{name}-1",
        **kw,
    )


def strip_stamps(lines: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for pod, ctr, line in lines:
        stamp, _, text = line.partition(" ")
        assert len(stamp) == 30 and stamp.endswith("Z") and stamp[19] == "."
        out.append((pod, ctr, text))
    return out


# --- container and script -------------------------------------------------------------------


def test_container_echo_result_logs_and_exit_code(tmp_path: Path, env: Any) -> None:
    ex, _, logs = env
    template = {
        "name": "hello",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c"],
            "args": ["echo hi; echo err >&2"],
        },
    }
    result = run(ex.run(spec(tmp_path, template)))
    assert result == PodResult("Succeeded", "", 0, {"result": "hi", "exitCode": "0"})
    assert sorted(strip_stamps(logs)) == [("wf-n1-1", "main", "err"), ("wf-n1-1", "main", "hi")]
    file_lines = (tmp_path / "run/logs/wf-n1-1/main.log").read_text().splitlines()
    assert sorted(line.split(" ", 1)[1] for line in file_lines) == ["err", "hi"]


def test_a_failing_log_callback_does_not_stall_the_node(tmp_path: Path) -> None:
    def boom(pod: str, ctr: str, line: str) -> None:
        raise RuntimeError("viewer went away")

    ex = Executor(backend="host", store=FakeStore(), artifacts=FakeArtifacts(tmp_path), on_log=boom)
    template = {"name": "t", "container": {"image": "busybox", "command": ["seq", "1", "20000"]}}
    result = run(ex.run(spec(tmp_path, template)))
    assert (result.phase, result.outputs["result"].split("\n")[-1]) == ("Succeeded", "20000")


def test_nonzero_exit_is_failed_with_argos_message(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "container": {"image": "alpine:3.18", "command": ["sh", "-c", "echo x; exit 3"]},
    }
    result = run(ex.run(spec(tmp_path, template)))
    assert result == PodResult(
        "Failed", "main: Error (exit code 3)", 3, {"result": "x", "exitCode": "3"}
    )


def test_default_entrypoint_of_shell_image_runs_args(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {"name": "t", "container": {"image": "debian", "args": ["echo", "a b"]}}
    assert run(ex.run(spec(tmp_path, template))).outputs == {"result": "a b", "exitCode": "0"}


def test_script_python_outputs_parameters_and_artifacts(tmp_path: Path, env: Any) -> None:
    ex, arts, _ = env
    source = (
        "import os\n"
        "open('/tmp/p.txt', 'w').write('v1\\n\\n')\n"
        "os.makedirs('/tmp/dir', exist_ok=True)\n"
        "open('/tmp/dir/f', 'w').write('f')\n"
        "e = os.environ\n"
        "print(e['ARGO_POD_NAME'], e['ARGO_NODE_ID'], e['ARGO_WORKFLOW_NAME'])\n"
    )
    template = {
        "name": "s",
        "script": {"image": "python:3.12", "command": ["python3"], "source": source},
        "outputs": {
            "parameters": [
                {"name": "p", "valueFrom": {"path": "/tmp/p.txt"}},
                {"name": "d", "valueFrom": {"path": "/tmp/missing", "default": "dflt"}},
            ],
            "artifacts": [
                {"name": "a", "path": "/tmp/p.txt"},
                {"name": "n", "path": "/tmp/dir", "archive": {"none": {}}},
                {"name": "opt", "path": "/tmp/nothing", "optional": True},
            ],
        },
    }
    result = run(ex.run(spec(tmp_path, template)))
    assert result == PodResult(
        "Succeeded",
        "",
        0,
        {
            "result": "wf-n1-1 wf-n1 wf",
            "exitCode": "0",
            "parameters": [
                {"name": "p", "valueFrom": {"path": "/tmp/p.txt"}, "value": "v1\n"},
                {
                    "name": "d",
                    "valueFrom": {"path": "/tmp/missing", "default": "dflt"},
                    "value": "dflt",
                },
            ],
            "artifacts": [
                {"name": "a", "path": "/tmp/p.txt", "s3": {"key": "wf/wf-n1-1/a.tgz"}},
                {
                    "name": "n",
                    "path": "/tmp/dir",
                    "s3": {"key": "wf/wf-n1-1/dir"},
                    "archive": {"none": {}},
                },
            ],
        },
    )
    assert [stored(arts, "wf/wf-n1-1/a.tgz"), stored(arts, "wf/wf-n1-1/dir")] == [
        "p.txt=v1\n\n",
        "<dir>",
    ]


def test_missing_output_parameter_and_artifact_are_wait_errors(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    base = {"name": "t", "container": {"image": "busybox", "command": ["true"]}}
    param = {**base, "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/x"}}]}}
    result = run(ex.run(spec(tmp_path, param, "a")))
    assert (result.phase, result.message) == (
        "Error",
        "wait: Error (exit code 1): open /var/run/argo/outputs/parameters/tmp/x: "
        "no such file or directory",
    )
    art = {**base, "outputs": {"artifacts": [{"name": "a", "path": "/tmp/y"}]}}
    result = run(ex.run(spec(tmp_path, art, "b")))
    assert (result.phase, result.message) == (
        "Error",
        "wait: Error (exit code 1): open /var/run/argo/outputs/artifacts/tmp/y.tgz: "
        "no such file or directory",
    )


def test_parallel_nodes_writing_the_same_tmp_path_do_not_collide(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env

    def template(i: int) -> dict[str, Any]:
        return {
            "name": "w",
            "container": {
                "image": "alpine",
                "command": ["sh", "-c", f"echo {i} > /tmp/out.txt; sleep 0.3; cat /tmp/out.txt"],
            },
            "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/out.txt"}}]},
        }

    async def all_of() -> list[PodResult]:
        return list(
            await asyncio.gather(*(ex.run(spec(tmp_path, template(i), f"i{i}")) for i in range(6)))
        )

    results = run(all_of())
    assert [(r.outputs["result"], r.outputs["parameters"][0]["value"]) for r in results] == [
        (str(i), str(i)) for i in range(6)
    ]
    assert not Path("/tmp/out.txt").exists() or Path("/tmp/out.txt").read_text() not in {
        f"{i}\n" for i in range(6)
    }


def test_ten_megabytes_of_stdout_keep_the_last_256_kib(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    ex.on_log = None
    source = "import sys\nfor i in range(100000):\n    sys.stdout.write(f'{i:099d}\\n')\n"
    template = {
        "name": "big",
        "script": {"image": "python:3", "command": ["python"], "source": source},
    }
    tracemalloc.start()
    result = run(ex.run(spec(tmp_path, template)), timeout=60)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    expected = "".join(f"{i:099d}\n" for i in range(100000))[:-1][-RESULT_CAP:]
    assert result.phase == "Succeeded"
    assert result.outputs["result"] == expected
    assert peak < 4 * 1024 * 1024
    assert (tmp_path / "run/logs/wf-n1-1/main.log").stat().st_size == 100000 * (100 + 31)


def test_deadline_kills_the_pod(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {"name": "t", "container": {"image": "busybox", "command": ["sleep", "30"]}}
    started = time.monotonic()
    result = run(ex.run(spec(tmp_path, template, deadline=time.monotonic() + 0.5)))
    assert (result.phase, result.message) == ("Failed", DEADLINE_MESSAGE)
    assert time.monotonic() - started < 5


def test_cancellation_kills_the_process_group(tmp_path: Path, env: Any) -> None:
    ex, _, logs = env
    template = {
        "name": "t",
        "container": {"image": "busybox", "command": ["sh", "-c", "sleep 30 & echo $!; wait"]},
    }

    async def go() -> int:
        task = asyncio.ensure_future(ex.run(spec(tmp_path, template)))
        for _ in range(100):
            if logs:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return int(logs[0][2].split(" ")[1])

    pid = run(go())
    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat") as stat:  # a zombie awaiting its reaper is gone too
                if stat.read().split(") ")[1].startswith("Z"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the grandchild survived cancellation")


def test_unknown_image_is_an_error_naming_backend(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {"name": "t", "container": {"image": "docker/whalesay", "command": ["cowsay"]}}
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Error",
        "image 'docker/whalesay' cannot run on this machine's host backend: run with --backend "
        "docker (or podman), or mock the template with --mock TEMPLATE=outputs.json",
        None,
    )


def test_missing_program_fails_like_the_emissary(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {"name": "t", "container": {"image": "ubuntu", "command": ["no-such-prog-xyz"]}}
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Failed",
        'main: Error (exit code 127): failed to find name in PATH: exec: "no-such-prog-xyz": '
        "executable file not found in $PATH",
        127,
        {"exitCode": "127"},
    )


def test_env_from_store_fieldref_and_expansion(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", 'echo $A $B $C "$0" "$1"'],
            "args": ["$(D)", "$$(D)"],
            "env": [
                {"name": "A", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "auth"}}},
                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
                {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "D", "value": "d-$(C)"},
            ],
        },
    }
    assert run(ex.run(spec(tmp_path, template))).outputs["result"] == (
        "Bearer s3cr3t blue wf-n1-1 d-wf-n1-1 $(D)"
    )
    missing = {
        "name": "t",
        "container": {
            "image": "busybox",
            "command": ["true"],
            "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "nope"}}}],
        },
    }
    assert run(ex.run(spec(tmp_path, missing, "m"))) == PodResult(
        "Error", "secret 'tok' has no key 'nope': give it with --secret tok.nope=VALUE", None
    )


def test_volumes_inputs_and_working_dir(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in/msg", "raw": {"data": "hello"}}]},
        "container": {
            "image": "busybox",
            "command": [
                "sh",
                "-c",
                "pwd; cat /tmp/in/msg; cat /tmp/cfg/c; ls /tmp/cfg; echo v > /tmp/vol/f",
            ],
            "workingDir": "/tmp/wd",
            "volumeMounts": [
                {"name": "cfg", "mountPath": "/tmp/cfg"},
                {"name": "work", "mountPath": "/tmp/vol"},
            ],
        },
    }
    volumes = [
        {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "color", "path": "c"}]}},
        {"name": "work", "persistentVolumeClaim": {"claimName": "claim"}},
    ]
    result = run(ex.run(spec(tmp_path, template, volumes=volumes)))
    assert result.outputs["result"] == "/tmp/wd\nhellobluec"
    assert (tmp_path / "run/volumes/claim/f").read_text() == "v\n"


def test_a_volume_over_this_interpreter_is_refused(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    prefix = os.path.realpath(sys.base_prefix)
    template = {
        "name": "t",
        "container": {
            "image": "busybox",
            "command": ["true"],
            "volumeMounts": [{"name": "v", "mountPath": prefix}],
        },
    }
    assert run(ex.run(spec(tmp_path, template, volumes=[{"name": "v", "emptyDir": {}}]))) == (
        PodResult(
            "Error",
            f"path {prefix} cannot be made private to this node on the host backend (mounting "
            "over it would hide the Python that the host backend runs): run with --backend "
            "docker (or podman)",
            None,
        )
    )


def test_new_top_level_paths_are_private_through_a_shadow_root(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "echo o > /tiphys-out/x; ls /tiphys-vol; cat /etc/hostname"],
            "volumeMounts": [{"name": "v", "mountPath": "/tiphys-vol"}],
        },
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tiphys-out/x"}}]},
    }
    volumes = [{"name": "v", "configMap": {"name": "cfg"}}]
    result = run(ex.run(spec(tmp_path, template, volumes=volumes)))
    hostname = Path("/etc/hostname").read_text().strip()
    assert (result.phase, result.outputs["result"], result.outputs["parameters"][0]["value"]) == (
        "Succeeded",
        f"color\nsize\n{hostname}",
        "o",
    )
    assert not Path("/tiphys-out").exists() and not Path("/tiphys-vol").exists()


def test_path_inside_a_file_cannot_be_private(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "container": {"image": "busybox", "command": ["true"]},
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/etc/hostname/x"}}]},
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Error",
        "path /etc/hostname/x cannot be made private to this node on the host backend (it is "
        "inside a file): run with --backend docker (or podman)",
        None,
    )


def test_new_path_in_a_host_directory_is_private_and_keeps_its_entries(
    tmp_path: Path, env: Any
) -> None:
    ex, _, _ = env
    before = sorted(os.listdir("/etc"))
    template = {
        "name": "t",
        "container": {
            "image": "busybox",
            "command": [
                "sh",
                "-c",
                "echo v > /etc/tiphys-t/out; ls -A /etc | wc -l; cat /etc/hostname",
            ],
            "volumeMounts": [{"name": "scratch", "mountPath": "/etc/tiphys-vol"}],
        },
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/etc/tiphys-t/out"}}]},
    }
    volumes = [{"name": "scratch", "emptyDir": {}}]
    result = run(ex.run(spec(tmp_path, template, volumes=volumes)))
    hostname = Path("/etc/hostname").read_text().strip()
    assert (result.phase, result.outputs["result"], result.outputs["parameters"][0]["value"]) == (
        "Succeeded",
        f"{len(before) + 2}\n{hostname}",
        "v",
    )
    assert sorted(os.listdir("/etc")) == before


def test_container_set_runs_by_dependencies_and_reports_main(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "cs",
        "containerSet": {
            "volumeMounts": [],
            "containers": [
                {
                    "name": "main",
                    "image": "busybox",
                    "command": ["sh", "-c", "cat /tmp/a; echo main"],
                    "dependencies": ["a"],
                },
                {
                    "name": "a",
                    "image": "busybox",
                    "command": ["sh", "-c", "echo A > /tmp/a; echo a"],
                },
            ],
        },
    }
    result = run(ex.run(spec(tmp_path, template)))
    assert result == PodResult("Succeeded", "", 0, {"result": "A\nmain", "exitCode": "0"})
    failing = {
        "name": "cs",
        "containerSet": {
            "containers": [
                {"name": "a", "image": "busybox", "command": ["sh", "-c", "exit 2"]},
                {
                    "name": "main",
                    "image": "busybox",
                    "command": ["echo", "never"],
                    "dependencies": ["a"],
                },
            ],
        },
    }
    assert run(ex.run(spec(tmp_path, failing, "f"))) == PodResult(
        "Failed", "a: Error (exit code 2)", None, {}
    )


def test_data_template_lists_and_transforms(tmp_path: Path, env: Any) -> None:
    ex, arts, _ = env
    for name in ("a.csv", "b.txt", "sub/c.csv"):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_text("x")
    arts.save("in", tmp_path / "in", archive={"none": {}})
    template = {
        "name": "d",
        "data": {
            "source": {"artifactPaths": {"name": "in", "s3": {"key": "in"}}},
            "transformation": [{"expression": "filter(data, {# endsWith '.csv'})"}],
        },
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", None, {"result": '["in/a.csv","in/sub/c.csv"]'}
    )


def test_other_template_kinds_need_a_cluster(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    result = run(ex.run(spec(tmp_path, {"name": "r", "resource": {"action": "create"}})))
    assert result == PodResult(
        "Error",
        "template 'r' is a resource template, which needs a cluster; tiphys runs container, "
        "script, containerSet, data and http templates",
        None,
    )


# --- daemons --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_daemon_with_http_probe_becomes_ready_and_stops(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    port = free_port()
    template = {
        "name": "srv",
        "daemon": True,
        "container": {
            "image": "python:3",
            "command": ["python", "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            "readinessProbe": {"httpGet": {"path": "/", "port": port}, "periodSeconds": 0.1},
        },
    }

    async def go() -> tuple[Any, PodResult]:
        daemon = await ex.start_daemon(spec(tmp_path, template))
        try:
            ready = await daemon.wait_ready()
        finally:
            stopped = await daemon.stop()
        return ready, stopped

    ready, stopped = run(go())
    assert (ready, stopped, ex.backend) == (None, PodResult("Succeeded", "", None, {}), "host")


def test_daemon_that_never_becomes_ready_hits_the_deadline(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "srv",
        "container": {
            "image": "busybox",
            "command": ["sleep", "30"],
            "readinessProbe": {"tcpSocket": {"port": free_port()}, "periodSeconds": 0.1},
        },
    }

    async def go() -> Any:
        daemon = await ex.start_daemon(spec(tmp_path, template, deadline=time.monotonic() + 0.6))
        return await daemon.wait_ready()

    assert run(go()) == PodResult("Failed", DEADLINE_MESSAGE, None, {})


def test_daemon_exec_probe_sees_the_nodes_private_tmp(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "srv",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "sleep 0.3; touch /tmp/ready; sleep 30"],
            "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 0.1},
        },
    }

    async def go() -> tuple[Any, PodResult]:
        daemon = await ex.start_daemon(spec(tmp_path, template, deadline=time.monotonic() + 10))
        try:
            ready = await daemon.wait_ready()
        finally:
            stopped = await daemon.stop()
        return ready, stopped

    assert run(go()) == (None, PodResult("Succeeded", "", None, {}))
    assert not Path("/tmp/ready").exists()


def test_daemon_exiting_before_ready(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "srv",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "exit 4"],
            "readinessProbe": {"exec": {"command": ["false"]}, "periodSeconds": 0.1},
        },
    }

    async def go() -> Any:
        return await (await ex.start_daemon(spec(tmp_path, template))).wait_ready()

    assert run(go()) == PodResult("Failed", "main: Error (exit code 4)", 4, {"exitCode": "4"})


# --- http -----------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b"nope")
            return
        if self.path == "/slow":
            time.sleep(2)
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client gave up already
                self.send_response(200)
                self.end_headers()
            return
        body = json.dumps({"auth": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-multi", "1")
        self.send_header("x-multi", "2")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        self.send_response(201)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_http_success_secret_header_and_condition(tmp_path: Path, env: Any, server: str) -> None:
    ex, _, _ = env
    template = {
        "name": "h",
        "http": {
            "url": f"{server}/ok",
            "headers": [
                {
                    "name": "Authorization",
                    "valueFrom": {"secretKeyRef": {"name": "tok", "key": "auth"}},
                }
            ],
            "successCondition": "response.statusCode == 200 "
            "&& response.headers['X-Multi'] == ['1', '2'] "
            "&& response.headers['Content-Type'][0] == 'application/json'",
        },
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", None, {"result": '{"auth": "Bearer s3cr3t"}'}
    )


def test_http_failures(tmp_path: Path, env: Any, server: str) -> None:
    ex, _, _ = env
    cases = {
        "404": {"url": f"{server}/missing"},
        "cond": {"url": f"{server}/ok", "successCondition": "response.statusCode == 201"},
        "timeout": {"url": f"{server}/slow", "timeoutSeconds": 0.3},
        "refused": {"url": f"http://127.0.0.1:{free_port()}/x"},
    }
    got = {
        name: run(ex.run(spec(tmp_path, {"name": "h", "http": h}, name)))
        for name, h in cases.items()
    }
    refused = cases["refused"]["url"]
    port = refused.split(":")[2].split("/")[0]
    assert got == {
        "404": PodResult("Failed", "received non-2xx response code: 404", None, {"result": "nope"}),
        "cond": PodResult(
            "Failed",
            "successCondition 'response.statusCode == 201' evaluated false",
            None,
            {"result": '{"auth": null}'},
        ),
        "timeout": PodResult("Failed", f'Get "{server}/slow": context deadline exceeded', None, {}),
        "refused": PodResult(
            "Failed",
            f'Get "{refused}": dial tcp 127.0.0.1:{port}: connect: connection refused',
            None,
            {},
        ),
    }


def test_http_post_body_from_bytes(tmp_path: Path, env: Any, server: str) -> None:
    ex, _, _ = env
    template = {
        "name": "h",
        "http": {
            "method": "POST",
            "url": f"{server}/p",
            "bodyFrom": {"bytes": base64.b64encode(b"payload").decode()},
        },
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", None, {"result": "payload"}
    )


def test_canonical_header() -> None:
    assert [canonical_header(h) for h in ("content-type", "X-MULTI", "etag")] == [
        "Content-Type",
        "X-Multi",
        "Etag",
    ]


# --- images and backends ----------------------------------------------------------------------


def test_image_names_and_host_argv() -> None:
    assert [
        images.image_name(i)
        for i in (
            "docker.io/library/alpine:3.7",
            "argoproj/argosay:v2",
            "busybox@sha256:ab",
            "localhost:5000/ubuntu",
        )
    ] == ["alpine", "argoproj/argosay", "busybox", "ubuntu"]
    assert images.host_argv("python:3.11-slim", ["python3", "-c", "x"], []) == [
        sys.executable,
        "-c",
        "x",
    ]
    assert images.host_argv("python:3", [], []) == [sys.executable]
    assert images.host_argv("argoproj/argosay:v2", [], ["echo", "hi"]) == [
        sys.executable,
        "-m",
        "tiphys.local.argosay",
        "echo",
        "hi",
    ]
    assert images.host_argv("argoproj/argosay:latest", ["/argosay"], ["sleep", "1"]) == [
        sys.executable,
        "-m",
        "tiphys.local.argosay",
        "sleep",
        "1",
    ]
    assert images.host_argv("alpine", [], []) == ["/bin/sh"]
    assert images.host_argv("alpine", ["ash", "-c"], ["echo"]) == ["sh", "-c", "echo"]
    assert images.host_argv("nginx", ["nginx"], []) is None


def test_docker_command_line_is_built_whole() -> None:
    assert docker.run_argv(
        "docker",
        name="wf-a-1-main-0",
        image="alpine:3",
        command=["sh", "-c"],
        args=["echo hi"],
        env={"A": "1", "ARGO_POD_NAME": "wf-a-1"},
        mounts=[("/run/n/tmp", "/tmp"), ("/run/n/volumes/v", "/mnt/v")],
        working_dir="/work",
    ) == [
        "docker",
        "run",
        "--rm",
        "--name",
        "wf-a-1-main-0",
        "--network",
        "host",
        "-v",
        "/run/n/tmp:/tmp",
        "-v",
        "/run/n/volumes/v:/mnt/v",
        "-w",
        "/work",
        "-e",
        "A=1",
        "-e",
        "ARGO_POD_NAME=wf-a-1",
        "--entrypoint",
        "sh",
        "alpine:3",
        "-c",
        "echo hi",
    ]
    assert docker.run_argv(
        "podman", name="p", image="x", command=[], args=["a"], env={}, mounts=[], working_dir=None
    ) == ["podman", "run", "--rm", "--name", "p", "--network", "host", "x", "a"]


def test_auto_backend_picks_host_without_a_daemon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    ex = Executor(store=FakeStore(), artifacts=FakeArtifacts(tmp_path))
    assert (docker.daemon_answers("docker"), ex.backend) == (False, "host")
    if shutil.which("docker", path=os.environ.get("PATH")) is None:
        assert Executor(store=FakeStore(), artifacts=FakeArtifacts(tmp_path)).backend == "host"


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PodError) as err:
        Executor(backend="k8s", store=FakeStore(), artifacts=FakeArtifacts(tmp_path))
    assert str(err.value) == "unknown backend 'k8s': use auto, host, docker or podman"


def test_docker_backend_runs_docker_with_the_nodes_mounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "out" > "$OUT_FILE"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    arts = FakeArtifacts(tmp_path / "repo")
    ex = Executor(backend="docker", store=FakeStore(), artifacts=arts)
    pod = spec(
        tmp_path,
        {
            "name": "s",
            "inputs": {"artifacts": [{"name": "i", "path": "/data/in", "raw": {"data": "x"}}]},
            "script": {
                "image": "alpine:3",
                "command": ["sh"],
                "source": "echo hi",
                "env": [{"name": "A", "value": "1"}],
            },
            "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}}]},
        },
    )
    monkeypatch.setenv("OUT_FILE", str(pod.sandbox / "tmp" / "p"))
    result = run(ex.run(pod))
    lines = result.outputs["result"].split("\n")
    env_values = [lines[i + 1] for i, line in enumerate(lines) if line == "-e"]
    assert [v.split("=", 1)[0] for v in env_values] == [
        "ARGO_POD_NAME",
        "ARGO_POD_UID",
        "ARGO_WORKFLOW_NAME",
        "ARGO_NODE_ID",
        "ARGO_TEMPLATE",
        "ARGO_CONTAINER_NAME",
        "A",
    ]
    sandbox = pod.sandbox
    assert [line for line in lines if line not in env_values and line != "-e"] == [
        "run",
        "--rm",
        "--name",
        "wf-n1-1-main-0",
        "--network",
        "host",
        "-v",
        f"{sandbox}/tmp:/tmp",
        "-v",
        f"{sandbox}/inputs/i:/data/in",
        "-v",
        f"{sandbox}/script:/argo/staging/script",
        "--entrypoint",
        "sh",
        "alpine:3",
        "/argo/staging/script",
    ]
    assert (sandbox / "inputs/i").read_text() == "x"
    assert result.outputs["parameters"][0]["value"] == "out"


def test_argosay_image_runs_the_builtin_argosay(tmp_path: Path, env: Any) -> None:
    ex, _, logs = env
    v2 = {"name": "a", "container": {"image": "argoproj/argosay:v2", "args": ["echo", "hi"]}}
    v1 = {"name": "a", "container": {"image": "argoproj/argosay:v1", "args": ["echo", "hi"]}}
    got = [run(ex.run(spec(tmp_path, t, n))) for n, t in (("v2", v2), ("v1", v1))]
    assert got == [
        PodResult("Succeeded", "", 0, {"result": "", "exitCode": "0"}),  # Go println: stderr
        PodResult("Succeeded", "", 0, {"result": "hi", "exitCode": "0"}),
    ]
    assert [text for _, _, text in strip_stamps(logs)] == ["hi", "hi"]


def test_input_artifact_from_the_local_store(tmp_path: Path, env: Any) -> None:
    ex, arts, _ = env
    (tmp_path / "msg.txt").write_text("stored")
    arts.save("wf/p/msg.tgz", tmp_path / "msg.txt", archive=None)
    template = {
        "name": "t",
        "inputs": {
            "artifacts": [{"name": "m", "path": "/tmp/m.txt", "s3": {"key": "wf/p/msg.tgz"}}]
        },
        "container": {"image": "busybox", "command": ["cat", "/tmp/m.txt"]},
    }
    assert run(ex.run(spec(tmp_path, template))).outputs["result"] == "stored"
    missing = {
        "name": "t",
        "inputs": {"artifacts": [{"name": "m", "path": "/tmp/m.txt"}]},
        "container": {"image": "busybox", "command": ["true"]},
    }
    assert run(ex.run(spec(tmp_path, missing, "m"))) == PodResult(
        "Error", "required artifact 'm' not supplied", None
    )


def test_init_containers_then_main_with_a_sidecar(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    template = {
        "name": "t",
        "initContainers": [
            {"name": "hello", "image": "alpine", "command": ["sh", "-c", "echo init > /tmp/i"]}
        ],
        "sidecars": [{"name": "side", "image": "busybox", "command": ["sh", "-c", "sleep 30"]}],
        "container": {"image": "busybox", "command": ["cat", "/tmp/i"]},
    }
    started = time.monotonic()
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", 0, {"result": "init", "exitCode": "0"}
    )
    assert time.monotonic() - started < 5
    failing = {
        **template,
        "initContainers": [{"name": "hello", "image": "alpine", "command": ["false"]}],
    }
    assert run(ex.run(spec(tmp_path, failing, "f"))) == PodResult(
        "Failed", "hello: Error (exit code 1)", None, {}
    )


def test_a_script_bigger_than_one_exec_string_runs(tmp_path: Path, env: Any) -> None:
    ex, _, _ = env
    source = "# " + "x" * 200_000 + "\nprint('big ok')\n"
    template = {
        "name": "t",
        "script": {"image": "python:3", "command": ["python"], "source": source},
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", 0, {"result": "big ok", "exitCode": "0"}
    )


def test_without_namespaces_only_nodes_without_absolute_paths_run(
    tmp_path: Path, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex, _, _ = env
    monkeypatch.setattr(host, "_available", False)
    plain = {"name": "t", "container": {"image": "busybox", "command": ["sh", "-c", "pwd"]}}
    assert run(ex.run(spec(tmp_path, plain, "p"))).outputs["result"] == str(
        tmp_path / "run/nodes/p/work"
    )
    with_paths = {
        "name": "t",
        "container": {"image": "busybox", "command": ["true"]},
        "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/o"}}]},
    }
    assert run(ex.run(spec(tmp_path, with_paths, "w"))) == PodResult(
        "Error",
        "this machine cannot give the node a private mount namespace, and the template uses "
        "absolute paths (/tmp/o): run with --backend docker (or podman)",
        None,
    )


def test_docker_daemon_probe_runs_docker_exec_and_stop_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "docker"
    fake.write_text(
        f'#!/bin/sh\necho "$1 $2 $3" >> {calls}\n'
        'case "$1" in run) exec sleep 30;; exec) shift 2; exec "$@";; esac\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    ex = Executor(backend="docker", store=FakeStore(), artifacts=FakeArtifacts(tmp_path / "a"))
    template = {
        "name": "srv",
        "container": {
            "image": "nginx",
            "readinessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 0.1},
        },
    }

    async def go() -> tuple[Any, PodResult]:
        daemon = await ex.start_daemon(spec(tmp_path, template))
        try:
            ready = await daemon.wait_ready()
        finally:
            stopped = await daemon.stop()
        return ready, stopped

    assert run(go()) == (None, PodResult("Succeeded", "", None, {}))
    assert sorted(calls.read_text().splitlines()) == [  # run and exec may log in either order
        "exec wf-n1-1-main-0 true",
        "rm -f wf-n1-1-main-0",
        "run --rm --name",
    ]


# --- upstream examples' host-execution needs ---------------------------------------------


def test_script_source_is_executable_as_argo_stages_it(tmp_path: Path, env: Any) -> None:
    # examples/scripts-bash.yaml: `command: [sh, -c]` executes the staged script file itself
    # (workflow/executor/executor.go StageFiles writes it with mode 0755).
    ex, _, _ = env
    template = {
        "name": "t",
        "script": {"image": "alpine:3.23", "command": ["sh", "-c"], "source": "echo $((6*7))\n"},
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", 0, {"result": "42", "exitCode": "0"}
    )


def test_relative_writes_land_in_the_images_working_directory(tmp_path: Path, env: Any) -> None:
    # examples/conditional-artifacts.yaml: python:alpine has no WORKDIR, so "result.txt" is
    # "/result.txt", the output artifact's path.
    ex, arts, _ = env
    template = {
        "name": "heads",
        "script": {
            "image": "python:alpine3.23",
            "command": ["python"],
            "source": (
                "import os\nopen('result.txt', 'w').write('it was heads')\nprint(os.getcwd())\n"
            ),
        },
        "outputs": {"artifacts": [{"name": "result", "path": "/result.txt"}]},
    }
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded",
        "",
        0,
        {
            "result": "/",
            "exitCode": "0",
            "artifacts": [
                {"name": "result", "path": "/result.txt", "s3": {"key": "wf/wf-n1-1/result.tgz"}}
            ],
        },
    )
    assert stored(arts, "wf/wf-n1-1/result.tgz") == "result.txt=it was heads"
    assert not Path("/result.txt").exists()


def test_argosay_v1_is_ubuntu_with_cowsay(tmp_path: Path, env: Any) -> None:
    # test/e2e/images/argosay/v1/Dockerfile: ubuntu with cowsay in /usr/games (on PATH),
    # CMD ["cowsay"]; examples/conditionals.yaml runs `sh -c "cowsay hello"`.
    ex, _, _ = env
    image = "argoproj/argosay:v1"
    hello = {
        "name": "a",
        "container": {"image": image, "command": ["sh", "-c"], "args": ["cowsay hello"]},
    }
    long = {"name": "a", "container": {"image": image, "args": ["cowsay", "a " * 25 + "end"]}}
    got = [run(ex.run(spec(tmp_path, t, n))) for n, t in (("h", hello), ("l", long))]
    cow = [
        "        \\   ^__^",
        "         \\  (oo)\\_______",
        "            (__)\\       )\\/\\",
        "                ||----w |",
        "                ||     ||",
    ]
    assert got == [
        PodResult(
            "Succeeded",
            "",
            0,
            {"result": "\n".join([" _______", "< hello >", " -------", *cow]), "exitCode": "0"},
        ),
        PodResult(
            "Succeeded",
            "",
            0,
            {
                "result": "\n".join(
                    [
                        " " + "_" * 41,
                        "/ a a a a a a a a a a a a a a a a a a a a \\",
                        "\\ " + "a a a a a end".ljust(39) + " /",
                        " " + "-" * 41,
                        *cow,
                    ]
                ),
                "exitCode": "0",
            },
        ),
    ]
    assert images.host_argv(image, [], []) == ["cowsay"]
    assert images.host_argv(image, ["/argosay"], ["echo"]) == ["/argosay", "echo"]


def test_busybox_nc_serves_a_program_and_connects(tmp_path: Path, env: Any) -> None:
    # examples/variables-showcase.yaml: an alpine daemon runs `nc -lk -p 9999 -e /bin/true`;
    # alpine's nc is busybox's (-l -k -p -e), whatever nc this machine has; two listeners on one
    # port (two pods with their own IPs on a cluster) share it.
    ex, _, _ = env
    port = free_port()
    script = (
        f"nc -lk -p {port} -e echo hello & A=$!; nc -lk -p {port} -e echo hello & B=$!; "
        f"for i in 1 2 3 4 5 6 7 8 9; do nc -z 127.0.0.1 {port} && break; sleep 0.2; done; "
        f"nc 127.0.0.1 {port}; nc 127.0.0.1 {port} </dev/null; kill $A $B"
    )
    template = {"name": "t", "container": {"image": "alpine:3.23", "command": ["sh", "-c", script]}}
    assert run(ex.run(spec(tmp_path, template))) == PodResult(
        "Succeeded", "", 0, {"result": "hello\nhello", "exitCode": "0"}
    )


def test_the_pod_ends_with_its_main_process_not_its_background_children(
    tmp_path: Path, env: Any
) -> None:
    # A container ends when its main process does; a background child still holding stdout
    # (`nc -lk ... &` in examples/variables-showcase.yaml) does not keep the node running.
    ex, _, _ = env
    template = {
        "name": "t",
        "container": {"image": "alpine", "command": ["sh", "-c", "sleep 30 & echo x; exit 3"]},
    }
    started = time.monotonic()
    result = run(ex.run(spec(tmp_path, template)))
    assert (result, time.monotonic() - started < 10) == (
        PodResult("Failed", "main: Error (exit code 3)", 3, {"result": "x", "exitCode": "3"}),
        True,
    )


def test_a_volume_over_the_venv_and_tiphys_still_runs_python_argosay_and_cowsay(
    tmp_path: Path, env: Any
) -> None:
    # This machine's (and CI's) checkout and venv live under /work; a volume mounted at /work
    # hides them inside the node, which then runs the base interpreter and argosay by file.
    import tiphys

    ex, _, _ = env

    top = "/" + Path(tiphys.__file__).resolve().parts[1]
    prefix = os.path.realpath(sys.base_prefix)
    if prefix == top or prefix.startswith(top + "/"):
        pytest.skip(f"the base interpreter itself is under {top}")
    mount = [{"name": "v", "mountPath": top}]
    volumes = [{"name": "v", "emptyDir": {}}]
    templates = {
        "say": {
            "name": "t",
            "container": {
                "image": "argoproj/argosay:v2",
                "args": ["echo", "hi", f"{top}/out"],
                "volumeMounts": mount,
            },
            "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": f"{top}/out"}}]},
        },
        "py": {
            "name": "t",
            "script": {
                "image": "python:3",
                "command": ["python"],
                "source": f"import os\nprint(sorted(os.listdir({top!r})))\n",
                "volumeMounts": mount,
            },
        },
        "cow": {
            "name": "t",
            "container": {
                "image": "argoproj/argosay:v1",
                "command": ["sh", "-c", "cowsay hi | head -2; ls -A " + top],
                "volumeMounts": mount,
            },
        },
    }
    got = {n: run(ex.run(spec(tmp_path, t, n, volumes=volumes))) for n, t in templates.items()}
    assert got == {
        "say": PodResult(
            "Succeeded",
            "",
            0,
            {
                "result": "",
                "exitCode": "0",
                "parameters": [{"name": "o", "valueFrom": {"path": f"{top}/out"}, "value": "hi"}],
            },
        ),
        "py": PodResult("Succeeded", "", 0, {"result": "[]", "exitCode": "0"}),
        "cow": PodResult("Succeeded", "", 0, {"result": " ____\n< hi >", "exitCode": "0"}),
    }


def test_a_venv_under_tmp_counts_as_hidden_by_the_nodes_own_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `python3 -m venv /tmp/venv`: every node's /tmp is its sandbox, so the venv's python is
    # not there inside the node (exit 127 "failed to find name in PATH" for any python:* step).
    monkeypatch.setattr(host, "_soft_paths", lambda: ["/tmp/venv", "/tmp/venv/bin/python"])
    assert host.MountPlan(tmp_path / "a").hides_own
    monkeypatch.setattr(host, "_soft_paths", lambda: ["/opt/venv", "/opt/venv/bin/python"])
    assert not host.MountPlan(tmp_path / "b").hides_own


def test_argosay_by_file_does_not_import_tiphys_modules_named_like_the_standard_library(
    tmp_path: Path, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the venv hidden and the checkout visible (a venv under /tmp), argosay ran as
    # /proc/self/fd/N, whose directory (tiphys/local) came first in sys.path: its selectors.py
    # shadowed the standard library's (ModuleNotFoundError: No module named 'tiphys').
    ex, _, logs = env
    monkeypatch.setattr(host, "_soft_paths", lambda: ["/tmp/venv", "/tmp/venv/bin/python"])
    template = {
        "name": "t",
        "container": {"image": "argoproj/argosay:v2", "args": ["echo", "hi"]},
    }
    result = run(ex.run(spec(tmp_path, template)))
    assert (result.phase, [line.split(" ", 1)[1] for _, _, line in logs]) == ("Succeeded", ["hi"])
