"""``tiphys apply``: create or update the WorkflowTemplates, ClusterWorkflowTemplates and
CronWorkflows found in Python and YAML files; and the helpers the template commands share.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli._common import (
    EXIT_USAGE,
    PathsArgument,
    check_source,
    echo_err,
    fail,
    load_sources,
    report,
    sorted_diagnostics,
)
from tiphys.cli._server import ServerContext, server_command
from tiphys.errors import Diagnostic, errors_only

if TYPE_CHECKING:
    from tiphys.compile.sources import Source

__all__ = [
    "SERVER_LINT",
    "apply_command",
    "apply_order",
    "checked_manifests",
    "color_diff",
    "server_lint",
]

#: Diagnostic code of a problem found by the Argo Server's lint endpoint (``lint --server``).
SERVER_LINT = "S201"

_APPLIED_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")


def _skip_note(source: Source, kinds: Collection[str], verb: str) -> str:
    where = source.location()
    if source.kind == "Workflow" and verb == "apply":
        return (
            f"{where}: skipped: {source.label} runs once and is not applied: submit it with "
            f"`tiphys submit {source.file}`"
        )
    wanted = ", ".join(kinds)
    return f"{where}: skipped: {source.label} is not a {wanted}"


def checked_manifests(
    paths: list[str], kinds: Collection[str] = _APPLIED_KINDS, *, verb: str = "apply"
) -> list[tuple[Source, dict[str, Any]]]:
    """Collect, compile and validate the sources of ``kinds`` named by ``paths``.

    Other kinds are skipped with a note on stderr (a Workflow: use ``submit``). Every problem is
    reported on stderr as ``FILE:LINE: MESSAGE``; when any source has an error, nothing is
    returned and the command exits 2, so that nothing of it (nor of the others) is sent.

    Args:
        paths: The ``PATH...`` arguments (as ``compile`` and ``lint`` take them).
        kinds: The kinds the command handles.
        verb: The command, for the notes (``apply``, ``create``...).

    Returns:
        ``(source, manifest)`` of each valid source of ``kinds``, in order.

    Raises:
        typer.Exit: 2 when a source has errors, or none of ``kinds`` was found.
    """
    collection = load_sources(paths, keep_going=True)
    report(collection.errors)
    failed = bool(collection.errors)
    found: list[tuple[Source, dict[str, Any]]] = []
    for source in collection:
        if source.raw or source.kind not in kinds:
            echo_err(_skip_note(source, kinds, verb))
            continue
        doc, _line_of, diagnostics = check_source(source)
        report(sorted_diagnostics(diagnostics))
        if doc is None or errors_only(diagnostics):
            failed = True
            continue
        found.append((source, doc))
    if failed:
        echo_err(f"tiphys: nothing was sent: fix the errors above and run {verb} again")
        raise typer.Exit(EXIT_USAGE)
    if not found:
        fail(f"no {' or '.join(kinds)} found in {', '.join(paths)}")
    return found


def _references(value: Any, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The ``(kind, name)`` of every template a spec refers to (``templateRef``,
    ``workflowTemplateRef``; ``clusterScope`` picks ClusterWorkflowTemplate)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("templateRef", "workflowTemplateRef") and isinstance(item, dict):
                kind = "ClusterWorkflowTemplate" if item.get("clusterScope") else "WorkflowTemplate"
                if isinstance(item.get("name"), str):
                    found.add((kind, item["name"]))
            _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)
    return found


def apply_order(
    found: list[tuple[Source, dict[str, Any]]],
) -> list[tuple[Source, dict[str, Any]]]:
    """``found`` with every template applied before the objects that refer to it.

    The Argo Server validates ``templateRef`` and ``workflowTemplateRef`` when a template or
    CronWorkflow is created or updated (a missing template is a 400), so ``tiphys apply
    templates/`` must send what is referenced first. Otherwise the order is kept; a cycle
    keeps its file order (the server then says what is missing).

    Args:
        found: ``(source, manifest)`` pairs, as :func:`checked_manifests` returns them.

    Returns:
        The same pairs, reordered.
    """

    def key(doc: dict[str, Any]) -> tuple[str, str]:
        return (str(doc.get("kind")), str((doc.get("metadata") or {}).get("name")))

    present = {key(doc) for _source, doc in found}
    needs = [_references(doc.get("spec"), set()) & present - {key(doc)} for _s, doc in found]
    done: set[tuple[str, str]] = set()
    left = list(range(len(found)))
    ordered: list[tuple[Source, dict[str, Any]]] = []
    while left:
        ready = next((i for i in left if needs[i] <= done), left[0])
        left.remove(ready)
        done.add(key(found[ready][1]))
        ordered.append(found[ready])
    return ordered


def server_lint(server: ServerContext, source: Source, doc: dict[str, Any]) -> Diagnostic | None:
    """Lint one manifest with the Argo Server's lint endpoint of its kind.

    ``POST /api/v1/{workflows|workflow-templates|cron-workflows}/{namespace}/lint`` or
    ``/api/v1/cluster-workflow-templates/lint``.

    Args:
        server: The command's connection.
        source: Where the manifest came from (for the location).
        doc: The manifest.

    Returns:
        ``None`` when the server accepts it, else an error (code :data:`SERVER_LINT`) with the
        server's message whole.

    Raises:
        ArgoServerError: Any other failure than a 400 (unreachable, 401, 403...).
    """
    from tiphys.client import InvalidRequest

    client = server.client
    namespace = server.settings.get("namespace") or (doc.get("metadata") or {}).get("namespace")
    try:
        if doc.get("kind") == "Workflow":
            client.lint(doc, namespace)
        elif doc.get("kind") == "WorkflowTemplate":
            client.workflow_templates.lint(doc, namespace)
        elif doc.get("kind") == "ClusterWorkflowTemplate":
            client.cluster_workflow_templates.lint(doc)
        else:
            client.cron_workflows.lint(doc, namespace)
    except InvalidRequest as exc:
        return Diagnostic(
            SERVER_LINT,
            f"the Argo Server rejects {source.label}: {exc.server_message or exc.message}",
            location=source.location(),
        )
    return None


_DIFF_COLORS = (("---", "1"), ("+++", "1"), ("@@", "36"), ("-", "31"), ("+", "32"))


def color_diff(text: str) -> str:
    """A unified diff with git's ANSI colours: bold file headers, cyan hunk headers, red
    removed and green added lines; context lines as they are."""
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        code = next((c for start, c in _DIFF_COLORS if body.startswith(start)), None)
        lines.append(f"\x1b[{code}m{body}\x1b[0m{line[len(body) :]}" if code else line)
    return "".join(lines)


@server_command
def apply_command(
    server: ServerContext,
    paths: PathsArgument,
    show_diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help=(
                "Only print a unified diff from the server's copy of each object to the local "
                "one (spec, labels, annotations; nothing when they are the same); change "
                "nothing (for a review job)."
            ),
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Change nothing on the server: only read it and say what would be done.",
        ),
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No ANSI colours in the --diff output.")
    ] = False,
) -> None:
    """Create or update WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows.

    Every one of them found in PATH... is compiled (Python) or read (YAML) and validated first;
    if any has an error, nothing is sent (exit 2). Each is then read from the server: created
    when missing, updated with the server's resourceVersion when its spec, labels or
    annotations differ, else left unchanged. Templates go before what refers to them
    (templateRef, workflowTemplateRef), else file order. One line per object:
    'workflowtemplate/release created'. --diff only prints what would change. Workflows
    are skipped (submit them). -n sets the namespace of every object; without it,
    metadata.namespace, else ARGO_NAMESPACE.

    Exit code: 0 done; 2 an input error (nothing sent); 3 a server error (the objects before
    it were applied; a 409 means the object changed meanwhile: run apply again).

    \b
    Examples:
      tiphys apply templates/
      tiphys apply --diff templates/
      tiphys apply --dry-run workflows/release.py
    """
    from tiphys.cli.get_cmd import use_color
    from tiphys.client.apply import apply, diff

    found = apply_order(checked_manifests(paths))
    namespace = server.settings.get("namespace")
    color = show_diff and use_color(no_color)
    for _source, doc in found:
        if show_diff:
            text = diff(doc, client=server.client, namespace=namespace)
            typer.echo(color_diff(text) if color else text, nl=False, color=color or None)
            continue
        result = apply(doc, client=server.client, namespace=namespace, dry_run=dry_run)
        typer.echo(str(result))
