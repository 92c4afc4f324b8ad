"""A new Workflow object from a manifest, as ``argo submit`` and the API server make it."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tiphys.errors import TiphysError

__all__ = ["PrepareError", "apply_parameters", "now_rfc3339", "prepare_workflow"]

# k8s.io/apiserver/pkg/storage/names: SimpleNameGenerator's alphabet and length.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class PrepareError(TiphysError):
    """The manifest is not a Workflow that can be started (no name, a bad ``-p``)."""


def now_rfc3339() -> str:
    """The current UTC time as Argo writes times in status (``2026-11-30T01:02:03Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parameters(parameters: Sequence[str] | Mapping[str, str]) -> list[tuple[str, str]]:
    if isinstance(parameters, Mapping):
        return [(str(k), str(v)) for k, v in parameters.items()]
    out: list[tuple[str, str]] = []
    for item in parameters:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise PrepareError(f"parameter {item!r} is not NAME=VALUE")
        out.append((name, value))
    return out


def apply_parameters(spec: dict[str, Any], parameters: Sequence[str] | Mapping[str, str]) -> None:
    """Set ``spec.arguments.parameters`` values in place, as ``argo submit -p`` does.

    Args:
        spec: A Workflow spec (changed in place).
        parameters: ``NAME=VALUE`` texts or a mapping; unknown names are appended.

    Raises:
        PrepareError: A text is not ``NAME=VALUE``.
    """
    given = _parameters(parameters)
    if not given:
        return
    arguments = dict(spec.get("arguments") or {})
    params = [dict(p) for p in arguments.get("parameters") or ()]
    for pname, value in given:
        for param in params:
            if param.get("name") == pname:
                param["value"] = value
                param.pop("valueFrom", None)
                break
        else:
            params.append({"name": pname, "value": value})
    arguments["parameters"] = params
    spec["arguments"] = arguments


def prepare_workflow(
    manifest: Mapping[str, Any],
    *,
    namespace: str = "default",
    parameters: Sequence[str] | Mapping[str, str] = (),
    entrypoint: str | None = None,
    name: str | None = None,
    generate_name: str | None = None,
    labels: Mapping[str, str] | None = None,
    service_account: str | None = None,
) -> dict[str, Any]:
    """Make a new Workflow object from a manifest, as ``argo submit`` does.

    Args:
        manifest: A Workflow manifest (``kind: Workflow``).
        namespace: ``metadata.namespace`` when the manifest has none. Defaults to ``"default"``.
        parameters: ``NAME=VALUE`` texts or a mapping; each replaces the value of
            ``spec.arguments.parameters[NAME]`` (unknown names are appended, as ``argo submit
            -p`` does).
        entrypoint: Replaces ``spec.entrypoint`` when given.
        name: ``metadata.name`` (wins over any generateName).
        generate_name: Replaces ``metadata.generateName``.
        labels: Labels merged into ``metadata.labels``.
        service_account: ``spec.serviceAccountName``.

    Returns:
        A new dict: ``metadata.name`` set (``generateName`` plus 5 characters of
        ``bcdfghjklmnpqrstvwxz2456789``, as Kubernetes generates names), a fresh ``uid``
        (uuid4), ``namespace``, ``creationTimestamp`` (now); no ``resourceVersion``, no status.

    Raises:
        PrepareError: The manifest has neither name nor generateName, or a parameter is not
            ``NAME=VALUE``.
    """
    wf = copy.deepcopy(dict(manifest))
    meta = dict(wf.get("metadata") or {})
    spec = dict(wf.get("spec") or {})
    if generate_name is not None:
        meta["generateName"] = generate_name
    if name:
        meta["name"] = name
    elif not meta.get("name"):
        prefix = meta.get("generateName")
        if not prefix:
            raise PrepareError("the workflow has neither metadata.name nor metadata.generateName")
        meta["name"] = str(prefix) + "".join(random.choice(_ALPHABET) for _ in range(5))
    meta.setdefault("namespace", namespace)
    if not meta.get("namespace"):
        meta["namespace"] = namespace
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    meta.pop("resourceVersion", None)
    if labels:
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
    if entrypoint:
        spec["entrypoint"] = entrypoint
    if service_account:
        spec["serviceAccountName"] = service_account
    apply_parameters(spec, parameters)
    wf["metadata"] = meta
    wf["spec"] = spec
    wf.pop("status", None)
    wf.setdefault("apiVersion", "argoproj.io/v1alpha1")
    wf.setdefault("kind", "Workflow")
    return wf
