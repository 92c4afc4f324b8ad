"""Errors of the Argo Server client: configuration problems and server responses.

One hierarchy, under :class:`tiphys.errors.TiphysError`::

    TiphysError
    ├── ConfigError                 the client configuration is invalid (CLI exit 2)
    │   └── NoServerConfigured      ARGO_SERVER is not set (CLI exit 2)
    └── ArgoServerError             the Argo Server refused a request or could not be reached
        ├── InvalidRequest          400 (InvalidArgument, FailedPrecondition, OutOfRange)
        ├── Unauthorized            401 (Unauthenticated)
        ├── Forbidden               403 (PermissionDenied)
        ├── NotFound                404 (NotFound)
        ├── Conflict                409 on an update or action (stale resourceVersion, Aborted)
        │   └── AlreadyExists       409 on a create: the name is taken
        └── ServerUnavailable       429, 5xx, connection errors (``retryable`` says if transient)
            └── RequestTimeout      408, 504, or no answer within the read/connect timeout

:func:`error_from_response` turns a non-2xx response (the server's ``{"code","message"}``
body, a google.rpc.Status) into one of these, following the grpc-gateway v1 status map
(``HTTPStatusFromCode``). Messages say what failed and what to do. No token ever appears in them:
nothing here is given the token.

This module imports nothing heavy (no httpx): the client maps httpx exceptions itself with
:func:`connection_error` and :func:`timeout_error`.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, ClassVar

from tiphys.errors import TiphysError

__all__ = [
    "GRPC_CODES",
    "AlreadyExists",
    "ArgoServerError",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "NoServerConfigured",
    "NotFound",
    "RequestTimeout",
    "ServerUnavailable",
    "Unauthorized",
    "connection_error",
    "error_from_response",
    "timeout_error",
]

#: gRPC status code number -> name, as in ``google.golang.org/grpc/codes``.
GRPC_CODES: dict[int, str] = {
    0: "OK",
    1: "Canceled",
    2: "Unknown",
    3: "InvalidArgument",
    4: "DeadlineExceeded",
    5: "NotFound",
    6: "AlreadyExists",
    7: "PermissionDenied",
    8: "ResourceExhausted",
    9: "FailedPrecondition",
    10: "Aborted",
    11: "OutOfRange",
    12: "Unimplemented",
    13: "Internal",
    14: "Unavailable",
    15: "DataLoss",
    16: "Unauthenticated",
}

#: How much of a body that is not the server's JSON error is quoted in a message (characters).
EXCERPT_CHARS = 200

NO_SERVER_MESSAGE = (
    "No Argo Server is configured. Set ARGO_SERVER to the server's host:port without a scheme, "
    "for example `export ARGO_SERVER=localhost:2746` (after `kubectl -n argo port-forward "
    "svc/argo-server 2746:2746`); add ARGO_SECURE=false if the server speaks plain http. "
    "tiphys talks to the Argo Server only, never to the Kubernetes API, so a kubeconfig alone "
    "is not enough."
)


class ConfigError(TiphysError):
    """The Argo Server client configuration is invalid (a malformed ``ARGO_*`` value, argument
    or kubeconfig). The message names the setting and what to write instead; it never quotes a
    token. CLI commands exit 2 with it."""


class NoServerConfigured(ConfigError):
    """No Argo Server address was given (neither ``server=`` nor ``ARGO_SERVER``).

    The message says how to set ``ARGO_SERVER``. CLI commands exit 2 with it.
    """

    def __init__(self, message: str = NO_SERVER_MESSAGE) -> None:
        super().__init__(message)


class ArgoServerError(TiphysError):
    """The Argo Server refused a request, answered with an error, or could not be reached.

    Attributes:
        status: HTTP status of the response (``404``), or ``None`` when there was no response
            (connection refused, timeout).
        code: gRPC code name from the body's ``code`` (``"NotFound"``), or ``None`` when the
            body carried none (not JSON, a proxy's page, no response).
        server_message: The body's ``message`` exactly as the server wrote it, or ``None``.
        method: HTTP method of the request (``"POST"``).
        path: Request path below the base URL, without the query (``"/api/v1/workflows/argo"``).
        namespace: The namespace the request was about, when known.
        body_excerpt: The start of a body that was not the server's JSON error (at most
            200 characters, whitespace collapsed), else ``None``.
        retryable: ``True`` when the same request may succeed if sent again later (429, 502,
            503, 504, connection errors, timeouts). A create must still not be re-sent blindly:
            the first one may have succeeded.
        retry_after: Seconds the server asked to wait before a retry (``Retry-After`` of a
            429 or 503), or ``None``.
    """

    #: Default ``retryable`` of the class.
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        code: str | None = None,
        server_message: str | None = None,
        namespace: str | None = None,
        body_excerpt: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.server_message = server_message
        self.method = method
        self.path = path
        self.namespace = namespace
        self.body_excerpt = body_excerpt
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after: float | None = None


class InvalidRequest(ArgoServerError):
    """400: the server rejected the request (validation or lint failure, a retry of a workflow
    that is not Failed/Error, a missing ``metadata.resourceVersion``). ``server_message`` holds
    the server's validation message whole."""


