"""Options, exit codes and error handling shared by every ``tiphys`` command.

Options used by several commands are defined once here as ``Annotated`` types, so that their
flags, metavars and help text stay the same everywhere (like the ``argo`` CLI's shared flags).
"""

from __future__ import annotations

import enum
import functools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from tiphys.errors import CompileError, Diagnostic, TiphysError

if TYPE_CHECKING:
    from tiphys.compile.sources import Collection, LineOf, Source

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_SERVER",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "NODE_PHASES",
    "WORKFLOW_PHASES",
    "ParameterOption",
    "PathsArgument",
    "check_phases",
    "check_source",
    "cli_errors",
    "echo_err",
    "fail",
    "load_sources",
    "output_format",
    "parse_parameters",
    "report",
    "sorted_diagnostics",
]

# Exit codes (DESIGN §6).
EXIT_OK = 0
"""Success."""
EXIT_FAILED = 1
"""``lint`` found errors (later: the workflow failed or errored)."""
EXIT_USAGE = 2
"""Usage or input error: bad option, missing path, error in the user's code or manifest."""
EXIT_SERVER = 3
"""Reserved for the server commands: the Argo Server could not be reached or said no."""
EXIT_TIMEOUT = 4
"""Reserved for the server commands: a wait timed out."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (``128 + SIGINT``); a followed workflow keeps running on the server."""
EXIT_PIPE = 141
"""stdout was closed early (``| head``): ``128 + SIGPIPE``, as shell tools end; no message."""
EXIT_INTERNAL = 70
"""A bug in tiphys (``EX_SOFTWARE``); the traceback is shown with ``TIPHYS_DEBUG=1``."""

DEBUG_ENV = "TIPHYS_DEBUG"

PATHS_HELP = (
    "Workflow sources: a .py file (its module-level Workflow, WorkflowTemplate, "
    "ClusterWorkflowTemplate and CronWorkflow objects, tiphys or Hera), FILE.py:NAME for one of "
    "them (variable or object name), a YAML file (every Argo document in it; other kinds are "
    "skipped), a directory (searched recursively for *.py, *.yaml, *.yml), or - for YAML on "
    "stdin. Python files are imported, which runs their module-level code: point tiphys at "
    "the folders that hold workflows."
)

PathsArgument = Annotated[
    list[str],
    typer.Argument(metavar="PATH", help=PATHS_HELP, show_default=False),
]
"""One or more workflow sources (see :func:`tiphys.compile.sources.collect`)."""

ParameterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        "-p",
        metavar="NAME=VALUE",
        show_default=False,
        help=(
            "Set a workflow parameter (repeatable; split on the first '='). On a Workflow it "
            "sets spec.arguments.parameters[NAME].value; on a WorkflowTemplate or "
            "ClusterWorkflowTemplate it gives the Workflow that submitting it would create "
            "(spec.workflowTemplateRef + spec.arguments.parameters). The name must be a "
            "parameter of the workflow or an input of its entrypoint."
        ),
    ),
]
"""Repeatable ``-p NAME=VALUE`` (see :func:`tiphys.compile.from_template.apply_parameters`)."""

ParameterFileOption = Annotated[
    Path | None,
    typer.Option(
        "--parameter-file",
        "-f",
        metavar="FILE",
        show_default=False,
        help="YAML or JSON map of parameter names to values (-p wins over it).",
    ),
]
"""``-f FILE`` of ``submit`` and ``run``: parameter values from a YAML or JSON map."""


FormatT = TypeVar("FormatT", bound=enum.StrEnum)


class TextOrJson(enum.StrEnum):
    """Output format of commands that print a report: ``text`` for people, ``json`` for scripts."""

    text = "text"
    json = "json"


