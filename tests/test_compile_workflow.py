"""Whole-manifest comparisons for workflow-level behaviour of the compiler."""

from __future__ import annotations

from typing import Any

import pytest

from schema_oracle import oracle_errors
from tiphys import (
    TTL,
    CompileError,
    ConfigMap,
    PodGC,
    Resources,
    Retry,
    Secret,
    Toleration,
    Volume,
    Workflow,
    WorkflowTemplate,
    container,
    dag,
    script,
    steps,
)

cache = Volume("cache", empty_dir=True, mount="/cache")
work = Volume("work", size="1Gi", mount="/work", storage_class="fast")


@container(
    image="alpine:3.20",
    command=["sh", "-c"],
    volumes=[cache],
    env={"MODE": "fast", "TOKEN": Secret("api", "token"), "LEVEL": ConfigMap("cfg", "level")},
    resources=Resources(cpu="250m", memory="64Mi"),
    timeout="90s",
    retry=3,
    labels={"team": "ci"},
)
def fetch(url: str) -> list[str]:
    return [f"wget -O /cache/data {url}"]


@script(volumes=[work])
def summarise(path: str) -> str:
    return path.upper()


@dag
def pipeline(url: str = "https://example.com/a") -> Any:
    f = fetch(url=url)
    s = summarise(path="/cache/data").after(f).retry(2, backoff="5s")
    summarise(path="/other").retry(Retry(2, backoff="5s"))
    summarise(path="/third").retry(5).continue_on(failed=True, error=True)
    return s.result


@dag
def outer() -> None:
    r = pipeline()
    summarise(path=r.result)


