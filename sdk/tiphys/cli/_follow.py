"""Following a workflow from the CLI: durations, ``--wait``/``--watch``/``--log`` and exit codes.

Shared by ``submit``, ``watch``, ``wait`` and ``logs``. Exit codes (DESIGN §6): 0 the workflow
Succeeded, 1 it ended Failed or Error (the failed nodes and their messages on stderr), 4 the
timeout passed first (``WaitTimeout``, mapped by :func:`tiphys.cli._server.server_command`), 3
a server error.

Line mode (no terminal, e.g. CI logs) prints one line per node change
(:class:`~tiphys.cli.render.NodeChanges`); on a terminal the ``get`` view is redrawn in place
(:class:`~tiphys.cli.render.LiveView`, at most 4 frames a second). Both end with the final
``get`` view.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from tiphys.cli._common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, echo_err, fail

if TYPE_CHECKING:
    from tiphys.cli.render import LiveView
    from tiphys.client import Run
    from tiphys.client.logs import LogLine

__all__ = [
    "TimeoutOption",
    "follow_logs",
    "keeps_running",
    "parse_duration",
    "print_log_lines",
    "stdout_is_terminal",
    "wait_run",
    "watch_run",
]

Json = dict[str, Any]


TimeoutOption = Annotated[
    str | None,
    typer.Option(
        "--timeout",
        metavar="DURATION",
        show_default=False,
        help="Give up after this long, exit code 4: 30s, 5m, 2h, 1h30m, or seconds (90).",
    ),
]


def parse_duration(text: str, flag: str = "--timeout") -> float:
    """Read a duration (``30s``, ``5m``, ``1h30m``, ``1.5h``, ``2d``) or plain seconds (``90``)
    with :func:`tiphys.argo.durations.parse_duration`.

    Args:
        text: What the user gave.
        flag: The option named in the error message.

    Returns:
        The duration in seconds (> 0 unless the text is ``0``).

    Raises:
        typer.Exit: Exit code 2 when the text is not a duration.
    """
    from tiphys.argo.durations import DurationError
    from tiphys.argo.durations import parse_duration as seconds_of

    try:
        seconds = seconds_of(text)
    except DurationError:
        seconds = float("nan")
    if seconds != seconds or seconds == float("inf"):
        fail(f"{flag} {text!r} is not a duration: write e.g. 30s, 5m, 2h, 1h30m or seconds")
    return seconds


def timeout_seconds(text: str | None) -> float | None:
    """``--timeout`` in seconds, or ``None`` when not given."""
    return None if text is None else parse_duration(text)


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (tests replace this to get the live view)."""
    return sys.stdout.isatty()


def make_live_view(out: TextIO) -> LiveView:
    """The live view of ``watch`` on a terminal (tests replace this to inject a clock/size)."""
    from tiphys.cli.render import LiveView

    return LiveView(out)


def _finish(run: Run) -> int:
    """Exit code of a run that ended; the failure (failed nodes) is printed on stderr."""
    if run.phase == "Succeeded":
        return EXIT_OK
    from tiphys.client.run import failure_message

    echo_err(failure_message(run.workflow))
    return EXIT_FAILED


@contextlib.contextmanager
def keeps_running(names: Sequence[str], *, logs: bool = False) -> Iterator[None]:
    """Turn Ctrl-C while following workflows into a message saying they keep running.

    Stopping ``tiphys`` does not stop the workflows on the server: the message names them and
    the commands that follow (``tiphys watch NAME``, or ``tiphys logs -f NAME`` with ``logs``)
    or stop them again.

    Args:
        names: The workflows being followed (in order).
        logs: The command was following logs (``logs -f``).

    Raises:
        typer.Exit: Exit code 130 (``128 + SIGINT``) on ``KeyboardInterrupt``.
    """
    try:
        yield
    except KeyboardInterrupt:
        if len(names) == 1:
            name = names[0]
            again = (
                f"`tiphys logs -f {name}` follows its logs again"
                if logs
                else f"`tiphys watch {name}` follows it again"
            )
            echo_err(
                f"tiphys: interrupted; workflow {name} keeps running on the server: {again}, "
                f"`tiphys stop {name}` stops it."
            )
        elif names:
            echo_err(
                f"tiphys: interrupted; workflows {', '.join(names)} keep running on the server: "
                "`tiphys watch NAME` follows one again, `tiphys stop NAME` stops it."
            )
        raise typer.Exit(EXIT_INTERRUPTED) from None


