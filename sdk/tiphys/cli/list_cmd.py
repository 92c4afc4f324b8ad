"""``tiphys list``: the workflows of a namespace (or all), as ``argo list`` shows them."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from tiphys.cli._common import check_phases, fail
from tiphys.cli._server import ServerContext, server_command

__all__ = ["ListFormat", "list_command", "select_label", "sort_workflows"]

_COMPLETED = "workflows.argoproj.io/completed"
_PHASE = "workflows.argoproj.io/phase"


#: ``fields`` sent for the table and for ``-o name``, as ``argo list`` trims the items (the
#: other formats need whole objects): no ``status.nodes``, which can be megabytes each.
TABLE_FIELDS = (
    "metadata,items.metadata,items.spec,items.status.phase,items.status.message,"
    "items.status.finishedAt,items.status.startedAt,items.status.estimatedDuration,"
    "items.status.progress"
)
NAME_FIELDS = (
    "metadata,items.metadata.name,items.metadata.creationTimestamp,items.status.finishedAt"
)


class ListFormat(enum.StrEnum):
    """``-o`` of ``tiphys list``."""

    default = ""
    name = "name"
    json = "json"
    yaml = "yaml"
    wide = "wide"


def select_label(
    selector: str | None, *, running: bool, completed: bool, status: str | list[str] | None
) -> str | None:
    """The label selector sent: the user's ``-l``, plus what ``--running``, ``--completed``
    and ``--status`` add (``workflows.argoproj.io/completed!=true``, ``...=true``,
    ``workflows.argoproj.io/phase in (Failed,Error)``)."""
    parts = [selector] if selector else []
    if running:
        parts.append(f"{_COMPLETED}!=true")
    if completed:
        parts.append(f"{_COMPLETED}=true")
    if status:
        given = [status] if isinstance(status, str) else status
        phases = [p.strip() for text in given for p in text.split(",") if p.strip()]
        if phases:
            parts.append(f"{_PHASE} in ({','.join(phases)})")
    return ",".join(parts) or None


def _time(value: object) -> datetime | None:
    from tiphys.cli.render._humanize import parse_time

    return parse_time(value)


def _created(wf: Mapping[str, Any]) -> datetime | None:
    return _time((wf.get("metadata") or {}).get("creationTimestamp"))


def _finished(wf: Mapping[str, Any]) -> datetime | None:
    return _time((wf.get("status") or {}).get("finishedAt"))


def sort_workflows(wfs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``argo list`` order: unfinished first (newest created first), then finished (newest
    finish first)."""

    def key(wf: Mapping[str, Any]) -> tuple[int, float]:
        finished = _finished(wf)
        if finished is None:
            created = _created(wf)
            return (0, -created.timestamp() if created else 0.0)
        return (1, -finished.timestamp())

    return sorted(wfs, key=key)


def _seconds(value: str, flag: str) -> float:
    from tiphys.argo.durations import DurationError, parse_duration

    try:
        return parse_duration(value)
    except DurationError as exc:
        fail(f"{flag}: {exc}")


@server_command
def list_command(
    server: ServerContext,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Workflows of every namespace.")
    ] = False,
    running: Annotated[bool, typer.Option("--running", help="Only unfinished workflows.")] = False,
    completed: Annotated[
        bool, typer.Option("--completed", help="Only finished workflows.")
    ] = False,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="PHASES",
            show_default=False,
            help="Only these phases: Failed,Error (or repeated: --status Failed --status Error).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DURATION", help="Only created in the last 1h, 2d..."),
    ] = None,
    older: Annotated[
        str | None,
        typer.Option("--older", metavar="DURATION", help="Only finished more than 1d... ago."),
    ] = None,
    selector: Annotated[
        str | None,
        typer.Option("--selector", "-l", metavar="SELECTOR", help="Label selector: app=x,b!=y."),
    ] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", metavar="PREFIX", help="Only names with it.")
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="FORMAT", show_default=False, help="name, json, yaml, wide."
        ),
    ] = "",
    no_headers: Annotated[bool, typer.Option("--no-headers", help="No header row.")] = False,
) -> None:
    """List workflows (live and archived), newest first, as argo list.

    Exit codes: 0 listed (also when none); 2 usage error; 3 the server refused or could not be
    reached.
    """
    try:
        fmt = ListFormat(output)
    except ValueError:
        fail(f"unknown output format {output!r} (choose name, json, yaml or wide)")
    if running and completed:
        fail("use either --running or --completed, not both")
    check_phases(status)
    from tiphys.cli.get_cmd import now
    from tiphys.cli.render import list_table

    at = now()
    since_s = _seconds(since, "--since") if since else None
    older_s = _seconds(older, "--older") if older else None
    label = select_label(selector, running=running, completed=completed, status=status)
    fields = {ListFormat.default: TABLE_FIELDS, ListFormat.name: NAME_FIELDS}.get(fmt)
    client = server.client
    if all_namespaces:
        from tiphys.client.streams import items_of

        asked = {"listOptions.labelSelector": label, "fields": fields}
        query = {key: value for key, value in asked.items() if value is not None}
        wfs = items_of(client.request("GET", "/api/v1/workflows/", query=query or None))
    else:
        wfs = client.list(label_selector=label, fields=fields)
    if prefix:
        wfs = [w for w in wfs if str((w.get("metadata") or {}).get("name", "")).startswith(prefix)]
    if since_s is not None:
        after = at - timedelta(seconds=since_s)
        wfs = [w for w in wfs if (_created(w) or at) > after]
    if older_s is not None:
        before = at - timedelta(seconds=older_s)
        wfs = [w for w in wfs if (_finished(w) or at) < before]
    wfs = sort_workflows(wfs)
    if fmt is ListFormat.json:  # an array, also of one or none (argo: MarshalIndent)
        typer.echo(json.dumps(wfs, ensure_ascii=False, indent=2))
        return
    if fmt is ListFormat.yaml:  # a YAML sequence
        import yaml

        typer.echo(yaml.safe_dump(wfs, sort_keys=False, allow_unicode=True), nl=False)
        return
    if fmt is ListFormat.name:
        lines = [str((w.get("metadata") or {}).get("name", "")) for w in wfs]
    elif not wfs:  # as argo's PrintWorkflows (not under -o name: scripts read those lines)
        lines = ["No workflows found"]
    else:
        lines = list_table(
            wfs,
            at,
            wide=fmt is ListFormat.wide,
            all_namespaces=all_namespaces,
            no_headers=no_headers,
        )
    typer.echo("".join(f"{line}\n" for line in lines), nl=False)
