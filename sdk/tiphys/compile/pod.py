"""Rendering the pod and container settings of :mod:`tiphys.dsl.pod` (one place for every kind).

``@container`` and ``@script`` add :func:`container_settings` to their container and
:func:`template_settings` to their template; a container set's nodes use
:func:`container_extras` with their own values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiphys.dsl.options import Raw
from tiphys.dsl.pod import PodSettings, ports_argo
from tiphys.dsl.probes import PreStop, Probe
from tiphys.errors import Location


def container_extras(
    *,
    ports: Sequence[int | Raw] = (),
    readiness: Probe | None = None,
    liveness: Probe | None = None,
    pre_stop: PreStop | None = None,
    security_context: Raw | None = None,
    location: Location,
) -> dict[str, Any]:
    """Container fields beyond image, command, args and env, in a fixed order.

    Args:
        ports: ``ports`` (numbers or raw ``ContainerPort`` dicts).
        readiness: ``readinessProbe``.
        liveness: ``livenessProbe``.
        pre_stop: ``lifecycle.preStop``.
        security_context: The container's ``securityContext``.
        location: Where they were written (for errors).

    Returns:
        ``ports``, ``readinessProbe``, ``livenessProbe``, ``lifecycle``, ``securityContext``:
        only those that are set.
    """
    out: dict[str, Any] = {}
    if ports:
        out["ports"] = ports_argo(ports, location)
    if readiness is not None:
        out["readinessProbe"] = readiness.to_argo()
    if liveness is not None:
        out["livenessProbe"] = liveness.to_argo()
    if pre_stop is not None:
        out["lifecycle"] = {"preStop": pre_stop.to_argo()}
    if security_context is not None:
        out["securityContext"] = dict(security_context)
    return out


def container_settings(settings: PodSettings) -> dict[str, Any]:
    """The container fields of a ``@container``/``@script`` template's settings."""
    return container_extras(
        ports=settings.ports,
        readiness=settings.readiness,
        liveness=settings.liveness,
        pre_stop=settings.pre_stop,
        security_context=settings.container_security_context,
        location=settings.location,
    )


def template_settings(settings: PodSettings) -> dict[str, Any]:
    """The template fields of the settings: ``daemon: true`` for a daemon, else nothing
    (``termination_grace_period`` is already merged into ``podSpecPatch``)."""
    return {"daemon": True} if settings.daemon else {}
