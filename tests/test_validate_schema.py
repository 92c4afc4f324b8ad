"""Schema validation through Hera's models: types, unknown fields, v4.1.2 gaps, parameter values."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema_oracle import oracle_errors
from tiphys.argo.paths import format_path, parse_path
from tiphys.errors import Diagnostic, Location
from tiphys.validate import validate_document, validate_schema
from tiphys.validate.schema import argo_string

ROOT = Path(__file__).resolve().parents[1]
GAPS_FILE = ROOT / "sdk" / "tiphys" / "validate" / "_hera_gaps.json"


def workflow(**spec: Any) -> dict[str, Any]:
    """A valid Workflow with one container template; ``spec`` fields are added or replaced."""
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "test-"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
        },
    }
    doc["spec"].update(spec)
    return doc


def with_template(**fields: Any) -> dict[str, Any]:
    """A Workflow whose template ``main`` has the given extra fields."""
    doc = workflow()
    doc["spec"]["templates"][0].update(fields)
    return doc


def found(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(d.code, d.severity, d.path, d.message) for d in validate_schema(doc)]


# ----------------------------------------------------------------------------------------------
# The gaps file is generated, never hand-kept.


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_hera_gaps", ROOT / "scripts/gen_hera_gaps.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hera_gaps_file_is_current(shared_argo_dir: Path) -> None:
    generator = _generator()
    gaps = generator.compute_gaps(shared_argo_dir / "schema.json")
    assert json.loads(GAPS_FILE.read_text()) == gaps, "run scripts/gen_hera_gaps.py"
    assert GAPS_FILE.read_text() == generator.render(gaps)


def test_hera_gaps_content(shared_argo_dir: Path) -> None:
    """What Hera 7.1 (Argo v4.0.5) lacks against v4.1.2: fields and one widened type."""
    gaps = json.loads(GAPS_FILE.read_text())
    template = gaps["added_fields"]["io.argoproj.workflow.v1alpha1.Template"]
    assert template == {
        "pendingTimeout": ["string"],
        "podResources": ["object"],
        "resourceClaims": ["array"],
    }
    assert gaps["widened_types"] == {"io.k8s.api.core.v1.HTTPGetAction": {"port": ["string"]}}
    assert gaps["removed_fields"] == {}


def test_fields_added_in_v4_1_are_accepted() -> None:
    doc = with_template(pendingTimeout="5m", podResources={"limits": {"cpu": "1"}})
    doc["spec"]["templates"][0]["container"]["restartPolicyRules"] = [{"action": "Restart"}]
    assert found(doc) == []
    assert oracle_errors(doc) == []


def test_fields_added_in_v4_1_still_have_a_type() -> None:
    assert found(with_template(pendingTimeout=5)) == [
        (
            "V001",
            "error",
            "spec.templates[0].pendingTimeout",
            "wrong type: expected a string, got the integer 5",
        )
    ]


def test_widened_types_are_accepted() -> None:
    probe = {"httpGet": {"port": "http", "path": "/healthz"}}
    doc = workflow()
    doc["spec"]["templates"][0]["container"]["readinessProbe"] = probe
    assert found(doc) == []
    probe["httpGet"]["port"] = [80]
    assert [f[2] for f in found(doc)] == ["spec.templates[0].container.readinessProbe.httpGet.port"]


# ----------------------------------------------------------------------------------------------
# Unknown fields.


def test_unknown_field_with_suggestion() -> None:
    doc = workflow()
    doc["spec"]["templates"][0]["contianer"] = doc["spec"]["templates"][0].pop("container")
    assert found(doc) == [
        (
            "V002",
            "error",
            "spec.templates[0].contianer",
            "unknown field 'contianer' in Template; the Argo Server would silently drop it. "
            "Did you mean 'container'?",
        )
    ]


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("service_account_name", "serviceAccountName"),
        ("Entrypoint", "entrypoint"),
        ("onexit", "onExit"),
    ],
)
def test_unknown_field_suggests_the_argo_spelling(key: str, suggestion: str) -> None:
    [(code, _, path, message)] = found(workflow(**{key: "x"}))
    assert (code, path) == ("V002", f"spec.{key}")
    assert message.endswith(f"Did you mean '{suggestion}'?")


def test_unknown_field_without_suggestion() -> None:
    assert found(workflow(zzz=1)) == [
        (
            "V002",
            "error",
            "spec.zzz",
            "unknown field 'zzz' in WorkflowSpec; the Argo Server would silently drop it",
        )
    ]


def test_unknown_fields_are_found_inside_lists_and_maps() -> None:
    doc = workflow(hooks={"exit": {"template": "main", "argumnets": {}}})
    doc["spec"]["templates"][0]["container"]["env"] = [{"name": "A", "valeu": "1"}]
    assert [(f[0], f[2]) for f in found(doc)] == [
        ("V002", "spec.templates[0].container.env[0].valeu"),
        ("V002", "spec.hooks.exit.argumnets"),
    ]


def test_free_form_objects_accept_any_key() -> None:
    doc = with_template(plugin={"hello": {"any": ["thing"]}})
    del doc["spec"]["templates"][0]["container"]
    assert found(doc) == []


@pytest.mark.parametrize(
    ("where", "key", "value", "message"),
    [
        (
            "cron",
            "schedule",
            "* * * * *",
            "'schedule' was removed in Argo v4; use schedules: [...] (a list)",
        ),
        (
            "spec",
            "podPriority",
            1,
            "'podPriority' was removed in Argo v4; use podPriorityClassName",
        ),
    ],
)
def test_fields_removed_in_v4(where: str, key: str, value: Any, message: str) -> None:
    if where == "cron":
        doc = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "CronWorkflow",
            "metadata": {"name": "nightly"},
            "spec": {"schedules": ["0 1 * * *"], key: value, "workflowSpec": workflow()["spec"]},
        }
        path = f"spec.{key}"
    else:
        doc, path = workflow(**{key: value}), f"spec.{key}"
    assert found(doc) == [("V002", "error", path, message)]


# ----------------------------------------------------------------------------------------------
# Types and required fields.


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("parallelism", "x", 'wrong type: expected an integer, got the string "x"'),
        (
            "parallelism",
            "5",
            'wrong type: expected an integer, got the string "5"',
        ),  # Go rejects it too
        ("parallelism", True, "wrong type: expected an integer, got the boolean true"),
        ("retryStrategy", [{"limit": 1}], "wrong type: expected a mapping, got a list"),
        ("archiveLogs", "yes", 'wrong type: expected a boolean, got the string "yes"'),
        ("entrypoint", 3, "wrong type: expected a string, got the integer 3"),
        ("templates", {"name": "main"}, "wrong type: expected a list, got a mapping"),
    ],
)
def test_wrong_types(field: str, value: Any, message: str) -> None:
    doc = workflow(**{field: value})
    assert found(doc) == [("V001", "error", f"spec.{field}", message)]
    assert [e for e in oracle_errors(doc) if e.startswith(f"spec.{field}: ")]


def test_int_or_string_takes_both_and_reports_both() -> None:
    assert found(with_template(activeDeadlineSeconds=30)) == []
    assert found(with_template(activeDeadlineSeconds="{{inputs.parameters.t}}")) == []
    assert found(with_template(activeDeadlineSeconds=[1])) == [
        (
            "V001",
            "error",
            "spec.templates[0].activeDeadlineSeconds",
            "wrong type: expected a string or an integer, got a list",
        )
    ]


def test_missing_required_fields() -> None:
    doc = with_template(inputs={"parameters": [{"value": "x"}]})
    doc["metadata"] = None
    assert found(doc) == [
        ("V001", "error", "metadata", "wrong type: expected a mapping, got null"),
        (
            "V001",
            "error",
            "spec.templates[0].inputs.parameters[0].name",
            "missing required field 'name'; add it",
        ),
    ]


def test_cron_workflow_requires_schedules() -> None:
    doc = {
        "kind": "CronWorkflow",
        "metadata": {"name": "c"},
        "spec": {"workflowSpec": workflow()["spec"]},
    }
    assert found(doc) == [
        ("V001", "error", "spec.schedules", "missing required field 'schedules'; add it")
    ]


def test_numeric_quantities_are_accepted() -> None:
    doc = workflow()
    doc["spec"]["templates"][0]["container"]["resources"] = {
        "limits": {"cpu": 1, "memory": "1Gi"},
        "requests": {"cpu": 0.5},
    }
    assert found(doc) == []


def test_label_values_must_be_strings() -> None:
    doc = workflow()
    doc["metadata"]["labels"] = {"app.kubernetes.io/version": 2}
    assert found(doc) == [
        (
            "V001",
            "error",
            'metadata.labels["app.kubernetes.io/version"]',
            "wrong type: expected a string, got the integer 2",
        )
    ]


# ----------------------------------------------------------------------------------------------
# Parameter values: strings in Argo; other scalars are a warning and are stringified.


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("value", 1, 'value: "1"'),
        ("value", 1.0, 'value: "1"'),
        ("value", 1e21, 'value: "1000000000000000000000"'),
        ("value", 0.1, 'value: "0.1"'),
        ("default", True, 'default: "true"'),
        ("default", False, 'default: "false"'),
        ("enum", [1, "b", 2.5], 'enum: ["1", "b", "2.5"]'),
    ],
)
def test_non_string_parameter_values_are_a_warning(field: str, value: Any, shown: str) -> None:
    parameter = {"name": "p", field: value}
    doc = workflow(arguments={"parameters": [parameter]})
    assert found(doc) == [
        (
            "V003",
            "warning",
            f"spec.arguments.parameters[0].{field}",
            f"parameter values are strings in Argo; quote it: {shown}",
        )
    ]
    assert parameter[field] == value  # the caller's document is not changed


def test_parameter_values_under_every_parameters_list() -> None:
    doc = with_template(
        inputs={"parameters": [{"name": "a", "default": 1}]},
        outputs={"parameters": [{"name": "b", "value": 2}]},
    )
    doc["spec"]["templates"].append(
        {
            "name": "s",
            "steps": [
                [
                    {
                        "name": "x",
                        "template": "main",
                        "arguments": {"parameters": [{"name": "a", "value": 3}]},
                    }
                ]
            ],
        }
    )
    assert [(f[0], f[2]) for f in found(doc)] == [
        ("V003", "spec.templates[0].inputs.parameters[0].default"),
        ("V003", "spec.templates[0].outputs.parameters[0].value"),
        ("V003", "spec.templates[1].steps[0][0].arguments.parameters[0].value"),
    ]


def test_parameter_values_that_cannot_be_strings_are_errors() -> None:
    doc = workflow(arguments={"parameters": [{"name": "p", "value": {"a": 1}}]})
    assert found(doc) == [
        (
            "V001",
            "error",
            "spec.arguments.parameters[0].value",
            "wrong type: expected a string, got a mapping",
        )
    ]


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.booleans())
def test_argo_string_is_exact_and_has_no_exponent(value: float | int | bool) -> None:
    text = argo_string(value)
    if isinstance(value, bool):
        assert text == str(value).lower()
    else:
        assert "e" not in text.lower()
        assert (
            Decimal(text) == Decimal(repr(value))
            if isinstance(value, float)
            else int(text) == value
        )


# ----------------------------------------------------------------------------------------------
# Kinds, locations, paths, imports.


def test_other_kinds_are_refused() -> None:
    assert found({"kind": "ConfigMap"}) == [
        (
            "V000",
            "error",
            "kind",
            "kind 'ConfigMap' is not an Argo workflow kind "
            "(one of ClusterWorkflowTemplate, CronWorkflow, Workflow, WorkflowTemplate)",
        )
    ]
    assert [d.code for d in validate_document({"kind": "ConfigMap"})] == ["V000"]


def test_locations_come_from_line_of() -> None:
    lines = {"spec.parallelism": 7}
    [diagnostic] = validate_schema(
        workflow(parallelism="x"), file="wf.yaml", line_of=lambda p: lines.get(p, 1)
    )
    assert diagnostic == Diagnostic(
        "V001",
        'wrong type: expected an integer, got the string "x"',
        location=Location("wf.yaml", 7),
        path="spec.parallelism",
    )
    assert (
        diagnostic.format()
        == 'wf.yaml:7: wrong type: expected an integer, got the string "x" (at spec.parallelism)'
        " [V001]"
    )


def test_file_without_line_of_gives_line_zero() -> None:
    [diagnostic] = validate_schema(workflow(parallelism="x"), file="wf.yaml")
    assert diagnostic.location == Location("wf.yaml", 0)


def test_the_input_is_not_modified() -> None:
    doc = workflow(arguments={"parameters": [{"name": "p", "value": 1}]}, zzz=1)
    before = copy.deepcopy(doc)
    validate_document(doc)
    assert doc == before


_KEYS = st.text(min_size=1, max_size=12) | st.from_regex(
    r"[A-Za-z_][-A-Za-z0-9_]{0,8}", fullmatch=True
)


@given(st.lists(_KEYS | st.integers(min_value=0, max_value=999), max_size=6))
def test_paths_round_trip(parts: list[str | int]) -> None:
    assert parse_path(format_path(parts)) == parts


def test_importing_validation_is_light() -> None:
    code = (
        "import sys, tiphys.validate, tiphys.compile.yaml_in\n"
        "print(sorted(m for m in ('hera', 'pydantic', 'yaml', 'httpx') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
