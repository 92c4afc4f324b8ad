"""``tiphys submit FILE...|--from KIND/NAME``: create workflows on the Argo Server, and follow them.

Each Workflow in the files (anything ``compile`` takes) is validated and its parameters
checked before anything is sent (errors: exit 2, nothing sent); ``--from`` checks the
parameters against the server's template (a 403 on reading it is a warning, and the server
checks them). As soon as a workflow is created its name and UI link are printed
(``Workflow: NAME`` and ``Link: URL`` on stdout; with ``-o`` the chosen output goes to stdout
and the link to stderr), then ``--wait``/``--watch``/``--log`` follow it.
"""

from __future__ import annotations

import enum
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from tiphys.cli import _follow
from tiphys.cli._common import (
    EXIT_INTERRUPTED,
    ParameterFileOption,
    ParameterOption,
    echo_err,
    fail,
    load_sources,
    parse_parameters,
    report,
)
from tiphys.cli._server import ServerContext, server_command
from tiphys.errors import CompileError, errors_only

__all__ = ["SubmitOutput", "parse_labels", "read_parameter_file", "submit_command"]

Json = dict[str, Any]


class SubmitOutput(enum.StrEnum):
    """``-o`` of ``tiphys submit``."""

    name = "name"
    json = "json"
    yaml = "yaml"
    wide = "wide"


def parse_labels(text: str | None) -> dict[str, str] | None:
    """``-l a=b,c=d`` as a dict (exit 2 when an item is not ``KEY=VALUE``)."""
    if not text:
        return None
    labels: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"-l/--labels {text!r}: write KEY=VALUE pairs separated by commas (a=b,c=d)")
        labels[key.strip()] = value.strip()
    return labels


def read_parameter_file(path: Path) -> dict[str, str]:
    """``-f/--parameter-file``: a YAML or JSON map of parameter names to values.

    Values that are not strings are written as JSON (``true``, ``3``, ``[1, 2]``), as Argo
    parameters are strings; dates and times stay as written.

    Raises:
        typer.Exit: Exit code 2 when the file cannot be read, is not UTF-8 or is not a map.
    """
    import json

    import yaml

    class Loader(yaml.SafeLoader):
        """Dates and times stay as written (as with argo), not ``datetime`` objects."""

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # a SafeLoader
    except OSError as exc:
        fail(f"cannot read parameter file {path}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        fail(
            f"cannot read parameter file {path}: it is not UTF-8 text (byte "
            f"0x{exc.object[exc.start]:02x} at offset {exc.start})"
        )
    except yaml.YAMLError as exc:
        fail(f"parameter file {path} is not YAML or JSON: {exc}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        fail(f"parameter file {path} must hold a map of parameter names to values")
    values: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, str):
            values[str(key)] = value
        elif isinstance(value, bool):
            values[str(key)] = "true" if value else "false"
        else:
            try:
                values[str(key)] = json.dumps(value)
            except (TypeError, ValueError):
                fail(
                    f"parameter file {path}: the value of {str(key)!r} is a "
                    f"{type(value).__name__}; write a string, number, boolean, list or map"
                )
    return values


#: The ``--from`` KIND of each kind that can be submitted from the server.
_FROM_ALIAS = {
    "WorkflowTemplate": "wftmpl",
    "ClusterWorkflowTemplate": "cwftmpl",
    "CronWorkflow": "cronwf",
}


def _workflows(paths: list[str], parameters: dict[str, str]) -> list[Json]:
    """The Workflow manifests of ``paths``, validated, with the parameters applied.

    A Workflow with a ``workflowTemplateRef`` keeps its parameters for :func:`submit`, which
    checks them against the server's template. Nothing is returned when any source has an
    error (exit 2, the errors on stderr).
    """
    from tiphys.cli.compile_cmd import compile_one

    collection = load_sources(paths)
    docs: list[Json] = []
    failed = False
    for source in collection:
        if source.kind != "Workflow":
            alias = _FROM_ALIAS.get(source.kind)
            how = f" --from {alias}/{source.name or 'NAME'}" if alias else ""
            echo_err(
                f"{source.location()}: {source.label} does not run by itself: create it with "
                f"`tiphys apply`{f', then submit it with{how}' if how else ''}"
            )
            failed = True
            continue
        try:
            ref = bool((source.manifest()[0].get("spec") or {}).get("workflowTemplateRef"))
        except CompileError:  # reported by compile_one below
            ref = False
        diagnostics, doc = compile_one(source, {} if ref else parameters)
        report(diagnostics)
        if doc is None or errors_only(diagnostics):
            failed = True
            continue
        docs.append(doc)
    if failed:
        raise typer.Exit(2)
    return docs


