"""Each compile-time check of artifacts: its whole message and the user's file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest

from expect import compile_error
from markers import marker_line
from tiphys import (
    S3,
    ArchiveLocation,
    Artifact,
    ArtifactGC,
    ArtifactRepositoryRef,
    CompileError,
    ContainerNode,
    Hook,
    Output,
    RawArtifact,
    Workflow,
    WorkflowTemplate,
    container,
    container_set,
    dag,
    script,
)

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def raised(build: Any) -> str:
    with pytest.raises(CompileError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


@container(image="alpine:3.20", outputs=[Artifact("report", path="/tmp/report")])
def build(tag: str) -> list[str]:
    return ["build", tag]


@container(image="alpine:3.20")
def show(data: Artifact, prefix: str = "") -> list[str]:
    return [prefix, f"{data}"]


# -- C138: values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build_it", "message"),
    [
        (
            lambda: Artifact("a", archive="gzip"),
            "archive must be 'none' (store as is), 'tar' (tar + gzip, the default), 'zip', or "
            "{'tar': {'compressionLevel': 0..9}}, not 'gzip'",
        ),
        (
            lambda: Artifact("a", archive={"tar": {"compressionLevel": 12}}),
            "archive must be 'none' (store as is), 'tar' (tar + gzip, the default), 'zip', or "
            "{'tar': {'compressionLevel': 0..9}}, not {'tar': {'compressionLevel': 12}}",
        ),
        (
            lambda: Artifact("a", mode=0o1777),
            "Artifact mode must be file mode bits from 0 to 0o777 (e.g. 0o755), not 1023",
        ),
        (
            lambda: Artifact("a", mode="755"),
            "Artifact mode must be file mode bits from 0 to 0o777 (e.g. 0o755), not '755'",
        ),
        (
            lambda: Artifact("a", location="s3://bucket/key"),
            "Artifact location must be a location such as S3(...), Git(...) or "
            "RawArtifact(...), not 's3://bucket/key'",
        ),
        (
            lambda: Artifact("a", location={"s3": {"key": "k"}, "raw": {"data": ""}}),
            "a raw Artifact location is a dict with exactly one of s3, gcs, azure, oss, git, "
            "http, artifactory, raw, hdfs, plugin, not {'s3': {'key': 'k'}, 'raw': {'data': ''}}",
        ),
        (
            lambda: Artifact("a", location=S3("k"), from_expression="tasks.a.outputs.artifacts.x"),
            "Artifact takes one of location=, from_expression= and from_=, not location= and "
            "from_expression=: from_expression and from_ choose another artifact, which has its "
            "own location",
        ),
        (
            lambda: Artifact("a", from_="{{steps.s.outputs.artifacts.x}}", from_expression="x"),
            "Artifact takes one of location=, from_expression= and from_=, not from_expression= "
            "and from_=: from_expression and from_ choose another artifact, which has its own "
            "location",
        ),
        (lambda: Artifact("a", from_=""), "Artifact from_ must be non-empty text, not ''"),
        (
            lambda: Artifact("a", optional="yes"),
            "Artifact optional must be True or False, not 'yes'",
        ),
        (lambda: Artifact("a", path=""), "Artifact path must be non-empty text, not ''"),
        (
            lambda: Artifact("a", artifact_gc="Never"),
            "Artifact artifact_gc must be an ArtifactGC(...), not 'Never'",
        ),
        (
            lambda: Artifact("a", artifact_gc=ArtifactGC("Never", force_finalizer_removal=True)),
            "ArtifactGC force_finalizer_removal can only be set on a workflow's artifact_gc, not "
            "on one artifact",
        ),
        (
            lambda: ArtifactGC("OnWorkflowDelete"),  # type: ignore[arg-type]
            "ArtifactGC strategy 'OnWorkflowDelete' is not one of OnWorkflowCompletion, "
            "OnWorkflowDeletion, Never. Did you mean 'OnWorkflowDeletion'?",
        ),
        (
            lambda: ArtifactGC("Never", pod_metadata=["a"]),
            "ArtifactGC pod_metadata must be a dict {'labels': ..., 'annotations': ...} or a "
            "PodMetadata, not ['a']",
        ),
        (
            lambda: ArtifactRepositoryRef(key=""),
            "ArtifactRepositoryRef key must be non-empty text, not ''",
        ),
        (lambda: ArchiveLocation(), "ArchiveLocation needs location=... or archive_logs=..."),
        (
            lambda: ArchiveLocation({"s3": {}}),  # type: ignore[arg-type]
            "ArchiveLocation location must be a location such as S3(...), not {'s3': {}}",
        ),
        (
            lambda: Workflow(entrypoint=build, artifact_gc="Never"),  # type: ignore[arg-type]
            "artifact_gc must be an ArtifactGC(...), not 'Never'",
        ),
    ],
)
def test_bad_values(build_it: Any, message: str) -> None:
    with pytest.raises(CompileError) as info:
        build_it()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == ("C138", message)


def test_value_errors_point_at_the_user_line() -> None:
    msg = raised(lambda: Artifact("a", archive="rar"))  # C138
    assert msg.startswith(f"{line_of('C138')}: archive must be")


def test_bad_artifact_name() -> None:
    msg = raised(lambda: Artifact("my report"))  # C109
    assert msg == (
        f"{line_of('C109')}: artifact name 'my report' does not match [-a-zA-Z0-9_]+ (letters, "
        "digits, '-' and '_') [C109]"
    )


def test_bad_archive_location_on_a_template() -> None:
    def define() -> None:
        @container(image="alpine:3.20", archive_location="s3://logs")  # C138-archive
        def job() -> list[str]:
            return []

    assert raised(define) == (
        f"{line_of('C138-archive')}: archive_location must be a location such as S3(...) or "
        "ArchiveLocation(...), not 's3://logs' [C138]"
    )


def test_outputs_list_holds_outputs_and_artifacts_only() -> None:
    def define() -> None:
        @container(image="alpine:3.20", outputs=[S3("k")])  # type: ignore[list-item]  # C138-out
        def job() -> list[str]:
            return []

    assert raised(define) == (
        f"{line_of('C138-out')}: template 'job': outputs= lists Output(...) parameters and "
        "Artifact(...) artifacts, not S3('k') [C138]"
    )


# -- C139: declarations that do not fit ------------------------------------------------------------


def test_output_artifact_needs_a_path() -> None:
    def define() -> None:
        @container(image="alpine:3.20", outputs=[Artifact("out")])  # C139-path
        def job() -> list[str]:
            return []

    assert raised(define) == (
        f"{line_of('C139-path')}: template 'job': output artifact 'out' needs path=... (the "
        "file or directory the container writes) [C139]"
    )


def test_output_artifact_needs_a_name() -> None:
    def define() -> None:
        @script(outputs=[Artifact(path="/tmp/x")])  # C139-name
        def job() -> None:
            pass

    assert raised(define) == (
        f"{line_of('C139-name')}: template 'job': an output artifact needs a name: "
        "Artifact('name', ...) [C139]"
    )


def test_input_with_from_expression() -> None:
    @container(image="alpine:3.20")  # C139-from
    def job(data: Annotated[Artifact, Artifact(from_expression="tasks.a.outputs.x")]) -> list[str]:
        return []

    assert compile_error(Workflow(entrypoint=job)) == (
        f"{line_of('C139-from')}: template 'job': input artifact 'data' has from_expression, "
        "which is for outputs and arguments; give the input a location= or let callers pass it "
        "[C139]"
    )


def test_dag_input_with_a_path() -> None:
    @dag  # C139-dag
    def main(data: Annotated[Artifact, Artifact(path="/data")]) -> None:
        show(data=data)

    assert compile_error(WorkflowTemplate("t", entrypoint=main)) == (
        f"{line_of('C139-dag')}: template 'main': input artifact 'data' of a @dag/@steps has a "
        "path, but only container and script templates place files; drop path= [C139]"
    )


SOURCE = RawArtifact("x")


def test_default_other_than_none() -> None:
    @container(image="alpine:3.20")  # C139-default
    def job(data: Artifact = SOURCE) -> list[str]:  # type: ignore[assignment]
        return []

    assert compile_error(Workflow(entrypoint=job)) == (
        f"{line_of('C139-default')}: template 'job': artifact input 'data' can only default to "
        "None (an optional input), not RawArtifact('x'); give its source as "
        "Annotated[Artifact, Artifact(location=RawArtifact('x'))] [C139]"
    )


# -- C104, C114: names and annotations -------------------------------------------------------------


def test_artifact_named_like_a_parameter() -> None:
    @container(image="alpine:3.20")  # C104
    def job(data: str, blob: Annotated[Artifact, Artifact(name="data")]) -> list[str]:
        return []

    assert compile_error(Workflow(entrypoint=job, arguments={"data": "x"})) == (
        f"{line_of('C104')}: template 'job': input artifact 'data' is named like an input "
        "parameter; arguments are passed by name, so rename one [C104]"
    )


def test_two_output_artifacts_of_one_name() -> None:
    def define() -> None:
        outputs = [Artifact("a", path="/a"), Artifact("a", path="/b")]

        @container(image="alpine:3.20", outputs=outputs)  # C104-out
        def job() -> list[str]:
            return []

    assert raised(define) == (
        f"{line_of('C104-out')}: template 'job': two output artifacts are named 'a' [C104]"
    )


def test_script_output_collides_with_its_return() -> None:
    @script(outputs=[Output("return", path="/tmp/r")])  # C104-script
    def job() -> str:
        return "x"

    assert compile_error(Workflow(entrypoint=job)) == (
        f"{line_of('C104-script')}: @script 'job' declares output 'return' in outputs=, but its "
        "return annotation gives an output of that name; rename one [C104]"
    )


def test_artifact_annotated_with_another_type() -> None:
    @container(image="alpine:3.20")  # C114
    def job(data: Annotated[int, Artifact()]) -> list[str]:
        return []

    assert compile_error(Workflow(entrypoint=job)) == (
        f"{line_of('C114')}: template 'job': artifact input 'data' is annotated <class 'int'>; "
        "use Annotated[Artifact | str | Path, Artifact(...)] [C114]"
    )


# -- arguments: C101, C102, C140 -------------------------------------------------------------------


def test_unknown_argument_lists_artifacts_too() -> None:
    @dag
    def main() -> None:
        show(dat=RawArtifact("x"))  # C101

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C101')}: task 'show' passes argument 'dat', but template 'show' has no such "
        "input (inputs: data, prefix). Did you mean 'data'? [C101]"
    )


def test_missing_artifact() -> None:
    @dag
    def main() -> None:
        show(prefix="p")  # C102

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C102')}: task 'show' does not pass required input(s) 'data' of template "
        "'show' [C102]"
    )


def test_parameter_value_given_to_an_artifact() -> None:
    @dag
    def main() -> None:
        b = build(tag="x")
        show(data=b.result)  # C140-param

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C140-param')}: argument 'data' of template 'show' is an input artifact, but "
        "it gets result of task 'build', a parameter value; pass an artifact "
        "(t.outputs.artifacts.<name>), or wrap text in RawArtifact(...) to give it as a file "
        "[C140]"
    )


def test_plain_text_given_to_an_artifact() -> None:
    @dag
    def main() -> None:
        show(data="hello")  # C140-text

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C140-text')}: argument 'data' of template 'show' is an input artifact, but "
        "it gets 'hello'; pass an artifact (t.outputs.artifacts.<name>), a location (S3(...), "
        "RawArtifact('text')...), or a raw '{{tasks.<task>.outputs.artifacts.<name>}}' [C140]"
    )


def test_text_built_from_references_given_to_an_artifact() -> None:
    @dag
    def main(name: str) -> None:
        show(data=f"{{{{tasks.{name}.outputs.artifacts.x}}}}")  # C140-marker

    assert compile_error(Workflow(entrypoint=main, arguments={"name": "a"})) == (
        f"{line_of('C140-marker')}: argument 'data' of template 'show' is an input artifact, "
        "but it gets text built from references; pass an artifact "
        "(t.outputs.artifacts.<name>), a location (S3(...), RawArtifact('text')...), or a raw "
        "'{{tasks.<task>.outputs.artifacts.<name>}}' [C140]"
    )


def test_artifact_without_a_source_given_to_an_artifact() -> None:
    @dag
    def main() -> None:
        show(data=Artifact(mode=0o600))  # C140-decl

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C140-decl')}: argument 'data' of template 'show' is an input artifact, but "
        "the Artifact given has none of location=, from_expression= and from_= [C140]"
    )


def test_artifact_given_to_a_parameter() -> None:
    @dag
    def main() -> None:
        b = build(tag="x")
        show(data=RawArtifact("x"), prefix=b.outputs.artifacts.report)  # C140-to-param

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C140-to-param')}: argument 'prefix' of template 'show' is an input "
        "parameter, but gets output artifact 'report' of task 'build'; declare the input as an "
        "artifact (name: Artifact) to receive a file [C140]"
    )


def test_artifact_formatted_into_text_in_a_dag() -> None:
    @dag
    def main() -> None:
        b = build(tag="x")
        show(data=RawArtifact(f"see {b.outputs.artifacts.report}"))  # C140-format

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C140-format')}: output artifact 'report' of task 'build' is an artifact (a "
        "file), not a value: pass it to an artifact input of a task (name: Artifact); a "
        "template that needs its contents as text reads the file [C140]"
    )


def test_dag_input_artifact_used_as_text() -> None:
    @dag
    def main(data: Artifact) -> None:
        build(tag=f"{data}")  # C140-input

    assert compile_error(WorkflowTemplate("t", entrypoint=main)) == (
        f"{line_of('C140-input')}: artifact 'data' of template 'main' is an artifact (a file), "
        "not a value: pass it to an artifact input of a task (name: Artifact); a template that "
        "needs its contents as text reads the file [C140]"
    )


# -- C107, C141, C106: task artifacts --------------------------------------------------------------


def test_unknown_output_artifact_with_suggestion() -> None:
    @dag
    def main() -> None:
        b = build(tag="x")
        show(data=b.outputs.artifacts.reprot)  # C107

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C107')}: template 'build' has no output artifact 'reprot' (output "
        "artifacts: report). Did you mean 'report'? [C107]"
    )


def test_artifact_of_a_looped_task() -> None:
    @dag
    def main() -> None:
        b = build.map(over=["a", "b"], tag=lambda it: it)
        show(data=b.outputs.artifacts.report)  # C141

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('C141')}: task 'build' loops (.map()), and Argo aggregates the output "
        "parameters of a loop's iterations, not their artifacts, so output artifact 'report' of "
        "the loop does not exist. Give each iteration its own location (a key built from the "
        "item) and pass those on, or loop inside one task [C141]"
    )


def test_artifact_of_a_task_of_another_dag() -> None:
    leaked: list[Any] = []

    @dag
    def inner() -> None:
        leaked.append(build(tag="x"))

    Workflow(entrypoint=inner).to_dict()

    @dag
    def outer() -> None:
        inner()
        show(data=leaked[0].outputs.artifacts.report)  # C106

    assert compile_error(Workflow(entrypoint=outer)) == (
        f"{line_of('C106')}: task 'show' depends on task 'build', which is not part of template "
        "'outer' [C106]"
    )


# -- C142: workflow arguments ----------------------------------------------------------------------


def test_workflow_entrypoint_artifact_without_source() -> None:
    @dag
    def main(data: Artifact) -> None:
        show(data=data)

    wf = Workflow(entrypoint=main)  # C142
    assert compile_error(wf) == (
        f"{line_of('C142')}: entrypoint 'main' needs input artifact 'data', which has no "
        "location and no value: pass arguments={'data': S3(...)} (any location), give the input "
        "a location, or make it optional [C142]"
    )


def test_workflow_artifact_argument_that_is_not_a_location() -> None:
    @dag
    def main(data: Artifact) -> None:
        show(data=data)

    wf = Workflow(entrypoint=main, arguments={"data": "s3://b/k"})  # C142-value
    assert compile_error(wf) == (
        f"{line_of('C142-value')}: arguments= gives input artifact 'data' of entrypoint 'main' "
        "'s3://b/k'; a workflow's artifact argument is a location such as S3(...), Git(...), "
        "HTTPArtifact(...) or RawArtifact('text') [C142]"
    )


def test_workflow_unknown_argument_suggests_artifacts() -> None:
    @dag
    def main(data: Artifact) -> None:
        show(data=data)

    wf = Workflow(entrypoint=main, arguments={"dta": S3("k")})  # C101-wf
    assert compile_error(wf) == (
        f"{line_of('C101-wf')}: arguments= sets 'dta', but entrypoint 'main' has no such input "
        "(inputs: data). Did you mean 'data'? [C101]"
    )


# -- C108: artifacts of tasks that may not run ----------------------------------------------------


def test_artifact_of_a_skippable_task_to_a_required_input() -> None:
    @dag
    def main(env: str) -> None:
        b = build(tag="x").when(env == "prod")
        show(data=b.outputs.artifacts.report)  # C108

    assert compile_error(Workflow(entrypoint=main, arguments={"env": "prod"})) == (
        f"{line_of('C108')}: task 'show' passes output artifact 'report' of task 'build' to "
        "input artifact 'data', but that task is skipped when its .when() condition is false, "
        "and Argo then fails 'show'. Make input 'data' of template 'show' optional (data: "
        "Artifact | None = None) to run it without the file [C108]"
    )


def test_returned_artifact_of_a_skippable_task() -> None:
    @dag  # C108-return
    def main(env: str) -> Any:
        return build(tag="x").when(env == "prod").outputs.artifacts.report

    assert compile_error(Workflow(entrypoint=main, arguments={"env": "prod"})) == (
        f"{line_of('C108-return')}: @dag 'main' returns output artifact 'report' of task "
        "'build', but that task is skipped when its .when() condition is false: Argo then "
        "cannot resolve the returned value and fails the node. Return a value of a task that "
        "always runs [C108]"
    )


def test_container_set_artifacts_need_a_main_container() -> None:
    @container_set(outputs=[Artifact("out", path="/tmp/out")])  # C132
    def group() -> list[ContainerNode]:
        return [ContainerNode("a", image="alpine:3.20")]

    assert compile_error(Workflow(entrypoint=group)) == (
        f"{line_of('C132')}: @container_set 'group' has output artifacts, which Argo reads from "
        "(or places in) the container named 'main' only, and none of its containers (a) is "
        "named 'main': name one of them 'main' [C132]"
    )


def test_workflow_hook_gets_a_task_artifact() -> None:
    leaked: list[Any] = []

    @dag
    def main() -> None:
        leaked.append(build(tag="x"))

    Workflow(entrypoint=main).to_dict()
    hook = Hook(show, arguments={"data": leaked[0].outputs.artifacts.report})  # C154
    assert compile_error(Workflow(entrypoint=main, hooks={"exit": hook})) == (
        f"{line_of('C154')}: hook 'show' of the workflow gets a task's or template's value; "
        "workflow-level hook arguments are constants, '{{workflow.*}}' texts or artifact "
        "locations [C154]"
    )
