"""``tiphys template|cluster-template|cron create|get|list|lint|update|delete`` (+ ``cron
suspend|resume``): the WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow verbs of the
``argo`` CLI, over :attr:`Client.workflow_templates`, :attr:`Client.cluster_workflow_templates`
and :attr:`Client.cron_workflows`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli._common import EXIT_FAILED, EXIT_USAGE, PathsArgument, echo_err, fail, output_format
from tiphys.cli._server import ServerContext, server_command

if TYPE_CHECKING:
    from tiphys.client._resources import Resources

__all__ = [
    "cluster_template_app",
    "cron_app",
    "cron_table",
    "relative",
    "template_app",
]

Json = dict[str, Any]


class Output(enum.StrEnum):
    """``-o`` of create/get/update: the ``argo`` CLI's summary block, or the whole object."""

    text = "text"
    name = "name"
    json = "json"
    yaml = "yaml"


class ListOutput(enum.StrEnum):
    """``-o`` of list: the table, names only, or the items."""

    table = "table"
    name = "name"
    json = "json"
    yaml = "yaml"


@dataclass(frozen=True)
class _Kind:
    kind: str
    command: str
    attr: str
    namespaced: bool


_KINDS = {
    "template": _Kind("WorkflowTemplate", "template", "workflow_templates", True),
    "cluster-template": _Kind(
        "ClusterWorkflowTemplate", "cluster-template", "cluster_workflow_templates", False
    ),
    "cron": _Kind("CronWorkflow", "cron", "cron_workflows", True),
}


def _now() -> datetime:
    """The current time (UTC); tests replace it."""
    return datetime.now(UTC)


