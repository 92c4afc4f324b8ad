"""Typed forms for Argo fields that needed ``patch=``: ``@dag(target=...)`` (``dag.target``),
``@steps(fail_fast=...)`` (the template's ``failFast``), ``Retry(None)`` (a ``retryStrategy``
without ``limit``), Argo tags in duration options, ``node_annotations=`` (the template's
``annotations``): whole manifests, each valid for the strict schema oracle and the validator,
and the errors with their whole message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import CompileError, Input, Retry, Volume, Workflow, container, dag, steps
from tiphys.errors import errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def checked(wf: Workflow) -> dict[str, Any]:
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert [d.format() for d in errors_only(validate_document(manifest))] == []
    return manifest


@container(image="alpine:3.20", command=["echo"], retry=Retry(None, backoff="5s"))
def echo(message: str) -> list[str]:
    return [message]


def test_dag_target_steps_fail_fast_and_unlimited_retry() -> None:
    @dag(target=["B", "C"], fail_fast=False)
    def graph() -> None:
        a = echo(message="A").named("A")
        echo(message="B").named("B").after(a)
        echo(message="C").named("C")

    @dag(target="{{workflow.parameters.target}}")
    def chosen() -> None:
        echo(message="D").named("D")

    @steps(parallelism=1, fail_fast=True)
    def main() -> None:
        graph()
        chosen()

    wf = Workflow("w", entrypoint=main, parameters=[Input("target", default="D")])
    assert checked(wf) == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "w"},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "target", "value": "D"}]},
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "graph", "template": "graph"}],
                        [{"name": "chosen", "template": "chosen"}],
                    ],
                    "failFast": True,
                    "parallelism": 1,
                },
                {
                    "name": "graph",
                    "dag": {
                        "tasks": [
                            {
                                "name": "A",
                                "template": "echo",
                                "arguments": {"parameters": [{"name": "message", "value": "A"}]},
                            },
                            {
                                "name": "B",
                                "template": "echo",
                                "depends": "A",
                                "arguments": {"parameters": [{"name": "message", "value": "B"}]},
                            },
                            {
                                "name": "C",
                                "template": "echo",
                                "arguments": {"parameters": [{"name": "message", "value": "C"}]},
                            },
                        ],
                        "failFast": False,
                        "target": "B C",
                    },
                },
                {
                    "name": "echo",
                    "inputs": {"parameters": [{"name": "message"}]},
                    "container": {
                        "image": "alpine:3.20",
                        "command": ["echo"],
                        "args": ["{{inputs.parameters.message}}"],
                    },
                    "retryStrategy": {"backoff": {"duration": "5s"}},
                },
                {
                    "name": "chosen",
                    "dag": {
                        "tasks": [
                            {
                                "name": "D",
                                "template": "echo",
                                "arguments": {"parameters": [{"name": "message", "value": "D"}]},
                            }
                        ],
                        "target": "{{workflow.parameters.target}}",
                    },
                },
            ],
        },
    }


def test_target_naming_no_task() -> None:
    @dag(target="A Z")  # TARGET
    def graph() -> None:
        echo(message="A").named("A")
        echo(message="B").named("B")

    with pytest.raises(CompileError) as info:
        Workflow("w", entrypoint=graph).to_dict()
    assert str(info.value) == (
        f"{line_of('TARGET')}: @dag 'graph' has target 'Z', but no task of that name (tasks: "
        "A, B). [C106]"
    )


def test_target_that_is_no_names() -> None:
    with pytest.raises(CompileError) as info:

        @dag(target=[])  # EMPTY
        def graph() -> None:
            echo(message="A")

    assert str(info.value) == (
        f"{line_of('EMPTY')}: @dag 'graph': target= takes task names (a list, or one text of "
        "names separated by spaces), not [] [C119]"
    )


def test_retry_limit_none_or_an_integer() -> None:
    with pytest.raises(CompileError) as info:
        Retry(-1)  # LIMIT
    assert str(info.value) == (
        f"{line_of('LIMIT')}: Retry limit must be an integer >= 0 or None (no limit), not -1 [C117]"
    )


def test_duration_options_keep_argo_tags() -> None:
    @container(
        image="alpine:3.20",
        timeout="{{inputs.parameters.limit}}",
        retry=Retry(2, backoff="{{inputs.parameters.pause}}"),
    )
    def sleep(limit: str, pause: str) -> list[str]:
        return ["sleep", "30"]

    (template,) = checked(Workflow("w", entrypoint=sleep))["spec"]["templates"]
    assert template == {
        "name": "sleep",
        "inputs": {"parameters": [{"name": "limit"}, {"name": "pause"}]},
        "container": {"image": "alpine:3.20", "args": ["sleep", "30"]},
        "retryStrategy": {"limit": 2, "backoff": {"duration": "{{inputs.parameters.pause}}"}},
        "timeout": "{{inputs.parameters.limit}}",
    }


def test_node_annotations_are_the_template_annotations() -> None:
    @container(
        image="alpine:3.20",
        annotations={"pod": "yes"},
        node_annotations={"workflows.argoproj.io/display-name": "os-{{inputs.parameters.tag}}"},
    )
    def cat(tag: str) -> list[str]:
        return ["cat", "/etc/os-release"]

    (template,) = checked(Workflow("w", entrypoint=cat))["spec"]["templates"]
    assert template == {
        "name": "cat",
        "inputs": {"parameters": [{"name": "tag"}]},
        "metadata": {"annotations": {"pod": "yes"}},
        "annotations": {"workflows.argoproj.io/display-name": "os-{{inputs.parameters.tag}}"},
        "container": {"image": "alpine:3.20", "args": ["cat", "/etc/os-release"]},
    }


def test_node_annotations_take_text() -> None:
    with pytest.raises(CompileError) as info:

        @container(image="alpine:3.20", node_annotations={"a": 1})  # type: ignore[dict-item]  # NOTES
        def cat() -> list[str]:
            return []

    assert str(info.value) == (
        f"{line_of('NOTES')}: node_annotations must map annotation names to text, not {{'a': 1}} "
        "[C117]"
    )


def test_one_volume_mounted_at_several_places_and_template_volumes() -> None:
    work = Volume("work", mount="/go/pkg/mod", size="64Mi", sub_path="mod")
    scratch = Volume("scratch", mount="/scratch", empty_dir=True, in_template=True)

    @container(image="golang:1.22", volumes=[work, work.at("/cache", sub_path="cache")])
    def restore() -> list[str]:
        return ["true"]

    @container(image="golang:1.22", volumes=[work.at("/src", read_only=True), scratch])
    def build() -> list[str]:
        return ["go", "build"]

    @steps
    def main() -> None:
        restore()
        build()

    manifest = checked(Workflow("w", entrypoint=main))
    assert manifest["spec"] == {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [
                    [{"name": "restore", "template": "restore"}],
                    [{"name": "build", "template": "build"}],
                ],
            },
            {
                "name": "restore",
                "container": {
                    "image": "golang:1.22",
                    "args": ["true"],
                    "volumeMounts": [
                        {"name": "work", "mountPath": "/go/pkg/mod", "subPath": "mod"},
                        {"name": "work", "mountPath": "/cache", "subPath": "cache"},
                    ],
                },
            },
            {
                "name": "build",
                "container": {
                    "image": "golang:1.22",
                    "args": ["go", "build"],
                    "volumeMounts": [
                        {"name": "work", "mountPath": "/src", "readOnly": True},
                        {"name": "scratch", "mountPath": "/scratch"},
                    ],
                },
                "volumes": [{"name": "scratch", "emptyDir": {}}],
            },
        ],
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "work"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "64Mi"}},
                },
            }
        ],
    }


def test_a_claim_template_is_not_declared_in_a_template() -> None:
    with pytest.raises(CompileError) as info:
        Volume("work", mount="/w", size="1Gi", in_template=True)  # CLAIM
    assert str(info.value) == (
        f"{line_of('CLAIM')}: Volume 'work': a claim template (size=) is declared by the "
        "workflow (volumeClaimTemplates), not in a template: drop in_template=True [C117]"
    )
