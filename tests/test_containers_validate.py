"""YAML checks of container sets, inline templates, daemons and pre-stop hooks (V150-V159)."""

from __future__ import annotations

from typing import Any

import pytest

from tiphys.validate import check_semantics

IMAGE = "argoproj/argosay:v2"


def workflow(*templates: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "test-"},
        "spec": {"entrypoint": templates[0]["name"], "templates": list(templates), **spec},
    }


def container_set(*containers: dict[str, Any], **template: Any) -> dict[str, Any]:
    return {"name": "main", "containerSet": {"containers": list(containers)}, **template}


def found(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(d.code, d.severity, d.path, d.message) for d in check_semantics(doc)]


CSET = "spec.templates[0].containerSet"


def test_valid_container_set_daemon_and_inline_have_no_findings() -> None:
    doc = workflow(
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {"name": "server", "template": "server"},
                    {
                        "name": "group",
                        "depends": "server",
                        "inline": {
                            "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/o"}}]},
                            "containerSet": {
                                "volumeMounts": [{"name": "w", "mountPath": "/w"}],
                                "containers": [
                                    {
                                        "name": "a",
                                        "image": IMAGE,
                                        "args": ["{{inputs.parameters.ip}}"],
                                    },
                                    {"name": "main", "image": IMAGE, "dependencies": ["a"]},
                                ],
                            },
                            "inputs": {"parameters": [{"name": "ip"}]},
                        },
                        "arguments": {
                            "parameters": [{"name": "ip", "value": "{{tasks.server.ip}}"}]
                        },
                    },
                ]
            },
        },
        {
            "name": "server",
            "daemon": True,
            "podSpecPatch": '{"terminationGracePeriodSeconds": 60}',
            "container": {
                "image": "nginx:1.27",
                "readinessProbe": {"httpGet": {"path": "/", "port": 80}},
                "lifecycle": {"preStop": {"sleep": {"seconds": 30}}},
            },
        },
        volumes=[{"name": "w", "emptyDir": {}}],
    )
    assert check_semantics(doc) == []


@pytest.mark.parametrize(
    ("template", "needs"),
    [
        (
            {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/p"}}]}},
            "output parameters",
        ),
        ({"outputs": {"artifacts": [{"name": "a", "path": "/a"}]}}, "output artifacts"),
        (
            {
                "inputs": {"artifacts": [{"name": "a", "path": "/a", "raw": {"data": "x"}}]},
                "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/p"}}]},
            },
            "output parameters and input artifacts",
        ),
    ],
)
def test_outputs_or_input_artifacts_need_main(template: dict[str, Any], needs: str) -> None:
    doc = workflow(container_set({"name": "a", "image": IMAGE}, **template))
    assert found(doc) == [
        (
            "V150",
            "error",
            f"{CSET}.containers",
            f"template 'main' has {needs}, which Argo reads from (or places in) the container "
            "named 'main' only, and none of its containers is named 'main': rename the container "
            "that produces them to 'main'",
        )
    ]


def test_input_parameters_need_no_main() -> None:
    doc = workflow(
        container_set(
            {"name": "a", "image": IMAGE, "args": ["{{inputs.parameters.x}}"]},
            inputs={"parameters": [{"name": "x", "value": "1"}]},
        )
    )
    assert check_semantics(doc) == []


def test_unknown_dependency_and_cycle() -> None:
    doc = workflow(
        container_set(
            {"name": "build", "image": IMAGE, "dependencies": ["test"]},
            {"name": "test", "image": IMAGE, "dependencies": ["build"]},
            {"name": "push", "image": IMAGE, "dependencies": ["biuld"]},
        )
    )
    assert found(doc) == [
        (
            "V151",
            "error",
            f"{CSET}.containers[2].dependencies[0]",
            "container 'push' depends on 'biuld', which is not a container of this "
            "containerSet. Did you mean 'build'?",
        ),
        (
            "V152",
            "error",
            f"{CSET}.containers[0].dependencies",
            "container dependency cycle build -> test -> build: these containers wait for each "
            "other forever; remove one of these dependencies",
        ),
    ]


