"""``tiphys compile``: turn workflow sources into validated Argo manifests."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from tiphys.cli._common import (
    EXIT_USAGE,
    ParameterOption,
    PathsArgument,
    cli_errors,
    echo_err,
    fail,
    load_sources,
    parse_parameters,
    report,
)
from tiphys.errors import CompileError, errors_only

__all__ = ["OutputFormat", "compile_command"]


class OutputFormat(enum.StrEnum):
    """Manifest text format of ``tiphys compile -o``."""

    yaml = "yaml"
    json = "json"


@cli_errors
def compile_command(
    paths: PathsArgument,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--output",
            "-o",
            help=(
                "yaml: documents separated by '---', as kubectl and argo read them. json: one "
                "object, or an array for several manifests (the Argo Server REST body form)."
            ),
        ),
    ] = OutputFormat.yaml,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            file_okay=False,
            show_default="stdout",
            help=(
                "Write one file per manifest into DIR (created if missing), named after "
                "metadata.name (or metadata.generateName without its trailing '-') with a "
                ".yaml or .json suffix, instead of printing to stdout."
            ),
        ),
    ] = None,
    parameter: ParameterOption = None,
) -> None:
    """Compile workflows to validated Argo manifests (YAML or JSON).

    Each workflow in PATH... is compiled (tiphys and Hera objects) or read (YAML), then checked
    against the Argo v4.1 schema and its rules. Errors and warnings go to stderr as
    FILE:LINE: MESSAGE; with any error nothing is printed and the exit code is 2.

    \b
    Examples:
      tiphys compile workflows/release.py
      tiphys compile workflows/release.py:release_template -p tag=v1.2
      tiphys compile templates/ -o json --out build/
    """
    from tiphys.compile.from_template import apply_parameters
    from tiphys.validate import validate_document

    parameters = parse_parameters(parameter)
    sources = load_sources(paths)
    manifests: list[dict[str, Any]] = []
    failed = False
    for source in sources:
        try:
            doc, line_of = source.manifest()
        except CompileError as exc:
            report(exc.diagnostics)
            failed = True
            continue
        diagnostics = validate_document(doc, file=source.file, line_of=line_of)
        report(diagnostics)
        if errors_only(diagnostics):
            failed = True
            continue
        if parameters:
            try:
                doc = apply_parameters(doc, parameters, file=source.file, line_of=line_of)
            except CompileError as exc:
                report(exc.diagnostics)
                failed = True
                continue
        manifests.append(doc)
    if failed:
        raise typer.Exit(EXIT_USAGE)

    if out is None:
        typer.echo(_render(manifests, output), nl=False)
    else:
        _write_files(manifests, output, out)


def _render(docs: list[dict[str, Any]], output: OutputFormat) -> str:
    from tiphys.compile.yaml_out import to_json, to_yaml

    return to_json(docs) if output is OutputFormat.json else to_yaml(docs)


def _file_stem(doc: dict[str, Any]) -> str:
    metadata = doc.get("metadata")
    if isinstance(metadata, dict):
        name = metadata.get("name")
        if isinstance(name, str) and name:
            return name
        generate = metadata.get("generateName")
        if isinstance(generate, str) and generate.rstrip("-"):
            return generate.rstrip("-")
    return ""


def _write_files(docs: list[dict[str, Any]], output: OutputFormat, directory: Path) -> None:
    suffix = ".json" if output is OutputFormat.json else ".yaml"
    planned: dict[Path, dict[str, Any]] = {}
    for doc in docs:
        stem = _file_stem(doc)
        if not stem:
            fail(f"a {doc.get('kind', 'manifest')} has no metadata.name or generateName")
        target = directory / f"{stem}{suffix}"
        if target in planned:
            other = planned[target]
            fail(
                f"two manifests would be written to {target} ({other.get('kind')} and "
                f"{doc.get('kind')} named '{stem}'); write them separately or rename one"
            )
        planned[target] = doc
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target, doc in planned.items():
            target.write_text(_render([doc], output), encoding="utf-8")
            echo_err(f"wrote {target}")
    except OSError as exc:
        fail(f"cannot write to {directory}: {exc.strerror or exc}")
