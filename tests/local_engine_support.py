"""Support for the engine tests: a tiny ``sh`` executor (the engine's tests drive it instead of
the real backends), and a stand-in for ``tiphys.local.pods``' data classes (installed only while
that module is not on main; CONTRACT5 §4 signatures).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import sys
import time
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiphys.errors import TiphysError


def _missing(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        return True
    return False


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


def install() -> None:
    """Put the stand-ins where the real modules are missing."""
    if _missing("tiphys.local.pods"):
        module = types.ModuleType("tiphys.local.pods")
        for name in ("PodSpec", "PodResult", "PodError", "Executor"):
            setattr(module, name, globals()[name])
        sys.modules["tiphys.local.pods"] = module


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
        (pod.sandbox / "stdout").write_text(text)  # what the tests read back
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
        arts = [
            {
                "name": a["name"],
                "path": a.get("path", ""),
                "s3": {"key": f"{pod.workflow_name}/{pod.pod_name}/{a['name']}.tgz"},
            }
            for a in (pod.template.get("outputs") or {}).get("artifacts") or ()
        ]
        if arts:
            outputs["artifacts"] = arts
        outputs["exitCode"] = str(code)
        if code:
            return _result("Failed", f"Error (exit code {code})", code, outputs)
        return _result("Succeeded", "", 0, outputs)

    async def start_daemon(self, pod: Any) -> _Daemon:
        return _Daemon(await self._spawn(pod))
