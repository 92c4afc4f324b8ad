"""The action verbs: ``delete``, ``retry``, ``resubmit``, ``stop``, ``terminate``, ``suspend``,
``resume`` and ``node set``, with the ``argo`` CLI's flags (FACTS §2).

Every verb takes several workflow names (``@latest`` is the newest workflow of the namespace);
``delete``, ``retry``, ``resubmit``, ``stop`` and ``terminate`` also act on the workflows that
``-l/--selector`` (and ``--field-selector``) select: they list them first, then act on each.
Each workflow acted on gets one line on stdout, as the ``argo`` CLI prints it
(``workflow hello-x7k2p stopped``, ``Workflow 'hello-x7k2p' deleted``).

Exit codes: 0 done; 2 usage error (no workflow given, malformed flag, ``delete --all`` without
``--yes`` and no terminal to ask on, or the question answered no); 3 the server refused or could
not be reached. A name the server does not know, or an action it refuses for one workflow
(``Cannot retry a workflow in phase Running``), is reported on stderr with the server's message;
the other workflows are still acted on, and the exit code is 3.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli import _follow
from tiphys.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_SERVER,
    check_phases,
    echo_err,
    fail,
    parse_parameters,
)
from tiphys.cli._names import resolve_name
from tiphys.cli._server import ServerContext, server_command

if TYPE_CHECKING:
    from tiphys.client import ArgoServerError

__all__ = [
    "delete_command",
    "node_app",
    "node_set_command",
    "resubmit_command",
    "resume_command",
    "retry_command",
    "stop_command",
    "suspend_command",
    "terminate_command",
]

Json = dict[str, Any]

#: Label the controller sets on finished workflows (FACTS §1.3).
COMPLETED_LABEL = "workflows.argoproj.io/completed"
#: Label the server sets on a workflow made by ``resubmit`` (FACTS §1.2).
RESUBMITTED_LABEL = "workflows.argoproj.io/resubmitted-from-workflow"
#: Workflow phases after which nothing runs any more.
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Error"})
#: Node phases ``node set --phase`` takes (FACTS §1.3).
NODE_PHASES = ("Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted")

# --- shared options -------------------------------------------------------------------------

NamesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="WORKFLOW...",
        show_default=False,
        help="Workflow names; @latest is the newest workflow of the namespace.",
    ),
]
SelectorOption = Annotated[
    str | None,
    typer.Option(
        "--selector",
        "-l",
        metavar="SELECTOR",
        show_default=False,
        help=(
            "Also act on every workflow with these labels (listOptions.labelSelector, e.g. "
            "'app=x,tier!=db'): they are listed first."
        ),
    ),
]
FieldSelectorOption = Annotated[
    str | None,
    typer.Option(
        "--field-selector",
        metavar="SELECTOR",
        show_default=False,
        help=(
            "Also act on every workflow these fields select (listOptions.fieldSelector, e.g. "
            "'metadata.name!=keep-me')."
        ),
    ),
]


def _checked_node_selector(value: str | None) -> str | None:
    """Refuse a node field selector the server would match against nothing (a typo'd field
    selects no node, so the action silently does nothing).

    Raises:
        typer.BadParameter: A term is malformed or names an unknown field.
    """
    if value is None or not value.strip():  # blank: refused later with its own message
        return value
    from tiphys.client.selectors import node_field_selector_problem

    problem = node_field_selector_problem(value)
    if problem is not None:
        raise typer.BadParameter(problem)
    return value


NodeFieldSelectorOption = Annotated[
    str | None,
    typer.Option(
        "--node-field-selector",
        metavar="SELECTOR",
        show_default=False,
        callback=_checked_node_selector,
        help="Only the nodes this selects, e.g. 'displayName=approve' or 'templateName=main'.",
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Print what would be done and change nothing (names are checked)."
    ),
]
OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FORMAT",
        show_default=False,
        help="name: print only the workflow's name; json: print the workflow as JSON.",
    ),
]

ParameterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        "-p",
        metavar="NAME=VALUE",
        show_default=False,
        help="Change a workflow parameter (repeatable; split on the first '=').",
    ),
]

_OUTPUTS = ("name", "json")


def _check_output(output: str | None) -> None:
    if output is not None and output not in _OUTPUTS:
        fail(f"unknown output format {output!r} (choose name or json)")


# --- selection ------------------------------------------------------------------------------


def _finished(wf: Json) -> bool:
    status = wf.get("status") or {}
    return bool(status.get("finishedAt")) or status.get("phase") in FINISHED_PHASES


def _name(wf: Json) -> str:
    name: str = (wf.get("metadata") or {}).get("name") or ""
    return name


def _select(
    server: ServerContext,
    names: Iterable[str],
    listed: Iterable[Json],
) -> list[tuple[str, bool]]:
    """Given names (resolved), then listed workflows' names, without repeats.

    Returns:
        ``(name, given)`` pairs: ``given`` is true for a name from the command line.
    """
    seen: set[str] = set()
    chosen: list[tuple[str, bool]] = []
    for name in names:
        resolved = resolve_name(server.client, server.namespace, name)
        if resolved not in seen:
            seen.add(resolved)
            chosen.append((resolved, True))
    for wf in listed:
        name = _name(wf)
        if name and name not in seen:
            seen.add(name)
            chosen.append((name, False))
    return chosen


def _list(server: ServerContext, selector: str | None, field_selector: str | None) -> list[Json]:
    if selector is None and field_selector is None:
        return []
    return server.client.list(
        server.namespace, label_selector=selector, field_selector=field_selector
    )


def _need_targets(names: list[str] | None, *flags: object, what: str) -> None:
    if not names and not any(flag is not None and flag is not False for flag in flags):
        fail(f"no workflow given: name one or more workflows (or @latest){what}")


def _act(
    targets: Iterable[tuple[str, bool]],
    action: Callable[[str], str | None],
) -> None:
    """Run ``action`` on each target and print its line; a per-workflow refusal is reported.

    A not-found name, an invalid request (the server refuses the action for this workflow) and
    a conflict are printed on stderr and the other workflows are still acted on; the command
    then exits 3. Other server errors (token refused, server down) stop at once (exit 3).
    """
    from tiphys.client import Conflict, InvalidRequest, NotFound

    refused = False
    for name, _given in targets:
        try:
            line = action(name)
        except (NotFound, InvalidRequest, Conflict) as exc:
            _report(exc)
            refused = True
            continue
        if line is not None:
            typer.echo(line)
    if refused:
        raise typer.Exit(EXIT_SERVER)


def _report(exc: ArgoServerError) -> None:
    echo_err(f"tiphys: error: {exc}")


# --- delete ---------------------------------------------------------------------------------


def _confirm(question: str) -> bool:
    """Ask ``question [y/N]`` on stderr. End of input (Ctrl-D) is no; Ctrl-C exits 130 (click
    makes both an ``Abort``: "Aborted!", exit 1).

    Raises:
        typer.Exit: 130 on Ctrl-C.
    """
    try:
        return typer.confirm(question, default=False, err=True)
    except (KeyboardInterrupt, typer.Abort) as exc:
        echo_err("")
        if isinstance(exc, KeyboardInterrupt) or isinstance(exc.__context__, KeyboardInterrupt):
            echo_err("tiphys: interrupted: nothing deleted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        return False


def _stdin_is_terminal() -> bool:
    """Whether the user can be asked a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _older_than(wf: Json, cutoff: datetime) -> bool:
    finished = (wf.get("status") or {}).get("finishedAt")
    if not finished:
        return False
    try:
        when = datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < cutoff


