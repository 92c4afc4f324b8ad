"""The REST routes of the local Argo Server: paths, requests, replies and Argo's error bodies.

:data:`ROUTES` maps ``(method, path template)`` to the name of a handler method of
:class:`tiphys.local.server.LocalServer`'s core; :func:`match` finds the route of a request
(literal segments win over parameters, as the gateway's router does). Handlers take a
:class:`Request` and return a :class:`Reply` (a JSON body), a :class:`FileReply` or a
:class:`StreamReply`, or raise :class:`ApiError`, which becomes ``{"code": <gRPC>, "message"}``
with the HTTP status of FACTS §1.5.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tiphys.errors import TiphysError

__all__ = [
    "GRPC_OF_STATUS",
    "ROUTES",
    "ApiError",
    "FileReply",
    "Reply",
    "Request",
    "StreamReply",
    "error_body",
    "match",
]

#: gRPC code of each HTTP status the server answers with (grpc-gateway v1 in reverse).
GRPC_OF_STATUS = {
    400: 3,
    401: 16,
    403: 7,
    404: 5,
    405: 12,
    408: 1,
    409: 6,
    413: 3,
    415: 3,
    429: 8,
    500: 13,
    501: 12,
    503: 14,
    504: 4,
}


class ApiError(TiphysError):
    """A request the server refuses: HTTP ``status`` with Argo's ``{"code", "message"}`` body.

    Args:
        status: HTTP status (400, 404, 409, 500, ...).
        message: The ``message`` of the body.
        code: The gRPC code; by default the one of ``status`` (:data:`GRPC_OF_STATUS`).
    """

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = GRPC_OF_STATUS.get(status, 2) if code is None else code


def error_body(status: int, message: str, code: int | None = None) -> dict[str, Any]:
    """Argo's error body ``{"code": <gRPC>, "message": ...}`` for an HTTP status."""
    return {"code": GRPC_OF_STATUS.get(status, 2) if code is None else code, "message": message}


