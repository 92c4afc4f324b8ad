"""Round trip of every upstream example: YAML -> ``tiphys convert`` -> Python -> compile -> YAML.

For each file of ``../shared/argo/examples/`` (recursively, no skip list) the generated Python is
run and every object it defines is compiled; the documents must equal the originals after
:func:`normalise`. The fields written as ``patch=`` are collected per file and summarised at the
end of the run (``pytest_terminal_summary`` in ``conftest.py``). The generated sources must pass
``ruff check`` and ``ruff format --check`` (one ruff run over all of them).

Each file is converted and compiled once per session (:func:`converted`).
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from schema_oracle import SHARED_ARGO
from tiphys.argo.durations import DURATION_FIELDS, argo_duration_ns
from tiphys.convert.convert import convert_text, run_source
from tiphys.convert.load import objects_of
from tiphys.errors import TiphysError

EXAMPLES = SHARED_ARGO / "examples"
FILES = sorted(EXAMPLES.rglob("*.yaml")) if EXAMPLES.is_dir() else []
CONVERTED_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")

# Fields whose scalars Argo reads as strings (Go `string`, `[]string` or IntOrString), so that
# YAML's `1` and `"1"` mean the same: parameter value/default/enum, args/command items, env
# values, loop bounds, retry limits and backoff factors (IntOrString), labels and annotations.
_STRING_FIELDS = frozenset(
    {"value", "default", "enum", "args", "command", "count", "start", "end", "limit", "factor"}
)
_STRING_MAPS = frozenset({"labels", "annotations"})

# The only fields the converter may still write as patch= (each file's whole set is compared, so
# a new patch fails the test, and so does one that is no longer needed: update this table).
EXPECTED_PATCHES: dict[str, set[str]] = {
    # tiphys refuses a readiness probe on a template that is not a daemon (Argo ignores it)
    "buildkit-template.yaml": {"template.container.readinessProbe"},
    # no metadata name: generateName sits inside labels (fun-with-gifs) or is absent (k8s-jobs);
    # tiphys always writes one, and the patch takes it out again
    "fun-with-gifs.yaml": {"metadata (residual)"},
    "k8s-jobs.yaml": {"metadata (residual)"},
    # @suspend gives each supplied output its input's value as default; this file has none
    "intermediate-parameters.yaml": {"template.outputs.parameters"},
    # steps pass arguments that the called template does not declare, which tiphys refuses
    "synchronization-db-mutex-tmpl-level.yaml": {"template.steps"},
    "synchronization-db-tmpl-level.yaml": {"template.steps"},
    "synchronization-mutex-tmpl-level.yaml": {"template.steps"},
}
# Rule 10: keys whose empty mapping Argo reads as the absent field.
_EMPTY_AS_ABSENT = frozenset(
    {"inputs", "outputs", "metadata", "arguments", "resources", "labels", "annotations"}
)
# Mappings whose empty `parameters: []` / `artifacts: []` lists Argo drops (Go omitempty).
_IO_KEYS = frozenset({"arguments", "inputs", "outputs"})
# Argo's defaults of template-kind fields that tiphys always writes (rule 7).
_KIND_DEFAULTS: dict[str, dict[str, Any]] = {"http": {"method": "GET"}}


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _template_name(template: Any) -> str:
    return str(template.get("name")) if isinstance(template, Mapping) else ""


def _durations(out: dict[str, Any], holder: str) -> None:
    """Rule 8: duration fields of ``out`` (held under ``holder``) as nanoseconds."""
    for field, bare in DURATION_FIELDS.get(holder, {}).items():
        ns = argo_duration_ns(out.get(field), bare_seconds=bare)
        if ns is not None:
            out[field] = ("duration ns", ns)


def normalise(value: Any, key: str = "") -> Any:
    """Bring a manifest to a form where equal means equal to Argo. The rules:

    1. Key order does not matter (plain dict comparison).
    2. Scalars of fields Argo reads as strings (:data:`_STRING_FIELDS`, and the values of
       ``labels``/``annotations``) are compared as strings: ``1`` == ``"1"``,
       ``true`` == ``"true"``.
    3. A DAG task's ``dependencies: [a, b]`` is the same as ``depends: "a && b"`` (Argo's
       enhanced depends treats a bare name exactly as the old list did).
    4. ``spec.templates`` (and ``spec.workflowSpec.templates``) are compared as a set by name:
       Argo looks templates up by name, their order means nothing.
    5. A task's or step's ``onExit: x`` is the same as ``hooks: {exit: {template: x}}`` (Argo
       turns the former into the latter; tiphys writes the latter).
    6. A key whose value is null is the same as no key (the API server's JSON decoding leaves
       the field unset either way).
    7. Fields equal to Argo's defaults, where tiphys writes the default: a template's
       ``http.method`` absent is ``GET`` (the agent sends a GET; tiphys always writes the
       method). The list is :data:`_KIND_DEFAULTS`; nothing else is filled in.
    8. Argo's duration fields are compared by the duration Argo reads, where both spellings
       are ones that field accepts (FACTS §7.7): whole seconds ``"20"`` and ``"20s"`` for
       fields that take both (template and templateDefaults ``timeout``, ``suspend.duration``,
       ``retryStrategy.backoff.duration``/``cap``/``maxDuration``,
       ``podGC.deleteDelayDuration``), and Go durations (``"120s"`` and ``"2m"``) everywhere,
       including the Go-only ``memoize.maxAge`` and a container set's
       ``retryStrategy.duration``. The fields are ``DURATION_FIELDS``; a value a field would not
       read (or a ``{{...}}`` tag) is compared as written.
    9. The ``parameters`` and ``artifacts`` of ``arguments`` are compared as sets by name (Argo
       looks each up by name; tiphys writes them in the order of the called template's
       signature).

    10. An empty mapping under one of :data:`_EMPTY_AS_ABSENT` (``inputs: {}``,
        ``arguments: {}``, ``resources: {}``...), an empty ``parameters: []`` or
        ``artifacts: []`` list of ``arguments``/``inputs``/``outputs`` (omitempty in Argo's
        types) and a container's or script's ``name: ""`` are the absent field (the API server
        writes them; Argo reads them as nothing).

    No field is dropped for being a default: every difference is reported.
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if v is None:
                continue
            if k in _EMPTY_AS_ABSENT and isinstance(v, Mapping) and not v:
                continue
            if k == "name" and v == "" and key in ("container", "script"):
                continue
            if key in _IO_KEYS and k in ("parameters", "artifacts") and v == []:
                continue
            if k in _STRING_MAPS and isinstance(v, Mapping):
                out[k] = {kk: _text(vv) for kk, vv in v.items()}
            else:
                out[k] = normalise(v, k)
            if k in _EMPTY_AS_ABSENT and out[k] == {}:
                del out[k]
        is_task = any(k in out for k in ("template", "templateRef", "inline"))
        if (
            is_task
            and isinstance(out.get("onExit"), str)
            and "exit" not in (out.get("hooks") or {})
        ):
            out["hooks"] = {**(out.get("hooks") or {}), "exit": {"template": out.pop("onExit")}}
        if "dependencies" in out and "depends" not in out and isinstance(out["dependencies"], list):
            names = out.pop("dependencies")
            if names:
                out["depends"] = " && ".join(str(n) for n in names)
        if key in ("templates", "inline"):  # a template (listed, or inline in a task)
            for kind, defaults in _KIND_DEFAULTS.items():
                if isinstance(out.get(kind), Mapping):
                    out[kind] = {**defaults, **out[kind]}
            _durations(out, "template")
        else:
            _durations(out, key)
        if key == "arguments":
            for part in ("parameters", "artifacts"):
                if isinstance(out.get(part), list):
                    out[part] = sorted(out[part], key=_template_name)
        if key == "spec" or key == "workflowSpec":
            templates = out.get("templates")
            if isinstance(templates, list):
                out["templates"] = sorted(templates, key=_template_name)
        return out
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if key in _STRING_FIELDS:
        return _text(value)
    return value


