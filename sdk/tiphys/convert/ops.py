"""Operational fields with typed forms: ``synchronization`` (``Mutex``/``Semaphore``),
``memoize`` (``Memoize``), ``metrics`` (``Counter``/``Gauge``/``Histogram``), and the pod and
workflow fields tiphys takes as options (raw values where the option takes one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal

# Fields of templates and workflows whose option takes the Argo value as it is.
RAW_OPTIONS = {
    "hostAliases": "host_aliases",
    "automountServiceAccountToken": "automount_service_account_token",
    "executor": "executor",
    "podResources": "pod_resources",
    "resourceClaims": "resource_claims",
}
# Workflow-only fields of the same kind.
WORKFLOW_RAW_OPTIONS = {
    **RAW_OPTIONS,
    "hostNetwork": "host_network",
    "dnsPolicy": "dns_policy",
    "dnsConfig": "dns_config",
    "workflowMetadata": "workflow_metadata",
    "executorPlugins": "executor_plugins",
    "suspend": "suspend",
    "shutdown": "shutdown",
    "podSpecPatch": "pod_spec_patch",
}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def synchronization_code(ctx: DocContext, value: Any) -> str | None:
    """``[Mutex(...), Semaphore(...)]`` for a ``synchronization`` dict, or None."""
    if not isinstance(value, Mapping) or set(value) - {"mutexes", "semaphores"}:
        return None
    items: list[str] = []
    for mutex in value.get("mutexes") or []:
        if not isinstance(mutex, Mapping) or set(mutex) - {"name", "namespace", "database"}:
            return None
        if not _text(mutex.get("name")) or mutex.get("database", False) not in (True, False):
            return None
        kwargs = [("namespace", literal(mutex["namespace"]))] if "namespace" in mutex else []
        if mutex.get("database") is True:
            kwargs.append(("database", "True"))
        elif "database" in mutex:
            return None
        items.append(call(ctx.module.use("Mutex"), [literal(mutex["name"])], kwargs))
    for sem in value.get("semaphores") or []:
        if not isinstance(sem, Mapping) or set(sem) - {"configMapKeyRef", "namespace", "database"}:
            return None
        kwargs = []
        ref, db = sem.get("configMapKeyRef"), sem.get("database")
        if isinstance(ref, Mapping) and set(ref) == {"name", "key"} and db is None:
            kwargs += [("config_map", literal(ref["name"])), ("key", literal(ref["key"]))]
        elif isinstance(db, Mapping) and set(db) == {"key"} and ref is None:
            kwargs.append(("database_key", literal(db["key"])))
        else:
            return None
        if "namespace" in sem:
            kwargs.append(("namespace", literal(sem["namespace"])))
        items.append(call(ctx.module.use("Semaphore"), [], kwargs))
    return "[" + ", ".join(items) + "]" if items else None


def memoize_code(ctx: DocContext, value: Any) -> str | None:
    """``Memoize(key=..., config_map=..., max_age=...)``, or None."""
    if not isinstance(value, Mapping) or set(value) != {"key", "maxAge", "cache"}:
        return None
    cache = value["cache"]
    if not isinstance(cache, Mapping) or set(cache) != {"configMap"}:
        return None
    config_map = cache["configMap"]
    if not isinstance(config_map, Mapping) or set(config_map) != {"name"}:
        return None
    if not all(_text(v) for v in (value["key"], value["maxAge"], config_map["name"])):
        return None
    kwargs = [
        ("key", literal(value["key"])),
        ("config_map", literal(config_map["name"])),
        ("max_age", literal(value["maxAge"])),
    ]
    return call(ctx.module.use("Memoize"), [], kwargs)


_BODY = {
    "counter": ({"value"}, "Counter"),
    "gauge": ({"value", "realtime", "operation"}, "Gauge"),
    "histogram": ({"value", "buckets"}, "Histogram"),
}


def _metric(ctx: DocContext, metric: Any) -> str | None:
    if not isinstance(metric, Mapping):
        return None
    kinds = [k for k in _BODY if k in metric]
    if len(kinds) != 1 or set(metric) - {"name", "help", "labels", "when", kinds[0]}:
        return None
    kind = kinds[0]
    allowed, cls = _BODY[kind]
    body = metric[kind]
    if not isinstance(body, Mapping) or set(body) - allowed or "value" not in body:
        return None
    if not _text(metric.get("name")) or not _text(metric.get("help")):
        return None
    kwargs: list[tuple[str, str]] = [("value", literal(body["value"]))]
    labels = metric.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or not all(
            isinstance(x, Mapping) and set(x) == {"key", "value"} for x in labels
        ):
            return None
        kwargs.append(("labels", literal({x["key"]: x["value"] for x in labels})))
    if "when" in metric:
        kwargs.append(("when", literal(metric["when"])))
    if kind == "gauge":
        if not isinstance(body.get("realtime", False), bool):
            return None
        if body.get("realtime"):
            kwargs.append(("realtime", "True"))
        if "operation" in body:
            kwargs.append(("operation", literal(body["operation"])))
    if kind == "histogram":
        kwargs.append(("buckets", literal(body.get("buckets", []))))
    args = [literal(metric["name"]), literal(metric["help"])]
    return call(ctx.module.use(cls), args, kwargs)


def metrics_code(ctx: DocContext, value: Any) -> str | None:
    """``[Counter(...), Gauge(...), ...]`` for ``metrics: {prometheus: [...]}``, or None."""
    if not isinstance(value, Mapping) or set(value) != {"prometheus"}:
        return None
    if not isinstance(value["prometheus"], list):
        return None
    items = [_metric(ctx, m) for m in value["prometheus"]]
    if not items or not all(items):
        return None
    return "[" + ", ".join(i or "" for i in items) + "]"


def operation_option(
    ctx: DocContext, key: str, value: Any, *, workflow: bool
) -> tuple[str, str] | None:
    """The keyword argument for one template or workflow field, or None."""
    if key == "synchronization":
        code = synchronization_code(ctx, value)
        return ("synchronization", code) if code else None
    if key == "metrics":
        code = metrics_code(ctx, value)
        return ("metrics", code) if code else None
    if key == "memoize" and not workflow:
        code = memoize_code(ctx, value)
        return ("memoize", code) if code else None
    raw = WORKFLOW_RAW_OPTIONS if workflow else RAW_OPTIONS
    if key in raw:
        return (raw[key], literal(value))
    if (
        workflow
        and key == "volumeClaimGC"
        and isinstance(value, Mapping)
        and set(value) == {"strategy"}
    ):
        return ("volume_claim_gc", literal(value["strategy"]))
    if workflow and key == "imagePullSecrets" and isinstance(value, list):
        simple = all(isinstance(s, Mapping) and set(s) == {"name"} for s in value)
        return ("image_pull_secrets", literal([s["name"] for s in value] if simple else value))
    return None
