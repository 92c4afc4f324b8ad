"""Locks, memoize, metrics and pod/workflow fields: emitted shapes and messages, exactly."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from expect import error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    Counter,
    DNSConfig,
    Gauge,
    Histogram,
    HostAlias,
    Memoize,
    Mutex,
    Output,
    PodMetadata,
    ResourceClaim,
    Resources,
    Semaphore,
    Workflow,
    WorkflowMetadata,
    WorkflowTemplate,
    container,
    dag,
)
from tiphys.errors import errors_only

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def line_of_code(make: Any) -> str:
    """``file:line`` of the line a lambda is written on."""
    return f"{os.path.relpath(make.__code__.co_filename)}:{make.__code__.co_firstlineno}"


def checked(wf: Workflow | WorkflowTemplate) -> dict[str, Any]:
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(wf.validate()) == []
    return manifest


@container(
    image="alpine:3.20",
    outputs=[Output("digest", path="/tmp/digest")],
    synchronization=[
        Mutex("deploy-{{inputs.parameters.env}}"),
        Mutex("db", namespace="shared", database=True),
        Semaphore(config_map="locks", key="builds"),
        Semaphore(database_key="gpu", namespace="ml"),
    ],
    memoize=Memoize("build-{{inputs.parameters.env}}", "build-cache", "1d"),
    metrics=[
        Counter("builds_total", "Builds by result", labels={"status": "{{status}}"}),
        Gauge("build_seconds", "Build time", "{{duration}}", realtime=True),
        Histogram("build_duration", "Build durations", "{{duration}}", buckets=[10, 60, 300.5]),
        Gauge("queue", "Queue length", 1, operation="Add", when="{{status}} == Succeeded"),
    ],
    host_aliases=[
        HostAlias("10.0.0.5", ["registry.local"]),
        {"ip": "10.0.0.6", "hostnames": ["x"]},
    ],
    automount_service_account_token=False,
    executor="argo-executor",
    pod_resources=Resources(cpu="2", memory="4Gi"),
    resource_claims=[ResourceClaim("gpu", template="one-gpu")],
)
def build(env: str) -> list[str]:
    return ["build", env]


def test_template_fields() -> None:
    @dag
    def main() -> None:
        build(env="prod")

    template = checked(Workflow(entrypoint=main))["spec"]["templates"][1]
    for key in ("name", "inputs", "outputs", "container"):
        template.pop(key)
    assert template == {
        "synchronization": {
            "mutexes": [
                {"name": "deploy-{{inputs.parameters.env}}"},
                {"name": "db", "namespace": "shared", "database": True},
            ],
            "semaphores": [
                {"configMapKeyRef": {"name": "locks", "key": "builds"}},
                {"database": {"key": "gpu"}, "namespace": "ml"},
            ],
        },
        "memoize": {
            "key": "build-{{inputs.parameters.env}}",
            "maxAge": "24h",
            "cache": {"configMap": {"name": "build-cache"}},
        },
        "metrics": {
            "prometheus": [
                {
                    "name": "builds_total",
                    "help": "Builds by result",
                    "labels": [{"key": "status", "value": "{{status}}"}],
                    "counter": {"value": "1"},
                },
                {
                    "name": "build_seconds",
                    "help": "Build time",
                    "gauge": {"value": "{{duration}}", "realtime": True},
                },
                {
                    "name": "build_duration",
                    "help": "Build durations",
                    "histogram": {"value": "{{duration}}", "buckets": [10, 60, 300.5]},
                },
                {
                    "name": "queue",
                    "help": "Queue length",
                    "when": "{{status}} == Succeeded",
                    "gauge": {"value": "1", "realtime": False, "operation": "Add"},
                },
            ]
        },
        "hostAliases": [
            {"ip": "10.0.0.5", "hostnames": ["registry.local"]},
            {"ip": "10.0.0.6", "hostnames": ["x"]},
        ],
        "automountServiceAccountToken": False,
        "executor": {"serviceAccountName": "argo-executor"},
        "podResources": {"limits": {"memory": "4Gi"}, "requests": {"cpu": "2", "memory": "4Gi"}},
        "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "one-gpu"}],
    }


def test_workflow_fields() -> None:
    @container(image="alpine:3.20")
    def hello() -> list[str]:
        return ["echo", "hello"]

    wf = WorkflowTemplate(
        "fields",
        entrypoint=hello,
        synchronization=[Mutex("fields")],
        metrics=[Counter("runs_total", "Runs", labels={"status": "{{workflow.status}}"})],
        volume_claim_gc="OnWorkflowCompletion",
        pod_metadata=PodMetadata(labels={"team": "ci"}, annotations={"a.io/b": "c"}),
        workflow_metadata=WorkflowMetadata(
            labels={"kind": "fields"}, labels_from={"env": "workflow.parameters.env"}
        ),
        executor="argo-executor",
        automount_service_account_token=False,
        host_network=True,
        host_aliases=[HostAlias("10.0.0.5", ["a", "b"])],
        dns_policy="ClusterFirstWithHostNet",
        dns_config=DNSConfig(
            nameservers=["1.1.1.1"], searches=["x.local"], options={"ndots": "2", "edns0": None}
        ),
        image_pull_secrets=["regcred", {"name": "other"}],
        suspend=True,
        shutdown="Stop",
        pod_resources={"requests": {"cpu": "1"}},
        resource_claims=[ResourceClaim("gpu", claim="shared-gpu")],
        executor_plugins=[
            {
                "metadata": {"name": "p"},
                "spec": {"sidecar": {"container": {"name": "p", "image": "p:1"}}},
            }
        ],
        pod_spec_patch={"containers": [{"name": "main", "resources": {"limits": {"cpu": "1"}}}]},
    )
    spec = checked(wf)["spec"]
    spec.pop("templates")
    assert spec == {
        "entrypoint": "hello",
        "podMetadata": {"labels": {"team": "ci"}, "annotations": {"a.io/b": "c"}},
        "synchronization": {"mutexes": [{"name": "fields"}]},
        "metrics": {
            "prometheus": [
                {
                    "name": "runs_total",
                    "help": "Runs",
                    "labels": [{"key": "status", "value": "{{workflow.status}}"}],
                    "counter": {"value": "1"},
                }
            ]
        },
        "hostAliases": [{"ip": "10.0.0.5", "hostnames": ["a", "b"]}],
        "automountServiceAccountToken": False,
        "executor": {"serviceAccountName": "argo-executor"},
        "podResources": {"requests": {"cpu": "1"}},
        "resourceClaims": [{"name": "gpu", "resourceClaimName": "shared-gpu"}],
        "hostNetwork": True,
        "dnsPolicy": "ClusterFirstWithHostNet",
        "dnsConfig": {
            "nameservers": ["1.1.1.1"],
            "searches": ["x.local"],
            "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}],
        },
        "imagePullSecrets": [{"name": "regcred"}, {"name": "other"}],
        "volumeClaimGC": {"strategy": "OnWorkflowCompletion"},
        "workflowMetadata": {
            "labels": {"kind": "fields"},
            "labelsFrom": {"env": {"expression": "workflow.parameters.env"}},
        },
        "executorPlugins": [
            {
                "metadata": {"name": "p"},
                "spec": {"sidecar": {"container": {"name": "p", "image": "p:1"}}},
            }
        ],
        "podSpecPatch": '{"containers": [{"name": "main", "resources": {"limits": {"cpu": "1"}}}]}',
        "suspend": True,
        "shutdown": "Stop",
    }


def test_workflow_pod_spec_patch_text_is_written_as_it_is() -> None:
    @container(image="alpine:3.20")
    def hello() -> list[str]:
        return ["echo", "hello"]

    text = "containers:\n  - name: main\n    resources: {limits: {memory: 1Gi}}\n"
    spec = checked(Workflow("p", entrypoint=hello, pod_spec_patch=text))["spec"]
    assert spec["podSpecPatch"] == text


def test_template_defaults_take_the_new_options() -> None:
    @container(image="alpine:3.20")
    def hello() -> list[str]:
        return ["echo"]

    wf = Workflow(
        entrypoint=hello,
        template_defaults={"synchronization": [Mutex("all")], "executor": "exec"},
    )
    assert checked(wf)["spec"]["templateDefaults"] == {
        "synchronization": {"mutexes": [{"name": "all"}]},
        "executor": {"serviceAccountName": "exec"},
    }


def test_workflow_executor_serves_templates_without_token() -> None:
    @container(image="alpine:3.20", automount_service_account_token=False)
    def quiet() -> list[str]:
        return ["true"]

    assert checked(Workflow(entrypoint=quiet, executor="exec"))["spec"]["executor"] == {
        "serviceAccountName": "exec"
    }


def test_yaml_of_a_memoized_template() -> None:
    @container(image="busybox", memoize=Memoize("cache-key", "cache-config", 10))
    def world() -> list[str]:
        return ["echo", "world"]

    text = Workflow(entrypoint=world).to_yaml()
    assert text == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: world-
        spec:
          entrypoint: world
          templates:
          - name: world
            container:
              image: busybox
              args:
              - echo
              - world
            memoize:
              key: cache-key
              maxAge: 10s
              cache:
                configMap:
                  name: cache-config
        """
    )


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Mutex(""), "Mutex name must be a non-empty string, not ''"),
        (
            lambda: Semaphore(),
            "a Semaphore reads its limit from a ConfigMap or from the database: give "
            "config_map= and key=, or database_key=, not neither",
        ),
        (
            lambda: Semaphore(config_map="a", key="b", database_key="c"),
            "a Semaphore reads its limit from a ConfigMap or from the database: give "
            "config_map= and key=, or database_key=, not both",
        ),
        (lambda: Semaphore(config_map="a"), "Semaphore key must be a non-empty string, not None"),
    ],
)
def test_lock_errors(make: Any, message: str) -> None:
    assert error_of(make) == f"{line_of_code(make)}: {message} [C155]"


