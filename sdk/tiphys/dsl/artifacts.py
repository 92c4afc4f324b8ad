"""Artifacts: files and directories passed between templates through an artifact repository.

Declaring them:

* **Inputs** come from the signature. A parameter annotated ``Artifact`` is an input artifact
  (``inputs.artifacts``) named after the parameter; ``Artifact | None = None`` is an optional
  one (``optional: true``). ``Annotated[Artifact, Artifact(path=..., location=...,
  mode=...)]`` says more; ``Annotated[Path, Artifact(...)]`` or ``Annotated[str,
  Artifact(...)]`` give a Python ``@script`` a typed path.
* **Outputs** are listed next to output parameters: ``outputs=[Output(...), Artifact("out",
  path="/tmp/out", archive="none")]`` on ``@container`` and ``@script``. A ``@dag``/``@steps``
  body may return a task's artifact (``return t.outputs.artifacts.out``, named after it) or a
  dict naming several (``outputs.artifacts[].from``).

Using them:

* In a ``@container`` body (or a shell ``@script``) an input artifact is its path inside the
  container: ``["cat", f"{data}/README.md"]`` gives ``{{inputs.artifacts.data.path}}``. The path
  is ``/tmp/tiphys/inputs/<name>`` unless ``path=`` says otherwise.
* A Python ``@script`` receives the path as text (a ``pathlib.Path`` when annotated
  ``Annotated[Path, Artifact()]``), read from the ``TIPHYS_IN_<name>`` environment variable
  (``{{inputs.artifacts.<name>.path}}``), and opens the file itself. It writes output
  artifacts to the ``path=`` they declare.
* In a ``@dag``/``@steps`` body, ``task.outputs.artifacts.<name>`` (or an input artifact of the
  body) passed to an artifact input gives ``arguments.artifacts[{name, from}]`` and the
  dependency; ``.sub_path("dir/file")`` picks a file inside it (``subPath``). A location
  (``S3(...)``, ``RawArtifact(text)``) is written inline; a raw ``"{{...}}"`` string is a
  ``from``. A looped task (``.map()``) has no artifacts as a whole: Argo aggregates only the
  output parameters of a loop's iterations.
* ``Workflow(arguments={"data": S3(...)})`` gives the entrypoint's artifact inputs
  (``spec.arguments.artifacts``).

Type checkers see an artifact input as ``Artifact``: ``task.outputs.artifacts.<name>`` (typed
``Any``) and ``Artifact(location=S3(...))`` fit it; a bare location (``S3(...)``) works the
same when compiled, but a strict type checker asks for the ``Artifact(location=...)`` form.

Only the base of the locations is imported here; the concrete ones (:mod:`tiphys.dsl.locations`)
load when used.

Errors (raised where the user wrote the code):

======  ======================================================================================
C138    a value of an artifact declaration, location or option is invalid (archive, mode,
        name of a location field, GC strategy...)
C139    an artifact declaration does not fit where it is used: an input with
        ``from_expression`` or a default other than ``None``, a ``@dag``/``@steps`` input with
        ``path``, an output artifact without a name, or (container/script) without ``path``
C140    an artifact and a parameter are mixed up: an artifact given to a parameter input, a
        parameter value or plain text given to an artifact input, an artifact used as text
        or in a condition
C141    an artifact of a looped task (``.map()``): Argo does not aggregate artifacts
C142    a Workflow's entrypoint has an artifact input with no source (no location, no
        ``arguments=`` value, not optional), or ``arguments=`` gives an artifact input
        something that is not a location
======  ======================================================================================
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from tiphys.argo.names import parameter_name_problem
from tiphys.dsl._keywords import checked_init
from tiphys.dsl._location import definition_location, fail, user_location
from tiphys.dsl.location_base import LOCATION_KEYS, ArtifactLocation, Render
from tiphys.dsl.refs import MARK_START, Ref, TaskRef
from tiphys.errors import Location, did_you_mean

if TYPE_CHECKING:
    from tiphys.dsl.locations import (
        GCS,
        HDFS,
        OSS,
        S3,
        Artifactory,
        Azure,
        BasicAuth,
        ClientCertAuth,
        Git,
        HTTPArtifact,
        OAuth2Auth,
        PluginArtifact,
        RawArtifact,
    )
    from tiphys.dsl.template import Task, Template

INPUT_DIR = "/tmp/tiphys/inputs"
"""Where a leaf template's input artifacts are placed when they declare no ``path``."""

