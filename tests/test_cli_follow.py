"""tiphys submit, watch, wait, logs and cp against ArgoFake: outputs compared whole, exit codes,
every request checked against swagger.json (the artifact route, outside swagger, by path)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from argo_contract import conforms, err, ok
from argo_fake import KEEPALIVE, ArgoFake, Cut, Pause, Reply, error_chunk, result, sse_reply
from cli_server import NAMESPACE, cli_env, invoke
from swagger_oracle import response_problems
from tiphys.cli import _follow, get_cmd
from tiphys.cli.render import LiveView
from tiphys.client._transport import Transport

NAME = "ci-x7k2p"
WFS = f"/api/v1/workflows/{NAMESPACE}"
GET = f"{WFS}/{NAME}"
EVENTS = f"/api/v1/workflow-events/{NAMESPACE}"
LOG = f"{GET}/log"
POD = f"{NAME}-main-1234"
NOW = datetime(2026, 11, 29, 10, 0, 10, tzinfo=UTC)
LINK = "https://ui.example.com/workflows/argo/" + NAME

CI_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ci-
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: branch
        value: main
  templates:
    - name: main
      container:
        image: alpine:3.20
        command: [echo, "{{workflow.parameters.branch}}"]
"""


def node(phase: str, message: str = "") -> dict[str, Any]:
    n: dict[str, Any] = {
        "id": NAME,
        "name": NAME,
        "displayName": NAME,
        "type": "Pod",
        "templateName": "main",
        "phase": phase,
        "startedAt": "2026-11-29T10:00:01Z",
    }
    if phase in ("Succeeded", "Failed", "Error"):
        n["finishedAt"] = "2026-11-29T10:00:09Z"
    if message:
        n["message"] = message
    return n


def wf(rv: str, phase: str = "Running", message: str = "", **status: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"phase": phase, "startedAt": "2026-11-29T10:00:01Z", **status}
    if phase in ("Succeeded", "Failed", "Error"):
        st["finishedAt"] = "2026-11-29T10:00:09Z"
        st.setdefault("progress", "0/1" if phase != "Succeeded" else "1/1")
        st.setdefault("nodes", {NAME: node(phase, message)})
    if message:
        st["message"] = message
    return {
        "metadata": {
            "name": NAME,
            "namespace": NAMESPACE,
            "uid": "u-1",
            "resourceVersion": rv,
            "creationTimestamp": "2026-11-29T10:00:00Z",
        },
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "branch", "value": "dev"}]},
        },
        "status": st,
    }


def created() -> dict[str, Any]:
    w = wf("1")
    w["status"] = {}
    return w