def test_invalid_and_duplicate_container_names_and_mount_paths() -> None:
    doc = workflow(
        {
            "name": "main",
            "containerSet": {
                "volumeMounts": [
                    {"name": "a", "mountPath": "/data"},
                    {"name": "b", "mountPath": "/data"},
                ],
                "containers": [
                    {"name": "Build", "image": IMAGE},
                    {"name": "a", "image": IMAGE},
                    {"name": "a", "image": IMAGE},
                    {"name": "wait", "image": IMAGE},
                ],
            },
        },
        volumes=[{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}],
    )
    assert found(doc) == [
        (
            "V155",
            "error",
            f"{CSET}.containers[0].name",
            "invalid container name: 'Build' is not a valid container name: at most 63 "
            "lower-case letters, digits and '-', starting and ending with a letter or digit",
        ),
        (
            "V155",
            "error",
            f"{CSET}.containers[2].name",
            f"duplicate container name 'a' (also at {CSET}.containers[1]): container names must "
            "be unique in a containerSet; rename one",
        ),
        (
            "V155",
            "error",
            f"{CSET}.containers[3].name",
            "container name 'wait' is the name of Argo's own 'wait' container in the pod, and "
            "Kubernetes refuses two containers of one name: rename it",
        ),
        (
            "V156",
            "error",
            f"{CSET}.volumeMounts[1].mountPath",
            f"mountPath '/data' is mounted twice (also at {CSET}.volumeMounts[0]): mount each "
            "path once",
        ),
    ]


def test_inline_inside_inline() -> None:
    inner = {"container": {"image": IMAGE}}
    doc = workflow(
        {
            "name": "main",
            "steps": [
                [{"name": "outer", "inline": {"dag": {"tasks": [{"name": "x", "inline": inner}]}}}]
            ],
        }
    )
    assert found(doc) == [
        (
            "V153",
            "error",
            "spec.templates[0].steps[0][0].inline.dag.tasks[0].inline",
            "this inline template runs an inline template of its own, but Argo resolves inline "
            "templates one level deep only: move one of them to spec.templates and refer to it "
            "with 'template: <name>'",
        )
    ]


def test_inline_template_resolved_in_the_enclosing_templates_context() -> None:
    def call(name: str, inline: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "inline": {"container": {"image": IMAGE}, **inline}}

    doc = workflow(
        {
            "name": "main",
            "inputs": {"parameters": [{"name": "zone"}], "artifacts": [{"name": "data"}]},
            "steps": [
                [
                    call(
                        "p", {"container": {"image": IMAGE, "args": ["{{inputs.parameters.zone}}"]}}
                    ),
                    call(
                        "a",
                        {"container": {"image": IMAGE, "args": ["{{inputs.artifacts.data.path}}"]}},
                    ),
                    call(
                        "e", {"container": {"image": IMAGE, "args": ["{{=inputs.parameters.x}}"]}}
                    ),
                    call(
                        "ok", {"container": {"image": IMAGE, "args": ["{{inputs.parameters.x}}"]}}
                    ),
                ]
            ],
        },
        arguments={"parameters": [{"name": "zone", "value": "z"}]},
    )
    tail = (
        "so it would be resolved with the enclosing template's inputs instead of its own "
        "arguments: move it to spec.templates and refer to it with 'template: <name>', or "
        "rename its inputs"
    )
    head = "Argo substitutes an inline template's variables in the enclosing template first: "
    base = "spec.templates[0].steps[0]"
    assert [f for f in found(doc) if f[0] == "V159"] == [
        ("V159", "error", f"{base}[0].inline", head + "'{{inputs.parameters.zone}}' names input "
         "parameter 'zone', which the enclosing template has too, " + tail),
        ("V159", "error", f"{base}[1].inline", head + "'{{inputs.artifacts.data.path}}' names "
         "input artifact 'data', which the enclosing template has too, " + tail),
        ("V159", "error", f"{base}[2].inline", head + "the expression "
         "'{{=inputs.parameters.x}}' reads inputs, and the enclosing template has inputs, " + tail),
    ]  # fmt: skip


def test_ip_of_nodes_that_are_not_daemons() -> None:
    doc = workflow(
        {
            "name": "main",
            "steps": [
                [
                    {"name": "leaf", "template": "leaf"},
                    {"name": "anon", "inline": {"container": {"image": IMAGE}}},
                ],
                [
                    {
                        "name": "use",
                        "template": "echo",
                        "arguments": {
                            "parameters": [
                                {"name": "x", "value": "{{steps.leaf.ip}} {{steps.anon.ip}}"}
                            ]
                        },
                    }
                ],
            ],
        },
        {"name": "leaf", "container": {"image": IMAGE}},
        {"name": "echo", "inputs": {"parameters": [{"name": "x"}]}, "container": {"image": IMAGE}},
    )
    path = "spec.templates[0].steps[1][0].arguments.parameters[0].value"
    assert found(doc) == [
        (
            "V154",
            "warning",
            path,
            "'{{steps.leaf.ip}}' is the IP of 'leaf', but template 'leaf' is not a daemon, so its "
            "pod has ended (and its IP may belong to another pod) when this runs: add "
            "'daemon: true' to the template",
        ),
        (
            "V154",
            "warning",
            path,
            "'{{steps.anon.ip}}' is the IP of 'anon', but its inline template is not a daemon, so "
            "its pod has ended (and its IP may belong to another pod) when this runs: add "
            "'daemon: true' to the template",
        ),
    ]


