"""Keyword and collection checks shared by every option class and decorator.

A misspelt keyword (``Hook(expresion=...)``) would otherwise reach Python's own ``TypeError``;
:func:`checked_init` turns it into a located ``C117`` error with a suggestion, and
:func:`unknown_option` writes that message for the decorators and workflow kinds that collect
``**options``. :func:`mapping_of` and :func:`list_of` check collection shapes the same way
everywhere ("expected a mapping name -> value").
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from tiphys.argo.names import kubernetes_name_problem
from tiphys.dsl._location import fail
from tiphys.errors import CompileError, Location, closest, did_you_mean

T = TypeVar("T", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_NO_LOCATION = Location()


def unknown_option(
    key: str,
    known: Sequence[str],
    what: str,
    location: Location | None = None,
    *,
    code: str = "C117",
    hints: Mapping[str, str] | None = None,
) -> CompileError:
    """The error for a keyword ``what`` does not take, with a suggestion.

    Args:
        key: The keyword the user wrote.
        known: The keywords it takes.
        what: Who takes them, for the message (``Hook``, ``@script``, ``workflow``).
        location: Where; default: the user's current line.
        code: The diagnostic code (``C117``; ``C148`` for ``CronWorkflow``).
        hints: A fixed advice for a known mistake, by keyword (``schedule``), used instead of
            the spelling suggestion.

    Returns:
        The error, for the caller to ``raise``.
    """
    hint = (hints or {}).get(key)
    choices = [k for k in known if k != "location"]
    longer = [c for c in choices if len(key) >= 3 and c.startswith(key)]
    if hint:
        advice = f" {hint}"
    elif len(longer) == 1:
        advice = f" Did you mean {longer[0]!r}?"
    else:
        advice = did_you_mean(key, choices) or _abbreviation(key, choices)
    return fail(code, f"{what} has no option {key!r}.{advice}", location)


def _abbreviation(key: str, choices: Sequence[str]) -> str:
    """`` Did you mean 'dependencies'?`` for ``deps``: the one choice holding ``key``'s letters in
    order, starting with the same letter; else ``""``."""
    found = []
    for choice in choices:
        rest = iter(choice.lower())
        if choice[:1].lower() == key[:1].lower() and all(c in rest for c in key.lower()):
            found.append(choice)
    return f" Did you mean {found[0]!r}?" if len(found) == 1 else ""


def _option_names(fn: Callable[..., Any]) -> frozenset[str]:
    """The keys of ``fn``'s ``**options: Unpack[SomeTypedDict]`` (empty when untyped)."""
    import typing

    extra = [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.VAR_KEYWORD]
    if not extra:
        return frozenset()
    from tiphys.dsl.pod import ContainerOptionsKw

    hint = typing.get_type_hints(fn, include_extras=True).get(extra[0])
    args = typing.get_args(hint)
    typed = getattr(args[0], "__annotations__", {}) if args else {}
    # Every template option: one that does not apply to this kind has its own error (C123).
    return frozenset(typed) | frozenset(ContainerOptionsKw.__annotations__)


def _keywords(sig: inspect.Signature) -> tuple[list[str], bool]:
    names = [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    ]
    open_ended = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return names, open_ended


