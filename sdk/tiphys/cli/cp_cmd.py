"""``tiphys cp NAME OUTPUT_DIR``: download a workflow's output artifacts, as ``argo cp``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli._common import fail
from tiphys.cli._server import ServerContext, server_command

if TYPE_CHECKING:
    from tiphys.client import Run

__all__ = ["DEFAULT_PATH", "artifact_path", "cp_command"]

#: Where each artifact goes under OUTPUT_DIR (argo cp's default ``--path``).
DEFAULT_PATH = "{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}"

_FIELDS = ("namespace", "workflowName", "nodeId", "templateName", "artifactName")


def artifact_path(pattern: str, values: dict[str, str]) -> str:
    """Fill ``--path``: ``{namespace}``, ``{workflowName}``, ``{nodeId}``, ``{templateName}``
    and ``{artifactName}`` are replaced; other text is kept.

    Raises:
        typer.Exit: Exit code 2 when a ``{...}`` is not one of those names.
    """
    import re

    unknown = [m for m in re.findall(r"\{([^{}]*)\}", pattern) if m not in _FIELDS]
    if unknown:
        fail(f"--path {pattern!r}: unknown variable {{{unknown[0]}}} (use {', '.join(_FIELDS)})")
    out = pattern
    for key in _FIELDS:
        out = out.replace("{" + key + "}", values[key])
    return out


@server_command
def cp_command(
    server: ServerContext,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Workflow name; @latest is the newest one.")
    ],
    output_dir: Annotated[
        Path, typer.Argument(metavar="OUTPUT_DIR", help="Directory to write the artifacts in.")
    ],
    artifact_name: Annotated[
        str | None,
        typer.Option("--artifact-name", metavar="NAME", help="Only artifacts of this name."),
    ] = None,
    node_id: Annotated[
        str | None, typer.Option("--node-id", metavar="ID", help="Only this node's artifacts.")
    ] = None,
    template_name: Annotated[
        str | None,
        typer.Option("--template-name", metavar="NAME", help="Only nodes of this template."),
    ] = None,
    path: Annotated[
        str,
        typer.Option(
            "--path",
            metavar="PATTERN",
            help=(
                "Where each artifact goes under OUTPUT_DIR; variables {namespace}, "
                "{workflowName}, {nodeId}, {templateName}, {artifactName}."
            ),
        ),
    ] = DEFAULT_PATH,
) -> None:
    """Download the output artifacts of a workflow's nodes (GET /artifact-files/...).

    Prints "NODE_ID/ARTIFACT -> FILE (N bytes)" per artifact written.

    Exit codes: 0 downloaded (or none matched, said on stderr); 2 usage error; 3 server error
    (404: no such workflow, or the artifact is not stored).
    """
    from tiphys.cli._common import echo_err
    from tiphys.cli._names import resolve_name
    from tiphys.client import Run

    artifact_path(path, dict.fromkeys(_FIELDS, ""))  # a bad pattern fails before any request
    real = resolve_name(server.client, None, name)
    run = Run(server.client, {"metadata": {"name": real, "namespace": server.namespace}})
    wf = run.refresh()
    nodes: dict[str, Any] = (wf.get("status") or {}).get("nodes") or {}
    planned: list[tuple[str, str, Path]] = []
    for nid, node in sorted(nodes.items()):
        if node_id is not None and nid != node_id:
            continue
        template = str(node.get("templateName") or "")
        if template_name is not None and template != template_name:
            continue
        for artifact in (node.get("outputs") or {}).get("artifacts") or []:
            aname = str(artifact.get("name", ""))
            if not aname or (artifact_name is not None and aname != artifact_name):
                continue
            values = {
                "namespace": run.namespace,
                "workflowName": real,
                "nodeId": nid,
                "templateName": template,
                "artifactName": aname,
            }
            planned.append((nid, aname, output_dir / artifact_path(path, values)))
    if not planned:
        echo_err(f"workflow {real} has no output artifacts matching the filters")
        return
    seen: dict[Path, str] = {}
    for nid, aname, target in planned:  # every target checked before the first download
        if target in seen:
            fail(
                f"--path {path!r} puts artifacts {seen[target]} and {nid}/{aname} in the same "
                f"file {target}: add {{nodeId}} to it"
            )
        seen[target] = f"{nid}/{aname}"
        try:
            is_dir = target.is_dir()
        except OSError as exc:  # e.g. a name too long
            fail(f"cannot write artifact {nid}/{aname} to {target}: {exc.strerror or exc}")
        if is_dir:
            fail(
                f"cannot write artifact {nid}/{aname} to {target}: it is a directory; remove it "
                "or choose another --path"
            )
    for nid, aname, target in planned:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"cannot create {target.parent}: {exc.strerror or exc}")
        try:
            size = _download(server, run, real, nid, aname, target)
        except OSError as exc:
            fail(f"cannot write artifact {nid}/{aname} to {target}: {exc.strerror or exc}")
        typer.echo(f"{nid}/{aname} -> {target} ({size} bytes)")


def _download(server: ServerContext, run: Run, name: str, node: str, art: str, to: Path) -> int:
    """Download one artifact; when the live route fails (the workflow deleted), its archived
    copy by uid."""
    from tiphys.client._calls import live_then_archived

    download = functools.partial(
        server.client.download_artifact, name, node, art, to, run.namespace
    )
    return live_then_archived(download, run.uid)
