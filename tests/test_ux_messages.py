"""Messages a first-time user meets: misspelt keywords, bare decorators, wrong collection types,
vague values. Each is located at the user's line and says what to do (no raw Python error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from expect import error_of
from markers import marker_line
from tiphys import (
    ContainerNode,
    Counter,
    CronWorkflow,
    Histogram,
    Hook,
    Memoize,
    Mutex,
    Retry,
    Secret,
    Semaphore,
    Volume,
    Workflow,
    container,
    dag,
    http,
    resource,
    script,
)
from tiphys.cli.app import create_app
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


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


def test_a_traced_value_in_a_message_is_shown_as_its_argo_tag() -> None:
    @container(image="alpine")  # leak
    def say(x: str) -> list[str]:
        return "echo " + x  # type: ignore[return-value]

    @dag
    def flow() -> None:
        say(x="1")

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('leak')}: @container 'say' must return its arguments as a list of strings "
        "(or None to use the image's), not 'echo {{inputs.parameters.x}}' [C111]"
    )


def test_a_container_argument_that_is_no_string_is_named_with_its_index() -> None:
    @container(image="alpine")  # port
    def serve(x: str) -> list[Any]:
        return ["--port", 8080, x]

    @dag
    def flow() -> None:
        serve(x="1")

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('port')}: @container 'serve' must return its arguments as a list of "
        "strings: item 1 is 8080 (int), write it as a string ('8080') [C111]"
    )


def test_collections_of_the_wrong_type() -> None:
    def headers() -> None:
        @http("https://x.example.com", headers=[("A", "b")])  # type: ignore[arg-type]  # col-0
        def f() -> None: ...

    makers: list[Any] = [
        headers,
        lambda: Counter("c", "h", labels=[("a", "b")]),  # type: ignore[arg-type]  # col-1
        lambda: Histogram("d", "h", buckets=5),  # type: ignore[arg-type]  # col-2
    ]
    messages = [
        "@http 'f': headers expects a mapping header name -> value (a dict such as "
        "{'key': 'value'}), not [('A', 'b')] [C117]",
        "labels of Counter 'c' expects a mapping label name -> value (a dict such as "
        "{'key': 'value'}), not [('a', 'b')] [C117]",
        "buckets of Histogram 'd' must be a list of numbers (upper bounds, increasing), "
        "not 5 [C117]",
    ]
    for n, (make, message) in enumerate(zip(makers, messages, strict=True)):
        assert error_of(make) == f"{line_of(f'col-{n}')}: {message}"


def test_metric_name_of_the_wrong_type() -> None:
    assert error_of(lambda: Counter(None, "h")) == (  # type: ignore[arg-type]  # metric-none
        f"{line_of('metric-none')}: metric name must be a string, not None [C157]"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compile", "x.py", "-o", "toml"], "unknown output format 'toml' (choose yaml or json)"),
        (["lint", "x.py", "-o", "yaml"], "unknown output format 'yaml' (choose text or json)"),
        (["lint", ""], "no such file: ''"),
        (["compile", ""], "no such file: ''"),
    ],
)
def test_cli_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(create_app(), args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"tiphys: error: {message}\n",
    )


@container(image="alpine")
def say(message: str = "hi") -> list[str]:
    return [message]


def test_a_positional_hook_condition_says_expression() -> None:
    @dag
    def flow() -> None:
        t = say()
        t.hook("running", say, t.status == "Running")  # type: ignore[call-arg]  # hook-pos

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('hook-pos')}: task.hook() takes 2 positional argument(s), 3 given: give the "
        "condition as expression=..., e.g. t.hook('running', notify, expression=t.status == "
        "'Running') [C117]"
    )


def test_hook_argument_errors_name_the_hook() -> None:
    @dag
    def flow() -> None:
        say().named("b").on_exit(say, mesg="x")  # hook-arg

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('hook-arg')}: hook 'exit' of task 'b' passes argument 'mesg', but template "
        "'say' has no such input (inputs: message). Did you mean 'message'? [C101]"
    )
    assert error_of(lambda: Hook(say, arguments={"mesg": "x"})) == (  # wf-hook-arg
        f"{line_of('wf-hook-arg')}: a workflow hook of template 'say' passes argument 'mesg', "
        "but template 'say' has no such input (inputs: message). Did you mean 'message'? [C101]"
    )


def test_result_of_a_dag_returning_outputs_names_them() -> None:
    @dag
    def inner() -> dict[str, Any]:
        return {"a": say().result}

    @dag
    def flow() -> None:
        say(message=inner().result)  # dag-result

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('dag-result')}: result of task 'inner' is used, but @dag 'inner' returns "
        "outputs a (a dict), not one value: use .outputs.a [C107]"
    )


def test_parameters_of_a_workflow_run_from_a_template_object_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "u.py").write_text(
        "from tiphys import Workflow, WorkflowTemplate, dag, script\n"
        "@script\n"
        "def build(repo: str, tag: str = 'latest') -> str:\n"
        "    return repo\n"
        "@dag\n"
        "def ci(repo: str, tag: str = 'latest') -> None:\n"
        "    build(repo=repo, tag=tag)\n"
        "library = WorkflowTemplate('ci-lib', entrypoint=ci)\n"
        "run = Workflow(from_template=library)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(create_app(), ["compile", "u.py:run", "-p", "rep=x"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        "u.py:9: Workflow (generateName 'ci-lib-') has no parameter 'rep' (parameters: repo, "
        "tag). Did you mean 'repo'? (at spec.arguments.parameters) [P101]\n"
        "u.py:9: Workflow (generateName 'ci-lib-') needs a value for parameter 'repo' (it has "
        "no value or default): pass -p repo=VALUE (at spec.arguments.parameters) [P102]\n",
    )
    given = CliRunner().invoke(create_app(), ["compile", "u.py:run", "-p", "repo=x"])
    assert (given.exit_code, given.stderr) == (0, "")
    assert "  arguments:\n    parameters:\n    - name: repo\n      value: x\n" in given.stdout


def test_raw_expressions_are_checked() -> None:
    def resource_success() -> None:
        @resource(action="create", success="status.succeeded >> 0")  # ex-2
        def f() -> None: ...

    def http_field() -> None:
        @http("https://x.example.com/{0}")  # ex-5
        def f() -> None: ...

    def cron(**options: Any) -> CronWorkflow:
        return CronWorkflow("c", entrypoint=main, schedules="@daily", **options)  # ex-cron

    stop, when = "cronworkflow.failed >=", "{{= cronworkflow.lastScheduledTime == nil"
    makers: list[Any] = [
        lambda: Hook(say, expression="workflow.status == 'Runing'"),  # ex-0
        lambda: cron(stop_strategy=stop),
        resource_success,
        lambda: cron(when=when),
        lambda: Retry(limit=2, expression="lastRetry.status == 'Failed' &&"),  # ex-4
        http_field,
    ]
    messages = [
        "hook expression \"workflow.status == 'Runing'\": 'Runing' is no node status (Pending, "
        "Running, Succeeded, Failed, Error, Skipped, Omitted). Did you mean 'Running'? [C154]",
        "stop_strategy 'cronworkflow.failed >=': '>=' at the end has no right operand [C148]",
        "@resource 'f': success 'status.succeeded >> 0': 'status.succeeded >> 0' is no "
        "requirement: write key op value with op one of =, ==, !=, >, <, in (...), notin (...), "
        "e.g. 'status.succeeded > 0' [C127]",
        "when '{{= cronworkflow.lastScheduledTime == nil': '{{=' is not closed by '}}' [C148]",
        "Retry expression \"lastRetry.status == 'Failed' &&\": '&&' at the end has no right "
        "operand [C117]",
        "@http 'f' url has the field {0}; only plain parameter names are formatted in (as "
        "{name}): compute other values in a task and pass them in [C124]",
    ]
    for n, (make, message) in enumerate(zip(makers, messages, strict=True)):
        marker = "ex-cron" if n in (1, 3) else f"ex-{n}"
        assert error_of(make) == f"{line_of(marker)}: {message}"


def test_a_dashed_task_name_in_a_raw_hook_expression() -> None:
    @dag
    def flow() -> None:
        raw = "tasks.build-2.status == 'Failed'"
        say().named("build-2").hook("failed", say, expression=raw)  # ex-dash

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('ex-dash')}: hook expression \"tasks.build-2.status == 'Failed'\": "
        "tasks.build-2 is read as tasks.build minus 2: write tasks['build-2'] for a name with "
        "dashes [C154]"
    )


def test_a_status_compared_with_a_word_that_is_no_phase() -> None:
    @dag
    def flow() -> None:
        b = say()
        say().hook("late", say, expression=b.status == "Runing")  # ex-phase

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('ex-phase')}: status of task 'say' is compared with 'Runing', which is no "
        "node status (Pending, Running, Succeeded, Failed, Error, Skipped, Omitted). Did you "
        "mean 'Running'? [C103]"
    )


def test_the_validator_checks_hook_expressions() -> None:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "h-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {
                        "tasks": [
                            {
                                "name": "build-2",
                                "template": "echo",
                                "hooks": {
                                    "failed": {
                                        "template": "echo",
                                        "expression": "tasks.build-2.status == 'Failed'",
                                    }
                                },
                            }
                        ]
                    },
                },
                {"name": "echo", "container": {"image": "alpine"}},
            ],
        },
    }
    found = [d.format() for d in validate_document(doc, file="w.yaml")]
    assert found == [
        "w.yaml: hook 'failed' expression \"tasks.build-2.status == 'Failed'\": tasks.build-2 "
        "is read as tasks.build minus 2: write tasks['build-2'] for a name with dashes (at "
        "spec.templates[0].dag.tasks[0].hooks.failed.expression) [V188]"
    ]


def test_kubernetes_object_names_are_checked() -> None:
    makers: list[Any] = [
        lambda: Memoize("k", config_map="Cache_1", max_age="1h"),  # k8s-0
        lambda: Secret("My_Secret", "k"),  # k8s-1
        lambda: Workflow(entrypoint=main, service_account="Bot"),  # k8s-2
        lambda: Semaphore(config_map="Locks", key="k"),  # k8s-3
    ]
    rule = (
        "is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting "
        "and ending with a letter or digit"
    )
    messages = [
        f"Memoize config_map: 'Cache_1' {rule} (e.g. 'cache-1') [C156]",
        f"Secret name: 'My_Secret' {rule} (e.g. 'my-secret') [C117]",
        f"service_account: 'Bot' {rule} (e.g. 'bot') [C117]",
        f"Semaphore config_map: 'Locks' {rule} (e.g. 'locks') [C155]",
    ]
    for n, (make, message) in enumerate(zip(makers, messages, strict=True)):
        assert error_of(make) == f"{line_of(f'k8s-{n}')}: {message}"
    assert Volume("v", "/m", claim="{{workflow.parameters.pvc}}").claim  # tags: Argo's to resolve


@resource(action="create", outputs={"job-name": "{.metadata.name}"})
def submit() -> str:
    return "kind: ConfigMap"


def test_outputs_with_dashes_by_argo_name_and_python_spelling() -> None:
    @dag
    def flow() -> None:
        job = submit()
        say(message=job.outputs["job-name"])
        say(message=job.outputs.job_name)

    tasks = Workflow(entrypoint=flow).to_dict()["spec"]["templates"][0]["dag"]["tasks"]
    values = [t["arguments"]["parameters"][0]["value"] for t in tasks[1:]]
    assert values == ["{{tasks.submit.outputs.parameters.job-name}}"] * 2


def test_an_unknown_output_suggests_the_python_spelling() -> None:
    @dag
    def flow() -> None:
        say(message=submit().outputs.jobname)  # out-typo

    assert error_of(lambda: Workflow(entrypoint=flow).to_dict()) == (
        f"{line_of('out-typo')}: template 'submit' has no output 'jobname' (outputs: job-name). "
        "Did you mean 'job_name'? [C107]"
    )


def test_an_input_named_self_is_passed_by_keyword() -> None:
    from tiphys import Workflow, container, dag

    @container(image="alpine:3.20")
    def echo(self: str) -> list[str]:
        return ["echo", self]

    @dag
    def main() -> None:
        echo(self="me")

    (_, template) = Workflow("w", entrypoint=main).to_dict()["spec"]["templates"][:2]
    assert template["container"]["args"] == ["echo", "{{inputs.parameters.self}}"]
