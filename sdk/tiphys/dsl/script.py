"""``@script``: a Python function that runs as an Argo ``script`` template (or a shell script).

For Python, the function's source *is* the script: it is regenerated from the function's AST
(see :mod:`tiphys.compile.script_source`). Parameters arrive as environment variables
``TIPHYS_IN_<name>``; the returned value is written to standard output after the body ran with
its standard output sent to standard error, so ``task.result`` is exactly the returned value.
For ``language="sh"``/``"bash"`` the body returns the script text, built symbolically like a
``@container`` body; parameters there expand from the same environment variables, quoted
for where they stand in the script (see :mod:`tiphys.compile.shell`).
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal, ParamSpec, TypeVar, Unpack, overload

from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import definition_location, fail
from tiphys.dsl.artifacts import Artifact
from tiphys.dsl.container import OutputsArg, artifact_outputs_from, outputs_from, run_symbolic
from tiphys.dsl.params import Input, base_type, type_hints
from tiphys.dsl.pod import ContainerOptionsKw, pod_options
from tiphys.dsl.raw_script import RawScriptTemplate, raw_script
from tiphys.dsl.template import Output, Template

P = ParamSpec("P")
R = TypeVar("R")

Language = Literal["python", "sh", "bash"]
OUTPUT_DIR = "/tmp/tiphys/outputs"
RESULT_PARAMETER = "return"
ENV_PREFIX = "TIPHYS_IN_"
DEFAULT_PYTHON_IMAGE = "python:3.12-slim"
# ``python3``, not ``python``: Argo's executor looks the command up on PATH, and many images
# (Debian, Ubuntu, distroless) ship only ``python3``.
_INTERPRETERS = {"python": "python3", "sh": "sh", "bash": "bash"}


def structured_fields(annotation: Any) -> dict[str, Any] | None:
    """Return the fields of a TypedDict, dataclass or NamedTuple return type, else ``None``.

    Args:
        annotation: A return annotation.

    Returns:
        Field names mapped to their annotations, in declaration order.
    """
    if isinstance(annotation, type):
        if typing.is_typeddict(annotation):
            return dict(typing.get_type_hints(annotation))
        if dataclasses.is_dataclass(annotation):
            hints = typing.get_type_hints(annotation)
            return {f.name: hints.get(f.name, str) for f in dataclasses.fields(annotation)}
        if issubclass(annotation, tuple) and hasattr(annotation, "_fields"):
            hints = typing.get_type_hints(annotation)
            return {name: hints.get(name, str) for name in annotation._fields}
    return None


class ScriptTemplate(Template[P, R]):
    """A ``script`` template; see :func:`script`.

    Attributes:
        image: Container image.
        language: ``python``, ``sh`` or ``bash``.
        command: Interpreter command (``script.command``).
        settings: Pod and container settings (daemon, probes, ports, pre-stop hook...).
    """

    kind = "script"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        image: str,
        language: Language,
        command: Sequence[str] | None,
        name: str | None,
        options: ContainerOptionsKw,
        outputs: OutputsArg = None,
    ) -> None:
        common, self.settings = pod_options(options, definition_location(fn))
        super().__init__(fn, name=name, options=common)
        if language not in ("python", "sh", "bash"):
            raise fail("C117", f"@script language must be python, sh or bash, not {language!r}")
        self.image = image
        self.language = language
        self.command = list(command) if command else [_INTERPRETERS[language]]
        self._declared = outputs_from(outputs, self.name, self.location)
        self._artifacts = artifact_outputs_from(outputs, self.name, self.location)

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Declared output artifacts (``outputs=``); the body writes them to their paths."""
        return self._artifacts

    @functools.cached_property
    def return_annotation(self) -> Any:
        """The function's return annotation (``None`` when absent or ``-> None``)."""
        if self.language != "python":
            return None
        value = type_hints(self.fn, self.name).get("return")
        return None if value is type(None) else value

    @functools.cached_property
    def outputs(self) -> dict[str, Output]:
        """Output parameters: those of the return annotation, then those of ``outputs=``.

        Raises:
            CompileError: The return annotation is not supported; an ``outputs=`` parameter
                named like one of the return annotation (C104).
        """
        returned = self._returned_outputs()
        for name in self._declared:
            if name in returned:
                raise fail(
                    "C104",
                    f"@script {self.name!r} declares output {name!r} in outputs=, but its return "
                    "annotation gives an output of that name; rename one",
                    self.location,
                )
        return returned | self._declared

    def _returned_outputs(self) -> dict[str, Output]:
        """One output parameter per field of a structured return type; ``return`` for ``str``."""
        annotation = self.return_annotation
        if annotation is None:
            return {}
        fields = structured_fields(annotation)
        if fields is not None:
            return {
                name: Output(name, path=f"{OUTPUT_DIR}/{name}", type=base_type(t) or str)
                for name, t in fields.items()
            }
        kind = base_type(annotation)
        if kind is None:
            raise fail(
                "C114",
                f"@script {self.name!r} returns {annotation!r}; use str, int, float, bool, "
                "list, dict, or a TypedDict/dataclass/NamedTuple of those",
                self.location,
            )
        if kind is str:
            path = f"{OUTPUT_DIR}/{RESULT_PARAMETER}"
            return {RESULT_PARAMETER: Output(RESULT_PARAMETER, path=path, type=str)}
        return {}

    @property
    def result_type(self) -> Any:
        """The return type for Python scripts; ``str`` (stdout) for shell scripts."""
        if self.language != "python":
            return str
        annotation = self.return_annotation
        if annotation is None:
            return str
        return dict if structured_fields(annotation) is not None else base_type(annotation)

    @property
    def daemon(self) -> bool:
        """True when declared with ``daemon=True``."""
        return self.settings.daemon

    @property
    def result_is_json(self) -> bool:
        """A Python script returning anything but ``str`` writes its value as JSON."""
        return self.language == "python" and self.result_type not in (None, str)

    @property
    def result_parameter(self) -> str | None:
        """``return`` for scripts that return a ``str`` (their loops aggregate through it)."""
        return RESULT_PARAMETER if RESULT_PARAMETER in self.outputs else None

    def call_outside(self, /, *args: Any, **kwargs: Any) -> Any:
        """Outside a traced body, a Python script runs its function directly."""
        if self.language == "python":
            return self.fn(*args, **kwargs)
        return super().call_outside(*args, **kwargs)

    def shell_source(self) -> Any:
        """Run a shell script's body symbolically; its value is the script text.

        Raises:
            CompileError: The body did not return a string.
        """
        run = run_symbolic(self)
        if not isinstance(run.value, str):
            raise fail(
                "C111",
                f"@script {self.name!r} (language={self.language}) must return the script "
                f"text as a string, not {run.value!r}",
                self.location,
            )
        return run


