"""Artifacts compiled: whole manifests (or whole templates) compared, each manifest valid for the
strict schema oracle and for ``validate_document``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest

from schema_oracle import oracle_errors
from tiphys import (
    S3,
    ArchiveLocation,
    Artifact,
    ArtifactGC,
    ArtifactRepositoryRef,
    ContainerNode,
    Git,
    Hook,
    HTTPArtifact,
    Output,
    RawArtifact,
    Secret,
    Workflow,
    WorkflowTemplate,
    container,
    container_set,
    dag,
    data,
    script,
    steps,
    template_ref,
)
from tiphys.errors import errors_only
from tiphys.validate import validate_document


def compiled(wf: Workflow | WorkflowTemplate) -> dict[str, Any]:
    """The manifest, after checking it with the schema oracle and the validator."""
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert [d.format() for d in errors_only(validate_document(manifest))] == []
    return manifest


def template(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [t for t in manifest["spec"]["templates"] if t["name"] == name]
    return found


@container(
    image="alpine:3.20",
    command=["sh", "-c"],
    outputs=[Output("size", path="/tmp/size"), Artifact("data", path="/tmp/data")],
)
def produce(name: str) -> list[str]:
    return [f"echo {name} > /tmp/data; wc -c < /tmp/data > /tmp/size"]


@container(image="alpine:3.20", command=["cat"])
def consume(data: Artifact, suffix: str = "") -> list[str]:
    return [f"{data}{suffix}"]


PRODUCE = {
    "name": "produce",
    "inputs": {"parameters": [{"name": "name"}]},
    "outputs": {
        "parameters": [{"name": "size", "valueFrom": {"path": "/tmp/size"}}],
        "artifacts": [{"name": "data", "path": "/tmp/data"}],
    },
    "container": {
        "image": "alpine:3.20",
        "command": ["sh", "-c"],
        "args": ["echo {{inputs.parameters.name}} > /tmp/data; wc -c < /tmp/data > /tmp/size"],
    },
}
CONSUME = {
    "name": "consume",
    "inputs": {
        "parameters": [{"name": "suffix", "default": ""}],
        "artifacts": [{"name": "data", "path": "/tmp/tiphys/inputs/data"}],
    },
    "container": {
        "image": "alpine:3.20",
        "command": ["cat"],
        "args": ["{{inputs.artifacts.data.path}}{{inputs.parameters.suffix}}"],
    },
}
FROM_PRODUCE = "{{tasks.produce.outputs.artifacts.data}}"


def test_dag_passes_artifacts_locations_and_loop_items() -> None:
    @dag
    def inner(data: Artifact) -> Any:
        consume(data=data)
        return data

    @dag
    def outer(name: str = "n") -> None:
        p = produce(name=name)
        inner(data=p.outputs.artifacts.data)
        consume(data=S3(f"in/{name}/{p.outputs.size}.csv", bucket="b")).named("from-s3")
        consume.map(over=["a", "b"], data=lambda it: RawArtifact(f"item {it}"))
        http = HTTPArtifact("https://e.com/x")
        consume(data=Artifact(location=http, mode=0o755, recurse_mode=True)).named("http")

    assert compiled(Workflow(entrypoint=outer))["spec"] == {
        "entrypoint": "outer",
        "arguments": {"parameters": [{"name": "name", "value": "n"}]},
        "templates": [
            {
                "name": "outer",
                "inputs": {"parameters": [{"name": "name", "default": "n"}]},
                "dag": {
                    "tasks": [
                        {
                            "name": "produce",
                            "template": "produce",
                            "arguments": {
                                "parameters": [
                                    {"name": "name", "value": "{{inputs.parameters.name}}"}
                                ]
                            },
                        },
                        {
                            "name": "inner",
                            "template": "inner",
                            "depends": "produce",
                            "arguments": {"artifacts": [{"name": "data", "from": FROM_PRODUCE}]},
                        },
                        {
                            "name": "from-s3",
                            "template": "consume",
                            "depends": "produce",
                            "arguments": {
                                "artifacts": [
                                    {
                                        "name": "data",
                                        "s3": {
                                            "key": "in/{{inputs.parameters.name}}/"
                                            "{{tasks.produce.outputs.parameters.size}}.csv",
                                            "bucket": "b",
                                        },
                                    }
                                ]
                            },
                        },
                        {
                            "name": "consume",
                            "template": "consume",
                            "arguments": {
                                "artifacts": [{"name": "data", "raw": {"data": "item {{item}}"}}]
                            },
                            "withItems": ["a", "b"],
                        },
                        {
                            "name": "http",
                            "template": "consume",
                            "arguments": {
                                "artifacts": [
                                    {
                                        "name": "data",
                                        "mode": 0o755,
                                        "recurseMode": True,
                                        "http": {"url": "https://e.com/x"},
                                    }
                                ]
                            },
                        },
                    ]
                },
            },
            PRODUCE,
            {
                "name": "inner",
                "inputs": {"artifacts": [{"name": "data"}]},
                "outputs": {"artifacts": [{"name": "data", "from": "{{inputs.artifacts.data}}"}]},
                "dag": {
                    "tasks": [
                        {
                            "name": "consume",
                            "template": "consume",
                            "arguments": {
                                "artifacts": [{"name": "data", "from": "{{inputs.artifacts.data}}"}]
                            },
                        }
                    ]
                },
            },
            CONSUME,
        ],
    }


def test_steps_pass_artifacts_with_sub_path_and_raw_from() -> None:
    @steps
    def relay(name: str = "x") -> None:
        p = produce(name=name)
        consume(data=p.outputs.artifacts.data.sub_path("part"))
        consume(data="{{steps.produce.outputs.artifacts.data}}", suffix="!").named("raw-from")

    assert template(compiled(Workflow(entrypoint=relay)), "relay") == {
        "name": "relay",
        "inputs": {"parameters": [{"name": "name", "default": "x"}]},
        "steps": [
            [
                {
                    "name": "produce",
                    "template": "produce",
                    "arguments": {
                        "parameters": [{"name": "name", "value": "{{inputs.parameters.name}}"}]
                    },
                }
            ],
            [
                {
                    "name": "consume",
                    "template": "consume",
                    "arguments": {
                        "artifacts": [
                            {
                                "name": "data",
                                "from": "{{steps.produce.outputs.artifacts.data}}",
                                "subPath": "part",
                            }
                        ]
                    },
                }
            ],
            [
                {
                    "name": "raw-from",
                    "template": "consume",
                    "arguments": {
                        "parameters": [{"name": "suffix", "value": "!"}],
                        "artifacts": [
                            {"name": "data", "from": "{{steps.produce.outputs.artifacts.data}}"}
                        ],
                    },
                }
            ],
        ],
    }


def test_raw_from_text_adds_the_dependency() -> None:
    @dag
    def main() -> None:
        produce(name="a")
        consume(data=FROM_PRODUCE)

    tasks = template(compiled(Workflow(entrypoint=main)), "main")["dag"]["tasks"]
    assert tasks[1] == {
        "name": "consume",
        "template": "consume",
        "depends": "produce",
        "arguments": {"artifacts": [{"name": "data", "from": FROM_PRODUCE}]},
    }


def test_input_declarations_defaults_and_options() -> None:
    @container(image="alpine:3.20")
    def tools(
        binary: Annotated[Artifact, Artifact(path="/usr/local/bin/kubectl", mode=0o755)],
        src: Annotated[Artifact, Artifact(name="source", path="/src", location=Git("r"))],
        note: Annotated[Artifact, Artifact(location=RawArtifact("hello\n"))],
        extra: Artifact | None = None,
    ) -> list[str]:
        return ["ls", f"{binary}", f"{src}", f"{note}", f"{extra}"]

    @dag
    def main() -> None:
        tools(binary=HTTPArtifact("https://dl.k8s.io/kubectl"))

    manifest = compiled(Workflow(entrypoint=main))
    assert template(manifest, "tools") == {
        "name": "tools",
        "inputs": {
            "artifacts": [
                {"name": "binary", "path": "/usr/local/bin/kubectl", "mode": 0o755},
                {"name": "source", "path": "/src", "git": {"repo": "r"}},
                {"name": "note", "path": "/tmp/tiphys/inputs/note", "raw": {"data": "hello\n"}},
                {"name": "extra", "path": "/tmp/tiphys/inputs/extra", "optional": True},
            ]
        },
        "container": {
            "image": "alpine:3.20",
            "args": [
                "ls",
                "{{inputs.artifacts.binary.path}}",
                "{{inputs.artifacts.source.path}}",
                "{{inputs.artifacts.note.path}}",
                "{{inputs.artifacts.extra.path}}",
            ],
        },
    }
    assert template(manifest, "main")["dag"]["tasks"] == [
        {
            "name": "tools",
            "template": "tools",
            "arguments": {
                "artifacts": [{"name": "binary", "http": {"url": "https://dl.k8s.io/kubectl"}}]
            },
        }
    ]


def test_output_artifact_fields() -> None:
    gc = ArtifactGC(
        "OnWorkflowCompletion", service_account="gc", pod_metadata={"labels": {"a": "b"}}
    )
    outputs = [
        Artifact(
            "report",
            path="/out/report",
            location=S3("reports/r.tgz"),
            archive={"tar": {"compressionLevel": 9}},
            optional=True,
            global_name="final-report",
            artifact_gc=gc,
            archive_logs=True,
        ),
        Artifact("bundle", path="/out/bundle", archive="zip"),
    ]

    @container(image="alpine:3.20", outputs=outputs)
    def build() -> list[str]:
        return ["make"]

    assert template(compiled(Workflow(entrypoint=build)), "build") == {
        "name": "build",
        "outputs": {
            "artifacts": [
                {
                    "name": "report",
                    "path": "/out/report",
                    "optional": True,
                    "globalName": "final-report",
                    "s3": {"key": "reports/r.tgz"},
                    "archive": {"tar": {"compressionLevel": 9}},
                    "archiveLogs": True,
                    "artifactGC": {
                        "strategy": "OnWorkflowCompletion",
                        "serviceAccountName": "gc",
                        "podMetadata": {"labels": {"a": "b"}},
                    },
                },
                {"name": "bundle", "path": "/out/bundle", "archive": {"zip": {}}},
            ]
        },
        "container": {"image": "alpine:3.20", "args": ["make"]},
    }


def test_dag_returns_one_artifact_several_and_conditional_ones() -> None:
    @dag
    def one() -> Any:
        return produce(name="a").outputs.artifacts.data

    @steps
    def several() -> Any:
        p = produce(name="b")
        return {
            "copy": p.outputs.artifacts.data,
            "size": p.outputs.size,
            "chosen": Artifact(from_expression="steps.produce.outputs.artifacts.data"),
        }

    @dag
    def main() -> None:
        a = one()
        b = several()
        consume(data=a.outputs.artifacts.data).named("use-one")
        consume(data=b.outputs.artifacts.chosen, suffix=b.outputs.size).named("use-several")

    manifest = compiled(Workflow(entrypoint=main))
    assert template(manifest, "one")["outputs"] == {
        "artifacts": [{"name": "data", "from": FROM_PRODUCE}]
    }
    assert template(manifest, "several")["outputs"] == {
        "parameters": [
            {
                "name": "size",
                "valueFrom": {"parameter": "{{steps.produce.outputs.parameters.size}}"},
            }
        ],
        "artifacts": [
            {"name": "copy", "from": "{{steps.produce.outputs.artifacts.data}}"},
            {"name": "chosen", "fromExpression": "steps.produce.outputs.artifacts.data"},
        ],
    }
    assert template(manifest, "main")["dag"]["tasks"][2:] == [
        {
            "name": "use-one",
            "template": "consume",
            "depends": "one",
            "arguments": {
                "artifacts": [{"name": "data", "from": "{{tasks.one.outputs.artifacts.data}}"}]
            },
        },
        {
            "name": "use-several",
            "template": "consume",
            "depends": "several",
            "arguments": {
                "parameters": [
                    {"name": "suffix", "value": "{{tasks.several.outputs.parameters.size}}"}
                ],
                "artifacts": [
                    {"name": "data", "from": "{{tasks.several.outputs.artifacts.chosen}}"}
                ],
            },
        },
    ]


def test_workflow_artifact_arguments_and_options() -> None:
    @dag
    def main(data: Artifact, source: Artifact, level: int = 1) -> None:
        consume(data=data)
        consume(data=source).named("source")

    wf = Workflow(
        entrypoint=main,
        arguments={
            "data": S3("in.csv", bucket="b"),
            "source": Artifact(location=Git("r")),
            "level": 2,
        },
        artifact_repository_ref=ArtifactRepositoryRef("artifact-repositories", "minio"),
        artifact_gc=ArtifactGC(
            "OnWorkflowDeletion",
            service_account="gc",
            force_finalizer_removal=True,
            pod_spec_patch={"nodeSelector": {"pool": "gc"}},
        ),
    )
    spec = compiled(wf)["spec"]
    del spec["templates"]
    assert spec == {
        "entrypoint": "main",
        "arguments": {
            "parameters": [{"name": "level", "value": "2"}],
            "artifacts": [
                {"name": "data", "s3": {"key": "in.csv", "bucket": "b"}},
                {"name": "source", "git": {"repo": "r"}},
            ],
        },
        "artifactRepositoryRef": {"configMap": "artifact-repositories", "key": "minio"},
        "artifactGC": {
            "strategy": "OnWorkflowDeletion",
            "serviceAccountName": "gc",
            "forceFinalizerRemoval": True,
            "podSpecPatch": '{"nodeSelector": {"pool": "gc"}}',
        },
    }


def test_workflow_template_leaves_artifact_inputs_to_callers() -> None:
    @dag
    def main(data: Artifact) -> None:
        consume(data=data)

    spec = compiled(WorkflowTemplate("lib", entrypoint=main))["spec"]
    assert "arguments" not in spec
    assert template({"spec": spec}, "main")["inputs"] == {"artifacts": [{"name": "data"}]}


def test_archive_location_on_templates_and_defaults() -> None:
    @container(image="alpine:3.20", archive_location=ArchiveLocation(archive_logs=True))
    def logs() -> list[str]:
        return ["echo", "hi"]

    @container(image="alpine:3.20", archive_location=S3("archive/{{workflow.name}}", bucket="a"))
    def stored() -> list[str]:
        return ["echo", "ho"]

    @dag
    def main() -> None:
        logs()
        stored()

    wf = Workflow(
        entrypoint=main,
        template_defaults={"archive_location": ArchiveLocation(S3("default"), archive_logs=False)},
    )
    manifest = compiled(wf)
    assert template(manifest, "logs")["archiveLocation"] == {"archiveLogs": True}
    assert template(manifest, "stored")["archiveLocation"] == {
        "s3": {"key": "archive/{{workflow.name}}", "bucket": "a"}
    }
    assert manifest["spec"]["templateDefaults"] == {
        "archiveLocation": {"archiveLogs": False, "s3": {"key": "default"}}
    }


@script(
    image="python:3.12-slim",
    outputs=[Artifact("out", path="/tmp/out.txt"), Output("lines", path="/tmp/lines")],
)
def count_lines(text: Annotated[Path, Artifact()], raw: Annotated[str, Artifact()]) -> int:
    return len(text.read_text().splitlines()) + len(open(raw).read())


@script(language="sh", image="alpine:3.20", outputs=[Artifact("copy", path="/tmp/copy")])
def copy(data: Artifact) -> str:
    return f"cp {data} /tmp/copy\n"


def test_python_script_reads_artifact_paths_from_the_environment() -> None:
    @dag
    def main() -> None:
        p = produce(name="x")
        count_lines(text=p.outputs.artifacts.data, raw=RawArtifact("abc"))

    body = template(compiled(Workflow(entrypoint=main)), "count-lines")
    source = body["script"].pop("source")
    assert body == {
        "name": "count-lines",
        "inputs": {
            "artifacts": [
                {"name": "text", "path": "/tmp/tiphys/inputs/text"},
                {"name": "raw", "path": "/tmp/tiphys/inputs/raw"},
            ]
        },
        "outputs": {
            "parameters": [{"name": "lines", "valueFrom": {"path": "/tmp/lines"}}],
            "artifacts": [{"name": "out", "path": "/tmp/out.txt"}],
        },
        "script": {
            "image": "python:3.12-slim",
            "command": ["python3"],
            "env": [
                {"name": "TIPHYS_IN_text", "value": "{{inputs.artifacts.text.path}}"},
                {"name": "TIPHYS_IN_raw", "value": "{{inputs.artifacts.raw.path}}"},
            ],
        },
    }
    assert "import pathlib as _tiphys_pathlib\n" in source
    assert (
        "    _tiphys_args['text'] = _tiphys_pathlib.Path(_tiphys_os.environ['TIPHYS_IN_text'])\n"
        "    _tiphys_args['raw'] = _tiphys_os.environ['TIPHYS_IN_raw']\n"
    ) in source


def test_python_script_runs_with_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated source, run here, hands the body the paths it reads."""
    import subprocess
    import sys

    @dag
    def main() -> None:
        count_lines(text="{{x}}", raw="{{y}}")

    source = template(Workflow(entrypoint=main).to_dict(), "count-lines")["script"]["source"]
    (tmp_path / "text").write_text("a\nb\nc\n")
    (tmp_path / "raw").write_text("xy")
    env = {"TIPHYS_IN_text": str(tmp_path / "text"), "TIPHYS_IN_raw": str(tmp_path / "raw")}
    run = subprocess.run(
        [sys.executable, "-c", source], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout == "5\n"


def test_shell_script_expands_artifact_paths() -> None:
    @dag
    def main() -> None:
        copy(data=RawArtifact("x"))

    assert template(compiled(Workflow(entrypoint=main)), "copy") == {
        "name": "copy",
        "inputs": {"artifacts": [{"name": "data", "path": "/tmp/tiphys/inputs/data"}]},
        "outputs": {"artifacts": [{"name": "copy", "path": "/tmp/copy"}]},
        "script": {
            "image": "alpine:3.20",
            "command": ["sh"],
            "source": 'cp "${TIPHYS_IN_data}" /tmp/copy\n',
            "env": [{"name": "TIPHYS_IN_data", "value": "{{inputs.artifacts.data.path}}"}],
        },
    }


def test_credentials_stay_in_secrets() -> None:
    s3 = S3(
        "k",
        bucket="b",
        access_key=Secret("s3", "access"),
        secret_key=Secret("s3", "secret"),
    )

    @dag
    def main() -> None:
        consume(data=s3)

    task = template(compiled(Workflow(entrypoint=main)), "main")["dag"]["tasks"][0]
    assert task["arguments"]["artifacts"] == [
        {
            "name": "data",
            "s3": {
                "key": "k",
                "bucket": "b",
                "accessKeySecret": {"name": "s3", "key": "access"},
                "secretKeySecret": {"name": "s3", "key": "secret"},
            },
        }
    ]


def test_positional_arguments_follow_the_signature() -> None:
    @container(image="alpine:3.20")
    def mixed(first: str, data: Artifact, last: int = 0) -> list[str]:
        return [first, f"{data}", f"{last}"]

    @dag
    def main() -> None:
        mixed("a", RawArtifact("b"), 3)

    task = template(compiled(Workflow(entrypoint=main)), "main")["dag"]["tasks"][0]
    assert task["arguments"] == {
        "parameters": [{"name": "first", "value": "a"}, {"name": "last", "value": "3"}],
        "artifacts": [{"name": "data", "raw": {"data": "b"}}],
    }


def test_outputs_artifacts_lists_the_declared_names() -> None:
    names: list[list[str]] = []

    @dag
    def main() -> None:
        names.append(list(produce(name="a").outputs.artifacts))

    Workflow(entrypoint=main).to_dict()
    assert names == [["data"]]


def test_optional_inputs_take_artifacts_of_skippable_tasks() -> None:
    @container(image="alpine:3.20")
    def maybe(data: Artifact | None = None) -> list[str]:
        return ["ls", f"{data}"]

    @dag
    def main(env: str = "dev") -> None:
        p = produce(name="x").when(env == "prod")
        maybe(data=p.outputs.artifacts.data)

    manifest = compiled(Workflow(entrypoint=main))
    assert template(manifest, "main")["dag"]["tasks"][1] == {
        "name": "maybe",
        "template": "maybe",
        "depends": "produce",
        "arguments": {"artifacts": [{"name": "data", "from": FROM_PRODUCE, "optional": True}]},
    }
    assert template(manifest, "maybe")["inputs"] == {
        "artifacts": [{"name": "data", "path": "/tmp/tiphys/inputs/data", "optional": True}]
    }


def test_container_sets_and_inline_templates_take_artifacts() -> None:
    @container_set(outputs=[Artifact("out", path="/tmp/out")])
    def group(data: Artifact) -> list[ContainerNode]:
        return [ContainerNode("main", image="alpine:3.20", args=["cp", f"{data}", "/tmp/out"])]

    @container(image="alpine:3.20", inline=True)
    def read(data: Artifact) -> list[str]:
        return ["cat", f"{data}"]

    @dag
    def main() -> None:
        g = group(data=RawArtifact("x"))
        read(data=g.outputs.artifacts.out)

    assert compiled(Workflow(entrypoint=main))["spec"]["templates"] == [
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {
                        "name": "group",
                        "template": "group",
                        "arguments": {"artifacts": [{"name": "data", "raw": {"data": "x"}}]},
                    },
                    {
                        "name": "read",
                        "inline": {
                            "inputs": {
                                "artifacts": [{"name": "data", "path": "/tmp/tiphys/inputs/data"}]
                            },
                            "container": {
                                "image": "alpine:3.20",
                                "args": ["cat", "{{inputs.artifacts.data.path}}"],
                            },
                        },
                        "depends": "group",
                        "arguments": {
                            "artifacts": [
                                {"name": "data", "from": "{{tasks.group.outputs.artifacts.out}}"}
                            ]
                        },
                    },
                ]
            },
        },
        {
            "name": "group",
            "inputs": {"artifacts": [{"name": "data", "path": "/tmp/tiphys/inputs/data"}]},
            "outputs": {"artifacts": [{"name": "out", "path": "/tmp/out"}]},
            "containerSet": {
                "containers": [
                    {
                        "name": "main",
                        "image": "alpine:3.20",
                        "args": ["cp", "{{inputs.artifacts.data.path}}", "/tmp/out"],
                    }
                ]
            },
        },
    ]


