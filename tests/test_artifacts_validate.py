"""Artifact checks of YAML manifests (V160-V166, V168): whole messages, severities and paths;
and none of them fires on the upstream examples that use artifacts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from schema_oracle import shared_argo
from tiphys.validate import check_semantics

Finding = tuple[str, str, str, str]


def lint(spec: str) -> list[Finding]:
    """The artifact findings (V16x) of a Workflow with this spec."""
    head = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n"
    doc = yaml.safe_load(head + textwrap.indent(textwrap.dedent(spec), "  "))
    return [
        (d.code, d.severity, d.path, d.message)
        for d in check_semantics(doc)
        if d.code.startswith("V16")
    ]


def test_leaf_artifacts_need_a_path() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs: {artifacts: [{name: src, git: {repo: r}}]}
      outputs: {artifacts: [{name: out}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V160",
            "error",
            "spec.templates[0].inputs.artifacts[0]",
            "input artifact 'src' of container template 'main' has no path; Argo refuses it: "
            "set path to where the container finds the file or directory",
        ),
        (
            "V160",
            "error",
            "spec.templates[0].outputs.artifacts[0]",
            "output artifact 'out' of container template 'main' has no path; Argo refuses it: "
            "set path to where the container writes the file or directory",
        ),
    ]


def test_dag_artifacts_have_no_path_and_inputs_no_from() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs:
        artifacts:
        - {name: data, path: /data}
        - {name: other, from: '{{workflow.outputs.artifacts.x}}'}
      outputs: {artifacts: [{name: out, path: /out, from: '{{tasks.a.outputs.artifacts.o}}'}]}
      dag:
        tasks: [{name: a, template: leaf}]
    - name: leaf
      outputs: {artifacts: [{name: o, path: /o}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V161",
            "error",
            "spec.templates[0].inputs.artifacts[0].path",
            "input artifact 'data' of dag template 'main' has a path, but only templates that "
            "run a container place files, and Argo refuses it: remove path and pass the "
            "artifact on with from: '{{inputs.artifacts.data}}'",
        ),
        (
            "V162",
            "error",
            "spec.templates[0].inputs.artifacts[1].from",
            "input artifact 'other' of template 'main' has from, which Argo refuses in inputs: "
            "give it in the arguments of the task or step that runs the template "
            "(arguments.artifacts[].from)",
        ),
        (
            "V161",
            "error",
            "spec.templates[0].outputs.artifacts[0].path",
            "output artifact 'out' of dag template 'main' has a path, but only templates that "
            "run a container place files, and Argo refuses it: remove path",
        ),
    ]


def test_arguments_need_a_source() -> None:
    spec = """\
    entrypoint: main
    arguments:
      artifacts: [{name: data}]
    templates:
    - name: main
      inputs: {artifacts: [{name: data}]}
      steps:
      - - name: a
          template: leaf
          arguments:
            artifacts:
            - {name: in, from: '{{inputs.artifacts.data}}', fromExpression: 'inputs.artifacts.data'}
          hooks:
            exit:
              template: leaf
              arguments: {artifacts: [{name: in, optional: true}]}
    - name: leaf
      inputs: {artifacts: [{name: in, path: /in}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V163",
            "error",
            "spec.arguments.artifacts[0]",
            "argument artifact 'data' of the workflow does not say where it comes from, and "
            "Argo refuses it: set from ('{{tasks.<task>.outputs.artifacts.<name>}}'), "
            "fromExpression, or a location (s3, raw, http...)",
        ),
        (
            "V163",
            "error",
            "spec.templates[0].steps[0][0].hooks.exit.arguments.artifacts[0]",
            "argument artifact 'in' of hook 'exit' does not say where it comes from, and Argo "
            "refuses it: set from ('{{tasks.<task>.outputs.artifacts.<name>}}'), "
            "fromExpression, or a location (s3, raw, http...)",
        ),
        (
            "V163",
            "error",
            "spec.templates[0].steps[0][0].arguments.artifacts[0].fromExpression",
            "argument artifact 'in' of step 'a' has both from and fromExpression, and Argo "
            "refuses it: keep one",
        ),
    ]


def test_from_and_a_location() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      outputs:
        artifacts: [{name: r, from: '{{tasks.a.outputs.artifacts.o}}', s3: {key: copy}}]
      dag:
        tasks:
        - name: a
          template: leaf
        - name: b
          template: leaf
          depends: a
          arguments:
            artifacts: [{name: in, from: '{{tasks.a.outputs.artifacts.o}}', raw: {data: x}}]
    - name: leaf
      inputs: {artifacts: [{name: in, path: /in, optional: true}]}
      outputs: {artifacts: [{name: o, path: /o}]}
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V164",
            "error",
            "spec.templates[0].outputs.artifacts[0].s3",
            "output artifact 'r' of template 'main' has from and a location (s3); Argo takes the "
            "artifact from names, location included, and ignores s3: remove one",
        ),
        (
            "V164",
            "error",
            "spec.templates[0].dag.tasks[1].arguments.artifacts[0].raw",
            "argument artifact 'in' of task 'b' has from and a location (raw); Argo takes the "
            "artifact from names, location included, and ignores raw: remove one",
        ),
    ]


