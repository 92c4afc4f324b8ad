"""tiphys.cli._server: connection flags, the client, exit codes of server commands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from argo_fake import ArgoFake, Pause, error_reply, json_reply, result, sse_reply
from cli_server import NAMESPACE, TOKEN, cli_env
from tiphys.cli._server import ServerContext, server_command
from tiphys.client.errors import NO_SERVER_MESSAGE
from tiphys.client.streams import StreamError


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


@server_command
def waiter(
    server: ServerContext,
    name: Annotated[str, typer.Argument()],
    broken: Annotated[bool, typer.Option("--broken")] = False,
) -> None:
    """Watch one workflow for 0.5 s (or fail as a broken stream does)."""
    if broken:
        raise StreamError("EOF", grpc_code=8, http_code=429)
    for event in server.client.watch(name, timeout=0.5):
        typer.echo(event.phase)


def run(argo: ArgoFake | None, *args: str, **env: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(probe)
    app.command()(waiter)  # two commands, so that typer keeps the command name
    command = "waiter" if args and args[0] == "waiter" else "probe"
    args = args[1:] if command == "waiter" else args
    result = CliRunner().invoke(app, [command, *args], env=cli_env(argo, **env))
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


def test_a_watch_that_times_out_exits_4_and_a_broken_stream_exits_3(argo: ArgoFake) -> None:
    wf = {"metadata": {"name": "hello", "resourceVersion": "1"}, "status": {"phase": "Running"}}
    argo.add("GET", f"/api/v1/workflows/{NAMESPACE}/hello", json_reply(wf))
    argo.add(
        "GET",
        f"/api/v1/workflow-events/{NAMESPACE}",
        sse_reply([result({"type": "ADDED", "object": wf}), Pause(8)]),
    )
    assert run(argo, "waiter", "hello") == (
        4,
        "Running\n",
        "tiphys: error: workflow hello did not finish within 0.5 s; it was last seen Running. "
        "It keeps running on the server: wait longer (a larger --timeout), look at it with "
        "`tiphys get hello`, or end it with `tiphys stop hello`.\n",
    )
    assert run(argo, "waiter", "hello", "--broken") == (
        3,
        "",
        "tiphys: error: the Argo Server ended the stream: EOF (gRPC code 8, HTTP 429). "
        "Reconnect to go on.\n",
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["list", "--status", "Succeeded,Faild"],
            "tiphys: error: --status: 'Faild' is not a workflow phase (did you mean Failed?); "
            "choose from Pending, Running, Succeeded, Failed, Error\n",
        ),
        (
            ["delete", "--status", "failed", "--dry-run"],
            "tiphys: error: --status: 'failed' is not a workflow phase (did you mean Failed?); "
            "choose from Pending, Running, Succeeded, Failed, Error\n",
        ),
        (
            ["get", "wf", "--status", "Skiped"],
            "tiphys: error: --status: 'Skiped' is not a node phase (did you mean Skipped?); "
            "choose from Pending, Running, Succeeded, Skipped, Failed, Error, Omitted\n",
        ),
        (
            ["watch", "wf", "--status", "Bogus"],
            "tiphys: error: --status: 'Bogus' is not a node phase; "
            "choose from Pending, Running, Succeeded, Skipped, Failed, Error, Omitted\n",
        ),
    ],
)
def test_a_mistyped_status_is_refused_before_any_request(
    argo: ArgoFake, args: list[str], expected: str
) -> None:
    # A typo in --status used to select nothing ('No workflows found', an empty node tree)
    # or, in delete, was compared client-side and silently matched nothing.
    from cli_server import invoke

    ran = invoke(argo, *args)
    assert (ran.code, ran.out, ran.err) == (2, "", expected)
    assert argo.requests == []


def test_token_flag_reaches_the_server_and_is_kept_hidden(argo: ArgoFake) -> None:
    argo.add("GET", f"/api/v1/workflows/{NAMESPACE}/hello", json_reply(WF))
    code, _out, err = run(argo, "hello", "--token", "flag-s3cret")
    assert (code, err) == (0, "")
    assert argo.requests[0].headers["authorization"] == "Bearer flag-s3cret"
    context = ServerContext({"token": "flag-s3cret", "server": "h:1"})
    assert "flag-s3cret" not in repr(context) and "flag-s3cret" not in repr(vars(context))
