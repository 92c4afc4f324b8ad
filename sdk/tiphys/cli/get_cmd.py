"""``tiphys get NAME...``: one or more workflows as ``argo get`` shows them.

The default view is the header block and the node tree (:mod:`tiphys.cli.render`); ``-o
short`` is the tree only, ``-o wide`` adds the ARTIFACTS, RESOURCESDURATION and NODENAME
columns; ``name``, ``json`` and ``yaml`` print the workflow itself.
"""

from __future__ import annotations

import enum
import os
import sys
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

import typer

from tiphys.cli._common import NODE_PHASES, check_phases, fail
from tiphys.cli._server import ServerContext, server_command

__all__ = ["GetFormat", "get_command", "use_color"]

#: Zone of the shown times (``None``: local) and the clock; tests replace them.
TIME_ZONE: tzinfo | None = None


def now() -> datetime:
    """The current time (UTC, aware)."""
    return datetime.now(UTC)


class GetFormat(enum.StrEnum):
    """``-o`` of ``tiphys get``."""

    default = ""
    name = "name"
    json = "json"
    yaml = "yaml"
    short = "short"
    wide = "wide"


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (tests replace it)."""
    return sys.stdout.isatty()


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, without ``--no-color``, ``NO_COLOR`` or ``TERM=dumb``."""
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stdout_is_terminal()


def dump(objects: list[dict[str, Any]], output: str) -> str:
    """Objects as ``-o json`` (one indented document each) or ``-o yaml`` (a YAML stream)."""
    from tiphys.compile.yaml_out import to_json, to_yaml

    if output == "json":
        return "".join(to_json(obj) for obj in objects)
    return to_yaml(objects)


def _get(server: ServerContext, name: str) -> dict[str, Any]:
    """``GET /api/v1/workflows/{ns}/{name}`` (the server resolves ``@latest`` itself)."""
    from tiphys.cli._names import LATEST, latest_not_found
    from tiphys.client import NotFound

    try:
        return server.client.get(name)
    except NotFound as exc:
        if name != LATEST:
            raise
        raise latest_not_found(exc, server.namespace) from None


NodeStatusOption = Annotated[
    str | None,
    typer.Option("--status", metavar="PHASE", help="Show only nodes of this phase (e.g. Failed)."),
]
"""``--status`` of the node views (``get``, ``watch``)."""

NodeSelectorOption = Annotated[
    str | None,
    typer.Option(
        "--node-field-selector",
        metavar="SELECTOR",
        help="Show only matching nodes: phase=Failed,templateName=build (= == !=).",
    ),
]
"""``--node-field-selector`` of the node views (``get``, ``watch``)."""


@server_command
def get_command(
    server: ServerContext,
    names: Annotated[
        list[str],
        typer.Argument(metavar="NAME", help="Workflow names; @latest is the newest one."),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            show_default=False,
            help="name, json, yaml, short (the node tree only) or wide (more columns).",
        ),
    ] = "",
    status: NodeStatusOption = None,
    node_field_selector: NodeSelectorOption = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No ANSI colours.")] = False,
    no_utf8: Annotated[
        bool, typer.Option("--no-utf8", help="Words and ASCII instead of icons and box lines.")
    ] = False,
) -> None:
    """Show workflows: status, times, parameters and the node tree, as argo get.

    Exit codes: 0 shown; 2 usage error; 3 the server refused or could not be reached (a
    workflow that does not exist is 404, exit 3).
    """
    try:
        fmt = GetFormat(output)
    except ValueError:
        fail(f"unknown output format {output!r} (choose name, json, yaml, short or wide)")
    from tiphys.cli.render import header, node_matcher, node_tree

    if status and node_field_selector:
        fail("use either --status or --node-field-selector, not both")
    if status and status not in NODE_PHASES:
        check_phases(status, nodes=True)
    if node_field_selector:
        try:
            node_matcher(node_field_selector)
        except ValueError as exc:
            fail(str(exc))
    if fmt in (GetFormat.json, GetFormat.yaml):
        workflows = [_get(server, name) for name in names]
        typer.echo(dump(workflows, fmt.value), nl=False)
        return
    at = now()
    separator = "" if fmt is GetFormat.name else "\n"
    for i, name in enumerate(names):  # each shown as it is read, as argo get
        wf = _get(server, name)
        if fmt is GetFormat.name:
            block = [str((wf.get("metadata") or {}).get("name", ""))]
        else:
            tree = node_tree(
                wf,
                now=at,
                utf8=not no_utf8,
                color=use_color(no_color),
                wide=fmt is GetFormat.wide,
                short=fmt is GetFormat.short,
                status=status,
                node_field_selector=node_field_selector,
            )
            if fmt is GetFormat.short and tree:  # argo: the tree replaces the header, if any
                block = tree
            else:
                lines = header(wf, at, tz=TIME_ZONE, utf8=not no_utf8)
                block = [*lines, "", *tree] if tree else lines
        text = "".join(f"{line}\n" for line in block)
        typer.echo((separator if i else "") + text, nl=False)
