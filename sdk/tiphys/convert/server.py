"""What the API server adds to a stored object (``kubectl get wftmpl X -o yaml``), taken out.

:func:`without_server_fields` drops the fields the server populates (``metadata.uid``,
``resourceVersion``, ``managedFields``..., ``status``, and kubectl's
``last-applied-configuration`` annotation), which a manifest never sets and which would make the
converted code carry them; it also drops the empty values the server writes where the manifest
had nothing (``inputs: {}``, ``outputs: {}``, ``metadata: {}``, ``arguments: {}``,
``resources: {}``, ``container.name: ""``...), only those that Argo reads exactly as an absent
field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SERVER_METADATA", "without_server_fields"]

SERVER_METADATA = (
    "creationTimestamp",
    "uid",
    "resourceVersion",
    "generation",
    "managedFields",
    "selfLink",
)
"""``metadata`` fields the API server fills in."""
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""The annotation ``kubectl apply`` writes (the whole previous manifest, as JSON)."""

_EMPTY_MAPS = frozenset(
    {"inputs", "outputs", "metadata", "arguments", "resources", "labels", "annotations"}
)
"""Keys whose empty mapping (``{}``) Argo reads as the absent field, below ``spec``."""
_EMPTY_NAMES = frozenset({"container", "script"})
"""Template kinds whose ``name: ""`` (a server default; Argo names the container ``main``) is
the absent name."""


def _without_empties(value: Any, key: str = "") -> Any:
    if isinstance(value, list):
        return [_without_empties(v, key) for v in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k in _EMPTY_MAPS and isinstance(v, Mapping) and not v:
            continue
        if k == "name" and v == "" and key in _EMPTY_NAMES:
            continue
        out[k] = _without_empties(v, k)
    return out


def without_server_fields(doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The document without server-populated fields and server-written empty values.

    Args:
        doc: A parsed manifest.

    Returns:
        The cleaned document (a new object; ``doc`` is not changed) and the paths of the
        server-populated fields dropped (``metadata.uid``, ``status``...), for a note; the
        empty values are dropped without one (they mean nothing to Argo).
    """
    out = dict(doc)
    dropped: list[str] = []
    meta = out.get("metadata")
    if isinstance(meta, Mapping):
        meta = dict(meta)
        for key in SERVER_METADATA:
            if key in meta:
                dropped.append(f"metadata.{key}")
                del meta[key]
        notes = meta.get("annotations")
        if isinstance(notes, Mapping) and LAST_APPLIED in notes:
            dropped.append(f"metadata.annotations[{LAST_APPLIED}]")
            notes = {k: v for k, v in notes.items() if k != LAST_APPLIED}
            if notes:
                meta["annotations"] = notes
            else:
                del meta["annotations"]
        out["metadata"] = meta
    if "status" in out:
        dropped.append("status")
        del out["status"]
    if isinstance(out.get("spec"), Mapping):
        out["spec"] = _without_empties(out["spec"], "spec")
    return out, dropped
