"""tiphys.client.submit, Workflow.submit, Run and WorkflowFailed against ArgoFake.

Every request sent is checked against swagger.json (:func:`conforms`) and every reply body
against its operation's response schema (:func:`ok`, :func:`err`).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tiphys
from argo_contract import Sleeps, conforms, err, fake_config, ok
from argo_fake import ArgoFake
from tiphys.client import (
    Client,
    Forbidden,
    NotFound,
    Run,
    RunOutputs,
    WorkflowFailed,
    submit,
)
from tiphys.client.run import ArtifactOutput, failure_message
from tiphys.errors import TiphysError

TOKEN = "s3cr3t-run-token"
NS = "argo"
WF = f"/api/v1/workflows/{NS}"
WFT = f"/api/v1/workflow-templates/{NS}"
CWFT = "/api/v1/cluster-workflow-templates"
CRON = f"/api/v1/cron-workflows/{NS}"

SPEC: dict[str, Any] = {
    "entrypoint": "main",
    "arguments": {
        "parameters": [
            {"name": "tag", "value": "latest"},
            {"name": "env", "value": "dev", "enum": ["dev", "prod"]},
        ]
    },
    "templates": [
        {
            "name": "main",
            "inputs": {
                "parameters": [
                    {"name": "tag"},
                    {"name": "env"},
                    {"name": "retries", "default": "1"},
                ]
            },
            "container": {"image": "alpine:3.20"},
        },
        {"name": "other", "container": {"image": "alpine:3.20"}},
    ],
}

MANIFEST: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "release-"},
    "spec": SPEC,
}


def workflow(
    name: str = "release-x7k2p",
    phase: str = "Running",
    *,
    nodes: dict[str, Any] | None = None,
    ns: str = NS,
    **status: Any,
) -> dict[str, Any]:
    """A Workflow as the server returns it."""
    st: dict[str, Any] = {"phase": phase, **status}
    if nodes is not None:
        st["nodes"] = nodes
    return {
        "metadata": {"name": name, "namespace": ns, "uid": "u-1", "resourceVersion": "101"},
        "spec": SPEC,
        "status": st,
    }


def template(kind: str = "WorkflowTemplate", name: str = "release") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if kind != "ClusterWorkflowTemplate":
        meta["namespace"] = NS
    if kind == "CronWorkflow":
        return {"metadata": meta, "spec": {"schedules": ["0 * * * *"], "workflowSpec": SPEC}}
    return {"metadata": meta, "spec": SPEC}


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def client(argo: ArgoFake) -> Iterator[Client]:
    config = fake_config(argo, token=TOKEN, namespace=NS)
    with Client(config, sleep=Sleeps(), random=lambda: 0.5) as c:
        yield c


def created_body(argo: ArgoFake) -> Any:
    (request,) = argo.requests_to("POST", WF)
    return request.json()


# --- submit: manifests and tiphys workflows ---------------------------------------------------


def test_submit_a_manifest_posts_it_with_the_parameters_first(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("POST", WF, ok("POST", WF, workflow()))
    run = submit(MANIFEST, {"env": "prod"}, client=client)
    assert (run.name, run.namespace, run.uid, run.phase, run.finished) == (
        "release-x7k2p",
        NS,
        "u-1",
        "Running",
        False,
    )
    assert run.workflow == workflow()
    spec = {
        **SPEC,
        "arguments": {
            "parameters": [{"name": "env", "value": "prod"}, SPEC["arguments"]["parameters"][0]]
        },
    }
    assert created_body(argo) == {
        "namespace": NS,
        "workflow": {**MANIFEST, "spec": spec},
    }
    assert MANIFEST["spec"] is SPEC and SPEC["arguments"]["parameters"][1]["value"] == "dev"
    conforms(argo.requests)


def test_submit_applies_every_option(argo: ArgoFake, client: Client) -> None:
    argo.add("POST", "/api/v1/workflows/ci", ok("POST", "/api/v1/workflows/ci", workflow(ns="ci")))
    run = submit(
        {**MANIFEST, "metadata": {"generateName": "release-", "labels": {"team": "a"}}},
        {"retries": 3, "tag": "v1.2"},
        client=client,
        namespace="ci",
        name="release-1",
        entrypoint="main",
        labels={"app": "release"},
        service_account="deployer",
        priority=5,
        server_dry_run=True,
    )
    assert run.namespace == "ci"
    (request,) = argo.requests
    assert request.json() == {
        "namespace": "ci",
        "serverDryRun": True,
        "workflow": {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {
                "name": "release-1",
                "namespace": "ci",
                "labels": {"team": "a", "app": "release"},
            },
            "spec": {
                **SPEC,
                "arguments": {
                    "parameters": [
                        {"name": "retries", "value": "3"},
                        {"name": "tag", "value": "v1.2"},
                        SPEC["arguments"]["parameters"][1],
                    ]
                },
                "entrypoint": "main",
                "serviceAccountName": "deployer",
                "priority": 5,
            },
        },
    }
    conforms(argo.requests)


def test_generate_name_replaces_name_and_values_become_strings(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("POST", WF, ok("POST", WF, workflow()))
    manifest = {**MANIFEST, "metadata": {"name": "fixed", "namespace": NS}}
    submit(manifest, {"tag": True, "env": "dev"}, client=client, generate_name="rel-")
    body = created_body(argo)
    assert body["workflow"]["metadata"] == {"generateName": "rel-", "namespace": NS}
    assert body["workflow"]["spec"]["arguments"]["parameters"] == [
        {"name": "tag", "value": "true"},
        {"name": "env", "value": "dev"},
    ]
    conforms(argo.requests)


def test_workflow_submit_compiles_the_dsl_workflow(argo: ArgoFake, client: Client) -> None:
    @tiphys.container(image="alpine:3.20")
    def hello(message: str, times: int = 2) -> None: ...

    wf = tiphys.Workflow(generate_name="hello-", entrypoint=hello, arguments={"message": "hi"})
    argo.add("POST", WF, ok("POST", WF, workflow("hello-abcde")))
    run = wf.submit({"times": 3}, client=client)
    assert isinstance(run, Run) and run.name == "hello-abcde"
    expected = wf.to_dict()
    expected["spec"]["arguments"]["parameters"] = [
        {"name": "times", "value": "3"},
        {"name": "message", "value": "hi"},
    ]
    assert created_body(argo) == {"namespace": NS, "workflow": expected}
    conforms(argo.requests)


def test_unknown_parameter_names_the_known_ones_and_sends_nothing(
    argo: ArgoFake, client: Client
) -> None:
    with pytest.raises(TiphysError) as info:
        submit(MANIFEST, {"tga": "v1"}, client=client)
    assert str(info.value) == (
        "the workflow (generateName 'release-') has no parameter 'tga' (its parameters: tag, "
        "env, retries). Did you mean 'tag'?"
    )
    assert argo.requests == []


def test_enum_and_missing_values_are_checked(argo: ArgoFake, client: Client) -> None:
    with pytest.raises(TiphysError) as info:
        submit(MANIFEST, {"env": "prd"}, client=client)
    assert str(info.value) == (
        "parameter 'env' of the workflow (generateName 'release-') is 'prd', which is not one "
        "of its enum values: "
        "dev, prod."
    )
    spec = {
        **SPEC,
        "arguments": {"parameters": [{"name": "tag"}, {"name": "env", "value": "dev"}]},
    }
    with pytest.raises(TiphysError) as info:
        submit({**MANIFEST, "spec": spec}, client=client)
    assert str(info.value) == (
        "the workflow (generateName 'release-') needs a value for parameter 'tag': pass "
        "-p tag=... on the command "
        "line (parameters={'tag': ...} in Python)."
    )
    assert argo.requests == []


def test_sources_that_do_not_run_are_refused(client: Client) -> None:
    with pytest.raises(TiphysError) as info:
        submit({**MANIFEST, "kind": "WorkflowTemplate"}, client=client)
    assert str(info.value) == (
        "cannot submit a WorkflowTemplate: only a Workflow runs. Create the WorkflowTemplate "
        "with apply(), then submit 'wftmpl/NAME' (or 'cwftmpl/NAME', 'cronwf/NAME') to run it."
    )
    with pytest.raises(TiphysError) as info:
        submit(42, client=client)
    assert str(info.value) == (
        "cannot submit a int: pass a tiphys Workflow, a Workflow manifest (dict) or "
        "'KIND/NAME' (wftmpl/NAME, cwftmpl/NAME, cronwf/NAME)."
    )
    for bad in ("template/release", "wftmpl/", "release"):
        with pytest.raises(TiphysError) as info:
            submit(bad, client=client)
        assert str(info.value) == (
            f"cannot submit {bad!r}: write KIND/NAME with KIND one of wftmpl "
            "(WorkflowTemplate), cwftmpl (ClusterWorkflowTemplate) or cronwf (CronWorkflow), "
            "e.g. 'wftmpl/release'."
        )
    with pytest.raises(TiphysError) as info:
        submit(MANIFEST, {"tag": None}, client=client)
    assert str(info.value) == (
        "parameter 'tag' is a NoneType; Argo parameters are strings: pass a str (or a number, "
        "bool, list or dict, which are written as JSON)."
    )


def test_submit_without_a_client_reads_the_environment(
    argo: ArgoFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "ARGO_SERVER": argo.url.removeprefix("http://"),
        "ARGO_SECURE": "false",
        "ARGO_TOKEN": TOKEN,
        "ARGO_NAMESPACE": NS,
        "KUBECONFIG": "/dev/null",
    }.items():
        monkeypatch.setenv(key, value)
    argo.add("POST", WF, ok("POST", WF, workflow()))
    run = submit(MANIFEST)
    run.client.close()
    assert run.name == "release-x7k2p"
    assert argo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    conforms(argo.requests)


# --- submit: KIND/NAME ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kind", "get_path"),
    [
        ("wftmpl/release", "WorkflowTemplate", f"{WFT}/release"),
        ("cwftmpl/release", "ClusterWorkflowTemplate", f"{CWFT}/release"),
        ("cronwf/release", "CronWorkflow", f"{CRON}/release"),
        ("WorkflowTemplate/release", "WorkflowTemplate", f"{WFT}/release"),
    ],
)
def test_submit_from_a_server_object_checks_its_parameters(
    argo: ArgoFake, client: Client, source: str, kind: str, get_path: str
) -> None:
    argo.add("GET", get_path, ok("GET", get_path, template(kind)))
    argo.add("POST", f"{WF}/submit", ok("POST", f"{WF}/submit", workflow()))
    run = submit(
        source,
        {"tag": "v2"},
        client=client,
        generate_name="rel-",
        entrypoint="main",
        labels={"a": "b"},
        service_account="sa",
        priority=1,
    )
    assert run.name == "release-x7k2p"
    assert [(r.method, r.path) for r in argo.requests] == [
        ("GET", get_path),
        ("POST", f"{WF}/submit"),
    ]
    assert argo.requests[1].json() == {
        "namespace": NS,
        "resourceKind": kind,
        "resourceName": "release",
        "submitOptions": {
            "parameters": ["tag=v2"],
            "entryPoint": "main",
            "generateName": "rel-",
            "labels": "a=b",
            "serviceAccount": "sa",
            "priority": 1,
        },
    }
    with pytest.raises(TiphysError) as info:
        submit(source, {"tga": "v2"}, client=client)
    assert str(info.value) == (
        f"{kind} 'release' has no parameter 'tga' (its parameters: tag, env, retries). "
        "Did you mean 'tag'?"
    )
    assert len(argo.requests_to("POST", f"{WF}/submit")) == 1
    conforms(argo.requests)


def test_forbidden_template_read_skips_the_check_with_a_warning(
    argo: ArgoFake, client: Client
) -> None:
    path = f"{WFT}/release"
    argo.add("GET", path, err("GET", path, 403, "workflowtemplates is forbidden"))
    argo.add("POST", f"{WF}/submit", ok("POST", f"{WF}/submit", workflow()))
    with pytest.warns(UserWarning) as caught:
        run = submit("wftmpl/release", {"anything": "x"}, client=client)
    assert [(str(w.message), w.filename) for w in caught] == [
        (
            "cannot read WorkflowTemplate 'release' in namespace 'argo' (forbidden), so the "
            "parameters were not checked before submitting; the server checks them.",
            __file__,
        )
    ]
    assert run.name == "release-x7k2p"
    assert argo.requests[1].json()["submitOptions"] == {"parameters": ["anything=x"]}
    conforms(argo.requests)


def test_missing_template_is_not_found_and_nothing_is_submitted(
    argo: ArgoFake, client: Client
) -> None:
    path = f"{WFT}/nope"
    argo.add("GET", path, err("GET", path, 404, 'workflowtemplates "nope" not found'))
    with pytest.raises(NotFound):
        submit("wftmpl/nope", client=client)
    assert [r.method for r in argo.requests] == ["GET"]


def test_a_manifest_with_a_template_ref_is_checked_against_the_server_template(
    argo: ArgoFake, client: Client
) -> None:
    path = f"{CWFT}/release"
    argo.add("GET", path, ok("GET", path, template("ClusterWorkflowTemplate")))
    argo.add("POST", WF, ok("POST", WF, workflow()))
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "rel-"},
        "spec": {
            "workflowTemplateRef": {"name": "release", "clusterScope": True},
            "arguments": {"parameters": [{"name": "extra", "value": "1"}]},
        },
    }
    with pytest.raises(TiphysError) as info:
        submit(manifest, {"nope": "1"}, client=client)
    assert str(info.value) == (
        "the workflow (generateName 'rel-') has no parameter 'nope' (its parameters: extra, "
        "tag, env, retries). Check the name."
    )
    submit(manifest, {"tag": "v3"}, client=client)
    assert created_body(argo)["workflow"]["spec"] == {
        "workflowTemplateRef": {"name": "release", "clusterScope": True},
        "arguments": {
            "parameters": [{"name": "tag", "value": "v3"}, {"name": "extra", "value": "1"}]
        },
    }
    conforms(argo.requests)


# --- Run: reading ---------------------------------------------------------------------------


def _node(
    node_id: str, display: str, phase: str, node_type: str = "Pod", **more: Any
) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": node_id,
        "displayName": display,
        "type": node_type,
        "phase": phase,
        **more,
    }


NODES = {
    "release-x7k2p": _node(
        "release-x7k2p",
        "release-x7k2p",
        "Succeeded",
        "DAG",
        outputs={
            "parameters": [{"name": "digest", "value": "sha256:1"}, {"name": "empty"}],
            "result": "done",
            "exitCode": "0",
            "artifacts": [{"name": "report", "s3": {"key": "r.tgz"}}],
        },
    ),
    "release-x7k2p-1": _node("release-x7k2p-1", "build", "Succeeded"),
}


def test_refresh_reads_the_workflow_and_decodes_compressed_nodes(
    argo: ArgoFake, client: Client
) -> None:
    packed = base64.b64encode(gzip.compress(json.dumps(NODES).encode())).decode()
    path = f"{WF}/release-x7k2p"
    compressed = workflow("release-x7k2p", "Succeeded", compressedNodes=packed)
    argo.add("GET", path, ok("GET", path, compressed))
    run = Run(client, workflow())
    got = run.refresh()
    assert got == workflow("release-x7k2p", "Succeeded", nodes=NODES)
    assert run.workflow == got and run.phase == "Succeeded" and run.finished
    assert repr(run) == "Run(argo/release-x7k2p, phase='Succeeded')"
    conforms(argo.requests)


def test_outputs_of_the_entrypoint_node(client: Client) -> None:
    run = Run(client, workflow(phase="Succeeded", nodes=NODES))
    assert run.outputs == RunOutputs(
        parameters={"digest": "sha256:1", "empty": ""},
        result="done",
        exit_code="0",
        artifacts={
            "report": ArtifactOutput(
                "report",
                "release-x7k2p",
                "release-x7k2p",
                NS,
                {"name": "report", "s3": {"key": "r.tgz"}},
                client,
                "u-1",
            )
        },
    )
    assert Run(client, workflow()).outputs == RunOutputs({}, None, None, {})


def test_run_takes_the_clients_namespace_when_the_workflow_has_none(client: Client) -> None:
    run = Run(client, {"metadata": {"name": "x"}, "spec": {}})
    assert (run.name, run.namespace, run.uid, run.phase, run.finished) == ("x", NS, "", "", False)
    assert Run(client, workflow(phase="Pending", finishedAt=None)).finished is False
    assert Run(client, workflow(phase="Running", finishedAt="2026-01-01T00:00:00Z")).finished


# --- Run: actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    call: Callable[[Run], Run]
    action: str
    body: dict[str, Any]


ACTIONS = [
    Action(lambda r: r.stop(), "stop", {}),
    Action(
        lambda r: r.stop("enough", node_field_selector="displayName=a"),
        "stop",
        {"message": "enough", "nodeFieldSelector": "displayName=a"},
    ),
    Action(lambda r: r.terminate(), "terminate", {}),
    Action(lambda r: r.suspend(), "suspend", {}),
    Action(lambda r: r.resume(), "resume", {}),
    Action(
        lambda r: r.resume(node_field_selector="displayName=approve"),
        "resume",
        {"nodeFieldSelector": "displayName=approve"},
    ),
    Action(lambda r: r.retry(), "retry", {}),
    Action(
        lambda r: r.retry(
            restart_successful=True, node_field_selector="templateName=build", parameters={"n": 2}
        ),
        "retry",
        {
            "restartSuccessful": True,
            "nodeFieldSelector": "templateName=build",
            "parameters": ["n=2"],
        },
    ),
    Action(
        lambda r: r.set("approve", outputs={"ok": "yes"}),
        "set",
        {"nodeFieldSelector": "displayName=approve", "outputParameters": '{"ok": "yes"}'},
    ),
    Action(
        lambda r: r.set("templateName=approve", phase="Failed", message="no"),
        "set",
        {"nodeFieldSelector": "templateName=approve", "phase": "Failed", "message": "no"},
    ),
]


@pytest.mark.parametrize("case", ACTIONS, ids=[f"{a.action}-{i}" for i, a in enumerate(ACTIONS)])
def test_actions_put_their_request_and_keep_the_returned_workflow(
    argo: ArgoFake, client: Client, case: Action
) -> None:
    path = f"{WF}/release-x7k2p/{case.action}"
    after = workflow(phase="Failed")
    argo.add("PUT", path, ok("PUT", path, after))
    run = Run(client, workflow())
    assert case.call(run) is run
    assert run.workflow == after and run.phase == "Failed"
    (request,) = argo.requests
    assert (request.method, request.path) == ("PUT", path)
    assert request.json() == {"name": "release-x7k2p", "namespace": NS, **case.body}
    conforms(argo.requests)


def test_resubmit_returns_the_new_run(argo: ArgoFake, client: Client) -> None:
    path = f"{WF}/release-x7k2p/resubmit"
    argo.add("PUT", path, ok("PUT", path, workflow("release-q9w8e", "Pending")))
    run = Run(client, workflow(phase="Failed"))
    new = run.resubmit(memoized=True, parameters={"tag": "v2"})
    assert (new.name, new.phase, run.name, run.phase) == (
        "release-q9w8e",
        "Pending",
        "release-x7k2p",
        "Failed",
    )
    assert argo.requests[0].json() == {
        "name": "release-x7k2p",
        "namespace": NS,
        "memoized": True,
        "parameters": ["tag=v2"],
    }
    conforms(argo.requests)


def test_retry_of_a_running_workflow_is_the_servers_400(argo: ArgoFake, client: Client) -> None:
    path = f"{WF}/release-x7k2p/retry"
    argo.add("PUT", path, err("PUT", path, 400, "Cannot retry a workflow in phase Running"))
    with pytest.raises(TiphysError, match="Cannot retry a workflow in phase Running"):
        Run(client, workflow()).retry()
    conforms(argo.requests)


def test_a_refused_action_is_typed(argo: ArgoFake, client: Client) -> None:
    path = f"{WF}/release-x7k2p/stop"
    argo.add("PUT", path, err("PUT", path, 403, "workflows.argoproj.io is forbidden"))
    with pytest.raises(Forbidden):
        Run(client, workflow()).stop()


# --- WorkflowFailed and wait/watch/logs on the streaming client ------------------------------

FAILED_NODES = {
    "ci-x": _node("ci-x", "ci-x", "Failed", "DAG", startedAt="2026-01-01T00:00:00Z"),
    "ci-x-3": _node(
        "ci-x-3",
        "test",
        "Error",
        startedAt="2026-01-01T00:00:05Z",
        message="pod deleted",
    ),
    "ci-x-2": _node(
        "ci-x-2",
        "build",
        "Failed",
        startedAt="2026-01-01T00:00:02Z",
        message="Error (exit code 1)",
    ),
    "ci-x-4": _node("ci-x-4", "lint", "Succeeded", startedAt="2026-01-01T00:00:01Z"),
    "ci-x-5": _node("ci-x-5", "retry", "Failed", "Retry", startedAt="2026-01-01T00:00:01Z"),
}


def test_failure_message_names_the_failed_leaf_nodes_in_start_order() -> None:
    wf = workflow("ci-x", "Failed", nodes=FAILED_NODES, message="child 'ci-x-2' failed")
    assert failure_message(wf) == (
        "workflow 'ci-x' in namespace 'argo' ended Failed: child 'ci-x-2' failed\n"
        "failed nodes:\n"
        "  build (Failed): Error (exit code 1)\n"
        "  test (Error): pod deleted\n"
        "See `tiphys get -n argo ci-x` and `tiphys logs -n argo ci-x`."
    )
    assert failure_message(workflow("ci-x", "Running")) == (
        "workflow 'ci-x' in namespace 'argo' was deleted before it finished (last phase "
        "Running)\nSee `tiphys get -n argo ci-x` and `tiphys logs -n argo ci-x`."
    )


def test_failure_message_caps_the_list() -> None:
    nodes = {f"n{i:02}": _node(f"n{i:02}", f"step-{i:02}", "Failed") for i in range(13)}
    lines = failure_message(workflow("big", "Failed", nodes=nodes)).splitlines()
    assert lines[0] == "workflow 'big' in namespace 'argo' ended Failed"
    assert lines[2:4] == ["  step-00 (Failed)", "  step-01 (Failed)"]
    assert lines[-2:] == [
        "  and 3 more",
        "See `tiphys get -n argo big` and `tiphys logs -n argo big`.",
    ]
    assert len(lines) == 1 + 1 + 10 + 2


@dataclass(frozen=True)
class Event:
    type: str
    workflow: dict[str, Any]


class StreamingClient:
    """Stands in for Client's streaming methods (watch, logs, artifacts) to test what Run does
    with them alone; tests/test_run_streams.py runs Run over the real ones against ArgoFake."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.namespace = NS
        self.events = events
        self.calls: list[tuple[Any, ...]] = []

    def watch(
        self, name: str, namespace: str | None = None, *, timeout: float | None = None
    ) -> Iterator[Event]:
        self.calls.append(("watch", name, namespace, timeout))
        for wf in self.events:
            yield Event("MODIFIED", wf)

    def logs(self, name: str, namespace: str | None = None, **options: Any) -> list[str]:
        self.calls.append(("logs", name, namespace, options))
        return ["line"]

    def download_artifact(self, *args: Any, **kw: Any) -> int:
        self.calls.append(("download_artifact", args, kw))
        return 7

    def read_artifact(self, *args: Any, **kw: Any) -> bytes:
        self.calls.append(("read_artifact", args, kw))
        return b"content"


