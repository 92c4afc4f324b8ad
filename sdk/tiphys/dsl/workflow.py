"""Workflow objects: ``Workflow``, ``WorkflowTemplate`` and ``ClusterWorkflowTemplate``.

A workflow object names an entrypoint template and the workflow-level options; it collects
every template reachable from its entrypoint (and its exit handler) when compiled. Compilation,
output and validation live in :mod:`tiphys.compile` and :mod:`tiphys.validate`; the methods here
import them when called (and ``from_template=`` imports :mod:`tiphys.dsl.template_ref`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar, Unpack

from tiphys.dsl._keywords import kubernetes_name
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.artifacts import ArtifactGC, ArtifactRepositoryRef
from tiphys.dsl.options import (
    TTL,
    Duration,
    PodGC,
    Raw,
    Retry,
    Toleration,
    Volume,
    seconds,
)
from tiphys.dsl.template import Template
from tiphys.dsl.workflow_ops import WorkflowOperations, WorkflowOperationsKw, workflow_operations
from tiphys.errors import CompileError, Diagnostic, Location

if TYPE_CHECKING:
    from tiphys.client.apply import ApplyResult
    from tiphys.client.client import Client
    from tiphys.client.run import Run
    from tiphys.dsl.params import Input
    from tiphys.dsl.pod_fields import PodMetadata
    from tiphys.dsl.template_ref import WorkflowRef
    from tiphys.local.result import LocalResult

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(eq=False, repr=False)
class WorkflowOptions:
    """Workflow-level (``spec``) options; see :class:`Workflow` for their meaning."""

    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    arguments: Mapping[str, Any] = field(default_factory=dict)
    parameters: Sequence[Input] | None = None
    service_account: str | None = None
    on_exit: Template[Any, Any] | None = None
    templates: Sequence[Template[Any, Any]] = ()
    ttl: Duration | TTL | None = None
    pod_gc: str | PodGC | None = None
    active_deadline: Duration | None = None
    retry: Retry | int | None = None
    parallelism: int | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Toleration | Raw] = ()
    affinity: Raw | None = None
    pdb: int | Raw | None = None
    priority_class: str | None = None
    priority: int | None = None
    security_context: Raw | None = None
    pod_metadata: PodMetadata | Raw | None = None
    template_defaults: Mapping[str, Any] | None = None
    volumes: Sequence[Volume] = ()
    archive_logs: bool | None = None
    artifact_repository_ref: ArtifactRepositoryRef | None = None
    artifact_gc: ArtifactGC | None = None
    patch: Raw | None = None
    operations: WorkflowOperations = field(default_factory=WorkflowOperations)


class WorkflowBase:
    """Common base of the workflow kinds.

    Attributes:
        name: ``metadata.name`` (``None`` to use ``generate_name``).
        generate_name: ``metadata.generateName`` prefix.
        entrypoint: The template run first (``spec.entrypoint``); its signature gives the
            workflow's parameters (``spec.arguments.parameters``).
        options: Workflow-level options.
        location: Where the object was created.
    """

    kind: ClassVar[str] = "Workflow"
    requires_entrypoint: ClassVar[bool] = True

    def __init__(
        self,
        name: str | None = None,
        *,
        entrypoint: Template[Any, Any] | str | None = None,
        generate_name: str | None = None,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        arguments: Mapping[str, Any] | None = None,
        parameters: Sequence[Input] | None = None,
        service_account: str | None = None,
        on_exit: Template[Any, Any] | None = None,
        templates: Sequence[Template[Any, Any]] = (),
        ttl: Duration | TTL | None = None,
        pod_gc: str | PodGC | None = None,
        active_deadline: Duration | None = None,
        retry: Retry | int | None = None,
        parallelism: int | None = None,
        node_selector: Mapping[str, str] | None = None,
        tolerations: Sequence[Toleration | Raw] = (),
        affinity: Raw | None = None,
        pdb: int | Raw | None = None,
        priority_class: str | None = None,
        priority: int | None = None,
        security_context: Raw | None = None,
        pod_metadata: PodMetadata | Raw | None = None,
        template_defaults: Mapping[str, Any] | None = None,
        volumes: Sequence[Volume] = (),
        archive_logs: bool | None = None,
        artifact_repository_ref: ArtifactRepositoryRef | None = None,
        artifact_gc: ArtifactGC | None = None,
        patch: Raw | None = None,
        from_template: WorkflowTemplate | ClusterWorkflowTemplate | str | None = None,
        cluster_scope: bool = False,
        **operations: Unpack[WorkflowOperationsKw],
    ) -> None:
        """Create a workflow object.

        Args:
            name: ``metadata.name``. For a ``Workflow``, leave it out to get
                ``generateName: <entrypoint>-`` (a fixed name conflicts on resubmit).
            entrypoint: The template that runs first (``spec.entrypoint``). With
                ``from_template=``, it overrides the WorkflowTemplate's entrypoint: one of
                its templates, or a template name (text); checked to exist when the
                WorkflowTemplate is an object.
            generate_name: ``metadata.generateName`` prefix.
            namespace: ``metadata.namespace``.
            labels: ``metadata.labels``.
            annotations: ``metadata.annotations``.
            arguments: Values for the entrypoint's parameters, overriding its defaults
                (``spec.arguments.parameters[].value``), and locations for its input
                artifacts (``spec.arguments.artifacts``, e.g. ``{"data": S3("in.csv")}``).
            parameters: The workflow's parameters given whole, in order, as :class:`Input`
                objects (``spec.arguments.parameters``; ``Input.default`` is written as
                ``value``, a fixed ``value`` too): global parameters that the entrypoint does
                not take (``{{workflow.parameters.x}}``). Replaces the list derived from the
                entrypoint's signature; not combined with ``arguments=``.
            service_account: ``spec.serviceAccountName``.
            on_exit: Exit handler template (``spec.onExit``), run whatever the outcome.
            templates: Extra templates to include even if the entrypoint does not use them
                (a library WorkflowTemplate).
            ttl: Delete the finished workflow after this long (``ttlStrategy``): a duration
                (``secondsAfterCompletion``) or :class:`TTL`.
            pod_gc: ``podGC``: a strategy name (``"OnPodSuccess"``) or :class:`PodGC`.
            active_deadline: Fail the workflow after this long (``activeDeadlineSeconds``).
            retry: ``retryStrategy`` of every container and script template that has none of
                its own. Not emitted as ``spec.retryStrategy``, which Argo also applies to
                ``dag`` and ``steps`` nodes (a failed DAG would run again, succeeded tasks
                included).
            parallelism: Max pods running at once (``spec.parallelism``).
            node_selector: ``spec.nodeSelector``.
            tolerations: ``spec.tolerations``.
            affinity: ``spec.affinity`` (a Kubernetes Affinity dict).
            pdb: ``spec.podDisruptionBudget``: ``minAvailable`` as an int, or a dict.
            priority_class: ``spec.podPriorityClassName``.
            priority: ``spec.priority`` (controller queue order).
            security_context: ``spec.securityContext`` (a PodSecurityContext dict).
            pod_metadata: ``spec.podMetadata``: :class:`~tiphys.PodMetadata` or a dict
                (``{"labels": ..., "annotations": ...}``).
            template_defaults: ``spec.templateDefaults``, as template options
                (``{"timeout": "10m", "retry": 2}``).
            volumes: Volumes declared even if no template mounts them.
            archive_logs: ``spec.archiveLogs``.
            artifact_repository_ref: The artifact repository to use
                (``spec.artifactRepositoryRef``), an :class:`ArtifactRepositoryRef`.
            artifact_gc: When output artifacts are deleted (``spec.artifactGC``), an
                :class:`ArtifactGC`.
            patch: A raw dict merged into the emitted object last.
            from_template: Run a WorkflowTemplate (``spec.workflowTemplateRef``): the
                ``WorkflowTemplate``/``ClusterWorkflowTemplate`` object (``arguments`` are
                then checked against its entrypoint's inputs) or its name. Only for a
                ``Workflow`` or ``CronWorkflow``, without ``templates``, ``on_exit``,
                ``hooks`` or ``retry``.
            cluster_scope: With ``from_template=<name>``: it names a ClusterWorkflowTemplate
                (``workflowTemplateRef.clusterScope``).
            **operations: Hooks, locks, metrics, networking, the executor and the other
                ``WorkflowSpec`` fields of :class:`~tiphys.dsl.workflow_ops.WorkflowOperationsKw`
                (``hooks={"running": Hook(...)}``, ``synchronization=[Mutex("deploy")]``...).

        Raises:
            CompileError: A bad duration, an unknown option, a bad hook, lock, metric or pod
                setting (``C117``, ``C154``-``C158``), a misused ``from_template``
                (``C149``), or ``artifact_repository_ref`` or ``artifact_gc`` of the wrong type
                (``C138``).
        """
        self.location: Location = user_location()
        if name and generate_name:
            raise fail(
                "C117",
                "give name= or generate_name=, not both: Kubernetes ignores generateName when a "
                "name is set",
            )
        kubernetes_name(service_account, "service_account", "C117", self.location)
        self.name = name
        self.generate_name = generate_name
        entry_name = entrypoint if isinstance(entrypoint, str) else None
        self.entrypoint = None if isinstance(entrypoint, str) else entrypoint
        self.options = WorkflowOptions(
            namespace=namespace,
            labels=dict(labels or {}),
            annotations=dict(annotations or {}),
            arguments=dict(arguments or {}),
            parameters=list(parameters) if parameters is not None else None,
            service_account=service_account,
            on_exit=on_exit,
            templates=list(templates),
            ttl=ttl,
            pod_gc=pod_gc,
            active_deadline=active_deadline,
            retry=retry,
            parallelism=parallelism,
            node_selector=dict(node_selector or {}),
            tolerations=list(tolerations),
            affinity=affinity,
            pdb=pdb,
            priority_class=priority_class,
            priority=priority,
            security_context=security_context,
            pod_metadata=pod_metadata,
            template_defaults=template_defaults,
            volumes=list(volumes),
            archive_logs=archive_logs,
            artifact_repository_ref=artifact_repository_ref,
            artifact_gc=artifact_gc,
            patch=patch,
            operations=workflow_operations(
                operations, self.location, list(inspect.signature(WorkflowBase).parameters)
            ),
        )
        for what, value, cls in (
            ("artifact_repository_ref", artifact_repository_ref, ArtifactRepositoryRef),
            ("artifact_gc", artifact_gc, ArtifactGC),
        ):
            if value is not None and not isinstance(value, cls):
                raise fail("C138", f"{what} must be an {cls.__name__}(...), not {value!r}")
        for what in ("ttl", "active_deadline"):
            value = getattr(self.options, what)
            if value is not None and not isinstance(value, TTL):
                seconds(value, what, self.location)
        self.from_template: WorkflowRef | None = None
        if from_template is not None or cluster_scope:
            from tiphys.dsl.template_ref import workflow_ref

            self.from_template = workflow_ref(self, from_template, cluster_scope, entry_name)
            self.entrypoint = None  # the reference holds it: the template runs in the WT
        elif entry_name is not None:
            raise fail(
                "C149",
                f"entrypoint={entry_name!r} names a template, which only a Workflow run from "
                "a WorkflowTemplate (from_template=) can do: pass the template itself",
                self.location,
            )

    def __repr__(self) -> str:
        name = self.name or self.generate_name
        return f"{self.kind} {name!r}" if name else f"this {self.kind}"

    def to_dict(self) -> dict[str, Any]:
        """Compile to the manifest as a dict (deterministic key and template order).

        Returns:
            ``{"apiVersion": "argoproj.io/v1alpha1", "kind": ..., "metadata": ..., "spec": ...}``

        Raises:
            CompileError: Every semantic problem found (unknown arguments, cycles...), each
                located at the user's line.
        """
        from tiphys.compile.manifest import compile_workflow

        return compile_workflow(self)

    def to_yaml(self) -> str:
        """Compile to YAML (block style; strings YAML would misread are quoted).

        Raises:
            CompileError: As :meth:`to_dict`.
        """
        from tiphys.compile.yaml_out import to_yaml

        return to_yaml(self.to_dict())

    def to_json(self) -> str:
        """Compile to JSON (2-space indented).

        Raises:
            CompileError: As :meth:`to_dict`.
        """
        from tiphys.compile.yaml_out import to_json

        return to_json(self.to_dict())

    def validate(self) -> list[Diagnostic]:
        """Compile and check the manifest against Argo's schema and rules.

        Returns:
            Diagnostics (errors and warnings); empty when all is well.

        Compile errors (C-codes) are returned too, instead of raised.
        """
        from tiphys.validate import validate_document

        try:
            manifest = self.to_dict()
        except CompileError as exc:
            return exc.diagnostics
        return validate_document(manifest, file=self.location.file)

    def build(self) -> Any:
        """Compile to Hera's typed model of this kind (Argo v4.0.5 models).

        Returns:
            A ``hera.workflows.models`` object (``Workflow``, ``WorkflowTemplate``...).

        Raises:
            CompileError: As :meth:`to_dict`.
            pydantic.ValidationError: The manifest does not fit Hera's model.
        """
        from tiphys.compile.manifest import build_model

        return build_model(self.to_dict())


class Workflow(WorkflowBase):
    """An Argo ``Workflow``: one run. See :class:`WorkflowBase` for the arguments."""

    kind = "Workflow"

    def submit(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        client: Client | None = None,
        namespace: str | None = None,
        name: str | None = None,
        generate_name: str | None = None,
        entrypoint: str | None = None,
        labels: Mapping[str, str] | None = None,
        service_account: str | None = None,
        priority: int | None = None,
        server_dry_run: bool = False,
    ) -> Run:
        """Compile and submit this workflow to the Argo Server (:func:`tiphys.client.submit`).

        Args:
            parameters: Arguments, name to value; each must be one of the workflow's
                parameters (``spec.arguments.parameters`` or the entrypoint's inputs).
            client: A :class:`tiphys.client.Client`; by default one from the environment
                (``ARGO_SERVER``, ``ARGO_TOKEN``, ``ARGO_NAMESPACE``...).
            namespace: Namespace to create in; default this workflow's, else the client's.
            name: ``metadata.name`` of the run (replaces ``generateName``).
            generate_name: ``metadata.generateName`` of the run (replaces ``name``).
            entrypoint: Overrides ``spec.entrypoint`` (a template name).
            labels: Labels added to ``metadata.labels``.
            service_account: ``spec.serviceAccountName``.
            priority: ``spec.priority``.
            server_dry_run: Have the server validate without creating.

        Returns:
            The :class:`tiphys.client.Run` of the created workflow; ``run.wait()`` follows it.

        Raises:
            CompileError: The workflow does not compile.
            TiphysError: A parameter is unknown, outside its enum, or missing.
            NoServerConfigured: No client and no ``ARGO_SERVER``.
            ArgoServerError: The server refused it.
        """
        from tiphys.client.run import submit

        return submit(
            self,
            parameters,
            client=client,
            namespace=namespace,
            name=name,
            generate_name=generate_name,
            entrypoint=entrypoint,
            labels=labels,
            service_account=service_account,
            priority=priority,
            server_dry_run=server_dry_run,
        )

    def run_local(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        mocks: Mapping[str, Mapping[str, Any]] | None = None,
        backend: str = "auto",
        run_dir: str | os.PathLike[str] | None = None,
        secrets: Mapping[str, Mapping[str, str]] | None = None,
        configmaps: Mapping[str, Mapping[str, str]] | None = None,
        check: bool = False,
    ) -> LocalResult:
        """Compile this workflow and run it on this machine, with no cluster (``tiphys run``).

        The run follows Argo's semantics (:mod:`tiphys.local`); containers run with docker or
        podman when a daemon answers, else on the host for host-compatible images (busybox,
        alpine, debian, ubuntu shells; ``python:*``; ``argoproj/argosay``). It blocks until the
        workflow ends. Like :meth:`tiphys.client.Run.wait`, a run that ends ``Failed`` or
        ``Error`` is returned, not raised, unless ``check=True``.

        Args:
            parameters: Arguments, name to value (non-strings are written as JSON); each must
                be one of the workflow's parameters (``spec.arguments.parameters`` or the
                entrypoint's inputs).
            mocks: Template name (``"TEMPLATE"``, or ``"WORKFLOWTEMPLATE/TEMPLATE"`` for a
                ``templateRef``) to the node it gives instead of running: ``{"phase":
                "Succeeded"|"Failed"|"Error" (default Succeeded), "message": str, "outputs":
                {"result": str, "parameters": {name: value}, "exitCode": "0"}}``. A mock of a
                template the workflow does not use is an error.
            backend: ``"auto"``, ``"host"``, ``"docker"`` or ``"podman"``.
            run_dir: Directory the run writes to (logs, artifacts, node sandboxes); default a
                new one under ``$TMPDIR/tiphys-runs/``.
            secrets: Kubernetes Secrets the workflow reads (env ``secretKeyRef``, HTTP headers,
                volumes), name to ``{key: value}``. Their values never appear in messages.
            configmaps: ConfigMaps it reads (``configMapKeyRef``, volumes), name to
                ``{key: value}``.
            check: Raise :class:`tiphys.local.result.LocalRunFailed` when the run ends
                ``Failed`` or ``Error`` (default: return it).

        Returns:
            A :class:`tiphys.local.result.LocalResult`: ``phase``, ``message``, ``workflow``
            (the final manifest with Argo's ``status``), ``outputs(name)`` and ``node(name)``.

        Raises:
            CompileError: The workflow does not compile, or a parameter is unknown, missing or
                outside its enum.
            LocalError: The workflow cannot start (what Argo's validation refuses, an unused
                mock).
            LocalRunFailed: ``check`` and the run ended ``Failed`` or ``Error``.
        """
        import json

        from tiphys.compile.from_template import apply_parameters
        from tiphys.local.result import run_workflow

        values = {
            str(k): v if isinstance(v, str) else json.dumps(v)
            for k, v in (parameters or {}).items()
        }
        templates: list[dict[str, Any]] = []
        source = getattr(self.from_template, "template", None)
        if isinstance(source, WorkflowBase):
            templates.append(source.to_dict())
        spec = templates[0].get("spec") if templates else None
        doc = apply_parameters(self.to_dict(), values, template_spec=spec)
        return run_workflow(
            doc,
            mocks=mocks,
            backend=backend,
            run_dir=None if run_dir is None else os.fspath(run_dir),
            secrets=secrets,
            configmaps=configmaps,
            templates=templates,
            check=check,
        )


class Appliable:
    """``apply()`` of the kinds kept on the server: WorkflowTemplate, ClusterWorkflowTemplate,
    CronWorkflow (mixed into their classes)."""

    def apply(
        self,
        *,
        client: Client | None = None,
        namespace: str | None = None,
        dry_run: bool = False,
    ) -> ApplyResult:
        """Create this object on the Argo Server, or update it when it differs.

        Delegates to :func:`tiphys.client.apply` (``GET``, then ``POST`` on 404, or ``PUT`` with
        the server's ``metadata.resourceVersion`` when ``spec``, labels or annotations differ).

        Args:
            client: The :class:`~tiphys.client.Client`; default one configured from the
                environment (``ARGO_SERVER``, ``ARGO_TOKEN``, ``ARGO_NAMESPACE``...).
            namespace: Namespace (not for a ClusterWorkflowTemplate); default the client's.
            dry_run: Only report what would be done (``created``/``updated``/``unchanged``).

        Returns:
            The :class:`~tiphys.client.ApplyResult` (``result.action``, ``result.object``).

        Raises:
            CompileError: This object does not compile or is invalid; nothing is sent.
            Conflict: It changed on the server during the apply (409): run apply again.
            ArgoServerError: A request failed (403 Forbidden, ...).
        """
        from tiphys.client.apply import apply

        return apply(self, client=client, namespace=namespace, dry_run=dry_run)


class _TemplateLibrary(Appliable, WorkflowBase):
    """Common base of the template kinds, whose templates other workflows can use."""

    requires_entrypoint = False

    def use(self, template: Template[P, R]) -> Template[P, R]:
        """Use one of this object's templates from another workflow (``templateRef``).

        Call the returned template inside a ``@dag``/``@steps`` body like ``template`` itself:
        arguments are checked against its inputs, ``task.result``/``task.outputs.x`` are typed
        from it, and the task is written ``templateRef: {name: <this object's name>, template:
        <its name>}`` (plus ``clusterScope: true`` for a ClusterWorkflowTemplate). The template
        is not copied into the calling workflow.

        Args:
            template: A template this object emits (reachable from its entrypoint, exit
                handler or ``templates=``).

        Returns:
            The reference (the same object for the same template).

        Raises:
            CompileError: This object has no name, does not compile, or does not emit
                ``template`` (``C150``, listing its templates), located at the call.
        """
        from tiphys.compile.template_ref import use_template

        return use_template(self, template)


class WorkflowTemplate(_TemplateLibrary):
    """An Argo ``WorkflowTemplate``: a namespaced, reusable workflow definition.

    ``entrypoint`` may be omitted for a library of templates (``templates=[...]``); other
    workflows run it (``Workflow(from_template=...)``) or use its templates (:meth:`use`).
    """

    kind = "WorkflowTemplate"


class ClusterWorkflowTemplate(_TemplateLibrary):
    """An Argo ``ClusterWorkflowTemplate``: a cluster-scoped WorkflowTemplate."""

    kind = "ClusterWorkflowTemplate"
