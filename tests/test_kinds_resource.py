"""``@resource``: manifests from dicts, lists and text; the YAML Argo builds from any parameter
value (evaluated and parsed); flags, conditions, outputs; every check with its whole message."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from argo_eval import substitute
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import CompileError, Output, Workflow, dag, resource
from tiphys.errors import errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def error(make: Any) -> str:
    with pytest.raises(CompileError) as info:
        make()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


@resource(
    action="create",
    success="status.succeeded > 0",
    failure="status.failed > {max_failures}",
    set_owner_reference=True,
    outputs=[Output("job-name", json_path="{.metadata.name}"), Output("job", jq_filter=".")],
    service_account="job-creator",
)
def run_job(
    message: str,
    labels: dict[str, str],
    completions: int = 3,
    max_failures: int = 1,
    debug: bool = False,
) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "echo-", "labels": labels},
        "spec": {
            "completions": completions,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "echo",
                            "image": "alpine:3.20",
                            "command": ["echo", message],
                            "env": [{"name": "DEBUG", "value": f"debug={debug}"}],
                        }
                    ],
                    "restartPolicy": "Never",
                }
            },
        },
    }


@resource(action="patch", merge_strategy="json", flags=["workflow", "{{workflow.name}}"])
def label_self(value: str) -> list[dict[str, str]]:
    return [{"op": "add", "path": "/metadata/labels/foo", "value": value}]


@resource(action="delete", flags=["configmap", "--selector", "{selector}"])
def cleanup(selector: str = "cleanup=true") -> None:
    """Delete every ConfigMap the selector matches."""


@resource(action="apply")
def apply_text(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


@dag
def main(message: str) -> None:
    job = run_job(message=message, labels={"team": "ci"})
    label_self(value=job.outputs.job_name)
    cleanup()
    apply_text(name="settings")


def manifest_of(wf: Workflow) -> dict[str, Any]:
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(validate_document(manifest)) == []
    return manifest


def test_whole_workflow() -> None:
    wf = Workflow(entrypoint=main)
    templates = manifest_of(wf)["spec"]["templates"]
    assert [t["name"] for t in templates] == [
        "main",
        "run-job",
        "label-self",
        "cleanup",
        "apply-text",
    ]
    assert wf.to_yaml() == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: main-
        spec:
          entrypoint: main
          arguments:
            parameters:
            - name: message
          templates:
          - name: main
            inputs:
              parameters:
              - name: message
            dag:
              tasks:
              - name: run-job
                template: run-job
                arguments:
                  parameters:
                  - name: message
                    value: '{{inputs.parameters.message}}'
                  - name: labels
                    value: '{"team":"ci"}'
              - name: label-self
                template: label-self
                depends: run-job
                arguments:
                  parameters:
                  - name: value
                    value: '{{tasks.run-job.outputs.parameters.job-name}}'
              - name: cleanup
                template: cleanup
              - name: apply-text
                template: apply-text
                arguments:
                  parameters:
                  - name: name
                    value: settings
          - name: run-job
            inputs:
              parameters:
              - name: message
              - name: labels
              - name: completions
                default: '3'
              - name: max_failures
                default: '1'
              - name: debug
                default: 'false'
                enum:
                - 'true'
                - 'false'
            outputs:
              parameters:
              - name: job-name
                valueFrom:
                  jsonPath: '{.metadata.name}'
              - name: job
                valueFrom:
                  jqFilter: .
            resource:
              action: create
              manifest: |
                apiVersion: batch/v1
                kind: Job
                metadata:
                  generateName: echo-
                  labels: {{=toJson(fromJSON(inputs.parameters.labels))}}
                spec:
                  completions: {{=toJson(asInt(inputs.parameters.completions))}}
                  template:
                    spec:
                      containers:
                      - name: echo
                        image: alpine:3.20
                        command:
                        - echo
                        - {{=toJson(inputs.parameters.message)}}
                        env:
                        - name: DEBUG
                          value: {{=toJson('debug=' + inputs.parameters.debug)}}
                      restartPolicy: Never
              successCondition: status.succeeded > 0
              failureCondition: status.failed > {{inputs.parameters.max_failures}}
              setOwnerReference: true
            serviceAccountName: job-creator
          - name: label-self
            inputs:
              parameters:
              - name: value
            resource:
              action: patch
              mergeStrategy: json
              flags:
              - workflow
              - '{{workflow.name}}'
              manifest: |
                - op: add
                  path: /metadata/labels/foo
                  value: {{=toJson(inputs.parameters.value)}}
          - name: cleanup
            inputs:
              parameters:
              - name: selector
                default: cleanup=true
            resource:
              action: delete
              flags:
              - configmap
              - --selector
              - '{{inputs.parameters.selector}}'
          - name: apply-text
            inputs:
              parameters:
              - name: name
            resource:
              action: apply
              manifest: |
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {{inputs.parameters.name}}
        """
    )


# --- the manifest, as Argo builds it -----------------------------------------------------------


def job_manifest(values: dict[str, str]) -> Any:
    run = next(
        t
        for t in Workflow(entrypoint=main).to_dict()["spec"]["templates"]
        if t["name"] == "run-job"
    )
    return yaml.safe_load(substitute(run["resource"]["manifest"], values))


def expected_job(message: str, completions: int, debug: str, labels: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "echo-", "labels": labels},
        "spec": {
            "completions": completions,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "echo",
                            "image": "alpine:3.20",
                            "command": ["echo", message],
                            "env": [{"name": "DEBUG", "value": f"debug={debug}"}],
                        }
                    ],
                    "restartPolicy": "Never",
                }
            },
        },
    }


