"""tiphys run: loading, flags and their errors, exit codes, views; run in-process on the host
backend (python scripts run with this interpreter, busybox with this machine's shell)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiphys.cli.app import create_app

HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: who
        value: world
  templates:
    - name: main
      inputs:
        parameters:
          - name: who
            value: "{{workflow.parameters.who}}"
      script:
        image: python:3.12-alpine
        command: [python]
        source: |
          print("hello, {{inputs.parameters.who}}")
"""


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        create_app(),
        list(args),
        input=stdin,
        env={"NO_COLOR": "1", "COLUMNS": "120"},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    return path


def _mock_file(tmp_path: Path, data: object, name: str = "mock.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# --- input errors: exit 2, nothing runs ----------------------------------------------------------


def test_an_unknown_output_format_is_a_usage_error(hello: Path) -> None:
    assert invoke("run", str(hello), "-o", "wide") == (
        2,
        "",
        "tiphys: error: unknown output format 'wide' (choose name, json or yaml)\n",
    )


def test_log_with_an_output_format_is_refused(hello: Path) -> None:
    assert invoke("run", str(hello), "-o", "json", "--log") == (
        2,
        "",
        "tiphys: error: --log prints to stdout: use it without -o\n",
    )


def test_a_timeout_that_is_not_a_duration(hello: Path) -> None:
    assert invoke("run", str(hello), "--timeout", "soon") == (
        2,
        "",
        "tiphys: error: --timeout 'soon' is not a duration: write e.g. 30s, 5m, 2h, 1h30m or "
        "seconds\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[1]",
            'MOCK must hold a JSON object like {"outputs": {"result": "..."}}',
        ),
        ("{", "MOCK is not JSON: Expecting property name enclosed in double quotes (line 1)"),
        (
            {"phase": "Succeeded", "outputs": {}, "exit": 1},
            "MOCK: unknown key 'exit' (the keys are phase, message, outputs)",
        ),
        ({"phase": "Skipped"}, "MOCK: phase 'Skipped' is not Succeeded, Failed or Error"),
        ({"message": 3}, "MOCK: message must be a string"),
        (
            {"outputs": []},
            'MOCK: outputs must be an object like {"result": "...", "parameters": '
            '{"name": "value"}}',
        ),
    ],
)
def test_a_malformed_mock_file(hello: Path, tmp_path: Path, content: object, message: str) -> None:
    mock = _mock_file(tmp_path, content)
    code, out, err = invoke("run", str(hello), "--mock", f"main={mock}")
    assert (code, out) == (2, "")
    assert err == f"tiphys: error: --mock main: {message.replace('MOCK', str(mock))}\n"


def test_a_mock_without_a_file_and_a_missing_file(hello: Path, tmp_path: Path) -> None:
    assert invoke("run", str(hello), "--mock", "main") == (
        2,
        "",
        "tiphys: error: --mock 'main': write TEMPLATE=FILE, FILE a JSON object of the node's "
        "outputs\n",
    )
    missing = tmp_path / "nope.json"
    assert invoke("run", str(hello), "--mock", f"main={missing}") == (
        2,
        "",
        f"tiphys: error: --mock main: cannot read {missing}: No such file or directory\n",
    )


def test_a_template_mocked_twice(hello: Path, tmp_path: Path) -> None:
    mock = _mock_file(tmp_path, {})
    assert invoke("run", str(hello), "--mock", f"main={mock}", "--mock", f"main={mock}") == (
        2,
        "",
        "tiphys: error: --mock: template 'main' is mocked twice\n",
    )


