"""``@suspend``: a template that pauses the workflow until it is resumed, or for a while.

Its inputs are what a person is asked for when resuming (the Argo UI shows their enum, default
and description); each input is also an output with ``valueFrom.supplied: {}``, so the value
given when resuming reaches the next tasks as ``task.outputs.<name>``. Each output also has
``valueFrom.default: {{inputs.parameters.<name>}}`` (the value the input got: the caller's, or
its default), which Argo takes when the node resumes without a value for it: at the end of
``duration`` or on a plain ``argo resume`` (Argo fails the node on a supplied output without a
default then).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, ParamSpec, Unpack, overload

from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import definition_location
from tiphys.dsl.leaf import KindTemplate, OptionScope, RequestOptionsKw, check_empty_body
from tiphys.dsl.options import Duration, go_duration
from tiphys.dsl.params import base_type
from tiphys.dsl.template import Output

P = ParamSpec("P")


class SuspendTemplate(KindTemplate[P, None]):
    """A ``suspend`` template; see :func:`suspend`.

    Attributes:
        duration: Go duration after which the node resumes by itself, or ``None`` to wait for
            a resume.
    """

    kind = "suspend"
    scopes = frozenset({"node"})
    refusal = "a suspend template runs no pod"
    refusals: ClassVar[Mapping[OptionScope, str]] = {
        "leaf": "Argo refuses timeout on a suspend template (it takes it only on templates "
        "that run something); give duration= instead to resume by itself after that long"
    }

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        duration: Duration | None,
        name: str | None,
        inline: bool,
        options: RequestOptionsKw,
    ) -> None:
        super().__init__(fn, name=name, inline=inline, options=options)
        where = definition_location(fn)
        self.duration: str | None = None
        if isinstance(duration, str) and "{{" in duration:
            self.duration = duration
        elif duration is not None:
            self.duration = go_duration(duration, f"@suspend {self.name!r} duration", where)
        check_empty_body(self, "only waits (Argo never runs its body)")

    @functools.cached_property
    def outputs(self) -> dict[str, Output]:
        """One supplied output per input; its default (taken when the node resumes without a
        value: ``duration`` ended, plain resume) is the value the input got
        (``{{inputs.parameters.<name>}}``, which Argo substitutes before the node starts): what
        the caller passed, else the input's default."""
        return {
            spec.name: Output(
                spec.name,
                supplied=True,
                type=base_type(spec.type) or str,
                default=f"{{{{inputs.parameters.{spec.name}}}}}",
                description=spec.description,
                location=self.location,
            )
            for spec in self.inputs
        }

    @property
    def produces_result(self) -> bool:
        """A suspend node has no result."""
        return False


@overload
def suspend(fn: Callable[P, Any], /) -> SuspendTemplate[P]: ...


@overload
def suspend(
    *,
    duration: Duration | None = ...,
    name: str | None = ...,
    inline: bool = ...,
    **options: Unpack[RequestOptionsKw],
) -> Callable[[Callable[P, Any]], SuspendTemplate[P]]: ...


@checked_decorator
def suspend(
    fn: Callable[P, Any] | None = None,
    /,
    *,
    duration: Duration | None = None,
    name: str | None = None,
    inline: bool = False,
    **options: Unpack[RequestOptionsKw],
) -> SuspendTemplate[P] | Callable[[Callable[P, Any]], SuspendTemplate[P]]:
    """Make a ``suspend`` template: the workflow waits here until resumed (or ``duration``).

    The body is never run: it holds only a docstring. The function's parameters are the values
    asked for when resuming (``Literal[...]`` gives a choice list, a default pre-fills it,
    ``Annotated[..., Param(description=...)]`` explains it); each is both an input and an
    output (``valueFrom.supplied: {}``), so later tasks read the answer as
    ``task.outputs.<name>``. When the node resumes without a value for an output (the end of
    ``duration``, or a plain ``argo resume``, which supplies nothing), Argo takes the output's
    ``valueFrom.default``: the value the input got (``{{inputs.parameters.<name>}}``: what the
    caller passed, else the input's default); without one Argo would fail the node. To give
    other values, resume with them (``argo node set --output-parameters name=value``, or the
    Argo UI).

    What each value means:

    * A value given when calling it (``approve(env="prod")``) is the input parameter's value:
      what the approval form shows (the Argo UI reads the node's inputs for the form: value,
      ``enum`` choices, description), and the answer taken when nobody gives another one.
    * The approver's answer arrives through Argo's ``set`` (``PUT .../set`` with
      ``outputParameters``; ``argo node set``; the UI's resume form) into the supplied output,
      read by later tasks as ``task.outputs.<name>``.
    * A plain resume, or the end of ``duration``, keeps the input's value as the answer.

    Args:
        fn: The function, when used as a bare ``@suspend``.
        duration: Resume by itself after this long: seconds or ``"20s"``/``"2m"``/``"1d"``
            (``suspend.duration``, written as a Go duration); a ``{{...}}`` tag is kept as is.
            ``None`` (default) waits for a resume.
        name: Template name; default: the function name in kebab case.
        inline: Emit the template inline in the tasks that use it.
        **options: Common template options that apply to a suspend node: ``retry``,
            ``active_deadline``, ``synchronization``, ``memoize``, ``metrics``, ``patch``
            (:class:`~tiphys.dsl.leaf.RequestOptionsKw`). ``timeout`` is refused (Argo refuses
            it on suspend templates): use ``duration``.

    Returns:
        A :class:`SuspendTemplate`, or a decorator producing one; calling it in a ``@dag``
        returns a task whose ``outputs.<name>`` are the supplied values.

    Raises:
        CompileError: ``C117`` a duration that is no duration; ``C123`` an option that does
            not apply (``timeout`` included); ``C129`` a body with code.
    """

    def decorate(func: Callable[P, Any]) -> SuspendTemplate[P]:
        return SuspendTemplate(func, duration=duration, name=name, inline=inline, options=options)

    return decorate(fn) if fn is not None else decorate