def test_locations_are_data_sources() -> None:
    @data(source=S3("reports/", bucket="b", access_key=Secret("s3", "a")), transformations=[])
    def reports() -> list[str]:
        """List the reports."""

    assert template(compiled(Workflow(entrypoint=reports)), "reports") == {
        "name": "reports",
        "data": {
            "source": {
                "artifactPaths": {
                    "name": "source",
                    "s3": {
                        "key": "reports/",
                        "bucket": "b",
                        "accessKeySecret": {"name": "s3", "key": "a"},
                    },
                }
            },
            "transformation": [],
        },
    }


def test_hooks_pass_artifacts() -> None:
    @steps
    def main() -> None:
        p = produce(name="a").named("step-1")
        p.on_exit(consume, data=p.outputs.artifacts.data)

    wf = Workflow(
        entrypoint=main, hooks={"exit": Hook(consume, arguments={"data": RawArtifact("bye")})}
    )
    spec = compiled(wf)["spec"]
    assert spec["hooks"] == {
        "exit": {
            "template": "consume",
            "arguments": {"artifacts": [{"name": "data", "raw": {"data": "bye"}}]},
        }
    }
    assert template({"spec": spec}, "main")["steps"] == [
        [
            {
                "name": "step-1",
                "template": "produce",
                "arguments": {"parameters": [{"name": "name", "value": "a"}]},
                "hooks": {
                    "exit": {
                        "template": "consume",
                        "arguments": {
                            "artifacts": [
                                {"name": "data", "from": "{{steps.step-1.outputs.artifacts.data}}"}
                            ]
                        },
                    }
                },
            }
        ]
    ]


