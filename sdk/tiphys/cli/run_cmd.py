"""``tiphys run FILE``: run one workflow on this machine, with no cluster, and follow it.

The workflow is loaded as ``submit`` loads it (.py with ``FILE.py:NAME``, YAML, ``-``),
validated, its parameters checked, then executed in this process by the local runner
(:class:`tiphys.local.engine.LocalRun`) on a thread of its own. The main thread shows it as
``watch`` does: on a terminal the ``get`` view redrawn in place (at most 4 times a second),
otherwise one line per node change, then the final ``get`` view.

Exit codes (DESIGN §6): 0 Succeeded; 1 Failed or Error (the failed nodes on stderr); 2 usage or
input error (nothing ran); 4 ``--timeout`` passed first (the run is terminated); 130 Ctrl-C or
SIGTERM (the run is terminated, its processes stopped, exit handlers not run).
"""

from __future__ import annotations

import enum
import functools
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tiphys.cli import _follow, _local
from tiphys.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    ParameterFileOption,
    ParameterOption,
    cli_errors,
    echo_err,
    fail,
    parse_parameters,
    report,
)
from tiphys.errors import errors_only

if TYPE_CHECKING:
    from tiphys.compile.sources import Collection
    from tiphys.local.engine import LocalRun
    from tiphys.local.store import LocalStore

__all__ = ["RunOutput", "run_command"]

Json = dict[str, Any]

#: Seconds between two looks at the run (the live view redraws at most 4 times a second).
TICK = 0.25
#: Seconds to wait for a terminated run to end (its processes get SIGTERM, then SIGKILL
#: after 2 s).
STOP_WAIT = 10.0


class RunOutput(enum.StrEnum):
    """``-o`` of ``tiphys run``."""

    name = "name"
    json = "json"
    yaml = "yaml"


_TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")