def echo_err(message: str) -> None:
    """Print one line to stderr.

    Args:
        message: The text, without a trailing newline.
    """
    typer.echo(message, err=True)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Order diagnostics by file, then line, then field path (list indexes numerically).

    Args:
        diagnostics: Any diagnostics.

    Returns:
        A new list; the sort is stable, so equal keys keep their order.
    """
    from tiphys.argo.paths import parse_path

    def path_key(path: str) -> tuple[tuple[int, int | str], ...]:
        try:
            parts = parse_path(path)
        except ValueError:
            parts = [path]
        return tuple((0, p) if isinstance(p, int) else (1, p) for p in parts)

    return sorted(diagnostics, key=lambda d: (d.location.file, d.location.line, path_key(d.path)))


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Print diagnostics to stderr as ``file:line: message`` lines.

    Args:
        diagnostics: Errors and warnings, printed in order.
    """
    for diagnostic in diagnostics:
        echo_err(diagnostic.format())


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``tiphys: error: MESSAGE`` to stderr and exit.

    Args:
        message: What went wrong and what to do.
        code: The exit code (default 2, a usage or input error).

    Raises:
        typer.Exit: Always.
    """
    echo_err(f"tiphys: error: {message}")
    raise typer.Exit(code)


def output_format(value: str, kind: type[FormatT]) -> FormatT:
    """Read ``-o VALUE`` as one of ``kind``'s formats, as a usage error (exit 2) otherwise.

    Args:
        value: What the user gave.
        kind: The command's format enum (``yaml``/``json``, ``text``/``json``).

    Returns:
        The format.

    Raises:
        typer.Exit: ``unknown output format 'toml' (choose yaml or json)``.
    """
    try:
        return kind(value)
    except ValueError:
        names = [member.value for member in kind]
        fail(f"unknown output format {value!r} (choose {', '.join(names[:-1])} or {names[-1]})")


def parse_parameters(items: Sequence[str] | None) -> dict[str, str]:
    """Parse ``-p NAME=VALUE`` options, as a usage error (exit 2) when malformed.

    Args:
        items: The raw option values, or ``None`` when none were given.

    Returns:
        ``{name: value}`` in the order given.

    Raises:
        typer.BadParameter: An item is not ``NAME=VALUE``.
    """
    from tiphys.compile.from_template import parse_parameter_args

    try:
        return parse_parameter_args(items or [])
    except CompileError as exc:
        raise typer.BadParameter(
            "; ".join(d.message for d in exc.diagnostics), param_hint="'-p' / '--parameter'"
        ) from None


def load_sources(paths: Sequence[str], *, keep_going: bool = False) -> Collection:
    """Collect the workflows named on the command line, reporting skipped documents.

    Skipped documents (other kinds in a YAML file) are noted on stderr. When nothing is found,
    the command stops with exit code 2.

    Args:
        paths: The ``PATH...`` arguments.
        keep_going: Return loading problems in ``Collection.errors`` (for ``lint``) instead of
            raising them.

    Returns:
        The collected sources.

    Raises:
        CompileError: A loading problem, unless ``keep_going``.
        typer.Exit: No workflow was found in any path (exit code 2).
    """
    from tiphys.compile.sources import collect

    for path in paths:
        if not path.strip():
            fail(f"no such file: {path!r}")
    collection = collect(paths, keep_going=keep_going)
    for skipped in collection.skipped:
        echo_err(skipped.format())
    if not collection and not collection.errors:
        fail(f"no workflows found in {', '.join(paths)}")
    return collection


def check_source(
    source: Source,
) -> tuple[dict[str, Any] | None, LineOf | None, list[Diagnostic]]:
    """Compile or read one workflow and validate it, whatever goes wrong.

    Args:
        source: A workflow found by :func:`load_sources`.

    Returns:
        ``(doc, line_of, diagnostics)``: the manifest (``None`` when it could not be built),
        its path-to-line mapping, and every problem found. An unexpected exception (a likely
        bug in tiphys) is one error of this source (code ``S108``) rather than a crash, so
        that the other sources are still checked; with ``TIPHYS_DEBUG=1`` it propagates.
    """
    from tiphys.validate import validate_document

    try:
        doc, line_of = source.manifest()
        if source.raw:  # a RawDocument (ConfigMap...) is emitted as it is, not an Argo kind
            return doc, line_of, []
        return doc, line_of, validate_document(doc, file=source.file, line_of=line_of)
    except CompileError as exc:
        return None, None, list(exc.diagnostics)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        return None, None, [unexpected_error(source, exc)]


def unexpected_error(source: Source, exc: Exception) -> Diagnostic:
    """The ``S108`` error for an unexpected exception while handling ``source``.

    Args:
        source: The workflow being compiled or checked.
        exc: What was raised.

    Returns:
        An error located at the source.
    """
    from tiphys.compile.sources import UNEXPECTED

    text = str(exc)
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return Diagnostic(
        UNEXPECTED,
        f"checking {source.label} raised {what}; this may be a bug in tiphys: please report it "
        f"(set {DEBUG_ENV}=1 to see the traceback)",
        location=source.location(),
    )


P = ParamSpec("P")
R = TypeVar("R")


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into messages and exit codes instead of tracebacks.

    * :class:`~tiphys.errors.CompileError`: its diagnostics, one ``file:line: message`` line
      each, exit code 2;
    * any other :class:`~tiphys.errors.TiphysError`: ``tiphys: error: ...``, exit code 2;
    * stdout closed by its reader (``tiphys logs NAME | head -1``): no message, exit code 141;
    * anything else is a bug in tiphys: a one-line message asking for a report, exit code 70;
      with ``TIPHYS_DEBUG=1`` the exception propagates with its traceback.

    Args:
        fn: A command function (its signature is kept for typer).

    Returns:
        The wrapped function.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except CompileError as exc:
            report(exc.diagnostics)
            raise typer.Exit(EXIT_USAGE) from None
        except TiphysError as exc:
            fail(str(exc))
        except BrokenPipeError:
            stdout_closed()
        except Exception as exc:
            if _is_cli_control(exc) or os.environ.get(DEBUG_ENV) == "1":
                raise
            internal_error(exc)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def stdout_closed() -> NoReturn:
    """End quietly because the reader of stdout went away (``| head -1``).

    stdout is pointed at ``/dev/null`` so that flushing it at exit raises nothing more.

    Raises:
        typer.Exit: Always, with exit code 141 (``128 + SIGPIPE``).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests), or closed
        pass
    raise typer.Exit(EXIT_PIPE) from None


