"""Checks of artifacts that Argo's validator (``workflow/validate/validate.go``) and its CRD make
(codes ``V160``-``V166``):

======  ======================================================================================
V160    an input or output artifact of a template that runs a pod or an agent (``container``,
        ``script``, ``containerSet``, ``resource``, ``http``, ``data``, ``plugin``) has no
        ``path`` (Argo: "path not specified")
V161    an input or output artifact of a ``dag``, ``steps`` or ``suspend`` template has a
        ``path`` (Argo: "path only valid in container/script templates")
V162    an input artifact has ``from`` or ``fromExpression`` (Argo: "from not valid in inputs")
V163    an argument artifact (of a task, step, hook or ``spec.arguments``) says nowhere where it
        comes from (no ``from``, ``fromExpression`` or location), or has both ``from`` and
        ``fromExpression``
V164    an argument or ``dag``/``steps`` output artifact with ``from``/``fromExpression`` and a
        location too: Argo takes the artifact ``from`` names and ignores the location
V165    an input artifact of a ``container`` template placed where a volume is mounted or
        another input artifact is placed (Argo: "already mounted")
V166    an ``artifactGC.strategy`` other than ``OnWorkflowCompletion``, ``OnWorkflowDeletion``
        or ``Never`` (the CRD's enum)
======  ======================================================================================

References to artifacts (``{{inputs.artifacts.X}}``, ``{{tasks.T.outputs.artifacts.X}}``) are
checked by :mod:`tiphys.validate.references` (``V122``, ``V126``, ``V168`` for
``{{inputs.artifacts.X.path}}`` outside a pod template); names, missing and unknown argument
artifacts by :mod:`tiphys.validate.semantic` (``V102``, ``V103``, ``V117``, ``V118``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tiphys.argo.paths import join
from tiphys.errors import did_you_mean
from tiphys.validate.references import Add

__all__ = ["check_argument_artifacts", "check_spec_artifacts", "check_template_artifacts"]

LOCATIONS = ("s3", "gcs", "azure", "oss", "git", "http", "artifactory", "raw", "hdfs", "plugin")
"""The location fields of an ``Artifact``."""
_LEAF = ("container", "script", "containerSet", "resource", "http", "data", "plugin")
_NON_LEAF = ("dag", "steps", "suspend")
_GC_STRATEGIES = ("OnWorkflowCompletion", "OnWorkflowDeletion", "Never")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _artifacts(holder: object, path: str) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """``(artifact, its path, its name for messages)`` for ``holder.artifacts``."""
    items = _mapping(holder).get("artifacts")
    if not isinstance(items, list):
        return
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            name = item.get("name")
            yield item, join(join(path, "artifacts"), i), f"'{name}'" if name else f"#{i}"


def _locations(artifact: Mapping[str, Any]) -> list[str]:
    return [k for k in LOCATIONS if artifact.get(k) is not None]


def _gc(artifact_gc: object, path: str, add: Add) -> None:
    strategy = _mapping(artifact_gc).get("strategy")
    if not isinstance(strategy, str) or strategy in ("", *_GC_STRATEGIES):
        return
    add(
        "V166",
        f"artifactGC strategy '{strategy}' is not one of {', '.join(_GC_STRATEGIES)}; the "
        f"Workflow CRD refuses it.{did_you_mean(strategy, _GC_STRATEGIES)}",
        join(join(path, "artifactGC"), "strategy"),
        "error",
    )


def _template_type(template: Mapping[str, Any]) -> str | None:
    for kind in (*_LEAF, *_NON_LEAF):
        if template.get(kind) is not None:
            return kind
    return None


def check_template_artifacts(template: Mapping[str, Any], path: str, add: Add) -> None:
    """Input and output artifacts of one template (``V160``-``V162``, ``V164``-``V166``).

    Args:
        template: A template of ``spec.templates`` or an ``inline`` one.
        path: Its path.
        add: Called once per finding.
    """
    kind = _template_type(template)
    role = f"template '{template.get('name') or '(inline)'}'"
    for group in ("inputs", "outputs"):
        noun = group[:-1]
        for artifact, where, name in _artifacts(template.get(group), join(path, group)):
            has_path = isinstance(artifact.get("path"), str) and artifact["path"] != ""
            if kind in _LEAF and not has_path:
                add(
                    "V160",
                    f"{noun} artifact {name} of {kind} {role} has no path; Argo refuses it: set "
                    f"path to where the container {'finds' if group == 'inputs' else 'writes'} "
                    "the file or directory",
                    where,
                    "error",
                )
            elif kind in _NON_LEAF and has_path:
                add(
                    "V161",
                    f"{noun} artifact {name} of {kind} {role} has a path, but only templates "
                    "that run a container place files, and Argo refuses it: remove path"
                    + (
                        f" and pass the artifact on with from: "
                        f"'{{{{inputs.artifacts.{artifact.get('name')}}}}}'"
                        if group == "inputs"
                        else ""
                    ),
                    join(where, "path"),
                    "error",
                )
            if group == "inputs":
                for key in ("from", "fromExpression"):
                    if artifact.get(key):
                        add(
                            "V162",
                            f"input artifact {name} of {role} has {key}, which Argo refuses in "
                            "inputs: give it in the arguments of the task or step that runs "
                            f"the template (arguments.artifacts[].{key})",
                            join(where, key),
                            "error",
                        )
            elif kind in ("dag", "steps"):
                _from_and_location(artifact, where, f"output artifact {name} of {role}", add)
            _gc(artifact.get("artifactGC"), where, add)
    if kind == "container":
        _mount_collisions(template, path, add)


def _from_and_location(artifact: Mapping[str, Any], where: str, role: str, add: Add) -> None:
    sources = [k for k in ("from", "fromExpression") if artifact.get(k)]
    locations = _locations(artifact)
    if sources and locations:
        add(
            "V164",
            f"{role} has {sources[0]} and a location ({locations[0]}); Argo takes the artifact "
            f"{sources[0]} names, location included, and ignores {locations[0]}: remove one",
            join(where, locations[0]),
            "error",
        )


def _mount_collisions(template: Mapping[str, Any], path: str, add: Add) -> None:
    """Input artifact paths that a volume mount or another input artifact already takes."""
    taken: dict[str, str] = {}
    mounts = _mapping(template.get("container")).get("volumeMounts")
    for mount in mounts if isinstance(mounts, list) else []:
        mount = _mapping(mount)
        if isinstance(mount.get("mountPath"), str):
            taken.setdefault(mount["mountPath"], f"volume '{mount.get('name')}'")
    for artifact, where, name in _artifacts(template.get("inputs"), join(path, "inputs")):
        place = artifact.get("path")
        if not isinstance(place, str) or not place:
            continue
        if place in taken:
            add(
                "V165",
                f"input artifact {name} is placed at '{place}', where {taken[place]} is already "
                "mounted, and Argo refuses two things at one path: choose another path",
                join(where, "path"),
                "error",
            )
        else:
            taken[place] = f"input artifact {name}"


def check_argument_artifacts(arguments: object, path: str, role: str, add: Add) -> None:
    """The artifacts of a task's, step's or hook's ``arguments`` (``V163``, ``V164``).

    Args:
        arguments: The ``arguments`` mapping.
        path: Its path.
        role: Who passes them, for messages (``task 'b'``, ``spec.arguments``).
        add: Called once per finding.
    """
    for artifact, where, name in _artifacts(arguments, path):
        given = [k for k in ("from", "fromExpression") if artifact.get(k)]
        if not given and not _locations(artifact):
            add(
                "V163",
                f"argument artifact {name} of {role} does not say where it comes from, and Argo "
                "refuses it: set from ('{{tasks.<task>.outputs.artifacts.<name>}}'), "
                "fromExpression, or a location (s3, raw, http...)",
                where,
                "error",
            )
        elif len(given) == 2:
            add(
                "V163",
                f"argument artifact {name} of {role} has both from and fromExpression, and Argo "
                "refuses it: keep one",
                join(where, "fromExpression"),
                "error",
            )
        _from_and_location(artifact, where, f"argument artifact {name} of {role}", add)


def check_spec_artifacts(spec: Mapping[str, Any], path: str, add: Add) -> None:
    """``spec.arguments.artifacts`` and ``spec.artifactGC`` (``V163``, ``V164``, ``V166``).

    Args:
        spec: The workflow spec (a CronWorkflow's ``spec.workflowSpec``).
        path: Its path.
        add: Called once per finding.
    """
    check_argument_artifacts(spec.get("arguments"), join(path, "arguments"), "the workflow", add)
    _gc(spec.get("artifactGC"), path, add)