def test_a_lock_listed_twice() -> None:
    lock = Mutex("a")

    def decorate() -> None:
        @container(image="alpine", synchronization=[lock, Mutex("a")])  # C155-twice
        def twice() -> list[str]:
            return []

    assert error_of(decorate) == (
        f"{line_of('C155-twice')}: Mutex(name='a', namespace=None, database=False) is listed "
        "twice in synchronization= [C155]"
    )


def test_memoize_max_age_is_a_duration() -> None:
    assert error_of(lambda: Memoize("k", "c", "1 week")) == (  # C156-age
        f"{line_of('C156-age')}: Memoize max_age: '1 week' is not a duration; write seconds (30) "
        "or a string like '30s', '5m', '2h', '1d', '1h30m' [C156]"
    )


def test_memoize_key_text_fits_argo_cache_keys() -> None:
    make = lambda: Memoize("build_{{inputs.parameters.commit}}.v2", "c", "1h")  # noqa: E731  # C156-key
    assert error_of(make) == (
        f"{line_of('C156-key')}: Memoize key 'build_{{{{inputs.parameters.commit}}}}.v2' "
        "contains '.', '_', but Argo accepts only letters, digits and '-' in a cache key (and "
        "the values of its {{...}} tags must fit too) [C156]"
    )
    assert Memoize("build-{{inputs.parameters.commit}}-v2", "c", "1h").key


