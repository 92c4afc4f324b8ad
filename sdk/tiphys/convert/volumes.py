"""Volumes: ``spec.volumes``/``spec.volumeClaimTemplates`` and the templates' ``volumeMounts``
as :class:`tiphys.Volume` objects.

A tiphys ``Volume`` holds the source and its first mount together, so a volume is written typed
when its source has a typed form (a claim template with access modes, size and storage class;
an existing claim; an empty dir; a ConfigMap or Secret by name); its other mounts (another
``mountPath``, ``readOnly`` or ``subPath``) are ``volume.at(...)``. A template's own ``volumes``
are ``Volume(..., in_template=True)`` when the template mounts each of them. A list holding
one volume that cannot be typed goes to ``patch=`` whole, and so do the mounts of its
volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal, tuple_literal

_MOUNT_KEYS = frozenset({"name", "mountPath", "readOnly", "subPath"})


Way = tuple[Any, Any, Any]  # (mountPath, readOnly, subPath) of one mount


def _way(mount: Mapping[str, Any]) -> Way:
    return (mount.get("mountPath"), mount.get("readOnly", False), mount.get("subPath"))


@dataclass
class VolumePlan:
    """Which volumes are typed, their variables and constructor source.

    Attributes:
        variables: Volume name -> Python variable.
        code: Volume name -> the line defining it.
        typed_lists: The spec lists written typed (``volumes``, ``volumeClaimTemplates``).
        base: Volume name -> the mount its ``Volume(...)`` holds (others are ``.at(...)``).
        template_lists: Names of the templates whose own ``volumes`` are written typed.
    """

    variables: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    typed_lists: set[str] = field(default_factory=set)
    base: dict[str, Way] = field(default_factory=dict)
    template_lists: set[str] = field(default_factory=set)

    def mounts(self, mounts: Any) -> str | None:
        """``[var, var.at(...), ...]`` for a ``volumeMounts`` list whose volumes are all typed,
        else None."""
        if not isinstance(mounts, list) or not mounts:
            return None
        items: list[str] = []
        seen: set[tuple[str, Way]] = set()
        for mount in mounts:
            if not isinstance(mount, Mapping) or set(mount) - _MOUNT_KEYS:
                return None
            name, way = mount.get("name"), _way(mount)
            if not isinstance(name, str) or name not in self.variables or (name, way) in seen:
                return None
            seen.add((name, way))
            items.append(self._mount_code(name, way))
        return "[" + ", ".join(items) + "]"

    def _mount_code(self, name: str, way: Way) -> str:
        variable = self.variables[name]
        if way == self.base[name]:
            return variable
        path, read_only, sub_path = way
        kwargs: list[tuple[str, str]] = []
        if sub_path is not None:
            kwargs.append(("sub_path", literal(sub_path)))
        if read_only:
            kwargs.append(("read_only", "True"))
        return call(f"{variable}.at", [literal(path)], kwargs)


def _claim_kwargs(claim: Any) -> tuple[str, list[tuple[str, str]]] | None:
    if not isinstance(claim, Mapping) or set(claim) - {"metadata", "spec"}:
        return None
    meta, spec = claim.get("metadata"), claim.get("spec")
    if not isinstance(meta, Mapping) or set(meta) != {"name"} or not isinstance(spec, Mapping):
        return None
    if set(spec) - {"accessModes", "resources", "storageClassName"}:
        return None
    size = (spec.get("resources") or {}).get("requests", {}).get("storage")
    if spec.get("resources") != {"requests": {"storage": size}} or not isinstance(size, str):
        return None
    kwargs = [("size", literal(size))]
    modes = spec.get("accessModes", ["ReadWriteOnce"])
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        return None
    if "accessModes" not in spec:
        return None  # tiphys always writes them
    if modes != ["ReadWriteOnce"]:
        kwargs.append(("access_modes", tuple_literal(modes)))
    if "storageClassName" in spec:
        kwargs.append(("storage_class", literal(spec["storageClassName"])))
    return str(meta["name"]), kwargs


def _volume_kwargs(volume: Any) -> tuple[str, list[tuple[str, str]]] | None:
    if (
        not isinstance(volume, Mapping)
        or len(volume) != 2
        or not isinstance(volume.get("name"), str)
    ):
        return None
    kind, source = next((k, v) for k, v in volume.items() if k != "name")
    if kind == "emptyDir" and source == {}:
        return volume["name"], [("empty_dir", "True")]
    if (
        kind == "persistentVolumeClaim"
        and isinstance(source, Mapping)
        and set(source) == {"claimName"}
    ):
        return volume["name"], [("claim", literal(source["claimName"]))]
    if kind == "configMap" and isinstance(source, Mapping) and set(source) == {"name"}:
        return volume["name"], [("config_map", literal(source["name"]))]
    if kind == "secret" and isinstance(source, Mapping) and set(source) == {"secretName"}:
        return volume["name"], [("secret", literal(source["secretName"]))]
    return None


def _template_mounts(template: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for kind in ("container", "script", "containerSet"):
        body = template.get(kind)
        mounts = body.get("volumeMounts") if isinstance(body, Mapping) else None
        found += [m for m in mounts or [] if isinstance(m, Mapping) and not set(m) - _MOUNT_KEYS]
    return found


def _mount_ways(templates: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Way]]:
    """Each volume's distinct mounts, in the order first met."""
    ways: dict[str, list[Way]] = {}
    for template in templates.values():
        for mount in _template_mounts(template):
            found = ways.setdefault(str(mount.get("name")), [])
            if _way(mount) not in found:
                found.append(_way(mount))
    return ways


