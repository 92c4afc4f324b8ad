"""``@container``: a template whose function body returns the container's arguments."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, Unpack

from tiphys.argo.names import parameter_name_problem
from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import call_traced, definition_location, fail
from tiphys.dsl.artifacts import Artifact, input_artifact_refs
from tiphys.dsl.pod import ContainerOptionsKw, pod_options
from tiphys.dsl.refs import InputRef, Ref, Trace, tracing
from tiphys.dsl.template import Output, Template, check_output_sources
from tiphys.errors import Location

P = ParamSpec("P")

OutputsArg = Mapping[str, str] | Sequence[Output | Artifact] | None


def outputs_from(outputs: OutputsArg, template: str, where: Location) -> dict[str, Output]:
    """Normalise an ``outputs=`` declaration (its output parameters).

    Args:
        outputs: ``{"name": "/path/in/container"}`` or a list of :class:`Output` (and
            :class:`~tiphys.dsl.artifacts.Artifact`, read by :func:`artifact_outputs_from`).
        template: Template name, for messages.
        where: The decorated function's location.

    Returns:
        Output parameters by name.

    Raises:
        CompileError: An output name breaks Argo's parameter name rule (``C109``), or an
            output is not read from a file (``path``, ``C122``).
    """
    if outputs is None:
        return {}
    if isinstance(outputs, Mapping):
        found = {name: Output(name, path=path) for name, path in outputs.items()}
    else:
        found = {o.name: o for o in outputs if isinstance(o, Output)}
    for name in found:
        problem = parameter_name_problem(name)
        if problem:
            raise fail("C109", f"template {template!r}: output name {problem}", where)
    how = "Argo reads a container's outputs from files it writes: give path='/tmp/<name>'"
    check_output_sources(found, ("path",), f"template {template!r}", how)
    return found


def artifact_outputs_from(
    outputs: OutputsArg, template: str, where: Location, *, leaf: bool = True
) -> dict[str, Artifact]:
    """The output artifacts of an ``outputs=`` declaration.

    Args:
        outputs: The declaration; its :class:`~tiphys.dsl.artifacts.Artifact` items count.
        template: Template name, for messages.
        where: The decorated function's location.
        leaf: The template runs a pod, so each artifact needs the ``path`` it is read from.

    Returns:
        Output artifacts by name.

    Raises:
        CompileError: C139, an artifact without a name or (``leaf``) without a path; C104, two
            artifacts of one name; C138, an item that is neither an Output nor an Artifact.
    """
    if outputs is None or isinstance(outputs, Mapping):
        return {}
    found: dict[str, Artifact] = {}
    for item in outputs:
        if isinstance(item, Output):
            continue
        if not isinstance(item, Artifact):
            raise fail(
                "C138",
                f"template {template!r}: outputs= lists Output(...) parameters and Artifact(...) "
                f"artifacts, not {item!r}",
                where,
            )
        if item.name is None:
            raise fail(
                "C139",
                f"template {template!r}: an output artifact needs a name: Artifact('name', ...)",
                where,
            )
        if leaf and item.path is None:
            raise fail(
                "C139",
                f"template {template!r}: output artifact {item.name!r} needs path=... (the file "
                "or directory the container writes)",
                where,
            )
        if item.name in found:
            raise fail(
                "C104",
                f"template {template!r}: two output artifacts are named {item.name!r}",
                where,
            )
        found[item.name] = item
    return found


@dataclass(frozen=True, eq=False, repr=False)
class SymbolicRun:
    """What a body returned when run with symbolic parameters, and the refs it created."""

    value: Any
    scope: Trace


def run_symbolic(template: Template[Any, Any]) -> SymbolicRun:
    """Run a template's function once with references in place of its parameters.

    Formatting and concatenation of parameters produce markers; anything else raises a
    located compile error (see :class:`tiphys.dsl.refs.Ref`).

    Args:
        template: A ``@container`` or shell ``@script`` template.

    Returns:
        The returned value and the refs created.
    """
    with tracing() as trace:
        refs: dict[str, Ref] = {
            s.py_name: InputRef(s.name, s.type, template.name) for s in template.inputs
        }
        refs.update(input_artifact_refs(template))
        value = call_traced(template.fn, refs, f"template {template.name!r}")
    return SymbolicRun(value, trace)


class ContainerTemplate(Template[P, str]):
    """A ``container`` template; see :func:`container`.

    Attributes:
        image: Container image.
        command: Entry point (``command``), or ``None`` for the image's.
        working_dir: ``workingDir``.
        image_pull_policy: ``imagePullPolicy``.
        settings: Pod and container settings (daemon, probes, ports, pre-stop hook...).
    """

    kind = "container"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        image: str,
        command: Sequence[str] | None,
        working_dir: str | None,
        image_pull_policy: str | None,
        outputs: OutputsArg,
        name: str | None,
        options: ContainerOptionsKw,
    ) -> None:
        common, self.settings = pod_options(options, definition_location(fn))
        super().__init__(fn, name=name, options=common)
        self.image = image
        self.command = list(command) if command is not None else None
        self.working_dir = working_dir
        self.image_pull_policy = image_pull_policy
        self._outputs = outputs_from(outputs, self.name, self.location)
        self._artifacts = artifact_outputs_from(outputs, self.name, self.location)

    @property
    def outputs(self) -> dict[str, Output]:
        """Declared output parameters (``outputs=``)."""
        return self._outputs

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Declared output artifacts (``outputs=``)."""
        return self._artifacts

    @property
    def result_type(self) -> Any:
        """A container's result is its standard output, a string."""
        return str

    @property
    def daemon(self) -> bool:
        """True when declared with ``daemon=True``."""
        return self.settings.daemon

    def args(self) -> SymbolicRun:
        """Run the body symbolically; its value is the argument list (``args``).

        Raises:
            CompileError: The body returned something other than a list of strings or None.
        """
        run = run_symbolic(self)
        value = run.value
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if not isinstance(item, str | Ref):
                    raise fail(
                        "C111",
                        f"@container {self.name!r} must return its arguments as a list of "
                        f"strings: item {index} is {item!r} ({type(item).__name__}), "
                        + (
                            f"write it as a string ({str(item)!r})"
                            if isinstance(item, int | float) and not isinstance(item, bool)
                            else "give a string or a parameter instead"
                        ),
                        self.location,
                    )
        if value is not None and not isinstance(value, list | tuple):
            raise fail(
                "C111",
                f"@container {self.name!r} must return its arguments as a list of strings "
                f"(or None to use the image's), not {value!r}",
                self.location,
            )
        return run


