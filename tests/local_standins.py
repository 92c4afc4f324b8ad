"""Private stand-ins of the local runner's parts that the server tests need before they land.

Contract §6 (``tiphys.local.engine``: LocalRun, RunOptions, LocalError) is built by another
helper; until it is on main, :class:`LocalServer` is driven with this one through its
``engine=`` argument. It follows the contract's signatures and does the least a test needs:

- :class:`FakeRun` runs the entrypoint template of a workflow: ``container`` writes its
  ``args`` as log lines of pod ``<workflow name>`` (container ``main``) and ends Succeeded, or
  Failed with ``Error (exit code 1)`` when an argument is ``fail``; a container whose command is
  ``["sleep"]`` waits until stopped or terminated (at most 20 s); ``suspend: {}`` makes a
  Suspend node that ``resume``/``set_node`` end. The node of the workflow is its root node.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tiphys.errors import TiphysError


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def nano_stamp() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond * 1000:09d}Z"


# --- engine (contract §6) ---------------------------------------------------------------------


class FakeLocalError(TiphysError):
    """LocalError of the stand-in engine."""


@dataclass(frozen=True)
class FakeOptions:
    run_dir: Path
    backend: str = "auto"
    store: Any = None
    artifacts: Any = None
    templates: Callable[[str, bool], Mapping[str, Any] | None] | None = None
    mocks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    on_log: Callable[[str, str, str], None] | None = None


class FakeRun:
    """LocalRun's interface over a one-node workflow (see the module docstring)."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        options: FakeOptions,
        *,
        on_change: Callable[[FakeRun], None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._wf = copy.deepcopy(dict(workflow))
        self.options = options
        self.on_change = on_change
        self._wf.setdefault("status", {})
        spec = self._wf.setdefault("spec", {})
        ref = spec.get("workflowTemplateRef")
        if ref:
            found = (
                options.templates(ref["name"], bool(ref.get("clusterScope")))
                if options.templates
                else None
            )
            if found is None:
                raise FakeLocalError(f'workflow template "{ref["name"]}" not found')
            merged = copy.deepcopy(dict(found.get("spec") or {}))
            merged.update({k: v for k, v in spec.items() if k != "workflowTemplateRef"})
            self._spec = merged
        else:
            self._spec = spec
        names = [t["name"] for t in self._spec.get("templates") or []]
        if self._spec.get("entrypoint") not in names:
            raise FakeLocalError(f"spec.entrypoint {self._spec.get('entrypoint')!r} not found")
        self._wake: asyncio.Event | None = None
        self._shutdown: str | None = None
        self._suspend_result: tuple[str, str] | None = None

    # -- snapshot ------------------------------------------------------------------------------

    @property
    def workflow(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._wf)

    @property
    def phase(self) -> str:
        with self._lock:
            return str(self._wf["status"].get("phase", ""))

    def _update(self, fn: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            fn(self._wf)
            status = self._wf["status"]
            labels = self._wf.setdefault("metadata", {}).setdefault("labels", {})
            if status.get("phase"):
                labels["workflows.argoproj.io/phase"] = status["phase"]
            labels["workflows.argoproj.io/completed"] = (
                "true" if status.get("phase") in ("Succeeded", "Failed", "Error") else "false"
            )
        if self.on_change is not None:
            self.on_change(self)

    # -- execution -----------------------------------------------------------------------------

    async def execute(self) -> dict[str, Any]:
        self._wake = asyncio.Event()
        name = self._wf["metadata"]["name"]
        template = next(t for t in self._spec["templates"] if t["name"] == self._spec["entrypoint"])
        kind = "Suspend" if "suspend" in template else "Pod"

        def running(wf: dict[str, Any]) -> None:
            now = stamp()
            wf["status"] = {
                "phase": "Running",
                "startedAt": now,
                "finishedAt": None,
                "progress": "0/1",
                "nodes": {
                    name: {
                        "id": name,
                        "name": name,
                        "displayName": name,
                        "type": kind,
                        "templateName": template["name"],
                        "templateScope": f"local/{name}",
                        "phase": "Running",
                        "startedAt": now,
                        "finishedAt": None,
                        "progress": "0/1",
                    }
                },
            }

        self._update(running)
        phase, message = "Succeeded", ""
        try:
            if kind == "Suspend":
                while self._suspend_result is None and self._shutdown is None:
                    self._wake.clear()
                    await asyncio.wait_for(self._wake.wait(), 20)
                if self._suspend_result is not None:
                    phase, message = self._suspend_result
                else:
                    phase, message = "Failed", f"Stopped with strategy '{self._shutdown}'"
            else:
                container = template.get("container") or {}
                lines = [str(a) for a in container.get("args") or []]
                log_dir = self.options.run_dir / "logs" / name
                log_dir.mkdir(parents=True, exist_ok=True)
                with (log_dir / "main.log").open("a", encoding="utf-8") as out:
                    for line in lines:
                        out.write(f"{nano_stamp()} {line}\n")
                        out.flush()
                        await asyncio.sleep(0.01)
                if container.get("command") == ["sleep"]:
                    while self._shutdown is None:
                        self._wake.clear()
                        await asyncio.wait_for(self._wake.wait(), 20)
                    phase, message = "Failed", f"Stopped with strategy '{self._shutdown}'"
                elif "fail" in lines:
                    phase, message = "Failed", "Error (exit code 1)"
        except TimeoutError:
            phase, message = "Error", "stand-in run timed out"

        def done(wf: dict[str, Any]) -> None:
            now = stamp()
            node = wf["status"]["nodes"][name]
            node.update(phase=phase, finishedAt=now, progress="1/1")
            if message:
                node["message"] = message
            wf["status"].update(phase=phase, finishedAt=now, progress="1/1")
            if message:
                wf["status"]["message"] = message

        self._update(done)
        return self.workflow

    # -- control -------------------------------------------------------------------------------

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def stop(self, message: str | None = None) -> None:
        self._shutdown = "Stop"
        self._update(lambda wf: wf["spec"].__setitem__("shutdown", "Stop"))
        self._poke()

    def terminate(self) -> None:
        self._shutdown = "Terminate"
        self._update(lambda wf: wf["spec"].__setitem__("shutdown", "Terminate"))
        self._poke()

    def suspend(self) -> None:
        self._update(lambda wf: wf["spec"].__setitem__("suspend", True))

    def resume(self, node_field_selector: str | None = None) -> None:
        self._update(lambda wf: wf["spec"].pop("suspend", None))
        if self._suspend_node() is not None:
            self._suspend_result = ("Succeeded", "")
            self._poke()

    def _suspend_node(self) -> dict[str, Any] | None:
        for node in (self._wf["status"].get("nodes") or {}).values():
            if node["type"] == "Suspend" and node["phase"] == "Running":
                return dict(node)
        return None

    def set_node(
        self,
        node_field_selector: str,
        *,
        phase: str | None = None,
        message: str | None = None,
        output_parameters: Mapping[str, str] | None = None,
    ) -> None:
        node = self._suspend_node()
        key, _, value = node_field_selector.partition("=")
        if node is None or node.get(key) != value:
            raise FakeLocalError(
                "currently, set only targets suspend nodes: no suspend nodes matching "
                f"nodeFieldSelector: {node_field_selector}"
            )
        self._suspend_result = (phase or "Running", message or "")
        self._poke()

    @classmethod
    def retry(
        cls,
        workflow: Mapping[str, Any],
        options: FakeOptions,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Sequence[str] = (),
        on_change: Callable[[FakeRun], None] | None = None,
    ) -> FakeRun:
        phase = (workflow.get("status") or {}).get("phase")
        if phase not in ("Failed", "Error"):
            raise FakeLocalError(f"Cannot retry a workflow in phase {phase}")
        wf = copy.deepcopy(dict(workflow))
        wf["status"] = {"phase": "Running"}
        wf["spec"].pop("shutdown", None)
        return cls(wf, options, on_change=on_change)


ENGINE = types.SimpleNamespace(LocalRun=FakeRun, RunOptions=FakeOptions, LocalError=FakeLocalError)