def _volume_code(
    name: str, source: list[tuple[str, str]], ways: list[Way] | None, in_template: bool
) -> tuple[Way, list[tuple[str, str]]] | None:
    """The base mount and ``Volume(...)`` keyword arguments, or None when it is not typed."""
    if not ways:
        return None
    for path, read_only, sub_path in ways:
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or not isinstance(read_only, bool)
            or not (sub_path is None or isinstance(sub_path, str))
        ):
            return None
    path, read_only, sub_path = ways[0]
    kwargs = [("mount", literal(path)), *source]
    if read_only:
        kwargs.append(("read_only", "True"))
    if sub_path is not None:
        kwargs.append(("sub_path", literal(sub_path)))
    if in_template:
        kwargs.append(("in_template", "True"))
    return ways[0], kwargs


def plan_volumes(ctx: DocContext, spec: Mapping[str, Any], disabled: bool) -> VolumePlan:
    """Decide which volumes of a workflow spec are written as ``Volume`` objects."""
    plan = VolumePlan()
    if disabled:
        return plan
    ways = _mount_ways(ctx.templates)
    for key, reader in (("volumeClaimTemplates", _claim_kwargs), ("volumes", _volume_kwargs)):
        items = spec.get(key)
        found = _typed_list(items, reader, ways, False)
        if found is not None:
            plan.typed_lists.add(key)
            _add(ctx, plan, found)
    for name, template in ctx.templates.items():
        items = template.get("volumes")
        mounted = {str(m.get("name")) for m in _template_mounts(template)}
        found = _typed_list(items, _volume_kwargs, ways, True)
        if found is None or any(n in plan.variables or n not in mounted for n, _, _ in found):
            continue  # a name the workflow also declares, or a volume only a sidecar mounts
        plan.template_lists.add(name)
        _add(ctx, plan, found)
    return plan


def _typed_list(
    items: Any, reader: Any, ways: dict[str, list[Way]], in_template: bool
) -> list[tuple[str, Way, list[tuple[str, str]]]] | None:
    """``(name, base mount, kwargs)`` of every item of a volume list, or None when one of them
    is not typed (or a name is listed twice)."""
    if not isinstance(items, list) or not items:
        return None
    found: list[tuple[str, Way, list[tuple[str, str]]]] = []
    for item in items:
        read = reader(item)
        typed = _volume_code(read[0], read[1], ways.get(read[0]), in_template) if read else None
        if read is None or typed is None:
            return None
        found.append((read[0], *typed))
    names = [n for n, _, _ in found]
    return found if len(set(names)) == len(names) else None


def _add(
    ctx: DocContext, plan: VolumePlan, found: list[tuple[str, Way, list[tuple[str, str]]]]
) -> None:
    for name, base, kwargs in found:
        if name in plan.variables:
            continue  # the same emptyDir declared by two templates: one variable
        variable = ctx.module.names.take(name, fallback="volume")
        plan.variables[name] = variable
        plan.base[name] = base
        plan.code[name] = (
            f"{variable} = {call(ctx.module.use('Volume'), [literal(name)], kwargs)}\n"
        )