class Unauthorized(ArgoServerError):
    """401: no token was sent, or the server did not accept it."""


class Forbidden(ArgoServerError):
    """403: the token is valid but RBAC refuses this action in this namespace."""


class NotFound(ArgoServerError):
    """404: no such object (or, with a non-JSON body, no Argo Server API at this URL)."""


class Conflict(ArgoServerError):
    """409 on anything but a create: the object changed on the server since it was read (a
    stale ``metadata.resourceVersion``) or the operation was aborted."""


class AlreadyExists(Conflict):
    """409 on a create: an object with this ``metadata.name`` already exists."""


class ServerUnavailable(ArgoServerError):
    """429, 5xx, or the server could not be reached. ``retryable`` tells whether waiting and
    sending the same idempotent request again may help."""

    default_retryable = True


class RequestTimeout(ServerUnavailable):
    """408 or 504, or no answer within the client's connect/read timeout."""


# --- building messages -------------------------------------------------------------------------

_ACTION_SEGMENTS = frozenset(
    {"lint", "submit", "retry", "resubmit", "stop", "terminate", "suspend", "resume", "set", "log"}
)
_VERBS = {"GET": "read", "POST": "create", "PUT": "update", "DELETE": "delete", "PATCH": "update"}
_CLUSTER_RESOURCES = frozenset({"cluster-workflow-templates", "archived-workflows"})
# Artifact routes outside /api/v1 whose first segment is the namespace.
_ARTIFACT_ROUTES = frozenset({"artifact-files", "artifacts", "input-artifacts"})


def _path_only(path: str) -> str:
    return path.split("?", 1)[0]


def _shown(path: str) -> str:
    """The path for messages: no query, percent-escapes decoded (``@latest``, non-ASCII)."""
    from urllib.parse import unquote

    return unquote(_path_only(path))


def _namespace_of(path: str) -> str | None:
    parts = _path_only(path).strip("/").split("/")
    if len(parts) >= 4 and parts[:2] == ["api", "v1"] and parts[2] not in _CLUSTER_RESOURCES:
        return parts[3] or None
    if len(parts) >= 2 and parts[0] in _ARTIFACT_ROUTES:  # /artifact-files/{ns}/...
        return parts[1] or None
    return None


def _action(method: str, path: str) -> str:
    """``"create workflows"``, ``"stop workflows"``, ``"read cluster-workflow-templates"``."""
    parts = _path_only(path).strip("/").split("/")
    resource = parts[2] if len(parts) >= 3 and parts[:2] == ["api", "v1"] else "this resource"
    if resource == "workflow-events":
        return "watch workflows"
    verb = _VERBS.get(method.upper(), method.upper())
    if parts and parts[-1] in _ACTION_SEGMENTS and len(parts) >= 4:
        verb = parts[-1]
        if verb == "log":
            verb = "read logs of"
    elif method.upper() == "GET" and (
        len(parts) == 3 or (len(parts) == 4 and resource not in _CLUSTER_RESOURCES)
    ):
        verb = "list"
    return f"{verb} {resource}"


def _excerpt(text: str) -> str:
    collapsed = " ".join(text.split())
    if len(collapsed) > EXCERPT_CHARS:
        return collapsed[:EXCERPT_CHARS] + "..."
    return collapsed


