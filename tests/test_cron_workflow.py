"""``CronWorkflow``: the whole manifest, each check's exact message and line, the YAML checks
(V170-V176), and the CLI and source loader accepting CronWorkflows from Python and YAML."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from expect import error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import CronWorkflow, WorkflowMetadata, WorkflowTemplate, container, dag
from tiphys.cli.app import create_app
from tiphys.compile.sources import collect
from tiphys.validate import check_semantics, validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def assert_valid(doc: dict[str, Any]) -> None:
    assert oracle_errors(doc) == []
    assert validate_document(doc) == []


@container(image="alpine:3.20")
def report(day: str, channel: str = "ops") -> list[str]:
    return ["report", day, f"--channel={channel}"]


@dag
def nightly(day: str = "yesterday") -> None:
    report(day=day)


# -- whole manifests ---------------------------------------------------------------------------


def test_every_cron_option() -> None:
    cron = CronWorkflow(
        "nightly-report",
        entrypoint=nightly,
        schedules=["0 2 * * *", "30 14 * * sat"],
        timezone="Europe/Paris",
        concurrency_policy="Forbid",
        starting_deadline="5m",
        successful_history=5,
        failed_history=2,
        suspend=False,
        stop_strategy="cronworkflow.failed >= 3",
        when="{{= cronworkflow.lastScheduledTime == nil }}",
        workflow_metadata=WorkflowMetadata(labels={"team": "data"}),
        namespace="jobs",
        labels={"app": "report"},
        arguments={"day": "today"},
        ttl="1d",
        pod_gc="OnPodSuccess",
    )
    doc = cron.to_dict()
    assert doc == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "nightly-report", "namespace": "jobs", "labels": {"app": "report"}},
        "spec": {
            "schedules": ["0 2 * * *", "30 14 * * sat"],
            "timezone": "Europe/Paris",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 5,
            "failedJobsHistoryLimit": 2,
            "suspend": False,
            "stopStrategy": {"expression": "cronworkflow.failed >= 3"},
            "when": "{{= cronworkflow.lastScheduledTime == nil }}",
            "workflowMetadata": {"labels": {"team": "data"}},
            "workflowSpec": {
                "entrypoint": "nightly",
                "arguments": {"parameters": [{"name": "day", "value": "today"}]},
                "ttlStrategy": {"secondsAfterCompletion": 86400},
                "podGC": {"strategy": "OnPodSuccess"},
                "templates": [
                    {
                        "name": "nightly",
                        "inputs": {"parameters": [{"name": "day", "default": "yesterday"}]},
                        "dag": {
                            "tasks": [
                                {
                                    "name": "report",
                                    "template": "report",
                                    "arguments": {
                                        "parameters": [
                                            {"name": "day", "value": "{{inputs.parameters.day}}"}
                                        ]
                                    },
                                }
                            ]
                        },
                    },
                    {
                        "name": "report",
                        "inputs": {
                            "parameters": [
                                {"name": "day"},
                                {"name": "channel", "default": "ops"},
                            ]
                        },
                        "container": {
                            "image": "alpine:3.20",
                            "args": [
                                "report",
                                "{{inputs.parameters.day}}",
                                "--channel={{inputs.parameters.channel}}",
                            ],
                        },
                    },
                ],
            },
        },
    }
    assert_valid(doc)


def test_one_schedule_as_a_string_is_a_list_and_never_the_singular_field() -> None:
    cron = CronWorkflow("hourly", entrypoint=nightly, schedules="@hourly")
    assert_valid(cron.to_dict())
    text = cron.to_yaml()
    assert text == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: CronWorkflow
        metadata:
          name: hourly
        spec:
          schedules:
          - '@hourly'
          workflowSpec:
            entrypoint: nightly
            arguments:
              parameters:
              - name: day
                value: yesterday
            templates:
            - name: nightly
              inputs:
                parameters:
                - name: day
                  default: yesterday
              dag:
                tasks:
                - name: report
                  template: report
                  arguments:
                    parameters:
                    - name: day
                      value: '{{inputs.parameters.day}}'
            - name: report
              inputs:
                parameters:
                - name: day
                - name: channel
                  default: ops
              container:
                image: alpine:3.20
                args:
                - report
                - '{{inputs.parameters.day}}'
                - --channel={{inputs.parameters.channel}}
        """
    )


def test_from_a_workflow_template() -> None:
    job = WorkflowTemplate("job", entrypoint=nightly)
    cron = CronWorkflow("daily-job", from_template=job, schedules=["0 2 * * *"])
    doc = cron.to_dict()
    assert doc == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "daily-job"},
        "spec": {
            "schedules": ["0 2 * * *"],
            "workflowSpec": {"workflowTemplateRef": {"name": "job"}},
        },
    }
    assert_valid(doc)