@cli_errors
def run_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help=(
                "One workflow as submit takes it: a .py file (FILE.py:NAME selects one of "
                "several), a YAML file or - (stdin). A file holding only a WorkflowTemplate "
                "runs the Workflow submitting it would create. ConfigMaps and Secrets in a "
                "YAML FILE are loaded into the local store."
            ),
        ),
    ],
    parameter: ParameterOption = None,
    parameter_file: ParameterFileOption = None,
    entrypoint: Annotated[
        str | None,
        typer.Option(
            "--entrypoint", metavar="TEMPLATE", show_default=False, help="spec.entrypoint."
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            show_default=False,
            help="metadata.name of the run (default generateName + 5 random characters).",
        ),
    ] = None,
    backend: _local.BackendOption = _local.Backend.auto,
    log: Annotated[
        bool,
        typer.Option(
            "--log",
            help=(
                "Print every container's log lines as POD: LINE as they come (node changes "
                "are then printed as lines, also on a terminal)."
            ),
        ),
    ] = False,
    mock: Annotated[
        list[str] | None,
        typer.Option(
            "--mock",
            metavar="TEMPLATE=FILE",
            show_default=False,
            help=(
                "Do not run TEMPLATE (a template name, or WORKFLOWTEMPLATE/TEMPLATE for a "
                'templateRef): its nodes end as FILE says, a JSON object {"phase": '
                '"Succeeded"|"Failed"|"Error", "message": "...", "outputs": {"result": "...", '
                '"parameters": {"NAME": "VALUE"}, "exitCode": "0"}} (each key optional; phase '
                "Succeeded by default). Repeatable; mocking a template the workflow does not "
                "use is an error."
            ),
        ),
    ] = None,
    secret: _local.SecretOption = None,
    secrets_file: _local.SecretsFileOption = None,
    configmap: _local.ConfigMapOption = None,
    configmap_file: _local.ConfigMapFileOption = None,
    template: Annotated[
        list[str] | None,
        typer.Option(
            "--template",
            metavar="FILE",
            show_default=False,
            help=(
                "WorkflowTemplates and ClusterWorkflowTemplates that workflowTemplateRef and "
                "templateRef name, and ConfigMaps and Secrets, loaded first: a YAML or .py "
                "file or a directory; repeatable."
            ),
        ),
    ] = None,
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run-dir",
            metavar="DIR",
            file_okay=False,
            show_default=False,
            help=(
                "Where the run writes its logs (DIR/logs/POD/CONTAINER.log), artifacts and "
                "node sandboxes (default $TMPDIR/tiphys-runs/NAME)."
            ),
        ),
    ] = None,
    timeout: _follow.TimeoutOption = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            show_default=False,
            help=(
                "name: print the run's name when it starts; json or yaml: print the final "
                "Workflow with its status at the end. No view is shown then; messages go to "
                "stderr."
            ),
        ),
    ] = None,
) -> None:
    """Run a workflow on this machine, with no cluster, and show it as tiphys watch does.

    Argo's semantics are followed (steps, DAGs, when, loops, retries, exit handlers,
    outputs); containers run with docker or podman, or on this machine for host-compatible
    images (--backend). Prints "Workflow: NAME" and "Run directory: DIR" first; on a terminal
    the get view is redrawn in place, otherwise one line per node change (TIME NAME PHASE
    MESSAGE), then the final get view.

    Exit codes: 0 Succeeded; 1 Failed or Error (the failed nodes on stderr); 2 usage or input
    error, including a malformed --secret and a --mock of a template the workflow does not
    use (nothing ran); 4 --timeout passed first (the run is terminated); 130 Ctrl-C (the run
    is terminated and its processes stopped; exit handlers do not run).

    \b
    Examples:
      tiphys run examples/pipeline.py -p tag=v1.2
      tiphys run ci.yaml --mock deploy=deploy.json --secret slack.token=@token.txt --log
      tiphys run wf.yaml --template templates/ --backend host --timeout 10m
    """
    from tiphys.cli.submit_cmd import read_parameter_file

    fmt = None
    if output is not None:
        try:
            fmt = RunOutput(output)
        except ValueError:
            fail(f"unknown output format {output!r} (choose name, json or yaml)")
    if fmt is not None and log:
        fail("--log prints to stdout: use it without -o")
    if name is not None:
        from tiphys.argo.names import object_name_problem

        problem = object_name_problem(name)
        if problem:
            fail(f"--name: {problem}")
    seconds = _follow.timeout_seconds(timeout)
    values = read_parameter_file(parameter_file) if parameter_file else {}
    values.update(parse_parameters(parameter))
    mocks = _local.read_mocks(mock)
    store = _local.make_store(secret, secrets_file, configmap, configmap_file)
    templates = _local.load_manifests(template or [], store)
    doc, ref = _workflow(file, values, store, templates)
    if entrypoint:
        from tiphys.cli.submit_cmd import _check_entrypoint

        _check_entrypoint([doc], entrypoint)

    from tiphys.local.engine import prepare_workflow

    workflow = prepare_workflow(
        doc, parameters=values if ref else (), entrypoint=entrypoint, name=name
    )
    _local.check_backend(backend)
    run_name = str(workflow["metadata"]["name"])
    directory = run_dir or _default_run_dir(run_name)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot use the run directory {directory}: {exc.strerror or exc}")
    _Follower(workflow, directory, fmt, log, seconds).run(
        backend=backend.value, store=store, templates=templates, mocks=mocks
    )


def _default_run_dir(name: str) -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / "tiphys-runs" / name


