"""Regenerate ``sdk/tiphys/validate/_hera_gaps.json``: where Hera's models differ from schema.json.

Hera 7.1's models (``hera.workflows.models``) are generated from Argo v4.0.5; tiphys validates
against Argo v4.1.2's ``schema.json``. This script walks every schema definition reachable from
the four Argo kinds, maps each to the Hera class of the same dotted name
(``io.k8s.api.core.v1.Container`` -> ``hera.workflows.models.io.k8s.api.core.v1.Container``) and
records:

- ``added_fields``: properties schema.json has and the Hera class lacks, with the JSON types the
  schema allows (``[]`` = anything). tiphys accepts them instead of reporting unknown fields.
- ``removed_fields``: fields the Hera class has and schema.json no longer has. tiphys reports them.
- ``widened_types``: JSON types schema.json allows for a field and Hera rejects (IntOrString
  counts as string-or-integer). tiphys accepts them.
- ``open_definitions``: objects schema.json leaves free-form although the Hera class has fields.
- ``missing_definitions``: reachable definitions with no Hera class (informational).

``tests/test_validate_schema.py`` recomputes this on every run and compares it with the shipped
file, so the file is never edited by hand. Usage::

    .venv/bin/python scripts/gen_hera_gaps.py            # rewrite the file
    .venv/bin/python scripts/gen_hera_gaps.py --check    # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import datetime
import enum
import hashlib
import importlib
import json
import sys
import types
import typing
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "argo" / "schema.json"
OUTPUT = ROOT / "sdk" / "tiphys" / "validate" / "_hera_gaps.json"

KIND_PREFIX = "io.argoproj.workflow.v1alpha1."
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
HERA_MODELS = "hera.workflows.models."

JsonTypes = frozenset[str] | None  # None: any JSON value


def _refs(node: Any) -> typing.Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def reachable_definitions(definitions: dict[str, Any]) -> set[str]:
    """Names of the definitions reachable through ``$ref`` from the four Argo kinds."""
    seen: set[str] = set()
    stack = [KIND_PREFIX + kind for kind in KINDS]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(_refs(definitions[name]))
    return seen


def hera_class(definition: str) -> type[Any] | None:
    """The Hera model class generated for a schema definition, or ``None``."""
    module_name, _, class_name = definition.rpartition(".")
    try:
        module = importlib.import_module(HERA_MODELS + module_name)
    except ImportError:
        return None
    cls = getattr(module, class_name, None)
    return cls if isinstance(cls, type) else None


def schema_types(prop: dict[str, Any], definitions: dict[str, Any]) -> JsonTypes:
    """JSON types a schema property allows (IntOrString: string or integer)."""
    ref = prop.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name == INT_OR_STRING:
            return frozenset({"integer", "string"})
        return schema_types(definitions[name], definitions)
    declared = prop.get("type")
    if declared is None:
        return None
    found = {declared} if isinstance(declared, str) else set(declared)
    if "number" in found:
        found.add("integer")
    return frozenset(found)


def hera_types(annotation: Any) -> JsonTypes:
    """JSON types a Hera field annotation accepts in pydantic's strict JSON mode."""
    from pydantic import AwareDatetime, BaseModel, RootModel

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return hera_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: set[str] = set()
        for arg in typing.get_args(annotation):
            if arg is type(None):
                continue
            member = hera_types(arg)
            if member is None:
                return None
            found |= member
        return frozenset(found)
    if origin in (list, tuple, set, frozenset):
        return frozenset({"array"})
    if origin is dict:
        return frozenset({"object"})
    if annotation is Any:
        return None
    if isinstance(annotation, type):
        if issubclass(annotation, RootModel):
            return hera_types(annotation.model_fields["root"].annotation)
        if issubclass(annotation, BaseModel) or annotation is dict:
            return frozenset({"object"})
        if issubclass(annotation, bool):
            return frozenset({"boolean"})
        if issubclass(annotation, int) and not issubclass(annotation, enum.Enum):
            return frozenset({"integer"})
        if issubclass(annotation, float):
            return frozenset({"number", "integer"})
        if issubclass(annotation, str | enum.Enum | datetime.date | bytes | AwareDatetime):
            return frozenset({"string"})
    raise TypeError(f"no JSON type known for Hera annotation {annotation!r}")


def _sorted(types_: JsonTypes) -> list[str]:
    return [] if types_ is None else sorted(types_)


def compute_gaps(schema_path: Path = SCHEMA) -> dict[str, Any]:
    """Compare schema.json with Hera's model classes.

    Args:
        schema_path: Argo's ``api/jsonschema/schema.json``.

    Returns:
        The content of ``_hera_gaps.json`` (see the module docstring for its keys).
    """
    from pydantic import BaseModel, RootModel

    raw = schema_path.read_bytes()
    definitions: dict[str, Any] = json.loads(raw)["definitions"]
    added: dict[str, dict[str, list[str]]] = {}
    removed: dict[str, list[str]] = {}
    widened: dict[str, dict[str, list[str]]] = {}
    open_definitions: list[str] = []
    missing: list[str] = []
    for name in sorted(reachable_definitions(definitions)):
        cls = hera_class(name)
        if cls is None:
            missing.append(name)
            continue
        if not issubclass(cls, BaseModel) or issubclass(cls, RootModel):
            continue
        fields = {info.alias or key: info for key, info in cls.model_fields.items()}
        props: dict[str, Any] | None = definitions[name].get("properties")
        if props is None:
            if fields:
                open_definitions.append(name)
            continue
        for prop in sorted(props.keys() - fields.keys()):
            added.setdefault(name, {})[prop] = _sorted(schema_types(props[prop], definitions))
        if gone := sorted(fields.keys() - props.keys()):
            removed[name] = gone
        for prop in sorted(props.keys() & fields.keys()):
            theirs = hera_types(fields[prop].annotation)
            ours = schema_types(props[prop], definitions)
            if theirs is None:
                continue
            extra = {"any"} if ours is None else ours - theirs
            if extra:
                widened.setdefault(name, {})[prop] = sorted(extra)
    return {
        "_generated_by": "scripts/gen_hera_gaps.py; do not edit",
        "schema_sha256": hashlib.sha256(raw).hexdigest(),
        "hera_version": version("hera"),
        "added_fields": added,
        "removed_fields": removed,
        "widened_types": widened,
        "open_definitions": open_definitions,
        "missing_definitions": missing,
    }


def render(gaps: dict[str, Any]) -> str:
    """Serialise gaps exactly as the shipped file is written."""
    return json.dumps(gaps, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", type=Path, default=SCHEMA, help="path of schema.json")
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    text = render(compute_gaps(args.schema))
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run scripts/gen_hera_gaps.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
