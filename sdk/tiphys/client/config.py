"""Where the Argo Server is and how to talk to it: :func:`resolve_config`.

Each setting is taken from the first source that gives it (an empty value counts as not given):

1. the explicit arguments of :func:`resolve_config`;
2. the environment, as the ``argo`` CLI reads it (``cmd/argo/commands/client/conn.go``):

   ========================== ===========================================================
   ``ARGO_SERVER``            ``host:port``, no scheme (``localhost:2746``)
   ``ARGO_TOKEN``             the whole ``Authorization`` value, used verbatim; a token
                              without a scheme word gets ``Bearer `` in front
   ``ARGO_NAMESPACE``         the namespace of namespaced requests
   ``ARGO_SECURE``            https unless exactly ``false``
   ``ARGO_INSECURE_SKIP_VERIFY`` skip TLS verification only when exactly ``true``
   ``ARGO_BASE_HREF``         path prefix of the server (``/argo``)
   ``ARGO_CA_FILE``           CA bundle (PEM) to verify the server with (tiphys only)
   ``ARGO_CLIENT_CERT``       client certificate (PEM) for mutual TLS (tiphys only)
   ``ARGO_CLIENT_KEY``        its private key, when not in the certificate file (tiphys only)
   ========================== ===========================================================

3. the kubeconfig (``KUBECONFIG``, a list of files joined with ``os.pathsep``, else
   ``~/.kube/config``): the current context's namespace and its user's ``token`` (or
   ``tokenFile``), sent as ``Bearer <token>``. Nothing else is read from it: tiphys talks to the
   Argo Server only, never to the Kubernetes API;
4. defaults: namespace ``default``, https, verified TLS, no token.

The token is held in a :class:`Secret`: it is never shown by ``repr``/``str`` of the
configuration, nor in any message of the errors raised here.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiphys.client.errors import ConfigError, NoServerConfigured

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_NAMESPACE",
    "DEFAULT_READ_TIMEOUT",
    "Secret",
    "ServerConfig",
    "auth_header",
    "resolve_config",
]

#: Namespace used when no argument, ``ARGO_NAMESPACE`` or kubeconfig context names one.
DEFAULT_NAMESPACE = "default"
#: Seconds to wait for a TCP/TLS connection to the Argo Server.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds to wait for each read of a response (streams reset it on every chunk, and the server
#: sends an SSE keepalive every 15 s).
DEFAULT_READ_TIMEOUT = 30.0

_SCHEME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*")
_TOKEN_WITH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]* +\S")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST_PORT = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d+))?"
)
_NAMESPACE = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")


class Secret:
    """A value that is never shown: ``repr``, ``str`` and formatting give ``'<hidden>'``.

    Args:
        value: The secret text (an ``Authorization`` header value).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """Return the secret text, to put it in a request header and nowhere else."""
        value: str = object.__getattribute__(self, "_value")
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.reveal().encode(), other.reveal().encode())

    def __hash__(self) -> int:
        return hash((Secret, self.reveal()))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class ServerConfig:
    """How to reach one Argo Server. Build it with :func:`resolve_config`.

    Attributes:
        server: ``host:port`` of the Argo Server (``ARGO_SERVER``), e.g. ``"localhost:2746"``.
        secure: ``True`` for https (``ARGO_SECURE``), ``False`` for http.
        base_href: Path prefix of the server (``ARGO_BASE_HREF``): ``""`` or ``"/argo"`` (no
            trailing slash).
        namespace: Namespace of namespaced requests (``ARGO_NAMESPACE``, kubeconfig, or
            ``"default"``).
        token: The whole ``Authorization`` header value (``Bearer <token>``, ``Basic ...``),
            hidden; ``None`` when no token is configured (servers in ``--auth-mode=server``).
        verify: ``True`` to verify the server's certificate with the system CAs, ``False`` to
            skip verification (``ARGO_INSECURE_SKIP_VERIFY=true``), or the path of a CA bundle.
        cert: Client certificate for mutual TLS: a PEM path holding certificate and key, or a
            ``(certificate, key)`` pair of paths; ``None`` for none.
        connect_timeout: Seconds to wait for a connection (default 10).
        read_timeout: Seconds to wait for each read of a response (default 30).
    """

    server: str
    secure: bool = True
    base_href: str = ""
    namespace: str = DEFAULT_NAMESPACE
    token: Secret | None = field(default=None, repr=False)
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT

    @property
    def scheme(self) -> str:
        """``"https"`` or ``"http"``."""
        return "https" if self.secure else "http"

    @property
    def base_url(self) -> str:
        """``{scheme}://{server}{base_href}``, the URL that ``/api/v1/...`` paths follow."""
        return f"{self.scheme}://{self.server}{self.base_href}"

    def __repr__(self) -> str:
        token = "<hidden>" if self.token is not None else "None"
        return (
            f"ServerConfig(base_url={self.base_url!r}, namespace={self.namespace!r}, "
            f"token={token}, verify={self.verify!r}, cert={self.cert!r}, "
            f"connect_timeout={self.connect_timeout!r}, read_timeout={self.read_timeout!r})"
        )

    def __str__(self) -> str:
        token = "token set" if self.token is not None else "no token"
        return f"{self.base_url} (namespace {self.namespace}, {token})"


