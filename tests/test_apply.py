"""tiphys.client.apply/diff and .apply() of the DSL's template kinds, against ArgoFake.

The server's copies carry what a real Argo Server adds (creator labels, resourceVersion, uid,
creationTimestamp, generation, managedFields; a CronWorkflow's status and the controller's
annotation) and drop what Go's ``omitempty`` drops; every request is checked against
swagger.json and every scripted response against its response schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from argo_contract import conforms, err, fake_config, ok
from argo_fake import ArgoFake
from tiphys import ClusterWorkflowTemplate, CronWorkflow, WorkflowTemplate, container
from tiphys.client import (
    AlreadyExists,
    ApplyResult,
    Client,
    Conflict,
    Forbidden,
    apply,
    diff,
)
from tiphys.errors import CompileError, TiphysError

TOKEN = "s3cr3t-apply-token"
NS = "argo"
WFT = f"/api/v1/workflow-templates/{NS}"
CWFT = "/api/v1/cluster-workflow-templates"
CRON = f"/api/v1/cron-workflows/{NS}"

SPEC: dict[str, Any] = {
    "entrypoint": "main",
    "arguments": {"parameters": [{"name": "tag", "value": "v1"}]},
    "templates": [
        {
            "name": "main",
            "inputs": {"parameters": [{"name": "tag"}]},
            "container": {"image": "alpine:3.20", "command": ["echo", "{{inputs.parameters.tag}}"]},
        }
    ],
}


def local(kind: str = "WorkflowTemplate", name: str = "release", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {"team": "a", **labels}}
    spec = copy.deepcopy(SPEC)
    if kind == "CronWorkflow":
        spec = {"schedules": ["0 * * * *"], "suspend": False, "workflowSpec": spec}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}


def stored(manifest: dict[str, Any], rv: str = "4711") -> dict[str, Any]:
    """What the server holds after creating ``manifest``: its additions, omitempty applied."""
    obj = copy.deepcopy(manifest)
    meta = obj["metadata"]
    if obj["kind"] != "ClusterWorkflowTemplate":
        meta["namespace"] = NS
    meta["labels"] = {
        **meta.get("labels", {}),
        "workflows.argoproj.io/creator": "system-serviceaccount-argo-argo-server",
        "workflows.argoproj.io/creator-preferred-username": "system-serviceaccount-argo",
    }
    meta.update(
        {
            "resourceVersion": rv,
            "uid": "0b4e7e6c-4a8a-4f57-9f3c-2f4b1e2f8d11",
            "generation": 1,
            "creationTimestamp": "2026-11-29T10:00:00Z",
            "managedFields": [
                {
                    "manager": "argo",
                    "operation": "Update",
                    "apiVersion": "argoproj.io/v1alpha1",
                    "time": "2026-11-29T10:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}},
                }
            ],
        }
    )
    if obj["kind"] == "CronWorkflow":
        obj["spec"].pop("suspend", None)  # false is omitted
        meta["annotations"] = {"cronworkflows.argoproj.io/last-used-schedule": "0 * * * *"}
        obj["status"] = {
            "lastScheduledTime": "2026-11-29T11:00:00Z",
            "conditions": [],
            "succeeded": 3,
            "failed": 0,
            "phase": "Active",
        }
    return obj


KINDS = [
    ("WorkflowTemplate", WFT),
    ("ClusterWorkflowTemplate", CWFT),
    ("CronWorkflow", CRON),
]
KEY = {"WorkflowTemplate": "template", "ClusterWorkflowTemplate": "template"}


def body_key(kind: str) -> str:
    return KEY.get(kind, "cronWorkflow")


def ns_of(kind: str) -> dict[str, str]:
    return {} if kind == "ClusterWorkflowTemplate" else {"namespace": NS}


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def client(argo: ArgoFake) -> Iterator[Client]:
    config = fake_config(argo, token=TOKEN, namespace=NS)
    with Client(config, sleep=lambda _s: None) as made:
        yield made


def trace(argo: ArgoFake) -> list[tuple[str, str, Any]]:
    conforms(argo.requests)
    return [(r.method, r.path, r.json() if r.body else None) for r in argo.requests]


@pytest.mark.parametrize(("kind", "base"), KINDS)
def test_created_when_the_server_has_none(
    argo: ArgoFake, client: Client, kind: str, base: str
) -> None:
    one = f"{base}/release"
    manifest = local(kind)
    argo.add("GET", one, err("GET", one, 404, f'{kind.lower()}s "release" not found'))
    argo.add("POST", base, ok("POST", base, stored(manifest)))
    result = apply(manifest, client=client)
    namespace = None if kind == "ClusterWorkflowTemplate" else NS
    assert result == ApplyResult("created", kind, "release", namespace, stored(manifest))
    assert str(result) == f"{kind.lower()}/release created"
    sent = copy.deepcopy(manifest)
    sent["metadata"].update(ns_of(kind))
    assert trace(argo) == [
        ("GET", one, None),
        ("POST", base, {**ns_of(kind), body_key(kind): sent}),
    ]
    assert manifest == local(kind)  # the caller's dict is not modified


@pytest.mark.parametrize(("kind", "base"), KINDS)
def test_unchanged_despite_what_the_server_adds(
    argo: ArgoFake, client: Client, kind: str, base: str
) -> None:
    one = f"{base}/release"
    held = stored(local(kind))
    argo.add("GET", one, ok("GET", one, held))
    result = apply(local(kind), client=client)
    assert (result.action, result.object) == ("unchanged", held)
    assert trace(argo) == [("GET", one, None)]
    assert diff(local(kind), client=client) == ""


def test_parameter_numbers_and_omitted_zero_values_are_unchanged(
    argo: ArgoFake, client: Client
) -> None:
    manifest = local()
    manifest["spec"]["arguments"]["parameters"] = [
        {"name": "n", "value": 3, "enum": [3, True]},
        {"name": "flag", "value": False},
    ]
    manifest["spec"]["templates"][0]["metadata"] = {}  # {} and null are dropped by the server
    manifest["spec"]["parallelism"] = None
    held = stored(local())
    held["spec"]["arguments"]["parameters"] = [
        {"name": "n", "value": "3", "enum": ["3", "true"]},
        {"name": "flag", "value": "false"},
    ]
    argo.add("GET", f"{WFT}/release", ok("GET", f"{WFT}/release", held))
    assert apply(manifest, client=client).action == "unchanged"


def test_updated_with_the_server_version_keeping_its_labels_and_status(
    argo: ArgoFake, client: Client
) -> None:
    one = f"{CRON}/release"
    held = stored(local("CronWorkflow"))
    manifest = local("CronWorkflow")
    manifest["spec"]["schedules"] = ["30 * * * *"]
    returned = stored(manifest, rv="4712")
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, returned))
    result = apply(manifest, client=client)
    assert result == ApplyResult("updated", "CronWorkflow", "release", NS, returned)
    sent = copy.deepcopy(manifest)
    sent["metadata"] = {
        "name": "release",
        "labels": {**held["metadata"]["labels"], "team": "a"},
        "namespace": NS,
        "resourceVersion": "4711",
        "annotations": held["metadata"]["annotations"],
    }
    sent["status"] = held["status"]
    assert trace(argo) == [
        ("GET", one, None),
        ("PUT", one, {"namespace": NS, "name": "release", "cronWorkflow": sent}),
    ]


def test_an_update_keeps_the_server_owner_references_and_finalizers(
    argo: ArgoFake, client: Client
) -> None:
    # PUT is a plain k8s Update: metadata left out of the body is removed, so an apply that
    # does not mention ownerReferences or finalizers must send the server's, not drop them.
    one = f"{WFT}/release"
    held = stored(local())
    owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": "u-9"}
    held["metadata"]["ownerReferences"] = [owner]
    held["metadata"]["finalizers"] = ["example.com/keep"]
    manifest = local()
    manifest["spec"]["arguments"]["parameters"][0]["value"] = "v2"
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, stored(manifest, rv="4712")))
    assert apply(manifest, client=client).action == "updated"
    sent = argo.requests[1].json()["template"]["metadata"]
    assert (sent["ownerReferences"], sent["finalizers"]) == ([owner], ["example.com/keep"])
    conforms(argo.requests)


def test_a_label_removed_locally_is_an_update(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    held = stored(local(owner="b"))
    argo.add("GET", one, ok("GET", one, held))
    argo.add("PUT", one, ok("PUT", one, stored(local())))
    assert apply(local(), client=client).action == "updated"
    put = argo.requests_to("PUT", one)[0].json()["template"]["metadata"]["labels"]
    assert put == {
        "workflows.argoproj.io/creator": "system-serviceaccount-argo-argo-server",
        "workflows.argoproj.io/creator-preferred-username": "system-serviceaccount-argo",
        "team": "a",
    }


def test_diff_shows_what_apply_would_change(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    held = stored(local(owner="b"))
    argo.add("GET", one, ok("GET", one, held))
    manifest = local()
    manifest["spec"]["templates"][0]["container"]["image"] = "alpine:3.21"
    assert diff(manifest, client=client) == (
        "--- server/workflowtemplate/release\n"
        "+++ local/workflowtemplate/release\n"
        "@@ -3,7 +3,6 @@\n"
        "   namespace: argo\n"
        "   labels:\n"
        "     team: a\n"
        "-    owner: b\n"
        " spec:\n"
        "   entrypoint: main\n"
        "   arguments:\n"
        "@@ -16,7 +15,7 @@\n"
        "       parameters:\n"
        "       - name: tag\n"
        "     container:\n"
        "-      image: alpine:3.20\n"
        "+      image: alpine:3.21\n"
        "       command:\n"
        "       - echo\n"
        "       - '{{inputs.parameters.tag}}'\n"
    )
    assert trace(argo) == [("GET", one, None)]


def test_diff_of_a_new_object_is_all_additions(argo: ArgoFake, client: Client) -> None:
    one = f"{CWFT}/release"
    argo.add("GET", one, err("GET", one, 404, "not found"))
    text = diff(local("ClusterWorkflowTemplate"), client=client)
    lines = text.splitlines()
    assert lines[:4] == [
        "--- /dev/null",
        "+++ local/clusterworkflowtemplate/release",
        "@@ -0,0 +1,20 @@",
        "+metadata:",
    ]
    assert all(line.startswith("+") for line in lines[3:])


def test_stale_resource_version_says_to_run_again(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    argo.add("GET", one, ok("GET", one, stored(local(owner="b"))))
    message = (
        'Operation cannot be fulfilled on workflowtemplates.argoproj.io "release": the object '
        "has been modified; please apply your changes to the latest version and try again"
    )
    argo.add("PUT", one, err("PUT", one, 409, message))
    with pytest.raises(Conflict) as info:
        apply(local(), client=client)
    assert str(info.value) == (
        "WorkflowTemplate 'release' changed on the server while it was being applied (the "
        "resourceVersion '4711' read just before is stale): run apply again, which reads the "
        "new version and compares again.\n"
        f"PUT {one}: 409 Conflict: {message}\n"
        "The object changed on the server since it was read (a stale metadata.resourceVersion): "
        "read it again, reapply your change and send it again."
    )
    assert [r.method for r in argo.requests] == ["GET", "PUT"]  # not re-sent
    conforms(argo.requests)


def test_forbidden_is_raised_whole_and_nothing_is_sent(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    message = (
        'workflowtemplates.argoproj.io "release" is forbidden: User '
        '"system:serviceaccount:argo:ci" cannot get resource "workflowtemplates" in API group '
        '"argoproj.io" in the namespace "argo"'
    )
    argo.add("GET", one, err("GET", one, 403, message))
    with pytest.raises(Forbidden) as info:
        apply(local(), client=client)
    assert str(info.value) == (
        f"GET {one}: 403 Forbidden: {message}\n"
        "The token may not read workflow-templates in namespace 'argo'. Ask for an RBAC role "
        "that allows it for the token's service account, or use a namespace you may use "
        "(-n/--namespace or ARGO_NAMESPACE; namespace= in Python)."
    )
    assert TOKEN not in str(info.value)
    assert trace(argo) == [("GET", one, None)]


def test_a_create_race_is_not_resent(argo: ArgoFake, client: Client) -> None:
    one = f"{WFT}/release"
    argo.add("GET", one, err("GET", one, 404, "not found"))
    argo.add("POST", WFT, err("POST", WFT, 409, "already exists"), ok("POST", WFT, stored(local())))
    with pytest.raises(AlreadyExists):
        apply(local(), client=client)
    assert [r.method for r in argo.requests] == ["GET", "POST"]


@pytest.mark.parametrize(("held", "action"), [(None, "created"), ("other", "updated")])
def test_dry_run_only_reads(argo: ArgoFake, client: Client, held: str | None, action: str) -> None:
    one = f"{WFT}/release"
    if held is None:
        argo.add("GET", one, err("GET", one, 404, "not found"))
    else:
        argo.add("GET", one, ok("GET", one, stored(local(owner=held))))
    result = apply(local(), client=client, dry_run=True)
    assert (result.action, result.dry_run) == (action, True)
    assert str(result) == f"workflowtemplate/release {action} (dry run)"
    assert result.object["metadata"]["labels"]["team"] == "a"
    assert trace(argo) == [("GET", one, None)]


def test_namespace_argument_wins(argo: ArgoFake, client: Client) -> None:
    one = "/api/v1/workflow-templates/team/release"
    argo.add("GET", one, err("GET", one, 404, "not found"))
    base = "/api/v1/workflow-templates/team"
    argo.add("POST", base, ok("POST", base, stored(local())))
    manifest = local()
    manifest["metadata"]["namespace"] = "other"
    apply(manifest, client=client, namespace="team")
    body = argo.requests[1].json()
    assert (body["namespace"], body["template"]["metadata"]["namespace"]) == ("team", "team")
    conforms(argo.requests)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            {"kind": "Workflow", "metadata": {"name": "x"}},
            "a Workflow is not applied: it runs once. Submit it instead (Workflow.submit() or "
            "`tiphys submit FILE`).",
        ),
        (
            {"kind": "ConfigMap", "metadata": {"name": "x"}},
            "cannot apply kind 'ConfigMap': apply takes a WorkflowTemplate, "
            "ClusterWorkflowTemplate or CronWorkflow.",
        ),
        (
            {"kind": "WorkflowTemplate", "metadata": {"generateName": "x-"}},
            "cannot apply a WorkflowTemplate without metadata.name: apply finds the object on "
            "the server by its name (generateName cannot be applied).",
        ),
    ],
)
def test_what_cannot_be_applied(
    argo: ArgoFake, client: Client, manifest: dict[str, Any], message: str
) -> None:
    with pytest.raises(TiphysError) as info:
        apply(manifest, client=client)
    assert str(info.value) == message
    assert argo.requests == []


def test_an_invalid_manifest_is_not_sent(argo: ArgoFake, client: Client) -> None:
    manifest = local()
    manifest["spec"]["templates"][0]["contianer"] = manifest["spec"]["templates"][0].pop(
        "container"
    )
    with pytest.raises(CompileError) as info:
        apply(manifest, client=client)
    assert any("contianer" in d.message for d in info.value.diagnostics)
    assert argo.requests == []


@container(image="alpine:3.20", command=["echo"])
def hello(name: str = "world") -> list[str]:
    """Say hello."""
    return [name]


DSL: list[tuple[Callable[[], Any], str]] = [
    (lambda: WorkflowTemplate("greet", entrypoint=hello), WFT),
    (lambda: ClusterWorkflowTemplate("greet", entrypoint=hello), CWFT),
    (lambda: CronWorkflow("greet", schedules="@hourly", entrypoint=hello), CRON),
]


@pytest.mark.parametrize(("build", "base"), DSL)
def test_dsl_objects_apply(
    argo: ArgoFake, client: Client, build: Callable[[], Any], base: str
) -> None:
    obj = build()
    one = f"{base}/greet"
    argo.add("GET", one, err("GET", one, 404, "not found"), ok("GET", one, stored(obj.to_dict())))
    argo.add("POST", base, ok("POST", base, stored(obj.to_dict())))
    assert obj.apply(client=client).action == "created"
    assert obj.apply(client=client).action == "unchanged"
    assert obj.apply(client=client, dry_run=True).dry_run is True
    assert [r.method for r in argo.requests] == ["GET", "POST", "GET", "GET"]
    conforms(argo.requests)


def test_apply_without_client_uses_the_environment(
    argo: ArgoFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "ARGO_SERVER": argo.url.removeprefix("http://"),
        "ARGO_SECURE": "false",
        "ARGO_TOKEN": TOKEN,
        "ARGO_NAMESPACE": NS,
        "KUBECONFIG": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    one = f"{WFT}/release"
    argo.add("GET", one, ok("GET", one, stored(local())))
    assert apply(local()).action == "unchanged"
    assert argo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_result_repr_names_the_object_without_its_body() -> None:
    body = {"metadata": {"name": "t"}, "spec": {"templates": [{"name": "x" * 10_000}]}}
    result = ApplyResult("created", "WorkflowTemplate", "t", "argo", body)
    assert repr(result) == (
        "ApplyResult(action='created', kind='WorkflowTemplate', name='t', namespace='argo', "
        "dry_run=False)"
    )