ArchiveArg = Literal["none", "tar", "zip"] | Mapping[str, Any]
GCStrategy = Literal["OnWorkflowCompletion", "OnWorkflowDeletion", "Never"]
_ARCHIVES = ("none", "tar", "zip")


def _archive(value: Any) -> dict[str, Any]:
    """The ``archive`` dict of a user's ``archive=``, or a located C138 error."""
    if isinstance(value, str) and value in _ARCHIVES:
        return {value: {}}
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, options),) = value.items()
        options = {} if options is None else options
        if kind in ("none", "zip") and options == {}:
            return {kind: {}}
        if kind == "tar" and isinstance(options, Mapping) and set(options) <= {"compressionLevel"}:
            level = options.get("compressionLevel", 0)
            if isinstance(level, int) and not isinstance(level, bool) and -1 <= level <= 9:
                return {"tar": dict(options)}
    raise fail(
        "C138",
        f"archive must be 'none' (store as is), 'tar' (tar + gzip, the default), 'zip', or "
        f"{{'tar': {{'compressionLevel': 0..9}}}}, not {value!r}",
    )


def _bool(value: Any, what: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise fail("C138", f"Artifact {what} must be True or False, not {value!r}")


def _text(value: Any, what: str) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise fail("C138", f"Artifact {what} must be non-empty text, not {value!r}")


def _metadata(value: Any) -> dict[str, Any]:
    """``podMetadata``: a ``{"labels", "annotations"}`` mapping or an object with
    ``to_argo()`` (such as ``PodMetadata``)."""
    if hasattr(value, "to_argo"):
        return dict(value.to_argo())
    return {k: dict(v) for k, v in value.items()}


@checked_init
@dataclass(frozen=True)
class ArtifactGC:
    """When Argo deletes output artifacts from the repository (``artifactGC``).

    On a workflow (``Workflow(artifact_gc=...)``, ``spec.artifactGC``) it applies to every
    output artifact; on one artifact (``Artifact(..., artifact_gc=...)``) it overrides that.
    Deleting needs a service account allowed to delete in the repository.

    Attributes:
        strategy: ``OnWorkflowCompletion``, ``OnWorkflowDeletion`` or ``Never``.
        service_account: Service account of the GC pod (``serviceAccountName``).
        pod_metadata: Labels and annotations of the GC pod (``podMetadata``): a dict
            ``{"labels": {...}, "annotations": {...}}`` or a ``PodMetadata``.
        force_finalizer_removal: Workflow only: remove the finalizer even when GC fails, so
            the workflow can be deleted (``forceFinalizerRemoval``).
        pod_spec_patch: Workflow only: a patch of the GC pod's spec (``podSpecPatch``, a YAML
            or JSON text, or a dict written as JSON).

    Raises:
        CompileError: C138, an unknown strategy or a value of the wrong type.
    """

    strategy: GCStrategy
    _: KW_ONLY
    service_account: str | None = None
    pod_metadata: Any = None
    force_finalizer_removal: bool | None = None
    pod_spec_patch: str | Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        choices = GCStrategy.__args__  # type: ignore[attr-defined]
        if self.strategy not in choices:
            raise fail(
                "C138",
                f"ArtifactGC strategy {self.strategy!r} is not one of {', '.join(choices)}."
                f"{did_you_mean(str(self.strategy), choices)}",
            )
        _text(self.service_account, "GC service_account")
        _bool(self.force_finalizer_removal, "GC force_finalizer_removal")
        meta = self.pod_metadata
        if meta is not None and not (hasattr(meta, "to_argo") or isinstance(meta, Mapping)):
            raise fail(
                "C138",
                "ArtifactGC pod_metadata must be a dict {'labels': ..., 'annotations': ...} or a "
                f"PodMetadata, not {meta!r}",
            )

    @property
    def workflow_only(self) -> list[str]:
        """The fields set that only a workflow's ``artifactGC`` has."""
        return [
            name
            for name in ("force_finalizer_removal", "pod_spec_patch")
            if getattr(self, name) is not None
        ]

    def to_argo(self) -> dict[str, Any]:
        """The ``artifactGC`` dict (``WorkflowLevelArtifactGC`` when workflow-only fields
        are set)."""
        out: dict[str, Any] = {"strategy": self.strategy}
        if self.service_account:
            out["serviceAccountName"] = self.service_account
        if self.pod_metadata is not None:
            out["podMetadata"] = _metadata(self.pod_metadata)
        if self.force_finalizer_removal is not None:
            out["forceFinalizerRemoval"] = self.force_finalizer_removal
        if self.pod_spec_patch is not None:
            patch = self.pod_spec_patch
            if not isinstance(patch, str):
                import json

                patch = json.dumps(patch)
            out["podSpecPatch"] = patch
        return out


@checked_init
@dataclass(frozen=True)
class ArtifactRepositoryRef:
    """Which configured artifact repository a workflow uses (``spec.artifactRepositoryRef``).

    Attributes:
        config_map: The ConfigMap holding repositories (``configMap``); Argo's default is
            ``artifact-repositories``.
        key: The key of the repository in it (``key``); Argo's default is the ConfigMap's
            ``workflows.argoproj.io/default-artifact-repository`` annotation.

    Raises:
        CompileError: C138, a value that is not non-empty text.
    """

    config_map: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        for what in ("config_map", "key"):
            value = getattr(self, what)
            if value is not None and (not isinstance(value, str) or not value):
                raise fail(
                    "C138", f"ArtifactRepositoryRef {what} must be non-empty text, not {value!r}"
                )

    def to_argo(self) -> dict[str, Any]:
        """The ``artifactRepositoryRef`` dict."""
        out: dict[str, Any] = {}
        if self.config_map:
            out["configMap"] = self.config_map
        if self.key:
            out["key"] = self.key
        return out


@checked_init
@dataclass(frozen=True)
class ArchiveLocation:
    """Where a template's outputs and logs are stored (a template's ``archiveLocation``).

    Pass it as ``archive_location=`` of a template decorator (a bare location such as
    ``S3("logs/")`` works too).

    Attributes:
        location: The repository location for the template's artifacts (default: the
            workflow's artifact repository).
        archive_logs: Keep the containers' logs as the ``main-logs`` artifact
            (``archiveLogs``).

    Raises:
        CompileError: C138, a location that is not an :class:`ArtifactLocation`, or nothing set.
    """

    location: ArtifactLocation | None = None
    _: KW_ONLY
    archive_logs: bool | None = None

    def __post_init__(self) -> None:
        if self.location is not None and not isinstance(self.location, ArtifactLocation):
            raise fail(
                "C138",
                f"ArchiveLocation location must be a location such as S3(...), not "
                f"{self.location!r}",
            )
        _bool(self.archive_logs, "archive_logs")
        if self.location is None and self.archive_logs is None:
            raise fail("C138", "ArchiveLocation needs location=... or archive_logs=...")

    def to_argo(self) -> dict[str, Any]:
        """The ``archiveLocation`` dict (``ArtifactLocation``)."""
        out: dict[str, Any] = {}
        if self.archive_logs is not None:
            out["archiveLogs"] = self.archive_logs
        if self.location is not None:
            out.update(self.location.to_argo())
        return out


def archive_location_problem(value: Any) -> str | None:
    """Say why a template's ``archive_location=`` is not usable, or return ``None``."""
    if value is None or isinstance(value, ArchiveLocation | ArtifactLocation):
        return None
    return (
        f"archive_location must be a location such as S3(...) or ArchiveLocation(...), "
        f"not {value!r}"
    )


def archive_location_argo(value: ArchiveLocation | ArtifactLocation) -> dict[str, Any]:
    """The ``archiveLocation`` dict of a template's ``archive_location=``."""
    return value.to_argo()


@checked_init
@dataclass(frozen=True)
class Artifact:
    """An artifact: a file or directory given to or produced by a template.

    Use it as an annotation (``data: Artifact``, ``Annotated[Artifact, Artifact(path=...)]``)
    for inputs, in ``outputs=[...]`` for outputs, or as a task argument carrying a location
    and options (``Artifact(location=S3(...), mode=0o755)``).

    Attributes:
        name: Artifact name (``name``, ``[-a-zA-Z0-9_]+``); inputs default to the parameter's
            name, outputs need one.
        path: Where it is inside the container (``path``); inputs default to
            ``/tmp/tiphys/inputs/<name>``; outputs of container and script templates need one.
        location: Where it is stored (an :class:`ArtifactLocation` such as ``S3(...)`` or
            ``RawArtifact(...)``, written as its ``s3``/``raw``/... field); without one, the
            workflow's artifact repository is used.
        archive: How an output is packed: ``"none"`` (as is), ``"tar"`` (tar + gzip, Argo's
            default), ``"zip"``, or ``{"tar": {"compressionLevel": 0..9}}`` (``archive``).
        optional: An input may be missing, an output may not be produced (``optional``).
        mode: File mode bits of an input, e.g. ``0o755`` (``mode``, 0 to 0o777).
        sub_path: A path inside the source artifact to use instead (``subPath``).
        global_name: Also publish an output as ``workflow.outputs.artifacts.<global_name>``
            (``globalName``).
        recurse_mode: Apply ``mode`` to a directory's contents too (``recurseMode``).
        artifact_gc: When this output is deleted (:class:`ArtifactGC`, ``artifactGC``).
        from_expression: An expr choosing the artifact of a ``@dag``/``@steps`` output or an
            argument (``fromExpression``).
        from_: Argo text naming the artifact of a ``@dag``/``@steps`` output or an argument,
            e.g. ``"{{steps.generate.outputs.artifacts.out}}"`` (``from``); for artifacts
            written as text (converted YAML), where a task's ``outputs.artifacts.<name>``
            reference is the typed form.
        archive_logs: Archive the logs with this artifact (``archiveLogs``).
        deleted: Mark the artifact as deleted (``deleted``; set by Argo's GC).

    Raises:
        CompileError: C109 for a name Argo refuses; C138 for an invalid archive, mode,
            location or flag, or more than one of ``location``, ``from_expression`` and
            ``from_``.
    """

    name: str | None = None
    _: KW_ONLY
    path: str | None = None
    location: ArtifactLocation | Mapping[str, Any] | None = None
    archive: ArchiveArg | None = None
    optional: bool = False
    mode: int | None = None
    sub_path: str | None = None
    global_name: str | None = None
    recurse_mode: bool | None = None
    artifact_gc: ArtifactGC | None = None
    from_expression: str | None = None
    archive_logs: bool | None = None
    deleted: bool | None = None
    from_: str | None = None
    defined_at: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        for what in ("name", "global_name"):
            value = getattr(self, what)
            if value is None:
                continue
            problem = parameter_name_problem(value) if isinstance(value, str) else None
            if not isinstance(value, str) or problem:
                shown = problem or f"{value!r} is not text"
                raise fail("C109", f"artifact {what.replace('_', ' ')} {shown}", self.defined_at)
        for what in ("path", "sub_path", "from_expression", "from_"):
            _text(getattr(self, what), what)
        for what in ("optional", "recurse_mode", "archive_logs", "deleted"):
            _bool(getattr(self, what), what)
        if self.archive is not None:
            _archive(self.archive)
        mode = self.mode
        if mode is not None and (
            not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o777
        ):
            raise fail(
                "C138",
                f"Artifact mode must be file mode bits from 0 to 0o777 (e.g. 0o755), not {mode!r}",
            )
        self._check_location()
        gc = self.artifact_gc
        if gc is not None and not isinstance(gc, ArtifactGC):
            raise fail("C138", f"Artifact artifact_gc must be an ArtifactGC(...), not {gc!r}")
        if gc is not None and gc.workflow_only:
            raise fail(
                "C138",
                f"ArtifactGC {' and '.join(gc.workflow_only)} can only be set on a workflow's "
                "artifact_gc, not on one artifact",
            )

    def _check_location(self) -> None:
        location = self.location
        if location is None or isinstance(location, ArtifactLocation):
            pass
        elif isinstance(location, Mapping):
            keys = [k for k in location if k in LOCATION_KEYS]
            if len(keys) != 1 or len(location) != 1:
                raise fail(
                    "C138",
                    f"a raw Artifact location is a dict with exactly one of "
                    f"{', '.join(LOCATION_KEYS)}, not {dict(location)!r}",
                )
        else:
            raise fail(
                "C138",
                f"Artifact location must be a location such as S3(...), Git(...) or "
                f"RawArtifact(...), not {location!r}",
            )
        given = [
            what
            for what, value in (
                ("location=", location),
                ("from_expression=", self.from_expression),
                ("from_=", self.from_),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise fail(
                "C138",
                f"Artifact takes one of location=, from_expression= and from_=, not "
                f"{' and '.join(given)}: from_expression and from_ choose another artifact, "
                "which has its own location",
            )

    @property
    def has_source(self) -> bool:
        """True when the artifact says where it comes from (a location, ``from_expression`` or
        ``from_``)."""
        return any(v is not None for v in (self.location, self.from_expression, self.from_))

    def to_argo(self, render: Render | None = None, from_: str | None = None) -> dict[str, Any]:
        """The Argo ``Artifact`` dict.

        Args:
            render: Writes text values of the location (inside traced bodies).
            from_: The ``from`` the compiler sets (a ``{{...}}`` reference), written after
                ``path``; default: the artifact's own ``from_``.

        Returns:
            ``name``, ``path``, ``from``, ``fromExpression``, ``mode``, ``recurseMode``,
            ``subPath``, ``optional``, ``globalName``, the location, ``archive``,
            ``archiveLogs``, ``artifactGC``, ``deleted`` -- those that are set.
        """
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        if self.path is not None:
            out["path"] = self.path
        from_ = from_ if from_ is not None else self.from_
        if from_ is not None:
            out["from"] = from_
        simple = (
            ("from_expression", "fromExpression"),
            ("mode", "mode"),
            ("recurse_mode", "recurseMode"),
            ("sub_path", "subPath"),
        )
        for attr, key in simple:
            if getattr(self, attr) is not None:
                out[key] = getattr(self, attr)
        if self.optional:
            out["optional"] = True
        if self.global_name is not None:
            out["globalName"] = self.global_name
        if isinstance(self.location, ArtifactLocation):
            out.update(self.location.to_argo(render))
        elif self.location is not None:
            out.update({k: dict(v) for k, v in self.location.items()})
        if self.archive is not None:
            out["archive"] = _archive(self.archive)
        if self.archive_logs is not None:
            out["archiveLogs"] = self.archive_logs
        if self.artifact_gc is not None:
            out["artifactGC"] = self.artifact_gc.to_argo()
        if self.deleted is not None:
            out["deleted"] = self.deleted
        return out


# -- inputs from the signature --------------------------------------------------------------------


@dataclass(frozen=True)
class ArtifactInput:
    """One input artifact of a template, read from the signature.

    Attributes:
        py_name: The Python parameter name.
        artifact: The declaration, with its name (and, for leaf templates, its path) filled in.
        as_path: The parameter is annotated ``Path``: a Python script gets a ``pathlib.Path``.
    """

    py_name: str
    artifact: Artifact
    as_path: bool = False

    @property
    def name(self) -> str:
        """The Argo artifact name."""
        return str(self.artifact.name)

    @property
    def required(self) -> bool:
        """True when a caller must pass it: not optional and no location of its own."""
        return not self.artifact.optional and self.artifact.location is None


def artifact_declaration(annotation: Any) -> tuple[Artifact, bool] | None:
    """The artifact a parameter annotation declares, or ``None`` for a parameter.

    Args:
        annotation: A resolved annotation (``Annotated`` extras kept).

    Returns:
        ``(declaration, as_path)``: ``Artifact`` gives ``Artifact()``, ``Artifact | None`` an
        optional one; ``Annotated[X, Artifact(...)]`` gives that declaration, ``as_path`` when
        ``X`` is a ``Path``.
    """
    if annotation is Artifact:
        return Artifact(), False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and set(
        typing.get_args(annotation)
    ) == {Artifact, type(None)}:
        return Artifact(optional=True), False
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    base, *extras = typing.get_args(annotation)
    declared = next((e for e in extras if isinstance(e, Artifact)), None)
    if declared is None:
        return (Artifact(), False) if base is Artifact else None
    import pathlib

    is_path = isinstance(base, type) and issubclass(base, pathlib.PurePath)
    return declared, is_path


def is_artifact_annotation(annotation: Any) -> bool:
    """True when a parameter annotation declares an input artifact (see
    :func:`artifact_declaration`)."""
    return artifact_declaration(annotation) is not None


def artifact_inputs_of(
    fn: Callable[..., Any], template: str, *, leaf: bool, parameters: list[str]
) -> list[ArtifactInput]:
    """Read the input artifacts of a function's signature.

    Args:
        fn: The decorated function.
        template: The template's name (for messages).
        leaf: The template runs a pod (not ``@dag``/``@steps``): inputs get a default path.
        parameters: Argo names of the template's input parameters (names must not collide).

    Returns:
        One :class:`ArtifactInput` per artifact parameter, in signature order.

    Raises:
        CompileError: C139, a declaration that does not fit an input; C104, an artifact named
            like an input parameter; C114, an artifact annotated with a type other than
            ``Artifact``, ``str`` or ``Path``.
    """
    from tiphys.dsl.params import type_hints

    where = definition_location(fn)
    hints = type_hints(fn, template)
    found: list[ArtifactInput] = []
    for p in inspect.signature(fn).parameters.values():
        declared = artifact_declaration(hints.get(p.name))
        if declared is None:
            continue
        artifact, as_path = declared
        hint = hints[p.name]
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else Artifact
        if base not in (Artifact, str) and not as_path:
            raise fail(
                "C114",
                f"template {template!r}: artifact input {p.name!r} is annotated {base!r}; use "
                "Annotated[Artifact | str | Path, Artifact(...)]",
                where,
            )
        artifact = _with_default(artifact, p, template, where)
        name = artifact.name or p.name
        if artifact.from_expression is not None:
            raise fail(
                "C139",
                f"template {template!r}: input artifact {name!r} has from_expression, which is "
                "for outputs and arguments; give the input a location= or let callers pass it",
                where,
            )
        if not leaf and artifact.path is not None:
            raise fail(
                "C139",
                f"template {template!r}: input artifact {name!r} of a @dag/@steps has a path, "
                "but only container and script templates place files; drop path=",
                where,
            )
        if name in parameters:
            raise fail(
                "C104",
                f"template {template!r}: input artifact {name!r} is named like an input "
                "parameter; arguments are passed by name, so rename one",
                where,
            )
        path = artifact.path or (f"{INPUT_DIR}/{name}" if leaf else None)
        found.append(ArtifactInput(p.name, replace(artifact, name=name, path=path), as_path))
    return found


def _with_default(
    artifact: Artifact, p: inspect.Parameter, template: str, where: Location
) -> Artifact:
    """Fold a parameter's Python default into the declaration: ``None`` makes it optional."""
    if p.default is p.empty:
        return artifact
    if p.default is None:
        return replace(artifact, optional=True)
    hint = (
        f"; give its source as Annotated[Artifact, Artifact(location={p.default!r})]"
        if isinstance(p.default, ArtifactLocation)
        else ""
    )
    raise fail(
        "C139",
        f"template {template!r}: artifact input {p.name!r} can only default to None (an "
        f"optional input), not {p.default!r}{hint}",
        where,
    )


def input_order(template: Template[Any, Any]) -> list[str]:
    """Python names of a template's inputs (parameters and artifacts) in signature order."""
    known = [s.py_name for s in template.inputs] + [a.py_name for a in template.artifact_inputs]
    try:
        order = list(inspect.signature(template.fn).parameters)
    except (TypeError, ValueError):
        return known
    return [n for n in order if n in known] + [n for n in known if n not in order]


# -- references -----------------------------------------------------------------------------------


class InputArtifactRef(Ref):
    """An input artifact of the template being traced.

    In a container or shell script body it is the artifact's path
    (``{{inputs.artifacts.<name>.path}}``); in a ``@dag``/``@steps`` body it can only be passed
    on to an artifact input (``from: "{{inputs.artifacts.<name>}}"``).

    Attributes:
        name: The Argo artifact name.
        py_name: The Python parameter name.
        sub: A path inside the artifact chosen with :meth:`sub_path`.
    """

    __slots__ = ("_spec", "name", "py_name", "sub")

    def __init__(self, spec: ArtifactInput, template: str, sub: str | None = None) -> None:
        super().__init__(str, f"artifact {spec.name!r} of template {template!r}")
        self.name = spec.name
        self.py_name = spec.py_name
        self.sub = sub
        self._spec = (spec, template)

    def sub_path(self, path: str) -> InputArtifactRef:
        """This artifact with ``subPath`` set, for passing a file or directory inside it.

        Args:
            path: A relative path inside the artifact.

        Returns:
            A new reference.
        """
        _text(path, "sub_path")
        return InputArtifactRef(*self._spec, sub=path)

    def from_path(self) -> str:
        """The variable a ``from`` names: ``inputs.artifacts.<name>``."""
        return f"inputs.artifacts.{self.name}"


class TaskArtifactRef(TaskRef):
    """An output artifact of a task: ``task.outputs.artifacts.<name>``.

    Pass it to an artifact input of another task (``from``, with the dependency), or return it
    from a ``@dag``/``@steps`` body.

    Attributes:
        sub: A path inside the artifact chosen with :meth:`sub_path`.
    """

    __slots__ = ("sub",)

    def __init__(self, source: Task[Any], name: str, sub: str | None = None) -> None:
        super().__init__(source, "artifact", name, None)
        self._what = f"output artifact {name!r}"
        self.sub = sub

    def sub_path(self, path: str) -> TaskArtifactRef:
        """This artifact with ``subPath`` set, for passing a file or directory inside it.

        Args:
            path: A relative path inside the artifact (``"hello_world.txt"``).

        Returns:
            A new reference (the dependency is the same).
        """
        _text(path, "sub_path")
        return TaskArtifactRef(self.source, self.name, sub=path)

    def from_path(self) -> str:
        """The variable a ``from`` names: ``tasks.<task>.outputs.artifacts.<name>``."""
        kind = "tasks" if self.source.context == "dag" else "steps"
        return f"{kind}.{self.source.name}.outputs.artifacts.{self.name}"


ArtifactRef = InputArtifactRef | TaskArtifactRef


def input_artifact_refs(template: Template[Any, Any]) -> dict[str, InputArtifactRef]:
    """Symbolic values of a template's input artifacts, by Python name (for a traced body)."""
    return {a.py_name: InputArtifactRef(a, template.name) for a in template.artifact_inputs}


class OutputArtifacts:
    """Attribute access to a task's output artifacts: ``task.outputs.artifacts.report``."""

    def __init__(self, task: Task[Any]) -> None:
        self._task = task

    def __getattr__(self, name: str) -> TaskArtifactRef:
        if name.startswith("_"):
            raise AttributeError(name)
        task = self._task
        declared = task.template.output_artifacts
        if name not in declared and name.replace("_", "-") in declared:
            name = name.replace("_", "-")
        if name not in declared:
            known = ", ".join(declared) or "none"
            hint = did_you_mean(name, [n.replace("-", "_") for n in declared])
            raise fail(
                "C107",
                f"template {task.template.name!r} has no output artifact {name!r} (output "
                f"artifacts: {known}).{hint}",
            )
        if task.loop is not None:
            raise fail(
                "C141",
                f"task {task.name!r} loops (.map()), and Argo aggregates the output parameters "
                f"of a loop's iterations, not their artifacts, so output artifact {name!r} of "
                "the loop does not exist. Give each iteration its own location (a key built "
                "from the item) and pass those on, or loop inside one task",
            )
        return TaskArtifactRef(task, name)

    def __getitem__(self, name: str) -> TaskArtifactRef:
        """``task.outputs.artifacts["test-report"]``: an output artifact by its Argo name."""
        if not isinstance(name, str) or name.startswith("_"):
            raise fail("C107", f"output artifacts are read by name (a string), not {name!r}")
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._task.template.output_artifacts)

    def __format__(self, spec: str) -> str:
        raise fail(
            "C140",
            f"outputs.artifacts of task {self._task.name!r} is not a value: use "
            ".outputs.artifacts.<name> and pass it to an artifact input",
        )

    def __str__(self) -> str:
        return self.__format__("")


# -- arguments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArtifactArgument:
    """A value given to an artifact input of a task (one ``arguments.artifacts[]`` entry).

    Attributes:
        value: A reference to an artifact, a location, an :class:`Artifact` with a source, a
            raw ``{{...}}`` text (a ``from``), or a raw dict of ``Artifact`` fields.
    """

    value: Any


def is_artifact_value(value: Any) -> bool:
    """True for values that are artifacts (refs to artifacts, locations, declarations)."""
    return isinstance(value, InputArtifactRef | TaskArtifactRef | ArtifactLocation | Artifact)


def artifact_argument(value: Any, key: str, template: str) -> ArtifactArgument:
    """Check a value given to an artifact input and wrap it.

    Args:
        value: What the call passed.
        key: The Python name of the input (for messages).
        template: The template's name (for messages).

    Returns:
        The wrapped value.

    Raises:
        CompileError: C140, the value is not an artifact (a parameter value, plain text, a
            text built from references, an :class:`Artifact` with no source...).
    """
    head = f"argument {key!r} of template {template!r} is an input artifact, but"
    if isinstance(value, InputArtifactRef | TaskArtifactRef | ArtifactLocation):
        return ArtifactArgument(value)
    if isinstance(value, Artifact):
        if not value.has_source:
            raise fail(
                "C140",
                f"{head} the Artifact given has none of location=, from_expression= and from_=",
            )
        return ArtifactArgument(value)
    if isinstance(value, Mapping):
        if any(k in value for k in (*LOCATION_KEYS, "from", "fromExpression")):
            return ArtifactArgument(value)
        raise fail(
            "C140",
            f"{head} the dict given has no location ({', '.join(LOCATION_KEYS)}), 'from' or "
            "'fromExpression'",
        )
    if isinstance(value, Ref):
        raise fail(
            "C140",
            f"{head} it gets {value.description}, a parameter value; pass an artifact "
            "(t.outputs.artifacts.<name>), or wrap text in RawArtifact(...) to give it as a file",
        )
    if isinstance(value, str) and MARK_START not in value and "{{" in value:
        return ArtifactArgument(value)
    marked = isinstance(value, str) and MARK_START in value
    what = "text built from references" if marked else repr(value)
    raise fail(
        "C140",
        f"{head} it gets {what}; pass an artifact (t.outputs.artifacts.<name>), a location "
        "(S3(...), RawArtifact('text')...), or a raw '{{tasks.<task>.outputs.artifacts.<name>}}'",
    )


def parameter_problem(value: Any) -> str | None:
    """Say why a value cannot go to an input parameter because it is an artifact."""
    if not is_artifact_value(value):
        return None
    what = value.description if isinstance(value, Ref) else f"the artifact {value!r}"
    return (
        f"is an input parameter, but gets {what}; declare the input as an artifact "
        "(name: Artifact) to receive a file"
    )


_LOCATIONS = frozenset(
    [
        "GCS",
        "HDFS",
        "OSS",
        "S3",
        "Artifactory",
        "Azure",
        "BasicAuth",
        "ClientCertAuth",
        "Git",
        "HTTPArtifact",
        "OAuth2Auth",
        "PluginArtifact",
        "RawArtifact",
    ]
)


def __getattr__(name: str) -> Any:
    """The concrete locations, still importable from here: loaded from
    :mod:`tiphys.dsl.locations` on first use."""
    if name in _LOCATIONS:
        from tiphys.dsl import locations

        return getattr(locations, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GCS",
    "HDFS",
    "INPUT_DIR",
    "OSS",
    "S3",
    "ArchiveLocation",
    "Artifact",
    "ArtifactArgument",
    "ArtifactGC",
    "ArtifactInput",
    "ArtifactLocation",
    "ArtifactRef",
    "ArtifactRepositoryRef",
    "Artifactory",
    "Azure",
    "BasicAuth",
    "ClientCertAuth",
    "Git",
    "HTTPArtifact",
    "InputArtifactRef",
    "OAuth2Auth",
    "OutputArtifacts",
    "PluginArtifact",
    "RawArtifact",
    "TaskArtifactRef",
    "archive_location_argo",
    "archive_location_problem",
    "artifact_argument",
    "artifact_declaration",
    "artifact_inputs_of",
    "input_artifact_refs",
    "input_order",
    "is_artifact_annotation",
    "is_artifact_value",
    "parameter_problem",
]