def auth_header(config: ServerConfig) -> dict[str, str]:
    """The ``Authorization`` header for httpx, or ``{}`` when no token is configured.

    Args:
        config: The resolved configuration.

    Returns:
        ``{"Authorization": "Bearer ..."}`` or ``{}``.
    """
    if config.token is None:
        return {}
    return {"Authorization": config.token.reveal()}


# --- resolution ---------------------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    """``None`` for an absent or empty value."""
    return value if value else None


def _check_server(value: str, source: str) -> str:
    value = value.strip()
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", value)
    if scheme:
        rest = value[scheme.end() :]
        secure_hint = (
            " and set ARGO_SECURE=false for http"
            if scheme.group(1).lower() == "http"
            else " (https is the default)"
        )
        raise ConfigError(
            f"{source} is {value!r}, but it takes host:port without a scheme: drop "
            f"{scheme.group(0)!r} and write {rest.rstrip('/')!r}{secure_hint}."
        )
    host, slash, prefix = value.partition("/")
    if slash:
        raise ConfigError(
            f"{source} is {value!r}, but it takes host:port only: write {host!r} and put the "
            f"path in ARGO_BASE_HREF ({'/' + prefix.rstrip('/')!r})."
        )
    match = _HOST_PORT.fullmatch(value)
    if not match or (match.group(1) is not None and not 1 <= int(match.group(1)) <= 65535):
        raise ConfigError(
            f"{source} is {value!r}, which is not host:port (for example localhost:2746)."
        )
    return value


def _check_token(value: str, source: str) -> Secret:
    """The ``Authorization`` value for a token (messages never quote it)."""
    value = value.strip()
    if _CONTROL.search(value):
        raise ConfigError(
            f"{source} contains a line break or another control character; remove it (the "
            "value is not shown)."
        )
    if not value.isascii():
        raise ConfigError(
            f"{source} contains a character that is not ASCII, which an HTTP header cannot "
            "carry; copy the token again (the value is not shown)."
        )
    if _SCHEME_WORD.fullmatch(value) and value.lower() in ("bearer", "basic"):
        raise ConfigError(
            f"{source} holds only the word {value!r} and no credentials; write the whole "
            'value, e.g. ARGO_TOKEN="Bearer <token>".'
        )
    if _TOKEN_WITH_SCHEME.match(value):
        return Secret(value)
    return Secret(f"Bearer {value}")


def _check_namespace(value: str, source: str) -> str:
    if len(value) > 63 or not _NAMESPACE.fullmatch(value):
        raise ConfigError(
            f"{source} is {value!r}, which is not a Kubernetes namespace name (lowercase "
            "letters, digits and '-', starting and ending with a letter or digit, at most 63 "
            "characters)."
        )
    return value


def _check_base_href(value: str) -> str:
    value = value.strip()
    if any(c in value for c in "?# ") or "://" in value:
        raise ConfigError(f"ARGO_BASE_HREF is {value!r}, but it takes a path prefix such as /argo.")
    value = value.strip("/")
    return f"/{value}" if value else ""


def _check_file(value: str | Path, source: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"{source} is {str(value)!r}, but there is no such file.")
    return str(path)


def _flag(env: Mapping[str, str], name: str, exact: str) -> bool | None:
    value = env.get(name)
    if value is None or value == "":
        return None
    return value == exact