def test_realtime_gauge_value_fits_its_level() -> None:
    @container(  # C157-level
        image="alpine", metrics=[Gauge("g", "h", "{{workflow.duration}}", realtime=True)]
    )
    def timed() -> None: ...

    assert error_of(lambda: Workflow(entrypoint=timed).to_dict()) == (
        f"{line_of('C157-level')}: template 'timed': metric 'g': a real-time gauge of a template "
        "takes exactly '{{duration}}' as its value (the only value Argo can read while the node "
        "runs), not '{{workflow.duration}}': use it, or make the gauge not real-time [C157]"
    )


def test_memoize_key_names_an_input() -> None:
    @container(image="alpine", memoize=Memoize("{{inputs.parameters.tga}}", "c", "1h"))  # C156
    def tagged(tag: str) -> list[str]:
        return [tag]

    assert error_of(lambda: Workflow(entrypoint=tagged).to_dict()) == (
        f"{line_of('C156')}: the memoize key of template 'tagged' uses "
        "{{inputs.parameters.tga}}, but the template has no input 'tga' (inputs: tag). Did you "
        "mean 'tag'? [C156]"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Counter("build-time", "h"),
            "metric name 'build-time' may contain only letters, digits and '_' and must not "
            "start with a digit (Prometheus' rule, without ':'). Did you mean 'build_time'?",
        ),
        (
            lambda: Counter("a:b", "h"),
            "metric name 'a:b' may contain only letters, digits and '_' and must not start with "
            "a digit (Prometheus' rule, without ':'). Did you mean 'a_b'?",
        ),
        (
            lambda: Counter("ok", " "),
            "Counter 'ok' needs a help text (help=...): Argo refuses a metric without one",
        ),
        (
            lambda: Counter("ok", "h", labels={"task-name": "x"}),
            "label key of Counter 'ok' 'task-name' may contain only letters, digits and '_' and "
            "must not start with a digit (Prometheus' rule, without ':'). Did you mean "
            "'task_name'?",
        ),
        (
            lambda: Gauge("ok", "h"),
            "value of Gauge 'ok' is empty: give a number or a tag such as '{{duration}}'",
        ),
        (
            lambda: Gauge("ok", "h", "1", operation="add"),  # type: ignore[arg-type]
            "gauge operation 'add' is not one of Set, Add, Sub. Did you mean 'Add'?",
        ),
        (
            lambda: Gauge("ok", "h", "{{resourcesDuration.cpu}}", realtime=True),
            "Gauge 'ok': a real-time gauge takes exactly '{{duration}}' (on a template) or "
            "'{{workflow.duration}}' (on a workflow) as its value (the only values Argo can read "
            "while it runs), not '{{resourcesDuration.cpu}}': use one, or make the gauge not "
            "real-time (realtime=False)",
        ),
        (
            lambda: Histogram("ok", "h", "1", buckets=[]),
            "Histogram 'ok': a histogram needs at least one bucket boundary",
        ),
        (
            lambda: Histogram("ok", "h", "1", buckets=[1, 5, 5]),
            "Histogram 'ok': histogram buckets must increase, but 5 follows 5",
        ),
    ],
)
def test_metric_errors(make: Any, message: str) -> None:
    assert error_of(make) == f"{line_of_code(make)}: {message} [C157]"