def _workflow(
    file: str, values: dict[str, str], store: LocalStore, templates: list[Json]
) -> tuple[Json, bool]:
    """The Workflow to run from FILE, validated (exit 2 on errors), and whether it uses a
    ``workflowTemplateRef`` (its parameters are then applied by ``prepare_workflow``).

    WorkflowTemplates in FILE are added to ``templates``; ConfigMaps and Secrets to ``store``.
    """
    from tiphys.cli.compile_cmd import compile_one
    from tiphys.compile.from_template import workflow_from_template
    from tiphys.compile.sources import STDIN, collect, read_stdin

    if not file.strip():
        fail(f"no such file: {file!r}")
    stdin_text = read_stdin() if file == STDIN else None
    collection = collect([file], stdin_text=stdin_text)
    _store_documents(stdin_text, collection, store)
    runs = [s for s in collection if s.kind == "Workflow"]
    library = [s for s in collection if s.kind in _TEMPLATE_KINDS]
    others = [s for s in collection if s.kind not in ("Workflow", *_TEMPLATE_KINDS)]
    for source in others:
        if not source.raw:
            echo_err(f"{source.location()}: skipped: tiphys run does not run a {source.kind}")
        else:
            _add_raw(source.manifest()[0], str(source.location()), store)
    failed = False
    for source in library:
        diagnostics, tdoc = compile_one(source, {})
        report(diagnostics)
        if tdoc is None or errors_only(diagnostics):
            failed = True
        else:
            templates.append(tdoc)
    if failed:
        raise typer.Exit(EXIT_USAGE)
    if len(runs) > 1:
        names = ", ".join(s.name or "?" for s in runs)
        fail(f"{file} holds {len(runs)} Workflows ({names}): run one, e.g. {file}:NAME")
    if not runs:
        if len(library) != 1:
            what = f"{len(library)} templates" if library else "no Workflow"
            fail(
                f"{file} holds {what}: tiphys run takes one Workflow, or one WorkflowTemplate "
                f"to run (use --template for templates the workflow refers to)"
            )
        diagnostics, doc = compile_one(library[0], values)
        report(diagnostics)
        if doc is None or errors_only(diagnostics):
            raise typer.Exit(EXIT_USAGE)
        if doc.get("kind") != "Workflow":  # no -p: the Workflow submitting it creates
            doc = workflow_from_template(doc, {})
        return doc, False
    source = runs[0]
    ref = bool((source.manifest()[0].get("spec") or {}).get("workflowTemplateRef"))
    template = getattr(getattr(source.obj, "from_template", None), "template", None)
    if template is not None and hasattr(template, "to_dict"):  # from_template=<object>
        templates.append(template.to_dict())
    diagnostics, doc = compile_one(source, {} if ref else values)
    report(diagnostics)
    if doc is None or errors_only(diagnostics):
        raise typer.Exit(EXIT_USAGE)
    return doc, ref


def _store_documents(stdin_text: str | None, collection: Collection, store: LocalStore) -> None:
    """ConfigMaps and Secrets of the YAML files read go to the store; other skipped documents
    are noted on stderr as ``submit`` notes them."""
    from tiphys.compile.sources import STDIN_NAME
    from tiphys.compile.yaml_in import load_documents

    wanted: dict[str, set[int]] = {}
    for skipped in collection.skipped:
        if skipped.kind in ("ConfigMap", "Secret"):
            wanted.setdefault(skipped.file, set()).add(skipped.index)
        else:
            echo_err(skipped.format())
    for file, indexes in wanted.items():
        text = stdin_text if file == STDIN_NAME else Path(file).read_text(encoding="utf-8")
        for loaded in load_documents(text or "", file):
            if loaded.index in indexes:
                _add_raw(loaded.doc, f"{loaded.file}:{loaded.line}", store)


def _add_raw(doc: Json, where: str, store: LocalStore) -> None:
    from tiphys.local.store import StoreError

    if doc.get("kind") not in ("ConfigMap", "Secret"):
        echo_err(f"{where}: skipped: tiphys run does not use a {doc.get('kind')}")
        return
    try:
        store.add_manifest(doc)
    except StoreError as exc:
        fail(f"{where}: {exc}")