def relative(then: datetime, now: datetime) -> str:
    """A short distance between two times, as the ``argo`` CLI's ages: ``45s``, ``12m``,
    ``5h``, ``3d`` (the largest whole unit; the past and the future read alike).

    Args:
        then: A time.
        now: The current time.

    Returns:
        The distance in the largest unit that fits, rounded down.
    """
    seconds = int(abs((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _table(rows: list[list[str]]) -> list[str]:
    """Columns padded as Go's tabwriter with padding 3 (the ``argo`` CLI's lists)."""
    from tiphys.cli.render.get_view import tabulate

    return tabulate(rows, 3)


def _next_run(cron: Json, now: datetime) -> datetime | None:
    from tiphys.argo.cron import next_times

    spec = cron.get("spec") or {}
    times: list[datetime] = []
    for schedule in spec.get("schedules") or []:
        try:
            times += next_times(schedule, spec.get("timezone") or "UTC", now, 1)
        except ValueError:
            continue
    return min(times) if times else None


def cron_table(crons: list[Json], now: datetime, *, namespaces: bool = False) -> list[str]:
    """``cron list``: ``NAME AGE LAST RUN NEXT RUN SCHEDULES TIMEZONE SUSPENDED``.

    Args:
        crons: CronWorkflow objects.
        now: The current time (aware).
        namespaces: Start with a NAMESPACE column (``-A``).

    Returns:
        The header and one line per CronWorkflow. AGE is since ``creationTimestamp``; LAST
        RUN since ``status.lastScheduledTime`` (``N/A`` when none); NEXT RUN until the next
        time of its ``spec.schedules`` in ``spec.timezone`` (UTC when unset, the controller's
        usual zone; ``N/A`` when no schedule can be read); SUSPENDED is ``spec.suspend``.
    """
    from tiphys.cli.render._humanize import parse_time

    rows = [["NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULES", "TIMEZONE", "SUSPENDED"]]
    for cron in crons:
        meta, spec = cron.get("metadata") or {}, cron.get("spec") or {}
        created = parse_time(meta.get("creationTimestamp"))
        last = parse_time((cron.get("status") or {}).get("lastScheduledTime"))
        upcoming = _next_run(cron, now)
        rows.append(
            [
                str(meta.get("name", "")),
                relative(created, now) if created else "",
                relative(last, now) if last else "N/A",
                relative(upcoming, now) if upcoming else "N/A",
                ",".join(spec.get("schedules") or []),
                str(spec.get("timezone") or ""),
                "true" if spec.get("suspend") else "false",
            ]
        )
    if namespaces:
        rows = [
            ["NAMESPACE", *rows[0]],
            *(
                [str((cron.get("metadata") or {}).get("namespace", "")), *row]
                for cron, row in zip(crons, rows[1:], strict=True)
            ),
        ]
    return _table(rows)


def _summary(kind: _Kind, obj: Json, now: datetime) -> list[str]:
    """The ``argo template|cluster-template|cron get`` block.

    As ``printWorkflowTemplate`` (``%-20s %v``: labels padded to 20, a blank, the value) and
    ``getCronWorkflowGet`` (``%-30s %v``): times as ``humanize.Timestamp``
    (``Fri Nov 27 12:00:00 +0000 (2 days ago)``, in the local zone). A CronWorkflow adds its
    schedules, suspension, timezone, starting deadline, concurrency policy, last and next run,
    active workflows, conditions and workflow parameters.
    """
    from tiphys.cli.get_cmd import TIME_ZONE
    from tiphys.cli.render._humanize import timestamp

    meta = obj.get("metadata") or {}
    fields: list[tuple[str, object]] = [("Name:", meta.get("name", ""))]
    if kind.namespaced:
        fields.append(("Namespace:", meta.get("namespace", "")))
    fields.append(("Created:", timestamp(meta.get("creationTimestamp"), now, TIME_ZONE)))
    if kind.kind != "CronWorkflow":
        return [f"{label:<20} {value}".rstrip() for label, value in fields]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    fields.append(("Schedules:", ",".join(spec.get("schedules") or [])))
    fields.append(("Suspended:", "true" if spec.get("suspend") else "false"))
    if spec.get("timezone"):
        fields.append(("Timezone:", spec["timezone"]))
    if spec.get("startingDeadlineSeconds") is not None:
        fields.append(("StartingDeadlineSeconds:", spec["startingDeadlineSeconds"]))
    if spec.get("concurrencyPolicy"):
        fields.append(("ConcurrencyPolicy:", spec["concurrencyPolicy"]))
    if status.get("lastScheduledTime"):
        fields.append(
            ("LastScheduledTime:", timestamp(status["lastScheduledTime"], now, TIME_ZONE))
        )
    upcoming = _next_run(obj, now)
    if upcoming:
        # argo adds "(assumes workflow-controller is in UTC)"; that holds without a timezone
        assumed = "" if spec.get("timezone") else " (assumes workflow-controller is in UTC)"
        fields.append(("NextScheduledTime:", timestamp(upcoming, now, TIME_ZONE) + assumed))
    active = [str(ref.get("name", "")) for ref in status.get("active") or []]
    if active:
        fields.append(("Active Workflows:", ", ".join(active)))
    conditions = status.get("conditions") or []
    if conditions:
        fields.append(("Conditions:", ""))
        for cond in conditions:
            icon = "✖" if cond.get("type") == "SubmissionError" else ""
            text = cond.get("message") or cond.get("status", "")
            fields.append((f"{icon} {cond.get('type', '')}", text))
    params = ((spec.get("workflowSpec") or {}).get("arguments") or {}).get("parameters") or []
    if params:
        fields.append(("Workflow Parameters:", ""))
        for param in params:
            value = param.get("value", param.get("default"))
            if value is not None:
                fields.append((f"  {param.get('name', '')}:", value))
    return [f"{label:<30} {value}".rstrip() for label, value in fields]


def _print(kind: _Kind, objs: list[Json], output: Output) -> None:
    from tiphys.compile.yaml_out import to_yaml

    if output is Output.json:
        for obj in objs:
            typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))
    elif output is Output.yaml:
        typer.echo(to_yaml(objs if len(objs) != 1 else objs[0]), nl=False)
    elif output is Output.name:
        for obj in objs:
            typer.echo((obj.get("metadata") or {}).get("name", ""))
    else:
        now = _now()
        for i, obj in enumerate(objs):
            if i:
                typer.echo("")
            for line in _summary(kind, obj, now):
                typer.echo(line)


OutputOption = Annotated[
    str,
    typer.Option(
        "--output",
        "-o",
        help="text (the argo CLI's summary), name, json or yaml (the whole object).",
    ),
]


def _api(server: ServerContext, kind: _Kind) -> Resources:
    api: Resources = getattr(server.client, kind.attr)
    return api


def _namespace(server: ServerContext, kind: _Kind, doc: Json | None = None) -> str | None:
    if not kind.namespaced:
        return None
    given = server.settings.get("namespace")
    if isinstance(given, str):
        return given
    meta = (doc or {}).get("metadata") or {}
    from_doc = meta.get("namespace")
    return from_doc if isinstance(from_doc, str) and from_doc else server.namespace


def _build(kind: _Kind) -> typer.Typer:
    app = typer.Typer(
        name=kind.command,
        help=f"Manage {kind.kind}s on the Argo Server (as `argo {kind.command}`).",
        no_args_is_help=True,
    )
    noun = kind.kind

    @server_command
    def create(
        server: ServerContext, paths: PathsArgument, output_name: OutputOption = "text"
    ) -> None:
        from tiphys.cli.apply_cmd import checked_manifests

        output = output_format(output_name, Output)
        created: list[Json] = []
        for _source, doc in checked_manifests(paths, (noun,), verb=f"{kind.command} create"):
            created.append(_api(server, kind).create(doc, _namespace(server, kind, doc)))
        _print(kind, created, output)

    create.__doc__ = (
        f"Create {noun}s from Python or YAML files (validated first: with any error nothing "
        "is sent, exit 2). A name that is taken is exit 3: use `tiphys apply` to update."
    )

    @server_command
    def get(
        server: ServerContext,
        names: Annotated[list[str], typer.Argument(metavar="NAME", show_default=False)],
        output_name: OutputOption = "text",
    ) -> None:
        output = output_format(output_name, Output)
        api = _api(server, kind)
        _print(kind, [api.get(name, _namespace(server, kind)) for name in names], output)

    get.__doc__ = f"Show {noun}s."

    @server_command
    def list_(
        server: ServerContext,
        selector: Annotated[
            str | None,
            typer.Option(
                "--selector", "-l", metavar="SELECTOR", help="Label selector: key1=value1,key2."
            ),
        ] = None,
        output_name: Annotated[
            str, typer.Option("--output", "-o", help="table, name, json or yaml.")
        ] = "table",
        all_namespaces: Annotated[
            bool,
            typer.Option(
                "--all-namespaces", "-A", help="Every namespace (a NAMESPACE column first)."
            ),
        ] = False,
    ) -> None:
        from tiphys.compile.yaml_out import to_yaml

        output = output_format(output_name, ListOutput)
        if all_namespaces and not kind.namespaced:
            fail(f"{noun}s have no namespace: list them without -A/--all-namespaces")
        if all_namespaces:
            from tiphys.client._resources import path_of
            from tiphys.client.streams import items_of

            query = {"listOptions.labelSelector": selector} if selector is not None else None
            path = path_of(_api(server, kind).kind, "")
            items = items_of(server.client.request("GET", path, query=query))
        else:
            items = _api(server, kind).list(_namespace(server, kind), label_selector=selector)
        if output is ListOutput.json:
            typer.echo(json.dumps(items, indent=2, ensure_ascii=False))
        elif output is ListOutput.yaml:
            typer.echo(to_yaml(items) if items else "[]\n", nl=False)
        elif output is ListOutput.name:
            for item in items:
                typer.echo((item.get("metadata") or {}).get("name", ""))
        elif kind.kind == "CronWorkflow":
            for line in cron_table(items, _now(), namespaces=all_namespaces):
                typer.echo(line)
        else:
            metas = [i.get("metadata") or {} for i in items]
            rows = [[str(m.get("namespace", "")), str(m.get("name", ""))] for m in metas]
            header = ["NAMESPACE", "NAME"]
            if not all_namespaces:
                rows, header = [row[1:] for row in rows], header[1:]
            for line in _table([header, *rows]):
                typer.echo(line)

    list_.__doc__ = f"List {noun}s."

    @server_command
    def lint(server: ServerContext, paths: PathsArgument) -> None:
        from tiphys.cli._common import check_source, load_sources
        from tiphys.cli.apply_cmd import server_lint
        from tiphys.errors import errors_only

        collection = load_sources(paths, keep_going=True)
        problems = list(collection.errors)
        for source in collection:
            if source.raw or source.kind != noun:
                echo_err(f"{source.location()}: skipped: {source.label} is not a {noun}")
                continue
            doc, _lines, found = check_source(source)
            problems += found
            if doc is not None and not errors_only(found):
                problem = server_lint(server, source, doc)
                if problem is not None:
                    problems.append(problem)
        from tiphys.cli._common import sorted_diagnostics
        from tiphys.compile.sources import USAGE_CODES

        problems = sorted_diagnostics(problems)
        for problem in problems:
            typer.echo(problem.format())
        errors = errors_only(problems)
        if errors:
            typer.echo(f"✖ {len(errors)} linting errors found!")
            usage = any(p.code in USAGE_CODES for p in problems)
            raise typer.Exit(EXIT_USAGE if usage else EXIT_FAILED)
        typer.echo("✔ no linting errors found!")

    lint.__doc__ = (
        f"Lint {noun}s: tiphys's own checks, then the Argo Server's lint endpoint. Exit 1 "
        "when there is an error, 2 when a PATH does not exist (or cannot be used as given)."
    )

    @server_command
    def update(
        server: ServerContext, paths: PathsArgument, output_name: OutputOption = "text"
    ) -> None:
        from tiphys.cli.apply_cmd import checked_manifests
        from tiphys.client.apply import update as update_object

        output = output_format(output_name, Output)
        updated: list[Json] = []
        for _source, doc in checked_manifests(paths, (noun,), verb=f"{kind.command} update"):
            namespace = _namespace(server, kind, doc)
            updated.append(update_object(doc, client=server.client, namespace=namespace))
        _print(kind, updated, output)

    update.__doc__ = (
        f"Replace existing {noun}s with the ones in the files (the server's resourceVersion "
        "is read first). A missing one is exit 3: create it, or use `tiphys apply`."
    )

    @server_command
    def delete(
        server: ServerContext,
        names: Annotated[
            list[str] | None, typer.Argument(metavar="NAME", show_default=False)
        ] = None,
        delete_all: Annotated[
            bool, typer.Option("--all", help="Delete every one of them.")
        ] = False,
    ) -> None:

        api = _api(server, kind)
        namespace = _namespace(server, kind)
        targets = list(names or [])
        if delete_all == bool(targets):
            fail(f"give the names of the {noun}s to delete, or --all (not both)")
        if delete_all:
            targets = [str((i.get("metadata") or {}).get("name")) for i in api.list(namespace)]
        for name in targets:
            api.delete(name, namespace)
            typer.echo(f"{noun} '{name}' deleted")

    delete.__doc__ = f"Delete {noun}s by name, or all of them with --all."

    app.command("create", no_args_is_help=True)(create)
    app.command("get", no_args_is_help=True)(get)
    app.command("list")(list_)
    app.command("lint", no_args_is_help=True)(lint)
    app.command("update", no_args_is_help=True)(update)
    app.command("delete")(delete)
    if kind.kind == "CronWorkflow":
        app.command("suspend", no_args_is_help=True)(_toggle("suspend", "suspended"))
        app.command("resume", no_args_is_help=True)(_toggle("resume", "resumed"))
    return app


def _toggle(action: str, done: str) -> Callable[..., None]:
    @server_command
    def toggle(
        server: ServerContext,
        names: Annotated[list[str], typer.Argument(metavar="NAME", show_default=False)],
    ) -> None:
        api = server.client.cron_workflows
        namespace = server.settings.get("namespace")
        for name in names:
            getattr(api, action)(name, namespace)
            typer.echo(f"CronWorkflow '{name}' {done}")

    toggle.__doc__ = (
        "Stop scheduling CronWorkflows (spec.suspend: true)."
        if action == "suspend"
        else "Schedule suspended CronWorkflows again."
    )
    return toggle


template_app = _build(_KINDS["template"])
cluster_template_app = _build(_KINDS["cluster-template"])
cron_app = _build(_KINDS["cron"])