# -- compile errors: whole messages at the user's line --------------------------------------------


def test_bad_schedule() -> None:
    msg = error_of(lambda: CronWorkflow("c", entrypoint=nightly, schedules=["0 0 * * 7"]))  # C146
    assert msg == (
        f"{line_of('C146')}: schedule '0 0 * * 7': the day-of-week field has '7': 7 is outside "
        "0-6 (Sunday is 0; there is no 7) [C146]"
    )


def test_six_fields() -> None:
    msg = error_of(lambda: CronWorkflow("c", entrypoint=nightly, schedules="0 0 2 * * *"))  # six
    assert msg == (
        f"{line_of('six')}: schedule '0 0 2 * * *': it has 6 fields, but Argo's cron reads "
        "exactly 5 (minute hour day-of-month month day-of-week), and has no seconds or year "
        "field: for example '0 2 * * *' runs at 02:00 every day [C146]"
    )


def test_no_schedule() -> None:
    msg = error_of(lambda: CronWorkflow("c", entrypoint=nightly, schedules=[]))  # empty
    assert msg == (
        f"{line_of('empty')}: schedules= needs at least one schedule, e.g. "
        "schedules=['0 2 * * *'] (02:00 daily) [C146]"
    )


def test_schedule_twice() -> None:
    msg = error_of(lambda: CronWorkflow("c", entrypoint=nightly, schedules=["@daily"] * 2))  # twice
    assert msg == (
        f"{line_of('twice')}: schedule '@daily' is listed twice; Argo starts one run for both: "
        "remove one [C146]"
    )


def test_prefix_and_timezone() -> None:
    def build() -> None:
        CronWorkflow("c", entrypoint=nightly, schedules="TZ=UTC @daily", timezone="UTC")  # both

    assert error_of(build) == (
        f"{line_of('both')}: schedule 'TZ=UTC @daily': it has its own time zone prefix while the "
        "CronWorkflow sets timezone 'UTC', and Argo then writes 'CRON_TZ=UTC TZ=UTC @daily', "
        "which its controller cannot read: remove the prefix or the timezone [C146]"
    )


def test_bad_timezone() -> None:
    def build() -> None:
        CronWorkflow("c", entrypoint=nightly, schedules="@daily", timezone="Paris")  # C147

    assert error_of(build) == (
        f"{line_of('C147')}: timezone: 'Paris' is not a time zone name Argo knows: use an IANA "
        "name such as 'Europe/Paris', 'America/New_York' or 'UTC' (names are case-sensitive). "
        "Did you mean 'Europe/Paris'? [C147]"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"concurrency_policy": "forbid"},
            "concurrency_policy 'forbid' is not one of Allow, Forbid, Replace. Did you mean "
            "'Forbid'?",
        ),
        (
            {"successful_history": -1},
            "successful_history must be a whole number, 0 or more, not -1",
        ),
        ({"failed_history": True}, "failed_history must be a whole number, 0 or more, not True"),
        ({"suspend": "yes"}, "suspend must be True or False, not 'yes'"),
        ({"when": " "}, "when must be a non-empty expression string, not ' '"),
        ({"stop_strategy": 3}, "stop_strategy must be a non-empty expression string, not 3"),
        (
            {"workflow_metadata": ["a"]},
            "workflow_metadata must be WorkflowMetadata(labels=..., annotations=...) or a dict "
            "such as {'labels': {...}}, not ['a']",
        ),
        (
            {"workflow_metadata": {"labels": {"team": "data platform"}}},
            "workflow_metadata label 'team': label value 'data platform' must be empty or at "
            "most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a "
            "letter or digit",
        ),
        (
            {"workflow_metadata": WorkflowMetadata(labels_from={"env": "workflow.name"})},
            "workflow_metadata of a CronWorkflow sets the labels and annotations of the "
            "workflows it starts and has no labels_from: give labels_from in WorkflowMetadata "
            "through patch={'spec': {'workflowSpec': ...}} instead",
        ),
        (
            {"schedule": "@daily"},
            "CronWorkflow has no option 'schedule'. Write schedules=[...], a list of schedules: "
            "Argo v4 removed the singular schedule.",
        ),
        ({"timezon": "UTC"}, "CronWorkflow has no option 'timezon'. Did you mean 'timezone'?"),
    ],
)
def test_bad_option(options: dict[str, Any], message: str) -> None:
    def build() -> None:
        CronWorkflow("c", entrypoint=nightly, schedules="@daily", **options)  # option

    assert error_of(build) == f"{line_of('option')}: {message} [C148]"