def test_metrics_of_one_name_must_agree() -> None:
    @container(image="alpine", metrics=[Gauge("runs", "Runs", "1")])  # C157-conflict
    def other() -> list[str]:
        return []

    wf = Workflow(entrypoint=other, metrics=[Counter("runs", "Runs")])
    assert error_of(wf.to_dict) == (
        f"{line_of('C157-conflict')}: metric 'runs' is a gauge here but a counter in the "
        "workflow's metrics; Argo keeps one instrument per metric name and refuses this one: "
        "use the same help text and type, or another name [C157]"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"volume_claim_gc": "OnCompletion"},
            "volume_claim_gc 'OnCompletion' is not one of OnWorkflowCompletion, "
            "OnWorkflowSuccess. Did you mean 'OnWorkflowCompletion'?",
        ),
        (
            {"dns_policy": "clusterfirst"},
            "dns_policy 'clusterfirst' is not one of ClusterFirst, ClusterFirstWithHostNet, "
            "Default, None. Did you mean 'ClusterFirst'?",
        ),
        ({"shutdown": "Kill"}, "shutdown 'Kill' is not one of Stop, Terminate."),
        ({"host_network": "yes"}, "host_network= is True or False, not 'yes'"),
        (
            {"pod_spec_patch": ""},
            "pod_spec_patch= takes a dict (written as JSON) or YAML/JSON text, not ''",
        ),
        ({"executor": ""}, "executor= is the executor's service account name, not ''"),
        ({"image_pull_secrets": "regcred"}, "image_pull_secrets= takes a list, not 'regcred'"),
    ],
)
def test_workflow_field_errors(options: dict[str, Any], message: str) -> None:
    @container(image="alpine")
    def hello() -> list[str]:
        return []

    made = error_of(lambda: Workflow(entrypoint=hello, **options))  # field-errors
    assert made == f"{line_of('field-errors')}: {message} [C158]"


def test_unknown_workflow_option() -> None:
    @container(image="alpine")
    def hello() -> list[str]:
        return []

    made = error_of(lambda: Workflow(entrypoint=hello, hostnetwork=True))  # type: ignore[call-arg]  # C117
    assert made == (
        f"{line_of('C117')}: workflow has no option 'hostnetwork'. Did you mean "
        "'host_network'? [C117]"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: PodMetadata(labels={"team": "data platform"}),
            "PodMetadata label 'team': label value 'data platform' must be empty or at most 63 "
            "characters: letters, digits, '-', '_' and '.', starting and ending with a letter or "
            "digit",
        ),
        (
            lambda: HostAlias("10.0.0.1", []),
            "HostAlias '10.0.0.1' needs a list of hostnames (hostnames=['db.local'])",
        ),
        (
            lambda: ResourceClaim("gpu"),
            "ResourceClaim 'gpu' needs exactly one of claim= (an existing ResourceClaim) and "
            "template= (a ResourceClaimTemplate)",
        ),
        (
            lambda: WorkflowMetadata(labels_from={"env": ""}),
            "WorkflowMetadata labels_from['env'] must be an expr-lang expression such as "
            "'workflow.parameters.env', not ''",
        ),
    ],
)
def test_pod_setting_errors(make: Any, message: str) -> None:
    assert error_of(make) == f"{line_of_code(make)}: {message} [C158]"


def test_token_without_executor() -> None:
    @container(image="alpine", automount_service_account_token=False)  # C159
    def quiet() -> list[str]:
        return []

    assert error_of(Workflow(entrypoint=quiet).to_dict) == (
        f"{line_of('C159')}: template 'quiet' runs with automount_service_account_token=False, "
        "so the executor has no token for the Kubernetes API and Argo refuses to create its pod: "
        "pass executor='<service account>' (to the template or the workflow), or drop "
        "automount_service_account_token=False [C159]"
    )


def test_workflow_level_token_applies_to_templates() -> None:
    @container(image="alpine")  # C159-wf
    def plain() -> list[str]:
        return []

    wf = Workflow(entrypoint=plain, automount_service_account_token=False)
    assert error_of(wf.to_dict).startswith(f"{line_of('C159-wf')}: template 'plain' runs with")
