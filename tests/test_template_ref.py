"""Typed template references (``library.use(t)`` -> ``templateRef``), the untyped
``template_ref()``, and workflows run from a template (``from_template=`` ->
``workflowTemplateRef``): whole manifests, exact messages at the user's line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from expect import error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    ClusterWorkflowTemplate,
    Hook,
    Output,
    Volume,
    Workflow,
    WorkflowTemplate,
    container,
    dag,
    script,
    steps,
    template_ref,
)
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def assert_valid(doc: dict[str, Any]) -> None:
    assert oracle_errors(doc) == []
    assert [d.format() for d in validate_document(doc)] == []


cache = Volume("cache", size="1Gi", mount="/cache")


@container(image="busybox:1.36")
def print_message(message: str) -> list[str]:
    return ["echo", message]


@container(image="alpine:3.20", outputs={"digest": "/tmp/digest"}, volumes=[cache])
def build(tag: str) -> list[str]:
    return ["build", tag]


@script(image="python:3.12-slim")
def count(n: int = 3) -> int:
    return n * 2


@dag
def release(tag: str) -> str:
    b = build(tag=tag)
    print_message(message=b.outputs.digest)
    return b.outputs.digest


library = WorkflowTemplate("library", entrypoint=release, templates=[count])
shared = ClusterWorkflowTemplate("shared", templates=[print_message])


# -- typed references ----------------------------------------------------------------------------


def test_tasks_render_template_refs_and_the_templates_stay_in_their_library() -> None:
    @dag
    def main(tag: str = "v1") -> None:
        r = library.use(release)(tag=tag)
        n = library.use(count)(n=2)
        shared.use(print_message)(message=r.result).named("announce")
        library.use(build).map(over=["a", "b"], tag=lambda it: it).after(n)

    doc = Workflow(entrypoint=main).to_dict()
    assert doc == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "main-"},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "tag", "value": "v1"}]},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "cache"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
            "templates": [
                {
                    "name": "main",
                    "inputs": {"parameters": [{"name": "tag", "default": "v1"}]},
                    "dag": {
                        "tasks": [
                            {
                                "name": "release",
                                "templateRef": {"name": "library", "template": "release"},
                                "arguments": {
                                    "parameters": [
                                        {"name": "tag", "value": "{{inputs.parameters.tag}}"}
                                    ]
                                },
                            },
                            {
                                "name": "count",
                                "templateRef": {"name": "library", "template": "count"},
                                "arguments": {"parameters": [{"name": "n", "value": "2"}]},
                            },
                            {
                                "name": "announce",
                                "templateRef": {
                                    "name": "shared",
                                    "template": "print-message",
                                    "clusterScope": True,
                                },
                                "depends": "release",
                                "arguments": {
                                    "parameters": [
                                        {
                                            "name": "message",
                                            "value": "{{tasks.release.outputs.parameters.return}}",
                                        }
                                    ]
                                },
                            },
                            {
                                "name": "build",
                                "templateRef": {"name": "library", "template": "build"},
                                "depends": "count",
                                "arguments": {"parameters": [{"name": "tag", "value": "{{item}}"}]},
                                "withItems": ["a", "b"],
                            },
                        ]
                    },
                }
            ],
        },
    }
    assert_valid(doc)


def test_steps_use_template_refs_too() -> None:
    @steps
    def main() -> None:
        library.use(count)()

    doc = Workflow("s", entrypoint=main).to_dict()
    assert doc["spec"]["templates"] == [
        {
            "name": "main",
            "steps": [[{"name": "count", "templateRef": {"name": "library", "template": "count"}}]],
        }
    ]
    assert_valid(doc)


def test_the_same_template_gives_the_same_reference() -> None:
    assert library.use(count) is library.use(count)


def test_typed_outputs_and_results() -> None:
    @dag
    def main() -> None:
        b = library.use(build)(tag="x")
        c = library.use(count)()
        print_message(message=f"{b.outputs.digest} {c.result}")

    doc = Workflow("t", entrypoint=main).to_dict()
    assert_valid(doc)
    tasks = doc["spec"]["templates"][0]["dag"]["tasks"]
    assert tasks[2]["arguments"]["parameters"] == [
        {
            "name": "message",
            "value": "{{tasks.build.outputs.parameters.digest}} {{tasks.count.outputs.result}}",
        }
    ]


def test_unknown_argument() -> None:
    @dag
    def main() -> None:
        library.use(count)(m=2)  # C101

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C101')}: task 'count' passes argument 'm', but template 'count' has no such "
        "input (inputs: n). [C101]"
    )


def test_missing_argument() -> None:
    @dag
    def main() -> None:
        library.use(build)()  # C102

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C102')}: task 'build' does not pass required input(s) 'tag' of template "
        "'build' [C102]"
    )


def test_wrong_argument_type() -> None:
    @dag
    def main() -> None:
        library.use(count)(n="many")  # C103

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C103')}: argument 'n' of template 'count' is 'many' (str), but the input is "
        "int [C103]"
    )


def test_unknown_output() -> None:
    @dag
    def main() -> None:
        b = library.use(build)(tag="x")
        print_message(message=b.outputs.digets)  # C107

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C107')}: template 'build' has no output 'digets' (outputs: digest). Did you "
        "mean 'digest'? [C107]"
    )


def test_a_template_the_library_does_not_emit() -> None:
    @container(image="alpine:3.20")
    def other() -> list[str]:
        return ["true"]

    assert error_of(lambda: library.use(other)) == (  # C150-missing
        f"{line_of('C150-missing')}: template 'other' is not part of WorkflowTemplate 'library' "
        "(its templates: build, count, print-message, release): add it to the "
        "WorkflowTemplate's templates=[...], or call it directly [C150]"
    )


def test_a_template_only_emitted_as_a_retry_copy() -> None:
    @dag
    def flaky() -> None:
        count().retry(2)

    lib = WorkflowTemplate("flaky-lib", entrypoint=flaky)
    assert error_of(lambda: lib.use(count)) == (  # C150-retry
        f"{line_of('C150-retry')}: template 'count' is not part of WorkflowTemplate 'flaky-lib' "
        "(its templates: count-retry, flaky): add it to the WorkflowTemplate's "
        "templates=[...], or call it directly [C150]"
    )


def test_an_inline_template() -> None:
    @container(image="alpine:3.20", inline=True)
    def quick() -> list[str]:
        return ["true"]

    @dag
    def run_quick() -> None:
        quick()

    lib = WorkflowTemplate("quick-lib", entrypoint=run_quick)
    assert error_of(lambda: lib.use(quick)) == (  # C150-inline
        f"{line_of('C150-inline')}: template 'quick' is inline (inline=True), so "
        "WorkflowTemplate 'quick-lib' does not list it in spec.templates and templateRef cannot "
        "reach it: drop inline=True [C150]"
    )


def test_a_reference_inside_an_inline_template() -> None:
    @dag(inline=True)
    def inner() -> None:
        library.use(count)(n=1)

    @dag
    def main() -> None:
        inner()

    doc = Workflow("i", entrypoint=main).to_dict()
    assert doc["spec"]["templates"] == [
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {
                        "name": "inner",
                        "inline": {
                            "dag": {
                                "tasks": [
                                    {
                                        "name": "count",
                                        "templateRef": {"name": "library", "template": "count"},
                                        "arguments": {"parameters": [{"name": "n", "value": "1"}]},
                                    }
                                ]
                            }
                        },
                    }
                ]
            },
        }
    ]
    assert_valid(doc)


def test_a_library_without_a_name() -> None:
    lib = WorkflowTemplate(generate_name="lib-", templates=[count])
    assert error_of(lambda: lib.use(count)) == (  # C150-name
        f"{line_of('C150-name')}: WorkflowTemplate 'lib-' has no name, and templateRef refers "
        "to a WorkflowTemplate by name: give it name=... [C150]"
    )


def test_use_takes_a_template() -> None:
    assert error_of(lambda: library.use(library.use(count))) == (  # C150-ref
        f"{line_of('C150-ref')}: WorkflowTemplate 'library'.use() takes one of its templates (a "
        "decorated function), not <template 'count' of WorkflowTemplate 'library'> [C150]"
    )


def test_a_reference_cannot_retry() -> None:
    @dag
    def main() -> None:
        library.use(count)().retry(2)  # C150-retry-task

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C150-retry-task')}: task 'count' runs <template 'count' of WorkflowTemplate "
        "'library'> (templateRef) and cannot have .retry(): Argo keeps retries on templates; "
        "give that template retry= in its WorkflowTemplate [C150]"
    )


def test_a_reference_cannot_be_an_entrypoint() -> None:
    wf = Workflow(entrypoint=library.use(count))  # C150-entry
    assert error_of(wf.to_dict) == (
        f"{line_of('C150-entry')}: <template 'count' of WorkflowTemplate 'library'> is a "
        "reference (templateRef), which a workflow cannot use as its entrypoint, exit handler "
        "(on_exit=) or templates=: call it from a @dag or @steps, run it as a hook "
        "(hooks={'exit': Hook(...)}), or run the whole WorkflowTemplate with from_template= [C150]"
    )


def test_calling_a_reference_outside_a_body() -> None:
    assert error_of(lambda: library.use(count)(n=1)) == (  # C118
        f"{line_of('C118')}: <template 'count' of WorkflowTemplate 'library'> was called outside "
        "a @dag or @steps body; call it inside one to add a task that runs it [C118]"
    )


# -- untyped references -----------------------------------------------------------------------


def test_untyped_reference() -> None:
    @dag
    def main() -> None:
        lint = template_ref("ci-templates", "lint", cluster_scope=True)(**{"src-dir": "/src"})
        publish = template_ref("ci-templates", "publish")
        publish(report=lint.outputs.report, **{"lint-log": getattr(lint.outputs, "log-file")})

    doc = Workflow("u", entrypoint=main).to_dict()
    assert doc["spec"]["templates"][0]["dag"]["tasks"] == [
        {
            "name": "lint",
            "templateRef": {"name": "ci-templates", "template": "lint", "clusterScope": True},
            "arguments": {"parameters": [{"name": "src-dir", "value": "/src"}]},
        },
        {
            "name": "publish",
            "templateRef": {"name": "ci-templates", "template": "publish"},
            "depends": "lint",
            "arguments": {
                "parameters": [
                    {"name": "report", "value": "{{tasks.lint.outputs.parameters.report}}"},
                    {"name": "lint-log", "value": "{{tasks.lint.outputs.parameters.log-file}}"},
                ]
            },
        },
    ]
    assert_valid(doc)


def test_untyped_reference_takes_keywords_only() -> None:
    @dag
    def main() -> None:
        template_ref("ci", "lint")("/src")  # C150-positional

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C150-positional')}: <template 'lint' of WorkflowTemplate 'ci'> takes keyword "
        "arguments only (it does not know the template's inputs): name each one, e.g. "
        "message='hi' or **{'my-param': value} [C150]"
    )


def test_untyped_reference_names() -> None:
    assert error_of(lambda: template_ref("CI", "lint")) == (  # C150-object
        f"{line_of('C150-object')}: template_ref(): WorkflowTemplate name 'CI' is not a valid "
        "Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with "
        "a letter or digit [C150]"
    )
    assert error_of(lambda: template_ref("ci", "lint_all")) == (  # C150-template
        f"{line_of('C150-template')}: template_ref(): template name 'lint_all' does not match "
        "[a-zA-Z0-9][-a-zA-Z0-9]* (letters, digits and '-', starting with a letter or digit) "
        "[C150]"
    )


# -- referenced templates' volumes -------------------------------------------------------------


def test_the_caller_declares_the_volumes_of_referenced_templates() -> None:
    # Argo does not take a WorkflowTemplate's volumes along with a templateRef
    # (argo-workflows#13977): the calling workflow must declare them.
    @dag
    def main() -> None:
        library.use(release)(tag="v1")

    doc = Workflow("v", entrypoint=main).to_dict()
    assert_valid(doc)
    spec = doc["spec"]
    assert [v["metadata"]["name"] for v in spec["volumeClaimTemplates"]] == ["cache"]


# -- from_template ------------------------------------------------------------------------------


def test_run_a_template_object() -> None:
    wf = Workflow(from_template=library, arguments={"tag": "v1.2"}, ttl="1h")
    doc = wf.to_dict()
    assert doc == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "library-"},
        "spec": {
            "workflowTemplateRef": {"name": "library"},
            "arguments": {"parameters": [{"name": "tag", "value": "v1.2"}]},
            "ttlStrategy": {"secondsAfterCompletion": 3600},
        },
    }
    assert_valid(doc)


def test_run_a_cluster_template() -> None:
    @dag
    def hello(who: str = "world") -> None:
        print_message(message=who)

    cluster = ClusterWorkflowTemplate("hello", entrypoint=hello)
    doc = Workflow("h", from_template=cluster).to_dict()
    assert_valid(doc)
    assert doc["spec"] == {"workflowTemplateRef": {"name": "hello", "clusterScope": True}}
    by_name = Workflow("h", from_template="hello", cluster_scope=True, arguments={"a-b": 1})
    doc = by_name.to_dict()
    assert doc["spec"] == {
        "workflowTemplateRef": {"name": "hello", "clusterScope": True},
        "arguments": {"parameters": [{"name": "a-b", "value": "1"}]},
    }
    assert_valid(doc)


def test_arguments_checked_against_the_template_entrypoint() -> None:
    wf = Workflow(from_template=library, arguments={"tga": "v1"})  # C101-from
    assert error_of(wf.to_dict) == (
        f"{line_of('C101-from')}: arguments= sets 'tga', but WorkflowTemplate 'library' runs "
        "entrypoint 'release', which has no such input (inputs: tag). Did you mean 'tag'? [C101]"
    )
    counter = WorkflowTemplate("counter", entrypoint=count)
    typed = Workflow(from_template=counter, arguments={"n": "x"})  # C103-from
    assert error_of(typed.to_dict) == (
        f"{line_of('C103-from')}: argument 'n' is 'x' (str), but the input is int [C103]"
    )


MISUSES: list[tuple[Any, str]] = [
    (
        lambda: Workflow(entrypoint="count"),  # C149-1
        "entrypoint='count' names a template, which only a Workflow run from a WorkflowTemplate "
        "(from_template=) can do: pass the template itself",
    ),
    (
        lambda: Workflow(from_template=library, templates=[count]),  # C149-2
        "Workflow uses from_template=, so it cannot set templates=: templates come from the "
        "WorkflowTemplate",
    ),
    (
        lambda: Workflow(from_template=library, on_exit=count),  # C149-3
        "Workflow uses from_template=, so it cannot set on_exit=: set on_exit= on the "
        "WorkflowTemplate",
    ),
    (
        lambda: Workflow(from_template=library, retry=2),  # C149-4
        "Workflow uses from_template=, so it cannot set retry=: set retry= on the "
        "WorkflowTemplate (it applies to the templates tiphys emits)",
    ),
    (
        lambda: WorkflowTemplate("t", from_template=library),  # C149-5
        "a WorkflowTemplate cannot be made from another template (from_template=): only a "
        "Workflow or a CronWorkflow runs one",
    ),
    (
        lambda: Workflow(from_template=library, cluster_scope=True),  # C149-6
        "cluster_scope=True, but WorkflowTemplate 'library' is a namespaced WorkflowTemplate: "
        "drop cluster_scope (a template object says its own scope)",
    ),
    (
        lambda: Workflow(entrypoint=count, cluster_scope=True),  # C149-7
        "cluster_scope=True only applies with from_template=<name>",
    ),
    (
        lambda: Workflow(from_template="My_Template"),  # C149-8
        "from_template name 'My_Template' is not a valid Kubernetes name: use lower-case "
        "letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
    (
        lambda: Workflow(from_template=Workflow(entrypoint=count)),  # C149-9
        "from_template= takes a WorkflowTemplate, a ClusterWorkflowTemplate or a name, not "
        "this Workflow",
    ),
    (
        lambda: Workflow(from_template=WorkflowTemplate(generate_name="x-")),  # C149-10
        "WorkflowTemplate 'x-' has no name to refer to: give it name=...",
    ),
    (
        lambda: Workflow(from_template=library, hooks={"exit": Hook(count)}),  # C149-11
        "Workflow uses from_template=, so it cannot set hooks=: set hooks= on the WorkflowTemplate",
    ),
]


@pytest.mark.parametrize("index", range(1, len(MISUSES) + 1))
def test_from_template_misuse(index: int) -> None:
    build, message = MISUSES[index - 1]
    assert error_of(build) == f"{line_of(f'C149-{index}')}: {message} [C149]"


def test_entrypoint_overrides_the_template_entrypoint() -> None:
    by_object = Workflow(from_template=library, entrypoint=count, arguments={"n": 4})
    by_name = Workflow(from_template=library, entrypoint="count", arguments={"n": 4})
    untyped = Workflow(from_template="library", entrypoint="count", arguments={"n": 4})
    for wf in (by_object, by_name, untyped):
        doc = wf.to_dict()
        assert_valid(doc)
        assert doc == {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"generateName": "library-"},
            "spec": {
                "workflowTemplateRef": {"name": "library"},
                "entrypoint": "count",
                "arguments": {"parameters": [{"name": "n", "value": "4"}]},
            },
        }


def test_entrypoint_override_is_checked_against_the_template_object() -> None:
    missing = Workflow(from_template=library, entrypoint="cuont")  # C149-over
    assert error_of(missing.to_dict) == (
        f"{line_of('C149-over')}: entrypoint 'cuont' is not a template of WorkflowTemplate "
        "'library' (its templates: build, count, print-message, release). Did you mean "
        "'count'? [C149]"
    )
    other = Workflow(from_template=shared, entrypoint=count)  # C149-other
    assert error_of(other.to_dict) == (
        f"{line_of('C149-other')}: entrypoint 'count' is not a template of "
        "ClusterWorkflowTemplate 'shared' (its templates: print-message). [C149]"
    )
    wrong = Workflow(from_template=library, entrypoint=count, arguments={"tag": "v1"})  # C101-o
    assert error_of(wrong.to_dict) == (
        f"{line_of('C101-o')}: arguments= sets 'tag', but WorkflowTemplate 'library' runs "
        "entrypoint 'count', which has no such input (inputs: n). [C101]"
    )
    bad = lambda: Workflow(from_template="library", entrypoint="a_b")  # noqa: E731  # C149-bad
    assert error_of(bad).startswith(f"{line_of('C149-bad')}: entrypoint name ")


def test_a_template_without_entrypoint_cannot_be_run() -> None:
    wf = Workflow(from_template=shared)  # C149-entry
    assert error_of(wf.to_dict) == (
        f"{line_of('C149-entry')}: ClusterWorkflowTemplate 'shared' has no entrypoint, so "
        "Workflow cannot run it: give it entrypoint= [C149]"
    )


def test_output_has_a_default_for_untyped_outputs() -> None:
    # An untyped reference's outputs exist under any name and carry no default.
    ref = template_ref("ci", "lint")
    assert ref.outputs["anything"] == Output("anything")
