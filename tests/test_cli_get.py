"""tiphys get / tiphys list against an ArgoFake: requests checked against swagger.json, outputs
compared whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
import yaml

import render_fixtures as f
from argo_contract import conforms, err, ok
from argo_fake import ArgoFake
from cli_server import NAMESPACE, invoke
from test_render import DAG_GET, DAG_SHORT, DAG_STATUS_FAILED, LIST_PLAIN, LOOP_NO_UTF8, text
from tiphys.cli import get_cmd, list_cmd
from tiphys.cli.render import header, node_tree

WFS = f"/api/v1/workflows/{NAMESPACE}"


@pytest.fixture
def argo(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArgoFake]:
    monkeypatch.setattr(get_cmd, "TIME_ZONE", UTC)
    monkeypatch.setattr(get_cmd, "now", lambda: f.NOW)
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def serve(argo: ArgoFake, wf: dict[str, Any], name: str | None = None) -> str:
    path = f"{WFS}/{name or wf['metadata']['name']}"
    argo.add("GET", path, ok("GET", path, wf))
    return path


def test_get_shows_header_and_tree(argo: ArgoFake) -> None:
    path = serve(argo, f.dag_failed())
    ran = invoke(argo, "get", "diamond-8xk2p")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == DAG_GET
    conforms(argo.requests)
    assert [r.path for r in argo.requests] == [path]


def test_get_latest_short_no_utf8_and_status(argo: ArgoFake) -> None:
    serve(argo, f.dag_failed(), "%40latest")
    serve(argo, f.loop_suspended())
    serve(argo, f.dag_failed())
    assert invoke(argo, "get", "@latest", "-o", "short").out == DAG_SHORT
    loops_header = text(header(f.loop_suspended(), f.NOW, tz=UTC, utf8=False))
    ran = invoke(argo, "get", "loops-q7v4m", "--no-utf8")
    assert ran.out == f"{loops_header}\n{LOOP_NO_UTF8}"
    ran = invoke(argo, "get", "diamond-8xk2p", "--status", "Failed")
    assert ran.out == text(header(f.dag_failed(), f.NOW, tz=UTC)) + "\n" + DAG_STATUS_FAILED
    conforms(argo.requests)


def test_get_several_names_and_machine_formats(argo: ArgoFake) -> None:
    wf, other = f.steps(), f.loop_suspended()
    for _ in range(3):
        serve(argo, wf)
        serve(argo, other)
    ran = invoke(argo, "get", "steps-z2zdn", "loops-q7v4m", "-o", "name")
    assert (ran.code, ran.out) == (0, "steps-z2zdn\nloops-q7v4m\n")
    ran = invoke(argo, "get", "steps-z2zdn", "loops-q7v4m", "-o", "json")
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(ran.out)
    assert (first, json.loads(ran.out[end:])) == (wf, other)
    ran = invoke(argo, "get", "steps-z2zdn", "loops-q7v4m", "-o", "yaml")
    assert list(yaml.safe_load_all(ran.out)) == [wf, other]
    conforms(argo.requests)


def test_get_two_default_views_are_separated_by_a_blank_line(argo: ArgoFake) -> None:
    serve(argo, f.steps())
    serve(argo, f.steps())
    ran = invoke(argo, "get", "steps-z2zdn", "steps-z2zdn")
    from test_render import STEPS_GET

    assert ran.out == f"{STEPS_GET}\n{STEPS_GET}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "xml"], "unknown output format 'xml' (choose name, json, yaml, short or wide)"),
        (
            ["--status", "Failed", "--node-field-selector", "phase=Failed"],
            "use either --status or --node-field-selector, not both",
        ),
        (
            ["--node-field-selector", "phase"],
            "node field selector term 'phase' is not FIELD=VALUE or FIELD!=VALUE",
        ),
    ],
)
def test_get_usage_errors_exit_2_before_any_request(
    argo: ArgoFake, args: list[str], message: str
) -> None:
    ran = invoke(argo, "get", "x", *args)
    assert (ran.code, ran.out, ran.err) == (2, "", f"tiphys: error: {message}\n")
    assert argo.requests == []


def test_get_missing_workflow_exits_3(argo: ArgoFake) -> None:
    path = f"{WFS}/nope"
    argo.add("GET", path, err("GET", path, 404, 'workflows.argoproj.io "nope" not found'))
    ran = invoke(argo, "get", "nope")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err.startswith(
        f'tiphys: error: GET {path}: 404 Not Found: workflows.argoproj.io "nope" not found\n'
    )


def test_get_prints_the_workflows_found_before_a_missing_one(argo: ArgoFake) -> None:
    # As argo get: each workflow is shown as it is read, so `get a nope` still shows a.
    serve(argo, f.steps())
    path = f"{WFS}/nope"
    argo.add("GET", path, err("GET", path, 404, 'workflows.argoproj.io "nope" not found'))
    ran = invoke(argo, "get", "steps-z2zdn", "nope", "-o", "name")
    assert (ran.code, ran.out) == (3, "steps-z2zdn\n")
    ran = invoke(argo, "get", "steps-z2zdn", "nope", "-o", "short")
    assert (ran.code, ran.out) == (3, text(node_tree(f.steps(), now=f.NOW, short=True)))


def items(*wfs: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {}, "items": list(wfs) or None}


def test_get_short_of_a_workflow_without_nodes_shows_its_header(argo: ArgoFake) -> None:
    # argo get -o short replaces the output by the tree only when there is one: a workflow
    # not started yet still shows its header (not an empty output).
    wf = f.steps()
    wf["status"] = {"phase": "Pending"}
    serve(argo, wf)
    ran = invoke(argo, "get", "steps-z2zdn", "-o", "short")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == text(header(wf, f.NOW, tz=UTC))
    conforms(argo.requests)


def test_list_table_sorted_unfinished_first(argo: ArgoFake) -> None:
    body = items(f.dag_failed(), f.steps(), f.loop_suspended())
    argo.add("GET", WFS, ok("GET", WFS, body))
    ran = invoke(argo, "list")
    assert (ran.code, ran.err) == (0, "")
    # loops (running) first, then by finish time: diamond (10:01:40), steps (10:00:07)
    lines = LIST_PLAIN.splitlines()
    assert ran.out == "\n".join([lines[0], lines[3], lines[2], lines[1]]) + "\n"
    conforms(argo.requests)


def test_list_filters_become_a_label_selector(argo: ArgoFake) -> None:
    argo.add("GET", WFS, ok("GET", WFS, items()))
    argo.add("GET", WFS, ok("GET", WFS, items()))
    argo.add("GET", WFS, ok("GET", WFS, items(f.steps())))
    argo.add("GET", WFS, ok("GET", WFS, items(f.steps(), f.dag_failed())))
    ran = invoke(
        argo, "list", "--running", "-l", "app=x", "--status", "Running", "--status", "Pending"
    )  # repeated, as argo's StringSlice takes it (or comma-separated: Running,Pending)
    assert (ran.code, ran.out, ran.err) == (0, "No workflows found\n", "")
    ran = invoke(argo, "list", "--completed", "-o", "json")
    assert ran.out == "[]\n"
    assert json.loads(invoke(argo, "list", "-o", "json").out) == [f.steps()]
    assert yaml.safe_load(invoke(argo, "list", "-o", "yaml").out) == [f.dag_failed(), f.steps()]
    conforms(argo.requests)
    assert [r.query.get("listOptions.labelSelector") for r in argo.requests] == [
        [
            "app=x,workflows.argoproj.io/completed!=true,"
            "workflows.argoproj.io/phase in (Running,Pending)"
        ],
        ["workflows.argoproj.io/completed=true"],
        None,
        None,
    ]


def test_list_asks_only_for_the_fields_it_shows(argo: ArgoFake) -> None:
    # As argo list: the table and -o name trim the items with `fields` (no status.nodes: a
    # namespace of big workflows would otherwise be downloaded whole); wide, json and yaml
    # need the whole objects.
    for _ in range(5):
        argo.add("GET", WFS, ok("GET", WFS, items(f.steps())))
    for args in ([], ["-o", "name"], ["-o", "wide"], ["-o", "json"], ["-o", "yaml"]):
        assert invoke(argo, "list", *args).code == 0
    conforms(argo.requests)
    assert [r.query.get("fields") for r in argo.requests] == [
        [
            "metadata,items.metadata,items.spec,items.status.phase,items.status.message,"
            "items.status.finishedAt,items.status.startedAt,items.status.estimatedDuration,"
            "items.status.progress"
        ],
        ["metadata,items.metadata.name,items.metadata.creationTimestamp,items.status.finishedAt"],
        None,
        None,
        None,
    ]


def test_list_prefix_since_older_and_names(argo: ArgoFake) -> None:
    old = f.steps()
    old["metadata"]["name"] = "steps-old"
    old["metadata"]["creationTimestamp"] = "2026-11-27T10:00:00Z"
    old["status"]["startedAt"] = "2026-11-27T10:00:00Z"
    old["status"]["finishedAt"] = "2026-11-27T10:01:00Z"
    body = items(f.steps(), old, f.dag_failed())
    for _ in range(3):
        argo.add("GET", WFS, ok("GET", WFS, body))
    assert invoke(argo, "list", "--prefix", "steps-", "-o", "name").out == (
        "steps-z2zdn\nsteps-old\n"
    )
    assert invoke(argo, "list", "--since", "1h", "-o", "name").out == (
        "diamond-8xk2p\nsteps-z2zdn\n"
    )
    assert invoke(argo, "list", "--older", "1d", "--no-headers").out == (
        "steps-old   Succeeded   2d   1m   0\n"
    )
    conforms(argo.requests)


def test_list_of_nothing_says_so_as_argo_does_but_name_prints_nothing(argo: ArgoFake) -> None:
    # argo's PrintWorkflows: "No workflows found" rather than a lone header row; -o name
    # stays empty so that `tiphys list -o name | xargs ...` gets no bogus name.
    for _ in range(4):
        argo.add("GET", WFS, ok("GET", WFS, items()))
    assert invoke(argo, "list").out == "No workflows found\n"
    assert invoke(argo, "list", "--no-headers", "-o", "wide").out == "No workflows found\n"
    assert invoke(argo, "list", "-o", "name").out == ""
    assert invoke(argo, "list", "-o", "yaml").out == "[]\n"
    conforms(argo.requests)


def test_list_all_namespaces(argo: ArgoFake) -> None:
    # GET /api/v1/workflows/ (empty namespace: all of them, as the argo CLI asks); swagger's
    # path template cannot express an empty segment, so this request is not checked.
    argo.add("GET", "/api/v1/workflows/", ok("GET", WFS, items(f.steps())))
    ran = invoke(argo, "list", "-A")
    assert ran.out == (
        "NAMESPACE   NAME          STATUS      AGE   DURATION   PRIORITY   MESSAGE\n"
        "argo        steps-z2zdn   Succeeded   5m    7s         0\n"
    )
    assert argo.requests[0].query == {"fields": [list_cmd.TABLE_FIELDS]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "short"], "unknown output format 'short' (choose name, json, yaml or wide)"),
        (["--running", "--completed"], "use either --running or --completed, not both"),
    ],
)
def test_list_usage_errors(argo: ArgoFake, args: list[str], message: str) -> None:
    ran = invoke(argo, "list", *args)
    assert (ran.code, ran.out, ran.err) == (2, "", f"tiphys: error: {message}\n")
    assert argo.requests == []


def test_list_bad_duration(argo: ArgoFake) -> None:
    ran = invoke(argo, "list", "--since", "soon")
    assert ran.code == 2
    assert ran.err == (
        "tiphys: error: --since: 'soon' is not a duration; write seconds (30) or a string like "
        "'30s', '5m', '2h', '1d', '1h30m'\n"
    )
    assert argo.requests == []