def check_call(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    what: str,
    *,
    code: str = "C117",
    hints: Mapping[str, str] | None = None,
) -> None:
    """Refuse a call ``fn`` cannot take (unknown keyword, missing or extra argument).

    Args:
        fn: The callable (a function or an unbound ``__init__``).
        args: Positional arguments (``self`` included for an ``__init__``).
        kwargs: Keyword arguments.
        what: Its public name, for the message.
        code: The diagnostic code.
        hints: Fixed advice by keyword (see :func:`unknown_option`).

    Raises:
        CompileError: ``code``, located at the user's line, naming the keyword and the one
            most likely meant, or the missing argument.
    """
    for key in kwargs:
        if hints and key in hints:
            raise unknown_option(key, [], what, code=code, hints=hints)
    sig = inspect.signature(fn)
    names, open_ended = _keywords(sig)
    for key in kwargs:
        if key not in names and (not open_ended or closest(key, names)):
            raise unknown_option(key, names, what, code=code)
    try:
        sig.bind(*args, **kwargs)
    except TypeError:
        pass
    else:
        return
    positional = [
        p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    taken = len(args) - (1 if positional and positional[0].name == "self" else 0)
    if len(args) > len(positional):
        count = len(positional) - (len(args) - taken)
        advice = hints.get("*", "name the others (keyword=value)") if hints else ""
        raise fail(
            code,
            f"{what} takes {count} positional argument(s), {taken} given: "
            f"{advice or 'name the others (keyword=value)'}",
        )
    for i, p in enumerate(sig.parameters.values()):
        if (
            p.name == "self"
            or p.default is not p.empty
            or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ):
            continue
        if p.name not in kwargs and (p.kind is p.KEYWORD_ONLY or i >= len(args)):
            raise fail(code, f"{what} needs {p.name}=..., a required argument")
    raise fail(code, f"{what} cannot take these arguments: check them against its docstring")


def checked_init(
    cls: T | None = None, *, code: str = "C117", hints: Mapping[str, str] | None = None
) -> Any:
    """Class decorator: a call the constructor cannot take becomes a located error.

    Nothing is checked on a good call (the check runs only when Python refuses the arguments,
    or before the call when ``hints`` names a keyword given).

    Args:
        cls: The class (a dataclass or any class with an ``__init__``).
        code: The diagnostic code of the error.
        hints: Fixed advice by keyword (see :func:`unknown_option`).

    Returns:
        The class, its ``__init__`` wrapped.
    """

    def wrap(klass: T) -> T:
        init = klass.__init__  # type: ignore[misc]

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            if hints and any(k in hints for k in kwargs):
                check_call(init, (self, *args), kwargs, klass.__name__, code=code, hints=hints)
            try:
                init(self, *args, **kwargs)
            except TypeError:
                check_call(init, (self, *args), kwargs, klass.__name__, code=code, hints=hints)
                raise

        klass.__init__ = __init__  # type: ignore[misc]
        return klass

    return wrap(cls) if cls is not None else wrap


def checked_decorator(fn: F) -> F:
    """Wrap a decorator factory (``@http(url, ...)``) so a misuse is a located error.

    A bare ``@http`` (no parentheses) passes the function as the first argument: unless that
    parameter is ``fn`` (``@script`` and ``@dag`` may be bare), it is refused with how to write
    it. A keyword close to one of the factory's own (``imag`` for ``image``) is refused with a
    suggestion; other unknown keywords are left to the template options check.

    Args:
        fn: The decorator factory.

    Returns:
        The wrapped factory.
    """
    name = fn.__name__
    sig = inspect.signature(fn)
    first = next(iter(sig.parameters), "")
    names, open_ended = _keywords(sig)
    options: list[frozenset[str]] = []

    @functools.wraps(fn)
    def factory(*args: Any, **kwargs: Any) -> Any:
        if args and first != "fn" and inspect.isfunction(args[0]):
            raise fail(
                "C117",
                f"@{name} needs its arguments: write @{name}({first}=...) above the function, "
                f"not a bare @{name}",
            )
        for key in kwargs:
            if key in names:
                continue
            if not options:
                options.append(_option_names(fn))
            if key not in options[0] and (not open_ended or closest(key, names)):
                raise unknown_option(key, names, f"@{name}")
        try:
            return fn(*args, **kwargs)
        except TypeError:
            check_call(fn, args, kwargs, f"@{name}")
            raise

    return cast(F, factory)


def checked_arguments(what: str, *, hints: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Decorator for a method users call: arguments it cannot take become a located error.

    Args:
        what: Its public spelling, for the message (``task.hook()``).
        hints: Fixed advice by keyword; ``"*"``: the advice for too many positional arguments.

    Returns:
        The decorator.
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def method(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except TypeError:
                check_call(fn, args, kwargs, what, hints=hints)
                raise

        return cast(F, method)

    return wrap


def kubernetes_name(value: object, what: str, code: str, location: Location | None) -> None:
    """Refuse a name Kubernetes would refuse for a Secret, ConfigMap, ServiceAccount...

    Args:
        value: The name; anything but a string is left to the option's other checks.
        what: The option, for the message (``Memoize config_map``).
        code: The diagnostic code of the option's owner.
        location: Where.

    Raises:
        CompileError: ``code``, ``<what>: '<name>' is not a valid Kubernetes name...``.
    """
    if not isinstance(value, str):  # None (not given), or a type other checks refuse
        return
    problem = kubernetes_name_problem(value)
    if problem:
        raise fail(code, f"{what}: {problem}", location)


def mapping_of(value: object, what: str, item: str, location: Location | None) -> dict[Any, Any]:
    """Check that ``value`` is a mapping; return it as a dict.

    Args:
        value: What the user gave.
        what: The option's name (``headers``).
        item: What it maps (``name -> value``).
        location: Where.

    Raises:
        CompileError: ``C117`` ``expected a mapping <item>``.
    """
    if not isinstance(value, Mapping):
        raise fail(
            "C117",
            f"{what} expects a mapping {item} (a dict such as {{'key': 'value'}}), not {value!r}",
            location,
        )
    return dict(value)


def list_of(value: object, what: str, item: str, location: Location | None) -> list[Any]:
    """Check that ``value`` is a list or tuple (not a text or a mapping); return it as a list.

    Args:
        value: What the user gave.
        what: The option's name (``buckets``).
        item: What it holds (``numbers``).
        location: Where.

    Raises:
        CompileError: ``C117`` ``<what> must be a list of <item>, not <value>``.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise fail("C117", f"{what} must be a list of {item}, not {value!r}", location)
    return list(value)
