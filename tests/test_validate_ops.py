"""Hooks, metrics, executor tokens and exit variables in YAML (V180-V187): messages and paths."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from tiphys.argo.lifecycle import exit_variables
from tiphys.validate import check_semantics, validate_document

HEAD = """\
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: ops
spec:
"""


def lint(spec: str, kind: str = "Workflow") -> list[tuple[str, str, str, str]]:
    """``(code, severity, path, message)`` of every finding in a manifest with this spec."""
    text = HEAD.format(kind=kind) + textwrap.indent(textwrap.dedent(spec), "  ")
    return [(d.code, d.severity, d.path, d.message) for d in check_semantics(yaml.safe_load(text))]


# --- hooks (V180) ----------------------------------------------------------------------------


def test_exit_hook_with_an_expression() -> None:
    spec = """\
    entrypoint: main
    hooks:
      exit: {template: main, expression: workflow.status == 'Failed'}
    templates:
    - name: main
      steps:
      - - name: a
          template: leaf
          hooks: {exit: {template: leaf, expression: steps.a.status == 'Failed'}}
    - {name: leaf, container: {image: alpine}}
    """
    message = (
        "the exit hook runs whenever its node ends and Argo ignores its expression: remove "
        "the expression, or rename the hook (e.g. 'failed') to run it only when the expression "
        "holds"
    )
    assert lint(spec) == [
        ("V180", "error", "spec.hooks.exit.expression", message),
        ("V180", "error", "spec.templates[0].steps[0][0].hooks.exit.expression", message),
    ]


def test_hook_expression_reading_its_own_tasks_values() -> None:
    spec = """\
    entrypoint: main
    templates:
    - name: main
      dag:
        tasks:
        - name: a
          template: leaf
        - name: b-1
          template: leaf
          depends: a
          hooks:
            big: {template: leaf, expression: "tasks['b-1'].outputs.result > 2"}
            fine:
              template: leaf
              expression: "tasks['b-1'].status == 'Running' && tasks.a.outputs.result == 'x'"
    - name: s
      steps:
      - - name: c
          template: leaf
          hooks: {slow: {template: leaf, expression: steps.c.exitCode != '0'}}
    - {name: leaf, container: {image: alpine}}
    """

    def message(hook: str, name: str, read: str, prefix: str) -> str:
        return (
            f"hook '{hook}' of '{name}' reads '{read}', a value of its own task, but Argo "
            "evaluates a hook expression over the task's .status and the values of the tasks "
            "it depends on only, so the hook errors at run time: test "
            f"{prefix}.{name}.status or a dependency's value, or pass the value to the hook "
            "template as an argument"
        )

    assert lint(spec) == [
        ("V187", "error", "spec.templates[0].dag.tasks[1].hooks.big.expression",
         message("big", "b-1", "tasks['b-1'].outputs", "tasks")),
        ("V187", "error", "spec.templates[1].steps[0][0].hooks.slow.expression",
         message("slow", "c", "steps.c.exitCode", "steps")),
    ]  # fmt: skip


def test_upstream_hook_shapes_are_fine() -> None:
    spec = """\
    entrypoint: main
    hooks:
      exit: {template: leaf}
      running: {expression: workflow.status == "Running", template: leaf}
    templates:
    - name: main
      dag:
        tasks:
        - name: a
          template: leaf
          hooks:
            running: {expression: tasks.a.status == "Running", template: leaf}
            exit: {template: leaf}
    - {name: leaf, container: {image: alpine}}
    """
    assert lint(spec) == []


# --- metrics (V181-V183) ---------------------------------------------------------------------


def test_metric_names_and_label_keys() -> None:
    spec = """\
    entrypoint: leaf
    metrics:
      prometheus:
      - {name: wf-duration, help: h, gauge: {value: "{{workflow.duration}}", realtime: false}}
    templates:
    - name: leaf
      container: {image: alpine}
      metrics:
        prometheus:
        - name: "a:b"
          help: h
          labels: [{key: task-name, value: x}, {key: "9", value: y}]
          counter: {value: "1"}
    """
    rule = "may contain only letters, digits and '_' and must not start with a digit"
    assert lint(spec) == [
        (
            "V181",
            "error",
            "spec.metrics.prometheus[0].name",
            f"invalid metric name: 'wf-duration' {rule} (Prometheus' rule, without ':'). Did "
            "you mean 'wf_duration'?",
        ),
        (
            "V181",
            "error",
            "spec.templates[0].metrics.prometheus[0].name",
            f"invalid metric name: 'a:b' {rule} (Prometheus' rule, without ':'). Did you mean "
            "'a_b'?",
        ),
        (
            "V181",
            "error",
            "spec.templates[0].metrics.prometheus[0].labels[0].key",
            f"invalid metric label key: 'task-name' {rule} (Prometheus' rule, without ':'). Did "
            "you mean 'task_name'?",
        ),
        (
            "V181",
            "error",
            "spec.templates[0].metrics.prometheus[0].labels[1].key",
            f"invalid metric label key: '9' {rule} (Prometheus' rule, without ':'). Did you mean "
            "'_9'?",
        ),
    ]


def test_metrics_argo_cannot_emit() -> None:
    spec = """\
    entrypoint: leaf
    templates:
    - name: leaf
      container: {image: alpine}
      metrics:
        prometheus:
        - {name: a, help: " ", counter: {value: "1"}}
        - {name: b, help: h}
        - {name: c, help: h, counter: {value: "1"}, gauge: {value: "1", realtime: false}}
        - {name: d, help: h, counter: {value: ""}}
        - {name: e, help: h, gauge: {value: "1", realtime: false, operation: add}}
        - {name: f, help: h, gauge: {value: "{{resourcesDuration.cpu}}", realtime: true}}
        - {name: g, help: h, histogram: {value: "1", buckets: [5, 1]}}
        - {name: i, help: h, gauge: {value: "{{workflow.duration}}", realtime: true}}
        - {name: j, help: h, gauge: {value: "{{duration}}", realtime: true}}
      memoize: {key: "a_{{workflow.name}}", maxAge: 1h, cache: {configMap: {name: c}}}
    metrics:
      prometheus:
      - {name: k, help: h, gauge: {value: "{{duration}}", realtime: true}}
      - {name: l, help: h, gauge: {value: "{{workflow.duration}}", realtime: true}}
    """
    base = "spec.templates[0].metrics.prometheus"
    assert lint(spec) == [
        ("V182", "error", f"{base}[0]", "metric 'a' has an empty help text, which Argo refuses: "
         "describe it"),
        ("V182", "error", f"{base}[1]", "metric 'b' has no type: give exactly one of counter, "
         "gauge, histogram"),
        ("V182", "error", f"{base}[2]", "metric 'c' has 2 types (counter, gauge): give exactly "
         "one of counter, gauge, histogram"),
        ("V182", "error", f"{base}[3].counter.value", "metric 'd' has an empty counter.value: "
         "give a number or a tag such as '{{duration}}'"),
        ("V182", "error", f"{base}[4].gauge.operation", "gauge operation 'add' of metric 'e' is "
         "unknown. Did you mean 'Add'?"),
        ("V182", "error", f"{base}[6].histogram.buckets", "metric 'g': histogram buckets must "
         "increase, but 1 follows 5"),
        ("V186", "error", "spec.templates[0].memoize.key", "memoize key "
         "'a_{{workflow.name}}' contains '_', but Argo accepts only letters, digits and '-' "
         "in a cache key (and the values of its {{...}} tags must fit too)"),
        ("V182", "error", "spec.metrics.prometheus[0].gauge.value", "metric 'k': a real-time "
         "gauge of a workflow takes exactly '{{workflow.duration}}' as its value (the only value "
         "Argo can read while the workflow runs), not '{{duration}}': use it, or make the gauge "
         "not real-time"),
        ("V182", "error", f"{base}[5].gauge.value", "metric 'f': a real-time gauge of a template "
         "takes exactly '{{duration}}' as its value (the only value Argo can read while the node "
         "runs), not '{{resourcesDuration.cpu}}': use it, or make the gauge not real-time"),
        ("V182", "error", f"{base}[7].gauge.value", "metric 'i': a real-time gauge of a template "
         "takes exactly '{{duration}}' as its value (the only value Argo can read while the node "
         "runs), not '{{workflow.duration}}': use it, or make the gauge not real-time"),
    ]  # fmt: skip


def test_metrics_of_one_name_must_agree() -> None:
    spec = """\
    entrypoint: leaf
    metrics:
      prometheus:
      - {name: runs, help: Runs, counter: {value: "1"}}
    templates:
    - name: leaf
      container: {image: alpine}
      metrics:
        prometheus:
        - {name: runs, help: Runs, counter: {value: "1"}}
        - {name: runs, help: Other, counter: {value: "1"}}
    - name: other
      container: {image: alpine}
      metrics:
        prometheus:
        - {name: runs, help: Runs, gauge: {value: "1", realtime: false}}
    """
    tail = (
        "; Argo keeps one instrument per metric name and refuses this one: use the same help "
        "text and type, or another name"
    )
    assert lint(spec) == [
        (
            "V183",
            "error",
            "spec.templates[0].metrics.prometheus[1]",
            "metric 'runs' has another help text here than in the workflow's metrics" + tail,
        ),
        (
            "V183",
            "error",
            "spec.templates[1].metrics.prometheus[0]",
            "metric 'runs' is a gauge here but a counter in the workflow's metrics" + tail,
        ),
    ]


# --- executor token (V184) -------------------------------------------------------------------

TOKEN = (
    "template 'leaf' runs with automountServiceAccountToken: false, so the executor has no "
    "token for the Kubernetes API and Argo refuses to create its pod: set "
    "executor.serviceAccountName (on the template or the workflow) to a service account the "
    "executor may use"
)


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        ("templates: [{name: leaf, container: {image: a}, automountServiceAccountToken: false}]",
         True),
        ("automountServiceAccountToken: false\ntemplates: [{name: leaf, container: {image: a}}]",
         True),
        ("templateDefaults: {automountServiceAccountToken: false}\n"
         "templates: [{name: leaf, container: {image: a}}]", True),
        ("automountServiceAccountToken: false\nexecutor: {serviceAccountName: x}\n"
         "templates: [{name: leaf, container: {image: a}}]", False),
        ("automountServiceAccountToken: false\n"
         "templates: [{name: leaf, container: {image: a}, executor: {serviceAccountName: x}}]",
         False),
        ("automountServiceAccountToken: false\n"
         "templates: [{name: leaf, container: {image: a}, automountServiceAccountToken: true}]",
         False),
        ("automountServiceAccountToken: false\n"
         "templates: [{name: leaf, suspend: {}}]", False),
    ],
)  # fmt: skip
def test_token_needs_an_executor_service_account(spec: str, found: bool) -> None:
    expected = [("V184", "error", "spec.templates[0]", TOKEN)] if found else []
    assert lint("entrypoint: leaf\n" + spec) == expected


# --- exit variables (V185) -------------------------------------------------------------------

EXIT_SPEC = """\
entrypoint: main
onExit: report
templates:
- name: main
  dag:
    tasks:
    - name: a
      template: leaf
      hooks:
        exit: {template: cleanup}
        running: {template: leaf, expression: "workflow.status == 'Running'"}
