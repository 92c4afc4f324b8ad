"""Golden and contract tests of the examples, the real pipelines and the template library.

* Every ``examples/<name>.py`` compiles to exactly the text of ``examples/<name>.yaml`` (the
  whole file, regenerated with ``python scripts/gen_examples.py``).
* Every compiled example and every workflow object in ``workflows/`` and ``templates/`` is valid
  for the schema oracle (Argo v4.1.2's ``schema.json``, strict about unknown fields) and for
  ``tiphys.validate.validate_document`` (no errors).
* ``tiphys compile workflows/release.py -p tag=v1.2`` prints the Workflow that would run.

Files are imported by path under unique module names, from the repository root (the source
header of a ``@script`` names its file relative to the working directory).
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from schema_oracle import oracle_errors, shared_argo
from tiphys.compile.yaml_in import load_documents
from tiphys.errors import errors_only
from tiphys.validate import validate_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PIPELINES = sorted([*(ROOT / "workflows").glob("*.py"), *(ROOT / "templates").glob("*.py")])
FEATURES = {
    "hello",
    "parameters",
    "dag_diamond",
    "steps",
    "coinflip",
    "loops",
    "retry",
    "script_outputs",
    "shell_script",
    "operational",
    "container_set",
    "daemon",
    "inline",
    "exit_handlers",
    "synchronization",
    "metrics",
    "http",
    "suspend",
    "data",
    "resource",
    "cron",
    "template_ref",
    "artifacts",
}
REGENERATE = "run `python scripts/gen_examples.py` and review the diff"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_tiphys_gen_examples", ROOT / "scripts" / "gen_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.fixture
def compiled(request: pytest.FixtureRequest) -> Iterator[list[dict[str, Any]]]:
    """The manifests of every module-level workflow object of the file ``request.param``."""
    path: Path = request.param
    with gen.at_root(), gen.load_module(path) as module:
        objects = gen.workflow_objects(module)
        assert objects, f"{_rel(path)} defines no module-level workflow object"
        yield [obj.to_dict() for obj in objects]


def _check_valid(docs: list[dict[str, Any]], origin: str) -> None:
    shared_argo()
    problems: list[str] = []
    for doc in docs:
        name = doc["metadata"].get("name") or doc["metadata"].get("generateName")
        where = f"{origin} ({doc['kind']} {name})"
        problems += [f"{where}: schema.json: {line}" for line in oracle_errors(doc)]
        problems += [
            f"{where}: validate_document: {d.format()}" for d in errors_only(validate_document(doc))
        ]
    assert not problems, "\n".join(problems)


# --- the set of examples ---------------------------------------------------------------------


def test_every_feature_has_an_example() -> None:
    missing = FEATURES - {p.stem for p in EXAMPLES}
    assert not missing, f"features without an example: {sorted(missing)}"


def test_every_yaml_file_has_its_example() -> None:
    orphans = [
        _rel(y) for y in (ROOT / "examples").glob("*.yaml") if not y.with_suffix(".py").exists()
    ]
    assert not orphans, f"YAML files without an example: {orphans}; delete them"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_explains_itself(path: Path) -> None:
    with gen.load_module(path) as module:
        doc = (module.__doc__ or "").strip()
    assert doc, f"{_rel(path)} needs a module docstring explaining its feature"


# --- golden YAML -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_its_yaml(path: Path) -> None:
    target = path.with_suffix(".yaml")
    if not target.exists():
        pytest.fail(f"{_rel(target)} is missing; {REGENERATE}", pytrace=False)
    expected = target.read_text(encoding="utf-8")
    actual = gen.render(path)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{_rel(target)} (committed)",
                tofile=f"{_rel(path)} (compiled now)",
            )
        )
        pytest.fail(f"{_rel(target)} is stale; {REGENERATE}\n\n{diff}", pytrace=False)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_yaml_loads_back(path: Path) -> None:
    """The committed YAML reads back as the compiled manifests (no YAML typing surprises)."""
    target = path.with_suffix(".yaml")
    if not target.exists():
        pytest.skip(f"{_rel(target)} is missing (reported by test_example_matches_its_yaml)")
    with gen.at_root(), gen.load_module(path) as module:
        expected = [obj.to_dict() for obj in gen.workflow_objects(module)]
    loaded = [d.doc for d in load_documents(target.read_text(encoding="utf-8"), _rel(target))]
    assert loaded == expected


# --- validity --------------------------------------------------------------------------------


@pytest.mark.parametrize("compiled", EXAMPLES, ids=lambda p: p.stem, indirect=True)
def test_example_is_valid(compiled: list[dict[str, Any]]) -> None:
    _check_valid(compiled, "example")


@pytest.mark.parametrize("compiled", PIPELINES, ids=_rel, indirect=True)
def test_pipeline_is_valid(compiled: list[dict[str, Any]]) -> None:
    _check_valid(compiled, "pipeline")


def test_pipelines_exist() -> None:
    names = {_rel(p) for p in PIPELINES}
    assert {"workflows/release.py", "workflows/ci.py", "templates/git.py"} <= names


# --- the release pipeline --------------------------------------------------------------------


@pytest.mark.parametrize("compiled", [ROOT / "workflows" / "release.py"], indirect=True)
def test_release_template_shape(compiled: list[dict[str, Any]]) -> None:
    (doc,) = compiled
    assert doc["kind"] == "WorkflowTemplate"
    assert doc["metadata"]["name"] == "release"
    params = {p["name"]: p for p in doc["spec"]["arguments"]["parameters"]}
    assert "value" not in params["tag"], "tag must stay required"
    assert params["env"]["enum"] == ["staging", "prod"]
    tasks = {t["name"]: t for t in doc["spec"]["templates"][0]["dag"]["tasks"]}
    assert tasks["run-tests"]["depends"] == "clone"
    assert tasks["deploy"]["depends"] == "run-tests"
    assert tasks["deploy"]["when"] == "{{=asInt(tasks['run-tests'].outputs.result) == 0}}"
    text = repr(doc)
    assert "Bearer" not in text, "the deploy token must come from the Secret, not the spec"
    deploy = next(t for t in doc["spec"]["templates"] if t["name"] == "deploy")
    assert deploy["http"] == {
        "method": "POST",
        "url": "https://deploy.example.com/api/releases",
        "headers": [
            {
                "name": "Authorization",
                "valueFrom": {"secretKeyRef": {"name": "deploy-api", "key": "authorization"}},
            },
            {"name": "Content-Type", "value": "application/json"},
        ],
        "body": "{{=toJson({'tag': inputs.parameters.tag, 'env': inputs.parameters.env })}}",
        "successCondition": "response.statusCode == 201",
        "timeoutSeconds": 30,
    }


def test_release_compiles_from_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tiphys.cli.app import main

    monkeypatch.chdir(ROOT)
    code = main(["compile", "workflows/release.py", "-p", "tag=v1.2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (doc,) = [d.doc for d in load_documents(out, "<stdout>")]
    assert doc["kind"] == "Workflow"
    assert doc["spec"]["workflowTemplateRef"] == {"name": "release"}
    assert {"name": "tag", "value": "v1.2"} in doc["spec"]["arguments"]["parameters"]
    _check_valid([doc], "tiphys compile workflows/release.py -p tag=v1.2")


def test_generator_leaves_no_modules_behind() -> None:
    before = set(sys.modules)
    gen.render(ROOT / "examples" / "hello.py")
    assert {m for m in set(sys.modules) - before if m.startswith("_tiphys_example_")} == set()
