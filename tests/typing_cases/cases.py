"""Type-checker cases: each ``reveal_type`` line states what mypy must infer (``# revealed:``).

Expectations sit at the end of their line, so the formatter must leave the lines whole.
"""
# ruff: noqa: E501
# fmt: off

from __future__ import annotations

from typing import reveal_type

from tiphys import (
    Artifact,
    ContainerNode,
    CronWorkflow,
    Probe,
    RawArtifact,
    Task,
    WorkflowTemplate,
    container,
    container_set,
    dag,
    data,
    http,
    resource,
    script,
    suspend,
    template_ref,
)


@container(image="alpine:3.20")
def clone(repo: str, tag: str) -> list[str]:
    return ["clone", repo, tag]


@script
def run_tests() -> int:
    return 0


@script(image="python:3.12-slim")
def greet(name: str, times: int = 1) -> str:
    return name * times


@http("https://deploy.example.com/{tag}", method="POST")
def notify(tag: str, replicas: int = 1) -> dict[str, object]:
    return {"tag": tag, "replicas": replicas}


@suspend
def approve(answer: str = "NO") -> None:
    """Approve?"""


@data(source={"s3": {"bucket": "b"}}, transformations=[])
def listing() -> None:
    """List."""


@resource(action="delete", flags=["cm", "x"])
def drop() -> None:
    """Drop."""


@container(image="alpine:3.20", outputs=[Artifact("out", path="/tmp/out")])
def make() -> list[str]:
    return ["make"]


@container(image="alpine:3.20")
def show(data: Artifact) -> list[str]:
    return ["cat", f"{data}"]


@dag
def release(tag: str) -> None:
    src = clone(repo="r", tag=tag)
    reveal_type(src)  # revealed: tiphys.dsl.template.Task[str]
    tests = run_tests().after(src)
    reveal_type(tests)  # revealed: tiphys.dsl.template.Task[int]
    reveal_type(tests.result)  # revealed: int
    reveal_type(greet(name=tag))  # revealed: tiphys.dsl.template.Task[str]
    reveal_type(greet.map(over=["a"], name=lambda it: it))  # revealed: tiphys.dsl.template.Task[list[str]]
    reveal_type(greet.fn)  # revealed: def (name: str, times: int =) -> Any
    gate: Task[int] = tests.when(tests.result == 0)
    reveal_type(gate)  # revealed: tiphys.dsl.template.Task[int]
    greet(name=tag, times="3")  # error: Argument "times" to "__call__" of "Template" has incompatible type "str"; expected "int"
    clone(repo="r")  # error: Missing positional argument "tag" in call to "__call__" of "Template"
    reveal_type(tests.on_exit(clone, repo="r", tag=tag))  # revealed: tiphys.dsl.template.Task[int]
    reveal_type(tests.hook("running", greet, expression=tests.status == "Running", name="x"))  # revealed: tiphys.dsl.template.Task[int]
    sent = notify(tag=tag)
    reveal_type(sent)  # revealed: tiphys.dsl.template.Task[str]
    reveal_type(sent.result)  # revealed: str
    notify(tag=tag, replicas="2")  # error: Argument "replicas" to "__call__" of "Template" has incompatible type "str"; expected "int"
    reveal_type(approve())  # revealed: tiphys.dsl.template.Task[None]
    reveal_type(listing().result)  # revealed: list[str]
    reveal_type(drop)  # revealed: tiphys.dsl.resource.ResourceTemplate[[]]
    made = make()
    reveal_type(made.outputs.artifacts.out)  # revealed: Any
    show(data=made.outputs.artifacts.out)
    show(data=Artifact(location=RawArtifact("x")))
    show(data=RawArtifact("x"))  # error: Argument "data" to "__call__" of "Template" has incompatible type "RawArtifact"; expected "Artifact"


@container_set(retries=1)
def group(n: int) -> list[ContainerNode]:
    return [ContainerNode("main", image="alpine:3.20", args=[f"{n}"])]


@container(image="nginx:1.27", daemon=True, readiness=Probe.tcp(80), inline=True)
def web() -> None:
    return None


@dag
def service() -> None:
    reveal_type(group(n=1))  # revealed: tiphys.dsl.template.Task[str]
    reveal_type(web().ip)  # revealed: Any
    group(n="1")  # error: Argument "n" to "__call__" of "Template" has incompatible type "str"; expected "int"


container(image="nginx:1.27", readines=Probe.tcp(80))  # error: Unexpected keyword argument "readines" for "container"; did you mean "readiness"?
container_set(daemon=True)  # error: Unexpected keyword argument "daemon" for "container_set"


library = WorkflowTemplate("library", templates=[greet])


@dag
def uses_library() -> None:
    ref = library.use(greet)
    reveal_type(ref)  # revealed: tiphys.dsl.template.Template[[name: str, times: int =], str]
    reveal_type(ref(name="x").result)  # revealed: str
    ref(name=1)  # error: Argument "name" to "__call__" of "Template" has incompatible type "int"; expected "str"
    reveal_type(template_ref("ci", "lint")(anything=1))  # revealed: tiphys.dsl.template.Task[Any]


reveal_type(CronWorkflow("nightly", entrypoint=uses_library, schedules="@daily"))  # revealed: tiphys.dsl.cron.CronWorkflow
