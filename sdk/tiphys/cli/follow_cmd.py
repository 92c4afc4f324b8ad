"""``tiphys watch NAME``, ``tiphys wait NAME...`` and ``tiphys logs NAME [POD]``.

Exit codes: 0 Succeeded; 1 a workflow ended Failed or Error (its failed nodes and their
messages on stderr); 2 usage error; 3 server error (a workflow that does not exist is a 404,
exit 3); 4 ``--timeout`` passed first; 130 Ctrl-C (the workflow keeps running on the server).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from tiphys.cli import _follow
from tiphys.cli._common import EXIT_OK, NODE_PHASES, check_phases, echo_err, fail
from tiphys.cli._server import ServerContext, server_command
from tiphys.cli.get_cmd import NodeSelectorOption, NodeStatusOption

if TYPE_CHECKING:
    from tiphys.client import Run

__all__ = ["logs_command", "wait_command", "watch_command"]


def _run(server: ServerContext, name: str) -> Run:
    from tiphys.cli._names import resolve_name
    from tiphys.client import Run

    real = resolve_name(server.client, None, name)
    return Run(server.client, {"metadata": {"name": real, "namespace": server.namespace}})


@server_command
def watch_command(
    server: ServerContext,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Workflow name; @latest is the newest one.")
    ],
    status: NodeStatusOption = None,
    node_field_selector: NodeSelectorOption = None,
    timeout: _follow.TimeoutOption = None,
) -> None:
    """Follow a workflow until it ends, then show it as tiphys get.

    On a terminal the view is redrawn in place (at most 4 times a second); otherwise (CI logs)
    one line per node change: TIME NAME PHASE MESSAGE.

    Exit codes: 0 Succeeded; 1 Failed or Error (the failed nodes on stderr); 2 usage error;
    3 server error; 4 --timeout passed first; 130 Ctrl-C (the workflow keeps running).
    """
    from tiphys.cli.render import node_matcher

    if status and node_field_selector:
        fail("use either --status or --node-field-selector, not both")
    if status and status not in NODE_PHASES:
        check_phases(status, nodes=True)
    if node_field_selector:
        try:
            node_matcher(node_field_selector)
        except ValueError as exc:
            fail(str(exc))
    seconds = _follow.timeout_seconds(timeout)
    run = _run(server, name)
    with _follow.keeps_running([run.name]):
        code = _follow.watch_run(
            run,
            seconds,
            status=status,
            node_field_selector=node_field_selector,
        )
    if code != EXIT_OK:
        raise typer.Exit(code)


@server_command
def wait_command(
    server: ServerContext,
    names: Annotated[
        list[str],
        typer.Argument(metavar="NAME", help="Workflow names; @latest is the newest one."),
    ],
    ignore_not_found: Annotated[
        bool,
        typer.Option("--ignore-not-found", help="Skip workflows that do not exist."),
    ] = False,
    timeout: _follow.TimeoutOption = None,
) -> None:
    """Wait for workflows to end; print "NAME PHASE" for each, as argo wait.

    --timeout bounds the whole wait, over all the names.

    Exit codes: 0 all Succeeded; 1 one ended Failed or Error (the failed nodes on stderr);
    2 usage error; 3 server error (a missing workflow, unless --ignore-not-found); 4 --timeout
    passed first; 130 Ctrl-C (the workflow keeps running).
    """
    from tiphys.client import NotFound

    seconds = _follow.timeout_seconds(timeout)
    start = _follow.monotonic()
    code = EXIT_OK
    for name in names:
        try:
            run = _run(server, name)
            left = _follow.remaining(seconds, start, _follow.monotonic)
            with _follow.keeps_running([run.name]):
                result = _follow.wait_run(run, seconds, left=left)
        except NotFound:
            if not ignore_not_found:
                raise
            continue
        code = max(code, result)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _since_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since-time {text!r} is not an RFC 3339 time: write e.g. 2026-11-29T10:00:00Z")
    if moment.tzinfo is None:
        fail(f"--since-time {text!r} has no zone: add Z (UTC) or an offset like +02:00")
    return moment


@server_command
def logs_command(
    server: ServerContext,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Workflow name; @latest is the newest one.")
    ],
    pod: Annotated[
        str | None,
        typer.Argument(metavar="[POD]", show_default=False, help="Only this pod's logs."),
    ] = None,
    container: Annotated[
        str, typer.Option("--container", "-c", metavar="NAME", help="The container.")
    ] = "main",
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the workflow ends.")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DURATION", help="Only lines of the last 5m, 1h... (0: all)."
        ),
    ] = None,
    since_time: Annotated[
        str | None,
        typer.Option("--since-time", metavar="RFC3339", help="Only lines from this time on."),
    ] = None,
    tail: Annotated[
        int | None,
        typer.Option("--tail", metavar="N", help="Only the last N lines of each pod."),
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option("--grep", metavar="REGEX", help="Only lines matching (RE2, server-side)."),
    ] = None,
    timestamps: Annotated[
        bool, typer.Option("--timestamps", help="Print each line's time (UTC).")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No ANSI colours.")] = False,
) -> None:
    """Print a workflow's logs as "POD: LINE" (pod names coloured on a terminal).

    When there are no lines, stderr says why (e.g. the pods were deleted and the logs were not
    archived).

    Exit codes: 0 printed; 2 usage error; 3 server error (404: no such workflow); 130 Ctrl-C
    (with -f: the workflow keeps running).
    """
    from tiphys.cli.get_cmd import use_color

    if since is not None and since_time is not None:
        fail("use either --since or --since-time, not both")
    since_seconds = None
    if since is not None:
        seconds = _follow.parse_duration(since, "--since")
        if seconds > 0:  # 0 is all lines, as argo's default
            since_seconds = max(int(seconds), 1)
    moment = _since_time(since_time)
    if tail is not None and tail < 0:
        tail = None  # argo's default -1: all lines
    from tiphys.cli._names import resolve_name

    real = resolve_name(server.client, None, name)
    stream = server.client.logs(
        real,
        pod_name=pod,
        container=container,
        follow=follow,
        since_seconds=since_seconds,
        since_time=moment,
        tail_lines=tail,
        grep=grep,
    )
    with _follow.keeps_running([real] if follow else [], logs=True), stream:
        printed = _follow.print_log_lines(stream, timestamps=timestamps, color=use_color(no_color))
    if not printed and stream.notice:
        echo_err(stream.notice)
