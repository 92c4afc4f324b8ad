"""Semantic checks of YAML input for http/resource templates and output parameters (V140-V144):
each finding's code, path, severity and whole message."""

from __future__ import annotations

from typing import Any

import pytest

from tiphys.validate import check_semantics


def workflow(*templates: dict[str, Any]) -> dict[str, Any]:
    """A Workflow whose entrypoint is the first template."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "test-"},
        "spec": {"entrypoint": templates[0]["name"], "templates": list(templates)},
    }


def found(*templates: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(d.code, d.severity, d.path, d.message) for d in check_semantics(workflow(*templates))]


HTTP = {"url": "https://x.example.com", "timeoutSeconds": 30}


def test_http_without_timeout() -> None:
    assert found({"name": "call", "http": {"url": "https://x.example.com"}}) == [
        (
            "V140",
            "warning",
            "spec.templates[0].http",
            "http template 'call' has no timeoutSeconds, and Argo's agent then waits for the "
            "response forever: set timeoutSeconds (e.g. 30)",
        )
    ]


@pytest.mark.parametrize(
    "condition",
    [
        "response.statusCode == 201",
        'response.body contains "response.bogus"',
        "response.headers['Content-Type'][0] == 'x' && request.method == 'POST'",
        "fromJSON(response.body).ok == true",
        "response.statusCode == {{inputs.parameters.code}}",
        "(response.statusCode >= 200) && (response.statusCode < 300)",
    ],
)
def test_good_success_conditions(condition: str) -> None:
    inputs = {"parameters": [{"name": "code", "default": "200"}]}
    call = {"name": "call", "inputs": inputs, "http": {**HTTP, "successCondition": condition}}
    assert found(call) == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "response.status_code == 201",
            "successCondition uses response.status_code, but response has only statusCode, "
            "body, headers. Did you mean 'statusCode'?",
        ),
        (
            "request.uri contains 'x'",
            "successCondition uses request.uri, but request has only method, url, body, "
            "headers. Did you mean 'url'?",
        ),
        (
            "(response.statusCode == 201",
            "successCondition '(response.statusCode == 201' does not parse: '(' is not closed",
        ),
        (
            "response.body contains 'ok",
            'successCondition "response.body contains \'ok" does not parse: the string started '
            "with ' is not closed",
        ),
        (
            "response.headers['X']][0]",
            "successCondition \"response.headers['X']][0]\" does not parse: ']' closes nothing",
        ),
    ],
)
def test_bad_success_conditions(condition: str, message: str) -> None:
    assert found({"name": "call", "http": {**HTTP, "successCondition": condition}}) == [
        ("V141", "error", "spec.templates[0].http.successCondition", message)
    ]


MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"


@pytest.mark.parametrize(
    ("resource", "findings"),
    [
        (
            {"action": "crate", "manifest": MANIFEST},
            [
                (
                    "V142",
                    "error",
                    "spec.templates[0].resource.action",
                    "resource action 'crate' is not one of get, create, apply, delete, replace, "
                    "patch. Did you mean 'create'?",
                ),
            ],
        ),
        (
            {"action": "patch", "mergeStrategy": "jsonpatch", "manifest": "[]"},
            [
                (
                    "V142",
                    "error",
                    "spec.templates[0].resource.mergeStrategy",
                    "mergeStrategy 'jsonpatch' is not one of strategic, merge, json. Did you mean "
                    "'json'?",
                ),
            ],
        ),
        (
            {"action": "apply", "mergeStrategy": "merge", "manifest": MANIFEST},
            [
                (
                    "V142",
                    "warning",
                    "spec.templates[0].resource.mergeStrategy",
                    "mergeStrategy is used by action 'patch' only, and Argo ignores it for "
                    "'apply': remove it",
                ),
            ],
        ),
        (
            {"action": "create"},
            [
                (
                    "V143",
                    "error",
                    "spec.templates[0].resource",
                    "resource template 'make' with action 'create' has no manifest: Argo refuses "
                    "it. Give manifest (or manifestFrom)",
                ),
            ],
        ),
        (
            {"action": "create", "manifest": "kind: Job\n  spec: [\n"},
            [
                (
                    "V143",
                    "error",
                    "spec.templates[0].resource.manifest",
                    "the manifest of resource template 'make' is not YAML, and Argo refuses it: "
                    "mapping values are not allowed here (line 2 of the manifest)",
                ),
            ],
        ),
    ],
)
def test_resource_settings(resource: dict[str, Any], findings: list[Any]) -> None:
    assert found({"name": "make", "resource": resource}) == findings


def test_good_resources() -> None:
    inputs = {"parameters": [{"name": "n", "default": "1"}, {"name": "a", "default": "patch"}]}
    manifest = (
        "spec:\n  replicas: {{=toJson(asInt(inputs.parameters.n))}}\n"
        "  name: {{inputs.parameters.n}}\n"
    )
    make = {"name": "make", "inputs": inputs, "resource": {"action": "apply", "manifest": manifest}}
    assert found(make) == []
    assert found({"name": "d", "resource": {"action": "delete", "flags": ["cm", "x"]}}) == []
    templated = {"action": "{{inputs.parameters.a}}", "mergeStrategy": "json", "manifest": "[]"}
    assert found({"name": "p", "inputs": inputs, "resource": templated}) == []


def _with_output(kind_field: dict[str, Any], param: dict[str, Any]) -> list[Any]:
    return found({"name": "t", **kind_field, "outputs": {"parameters": [param]}})


CONTAINER = {"container": {"image": "alpine:3.20"}}
RESOURCE = {"resource": {"action": "get", "flags": ["cm", "x"]}}
LEAF = {"name": "leaf", "container": {"image": "alpine:3.20"}}
DAG = {"dag": {"tasks": [{"name": "a", "template": "leaf"}]}}


@pytest.mark.parametrize(
    ("kind_field", "param"),
    [
        (CONTAINER, {"name": "o", "valueFrom": {"path": "/tmp/o", "default": "x"}}),
        (RESOURCE, {"name": "o", "valueFrom": {"jsonPath": "{.metadata.name}"}}),
        (RESOURCE, {"name": "o", "valueFrom": {"jqFilter": "."}}),
        ({"suspend": {}}, {"name": "o", "valueFrom": {"supplied": {}}}),
        (CONTAINER, {"name": "o", "value": "constant"}),
    ],
)
def test_good_outputs(kind_field: dict[str, Any], param: dict[str, Any]) -> None:
    assert _with_output(kind_field, param) == []


def test_good_dag_outputs() -> None:
    dag = {
        "name": "t",
        **DAG,
        "outputs": {
            "parameters": [
                {"name": "a", "valueFrom": {"parameter": "{{tasks.a.outputs.result}}"}},
                {"name": "b", "valueFrom": {"expression": "tasks.a.status"}},
            ]
        },
    }
    assert found(dag, LEAF) == []


@pytest.mark.parametrize(
    ("kind_field", "param", "path", "message"),
    [
        (
            CONTAINER,
            {"name": "o", "valueFrom": {"default": "x"}},
            "spec.templates[0].outputs.parameters[0].valueFrom",
            "output parameter 'o' of template 't' has no value source in valueFrom, and Argo "
            "needs exactly one: give one of path",
        ),
        (
            RESOURCE,
            {"name": "o", "valueFrom": {"jsonPath": "{.a}", "jqFilter": ".a"}},
            "spec.templates[0].outputs.parameters[0].valueFrom",
            "output parameter 'o' of template 't' has 2 sources (jqFilter, jsonPath) in "
            "valueFrom, and Argo needs exactly one: give one of jsonPath, jqFilter",
        ),
        (
            RESOURCE,
            {"name": "o", "valueFrom": {"path": "/tmp/o"}},
            "spec.templates[0].outputs.parameters[0].valueFrom",
            "output parameter 'o' of template 't' takes its value from valueFrom.path, which "
            "Argo does not read for a resource template: use jsonPath or jqFilter",
        ),
        (
            CONTAINER,
            {"name": "o"},
            "spec.templates[0].outputs.parameters[0]",
            "output parameter 'o' of template 't' has neither value nor valueFrom: give one",
        ),
        (
            CONTAINER,
            {"name": "o", "value": "v", "valueFrom": {"path": "/tmp/o"}},
            "spec.templates[0].outputs.parameters[0]",
            "output parameter 'o' of template 't' has both value and valueFrom: keep one",
        ),
        (
            {"http": HTTP},
            {"name": "o", "valueFrom": {}},
            "spec.templates[0].outputs.parameters[0].valueFrom",
            "output parameter 'o' of template 't' has no value source in valueFrom, and Argo "
            "needs exactly one: give one of path, jqFilter, jsonPath, parameter, expression, "
            "supplied",
        ),
    ],
)
def test_bad_outputs(
    kind_field: dict[str, Any], param: dict[str, Any], path: str, message: str
) -> None:
    assert _with_output(kind_field, param) == [("V144", "error", path, message)]


def test_dag_output_read_from_a_path() -> None:
    dag = {
        "name": "t",
        **DAG,
        "outputs": {"parameters": [{"name": "a", "valueFrom": {"path": "/tmp/a"}}]},
    }
    assert found(dag, LEAF) == [
        (
            "V144",
            "error",
            "spec.templates[0].outputs.parameters[0].valueFrom",
            "output parameter 'a' of template 't' takes its value from valueFrom.path, which "
            "Argo does not read for a dag template: use parameter or expression",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "body"),
    [("suspend", {}), ("dag", {"tasks": []}), ("steps", [])],
)
def test_timeout_on_a_template_that_runs_nothing(kind: str, body: Any) -> None:
    hint = (
        "use suspend.duration to resume after a while"
        if kind == "suspend"
        else "set it on the templates its tasks or steps run, or activeDeadlineSeconds on the "
        "workflow"
    )
    assert found({"name": "t", kind: body, "timeout": "1h"}) == [
        (
            "V145",
            "error",
            "spec.templates[0].timeout",
            f"template 't' is a {kind} template, and Argo refuses timeout on it (only templates "
            f"that run something take one): {hint}",
        )
    ]


@pytest.mark.parametrize(("kind", "body"), [("dag", {"tasks": []}), ("steps", [])])
def test_active_deadline_on_a_graph(kind: str, body: Any) -> None:
    assert found({"name": "t", kind: body, "activeDeadlineSeconds": 60}) == [
        (
            "V145",
            "error",
            "spec.templates[0].activeDeadlineSeconds",
            f"template 't' is a {kind} template, and Argo refuses activeDeadlineSeconds on it "
            "(only templates that run something take one): set it on the templates its tasks or "
            "steps run, or activeDeadlineSeconds on the workflow",
        )
    ]


def test_deadlines_where_argo_takes_them() -> None:
    assert (
        found(
            {"name": "t", "suspend": {}, "activeDeadlineSeconds": 60},
            {"name": "c", "container": {"image": "alpine"}, "timeout": "1h"},
        )
        == []
    )