def test_two_workflows_in_one_file_need_a_selector(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(HELLO.replace("hello-", "one-") + "---\n" + HELLO.replace("hello-", "two-"))
    assert invoke("run", str(path)) == (
        2,
        "",
        f"tiphys: error: {path} holds 2 Workflows (one-, two-): run one, e.g. {path}:NAME\n",
    )


def test_a_file_without_a_workflow(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n")
    code, out, err = invoke("run", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"{path}:1: skipped: kind 'Service' is not an Argo workflow kind (Workflow, "
        "WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)\n"
        f"tiphys: error: {path} holds no Workflow: tiphys run takes one Workflow, or one "
        "WorkflowTemplate to run (use --template for templates the workflow refers to)\n"
    )


def test_an_unknown_parameter_is_reported_at_its_file(hello: Path) -> None:
    assert invoke("run", str(hello), "-p", "whom=x") == (
        2,
        "",
        f"{hello}:8: Workflow (generateName 'hello-') has no parameter 'whom' (parameters: "
        "who). Did you mean 'who'? (at spec.arguments.parameters) [P101]\n",
    )


def test_an_unknown_entrypoint(hello: Path) -> None:
    assert invoke("run", str(hello), "--entrypoint", "nope") == (
        2,
        "",
        "tiphys: error: --entrypoint 'nope' is not a template of Workflow 'hello-' (its "
        "templates: main)\n",
    )


def test_template_option_refuses_other_kinds(hello: Path, tmp_path: Path) -> None:
    other = tmp_path / "svc.yaml"
    other.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n")
    assert invoke("run", str(hello), "--template", str(other)) == (
        2,
        "",
        f"tiphys: error: {other}:1: --template loads WorkflowTemplate, ClusterWorkflowTemplate, "
        "ConfigMap and Secret documents, not Service\n",
    )


def test_help_names_every_flag() -> None:
    code, out, _ = invoke("run", "--help")
    assert code == 0
    flags = re.findall(r"(?m)^\s+(?:-\w, )?(--[a-z-]+)", out)
    assert flags == [
        "--parameter",
        "--parameter-file",
        "--entrypoint",
        "--name",
        "--backend",
        "--log",
        "--mock",
        "--secret",
        "--secrets-file",
        "--configmap",
        "--configmap-file",
        "--template",
        "--run-dir",
        "--timeout",
        "--output",
        "--help",
    ]


# --- runs on this machine (host backend) ---------------------------------------------------------

FAILING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: fail-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: ok
            template: echo
          - name: boom
            template: boom
    - name: echo
      container:
        image: busybox
        command: [echo, hi]
    - name: boom
      script:
        image: python:3.12
        command: [python]
        source: |
          import sys; print("failing"); sys.exit(3)
"""

SLEEPY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: sleepy
spec:
  entrypoint: main
  templates:
    - name: main
      script:
        image: python:3.12
        command: [python]
        source: |
          import os, time
          print(os.getpid(), flush=True)
          time.sleep(60)
"""


def _normal(text: str) -> str:
    """Times and durations of a view replaced by fixed words."""
    text = re.sub(r"(?m)^\d\d:\d\d:\d\d ", "HH:MM:SS ", text)
    text = re.sub(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d [+-]\d{4} \([^)]*\)", "TIME", text)
    text = re.sub(r"(Duration: +)\d+ seconds?", r"\1N", text)
    return re.sub(r"(?<= )\d+s\b", "Ns", text)


def _events(out: str) -> str:
    """The node changes and log lines of a run's stdout (between the header and the view)."""
    lines = _normal(out).split("\n")
    return "\n".join(lines[2 : lines.index("")]) + "\n"


def _nodes(wf: dict[str, object]) -> dict[str, tuple[object, object]]:
    nodes = wf["status"]["nodes"]  # type: ignore[index]
    return {n["displayName"]: (n["phase"], n.get("outputs")) for n in nodes.values()}  # type: ignore[attr-defined]


def test_a_run_prints_node_changes_logs_then_the_get_view(hello: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    code, out, err = invoke(
        "run",
        str(hello),
        "-p",
        "who=you",
        "--name",
        "hello-t",
        "--run-dir",
        str(run_dir),
        "--backend",
        "host",
        "--log",
    )
    assert (code, err) == (0, "")
    assert _normal(out) == (
        "Workflow: hello-t\n"
        f"Run directory: {run_dir}\n"
        "HH:MM:SS hello-t  Running\n"
        "hello-t: hello, you\n"
        "HH:MM:SS hello-t  Succeeded\n"
        "\n"
        "Name:                hello-t\n"
        "Namespace:           default\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Succeeded\n"
        "Conditions:\n"
        " PodRunning          False\n"
        " Completed           True\n"
        "Created:             TIME\n"
        "Started:             TIME\n"
        "Finished:            TIME\n"
        "Duration:            N\n"
        "Progress:            1/1\n"
        "Parameters:\n"
        "  who:               you\n"
        "\n"
        "STEP        TEMPLATE  PODNAME  DURATION  MESSAGE\n"
        " ✔ hello-t  main      hello-t  Ns\n"
    )
    log = (run_dir / "logs" / "hello-t" / "main.log").read_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello, you\n", log), log


def test_a_failed_run_exits_1_naming_the_failed_nodes(tmp_path: Path) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(FAILING)
    run_dir = tmp_path / "run"
    code, out, err = invoke(
        "run", str(path), "--name", "fail-t", "--run-dir", str(run_dir), "--backend", "host"
    )
    assert code == 1
    assert "\nSTEP " in out
    assert err == (
        "workflow 'fail-t' ended Failed: child 'fail-t-482788395' failed\n"
        "failed nodes:\n"
        "  boom (Failed): main: Error (exit code 3)\n"
        f"Logs and outputs are in {run_dir}.\n"
    )


def test_a_mock_replaces_a_template_and_json_prints_the_final_workflow(tmp_path: Path) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(FAILING)
    mock = _mock_file(tmp_path, {"outputs": {"result": "mocked", "parameters": {"n": "1"}}})
    code, out, err = invoke(
        "run",
        str(path),
        "--name",
        "mocked",
        "--run-dir",
        str(tmp_path / "run"),
        "--backend",
        "host",
        "--mock",
        f"boom={mock}",
        "-o",
        "json",
    )
    assert (code, err) == (0, f"Workflow: mocked\nRun directory: {tmp_path / 'run'}\n")
    assert _nodes(json.loads(out)) == {
        "mocked": ("Succeeded", None),
        "[0]": ("Succeeded", None),
        "ok": ("Succeeded", {"exitCode": "0"}),  # result captured only when referenced
        "boom": ("Succeeded", {"result": "mocked", "parameters": [{"name": "n", "value": "1"}]}),
    }


def test_a_mock_of_a_template_the_workflow_does_not_use(tmp_path: Path) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(FAILING)
    mock = _mock_file(tmp_path, {})
    assert invoke("run", str(path), "--mock", f"nope={mock}", "--backend", "host") == (
        2,
        "",
        "tiphys: error: mock 'nope' names no template this workflow uses (it uses boom, echo, "
        "main)\n",
    )


def test_a_timeout_terminates_the_run_and_exits_4(tmp_path: Path) -> None:
    import time

    path = tmp_path / "sleepy.yaml"
    path.write_text(SLEEPY)
    start = time.monotonic()
    code, out, err = invoke(
        "run",
        str(path),
        "--run-dir",
        str(tmp_path / "run"),
        "--backend",
        "host",
        "--timeout",
        "1",
    )
    assert time.monotonic() - start < 10
    assert code == 4
    assert "HH:MM:SS sleepy  Failed  Stopped with strategy 'Terminate'\n" in _normal(out)
    assert err == "tiphys: error: workflow sleepy did not end within 1s: it was terminated\n"


def test_ctrl_c_terminates_the_run_and_its_processes(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "sleepy.yaml"
    path.write_text(SLEEPY)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiphys",
            "run",
            str(path),
            "--backend",
            "host",
            "--log",
            "--run-dir",
            str(tmp_path / "run"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        pid = int(lines[3].removeprefix("sleepy: "))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert process.returncode == 130
    assert _normal(out) == "HH:MM:SS sleepy  Failed  Stopped with strategy 'Terminate'\n"
    assert err == (
        "tiphys: interrupted; workflow sleepy was terminated and its processes stopped (exit "
        "handlers did not run).\n"
    )
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


CONFIGURED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: bonjour
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: cm-
spec:
  entrypoint: main
  templates:
    - name: main
      inputs:
        parameters:
          - name: greeting
            valueFrom:
              configMapKeyRef: {name: settings, key: greeting}
      script:
        image: python:3.12
        command: [python]
        env:
          - name: PASSWORD
            valueFrom:
              secretKeyRef: {name: creds, key: password}
        source: |
          import os
          print("{{inputs.parameters.greeting}}", len(os.environ["PASSWORD"]))
"""


def test_configmaps_in_the_file_and_secrets_from_flags(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(CONFIGURED)
    for source, name, stdin in ((str(path), "cm-t", None), ("-", "cm-s", CONFIGURED)):
        code, out, err = invoke(
            "run", source, "--name", name, "--run-dir", str(tmp_path / name), "--backend", "host",
            "--secret", "creds.password=hunter22", "--log", stdin=stdin,
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert _events(out) == (
            f"HH:MM:SS {name}  Running\n{name}: bonjour 8\nHH:MM:SS {name}  Succeeded\n"
        )
        assert "hunter22" not in out


def test_a_malformed_secret_is_a_usage_error(hello: Path) -> None:
    assert invoke("run", str(hello), "--secret", "creds") == (
        2,
        "",
        "tiphys: error: --secret has no '=': give it as --secret NAME.KEY=VALUE\n",
    )


GREETER = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: greeter
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: who
        value: world
  templates:
    - name: main
      container:
        image: busybox
        command: [echo, "hi {{workflow.parameters.who}}"]
"""
REF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ref-
spec:
  workflowTemplateRef:
    name: greeter
"""


def test_templates_are_loaded_first_and_a_template_file_runs_by_itself(tmp_path: Path) -> None:
    template = tmp_path / "greeter.yaml"
    template.write_text(GREETER)
    ref = tmp_path / "ref.yaml"
    ref.write_text(REF)
    common = ("--run-dir", str(tmp_path / "run"), "--backend", "host")
    code, out, err = invoke(
        "run", str(ref), "--template", str(template), "-p", "who=ref", "--name", "ref-t", "--log",
        *common,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert _events(out) == "HH:MM:SS ref-t  Running\nref-t: hi ref\nHH:MM:SS ref-t  Succeeded\n"
    code, out, err = invoke(
        "run", str(template), "-p", "who=tmpl", "--name", "t-t", "-o", "json", *common
    )
    assert code == 0, err
    wf = json.loads(out)
    assert wf["spec"] == {
        "workflowTemplateRef": {"name": "greeter"},
        "arguments": {"parameters": [{"name": "who", "value": "tmpl"}]},
    }
    assert _nodes(wf) == {"t-t": ("Succeeded", {"exitCode": "0"})}
    assert (tmp_path / "run" / "logs" / "t-t" / "main.log").read_text().endswith(" hi tmpl\n")
    assert invoke("run", str(template), "-p", "whom=x") == (
        2,
        "",
        f"{template}:8: WorkflowTemplate 'greeter' has no parameter 'whom' (parameters: who). "
        "Did you mean 'who'? (at spec.arguments.parameters) [P101]\n",
    )


def test_on_a_terminal_the_view_is_redrawn_in_place(
    hello: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tiphys.cli import _follow
    from tiphys.cli.render import LiveView

    views: list[LiveView] = []

    def live_view(out: object) -> LiveView:
        views.append(LiveView(out, size=lambda: (100, 40)))  # type: ignore[arg-type]
        return views[-1]

    monkeypatch.setattr(_follow, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(_follow, "make_live_view", live_view)
    code, out, err = invoke(
        "run",
        str(hello),
        "--name",
        "live-t",
        "--run-dir",
        str(tmp_path / "run"),
        "--backend",
        "host",
    )
    assert (code, err) == (0, "")
    assert views[0].frames >= 1
    head = f"Workflow: live-t\nRun directory: {tmp_path / 'run'}\n"
    assert out.startswith(head)
    frames = [frame for frame in out.removeprefix(head).split("\x1b[J") if frame]
    assert len(frames) == views[0].frames
    last = re.sub(r"^\x1b\[\d+F", "", frames[-1])
    assert _normal(last.replace("\x1b[K", "")) == (
        "Name:                live-t\n"
        "Namespace:           default\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Succeeded\n"
        "Conditions:\n"
        " PodRunning          False\n"
        " Completed           True\n"
        "Created:             TIME\n"
        "Started:             TIME\n"
        "Finished:            TIME\n"
        "Duration:            N\n"
        "Progress:            1/1\n"
        "Parameters:\n"
        "  who:               world\n"
        "\n"
        "STEP       TEMPLATE  PODNAME  DURATION  MESSAGE\n"
        " ✔ live-t  main      live-t   Ns\n"
    )


def test_a_python_file_with_a_selector(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "hello.py"
    code, out, err = invoke(
        "run", f"{example}:workflow", "-p", "name=Argo", "--name", "py-t",
        "--run-dir", str(tmp_path), "--backend", "host", "--log",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert _events(out) == "HH:MM:SS py-t  Running\npy-t: hello, Argo!\nHH:MM:SS py-t  Succeeded\n"


def test_template_option_takes_a_directory_of_templates_and_configmaps(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "greeter.yaml").write_text(
        GREETER.replace("value: world", "valueFrom: {configMapKeyRef: {name: who, key: name}}")
    )
    (library / "who.yml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: who\ndata:\n  name: library\n"
    )
    ref = tmp_path / "ref.yaml"
    ref.write_text(REF)
    code, out, err = invoke(
        "run", str(ref), "--template", str(library), "--name", "dir-t", "--log",
        "--run-dir", str(tmp_path / "run"), "--backend", "host",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert _events(out) == "HH:MM:SS dir-t  Running\ndir-t: hi library\nHH:MM:SS dir-t  Succeeded\n"


@pytest.mark.parametrize("program", ["docker", "podman"])
def test_an_explicit_container_backend_without_a_daemon_is_a_usage_error(
    hello: Path, tmp_path: Path, program: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the check every node ended "main: Error (exit code 125)", the reason (no daemon)
    # only in the node's log.
    from tiphys.local import docker

    monkeypatch.setattr(docker, "daemon_answers", lambda prog, **kw: False)
    run_dir = tmp_path / "run"
    assert invoke("run", str(hello), "--backend", program, "--run-dir", str(run_dir)) == (
        2,
        "",
        f"tiphys: error: --backend {program}: no {program} daemon answers (`{program} version` "
        "failed); start it, or use --backend host\n",
    )
    assert not run_dir.exists()


def test_a_run_directory_that_cannot_be_made_is_a_usage_error(hello: Path, tmp_path: Path) -> None:
    # It ended the workflow Error "internal error in the local engine: NotADirectoryError(...)"
    # with exit 1, its node left pending in the view.
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert invoke("run", str(hello), "--run-dir", str(blocker / "run")) == (
        2,
        "",
        f"tiphys: error: cannot use the run directory {blocker / 'run'}: Not a directory\n",
    )


@pytest.mark.parametrize("name", ["../escaped", "Bad_Name"])
def test_an_invalid_name_is_a_usage_error(hello: Path, tmp_path: Path, name: str) -> None:
    # The name is the default run directory's last part: '../escaped' wrote beside
    # $TMPDIR/tiphys-runs; a cluster refuses both names.
    code, out, err = invoke("run", str(hello), "--name", name)
    assert (code, out) == (2, "")
    assert err.startswith(f"tiphys: error: --name: {name!r} is not a valid Kubernetes name")