def test_template_references_pass_artifacts() -> None:
    @dag
    def entry(data: Artifact, n: int = 1) -> None:
        consume(data=data, suffix=f"{n}")

    library = WorkflowTemplate("lib", entrypoint=entry, templates=[consume])
    typed = library.use(consume)
    untyped = template_ref("other", "report")

    @dag
    def main() -> None:
        p = produce(name="a")
        typed(data=p.outputs.artifacts.data)
        r = untyped(data=p.outputs.artifacts.data, note=RawArtifact("x"), title="t")
        typed(data=r.outputs.artifacts.pdf).named("read-report")

    tasks = template(compiled(Workflow(entrypoint=main)), "main")["dag"]["tasks"]
    assert tasks[1:] == [
        {
            "name": "consume",
            "templateRef": {"name": "lib", "template": "consume"},
            "depends": "produce",
            "arguments": {"artifacts": [{"name": "data", "from": FROM_PRODUCE}]},
        },
        {
            "name": "report",
            "templateRef": {"name": "other", "template": "report"},
            "depends": "produce",
            "arguments": {
                "parameters": [{"name": "title", "value": "t"}],
                "artifacts": [
                    {"name": "data", "from": FROM_PRODUCE},
                    {"name": "note", "raw": {"data": "x"}},
                ],
            },
        },
        {
            "name": "read-report",
            "templateRef": {"name": "lib", "template": "consume"},
            "depends": "report",
            "arguments": {
                "artifacts": [{"name": "data", "from": "{{tasks.report.outputs.artifacts.pdf}}"}]
            },
        },
    ]
    for source in (library, "lib"):
        run = Workflow(from_template=source, arguments={"data": S3("in.csv"), "n": 3})
        assert compiled(run)["spec"] == {
            "workflowTemplateRef": {"name": "lib"},
            "arguments": {
                "parameters": [{"name": "n", "value": "3"}],
                "artifacts": [{"name": "data", "s3": {"key": "in.csv"}}],
            },
        }
