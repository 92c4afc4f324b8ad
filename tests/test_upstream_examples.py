"""Every Argo document of the upstream examples validates; broken copies are caught by path.

The examples (``../shared/argo/examples``, Argo v4.1.2, recursive, no skip list) are validated
once per file and cached; the same documents go through the schema oracle (``schema_oracle``,
independent of Hera). Then each document gets mutated copies (a misspelt field, wrong types, a
dangling ``depends``, a duplicate template, bad names) and each must be reported with its path.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import schema_oracle
from schema_oracle import SHARED_ARGO, oracle_errors, shared_argo
from tiphys.argo.paths import join
from tiphys.compile.yaml_in import LoadedDocument, load_documents
from tiphys.errors import Diagnostic, errors_only
from tiphys.validate import ARGO_KINDS, validate_document

EXAMPLES = SHARED_ARGO / "examples"


def _example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def _id(path: Path) -> str:
    return path.relative_to(EXAMPLES).as_posix()


@functools.cache
def _documents(path: Path) -> tuple[LoadedDocument, ...]:
    """The Argo documents of one example file (other kinds, e.g. ConfigMap, are left out)."""
    docs = load_documents(path.read_text(), _id(path))
    return tuple(d for d in docs if d.doc.get("kind") in ARGO_KINDS)


@functools.cache
def _validated(path: Path) -> tuple[tuple[LoadedDocument, list[Diagnostic]], ...]:
    return tuple(
        (d, validate_document(d.doc, file=d.file, line_of=d.line_of)) for d in _documents(path)
    )


_ABSENT = [pytest.param(None, id="shared-argo-absent")]
FILE_PARAMS = [pytest.param(p, id=_id(p)) for p in _example_files()] if EXAMPLES.is_dir() else []


def _show(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.format() for d in diagnostics)


@pytest.mark.parametrize("path", FILE_PARAMS or _ABSENT)
def test_example_validates(path: Path | None) -> None:
    shared_argo()
    assert path is not None
    for loaded, diagnostics in _validated(path):
        assert errors_only(diagnostics) == [], _show(diagnostics)
        for diagnostic in diagnostics:  # warnings point at the user's line
            assert diagnostic.location.file == loaded.file
            assert diagnostic.location.line >= loaded.line


@pytest.mark.parametrize("path", FILE_PARAMS or _ABSENT)
def test_example_passes_the_oracle(path: Path | None) -> None:
    shared_argo()
    assert path is not None
    for loaded in _documents(path):
        assert oracle_errors(loaded.doc) == [], f"document {loaded.index} of {loaded.file}"


def test_examples_cover_every_kind() -> None:
    shared_argo()
    kinds = {d.doc["kind"] for path in _example_files() for d in _documents(path)}
    assert kinds == ARGO_KINDS


def test_expected_warnings_only() -> None:
    """The examples' few slips are warnings, with a hint that says what to do."""
    shared_argo()
    found = {
        (d.location.file, d.code, d.path, d.location.line)
        for path in _example_files()
        for _, diagnostics in _validated(path)
        for d in diagnostics
    }
    assert found == {
        # `generateName` is indented under metadata.labels upstream.
        ("fun-with-gifs.yaml", "V111", "metadata", 12),
        ("k8s-jobs.yaml", "V111", "metadata", 8),
        (
            "global-parameters-from-configmap-referenced-as-local-variable.yaml",
            "V110",
            "metadata.generateName",
            4,
        ),
        # Arguments passed to templates without inputs (Argo ignores them).
        *(
            (file, "V117", f"spec.templates[0].steps[0][{i}].arguments.parameters[0].name", line)
            for file, i, line in (
                ("synchronization-db-mutex-tmpl-level.yaml", 0, 18),
                ("synchronization-db-mutex-tmpl-level.yaml", 1, 26),
                ("synchronization-db-tmpl-level.yaml", 0, 20),
                ("synchronization-mutex-tmpl-level.yaml", 0, 18),
                ("synchronization-mutex-tmpl-level.yaml", 1, 26),
            )
        ),
        # workflow.status printed by a template of the main run (its phase there, "Running").
        ("variables-showcase.yaml", "V185", "spec.templates[1].script.source", 166),
        # A WorkflowTemplate parameter that only its WorkflowEventBinding passes.
        (
            "workflow-event-binding/event-consumer-workflowtemplate.yaml",
            "V127",
            "spec.templates[0].steps[0][0].arguments.parameters[1].value",
            21,
        ),
        # A readiness probe on a template that is not a daemon (Argo does not wait for it).
        ("buildkit-template.yaml", "V158", "spec.templates[3].container.readinessProbe", 137),
        # HTTP templates without timeoutSeconds (Argo's agent then applies no timeout).
        ("http-hello-world.yaml", "V140", "spec.templates[1].http", 29),
        ("http-success-condition.yaml", "V140", "spec.templates[1].http", 27),
        ("http-success-condition.yaml", "V140", "spec.templates[2].http", 34),
        ("http-success-condition.yaml", "V140", "spec.templates[3].http", 41),
        ("life-cycle-hooks-tmpl-level.yaml", "V140", "spec.templates[2].http", 37),
        ("life-cycle-hooks-wf-level.yaml", "V140", "spec.templates[2].http", 26),
    }