def _join(*selectors: str | None) -> str | None:
    parts = [s for s in selectors if s]
    return ",".join(parts) if parts else None


@server_command
def delete_command(
    server: ServerContext,
    names: NamesArgument = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help=(
                "Delete every workflow of the namespace (that the other flags select). Asks "
                "first unless --yes; without a terminal to ask on, --yes is required."
            ),
        ),
    ] = False,
    completed: Annotated[
        bool,
        typer.Option("--completed", help=f"Delete the finished workflows ({COMPLETED_LABEL})."),
    ] = False,
    older: Annotated[
        str | None,
        typer.Option(
            "--older",
            metavar="DURATION",
            show_default=False,
            help="Delete the workflows that finished longer ago than this (10m, 3h, 1d).",
        ),
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            metavar="PREFIX",
            show_default=False,
            help="Delete the workflows whose name starts with this.",
        ),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="PHASE[,PHASE]",
            show_default=False,
            help="Delete the workflows in these phases (Running,Failed,...; or repeated).",
        ),
    ] = None,
    resubmitted: Annotated[
        bool,
        typer.Option(
            "--resubmitted", help=f"Delete the workflows made by resubmit ({RESUBMITTED_LABEL})."
        ),
    ] = False,
    selector: SelectorOption = None,
    field_selector: FieldSelectorOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Also remove finalizers, so that stuck workflows go at once."),
    ] = False,
    dry_run: DryRunOption = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask before deleting with --all.")
    ] = False,
) -> None:
    """Delete workflows: by name, or every workflow the flags select (listed first).

    Prints "Workflow 'NAME' deleted" per workflow ("(dry-run)" added with --dry-run). The
    selection flags combine: a workflow is deleted when all of them hold. A selected workflow
    already gone when it is deleted is noted on stderr and is not an error.

    Exit code: 0 done; 2 usage error, or --all answered no / without --yes and no terminal;
    3 a given name does not exist or the server refused (the other workflows are still deleted).

    \b
    Examples:
      tiphys delete hello-x7k2p @latest
      tiphys delete --completed --older 7d -l app=release
      tiphys delete --all --dry-run
    """
    from tiphys.argo.durations import DurationError, parse_duration

    selecting = bool(
        completed or older or prefix or status or resubmitted or selector or field_selector
    )
    if names and all_:
        fail("--all deletes every workflow of the namespace: give names or --all, not both")
    if not names and not all_ and not selecting:
        fail(
            "no workflow given: name one or more workflows (or @latest), or select them with "
            "--all, --completed, --older, --prefix, --status, --resubmitted, -l or "
            "--field-selector"
        )
    cutoff: datetime | None = None
    if older is not None:
        try:
            cutoff = datetime.now(UTC) - timedelta(seconds=parse_duration(older))
        except DurationError as exc:
            raise typer.BadParameter(str(exc), param_hint="'--older'") from None
    phases = set(check_phases(status))
    if all_ and not yes and not dry_run and not _stdin_is_terminal():
        fail(
            f"--all deletes every workflow in namespace {server.namespace!r} and stdin is not "
            "a terminal to ask on: add --yes to delete without asking (or --dry-run to see "
            "which)"
        )

    listed: list[Json] = []
    if all_ or selecting:
        label_selector = _join(
            selector,
            f"{COMPLETED_LABEL}=true" if completed else None,
            RESUBMITTED_LABEL if resubmitted else None,
        )
        listed = [
            wf
            for wf in server.client.list(
                server.namespace, label_selector=label_selector, field_selector=field_selector
            )
            if (cutoff is None or _older_than(wf, cutoff))
            and (prefix is None or _name(wf).startswith(prefix))
            and (not phases or (wf.get("status") or {}).get("phase") in phases)
        ]
        if not listed and not names:
            echo_err(f"tiphys: no workflow selected in namespace {server.namespace!r}")
            return
    targets = _select(server, names or [], listed)
    if all_ and not yes and not dry_run:
        question = (
            f"Delete {len(targets)} workflow{'s' if len(targets) != 1 else ''} in namespace "
            f"{server.namespace!r}?"
        )
        if not _confirm(question):
            fail("nothing deleted")

    from tiphys.client import Conflict, InvalidRequest, NotFound

    refused = False
    for name, given in targets:
        try:
            if dry_run:
                if given:
                    server.client.get(name, server.namespace, fields="metadata.name")
                typer.echo(f"Workflow '{name}' deleted (dry-run)")
                continue
            server.client.delete(name, server.namespace, force=force)
        except NotFound as exc:
            if given:
                _report(exc)
                refused = True
            else:
                echo_err(f"Workflow '{name}' not found (deleted meanwhile)")
            continue
        except (InvalidRequest, Conflict) as exc:
            _report(exc)
            refused = True
            continue
        typer.echo(f"Workflow '{name}' deleted")
    if refused:
        raise typer.Exit(EXIT_SERVER)