def _parse_body(body: bytes | str | None) -> tuple[str | None, str | None, str | None]:
    """``(code name, server message, excerpt of a non-JSON body)`` of an error body."""
    if body is None:
        return None, None, None
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not text.strip():
        return None, None, None
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None, None, _excerpt(text)
    # A mid-stream chunk: {"error": {"grpc_code": 8, "message": "EOF", ...}}.
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        inner = data["error"]
        data = {"code": inner.get("grpc_code", inner.get("code")), "message": inner.get("message")}
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None, None, _excerpt(text)
    raw_code = data.get("code")
    code: str | None
    if isinstance(raw_code, int) and not isinstance(raw_code, bool):
        code = GRPC_CODES.get(raw_code, str(raw_code))
    elif isinstance(raw_code, str) and raw_code:
        code = GRPC_CODES.get(int(raw_code), raw_code) if raw_code.isdigit() else raw_code
    else:
        code = None
    return code, data["message"], None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def _where(namespace: str | None) -> str:
    return f"in namespace {namespace!r}" if namespace else "cluster-wide"


# Where the namespace comes from, for the command line and for Python.
_NAMESPACE_HOW = "-n/--namespace or ARGO_NAMESPACE; namespace= in Python"


def _advice(
    cls: type[ArgoServerError], status: int, method: str, path: str, namespace: str | None
) -> str:
    action = _action(method, path)
    if cls is InvalidRequest:
        return (
            "The server rejected the request as invalid; fix what the message names and send it "
            "again (`tiphys lint` catches most of these before sending)."
        )
    if cls is Unauthorized:
        return (
            "The server did not accept the token (or none was sent). Set ARGO_TOKEN to the "
            'whole Authorization value, e.g. `export ARGO_TOKEN="Bearer $(kubectl -n argo '
            'create token <service-account>)"` (or --token on the command line, token= in '
            "Python). A token without a scheme gets "
            "`Bearer ` added; SSO tokens look like `Bearer v2:...`."
        )
    if cls is Forbidden:
        return (
            f"The token may not {action} {_where(namespace)}. Ask for an RBAC role that allows "
            "it for the token's service account, or use a namespace you may use "
            f"({_NAMESPACE_HOW})."
        )
    if cls is NotFound:
        return (
            f"Nothing was found at {method} {_shown(path)} {_where(namespace)}: check the "
            f"name and the namespace ({_NAMESPACE_HOW})."
        )
    if cls is AlreadyExists:
        return (
            f"The name is taken {_where(namespace)}: choose another metadata.name, delete the "
            "existing object, or set metadata.generateName (e.g. 'release-') so that the "
            "server picks a unique name."
        )
    if cls is Conflict:
        return (
            "The object changed on the server since it was read (a stale "
            "metadata.resourceVersion): read it again, reapply your change and send it again."
        )
    if cls is RequestTimeout:
        extra = (
            " A create may have succeeded anyway: look for the object before creating it again."
            if method.upper() == "POST"
            else ""
        )
        return f"The server did not finish in time; try again later.{extra}"
    if status == 429:
        return "The server is rate-limiting requests; wait and try again."
    if status == 501:
        return "The server does not implement this endpoint: check that it is Argo Server v4."
    if cls is ServerUnavailable:
        retry = (
            "try again later"
            if status in (502, 503)
            else "if it persists, look at the argo-server logs"
        )
        return f"The Argo Server failed to handle the request; {retry}."
    return "Check the request and the server address (ARGO_SERVER, ARGO_BASE_HREF)."


def _class_for(status: int, code: str | None, method: str) -> type[ArgoServerError]:
    if status in (400, 412, 422):
        return InvalidRequest
    if status == 401:
        return Unauthorized
    if status == 403:
        return Forbidden
    if status == 404:
        return NotFound
    if status == 409:
        if method.upper() == "POST" and code != "Aborted":
            return AlreadyExists
        return Conflict
    if status in (408, 504):
        return RequestTimeout
    if status == 429 or status >= 500:
        return ServerUnavailable
    return ArgoServerError