def test_negative_starting_deadline() -> None:
    def build() -> None:
        CronWorkflow("c", entrypoint=nightly, schedules="@daily", starting_deadline=-5)  # deadline

    assert error_of(build) == (
        f"{line_of('deadline')}: starting_deadline: duration -5 is negative [C117]"
    )


def test_name_longer_than_52() -> None:
    cron = CronWorkflow("a" * 53, entrypoint=nightly, schedules="@daily")  # long
    assert error_of(cron.to_dict) == (
        f"{line_of('long')}: CronWorkflow name '{'a' * 53}' is 53 characters long; a CronWorkflow "
        "name is at most 52 [C109]"
    )


def test_entrypoint_input_without_a_value() -> None:
    @dag
    def needs(day: str) -> None:
        report(day=day)

    cron = CronWorkflow("c", entrypoint=needs, schedules="@daily")  # C151
    assert error_of(cron.to_dict) == (
        f"{line_of('C151')}: CronWorkflow 'c' runs entrypoint 'needs', whose input(s) 'day' have "
        "no default, and a CronWorkflow is started by its schedule, so nobody can give them: "
        "set them in arguments= or give the inputs defaults [C151]"
    )


def test_template_input_without_a_value_for_a_cron_from_template() -> None:
    @dag
    def needs(day: str) -> None:
        report(day=day)

    job = WorkflowTemplate("job", entrypoint=needs)
    cron = CronWorkflow("c", from_template=job, schedules="@daily")  # C102
    assert error_of(cron.to_dict) == (
        f"{line_of('C102')}: WorkflowTemplate 'job' needs input(s) 'day' of its entrypoint "
        "'needs', and a CronWorkflow is started by its schedule, so nobody can give them: set "
        "them in arguments= [C102]"
    )
    given = CronWorkflow("c", from_template=job, schedules="@daily", arguments={"day": "x"})
    assert_valid(given.to_dict())
    assert given.to_dict()["spec"]["workflowSpec"] == {
        "workflowTemplateRef": {"name": "job"},
        "arguments": {"parameters": [{"name": "day", "value": "x"}]},
    }


# -- YAML checks: V170-V176 ----------------------------------------------------------------------


def cron_doc(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schedules": ["0 2 * * *"], **spec}
    body["workflowSpec"] = {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "nightly"},
        "spec": body,
    }


def findings(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(d.code, d.severity, d.path, d.message) for d in check_semantics(doc)]


def test_a_valid_cron_document_has_no_findings() -> None:
    doc = cron_doc(
        schedules=["0 2 * * *", "CRON_TZ=Asia/Tokyo @every 90m"],
        concurrencyPolicy="Replace",
        startingDeadlineSeconds=0,
        successfulJobsHistoryLimit=0,
    )
    assert findings(doc) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"schedules": ["0 0 * * 7", "@daily"]},
            [
                (
                    "V170",
                    "error",
                    "spec.schedules[0]",
                    "schedule '0 0 * * 7': the day-of-week field has '7': 7 is outside 0-6 "
                    "(Sunday is 0; there is no 7)",
                )
            ],
        ),
        (
            {"timezone": "Europe/Pari"},
            [
                (
                    "V171",
                    "error",
                    "spec.timezone",
                    "invalid timezone: 'Europe/Pari' is not a time zone name Argo knows: use an "
                    "IANA name such as 'Europe/Paris', 'America/New_York' or 'UTC' (names are "
                    "case-sensitive). Did you mean 'Europe/Paris'?",
                )
            ],
        ),
        (
            {"schedules": []},
            [
                (
                    "V172",
                    "error",
                    "spec.schedules",
                    "schedules is empty, so the CronWorkflow never runs: list at least one "
                    "schedule, e.g. schedules: ['0 2 * * *'] (02:00 every day)",
                )
            ],
        ),
        (
            {"schedules": ["CRON_TZ=UTC @daily"], "timezone": "Europe/Paris"},
            [
                (
                    "V173",
                    "error",
                    "spec.schedules[0]",
                    "schedule 'CRON_TZ=UTC @daily' has its own time zone prefix while timezone "
                    "is 'Europe/Paris'; Argo writes 'CRON_TZ=Europe/Paris CRON_TZ=UTC @daily', "
                    "which its controller cannot read: remove the prefix or the timezone",
                )
            ],
        ),
        (
            {"concurrencyPolicy": "forbid"},
            [
                (
                    "V174",
                    "error",
                    "spec.concurrencyPolicy",
                    "concurrencyPolicy 'forbid' is not one of Allow, Forbid, Replace, and Argo "
                    "refuses the CronWorkflow. Did you mean 'Forbid'?",
                )
            ],
        ),
        (
            {"startingDeadlineSeconds": -5, "failedJobsHistoryLimit": -1},
            [
                (
                    "V175",
                    "error",
                    "spec.startingDeadlineSeconds",
                    "startingDeadlineSeconds is -5, and Argo refuses a negative deadline: set "
                    "how many seconds late a missed run may still start (0 drops missed runs)",
                ),
                (
                    "V175",
                    "warning",
                    "spec.failedJobsHistoryLimit",
                    "failedJobsHistoryLimit is -1; Argo ignores a negative limit and keeps 1: "
                    "set how many finished workflows to keep (0 or more)",
                ),
            ],
        ),
        (
            {"schedules": ["@daily", "@daily"]},
            [
                (
                    "V176",
                    "warning",
                    "spec.schedules[1]",
                    "schedule '@daily' is listed twice; Argo starts one run for both (it drops "
                    "the second as a duplicate): remove one",
                )
            ],
        ),
        (
            {"when": "{{cronworkflow.name}} == my-cron"},
            [
                (
                    "V137",
                    "warning",
                    "spec.when",
                    "'my-cron' is not quoted, so govaluate reads its '-' as a minus: quote both "
                    "sides ('{{cronworkflow.name}}' == 'my-cron') or use an expression "
                    "({{= cronworkflow.name == 'my-cron' }})",
                )
            ],
        ),
    ],
)
def test_yaml_checks(spec: dict[str, Any], expected: list[tuple[str, str, str, str]]) -> None:
    assert findings(cron_doc(**spec)) == expected


