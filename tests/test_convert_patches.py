"""``tiphys convert`` writes typed forms (no ``patch=``) for: ``@dag``/``@steps`` outputs given as
Argo text, ... Each case: the whole generated source, an empty ``patch=`` report, and the source
compiling back to the document."""

from __future__ import annotations

import pytest
import yaml

from schema_oracle import SHARED_ARGO
from tiphys.argo.durations import argo_duration_ns
from tiphys.convert.convert import convert_text, run_source
from tiphys.convert.load import objects_of

HEADER = '"""Converted from t.yaml by tiphys convert."""\n\n'


def converted(text: str, compiles_to: str | None = None) -> str:
    """The generated source, after checking it needs no patch= and compiles back (to the
    document, or to ``compiles_to`` where tiphys writes one of Argo's defaults)."""
    conversion = convert_text(text, "t.yaml")
    assert conversion.report == []
    namespace = run_source(conversion.source, "<test>")
    (obj,) = objects_of(namespace)
    assert obj.to_dict() == yaml.safe_load(compiles_to or text)
    assert conversion.source.startswith(HEADER)
    return conversion.source[len(HEADER) :]


def workflow(spec: str) -> str:
    head = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: w\nspec:\n"
    return head + spec


def test_graph_outputs_given_as_text_are_returned() -> None:
    text = workflow(
        """\
  entrypoint: main
  templates:
  - name: main
    outputs:
      parameters:
      - name: out
        valueFrom:
          parameter: "{{steps.produce.outputs.parameters.msg}}"
      - name: chosen
        valueFrom:
          expression: "steps.produce.outputs.parameters.msg ?? 'none'"
          default: x
      artifacts:
      - name: file
        from: "{{steps.produce.outputs.artifacts.file}}"
    steps:
    - - name: produce
        template: produce
  - name: produce
    outputs:
      parameters:
      - name: msg
        valueFrom:
          path: /tmp/msg
      artifacts:
      - name: file
        path: /tmp/msg
    container:
      image: alpine:3.20
      args: [sh, -c, "echo hi > /tmp/msg"]
"""
    )
    assert converted(text) == (
        """\
from tiphys import Artifact, Output, Workflow, container, steps


@steps
def main():
    produce()
    return {
        "out": Output("out", parameter="{{steps.produce.outputs.parameters.msg}}"),
        "chosen": Output(
            "chosen", expression="steps.produce.outputs.parameters.msg ?? 'none'", default="x"
        ),
        "file": Artifact("file", from_="{{steps.produce.outputs.artifacts.file}}"),
    }


@container(
    image="alpine:3.20", outputs=[Output("msg", path="/tmp/msg"), Artifact("file", path="/tmp/msg")]
)
def produce():
    return ["sh", "-c", "echo hi > /tmp/msg"]


w = Workflow(name="w", entrypoint=main)
"""
    )


HTTP = """\
  entrypoint: get
  templates:
  - name: get
    http:
      url: https://example.com
"""


def test_http_without_method_and_timeout() -> None:
    text = workflow(HTTP)
    with_method = workflow(HTTP.replace("    http:\n", "    http:\n      method: GET\n"))
    assert converted(text, with_method) == (
        """\
from tiphys import Workflow, http


@http("https://example.com", timeout=None)
def get():
    pass


w = Workflow(name="w", entrypoint=get)
"""
    )


@pytest.mark.parametrize(
    ("value", "bare", "ns"),
    [
        ("20", True, 20 * 10**9),
        (20, True, 20 * 10**9),
        ("20s", True, 20 * 10**9),
        ("20", False, None),  # memoize.maxAge: Go durations only
        ("120s", False, 120 * 10**9),
        ("2m", False, 120 * 10**9),
        ("1.5h", True, 5400 * 10**9),
        ("1d", True, None),  # no d unit in Go
        ("{{inputs.parameters.t}}", True, None),
        (True, True, None),
    ],
)
def test_argo_duration_ns(value: object, bare: bool, ns: int | None) -> None:
    assert argo_duration_ns(value, bare_seconds=bare) == ns


def test_durations_spelled_differently_need_no_patch() -> None:
    text = workflow(
        """\
  entrypoint: main
  templates:
  - name: main
    memoize:
      key: k
      maxAge: 120s
      cache:
        configMap:
          name: cache
    suspend:
      duration: "20"
"""
    )
    conversion = convert_text(text, "t.yaml")
    assert conversion.report == []
    (obj,) = objects_of(run_source(conversion.source, "<test>"))
    template = obj.to_dict()["spec"]["templates"][0]
    assert (template["suspend"], template["memoize"]["maxAge"]) == ({"duration": "20s"}, "2m")


def test_entrypoint_next_to_a_template_reference_and_pod_spec_patch() -> None:
    text = workflow(
        """\
  entrypoint: print-message
  workflowTemplateRef:
    name: library
  podSpecPatch: |
    containers:
      - name: main
"""
    )
    assert converted(text) == (
        '''\
from tiphys import Workflow

w = Workflow(
    name="w",
    from_template="library",
    entrypoint="print-message",
    pod_spec_patch="""containers:
  - name: main
""",
)
'''
    )


EXAMPLES = SHARED_ARGO / "examples"
NO_PATCH = [
    "artifact-passing-subpath.yaml",
    "artifactory-artifact.yaml",
    "hdfs-artifact.yaml",
    "variables-showcase.yaml",
    "artifacts-workflowtemplate.yaml",
    "ci-workflowtemplate.yaml",
    "container-set-template/workspace-workflow.yaml",
    "conditional-artifacts.yaml",
    "conditional-parameters.yaml",
    "dag-conditional-artifacts.yaml",
    "dag-conditional-parameters.yaml",
    "dag-targets.yaml",
    "fibonacci-seq-conditional-param.yaml",
    "http-hello-world.yaml",
    "http-success-condition.yaml",
    "life-cycle-hooks-tmpl-level.yaml",
    "life-cycle-hooks-wf-level.yaml",
    "loops-arbitrary-sequential-steps.yaml",
    "nested-workflow.yaml",
    "pod-spec-patch-wf-tmpl.yaml",
    "pod-spec-yaml-patch.yaml",
    "retry-backoff.yaml",
    "retry-container-to-completion.yaml",
    "skipped-output-defaults/expression-fallback.yaml",
    "loops-param-argument.yaml",
    "step-level-timeout.yaml",
    "suspend-template.yaml",
    "template-defaults.yaml",
    "cluster-workflow-template/workflow-template-ref-with-entrypoint-arg-passing.yaml",
    "workflow-template/workflow-template-ref-with-entrypoint-arg-passing.yaml",
]


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="../shared/argo/examples is absent")
@pytest.mark.parametrize("name", NO_PATCH)
def test_upstream_examples_convert_without_patch(name: str) -> None:
    """Examples that needed ``patch=`` before these typed forms existed."""
    path = EXAMPLES / name
    assert convert_text(path.read_text(encoding="utf-8"), name, format=False).report == []
