"""CLI tests of the action verbs against ArgoFake: output, exit codes, requests (swagger)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer

from argo_contract import conforms, err, ok
from argo_fake import ArgoFake
from cli_server import NAMESPACE, invoke
from tiphys.cli import actions_cmd
from tiphys.client.errors import NO_SERVER_MESSAGE

WFS = f"/api/v1/workflows/{NAMESPACE}"
LATEST = f"{WFS}/%40latest"


def wf(
    name: str,
    phase: str = "Running",
    *,
    finished: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if finished is not None:
        status["finishedAt"] = finished
    metadata: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if labels:
        metadata["labels"] = labels
    return {"metadata": metadata, "spec": {"entrypoint": "main"}, "status": status}


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {}, "items": list(items) if items else None}


def not_found(method: str, path: str, name: str) -> tuple[Any, str]:
    """A 404 reply and the whole stderr line block the CLI prints for it."""
    message = f'workflows.argoproj.io "{name}" not found'
    return err(method, path, 404, message), (
        f"tiphys: error: {method} {path}: 404 Not Found: {message}\n"
        f"Nothing was found at {method} {path} in namespace '{NAMESPACE}': check the name and "
        "the namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def calls(argo: ArgoFake) -> list[tuple[str, str]]:
    conforms(argo.requests)
    return [(r.method, r.path) for r in argo.requests]


# --- stop, terminate, suspend, resume -------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "done"),
    [
        ("stop", "stopped"),
        ("terminate", "terminated"),
        ("suspend", "suspended"),
        ("resume", "resumed"),
    ],
)
def test_verbs_act_on_several_names(argo: ArgoFake, verb: str, done: str) -> None:
    for name in ("a", "b"):
        path = f"{WFS}/{name}/{verb}"
        argo.add("PUT", path, ok("PUT", path, wf(name)))
    ran = invoke(argo, verb, "a", "b")
    assert (ran.code, ran.out, ran.err) == (0, f"workflow a {done}\nworkflow b {done}\n", "")
    assert calls(argo) == [("PUT", f"{WFS}/a/{verb}"), ("PUT", f"{WFS}/b/{verb}")]
    assert [r.json() for r in argo.requests] == [
        {"name": "a", "namespace": NAMESPACE},
        {"name": "b", "namespace": NAMESPACE},
    ]


def test_stop_sends_message_and_node_selector(argo: ArgoFake) -> None:
    path = f"{WFS}/a/stop"
    argo.add("PUT", path, ok("PUT", path, wf("a")))
    ran = invoke(argo, "stop", "a", "--message", "enough", "--node-field-selector", "id=n1")
    assert (ran.code, ran.out) == (0, "workflow a stopped\n")
    assert calls(argo) == [("PUT", path)]
    assert argo.requests[0].json() == {
        "name": "a",
        "namespace": NAMESPACE,
        "message": "enough",
        "nodeFieldSelector": "id=n1",
    }


def test_resume_sends_the_node_selector(argo: ArgoFake) -> None:
    path = f"{WFS}/a/resume"
    argo.add("PUT", path, ok("PUT", path, wf("a")))
    ran = invoke(argo, "resume", "a", "--node-field-selector", "displayName=approve")
    assert (ran.code, ran.out) == (0, "workflow a resumed\n")
    assert argo.requests[0].json() == {
        "name": "a",
        "namespace": NAMESPACE,
        "nodeFieldSelector": "displayName=approve",
    }
    conforms(argo.requests)


@pytest.mark.parametrize("verb", ["stop", "terminate"])
def test_selector_lists_then_acts_on_unfinished_ones(argo: ArgoFake, verb: str) -> None:
    items = [
        wf("run-1"),
        wf("done-1", "Succeeded", finished="2026-01-01T00:00:00Z"),
        wf("run-2", "Pending"),
    ]
    argo.add("GET", WFS, ok("GET", WFS, listing(*items)))
    for name in ("run-1", "run-2"):
        path = f"{WFS}/{name}/{verb}"
        argo.add("PUT", path, ok("PUT", path, wf(name)))
    ran = invoke(argo, verb, "-l", "app=x", "--field-selector", "metadata.name!=keep")
    done = {"stop": "stopped", "terminate": "terminated"}[verb]
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == f"workflow run-1 {done}\nworkflow run-2 {done}\n"
    assert calls(argo) == [
        ("GET", WFS),
        ("PUT", f"{WFS}/run-1/{verb}"),
        ("PUT", f"{WFS}/run-2/{verb}"),
    ]
    assert argo.requests[0].query == {
        "listOptions.labelSelector": ["app=x"],
        "listOptions.fieldSelector": ["metadata.name!=keep"],
    }


def test_stop_dry_run_checks_names_and_changes_nothing(argo: ArgoFake) -> None:
    argo.add("GET", f"{WFS}/a", ok("GET", f"{WFS}/a", wf("a")))
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("b"))))
    ran = invoke(argo, "stop", "a", "-l", "app=x", "--dry-run")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "workflow a stopped (dry-run)\nworkflow b stopped (dry-run)\n"
    assert calls(argo) == [("GET", WFS), ("GET", f"{WFS}/a")]
    assert argo.requests[1].query == {"fields": ["metadata.name"]}


def test_terminate_dry_run_of_a_missing_name_exits_3(argo: ArgoFake) -> None:
    reply, message = not_found("GET", f"{WFS}/nope", "nope")
    argo.add("GET", f"{WFS}/nope", reply)
    ran = invoke(argo, "terminate", "nope", "--dry-run")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == message
    conforms(argo.requests)


def test_a_missing_name_is_reported_and_the_others_still_act(argo: ArgoFake) -> None:
    missing = f"{WFS}/nope/suspend"
    reply, message = not_found("PUT", missing, "nope")
    argo.add("PUT", missing, reply)
    argo.add("PUT", f"{WFS}/b/suspend", ok("PUT", f"{WFS}/b/suspend", wf("b")))
    ran = invoke(argo, "suspend", "nope", "b")
    assert (ran.code, ran.out, ran.err) == (3, "workflow b suspended\n", message)
    conforms(argo.requests)


def test_the_server_refusing_stops_at_once_with_exit_3(argo: ArgoFake) -> None:
    path = f"{WFS}/a/stop"
    argo.add("PUT", path, err("PUT", path, 403, "forbidden"))
    ran = invoke(argo, "stop", "a", "b")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        f"tiphys: error: PUT {path}: 403 Forbidden: forbidden\n"
        f"The token may not stop workflows in namespace '{NAMESPACE}'. Ask for an RBAC role "
        "that allows it for the token's service account, or use a namespace you may use "
        "(-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )
    assert calls(argo) == [("PUT", path)]


@pytest.mark.parametrize("verb", ["stop", "terminate", "suspend", "resume", "retry", "resubmit"])
def test_no_workflow_is_a_usage_error(argo: ArgoFake, verb: str) -> None:
    ran = invoke(argo, verb)
    tail = "" if verb in ("suspend", "resume") else ", or select them with -l"
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"tiphys: error: no workflow given: name one or more workflows (or @latest){tail}\n"
    )
    assert argo.requests == []


def test_latest_is_resolved_by_the_server(argo: ArgoFake) -> None:
    argo.add("GET", LATEST, ok("GET", LATEST, wf("newest")))
    path = f"{WFS}/newest/terminate"
    argo.add("PUT", path, ok("PUT", path, wf("newest")))
    ran = invoke(argo, "terminate", "@latest")
    assert (ran.code, ran.out, ran.err) == (0, "workflow newest terminated\n", "")
    assert calls(argo) == [("GET", LATEST), ("PUT", path)]
    assert argo.requests[0].query == {"fields": ["metadata.name"]}


def test_latest_without_workflows_exits_3(argo: ArgoFake) -> None:
    reply, _message = not_found("GET", LATEST, "@latest")
    argo.add("GET", LATEST, reply)
    ran = invoke(argo, "suspend", "@latest")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        "tiphys: error: @latest: there is no workflow in namespace 'argo' (the server: "
        'workflows.argoproj.io "@latest" not found). Submit one, or name the namespace that '
        "has them with -n NAMESPACE (or ARGO_NAMESPACE).\n"
    )
    conforms(argo.requests)


def test_no_server_configured_exits_2() -> None:
    ran = invoke(None, "stop", "a")
    assert (ran.code, ran.out, ran.err) == (2, "", f"tiphys: error: {NO_SERVER_MESSAGE}\n")


# --- retry and resubmit ---------------------------------------------------------------------


def test_retry_sends_every_flag(argo: ArgoFake) -> None:
    path = f"{WFS}/a/retry"
    argo.add("PUT", path, ok("PUT", path, wf("a")))
    ran = invoke(
        argo,
        "retry",
        "a",
        "--restart-successful",
        "--node-field-selector",
        "templateName=main",
        "-p",
        "x=1=2",
    )
    assert (ran.code, ran.out, ran.err) == (0, "workflow a retried\n", "")
    assert argo.requests[0].json() == {
        "name": "a",
        "namespace": NAMESPACE,
        "restartSuccessful": True,
        "nodeFieldSelector": "templateName=main",
        "parameters": ["x=1=2"],
    }
    conforms(argo.requests)


def test_retry_with_a_selector_retries_failed_and_error_ones(argo: ArgoFake) -> None:
    done = "2026-01-01T00:00:00Z"
    items = [wf("f", "Failed", finished=done), wf("ok", "Succeeded", finished=done), wf("r")]
    items.append(wf("e", "Error", finished=done))
    argo.add("GET", WFS, ok("GET", WFS, listing(*items)))
    for name in ("f", "e"):
        argo.add("PUT", f"{WFS}/{name}/retry", ok("PUT", f"{WFS}/{name}/retry", wf(name)))
    ran = invoke(argo, "retry", "-l", "app=x", "-o", "name")
    assert (ran.code, ran.out, ran.err) == (0, "f\ne\n", "")
    assert calls(argo) == [("GET", WFS), ("PUT", f"{WFS}/f/retry"), ("PUT", f"{WFS}/e/retry")]


def test_retry_refused_for_a_running_workflow_exits_3(argo: ArgoFake) -> None:
    path = f"{WFS}/a/retry"
    argo.add("PUT", path, err("PUT", path, 400, "Cannot retry a workflow in phase Running"))
    ran = invoke(argo, "retry", "a")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        f"tiphys: error: PUT {path}: 400 Bad Request: Cannot retry a workflow in phase Running\n"
        "The server rejected the request as invalid; fix what the message names and send it "
        "again (`tiphys lint` catches most of these before sending).\n"
    )
    conforms(argo.requests)


def test_retry_json_output_is_the_workflow(argo: ArgoFake) -> None:
    path = f"{WFS}/a/retry"
    argo.add("PUT", path, ok("PUT", path, wf("a")))
    ran = invoke(argo, "retry", "a", "-o", "json")
    assert ran.code == 0
    assert json.loads(ran.out) == wf("a")
    conforms(argo.requests)


def test_bad_output_and_parameter_are_usage_errors(argo: ArgoFake) -> None:
    ran = invoke(argo, "retry", "a", "-o", "yaml")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == "tiphys: error: unknown output format 'yaml' (choose name or json)\n"
    ran = invoke(argo, "resubmit", "a", "-p", "novalue")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "Usage: tiphys resubmit [OPTIONS] [WORKFLOW...]...\nTry 'tiphys resubmit -h' for help."
        "\n\nError: Invalid value for '-p' / '--parameter': invalid parameter 'novalue': "
        "expected NAME=VALUE (e.g. -p tag=v1.2)\n"
    )
    assert argo.requests == []


def test_resubmit_prints_the_new_workflow(argo: ArgoFake) -> None:
    for old, new in (("a", "a-x1"), ("b", "b-y2")):
        path = f"{WFS}/{old}/resubmit"
        argo.add("PUT", path, ok("PUT", path, wf(new, "Pending")))
    ran = invoke(argo, "resubmit", "a", "b", "--memoized", "-p", "tag=v2")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "workflow a resubmitted as a-x1\nworkflow b resubmitted as b-y2\n"
    assert argo.requests[0].json() == {
        "name": "a",
        "namespace": NAMESPACE,
        "memoized": True,
        "parameters": ["tag=v2"],
    }
    conforms(argo.requests)


def test_resubmit_selected_with_name_output(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("a", "Succeeded"))))
    path = f"{WFS}/a/resubmit"
    argo.add("PUT", path, ok("PUT", path, wf("a-x1", "Pending")))
    ran = invoke(argo, "resubmit", "-l", "app=x", "-o", "name")
    assert (ran.code, ran.out, ran.err) == (0, "a-x1\n", "")
    assert calls(argo) == [("GET", WFS), ("PUT", path)]


# --- node set -------------------------------------------------------------------------------


def test_node_set_outputs(argo: ArgoFake) -> None:
    path = f"{WFS}/a/set"
    argo.add("PUT", path, ok("PUT", path, wf("a")))
    ran = invoke(
        argo,
        "node",
        "set",
        "a",
        "--node-field-selector",
        "displayName=approve",
        "--output-parameter",
        "approve=yes=sure",
        "--output-parameter",
        "n=2",
    )
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "workflow a: set nodes matching displayName=approve\n"
    assert argo.requests[0].json() == {
        "name": "a",
        "namespace": NAMESPACE,
        "nodeFieldSelector": "displayName=approve",
        "outputParameters": '{"approve": "yes=sure", "n": "2"}',
    }
    conforms(argo.requests)


def test_node_set_phase_and_message_on_latest(argo: ArgoFake) -> None:
    argo.add("GET", LATEST, ok("GET", LATEST, wf("newest")))
    path = f"{WFS}/newest/set"
    argo.add("PUT", path, ok("PUT", path, wf("newest")))
    ran = invoke(
        argo,
        "node",
        "set",
        "@latest",
        "--node-field-selector",
        "id=n1",
        "--phase",
        "Failed",
        "--message",
        "no",
    )
    assert (ran.code, ran.out, ran.err) == (0, "workflow newest: set nodes matching id=n1\n", "")
    assert argo.requests[1].json() == {
        "name": "newest",
        "namespace": NAMESPACE,
        "nodeFieldSelector": "id=n1",
        "phase": "Failed",
        "message": "no",
    }
    conforms(argo.requests)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--node-field-selector", "id=n1"],
            "nothing to set: give --output-parameter NAME=VALUE, --phase or --message",
        ),
        (
            ["--node-field-selector", "id=n1", "--phase", "Done"],
            "unknown node phase 'Done' (choose Pending, Running, Succeeded, Skipped, Failed, "
            "Error, Omitted)",
        ),
        (
            ["--node-field-selector", " ", "--phase", "Failed"],
            "--node-field-selector is empty: select the nodes, e.g. 'displayName=approve'",
        ),
    ],
)
def test_node_set_usage_errors(argo: ArgoFake, args: list[str], message: str) -> None:
    ran = invoke(argo, "node", "set", "a", *args)
    assert (ran.code, ran.out, ran.err) == (2, "", f"tiphys: error: {message}\n")
    assert argo.requests == []


def test_node_set_malformed_output_parameter(argo: ArgoFake) -> None:
    ran = invoke(
        argo, "node", "set", "a", "--node-field-selector", "id=n1", "--output-parameter", "x"
    )
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "Usage: tiphys node set [OPTIONS] {WORKFLOW}\nTry 'tiphys node set -h' for help.\n\n"
        "Error: Invalid value for '--output-parameter': 'x' is not NAME=VALUE (e.g. "
        "approve=yes)\n"
    )
    assert argo.requests == []


def test_node_set_missing_workflow_exits_3(argo: ArgoFake) -> None:
    path = f"{WFS}/nope/set"
    reply, message = not_found("PUT", path, "nope")
    argo.add("PUT", path, reply)
    ran = invoke(argo, "node", "set", "nope", "--node-field-selector", "id=n1", "--message", "m")
    assert (ran.code, ran.out, ran.err) == (3, "", message)
    conforms(argo.requests)


# --- delete ---------------------------------------------------------------------------------


def deletable(argo: ArgoFake, *names: str) -> None:
    for name in names:
        path = f"{WFS}/{name}"
        argo.add("DELETE", path, ok("DELETE", path, {}))


def test_delete_names(argo: ArgoFake) -> None:
    deletable(argo, "a", "b")
    ran = invoke(argo, "delete", "a", "b", "a")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "Workflow 'a' deleted\nWorkflow 'b' deleted\n"
    assert calls(argo) == [("DELETE", f"{WFS}/a"), ("DELETE", f"{WFS}/b")]


def test_delete_a_missing_name_exits_3_after_the_others(argo: ArgoFake) -> None:
    reply, message = not_found("DELETE", f"{WFS}/nope", "nope")
    argo.add("DELETE", f"{WFS}/nope", reply)
    deletable(argo, "b")
    ran = invoke(argo, "delete", "nope", "b")
    assert (ran.code, ran.out, ran.err) == (3, "Workflow 'b' deleted\n", message)
    conforms(argo.requests)


def test_delete_latest(argo: ArgoFake) -> None:
    argo.add("GET", LATEST, ok("GET", LATEST, wf("newest")))
    deletable(argo, "newest")
    ran = invoke(argo, "delete", "@latest")
    assert (ran.code, ran.out, ran.err) == (0, "Workflow 'newest' deleted\n", "")
    assert calls(argo) == [("GET", LATEST), ("DELETE", f"{WFS}/newest")]


def test_delete_completed_with_a_selector(argo: ArgoFake) -> None:
    done = "2026-01-01T00:00:00Z"
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("x", "Succeeded", finished=done))))
    deletable(argo, "x")
    ran = invoke(argo, "delete", "--completed", "-l", "app=x", "--resubmitted")
    assert (ran.code, ran.out, ran.err) == (0, "Workflow 'x' deleted\n", "")
    assert calls(argo) == [("GET", WFS), ("DELETE", f"{WFS}/x")]
    assert argo.requests[0].query == {
        "listOptions.labelSelector": [
            "app=x,workflows.argoproj.io/completed=true,"
            "workflows.argoproj.io/resubmitted-from-workflow"
        ]
    }


def test_delete_older_prefix_and_status_filter_the_list(argo: ArgoFake) -> None:
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = "2020-01-01T00:00:00Z"
    items = [
        wf("rel-old", "Succeeded", finished=old),
        wf("rel-failed", "Failed", finished=old),
        wf("rel-recent", "Succeeded", finished=recent),
        wf("rel-running"),
        wf("other-old", "Succeeded", finished=old),
    ]
    argo.add("GET", WFS, ok("GET", WFS, listing(*items)))
    deletable(argo, "rel-old")
    ran = invoke(argo, "delete", "--older", "1d", "--prefix", "rel-", "--status", "Succeeded,Error")
    assert (ran.code, ran.out, ran.err) == (0, "Workflow 'rel-old' deleted\n", "")
    # --status repeated, as argo's StringSlice takes it (the last one used to win alone)
    ran = invoke(argo, "delete", "--older", "1d", "--status", "Succeeded", "--status", "Failed",
                 "--dry-run")  # fmt: skip
    assert ran.out == (
        "Workflow 'rel-old' deleted (dry-run)\n"
        "Workflow 'rel-failed' deleted (dry-run)\n"
        "Workflow 'other-old' deleted (dry-run)\n"
    )
    assert calls(argo) == [("GET", WFS), ("DELETE", f"{WFS}/rel-old"), ("GET", WFS)]
    assert argo.requests[0].query == {}


def test_delete_selected_but_gone_is_noted_not_an_error(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("gone"), wf("b"))))
    argo.add("DELETE", f"{WFS}/gone", not_found("DELETE", f"{WFS}/gone", "gone")[0])
    deletable(argo, "b")
    ran = invoke(argo, "delete", "-l", "app=x")
    assert ran.code == 0
    assert ran.out == "Workflow 'b' deleted\n"
    assert ran.err == "Workflow 'gone' not found (deleted meanwhile)\n"
    conforms(argo.requests)


def test_delete_nothing_selected(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, listing()))
    ran = invoke(argo, "delete", "--completed")
    assert (ran.code, ran.out) == (0, "")
    assert ran.err == f"tiphys: no workflow selected in namespace '{NAMESPACE}'\n"
    assert calls(argo) == [("GET", WFS)]


def test_delete_all_with_yes(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("a"), wf("b"))))
    deletable(argo, "a", "b")
    ran = invoke(argo, "delete", "--all", "--yes")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "Workflow 'a' deleted\nWorkflow 'b' deleted\n"
    assert calls(argo) == [("GET", WFS), ("DELETE", f"{WFS}/a"), ("DELETE", f"{WFS}/b")]


def test_delete_all_refuses_without_a_terminal(argo: ArgoFake) -> None:
    ran = invoke(argo, "delete", "--all")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        f"tiphys: error: --all deletes every workflow in namespace '{NAMESPACE}' and stdin is "
        "not a terminal to ask on: add --yes to delete without asking (or --dry-run to see "
        "which)\n"
    )
    assert argo.requests == []


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_delete_all_asks_on_a_terminal(
    argo: ArgoFake, monkeypatch: pytest.MonkeyPatch, answer: str, deleted: bool
) -> None:
    monkeypatch.setattr(actions_cmd, "_stdin_is_terminal", lambda: True)
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("a"), wf("b"))))
    deletable(argo, "a", "b")
    ran = invoke(argo, "delete", "--all", stdin=answer)
    question = f"Delete 2 workflows in namespace '{NAMESPACE}'? [y/N]:"
    echo = f" {answer}"  # click writes the prompt's last space, and CliRunner the answer, to stdout
    if deleted:
        assert (ran.code, ran.err) == (0, question)
        assert ran.out == f"{echo}Workflow 'a' deleted\nWorkflow 'b' deleted\n"
        assert [m for m, _ in calls(argo)] == ["GET", "DELETE", "DELETE"]
    else:
        assert (ran.code, ran.out) == (2, echo)
        assert ran.err == f"{question}tiphys: error: nothing deleted\n"
        assert calls(argo) == [("GET", WFS)]


def test_delete_all_prompt_on_eof_is_no_and_on_ctrl_c_is_exit_130(
    argo: ArgoFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # click turns both into Abort ("Aborted!", exit 1, which tiphys uses for a failed
    # workflow): Ctrl-D answers no (exit 2), Ctrl-C is an interruption (130).
    monkeypatch.setattr(actions_cmd, "_stdin_is_terminal", lambda: True)
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("a"), wf("b"))))
    question = f"Delete 2 workflows in namespace '{NAMESPACE}'? [y/N]:"
    eof = invoke(argo, "delete", "--all", stdin="")
    assert (eof.code, eof.out) == (2, " ")
    assert eof.err == f"{question}\ntiphys: error: nothing deleted\n"

    def ctrl_c(*args: object, **kwargs: object) -> bool:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise typer.Abort() from None

    monkeypatch.setattr(typer, "confirm", ctrl_c)
    interrupted = invoke(argo, "delete", "--all")
    assert (interrupted.code, interrupted.out) == (130, "")
    assert interrupted.err == "\ntiphys: interrupted: nothing deleted\n"
    assert calls(argo) == [("GET", WFS), ("GET", WFS)]


def test_delete_all_dry_run_asks_nothing_and_deletes_nothing(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, listing(wf("a"), wf("b"))))
    ran = invoke(argo, "delete", "--all", "--dry-run")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "Workflow 'a' deleted (dry-run)\nWorkflow 'b' deleted (dry-run)\n"
    assert calls(argo) == [("GET", WFS)]


def test_delete_dry_run_checks_given_names(argo: ArgoFake) -> None:
    argo.add("GET", f"{WFS}/a", ok("GET", f"{WFS}/a", wf("a")))
    reply, message = not_found("GET", f"{WFS}/nope", "nope")
    argo.add("GET", f"{WFS}/nope", reply)
    ran = invoke(argo, "delete", "a", "nope", "--dry-run")
    assert (ran.code, ran.out, ran.err) == (3, "Workflow 'a' deleted (dry-run)\n", message)
    assert calls(argo) == [("GET", f"{WFS}/a"), ("GET", f"{WFS}/nope")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "no workflow given: name one or more workflows (or @latest), or select them with "
            "--all, --completed, --older, --prefix, --status, --resubmitted, -l or "
            "--field-selector",
        ),
        (
            ["a", "--all"],
            "--all deletes every workflow of the namespace: give names or --all, not both",
        ),
    ],
)
def test_delete_usage_errors(argo: ArgoFake, args: list[str], message: str) -> None:
    ran = invoke(argo, "delete", *args)
    assert (ran.code, ran.out, ran.err) == (2, "", f"tiphys: error: {message}\n")
    assert argo.requests == []


def test_delete_bad_duration(argo: ArgoFake) -> None:
    ran = invoke(argo, "delete", "--older", "soon")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "Usage: tiphys delete [OPTIONS] [WORKFLOW...]...\nTry 'tiphys delete -h' for help.\n\n"
        "Error: Invalid value for '--older': 'soon' is not a duration; write seconds (30) or a "
        "string like '30s', '5m', '2h', '1d', '1h30m'\n"
    )
    assert argo.requests == []


def test_delete_force(argo: ArgoFake) -> None:
    deletable(argo, "a")
    ran = invoke(argo, "delete", "a", "--force")
    assert (ran.code, ran.out, ran.err) == (0, "Workflow 'a' deleted\n", "")
    assert argo.requests[0].query == {"force": ["true"]}
    conforms(argo.requests)


def test_namespace_flag_reaches_every_request(argo: ArgoFake) -> None:
    team = "/api/v1/workflows/team"
    argo.add("GET", f"{team}/%40latest", ok("GET", f"{team}/%40latest", wf("newest")))
    argo.add("PUT", f"{team}/newest/stop", ok("PUT", f"{team}/newest/stop", wf("newest")))
    ran = invoke(argo, "stop", "@latest", "-n", "team")
    assert (ran.code, ran.out, ran.err) == (0, "workflow newest stopped\n", "")
    assert calls(argo) == [("GET", f"{team}/%40latest"), ("PUT", f"{team}/newest/stop")]
    assert argo.requests[1].json() == {"name": "newest", "namespace": "team"}


def test_node_set_needs_the_node_field_selector(argo: ArgoFake) -> None:
    ran = invoke(argo, "node", "set", "a", "--phase", "Failed")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "Usage: tiphys node set [OPTIONS] {WORKFLOW}\nTry 'tiphys node set -h' for help.\n\n"
        "Error: Missing option '--node-field-selector'.\n"
    )
    assert argo.requests == []


@pytest.mark.parametrize(
    "args",
    [
        ["resume", "wf", "--node-field-selector", "dispalyName=approve"],
        ["stop", "wf", "--node-field-selector", "dispalyName=approve"],
        ["retry", "wf", "--node-field-selector", "dispalyName=approve"],
        ["node", "set", "wf", "--node-field-selector", "dispalyName=approve", "--phase", "Failed"],
    ],
)
def test_a_mistyped_node_field_selector_is_refused_before_sending(
    argo: ArgoFake, args: list[str]
) -> None:
    # The server matches an unknown field against "" and so selects no node: the resume,
    # stop or set silently did nothing. get already refuses it; these verbs now do too.
    ran = invoke(argo, *args)
    assert (ran.code, ran.out) == (2, "")
    command = " ".join(args[: args.index("wf")])
    assert ran.err == (
        f"Usage: tiphys {command} [OPTIONS] "
        + ("{WORKFLOW}" if command == "node set" else "[WORKFLOW...]...")
        + f"\nTry 'tiphys {command} -h' for help.\n\n"
        "Error: Invalid value for '--node-field-selector': node field selector field "
        "'dispalyName' is not one the Argo Server matches, so no node would be selected; use "
        "one of displayName, templateName, phase, name, id, templateRef.name, "
        "templateRef.template, inputs.parameters.NAME.value\n"
    )
    assert argo.requests == []