def _check_entrypoint(docs: list[Json], entrypoint: str) -> None:
    """``--entrypoint`` must name a template of each Workflow (exit 2, nothing sent).

    A Workflow with a ``workflowTemplateRef`` is not checked: its templates are on the server.
    """
    for doc in docs:
        spec = doc.get("spec") or {}
        if spec.get("workflowTemplateRef"):
            continue
        names = [str(t.get("name")) for t in spec.get("templates") or [] if t.get("name")]
        if entrypoint not in names:
            meta = doc.get("metadata") or {}
            label = meta.get("name") or meta.get("generateName") or "?"
            fail(
                f"--entrypoint {entrypoint!r} is not a template of Workflow {label!r} (its "
                f"templates: {', '.join(names) or 'none'})"
            )


def _render(objects: list[Json], output: str) -> str:
    """The manifests as ``json`` (one document each), ``name`` (``metadata.name``, else
    ``generateName``, one per line) or YAML (``---`` between documents)."""
    from tiphys.compile.yaml_out import to_json, to_yaml

    if output == "json":
        return "".join(to_json(obj) for obj in objects)
    if output == "name":
        metas = [obj.get("metadata") or {} for obj in objects]
        return "".join(f"{m.get('name') or m.get('generateName') or ''}\n" for m in metas)
    return to_yaml(objects)