def stub_run(events: list[dict[str, Any]], first: dict[str, Any] | None = None) -> Run:
    return Run(StreamingClient(events), first or workflow("ci-x", "Pending"))  # type: ignore[arg-type]


def test_wait_returns_the_run_when_it_succeeds() -> None:
    run = stub_run([workflow("ci-x", "Pending"), workflow("ci-x", "Succeeded", nodes=NODES)])
    assert run.wait(30) is run
    assert run.phase == "Succeeded"
    assert run.client.calls == [("watch", "ci-x", NS, 30)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("phase", ["Failed", "Error"])
def test_wait_raises_workflow_failed_unless_check_is_false(phase: str) -> None:
    final = workflow("ci-x", phase, nodes=FAILED_NODES)
    with pytest.raises(WorkflowFailed) as info:
        stub_run([workflow("ci-x", "Running"), final]).wait()
    assert info.value.phase == phase
    assert info.value.run.workflow == final
    assert str(info.value) == info.value.message == failure_message(final)
    assert isinstance(info.value, tiphys.WorkflowFailed)
    run = stub_run([final])
    assert run.wait(check=False).phase == phase


def test_wait_after_a_deletion_raises_with_the_last_phase() -> None:
    with pytest.raises(WorkflowFailed) as info:
        stub_run([workflow("ci-x", "Running")]).wait()
    assert info.value.phase == "Running"


def test_watch_yields_snapshots_and_keeps_the_last() -> None:
    packed = base64.b64encode(gzip.compress(json.dumps(NODES).encode())).decode()
    events = [workflow("ci-x", "Running"), workflow("ci-x", "Succeeded", compressedNodes=packed)]
    run = stub_run(events)
    seen = list(run.watch(timeout=5))
    assert seen == [events[0], workflow("ci-x", "Succeeded", nodes=NODES)]
    assert run.workflow == seen[-1]


def test_logs_and_artifacts_delegate_to_the_client(tmp_path: Path) -> None:
    run = stub_run([], workflow("release-x7k2p", "Succeeded", nodes=NODES))
    assert run.logs(follow=True, tail_lines=5) == ["line"]
    report = run.outputs.artifacts["report"]
    assert report.download(tmp_path / "r.tgz") == 7
    assert report.read() == b"content"
    assert run.client.calls == [  # type: ignore[attr-defined]
        (
            "logs",
            "release-x7k2p",
            NS,
            {
                "pod_name": None,
                "container": "main",
                "follow": True,
                "since_seconds": None,
                "since_time": None,
                "tail_lines": 5,
                "grep": None,
                "selector": None,
                "timeout": None,
            },
        ),
        (
            "download_artifact",
            ("release-x7k2p", "release-x7k2p", "report", tmp_path / "r.tgz", NS),
            {"uid": None},  # the live route first (live_then_archived)
        ),
        ("read_artifact", ("release-x7k2p", "release-x7k2p", "report", NS), {"uid": None}),
    ]


# --- secrecy --------------------------------------------------------------------------------


def test_the_token_appears_in_no_repr_or_error(argo: ArgoFake, client: Client) -> None:
    path = f"{WF}/release-x7k2p/stop"
    argo.add("PUT", path, err("PUT", path, 401, "token not valid"))
    run = Run(client, workflow())
    texts = [repr(run), repr(run.outputs)]
    with pytest.raises(TiphysError) as info:
        run.stop()
    texts.append(str(info.value))
    failed = WorkflowFailed(Run(client, workflow(phase="Failed", nodes=FAILED_NODES)))
    texts += [str(failed), repr(failed)]
    assert len(texts) == 5 and all(TOKEN not in text for text in texts)
