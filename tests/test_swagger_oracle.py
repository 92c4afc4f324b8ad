"""The swagger.json contract oracle that the Argo Server client's tests rely on."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
import yaml

from schema_oracle import shared_argo
from swagger_oracle import (
    Operation,
    UnknownOperation,
    _swagger,
    _validator,
    operation_for,
    request_problems,
    response_problems,
)
from tiphys import Workflow, container, steps


@container(image="alpine:3.20", command=["echo", "{{inputs.parameters.msg}}"], retry=2)
def say(msg: str) -> None: ...


@steps
def hello(msg: str = "hi") -> None:
    say(msg=msg)


def manifest() -> dict[str, Any]:
    """A real compiled tiphys Workflow (retryStrategy.limit is an IntOrString given as int)."""
    return Workflow(entrypoint=hello, namespace="argo", labels={"app": "demo"}).to_dict()


def workflow_status() -> dict[str, Any]:
    """A workflow as the server returns it, its nodes offloaded to ``compressedNodes``."""
    nodes = {"hello-abc": {"id": "hello-abc", "name": "hello-abc", "type": "Steps"}}
    packed = base64.b64encode(gzip.compress(json.dumps(nodes).encode())).decode()
    wf = manifest()
    wf["metadata"] = {
        "name": "hello-abc",
        "namespace": "argo",
        "uid": "0b6c7c44-5c6a-4c0e-9d55-5b6f1f0f4a2e",
        "resourceVersion": "12345",
        "creationTimestamp": "2026-11-29T10:00:00Z",
        "labels": {"workflows.argoproj.io/phase": "Running"},
    }
    wf["status"] = {
        "phase": "Running",
        "startedAt": "2026-11-29T10:00:01Z",
        "finishedAt": None,
        "progress": "0/1",
        "compressedNodes": packed,
    }
    return wf


# --- operation_for ------------------------------------------------------------------------------


def example_path(template: str, method: str) -> str:
    """A concrete path for ``template``: each parameter becomes ``v-<name>`` or its first enum."""
    op = _swagger()["paths"][template][method]
    enums = {p["name"]: p["enum"][0] for p in op.get("parameters", []) if "enum" in p}
    parts = []
    for segment in template.split("/"):
        if segment.startswith("{"):
            name = segment[1:-1]
            segment = enums.get(name, f"v-{name}")
        parts.append(segment)
    return "/".join(parts)


def all_operations() -> list[tuple[str, str]]:
    return [(method, template) for template, ops in _swagger()["paths"].items() for method in ops]


def test_every_operation_resolves_from_an_example_path() -> None:
    operations = all_operations()
    assert len(operations) == 73
    for method, template in operations:
        op = operation_for(method.upper(), example_path(template, method))
        assert (op.method, op.template) == (method.upper(), template)
        names = [s[1:-1] for s in template.split("/") if s.startswith("{")]
        assert sorted(op.path_params) == sorted(names)


def test_a_concrete_path_resolves_with_its_values() -> None:
    assert operation_for("put", "/api/v1/workflows/argo/my-wf/resubmit") == Operation(
        method="PUT",
        template="/api/v1/workflows/{namespace}/{name}/resubmit",
        operation_id="WorkflowService_ResubmitWorkflow",
        path_params={"namespace": "argo", "name": "my-wf"},
        stream=False,
    )


def test_the_most_specific_template_wins_for_the_method() -> None:
    assert operation_for("POST", "/api/v1/workflows/argo/submit").template == (
        "/api/v1/workflows/{namespace}/submit"
    )
    # No GET on .../submit: the router takes a workflow named "submit".
    got = operation_for("GET", "/api/v1/workflows/argo/submit")
    assert (got.template, dict(got.path_params)) == (
        "/api/v1/workflows/{namespace}/{name}",
        {"namespace": "argo", "name": "submit"},
    )


def test_stream_operations_are_marked() -> None:
    assert operation_for("GET", "/api/v1/workflow-events/argo").stream is True
    assert operation_for("GET", "/api/v1/workflows/argo/wf/log").stream is True
    assert operation_for("GET", "/api/v1/workflows/argo").stream is False


def test_percent_encoded_segments_are_decoded() -> None:
    op = operation_for("GET", "/artifacts/argo/wf/wf-123/my%20art")
    assert dict(op.path_params) == {
        "namespace": "argo",
        "name": "wf",
        "nodeId": "wf-123",
        "artifactName": "my art",
    }


def test_an_unknown_path_lists_close_candidates() -> None:
    with pytest.raises(UnknownOperation) as info:
        operation_for("GET", "/api/v2/info")
    assert str(info.value) == (
        "GET /api/v2/info: no such path in swagger.json; "
        "close: GET /api/v1/info, GET /api/v1/userinfo, GET /api/v1/version"
    )


def test_a_path_with_no_close_candidate_says_so() -> None:
    with pytest.raises(UnknownOperation) as info:
        operation_for("GET", "/zzzzzzzz")
    assert str(info.value) == "GET /zzzzzzzz: no such path in swagger.json; no close candidates"


def test_a_trailing_slash_does_not_match() -> None:
    with pytest.raises(UnknownOperation) as info:
        operation_for("GET", "/api/v1/info/")
    assert str(info.value) == (
        "GET /api/v1/info/: no such path in swagger.json; "
        "close: GET /api/v1/info, GET /api/v1/userinfo, POST /api/v1/sync/{namespace}"
    )


def test_a_wrong_method_lists_the_methods_the_path_takes() -> None:
    with pytest.raises(UnknownOperation) as info:
        operation_for("DELETE", "/api/v1/workflows/argo/wf/stop")
    assert str(info.value) == (
        "DELETE /api/v1/workflows/argo/wf/stop: method not allowed; "
        "this path takes PUT /api/v1/workflows/{namespace}/{name}/stop"
    )


def test_a_path_with_a_query_string_is_refused() -> None:
    with pytest.raises(ValueError) as info:
        operation_for("GET", "/api/v1/workflows/argo?listOptions.limit=1")
    assert str(info.value) == (
        "'/api/v1/workflows/argo?listOptions.limit=1': "
        "give the path alone, starting with '/' (query separately)"
    )


# --- requests -----------------------------------------------------------------------------------

CREATE = "/api/v1/workflows/argo"


def test_create_with_a_compiled_manifest_passes() -> None:
    body = {"namespace": "argo", "workflow": manifest(), "serverDryRun": False}
    assert request_problems("POST", CREATE, {}, body) == []
    body = {"namespace": "argo", "workflow": manifest(), "createOptions": {"dryRun": ["All"]}}
    assert request_problems("POST", CREATE, {}, body) == []


def test_create_reports_misspelt_and_mistyped_fields() -> None:
    wf = manifest()
    say_template = wf["spec"]["templates"][1]
    say_template["contianer"] = say_template.pop("container")
    body = {"namespace": "argo", "workflw": {}, "workflow": wf, "serverDryRun": "yes"}
    assert request_problems("POST", CREATE, {}, body) == [
        "body.serverDryRun: 'yes' is not of type 'boolean'",
        "body.workflow.spec.templates[1].contianer: unknown field",
        "body.workflw: unknown field",
    ]


def test_create_without_a_body_or_with_another_namespace() -> None:
    assert request_problems("POST", CREATE, {}, None) == [
        "body: required by POST /api/v1/workflows/{namespace}"
    ]
    body = {"namespace": "other", "workflow": manifest()}
    assert request_problems("POST", CREATE, {}, body) == [
        "body.namespace: 'other' differs from the path's 'argo'"
    ]


CREATE_PATHS = {
    "Workflow": ("/api/v1/workflows/argo", "workflow"),
    "WorkflowTemplate": ("/api/v1/workflow-templates/argo", "template"),
    "ClusterWorkflowTemplate": ("/api/v1/cluster-workflow-templates", "template"),
    "CronWorkflow": ("/api/v1/cron-workflows/argo", "cronWorkflow"),
}


def test_every_argo_example_is_a_valid_create_body() -> None:
    checked, found = 0, []
    for file in sorted((shared_argo() / "examples").rglob("*.yaml")):
        for doc in yaml.safe_load_all(file.read_text()):
            if isinstance(doc, dict) and doc.get("kind") in CREATE_PATHS:
                path, key = CREATE_PATHS[doc["kind"]]
                found += [
                    f"{file.name}: {p}" for p in request_problems("POST", path, {}, {key: doc})
                ]
                checked += 1
    assert (checked, found) == (182, [])


SUBMIT = "/api/v1/workflows/argo/submit"


def test_submit_from_a_template_passes() -> None:
    body = {
        "namespace": "argo",
        "resourceKind": "WorkflowTemplate",
        "resourceName": "release",
        "submitOptions": {
            "parameters": ["tag=v1.2.3", "msg=a=b"],
            "entryPoint": "main",
            "labels": "team=ci,app=demo",
            "serviceAccount": "runner",
            "priority": 3,
            "serverDryRun": True,
        },
    }
    assert request_problems("POST", SUBMIT, {}, body) == []


def test_submit_reports_bad_parameters() -> None:
    body = {
        "resourceKind": "WorkflowTemplate",
        "resourceName": 7,
        "submitOptions": {"parameters": {"tag": "v1"}, "params": []},
    }
    assert request_problems("POST", SUBMIT, {}, body) == [
        "body.resourceName: 7 is not of type 'string'",
        "body.submitOptions.parameters: {'tag': 'v1'} is not of type 'array'",
        "body.submitOptions.params: unknown field",
    ]


def test_requests_do_not_get_the_nullable_arrays_of_responses() -> None:
    body = {"resourceKind": "WorkflowTemplate", "submitOptions": {"parameters": None}}
    assert request_problems("POST", SUBMIT, {}, body) == [
        "body.submitOptions.parameters: None is not of type 'array'"
    ]


LIST = "/api/v1/workflows/argo"


def test_list_with_a_label_selector_passes() -> None:
    query = {
        "listOptions.labelSelector": "workflows.argoproj.io/completed!=true,app=demo",
        "listOptions.limit": "50",
        "listOptions.watch": "false",
        "fields": "items.metadata.name,items.status.phase",
    }
    assert request_problems("GET", LIST, query, None) == []


def test_list_reports_unknown_names_bad_types_and_repeats() -> None:
    query: dict[str, str | list[str]] = {
        "labelSelector": "app=demo",
        "listOptions.limit": "ten",
        "listOptions.watch": "1",
        "listOptions.fieldSelector": ["a=b", "c=d"],
    }
    assert request_problems("GET", LIST, query, {"x": 1}) == [
        "query.labelSelector: unknown query parameter; did you mean listOptions.labelSelector?",
        "query.listOptions.fieldSelector: given 2 values, takes one",
        "query.listOptions.limit: 'ten' is not a decimal integer",
        "query.listOptions.watch: '1' is not a boolean ('true' or 'false')",
        "body: GET /api/v1/workflows/{namespace} takes no body",
    ]


def test_array_and_enum_query_parameters() -> None:
    path = "/api/v1/workflows/argo/wf"
    assert request_problems("DELETE", path, {"deleteOptions.dryRun": ["All"]}, None) == []
    sync = "/api/v1/sync/argo/key"
    assert request_problems("GET", sync, {"type": "DATABASE"}, None) == []
    assert request_problems("GET", sync, {"type": "database"}, None) == [
        "query.type: 'database' is not one of ['CONFIGMAP', 'DATABASE']"
    ]


def test_enum_path_parameters_are_checked() -> None:
    # The server's handler serves "workflows" and "archived-workflows" (artifact_server.go);
    # swagger.json's proto enum "workflow" is refused there with 400.
    path = "/artifact-files/argo/workflow/wf/node-1/outputs/main-logs"
    assert request_problems("GET", path, {}, None) == [
        "path.idDiscriminator: 'workflow' is not one of ['workflows', 'archived-workflows']"
    ]
    assert request_problems("GET", path.replace("/workflow/", "/workflows/"), {}, None) == []


SET = "/api/v1/workflows/argo/wf/set"


def test_set_with_output_parameters_as_a_json_string_passes() -> None:
    body = {
        "namespace": "argo",
        "name": "wf",
        "nodeFieldSelector": "displayName=approve",
        "outputParameters": json.dumps({"approved": "yes"}),
        "phase": "Succeeded",
        "message": "approved by ci",
    }
    assert request_problems("PUT", SET, {}, body) == []


def test_set_reports_output_parameters_given_as_an_object() -> None:
    body = {"name": "other", "outputParameters": {"approved": "yes"}}
    assert request_problems("PUT", SET, {}, body) == [
        "body.outputParameters: {'approved': 'yes'} is not of type 'string'",
        "body.name: 'other' differs from the path's 'wf'",
    ]


def test_an_empty_body_is_a_valid_action() -> None:
    assert request_problems("PUT", "/api/v1/workflows/argo/wf/stop", {}, {}) == []


# --- responses ----------------------------------------------------------------------------------


def test_an_empty_list_with_null_items_is_valid() -> None:
    # Decision: the server sends "items": null (a Go nil slice); responses accept null arrays.
    body = {"metadata": {"resourceVersion": "123"}, "items": None}
    assert response_problems("GET", LIST, 200, body) == []
    assert response_problems("GET", LIST, 200, {"metadata": {}}) == [
        "response: 'items' is a required property"
    ]


def test_a_list_of_workflows_is_checked_item_by_item() -> None:
    wf = workflow_status()
    assert response_problems("GET", LIST, 200, {"metadata": {}, "items": [wf]}) == []
    wf["status"]["phaze"] = "Running"
    assert response_problems("GET", LIST, 200, {"metadata": {}, "items": [wf]}) == [
        "response.items[0].status.phaze: unknown field"
    ]


def test_a_null_time_is_valid_in_responses_only() -> None:
    wf = workflow_status()
    assert wf["status"]["finishedAt"] is None
    assert response_problems("GET", "/api/v1/workflows/argo/hello-abc", 200, wf) == []
    wf["metadata"]["creationTimestamp"] = None
    body = {"namespace": "argo", "workflow": wf}
    assert request_problems("POST", CREATE, {}, body) == [
        "body.workflow.metadata.creationTimestamp: None is not of type 'string'",
        "body.workflow.status.finishedAt: None is not of type 'string'",
    ]


def test_a_workflow_with_compressed_nodes_is_valid() -> None:
    wf = workflow_status()
    path = "/api/v1/workflows/argo/hello-abc"
    assert response_problems("GET", path, 200, wf) == []
    wf["status"]["compressedNodes"] = {"hello-abc": {}}
    assert response_problems("GET", path, 200, wf) == [
        "response.status.compressedNodes: {'hello-abc': {}} is not of type 'string'"
    ]


def test_error_bodies_use_the_default_schema() -> None:
    path = "/api/v1/workflows/argo/nope"
    body = {"code": 5, "message": 'workflows.argoproj.io "nope" not found'}
    assert response_problems("GET", path, 404, body) == []
    assert response_problems("GET", path, 404, {"code": "5", "msg": "x"}) == [
        "response.code: '5' is not of type 'integer'",
        "response.msg: unknown field",
    ]


def test_one_watch_stream_message_is_checked() -> None:
    path = "/api/v1/workflow-events/argo"
    event = {"result": {"type": "ADDED", "object": workflow_status()}}
    assert response_problems("GET", path, 200, event) == []
    chunk = {
        "error": {"grpc_code": 8, "http_code": 429, "message": "EOF", "http_status": "Too Many"}
    }
    assert response_problems("GET", path, 200, chunk) == []
    assert response_problems("GET", path, 200, {"type": "ADDED", "object": {}}) == [
        "response.object: unknown field",
        "response.type: unknown field",
        "response: a stream message holds 'result' or 'error'",
    ]


def test_one_log_stream_message_is_checked() -> None:
    path = "/api/v1/workflows/argo/wf/log"
    assert response_problems("GET", path, 200, {"result": {"podName": "wf-1"}}) == []
    assert response_problems("GET", path, 200, {"result": {"content": 1}}) == [
        "response.result.content: 1 is not of type 'string'"
    ]


def test_artifact_downloads_are_bytes() -> None:
    path = "/artifacts/argo/wf/wf-1/out"
    assert response_problems("GET", path, 200, b"\x00data") == []
    assert response_problems("GET", path, 200, {"a": 1}) == [
        "response: expected bytes or str, got dict"
    ]


def test_validators_are_cached() -> None:
    response_problems("GET", "/api/v1/version", 200, {"version": "v4.1.2"})
    before = _validator.cache_info()
    response_problems("GET", "/api/v1/version", 200, {"version": "v4.1.2"})
    after = _validator.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)