def test_singular_schedule_is_reported_by_the_schema_check() -> None:
    doc = cron_doc()
    doc["spec"]["schedule"] = doc["spec"].pop("schedules")[0]
    problems = [(d.code, d.path, d.message) for d in validate_document(doc)]
    assert problems == [
        (
            "V002",
            "spec.schedule",
            "'schedule' was removed in Argo v4; use schedules: [...] (a list)",
        ),
        ("V001", "spec.schedules", "missing required field 'schedules'; add it"),
    ]


# -- the CLI and the source loader ---------------------------------------------------------------

PYTHON_SOURCE = """\
from tiphys import CronWorkflow, container, dag


@container(image="alpine:3.20")
def hello() -> list[str]:
    return ["echo", "hello"]


@dag
def main() -> None:
    hello()


cron = CronWorkflow("hello-cron", entrypoint=main, schedules=["*/15 * * * *"], timezone="UTC")
"""

YAML_SOURCE = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: hello-cron
spec:
  schedules: ["*/15 * * * *"]
  timezone: UTC
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container:
        image: alpine:3.20
"""


def test_sources_find_cron_workflows_in_python_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "cron.py").write_text(PYTHON_SOURCE)
    (tmp_path / "cron.yaml").write_text(YAML_SOURCE)
    found = collect([str(tmp_path / "cron.py"), str(tmp_path / "cron.yaml")])
    assert [(s.kind, s.name, s.line) for s in found] == [
        ("CronWorkflow", "hello-cron", 14),
        ("CronWorkflow", "hello-cron", 1),
    ]


def test_lint_and_compile_accept_cron_workflows(tmp_path: Path) -> None:
    (tmp_path / "cron.py").write_text(PYTHON_SOURCE)
    (tmp_path / "cron.yaml").write_text(YAML_SOURCE)
    runner = CliRunner()
    lint = runner.invoke(create_app(), ["lint", str(tmp_path)])
    assert (lint.exit_code, lint.output) == (0, "✔ no problems found\n")
    compiled = runner.invoke(create_app(), ["compile", str(tmp_path / "cron.py")])
    assert compiled.exit_code == 0
    assert compiled.output.startswith(
        "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata:\n  name: hello-cron\n"
        "spec:\n  schedules:\n  - '*/15 * * * *'\n  timezone: UTC\n  workflowSpec:\n"
    )


def test_lint_reports_a_bad_schedule_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cron.yaml"
    path.write_text(YAML_SOURCE.replace("*/15 * * * *", "*/15 * * * * *"))
    result = CliRunner().invoke(create_app(), ["lint", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"{path}:6: schedule '*/15 * * * * *': it has 6 fields, but Argo's cron reads exactly 5 "
        "(minute hour day-of-month month day-of-week), and has no seconds or year field: for "
        "example '0 2 * * *' runs at 02:00 every day (at spec.schedules[0]) [V170]\n"
        "✖ 1 error, 0 warnings in 1 file\n"
    )