def test_full_workflow_manifest() -> None:
    wf = Workflow(
        entrypoint=outer,
        namespace="ci",
        labels={"app": "demo"},
        service_account="runner",
        ttl=TTL(success="1h", failure="1d"),
        pod_gc=PodGC("OnPodSuccess", delete_delay="30s"),
        active_deadline="2h",
        parallelism=4,
        tolerations=[Toleration("gpu", operator="Exists", effect="NoSchedule")],
        pdb=1,
        priority_class="high",
        template_defaults={"timeout": "10m", "retry": Retry(1, policy="OnError")},
        patch={"spec": {"hostNetwork": False}},
    )
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    templates = manifest.pop("spec").pop("templates")
    assert manifest == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "outer-", "namespace": "ci", "labels": {"app": "demo"}},
    }
    spec = wf.to_dict()["spec"]
    spec.pop("templates")
    assert spec == {
        "entrypoint": "outer",
        "serviceAccountName": "runner",
        "parallelism": 4,
        "activeDeadlineSeconds": 7200,
        "ttlStrategy": {"secondsAfterSuccess": 3600, "secondsAfterFailure": 86400},
        "podGC": {"strategy": "OnPodSuccess", "deleteDelayDuration": "30s"},
        "podDisruptionBudget": {"minAvailable": 1},
        "podPriorityClassName": "high",
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "templateDefaults": {
            "retryStrategy": {"limit": 1, "retryPolicy": "OnError"},
            "timeout": "10m",
        },
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "work"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "storageClassName": "fast",
                },
            }
        ],
        "volumes": [{"name": "cache", "emptyDir": {}}],
        "hostNetwork": False,
    }
    names = [t["name"] for t in templates]
    assert names == [
        "outer",
        "pipeline",
        "fetch",
        "summarise",
        "summarise-retry",
        "summarise-retry-2",
    ]
    by_name = {t["name"]: t for t in templates}
    assert by_name["outer"]["dag"]["tasks"] == [
        {"name": "pipeline", "template": "pipeline"},
        {
            "name": "summarise",
            "template": "summarise",
            "depends": "pipeline",
            "arguments": {
                "parameters": [
                    {"name": "path", "value": "{{tasks.pipeline.outputs.parameters.return}}"}
                ]
            },
        },
    ]
    assert by_name["pipeline"]["outputs"] == {
        "parameters": [
            {"name": "return", "valueFrom": {"parameter": "{{tasks.summarise.outputs.result}}"}}
        ]
    }
    assert [t.get("template") for t in by_name["pipeline"]["dag"]["tasks"]] == [
        "fetch",
        "summarise-retry",
        "summarise-retry",
        "summarise-retry-2",
    ]
    assert by_name["pipeline"]["dag"]["tasks"][3]["continueOn"] == {"failed": True, "error": True}
    assert by_name["summarise-retry"]["retryStrategy"] == {
        "limit": 2,
        "backoff": {"duration": "5s"},
    }
    assert by_name["summarise-retry-2"]["retryStrategy"] == {"limit": 5}
    assert by_name["fetch"] == {
        "name": "fetch",
        "inputs": {"parameters": [{"name": "url"}]},
        "metadata": {"labels": {"team": "ci"}},
        "container": {
            "image": "alpine:3.20",
            "command": ["sh", "-c"],
            "args": ["wget -O /cache/data {{inputs.parameters.url}}"],
            "env": [
                {"name": "MODE", "value": "fast"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
                {
                    "name": "LEVEL",
                    "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}},
                },
            ],
            "resources": {
                "limits": {"memory": "64Mi"},
                "requests": {"cpu": "250m", "memory": "64Mi"},
            },
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        },
        "retryStrategy": {"limit": 3},
        "timeout": "1m30s",
    }


def test_steps_with_loops_and_outputs() -> None:
    @container(image="alpine:3.20", outputs={"line": "/tmp/line"})
    def show(item: str) -> list[str]:
        return ["sh", "-c", f"echo {item} | tee /tmp/line"]

    @script
    def list_dir(path: str) -> list[dict[str, str]]:
        return [{"name": path}]

    @steps
    def fan() -> Any:
        listing = list_dir(path="/")
        out = show.map(over=listing.result, item=lambda it: it["name"])
        return {"shown": out.outputs.line}

    manifest = Workflow("fan", entrypoint=fan).to_dict()
    assert oracle_errors(manifest) == []
    main = manifest["spec"]["templates"][0]
    assert main == {
        "name": "fan",
        "outputs": {
            "parameters": [
                {
                    "name": "shown",
                    "valueFrom": {"parameter": "{{steps.show.outputs.parameters.line}}"},
                }
            ]
        },
        "steps": [
            [
                {
                    "name": "list-dir",
                    "template": "list-dir",
                    "arguments": {"parameters": [{"name": "path", "value": "/"}]},
                }
            ],
            [
                {
                    "name": "show",
                    "template": "show",
                    "arguments": {"parameters": [{"name": "item", "value": "{{item.name}}"}]},
                    "withParam": "{{steps.list-dir.outputs.result}}",
                }
            ],
        ],
    }


def test_arguments_override_defaults_and_are_checked() -> None:
    tmpl = WorkflowTemplate("p", entrypoint=pipeline, arguments={"url": "https://x"})
    assert tmpl.to_dict()["spec"]["arguments"] == {
        "parameters": [{"name": "url", "value": "https://x"}]
    }
    with pytest.raises(CompileError) as info:
        WorkflowTemplate("p", entrypoint=pipeline, arguments={"uri": "x"}).to_dict()
    assert info.value.diagnostics[0].message == (
        "arguments= sets 'uri', but entrypoint 'pipeline' has no such input (inputs: url). "
        "Did you mean 'url'?"
    )


def test_conflicting_volumes_are_an_error() -> None:
    other = Volume("cache", claim="existing", mount="/cache")

    @container(image="a", volumes=[other])
    def user() -> list[str]:
        return []

    @dag
    def main() -> None:
        fetch(url="u")
        user()

    with pytest.raises(CompileError) as info:
        Workflow(entrypoint=main).to_dict()
    assert info.value.diagnostics[0].message.startswith("two different volumes are named 'cache'")


def test_output_is_deterministic() -> None:
    first = Workflow("d", entrypoint=outer).to_yaml()
    assert all(Workflow("d", entrypoint=outer).to_yaml() == first for _ in range(3))


def test_template_defaults_refuse_container_fields() -> None:
    wf = Workflow("d", entrypoint=outer, template_defaults={"resources": Resources(cpu="1")})
    with pytest.raises(CompileError) as info:
        wf.to_dict()
    assert info.value.diagnostics[0].message == (
        "template_defaults cannot set resources: Argo merges templateDefaults into every "
        "template, and a container field there would turn each template into a container. "
        "Set it on the templates (or use patch=)"
    )


def test_tuple_default_for_a_list_input() -> None:
    @container(image="a")
    def cols(columns: list[str] = ("a", "b")) -> list[str]:  # type: ignore[assignment]
        return [f"{columns}"]

    params = Workflow("t", entrypoint=cols).to_dict()["spec"]["arguments"]["parameters"]
    assert params == [{"name": "columns", "value": '["a","b"]'}]


def test_a_bool_result_is_a_condition() -> None:
    @script
    def check() -> bool:
        return True

    @dag
    def main() -> None:
        c = check()
        summarise(path="/").when(c.result)
        summarise(path="/").when(~(c.result == True))  # noqa: E712

    tasks = Workflow("b", entrypoint=main).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    assert [t.get("when") for t in tasks] == [
        None,
        "{{=tasks.check.outputs.result == 'true'}}",
        "{{=!(tasks.check.outputs.result == 'true')}}",
    ]


def test_a_non_bool_reference_is_not_a_condition() -> None:
    @dag
    def main(env: str) -> None:
        summarise(path="/").when(env)  # type: ignore[arg-type]

    with pytest.raises(CompileError) as info:
        Workflow("b", entrypoint=main).to_dict()
    assert info.value.diagnostics[0].message == (
        ".when() got parameter 'env' of template 'main', which is not a bool; compare it: "
        ".when(x == 'value')"
    )


def test_retry_on_the_only_call_emits_no_unused_template() -> None:
    @dag
    def main() -> None:
        summarise(path="/").retry(2)

    names = [t["name"] for t in Workflow("r", entrypoint=main).to_dict()["spec"]["templates"]]
    assert names == ["main", "summarise-retry"]


def test_build_returns_heras_typed_model() -> None:
    from hera.workflows.models import WorkflowTemplate as HeraWorkflowTemplate

    tmpl = WorkflowTemplate("p", entrypoint=pipeline)
    model = tmpl.build()
    assert isinstance(model, HeraWorkflowTemplate)
    assert model.model_dump(by_alias=True, exclude_none=True) == tmpl.to_dict()