def error_from_response(
    status: int,
    body: bytes | str | None,
    *,
    method: str,
    path: str,
    namespace: str | None = None,
) -> ArgoServerError:
    """Build the typed error for a non-2xx response of the Argo Server.

    The class follows the grpc-gateway v1 status map (FACTS §1.5): 400/412/422 ->
    :class:`InvalidRequest`; 401 -> :class:`Unauthorized`; 403 -> :class:`Forbidden`; 404 ->
    :class:`NotFound`; 409 -> :class:`AlreadyExists` for a create (POST) unless the code is
    ``Aborted``, else :class:`Conflict`; 408 and 504 -> :class:`RequestTimeout`; 429 and other
    5xx -> :class:`ServerUnavailable` (retryable for 429, 502, 503, 504); anything else ->
    :class:`ArgoServerError`.

    The message is ``"<METHOD> <path>: <status> <reason>: <server message>"`` then what to do.
    A body that is not ``{"code","message"}`` JSON (a proxy's HTML page) is said to be so and
    quoted, truncated to 200 characters.

    Args:
        status: HTTP status code of the response (``>= 300``).
        body: The response body (``{"code": <grpc int>, "message": "..."}`` from the server, or
            a mid-stream ``{"error": {"grpc_code", "message", ...}}`` chunk), or ``None``.
        method: HTTP method of the request.
        path: Request path below the base URL (a query string is dropped from the message).
        namespace: The namespace of the request; by default read from ``path``
            (``/api/v1/<resource>/<namespace>/...``).

    Returns:
        The error to raise (it is not raised here).
    """
    code, server_message, excerpt = _parse_body(body)
    if namespace is None:
        namespace = _namespace_of(path)
    cls = _class_for(status, code, method)
    head = f"{method.upper()} {_shown(path)}: {status} {_reason(status)}"
    if server_message is not None:
        head += f": {server_message}"
    elif excerpt is not None:
        head += (
            f"; the response is not the Argo Server's JSON error (a proxy or load balancer may "
            f"have answered; check ARGO_SERVER and ARGO_BASE_HREF): {excerpt!r}"
        )
    else:
        head += " (empty response body)"
    retryable = status in (429, 502, 503, 504) if issubclass(cls, ServerUnavailable) else None
    return cls(
        f"{head}\n{_advice(cls, status, method, path, namespace)}",
        method=method.upper(),
        path=_path_only(path),
        status=status,
        code=code,
        server_message=server_message,
        namespace=namespace,
        body_excerpt=excerpt,
        retryable=retryable,
    )


def connection_error(
    reason: str, *, method: str, path: str, base_url: str, namespace: str | None = None
) -> ServerUnavailable:
    """The error for a request that got no response (refused, reset, DNS, TLS failure).

    Args:
        reason: What the transport said (``"[Errno 111] Connection refused"``); it must not
            contain the token (transport errors do not).
        method: HTTP method of the request.
        path: Request path below the base URL.
        base_url: The server's base URL (``https://localhost:2746``), to say where it tried.
        namespace: The namespace of the request, when known.

    Returns:
        A retryable :class:`ServerUnavailable` (not raised here).
    """
    return ServerUnavailable(
        f"{method.upper()} {_shown(path)}: cannot reach the Argo Server at {base_url}: "
        f"{reason}\nCheck ARGO_SERVER (host:port), ARGO_SECURE (http or https) and that the "
        "server (or your port-forward) is running.",
        method=method.upper(),
        path=_path_only(path),
        namespace=namespace,
        retryable=True,
    )


def timeout_error(
    phase: str, seconds: float, *, method: str, path: str, namespace: str | None = None
) -> RequestTimeout:
    """The error for a request that got no answer within the client's timeout.

    Args:
        phase: ``"connect"`` or ``"read"``.
        seconds: The timeout that expired, in seconds.
        method: HTTP method of the request.
        path: Request path below the base URL.
        namespace: The namespace of the request, when known.

    Returns:
        A retryable :class:`RequestTimeout` (not raised here).
    """
    extra = (
        " A create may have succeeded anyway: look for the object before creating it again."
        if method.upper() == "POST" and phase == "read"
        else ""
    )
    return RequestTimeout(
        f"{method.upper()} {_shown(path)}: no answer from the Argo Server within the "
        f"{phase} timeout of {seconds:g} s\nTry again later, or raise the timeout.{extra}",
        method=method.upper(),
        path=_path_only(path),
        namespace=namespace,
        retryable=True,
    )
