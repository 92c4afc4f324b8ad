"""The README's tour stays true: its code compiles to what it shows, its lint line is exact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _block(pattern: str) -> str:
    match = re.search(pattern, README, re.S)
    assert match, f"README section not found: {pattern}"
    return match.group(1)


def _tiphys(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tour_compiles_to_the_yaml_shown(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(_block(r"```python\n(# hello\.py\n.*?)```"))
    done = _tiphys("compile", "hello.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = _block(r"\$ tiphys compile hello\.py\n(.*?)```")
    for chunk in shown.split("...\n"):
        assert chunk.strip("\n") in done.stdout, chunk


def test_tour_lint_output_is_exact(tmp_path: Path) -> None:
    source = _block(r"```python\n(# hello\.py\n.*?)```").replace("say(message=", "say(mesage=")
    (tmp_path / "hello.py").write_text(source)
    done = _tiphys("lint", "hello.py", cwd=tmp_path)
    shown = _block(r"\$ tiphys lint hello\.py[^\n]*\n(.*?)```")
    assert done.returncode == 1
    # diagnostics go to stderr and the summary to stdout: compare the lines, not their order
    assert sorted((done.stdout + done.stderr).splitlines()) == sorted(shown.splitlines())


def test_relative_links_point_at_files() -> None:
    root = Path(__file__).resolve().parents[1]
    targets = re.findall(r"\]\((?!https?://)([^)#]+)\)", README)
    assert targets, "the README links to files of the repository"
    assert [t for t in targets if not (root / t).exists()] == []


def test_tour_python_run_against_a_scripted_server(tmp_path: Path) -> None:
    """The "From Python" snippet runs as shown against Argo-shaped replies (swagger-checked)."""
    from argo_contract import conforms, ok
    from argo_fake import ArgoFake, result, sse_reply

    (tmp_path / "hello.py").write_text(_block(r"```python\n(# hello\.py\n.*?)```"))
    snippet = _block(r"From Python, `submit` returns a `Run`:\n\n```python\n(.*?)```")
    name = "coinflip-x7k2p"
    path = f"/api/v1/workflows/argo/{name}"
    created = {
        "metadata": {"name": name, "namespace": "argo", "uid": "u-1", "resourceVersion": "7"},
        "spec": {"entrypoint": "coinflip"},
        "status": {},
    }
    done = {
        **created,
        "metadata": {**created["metadata"], "resourceVersion": "9"},
        "status": {
            "phase": "Succeeded",
            "startedAt": "2026-11-29T10:00:00Z",
            "finishedAt": "2026-11-29T10:00:20Z",
            "nodes": {
                name: {
                    "id": name,
                    "name": name,
                    "displayName": name,
                    "type": "DAG",
                    "templateName": "coinflip",
                    "phase": "Succeeded",
                    "outputs": {"parameters": [{"name": "side", "value": "heads"}]},
                },
            },
        },
    }
    line = {"content": "2026-11-29T10:00:05.000000000Z heads", "podName": f"{name}-flip-1"}
    with ArgoFake(socket_timeout=5) as argo:
        argo.add("POST", "/api/v1/workflows/argo", ok("POST", "/api/v1/workflows/argo", created))
        argo.add("GET", path, ok("GET", path, done))
        argo.add("GET", f"{path}/log", sse_reply([result(line)]))
        env = {
            "ARGO_SERVER": argo.url.removeprefix("http://"),
            "ARGO_SECURE": "false",
            "ARGO_NAMESPACE": "argo",
            "ARGO_TOKEN": "t0ken",
            "KUBECONFIG": "/dev/null",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "sdk"),
        }
        ran = subprocess.run(
            [sys.executable, "-c", snippet],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        requests = list(argo.requests)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"Succeeded {{'side': 'heads'}}\n{name}-flip-1 heads\n"
    conforms(requests)
    sent = requests[0].json()["workflow"]
    assert sent["spec"]["arguments"] == {"parameters": [{"name": "greeting", "value": "hi"}]}
