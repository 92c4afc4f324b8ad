"""The local workflow engine: runs a Workflow manifest on this machine with Argo v4's semantics.

The engine walks the templates as Argo's controller does (``workflow/controller/operator.go``
``executeTemplate``, ``steps.go``, ``dag.go``, ``exit_handler.go``, ``hooks.go``, the retry logic
in ``operator.go`` ``processNodeRetries``) but on asyncio: every node is a coroutine, and a node
reacts only to its own children and dependencies (no scan over all nodes per event). Leaf
templates (container, script, containerSet, data, http) run through
:class:`tiphys.local.pods.Executor`. The status it keeps has Argo's exact shape (node ids, names,
display names, types, boundaries, children, outbound nodes, phases, messages).

Where it differs from a cluster: a DAG is assessed once its scheduled tasks end (``failFast``
stops only tasks still waiting for ``parallelism``); template ``parallelism`` limits the direct
children of that steps/DAG node; ``retryPolicy: OnTransientError`` never retries (no transient
cluster errors here); a containerSet's Container nodes take the pod's phase; mutexes and
semaphores are shared by the runs of one event loop only.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
import tempfile
import threading
import time
from collections import ChainMap, deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiphys.argo import exprlang
from tiphys.argo.depends import DependsSyntaxError, evaluate_depends, parse_depends
from tiphys.argo.durations import argo_duration_ns
from tiphys.argo.govaluate import WhenError, evaluate_when
from tiphys.argo.nodes import node_id, node_pod_name
from tiphys.argo.substitute import SubstitutionError, expand, replace
from tiphys.errors import TiphysError
from tiphys.local.control import selector_matches
from tiphys.local.prepare import PrepareError, apply_parameters, now_rfc3339, prepare_workflow
from tiphys.local.sync import SyncError, SyncManager

if TYPE_CHECKING:
    from tiphys.local.artifacts import ArtifactStore
    from tiphys.local.store import LocalStore

__all__ = ["LocalError", "LocalRun", "RunOptions", "prepare_workflow", "run_local"]

Json = dict[str, Any]

_LEAF_KINDS = ("container", "script", "containerSet", "data", "http")
_CLUSTER_KINDS = ("resource", "plugin")
_DONE = frozenset({"Succeeded", "Failed", "Error", "Skipped", "Omitted"})
_COMPLETED = frozenset({"Succeeded", "Failed", "Error", "Skipped"})
_BAD = frozenset({"Failed", "Error"})
_PRODUCER_REF = re.compile(r"\{\{\s*(tasks|steps)\.([-a-zA-Z0-9]+)\.")
_UNRESOLVED_INPUT = re.compile(r"\{\{\s*inputs\.[^}]*\}\}")
_EXECUTABLE = frozenset({"Pod", "HTTP", "Plugin", "Container", "Suspend"})
_GROUP_TYPES = frozenset({"Steps", "DAG", "StepGroup", "TaskGroup", "Retry"})


class LocalError(TiphysError):
    """The workflow cannot start here (what Argo's validation or the API server refuses), or a
    control call (``set_node``, ``retry``) names nothing it can act on."""


def _new_store() -> LocalStore:
    from tiphys.local.store import LocalStore

    return LocalStore()


@dataclass(frozen=True)
class RunOptions:
    """How a :class:`LocalRun` runs.

    Attributes:
        run_dir: Everything the run writes is under here (``nodes/`` sandboxes, ``logs/``).
        backend: ``"auto"``, ``"host"``, ``"docker"`` or ``"podman"`` (see the executor).
        store: Secrets and ConfigMaps the manifests reference. Defaults to an empty store.
        artifacts: The artifact repository; defaults to ``ArtifactStore(run_dir / "artifacts")``.
        templates: ``(name, cluster_scope) -> WorkflowTemplate / ClusterWorkflowTemplate
            manifest or None`` for ``templateRef`` and ``workflowTemplateRef``.
        mocks: Template name (or ``"<workflowtemplate>/<template>"`` for a templateRef) ->
            ``{"phase": "Succeeded"|"Failed"|"Error", "message": str, "outputs": {...}}``;
            ``outputs.parameters`` may be a list of ``{"name", "value"}`` or a ``{name: value}``
            mapping. A mock naming a template the workflow never uses is a :class:`LocalError`.
        on_log: ``(pod_name, container, "<timestamp> <text>")`` for every log line.
    """

    run_dir: Path
    backend: str = "auto"
    store: LocalStore = field(default_factory=_new_store)
    artifacts: ArtifactStore | None = None
    templates: Callable[[str, bool], Mapping[str, Any] | None] | None = None
    mocks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    on_log: Callable[[str, str, str], None] | None = None


@functools.cache
def _api(name: str) -> Callable[..., Any]:
    """A function of the variables API (``tiphys.local.scope`` / ``tiphys.local.loops``)."""
    from tiphys.local import scope

    fn = getattr(scope, name, None)
    if fn is None:
        from tiphys.local import loops

        fn = getattr(loops, name)
    return fn  # type: ignore[no-any-return]


def _now() -> str:
    return now_rfc3339()


def _parse_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


class ArgumentError(Exception):
    """An argument artifact's ``from`` cannot be resolved (internal; becomes a node Error)."""


class _Shutdown(Exception):
    """Raised inside a waiting node when the workflow is stopped or terminated."""


@dataclass
class _Ctx:
    """What a template runs in: its boundary, variables and where its templates come from."""

    boundary_id: str
    values: MutableMapping[str, Any]  # flat variables (global + local), by dotted name
    templates: Mapping[str, Json]  # the template base (workflow's or a WorkflowTemplate's)
    template_scope: str  # "local/<wf>" | "namespaced/<wftmpl>" | "cluster/<cwftmpl>"
    base_name: str  # "" for the workflow, else the WorkflowTemplate's name (for mocks)
    deadline: float | None = None  # time.monotonic() by which everything below must end
    on_exit: bool = False

    def child(self, **changes: Any) -> _Ctx:
        out = copy.copy(self)
        for key, value in changes.items():
            setattr(out, key, value)
        return out


def _subst(obj: Any, values: Mapping[str, Any], *, allow: bool = True) -> Any:
    """Argo's ``common.Replace`` of a step, task or template (a new object); tags naming
    artifacts (values that are not strings) are left for :meth:`LocalRun._resolve_args`."""
    text = exprlang.go_json(obj)
    if "{{" not in text:  # nothing to replace: skip copying the scope
        return json.loads(text)
    # Argo's replace map holds the parameters only: artifact references stay as written
    strings = {k: v for k, v in values.items() if isinstance(v, str)}
    return json.loads(replace(text, strings, allow_unresolved=allow))


def _arguments_problem(arguments: Mapping[str, Any]) -> str | None:
    """Argo's refusal of workflow arguments without a value (validate.go
    validateArgumentsValues, not linting: the server's create and submit, the controller)."""
    for param in arguments.get("parameters") or ():
        if param.get("value") is None and param.get("valueFrom") is None:
            name = f"spec.arguments.{param.get('name')}"
            return f"{name}.value or {name}.valueFrom is required"
    return None


def _continues_on(holder: Mapping[str, Any], phase: str) -> bool:
    cont = holder.get("continueOn") or {}
    return bool(
        (phase == "Failed" and cont.get("failed")) or (phase == "Error" and cont.get("error"))
    )


def _norm_outputs(outputs: Mapping[str, Any]) -> Json:
    out: Json = {}
    for key, value in outputs.items():
        if key == "parameters" and isinstance(value, Mapping):
            out[key] = [{"name": str(k), "value": str(v)} for k, v in value.items()]
        elif key in ("result", "exitCode") and value is not None:
            out[key] = value if isinstance(value, str) else exprlang.go_string(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class LocalRun:
    """One workflow running on this machine.

    Args:
        workflow: A Workflow with ``metadata.name`` set (see :func:`prepare_workflow`); it may use
            ``spec.workflowTemplateRef`` (resolved through ``options.templates``) and may carry a
            ``status`` whose Succeeded nodes are reused (see :meth:`retry`).
        options: How to run.
        on_change: Called (on the run's loop) after changes to the status, at most once per
            loop iteration.
        executor: An object with the ``run(pod)`` and ``start_daemon(pod)`` coroutines of
            :class:`tiphys.local.pods.Executor`; defaults to a new ``Executor`` for
            ``options.backend``.

    Raises:
        LocalError: No name, no entrypoint, an entrypoint or template that does not exist, a
            ``workflowTemplateRef`` or ``templateRef`` that cannot be found, or a mock naming a
            template the workflow never uses.
    """

    def __init__(
        self,
        workflow: Mapping[str, Any],
        options: RunOptions,
        *,
        on_change: Callable[[LocalRun], None] | None = None,
        executor: Any = None,
    ) -> None:
        self.options = options
        self._on_change = on_change
        self._executor = executor
        wf = copy.deepcopy(dict(workflow))
        meta = wf.setdefault("metadata", {})
        self.name = str(meta.get("name") or "")
        if not self.name:
            raise LocalError("the workflow has no metadata.name: prepare it with prepare_workflow")
        meta.setdefault("namespace", "default")
        self.namespace = str(meta["namespace"])
        self._v1 = (meta.get("annotations") or {}).get(
            "workflows.argoproj.io/pod-name-format"
        ) == "v1"
        self._wf: Json = wf
        self._spec = self._exec_spec(wf)
        self._templates: dict[str, Json] = {
            str(t.get("name")): t for t in self._spec.get("templates") or ()
        }
        entry = self._spec.get("entrypoint")
        if not entry:
            raise LocalError("spec.entrypoint is not set and no entrypoint was given")
        if str(entry) not in self._templates:
            raise LocalError(f"spec.entrypoint template '{entry}' not found")
        problem = _arguments_problem(self._spec.get("arguments") or {})
        if problem is not None:
            raise LocalError(problem)
        status = wf.setdefault("status", {})
        self._nodes: dict[str, Json] = status.setdefault("nodes", {})
        self._by_name: dict[str, str] = {n["name"]: i for i, n in self._nodes.items()}
        self._check_templates()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._shutdown: str | None = None
        self._shutdown_message: str | None = None
        self._suspended = bool(self._spec.get("suspend"))
        self._resume_event: asyncio.Event | None = None
        self._running: dict[asyncio.Task[Any], bool] = {}  # leaf/suspend task -> is on-exit
        self._suspend_waiters: dict[str, asyncio.Future[None]] = {}
        self._daemons: dict[str, Any] = {}
        self._change_pending = False
        # progress.UpdateProgress: executable nodes count, each "0/1" until it completes
        self._pod_total = sum(1 for n in self._nodes.values() if n.get("type") in _EXECUTABLE)
        self._pod_done = sum(
            1
            for n in self._nodes.values()
            if n.get("type") in _EXECUTABLE and n.get("progress") == "1/1"
        )
        self._globals: dict[str, Any] = {}
        self._wf_sem: asyncio.Semaphore | None = None
        self._tmpl_sems: dict[str, asyncio.Semaphore] = {}
        self._deadline: float | None = None
        self._pending_controls: list[Callable[[], None]] = []
        self._done = False
        self._sync: SyncManager | None = None
        self._hook_tasks: list[asyncio.Task[Any]] = []
        self._root_orphans: list[str] = []  # workflow hook nodes made before the root node
        self._set_phases: dict[str, str] = {}  # suspend node -> phase given by set_node
        self._cs_leaves: dict[str, list[str]] = {}  # containerSet pod node -> leaf containers
        self._tmpl_text: dict[str, str] = {}  # Steps/DAG node -> its template as JSON

    # --- public surface -----------------------------------------------------------------------

    @property
    def workflow(self) -> dict[str, Any]:
        """A deep copy of the Workflow, status included; safe to call from any thread."""
        loop = self._loop
        if loop is not None and not self._done and threading.get_ident() != self._thread:
            try:
                future = asyncio.run_coroutine_threadsafe(self._copy_async(), loop)
                return future.result(timeout=30)
            except RuntimeError:  # the loop closed meanwhile
                pass
        return copy.deepcopy(self._wf)

    async def _copy_async(self) -> Json:
        return copy.deepcopy(self._wf)

    @property
    def phase(self) -> str:
        """``status.phase``: ``""`` before the run, then Running, Succeeded, Failed or Error."""
        return str(self._wf.get("status", {}).get("phase") or "")

    async def execute(self) -> dict[str, Any]:
        """Run the workflow to its end.

        Returns:
            The final Workflow (a deep copy).
        """
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._resume_event = asyncio.Event()
        if not self._suspended:
            self._resume_event.set()
        for control in self._pending_controls:
            control()
        self._pending_controls.clear()
        parallelism = self._spec.get("parallelism")
        if isinstance(parallelism, int) and parallelism > 0:
            self._wf_sem = asyncio.Semaphore(parallelism)
        self._sync = SyncManager.for_loop(self._loop)
        try:
            await self._operate()
        except Exception as exc:  # a bug must not leave the run hanging in Running
            self._finish_workflow("Error", f"internal error in the local engine: {exc!r}")
        finally:
            for daemon in list(self._daemons.values()):
                await self._stop_daemon(daemon)
            self._done = True
            self._notify_now()
        return copy.deepcopy(self._wf)

    def stop(self, message: str | None = None) -> None:
        """Stop the workflow (``argo stop``): running nodes are killed and fail, no new node
        starts, exit handlers still run.

        Args:
            message: The workflow's message instead of ``Stopped with strategy 'Stop'``.
        """
        self._control(lambda: self._do_shutdown("Stop", message))

    def terminate(self) -> None:
        """Terminate the workflow (``argo terminate``): as :meth:`stop`, without exit handlers."""
        self._control(lambda: self._do_shutdown("Terminate", None))

    def suspend(self) -> None:
        """Suspend the workflow (``spec.suspend``): no new node starts until :meth:`resume`."""
        self._control(self._do_suspend)

    def resume(self, node_field_selector: str | None = None) -> None:
        """Resume the workflow and its suspended nodes (``argo resume``).

        Args:
            node_field_selector: Resume only the suspend nodes it matches (and leave
                ``spec.suspend`` alone), e.g. ``"displayName=approve"``.
        """
        self._control(lambda: self._do_resume(node_field_selector))

    def set_node(
        self,
        node_field_selector: str,
        *,
        phase: str | None = None,
        message: str | None = None,
        output_parameters: Mapping[str, str] | None = None,
    ) -> None:
        """Set fields of the nodes a selector matches (``argo node set``).

        A suspend node given a phase ends in it; output parameters fill its
        ``valueFrom.supplied`` outputs.

        Args:
            node_field_selector: E.g. ``"displayName=approve"``.
            phase: ``Succeeded``, ``Failed`` or ``Error``.
            message: The node's message.
            output_parameters: Output parameter values by name.

        Raises:
            LocalError: The selector matches no node, or it does not parse.
        """
        nodes = self._nodes
        if self._loop is not None and threading.get_ident() != self._thread:
            nodes = self.workflow["status"]["nodes"]  # a consistent copy, taken on the loop
        try:
            matched = [n for n in nodes.values() if selector_matches(node_field_selector, n)]
        except ValueError as exc:
            raise LocalError(str(exc)) from None
        if not matched:
            raise LocalError(f"no node matches the selector '{node_field_selector}'")
        ids = [n["id"] for n in matched]
        self._control(lambda: self._do_set(ids, phase, message, output_parameters))

    @classmethod
    def retry(
        cls,
        workflow: Mapping[str, Any],
        options: RunOptions,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Sequence[str] = (),
        on_change: Callable[[LocalRun], None] | None = None,
        executor: Any = None,
    ) -> LocalRun:
        """A run that retries a Failed or Errored workflow, as ``argo retry`` does
        (``util.FormulateRetryWorkflow``): Succeeded and Skipped nodes are kept and their outputs
        reused, the others (and exit handlers) run again.

        Args:
            workflow: The finished Workflow, with its status.
            options: How to run.
            restart_successful: Also re-run the Succeeded nodes ``node_field_selector`` matches.
            node_field_selector: See ``restart_successful``.
            parameters: ``NAME=VALUE`` replacing workflow parameters.
            on_change: As for :class:`LocalRun`.
            executor: As for :class:`LocalRun`.

        Returns:
            A new run; call :meth:`execute`.

        Raises:
            LocalError: The workflow is not Failed or Error (``Cannot retry a workflow in phase
                X``), or a parameter is not ``NAME=VALUE``.
        """
        wf = copy.deepcopy(dict(workflow))
        status = wf.get("status") or {}
        phase = status.get("phase") or ""
        if phase not in ("Failed", "Error"):
            raise LocalError(f"Cannot retry a workflow in phase {phase or 'Pending'}")
        if parameters:
            try:
                apply_parameters(wf.setdefault("spec", {}), parameters)
            except PrepareError as exc:
                raise LocalError(str(exc)) from None
        nodes: dict[str, Json] = copy.deepcopy(status.get("nodes") or {})
        parents: dict[str, str] = {}
        for nid, node in nodes.items():
            if node.get("type") in _GROUP_TYPES:
                for child in node.get("children") or ():
                    parents.setdefault(child, nid)
        drop: set[str] = set()
        for nid, node in nodes.items():
            keep = node.get("phase") in ("Succeeded", "Skipped") and not node["name"].endswith(
                ".onExit"
            )
            if (
                keep
                and restart_successful
                and node_field_selector
                and selector_matches(node_field_selector, node)
            ):
                keep = False
            if node.get("type") in _GROUP_TYPES and node.get("phase") != "Succeeded":
                keep = False
            if not keep:
                drop.add(nid)
        stack = list(drop)  # the groups and boundaries holding a re-run node run again
        while stack:
            nid = stack.pop()
            node = nodes.get(nid) or {}
            for up in (parents.get(nid), node.get("boundaryID")):
                if up and up in nodes and up not in drop:
                    drop.add(up)
                    stack.append(up)
        kept = {i: n for i, n in nodes.items() if i not in drop}
        for node in kept.values():
            if node.get("children"):
                node["children"] = [c for c in node["children"] if c in kept]
        wf["status"] = {"nodes": kept}
        wf.setdefault("spec", {}).pop("shutdown", None)  # a retried workflow runs again
        labels = wf["metadata"].setdefault("labels", {})
        labels.pop("workflows.argoproj.io/completed", None)
        labels.pop("workflows.argoproj.io/phase", None)
        return cls(wf, options, on_change=on_change, executor=executor)

    # --- control plumbing ----------------------------------------------------------------------

    def _control(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            self._pending_controls.append(fn)
        elif threading.get_ident() == self._thread:
            fn()
        elif not self._done:
            loop.call_soon_threadsafe(fn)

    def _do_shutdown(self, strategy: str, message: str | None) -> None:
        if self._done or self._shutdown == "Terminate":
            return
        self._shutdown = strategy
        self._shutdown_message = message
        self._spec["shutdown"] = strategy
        self._wf["spec"]["shutdown"] = strategy
        if self._resume_event is not None:
            self._resume_event.set()
        for task, on_exit in list(self._running.items()):
            if strategy == "Terminate" or not on_exit:
                task.cancel()
        self._changed()

    def _do_suspend(self) -> None:
        self._suspended = True
        self._wf["spec"]["suspend"] = True
        if self._resume_event is not None:
            self._resume_event.clear()
        self._changed()

    def _do_resume(self, selector: str | None) -> None:
        if selector is None:
            self._suspended = False
            self._wf["spec"].pop("suspend", None)
            if self._resume_event is not None:
                self._resume_event.set()
        for nid, waiter in list(self._suspend_waiters.items()):
            node = self._nodes[nid]
            if (selector is None or selector_matches(selector, node)) and not waiter.done():
                waiter.set_result(None)
        self._changed()

    def _do_set(
        self,
        ids: list[str],
        phase: str | None,
        message: str | None,
        params: Mapping[str, str] | None,
    ) -> None:
        for nid in ids:
            node = self._nodes[nid]
            if params:
                outputs = node.setdefault("outputs", {})
                plist = outputs.setdefault("parameters", [])
                for pname, value in params.items():
                    for p in plist:
                        if p.get("name") == pname:
                            p["value"] = str(value)
                            break
                    else:
                        plist.append({"name": pname, "value": str(value)})
            if message is not None:
                node["message"] = message
            if phase:
                waiter = self._suspend_waiters.get(nid)
                if waiter is not None and not waiter.done():
                    self._set_phases[nid] = phase
                    waiter.set_result(None)
                elif node["phase"] not in _DONE or phase in _DONE:
                    node["phase"] = phase
                    if phase in _DONE:
                        node.setdefault("finishedAt", _now())
        self._changed()

    def _changed(self) -> None:
        if self._on_change is None or self._change_pending or self._loop is None:
            return
        self._change_pending = True
        self._loop.call_soon(self._notify_now)

    def _notify_now(self) -> None:
        self._change_pending = False
        if self._on_change is not None:
            self._on_change(self)

    # --- workflow ------------------------------------------------------------------------------

    def _exec_spec(self, wf: Json) -> Json:
        spec: Json = wf.setdefault("spec", {})
        ref = spec.get("workflowTemplateRef")
        if not ref:
            return spec
        tmpl = self._lookup(str(ref.get("name") or ""), bool(ref.get("clusterScope")))
        base = copy.deepcopy(dict(tmpl.get("spec") or {}))
        merged = dict(base)
        for key, value in spec.items():
            if key == "workflowTemplateRef":
                continue
            if key == "arguments":
                args = dict(base.get("arguments") or {})
                params = {p["name"]: dict(p) for p in args.get("parameters") or ()}
                for p in value.get("parameters") or ():
                    params[p["name"]] = {**params.get(p["name"], {}), **p}
                args["parameters"] = list(params.values())
                if value.get("artifacts"):
                    args["artifacts"] = value["artifacts"]
                merged["arguments"] = args
            else:
                merged[key] = value
        wf["status"] = wf.get("status") or {}
        wf["status"]["storedWorkflowTemplateSpec"] = merged
        return merged

    def _lookup(self, name: str, cluster: bool) -> Json:
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        found = self.options.templates(name, cluster) if self.options.templates else None
        if found is None:
            raise LocalError(f'{kind}.argoproj.io "{name}" not found')
        return dict(found)

    def _resolve(self, holder: Mapping[str, Any], ctx: _Ctx) -> tuple[Json, _Ctx, str]:
        """The template a step/task names, the context its own references resolve in, and its
        mock key. Raises LocalError."""
        ref = holder.get("templateRef")
        if ref:
            wft = self._lookup(str(ref.get("name") or ""), bool(ref.get("clusterScope")))
            tmpls = {str(t.get("name")): t for t in (wft.get("spec") or {}).get("templates") or ()}
            tname = str(ref.get("template") or "")
            if tname not in tmpls:
                raise LocalError(f"template {tname} not found in workflow template {ref['name']}")
            scope_kind = "cluster" if ref.get("clusterScope") else "namespaced"
            sub = ctx.child(
                templates=tmpls,
                template_scope=f"{scope_kind}/{ref['name']}",
                base_name=str(ref["name"]),
            )
            return dict(tmpls[tname]), sub, f"{ref['name']}/{tname}"
        inline = holder.get("inline")
        if inline:
            return dict(inline), ctx, ""
        tname = str(holder.get("template") or "")
        if tname not in ctx.templates:
            raise LocalError(f"template {tname} not found")
        key = f"{ctx.base_name}/{tname}" if ctx.base_name else tname
        return dict(ctx.templates[tname]), ctx, key

    def _used_templates(self) -> tuple[set[str], list[str]]:
        """The templates the workflow can reach (mock keys), and the references that name
        nothing (Argo's validation refuses those)."""
        used: set[str] = set()
        problems: list[str] = []
        root = _Ctx("", {}, self._templates, "", "")
        stack: list[tuple[Mapping[str, Any], _Ctx]] = [
            ({"template": self._spec["entrypoint"]}, root)
        ]
        exit_tmpl = self._spec.get("onExit")
        if exit_tmpl:
            stack.append(({"template": exit_tmpl}, root))
        for hook in (self._spec.get("hooks") or {}).values():
            stack.append((hook, root))
        seen: set[str] = set()
        while stack:
            holder, ctx = stack.pop()
            try:
                tmpl, sub, key = self._resolve(holder, ctx)
            except LocalError as exc:
                if "{{" not in json.dumps(holder.get("templateRef") or holder.get("template")):
                    problems.append(str(exc))
                continue
            mark = f"{sub.template_scope}|{key}|{id(tmpl) if not key else ''}"
            if mark in seen:
                continue
            seen.add(mark)
            if key:
                used.add(key)
            children: list[Mapping[str, Any]] = []
            for group in tmpl.get("steps") or ():
                children.extend(group if isinstance(group, list) else [group])
            children.extend((tmpl.get("dag") or {}).get("tasks") or ())
            for child in list(children):
                for hook in (child.get("hooks") or {}).values():
                    children.append(hook)
                if child.get("onExit"):
                    children.append({"template": child["onExit"]})
            stack.extend(
                (c, sub)
                for c in children
                if c.get("template") or c.get("templateRef") or c.get("inline")
            )
        return used, problems

    def _check_templates(self) -> None:
        used, problems = self._used_templates()
        if problems:
            raise LocalError(problems[0])
        if not self.options.mocks:
            return
        unused = sorted(set(self.options.mocks) - used)
        if unused:
            names = ", ".join(repr(u) for u in unused)
            raise LocalError(
                f"mock {names} names no template this workflow uses "
                f"(it uses {', '.join(sorted(used))})"
            )

    def _labels(self) -> None:
        labels = self._wf["metadata"].setdefault("labels", {})
        labels["workflows.argoproj.io/phase"] = self.phase
        labels["workflows.argoproj.io/completed"] = "true" if self.phase in _DONE else "false"

    async def _operate(self) -> None:
        status = self._wf["status"]
        status["phase"] = "Running"
        status.pop("message", None)
        status.pop("finishedAt", None)
        status["startedAt"] = status.get("startedAt") or _now()
        if status.get("nodes") and "startedAt" in status:
            status["startedAt"] = _now()
        self._labels()
        self._changed()
        now = datetime.now(UTC)
        try:
            self._globals = dict(
                _api("workflow_scope")(self._wf, now=now, store=self.options.store)
            )
        except TiphysError as exc:
            self._finish_workflow("Error", str(exc))
            return
        for param in (self._spec.get("arguments") or {}).get("parameters") or ():
            value = param.get("value")
            if value is None and (param.get("valueFrom") or {}).get("configMapKeyRef"):
                ref = param["valueFrom"]["configMapKeyRef"]
                try:
                    value = self.options.store.configmap(
                        ref["name"], ref["key"], optional=bool(ref.get("optional"))
                    )
                except TiphysError as exc:
                    self._finish_workflow("Error", str(exc))
                    return
            if value is not None:
                self._globals[f"workflow.parameters.{param['name']}"] = str(value)
        for out in (status.get("outputs") or {}).get("parameters") or ():
            self._globals[f"workflow.outputs.parameters.{out['name']}"] = str(out.get("value"))
        deadline_s = self._spec.get("activeDeadlineSeconds")
        if isinstance(deadline_s, int):
            self._deadline = time.monotonic() + deadline_s
        ctx = _Ctx(
            boundary_id="",
            values=dict(self._globals),
            templates=self._templates,
            template_scope=f"local/{self.name}",
            base_name="",
            deadline=self._deadline,
        )
        try:
            lock = await self._acquire_sync(self._spec.get("synchronization"), None)
        except SyncError as exc:
            self._finish_workflow("Error", str(exc))
            return
        try:
            await self._wf_hooks(ctx, "Running")
            root = await self._exec(
                self.name,
                {"template": self._spec["entrypoint"]},
                ctx,
                self._spec.get("arguments") or {},
                parent=None,
            )
            if self._root_orphans:
                self._root_child(self._root_orphans.pop())
            phase = root["phase"] if root["phase"] in _DONE else "Error"
            wf_phase = {
                "Succeeded": "Succeeded",
                "Skipped": "Succeeded",
                "Omitted": "Succeeded",
            }.get(phase, phase)
            exit_node = None
            exit_hook = self._spec.get("onExit")
            hooks = dict(self._spec.get("hooks") or {})
            exit_holder: Mapping[str, Any] | None = (
                {"template": exit_hook} if exit_hook else hooks.get("exit")
            )
            await self._wf_hooks(ctx, wf_phase)
            if exit_holder and self._shutdown != "Terminate":
                fresh = _api("workflow_scope")(
                    self._wf, now=datetime.now(UTC), store=self.options.store
                )
                if "workflow.duration" in fresh:
                    self._globals["workflow.duration"] = fresh["workflow.duration"]
                self._globals["workflow.status"] = wf_phase
                self._globals["workflow.failures"] = _api("failures_value")(
                    self._nodes, workflow=self._wf
                )
                ectx = ctx.child(values=dict(self._globals), on_exit=True, deadline=None)
                # GetExitHook (workflow_types.go): spec.onExit, and a hooks.exit without
                # arguments of its own, get the workflow's arguments
                exit_args = None if exit_hook else exit_holder.get("arguments")
                if not _has_args(exit_args):
                    exit_args = self._spec.get("arguments")
                exit_node = await self._exec(
                    f"{self.name}.onExit",
                    exit_holder,
                    ectx,
                    _subst(exit_args or {}, ectx.values),
                    parent=None,
                    flag={"hooked": True},
                )
            for task in self._hook_tasks:
                await task
            if phase in _BAD and self._shutdown:
                message = self._shutdown_message or f"Stopped with strategy '{self._shutdown}'"
            else:
                message = root.get("message", "")
            if wf_phase == "Succeeded" and exit_node is not None and exit_node["phase"] in _BAD:
                self._finish_workflow(exit_node["phase"], exit_node.get("message", ""))
            else:
                self._finish_workflow(wf_phase, message)
        finally:
            if lock is not None:
                lock()

    async def _wf_hooks(self, ctx: _Ctx, wf_phase: str) -> None:
        hooks = {k: v for k, v in (self._spec.get("hooks") or {}).items() if k != "exit"}
        if not hooks:
            return
        values = {**ctx.values, **self._globals, "workflow.status": wf_phase}
        for name, hook in hooks.items():
            hname = f"{self.name}.hooks.{name}"
            if hname in self._by_name or not self._hook_true(hook, values):
                continue
            self._hook_tasks.append(
                asyncio.ensure_future(
                    self._exec(
                        hname,
                        hook,
                        ctx.child(values=values, on_exit=True),
                        _subst(hook.get("arguments") or {}, values),
                        parent=self._root_child,
                        flag={"hooked": True},
                    )
                )
            )

    def _root_child(self, nid: str) -> None:
        """``executeWfLifeCycleHook`` (hooks.go): a workflow hook node is a child of the root
        node (added once the root exists)."""
        root = node_id(self.name, self.name)
        if root in self._nodes:
            for orphan in [*self._root_orphans, nid]:
                self._add_child(root, orphan)
            self._root_orphans.clear()
        else:
            self._root_orphans.append(nid)

    def _hook_true(self, hook: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
        expression = str(hook.get("expression") or "")
        if not expression:
            return False
        try:
            return bool(exprlang.evaluate(expression, expand(values)))
        except TiphysError:
            return False

    def _finish_workflow(self, phase: str, message: str) -> None:
        status = self._wf["status"]
        status["phase"] = phase
        status["finishedAt"] = _now()
        if message:
            status["message"] = message
        else:
            status.pop("message", None)
        status["progress"] = f"{self._pod_done}/{self._pod_total}"
        self._sum_progress()
        status["conditions"] = [
            {"type": "PodRunning", "status": "False"},
            {"type": "Completed", "status": "True"},
        ]
        self._labels()
        self._changed()

    def _sum_progress(self) -> None:
        """``progress.UpdateProgress`` for the nodes that are not executable: the sum over
        their children, recursively (each node once per sum)."""

        for node in self._nodes.values():
            if node["type"] in _EXECUTABLE:
                continue
            done = count = 0
            visited: set[str] = set()
            stack = list(node.get("children") or ())
            while stack:  # every descendant once; the order does not change the sum
                child_id = stack.pop()
                if child_id in visited or child_id not in self._nodes:
                    continue
                visited.add(child_id)
                child = self._nodes[child_id]
                stack.extend(child.get("children") or ())
                if child["type"] in _EXECUTABLE and child.get("progress"):
                    d, _, c = child["progress"].partition("/")
                    done, count = done + int(d), count + int(c)
            if count > 0:
                node["progress"] = f"{done}/{count}"

    # --- nodes ---------------------------------------------------------------------------------

    def _node(
        self,
        name: str,
        ntype: str,
        ctx: _Ctx,
        holder: Mapping[str, Any] | None,
        *,
        phase: str = "Running",
        message: str = "",
        flag: Json | None = None,
        parent: str | Callable[[str], None] | None = None,
    ) -> Json:
        nid = node_id(self.name, name)
        node: Json = {"id": nid, "name": name}
        boundary = self._nodes.get(ctx.boundary_id) if ctx.boundary_id else None
        if boundary is not None:
            display = name[len(boundary["name"]) :] if name.startswith(boundary["name"]) else name
            if display.startswith("."):
                display = display[1:]
            elif (
                display.startswith("[")
                and "]." in display
                and display[1 : display.index("]")].isdigit()
            ):
                display = display[display.index("].") + 2 :]
        else:
            display = name
        node["displayName"] = display
        node["type"] = ntype
        if holder is not None:
            if holder.get("templateRef"):
                node["templateRef"] = dict(holder["templateRef"])
            elif holder.get("template"):
                node["templateName"] = holder["template"]
        node["templateScope"] = ctx.template_scope
        node["phase"] = phase
        if ctx.boundary_id:
            node["boundaryID"] = ctx.boundary_id
        if message:
            node["message"] = message
        node["startedAt"] = _now()
        if phase in _DONE:
            node["finishedAt"] = node["startedAt"]
        if flag is not None:
            node["nodeFlag"] = flag
        self._nodes[nid] = node
        self._by_name[name] = nid
        if ntype in _EXECUTABLE:
            self._pod_total += 1
            node["progress"] = "0/1"
            self._wf["status"]["progress"] = f"{self._pod_done}/{self._pod_total}"
        if callable(parent):  # a DAG task connects itself to its dependencies
            parent(nid)
        elif parent is not None:
            self._add_child(parent, nid)
        self._changed()
        return node

    def _add_child(self, parent_id: str, child_id: str) -> None:
        parent = self._nodes[parent_id]
        children = parent.setdefault("children", [])
        if child_id not in children:
            children.append(child_id)

    def _mark(self, node: Json, phase: str, message: str | None = None) -> Json:
        node["phase"] = phase
        if message:
            node["message"] = message
        if phase in _DONE:
            node["finishedAt"] = _now()
            if (
                node["type"] in _EXECUTABLE
                and phase in ("Succeeded", "Skipped", "Omitted")
                and node.get("progress") != "1/1"
            ):
                node["progress"] = "1/1"
                self._pod_done += 1
                self._wf["status"]["progress"] = f"{self._pod_done}/{self._pod_total}"
        self._changed()
        return node

    def _outbound(self, nid: str) -> list[str]:
        node = self._nodes[nid]
        ntype = node["type"]
        if nid in self._cs_leaves:
            return list(self._cs_leaves[nid])
        if ntype in ("Pod", "Skipped", "Suspend", "HTTP", "Plugin", "Container"):
            return [nid]
        if ntype == "TaskGroup":
            if not node.get("children"):
                return [nid]
            return [o for child in node["children"] for o in self._outbound(child)]
        if ntype == "Retry":  # getOutboundNodes (operator.go): the last child, as it is
            children = node.get("children") or []
            return [children[-1]] if children else [nid]
        out: list[str] = []
        for child in node.get("outboundNodes") or ():
            out.extend(self._outbound(child))
        return out or ([nid] if ntype in ("Steps", "DAG") and not node.get("children") else out)

    def _node_scope(self, prefix: str, node: Json) -> dict[str, Any]:
        """``buildLocalScope`` (operator.go): a Retry node is read through its last attempt
        (``possiblyGetRetryChildNode``: the last child that is not a hook)."""
        if node.get("type") == "Retry":
            for child_id in reversed(node.get("children") or ()):
                child = self._nodes.get(child_id)
                if child is not None and not (child.get("nodeFlag") or {}).get("hooked"):
                    node = child
                    break
        return dict(_api("node_scope")(prefix, node))

    # --- templates -----------------------------------------------------------------------------

    async def _wait_not_suspended(self) -> None:
        if self._resume_event is not None and not self._resume_event.is_set():
            await self._resume_event.wait()

    async def _exec(
        self,
        name: str,
        holder: Mapping[str, Any],
        ctx: _Ctx,
        arguments: Mapping[str, Any],
        *,
        parent: str | Callable[[str], None] | None,
        flag: Json | None = None,
    ) -> Json:
        """``executeTemplate``: run the template a step/task/hook names, as node ``name``."""
        existing = self._by_name.get(name)
        if existing is not None:
            node = self._nodes[existing]
            if node["phase"] in _DONE:  # kept by a retry of the workflow
                if callable(parent):
                    parent(existing)
                elif parent is not None:
                    self._add_child(parent, existing)
                return node
        try:
            tmpl, sub, mock_key = self._resolve(holder, ctx)
        except LocalError as exc:
            return self._node(
                name, "Skipped", ctx, holder, phase="Error", message=str(exc), parent=parent
            )
        defaults = self._spec.get("templateDefaults")
        if defaults:  # mergedTemplateDefaultsInto (operator.go)
            tmpl = _merge_defaults(defaults, tmpl)
        if ctx.deadline is not None and time.monotonic() >= ctx.deadline:
            return self._node(
                name,
                "Skipped",
                ctx,
                holder,
                phase="Failed",
                message="Step exceeded its deadline",
                parent=parent,
            )
        await self._wait_not_suspended()
        kind = next(
            (k for k in (*_LEAF_KINDS, "steps", "dag", "suspend", *_CLUSTER_KINDS) if k in tmpl), ""
        )
        mock = self.options.mocks.get(mock_key) if mock_key else None
        # woc.retryStrategy (operator.go): the template's, else the workflow's
        retry = tmpl.get("retryStrategy") or self._spec.get("retryStrategy")
        if mock is None and retry and kind not in ("suspend",):
            return await self._exec_retry(
                name, holder, tmpl, sub, arguments, retry, parent, flag, mock
            )
        return await self._exec_once(
            name, holder, tmpl, sub, arguments, parent, flag, mock, kind, 0, {}
        )

    def _node_type(self, kind: str, mock: Any) -> str:
        if mock is not None:
            return "Pod"
        return {
            "steps": "Steps",
            "dag": "DAG",
            "suspend": "Suspend",
            "http": "HTTP",
            "plugin": "Plugin",
        }.get(kind, "Pod")

    async def _exec_once(
        self,
        name: str,
        holder: Mapping[str, Any],
        tmpl: Json,
        ctx: _Ctx,
        arguments: Mapping[str, Any],
        parent: str | Callable[[str], None] | None,
        flag: Json | None,
        mock: Mapping[str, Any] | None,
        kind: str,
        attempt: int,
        extra: Mapping[str, Any],
    ) -> Json:
        ntype = self._node_type(kind, mock)
        node = self._node(
            name,
            ntype,
            ctx,
            holder,
            phase="Pending" if ntype == "Pod" else "Running",
            parent=parent,
            flag=flag,
        )
        if self._shutdown and (self._shutdown == "Terminate" or not ctx.on_exit):
            if ntype == "Pod":  # createWorkflowPod (workflowpod.go) creates no pod
                return self._mark(
                    node, "Failed", f"workflow shutdown with strategy: {self._shutdown}"
                )
            if ntype != "Steps" and ntype != "DAG":  # failNodesWithoutCreatedPods... (operator.go)
                return self._mark(node, "Failed", f"Stopped with strategy '{self._shutdown}'")
        # a template sees the global variables and its own inputs, not its caller's scope
        values: MutableMapping[str, Any] = ChainMap(dict(extra), self._globals)
        try:
            inputs = _api("resolve_inputs")(tmpl, arguments, self.options.store, scope=values)
            # SubstituteParams: the global variables first, in the input values too
            inputs = _subst(inputs, values)
        except TiphysError as exc:
            return self._mark(node, "Error", str(exc))
        if inputs.get("parameters") or inputs.get("artifacts"):
            node["inputs"] = inputs
        local: MutableMapping[str, Any] = ChainMap(dict(_api("input_scope")(inputs)), values)
        local["node.name"] = name
        if ntype == "Pod":
            local["pod.name"] = node_pod_name(self.name, node, v1=self._v1)
        try:
            body = {k: v for k, v in tmpl.items() if k not in ("steps", "dag")}
            body = _subst(body, local)
        except SubstitutionError as exc:
            return self._mark(node, "Error", str(exc))
        if inputs:
            body["inputs"] = inputs  # values filled, artifacts located (the pod's template)
        if kind in _LEAF_KINDS and mock is None:
            # ReplaceStrict: an input the template names but does not have is an error
            missing = _UNRESOLVED_INPUT.search(exprlang.go_json(body))
            if missing is not None:
                return self._mark(node, "Error", f"failed to resolve {missing.group(0)}")
        # The execution deadline (the workflow's activeDeadlineSeconds, the template's timeout)
        # ends a pod with "Step exceeded its deadline" (the executor's deadline monitor and
        # exec_control.go); the template's activeDeadlineSeconds is the pod's own, enforced by
        # the executor as the kubelet does ("Pod was active on the node longer than ...").
        deadline = ctx.deadline
        # checkTemplateTimeout (operator.go) sets the execution deadline of the pod the
        # template makes: on a steps or DAG template it limits nothing
        timeout = (
            argo_duration_ns(body["timeout"], bare_seconds=True)
            if "timeout" in body and kind in _LEAF_KINDS
            else None
        )
        if timeout is not None:
            limit = time.monotonic() + timeout / 1e9
            deadline = limit if deadline is None else min(deadline, limit)
        pod_deadline = None
        active = body.get("activeDeadlineSeconds")
        if active is not None and kind in _LEAF_KINDS:
            ns = argo_duration_ns(active, bare_seconds=True)
            pod_deadline = None if ns is None else time.monotonic() + ns / 1e9
        sub = ctx.child(deadline=deadline)
        try:
            release = await self._acquire_sync(body.get("synchronization"), node)
        except SyncError as exc:
            return self._mark(node, "Error", str(exc))
        try:
            if mock is not None:
                self._mark(node, "Running")
                return self._finish_mock(node, mock)
            if kind in _CLUSTER_KINDS:
                tname = tmpl.get("name", "")
                return self._mark(
                    node,
                    "Error",
                    f"{kind} template '{tname}' needs a Kubernetes cluster: "
                    f"tiphys cannot run it here; mock it (--mock {tname}=outputs.json)",
                )
            if kind in _LEAF_KINDS:
                return await self._exec_leaf(node, body, tmpl, sub, attempt, pod_deadline)
            if kind == "suspend":
                return await self._exec_suspend(node, body, sub)
            if kind == "steps":
                return await self._exec_steps(node, tmpl, body, sub.child(values=local))
            if kind == "dag":
                return await self._exec_dag(node, tmpl, body, sub.child(values=local))
            return self._mark(node, "Error", f"template '{tmpl.get('name', '')}' has no type")
        finally:
            if release is not None:
                release()

    async def _acquire_sync(self, sync: Any, node: Json | None) -> Callable[[], None] | None:
        if not sync or self._sync is None:
            return None
        keys = self._sync.keys(sync, self.namespace, self.options.store)
        if node is not None:
            waiting = self._sync.waiting_message(keys)
            if waiting:
                node["message"] = waiting
                self._changed()
        release = await self._sync.acquire(keys)
        if node is not None and node.get("message", "").startswith("Waiting for"):
            node.pop("message", None)
        return release

    def _finish_mock(self, node: Json, mock: Mapping[str, Any]) -> Json:
        outputs = _norm_outputs(mock.get("outputs") or {})
        if outputs:
            node["outputs"] = outputs
        return self._mark(
            node, str(mock.get("phase") or "Succeeded"), str(mock.get("message") or "")
        )

    async def _exec_leaf(
        self,
        node: Json,
        body: Json,
        tmpl: Json,
        ctx: _Ctx,
        attempt: int,
        pod_deadline: float | None,
    ) -> Json:
        from tiphys.local.pods import PodSpec

        run_dir = self.options.run_dir
        pod = node_pod_name(self.name, node, v1=self._v1)
        sandbox = run_dir / "nodes" / node["id"]
        again = 0
        while sandbox.exists():  # a retried workflow runs the node again: a fresh sandbox
            again += 1
            sandbox = run_dir / "nodes" / f"{node['id']}-again{again}"
        sandbox.mkdir(parents=True)
        (run_dir / "logs" / pod).mkdir(parents=True, exist_ok=True)
        if again:  # Argo's retry deletes the failed pod: its old logs go with it
            for old in (run_dir / "logs" / pod).glob("*.log"):
                old.unlink()
        volumes = [*(self._spec.get("volumes") or ()), *(body.get("volumes") or ())]
        spec = PodSpec(
            workflow_name=self.name,
            namespace=self.namespace,
            node_id=node["id"],
            pod_name=pod,
            template=body,
            sandbox=sandbox,
            log_dir=run_dir / "logs" / pod,
            volumes=volumes,
            deadline=pod_deadline,
            attempt=attempt,
        )
        if self._wf_sem is not None:
            await self._wf_sem.acquire()
        try:
            if node["type"] == "Pod":
                node["hostNodeName"] = "local"
            self._mark(node, "Running")
            if body.get("daemon"):
                return await self._start_daemon(node, spec, ctx)
            containers = self._container_nodes(node, body, ctx)
            task = asyncio.ensure_future(self._get_executor().run(spec))
            self._running[task] = ctx.on_exit
            try:
                if ctx.deadline is not None:
                    left = max(0.0, ctx.deadline - time.monotonic())
                    done, _pending = await asyncio.wait({task}, timeout=left)
                    if not done:
                        task.cancel()
                result = await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
                self._end_containers(containers, "Failed")
                return self._mark(node, "Failed", self._cancel_message())
            except Exception as exc:  # the executor's fault, not the workflow's: end this node
                self._end_containers(containers, "Error")
                return self._mark(node, "Error", f"{type(exc).__name__}: {exc}")
            finally:
                self._running.pop(task, None)
        finally:
            if self._wf_sem is not None:
                self._wf_sem.release()
        outputs = dict(result.outputs)
        if "result" in outputs and not self._result_wanted(node):
            del outputs["result"]
        if outputs:
            node["outputs"] = outputs
        self._end_containers(containers, result.phase)
        self._export_globals(node)
        return self._mark(node, result.phase, result.message)

    def _result_wanted(self, node: Json) -> bool:
        """``hasOutputResultRef``: Argo captures ``outputs.result`` only when the template
        holding the step or task (its boundary's) names ``steps.NAME.outputs.result`` or
        ``tasks.NAME.outputs.result``; a node without a boundary (the entrypoint, onExit) has
        none (workflowpod.go ``includeScriptOutput``)."""
        boundary = self._nodes.get(node.get("boundaryID") or "")
        text = self._tmpl_text.get(boundary["id"]) if boundary is not None else None
        if boundary is None or text is None:
            return False
        name = _step_or_task_name(node["name"])
        kind = "tasks" if boundary["type"] == "DAG" else "steps"
        return f"{kind}.{name}.outputs.result" in text or f"{kind}['{name}'].outputs.result" in text

    def _container_nodes(self, node: Json, body: Json, ctx: _Ctx) -> list[Json]:
        """``executeContainerSet``: one Container node per container, children of the pod
        node (its boundary); the pod's outbound nodes are the containers nothing depends on."""
        containers = (body.get("containerSet") or {}).get("containers") or ()
        if not containers:
            return []
        cctx = ctx.child(boundary_id=node["id"])
        out = [
            self._node(
                f"{node['name']}.{c.get('name')}", "Container", cctx, None, parent=node["id"]
            )
            for c in containers
        ]
        needed = {d for c in containers for d in c.get("dependencies") or ()}
        self._cs_leaves[node["id"]] = [
            n["id"] for n, c in zip(out, containers, strict=True) if c.get("name") not in needed
        ]
        return out

    def _end_containers(self, containers: list[Json], phase: str) -> None:
        for container in containers:
            self._mark(container, phase)

    def _cancel_message(self) -> str:
        if self._shutdown:
            return f"Stopped with strategy '{self._shutdown}'"
        return "Step exceeded its deadline"

    async def _start_daemon(self, node: Json, spec: Any, ctx: _Ctx) -> Json:
        daemon = await self._get_executor().start_daemon(spec)
        # A daemon node is fulfilled only once its containers are Ready (operator.go
        # assessNodeStatus); until then the execution deadline (template timeout, workflow
        # activeDeadlineSeconds) ends it as any pod: the executor's "Step exceeded its deadline".
        left = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
        try:
            failed = await asyncio.wait_for(daemon.wait_ready(), left)
        except TimeoutError:
            await daemon.stop()
            return self._mark(node, "Failed", "Step exceeded its deadline")
        except asyncio.CancelledError:  # stop/terminate while it was getting ready: no orphan
            await asyncio.shield(daemon.stop())
            raise
        if failed is not None:
            if failed.outputs:
                node["outputs"] = failed.outputs
            return self._mark(node, failed.phase, failed.message)
        node["daemoned"] = True
        node["podIP"] = getattr(daemon, "ip", "127.0.0.1")
        self._daemons[node["id"]] = (node, daemon)
        self._changed()
        return node

    async def _stop_daemon(self, entry: Any) -> None:
        node, daemon = entry
        self._daemons.pop(node["id"], None)
        try:
            await daemon.stop()
        finally:
            node.pop("daemoned", None)
            self._mark(node, "Succeeded")

    async def _stop_daemons_under(self, boundary_id: str) -> None:
        for nid, entry in list(self._daemons.items()):
            if self._nodes[nid].get("boundaryID") == boundary_id:
                await self._stop_daemon(entry)

    def _get_executor(self) -> Any:
        if self._executor is None:
            from tiphys.local.artifacts import ArtifactStore
            from tiphys.local.pods import Executor

            artifacts = self.options.artifacts or ArtifactStore(self.options.run_dir / "artifacts")
            self._executor = Executor(
                backend=self.options.backend,
                store=self.options.store,
                artifacts=artifacts,
                on_log=self.options.on_log,
            )
        return self._executor

    def _export_globals(self, node: Json) -> None:
        outputs = node.get("outputs") or {}
        status = self._wf["status"]
        for param in outputs.get("parameters") or ():
            gname = param.get("globalName")
            if gname and "value" in param:
                self._globals[f"workflow.outputs.parameters.{gname}"] = str(param["value"])
                plist = status.setdefault("outputs", {}).setdefault("parameters", [])
                for p in plist:
                    if p["name"] == gname:
                        p["value"] = str(param["value"])
                        break
                else:
                    plist.append({"name": gname, "value": str(param["value"])})
        for art in outputs.get("artifacts") or ():
            gname = art.get("globalName")
            if gname:
                self._globals[f"workflow.outputs.artifacts.{gname}"] = art
                alist = status.setdefault("outputs", {}).setdefault("artifacts", [])
                alist[:] = [a for a in alist if a.get("name") != gname]
                alist.append({**art, "name": gname})

    async def _exec_suspend(self, node: Json, body: Json, ctx: _Ctx) -> Json:
        suspend = body.get("suspend") or {}
        node["type"] = "Suspend"
        duration = suspend.get("duration")
        timeout: float | None = None
        if duration is not None:
            ns = argo_duration_ns(duration, bare_seconds=True)
            timeout = (ns or 0) / 1e9
        if ctx.deadline is not None:
            left = max(0.0, ctx.deadline - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._suspend_waiters[node["id"]] = waiter
        task = asyncio.ensure_future(asyncio.wait_for(asyncio.shield(waiter), timeout))
        self._running[task] = ctx.on_exit
        try:
            await task
        except TimeoutError:
            if duration is None or (ctx.deadline is not None and time.monotonic() >= ctx.deadline):
                return self._mark(node, "Failed", "Step exceeded its deadline")
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            return self._mark(node, "Failed", self._cancel_message())
        finally:
            self._running.pop(task, None)
            self._suspend_waiters.pop(node["id"], None)
        phase = self._set_phases.pop(node["id"], None) or "Succeeded"
        outputs = node.get("outputs") or {}
        given = {p["name"]: p for p in outputs.get("parameters") or ()}
        declared = (body.get("outputs") or {}).get("parameters") or ()
        if declared:
            plist = []
            for decl in declared:
                value = given.get(decl["name"], {}).get("value")
                if value is None:
                    value = (decl.get("valueFrom") or {}).get("default")
                if value is None and phase == "Succeeded":
                    # OverrideOutputParametersWithDefault (workflow/util/util.go), which makes
                    # Argo's resume refuse
                    return self._mark(
                        node,
                        "Error",
                        f"raw output parameter '{decl['name']}' has not been set and does not "
                        "have a default value",
                    )
                entry = {k: v for k, v in decl.items() if k not in ("value",)}
                if value is not None:  # a set (or defaulted) parameter loses its valueFrom
                    entry.pop("valueFrom", None)
                    entry["value"] = str(value)
                plist.append(entry)
            outputs = {**outputs, "parameters": plist}
            node["outputs"] = outputs
        self._export_globals(node)
        return self._mark(node, phase)

    # --- retries -------------------------------------------------------------------------------

    async def _exec_retry(
        self,
        name: str,
        holder: Mapping[str, Any],
        tmpl: Json,
        ctx: _Ctx,
        arguments: Mapping[str, Any],
        retry: Mapping[str, Any],
        parent: str | Callable[[str], None] | None,
        flag: Json | None,
        mock: Any,
    ) -> Json:
        """``processNodeRetries``: a Retry node with one child per attempt."""
        node = self._node(name, "Retry", ctx, holder, parent=parent, flag=flag)
        raw_retry = retry
        retry = _subst(dict(retry), self._globals)
        policy = retry.get("retryPolicy") or ("Always" if retry.get("expression") else "OnFailure")
        backoff = retry.get("backoff") or {}
        kind = next(
            (k for k in (*_LEAF_KINDS, "steps", "dag", "suspend", *_CLUSTER_KINDS) if k in tmpl), ""
        )
        start = time.monotonic()
        max_ns = (
            argo_duration_ns(backoff.get("maxDuration"), bare_seconds=True)
            if backoff.get("maxDuration")
            else None
        )
        attempts: list[Json] = []
        sub = ctx
        while True:
            index = len(attempts)
            extra = dict(_api("retry_scope")(node, attempts, next_attempt=True))
            child = await self._exec_once(
                f"{name}({index})",
                holder,
                tmpl,
                sub,
                arguments,
                node["id"],
                {**(flag or {}), "retried": True},  # opts.nodeFlag.Retried = true
                mock,
                kind,
                index,
                extra,
            )
            attempts.append(child)
            # the retryStrategy is part of the template: its inputs are in scope
            retry = _subst(
                dict(raw_retry),
                ChainMap(dict(_api("input_scope")(child.get("inputs") or {})), self._globals),
            )
            raw_limit = retry.get("limit")
            limit = int(raw_limit) if raw_limit is not None and str(raw_limit).strip() else None
            if child["phase"] == "Succeeded" or child.get("daemoned"):
                if child.get("outputs"):
                    node["outputs"] = copy.deepcopy(child["outputs"])
                if child.get("daemoned"):
                    node["daemoned"] = True
                    self._changed()
                    return node
                return self._mark(node, "Succeeded")
            phase = child["phase"]
            if phase not in _BAD:
                return self._mark(node, phase, child.get("message"))
            if self._shutdown:
                return self._mark(node, phase, f"Stopped with strategy '{self._shutdown}'")
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return self._mark(
                    node, phase, f"retry exceeded workflow deadline {self._go_deadline()}"
                )
            message = child.get("message", "")
            # processNodeRetries (operator.go) decides in this order: backoff and maxDuration,
            # then retryPolicy, then limit, then expression.
            wait = 0.0
            if backoff:
                max_deadline = None if max_ns is None else start + max_ns / 1e9
                if max_deadline is not None and time.monotonic() > max_deadline:
                    return self._mark(node, phase, "Max duration limit exceeded")
                if backoff.get("duration") in (None, ""):
                    return self._mark(node, "Error", "no base duration specified for retryStrategy")
                base = (argo_duration_ns(backoff.get("duration"), bare_seconds=True) or 0) / 1e9
                factor = backoff.get("factor")
                try:
                    factor_n = int(factor) if factor is not None else None
                except (TypeError, ValueError):
                    factor_n = None
                wait = base * (factor_n ** (len(attempts) - 1) if factor_n and factor_n > 0 else 1)
                if backoff.get("cap") not in (None, ""):
                    cap = (argo_duration_ns(backoff["cap"], bare_seconds=True) or 0) / 1e9
                    wait = min(wait, cap)
                if max_deadline is not None and time.monotonic() + wait > max_deadline:
                    return self._mark(node, phase, "Backoff would exceed max duration limit")
                if limit is None or len(attempts) > limit:
                    wait = 0.0  # Argo waits only while a limit leaves retries
                if max_deadline is not None:  # the next attempt's execution deadline
                    sub = ctx.child(
                        deadline=max_deadline
                        if ctx.deadline is None
                        else min(ctx.deadline, max_deadline)
                    )
            if policy == "OnFailure" and phase == "Error":
                return self._mark(node, phase, message)
            if policy == "OnError" and phase == "Failed":
                return self._mark(node, phase, message)
            if policy == "OnTransientError":
                return self._mark(node, phase, message)
            if limit is not None and len(attempts) > limit:
                return self._mark(node, phase, "No more retries left")
            if retry.get("expression"):
                env = expand({**ctx.values, **_api("retry_scope")(node, attempts)})
                try:
                    again = bool(exprlang.evaluate(str(retry["expression"]), env))
                except TiphysError as exc:
                    return self._mark(node, "Error", str(exc))
                if not again:
                    return self._mark(node, phase, "retryStrategy.expression evaluated to false")
            if wait > 0:
                await asyncio.sleep(wait)
            if self._shutdown:
                return self._mark(node, phase, f"Stopped with strategy '{self._shutdown}'")

    def _go_deadline(self) -> str:
        """The workflow deadline as Go prints a ``time.Time`` (``2026-11-30 01:02:03 +0000
        UTC``): ``status.startedAt`` plus ``activeDeadlineSeconds`` (operator.go
        ``getWorkflowDeadline``)."""
        started = _parse_time(str(self._wf["status"].get("startedAt") or _now()))
        seconds = int(self._spec.get("activeDeadlineSeconds") or 0)
        when = datetime.fromtimestamp(started + seconds, UTC)
        return when.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")

    # --- steps ---------------------------------------------------------------------------------

    async def _exec_steps(self, node: Json, tmpl: Json, body: Json, ctx: _Ctx) -> Json:
        """``executeSteps`` (steps.go): step groups in order, the steps of a group in parallel."""
        self._tmpl_text[node["id"]] = json.dumps(tmpl)
        sctx = ctx.child(boundary_id=node["id"], values=dict(ctx.values))
        name = node["name"]
        sem = self._template_sem(node, tmpl)
        groups = tmpl.get("steps") or []
        prev: Json | None = None
        failed: Json | None = None
        for i, group in enumerate(groups):
            steps = group if isinstance(group, list) else [group]
            sg_name = f"{name}[{i}]"
            sg = self._node(sg_name, "StepGroup", sctx, None, flag={})
            if prev is None:
                self._add_child(node["id"], sg["id"])
            elif not prev.get("children"):
                self._add_child(prev["id"], sg["id"])
            else:
                for child in prev["children"]:
                    for out in self._outbound(child):
                        self._add_child(out, sg["id"])
            problem = await self._exec_step_group(sg, steps, sctx, sem)
            prev = sg
            if problem is not None:  # loop outputs that do not aggregate end the Steps node
                self._update_steps_outbound(node, prev)
                await self._stop_daemons_under(node["id"])
                return self._mark(node, "Error", problem)
            if sg["phase"] != "Succeeded":
                failed = sg
                break
        self._update_steps_outbound(node, prev)
        await self._stop_daemons_under(node["id"])
        if failed is not None:
            return self._mark(node, "Failed", failed.get("message", ""))
        return self._finish_outputs(node, tmpl, sctx)

    def _update_steps_outbound(self, node: Json, last_sg: Json | None) -> None:
        if last_sg is None:
            return
        outbound: list[str] = []
        for child in last_sg.get("children") or ():
            outbound.extend(self._outbound(child))
        node["outboundNodes"] = outbound

    def _finish_outputs(self, node: Json, tmpl: Json, ctx: _Ctx) -> Json:
        if tmpl.get("outputs"):
            try:
                outputs = _api("template_outputs")(tmpl, ctx.values)
            except TiphysError as exc:
                return self._mark(node, "Error", str(exc))
            if outputs:
                node["outputs"] = outputs
                self._export_globals(node)
        return self._mark(node, "Succeeded")

    def _template_sem(self, node: Json, tmpl: Json) -> asyncio.Semaphore | None:
        parallelism = tmpl.get("parallelism")
        if isinstance(parallelism, str) and parallelism.isdigit():
            parallelism = int(parallelism)
        if isinstance(parallelism, int) and parallelism > 0:
            return asyncio.Semaphore(parallelism)
        return None

    async def _limited(self, sem: asyncio.Semaphore | None, coro: Awaitable[Json]) -> Json:
        if sem is None:
            return await coro
        async with sem:
            return await coro

    def _when(self, when: str, values: Mapping[str, Any]) -> tuple[bool, str]:
        """(proceed, error message) for a step's or task's ``when``."""
        if not when:
            return True, ""
        try:
            text = _subst(when, values)
            return evaluate_when(text), ""
        except WhenError as exc:
            return False, exc.message
        except SubstitutionError as exc:
            return False, str(exc)

    async def _exec_step_group(
        self, sg: Json, steps: list[Json], ctx: _Ctx, sem: asyncio.Semaphore | None
    ) -> str | None:
        """``executeStepGroup``."""
        problem = self._resolve_references(steps, ctx)
        if problem:  # steps.go: the group errs before any of its steps runs
            self._mark(sg, "Error", f"Failed to resolve references: {problem}")
            return None
        runs: list[tuple[Json, Awaitable[Json]]] = []
        expanded: list[tuple[Json, Json, str]] = []  # (substituted step, original, prefix name)
        for step in steps:
            try:
                items = _api("expand_loop")(step, ctx.values)
            except TiphysError as exc:
                self._mark(sg, "Error", str(exc))
                return None
            if items is None:
                expanded.append((step, step, step["name"]))
                continue
            if not items:
                child_name = f"{sg['name']}.{step['name']}"
                if child_name not in self._by_name:
                    self._node(
                        child_name,
                        "Skipped",
                        ctx,
                        step,
                        phase="Skipped",
                        message="Skipped, empty params",
                        parent=sg["id"],
                        flag={},
                    )
                continue
            for index, item in enumerate(items):
                lname = _api("loop_node_name")(step["name"], index, item)
                values = ChainMap(dict(_api("item_scope")(item)), ctx.values)
                loose = {
                    k: v
                    for k, v in step.items()
                    if k not in ("withItems", "withParam", "withSequence")
                }
                try:
                    subbed = _subst(loose, values)
                except SubstitutionError as exc:
                    self._mark(sg, "Error", str(exc))
                    return None
                expanded.append(({**subbed, "name": lname}, step, step["name"]))
        for step, orig, _base in expanded:
            child_name = f"{sg['name']}.{step['name']}"
            try:
                resolved = step if step is not orig else _subst(step, ctx.values)
            except SubstitutionError as exc:
                self._mark(
                    sg, "Error", f"step group deemed errored due to child {child_name} error: {exc}"
                )
                return None
            proceed, error = self._when(str(resolved.get("when") or ""), {})
            if error:
                self._node(
                    child_name, "Skipped", ctx, step, phase="Error", message=error, parent=sg["id"]
                )
                self._mark(sg, "Error", error)
                return None
            if not proceed:
                if child_name not in self._by_name:
                    self._node(
                        child_name,
                        "Skipped",
                        ctx,
                        step,
                        phase="Skipped",
                        message=f"when '{resolved.get('when')}' evaluated false",
                        parent=sg["id"],
                        flag={},
                    )
                continue
            try:
                args = self._resolve_args(resolved, ctx)
            except ArgumentError as exc:  # resolveReferences
                self._mark(sg, "Error", f"unable to resolve references: {exc}")
                return None
            coro = self._run_step(child_name, step, resolved, args, ctx, sg)
            runs.append((step, asyncio.ensure_future(self._limited(sem, coro))))
        await asyncio.sleep(0)  # let every step create its node, then order them as written
        order = {
            node_id(self.name, f"{sg['name']}.{s['name']}"): i
            for i, (s, _o, _b) in enumerate(expanded)
        }
        if sg.get("children"):
            sg["children"].sort(key=lambda c: order.get(c, len(order)))
        results = [(step, await fut) for step, fut in runs]
        for step, child in results:
            if child["phase"] in _BAD and not _continues_on(step, child["phase"]):
                self._mark(sg, "Failed", f"child '{child['id']}' failed")
                return None
        self._mark(sg, "Succeeded")
        # scope of the finished group (steps.X.*), aggregated for loops
        by_base: dict[str, list[Json]] = {}
        for step, orig, base in expanded:
            nid = self._by_name.get(f"{sg['name']}.{step['name']}")
            if nid is None:
                continue
            if step is orig:
                done = self._nodes[nid]
                ctx.values.update(self._node_scope(f"steps.{base}", done))
                if done["phase"] in ("Skipped", "Omitted"):
                    self._producer_defaults(ctx, f"steps.{base}", step)
            else:
                by_base.setdefault(base, []).append(self._nodes[nid])
        for base, children in by_base.items():
            kept = [c for c in children if c["type"] != "Skipped"]  # steps.go leaves them out
            try:
                ctx.values.update(_api("aggregate_scope")(f"steps.{base}", kept))
            except TiphysError as exc:
                return str(exc)
        return None

    def _resolve_references(self, steps: list[Json], ctx: _Ctx) -> str:
        """``resolveReferences`` (steps.go) for the steps without a loop: a substitution, a
        malformed ``when`` or an artifact ``from`` that fails errs the whole group ("" when
        none does). Loops are resolved item by item afterwards."""
        for step in steps:
            if step.get("withItems") or step.get("withParam") or "withSequence" in step:
                continue
            try:
                resolved = _subst(step, ctx.values)
            except SubstitutionError as exc:
                return str(exc)
            proceed, error = self._when(str(resolved.get("when") or ""), {})
            if error:
                return error
            if proceed:
                try:
                    self._resolve_args(resolved, ctx)
                except ArgumentError as exc:
                    return f"unable to resolve references: {exc}"
        return ""

    def _resolve_args(self, resolved: Mapping[str, Any], ctx: _Ctx) -> Json:
        """Arguments with ``from`` / ``fromExpression`` artifacts looked up in the scope."""
        args = dict(resolved.get("arguments") or {})
        if args.get("parameters"):
            # FACTS §7.9 (v4.0.7+, argo-workflows#16223): an argument still naming an output of a
            # Skipped/Omitted producer is dropped, so the input's default applies, or the input
            # is "not supplied".
            args["parameters"] = [
                prm for prm in args["parameters"] if not self._names_skipped(prm.get("value"), ctx)
            ]
        arts = []
        for art in args.get("artifacts") or ():
            if not art.get("from") and not art.get("fromExpression"):
                arts.append(dict(art))
                continue
            try:
                found = _api("resolve_artifact")(art, ctx.values)
            except TiphysError as exc:
                if art.get("optional"):
                    continue
                raise ArgumentError(str(exc)) from None
            found["name"] = art["name"]
            arts.append(found)
        if arts:
            args["artifacts"] = arts
        return args

    def _names_skipped(self, value: Any, ctx: _Ctx) -> bool:
        if not isinstance(value, str) or "{{" not in value:
            return False
        for kind, producer in _PRODUCER_REF.findall(value):
            if ctx.values.get(f"{kind}.{producer}.status") in ("Skipped", "Omitted"):
                return True
        return False

    async def _run_step(
        self, child_name: str, step: Json, resolved: Json, args: Json, ctx: _Ctx, sg: Json
    ) -> Json:
        holder = {k: v for k, v in step.items() if k in ("template", "templateRef", "inline")}
        return await self._exec_hooked(
            child_name, holder, resolved, f"steps.{step['name']}", ctx, args, sg["id"]
        )

    async def _exec_hooked(
        self,
        name: str,
        holder: Mapping[str, Any],
        resolved: Mapping[str, Any],
        prefix: str,
        ctx: _Ctx,
        args: Mapping[str, Any],
        parent: str | Callable[[str], None] | None,
    ) -> Json:
        """Run a step or task with its lifecycle hooks (``hooks.go``): expression hooks are
        checked once the node runs and again when it ends; the exit hook runs after it."""
        hooks = {
            k: v
            for k, v in (resolved.get("hooks") or {}).items()
            if k != "exit" and v.get("expression")
        }
        if not hooks:
            child = await self._exec(name, holder, ctx, args, parent=parent)
            return await self._after_child(child, resolved, prefix, ctx)
        task = asyncio.ensure_future(self._exec(name, holder, ctx, args, parent=parent))
        await asyncio.sleep(0)  # the node exists (Running) now, unless it waits for a lock
        spawned: list[asyncio.Future[Json]] = []
        nid = self._by_name.get(name)
        if nid is not None and not task.done():
            node = self._nodes[nid]
            values = ChainMap(dict(self._node_scope(prefix, node)), ctx.values)
            for hname, hook in hooks.items():
                if self._hook_true(hook, values):
                    spawned.append(
                        asyncio.ensure_future(
                            self._exec(
                                f"{name}.hooks.{hname}",
                                hook,
                                ctx.child(values=values, on_exit=True),
                                _subst(hook.get("arguments") or {}, values),
                                parent=nid,
                                flag={"hooked": True},
                            )
                        )
                    )
        child = await task
        for hook_task in spawned:
            await hook_task
        return await self._after_child(child, resolved, prefix, ctx)

    async def _after_child(
        self, child: Json, holder: Mapping[str, Any], prefix: str, ctx: _Ctx
    ) -> Json:
        """Run a step's or task's hooks: expression hooks, then ``hooks.exit`` / ``onExit``."""
        hooks = dict(holder.get("hooks") or {})
        exit_hook = hooks.pop("exit", None)
        if exit_hook is None and holder.get("onExit"):
            exit_hook = {"template": holder["onExit"]}
        if not hooks and exit_hook is None:
            return child
        values = ChainMap(dict(self._node_scope(prefix, child)), ctx.values)
        for hname, hook in hooks.items():
            name = f"{child['name']}.hooks.{hname}"
            if name in self._by_name or not self._hook_true(hook, values):
                continue
            await self._exec(
                name,
                hook,
                ctx.child(values=values, on_exit=True),
                _subst(hook.get("arguments") or {}, values),
                parent=child["id"],
                flag={"hooked": True},
            )
        # runOnExitNode (exit_handler.go) runs the exit hook whatever its expression says
        if exit_hook is not None and child["phase"] in _COMPLETED and self._shutdown != "Terminate":
            hook_values = {
                **values,
                **{
                    k.removeprefix(prefix + "."): v
                    for k, v in values.items()
                    if k.startswith(prefix + ".outputs.")
                },
            }
            # GetExitHook: an exit hook without arguments gets the workflow's
            exit_args = exit_hook.get("arguments")
            if not _has_args(exit_args):
                exit_args = self._spec.get("arguments")
            args = _subst(exit_args or {}, hook_values)
            await self._exec(
                f"{child['name']}.onExit",
                exit_hook,
                ctx.child(values=hook_values, on_exit=True),
                args,
                parent=child["id"],
                flag={"hooked": True},
            )
        return child

    # --- DAG -----------------------------------------------------------------------------------

    async def _exec_dag(self, node: Json, tmpl: Json, body: Json, ctx: _Ctx) -> Json:
        """``executeDAG`` (dag.go)."""
        self._tmpl_text[node["id"]] = json.dumps(tmpl)
        dctx = ctx.child(boundary_id=node["id"], values=dict(ctx.values))
        dag = tmpl.get("dag") or {}
        tasks: dict[str, Json] = {t["name"]: t for t in dag.get("tasks") or ()}
        deps: dict[str, list[str]] = {}
        logic: dict[str, str] = {}
        for tname, task in tasks.items():
            try:
                deps[tname], logic[tname] = _task_logic(task, tasks)
            except (DependsSyntaxError, LocalError) as exc:
                return self._mark(node, "Error", str(exc))
        dependents: set[str] = {d for ds in deps.values() for d in ds}
        target_text = str(
            body.get("dag", {}).get("target") or _subst(dag.get("target") or "", ctx.values) or ""
        )
        targets = (
            target_text.replace(",", " ").split()
            if target_text
            else sorted(t for t in tasks if t not in dependents)  # findLeafTaskNames sorts
        )
        for target in targets:
            if target not in tasks:
                return self._mark(node, "Error", f"target '{target}' is not a task of this DAG")
        wanted: set[str] = set()
        stack = list(targets)
        while stack:
            cur = stack.pop()
            if cur not in wanted:
                wanted.add(cur)
                stack.extend(deps[cur])
        fail_fast = dag.get("failFast")
        fail_fast = True if fail_fast is None else bool(fail_fast)
        sem = self._template_sem(node, tmpl)
        state = _DagState(fail_fast)
        futures: dict[str, asyncio.Future[Json | None]] = {}
        for tname in tasks:  # in the order written, as Argo walks them
            if tname in wanted:
                futures[tname] = asyncio.ensure_future(
                    self._run_task(
                        tname,
                        tasks[tname],
                        deps[tname],
                        logic[tname],
                        futures,
                        node,
                        dctx,
                        sem,
                        state,
                    )
                )
        for fut in list(futures.values()):
            await fut
        outbound: list[str] = []
        for target in targets:
            nid = self._by_name.get(f"{node['name']}.{target}")
            if nid is not None:
                outbound.extend(self._outbound(nid))
        node["outboundNodes"] = outbound
        await self._stop_daemons_under(node["id"])
        phase = self._assess_dag(node, tasks, targets, fail_fast)
        if phase in _BAD:
            return self._mark(node, phase)
        return self._finish_outputs(node, tmpl, dctx)

    def _assess_dag(
        self, node: Json, tasks: Mapping[str, Json], targets: list[str], fail_fast: bool
    ) -> str:
        """``assessDAGPhase``: walk from the DAG's children, carrying each branch's last
        completed phase down to the targets."""
        target_ids = {node_id(self.name, f"{node['name']}.{t}"): t for t in targets}
        phases: dict[str, str] = dict.fromkeys(target_ids, "")
        queue = deque((c, "Succeeded") for c in node.get("children") or ())
        seen: set[tuple[str, str]] = set()
        while queue:
            cur, branch = queue.popleft()
            if (cur, branch) in seen or cur not in self._nodes:
                continue
            seen.add((cur, branch))
            child = self._nodes[cur]
            if child["phase"] in _COMPLETED:
                branch = child["phase"]
            if cur in phases:
                if phases[cur] in ("", "Succeeded"):
                    phases[cur] = branch
                continue
            queue.extend((nxt, branch) for nxt in child.get("children") or ())
        result = "Succeeded"
        for tid, tname in target_ids.items():
            branch = phases[tid]
            if branch == "":
                result = "Running"
                if not fail_fast:
                    break
            elif branch in _BAD:
                if _continues_on(tasks[tname], branch):
                    continue
                result = branch
                if fail_fast:
                    break
        if result == "Running":  # targets never scheduled (failFast): the DAG failed
            bad = [
                self._nodes[i]["phase"]
                for i in self._by_boundary(node["id"])
                if self._nodes[i]["phase"] in _BAD
            ]
            result = bad[0] if bad else "Failed"
        return result

    def _by_boundary(self, boundary_id: str) -> list[str]:
        return [i for i, n in self._nodes.items() if n.get("boundaryID") == boundary_id]

    async def _run_task(
        self,
        tname: str,
        task: Json,
        deps: list[str],
        logic: str,
        futures: Mapping[str, asyncio.Future[Json | None]],
        dag_node: Json,
        ctx: _Ctx,
        sem: asyncio.Semaphore | None,
        state: _DagState,
    ) -> Json | None:
        """``executeDAGTask`` for one task, once its dependencies are done."""
        dep_nodes: dict[str, Json] = {}
        for dep in deps:
            result = await futures[dep]
            if result is None:
                return None
            dep_nodes[dep] = result
        task_name = f"{dag_node['name']}.{tname}"
        results = {dep: _task_result(n, self._nodes) for dep, n in dep_nodes.items()}

        def connect(nid: str) -> None:
            if not deps:
                self._add_child(dag_node["id"], nid)
            for dep in deps:
                for out in self._outbound(dep_nodes[dep]["id"]):
                    self._add_child(out, nid)

        if logic and not evaluate_depends(logic, results):
            node = self._node(
                task_name,
                "Skipped",
                ctx,
                task,
                phase="Omitted",
                message="omitted: depends condition not met",
                flag={},
            )
            connect(node["id"])
            self._skipped_scope(ctx, tname, task, node)
            return node
        for dep in deps:  # buildLocalScopeFromTask: a loop's outputs did not aggregate
            if dep in state.agg_errors:
                node = self._node(
                    task_name, "Skipped", ctx, task, phase="Error", message=state.agg_errors[dep]
                )
                connect(node["id"])
                return self._fail(state, task, node)
        values = ctx.values
        holder = {k: v for k, v in task.items() if k in ("template", "templateRef", "inline")}
        try:
            items = _api("expand_loop")(task, values)
        except TiphysError as exc:
            node = self._node(
                task_name, "Skipped", ctx, task, phase="Error", message=str(exc), flag={}
            )
            connect(node["id"])
            return self._fail(state, task, node)
        if items is None:
            try:
                resolved = _subst(
                    {k: v for k, v in task.items() if k not in ("depends", "dependencies")}, values
                )
            except SubstitutionError as exc:
                node = self._node(
                    task_name, "Skipped", ctx, task, phase="Error", message=str(exc), flag={}
                )
                connect(node["id"])
                return self._fail(state, task, node)
            proceed, error = self._when(str(resolved.get("when") or ""), {})
            if error or not proceed:
                node = self._node(
                    task_name,
                    "Skipped",
                    ctx,
                    task,
                    phase="Error" if error else "Skipped",
                    message=error or f"when '{resolved.get('when')}' evaluated false",
                    flag={},
                )
                connect(node["id"])
                if not error:
                    self._skipped_scope(ctx, tname, task, node)
                # executeDAGTask (dag.go) runs the hooks of a completed task, Skipped included
                node = await self._after_child(node, resolved, f"tasks.{tname}", ctx)
                return self._fail(state, task, node)
            if self._dag_refs_skipped(resolved, task, ctx):
                pass
            try:
                args = self._resolve_args(resolved, ctx)
            except ArgumentError as exc:  # resolveDependencyReferences
                node = self._node(
                    task_name, "Skipped", ctx, task, phase="Error", message=str(exc), flag={}
                )
                connect(node["id"])
                return self._fail(state, task, node)

            async def run_one() -> Json:
                return await self._exec_hooked(
                    task_name, holder, resolved, f"tasks.{tname}", ctx, args, connect
                )

            if sem is not None:
                async with sem:
                    if state.stopped:  # failFast: nothing new starts once a task failed
                        return None
                    child = await run_one()
            else:
                child = await run_one()
            ctx.values.update(self._node_scope(f"tasks.{tname}", child))
            return self._fail(state, task, child)
        # a loop: a TaskGroup node with one child per item
        group = self._by_name.get(task_name)
        if not items and not group:  # dag.go: a Skipped node, not a TaskGroup
            node = self._node(
                task_name,
                "Skipped",
                ctx,
                task,
                phase="Skipped",
                message="Skipped, empty params",
                flag={},
            )
            connect(node["id"])
            self._skipped_scope(ctx, tname, task, node)
            return self._fail(state, task, node)
        gnode = (
            self._nodes[group] if group else self._node(task_name, "TaskGroup", ctx, task, flag={})
        )
        if not group:
            connect(gnode["id"])
        if not items:
            return gnode
        runs = []
        for index, item in enumerate(items):
            lname = _api("loop_node_name")(tname, index, item)
            ivalues = ChainMap(dict(_api("item_scope")(item)), values)
            loose = {
                k: v
                for k, v in task.items()
                if k not in ("withItems", "withParam", "withSequence", "depends", "dependencies")
            }
            cname = f"{dag_node['name']}.{lname}"
            try:
                resolved = _subst(loose, ivalues)
            except SubstitutionError as exc:
                runs.append(
                    asyncio.ensure_future(
                        _done(
                            self._node(
                                cname,
                                "Skipped",
                                ctx,
                                task,
                                phase="Error",
                                message=str(exc),
                                parent=gnode["id"],
                            )
                        )
                    )
                )
                continue
            proceed, error = self._when(str(resolved.get("when") or ""), {})
            if error or not proceed:
                n = self._node(
                    cname,
                    "Skipped",
                    ctx,
                    task,
                    phase="Error" if error else "Skipped",
                    message=error or f"when '{resolved.get('when')}' evaluated false",
                    parent=gnode["id"],
                    flag={},
                )
                runs.append(asyncio.ensure_future(_done(n)))
                continue
            try:
                args = self._resolve_args(resolved, ctx.child(values=ivalues))
            except ArgumentError as exc:
                n = self._node(
                    cname, "Skipped", ctx, task, phase="Error", message=str(exc), parent=gnode["id"]
                )
                runs.append(asyncio.ensure_future(_done(n)))
                continue
            # executeDAGTask (dag.go): each item runs the task's hooks and exit handler
            coro = self._exec_hooked(
                cname, holder, resolved, f"tasks.{tname}", ctx, args, gnode["id"]
            )
            runs.append(asyncio.ensure_future(self._limited(sem, coro)))
        children = [await r for r in runs]
        phase = "Succeeded"
        for child in children:
            if child["phase"] in _BAD:
                phase = child["phase"]
        self._mark(gnode, phase)
        try:
            ctx.values.update(_api("aggregate_scope")(f"tasks.{tname}", children))
        except TiphysError as exc:  # reported on the tasks that read them (dag.go)
            state.agg_errors[tname] = str(exc)
        ctx.values.update(
            {
                k: v
                for k, v in self._node_scope(f"tasks.{tname}", gnode).items()
                if not k.startswith(f"tasks.{tname}.outputs")
            }
        )
        # ... and so does the TaskGroup once it has completed (its node is the task's node)
        gnode = await self._after_child(gnode, task, f"tasks.{tname}", ctx)
        return self._fail(state, task, gnode)

    def _dag_refs_skipped(self, resolved: Json, task: Json, ctx: _Ctx) -> bool:
        return False

    def _skipped_scope(self, ctx: _Ctx, tname: str, task: Json, node: Json) -> None:
        """FACTS §7.9: a Skipped/Omitted producer's outputs exist only through
        ``valueFrom.default``."""
        ctx.values.update(self._node_scope(f"tasks.{tname}", node))
        self._producer_defaults(ctx, f"tasks.{tname}", task)

    def _producer_defaults(self, ctx: _Ctx, prefix: str, holder: Mapping[str, Any]) -> None:
        try:
            tmpl, _sub, _key = self._resolve(holder, ctx)
        except LocalError:
            return
        for param in (tmpl.get("outputs") or {}).get("parameters") or ():
            default = (param.get("valueFrom") or {}).get("default")
            # Without a default the output is absent: nil to an expression (so `x ?? y` gives
            # y, examples/skipped-output-defaults/expression-fallback.yaml), never "".
            key = f"{prefix}.outputs.parameters.{param['name']}"
            ctx.values[key] = None if default is None else str(default)

    def _fail(self, state: _DagState, task: Json, node: Json) -> Json:
        if state.fail_fast and node["phase"] in _BAD and not _continues_on(task, node["phase"]):
            state.stopped = True
        return node


_TEMPLATE_KINDS = (*_LEAF_KINDS, "steps", "dag", "suspend", *_CLUSTER_KINDS)


def _merge_defaults(defaults: Mapping[str, Any], tmpl: Mapping[str, Any]) -> Json:
    """``spec.templateDefaults`` under a template (a strategic merge: mappings merge, the
    template's values win, lists are the template's); a default naming another template type
    than the template's own is left out."""

    def merge(base: Any, over: Any) -> Any:
        if isinstance(base, Mapping) and isinstance(over, Mapping):
            out = dict(base)
            for key, value in over.items():
                out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
            return out
        return copy.deepcopy(over)

    base = {k: v for k, v in defaults.items() if k not in _TEMPLATE_KINDS or k in tmpl}
    return merge(base, tmpl)  # type: ignore[no-any-return]


def _has_args(arguments: Any) -> bool:
    """``Arguments.IsEmpty`` negated: parameters or artifacts given."""
    return bool(arguments and (arguments.get("parameters") or arguments.get("artifacts")))


def _step_or_task_name(node_name: str) -> str:
    """The step or task name in a node name: ``wf[0].gen(1:x.y)(0)`` -> ``gen`` (loop and
    retry suffixes in parentheses dropped, then what follows the last dot)."""
    end = len(node_name)
    while end and node_name[end - 1] == ")":
        depth = 0
        for i in range(end - 1, -1, -1):
            if node_name[i] == ")":
                depth += 1
            elif node_name[i] == "(":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        else:
            break
    head = node_name[:end]
    return head.rsplit(".", 1)[-1]


async def _done(node: Json) -> Json:
    return node


@dataclass
class _DagState:
    fail_fast: bool
    stopped: bool = False
    agg_errors: dict[str, str] = field(default_factory=dict)


def _task_logic(task: Mapping[str, Any], tasks: Mapping[str, Any]) -> tuple[list[str], str]:
    """The dependency names and the ``depends`` logic of a task (``getTaskDependsLogic``)."""
    depends = task.get("depends")
    if depends:
        names = parse_depends(str(depends))
        for dep in names:
            if dep not in tasks:
                raise LocalError(
                    f"task '{task['name']}' depends on '{dep}', which is not a task of this DAG"
                )
        # GetTaskDependencies (workflow/common/ancestry.go): a bare task name expands as a
        # `dependencies` entry does, its continueOn included
        return names, _TASK_NAME.sub(
            lambda m: m.group(0) if m.group(1) else _expand_dependency(m.group(2), tasks),
            str(depends),
        )
    names = [str(d) for d in task.get("dependencies") or ()]
    for dep in names:
        if dep not in tasks:
            raise LocalError(
                f"task '{task['name']}' depends on '{dep}', which is not a task of this DAG"
            )
    return names, " && ".join(_expand_dependency(dep, tasks) for dep in names)


_TASK_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")


def _expand_dependency(dep: str, tasks: Mapping[str, Any]) -> str:
    """``expandDependency`` (ancestry.go): what a bare dependency on ``dep`` accepts."""
    cont = tasks[dep].get("continueOn") or {}
    alts = [f"{dep}.Succeeded", f"{dep}.Skipped", f"{dep}.Daemoned"]
    if cont.get("error"):
        alts.append(f"{dep}.Errored")
    if cont.get("failed"):
        alts.append(f"{dep}.Failed")
    return "(" + " || ".join(alts) + ")"


def _task_result(node: Mapping[str, Any], nodes: Mapping[str, Json]) -> dict[str, bool]:
    phase = node["phase"]
    children = (
        [nodes[c] for c in node.get("children") or () if c in nodes]
        if node["type"] == "TaskGroup"
        else []
    )
    return {
        "Succeeded": phase == "Succeeded",
        "Failed": phase == "Failed",
        "Errored": phase == "Error",
        "Skipped": phase == "Skipped",
        "Omitted": phase == "Omitted",
        "Daemoned": bool(node.get("daemoned")) and phase != "Pending",
        "AnySucceeded": any(c["phase"] == "Succeeded" for c in children),
        "AllFailed": bool(children) and all(c["phase"] == "Failed" for c in children),
    }


def run_local(
    manifest: Mapping[str, Any],
    *,
    parameters: Sequence[str] | Mapping[str, str] = (),
    run_dir: Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run a Workflow manifest to its end on this machine (synchronously).

    Args:
        manifest: A Workflow manifest (name or generateName).
        parameters: ``NAME=VALUE`` texts or a mapping for ``spec.arguments.parameters``.
        run_dir: Where the run writes; defaults to a new directory
            ``<tempdir>/tiphys-runs/<workflow name>``.
        **options: More :class:`RunOptions` fields (``backend``, ``store``, ``mocks``...), and
            ``namespace`` for :func:`prepare_workflow`.

    Returns:
        The final Workflow, status included.

    Raises:
        LocalError: The workflow cannot start.
    """
    namespace = str(options.pop("namespace", "default"))
    executor = options.pop("executor", None)
    try:
        wf = prepare_workflow(manifest, parameters=parameters, namespace=namespace)
    except PrepareError as exc:
        raise LocalError(str(exc)) from None
    if run_dir is None:
        base = Path(tempfile.gettempdir()) / "tiphys-runs"
        base.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix=f"{wf['metadata']['name']}-", dir=base))
    run = LocalRun(wf, RunOptions(run_dir=run_dir, **options), executor=executor)
    return asyncio.run(run.execute())
