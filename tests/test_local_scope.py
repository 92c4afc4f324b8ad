"""tiphys.local.scope: workflow.*, inputs, steps/tasks variables, template outputs, failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tiphys.local import scope as sc
from tiphys.local.scope import ScopeError
from tiphys.local.store import LocalStore

NOW = datetime(2026, 11, 30, 1, 2, 33, tzinfo=UTC)

WF: dict[str, Any] = {
    "metadata": {
        "name": "hello-abcde",
        "namespace": "argo",
        "uid": "u-1",
        "creationTimestamp": "2026-11-30T01:02:03Z",
        "labels": {"team": "a<b"},
    },
    "spec": {
        "entrypoint": "main",
        "serviceAccountName": "runner",
        "priority": 3,
        "arguments": {
            "parameters": [
                {"name": "msg", "value": "hi"},
                {"name": "n", "value": 2},
                {
                    "name": "cm",
                    "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}},
                },
            ]
        },
    },
    "status": {
        "startedAt": "2026-11-30T01:02:13Z",
        "outputs": {"parameters": [{"name": "g", "value": "gv"}]},
    },
}


def test_workflow_scope_whole() -> None:
    got = sc.workflow_scope(WF, now=NOW, store=LocalStore(configmaps={"cfg": {"k": "from-cm"}}))
    stamps = {k: v for k, v in got.items() if k.startswith("workflow.creationTimestamp.")}
    rest = {k: v for k, v in got.items() if k not in stamps}
    params = (
        '[{"name":"msg","value":"hi"},{"name":"n","value":"2"},'
        '{"name":"cm","valueFrom":{"configMapKeyRef":{"name":"cfg","key":"k"}}}]'
    )
    assert rest == {
        "workflow.name": "hello-abcde",
        "workflow.namespace": "argo",
        "workflow.mainEntrypoint": "main",
        "workflow.serviceAccountName": "runner",
        "workflow.uid": "u-1",
        "workflow.creationTimestamp": "2026-11-30T01:02:03Z",
        "workflow.priority": "3",
        "workflow.parameters": params,
        "workflow.parameters.json": params,
        "workflow.parameters.msg": "hi",
        "workflow.parameters.n": "2",
        "workflow.parameters.cm": "from-cm",
        "workflow.outputs.parameters.g": "gv",
        "workflow.annotations": "null",
        "workflow.annotations.json": "null",
        "workflow.labels": '{"team":"a\\u003cb"}',
        "workflow.labels.json": '{"team":"a\\u003cb"}',
        "workflow.labels.team": "a<b",
        "workflow.status": "",
        "workflow.duration": "20.000000",
    }
    assert {k: stamps[k] for k in sorted(stamps) if k[-1] in "YmdHMSsjFTe"} == {
        "workflow.creationTimestamp.F": "2026-11-30",
        "workflow.creationTimestamp.H": "01",
        "workflow.creationTimestamp.M": "02",
        "workflow.creationTimestamp.S": "03",
        "workflow.creationTimestamp.T": "01:02:03",
        "workflow.creationTimestamp.Y": "2026",
        "workflow.creationTimestamp.d": "30",
        "workflow.creationTimestamp.e": "30",
        "workflow.creationTimestamp.j": "334",
        "workflow.creationTimestamp.m": "11",
        "workflow.creationTimestamp.s": "1796000523",
    }
    assert stamps["workflow.creationTimestamp.RFC3339"] == "2026-11-30T01:02:03Z"
    assert stamps["workflow.creationTimestamp.c"] == "Mon Nov 30 01:02:03 2026"


@pytest.mark.parametrize(
    ("param", "store", "message"),
    [
        (
            {"name": "p"},
            {},
            "either value or valueFrom must be specified in order to set global parameter p",
        ),
        (
            {"name": "p", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}},
            {},
            "failed to set global parameter p from configmap with name cfg and key k: "
            "ConfigMap 'cfg' does not exist. Please make sure it has the label "
            "workflows.argoproj.io/configmap-type: Parameter to be detectable by the "
            "controller; give it with --configmap cfg.k=VALUE",
        ),
        (
            {"name": "p", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}},
            {"cfg": {"other": "x"}},
            "failed to set global parameter p from configmap with name cfg and key k: "
            "ConfigMap 'cfg' does not have the key 'k'; give it with --configmap cfg.k=VALUE",
        ),
    ],
)
def test_workflow_scope_errors(
    param: dict[str, Any], store: dict[str, dict[str, str]], message: str
) -> None:
    wf = {"metadata": {"name": "w"}, "spec": {"arguments": {"parameters": [param]}}}
    with pytest.raises(ScopeError) as err:
        sc.workflow_scope(wf, now=NOW, store=LocalStore(configmaps=store))
    assert str(err.value) == message


def test_workflow_scope_configmap_default() -> None:
    wf = {
        "metadata": {"name": "w", "creationTimestamp": "2026-11-30T01:02:03Z"},
        "spec": {
            "arguments": {
                "parameters": [
                    {
                        "name": "p",
                        "valueFrom": {
                            "configMapKeyRef": {"name": "cfg", "key": "k"},
                            "default": "dflt",
                        },
                    }
                ]
            }
        },
    }
    got = sc.workflow_scope(wf, now=NOW, store=LocalStore(configmaps={}))
    assert (got["workflow.parameters.p"], got["workflow.duration"], got["workflow.labels"]) == (
        "dflt",
        "0.000000",
        "null",
    )


def test_workflow_scope_finished_value_wins_empty_labels() -> None:
    wf = {
        "metadata": {"name": "w", "labels": {}},
        "spec": {
            "arguments": {
                "parameters": [
                    {
                        "name": "p",
                        "value": "given",
                        "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}},
                    }
                ]
            }
        },
        "status": {
            "phase": "Failed",
            "startedAt": "2026-11-30T01:00:00Z",
            "finishedAt": "2026-11-30T01:00:01Z",
        },
    }
    got = sc.workflow_scope(wf, now=NOW, store=LocalStore(configmaps={}))
    assert {
        k: got[k]
        for k in (
            "workflow.parameters.p",
            "workflow.status",
            "workflow.duration",
            "workflow.labels",
            "workflow.annotations",
        )
    } == {
        "workflow.parameters.p": "given",
        "workflow.status": "Failed",
        "workflow.duration": "1.000000",
        "workflow.labels": "{}",
        "workflow.annotations": "null",
    }


TEMPLATE: dict[str, Any] = {
    "name": "t",
    "inputs": {
        "parameters": [
            {"name": "a"},
            {"name": "b", "default": "db"},
            {"name": "c", "value": "fixed {{workflow.name}}"},
            {"name": "d", "enum": ["x", "y"], "default": "x"},
        ],
        "artifacts": [{"name": "art", "path": "/tmp/art", "mode": 420}],
    },
}


def test_resolve_inputs_whole() -> None:
    arguments = {
        "parameters": [{"name": "a", "value": "va"}, {"name": "d", "value": "y"}],
        "artifacts": [{"name": "art", "from": "{{steps.gen.outputs.artifacts.out}}", "path": "/x"}],
    }
    scope = {
        "workflow.name": "wf",
        "steps.gen.outputs.artifacts.out": {
            "name": "out",
            "path": "/tmp/out",
            "s3": {"key": "wf/pod/out.tgz"},
        },
    }
    got = sc.resolve_inputs(TEMPLATE, arguments, LocalStore(configmaps={}), scope=scope)
    assert got == {
        "parameters": [
            {"name": "a", "value": "va"},
            {"name": "b", "default": "db", "value": "db"},
            {"name": "c", "value": "fixed wf"},
            {"name": "d", "enum": ["x", "y"], "default": "x", "value": "y"},
        ],
        "artifacts": [
            {"name": "art", "s3": {"key": "wf/pod/out.tgz"}, "path": "/tmp/art", "mode": 420}
        ],
    }
    assert sc.input_scope(got, TEMPLATE.get("outputs")) == {
        "inputs.parameters.a": "va",
        "inputs.parameters.b": "db",
        "inputs.parameters.c": "fixed wf",
        "inputs.parameters.d": "y",
        "inputs.parameters": (
            '[{"name":"a","value":"va"},{"name":"b","default":"db","value":"db"},'
            '{"name":"c","value":"fixed wf"},'
            '{"name":"d","default":"x","value":"y","enum":["x","y"]}]'
        ),
        "inputs.artifacts.art": got["artifacts"][0],
        "inputs.artifacts.art.path": "/tmp/art",
    }


def test_resolve_inputs_configmap() -> None:
    template = {
        "inputs": {
            "parameters": [
                {
                    "name": "p",
                    "valueFrom": {
                        "configMapKeyRef": {"name": "{{workflow.parameters.cm}}", "key": "k"}
                    },
                },
                {
                    "name": "q",
                    "valueFrom": {"configMapKeyRef": {"name": "none", "key": "k"}, "default": "dq"},
                },
            ]
        }
    }
    store = LocalStore(configmaps={"cfg": {"k": "v"}})
    got = sc.resolve_inputs(template, {}, store, scope={"workflow.parameters.cm": "cfg"})
    assert got == {"parameters": [{"name": "p", "value": "v"}, {"name": "q", "value": "dq"}]}


@pytest.mark.parametrize(
    ("template", "arguments", "message"),
    [
        (TEMPLATE, {}, "inputs.parameters.a was not supplied"),
        (
            TEMPLATE,
            {"parameters": [{"name": "a", "value": "1"}, {"name": "d", "value": "z"}]},
            "inputs.parameters.d.value should be present in inputs.parameters.d.enum list",
        ),
        (
            TEMPLATE,
            {"parameters": [{"name": "a", "value": "1"}]},
            "inputs.artifacts.art was not supplied",
        ),
        (
            TEMPLATE,
            {"parameters": [{"name": "a", "value": "1"}], "artifacts": [{"name": "art"}]},
            "inputs.artifacts.art missing location information",
        ),
        (
            TEMPLATE,
            {
                "parameters": [{"name": "a", "value": "1"}],
                "artifacts": [{"name": "art", "from": "{{steps.nope.outputs.artifacts.x}}"}],
            },
            "Unable to resolve: {{steps.nope.outputs.artifacts.x}}",
        ),
        (
            {
                "inputs": {
                    "parameters": [
                        {"name": "p", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}
                    ]
                }
            },
            {},
            "unable to retrieve inputs.parameters.p from ConfigMap: ConfigMap 'c' does not "
            "exist. Please make sure it has the label workflows.argoproj.io/configmap-type: "
            "Parameter to be detectable by the controller; give it with --configmap c.k=VALUE",
        ),
    ],
)
def test_resolve_inputs_errors(
    template: dict[str, Any], arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScopeError) as err:
        sc.resolve_inputs(template, arguments, LocalStore(configmaps={}), scope={})
    assert str(err.value) == message


def test_resolve_inputs_optional_artifact_and_own_location() -> None:
    template = {
        "inputs": {
            "artifacts": [
                {"name": "o", "path": "/o", "optional": True},
                {"name": "r", "path": "/r", "raw": {"data": "hello"}},
            ]
        }
    }
    arguments = {
        "artifacts": [{"name": "o", "from": "{{tasks.x.outputs.artifacts.y}}", "optional": True}]
    }
    assert sc.resolve_inputs(template, arguments, LocalStore(configmaps={}), scope={}) == {
        "artifacts": [
            {
                "name": "o",
                "from": "{{tasks.x.outputs.artifacts.y}}",
                "optional": True,
                "path": "/o",
            },
            {"name": "r", "path": "/r", "raw": {"data": "hello"}},
        ]
    }


def test_node_scope_whole() -> None:
    node = {
        "id": "wf-123",
        "name": "wf.a",
        "phase": "Succeeded",
        "startedAt": "2026-11-30T01:02:03Z",
        "finishedAt": "2026-11-30T01:02:09Z",
        "podIP": "127.0.0.1",
        "hostNodeName": "local",
        "outputs": {
            "result": "out",
            "exitCode": "0",
            "parameters": [{"name": "p", "value": "v", "valueFrom": {"path": "/p"}}],
            "artifacts": [{"name": "art", "path": "/a", "s3": {"key": "k.tgz"}}],
        },
    }
    assert sc.node_scope("tasks.a", node) == {
        "tasks.a.id": "wf-123",
        "tasks.a.startedAt": "2026-11-30T01:02:03Z",
        "tasks.a.finishedAt": "2026-11-30T01:02:09Z",
        "tasks.a.ip": "127.0.0.1",
        "tasks.a.hostNodeName": "local",
        "tasks.a.status": "Succeeded",
        "tasks.a.outputs.result": "out",
        "tasks.a.exitCode": "0",
        "tasks.a.outputs.parameters.p": "v",
        "tasks.a.outputs.artifacts.art": {"name": "art", "path": "/a", "s3": {"key": "k.tgz"}},
    }
    assert sc.node_scope("steps.s", {"id": "i", "phase": "Failed"}) == {
        "steps.s.id": "i",
        "steps.s.status": "Failed",
    }


SCOPE: dict[str, Any] = {
    "steps.a.outputs.parameters.p": "pv",
    "steps.a.outputs.result": "7",
    "steps.a.outputs.artifacts.art": {"name": "art", "path": "/a", "s3": {"key": "k.tgz"}},
    "inputs.parameters.x": "xv",
}


def test_template_outputs_whole() -> None:
    template = {
        "outputs": {
            "parameters": [
                {"name": "p", "valueFrom": {"parameter": "{{steps.a.outputs.parameters.p}}"}},
                {"name": "e", "valueFrom": {"expression": "asInt(steps.a.outputs.result) + 1"}},
                {
                    "name": "d",
                    "globalName": "gd",
                    "valueFrom": {"parameter": "{{steps.b.outputs.result}}", "default": "dv"},
                },
            ],
            "artifacts": [
                {"name": "out", "from": "{{steps.a.outputs.artifacts.art}}"},
                {"name": "opt", "from": "{{steps.b.outputs.artifacts.art}}", "optional": True},
            ],
        }
    }
    assert sc.template_outputs(template, SCOPE) == {
        "parameters": [
            {"name": "p", "value": "pv"},
            {"name": "e", "value": "8"},
            {"name": "d", "globalName": "gd", "value": "dv"},
        ],
        "artifacts": [{"name": "out", "path": "/a", "s3": {"key": "k.tgz"}}],
    }
    assert sc.template_outputs({}, SCOPE) == {}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"parameters": [{"name": "p"}]}, "output parameters must have a valueFrom specified"),
        (
            {
                "parameters": [
                    {"name": "p", "valueFrom": {"parameter": "{{steps.z.outputs.result}}"}}
                ]
            },
            "Unable to resolve: {{steps.z.outputs.result}}",
        ),
        (
            {"artifacts": [{"name": "a", "from": "{{steps.z.outputs.artifacts.q}}"}]},
            "unable to resolve outputs from scope: Unable to resolve: "
            "{{steps.z.outputs.artifacts.q}}",
        ),
        (
            {"artifacts": [{"name": "a", "from": "{{steps.a.outputs.parameters.p}}"}]},
            "unable to resolve outputs from scope: Variable {{steps.a.outputs.parameters.p}} "
            "is not an artifact",
        ),
    ],
)
def test_template_outputs_errors(outputs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScopeError) as err:
        sc.template_outputs({"outputs": outputs}, SCOPE)
    assert str(err.value) == message


def test_failures_value() -> None:
    wf = {"metadata": {"name": "wf"}}
    nodes = {
        "wf": {
            "id": "wf",
            "name": "wf",
            "displayName": "wf",
            "phase": "Failed",
            "type": "Steps",
            "templateName": "main",
            "message": "child failed",
        },
        "wf-1": {
            "id": "wf-1",
            "name": "wf[0].a",
            "displayName": "a",
            "phase": "Error",
            "type": "Pod",
            "templateRef": {"name": "lib", "template": "say"},
            "message": 'Error "x"',
            "finishedAt": "2026-11-30T01:02:09Z",
        },
        "wf-2": {"id": "wf-2", "name": "wf[0].b", "displayName": "b", "phase": "Succeeded"},
    }
    pod = sc.nodes.pod_name(wf, nodes["wf-1"])
    assert pod.startswith("wf-say-")
    assert sc.failures_value(nodes, workflow=wf) == (
        '"[{\\"displayName\\":\\"wf\\",\\"message\\":\\"child failed\\",\\"templateName\\":'
        '\\"main\\",\\"phase\\":\\"Failed\\",\\"podName\\":\\"wf\\",\\"finishedAt\\":null},'
        '{\\"displayName\\":\\"a\\",\\"message\\":\\"Error \\\\\\"x\\\\\\"\\",\\"templateName\\":'
        f'\\"say\\",\\"phase\\":\\"Error\\",\\"podName\\":\\"{pod}\\",'
        '\\"finishedAt\\":\\"2026-11-30T01:02:09Z\\"}]"'
    )
    assert sc.failures_value({"x": nodes["wf-2"]}) == '"null"'


def test_retry_scope() -> None:
    attempts = [
        {
            "phase": "Failed",
            "message": "Error (exit code 3)",
            "outputs": {"exitCode": "3"},
            "startedAt": "2026-11-30T01:02:03Z",
            "finishedAt": "2026-11-30T01:02:05Z",
        },
        {
            "phase": "Error",
            "message": "boom",
            "startedAt": "2026-11-30T01:02:06Z",
            "finishedAt": "2026-11-30T01:02:06Z",
        },
    ]
    first = {
        "retries": "0",
        "lastRetry.exitCode": "0",
        "lastRetry.status": "",
        "lastRetry.duration": "0",
        "lastRetry.message": "",
    }
    assert sc.retry_scope({}, [], next_attempt=True) == first
    assert sc.retry_scope({}, attempts[:1], next_attempt=True) == {
        "retries": "1",
        "lastRetry.exitCode": "3",
        "lastRetry.status": "Failed",
        "lastRetry.duration": "2",
        "lastRetry.message": "Error (exit code 3)",
    }
    assert sc.retry_scope({}, attempts, next_attempt=True) == {
        "retries": "2",
        "lastRetry.exitCode": "0",
        "lastRetry.status": "Error",
        "lastRetry.duration": "0",
        "lastRetry.message": "boom",
    }
    # retryStrategy.expression: the last attempt's index, and -1 for a missing exit code
    assert sc.retry_scope({}, attempts) == {
        "retries": "1",
        "lastRetry.exitCode": "-1",
        "lastRetry.status": "Error",
        "lastRetry.duration": "0",
        "lastRetry.message": "boom",
    }
    half = {**attempts[0], "finishedAt": "2026-11-30T01:02:04.5Z"}
    assert sc.retry_scope({}, [half])["lastRetry.duration"] == "1.5"


def test_rfc3339_naive_is_utc() -> None:
    assert sc.rfc3339(datetime(2026, 1, 2, 3, 4, 5, 999)) == "2026-01-02T03:04:05Z"


def test_resolve_artifact_expression_and_subpath() -> None:
    art = {"fromExpression": "steps.a.outputs.artifacts.art", "subPath": "sub/file.txt"}
    assert sc.resolve_artifact(art, SCOPE) == {
        "name": "art",
        "path": "/a",
        "s3": {"key": "k.tgz/sub/file.txt"},
    }
    with pytest.raises(ScopeError) as err:
        sc.resolve_artifact({"fromExpression": "steps.a.outputs.result"}, SCOPE)
    assert str(err.value) == "Variable {{steps.a.outputs.result}} is not an artifact"


def test_param_list_json_struct_order() -> None:
    params = [
        {
            "name": "p",
            "description": "d",
            "enum": [1, "b"],
            "globalName": "",
            "value": "",
            "default": True,
            "valueFrom": {"expression": "x", "default": 2, "supplied": {}, "path": "/p"},
        },
        {"name": "q", "enum": []},
    ]
    assert sc.param_list_json(params) == (
        '[{"name":"p","default":"true","value":"",'
        '"valueFrom":{"path":"/p","supplied":{},"default":"2","expression":"x"},'
        '"enum":["1","b"],"description":"d"},{"name":"q"}]'
    )
    assert sc.param_list_json([]) == "null"
