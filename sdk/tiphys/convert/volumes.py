"""Volumes: ``spec.volumes``/``spec.volumeClaimTemplates`` and the templates' ``volumeMounts``
as :class:`tiphys.Volume` objects.

A tiphys ``Volume`` holds the source and the mount together, so a volume is written typed only
when its source has a typed form (a claim template with access modes, size and storage class;
an existing claim; an empty dir; a ConfigMap or Secret by name) and every template mounts it
the same way (one ``mountPath``, ``readOnly``, ``subPath``). A list holding one volume that
cannot be typed goes to ``patch=`` whole, and so do the mounts of its volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal, tuple_literal

_MOUNT_KEYS = frozenset({"name", "mountPath", "readOnly", "subPath"})


@dataclass
class VolumePlan:
    """Which volumes are typed, their variables and constructor source."""

    variables: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    typed_lists: set[str] = field(default_factory=set)

    def mounts(self, mounts: Any) -> str | None:
        """``[var, ...]`` for a ``volumeMounts`` list whose volumes are all typed, else None."""
        if not isinstance(mounts, list) or not mounts:
            return None
        names = [m.get("name") if isinstance(m, Mapping) else None for m in mounts]
        if not all(isinstance(n, str) and n in self.variables for n in names):
            return None
        if len(set(names)) != len(names):
            return None
        return "[" + ", ".join(self.variables[str(n)] for n in names) + "]"


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


def _mount_ways(
    templates: Mapping[str, Mapping[str, Any]],
) -> dict[str, set[tuple[Any, ...]]] | None:
    ways: dict[str, set[tuple[Any, ...]]] = {}
    for template in templates.values():
        for kind in ("container", "script", "containerSet"):
            body = template.get(kind)
            mounts = body.get("volumeMounts") if isinstance(body, Mapping) else None
            for mount in mounts or []:
                if not isinstance(mount, Mapping) or set(mount) - _MOUNT_KEYS:
                    continue
                key = (mount.get("mountPath"), mount.get("readOnly", False), mount.get("subPath"))
                ways.setdefault(str(mount.get("name")), set()).add(key)
    return ways


def plan_volumes(ctx: DocContext, spec: Mapping[str, Any], disabled: bool) -> VolumePlan:
    """Decide which volumes of a workflow spec are written as ``Volume`` objects."""
    plan = VolumePlan()
    if disabled:
        return plan
    ways = _mount_ways(ctx.templates) or {}
    for key, reader in (("volumeClaimTemplates", _claim_kwargs), ("volumes", _volume_kwargs)):
        items = spec.get(key)
        if not isinstance(items, list) or not items:
            continue
        found: list[tuple[str, list[tuple[str, str]]]] = []
        for item in items:
            read = reader(item)
            mount = ways.get(read[0]) if read else None
            if read is None or mount is None or len(mount) != 1:
                found = []
                break
            path, read_only, sub_path = next(iter(mount))
            if (
                not isinstance(path, str)
                or not path.startswith("/")
                or not isinstance(read_only, bool)
            ):
                found = []
                break
            kwargs = [("mount", literal(path)), *read[1]]
            if read_only:
                kwargs.append(("read_only", "True"))
            if sub_path is not None:
                if not isinstance(sub_path, str):
                    found = []
                    break
                kwargs.append(("sub_path", literal(sub_path)))
            found.append((read[0], kwargs))
        names = [n for n, _ in found]
        if not found or len(set(names)) != len(names):
            continue
        plan.typed_lists.add(key)
        for name, kwargs in found:
            variable = ctx.module.names.take(name, fallback="volume")
            plan.variables[name] = variable
            plan.code[name] = (
                f"{variable} = {call(ctx.module.use('Volume'), [literal(name)], kwargs)}\n"
            )
    return plan
