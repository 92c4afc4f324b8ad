"""Templates (decorated functions) and tasks (calls of a template inside a ``@dag``/``@steps``).

``Template[P, R]`` keeps the decorated function's signature ``P`` for type checkers; calling it
inside a traced body returns a ``Task[R]`` handle whose ``result`` is typed ``R``. The only
state shared with the trace is one private context variable, set while a body is traced.

Codes raised here besides the shared ones: ``C122`` an :class:`Output` with several value sources,
a source of the wrong type, or one its template kind does not read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, ParamSpec, TypeVar

from tiphys.argo.expr import KEYWORDS
from tiphys.argo.names import kebab, template_name_problem
from tiphys.dsl._keywords import checked_arguments, checked_init
from tiphys.dsl._location import definition_location, fail, user_location
from tiphys.dsl.artifacts import (
    Artifact,
    ArtifactInput,
    OutputArtifacts,
    artifact_argument,
    artifact_inputs_of,
    input_order,
    parameter_problem,
)
from tiphys.dsl.options import ConfigMap, Retry, TemplateOptions
from tiphys.dsl.params import InputSpec, base_type, inputs_of, literal_problem
from tiphys.dsl.refs import (
    Condition,
    Depends,
    DependsTerm,
    ItemRef,
    OutputField,
    Ref,
    TaskRef,
    current_trace,
    has_marker,
)
from tiphys.errors import CompileError, Diagnostic, Location, did_you_mean

if TYPE_CHECKING:
    from typing import Self

    from tiphys.dsl.hooks import TaskHook
    from tiphys.dsl.loops import Loop

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


# Where an output parameter's value comes from: the Python field and its ``valueFrom`` key.
OUTPUT_SOURCES: dict[str, str] = {
    "path": "path",
    "json_path": "jsonPath",
    "jq_filter": "jqFilter",
    "expression": "expression",
    "parameter": "parameter",
    "supplied": "supplied",
    "config_map": "configMapKeyRef",
    "event": "event",
}
"""``Output`` fields naming a value source, mapped to the ``valueFrom`` field each one sets."""


@checked_init
@dataclass(frozen=True)
class Output:
    """An output parameter of a template (``outputs.parameters[]``).

    At most one source field is set; each sets the ``valueFrom`` field of the same meaning.
    Which source a template kind reads is Argo's rule (``workflow/validate/validate.go``):
    ``path`` for ``@container``/``@script``, ``json_path``/``jq_filter`` for ``@resource``,
    ``parameter``/``expression`` for ``@dag``/``@steps`` (given by what the body returns),
    ``supplied`` for ``@suspend`` (which declares its outputs itself).

    Attributes:
        name: Parameter name (``[-a-zA-Z0-9_]+``).
        path: File the container writes the value to (``valueFrom.path``).
        type: Python type of the value (drives ``asInt``/``asFloat`` in conditions).
        default: Value used when the source gives none, e.g. the file is missing, the node was
            skipped, or a suspended node was resumed without a value (``valueFrom.default``).
        description: ``description``.
        global_name: Also publish as ``workflow.outputs.parameters.<global_name>``.
        json_path: JSONPath into the resource a ``@resource`` template acted on, e.g.
            ``"{.metadata.name}"`` (``valueFrom.jsonPath``).
        jq_filter: jq filter over that resource, e.g. ``"."`` (``valueFrom.jqFilter``).
        expression: expr-lang expression giving the value (``valueFrom.expression``), e.g.
            ``"tasks['flip'].outputs.result == 'heads' ? 'yes' : 'no'"``.
        parameter: Argo text of another output, e.g.
            ``"{{tasks.build.outputs.parameters.digest}}"`` (``valueFrom.parameter``).
        supplied: The value is supplied from outside while the node is suspended (Argo UI,
            ``argo node set``): ``valueFrom.supplied: {}``.
        config_map: A :class:`ConfigMap` key (``valueFrom.configMapKeyRef``).
        event: expr-lang selector over an event's payload (``valueFrom.event``).
        location: Where the output was declared (set automatically).

    Raises:
        CompileError: ``C122`` when more than one source is given, or a source has the wrong
            type, located at the line that creates the output.
    """

    name: str
    path: str | None = None
    type: Any = str
    default: str | None = None
    description: str | None = None
    global_name: str | None = None
    json_path: str | None = None
    jq_filter: str | None = None
    expression: str | None = None
    parameter: str | None = None
    supplied: bool = False
    config_map: ConfigMap | None = None
    event: str | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    def __post_init__(self) -> None:
        for attr in OUTPUT_SOURCES:
            value = getattr(self, attr)
            if attr == "supplied":
                ok = isinstance(value, bool)
                wanted = "True or False"
            elif attr == "config_map":
                ok = value is None or isinstance(value, ConfigMap)
                wanted = "a ConfigMap('name', 'key')"
            else:
                ok = value is None or (isinstance(value, str) and value != "")
                wanted = "a non-empty string"
            if not ok:
                raise fail(
                    "C122",
                    f"Output {self.name!r}: {attr} must be {wanted}, not {value!r}",
                    self.location,
                )
        given = self.sources
        if len(given) > 1:
            raise fail(
                "C122",
                f"Output {self.name!r} has {len(given)} sources ({', '.join(given)}), and an "
                f"output parameter takes its value from one: keep one of them",
                self.location,
            )

    @property
    def sources(self) -> list[str]:
        """The source fields that are set (at most one once created)."""
        return [attr for attr in OUTPUT_SOURCES if getattr(self, attr) not in (None, False)]

    @property
    def source(self) -> str | None:
        """The source field that is set (``"path"``, ``"json_path"``...), or ``None``."""
        given = self.sources
        return given[0] if given else None

    def to_argo(self, parameter: str | None = None) -> dict[str, Any]:
        """Return the ``outputs.parameters[]`` entry.

        Args:
            parameter: Rendered Argo text of the value a ``@dag``/``@steps`` body returned for
                this output (``valueFrom.parameter``); it replaces the declared source.

        Returns:
            ``{"name", "valueFrom", "globalName"?, "description"?}``.
        """
        value_from: dict[str, Any] = {}
        source = self.source
        if parameter is not None:
            value_from["parameter"] = parameter
        elif source == "supplied":
            value_from["supplied"] = {}
        elif source == "config_map" and self.config_map is not None:
            value_from.update(self.config_map.to_argo())
        elif source is not None:
            value_from[OUTPUT_SOURCES[source]] = getattr(self, source)
        if self.default is not None:
            value_from["default"] = self.default
        out: dict[str, Any] = {"name": self.name, "valueFrom": value_from}
        if self.global_name:
            out["globalName"] = self.global_name
        if self.description:
            out["description"] = self.description
        return out


def check_output_sources(
    outputs: Mapping[str, Output], reads: tuple[str, ...], what: str, how: str
) -> None:
    """Refuse outputs whose value source the template kind does not read.

    Args:
        outputs: Outputs by name.
        reads: The :class:`Output` source fields the kind reads (``("path",)``).
        what: The template, for messages (``"template 'build'"``).
        how: Where Argo reads the kind's outputs from and what to give instead.

    Raises:
        CompileError: ``C122`` at the line that created the output.
    """
    for name, out in outputs.items():
        if out.source not in reads:
            given = f"{out.source}=" if out.source else "no source"
            raise fail("C122", f"{what}: output {name!r} has {given}, but {how}", out.location)


class Builder:
    """A body being traced: collects the tasks its template calls create, and the problems
    found in their arguments (reported together when the trace ends)."""

    kind: ClassVar[str]

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def add(self, task: Task[Any]) -> None:
        """Record a new task."""
        raise NotImplementedError

    def tasks(self) -> list[Task[Any]]:
        """Every task, in creation order."""
        raise NotImplementedError


def current_builder() -> Builder | None:
    """Return the builder of the ``@dag``/``@steps`` body being traced, or ``None``."""
    trace = current_trace()
    return trace.builder if trace is not None else None


_ACCEPTS: dict[Any, tuple[Any, ...]] = {float: (int, float)}


def ref_problem(spec: InputSpec, ref: Ref) -> str | None:
    """Say why a reference's declared type does not fit an input, or return ``None``.

    A ``str`` input takes any value (it is text); otherwise the types must match, except that
    a ``float`` input takes an ``int``. Unknown types are not checked.
    """
    wanted = base_type(spec.type)
    got = base_type(ref.type) if ref.type is not None else None
    if got is None or wanted in (None, str) or got in _ACCEPTS.get(wanted, (wanted,)):
        return None
    return f"is {ref.description} ({got.__name__}), but the input is {wanted.__name__}"


class Template(Generic[P, R_co]):
    """A reusable Argo template made from a decorated function.

    Call it inside a ``@dag`` or ``@steps`` body to add a task; ``.map()`` adds a looped task.
    ``.fn`` is the undecorated function.

    Attributes:
        fn: The decorated function.
        name: The Argo template name (``run_tests`` -> ``run-tests`` unless ``name=`` given).
        options: Operational options (resources, retry, env...).
        location: Where the function was defined.
    """

    kind: ClassVar[str] = ""

    def __init__(self, fn: Callable[P, Any], *, name: str | None, options: TemplateOptions):
        self.fn = fn
        self.location = definition_location(fn)
        self.name = name or kebab(getattr(fn, "__name__", "template"))
        problem = template_name_problem(self.name)
        if problem:
            raise fail("C109", f"template name {problem}; pass name=...", self.location)
        self.options = options
        self.options.location = self.location
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        return f"<{self.kind} template {self.name!r}>"

    @functools.cached_property
    def inputs(self) -> list[InputSpec]:
        """The template's input parameters, from the function's signature."""
        return inputs_of(self.fn, self.name)

    @functools.cached_property
    def artifact_inputs(self) -> list[ArtifactInput]:
        """The template's input artifacts, from the signature (see :mod:`tiphys.dsl.artifacts`)."""
        return artifact_inputs_of(
            self.fn,
            self.name,
            leaf=self.kind not in ("dag", "steps"),
            parameters=[s.name for s in self.inputs],
        )

    @functools.cached_property
    def outputs(self) -> dict[str, Output]:
        """Output parameters by name (kind-specific; none by default)."""
        return {}

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Output artifacts by name (kind-specific; none by default)."""
        return {}

    @property
    def result_type(self) -> Any:
        """Type of ``task.result`` (``None`` when unknown)."""
        return None

    @property
    def produces_result(self) -> bool:
        """False for kinds whose nodes set no ``outputs.result`` (``@suspend``, ``@resource``)."""
        return True

    @property
    def result_is_json(self) -> bool:
        """True when ``outputs.result`` is always JSON (so a loop's results aggregate)."""
        return False

    @property
    def result_parameter(self) -> str | None:
        """Output parameter that also carries the result, used for aggregated loops."""
        return None

    @property
    def daemon(self) -> bool:
        """True for a daemon template (``daemon: true``), whose tasks have an ``ip``."""
        return False

    def dependencies(self) -> list[Template[Any, Any]]:
        """Templates this one calls (for ``@dag``/``@steps``), in order of first use."""
        return []

    # -- calling -------------------------------------------------------------------------
    def __call__(self, /, *args: P.args, **kwargs: P.kwargs) -> Task[R_co]:
        builder = current_builder()
        if builder is None:
            return self.call_outside(*args, **kwargs)  # type: ignore[no-any-return]
        task: Task[R_co] = Task(self, builder.kind)
        task.arguments = self._bind_or_record(builder, args, kwargs)
        builder.add(task)
        return task

    def _bind_or_record(
        self, builder: Builder, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Bind, or record the problem in the builder so that the trace goes on."""
        try:
            return self.bind(args, kwargs)
        except CompileError as exc:
            builder.problems.extend(exc.diagnostics)
            return {}

    def call_outside(self, /, *args: Any, **kwargs: Any) -> Any:
        """Called when the template is used outside a traced body: refuse with a hint."""
        raise fail(
            "C118",
            f"template {self.name!r} was called outside a @dag or @steps body; call it inside "
            f"one to add a task, or call {self.fn.__name__}.fn(...) to run the plain function",
        )

    def map(self, over: Any, **kwargs: Any) -> Task[list[R_co]]:
        """Add a task that runs this template once per item (``withItems``/``withParam``/...).

        Args:
            over: What to loop over: a list or tuple of constants (``withItems``), a ref to a
                JSON list such as ``t.result`` or a list parameter, or a raw Argo text
                (``"{{tasks.gen.outputs.result}}"``) (``withParam``), a
                ``range(...)`` or :class:`Sequence` (``withSequence``).
            **kwargs: Arguments; a callable receives the loop item and returns the value,
                e.g. ``x=lambda it: it["name"]``; other values are passed to every iteration.

        Returns:
            The task; its ``result`` and outputs are the aggregated JSON lists.

        Raises:
            CompileError: Used outside a traced body, bad ``over``, or bad arguments.
        """
        builder = current_builder()
        if builder is None:
            raise fail("C118", f"{self.name}.map(...) can only be used inside a @dag or @steps")
        task: Task[list[R_co]] = Task(self, builder.kind)
        from tiphys.dsl.loops import loop_of

        task.loop = loop_of(over)
        item = ItemRef()
        item.owner = task
        values = {
            k: (v(item) if callable(v) and not isinstance(v, Ref) else v) for k, v in kwargs.items()
        }
        task.arguments = self._bind_or_record(builder, (), values)
        builder.add(task)
        return task

    def bind(
        self, args: Sequence[Any], kwargs: dict[str, Any], caller: str | None = None
    ) -> dict[str, Any]:
        """Match call arguments to inputs; check names, arity and constant types.

        Args:
            args: Positional arguments, in signature order.
            kwargs: Keyword arguments by Python name.
            caller: Who passes them, for messages (default ``task '<template>'``; a hook says
                ``hook 'exit' of task 'b'``).

        Returns:
            Argument values by Argo input name; inputs left to their defaults are absent.
            Values of input artifacts are wrapped in
            :class:`~tiphys.dsl.artifacts.ArtifactArgument`.

        Raises:
            CompileError: Unknown, duplicate or missing arguments, a constant of the wrong
                type, or an artifact given to a parameter (or the reverse, C140), located at
                the call.
        """
        specs = {s.py_name: s for s in self.inputs}
        artifacts = {a.py_name: a for a in self.artifact_inputs}
        names = input_order(self) if artifacts else list(specs)
        caller = caller or f"task {self.name!r}"
        listing = ", ".join(names) or "none"
        if len(args) > len(names):
            raise fail(
                "C101",
                f"template {self.name!r} takes {len(names)} arguments (inputs: {listing}) but "
                f"{len(args)} were given",
            )
        given: dict[str, Any] = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in specs and key not in artifacts:
                raise fail(
                    "C101",
                    f"{caller} passes argument {key!r}, but template {self.name!r} has "
                    f"no such input (inputs: {listing}).{did_you_mean(key, names)}",
                )
            if key in given:
                raise fail("C101", f"argument {key!r} of template {self.name!r} is given twice")
            given[key] = value
        missing = [n for n in names if n not in given and (specs.get(n) or artifacts[n]).required]
        if missing:
            raise fail(
                "C102",
                f"{caller} does not pass required input(s) "
                f"{', '.join(repr(m) for m in missing)} of template {self.name!r}",
            )
        out: dict[str, Any] = {}
        for key, value in given.items():
            if key in artifacts:
                out[artifacts[key].name] = artifact_argument(value, key, self.name)
                continue
            spec = specs[key]
            problem = parameter_problem(value)
            if problem:
                raise fail("C140", f"argument {key!r} of template {self.name!r} {problem}")
            if isinstance(value, Ref):
                problem = ref_problem(spec, value)
            elif not has_marker(value) and not (isinstance(value, str) and "{{" in value):
                # A text holding an Argo tag ("{{item}}", "{{workflow.parameters.x}}") is only
                # known when the workflow runs: it is not checked as a constant.
                problem = literal_problem(spec, value)
            else:
                problem = None
            if problem:
                raise fail("C103", f"argument {key!r} of template {self.name!r} {problem}")
            out[spec.name] = value
        return out


class Outputs:
    """Attribute access to a task's output parameters: ``task.outputs.digest``, and to its
    output artifacts: ``task.outputs.artifacts.report``.

    An output whose Argo name has dashes (``job-name``) is read as ``task.outputs.job_name``
    or by its Argo name, ``task.outputs["job-name"]``.
    """

    def __init__(self, task: Task[Any]) -> None:
        self._task = task

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "artifacts":
            return OutputArtifacts(self._task)
        outputs = self._task.template.outputs
        if name not in outputs and name.replace("_", "-") in outputs:
            name = name.replace("_", "-")
        if name not in outputs:
            known = ", ".join(outputs) or "none"
            raise fail(
                "C107",
                f"template {self._task.template.name!r} has no output {name!r} (outputs: "
                f"{known}).{did_you_mean(name, [n.replace('-', '_') for n in outputs])}",
            )
        spec = outputs[name]
        type_ = list if self._task.loop else spec.type
        return TaskRef(self._task, "parameter", name, type_)

    def __getitem__(self, name: str) -> Any:
        """``task.outputs["job-name"]``: an output parameter by its Argo name."""
        if not isinstance(name, str) or name.startswith("_") or name == "artifacts":
            raise fail("C107", f"outputs are read by name (a string), not {name!r}")
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._task.template.outputs)

    def __format__(self, spec: str) -> str:
        raise fail(
            "C111",
            f"outputs of task {self._task.name!r} is not a value: use .outputs.<name> "
            f"(outputs: {', '.join(self._task.template.outputs) or 'none'})",
        )

    def __str__(self) -> str:
        return self.__format__("")


class Task(Generic[R_co]):
    """One call of a template inside a ``@dag`` or ``@steps`` body.

    Options are methods that return the task, so they chain:
    ``deploy(tag=tag).after(tests).when(env == "prod").named("deploy-prod")``.

    Attributes:
        template: The template it runs.
        arguments: Argument values by Argo parameter name.
        location: Where the call was written.
    """

    def __init__(self, template: Template[Any, Any], context: str) -> None:
        self.template = template
        self.context = context  # "dag" or "steps": how references to it are spelled
        self.arguments: dict[str, Any] = {}
        self.location: Location = user_location()
        self.name: str = template.name
        self.explicit_name: Location | None = None
        self.after_items: list[Task[Any] | Depends] = []
        self.condition: Condition | str | None = None
        self.loop: Loop | None = None
        self.continue_on_: dict[str, bool] = {}
        self.retry_: Retry | None = None
        self.hooks: dict[str, TaskHook] = {}
        self.raw_depends: str | None = None

    def __repr__(self) -> str:
        return f"<task {self.name!r} of template {self.template.name!r}>"

    def __bool__(self) -> bool:
        raise fail("C115", f"task {self.name!r} has no truth value at compile time; use .when(...)")

    def __format__(self, spec: str) -> str:
        raise fail(
            "C111",
            f"task {self.name!r} is a task, not a value: use its .result or .outputs.<name>",
        )

    def __str__(self) -> str:
        return self.__format__("")

    # -- values ----------------------------------------------------------------------------
    def _ref(self, field: OutputField, name: str, type_: Any) -> Any:
        return TaskRef(self, field, name, type_)

    @property
    def result(self) -> R_co:
        """The template's result (``outputs.result``): a script's returned value, stdout of a
        container. Typed as the function's return type for type checkers; at compile time it is
        a reference."""
        type_ = list if self.loop else self.template.result_type
        return self._ref("result", "result", type_)  # type: ignore[no-any-return]

    @property
    def outputs(self) -> Any:
        """Output parameters: ``task.outputs.<name>`` (``outputs.parameters.<name>``); output
        artifacts: ``task.outputs.artifacts.<name>`` (``outputs.artifacts.<name>``).

        A name with dashes is written with underscores in Python: output ``job-name`` is
        ``task.outputs.job_name``; ``task.outputs["job-name"]`` (and
        ``task.outputs.artifacts["test-report"]``) read it by its Argo name.

        Raises:
            CompileError: ``C107`` naming an output the template does not declare (with the
                Python spelling of the closest one).
        """
        return Outputs(self)

    @property
    def exit_code(self) -> Any:
        """The main container's exit code (``outputs.exitCode``), an int."""
        return self._ref("exitCode", "exitCode", int)

    @property
    def status(self) -> Any:
        """The node phase as a string (``Succeeded``, ``Failed``...)."""
        return self._ref("status", "status", str)

    @property
    def ip(self) -> Any:
        """The pod IP of a daemon task (``{{tasks.<name>.ip}}`` / ``{{steps.<name>.ip}}``), a
        string; using it makes this task a dependency.

        Raises:
            CompileError: ``C133`` when the template is not a daemon (``daemon=True``), or the
                task is a loop (``.map()``: Argo gives the loop's node, which runs no pod, no
                IP).
        """
        if not self.template.daemon:
            raise fail(
                "C133",
                f"task {self.name!r} has no IP to reach it by: template {self.template.name!r} "
                "is not a daemon, and Argo records the IP of daemons only (other pods have ended "
                "when the next task runs). Declare it with daemon=True and a readiness probe",
            )
        if self.loop is not None:
            raise fail(
                "C133",
                f"task {self.name!r} runs daemon {self.template.name!r} in a loop (.map()), so "
                "it has no one IP: the loop's node runs no pod and Argo sets no IP for it, so "
                "the reference would stay unresolved. Start each daemon as its own task and use "
                "its .ip",
            )
        return self._ref("ip", "ip", str)

    # -- status terms for .after() -----------------------------------------------------
    @property
    def succeeded(self) -> Depends:
        """``<task>.Succeeded`` for ``.after()``."""
        return DependsTerm(self, "Succeeded")

    @property
    def failed(self) -> Depends:
        """``<task>.Failed`` for ``.after()``."""
        return DependsTerm(self, "Failed")

    @property
    def errored(self) -> Depends:
        """``<task>.Errored`` for ``.after()``."""
        return DependsTerm(self, "Errored")

    @property
    def skipped(self) -> Depends:
        """``<task>.Skipped`` for ``.after()``."""
        return DependsTerm(self, "Skipped")

    @property
    def omitted(self) -> Depends:
        """``<task>.Omitted`` for ``.after()``."""
        return DependsTerm(self, "Omitted")

    @property
    def daemoned(self) -> Depends:
        """``<task>.Daemoned`` for ``.after()``."""
        return DependsTerm(self, "Daemoned")

    @property
    def any_succeeded(self) -> Depends:
        """``<task>.AnySucceeded`` (a looped task: at least one iteration succeeded)."""
        return DependsTerm(self, "AnySucceeded")

    @property
    def all_failed(self) -> Depends:
        """``<task>.AllFailed`` (a looped task: every iteration failed)."""
        return DependsTerm(self, "AllFailed")

    # -- options ------------------------------------------------------------------------------
    def after(self, *items: Task[Any] | Depends | str) -> Self:
        """Run after other tasks (``depends``).

        Args:
            *items: Tasks (Argo's bare name: Succeeded, Skipped or Daemoned), status
                expressions such as ``a.succeeded | b.failed``, or one raw Argo ``depends``
                string (``"A && (B.Failed || C)"``), used verbatim: dependencies implied by
                the task's references are then added only for tasks the string does not
                name (``raw && other``). Typed items are joined to it with ``&&``.

        Returns:
            This task.

        Raises:
            CompileError: An item is neither a task nor a status expression, a second raw
                string, or a string that is not a valid ``depends`` expression.
        """
        for item in items:
            if isinstance(item, str):
                from tiphys.argo.depends import DependsSyntaxError, parse_depends

                if self.raw_depends is not None:
                    raise fail("C115", f"task {self.name!r} already has a raw .after() string")
                try:
                    parse_depends(item)
                except DependsSyntaxError as exc:
                    raise fail("C115", f".after({item!r}): {exc}") from None
                self.raw_depends = item
                continue
            if not isinstance(item, Task | Depends):
                raise fail(
                    "C115",
                    f".after() takes tasks or status expressions (t.succeeded | u.failed), "
                    f"not {item!r}",
                )
            self.after_items.append(item)
        return self

    def when(self, condition: Condition | str | bool) -> Self:
        """Run only if ``condition`` holds when the task is reached (``when``).

        Args:
            condition: Built from references (``tests.result == 0``, ``env == "prod"``,
                combined with ``&``, ``|``, ``~``), compiled to a ``{{= ... }}`` expression;
                or a raw Argo ``when`` string, used as is. References (and ``{{tasks.<name>...}}``
                tags in a raw string) add dependencies.

        Returns:
            This task.

        Raises:
            CompileError: ``condition`` is a Python bool (a comparison that was evaluated in
                Python) or something else.
        """
        if isinstance(condition, bool):
            raise fail(
                "C115",
                f".when() of task {self.name!r} got a Python bool ({condition}): the comparison "
                "was evaluated at compile time. Compare a reference (a parameter or a task "
                "output) so that Argo evaluates it, or pass a raw Argo expression string",
            )
        if isinstance(condition, Depends):
            raise fail("C115", "status expressions (t.succeeded...) go to .after(), not .when()")
        if isinstance(condition, Ref):
            if condition.type is not bool:
                raise fail(
                    "C115",
                    f".when() got {condition.description}, which is not a bool; compare it: "
                    ".when(x == 'value')",
                )
            condition = condition == True  # noqa: E712 - builds a Condition
        if not isinstance(condition, Condition | str):
            raise fail("C115", f".when() takes a condition or a string, not {condition!r}")
        if self.condition is not None:
            raise fail("C115", f"task {self.name!r} already has a .when(); combine with &")
        self.condition = condition
        return self

    def named(self, name: str) -> Self:
        """Give the task an explicit name (default: the template's name, then ``-2``, ...).

        Raises:
            CompileError: The name breaks Argo's task name rules.
        """
        problem = template_name_problem(name)
        if problem:
            raise fail("C109", f"task name {problem}")
        if name in KEYWORDS:
            raise fail(
                "C109",
                f"task name {name!r} is a word of Argo's depends language (expr-lang); choose "
                "another",
            )
        self.name = name
        self.explicit_name = user_location()
        return self

    def continue_on(self, *, failed: bool = True, error: bool = False) -> Self:
        """Let the workflow go on when this task fails or errors (``continueOn``).

        Args:
            failed: Continue when the task ends ``Failed``.
            error: Continue when the task ends ``Error``.

        Returns:
            This task.
        """
        self.continue_on_ = {k: v for k, v in (("failed", failed), ("error", error)) if v}
        return self

    def retry(self, limit: int | Retry, **options: Any) -> Self:
        """Retry this task (a copy of its template with ``retryStrategy`` is emitted).

        Args:
            limit: Retries, or a full :class:`Retry`.
            **options: Other :class:`Retry` fields when ``limit`` is an int.

        Returns:
            This task.
        """
        self.retry_ = limit if isinstance(limit, Retry) else Retry(limit, **options)
        return self

    def on_exit(self, template: Template[Any, Any], /, **arguments: Any) -> Self:
        """Run ``template`` when this task ends, whatever its outcome (``hooks.exit``).

        The exit handler runs after the task succeeds, fails or errors (not when the workflow
        is terminated). Its arguments may use this task's values (``status=t.status``,
        ``t.outputs.x``), which exist once the task has ended.

        Args:
            template: The template to run (the decorated function itself, not a call of it);
                it is added to the workflow's templates.
            **arguments: Values for its inputs, checked like a call's.

        Returns:
            This task.

        Raises:
            CompileError: ``C154`` (not a template, a second exit hook), ``C101``-``C103``
                (bad arguments).
        """
        from tiphys.dsl.hooks import EXIT, add_task_hook

        add_task_hook(self, EXIT, template, None, arguments)
        return self

    @checked_arguments(
        "task.hook()",
        hints={
            "*": "give the condition as expression=..., e.g. "
            "t.hook('running', notify, expression=t.status == 'Running')"
        },
    )
    def hook(
        self,
        name: str,
        template: Template[Any, Any],
        /,
        *,
        expression: Condition | str | None = None,
        **arguments: Any,
    ) -> Self:
        """Run ``template`` beside this task once ``expression`` holds (``hooks.<name>``).

        Example: ``t.hook("running", notify, expression=t.status == "Running", msg="started")``.
        The hook runs at most once, in parallel with the task.

        Args:
            name: The hook's name (any text; ``"exit"`` is the exit handler, see
                :meth:`on_exit`).
            template: The template to run (the decorated function itself); it is added to the
                workflow's templates.
            expression: When to run it: a condition built from references (this task's
                ``status``, outputs, parameters...), rendered as expr-lang text, or a raw
                expr-lang string such as ``"tasks.build.status == 'Failed'"``. Required except
                for ``"exit"``.
            **arguments: Values for the template's inputs (an input called ``expression``
                cannot be passed here).

        Returns:
            This task.

        Raises:
            CompileError: ``C154`` (no expression, an expression on ``exit``, a repeated name,
                not a template), ``C101``-``C103`` (bad arguments).
        """
        from tiphys.dsl.hooks import add_task_hook

        add_task_hook(self, name, template, expression, arguments)
        return self
