"""``tiphys convert``: write an Argo YAML manifest as tiphys Python."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tiphys.cli._common import EXIT_USAGE, cli_errors, echo_err, fail

__all__ = ["convert_command"]


@cli_errors
def convert_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE.yaml",
            help="The manifest to convert (several documents allowed); - reads stdin.",
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE.py", help="Write the Python here (default: stdout)."
        ),
    ] = None,
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="List on stderr the fields written as patch=."),
    ] = True,
) -> None:
    """Convert Argo YAML (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow) to
    tiphys Python.

    Each template becomes a decorated function (@container, @dag, @steps; script templates the
    raw script(source=...) form), each workflow a Workflow, WorkflowTemplate or CronWorkflow
    object; documents of other kinds (ConfigMap...) become RawDocument({...}). Fields without a
    typed form go to patch={...}; stderr lists them. Compiling the result gives the input back:
    the converter checks this before writing.

    Each document is validated first; an invalid one is refused with FILE:LINE: MESSAGE lines.
    The output is formatted with ruff when ruff is installed (pip install 'tiphys[convert]'),
    with the ruff settings of the project holding FILE.py (or FILE.yaml for stdout);
    without it the code is valid but unformatted, and a note says so on stderr.

    Exit code: 0 when written, 2 when the input cannot be read, is invalid or cannot be
    converted (each problem as FILE:LINE: MESSAGE (at FIELD.PATH)).

    \b
    Examples:
      tiphys convert workflow.yaml -o workflow.py
      kubectl get wftmpl release -o yaml | tiphys convert -
    """
    from tiphys.convert.convert import convert_text

    if file == "-":
        from tiphys.compile.sources import read_stdin

        text, shown = read_stdin(), "<stdin>"
    else:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except FileNotFoundError:
            fail(f"{file}: no such file")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{file}: cannot read it ({exc})")
        shown = file
    conversion = convert_text(text, shown, output=output)
    for note in conversion.notes:
        echo_err(note)
    if not conversion.formatted:
        echo_err("tiphys: note: ruff is not installed; the code is not formatted")
    if report:
        for use in conversion.report:
            echo_err(f"{shown}: patch= {use.path}")
    if output is None or output == "-":
        sys.stdout.write(conversion.source)
        return
    try:
        Path(output).write_text(conversion.source, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write it ({exc})", EXIT_USAGE)