def ev(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return result({"type": kind, "object": obj})


def stream(path: str, *items: Mapping[str, Any] | bytes | Pause | Cut) -> Reply:
    """An SSE reply whose messages are first checked against the stream's response schema."""
    for item in items:
        if isinstance(item, Mapping):
            assert response_problems("GET", path, 200, item) == [], item
    return sse_reply(items)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Reconnect pauses of the streams, recorded instead of slept."""
    seen: list[int] = []
    monkeypatch.setattr(Transport, "pause", lambda self, attempt: seen.append(attempt))
    return seen


@pytest.fixture
def argo(monkeypatch: pytest.MonkeyPatch, pauses: list[int]) -> Iterator[ArgoFake]:
    monkeypatch.setattr(get_cmd, "TIME_ZONE", UTC)
    monkeypatch.setattr(get_cmd, "now", lambda: NOW)
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def run(argo: ArgoFake | None, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    ran = invoke(argo, *args, stdin=stdin, env={"ARGO_UI_URL": "https://ui.example.com"})
    if argo is not None:
        conforms([r for r in argo.requests if not r.path.startswith("/artifact-files/")])
    return ran.code, ran.out, ran.err


@pytest.fixture
def ci(tmp_path: Path) -> str:
    path = tmp_path / "ci.yaml"
    path.write_text(CI_YAML)
    return str(path)


def follow_to(argo: ArgoFake, final: dict[str, Any]) -> None:
    """The watch of NAME: a GET (Running), then one stream ending with ``final``."""
    argo.add("GET", GET, ok("GET", GET, wf("2")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, ev("MODIFIED", final)))


FAILED = (
    f"workflow '{NAME}' in namespace 'argo' ended Failed: Error (exit code 1)\n"
    "failed nodes:\n"
    f"  {NAME} (Failed): Error (exit code 1)\n"
    f"See `tiphys get -n argo {NAME}` and `tiphys logs -n argo {NAME}`.\n"
)


# --- submit ---------------------------------------------------------------------------------


def test_submit_file_creates_it_and_prints_name_and_link(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    code, out, error = run(
        argo, "submit", ci, "-p", "branch=dev", "-l", "team=ci,tier=1", "--priority", "3"
    )
    assert (code, out, error) == (0, f"Workflow: {NAME}\nLink: {LINK}\n", "")
    (request,) = argo.requests
    assert request.json() == {
        "namespace": NAMESPACE,
        "workflow": {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"generateName": "ci-", "labels": {"team": "ci", "tier": "1"}},
            "spec": {
                "entrypoint": "main",
                "arguments": {"parameters": [{"name": "branch", "value": "dev"}]},
                "templates": [
                    {
                        "name": "main",
                        "container": {
                            "image": "alpine:3.20",
                            "command": ["echo", "{{workflow.parameters.branch}}"],
                        },
                    }
                ],
                "priority": 3,
            },
        },
    }


def test_submit_from_stdin_with_a_parameter_file_and_options(
    argo: ArgoFake, tmp_path: Path
) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"branch": "feature"}))
    argo.add("POST", WFS, ok("POST", WFS, created()))
    code, out, error = run(
        argo,
        "submit",
        "-",
        "-f",
        str(params),
        "--name",
        "fixed",
        "--serviceaccount",
        "ci-sa",
        "--entrypoint",
        "main",
        "-o",
        "name",
        stdin=CI_YAML,
    )
    assert (code, out, error) == (0, f"{NAME}\n", f"Link: {LINK}\n")
    sent = argo.requests[0].json()["workflow"]
    assert sent["metadata"] == {"name": "fixed"}
    assert sent["spec"]["serviceAccountName"] == "ci-sa"
    assert sent["spec"]["arguments"] == {"parameters": [{"name": "branch", "value": "feature"}]}


def test_submit_dry_run_needs_no_server(ci: str) -> None:
    code, out, error = run(None, "submit", ci, "--dry-run", "-p", "branch=dev", "-l", "a=b")
    assert (code, error) == (0, "")
    assert out == (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Workflow\n"
        "metadata:\n"
        "  generateName: ci-\n"
        "  labels:\n"
        "    a: b\n"
        "spec:\n"
        "  entrypoint: main\n"
        "  arguments:\n"
        "    parameters:\n"
        "    - name: branch\n"
        "      value: dev\n"
        "  templates:\n"
        "  - name: main\n"
        "    container:\n"
        "      image: alpine:3.20\n"
        "      command:\n"
        "      - echo\n"
        "      - '{{workflow.parameters.branch}}'\n"
    )


def test_unknown_parameter_is_a_usage_error_and_nothing_is_sent(argo: ArgoFake, ci: str) -> None:
    code, out, error = run(argo, "submit", ci, "-p", "nope=1")
    assert (code, out) == (2, "")
    assert error == (
        f"{ci}:8: Workflow (generateName 'ci-') has no parameter 'nope' (parameters: branch) "
        "(at spec.arguments.parameters) [P101]\n"
    )
    assert argo.requests == []


def test_a_template_file_is_refused(argo: ArgoFake, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        CI_YAML.replace("kind: Workflow", "kind: WorkflowTemplate").replace(
            "generateName: ci-", "name: ci"
        )
    )
    code, out, error = run(argo, "submit", str(path))
    assert (code, out) == (2, "")
    assert error == (
        f"{path}:1: WorkflowTemplate 'ci' does not run by itself: create it with `tiphys "
        "apply`, then submit it with --from wftmpl/ci\n"
    )
    assert argo.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wait", "--watch"], "use either --wait or --watch, not both"),
        (["--dry-run", "--wait"], "--dry-run creates no workflow, so --wait has nothing to follow"),
        (
            ["--server-dry-run", "--watch"],
            "--server-dry-run creates no workflow, so --watch has nothing to follow",
        ),
        (
            ["--timeout", "soon", "--wait"],
            "--timeout 'soon' is not a duration: write e.g. 30s, 5m, 2h, 1h30m or seconds",
        ),
        (["-o", "toml"], "unknown output format 'toml' (choose name, json, yaml or wide)"),
        (
            ["-l", "novalue"],
            "-l/--labels 'novalue': write KEY=VALUE pairs separated by commas (a=b,c=d)",
        ),
    ],
)
def test_submit_usage_errors(ci: str, args: list[str], message: str) -> None:
    assert run(None, "submit", ci, *args) == (2, "", f"tiphys: error: {message}\n")


def test_submit_needs_files_or_from() -> None:
    assert run(None, "submit") == (
        2,
        "",
        "tiphys: error: give workflow files or --from KIND/NAME (e.g. --from wftmpl/release)\n",
    )
    assert run(None, "submit", "--from", "wftmpl/x", "--dry-run") == (
        2,
        "",
        "tiphys: error: --dry-run needs FILE (a --from submit is built by the server): use "
        "--server-dry-run to have the server check it\n",
    )


TEMPLATE = {
    "metadata": {"name": "release", "namespace": NAMESPACE},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "tag"}]},
        "templates": [{"name": "main", "container": {"image": "alpine"}}],
    },
}
TMPL = f"/api/v1/workflow-templates/{NAMESPACE}/release"


def test_submit_from_a_template_and_wait_for_success(argo: ArgoFake) -> None:
    argo.add("GET", TMPL, ok("GET", TMPL, TEMPLATE))
    argo.add("POST", f"{WFS}/submit", ok("POST", f"{WFS}/submit", created()))
    follow_to(argo, wf("3", "Succeeded"))
    code, out, error = run(argo, "submit", "--from", "wftmpl/release", "-p", "tag=v1", "--wait")
    assert (code, out, error) == (0, f"Workflow: {NAME}\nLink: {LINK}\n{NAME} Succeeded\n", "")
    assert [(r.method, r.path) for r in argo.requests] == [
        ("GET", TMPL),
        ("POST", f"{WFS}/submit"),
        ("GET", GET),
        ("GET", EVENTS),
    ]
    assert argo.requests[1].json() == {
        "namespace": NAMESPACE,
        "resourceKind": "WorkflowTemplate",
        "resourceName": "release",
        "submitOptions": {"parameters": ["tag=v1"]},
    }


def test_submit_from_checks_parameters_against_the_server_template(argo: ArgoFake) -> None:
    argo.add("GET", TMPL, ok("GET", TMPL, TEMPLATE))
    code, out, error = run(argo, "submit", "--from", "wftmpl/release", "-p", "tga=v1")
    assert (code, out) == (2, "")
    assert error == (
        "tiphys: error: WorkflowTemplate 'release' has no parameter 'tga' (its parameters: "
        "tag). Did you mean 'tag'?\n"
    )
    assert [r.method for r in argo.requests] == ["GET"]


def test_forbidden_template_is_a_warning_and_the_server_checks(argo: ArgoFake) -> None:
    argo.add("GET", TMPL, err("GET", TMPL, 403, "forbidden"))
    argo.add("POST", f"{WFS}/submit", ok("POST", f"{WFS}/submit", created()))
    code, out, error = run(argo, "submit", "--from", "wftmpl/release", "-p", "tag=v1")
    assert (code, out) == (0, f"Workflow: {NAME}\nLink: {LINK}\n")
    assert error == (
        "tiphys: warning: cannot read WorkflowTemplate 'release' in namespace 'argo' "
        "(forbidden), so the parameters were not checked before submitting; the server checks "
        "them.\n"
    )


def test_submit_wait_on_a_failed_workflow_exits_1_with_the_failed_nodes(
    argo: ArgoFake, ci: str
) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    follow_to(argo, wf("3", "Failed", "Error (exit code 1)"))
    code, out, error = run(argo, "submit", ci, "--wait")
    assert (code, out, error) == (1, f"Workflow: {NAME}\nLink: {LINK}\n{NAME} Failed\n", FAILED)


def test_submit_wait_times_out_with_exit_4(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    argo.add("GET", GET, ok("GET", GET, wf("2")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(5)))
    code, out, error = run(argo, "submit", ci, "--wait", "--timeout", "300ms")
    assert (code, out) == (4, f"Workflow: {NAME}\nLink: {LINK}\n")
    assert error == (
        f"tiphys: error: workflow {NAME} did not finish within 0.3 s; it was last seen Running. "
        "It keeps running on the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`.\n"
    )


ERROR_VIEW = f"""\
Name:                {NAME}
Namespace:           argo
ServiceAccount:      unset (will run with the default ServiceAccount)
Status:              Error
Message:             pod deleted
Created:             Sun Nov 29 10:00:00 +0000 (10 seconds ago)
Started:             Sun Nov 29 10:00:01 +0000 (9 seconds ago)
Finished:            Sun Nov 29 10:00:09 +0000 (1 second ago)
Duration:            8 seconds
Progress:            0/1
Parameters:
  branch:            dev

STEP         TEMPLATE  PODNAME   DURATION  MESSAGE
 ⚠ {NAME}  main      {NAME}  8s        pod deleted
"""


def test_submit_watch_prints_node_changes_then_the_view_and_exits_1_on_error(
    argo: ArgoFake, ci: str
) -> None:
    running = wf("2", nodes={NAME: node("Running")})
    argo.add("POST", WFS, ok("POST", WFS, created()))
    argo.add("GET", GET, ok("GET", GET, running))
    argo.add(
        "GET",
        EVENTS,
        stream(EVENTS, ev("MODIFIED", running), ev("MODIFIED", wf("3", "Error", "pod deleted"))),
    )
    code, out, error = run(argo, "submit", ci, "--watch")
    assert code == 1
    assert out == (
        f"Workflow: {NAME}\nLink: {LINK}\n"
        f"10:00:10 {NAME}  Running\n"
        f"10:00:10 {NAME}  Error  pod deleted\n"
        f"\n{ERROR_VIEW}"
    )
    assert error == (
        f"workflow '{NAME}' in namespace 'argo' ended Error: pod deleted\n"
        "failed nodes:\n"
        f"  {NAME} (Error): pod deleted\n"
        f"See `tiphys get -n argo {NAME}` and `tiphys logs -n argo {NAME}`.\n"
    )


def test_submit_log_prints_the_logs_then_the_end(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    argo.add(
        "GET",
        LOG,
        stream(LOG, result({"podName": POD, "content": "2026-11-29T10:00:02Z dev"})),
    )
    argo.add("GET", GET, ok("GET", GET, wf("3", "Succeeded")))
    code, out, error = run(argo, "submit", ci, "--log")
    assert (code, out, error) == (
        0,
        f"Workflow: {NAME}\nLink: {LINK}\n{POD}: dev\n{NAME} Succeeded\n",
        "",
    )
    log = argo.requests_to("GET", LOG)[0]
    assert log.query["logOptions.follow"] == ["true"]
    assert log.query["logOptions.container"] == ["main"]


def test_server_dry_run_prints_what_the_server_returned(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    code, out, error = run(argo, "submit", ci, "--server-dry-run", "-o", "json")
    assert (code, error) == (0, "")
    assert json.loads(out) == created()
    assert argo.requests[0].json()["serverDryRun"] is True


# --- wait -----------------------------------------------------------------------------------


def test_wait_prints_each_phase_and_exits_1_when_one_failed(argo: ArgoFake) -> None:
    other = f"{WFS}/other"
    done = wf("3", "Succeeded")
    done["metadata"]["name"] = "other"
    argo.add("GET", other, ok("GET", other, done))
    argo.add("GET", GET, ok("GET", GET, wf("3", "Failed", "Error (exit code 1)")))
    missing(argo)
    code, out, error = run(argo, "wait", "other", NAME, "missing", "--ignore-not-found")
    assert (code, out, error) == (1, f"other Succeeded\n{NAME} Failed\n", FAILED)


def missing(argo: ArgoFake) -> None:
    path = f"{WFS}/missing"
    argo.add("GET", path, err("GET", path, 404, 'workflows.argoproj.io "missing" not found'))


def test_wait_for_a_missing_workflow_is_a_server_error(argo: ArgoFake) -> None:
    missing(argo)
    code, out, error = run(argo, "wait", "missing")
    assert (code, out) == (3, "")
    assert error == (
        f"tiphys: error: GET {WFS}/missing: 404 Not Found: "
        'workflows.argoproj.io "missing" not found\n'
        f"Nothing was found at GET {WFS}/missing in namespace 'argo': check the name and the "
        "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


def test_wait_reconnects_mid_stream(argo: ArgoFake, pauses: list[int]) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(EVENTS, ev("MODIFIED", wf("2")), error_chunk()),
        stream(EVENTS, ev("MODIFIED", wf("2")), Cut()),
        stream(EVENTS, ev("MODIFIED", wf("3", "Succeeded"))),
    )
    assert run(argo, "wait", NAME, "--timeout", "1m") == (0, f"{NAME} Succeeded\n", "")
    assert [r.path for r in argo.requests] == [GET, EVENTS, EVENTS, EVENTS]
    assert pauses == [1, 2]


def test_wait_timeout_is_exit_4(argo: ArgoFake) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("1")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(5)))
    code, out, error = run(argo, "wait", NAME, "--timeout", "0.3")
    assert (code, out) == (4, "")
    assert error == (
        f"tiphys: error: workflow {NAME} did not finish within 0.3 s; it was last seen Running. "
        "It keeps running on the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`.\n"
    )


# --- watch ----------------------------------------------------------------------------------

SUCCEEDED_VIEW = f"""\
Name:                {NAME}
Namespace:           argo
ServiceAccount:      unset (will run with the default ServiceAccount)
Status:              Succeeded
Created:             Sun Nov 29 10:00:00 +0000 (10 seconds ago)
Started:             Sun Nov 29 10:00:01 +0000 (9 seconds ago)
Finished:            Sun Nov 29 10:00:09 +0000 (1 second ago)
Duration:            8 seconds
Progress:            1/1
Parameters:
  branch:            dev

STEP         TEMPLATE  PODNAME   DURATION  MESSAGE
 ✔ {NAME}  main      {NAME}  8s
"""


def test_watch_latest_in_line_mode(argo: ArgoFake) -> None:
    latest = f"{WFS}/%40latest"
    argo.add("GET", latest, ok("GET", latest, wf("1")))
    follow_to(argo, wf("3", "Succeeded"))
    code, out, error = run(argo, "watch", "@latest")
    assert (code, error) == (0, "")
    assert out == f"10:00:10 {NAME}  Succeeded\n\n{SUCCEEDED_VIEW}"
    assert argo.requests[0].query == {"fields": ["metadata.name"]}


def test_watch_failed_exits_1(argo: ArgoFake) -> None:
    follow_to(argo, wf("3", "Failed", "Error (exit code 1)"))
    code, _out, error = run(argo, "watch", NAME, "--status", "Failed")
    assert (code, error) == (1, FAILED)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_watch_on_a_terminal_redraws_at_most_4_times_a_second(
    argo: ArgoFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    screen = io.StringIO()
    views: list[LiveView] = []

    def live(out: Any) -> LiveView:
        view = LiveView(screen, size=lambda: (80, 40), clock=clock)
        views.append(view)
        return view

    snapshots = [wf(str(i), nodes={NAME: node("Running", f"step {i}")}) for i in range(2, 6)]
    monkeypatch.setattr(_follow, "stdout_is_terminal", lambda: True)
    monkeypatch.setattr(_follow, "make_live_view", live)
    original = LiveView.update

    def tick(self: LiveView, lines: Any) -> bool:
        drawn = original(self, lines)
        clock.now += 0.1  # each snapshot arrives 0.1 s after the previous one
        return drawn

    monkeypatch.setattr(LiveView, "update", tick)
    argo.add("GET", GET, ok("GET", GET, snapshots[0]))
    argo.add(
        "GET",
        EVENTS,
        stream(
            EVENTS,
            *[ev("MODIFIED", s) for s in snapshots[1:]],
            ev("MODIFIED", wf("9", "Succeeded")),
        ),
    )
    code, out, error = run(argo, "watch", NAME)
    assert (code, out, error) == (0, "", "")
    (view,) = views
    # 6 snapshots 0.1 s apart: drawn at 0.0 and 0.3 (0.25 s apart at least), the last on close
    assert view.frames == 3
    frames = screen.getvalue().split("\x1b[J")
    assert len(frames) == 4 and frames[-1] == ""
    final = "".join(f"{line}\x1b[K\n" for line in SUCCEEDED_VIEW.splitlines())
    assert frames[2] == "\x1b[13F" + final  # the last frame is the final get view, whole
    assert frames[1].startswith("\x1b[13F")  # back over the 13 lines of the previous frame


# --- logs -----------------------------------------------------------------------------------


def test_logs_print_pod_and_line(argo: ArgoFake) -> None:
    argo.add(
        "GET",
        LOG,
        stream(
            LOG,
            KEEPALIVE,
            result({"podName": POD, "content": "2026-11-29T10:00:02Z building"}),
            result({"podName": f"{NAME}-test-9", "content": "2026-11-29T10:00:03.5Z ok"}),
        ),
    )
    code, out, error = run(argo, "logs", NAME, "--tail", "5", "--grep", "b|o", "--since", "5m")
    assert (code, error) == (0, "")
    assert out == f"{POD}: building\n{NAME}-test-9: ok\n"
    assert argo.requests[0].query == {
        "logOptions.container": ["main"],
        "logOptions.timestamps": ["true"],
        "logOptions.sinceSeconds": ["300"],
        "logOptions.tailLines": ["5"],
        "grep": ["b|o"],
    }


def test_logs_of_one_pod_with_timestamps_and_since_time(argo: ArgoFake) -> None:
    argo.add(
        "GET",
        LOG,
        stream(LOG, result({"podName": POD, "content": "2026-11-29T10:00:03.5Z ok"})),
    )
    code, out, error = run(
        argo,
        "logs",
        NAME,
        POD,
        "-c",
        "init",
        "--timestamps",
        "--since-time",
        "2026-11-29T10:00:00Z",
    )
    assert (code, out, error) == (0, f"{POD}: 2026-11-29T10:00:03.5Z ok\n", "")
    assert argo.requests[0].query == {
        "podName": [POD],
        "logOptions.container": ["init"],
        "logOptions.timestamps": ["true"],
        "logOptions.sinceTime.seconds": [
            str(int(datetime(2026, 11, 29, 10, tzinfo=UTC).timestamp()))
        ],
    }


def test_logs_say_why_there_are_none(argo: ArgoFake) -> None:
    argo.add("GET", LOG, stream(LOG, KEEPALIVE))
    argo.add("GET", GET, ok("GET", GET, wf("3", "Succeeded")))
    code, out, error = run(argo, "logs", NAME)
    assert (code, out) == (0, "")
    assert error == (
        f"the pods of workflow {NAME} were deleted (podGC) and it has no archived main-logs "
        "artifact; set archiveLogs: true to keep logs.\n"
    )


def test_logs_usage_errors() -> None:
    assert run(None, "logs", NAME, "--since", "5x") == (
        2,
        "",
        "tiphys: error: --since '5x' is not a duration: write e.g. 30s, 5m, 2h, 1h30m or seconds\n",
    )
    assert run(None, "logs", NAME, "--since-time", "2026-11-29T10:00:00") == (
        2,
        "",
        "tiphys: error: --since-time '2026-11-29T10:00:00' has no zone: add Z (UTC) or an "
        "offset like +02:00\n",
    )


def test_pod_names_are_coloured_only_when_asked() -> None:
    from tiphys.client import LogLine

    lines = [LogLine("a", "1", None), LogLine("b", "2", None), LogLine("a", "3", None)]
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        assert _follow.print_log_lines(lines, timestamps=True, color=True) == 3
    assert out.getvalue() == ("\x1b[32ma\x1b[0m: 1\n\x1b[33mb\x1b[0m: 2\n\x1b[32ma\x1b[0m: 3\n")


# --- cp -------------------------------------------------------------------------------------

ART_NODES = {
    NAME: {
        "id": NAME,
        "name": NAME,
        "displayName": NAME,
        "type": "DAG",
        "templateName": "main",
        "phase": "Succeeded",
        "outputs": {"artifacts": [{"name": "report", "s3": {"key": "r.txt"}}]},
    },
    f"{NAME}-1": {
        "id": f"{NAME}-1",
        "name": f"{NAME}.build",
        "displayName": "build",
        "type": "Pod",
        "templateName": "build",
        "phase": "Succeeded",
        "outputs": {
            "artifacts": [
                {"name": "bin", "s3": {"key": "bin.tgz"}},
                {"name": "main-logs", "s3": {"key": "logs"}},
            ]
        },
    },
}


def art(node_id: str, name: str) -> str:
    return f"/artifact-files/{NAMESPACE}/workflows/{NAME}/{node_id}/outputs/{name}"


def test_cp_downloads_the_artifacts_that_match(argo: ArgoFake, tmp_path: Path) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    binary = Reply(body=b"\x00bin", headers={"Content-Type": "application/octet-stream"})
    argo.add("GET", art(f"{NAME}-1", "bin"), binary)
    code, out, error = run(
        argo,
        "cp",
        NAME,
        str(tmp_path),
        "--template-name",
        "build",
        "--artifact-name",
        "bin",
        "--path",
        "{templateName}/{artifactName}.tgz",
    )
    target = tmp_path / "build" / "bin.tgz"
    assert (code, out, error) == (0, f"{NAME}-1/bin -> {target} (4 bytes)\n", "")
    assert target.read_bytes() == b"\x00bin"
    assert [r.path for r in argo.requests] == [GET, art(f"{NAME}-1", "bin")]


def test_cp_default_path_and_nothing_matching(argo: ArgoFake, tmp_path: Path) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    argo.add("GET", art(NAME, "report"), Reply(body=b"r", headers={}))
    code, out, _ = run(argo, "cp", NAME, str(tmp_path), "--node-id", NAME)
    target = tmp_path / NAMESPACE / NAME / NAME / "outputs" / "report"
    assert (code, out) == (0, f"{NAME}/report -> {target} (1 bytes)\n")
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--artifact-name", "nope")
    assert (code, out, error) == (
        0,
        "",
        f"workflow {NAME} has no output artifacts matching the filters\n",
    )


def test_cp_bad_path_pattern_sends_nothing(argo: ArgoFake, tmp_path: Path) -> None:
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--path", "{pod}/{artifactName}")
    assert (code, out) == (2, "")
    assert error == (
        "tiphys: error: --path '{pod}/{artifactName}': unknown variable {pod} (use namespace, "
        "workflowName, nodeId, templateName, artifactName)\n"
    )
    assert argo.requests == []


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("90", 90.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert _follow.parse_duration(text) == seconds


# --- retry / resubmit follow flags ----------------------------------------------------------


def test_retry_wait_follows_the_retried_workflow(argo: ArgoFake) -> None:
    path = f"{GET}/retry"
    argo.add("PUT", path, ok("PUT", path, wf("4")))
    follow_to(argo, wf("5", "Succeeded"))
    code, out, error = run(argo, "retry", NAME, "--wait", "--timeout", "1m")
    assert (code, out, error) == (0, f"workflow {NAME} retried\n{NAME} Succeeded\n", "")
    assert [(r.method, r.path) for r in argo.requests] == [
        ("PUT", path),
        ("GET", GET),
        ("GET", EVENTS),
    ]


def test_resubmit_wait_follows_the_new_workflow_and_exits_1(argo: ArgoFake) -> None:
    old = f"{WFS}/old-1"
    path = f"{old}/resubmit"
    argo.add("PUT", path, ok("PUT", path, wf("1")))
    follow_to(argo, wf("3", "Failed", "Error (exit code 1)"))
    code, out, error = run(argo, "resubmit", "old-1", "--wait", "-o", "name")
    assert (code, out, error) == (1, f"{NAME}\n{NAME} Failed\n", FAILED)


def test_retry_wait_and_watch_are_exclusive() -> None:
    assert run(None, "retry", NAME, "--wait", "--watch") == (
        2,
        "",
        "tiphys: error: use either --wait or --watch, not both\n",
    )


PY_FLOWS = """\
import tiphys


@tiphys.container(image="alpine:3.20")
def hello(message: str) -> None: ...


greet = tiphys.Workflow(generate_name="greet-", entrypoint=hello, arguments={"message": "hi"})
other = tiphys.Workflow(generate_name="other-", entrypoint=hello, arguments={"message": "yo"})
"""


def test_submit_one_workflow_of_a_python_file(argo: ArgoFake, tmp_path: Path) -> None:
    path = tmp_path / "flows.py"
    path.write_text(PY_FLOWS)
    argo.add("POST", WFS, ok("POST", WFS, created()))
    code, out, error = run(argo, "submit", f"{path}:greet", "-p", "message=hey", "-o", "yaml")
    assert (code, error) == (0, f"Link: {LINK}\n")
    assert out == (
        "metadata:\n"
        f"  name: {NAME}\n"
        "  namespace: argo\n"
        "  uid: u-1\n"
        "  resourceVersion: '1'\n"
        "  creationTimestamp: '2026-11-29T10:00:00Z'\n"
        "spec:\n"
        "  entrypoint: main\n"
        "  arguments:\n"
        "    parameters:\n"
        "    - name: branch\n"
        "      value: dev\n"
        "status: {}\n"
    )
    (request,) = argo.requests
    sent = request.json()["workflow"]
    assert sent["metadata"] == {"generateName": "greet-"}
    assert sent["spec"]["arguments"] == {"parameters": [{"name": "message", "value": "hey"}]}


def test_submit_wide_prints_the_get_header(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    code, out, error = run(argo, "submit", ci, "-o", "wide")
    assert (code, error) == (0, f"Link: {LINK}\n")
    assert out == (
        f"Name:                {NAME}\n"
        "Namespace:           argo\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Pending\n"
        "Created:             Sun Nov 29 10:00:00 +0000 (10 seconds ago)\n"
        "Progress:\n"
        "Parameters:\n"
        "  branch:            dev\n"
    )


def test_submit_log_gives_up_at_the_timeout_with_exit_4(
    argo: ArgoFake, ci: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([0.0, 1.0, 5.0])  # start, after the first line, after the second line
    monkeypatch.setattr(_follow, "monotonic", lambda: next(ticks))
    argo.add("POST", WFS, ok("POST", WFS, created()))
    argo.add(
        "GET",
        LOG,
        stream(
            LOG,
            result({"podName": POD, "content": "2026-11-29T10:00:02Z one"}),
            result({"podName": POD, "content": "2026-11-29T10:00:03Z two"}),
            result({"podName": POD, "content": "2026-11-29T10:00:04Z three"}),
        ),
    )
    code, out, error = run(argo, "submit", ci, "--log", "--timeout", "2s")
    assert (code, out) == (4, f"Workflow: {NAME}\nLink: {LINK}\n{POD}: one\n{POD}: two\n")
    assert error == (
        f"tiphys: error: workflow {NAME} did not finish within 2 s. It keeps running on "
        "the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`.\n"
    )


def test_submit_conflict_is_a_server_error(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, err("POST", WFS, 409, 'workflows.argoproj.io "fixed" already exists'))
    code, out, error = run(argo, "submit", ci, "--name", "fixed", "--wait")
    assert (code, out) == (3, "")
    assert error == (
        f'tiphys: error: POST {WFS}: 409 Conflict: workflows.argoproj.io "fixed" already exists\n'
        "The name is taken in namespace 'argo': choose another metadata.name, delete the "
        "existing object, or set metadata.generateName (e.g. 'release-') so that the server "
        "picks a unique name.\n"
    )
    assert len(argo.requests) == 1


def test_logs_follow_asks_the_server_to_follow(argo: ArgoFake) -> None:
    argo.add("GET", LOG, stream(LOG, result({"podName": POD, "content": "2026-11-29T10:00:02Z a"})))
    argo.add("GET", GET, ok("GET", GET, wf("3", "Succeeded")))
    assert run(argo, "logs", NAME, "-f") == (0, f"{POD}: a\n", "")
    assert argo.requests[0].query["logOptions.follow"] == ["true"]


# --- what users do: Ctrl-C, closed pipes, odd files ------------------------------------------


def interrupt_once_streaming(argo: ArgoFake, path: str, method: str = "GET") -> threading.Thread:
    """Send SIGINT to the main thread (as Ctrl-C does) once ``path`` was requested.

    The signal interrupts the blocking read of the stream, so this checks that nothing on the
    way (client, stream, CLI) swallows the ``KeyboardInterrupt``. It is sent only when the
    request came (bounded: 5 s), so a run that never streams fails instead of killing pytest.
    """
    assert threading.current_thread() is threading.main_thread()
    main = threading.main_thread().ident
    assert main is not None

    def fire() -> None:
        deadline = time.monotonic() + 5
        while not argo.requests_to(method, path):
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGINT)

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


KEEPS_RUNNING = (
    f"tiphys: interrupted; workflow {NAME} keeps running on the server: `tiphys watch {NAME}` "
    f"follows it again, `tiphys stop {NAME}` stops it.\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["wait", NAME],
        ["watch", NAME],
        ["submit", "--from", "wftmpl/release", "-p", "tag=v1", "--wait"],
        ["submit", "--from", "wftmpl/release", "-p", "tag=v1", "--watch"],
    ],
)
def test_ctrl_c_while_following_says_the_workflow_keeps_running(
    argo: ArgoFake, args: list[str]
) -> None:
    argo.add("GET", TMPL, ok("GET", TMPL, TEMPLATE))
    argo.add("POST", f"{WFS}/submit", ok("POST", f"{WFS}/submit", created()))
    argo.add("GET", GET, ok("GET", GET, wf("2")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(10)))
    thread = interrupt_once_streaming(argo, EVENTS)
    code, out, error = run(argo, *args)
    thread.join(timeout=5)
    assert (code, error) == (130, KEEPS_RUNNING)
    assert out == ("" if args[0] != "submit" else f"Workflow: {NAME}\nLink: {LINK}\n")


def test_ctrl_c_during_logs_follow_says_the_workflow_keeps_running(argo: ArgoFake) -> None:
    line = result({"podName": POD, "content": "2026-11-29T10:00:02Z a"})
    argo.add("GET", LOG, stream(LOG, line, KEEPALIVE, Pause(10)))
    thread = interrupt_once_streaming(argo, LOG)
    code, out, error = run(argo, "logs", NAME, "-f")
    thread.join(timeout=5)
    assert (code, out) == (130, f"{POD}: a\n")
    assert error == (
        f"tiphys: interrupted; workflow {NAME} keeps running on the server: `tiphys logs -f "
        f"{NAME}` follows its logs again, `tiphys stop {NAME}` stops it.\n"
    )


def test_ctrl_c_names_every_submitted_workflow_not_followed_yet(
    argo: ArgoFake, tmp_path: Path
) -> None:
    two = tmp_path / "two.yaml"
    two.write_text(CI_YAML + "---\n" + CI_YAML)
    second = created()
    second["metadata"]["name"] = "ci-b"
    argo.add("POST", WFS, ok("POST", WFS, created()), ok("POST", WFS, second))
    argo.add("GET", GET, ok("GET", GET, wf("2")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(10)))
    thread = interrupt_once_streaming(argo, EVENTS)
    code, _out, error = run(argo, "submit", str(two), "--wait")
    thread.join(timeout=5)
    assert (code, error) == (
        130,
        f"tiphys: interrupted; workflows {NAME}, ci-b keep running on the server: `tiphys "
        "watch NAME` follows one again, `tiphys stop NAME` stops it.\n",
    )


def test_output_into_a_closed_pipe_is_no_traceback(argo: ArgoFake) -> None:
    lines = [result({"podName": POD, "content": f"line {i}"}) for i in range(3000)]
    argo.add("GET", LOG, sse_reply(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGO_")}
    env.update({k: v for k, v in cli_env(argo).items() if v is not None})
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tiphys", "logs", NAME],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    try:
        error = proc.stderr.read()
        code = proc.wait(timeout=20)
    finally:
        proc.kill()
    assert (first, error, code) == (f"{POD}: line 0\n".encode(), b"", 141)


def test_parameter_file_that_is_not_utf8_is_an_input_error(ci: str, tmp_path: Path) -> None:
    bad = tmp_path / "params.yaml"
    bad.write_bytes(b"branch: \xff\xfe\n")
    code, out, error = run(None, "submit", ci, "-f", str(bad), "--dry-run")
    assert (code, out) == (2, "")
    assert error == (
        f"tiphys: error: cannot read parameter file {bad}: it is not UTF-8 text (byte 0xff at "
        "offset 8)\n"
    )


def test_cp_onto_a_directory_is_an_input_error_and_downloads_nothing(
    argo: ArgoFake, tmp_path: Path
) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    (tmp_path / "report").mkdir()
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--path", "{artifactName}")
    assert (code, out) == (2, "")
    assert error == (
        f"tiphys: error: cannot write artifact {NAME}/report to {tmp_path / 'report'}: it is "
        "a directory; remove it or choose another --path\n"
    )
    assert [r.path for r in argo.requests] == [GET]


def test_cp_that_cannot_write_a_file_is_an_input_error(argo: ArgoFake, tmp_path: Path) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    argo.add("GET", art(NAME, "report"), Reply(body=b"r", headers={}))
    long = "x" * 300  # longer than a file name may be (ENAMETOOLONG)
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--node-id", NAME, "--path", long)
    assert (code, out) == (2, "")
    assert error == (
        f"tiphys: error: cannot write artifact {NAME}/report to {tmp_path / long}: File name "
        "too long\n"
    )


def test_cp_refuses_two_artifacts_onto_one_file(argo: ArgoFake, tmp_path: Path) -> None:
    nodes = json.loads(json.dumps(ART_NODES))
    nodes[NAME]["outputs"]["artifacts"].append({"name": "main-logs", "s3": {"key": "l"}})
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=nodes)))
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--path", "{artifactName}")
    assert (code, out) == (2, "")
    assert error == (
        f"tiphys: error: --path '{{artifactName}}' puts artifacts {NAME}/main-logs and "
        f"{NAME}-1/main-logs in the same file {tmp_path / 'main-logs'}: add {{nodeId}} to it\n"
    )
    assert [r.path for r in argo.requests] == [GET]


def test_submit_from_with_a_missing_parameter_says_to_pass_it_with_p(argo: ArgoFake) -> None:
    argo.add("GET", TMPL, ok("GET", TMPL, TEMPLATE))
    code, out, error = run(argo, "submit", "--from", "wftmpl/release")
    assert (code, out) == (2, "")
    assert error == (
        "tiphys: error: WorkflowTemplate 'release' needs a value for parameter 'tag': pass "
        "-p tag=... on the command line (parameters={'tag': ...} in Python).\n"
    )


def test_server_error_hints_name_the_cli_flags_first(argo: ArgoFake) -> None:
    argo.add("GET", GET, err("GET", GET, 401, "token not valid"))
    _code, _out, unauthorized = run(argo, "wait", NAME)
    missing(argo)
    _code, _out, not_found = run(argo, "wait", "missing")
    assert unauthorized == (
        f"tiphys: error: GET {GET}: 401 Unauthorized: token not valid\nThe server did not "
        "accept the token (or none was sent). Set ARGO_TOKEN to the whole Authorization value, "
        'e.g. `export ARGO_TOKEN="Bearer $(kubectl -n argo create token <service-account>)"` '
        "(or --token on the command line, token= in Python). A token without a scheme gets "
        "`Bearer ` added; SSO tokens look like `Bearer v2:...`.\n"
    )
    missing_path = GET.replace(NAME, "missing")
    assert not_found.endswith(
        f"\nNothing was found at GET {missing_path} in namespace 'argo': check the name and "
        "the namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


def test_cp_missing_artifact_names_the_namespace(argo: ArgoFake, tmp_path: Path) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    code, _out, error = run(argo, "cp", NAME, str(tmp_path), "--node-id", NAME)
    assert code == 3
    route = f"/artifact-files/argo/workflows/{NAME}/{NAME}/outputs/report"
    assert error == (
        f"tiphys: error: GET {route}: 404 Not Found: no scripted reply for GET {route}\n"
        f"Nothing was found at GET {route} in namespace 'argo': check the name and the "
        "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


def test_submit_usage_line_shows_files_once() -> None:
    code, out, _error = run(None, "submit", "--help")
    assert (code, out.splitlines()[0]) == (0, "Usage: tiphys submit [OPTIONS] [FILE]...")


def test_logs_since_0_means_all_lines_as_with_argo(argo: ArgoFake) -> None:
    argo.add("GET", LOG, stream(LOG, result({"podName": POD, "content": "2026-11-29T10:00:02Z a"})))
    assert run(argo, "logs", NAME, "--since", "0") == (0, f"{POD}: a\n", "")
    assert argo.requests[0].query == {
        "logOptions.container": ["main"],
        "logOptions.timestamps": ["true"],
    }


def test_entrypoint_that_is_not_a_template_is_an_input_error_and_nothing_is_sent(
    argo: ArgoFake, ci: str
) -> None:
    for extra in ([], ["--dry-run"]):
        code, out, error = run(argo, "submit", ci, "--entrypoint", "mian", *extra)
        assert (code, out) == (2, "")
        assert error == (
            "tiphys: error: --entrypoint 'mian' is not a template of Workflow 'ci-' (its "
            "templates: main)\n"
        )
    assert argo.requests == []


def test_wait_for_a_workflow_deleted_while_running_prints_deleted(argo: ArgoFake) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("2")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, ev("DELETED", wf("3"))))
    code, out, error = run(argo, "wait", NAME)
    assert (code, out) == (1, f"{NAME} Deleted\n")
    assert error == (
        f"workflow '{NAME}' in namespace 'argo' was deleted before it finished (last phase "
        f"Running)\nSee `tiphys get -n argo {NAME}` and `tiphys logs -n argo {NAME}`.\n"
    )


def test_ctrl_c_while_creating_says_the_workflow_may_exist(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created(), delay=10))
    thread = interrupt_once_streaming(argo, WFS, "POST")
    code, out, error = run(argo, "submit", ci)
    thread.join(timeout=5)
    assert (code, out) == (130, "")
    assert error == (
        "tiphys: interrupted before the server answered; the workflow may have been created: "
        "look with `tiphys list` before submitting again.\n"
    )


def test_parameter_file_dates_stay_as_written(ci: str, tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("branch: 2026-11-29T10:00:00Z\n")
    code, out, error = run(None, "submit", ci, "-f", str(params), "--dry-run", "-o", "json")
    assert (code, error) == (0, "")
    assert json.loads(out)["spec"]["arguments"]["parameters"] == [
        {"name": "branch", "value": "2026-11-29T10:00:00Z"}
    ]


def test_parameter_file_with_a_value_json_cannot_hold_is_an_input_error(
    ci: str, tmp_path: Path
) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("branch: !!binary aGk=\n")
    code, out, error = run(None, "submit", ci, "-f", str(params), "--dry-run")
    assert (code, out) == (2, "")
    assert error == (
        f"tiphys: error: parameter file {params}: the value of 'branch' is a bytes; write a "
        "string, number, boolean, list or map\n"
    )


def test_watch_in_line_mode_shows_the_last_view_when_it_times_out(argo: ArgoFake) -> None:
    argo.add("GET", GET, ok("GET", GET, wf("2", "Pending")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(5)))
    code, out, error = run(argo, "watch", NAME, "--timeout", "0.3")
    assert (code, error) == (
        4,
        f"tiphys: error: workflow {NAME} did not finish within 0.3 s; it was last seen Pending. "
        "It keeps running on the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`.\n",
    )
    assert out == (
        "\n"
        f"Name:                {NAME}\n"
        "Namespace:           argo\n"
        "ServiceAccount:      unset (will run with the default ServiceAccount)\n"
        "Status:              Pending\n"
        "Created:             Sun Nov 29 10:00:00 +0000 (10 seconds ago)\n"
        "Started:             Sun Nov 29 10:00:01 +0000 (9 seconds ago)\n"
        "Duration:            9 seconds\n"
        "Progress:\n"
        "Parameters:\n"
        "  branch:            dev\n"
    )


def test_dry_run_output_name_prints_the_name_or_generate_name(ci: str) -> None:
    assert run(None, "submit", ci, "--dry-run", "-o", "name") == (0, "ci-\n", "")
    named = run(None, "submit", ci, "--dry-run", "-o", "name", "--name", "ci-manual")
    assert named == (0, "ci-manual\n", "")


@pytest.mark.parametrize("flag", ["--dry-run", "--server-dry-run"])
def test_dry_runs_refuse_output_wide(flag: str, ci: str) -> None:
    assert run(None, "submit", ci, flag, "-o", "wide") == (
        2,
        "",
        f"tiphys: error: {flag} prints the manifest: use -o yaml, json or name with it\n",
    )


def test_server_dry_run_output_name(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    assert run(argo, "submit", ci, "--server-dry-run", "-o", "name") == (0, f"{NAME}\n", "")


def test_submit_wait_with_log_prints_the_logs_then_the_end(argo: ArgoFake, ci: str) -> None:
    argo.add("POST", WFS, ok("POST", WFS, created()))
    argo.add(
        "GET",
        LOG,
        stream(LOG, result({"podName": POD, "content": "2026-11-29T10:00:02Z dev"})),
    )
    argo.add("GET", GET, ok("GET", GET, wf("3", "Succeeded")))
    assert run(argo, "submit", ci, "--wait", "--log") == (
        0,
        f"Workflow: {NAME}\nLink: {LINK}\n{POD}: dev\n{NAME} Succeeded\n",
        "",
    )


def test_submit_watch_with_log_is_refused(ci: str) -> None:
    assert run(None, "submit", ci, "--watch", "--log") == (
        2,
        "",
        "tiphys: error: use either --watch or --log, not both (--log with --wait prints the "
        "logs, then the end)\n",
    )


def test_submit_with_files_and_from_says_not_both(ci: str) -> None:
    assert run(None, "submit", ci, "--from", "wftmpl/release") == (
        2,
        "",
        "tiphys: error: give workflow files or --from KIND/NAME, not both\n",
    )


def test_cp_of_a_deleted_but_archived_workflow_reads_the_archived_copy(
    argo: ArgoFake, tmp_path: Path
) -> None:
    # the GET falls back to the archive, but the artifact handler finds live workflows only
    argo.add("GET", GET, ok("GET", GET, wf("5", "Succeeded", nodes=ART_NODES)))
    archived = f"/artifact-files/{NAMESPACE}/archived-workflows/u-1/{NAME}/outputs/report"
    argo.add("GET", archived, Reply(body=b"old", headers={}))
    code, out, error = run(argo, "cp", NAME, str(tmp_path), "--node-id", NAME)
    target = tmp_path / NAMESPACE / NAME / NAME / "outputs" / "report"
    assert (code, out, error) == (0, f"{NAME}/report -> {target} (3 bytes)\n", "")
    assert target.read_bytes() == b"old"
    assert [r.path for r in argo.requests] == [GET, art(NAME, "report"), archived]
