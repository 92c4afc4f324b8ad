"""Artifacts as :class:`tiphys.Artifact` declarations: input artifacts in the signature
(``Annotated[Artifact, Artifact(path=...)]``), output artifacts in ``outputs=[...]``, and task
arguments (a ``from`` as its raw ``{{...}}`` text, a location as ``Artifact(location={...})``).

Locations stay raw dicts (``location={"s3": {...}}``), which tiphys accepts as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal

LOCATION_KEYS = ("s3", "gcs", "azure", "oss", "git", "http", "artifactory", "raw", "hdfs", "plugin")
_SIMPLE = {
    "path": "path",
    "subPath": "sub_path",
    "globalName": "global_name",
    "fromExpression": "from_expression",
    "from": "from_",
    "recurseMode": "recurse_mode",
    "archiveLogs": "archive_logs",
    "deleted": "deleted",
}


def artifact_gc_code(ctx: DocContext | None, value: Any) -> str | None:
    """``ArtifactGC(strategy, ...)`` for an ``artifactGC`` dict, or None."""
    fields = {
        "serviceAccountName": "service_account",
        "podMetadata": "pod_metadata",
        "forceFinalizerRemoval": "force_finalizer_removal",
        "podSpecPatch": "pod_spec_patch",
    }
    if not isinstance(value, Mapping) or not isinstance(value.get("strategy"), str):
        return None
    if set(value) - {"strategy", *fields}:
        return None
    kwargs = [(fields[k], literal(v)) for k, v in value.items() if k != "strategy"]
    name = ctx.module.use("ArtifactGC") if ctx is not None else "ArtifactGC"
    return call(name, [literal(value["strategy"])], kwargs)


def artifact_kwargs(
    art: Mapping[str, Any], ctx: DocContext | None = None
) -> list[tuple[str, str]] | None:
    """Keyword arguments of ``Artifact(...)`` for an artifact's fields but its name, or None."""
    kwargs: list[tuple[str, str]] = []
    locations = [k for k in art if k in LOCATION_KEYS]
    if len(locations) > 1:
        return None
    for key, value in art.items():
        if key == "name":
            continue
        if key in _SIMPLE:
            kwargs.append((_SIMPLE[key], literal(value)))
        elif key in LOCATION_KEYS and isinstance(value, Mapping | str):
            kwargs.append(("location", literal({key: value})))
        elif key == "archive" and isinstance(value, Mapping) and len(value) == 1:
            kwargs.append(("archive", literal(value)))
        elif key == "optional" and isinstance(value, bool):
            if value:
                kwargs.append(("optional", "True"))
        elif key == "mode" and isinstance(value, int) and not isinstance(value, bool):
            kwargs.append(("mode", literal(value)))
        elif key == "artifactGC" and ctx is not None and artifact_gc_code(ctx, value):
            kwargs.append(("artifact_gc", artifact_gc_code(ctx, value) or ""))
        else:
            return None
    return kwargs


def artifact_code(ctx: DocContext, art: Any) -> str | None:
    """``Artifact("name", ...)`` for a named artifact, or None."""
    if not isinstance(art, Mapping) or not isinstance(art.get("name"), str):
        return None
    kwargs = artifact_kwargs(art, ctx)
    if kwargs is None:
        return None
    return call(ctx.module.use("Artifact"), [literal(art["name"])], kwargs)


def output_artifacts_code(ctx: DocContext, artifacts: Any) -> list[str] | None:
    """``Artifact(...)`` items for ``outputs.artifacts`` of a pod template, or None."""
    if not isinstance(artifacts, list) or not artifacts:
        return None
    items = [artifact_code(ctx, a) for a in artifacts]
    if not all(items) or any(not isinstance(a, Mapping) or "path" not in a for a in artifacts):
        return None
    return [i or "" for i in items]


def argument_code(
    ctx: DocContext, art: Any, names: Mapping[str, str], declared: Any = None
) -> str | None:
    """The value passed for one ``arguments.artifacts[]`` entry: the ``from`` text,
    ``Artifact(from_=..., sub_path=...)`` for a ``from`` with more fields (or given to an input
    that is optional or has a location: tiphys marks a bare ``from`` text ``optional`` there),
    or ``Artifact(location=...)``; None when it has no typed form.

    Args:
        ctx: The document's context.
        art: The argument entry.
        names: Python names of the caller's parameters (unused by the forms written now).
        declared: The callee's ``inputs.artifacts[]`` entry of that name, when known.
    """
    if not isinstance(art, Mapping) or not isinstance(art.get("name"), str):
        return None
    rest = {k: v for k, v in art.items() if k != "name"}
    if "from" in rest and isinstance(rest["from"], str):
        auto_optional = isinstance(declared, Mapping) and (
            declared.get("optional") is True or any(k in declared for k in LOCATION_KEYS)
        )
        if set(rest) == {"from"} and not auto_optional:
            return literal(rest["from"])
        kwargs = artifact_kwargs(rest)
        if kwargs is None or set(rest) - {"from", "subPath", "mode", "optional"}:
            return None
        return call(ctx.module.use("Artifact"), [], kwargs)
    locations = [k for k in rest if k in LOCATION_KEYS]
    if len(locations) == 1 and set(rest) <= {locations[0], "subPath", "mode"}:
        kwargs = artifact_kwargs(rest)
        if kwargs is not None:
            return call(ctx.module.use("Artifact"), [], kwargs)
    return None