def _is_cli_control(exc: BaseException) -> bool:
    """Whether ``exc`` is typer's/click's own (``Exit``, ``Abort``, usage errors).

    Typer 0.12-0.2x re-exports click's exceptions; newer releases vendor click as
    ``typer._click``; both are recognised by module.
    """
    return type(exc).__module__.split(".")[0] in ("typer", "click")


def internal_error(exc: BaseException) -> None:
    """Print the one-line message for an unexpected exception (a tiphys bug).

    Args:
        exc: The exception.
    """
    text = str(exc)
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    echo_err(
        f"tiphys: internal error: {what}. This is a bug in tiphys; please report it with the "
        f"command you ran (set {DEBUG_ENV}=1 to see the traceback)."
    )


def _version_callback(value: bool) -> None:
    if value:
        from tiphys.cli.app import PROG_NAME, version

        typer.echo(f"{PROG_NAME} {version()}")
        raise typer.Exit()


def root_callback(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            is_eager=True,
            callback=_version_callback,
            help="Print 'tiphys VERSION' and exit.",
        ),
    ] = False,
) -> None:
    """Write Argo Workflows as Python; compile and check them."""


#: ``workflows.argoproj.io/phase`` label values (``status.phase`` of a Workflow).
WORKFLOW_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")
#: ``status.nodes[*].phase`` values.
NODE_PHASES = ("Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted")


def check_phases(values: str | list[str] | None, *, nodes: bool = False) -> list[str]:
    """The phases of ``--status`` values (comma-separated or repeated), each one checked.

    Phases are case-sensitive, as Argo's label and field match them: a typo would select
    nothing at all, so it is refused instead.

    Args:
        values: The ``--status`` value(s).
        nodes: Check node phases (``get``/``watch``) instead of workflow phases.

    Returns:
        The phases in order, blanks dropped.

    Raises:
        typer.Exit: Exit 2 on a phase Argo does not have (with the closest one).
    """
    import difflib

    known = NODE_PHASES if nodes else WORKFLOW_PHASES
    given = [values] if isinstance(values, str) else list(values or [])
    phases = [p.strip() for text in given for p in text.split(",") if p.strip()]
    for phase in phases:
        if phase in known:
            continue
        close = [k for k in known if k.lower() == phase.lower()] or difflib.get_close_matches(
            phase, known, n=1
        )
        hint = f" (did you mean {close[0]}?)" if close else ""
        kind = "node" if nodes else "workflow"
        fail(f"--status: {phase!r} is not a {kind} phase{hint}; choose from {', '.join(known)}")
    return phases
