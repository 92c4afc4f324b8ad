"""The ``tiphys`` command: entry point and the registry of commands.

This module imports only the standard library at module level: ``tiphys --version`` answers
from :func:`main` without importing typer, and :func:`create_app` builds the typer application
(importing each command module) only when a command runs.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

__all__ = ["create_app", "main", "version"]

PROG_NAME = "tiphys"
_EXIT_INTERNAL = 70  # same as tiphys.cli._common.EXIT_INTERNAL (not imported: it imports typer)
_VERSION_FLAGS = ("--version", "-V")


def version() -> str:
    """The installed version of tiphys.

    Returns:
        ``tiphys.__version__`` when the package defines it, else the version recorded in the
        installed distribution's metadata, else ``"unknown"``.
    """
    import tiphys

    value = getattr(tiphys, "__version__", None)
    if isinstance(value, str):
        return value
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("tiphys")
    except PackageNotFoundError:
        return "unknown"


@functools.cache
def create_app() -> typer.Typer:
    """Build the typer application with every command registered.

    Returns:
        The application (built once per process), e.g. for ``typer.testing.CliRunner``.
    """
    import typer

    from tiphys.cli import (
        actions_cmd,
        apply_cmd,
        compile_cmd,
        convert_cmd,
        cp_cmd,
        follow_cmd,
        get_cmd,
        lint_cmd,
        list_cmd,
        run_cmd,
        server_cmd,
        submit_cmd,
        template_cmd,
    )
    from tiphys.cli._common import root_callback

    app = typer.Typer(
        name=PROG_NAME,
        help=(
            "Write Argo Workflows as Python; compile them to Argo manifests (compile) and "
            "check Python or YAML workflows (lint); turn Argo YAML into tiphys Python "
            "(convert). Submit and follow them on the Argo Server (submit, get, list, watch, "
            "wait, logs, cp), act on runs (delete, retry, resubmit, stop, terminate, suspend, "
            "resume, node set) and install templates (apply, template, cluster-template, "
            "cron); the server comes from ARGO_SERVER, ARGO_TOKEN and ARGO_NAMESPACE as for "
            "the argo CLI, or --local for the one embedded in tiphys. Run workflows on this "
            "machine with no cluster (run), or serve the Argo Server API here (server).\n\n"
            "Every command that takes a workflow accepts .py files (FILE.py:NAME selects one "
            "workflow), YAML files, directories and - (stdin).\n\n"
            "Exit codes: 0 success; 1 the workflow ended Failed or Error (submit --wait/--watch, "
            "watch, wait, run), or lint found errors; 2 usage or input error (compile: any error; "
            "no ARGO_SERVER configured); 3 the Argo Server refused the request or could not be "
            "reached; 4 a wait timed out (--timeout); 70 a bug in tiphys (TIPHYS_DEBUG=1 shows "
            "the traceback); 130 interrupted (Ctrl-C; a workflow being followed keeps "
            "running, one started by tiphys run is terminated); 141 stdout was closed (| head)."
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )

    app.callback()(root_callback)
    # Listed in --help in this order: author, run and follow, act on runs, manage templates,
    # then the local runner.
    app.command("compile", no_args_is_help=True)(compile_cmd.compile_command)
    app.command("lint", no_args_is_help=True)(lint_cmd.lint_command)
    app.command("convert", no_args_is_help=True)(convert_cmd.convert_command)
    app.command("submit")(submit_cmd.submit_command)
    app.command("get", no_args_is_help=True)(get_cmd.get_command)
    app.command("list")(list_cmd.list_command)
    app.command("watch", no_args_is_help=True)(follow_cmd.watch_command)
    app.command("wait", no_args_is_help=True)(follow_cmd.wait_command)
    app.command("logs", no_args_is_help=True)(follow_cmd.logs_command)
    app.command("cp", no_args_is_help=True)(cp_cmd.cp_command)
    app.command("delete")(actions_cmd.delete_command)
    app.command("retry")(actions_cmd.retry_command)
    app.command("resubmit")(actions_cmd.resubmit_command)
    app.command("stop")(actions_cmd.stop_command)
    app.command("terminate")(actions_cmd.terminate_command)
    app.command("suspend")(actions_cmd.suspend_command)
    app.command("resume")(actions_cmd.resume_command)
    app.add_typer(actions_cmd.node_app, name="node")
    app.command("apply", no_args_is_help=True)(apply_cmd.apply_command)
    app.add_typer(template_cmd.template_app, name="template")
    app.add_typer(template_cmd.cluster_template_app, name="cluster-template")
    app.add_typer(template_cmd.cron_app, name="cron")
    app.command("run", no_args_is_help=True)(run_cmd.run_command)
    app.command("server")(server_cmd.server_command)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tiphys`` command line (the console-script entry point).

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        The exit code (DESIGN §6): 0 success; 1 the workflow ended Failed or Error, or lint
        found errors; 2 usage or input error (including no ``ARGO_SERVER`` configured); 3 the
        Argo Server refused the request or could not be reached; 4 a wait timed out; 70 a bug
        in tiphys outside any one workflow (set ``TIPHYS_DEBUG=1`` to get the traceback);
        130 interrupted (Ctrl-C); 141 stdout was closed.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in _VERSION_FLAGS:
        sys.stdout.write(f"{PROG_NAME} {version()}\n")
        return 0
    try:
        create_app()(args=args, prog_name=PROG_NAME)
    except SystemExit as exc:
        return _exit_code(exc.code)
    except Exception as exc:
        if os.environ.get("TIPHYS_DEBUG") == "1":
            raise
        from tiphys.cli._common import internal_error

        internal_error(exc)
        return _EXIT_INTERNAL
    return 0


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