# --- retry and resubmit ---------------------------------------------------------------------


def _printer(output: str | None, line: Callable[[Json], str]) -> Callable[[Json], str]:
    def show(wf: Json) -> str:
        if output == "name":
            return _name(wf)
        if output == "json":
            return json.dumps(wf, indent=2)
        return line(wf)

    return show


@server_command
def retry_command(
    server: ServerContext,
    names: NamesArgument = None,
    restart_successful: Annotated[
        bool,
        typer.Option(
            "--restart-successful",
            help="Also re-run the succeeded nodes that --node-field-selector selects.",
        ),
    ] = False,
    node_field_selector: NodeFieldSelectorOption = None,
    parameter: ParameterOption = None,
    selector: SelectorOption = None,
    field_selector: FieldSelectorOption = None,
    output: OutputOption = None,
    wait: _follow.WaitOption = False,
    watch: _follow.WatchOption = False,
    log: _follow.LogOption = False,
    timeout: _follow.TimeoutOption = None,
) -> None:
    """Retry Failed or Error workflows in place (PUT .../retry).

    Prints "workflow NAME retried" per workflow. With -l or --field-selector, the Failed and
    Error workflows selected are retried (the others are skipped).

    --wait, --watch and --log then follow the retried workflows as with tiphys submit.

    Exit code: 0 done; 1 a followed workflow ended Failed or Error; 2 usage error; 3 a name
    does not exist or the server refused (e.g. the workflow is still running); the other
    workflows are still retried; 4 --timeout passed first.

    \b
    Examples:
      tiphys retry @latest
      tiphys retry build-4kq2z --restart-successful --node-field-selector templateName=test
    """
    _check_output(output)
    follow = _follow.check_follow_flags(wait, watch, log)
    seconds = _follow.timeout_seconds(timeout)
    _need_targets(names, selector, field_selector, what=", or select them with -l")
    parameters = parse_parameters(parameter) or None
    acted: list[Json] = []
    listed = [
        wf
        for wf in _list(server, selector, field_selector)
        if (wf.get("status") or {}).get("phase") in ("Failed", "Error")
    ]
    show = _printer(output, lambda wf: f"workflow {_name(wf)} retried")

    def act(name: str) -> str:
        wf = server.client.retry(
            name,
            server.namespace,
            restart_successful=restart_successful,
            node_field_selector=node_field_selector,
            parameters=parameters,
        )
        acted.append(wf)
        return show(wf)

    _act(_select(server, names or [], listed), act)
    _follow_acted(server, acted, follow, seconds)


