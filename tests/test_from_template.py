"""``-p NAME=VALUE`` on WorkflowTemplates, Workflows and CronWorkflows."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiphys.compile.from_template import (
    apply_parameters,
    parse_parameter_args,
    set_workflow_parameters,
    workflow_from_template,
)
from tiphys.errors import CompileError


def template(kind: str = "WorkflowTemplate", **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "release", **metadata},
        "spec": {
            "entrypoint": "main",
            "arguments": {
                "parameters": [
                    {"name": "tag"},
                    {"name": "env", "value": "staging", "enum": ["staging", "prod"]},
                    {"name": "repo"},
                    {"name": "token", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
                ]
            },
            "templates": [
                {
                    "name": "main",
                    "inputs": {
                        "parameters": [
                            {"name": "tag"},
                            {"name": "env"},
                            {"name": "repo", "default": "https://github.com/acme/app"},
                            {"name": "token"},
                            {"name": "verbose", "default": "false"},
                        ]
                    },
                    "container": {"image": "alpine:3.20"},
                }
            ],
        },
    }


def messages(exc: pytest.ExceptionInfo[CompileError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


# --- WorkflowTemplate -> Workflow ----------------------------------------------------------------


def test_workflow_template_gives_the_workflow_that_submit_creates() -> None:
    tpl = template(namespace="ci")
    before = copy.deepcopy(tpl)
    wf = workflow_from_template(tpl, {"tag": "v1.2", "env": "prod"})
    assert wf == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "generateName": "release-",
            "namespace": "ci",
            "labels": {"workflows.argoproj.io/workflow-template": "release"},
        },
        "spec": {
            "workflowTemplateRef": {"name": "release"},
            "arguments": {
                "parameters": [{"name": "tag", "value": "v1.2"}, {"name": "env", "value": "prod"}]
            },
        },
    }
    assert tpl == before


def test_cluster_workflow_template_sets_cluster_scope() -> None:
    wf = workflow_from_template(template("ClusterWorkflowTemplate"), {"tag": "v1"})
    assert wf["metadata"] == {
        "generateName": "release-",
        "labels": {"workflows.argoproj.io/cluster-workflow-template": "release"},
    }
    assert wf["spec"]["workflowTemplateRef"] == {"name": "release", "clusterScope": True}


def test_entrypoint_input_not_in_arguments_is_accepted() -> None:
    wf = workflow_from_template(template(), {"tag": "v1", "verbose": "true"})
    assert wf["spec"]["arguments"]["parameters"][1] == {"name": "verbose", "value": "true"}


def test_unknown_parameter_suggests_the_closest() -> None:
    with pytest.raises(CompileError) as info:
        workflow_from_template(
            template(), {"tag": "v1", "enviroment": "prod"}, file="t.yaml", line_of=lambda p: 9
        )
    assert messages(info) == [
        "t.yaml:9: WorkflowTemplate 'release' has no parameter 'enviroment' "
        "(parameters: tag, env, repo, token, verbose). Did you mean 'env'? "
        "(at spec.arguments.parameters) [P101]"
    ]


def test_required_parameter_missing() -> None:
    with pytest.raises(CompileError) as info:
        workflow_from_template(template(), {"env": "prod"}, file="t.yaml")
    assert messages(info) == [
        "t.yaml: WorkflowTemplate 'release' needs a value for parameter 'tag' (it has no value "
        "or default): pass -p tag=VALUE (at spec.arguments.parameters) [P102]"
    ]


def test_value_outside_enum() -> None:
    with pytest.raises(CompileError) as info:
        workflow_from_template(template(), {"tag": "v1", "env": "qa"}, file="t.yaml")
    assert messages(info) == [
        "t.yaml: WorkflowTemplate 'release': value 'qa' for parameter 'env' is not one of: "
        "staging, prod (at spec.arguments.parameters) [P104]"
    ]


def test_entrypoint_input_without_default_is_required() -> None:
    tpl = template()
    tpl["spec"]["templates"][0]["inputs"]["parameters"].append({"name": "region"})
    with pytest.raises(CompileError) as info:
        workflow_from_template(tpl, {"tag": "v1"})
    assert [d.code for d in info.value.diagnostics] == ["P102"]
    assert "'region'" in info.value.diagnostics[0].message


def test_template_without_parameters() -> None:
    tpl = {"kind": "WorkflowTemplate", "metadata": {"name": "t"}, "spec": {"entrypoint": "x"}}
    assert workflow_from_template(tpl, {})["spec"] == {"workflowTemplateRef": {"name": "t"}}
    with pytest.raises(CompileError) as info:
        workflow_from_template(tpl, {"a": "1"})
    assert [d.message for d in info.value.diagnostics] == [
        "WorkflowTemplate 't' has no parameters, but -p a=... was given"
    ]


def test_template_without_name() -> None:
    with pytest.raises(CompileError) as info:
        workflow_from_template({"kind": "WorkflowTemplate", "metadata": {}}, {})
    assert [d.code for d in info.value.diagnostics] == ["P105"]


def test_wrong_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="WorkflowTemplate"):
        workflow_from_template({"kind": "Workflow"}, {})
    with pytest.raises(ValueError, match="CronWorkflow"):
        set_workflow_parameters({"kind": "WorkflowTemplate"}, {})


# --- Workflow and CronWorkflow -------------------------------------------------------------------


def as_workflow(kind: str = "Workflow") -> dict[str, Any]:
    doc = template()
    doc["kind"] = "Workflow"
    if kind == "CronWorkflow":
        doc = {
            "kind": "CronWorkflow",
            "metadata": {"name": "nightly"},
            "spec": {"schedules": ["0 2 * * *"], "workflowSpec": doc["spec"]},
        }
    return doc


def test_workflow_values_are_set_in_place_of_value_and_value_from() -> None:
    wf = as_workflow()
    out = set_workflow_parameters(wf, {"tag": "v2", "token": "t0k", "verbose": "1"})
    assert out["spec"]["arguments"]["parameters"] == [
        {"name": "tag", "value": "v2"},
        {"name": "env", "value": "staging", "enum": ["staging", "prod"]},
        {"name": "repo"},
        {"name": "token", "value": "t0k"},
        {"name": "verbose", "value": "1"},
    ]
    assert wf["spec"]["arguments"]["parameters"][0] == {"name": "tag"}  # input untouched
    assert apply_parameters(wf, {"tag": "v2"}) == set_workflow_parameters(wf, {"tag": "v2"})


def test_workflow_unknown_parameter() -> None:
    with pytest.raises(CompileError) as info:
        set_workflow_parameters(as_workflow(), {"tag": "v1", "rep": "x"}, file="w.py")
    assert messages(info) == [
        "w.py: Workflow 'release' has no parameter 'rep' (parameters: tag, env, repo, token, "
        "verbose). Did you mean 'repo'? (at spec.arguments.parameters) [P101]"
    ]


def test_cron_workflow_parameters_live_in_workflow_spec() -> None:
    out = set_workflow_parameters(as_workflow("CronWorkflow"), {"tag": "v3"})
    assert out["spec"]["workflowSpec"]["arguments"]["parameters"][0] == {
        "name": "tag",
        "value": "v3",
    }
    with pytest.raises(CompileError) as info:
        set_workflow_parameters(as_workflow("CronWorkflow"), {"tga": "v3"})
    assert info.value.diagnostics[0].path == "spec.workflowSpec.arguments.parameters"


def test_workflow_referring_to_a_template_accepts_any_name() -> None:
    wf = {
        "kind": "Workflow",
        "metadata": {"generateName": "x-"},
        "spec": {"workflowTemplateRef": {"name": "release"}},
    }
    out = set_workflow_parameters(wf, {"anything": "1"})
    assert out["spec"]["arguments"] == {"parameters": [{"name": "anything", "value": "1"}]}


def test_apply_parameters_dispatches_on_kind() -> None:
    assert apply_parameters(template(), {"tag": "v1"})["kind"] == "Workflow"


# --- parsing -p ----------------------------------------------------------------------------------


def test_parse_splits_on_the_first_equals_and_last_wins() -> None:
    assert parse_parameter_args(["tag=v1", "q=a=b", "empty=", "tag=v2"]) == {
        "tag": "v2",
        "q": "a=b",
        "empty": "",
    }


def test_parse_rejects_items_without_name_or_equals() -> None:
    with pytest.raises(CompileError) as info:
        parse_parameter_args(["novalue", "=x", "ok=1"])
    assert [d.message for d in info.value.diagnostics] == [
        "invalid parameter 'novalue': expected NAME=VALUE (e.g. -p tag=v1.2)",
        "invalid parameter '=x': expected NAME=VALUE (e.g. -p tag=v1.2)",
    ]


names = st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True)


@given(st.dictionaries(names, st.text(), max_size=5))
def test_parse_round_trips_any_value(params: dict[str, str]) -> None:
    assert parse_parameter_args([f"{k}={v}" for k, v in params.items()]) == params


@given(st.dictionaries(names, st.text(), min_size=1, max_size=5))
def test_template_accepts_exactly_its_declared_parameters(params: dict[str, str]) -> None:
    tpl = {
        "kind": "WorkflowTemplate",
        "metadata": {"name": "t"},
        "spec": {"arguments": {"parameters": [{"name": n} for n in params]}},
    }
    wf = workflow_from_template(tpl, params)
    assert wf["spec"]["arguments"]["parameters"] == [
        {"name": k, "value": v} for k, v in params.items()
    ]