def remaining(timeout: float | None, start: float, clock: Callable[[], float]) -> float | None:
    """Seconds left of ``timeout`` started at ``start`` (at least 1 ms), or ``None``."""
    return None if timeout is None else max(timeout - (clock() - start), 0.001)


def wait_run(run: Run, timeout: float | None, *, left: float | None = None) -> int:
    """Wait for a run to end and print ``NAME PHASE`` (as ``argo wait``; ``NAME Deleted`` when
    it was deleted before it ended).

    Args:
        run: The run.
        timeout: Seconds at most, or ``None`` (the timeout the user gave, for the message).
        left: Seconds left of ``timeout`` when part of it was spent already (default all).

    Returns:
        0 Succeeded, 1 Failed/Error or deleted before it finished (the failure on stderr).

    Raises:
        WaitTimeout: ``timeout`` passed first (exit 4).
        ArgoServerError: The server refused the watch (exit 3).
    """
    from tiphys.client import WaitTimeout

    try:
        run.wait(timeout if left is None else left, check=False)
    except WaitTimeout as exc:
        if timeout is None or exc.timeout == timeout:
            raise
        raise WaitTimeout(exc.name, timeout, exc.phase) from None
    from tiphys.client.run import TERMINAL_PHASES

    ended = run.phase in TERMINAL_PHASES
    typer.echo(f"{run.name} {run.phase if ended else 'Deleted'}")  # not ended: it was deleted
    return _finish(run)


def _get_view(
    wf: Json, *, status: str | None, node_field_selector: str | None, color: bool
) -> list[str]:
    from tiphys.cli import get_cmd
    from tiphys.cli.render import header, node_tree

    at = get_cmd.now()
    tree = node_tree(
        wf, now=at, color=color, status=status, node_field_selector=node_field_selector
    )
    lines = header(wf, at, tz=get_cmd.TIME_ZONE)
    return [*lines, "", *tree] if tree else lines


def watch_run(
    run: Run,
    timeout: float | None,
    *,
    status: str | None = None,
    node_field_selector: str | None = None,
) -> int:
    """Follow a run until it ends, showing its nodes, then print the final ``get`` view.

    On a terminal the ``get`` view is redrawn in place (:func:`make_live_view`); otherwise
    one line per node change (``HH:MM:SS NAME  PHASE  MESSAGE``), and the last ``get`` view
    also when the timeout passes.

    Args:
        run: The run.
        timeout: Seconds at most, or ``None``.
        status: Show only nodes of this phase (``--status``).
        node_field_selector: Show only matching nodes (``--node-field-selector``).

    Returns:
        0 Succeeded, 1 Failed/Error (the failure on stderr).

    Raises:
        WaitTimeout: ``timeout`` passed first (exit 4).
        ArgoServerError: The server refused the watch (exit 3).
    """
    from tiphys.cli import get_cmd

    def view(wf: Json, color: bool) -> list[str]:
        return _get_view(wf, status=status, node_field_selector=node_field_selector, color=color)

    if stdout_is_terminal():
        live = make_live_view(sys.stdout)
        try:
            for wf in run.watch(timeout):
                live.update(functools.partial(view, wf, False))  # built only when drawn
        finally:
            live.close()
        return _finish(run)
    from tiphys.cli.render import NodeChanges
    from tiphys.client import WaitTimeout

    changes = NodeChanges(tz=get_cmd.TIME_ZONE)
    try:
        for wf in run.watch(timeout):
            for line in changes.feed(wf, get_cmd.now()):
                typer.echo(line)
    except WaitTimeout:  # show where it got to, then exit 4
        if run.workflow.get("status") is not None:
            typer.echo("")
            typer.echo("".join(f"{line}\n" for line in view(run.workflow, False)), nl=False)
        raise
    typer.echo("")
    typer.echo("".join(f"{line}\n" for line in view(run.workflow, False)), nl=False)
    return _finish(run)


_POD_COLORS = ("\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[31m")


def print_log_lines(
    lines: Iterable[LogLine],
    *,
    timestamps: bool,
    color: bool,
    prefix: bool = True,
    colors: dict[str, str] | None = None,
) -> int:
    """Print log lines as ``argo logs`` does: ``POD: LINE``, pod names coloured on a terminal.

    Args:
        lines: The lines.
        timestamps: Put the line's RFC 3339 time (UTC) after the pod name.
        color: Colour each pod's name (one colour per pod, in order of appearance).
        prefix: Print the pod name (``False`` for one pod's logs).
        colors: Pod name to colour code, kept across calls (``tiphys run`` prints one line a
            call); default a new map.

    Returns:
        How many lines were printed.
    """
    colors = {} if colors is None else colors
    count = 0
    for line in lines:
        text = line.content
        if timestamps and line.time is not None:
            stamp = line.time.strftime("%Y-%m-%dT%H:%M:%S")
            micros = line.time.microsecond
            text = f"{stamp}{f'.{micros:06d}'.rstrip('0') if micros else ''}Z {text}"
        if prefix:
            pod = line.pod_name
            if color:
                code = colors.setdefault(pod, _POD_COLORS[len(colors) % len(_POD_COLORS)])
                pod = f"{code}{pod}\x1b[0m"
            text = f"{pod}: {text}"
        typer.echo(text, color=color or None)
        count += 1
    return count


