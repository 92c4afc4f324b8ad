"""``tiphys lint``: check workflow sources and report every problem."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from tiphys.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    PathsArgument,
    TextOrJson,
    check_source,
    load_sources,
    output_format,
    sorted_diagnostics,
)
from tiphys.cli._server import ServerContext, server_command
from tiphys.errors import Diagnostic, errors_only

__all__ = ["lint_command", "summary"]


@server_command
def lint_command(
    server: ServerContext,
    paths: PathsArgument,
    output_name: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help=(
                "text: one FILE:LINE: MESSAGE line per problem, then a summary. json: a list "
                "of {file, line, path, code, severity, message} objects (path is the manifest "
                "field, e.g. spec.templates[0].container)."
            ),
        ),
    ] = "text",
    use_server: Annotated[
        bool,
        typer.Option(
            "--server",
            help=(
                "Also lint each workflow that passes tiphys's checks with the Argo Server's "
                "lint endpoint (its rejections are errors with code S201); needs ARGO_SERVER "
                "or -s."
            ),
        ),
    ] = False,
) -> None:
    """Check workflows and report every problem.

    Each workflow in PATH... is compiled (tiphys and Hera objects) or read (YAML), then checked
    against the Argo v4.1 schema and its rules. A file that cannot be loaded (invalid YAML, an
    exception while importing a .py file) or a PATH that does not exist is reported like any
    other error, and the other paths are still checked. Problems are sorted by file and line.

    With --server, each workflow without errors is also sent to the Argo Server's lint endpoint
    of its kind (POST .../lint), which checks what only the cluster knows (referenced
    WorkflowTemplates, ...).

    Exit code: 0 when there is no error (warnings allowed), 1 when there is an error, 2 when a
    PATH does not exist (or cannot be used as given) or no workflow was found, 3 when the Argo
    Server could not be reached or refused the request (--server).

    \b
    Examples:
      tiphys lint workflows/ templates/
      tiphys lint -o json workflows/release.py
      tiphys lint --server templates/
    """
    from tiphys.compile.sources import USAGE_CODES

    output = output_format(output_name, TextOrJson)
    collection = load_sources(paths, keep_going=True)
    diagnostics: list[Diagnostic] = list(collection.errors)
    for source in collection:
        doc, _line_of, found = check_source(source)
        diagnostics.extend(found)
        if use_server and doc is not None and not source.raw and not errors_only(found):
            from tiphys.cli.apply_cmd import server_lint

            problem = server_lint(server, source, doc)
            if problem is not None:
                diagnostics.append(problem)
    diagnostics = sorted_diagnostics(diagnostics)

    if output is TextOrJson.json:
        typer.echo(json.dumps([_as_json(d) for d in diagnostics], indent=2, ensure_ascii=False))
    else:
        for diagnostic in diagnostics:
            typer.echo(diagnostic.format())
        typer.echo(summary(diagnostics))
    if any(d.code in USAGE_CODES for d in diagnostics):
        raise typer.Exit(EXIT_USAGE)
    has_errors = any(d.severity == "error" for d in diagnostics)
    raise typer.Exit(EXIT_FAILED if has_errors else EXIT_OK)


def _as_json(diagnostic: Diagnostic) -> dict[str, object]:
    return {
        "file": diagnostic.location.file,
        "line": diagnostic.location.line,
        "path": diagnostic.path,
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(diagnostics: list[Diagnostic]) -> str:
    """The closing line of ``tiphys lint`` text output.

    Args:
        diagnostics: Everything that was reported.

    Returns:
        ``✔ no problems found``, or ``✖ N errors, M warnings in K files`` (``⚠`` instead of
        ``✖`` when there are only warnings) where K counts the files with at least one problem.
    """
    if not diagnostics:
        return "✔ no problems found"
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    files = len({d.location.file for d in diagnostics})
    mark = "✖" if errors else "⚠"
    counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    return f"{mark} {counts} in {_plural(files, 'file')}"