class _Timeout(Exception):
    """``--timeout`` passed."""


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the run as Ctrl-C does (main thread only)."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Follower:
    """One run: its thread, the view, and the end (exit code)."""

    def __init__(
        self,
        workflow: Json,
        run_dir: Path,
        fmt: RunOutput | None,
        log: bool,
        timeout: float | None,
    ) -> None:
        from tiphys.cli import get_cmd

        self.workflow = workflow
        self.name = str(workflow["metadata"]["name"])
        self.run_dir = run_dir
        self.fmt = fmt
        self.log = log
        self.timeout = timeout
        self.color = get_cmd.use_color(False)
        self.live = fmt is None and not log and _follow.stdout_is_terminal()
        self.dirty = threading.Event()
        self.colors: dict[str, str] = {}
        self.changes: Any = None

    # -- callbacks, on the run's thread ----------------------------------------------------

    def on_change(self, run: LocalRun) -> None:
        if self.changes is None:
            self.dirty.set()
            return
        from tiphys.cli import get_cmd

        for line in self.changes.feed(run.workflow, get_cmd.now()):
            typer.echo(line)

    def on_log(self, pod: str, container: str, line: str) -> None:
        from tiphys.client.logs import LogLine

        stamp, _sep, text = line.partition(" ")
        _follow.print_log_lines(
            [LogLine(pod, text if _sep else stamp, None)],
            timestamps=False,
            color=self.color,
            colors=self.colors,
        )

    # -- the main thread -------------------------------------------------------------------

    def run(
        self,
        *,
        backend: str,
        store: LocalStore,
        templates: list[Json],
        mocks: dict[str, Json],
    ) -> None:
        import asyncio

        from tiphys.cli import get_cmd
        from tiphys.local.engine import LocalRun, RunOptions
        from tiphys.local.result import template_lookup

        if self.fmt is None and not self.live:
            from tiphys.cli.render import NodeChanges

            self.changes = NodeChanges(tz=get_cmd.TIME_ZONE)
        options = RunOptions(
            run_dir=self.run_dir,
            backend=backend,
            store=store,
            templates=template_lookup(templates) if templates else None,
            mocks=mocks,
            on_log=self.on_log if self.log else None,
        )
        run = LocalRun(self.workflow, options, on_change=self.on_change)
        self._announce()
        outcome: dict[str, Any] = {}
        # An Event, not Thread.join: a join interrupted by Ctrl-C may leave is_alive() False
        # while the thread still runs (CPython 3.11).
        done = threading.Event()

        def target() -> None:
            try:
                outcome["workflow"] = asyncio.run(run.execute())
            except BaseException as exc:  # handed to the main thread
                outcome["error"] = exc
            finally:
                done.set()

        thread = threading.Thread(target=target, name=f"tiphys-run-{self.name}", daemon=True)
        live = _follow.make_live_view(sys.stdout) if self.live else None
        start = _follow.monotonic()
        try:
            with _sigterm_as_interrupt():
                thread.start()
                try:
                    while not done.wait(TICK):
                        if live is not None and self.dirty.is_set():
                            self.dirty.clear()
                            live.update(functools.partial(self._view, run.workflow))
                        if self.timeout is not None and (
                            _follow.monotonic() - start >= self.timeout
                        ):
                            raise _Timeout
                except KeyboardInterrupt:
                    self._stop(run, done)
                    echo_err(
                        f"tiphys: interrupted; workflow {self.name} was terminated and its "
                        "processes stopped (exit handlers did not run)."
                    )
                    raise typer.Exit(EXIT_INTERRUPTED) from None
                except _Timeout:
                    self._stop(run, done)
                    self._final(run.workflow, live)
                    fail(
                        f"workflow {self.name} did not end within {_seconds(self.timeout)}: it "
                        "was terminated",
                        EXIT_TIMEOUT,
                    )
        finally:
            if live is not None:
                live.close()
        if "error" in outcome:
            raise outcome["error"]
        final: Json = outcome["workflow"]
        self._final(final, live)
        phase = (final.get("status") or {}).get("phase")
        if phase != "Succeeded":
            from tiphys.local.result import failure_text

            echo_err(failure_text(final, self.run_dir))
            raise typer.Exit(EXIT_FAILED)

    def _announce(self) -> None:
        if self.fmt is RunOutput.name:
            typer.echo(self.name)
            return
        text = f"Workflow: {self.name}\nRun directory: {self.run_dir}"
        if self.fmt is None:
            typer.echo(text)
        else:
            echo_err(text)

    def _view(self, wf: Json) -> list[str]:
        return _follow._get_view(wf, status=None, node_field_selector=None, color=False)

    def _final(self, wf: Json, live: Any) -> None:
        if self.fmt in (RunOutput.json, RunOutput.yaml):
            from tiphys.compile.yaml_out import to_json, to_yaml

            typer.echo(to_json(wf) if self.fmt is RunOutput.json else to_yaml([wf]), nl=False)
        elif live is not None:
            live.update(functools.partial(self._view, wf))
            live.close()  # draws it now if the rate limit held it back
        elif self.fmt is None:
            typer.echo("")
            typer.echo("".join(f"{line}\n" for line in self._view(wf)), nl=False)

    def _stop(self, run: LocalRun, done: threading.Event) -> None:
        """Terminate the run and wait (bounded) for its processes to be stopped."""
        run.terminate()
        deadline = _follow.monotonic() + STOP_WAIT
        while not done.is_set() and _follow.monotonic() < deadline:
            try:
                done.wait(TICK)
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                break


def _seconds(value: float | None) -> str:
    return f"{value:g}s"