def follow_logs(run: Run, timeout: float | None, *, color: bool, clock: Callable[[], float]) -> int:
    """``--log``: print the run's logs (container ``main``) as they come, then its end.

    The timeout is checked at each line and when a stream ends; one quiet read waits at most
    ``timeout`` seconds, so a silent workflow is given up after a few of them (the log stream
    reconnects a bounded number of times).

    Args:
        run: The run.
        timeout: Seconds at most for the whole follow, or ``None``.
        color: Colour pod names.
        clock: Monotonic clock in seconds.

    Returns:
        0 Succeeded, 1 Failed/Error (the failure on stderr).

    Raises:
        WaitTimeout: ``timeout`` passed first (exit 4).
        ArgoServerError: The server refused a stream (exit 3).
    """
    from tiphys.client import ArgoServerError, WaitTimeout

    start = clock()

    def expired() -> bool:
        return timeout is not None and clock() - start >= timeout

    def bounded(lines: Iterable[LogLine]) -> Iterator[LogLine]:
        for line in lines:
            yield line
            if expired():
                raise WaitTimeout(run.name, float(timeout or 0), run.phase)

    stream = run.logs(follow=True, timeout=timeout)
    try:
        with stream:
            printed = print_log_lines(bounded(stream), timestamps=False, color=color)
    except ArgoServerError:
        if expired():
            raise WaitTimeout(run.name, float(timeout or 0), run.phase) from None
        raise
    if not printed and stream.notice:
        echo_err(stream.notice)
    return wait_run(run, timeout, left=remaining(timeout, start, clock))


WaitOption = Annotated[
    bool, typer.Option("--wait", "-w", help="Wait for the end; print NAME PHASE.")
]
WatchOption = Annotated[
    bool, typer.Option("--watch", help="Show the nodes as they change, then the get view.")
]
LogOption = Annotated[
    bool, typer.Option("--log", help="Print the logs (container main) until the end.")
]


def check_follow_flags(wait: bool, watch: bool, log: bool) -> list[str]:
    """The follow flags given (``--wait``, ``--watch``, ``--log``), in that order.

    Raises:
        typer.Exit: Exit code 2 for ``--wait`` with ``--watch``, or ``--watch`` with ``--log``.
    """
    if wait and watch:
        fail("use either --wait or --watch, not both")
    if watch and log:
        fail(
            "use either --watch or --log, not both (--log with --wait prints the logs, then "
            "the end)"
        )
    return [flag for flag, on in (("--wait", wait), ("--watch", watch), ("--log", log)) if on]


def follow_runs(runs: Iterable[Run], flags: list[str], timeout: float | None) -> None:
    """Follow each run as the flags say (``--watch``; else ``--log``, alone or with ``--wait``:
    the logs, then the end; else ``--wait``).

    Args:
        runs: The runs, followed one after the other.
        flags: What :func:`check_follow_flags` returned; nothing is done when empty.
        timeout: Seconds at most for each run, or ``None``.

    Raises:
        typer.Exit: Exit code 1 when a run ended Failed or Error; 130 on Ctrl-C (the runs not
            finished yet are named, as they keep running).
        WaitTimeout: ``timeout`` passed first (exit 4).
    """
    if not flags:
        return
    code = EXIT_OK
    runs = list(runs)
    for index, run in enumerate(runs):
        with keeps_running([r.name for r in runs[index:]]):
            if "--watch" in flags:
                result = watch_run(run, timeout)
            elif "--log" in flags:  # alone or with --wait: the logs, then the end as --wait
                from tiphys.cli.get_cmd import use_color

                result = follow_logs(run, timeout, color=use_color(False), clock=monotonic)
            else:
                result = wait_run(run, timeout)
        code = max(code, result)
    if code != EXIT_OK:
        raise typer.Exit(code)


def monotonic() -> float:
    """``time.monotonic`` (a module attribute so that tests may replace it)."""
    return time.monotonic()
