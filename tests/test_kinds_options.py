"""Which common options each template kind takes: the table, the typed keyword sets, the
renderers, and that every option of ``TemplateOptionsKw`` is classified."""

from __future__ import annotations

from typing import Any

import pytest

from schema_oracle import oracle_errors
from tiphys.compile.templates import KIND_RENDERERS
from tiphys.dsl.data import DataTemplate
from tiphys.dsl.http import HttpTemplate
from tiphys.dsl.leaf import (
    OPTION_SCOPES,
    ExecutorOptionsKw,
    KindTemplate,
    NodeOptionsKw,
    RequestOptionsKw,
)
from tiphys.dsl.options import TemplateOptionsKw
from tiphys.dsl.plugin import PluginTemplate
from tiphys.dsl.resource import ResourceTemplate
from tiphys.dsl.suspend import SuspendTemplate

# Keys every kind's decorator takes as a keyword of its own rather than through **options.
EXPLICIT = {"inline"}
KINDS: list[tuple[type[KindTemplate[Any, Any]], Any, set[str]]] = [
    (HttpTemplate, RequestOptionsKw, {"timeout"}),  # @http's timeout= is the request's
    (SuspendTemplate, RequestOptionsKw, set()),
    (PluginTemplate, NodeOptionsKw, set()),
    (DataTemplate, ExecutorOptionsKw, set()),
    (ResourceTemplate, ExecutorOptionsKw, set()),
]


def _annotation(value: Any) -> str:
    return str(getattr(value, "__forward_arg__", value))


def test_every_common_option_is_classified() -> None:
    common = set(TemplateOptionsKw.__annotations__)
    missing = common - set(OPTION_SCOPES)
    assert not missing, f"add these options to tiphys.dsl.leaf.OPTION_SCOPES: {sorted(missing)}"
    assert set(OPTION_SCOPES) - common <= EXPLICIT


@pytest.mark.parametrize(("cls", "typed", "own"), KINDS, ids=lambda v: getattr(v, "kind", ""))
def test_typed_keywords_are_the_options_the_kind_takes(
    cls: type[KindTemplate[Any, Any]], typed: Any, own: set[str]
) -> None:
    taken = {k for k, scope in OPTION_SCOPES.items() if scope in cls.scopes} - EXPLICIT - own
    assert set(typed.__annotations__) == taken
    common = TemplateOptionsKw.__annotations__
    for key, value in typed.__annotations__.items():
        assert _annotation(value) == _annotation(common[key]), key


def test_every_kind_has_a_renderer_and_a_reason() -> None:
    for cls, _, _ in KINDS:
        assert cls.kind in KIND_RENDERERS
        assert cls.refusal


def test_inline_goes_through_the_common_option() -> None:
    from tiphys import Workflow, dag, http, suspend

    @suspend(duration=10, inline=True)
    def wait() -> None: ...

    @http("https://x.example.com/{a}", inline=True)
    def ping(a: str) -> None: ...

    @dag
    def main() -> None:
        wait()
        ping(a="b")

    assert wait.options.inline and ping.options.inline
    manifest = Workflow(entrypoint=main).to_dict()
    assert oracle_errors(manifest) == []
    spec = manifest["spec"]
    assert [t["name"] for t in spec["templates"]] == ["main"]
    assert spec["templates"][0]["dag"]["tasks"] == [
        {"name": "wait", "inline": {"suspend": {"duration": "10s"}}},
        {
            "name": "ping",
            "inline": {
                "inputs": {"parameters": [{"name": "a"}]},
                "http": {
                    "method": "GET",
                    "url": "https://x.example.com/{{inputs.parameters.a}}",
                    "timeoutSeconds": 30,
                },
            },
            "arguments": {"parameters": [{"name": "a", "value": "b"}]},
        },
    ]


def test_node_options_reach_every_kind_and_pod_options_only_pods() -> None:
    from tiphys import CompileError, Counter, Mutex, Workflow, dag, http

    @http(
        "https://x.example.com",
        synchronization=[Mutex("deploy")],
        metrics=[Counter("calls", "HTTP calls", value="1")],
    )
    def ping() -> None: ...

    @dag
    def main() -> None:
        ping()

    manifest = Workflow(entrypoint=main).to_dict()
    assert oracle_errors(manifest) == []
    assert manifest["spec"]["templates"][1] == {
        "name": "ping",
        "http": {"method": "GET", "url": "https://x.example.com", "timeoutSeconds": 30},
        "synchronization": {"mutexes": [{"name": "deploy"}]},
        "metrics": {
            "prometheus": [{"name": "calls", "help": "HTTP calls", "counter": {"value": "1"}}]
        },
    }
    with pytest.raises(CompileError) as info:

        @http("https://x.example.com", executor="runner")  # type: ignore[call-arg]
        def sent() -> None: ...

    assert info.value.diagnostics[0].message == (
        "@http 'sent' does not take executor=: an HTTP request is sent by Argo's agent, not "
        "from a pod of this template; remove it"
    )


@pytest.mark.parametrize("decorator", ["dag", "steps"])
@pytest.mark.parametrize("option", ["timeout", "active_deadline"])
def test_graphs_refuse_leaf_deadlines(decorator: str, option: str) -> None:
    import tiphys

    make = getattr(tiphys, decorator)

    def body() -> None: ...

    with pytest.raises(tiphys.CompileError) as info:
        make(**{option: "1h"})(body)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C123"
    assert diagnostic.location is not None
    assert diagnostic.location.line == body.__code__.co_firstlineno
    what = (
        "timeout only on templates that run something (container, script, resource, container "
        "set, http, data, plugin)"
        if option == "timeout"
        else "activeDeadlineSeconds only on templates that run something"
    )
    assert diagnostic.message == (
        f"@{decorator} 'body' does not take {option}=: Argo takes {what} and refuses it on "
        f"{decorator} templates; give it to the templates its tasks run, or give the Workflow "
        "active_deadline= to limit the whole run"
    )