def test_input_placed_where_a_volume_is_mounted() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs:
        artifacts:
        - {name: a, path: /work, raw: {data: x}}
        - {name: b, path: /data, raw: {data: y}}
        - {name: c, path: /data, raw: {data: z}}
      container:
        image: alpine
        volumeMounts: [{name: scratch, mountPath: /work}]
      volumes: [{name: scratch, emptyDir: {}}]
    """
    assert lint(spec) == [
        (
            "V165",
            "error",
            "spec.templates[0].inputs.artifacts[0].path",
            "input artifact 'a' is placed at '/work', where volume 'scratch' is already mounted, "
            "and Argo refuses two things at one path: choose another path",
        ),
        (
            "V165",
            "error",
            "spec.templates[0].inputs.artifacts[2].path",
            "input artifact 'c' is placed at '/data', where input artifact 'b' is already "
            "mounted, and Argo refuses two things at one path: choose another path",
        ),
    ]


def test_unknown_gc_strategy() -> None:
    spec = """\
    entrypoint: main
    artifactGC: {strategy: OnWorkflowDelete}
    templates:
    - name: main
      outputs:
        artifacts: [{name: o, path: /o, artifactGC: {strategy: never}}]
      container: {image: alpine}
    """
    assert lint(spec) == [
        (
            "V166",
            "error",
            "spec.artifactGC.strategy",
            "artifactGC strategy 'OnWorkflowDelete' is not one of OnWorkflowCompletion, "
            "OnWorkflowDeletion, Never; the Workflow CRD refuses it. Did you mean "
            "'OnWorkflowDeletion'?",
        ),
        (
            "V166",
            "error",
            "spec.templates[0].outputs.artifacts[0].artifactGC.strategy",
            "artifactGC strategy 'never' is not one of OnWorkflowCompletion, OnWorkflowDeletion, "
            "Never; the Workflow CRD refuses it. Did you mean 'Never'?",
        ),
    ]


def test_input_artifact_path_in_a_dag() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      inputs: {artifacts: [{name: data}]}
      dag:
        tasks:
        - name: a
          template: leaf
          arguments:
            parameters: [{name: p, value: '{{inputs.artifacts.data.path}}'}]
            artifacts: [{name: in, from: '{{inputs.artifacts.data}}'}]
    - name: leaf
      inputs:
        parameters: [{name: p}]
        artifacts: [{name: in, path: /in}]
      container: {image: alpine, args: ['{{inputs.artifacts.in.path}}']}
    """
    assert lint(spec) == [
        (
            "V168",
            "error",
            "spec.templates[0].dag.tasks[0].arguments.parameters[0].value",
            "'{{inputs.artifacts.data.path}}' does not exist in dag template 'main': only "
            "templates that run a container place input artifacts at a path. Pass the artifact "
            "on with from: '{{inputs.artifacts.data}}'",
        )
    ]


def test_valid_artifact_shapes_pass() -> None:
    spec = """\
    entrypoint: main
    arguments:
      artifacts: [{name: data, http: {url: 'https://e.com/d'}}]
    artifactGC: {strategy: OnWorkflowDeletion}
    templates:
    - name: main
      inputs: {artifacts: [{name: data}]}
      outputs:
        artifacts:
        - {name: r, from: '{{tasks.a.outputs.artifacts.o}}'}
        - {name: c, fromExpression: "true ? tasks.a.outputs.artifacts.o : nil"}
      dag:
        tasks:
        - name: a
          template: leaf
          arguments:
            artifacts: [{name: in, from: '{{inputs.artifacts.data}}', subPath: x}]
    - name: leaf
      inputs: {artifacts: [{name: in, path: /in, mode: 493}]}
      outputs:
        artifacts: [{name: o, path: /o, archive: {none: {}}, artifactGC: {strategy: Never}}]
      container: {image: alpine}
    """
    assert lint(spec) == []


ARTIFACT_EXAMPLES = [
    "archive-location.yaml",
    "arguments-artifacts.yaml",
    "artifact-disable-archive.yaml",
    "artifact-gc-workflow.yaml",
    "artifact-passing-subpath.yaml",
    "artifact-repository-ref.yaml",
    "artifactory-artifact.yaml",
    "artifacts-workflowtemplate.yaml",
    "conditional-artifacts.yaml",
    "dag-conditional-artifacts.yaml",
    "exit-handler-with-artifacts.yaml",
    "hdfs-artifact.yaml",
    "input-artifact-azure.yaml",
    "input-artifact-git.yaml",
    "input-artifact-raw.yaml",
    "input-artifact-s3.yaml",
    "output-artifact-s3.yaml",
    "webhdfs-input-output-artifacts.yaml",
]


@pytest.mark.parametrize("name", ARTIFACT_EXAMPLES)
def test_upstream_artifact_examples_pass(name: str) -> None:
    path: Path = shared_argo() / "examples" / name
    for doc in yaml.safe_load_all(path.read_text()):
        findings = [d.format() for d in check_semantics(doc) if d.code.startswith("V16")]
        assert findings == []