# ----------------------------------------------------------------------------------------------
# Mutated copies.


def _spec(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The workflow spec of a document and its path (a CronWorkflow's is nested)."""
    if doc["kind"] == "CronWorkflow":
        return doc["spec"]["workflowSpec"], "spec.workflowSpec"
    return doc["spec"], "spec"


def _templates(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    spec, path = _spec(doc)
    return spec.get("templates") or [], f"{path}.templates"


def _misspell_container(doc: dict[str, Any]) -> str | None:
    templates, path = _templates(doc)
    for i, template in enumerate(templates):
        if "container" in template:
            template["contianer"] = template.pop("container")
            return f"{path}[{i}].contianer"
    return None


def _parallelism_string(doc: dict[str, Any]) -> str | None:
    spec, path = _spec(doc)
    spec["parallelism"] = "x"
    return f"{path}.parallelism"


def _retry_strategy_list(doc: dict[str, Any]) -> str | None:
    templates, path = _templates(doc)
    if not templates:
        return None
    templates[0]["retryStrategy"] = [{"limit": 1}]
    return f"{path}[0].retryStrategy"


def _dangling_depends(doc: dict[str, Any]) -> str | None:
    templates, path = _templates(doc)
    for i, template in enumerate(templates):
        tasks = (template.get("dag") or {}).get("tasks") or []
        if not tasks:
            continue
        j, task = len(tasks) - 1, tasks[-1]
        if "dependencies" in task:
            task["dependencies"].append("no-such-task")
            return f"{path}[{i}].dag.tasks[{j}].dependencies[{len(task['dependencies']) - 1}]"
        old = task.get("depends")
        task["depends"] = f"({old}) && no-such-task" if old else "no-such-task"
        return f"{path}[{i}].dag.tasks[{j}].depends"
    return None


def _duplicate_template(doc: dict[str, Any]) -> str | None:
    templates, path = _templates(doc)
    if not templates:
        return None
    templates.append(copy.deepcopy(templates[0]))
    return f"{path}[{len(templates) - 1}].name"


def _underscore_template_name(doc: dict[str, Any]) -> str | None:
    templates, path = _templates(doc)
    if not templates:
        return None
    templates[0]["name"] += "_x"
    return f"{path}[0].name"


def _long_name(doc: dict[str, Any]) -> str | None:
    doc["metadata"].pop("generateName", None)
    doc["metadata"]["name"] = "a" * 64
    return "metadata.name"


def _uppercase_name(doc: dict[str, Any]) -> str | None:
    doc["metadata"].pop("generateName", None)
    doc["metadata"]["name"] = "My-Workflow"
    return "metadata.name"


def _template_strings(doc: dict[str, Any]) -> Iterator[tuple[Any, Any, str]]:
    """``(holder, key, path)`` of each string of each template (not in metrics or inline)."""
    templates, path = _templates(doc)
    stack: list[tuple[Any, Any, str]] = [
        (templates, i, f"{path}[{i}]") for i in range(len(templates))
    ]
    stack.reverse()
    while stack:
        holder, key, where = stack.pop()
        value = holder[key]
        if isinstance(value, str):
            yield holder, key, where
        elif isinstance(value, dict):
            keys = [k for k in value if k not in ("metrics", "inline")]
            stack.extend((value, k, join(where, k)) for k in reversed(keys))
        elif isinstance(value, list):
            stack.extend((value, i, f"{where}[{i}]") for i in reversed(range(len(value))))


def _replace_tag(doc: dict[str, Any], pattern: str, replacement: str) -> str | None:
    """Rewrite the first tag matching ``pattern`` in a template string; return its path."""
    for holder, key, where in _template_strings(doc):
        new, count = re.subn(pattern, replacement, holder[key], count=1)
        if count:
            holder[key] = new
            return where
    return None


def _misspell_input_reference(doc: dict[str, Any]) -> str | None:
    return _replace_tag(doc, r"\{\{inputs\.parameters\.([-\w]+)\}\}", r"{{inputs.parameters.\1zz}}")


def _misspell_output_field(doc: dict[str, Any]) -> str | None:
    return _replace_tag(
        doc, r"\{\{((?:tasks|steps)\.[-\w]+)\.outputs\.result\}\}", r"{{\1.outputs.reslt}}"
    )


def _unknown_workflow_variable(doc: dict[str, Any]) -> str | None:
    return _replace_tag(doc, r"\{\{", "{{workflow.nmae}}{{")


def _drop_required_argument(doc: dict[str, Any]) -> str | None:
    """Remove an argument for a required input from the first call of a local template."""
    templates, path = _templates(doc)
    by_name = {t["name"]: t for t in templates}
    for i, template in enumerate(templates):
        calls = [
            (f"dag.tasks[{j}]", t)
            for j, t in enumerate((template.get("dag") or {}).get("tasks") or [])
        ]
        calls += [
            (f"steps[{g}][{j}]", s)
            for g, group in enumerate(template.get("steps") or [])
            for j, s in enumerate(group)
        ]
        for where, call in calls:
            called = by_name.get(call.get("template"))
            args = (call.get("arguments") or {}).get("parameters") or []
            if called is None or "templateRef" in call or "inline" in call:
                continue
            required = {
                p["name"]
                for p in (called.get("inputs") or {}).get("parameters") or []
                if not {"value", "default", "valueFrom"} & p.keys()
            }
            for k, arg in enumerate(args):
                if arg.get("name") in required:
                    del args[k]
                    return f"{path}[{i}].{where}.arguments"
    return None


@dataclass(frozen=True)
class Mutation:
    """A way to break a document, and what validation must report for it."""

    name: str
    apply: Callable[[dict[str, Any]], str | None]  # changes the copy; returns the path, or None
    code: str
    in_schema: bool  # the schema oracle catches it too (otherwise the oracle still passes)


MUTATIONS = (
    Mutation("contianer", _misspell_container, "V002", True),
    Mutation("parallelism-string", _parallelism_string, "V001", True),
    Mutation("retryStrategy-list", _retry_strategy_list, "V001", True),
    Mutation("dangling-depends", _dangling_depends, "V105", False),
    Mutation("duplicate-template", _duplicate_template, "V102", False),
    Mutation("template-name-underscore", _underscore_template_name, "V103", False),
    Mutation("name-too-long", _long_name, "V109", False),
    Mutation("name-uppercase", _uppercase_name, "V109", False),
    Mutation("required-argument-dropped", _drop_required_argument, "V118", False),
    Mutation("input-reference-misspelt", _misspell_input_reference, "V122", False),
    Mutation("output-field-misspelt", _misspell_output_field, "V126", False),
    Mutation("workflow-variable-unknown", _unknown_workflow_variable, "V128", False),
)


def _mutation_params() -> list[Any]:
    params = []
    for path in _example_files():
        for mutation in MUTATIONS:
            docs = _documents(path)
            if docs and mutation.apply(copy.deepcopy(docs[0].doc)) is not None:
                params.append(pytest.param(path, mutation, id=f"{_id(path)}-{mutation.name}"))
    return params


MUTATION_PARAMS = _mutation_params() if EXAMPLES.is_dir() else []


@pytest.mark.parametrize(
    ("path", "mutation"), MUTATION_PARAMS or [pytest.param(None, None, id="shared-argo-absent")]
)
def test_mutation_is_caught(path: Path | None, mutation: Mutation | None) -> None:
    shared_argo()
    assert path is not None and mutation is not None
    loaded = _documents(path)[0]
    doc = copy.deepcopy(loaded.doc)
    where = mutation.apply(doc)
    found = validate_document(doc)
    assert [d for d in found if d.code == mutation.code and d.path == where], _show(found)
    oracle = oracle_errors(doc)
    if mutation.in_schema:
        assert [e for e in oracle if e.startswith(f"{where}: ")], oracle
    else:
        assert oracle == []


def test_mutations_apply_widely() -> None:
    """Each mutation finds something to break in many examples (the test above is not empty)."""
    shared_argo()
    counts = {m.name: sum(1 for p in MUTATION_PARAMS if p.values[1] is m) for m in MUTATIONS}
    assert min(counts.values()) >= 10, counts


# ----------------------------------------------------------------------------------------------
# The oracle itself, and the rule for the shared folder.


def test_oracle_is_draft_2020_12_with_both_adjustments() -> None:
    from jsonschema import Draft202012Validator

    shared_argo()
    validator = schema_oracle.validator("Workflow")
    assert isinstance(validator, Draft202012Validator)
    Draft202012Validator.check_schema(validator.schema)  # the adjusted schema is a valid schema
    doc: dict[str, Any] = {
        "kind": "Workflow",
        "metadata": {"name": "x", "creationTimestamp": "not a date"},  # formats do not explode
        "spec": {"templates": [{"name": "a", "retryStrategy": {"limit": 2}, "contianer": {}}]},
    }
    assert oracle_errors(doc) == ["spec.templates[0].contianer: unknown field"]


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_absent_shared_folder_skips_or_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(schema_oracle, "SHARED_ARGO", tmp_path / "absent")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="absent"):
        shared_argo()
