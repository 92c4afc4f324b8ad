"""The result of a local run as Python objects: :class:`LocalResult`, :class:`LocalRunFailed`.

:func:`run_workflow` is what :meth:`tiphys.Workflow.run_local` delegates to: it prepares the
manifest (:func:`tiphys.local.engine.prepare_workflow`), runs it on this machine
(:class:`tiphys.local.engine.LocalRun`) and wraps the final Workflow in a :class:`LocalResult`.

Example::

    result = pipeline.run_local(parameters={"tag": "v1.2"}, mocks={"deploy": {}})
    result.phase                              # "Succeeded"
    result.outputs("build").parameters        # {"digest": "sha256:..."}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tiphys.argo.nodes import failed_node_lines
from tiphys.errors import TiphysError

__all__ = [
    "LocalOutputs",
    "LocalResult",
    "LocalRunFailed",
    "failure_text",
    "run_workflow",
    "template_lookup",
]

Json = dict[str, Any]


def failure_text(workflow: Mapping[str, Any], run_dir: Path | None = None) -> str:
    """Describe why a local run did not succeed, naming its failed nodes.

    The same lines as the client's ``failure_message`` for a cluster's workflow, with the run
    directory (where the logs are) instead of the ``tiphys get`` hint.

    Args:
        workflow: The final Workflow (``metadata.name``, ``status.phase``, ``status.message``,
            ``status.nodes``).
        run_dir: The run's directory, named in the last line when given.

    Returns:
        Lines such as ``workflow 'ci-x' ended Failed: child 'ci-x-1' failed``, then
        ``failed nodes:`` and ``  build (Failed): Error (exit code 1)`` per failed leaf node
        (ordered by start time, at most 10, then ``and N more``).
    """
    meta = workflow.get("metadata") or {}
    status = workflow.get("status") or {}
    head = f"workflow {meta.get('name', '')!r} ended {status.get('phase') or 'Pending'}"
    if status.get("message"):
        head += f": {status['message']}"
    lines = [head, *failed_node_lines((status.get("nodes") or {}).values())]
    if run_dir is not None:
        lines.append(f"Logs and outputs are in {run_dir}.")
    return "\n".join(lines)


class LocalRunFailed(TiphysError):
    """A local run ended ``Failed`` or ``Error``; raised by :meth:`LocalResult.check`.

    Attributes:
        result: The :class:`LocalResult` (its ``workflow`` holds the whole final status).
        phase: ``"Failed"`` or ``"Error"``.
        message: The workflow's ``status.message`` and each failed leaf node (see
            :func:`failure_text`).
    """

    def __init__(self, result: LocalResult) -> None:
        self.result = result
        self.phase = result.phase
        self.message = failure_text(result.workflow, result.run_dir)
        super().__init__(self.message)


@dataclass(frozen=True)
class LocalOutputs:
    """The outputs of one node of a local run (Argo's ``NodeStatus.outputs``).

    Attributes:
        parameters: Output parameters, name to value (``outputs.parameters``).
        result: The ``result`` output (a script's or container's stdout), or ``None``.
        exit_code: The ``exitCode`` output (text, e.g. ``"0"``), or ``None``.
        artifacts: Output artifacts by name, as in the status (``{"name", "path", "s3":
            {"key"}}``: the key is in the run's local artifact store, ``RUN_DIR/artifacts``).
    """

    parameters: dict[str, str]
    result: str | None
    exit_code: str | None
    artifacts: dict[str, Json]


@dataclass(frozen=True)
class LocalResult:
    """A workflow that ran on this machine, as it ended.

    Attributes:
        workflow: The final Workflow manifest with its ``status`` (Argo's shape: ``phase``,
            ``message``, ``nodes`` keyed by node id...).
        run_dir: The directory the run wrote to (``logs/<pod>/<container>.log``,
            ``artifacts/``, node sandboxes).
    """

    workflow: Json
    run_dir: Path

    @property
    def name(self) -> str:
        """``metadata.name`` of the run."""
        return str((self.workflow.get("metadata") or {}).get("name") or "")

    @property
    def phase(self) -> str:
        """``status.phase``: ``"Succeeded"``, ``"Failed"`` or ``"Error"``."""
        return str((self.workflow.get("status") or {}).get("phase") or "")

    @property
    def message(self) -> str:
        """``status.message`` (``""`` when the workflow has none)."""
        return str((self.workflow.get("status") or {}).get("message") or "")

    @property
    def succeeded(self) -> bool:
        """Whether the phase is ``Succeeded``."""
        return self.phase == "Succeeded"

    def __repr__(self) -> str:
        return f"LocalResult({self.name}, phase={self.phase!r})"

    def check(self) -> LocalResult:
        """Raise when the run did not succeed (as ``Run.wait(check=True)`` does).

        Returns:
            This result, when the phase is ``Succeeded``.

        Raises:
            LocalRunFailed: The phase is ``Failed`` or ``Error``.
        """
        if not self.succeeded:
            raise LocalRunFailed(self)
        return self

    def node(self, name: str) -> Json:
        """One node of the status, by display name, full node name or node id.

        Args:
            name: A step's or task's name as shown by ``tiphys get`` (``displayName``, e.g.
                ``"build"`` or ``"build(0:a)"`` for a loop's iteration), the node's full name
                (``"ci-x.build"``) or its id. The workflow's own name is the entrypoint node.

        Returns:
            The node status (``id``, ``name``, ``displayName``, ``type``, ``phase``,
            ``outputs``...), shared with :attr:`workflow`: do not modify it.

        Raises:
            KeyError: No node has that name (the message lists the display names), or several
                nodes share that display name (give the full node name then).
        """
        nodes: dict[str, Json] = (self.workflow.get("status") or {}).get("nodes") or {}
        if name in nodes:
            return nodes[name]
        by_name = [n for n in nodes.values() if n.get("name") == name]
        if len(by_name) == 1:
            return by_name[0]
        shown = [n for n in nodes.values() if n.get("displayName") == name]
        if len(shown) == 1:
            return shown[0]
        if shown:
            full = ", ".join(sorted(str(n.get("name")) for n in shown))
            raise KeyError(f"{len(shown)} nodes are named {name!r}: give one's full name ({full})")
        names = sorted({str(n.get("displayName") or n.get("name")) for n in nodes.values()})
        raise KeyError(f"no node named {name!r} in {self.name!r} (its nodes: {', '.join(names)})")

    def outputs(self, name: str | None = None) -> LocalOutputs:
        """The outputs of a node (``status.nodes[*].outputs``).

        Args:
            name: The step or task (see :meth:`node`); ``None``: the entrypoint node, whose
                outputs are the workflow's.

        Returns:
            Its parameters, result, exit code and artifacts (empty when it has none).

        Raises:
            KeyError: No such node, or several share the name (see :meth:`node`).
        """
        node = self.node(self.name if name is None else name)
        outputs = node.get("outputs") or {}
        parameters = {
            str(p.get("name")): str(p.get("value", ""))
            for p in outputs.get("parameters") or []
            if isinstance(p, Mapping)
        }
        result = outputs.get("result")
        code = outputs.get("exitCode")
        artifacts = {
            str(a.get("name")): dict(a)
            for a in outputs.get("artifacts") or []
            if isinstance(a, Mapping)
        }
        return LocalOutputs(
            parameters,
            None if result is None else str(result),
            None if code is None else str(code),
            artifacts,
        )


def run_workflow(
    manifest: Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | Sequence[str] = (),
    mocks: Mapping[str, Mapping[str, Any]] | None = None,
    backend: str = "auto",
    run_dir: Path | str | None = None,
    secrets: Mapping[str, Mapping[str, str]] | None = None,
    configmaps: Mapping[str, Mapping[str, str]] | None = None,
    templates: Sequence[Mapping[str, Any]] = (),
    check: bool = False,
) -> LocalResult:
    """Run a Workflow manifest on this machine to its end.

    Args:
        manifest: A Workflow (``metadata.name`` or ``generateName``).
        parameters: Workflow arguments, name to value (non-strings are written as JSON, as
            ``-p`` takes text), or ``"NAME=VALUE"`` items; they override
            ``spec.arguments.parameters`` and unknown names are added (as ``argo submit``).
        mocks: Template name (or ``"WORKFLOWTEMPLATE/TEMPLATE"`` for a ``templateRef``) to
            ``{"phase": "Succeeded"|"Failed"|"Error", "message": str, "outputs": {"result",
            "parameters": {name: value} or [{"name","value"}], "exitCode"}}``: the template's
            nodes end with these instead of running.
        backend: ``"auto"`` (docker or podman when a daemon answers, else host), ``"host"``,
            ``"docker"`` or ``"podman"``.
        run_dir: Where the run writes (logs, artifacts, sandboxes); default a new directory
            under ``$TMPDIR/tiphys-runs/``.
        secrets: Kubernetes Secrets the workflow reads, name to ``{key: value}``.
        configmaps: ConfigMaps the workflow reads, name to ``{key: value}``.
        templates: WorkflowTemplate and ClusterWorkflowTemplate manifests that
            ``workflowTemplateRef``/``templateRef`` may name.
        check: Raise :class:`LocalRunFailed` when the run ends ``Failed`` or ``Error``.

    Returns:
        The final state.

    Raises:
        LocalRunFailed: ``check`` and the run did not succeed.
        LocalError: The workflow cannot start (what Argo's validation refuses, a mock of a
            template the workflow does not use).
        StoreError: A Secret or ConfigMap is malformed.
    """
    import asyncio
    import json
    import tempfile

    from tiphys.local.engine import LocalRun, RunOptions, prepare_workflow
    from tiphys.local.store import LocalStore

    if isinstance(parameters, Mapping):
        values: Sequence[str] | Mapping[str, str] = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parameters.items()
        }
    else:
        values = list(parameters)
    workflow = prepare_workflow(manifest, parameters=values)
    name = str(workflow["metadata"]["name"])
    directory = (
        Path(run_dir) if run_dir is not None else Path(tempfile.gettempdir()) / "tiphys-runs" / name
    )
    by_name = template_lookup(templates)
    options = RunOptions(
        run_dir=directory,
        backend=backend,
        store=LocalStore(secrets=secrets, configmaps=configmaps),
        templates=by_name if templates else None,
        mocks=dict(mocks or {}),
    )
    run = LocalRun(workflow, options)
    final = asyncio.run(run.execute())
    result = LocalResult(final, directory)
    return result.check() if check else result


def template_lookup(
    templates: Sequence[Mapping[str, Any]],
) -> Callable[[str, bool], Mapping[str, Any] | None]:
    """The ``RunOptions.templates`` function over WorkflowTemplate/ClusterWorkflowTemplate
    manifests: ``(name, cluster_scope) -> manifest | None``.

    Args:
        templates: The manifests; later ones win over earlier ones of the same kind and name.

    Returns:
        The lookup function.
    """
    known: dict[tuple[str, bool], Mapping[str, Any]] = {}
    for doc in templates:
        cluster = doc.get("kind") == "ClusterWorkflowTemplate"
        known[(str((doc.get("metadata") or {}).get("name") or ""), cluster)] = doc

    def lookup(name: str, cluster_scope: bool) -> Mapping[str, Any] | None:
        return known.get((name, cluster_scope))

    return lookup