@pytest.mark.parametrize(
    "message",
    [
        "",
        "plain",
        "key: value",
        "- item",
        "'single' \"double\"",
        "multi\nline\n  indented",
        "# not a comment",
        "{{workflow.name}} }}",
        "yes",
        "0755",
        "null",
        "\u00e9\u4e2d\U0001f680",
    ],
)
def test_any_text_parameter_gives_the_same_string_in_the_yaml(message: str) -> None:
    values = {
        "message": message,
        "completions": "2",
        "max_failures": "1",
        "debug": "true",
        "labels": '{"team": "ci: \\"x\\""}',
    }
    assert job_manifest(values) == expected_job(message, 2, "true", {"team": 'ci: "x"'})


# YAML cannot carry DEL, the C1 control characters (U+0080-U+009F; U+0085 is a YAML line break),
# U+FFFE/U+FFFF or lone surrogates in a scalar, and Go's json.Marshal writes them as they are:
# such a value breaks any YAML manifest (kubectl and Argo read it with a YAML parser). Every other
# value round-trips.
_NOT_YAML = [chr(c) for c in range(0x7F, 0xA0)] + ["\ufffe", "\uffff"]
_YAML_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=_NOT_YAML))


@given(_YAML_TEXT, st.integers(0, 10**6))
def test_manifest_round_trips_every_value(message: str, completions: int) -> None:
    values = {
        "message": message,
        "completions": str(completions),
        "max_failures": "1",
        "debug": "false",
        "labels": "{}",
    }
    assert job_manifest(values) == expected_job(message, completions, "false", {})


# --- checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"action": "crete"},
            "action 'crete' is not one of get, create, apply, delete, replace, patch. Did you "
            "mean 'create'?",
        ),
        (
            {"action": "create", "merge_strategy": "json"},
            "merge_strategy applies to action='patch' only, and this action is 'create': remove it",
        ),
        (
            {"action": "patch", "merge_strategy": "jsn"},
            "merge_strategy 'jsn' is not one of strategic, merge, json. Did you mean 'json'?",
        ),
        (
            {"action": "delete", "flags": "--all"},
            "flags must be a list of strings (['--selector', 'app=x']), not '--all'",
        ),
        (
            {"action": "get", "success": ""},
            "success must be a condition string such as 'status.succeeded > 0', not ''",
        ),
        (
            {"action": "get", "set_owner_reference": "yes"},
            "set_owner_reference must be True or False, not 'yes'",
        ),
        (
            {"action": "get", "outputs": {"bad name": "{.x}"}},
            "output name 'bad name' does not match [-a-zA-Z0-9_]+ (letters, digits, '-' and '_')",
        ),
    ],
)
def test_settings(kwargs: dict[str, Any], message: str) -> None:
    def make() -> None:
        @resource(**kwargs)  # C127
        def f() -> None: ...

    code = "C109" if "output name" in message else "C127"
    assert error(make) == f"{line_of('C127')}: @resource 'f': {message} [{code}]"


def test_outputs_must_be_read_from_the_object() -> None:
    def make() -> None:
        @resource(action="get", outputs=[Output("x", path="/tmp/x")])  # C127-out
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('C127-out')}: @resource 'f': output 'x' has path=, but Argo reads a resource "
        "template's outputs from the object only: give json_path='{.metadata.name}' or "
        "jq_filter='.status' [C122]"
    )


def test_field_in_a_flag_names_no_parameter() -> None:
    def make() -> None:
        @resource(action="delete", flags=["--selector", "{selectr}"])  # C124
        def f(selector: str) -> None: ...

    assert error(make) == (
        f"{line_of('C124')}: @resource 'f' flag '{{selectr}}' has the field {{selectr}}, which "
        "names no parameter of the function (parameters: selector). Did you mean 'selector'? "
        "[C124]"
    )


def test_manifest_needed() -> None:
    @resource(action="create")  # C127-manifest
    def make() -> None:
        """No manifest."""

    @dag
    def flow() -> None:
        make()

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C127-manifest')}: @resource 'make' with action 'create' needs a manifest: "
        "return it from the body (a dict, or the YAML text) [C127]"
    )


def test_manifest_of_the_wrong_type() -> None:
    @resource(action="create")  # C126
    def make() -> int:
        return 3

    @dag
    def flow() -> None:
        make()

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C126')}: @resource 'make' must return the manifest: a dict or list (written "
        "as YAML), a str (the YAML text) or None, not 3 [C126]"
    )


def test_container_options_are_refused_pod_options_taken() -> None:
    def make() -> None:
        @resource(action="get", env={"A": "b"})  # C123
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('C123')}: @resource 'f' does not take env=: a resource template runs Argo's "
        "own executor (kubectl), not a container of yours; remove it [C123]"
    )

    @resource(action="get", node_selector={"pool": "ops"}, labels={"a": "b"}, retry=1)
    def g() -> None: ...

    assert g.options.node_selector == {"pool": "ops"}


def test_result_of_a_resource_task_is_an_error() -> None:
    @resource(action="get", outputs={"uid": "{.metadata.uid}"})
    def look(name: str) -> str:
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"

    @resource(action="delete", flags=["configmap", "{name}"])
    def drop(name: str) -> None: ...

    @dag
    def flow() -> None:
        drop(name=look(name="x").result)  # C107

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C107')}: result of task 'look' is used, but a @resource template has no "
        "result: use its outputs (uid) [C107]"
    )
