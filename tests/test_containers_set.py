"""``@container_set``: containers of one pod, returned by a symbolically run body."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from expect import error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    CompileError,
    ContainerNode,
    Output,
    PreStop,
    Resources,
    Secret,
    Volume,
    Workflow,
    container_set,
    dag,
    script,
)
from tiphys.validate import validate_document

HERE = Path(__file__)
IMAGE = "argoproj/argosay:v2"


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def valid(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest, after checking it against the strict schema and tiphys' validation."""
    assert oracle_errors(manifest) == []
    assert validate_document(manifest) == []
    return manifest


def test_graph_like_upstream() -> None:
    @container_set(name="main")
    def graph() -> list[ContainerNode]:
        a = ContainerNode("a", image=IMAGE)
        b = ContainerNode("b", image=IMAGE, dependencies=[a])
        c = ContainerNode("c", image=IMAGE, dependencies=["a"])
        return [a, b, c, ContainerNode("d", image=IMAGE, dependencies=[b, c])]

    manifest = valid(Workflow(entrypoint=graph, generate_name="graph-").to_dict())
    assert yaml.safe_dump(manifest, sort_keys=False) == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: graph-
        spec:
          entrypoint: main
          templates:
          - name: main
            containerSet:
              containers:
              - name: a
                image: argoproj/argosay:v2
              - name: b
                image: argoproj/argosay:v2
                dependencies:
                - a
              - name: c
                image: argoproj/argosay:v2
                dependencies:
                - a
              - name: d
                image: argoproj/argosay:v2
                dependencies:
                - b
                - c
        """
    )


workspace = Volume("workspace", empty_dir=True, mount="/workspace")


@container_set(volume_mounts=[workspace], outputs={"out": "/workspace/out"})
def produce(message: str = "hi") -> list[ContainerNode]:
    write = ContainerNode("a", image=IMAGE, args=["echo", message, "/workspace/out"])
    return [write, ContainerNode("main", image=IMAGE, dependencies=[write])]


@script
def verify(x: str) -> None:
    assert x == "hi"


def test_workspace_outputs_and_result_used_by_other_tasks() -> None:
    @dag
    def main() -> None:
        p = produce(message="hi")
        verify(x=p.outputs.out)
        verify(x=p.result)

    manifest = valid(Workflow(entrypoint=main).to_dict())
    tasks = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert [t["arguments"]["parameters"][0]["value"] for t in tasks[1:]] == [
        "{{tasks.produce.outputs.parameters.out}}",
        "{{tasks.produce.outputs.result}}",
    ]
    assert manifest["spec"]["volumes"] == [{"name": "workspace", "emptyDir": {}}]
    assert manifest["spec"]["templates"][1] == {
        "name": "produce",
        "inputs": {"parameters": [{"name": "message", "default": "hi"}]},
        "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/workspace/out"}}]},
        "containerSet": {
            "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}],
            "containers": [
                {
                    "name": "a",
                    "image": IMAGE,
                    "args": ["echo", "{{inputs.parameters.message}}", "/workspace/out"],
                },
                {"name": "main", "image": IMAGE, "dependencies": ["a"]},
            ],
        },
    }


def test_every_container_field_retries_and_grace_period() -> None:
    @container_set(
        retries=2,
        retry_duration=90,
        termination_grace_period="2m",
        volumes=[workspace],
        outputs=[Output("digest", path="/workspace/digest", default="none")],
        inline=True,
    )
    def build(tag: str) -> list[ContainerNode]:
        return [
            ContainerNode(
                "main",
                image="docker:27",
                command=["sh", "-c"],
                args=[f"docker build -t app:{tag} . > /workspace/digest"],
                env={"TAG": f"v{tag}", "TOKEN": Secret("registry", "token"), "LEVEL": 3},
                resources=Resources(cpu="1", memory="1Gi"),
                working_dir="/workspace",
                image_pull_policy="IfNotPresent",
                ports=[2375],
                pre_stop=PreStop.sleep(60),
                security_context={"privileged": True},
            )
        ]

    @dag
    def main() -> None:
        build(tag="1.0")

    manifest = valid(Workflow(entrypoint=main).to_dict())
    (task,) = manifest["spec"]["templates"][0]["dag"]["tasks"]
    assert task["inline"]["containerSet"] == {
        "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}],
        "containers": [
            {
                "name": "main",
                "image": "docker:27",
                "command": ["sh", "-c"],
                "args": ["docker build -t app:{{inputs.parameters.tag}} . > /workspace/digest"],
                "workingDir": "/workspace",
                "imagePullPolicy": "IfNotPresent",
                "env": [
                    {"name": "TAG", "value": "v{{inputs.parameters.tag}}"},
                    {
                        "name": "TOKEN",
                        "valueFrom": {"secretKeyRef": {"name": "registry", "key": "token"}},
                    },
                    {"name": "LEVEL", "value": "3"},
                ],
                "resources": {
                    "limits": {"memory": "1Gi"},
                    "requests": {"cpu": "1", "memory": "1Gi"},
                },
                "ports": [{"containerPort": 2375}],
                "lifecycle": {"preStop": {"sleep": {"seconds": 60}}},
                "securityContext": {"privileged": True},
            }
        ],
        "retryStrategy": {"retries": 2, "duration": "1m30s"},
    }
    assert task["inline"]["podSpecPatch"] == '{"terminationGracePeriodSeconds": 120}'
    assert task["inline"]["outputs"] == {
        "parameters": [
            {"name": "digest", "valueFrom": {"path": "/workspace/digest", "default": "none"}}
        ]
    }


def test_retry_duration_in_days_is_a_go_duration() -> None:
    @container_set(retries=1, retry_duration="1d")
    def one() -> ContainerNode:
        return ContainerNode("a", image=IMAGE)

    manifest = valid(Workflow(entrypoint=one).to_dict())
    assert manifest["spec"]["templates"][0]["containerSet"]["retryStrategy"] == {
        "retries": 1,
        "duration": "24h",
    }


# -- errors ------------------------------------------------------------------------------------


def compile_error(body: Callable[..., Any], **options: Any) -> str:
    return error_of(Workflow(entrypoint=container_set(**options)(body)).to_dict)


def test_body_must_return_containers() -> None:
    def nodes() -> list[str]:  # C131-return
        return ["a"]

    assert compile_error(nodes) == (
        f"{line_of('C131-return')}: @container_set 'nodes' must return its containers as a list "
        "of ContainerNode objects, not ['a'] [C131]"
    )


def test_duplicate_container_names() -> None:
    def nodes() -> list[ContainerNode]:
        first = ContainerNode("a", image=IMAGE)
        return [first, ContainerNode("a", image=IMAGE)]  # C131-duplicate

    first_line = int(line_of("C131-duplicate").rpartition(":")[2]) - 1
    assert compile_error(nodes) == (
        f"{line_of('C131-duplicate')}: @container_set 'nodes' has two containers named 'a' (the "
        f"other at {line_of('C131-duplicate').rpartition(':')[0]}:{first_line}); container names "
        "must be unique [C131]"
    )


@pytest.mark.parametrize("name", ["wait", "init"])
def test_names_of_argo_containers_are_refused(name: str) -> None:
    def nodes() -> list[ContainerNode]:
        return [ContainerNode(name, image=IMAGE)]  # C131-argo

    assert compile_error(nodes) == (
        f"{line_of('C131-argo')}: @container_set 'nodes': container {name!r} is the name of "
        f"Argo's own {name!r} container in the pod, and Kubernetes refuses two containers of "
        "one name: rename it [C131]"
    )


def test_dependency_on_an_unknown_name() -> None:
    def nodes() -> list[ContainerNode]:
        return [
            ContainerNode("build", image=IMAGE),
            ContainerNode("push", image=IMAGE, dependencies=["biuld"]),  # C131-unknown
        ]

    assert compile_error(nodes) == (
        f"{line_of('C131-unknown')}: container 'push' depends on 'biuld', which is not a "
        "container of @container_set 'nodes' (containers: build, push). Did you mean 'build'? "
        "[C131]"
    )


def test_dependency_on_a_node_not_returned() -> None:
    def nodes() -> list[ContainerNode]:
        forgotten = ContainerNode("setup", image=IMAGE)
        return [ContainerNode("run", image=IMAGE, dependencies=[forgotten])]  # C131-missing

    assert compile_error(nodes) == (
        f"{line_of('C131-missing')}: container 'run' depends on container 'setup', which the "
        "body of @container_set 'nodes' does not return: return it too [C131]"
    )


def test_dependency_on_itself() -> None:
    def nodes() -> list[ContainerNode]:
        return [ContainerNode("loop", image=IMAGE, dependencies=["loop"])]  # C131-self

    assert compile_error(nodes) == (
        f"{line_of('C131-self')}: container 'loop' depends on itself [C131]"
    )


def test_dependency_cycle() -> None:
    def nodes() -> list[ContainerNode]:
        a = ContainerNode("a", image=IMAGE, dependencies=["c"])  # C131-cycle
        b = ContainerNode("b", image=IMAGE, dependencies=[a])
        return [a, b, ContainerNode("c", image=IMAGE, dependencies=[b])]

    assert compile_error(nodes) == (
        f"{line_of('C131-cycle')}: container dependency cycle: a -> c -> b -> a; these "
        "containers would wait for each other forever: remove one of these dependencies [C131]"
    )


def test_outputs_need_a_main_container() -> None:
    def nodes() -> list[ContainerNode]:  # C132-outputs
        return [ContainerNode("a", image=IMAGE), ContainerNode("b", image=IMAGE)]

    assert compile_error(nodes, outputs={"out": "/tmp/out"}) == (
        f"{line_of('C132-outputs')}: @container_set 'nodes' has output parameters, which Argo "
        "reads from (or places in) the container named 'main' only, and none of its containers "
        "(a, b) is named 'main': name one of them 'main' [C132]"
    )


def test_result_needs_a_main_container() -> None:
    @container_set()
    def pair() -> list[ContainerNode]:
        return [ContainerNode("a", image=IMAGE), ContainerNode("b", image=IMAGE)]

    @dag
    def main() -> None:
        verify(x=pair().result)  # C132-result

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C132-result')}: @container_set 'pair' has no container named 'main', and "
        "its result is the standard output of that container: name one ContainerNode 'main' "
        "[C132]"
    )


def test_pre_stop_sleep_of_a_container_against_the_grace_period() -> None:
    def nodes() -> list[ContainerNode]:
        return [
            ContainerNode("main", image=IMAGE, pre_stop=PreStop.sleep(45)),  # C134-node
        ]

    assert compile_error(nodes, termination_grace_period=45) == (
        f"{line_of('C134-node')}: the pre-stop hook sleeps 45 s, but the pod's termination "
        "grace period is 45 s (set by termination_grace_period), and when Kubernetes deletes "
        "the pod (the only time it runs a pre-stop hook: the workflow deleted while the pod "
        "runs, a node drained, an eviction; Argo ends daemons and stopped workflows by "
        "signalling the containers instead) it kills the container when that period ends, so "
        "the process never gets SIGTERM: sleep less, or make termination_grace_period longer "
        "than 45 s plus the time the process needs to stop [C134]"
    )


@pytest.mark.parametrize(
    ("build", "code", "message"),
    [
        (
            lambda: ContainerNode("Main", image=IMAGE),
            "C109",
            "ContainerNode name 'Main' is not a valid container name: at most 63 lower-case "
            "letters, digits and '-', starting and ending with a letter or digit",
        ),
        (lambda: ContainerNode("a", image=""), "C117", "ContainerNode 'a' needs an image"),
        (
            lambda: ContainerNode("a", image=IMAGE, args="echo hi"),
            "C117",
            "ContainerNode 'a': args must be a list of strings, not 'echo hi'",
        ),
        (
            lambda: ContainerNode("a", image=IMAGE, dependencies="b"),
            "C117",
            "ContainerNode 'a': dependencies must be a list of ContainerNode objects or "
            "container names, not 'b'",
        ),
        (
            lambda: ContainerNode("a", image=IMAGE, pre_stop=30),  # type: ignore[arg-type]
            "C117",
            "ContainerNode 'a': pre_stop must be a PreStop, not 30",
        ),
        (
            lambda: ContainerNode("a", image=IMAGE, ports=[99999]),
            "C117",
            "ports: port 99999 is not between 1 and 65535",
        ),
    ],
)
def test_bad_container_nodes(build: Callable[[], object], code: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == (code, message)
    assert diagnostic.location.file == line_of("C1xx-nodes").partition(":")[0]  # C1xx-nodes


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"env": {"A": "1"}},
            "@container_set takes env= per container: pass it to each ContainerNode",
        ),
        (
            {"resources": Resources(cpu="1")},
            "@container_set takes resources= per container: pass it to each ContainerNode",
        ),
        ({"retries": -1}, "retries must be an integer >= 0, not -1"),
        (
            {"retry_duration": "10s"},
            "retry_duration needs retries= (containerSet.retryStrategy.retries)",
        ),
        (
            {"retries": 1, "retry_duration": "soon"},
            "retry_duration: 'soon' is not a duration; write seconds (30) or a string like "
            "'30s', '5m', '2h', '1d', '1h30m'",
        ),
        ({"volume_mounts": ["/data"]}, "volume_mounts takes Volume objects"),
        ({"daemon": True}, "unknown template option 'daemon'."),
    ],
)
def test_bad_container_set_options(options: dict[str, Any], message: str) -> None:
    def build() -> None:
        @container_set(**options)  # C117-set
        def nodes() -> ContainerNode:
            return ContainerNode("a", image=IMAGE)

    assert error_of(build) == f"{line_of('C117-set')}: {message} [C117]"


def test_pre_stop_port_name_of_a_container_must_be_declared() -> None:
    with pytest.raises(CompileError) as info:
        ContainerNode("main", image=IMAGE, pre_stop=PreStop.http("/quit", "admin"))  # C117-node

    assert info.value.diagnostics[0].format() == (
        f"{line_of('C117-node')}: pre_stop uses the port named 'admin', but ports= names no such "
        "port (named ports: none): add {'containerPort': <number>, 'name': 'admin'} to ports=, "
        "or give the port number [C117]"
    )
