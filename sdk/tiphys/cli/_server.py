"""What the commands that talk to the Argo Server share: connection flags, client, exit codes.

:func:`server_command` turns ``def cmd(server: ServerContext, ...)`` into a typer command that
also takes the ``argo`` CLI's connection flags (``-s/--argo-server``, ``-n/--namespace``,
``--token``, ``--secure/--no-secure``, ``-k/--insecure-skip-verify``, ``--argo-base-href``,
``--kubeconfig``, and ``--local`` for the server embedded in tiphys), builds the
:class:`~tiphys.client.Client` on first use and maps errors to exit codes (DESIGN §6):

* no server configured, or a malformed setting: exit 2 with the message saying what to set;
* the server refused the request or could not be reached (or ``--local`` could not start
  one): exit 3 with the server's message and the next step;
* anything else as :func:`tiphys.cli._common.cli_errors` (2 for input errors, 70 for bugs).

Commands own exits 1 (the workflow failed) and 4 (a wait timed out).
"""

from __future__ import annotations

import functools
import inspect
import os
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer

from tiphys.cli._common import EXIT_SERVER, EXIT_TIMEOUT, cli_errors, fail

if TYPE_CHECKING:
    from tiphys.client import Client

__all__ = ["UI_URL_ENV", "ServerContext", "server_command"]

#: Environment variable with the base URL of the Argo UI (``https://argo.example.com``), used
#: for links instead of the server address.
UI_URL_ENV = "ARGO_UI_URL"

_PANEL = "Argo Server connection"

P = ParamSpec("P")
R = TypeVar("R")


class ServerContext:
    """The connection settings of one command run, and its :class:`~tiphys.client.Client`.

    Args:
        settings: Keyword arguments of :func:`tiphys.client.resolve_config` taken from the
            command line (only those the user gave; the rest come from ``ARGO_*`` and the
            kubeconfig).
    """

    def __init__(self, settings: dict[str, Any], *, local: bool = False) -> None:
        from tiphys.client.config import Secret

        #: ``--local``: the client talks to the embedded server (started when none answers).
        self.local = local
        given = dict(settings)
        token = given.pop("token", None)
        #: The settings the user gave, without the token (kept hidden in :attr:`_token`).
        self.settings = given
        self._token = Secret(token) if token is not None else None
        self._client: Client | None = None

    def __repr__(self) -> str:
        shown = dict(self.settings)
        if self._token is not None:
            shown = {"token": "<hidden>", **shown}
        return f"ServerContext({shown!r})"

    @property
    def client(self) -> Client:
        """The client, built on first use.

        Raises:
            NoServerConfigured: No ``--argo-server`` nor ``ARGO_SERVER`` (exit 2).
            ConfigError: A setting is malformed (exit 2).
            LocalServerError: ``--local`` and the embedded server did not start (exit 3).
        """
        if self._client is None:
            from tiphys.client import Client

            settings: dict[str, Any] = dict(self.settings)
            if self._token is not None:
                settings["token"] = self._token.reveal()
            if self.local:
                settings.update(_local_settings())
            self._client = Client(**settings)
        return self._client

    @property
    def namespace(self) -> str:
        """Namespace of namespaced requests (``-n``, ``ARGO_NAMESPACE``, kubeconfig, default)."""
        return self.client.namespace

    def ui_url(self, namespace: str, name: str) -> str:
        """The Argo UI link of one workflow.

        Args:
            namespace: The workflow's namespace.
            name: Its name.

        Returns:
            ``$ARGO_UI_URL/workflows/NS/NAME`` when ``ARGO_UI_URL`` is set, else the same path
            under the server's base URL (``https://HOST:PORT[BASE_HREF]/workflows/NS/NAME``).
        """
        from urllib.parse import quote

        base = os.environ.get(UI_URL_ENV, "").strip().rstrip("/")
        if not base:
            base = self.client.config.base_url.rstrip("/")
        return f"{base}/workflows/{quote(namespace, safe='')}/{quote(name, safe='')}"

    def close(self) -> None:
        """Close the client's connections, if it was built."""
        if self._client is not None:
            self._client.close()
            self._client = None


ArgoServerOption = Annotated[
    str | None,
    typer.Option(
        "--argo-server",
        "-s",
        metavar="HOST:PORT",
        show_default=False,
        rich_help_panel=_PANEL,
        help="Argo Server address, no scheme (default: ARGO_SERVER).",
    ),
]
NamespaceOption = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NAMESPACE",
        show_default=False,
        rich_help_panel=_PANEL,
        help=(
            "Namespace of the request (default: ARGO_NAMESPACE, else the kubeconfig context's "
            "namespace, else 'default')."
        ),
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        metavar="TOKEN",
        show_default=False,
        rich_help_panel=_PANEL,
        help=(
            "Authorization value or bare token (default: ARGO_TOKEN, else the kubeconfig "
            "user's token). Prefer ARGO_TOKEN: a flag stays in the shell history."
        ),
    ),
]
SecureOption = Annotated[
    bool | None,
    typer.Option(
        "--secure/--no-secure",
        show_default=False,
        rich_help_panel=_PANEL,
        help="https (default) or plain http (default: ARGO_SECURE; http only when 'false').",
    ),
]
InsecureOption = Annotated[
    bool,
    typer.Option(
        "--insecure-skip-verify",
        "-k",
        rich_help_panel=_PANEL,
        help="Do not verify the server's TLS certificate (default: ARGO_INSECURE_SKIP_VERIFY).",
    ),
]
BaseHrefOption = Annotated[
    str | None,
    typer.Option(
        "--argo-base-href",
        metavar="PATH",
        show_default=False,
        rich_help_panel=_PANEL,
        help="Path prefix of the server, e.g. /argo (default: ARGO_BASE_HREF).",
    ),
]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        metavar="FILE",
        show_default=False,
        rich_help_panel=_PANEL,
        help=(
            "Kubeconfig to read the default namespace and token from (default: KUBECONFIG, "
            "else ~/.kube/config). Only those two are read: tiphys talks to the Argo Server."
        ),
    ),
]