@server_command
def submit_command(
    server: ServerContext,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help=(
                "Workflow sources as compile takes them: .py (FILE.py:NAME for one), YAML, "
                "a directory, or - for stdin. Every Workflow found is submitted."
            ),
        ),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="KIND/NAME",
            show_default=False,
            help="Submit from a server object: wftmpl/NAME, cwftmpl/NAME or cronwf/NAME.",
        ),
    ] = None,
    parameter: ParameterOption = None,
    parameter_file: ParameterFileOption = None,
    entrypoint: Annotated[
        str | None, typer.Option("--entrypoint", metavar="TEMPLATE", help="Override entrypoint.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="metadata.name of the workflow.")
    ] = None,
    generate_name: Annotated[
        str | None,
        typer.Option("--generate-name", metavar="PREFIX", help="metadata.generateName."),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", "-l", metavar="K=V,...", help="Labels to add: a=b,c=d."),
    ] = None,
    serviceaccount: Annotated[
        str | None,
        typer.Option("--serviceaccount", metavar="NAME", help="spec.serviceAccountName."),
    ] = None,
    priority: Annotated[
        int | None, typer.Option("--priority", metavar="N", help="spec.priority.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the Workflow that would be submitted (no server needed)."
        ),
    ] = False,
    server_dry_run: Annotated[
        bool,
        typer.Option(
            "--server-dry-run", help="Have the server check it and print the result; no run."
        ),
    ] = False,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            show_default=False,
            help="name, json, yaml or wide (the get header); the link then goes to stderr.",
        ),
    ] = None,
    wait: _follow.WaitOption = False,
    watch: _follow.WatchOption = False,
    log: _follow.LogOption = False,
    timeout: _follow.TimeoutOption = None,
) -> None:
    """Submit workflows from files or from a server template, and optionally follow them.

    Prints "Workflow: NAME" and "Link: URL" as soon as each workflow is created.

    Exit codes: 0 submitted (with --wait/--watch/--log: it Succeeded); 1 it ended Failed or
    Error (the failed nodes and their messages on stderr); 2 usage or input error (nothing
    sent); 3 the server refused or could not be reached; 4 --timeout passed first; 130 Ctrl-C
    while following (the workflows keep running).

    \b
    Examples:
      tiphys submit workflows/ci.py -p branch=main --watch
      tiphys submit --from wftmpl/release -p tag=v1.2.0 --wait --timeout 1h
      tiphys submit workflows/ci.py:workflow --dry-run
    """
    fmt = None
    if output is not None:
        try:
            fmt = SubmitOutput(output)
        except ValueError:
            fail(f"unknown output format {output!r} (choose name, json, yaml or wide)")
    follow = _follow.check_follow_flags(wait, watch, log)
    if dry_run and server_dry_run:
        fail("use either --dry-run or --server-dry-run, not both")
    dry = "--dry-run" if dry_run else "--server-dry-run"
    if (dry_run or server_dry_run) and follow:
        fail(f"{dry} creates no workflow, so {follow[0]} has nothing to follow")
    if (dry_run or server_dry_run) and fmt is SubmitOutput.wide:
        fail(f"{dry} prints the manifest: use -o yaml, json or name with it")
    if bool(files) == bool(from_):
        fail(
            "give workflow files or --from KIND/NAME, not both"
            if files
            else "give workflow files or --from KIND/NAME (e.g. --from wftmpl/release)"
        )
    if name and generate_name:
        fail("use either --name or --generate-name, not both")
    if dry_run and from_:
        fail(
            "--dry-run needs FILE (a --from submit is built by the server): use "
            "--server-dry-run to have the server check it"
        )
    seconds = _follow.timeout_seconds(timeout)
    values = read_parameter_file(parameter_file) if parameter_file else {}
    values.update(parse_parameters(parameter))
    label_map = parse_labels(labels)
    options: dict[str, Any] = {
        "name": name,
        "generate_name": generate_name,
        "entrypoint": entrypoint,
        "labels": label_map,
        "service_account": serviceaccount,
        "priority": priority,
    }
    if from_:
        runs = [_submit(server, from_, values, options, server_dry_run, fmt)]
    else:
        docs = _workflows(list(files or []), values)
        if entrypoint:
            _check_entrypoint(docs, entrypoint)
        if dry_run:
            from tiphys.client.run import prepare_manifest

            namespace = server.settings.get("namespace")
            prepared = []
            for doc in docs:
                ref = (doc.get("spec") or {}).get("workflowTemplateRef")
                prepared.append(
                    prepare_manifest(
                        doc,
                        values if ref else {},
                        checked_spec=None,
                        namespace=namespace,
                        **options,
                    )
                )
            typer.echo(_render(prepared, fmt.value if fmt else "yaml"), nl=False)
            return
        runs = []
        for doc in docs:
            ref = (doc.get("spec") or {}).get("workflowTemplateRef")
            runs.append(_submit(server, doc, values if ref else {}, options, server_dry_run, fmt))
    if not server_dry_run:
        _follow.follow_runs(runs, follow, seconds)


def _submit(
    server: ServerContext,
    source: Any,
    values: dict[str, str],
    options: dict[str, Any],
    server_dry_run: bool,
    fmt: SubmitOutput | None,
) -> Any:
    """Submit one workflow (warnings on stderr) and print it as soon as it is created."""
    from tiphys.client.run import submit

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run = submit(
                source,
                values,
                client=server.client,
                namespace=server.settings.get("namespace"),
                server_dry_run=server_dry_run,
                **options,
            )
        except KeyboardInterrupt:
            if server_dry_run:
                raise
            echo_err(
                "tiphys: interrupted before the server answered; the workflow may have been "
                "created: look with `tiphys list` before submitting again."
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
    for warning in caught:
        echo_err(f"tiphys: warning: {warning.message}")
    if server_dry_run:
        typer.echo(_render([run.workflow], fmt.value if fmt else "yaml"), nl=False)
        return run
    link = server.ui_url(run.namespace, run.name)
    if fmt is None:
        typer.echo(f"Workflow: {run.name}\nLink: {link}")
        return run
    if fmt is SubmitOutput.name:
        typer.echo(run.name)
    elif fmt is SubmitOutput.wide:
        from tiphys.cli import get_cmd
        from tiphys.cli.render import header

        typer.echo("\n".join(header(run.workflow, get_cmd.now(), tz=get_cmd.TIME_ZONE)))
    else:
        typer.echo(_render([run.workflow], fmt.value), nl=False)
    echo_err(f"Link: {link}")
    return run
