"""Container settings with typed forms: probes (``Probe.http/tcp/exec``), pre-stop hooks
(``PreStop``), ports and the container's security context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal

_TIMING = {
    "initialDelaySeconds": "initial_delay",
    "periodSeconds": "period",
    "timeoutSeconds": "timeout",
    "failureThreshold": "failure_threshold",
    "successThreshold": "success_threshold",
}
_HTTP = frozenset({"path", "port", "scheme", "host", "httpHeaders"})


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _http_kwargs(action: Any) -> tuple[list[str], list[tuple[str, str]]] | None:
    if not isinstance(action, Mapping) or set(action) - _HTTP or "path" not in action:
        return None
    port = action.get("port")
    if not (_int(port) or isinstance(port, str)) or not isinstance(action["path"], str):
        return None
    kwargs: list[tuple[str, str]] = []
    for key in ("scheme", "host"):
        if key in action:
            kwargs.append((key, literal(action[key])))
    headers = action.get("httpHeaders")
    if headers is not None:
        if not isinstance(headers, list) or not all(
            isinstance(h, Mapping) and set(h) == {"name", "value"} for h in headers
        ):
            return None
        kwargs.append(("headers", literal({h["name"]: h["value"] for h in headers})))
    return [literal(action["path"]), literal(port)], kwargs


def probe_code(ctx: DocContext, probe: Any) -> str | None:
    """``Probe.http(...)``/``Probe.tcp(...)``/``Probe.exec(...)`` for a probe, or None."""
    if not isinstance(probe, Mapping):
        return None
    actions = [k for k in probe if k not in _TIMING]
    timing = [(_TIMING[k], v) for k, v in probe.items() if k in _TIMING]
    if len(actions) != 1 or not all(_int(v) for _, v in timing):
        return None
    kind, action = actions[0], probe[actions[0]]
    extra = [(k, literal(v)) for k, v in timing]
    if kind == "httpGet":
        read = _http_kwargs(action)
        if read is None:
            return None
        return call(f"{ctx.module.use('Probe')}.http", read[0], read[1] + extra)
    if kind == "tcpSocket" and isinstance(action, Mapping) and set(action) <= {"port", "host"}:
        port = action.get("port")
        if not (_int(port) or isinstance(port, str)):
            return None
        host = [("host", literal(action["host"]))] if "host" in action else []
        return call(f"{ctx.module.use('Probe')}.tcp", [literal(port)], host + extra)
    if kind == "exec" and isinstance(action, Mapping) and set(action) == {"command"}:
        command = action["command"]
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(c, str) for c in command)
        ):
            return None
        return call(f"{ctx.module.use('Probe')}.exec", [literal(command)], extra)
    return None


def pre_stop_code(ctx: DocContext, lifecycle: Any) -> str | None:
    """``PreStop.exec/http/sleep(...)`` for ``lifecycle: {preStop: ...}``, or None."""
    if not isinstance(lifecycle, Mapping) or set(lifecycle) != {"preStop"}:
        return None
    hook = lifecycle["preStop"]
    if not isinstance(hook, Mapping) or len(hook) != 1:
        return None
    kind, action = next(iter(hook.items()))
    if kind == "exec" and isinstance(action, Mapping) and set(action) == {"command"}:
        return call(f"{ctx.module.use('PreStop')}.exec", [literal(action["command"])], [])
    if kind == "httpGet":
        read = _http_kwargs(action)
        if read is not None:
            return call(f"{ctx.module.use('PreStop')}.http", read[0], read[1])
    if (
        kind == "sleep"
        and isinstance(action, Mapping)
        and set(action) == {"seconds"}
        and _int(action["seconds"])
    ):
        return call(f"{ctx.module.use('PreStop')}.sleep", [literal(action["seconds"])], [])
    return None


def ports_code(ports: Any) -> str | None:
    """``[8080, {...}]`` for ``ports`` (a bare ``containerPort`` as its number), or None."""
    if not isinstance(ports, list) or not all(isinstance(p, Mapping) for p in ports):
        return None
    items = [
        literal(p["containerPort"]) if set(p) == {"containerPort"} else literal(p) for p in ports
    ]
    return "[" + ", ".join(items) + "]"


def container_setting(ctx: DocContext, key: str, value: Any) -> tuple[str, str] | None:
    """The keyword argument for one container field, or None when it has no typed form."""
    if key == "readinessProbe":
        code = probe_code(ctx, value)
        return ("readiness", code) if code else None
    if key == "livenessProbe":
        code = probe_code(ctx, value)
        return ("liveness", code) if code else None
    if key == "lifecycle":
        code = pre_stop_code(ctx, value)
        return ("pre_stop", code) if code else None
    if key == "ports":
        code = ports_code(value)
        return ("ports", code) if code else None
    if key == "securityContext" and isinstance(value, Mapping):
        return ("container_security_context", literal(value))
    return None