# (parameter name, annotation, resolve_config keyword)
_OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("argo_server", ArgoServerOption, "server"),
    ("namespace", NamespaceOption, "namespace"),
    ("token", TokenOption, "token"),
    ("secure", SecureOption, "secure"),
    ("insecure_skip_verify", InsecureOption, "insecure_skip_verify"),
    ("argo_base_href", BaseHrefOption, "base_href"),
    ("kubeconfig", KubeconfigOption, "kubeconfig"),
)

LocalOption = Annotated[
    bool,
    typer.Option(
        "--local",
        rich_help_panel=_PANEL,
        help=(
            "Use the Argo Server embedded in tiphys on this machine (tiphys server): the one "
            "running for the default state directory ($XDG_STATE_HOME/tiphys/server), else one "
            "started in the background (output in its server.log) and reused by later "
            "commands; its token is read from there. Not with -s/--argo-server."
        ),
    ),
]


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    """The ``resolve_config`` keywords the user gave (a flag left unset is not passed)."""
    settings: dict[str, Any] = {}
    for name, _annotation, keyword in _OPTIONS:
        value = values.get(name)
        if value is None or value is False:
            continue
        settings[keyword] = value
    return settings


def server_command(fn: Callable[Concatenate[ServerContext, P], R]) -> Callable[P, R]:
    """Make a command function that talks to the Argo Server (see the module documentation).

    The function's first parameter receives the :class:`ServerContext`; its other parameters
    are the command's own typer arguments and options. The connection flags are appended to
    its signature, so ``tiphys get NAME -n argo`` works as with the ``argo`` CLI. A command
    must not declare a parameter named like one of them (``namespace``, ``token``, ...); read
    ``server.namespace`` instead.

    Args:
        fn: ``def command(server: ServerContext, ...) -> None``.

    Returns:
        The typer command function.

    Raises:
        TypeError: ``fn`` declares a parameter with a connection flag's name (a tiphys bug).
    """
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in list(signature.parameters.values())[1:]
    ]
    clash = {p.name for p in own} & {*(name for name, _a, _k in _OPTIONS), "local"}
    if clash:
        raise TypeError(f"{fn.__name__} declares connection option(s) {sorted(clash)}")
    added = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation,
            default=False if name == "insecure_skip_verify" else None,
        )
        for name, annotation, _keyword in _OPTIONS
    ]
    added.append(
        inspect.Parameter(
            "local", inspect.Parameter.KEYWORD_ONLY, annotation=LocalOption, default=False
        )
    )

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        values = {name: kwargs.pop(name, None) for name, _a, _k in _OPTIONS}
        local = bool(kwargs.pop("local", False))
        if local and values.get("argo_server"):
            fail("use either --local or -s/--argo-server, not both")
        server = ServerContext(_settings(values), local=local)
        from tiphys.cli._local import LocalServerError
        from tiphys.client import ArgoServerError, WaitTimeout
        from tiphys.client.streams import StreamError

        try:
            return fn(server, *args, **kwargs)
        except (ArgoServerError, StreamError, LocalServerError) as exc:
            fail(str(exc), EXIT_SERVER)
        except WaitTimeout as exc:
            fail(str(exc), EXIT_TIMEOUT)
        finally:
            server.close()

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *added]
    )
    # typer reads the signature and the (resolved) annotations, not the wrapped function's.
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in own},
        **{name: annotation for name, annotation, _k in _OPTIONS},
        "local": LocalOption,
        "return": hints.get("return", None),
    }
    del wrapper.__wrapped__
    return cli_errors(wrapper)


def _local_settings() -> dict[str, Any]:
    """``resolve_config`` keywords for the embedded server (``--local``): its address over
    plain http and its token; of the environment only ``ARGO_NAMESPACE`` and ``KUBECONFIG``
    are kept (not ``ARGO_SERVER``, ``ARGO_TOKEN``, ``ARGO_BASE_HREF``...)."""
    from tiphys.cli._local import local_server

    url, token = local_server()
    env = {k: v for k, v in os.environ.items() if k in ("ARGO_NAMESPACE", "KUBECONFIG")}
    return {
        "server": url.removeprefix("http://").rstrip("/"),
        "secure": False,
        "insecure_skip_verify": False,
        "token": token,
        "env": env,
    }