class Converted:
    """One example file, converted and compiled (or the error met on the way)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self.source = ""
        self.report: list[Any] = []
        self.documents: list[dict[str, Any]] = []
        text = path.read_text(encoding="utf-8")
        shown = path.relative_to(EXAMPLES).as_posix()
        try:
            conversion = convert_text(text, f"examples/{shown}", format=False)
            self.source = conversion.source
            self.report = conversion.report
            namespace = run_source(self.source, f"<roundtrip {shown}>")
            self.documents = [obj.to_dict() for obj in objects_of(namespace)]
        except TiphysError as exc:
            self.error = f"{type(exc).__name__}: {exc}"


_CACHE: dict[Path, Converted] = {}


@pytest.fixture(scope="session")
def converted() -> Any:
    """Convert (once per session) and return the :class:`Converted` of a file."""

    def get(path: Path) -> Converted:
        if path not in _CACHE:
            _CACHE[path] = Converted(path)
        return _CACHE[path]

    return get


def _originals(path: Path) -> list[dict[str, Any]]:
    import yaml

    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _diff(want: Any, got: Any) -> str:
    a = json.dumps(want, indent=1, sort_keys=True, default=str).splitlines()
    b = json.dumps(got, indent=1, sort_keys=True, default=str).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "yaml", "converted", lineterm="", n=2))


@pytest.mark.skipif(not FILES, reason="../shared/argo/examples is absent")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_round_trip(path: Path, converted: Any, record_property: Any) -> None:
    result = converted(path)
    assert result.error is None, result.error
    name = path.relative_to(EXAMPLES).as_posix()
    patched = {use.field for use in result.report}
    record_property("convert_patch", (name, sorted(patched)))
    assert patched == EXPECTED_PATCHES.get(name, set())
    originals = _originals(path)
    assert len(result.documents) == len(originals)
    for want, got in zip(originals, result.documents, strict=True):
        if want.get("kind") not in CONVERTED_KINDS:
            assert got == want  # raw documents: unchanged, not even normalised
            continue
        a, b = normalise(want), normalise(got)
        assert a == b, _diff(a, b)


@pytest.mark.skipif(not FILES, reason="../shared/argo/examples is absent")
def test_generated_sources_pass_ruff(converted: Any, tmp_path: Path) -> None:
    """Formatted as ``tiphys convert`` formats them, the sources pass ruff check and format."""
    pytest.importorskip("ruff")
    for i, path in enumerate(FILES):
        result = converted(path)
        if result.error is None:
            (tmp_path / f"m{i:03d}.py").write_text(result.source, encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff"]
    flags = ["--isolated", "--line-length", "100"]
    subprocess.run([*ruff, "format", *flags, str(tmp_path)], check=True, capture_output=True)
    for command in (["check", *flags, str(tmp_path)], ["format", "--check", *flags, str(tmp_path)]):
        done = subprocess.run([*ruff, *command], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