@overload
def script(fn: Callable[P, R], /) -> ScriptTemplate[P, R]: ...


@overload
def script(
    *,
    source: str,
    name: str,
    image: str | None = ...,
    command: Sequence[str] | None = ...,
    inputs: Sequence[Input | Artifact] = ...,
    outputs: OutputsArg = ...,
    working_dir: str | None = ...,
    image_pull_policy: str | None = ...,
    **options: Unpack[ContainerOptionsKw],
) -> RawScriptTemplate: ...


@overload
def script(
    *,
    image: str = ...,
    language: Language = ...,
    command: Sequence[str] | None = ...,
    outputs: OutputsArg = ...,
    name: str | None = ...,
    **options: Unpack[ContainerOptionsKw],
) -> Callable[[Callable[P, R]], ScriptTemplate[P, R]]: ...


@checked_decorator
def script(
    fn: Callable[P, R] | None = None,
    /,
    *,
    image: str | None = None,
    language: Language = "python",
    command: Sequence[str] | None = None,
    outputs: OutputsArg = None,
    name: str | None = None,
    source: str | None = None,
    inputs: Sequence[Input | Artifact] = (),
    working_dir: str | None = None,
    image_pull_policy: str | None = None,
    **options: Unpack[ContainerOptionsKw],
) -> ScriptTemplate[P, R] | Callable[[Callable[P, R]], ScriptTemplate[P, R]] | RawScriptTemplate:
    """Make a ``script`` template from a Python function (or a shell script).

    Python: the function's body becomes the script. It may use only its parameters, builtins
    and names it imports or defines itself (free names are a compile error naming them).
    Parameters arrive typed as declared; the returned value reaches ``task.result`` exactly
    (``str`` as is, anything else as JSON, at most 256 KiB), whatever the body prints. A
    TypedDict, dataclass or NamedTuple return gives one output parameter per field
    (``task.outputs.<field>``). Note that Argo substitutes ``{{...}}`` again in the templates
    that receive a value, so a returned text holding ``{{workflow.name}}`` arrives there with
    it replaced (and an invalid ``{{=...}}`` fails that task).

    Shell (``language="sh"`` or ``"bash"``): the body returns the script text; parameters
    formatted into it expand from environment variables, written for the quoting around them:
    ``"${TIPHYS_IN_name}"`` outside quotes, ``${TIPHYS_IN_name}`` inside double quotes, an
    unquoted here-document or ``$(( ))``. Values are never pasted into the source: a value is
    one word that the shell neither splits, globs nor runs, and a script using a parameter in
    arithmetic first checks that its value is an integer (exit code 2 if not). A parameter
    where the shell would not expand it (single quotes, ``$'...'``, a quoted here-document
    such as ``<<'EOF'``, a comment) is a compile error.

    Args:
        fn: The function, when used as a bare ``@script``.
        image: Container image; default ``python:3.12-slim`` for Python, required for shells.
        language: ``python`` (default), ``sh`` or ``bash``.
        command: Interpreter (``script.command``); default ``["python3"]``, ``["sh"]`` or
            ``["bash"]``.
        outputs: More outputs, as for ``@container``: :class:`Output` parameters whose files
            the body writes (``valueFrom.path``) and
            :class:`~tiphys.dsl.artifacts.Artifact` outputs (``Artifact("out",
            path="/tmp/out")``). A name with dashes (``job-name``) is read as
            ``task.outputs.job_name`` or ``task.outputs["job-name"]``.
        name: Template name; default: the function name in kebab case.
        source: The raw form (for converted YAML): the script text, used verbatim
            (``script.source``; Argo substitutes its ``{{...}}`` tags). Then ``script(...)``
            is not a decorator: it returns the template, ``name`` is required, ``command`` is
            emitted only when given, and the inputs are ``inputs=[Input(...)]``. See
            :func:`tiphys.dsl.raw_script.raw_script`.
        inputs: Raw form only: input parameters and artifacts (``Input``/``Artifact``).
        working_dir: Raw form only: ``script.workingDir``.
        image_pull_policy: Raw form only: ``script.imagePullPolicy``.
        **options: Common template options (:class:`~tiphys.dsl.options.TemplateOptionsKw`,
            e.g. ``inline=True``) and container settings
            (:class:`~tiphys.dsl.pod.ContainerOptionsKw`: ``daemon``, ``readiness``,
            ``liveness``, ``pre_stop``, ``termination_grace_period``, ``ports``,
            ``container_security_context``).

    Returns:
        A :class:`ScriptTemplate`, or a decorator producing one; with ``source=``, a
        :class:`~tiphys.dsl.raw_script.RawScriptTemplate`.

    Raises:
        CompileError: A shell script without ``image``, bad names or option values; when
            compiled, a shell parameter where the shell would not expand it; ``C134`` for a
            pre-stop sleep not shorter than the termination grace period.
    """

    if source is not None:
        if fn is not None or name is None:
            raise fail("C117", "script(source=...) is not a decorator and needs name=...")
        return raw_script(
            source=source,
            name=name,
            image=image,
            command=command,
            inputs=inputs,
            outputs=outputs,
            working_dir=working_dir,
            image_pull_policy=image_pull_policy,
            **options,
        )
    if inputs or working_dir or image_pull_policy:
        raise fail(
            "C117",
            "inputs=, working_dir= and image_pull_policy= belong to the raw "
            "script(source=...) form; a @script function declares inputs in its signature",
        )

    def decorate(func: Callable[P, R]) -> ScriptTemplate[P, R]:
        chosen = image
        if chosen is None:
            if language != "python":
                raise fail(
                    "C117",
                    f"@script(language={language!r}) needs image=...",
                    definition_location(func),
                )
            chosen = DEFAULT_PYTHON_IMAGE
        return ScriptTemplate(
            func,
            image=chosen,
            language=language,
            command=command,
            name=name,
            options=options,
            outputs=outputs,
        )

    if fn is not None:
        return decorate(fn)
    return decorate
