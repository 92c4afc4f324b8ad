"""The operational fields templates and workflows share, checked and rendered in one place:
``synchronization``, ``memoize`` (templates only), ``metrics``, ``hostAliases``,
``automountServiceAccountToken``, ``executor``, ``podResources`` and ``resourceClaims``.

:func:`check_operations` runs when template options or workflow options are created (errors
name the decorator's or the workflow's line); :func:`operations_fields` renders them. Both read
the fields by name from a :class:`~tiphys.dsl.options.TemplateOptions` or a
:class:`~tiphys.dsl.workflow_ops.WorkflowOperations`. Codes: ``C155``-``C158`` (see
:mod:`tiphys.dsl.locks`, :mod:`tiphys.dsl.metrics`, :mod:`tiphys.dsl.pod_fields`); those modules
are imported only for the fields that are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.dsl._location import fail
from tiphys.errors import Location

__all__ = ["check_operations", "operations_fields"]


def _items(value: Any, cls: type, what: str, code: str, location: Location) -> list[Any]:
    """Render a list of ``cls`` objects or raw dicts."""
    if isinstance(value, str | Mapping):
        raise fail(code, f"{what}= takes a list, not {value!r}", location)
    out = []
    for item in value:
        if isinstance(item, cls):
            out.append(item.to_argo())  # type: ignore[attr-defined]
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            raise fail(
                code, f"{what}= takes {cls.__name__}(...) objects or dicts, not {item!r}", location
            )
    return out


def _resources(value: Any) -> dict[str, Any]:
    return value.to_argo() if hasattr(value, "to_argo") else dict(value)


def operations_fields(source: object, location: Location) -> dict[str, Any]:
    """Render the shared operational fields of template or workflow options.

    Args:
        source: An object with (some of) the attributes ``synchronization``, ``memoize``,
            ``metrics``, ``host_aliases``, ``automount_service_account_token``, ``executor``,
            ``pod_resources``, ``resource_claims``; missing ones count as unset.
        location: Where the options were given.

    Returns:
        ``synchronization``, ``memoize``, ``metrics``, ``hostAliases``,
        ``automountServiceAccountToken``, ``executor``, ``podResources``, ``resourceClaims``:
        only those that are set, in this order.

    Raises:
        CompileError: ``C155``-``C158``, a value of the wrong kind.
    """
    out: dict[str, Any] = {}
    locks = getattr(source, "synchronization", ())
    if locks:
        if isinstance(locks, Mapping) or not hasattr(locks, "__iter__"):
            raise fail(
                "C155", "synchronization= takes a list of Mutex(...)/Semaphore(...)", location
            )
        from tiphys.dsl.locks import synchronization_argo

        out["synchronization"] = synchronization_argo(list(locks), location)
    memoize = getattr(source, "memoize", None)
    if memoize is not None:
        from tiphys.dsl.locks import Memoize

        if not isinstance(memoize, Memoize):
            raise fail(
                "C156",
                f"memoize= takes Memoize(key, config_map, max_age), not {memoize!r}",
                location,
            )
        out["memoize"] = memoize.to_argo()
    metrics = getattr(source, "metrics", ())
    if metrics:
        if isinstance(metrics, Mapping) or not hasattr(metrics, "__iter__"):
            raise fail("C157", "metrics= takes a list of Counter/Gauge/Histogram", location)
        from tiphys.dsl.metrics import metrics_argo

        out["metrics"] = metrics_argo(list(metrics), location)
    aliases = getattr(source, "host_aliases", ())
    if aliases:
        from tiphys.dsl.pod_fields import HostAlias

        out["hostAliases"] = _items(aliases, HostAlias, "host_aliases", "C158", location)
    automount = getattr(source, "automount_service_account_token", None)
    if automount is not None:
        if not isinstance(automount, bool):
            raise fail(
                "C158",
                f"automount_service_account_token= is True or False, not {automount!r}",
                location,
            )
        out["automountServiceAccountToken"] = automount
    executor = getattr(source, "executor", None)
    if executor is not None:
        from tiphys.dsl.pod_fields import executor_argo

        out["executor"] = executor_argo(executor, location)
    pod_resources = getattr(source, "pod_resources", None)
    if pod_resources is not None:
        out["podResources"] = _resources(pod_resources)
    claims = getattr(source, "resource_claims", ())
    if claims:
        from tiphys.dsl.pod_fields import ResourceClaim

        out["resourceClaims"] = _items(claims, ResourceClaim, "resource_claims", "C158", location)
    return out


def check_operations(source: object, location: Location) -> None:
    """Check the shared operational fields when options are created (see
    :func:`operations_fields`).

    Raises:
        CompileError: ``C155``-``C158``, a value of the wrong kind or a lock listed twice.
    """
    operations_fields(source, location)