- {name: leaf, container: {image: alpine, args: ["{{workflow.name}}"]}}
- {name: cleanup, container: {image: alpine, args: ["{{=workflow.failures}}"]}}
- name: report
  steps:
  - - {name: tell, template: tell}
- {name: tell, container: {image: alpine, args: ["{{workflow.status}} {{workflow.failures}}"]}}
"""


def test_exit_variables_outside_exit_handlers() -> None:
    assert lint(EXIT_SPEC) == [
        (
            "V185",
            "warning",
            "spec.templates[0].dag.tasks[0].hooks.running.expression",
            "template 'main' uses workflow.status, but it runs from the entrypoint: main. There "
            "it is the phase of the running workflow at best, never its outcome, which only the "
            "exit handler (onExit, hooks.exit) and workflow-level hooks see: for a task's outcome "
            "pass {{tasks.<name>.status}}",
        ),
        (
            "V185",
            "error",
            "spec.templates[2].container.args[0]",
            "template 'cleanup' uses workflow.failures, which Argo sets only for the workflow's "
            "exit handler (onExit, hooks.exit) and workflow-level hooks, but it also runs from "
            "the entrypoint: main -> cleanup (exit hook of task 'a'). Argo refuses it there: "
            "move the use to a template run by the exit handler",
        ),
    ]


def test_exit_variables_in_exit_handlers_and_workflow_hooks_are_fine() -> None:
    spec = EXIT_SPEC.replace("hooks:\n        exit: {template: cleanup}", "hooks:\n        x: {}")
    spec = spec.replace(
        "running: {template: leaf, expression: \"workflow.status == 'Running'\"}",
        "running: {template: leaf, expression: tasks.a.status == 'Running'}",
    )
    spec += "hooks:\n  running: {template: cleanup, expression: workflow.status == 'Running'}\n"
    assert [f for f in lint(spec) if f[0] == "V185"] == []


@pytest.mark.parametrize(
    ("text", "expression", "found"),
    [
        ("{{workflow.status}} and {{workflow.failures}}", False, ["workflow.status",
                                                                  "workflow.failures"]),
        ("{{ workflow.status }}", False, []),
        ("{{=workflow.status == 'Failed'}}", False, ["workflow.status"]),
        ("{{=workflow['failures']}}", False, ["workflow.failures"]),
        ("workflow.status == 'Running'", False, []),
        ("workflow.status == 'Running'", True, ["workflow.status"]),
        ("myworkflow.status == 'x' || tasks.workflow.status", True, []),
        ("{{workflow.statusx}}", False, []),
    ],
)  # fmt: skip
def test_exit_variable_scanner(text: str, expression: bool, found: list[str]) -> None:
    assert exit_variables(text, expression=expression) == found


def test_known_exit_variables_in_the_exit_handler() -> None:
    doc = yaml.safe_load(HEAD.format(kind="Workflow") + textwrap.indent(EXIT_SPEC, "  "))
    paths = [d.path for d in validate_document(doc) if d.code in ("V127", "V128")]
    assert paths == []
