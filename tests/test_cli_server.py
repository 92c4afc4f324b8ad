"""tiphys.cli._server: connection flags, the client, exit codes of server commands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from argo_fake import ArgoFake, error_reply, json_reply
from cli_server import NAMESPACE, TOKEN, cli_env
from tiphys.cli._server import ServerContext, server_command
from tiphys.client.errors import NO_SERVER_MESSAGE


@server_command
def probe(
    server: ServerContext,
    name: Annotated[str, typer.Argument()],
    loud: Annotated[bool, typer.Option("--loud")] = False,
) -> None:
    """Get one workflow and print its phase."""
    wf = server.client.get(name)
    typer.echo(f"{server.namespace} {wf['status']['phase']} loud={loud}")
    typer.echo(server.ui_url(server.namespace, name))


def run(argo: ArgoFake | None, *args: str, **env: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(probe)
    app.command("other")(probe)  # two commands, so that typer keeps the command name
    result = CliRunner().invoke(app, ["probe", *args], env=cli_env(argo, **env))
    assert TOKEN not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


WF = {"metadata": {"name": "hello", "namespace": "team"}, "status": {"phase": "Running"}}


def test_flags_reach_the_client_and_env_fills_the_rest(argo: ArgoFake) -> None:
    argo.add("GET", "/api/v1/workflows/team/hello", json_reply(WF))
    code, out, err = run(argo, "hello", "-n", "team", "--loud")
    assert (code, err) == (0, "")
    assert out == f"team Running loud=True\n{argo.url}/workflows/team/hello\n"
    assert argo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_argo_server_flag_and_ui_url_env(argo: ArgoFake) -> None:
    argo.add("GET", f"/api/v1/workflows/{NAMESPACE}/hello", json_reply(WF))
    server = argo.url.removeprefix("http://")
    code, out, _ = run(
        argo, "hello", "-s", server, ARGO_SERVER="", ARGO_UI_URL="https://ui.example.com/"
    )
    assert code == 0
    assert out == "argo Running loud=False\nhttps://ui.example.com/workflows/argo/hello\n"


def test_no_server_configured_exits_2_with_how_to() -> None:
    code, out, err = run(None, "hello")
    assert (code, out) == (2, "")
    assert err == f"tiphys: error: {NO_SERVER_MESSAGE}\n"


def test_server_error_exits_3_with_the_server_message(argo: ArgoFake) -> None:
    argo.add(
        "GET",
        f"/api/v1/workflows/{NAMESPACE}/hello",
        error_reply(404, 'workflows.argoproj.io "hello" not found'),
    )
    code, out, err = run(argo, "hello")
    assert (code, out) == (3, "")
    assert err.startswith("tiphys: error: ")
    assert 'workflows.argoproj.io "hello" not found' in err


def test_malformed_setting_exits_2(argo: ArgoFake) -> None:
    code, _, err = run(argo, "hello", "-s", "http://host:2746")
    assert code == 2
    assert err == (
        "tiphys: error: the server argument is 'http://host:2746', but it takes host:port "
        "without a scheme: drop 'http://' and write 'host:2746' and set ARGO_SECURE=false for "
        "http.\n"
    )


def test_a_command_may_not_shadow_a_connection_flag() -> None:
    def bad(server: ServerContext, namespace: str) -> None:
        """Bad."""

    with pytest.raises(TypeError, match=r"bad declares connection option\(s\) \['namespace'\]"):
        server_command(bad)


def test_context_repr_hides_the_token() -> None:
    assert repr(ServerContext({"token": TOKEN, "server": "h:1"})) == (
        "ServerContext({'token': '<hidden>', 'server': 'h:1'})"
    )