def test_ip_of_a_looped_daemon() -> None:
    doc = workflow(
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {"name": "svc", "template": "server", "withItems": [1, 2]},
                    {
                        "name": "use",
                        "template": "echo",
                        "depends": "svc",
                        "arguments": {"parameters": [{"name": "x", "value": "{{tasks.svc.ip}}"}]},
                    },
                ]
            },
        },
        {"name": "server", "daemon": True, "container": {"image": IMAGE}},
        {"name": "echo", "inputs": {"parameters": [{"name": "x"}]}, "container": {"image": IMAGE}},
    )
    assert found(doc) == [
        (
            "V154",
            "error",
            "spec.templates[0].dag.tasks[1].arguments.parameters[0].value",
            "'{{tasks.svc.ip}}' is the IP of 'svc', but 'svc' is a loop (withItems): its node "
            "runs no pod and Argo sets no IP for it, so the tag stays unresolved: start each "
            "daemon as its own task or step and use its IP",
        )
    ]


def test_ip_of_a_daemon_by_template_defaults_is_fine() -> None:
    doc = workflow(
        {
            "name": "main",
            "dag": {
                "tasks": [
                    {"name": "s", "template": "server"},
                    {
                        "name": "c",
                        "template": "echo",
                        "depends": "s",
                        "arguments": {"parameters": [{"name": "x", "value": "{{tasks.s.ip}}"}]},
                    },
                ]
            },
        },
        {"name": "server", "container": {"image": IMAGE}},
        {"name": "echo", "inputs": {"parameters": [{"name": "x"}]}, "container": {"image": IMAGE}},
        templateDefaults={"daemon": True},
    )
    assert check_semantics(doc) == []


@pytest.mark.parametrize(
    ("patch", "limit", "source"),
    [
        (None, 30, "Kubernetes' default; set terminationGracePeriodSeconds in podSpecPatch"),
        ("terminationGracePeriodSeconds: 20", 20, "terminationGracePeriodSeconds in podSpecPatch"),
    ],
)
def test_pre_stop_sleep_longer_than_the_grace_period(
    patch: str | None, limit: int, source: str
) -> None:
    template: dict[str, Any] = container_set(
        {"name": "main", "image": IMAGE, "lifecycle": {"preStop": {"sleep": {"seconds": 30}}}}
    )
    if patch:
        template["podSpecPatch"] = patch
    assert found(workflow(template)) == [
        (
            "V157",
            "warning",
            f"{CSET}.containers[0].lifecycle.preStop.sleep.seconds",
            f"the pre-stop hook sleeps 30 s, but the pod's termination grace period is {limit} s "
            f"({source}), and Kubernetes kills the container when it ends, so the process never "
            "gets SIGTERM: sleep less or give the pod a longer grace period",
        )
    ]


def test_readiness_probe_of_a_template_that_is_not_a_daemon() -> None:
    doc = workflow(
        {
            "name": "main",
            "script": {
                "image": IMAGE,
                "source": "x",
                "readinessProbe": {"tcpSocket": {"port": 80}},
            },
        }
    )
    assert found(doc) == [
        (
            "V158",
            "warning",
            "spec.templates[0].script.readinessProbe",
            "template 'main' has a readiness probe but is not a daemon, and Argo waits for "
            "readiness only for daemons: add 'daemon: true' or remove the probe",
        )
    ]


def test_cron_workflow_spec_is_checked() -> None:
    doc = workflow(container_set({"name": "a", "image": IMAGE, "dependencies": ["b"]}))
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "nightly"},
        "spec": {"schedules": ["0 1 * * *"], "workflowSpec": doc["spec"]},
    }
    assert [(d.code, d.path) for d in check_semantics(cron)] == [
        ("V151", "spec.workflowSpec.templates[0].containerSet.containers[0].dependencies[0]")
    ]