@checked_decorator
def container(
    *,
    image: str,
    command: Sequence[str] | None = None,
    working_dir: str | None = None,
    image_pull_policy: str | None = None,
    outputs: OutputsArg = None,
    name: str | None = None,
    **options: Unpack[ContainerOptionsKw],
) -> Callable[[Callable[P, Any]], ContainerTemplate[P]]:
    """Make a ``container`` template from a function that returns the container's arguments.

    The body runs once at compile time with symbolic parameters: f-strings and ``+`` build
    Argo text (``{{inputs.parameters.tag}}``); anything else (``.split()``, ``int(x)``,
    ``if flag:``) is a compile error at that line. No shell is involved.

    Args:
        image: Container image (``container.image``).
        command: Entry point (``container.command``); the image's when ``None``.
        working_dir: ``container.workingDir``.
        image_pull_policy: ``Always``, ``IfNotPresent`` or ``Never``.
        outputs: Output parameters: ``{"digest": "/tmp/digest"}`` (name -> file written by
            the container, ``valueFrom.path``) or a list of :class:`Output`, and output
            artifacts: :class:`~tiphys.dsl.artifacts.Artifact` items of that list
            (``Artifact("report", path="/tmp/report", archive="none")``). A name with dashes
            (``job-name``) is read as ``task.outputs.job_name`` or
            ``task.outputs["job-name"]``.
        name: Template name; default: the function name in kebab case.
        **options: Common template options (:class:`~tiphys.dsl.options.TemplateOptionsKw`,
            e.g. ``inline=True``) and container settings
            (:class:`~tiphys.dsl.pod.ContainerOptionsKw`: ``daemon``, ``readiness``,
            ``liveness``, ``pre_stop``, ``termination_grace_period``, ``ports``,
            ``container_security_context``).

    Returns:
        A decorator producing a :class:`ContainerTemplate`; calling it in a ``@dag`` returns a
        ``Task[str]`` (``result`` is standard output; ``ip`` the pod IP of a daemon).

    Raises:
        CompileError: Bad names or option values, located at the function; ``C134`` for a
            pre-stop sleep not shorter than the termination grace period.
    """

    def decorate(fn: Callable[P, Any]) -> ContainerTemplate[P]:
        return ContainerTemplate(
            fn,
            image=image,
            command=command,
            working_dir=working_dir,
            image_pull_policy=image_pull_policy,
            outputs=outputs,
            name=name,
            options=options,
        )

    return decorate
