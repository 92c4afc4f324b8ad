"""Support for the engine tests: a tiny ``sh`` executor, and stand-ins for the parts of
``tiphys.local`` other helpers build (installed only while those modules are not on main).

The stand-ins follow the contract's signatures (CONTRACT5 §1, §2, §4, §5) with Argo's semantics
for what the engine tests use; the real modules replace them as soon as they import.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import signal
import sys
import time
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiphys.argo.substitute import substitute_json
from tiphys.errors import TiphysError


def _missing(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        return True
    return False


# --- store / artifacts -------------------------------------------------------------------------


class StoreError(TiphysError):
    pass


class LocalStore:
    def __init__(
        self,
        secrets: Mapping[str, Mapping[str, str]] | None = None,
        configmaps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._secrets = {k: dict(v) for k, v in (secrets or {}).items()}
        self._configmaps = {k: dict(v) for k, v in (configmaps or {}).items()}

    def secret(self, name: str, key: str, *, optional: bool = False) -> str | None:
        value = self._secrets.get(name, {}).get(key)
        if value is None and not optional:
            raise StoreError(f"secret '{name}' has no key '{key}'")
        return value

    def configmap(self, name: str, key: str, *, optional: bool = False) -> str | None:
        value = self._configmaps.get(name, {}).get(key)
        if value is None and not optional:
            raise StoreError(f"configmap '{name}' has no key '{key}'")
        return value


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root


# --- pods ----------------------------------------------------------------------------------------


@dataclass
class PodSpec:
    workflow_name: str
    namespace: str
    node_id: str
    pod_name: str
    template: Mapping[str, Any]
    sandbox: Path
    log_dir: Path
    volumes: Sequence[Mapping[str, Any]] = ()
    deadline: float | None = None
    attempt: int = 0


@dataclass
class PodResult:
    phase: str
    message: str
    exit_code: int | None
    outputs: dict[str, Any] = field(default_factory=dict)


class PodError(TiphysError):
    pass


class Executor:  # the stand-in cannot run anything by itself
    def __init__(self, **_: Any) -> None:
        raise PodError("no executor in the stand-in")


# --- scope / loops -------------------------------------------------------------------------------


class ScopeError(TiphysError):
    pass


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def workflow_scope(workflow: Mapping[str, Any], *, now: Any) -> dict[str, Any]:
    meta = workflow.get("metadata") or {}
    spec = workflow.get("spec") or {}
    out: dict[str, Any] = {
        "workflow.name": meta.get("name", ""),
        "workflow.namespace": meta.get("namespace", ""),
        "workflow.uid": meta.get("uid", ""),
        "workflow.mainEntrypoint": spec.get("entrypoint", ""),
    }
    params = (spec.get("arguments") or {}).get("parameters") or []
    for p in params:
        if "value" in p:
            out[f"workflow.parameters.{p['name']}"] = str(p["value"])
    out["workflow.parameters"] = json.dumps(params, separators=(",", ":"))
    return out


def resolve_inputs(
    template: Mapping[str, Any], arguments: Mapping[str, Any], store: Any, *, scope: Any
) -> dict[str, Any]:
    given = {p["name"]: p for p in arguments.get("parameters") or ()}
    params = []
    for p in (template.get("inputs") or {}).get("parameters") or ():
        entry = dict(p)
        arg = given.get(p["name"])
        if arg is not None and "value" in arg:
            entry["value"] = str(arg["value"])
        elif "value" in p:
            entry["value"] = str(p["value"])
        elif "default" in p:
            entry["value"] = str(p["default"])
        else:
            raise ScopeError(f"inputs.parameters.{p['name']} was not supplied")
        params.append(entry)
    out: dict[str, Any] = {}
    if params:
        out["parameters"] = params
    return out


def input_scope(inputs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    params = inputs.get("parameters") or []
    for p in params:
        out[f"inputs.parameters.{p['name']}"] = p["value"]
    if params:
        out["inputs.parameters"] = json.dumps(params, separators=(",", ":"))
    return out


def node_scope(prefix: str, node: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {f"{prefix}.id": node["id"], f"{prefix}.status": node["phase"]}
    for key in ("startedAt", "finishedAt", "hostNodeName"):
        if node.get(key):
            out[f"{prefix}.{key}"] = node[key]
    if node.get("podIP"):
        out[f"{prefix}.ip"] = node["podIP"]
    outputs = node.get("outputs") or {}
    if "result" in outputs:
        out[f"{prefix}.outputs.result"] = outputs["result"]
    if "exitCode" in outputs:
        out[f"{prefix}.exitCode"] = outputs["exitCode"]
    for p in outputs.get("parameters") or ():
        out[f"{prefix}.outputs.parameters.{p['name']}"] = p.get("value", "")
    for a in outputs.get("artifacts") or ():
        out[f"{prefix}.outputs.artifacts.{a['name']}"] = dict(a)
    return out


def aggregate_scope(prefix: str, children: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    results = []
    params: dict[str, list[str]] = {}
    for child in children:
        outputs = child.get("outputs") or {}
        if "result" in outputs:
            try:
                results.append(json.loads(outputs["result"]))
            except ValueError:
                text = outputs["result"].lstrip()
                if not text:
                    raise ScopeError("unexpected end of JSON input") from None
                raise ScopeError(
                    f"invalid character '{text[0]}' looking for beginning of value"
                ) from None
        for p in outputs.get("parameters") or ():
            params.setdefault(p["name"], []).append(p.get("value", ""))
    out: dict[str, Any] = {}
    if results:
        out[f"{prefix}.outputs.result"] = json.dumps(results, separators=(",", ":"))
    for name, values in params.items():
        out[f"{prefix}.outputs.parameters.{name}"] = json.dumps(values, separators=(",", ":"))
    return out


def expand_loop(step: Mapping[str, Any], scope: Mapping[str, Any]) -> list[Any] | None:
    strings = {k: v for k, v in scope.items() if isinstance(v, str)}
    if "withItems" in step:
        return list(substitute_json(step["withItems"], strings, allow_unresolved=True))
    if "withParam" in step:
        text = substitute_json(step["withParam"], strings, allow_unresolved=True)
        try:
            value = json.loads(text)
        except ValueError:
            raise ScopeError(
                f"withParam value could not be parsed as a JSON list: {text.strip()}"
            ) from None
        return list(value)
    if "withSequence" in step:
        seq = step["withSequence"]
        start = int(seq.get("start", 0))
        end = int(seq["end"]) if "end" in seq else start + int(seq["count"]) - 1
        return [str(i) for i in range(start, end + 1)]
    return None


def loop_node_name(base: str, index: int, item: Any) -> str:
    return f"{base}({index}:{_text(item)})"


def item_scope(item: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"item": _text(item)}
    if isinstance(item, Mapping):
        for k, v in item.items():
            out[f"item.{k}"] = _text(v)
    return out


def failures_value(nodes: Mapping[str, Mapping[str, Any]]) -> str:
    failures = [
        {
            "displayName": n["displayName"],
            "message": n.get("message", ""),
            "templateName": n.get("templateName", ""),
            "phase": n["phase"],
            "podName": n["id"],
            "finishedAt": n.get("finishedAt", ""),
        }
        for n in nodes.values()
        if n["phase"] in ("Failed", "Error")
    ]
    return json.dumps(json.dumps(failures or None, separators=(",", ":")))


def template_outputs(template: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    strings = {k: v for k, v in scope.items() if isinstance(v, str)}
    params = []
    for p in (template.get("outputs") or {}).get("parameters") or ():
        source = (p.get("valueFrom") or {}).get("parameter")
        value = substitute_json(source, strings, allow_unresolved=True) if source else None
        if value is None or "{{" in value:
            default = (p.get("valueFrom") or {}).get("default")
            if default is None:
                raise ScopeError(f"unable to resolve outputs from scope: {source}")
            value = default
        entry = {k: v for k, v in p.items() if k != "value"}
        entry["value"] = value
        params.append(entry)
    return {"parameters": params} if params else {}


def retry_scope(
    node: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]], *, next_attempt: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {"retries": str(len(attempts) if next_attempt else len(attempts) - 1)}
    if attempts:
        last = attempts[-1]
        out["lastRetry.exitCode"] = str((last.get("outputs") or {}).get("exitCode", "-1"))
        out["lastRetry.status"] = last["phase"]
        out["lastRetry.message"] = last.get("message", "")
        out["lastRetry.duration"] = "0"
    return out


def install() -> None:
    """Put the stand-ins where the real modules are missing."""
    for modname, names in (
        ("tiphys.local.store", ("StoreError", "LocalStore")),
        ("tiphys.local.artifacts", ("ArtifactStore",)),
        ("tiphys.local.pods", ("PodSpec", "PodResult", "PodError", "Executor")),
        (
            "tiphys.local.scope",
            (
                "ScopeError",
                "workflow_scope",
                "resolve_inputs",
                "input_scope",
                "node_scope",
                "aggregate_scope",
                "expand_loop",
                "loop_node_name",
                "item_scope",
                "failures_value",
                "template_outputs",
                "retry_scope",
            ),
        ),
    ):
        if _missing(modname):
            module = types.ModuleType(modname)
            for name in names:
                setattr(module, name, globals()[name])
            sys.modules[modname] = module


# --- a tiny executor ---------------------------------------------------------------------------


class _Daemon:
    ip = "127.0.0.1"

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def wait_ready(self) -> Any:
        return None

    async def stop(self) -> Any:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()
        return _result("Succeeded", "", 0, {})


def _result(phase: str, message: str, code: int | None, outputs: dict[str, Any]) -> Any:
    from tiphys.local.pods import PodResult

    return PodResult(phase=phase, message=message, exit_code=code, outputs=outputs)


class ShExecutor:
    """Runs container/script templates with ``/bin/sh`` (``$S`` is the node's sandbox; an output
    parameter at absolute path P is read from ``$S/P``). Records every pod it runs."""

    def __init__(self) -> None:
        self.pods: list[Any] = []

    def _argv(self, pod: Any) -> list[str]:
        tmpl = pod.template
        if "script" in tmpl:
            script = tmpl["script"]
            path = pod.sandbox / "script"
            path.write_text(script.get("source", ""))
            return [*(script.get("command") or ["sh"]), str(path)]
        container = tmpl.get("container") or {}
        return [*(container.get("command") or []), *(container.get("args") or [])]

    async def _spawn(self, pod: Any) -> asyncio.subprocess.Process:
        self.pods.append(pod)
        env = {**os.environ, "S": str(pod.sandbox)}
        return await asyncio.create_subprocess_exec(
            *self._argv(pod),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    async def run(self, pod: Any) -> Any:
        proc = await self._spawn(pod)
        timeout = None if pod.deadline is None else max(0.0, pod.deadline - time.monotonic())
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            return _result(
                "Failed", "Pod was active on the node longer than the specified deadline", None, {}
            )
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            raise
        code = proc.returncode or 0
        text = out.decode()
        outputs: dict[str, Any] = {"result": text[:-1] if text.endswith("\n") else text}
        params = []
        for p in (pod.template.get("outputs") or {}).get("parameters") or ():
            path = (p.get("valueFrom") or {}).get("path")
            if path:
                target = pod.sandbox / path.lstrip("/")
                entry = {k: v for k, v in p.items() if k != "value"}
                if target.exists():
                    entry["value"] = target.read_text()
                elif "default" in (p.get("valueFrom") or {}):
                    entry["value"] = p["valueFrom"]["default"]
                params.append(entry)
        if params:
            outputs["parameters"] = params
        outputs["exitCode"] = str(code)
        if code:
            return _result("Failed", f"Error (exit code {code})", code, outputs)
        return _result("Succeeded", "", 0, outputs)

    async def start_daemon(self, pod: Any) -> _Daemon:
        return _Daemon(await self._spawn(pod))