def _kubeconfig_paths(kubeconfig: str | Path | None, env: Mapping[str, str]) -> list[Path]:
    if isinstance(kubeconfig, Path):
        return [kubeconfig]
    listing = kubeconfig if kubeconfig is not None else env.get("KUBECONFIG")
    if listing:
        return [Path(p).expanduser() for p in listing.split(os.pathsep) if p]
    home = env.get("HOME")
    return [(Path(home) if home else Path.home()) / ".kube" / "config"]


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the kubeconfig {str(path)!r}: {type(exc).__name__}."
        ) from None
    failure: str | None = None
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        # The error's own text quotes the file, which may hold a token: keep the place only, and
        # raise outside this block so that the YAML error is not even the exception's context.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        failure = f"{where}: {getattr(exc, 'problem', None) or 'invalid YAML'}"
    if failure is not None:
        raise ConfigError(
            f"the kubeconfig {str(path)!r} is not valid YAML{failure}. Fix it, or set "
            "KUBECONFIG to another file (KUBECONFIG=/dev/null reads none)."
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"the kubeconfig {str(path)!r} is not a mapping (a Kubernetes Config document)."
        )
    return data


def _named(entries: Any, path: Path, kind: str) -> dict[str, dict[str, Any]]:
    """``{name: entry[kind]}`` of a kubeconfig list (``contexts``/``users``)."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ConfigError(f"the kubeconfig {str(path)!r} has {kind}s that are not a list.")
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            body = entry.get(kind)
            found[entry["name"]] = body if isinstance(body, dict) else {}
    return found


def _from_kubeconfig(
    kubeconfig: str | Path | None, env: Mapping[str, str]
) -> tuple[str | None, str | None, str]:
    """``(namespace, token, where)`` of the current context (``None`` when not set)."""
    current: str | None = None
    contexts: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    for path in _kubeconfig_paths(kubeconfig, env):
        data = _load_yaml(path)
        if current is None and isinstance(data.get("current-context"), str):
            current = data["current-context"] or None
        # The first file that defines a name wins, as in kubectl's merge.
        for name, body in _named(data.get("contexts"), path, "context").items():
            contexts.setdefault(name, body)
        for name, body in _named(data.get("users"), path, "user").items():
            users.setdefault(name, body)
    if current is None or current not in contexts:
        return None, None, ""
    where = f"kubeconfig context {current!r}"
    context = contexts[current]
    namespace = context.get("namespace")
    user_name = context.get("user")
    user = users.get(user_name) if isinstance(user_name, str) else None
    token: str | None = None
    if user:
        if isinstance(user.get("token"), str) and user["token"]:
            token = user["token"]
        elif isinstance(user.get("tokenFile"), str) and user["tokenFile"]:
            token_path = Path(user["tokenFile"]).expanduser()
            try:
                token = token_path.read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise ConfigError(
                    f"the {where} names tokenFile {str(token_path)!r}, which cannot be read: "
                    f"{type(exc).__name__}."
                ) from None
    return (namespace if isinstance(namespace, str) and namespace else None), token, where


def resolve_config(
    *,
    server: str | None = None,
    token: str | None = None,
    namespace: str | None = None,
    secure: bool | None = None,
    insecure_skip_verify: bool | None = None,
    base_href: str | None = None,
    ca_file: str | Path | None = None,
    client_cert: str | Path | tuple[str | Path, str | Path] | None = None,
    env: Mapping[str, str] | None = None,
    kubeconfig: str | Path | None = None,
) -> ServerConfig:
    """Resolve the Argo Server configuration: arguments > ``ARGO_*`` > kubeconfig > defaults.

    See the module documentation for each variable. ``None`` or ``""`` means "not given".

    Args:
        server: ``host:port`` of the Argo Server, no scheme (``ARGO_SERVER``).
        token: ``Authorization`` value or bare token (``ARGO_TOKEN``); a bare token gets
            ``Bearer ``.
        namespace: Namespace of namespaced requests (``ARGO_NAMESPACE``).
        secure: https when ``True`` (``ARGO_SECURE``; default https).
        insecure_skip_verify: Skip TLS verification (``ARGO_INSECURE_SKIP_VERIFY``).
        base_href: Path prefix of the server (``ARGO_BASE_HREF``), e.g. ``/argo``.
        ca_file: CA bundle (PEM) to verify the server with (``ARGO_CA_FILE``).
        client_cert: Client certificate PEM path (certificate and key), or a
            ``(certificate, key)`` pair (``ARGO_CLIENT_CERT``, ``ARGO_CLIENT_KEY``).
        env: The environment to read; ``os.environ`` by default.
        kubeconfig: Kubeconfig to read instead of ``KUBECONFIG``: a ``Path`` (one file) or a
            string (files joined with ``os.pathsep``). Missing files are skipped. Read only
            when the token or the namespace is still unknown.

    Returns:
        The frozen configuration.

    Raises:
        NoServerConfigured: Neither ``server`` nor ``ARGO_SERVER`` is set.
        ConfigError: A value is malformed (a server with a scheme or a path, a namespace that
            is not a DNS-1123 label, a token with a line break, a missing CA or certificate
            file, both a CA bundle and skipping verification), or the kubeconfig is not valid
            YAML. No message quotes a token.
    """
    environ: Mapping[str, str] = os.environ if env is None else env

    if _given(server):
        address = _check_server(server or "", "the server argument")
    elif _given(environ.get("ARGO_SERVER")):
        address = _check_server(environ["ARGO_SERVER"], "ARGO_SERVER")
    else:
        raise NoServerConfigured()

    use_https = secure if secure is not None else _flag(environ, "ARGO_SECURE", "false") is not True
    skip_verify = (
        insecure_skip_verify
        if insecure_skip_verify is not None
        else bool(_flag(environ, "ARGO_INSECURE_SKIP_VERIFY", "true"))
    )

    if base_href is not None:
        href = _check_base_href(base_href)
    else:
        href = _check_base_href(environ.get("ARGO_BASE_HREF", ""))

    secret: Secret | None = None
    if _given(token):
        secret = _check_token(token or "", "the token argument")
    elif _given(environ.get("ARGO_TOKEN")):
        secret = _check_token(environ["ARGO_TOKEN"], "ARGO_TOKEN")

    ns: str | None = None
    if _given(namespace):
        ns = _check_namespace(namespace or "", "the namespace argument")
    elif _given(environ.get("ARGO_NAMESPACE")):
        ns = _check_namespace(environ["ARGO_NAMESPACE"], "ARGO_NAMESPACE")

    if secret is None or ns is None:
        kube_ns, kube_token, where = _from_kubeconfig(kubeconfig, environ)
        if ns is None and kube_ns is not None:
            ns = _check_namespace(kube_ns, f"the namespace of the {where}")
        if secret is None and kube_token is not None:
            secret = _check_token(f"Bearer {kube_token.strip()}", f"the token of the {where}")

    verify: bool | str = True
    ca: str | None = None
    if ca_file is not None and str(ca_file):
        ca = _check_file(ca_file, "the ca_file argument")
    elif _given(environ.get("ARGO_CA_FILE")):
        ca = _check_file(environ["ARGO_CA_FILE"], "ARGO_CA_FILE")
    if ca is not None and skip_verify:
        raise ConfigError(
            "both a CA bundle and ARGO_INSECURE_SKIP_VERIFY=true (insecure_skip_verify) are set: "
            "use the CA bundle to verify the server, or skip verification, not both."
        )
    if skip_verify:
        verify = False
    elif ca is not None:
        verify = ca

    cert: str | tuple[str, str] | None = None
    if isinstance(client_cert, tuple):
        cert = (
            _check_file(client_cert[0], "the client_cert argument"),
            _check_file(client_cert[1], "the client_cert key"),
        )
    elif client_cert is not None and str(client_cert):
        cert = _check_file(client_cert, "the client_cert argument")
    elif _given(environ.get("ARGO_CLIENT_CERT")):
        cert_file = _check_file(environ["ARGO_CLIENT_CERT"], "ARGO_CLIENT_CERT")
        key = _given(environ.get("ARGO_CLIENT_KEY"))
        cert = (cert_file, _check_file(key, "ARGO_CLIENT_KEY")) if key else cert_file
    elif _given(environ.get("ARGO_CLIENT_KEY")):
        raise ConfigError("ARGO_CLIENT_KEY is set without ARGO_CLIENT_CERT: set both, or neither.")

    return ServerConfig(
        server=address,
        secure=use_https,
        base_href=href,
        namespace=ns or DEFAULT_NAMESPACE,
        token=secret,
        verify=verify,
        cert=cert,
    )
