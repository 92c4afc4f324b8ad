"""Support for the engine tests: a tiny ``sh`` executor with the methods of
:class:`tiphys.local.pods.Executor`, so the engine's semantics are tested apart from the backends
(deterministic, shared host paths, stdout kept in each node's sandbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any

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
