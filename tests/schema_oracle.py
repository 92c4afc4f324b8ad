"""A test oracle for Argo manifests, independent of Hera: Argo v4.1.2's ``schema.json``.

``schema.json`` (beside this repository, in ``../shared/argo/``) is JSON Schema draft 2020-12
(``jsonschema.validators.validator_for`` picks ``Draft202012Validator``). As ``NOTES.md`` says,
one kind is validated through ``{"$ref": "#/definitions/<Kind>", "definitions": ...}`` with two
adjustments:

- ``IntOrString`` accepts a string or an integer (the file types it as string only);
- every object definition that declares ``properties`` and no ``additionalProperties`` gets
  ``additionalProperties: false``, so misspelt fields are errors.

Formats are checked with the validator's ``FORMAT_CHECKER``: unknown formats (``int32``,
``int64``, ``byte``) are ignored, and ``date-time`` is checked only when ``rfc3339-validator`` is
installed.

The folder rule lives here too (:func:`shared_argo`): tests that need ``../shared/argo`` skip
with a reason when it is absent, and fail when ``CI=true``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tiphys.argo.paths import format_path

SHARED_ARGO = Path(__file__).resolve().parents[1].parent / "shared" / "argo"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
KIND_PREFIX = "io.argoproj.workflow.v1alpha1."


def shared_argo() -> Path:
    """Return ``../shared/argo``, or skip the test (fail it under ``CI=true``) when absent.

    Returns:
        The folder holding ``schema.json``, ``examples/`` and the other contract files.
    """
    if (SHARED_ARGO / "schema.json").is_file():
        return SHARED_ARGO
    reason = f"the Argo contract folder {SHARED_ARGO} is absent"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((shared_argo() / "schema.json").read_text())
    return schema


@functools.cache
def _definitions() -> dict[str, Any]:
    """The schema's definitions with the two NOTES.md adjustments."""
    definitions: dict[str, Any] = copy.deepcopy(_schema()["definitions"])
    definitions[INT_OR_STRING] = {**definitions[INT_OR_STRING], "type": ["string", "integer"]}
    for definition in definitions.values():
        if "properties" in definition and "additionalProperties" not in definition:
            definition["additionalProperties"] = False
    return definitions


@functools.cache
def validator(kind: str) -> Any:
    """A cached ``jsonschema`` validator for one kind (``Workflow``, ``CronWorkflow``, ...)."""
    from jsonschema.validators import validator_for

    cls = validator_for(_schema())
    schema = {
        "$schema": _schema()["$schema"],
        "$ref": f"#/definitions/{KIND_PREFIX}{kind}",
        "definitions": _definitions(),
    }
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def oracle_errors(doc: Mapping[str, Any]) -> list[str]:
    """Validate one document against schema.json.

    Args:
        doc: A manifest whose ``kind`` names a schema definition.

    Returns:
        ``"<path>: <message>"`` lines, sorted; ``[]`` when valid. An unexpected field is
        reported at its own path (``spec.templates[0].contianer: unknown field``).
    """
    found: list[str] = []
    for error in validator(str(doc.get("kind"))).iter_errors(doc):
        parts = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            known = error.schema.get("properties", {})
            extra = [key for key in error.instance if key not in known]
            found += [f"{format_path([*parts, key])}: unknown field" for key in extra]
        else:
            found.append(f"{format_path(parts)}: {error.message}")
    return sorted(found)
