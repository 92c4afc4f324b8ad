"""Rendering artifacts: a template's ``inputs.artifacts`` and ``outputs.artifacts``, a task's
``arguments.artifacts``, and the workflow's ``spec.arguments.artifacts``,
``artifactRepositoryRef`` and ``artifactGC``.

The DSL side (declarations, references, checks at creation) is :mod:`tiphys.dsl.artifacts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tiphys.compile.render import RefRenderer
from tiphys.dsl._location import fail
from tiphys.dsl.artifacts import (
    Artifact,
    ArtifactArgument,
    ArtifactLocation,
    InputArtifactRef,
    TaskArtifactRef,
)
from tiphys.dsl.template import Template
from tiphys.errors import Location


def input_artifacts_field(template: Template[Any, Any]) -> list[dict[str, Any]]:
    """``inputs.artifacts``: one entry per artifact input of the signature."""
    return [a.artifact.to_argo() for a in template.artifact_inputs]


def output_artifacts_field(
    template: Template[Any, Any], valued: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """``outputs.artifacts``: the declared ones (container, script), or those a ``@dag`` /
    ``@steps`` returns, with ``from`` set to the rendered reference (``valued``)."""
    out: list[dict[str, Any]] = []
    for name, artifact in template.output_artifacts.items():
        if valued is not None and name in valued:
            out.append(artifact.to_argo(from_=valued[name]))
        else:
            out.append(artifact.to_argo())
    return out


def _argument(
    name: str, value: Any, renderer: RefRenderer, where: Location, optional: bool
) -> dict[str, Any]:
    def render(text: Any) -> str:
        return renderer.text(text, where)

    if isinstance(value, InputArtifactRef | TaskArtifactRef):
        entry: dict[str, Any] = {"name": name, "from": renderer.artifact_tag(value, where)}
        if value.sub is not None:
            entry["subPath"] = value.sub
        if optional:
            entry["optional"] = True
        return entry
    if isinstance(value, ArtifactLocation):
        return {"name": name, **value.to_argo(render)}
    if isinstance(value, Artifact):
        return replace(value, name=name).to_argo(render)
    if isinstance(value, Mapping):
        return {"name": name, **value}
    return {"name": name, "from": value, **({"optional": True} if optional else {})}


def arguments_field(
    template: Template[Any, Any], values: Mapping[str, Any], renderer: RefRenderer, where: Location
) -> dict[str, Any]:
    """The ``arguments`` of a call of ``template`` (a task, a step, a task's hook).

    Args:
        template: The template called.
        values: Bound argument values by Argo input name (:meth:`Template.bind`); those of
            input artifacts are :class:`~tiphys.dsl.artifacts.ArtifactArgument` values.
        renderer: Renders references of the body the call belongs to.
        where: The call's location.

    Returns:
        ``{"parameters": [{name, value}], "artifacts": [...]}`` with the lists that are not
        empty (``{}`` for none). An artifact entry is ``{name, from[, subPath][, optional]}``,
        ``{name, <location>}`` or ``{name, ...Artifact fields}``. A ``from`` given to an input
        that is optional or has a location of its own is ``optional: true``: when Argo cannot
        resolve it (its task was skipped, the file was not produced) the node runs without it
        instead of failing.

    Raises:
        CompileError: A reference of another body, or a misused one (C106, C140).
    """
    optional = {a.name: not a.required for a in template.artifact_inputs}
    parameters = [
        {"name": name, "value": renderer.text(value, where)}
        for name, value in values.items()
        if not isinstance(value, ArtifactArgument)
    ]
    artifacts = [
        _argument(name, value.value, renderer, where, optional.get(name, False))
        for name, value in values.items()
        if isinstance(value, ArtifactArgument)
    ]
    out: dict[str, Any] = {}
    if parameters:
        out["parameters"] = parameters
    if artifacts:
        out["artifacts"] = artifacts
    return out


def workflow_artifacts(
    entry: Template[Any, Any] | None,
    arguments: Mapping[str, Any],
    *,
    needs_sources: bool,
    where: Location,
) -> list[dict[str, Any]]:
    """``spec.arguments.artifacts``: the artifact values of ``arguments=`` for the entrypoint.

    Args:
        entry: The entrypoint template.
        arguments: The workflow's ``arguments=`` (parameters are handled elsewhere).
        needs_sources: The workflow runs as it is (a ``Workflow``): every required artifact
            input needs a value here, since nothing can give one at submission.
        where: The workflow's location.

    Returns:
        One ``{name, <location>}`` entry per artifact given, in the entrypoint's order.

    Raises:
        CompileError: C142, a value that is not a location, or (``needs_sources``) a
            required artifact input without one.
    """
    if entry is None:
        return []
    specs = entry.artifact_inputs
    by_key = {a.py_name: a for a in specs} | {a.name: a for a in specs}
    given = {by_key[k].name: v for k, v in arguments.items() if k in by_key}
    out: list[dict[str, Any]] = []
    for spec in specs:
        if spec.name not in given:
            if needs_sources and spec.required:
                raise fail(
                    "C142",
                    f"entrypoint {entry.name!r} needs input artifact {spec.name!r}, which has no "
                    "location and no value: pass arguments={" + repr(spec.py_name) + ": "
                    "S3(...)} (any location), give the input a location, or make it optional",
                    where,
                )
            continue
        value = given[spec.name]
        if isinstance(value, ArtifactLocation):
            out.append({"name": spec.name, **value.to_argo()})
        elif isinstance(value, Artifact) and value.location is not None:
            out.append(replace(value, name=spec.name).to_argo())
        else:
            raise fail(
                "C142",
                f"arguments= gives input artifact {spec.name!r} of entrypoint {entry.name!r} "
                f"{value!r}; a workflow's artifact argument is a location such as S3(...), "
                "Git(...), HTTPArtifact(...) or RawArtifact('text')",
                where,
            )
    return out


def artifact_names(entry: Template[Any, Any]) -> list[str]:
    """Python and Argo names of the entrypoint's artifact inputs (for ``arguments=`` keys)."""
    return [n for a in entry.artifact_inputs for n in (a.py_name, a.name)]