def _follow_acted(
    server: ServerContext, workflows: list[Json], follow: list[str], seconds: float | None
) -> None:
    """``--wait``/``--watch``/``--log`` on the workflows a retry or resubmit returned."""
    if not follow:
        return
    from tiphys.client import Run

    _follow.follow_runs([Run(server.client, wf) for wf in workflows], follow, seconds)


@server_command
def resubmit_command(
    server: ServerContext,
    names: NamesArgument = None,
    memoized: Annotated[
        bool,
        typer.Option("--memoized", help="Reuse the outputs of the nodes that succeeded."),
    ] = False,
    parameter: ParameterOption = None,
    selector: SelectorOption = None,
    field_selector: FieldSelectorOption = None,
    output: OutputOption = None,
    wait: _follow.WaitOption = False,
    watch: _follow.WatchOption = False,
    log: _follow.LogOption = False,
    timeout: _follow.TimeoutOption = None,
) -> None:
    """Submit a new workflow from each given one (PUT .../resubmit); the old ones stay.

    Prints "workflow OLD resubmitted as NEW" per workflow (-o name: NEW only).

    --wait, --watch and --log then follow the new workflows as with tiphys submit.

    Exit code: 0 done; 1 a followed workflow ended Failed or Error; 2 usage error; 3 a name
    does not exist or the server refused; the other workflows are still resubmitted; 4
    --timeout passed first.

    \b
    Examples:
      tiphys resubmit @latest --memoized
      tiphys resubmit release-8xv2c -p tag=v1.2.1 -o name
    """
    _check_output(output)
    follow = _follow.check_follow_flags(wait, watch, log)
    seconds = _follow.timeout_seconds(timeout)
    _need_targets(names, selector, field_selector, what=", or select them with -l")
    parameters = parse_parameters(parameter) or None
    listed = _list(server, selector, field_selector)
    acted: list[Json] = []

    def act(name: str) -> str:
        wf = server.client.resubmit(
            name, server.namespace, memoized=memoized, parameters=parameters
        )
        acted.append(wf)
        show = _printer(output, lambda new: f"workflow {name} resubmitted as {_name(new)}")
        return show(wf)

    _act(_select(server, names or [], listed), act)
    _follow_acted(server, acted, follow, seconds)


