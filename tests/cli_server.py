"""Helpers for CLI tests of the server commands: run ``tiphys`` against an :class:`ArgoFake`.

:func:`cli_env` is the environment that points ``tiphys`` at the fake (plain http, a token, a
namespace, no kubeconfig); :func:`invoke` runs the CLI in-process with it and returns the exit
code and the two output streams separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from typer.testing import CliRunner

from argo_fake import ArgoFake
from tiphys.cli.app import create_app

TOKEN = "s3cr3t-cli-token"
NAMESPACE = "argo"


@dataclass(frozen=True)
class Ran:
    """One CLI run: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


def cli_env(argo: ArgoFake | None, **extra: str) -> dict[str, str | None]:
    """Environment for a run against ``argo`` (``None``: no server configured at all)."""
    env: dict[str, str | None] = {
        "ARGO_SERVER": argo.url.removeprefix("http://") if argo is not None else None,
        "ARGO_SECURE": "false",
        "ARGO_TOKEN": TOKEN,
        "ARGO_NAMESPACE": NAMESPACE,
        "ARGO_INSECURE_SKIP_VERIFY": None,
        "ARGO_BASE_HREF": None,
        "ARGO_UI_URL": None,
        "KUBECONFIG": "/dev/null",
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    env.update(extra)
    return env


def invoke(
    argo: ArgoFake | None, *args: str, stdin: str | None = None, env: Mapping[str, str] = {}
) -> Ran:
    """Run ``tiphys ARGS`` in-process against ``argo`` and check the token never shows."""
    runner = CliRunner()
    result = runner.invoke(
        create_app(), list(args), input=stdin, env=cli_env(argo, **env), catch_exceptions=False
    )
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    assert TOKEN not in ran.out and TOKEN not in ran.err
    return ran
