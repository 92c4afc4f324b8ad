"""``tiphys compile``: turn workflow sources into validated Argo manifests."""

from __future__ import annotations

import dataclasses
import enum
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli._common import (
    DEBUG_ENV,
    EXIT_USAGE,
    ParameterOption,
    PathsArgument,
    check_source,
    cli_errors,
    echo_err,
    fail,
    load_sources,
    output_format,
    parse_parameters,
    report,
    unexpected_error,
)
from tiphys.errors import CompileError, Diagnostic, errors_only

if TYPE_CHECKING:
    from tiphys.compile.sources import Source

__all__ = ["OutputFormat", "compile_command", "compile_one"]


_WORKFLOW_KINDS = ("Workflow", "CronWorkflow")


class OutputFormat(enum.StrEnum):
    """Manifest text format of ``tiphys compile -o``."""

    yaml = "yaml"
    json = "json"


@cli_errors
def compile_command(
    paths: PathsArgument,
    output_name: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help=(
                "yaml: documents separated by '---', as kubectl and argo read them. json: one "
                "object, or an array for several manifests (the Argo Server REST body form)."
            ),
        ),
    ] = "yaml",
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
    output = output_format(output_name, OutputFormat)
    parameters = parse_parameters(parameter)
    sources = load_sources(paths)
    manifests: list[dict[str, Any]] = []
    failed = False
    for source in sources:
        diagnostics, doc = compile_one(source, parameters)
        report(diagnostics)
        if doc is None or errors_only(diagnostics):
            failed = True
        else:
            manifests.append(doc)
    if failed:
        raise typer.Exit(EXIT_USAGE)

    if out is None:
        typer.echo(_render(manifests, output), nl=False)
    else:
        _write_files(manifests, output, out)


def compile_one(
    source: Source, parameters: dict[str, str]
) -> tuple[list[Diagnostic], dict[str, Any] | None]:
    """The problems of one source, and the manifest to print (``None`` when there are errors).

    ``-p`` values are applied first to a Workflow or CronWorkflow, so that what is validated is
    what is printed (a value given with ``-p`` satisfies Argo's rules on arguments); when they
    cannot be applied, the source's own problems are reported with why. A (Cluster)
    WorkflowTemplate is validated itself, then turned into the Workflow to submit. Shared by
    ``compile`` and ``submit``.

    Args:
        source: One collected workflow source.
        parameters: ``-p`` values, name to value.

    Returns:
        The diagnostics, and the manifest (``None`` when there are errors).
    """
    from tiphys.compile.from_template import apply_parameters

    if parameters and source.kind in _WORKFLOW_KINDS:
        try:
            original, lines = source.manifest()
            applied = apply_parameters(
                original,
                parameters,
                file=source.file,
                line_of=lines,
                template_spec=_template_spec(source.obj),
            )
        except CompileError as exc:
            found = check_source(source)[2] if source.doc is not None else []
            return [*found, *exc.diagnostics], None
        except Exception as exc:
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            found = check_source(source)[2]  # a broken manifest is the likely cause
            if errors_only(found):
                return found, None
            return [*found, unexpected_error(source, exc)], None
        source = dataclasses.replace(source, doc=applied, line_map=lines)
    doc, line_of, diagnostics = check_source(source)
    if doc is None or errors_only(diagnostics):
        return diagnostics, None
    if parameters and source.kind not in _WORKFLOW_KINDS and not source.raw:
        try:
            doc = apply_parameters(doc, parameters, file=source.file, line_of=line_of)
        except CompileError as exc:
            return [*diagnostics, *exc.diagnostics], None
    return diagnostics, doc


def _template_spec(obj: object) -> dict[str, Any] | None:
    """The spec of the WorkflowTemplate a Python workflow runs (``from_template=<object>``)."""
    from tiphys.dsl.workflow import WorkflowBase

    ref = getattr(obj, "from_template", None) if isinstance(obj, WorkflowBase) else None
    template = getattr(ref, "template", None)
    if not isinstance(template, WorkflowBase):
        return None
    spec = template.to_dict().get("spec")
    return spec if isinstance(spec, dict) else None


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