@dataclass
class Request:
    """One parsed request.

    Attributes:
        method: ``GET``, ``POST``, ...
        path: The path without the query.
        params: Path parameters by template name (percent-decoded).
        query: Query parameters, each name to its values in order.
        headers: Header names lowercased to values.
        body: The decoded JSON body (``None`` when there is none).
    """

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None

    def q(self, name: str, default: str | None = None) -> str | None:
        """The last value of query parameter ``name``, or ``default``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        """Whether boolean query parameter ``name`` is ``true``."""
        return (self.q(name) or "").lower() == "true"

    def int_q(self, name: str) -> int | None:
        """Integer query parameter ``name`` (``None`` when absent).

        Raises:
            ApiError: 400 when it is not a decimal integer.
        """
        value = self.q(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise ApiError(400, f"invalid value {value!r} for query parameter {name}") from None

    def json_body(self) -> dict[str, Any]:
        """The body as an object (``{}`` when there is none).

        Raises:
            ApiError: 400 when the body is not a JSON object.
        """
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return self.body


@dataclass
class Reply:
    """A JSON response."""

    obj: Any
    status: int = 200


@dataclass
class FileReply:
    """A file sent as the body (artifact downloads)."""

    path: Path
    filename: str
    content_type: str = "application/octet-stream"


@dataclass
class StreamReply:
    """A stream: ``run(writer)`` sends messages until the stream ends (see :mod:`.sse`)."""

    run: Callable[[Any], None]
    headers: dict[str, str] = field(default_factory=dict)


#: (method, path template, handler name): the REST subset tiphys.client uses (FACTS §1.2).
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/api/v1/version", "version"),
    ("GET", "/api/v1/userinfo", "userinfo"),
    ("GET", "/api/v1/info", "info"),
    ("GET", "/api/v1/workflows/{namespace}", "list_workflows"),
    ("POST", "/api/v1/workflows/{namespace}", "create_workflow"),
    ("POST", "/api/v1/workflows/{namespace}/lint", "lint_workflow"),
    ("POST", "/api/v1/workflows/{namespace}/submit", "submit_workflow"),
    ("GET", "/api/v1/workflows/{namespace}/{name}", "get_workflow"),
    ("DELETE", "/api/v1/workflows/{namespace}/{name}", "delete_workflow"),
    ("GET", "/api/v1/workflows/{namespace}/{name}/log", "workflow_logs"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/retry", "retry_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/resubmit", "resubmit_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/stop", "stop_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/terminate", "terminate_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/suspend", "suspend_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/resume", "resume_workflow"),
    ("PUT", "/api/v1/workflows/{namespace}/{name}/set", "set_workflow"),
    ("GET", "/api/v1/workflow-events/{namespace}", "watch_workflows"),
    ("GET", "/api/v1/workflow-templates/{namespace}", "list_templates"),
    ("POST", "/api/v1/workflow-templates/{namespace}", "create_template"),
    ("POST", "/api/v1/workflow-templates/{namespace}/lint", "lint_template"),
    ("GET", "/api/v1/workflow-templates/{namespace}/{name}", "get_template"),
    ("PUT", "/api/v1/workflow-templates/{namespace}/{name}", "update_template"),
    ("DELETE", "/api/v1/workflow-templates/{namespace}/{name}", "delete_template"),
    ("GET", "/api/v1/cluster-workflow-templates", "list_cluster_templates"),
    ("POST", "/api/v1/cluster-workflow-templates", "create_cluster_template"),
    ("POST", "/api/v1/cluster-workflow-templates/lint", "lint_cluster_template"),
    ("GET", "/api/v1/cluster-workflow-templates/{name}", "get_cluster_template"),
    ("PUT", "/api/v1/cluster-workflow-templates/{name}", "update_cluster_template"),
    ("DELETE", "/api/v1/cluster-workflow-templates/{name}", "delete_cluster_template"),
    ("GET", "/api/v1/cron-workflows/{namespace}", "list_crons"),
    ("POST", "/api/v1/cron-workflows/{namespace}", "create_cron"),
    ("POST", "/api/v1/cron-workflows/{namespace}/lint", "lint_cron"),
    ("GET", "/api/v1/cron-workflows/{namespace}/{name}", "get_cron"),
    ("PUT", "/api/v1/cron-workflows/{namespace}/{name}", "update_cron"),
    ("DELETE", "/api/v1/cron-workflows/{namespace}/{name}", "delete_cron"),
    ("PUT", "/api/v1/cron-workflows/{namespace}/{name}/suspend", "suspend_cron"),
    ("PUT", "/api/v1/cron-workflows/{namespace}/{name}/resume", "resume_cron"),
    ("GET", "/api/v1/archived-workflows", "list_archived"),
    ("GET", "/api/v1/archived-workflows/{uid}", "get_archived"),
    (
        "GET",
        "/artifact-files/{namespace}/workflows/{name}/{nodeId}/outputs/{artifactName}",
        "artifact_file",
    ),
)


def _split(template: str) -> tuple[str, ...]:
    return tuple(template.strip("/").split("/"))


_COMPILED = sorted(
    ((method, _split(template), handler) for method, template, handler in ROUTES),
    key=lambda r: (-sum(not s.startswith("{") for s in r[1]), -len(r[1])),
)


def match(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The handler name and path parameters of a request.

    Args:
        method: HTTP method (upper case).
        path: The request path without the query.

    Returns:
        ``(handler name, params)``; a list route ending in an empty namespace
        (``GET /api/v1/workflows/``) matches with ``namespace`` ``""``: every namespace.

    Raises:
        ApiError: 404 ``Not Found`` when no route has the path; 501 ``Method Not Allowed``
            when routes have it with other methods (grpc-gateway v1's answers).
    """
    segments = path[1:].split("/") if path.startswith("/") else path.split("/")
    allowed = False
    for route_method, pattern, handler in _COMPILED:
        if len(pattern) != len(segments):
            continue
        params: dict[str, str] = {}
        last = len(pattern) - 1
        for i, (want, got) in enumerate(zip(pattern, segments, strict=True)):
            if want.startswith("{"):
                # ``/api/v1/workflows/`` (a trailing empty namespace) lists all namespaces
                if not got and not (want == "{namespace}" and i == last and method == "GET"):
                    break
                params[want[1:-1]] = unquote(got)
            elif want != got:
                break
        else:
            if route_method == method:
                return handler, params
            allowed = True
    if allowed:
        raise ApiError(501, "Method Not Allowed")
    raise ApiError(404, "Not Found")


def parse_body(raw: bytes) -> Any:
    """Decode a JSON body (``None`` when empty).

    Raises:
        ApiError: 400 when the body is not JSON.
    """
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"invalid JSON body: {exc}") from None


def single(query: Mapping[str, list[str]], name: str) -> str | None:
    """The last value of ``name`` in a parsed query."""
    values = query.get(name)
    return values[-1] if values else None