# --- stop, terminate, suspend, resume -------------------------------------------------------


def _shutdown(
    server: ServerContext,
    names: list[str] | None,
    selector: str | None,
    field_selector: str | None,
    dry_run: bool,
    done: str,
    call: Callable[[str], Json],
) -> None:
    _need_targets(names, selector, field_selector, what=", or select them with -l")
    listed = [wf for wf in _list(server, selector, field_selector) if not _finished(wf)]
    targets = _select(server, names or [], listed)

    def act(name: str) -> str:
        if dry_run:
            if name in {n for n, given in targets if given}:
                server.client.get(name, server.namespace, fields="metadata.name")
            return f"workflow {name} {done} (dry-run)"
        return f"workflow {_name(call(name)) or name} {done}"

    _act(targets, act)


@server_command
def stop_command(
    server: ServerContext,
    names: NamesArgument = None,
    message: Annotated[
        str | None,
        typer.Option(
            "--message",
            metavar="TEXT",
            show_default=False,
            help="Message recorded on the nodes that were running.",
        ),
    ] = None,
    node_field_selector: NodeFieldSelectorOption = None,
    selector: SelectorOption = None,
    field_selector: FieldSelectorOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Stop workflows; their exit handlers still run (PUT .../stop).

    Prints "workflow NAME stopped" per workflow. With -l or --field-selector, the unfinished
    workflows selected are stopped.

    Exit code: 0 done; 2 usage error; 3 a name does not exist or the server refused; the other
    workflows are still stopped.
    """
    _shutdown(
        server,
        names,
        selector,
        field_selector,
        dry_run,
        "stopped",
        lambda name: server.client.stop(
            name, server.namespace, message=message, node_field_selector=node_field_selector
        ),
    )


@server_command
def terminate_command(
    server: ServerContext,
    names: NamesArgument = None,
    selector: SelectorOption = None,
    field_selector: FieldSelectorOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Terminate workflows at once; exit handlers do not run (PUT .../terminate).

    Prints "workflow NAME terminated" per workflow. With -l or --field-selector, the
    unfinished workflows selected are terminated.

    Exit code: 0 done; 2 usage error; 3 a name does not exist or the server refused; the other
    workflows are still terminated.
    """
    _shutdown(
        server,
        names,
        selector,
        field_selector,
        dry_run,
        "terminated",
        lambda name: server.client.terminate(name, server.namespace),
    )


@server_command
def suspend_command(server: ServerContext, names: NamesArgument = None) -> None:
    """Suspend workflows: no new step starts until resume (PUT .../suspend).

    Prints "workflow NAME suspended" per workflow. Exit code: 0 done; 2 usage error; 3 a name
    does not exist or the server refused (the other workflows are still suspended).
    """
    _need_targets(names, what="")

    def act(name: str) -> str:
        return f"workflow {_name(server.client.suspend(name, server.namespace)) or name} suspended"

    _act(_select(server, names or [], []), act)


@server_command
def resume_command(
    server: ServerContext,
    names: NamesArgument = None,
    node_field_selector: NodeFieldSelectorOption = None,
) -> None:
    """Resume suspended workflows, or only the suspend nodes a selector picks (PUT .../resume).

    Prints "workflow NAME resumed" per workflow. Exit code: 0 done; 2 usage error; 3 a name
    does not exist or the server refused (the other workflows are still resumed).
    """
    _need_targets(names, what="")

    def act(name: str) -> str:
        wf = server.client.resume(name, server.namespace, node_field_selector=node_field_selector)
        return f"workflow {_name(wf) or name} resumed"

    _act(_select(server, names or [], []), act)


# --- node set -------------------------------------------------------------------------------

node_app = typer.Typer(
    name="node",
    help="Act on the nodes of a workflow (set: complete a suspend node with outputs).",
    no_args_is_help=True,
)


def _output_parameters(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(
                f"{item!r} is not NAME=VALUE (e.g. approve=yes)",
                param_hint="'--output-parameter'",
            )
        values[key.strip()] = value
    return values


@server_command
def node_set_command(
    server: ServerContext,
    name: Annotated[
        str,
        typer.Argument(
            metavar="WORKFLOW", help="Workflow name; @latest is the newest of the namespace."
        ),
    ],
    node_field_selector: Annotated[
        str,
        typer.Option(
            "--node-field-selector",
            metavar="SELECTOR",
            callback=_checked_node_selector,
            help="The nodes to set, e.g. 'displayName=approve'.",
        ),
    ],
    output_parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--output-parameter",
            metavar="NAME=VALUE",
            show_default=False,
            help=(
                "Value of one of the node's supplied output parameters (repeatable; split on "
                "the first '=')."
            ),
        ),
    ] = None,
    phase: Annotated[
        str | None,
        typer.Option(
            "--phase",
            metavar="PHASE",
            show_default=False,
            help=f"New phase of the nodes: {', '.join(NODE_PHASES)}.",
        ),
    ] = None,
    message: Annotated[
        str | None,
        typer.Option(
            "--message", metavar="TEXT", show_default=False, help="New message of the nodes."
        ),
    ] = None,
) -> None:
    """Set the output parameters, phase or message of nodes (PUT .../set).

    Used to complete a suspend node that waits for values. Prints "workflow NAME: set nodes
    matching SELECTOR". Exit code: 0 done; 2 usage error; 3 the workflow does not exist or the
    server refused.

    \b
    Examples:
      tiphys node set @latest --node-field-selector displayName=approve \\
          --output-parameter approve=yes
      tiphys node set release-8xv2c --node-field-selector id=release-8xv2c-1 --phase Failed
    """
    outputs = _output_parameters(output_parameter)
    if phase is not None and phase not in NODE_PHASES:
        fail(f"unknown node phase {phase!r} (choose {', '.join(NODE_PHASES)})")
    if outputs is None and phase is None and message is None:
        fail("nothing to set: give --output-parameter NAME=VALUE, --phase or --message")
    if not node_field_selector.strip():
        fail("--node-field-selector is empty: select the nodes, e.g. 'displayName=approve'")

    def act(wf_name: str) -> str:
        wf = server.client.set(
            wf_name,
            node_field_selector,
            server.namespace,
            output_parameters=outputs,
            phase=phase,
            message=message,
        )
        return f"workflow {_name(wf) or wf_name}: set nodes matching {node_field_selector}"

    _act(_select(server, [name], []), act)


node_app.command("set", no_args_is_help=True)(node_set_command)
