"""Messages a first-time user meets: misspelt keywords, bare decorators, wrong collection types,
vague values. Each is located at the user's line and says what to do (no raw Python error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from markers import marker_line
from tiphys import (
    ContainerNode,
    Counter,
    CronWorkflow,
    Hook,
    Mutex,
    Workflow,
    container,
    dag,
    http,
    resource,
    script,
)
from tiphys.errors import CompileError

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def error_of(make: Any) -> str:
    with pytest.raises(CompileError) as info:
        make()
    assert len(info.value.diagnostics) == 1
    return info.value.diagnostics[0].format()


@container(image="alpine")
def hello() -> list[str]:
    return ["hi"]


@dag
def main() -> None:
    hello()


def test_option_class_keyword_typos_suggest_the_keyword() -> None:
    makers: list[Any] = [
        lambda: Hook(hello, expresion="x"),  # kw-0
        lambda: Hook(hello, args={}),  # kw-1
        lambda: Mutex("m", namespce="x"),  # kw-2
        lambda: Counter("c", "h", valu="1"),  # kw-3
        lambda: ContainerNode("a", "alpine", deps=["b"]),  # kw-4
    ]
    messages = [
        "Hook has no option 'expresion'. Did you mean 'expression'?",
        "Hook has no option 'args'. Did you mean 'arguments'?",
        "Mutex has no option 'namespce'. Did you mean 'namespace'?",
        "Counter has no option 'valu'. Did you mean 'value'?",
        "ContainerNode has no option 'deps'. Did you mean 'dependencies'?",
    ]
    for n, (make, message) in enumerate(zip(makers, messages, strict=True)):
        assert error_of(make) == f"{line_of(f'kw-{n}')}: {message} [C117]"


def test_a_missing_required_argument_is_named() -> None:
    assert error_of(lambda: Counter("c")) == (  # type: ignore[call-arg]  # kw-missing
        f"{line_of('kw-missing')}: Counter needs help=..., a required argument [C117]"
    )


def test_workflow_keyword_typos_suggest_the_keyword() -> None:
    for key, meant, marker in [
        ("entry", "entrypoint", "wf-entry"),
        ("onexit", "on_exit", "wf-entry"),
        ("fromtemplate", "from_template", "wf-entry"),
    ]:
        made = error_of(lambda key=key: Workflow(**{key: main}))  # wf-entry
        assert made == (
            f"{line_of(marker)}: workflow has no option {key!r}. Did you mean {meant!r}? [C117]"
        )


def test_cron_schedule_says_schedules() -> None:
    made = error_of(lambda: CronWorkflow(entrypoint=main, schedule="@daily"))  # type: ignore[call-arg]  # cron-schedule
    assert made == (
        f"{line_of('cron-schedule')}: CronWorkflow has no option 'schedule'. Write "
        "schedules=[...], a list of schedules: Argo v4 removed the singular schedule. [C148]"
    )


def test_cron_schedules_of_the_wrong_type() -> None:
    made = error_of(lambda: CronWorkflow("c", entrypoint=main, schedules=0))  # type: ignore[arg-type]  # cron-zero
    assert made == f"{line_of('cron-zero')}: schedules must be a list of strings, not 0 [C146]"


def test_decorator_keyword_typos_suggest_the_keyword() -> None:
    def scripted() -> None:
        @script(imag="python:3.12")  # type: ignore[call-overload]  # dec-script
        def f() -> None: ...

    def requested() -> None:
        @http("https://x.example.com", header={})  # type: ignore[call-arg]  # dec-http
        def f() -> None: ...

    def fetched() -> None:
        @resource(action="get", output={})  # type: ignore[call-arg]  # dec-resource
        def f() -> None: ...

    assert error_of(scripted) == (
        f"{line_of('dec-script')}: @script has no option 'imag'. Did you mean 'image'? [C117]"
    )
    assert error_of(requested) == (
        f"{line_of('dec-http')}: @http has no option 'header'. Did you mean 'headers'? [C117]"
    )
    assert error_of(fetched) == (
        f"{line_of('dec-resource')}: @resource has no option 'output'. Did you mean "
        "'outputs'? [C117]"
    )


def test_bare_decorators_that_need_arguments() -> None:
    def bare_http() -> None:
        @http  # type: ignore[arg-type]  # bare-http
        def f() -> None: ...

    def bare_container() -> None:
        @container  # type: ignore[misc]  # bare-container
        def f() -> None: ...

    assert error_of(bare_http) == (
        f"{line_of('bare-http')}: @http needs its arguments: write @http(url=...) above the "
        "function, not a bare @http [C117]"
    )
    assert error_of(bare_container) == (
        f"{line_of('bare-container')}: @container needs its arguments: write "
        "@container(image=...) above the function, not a bare @container [C117]"
    )
