"""tiphys.client.errors: the Argo Server's ``{"code","message"}`` mapped to typed errors whose
messages say what to do (FACTS §1.5)."""

from __future__ import annotations

import json

import pytest

from tiphys.client import errors as E
from tiphys.client.errors import (
    GRPC_CODES,
    AlreadyExists,
    ArgoServerError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RequestTimeout,
    ServerUnavailable,
    Unauthorized,
    connection_error,
    error_from_response,
    timeout_error,
)
from tiphys.errors import TiphysError

VALIDATION = (
    "templates.main.steps[0][1].arguments.parameters.env: "
    'failed to resolve {{inputs.parameters.enviroment}}; "quoted" and: colons stay'
)
TOKEN_ADVICE = (
    "The server did not accept the token (or none was sent). Set ARGO_TOKEN to the whole "
    'Authorization value, e.g. `export ARGO_TOKEN="Bearer $(kubectl -n argo create token '
    '<service-account>)"` (or --token on the command line, token= in Python). A token without a '
    "scheme gets `Bearer ` added; SSO "
    "tokens look like `Bearer v2:...`."
)
PROXY = (
    "; the response is not the Argo Server's JSON error (a proxy or load balancer may have "
    "answered; check ARGO_SERVER and ARGO_BASE_HREF): "
)


def _body(code: int, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode()


# (status, body, method, path, class, code, retryable, whole message)
CASES: list[
    tuple[int, bytes | str | None, str, str, type[ArgoServerError], str | None, bool, str]
] = [
    (
        400,
        _body(3, VALIDATION),
        "POST",
        "/api/v1/workflows/argo",
        InvalidRequest,
        "InvalidArgument",
        False,
        f"POST /api/v1/workflows/argo: 400 Bad Request: {VALIDATION}\n"
        "The server rejected the request as invalid; fix what the message names and send it "
        "again (`tiphys lint` catches most of these before sending).",
    ),
    (
        400,
        _body(9, "Cannot retry a workflow in phase Running"),
        "PUT",
        "/api/v1/workflows/argo/wf-1/retry",
        InvalidRequest,
        "FailedPrecondition",
        False,
        "PUT /api/v1/workflows/argo/wf-1/retry: 400 Bad Request: Cannot retry a workflow in "
        "phase Running\nThe server rejected the request as invalid; fix what the message names "
        "and send it again (`tiphys lint` catches most of these before sending).",
    ),
    (
        412,
        _body(9, "precondition"),
        "PUT",
        "/api/v1/workflows/argo/wf-1/retry",
        InvalidRequest,
        "FailedPrecondition",
        False,
        "PUT /api/v1/workflows/argo/wf-1/retry: 412 Precondition Failed: precondition\nThe "
        "server rejected the request as invalid; fix what the message names and send it again "
        "(`tiphys lint` catches most of these before sending).",
    ),
    (
        401,
        _body(16, "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/"),
        "GET",
        "/api/v1/workflows/argo",
        Unauthorized,
        "Unauthenticated",
        False,
        "GET /api/v1/workflows/argo: 401 Unauthorized: token not valid. see "
        f"https://argo-workflows.readthedocs.io/en/latest/faq/\n{TOKEN_ADVICE}",
    ),
    (
        403,
        _body(7, 'workflows.argoproj.io is forbidden: User "system:sa:x" cannot create'),
        "POST",
        "/api/v1/workflows/team-a",
        Forbidden,
        "PermissionDenied",
        False,
        "POST /api/v1/workflows/team-a: 403 Forbidden: workflows.argoproj.io is forbidden: User "
        '"system:sa:x" cannot create\nThe token may not create workflows in namespace '
        "'team-a'. Ask for an RBAC role that allows it for the token's service account, or use "
        "a namespace you may use (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).",
    ),
    (
        403,
        _body(7, "forbidden"),
        "PUT",
        "/api/v1/workflows/argo/wf-1/stop",
        Forbidden,
        "PermissionDenied",
        False,
        "PUT /api/v1/workflows/argo/wf-1/stop: 403 Forbidden: forbidden\nThe token may not stop "
        "workflows in namespace 'argo'. Ask for an RBAC role that allows it for the token's "
        "service account, or use a namespace you may use (-n/--namespace or ARGO_NAMESPACE; "
        "namespace= in Python).",
    ),
    (
        403,
        _body(7, "forbidden"),
        "GET",
        "/api/v1/cluster-workflow-templates",
        Forbidden,
        "PermissionDenied",
        False,
        "GET /api/v1/cluster-workflow-templates: 403 Forbidden: forbidden\nThe token may not "
        "list cluster-workflow-templates cluster-wide. Ask for an RBAC role that allows it for "
        "the token's service account, or use a namespace you may use (-n/--namespace or "
        "ARGO_NAMESPACE; namespace= in Python).",
    ),
    (
        403,
        _body(7, "forbidden"),
        "GET",
        "/api/v1/workflow-events/argo?listOptions.resourceVersion=0",
        Forbidden,
        "PermissionDenied",
        False,
        "GET /api/v1/workflow-events/argo: 403 Forbidden: forbidden\nThe token may not watch "
        "workflows in namespace 'argo'. Ask for an RBAC role that allows it for the token's "
        "service account, or use a namespace you may use (-n/--namespace or ARGO_NAMESPACE; "
        "namespace= in Python).",
    ),
    (
        404,
        _body(5, 'workflows.argoproj.io "wf-1" not found'),
        "GET",
        "/api/v1/workflows/argo/wf-1?fields=-status.nodes",
        NotFound,
        "NotFound",
        False,
        'GET /api/v1/workflows/argo/wf-1: 404 Not Found: workflows.argoproj.io "wf-1" not '
        "found\nNothing was found at GET /api/v1/workflows/argo/wf-1 in namespace 'argo': check "
        "the name and the namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python).",
    ),
    (
        404,
        b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>",
        "GET",
        "/api/v1/version",
        NotFound,
        None,
        False,
        f"GET /api/v1/version: 404 Not Found{PROXY}'<html><head><title>404 Not Found</title>"
        "</head><body>nginx</body></html>'\nNothing was found at GET /api/v1/version "
        "cluster-wide: check the name and the namespace (-n/--namespace or ARGO_NAMESPACE; "
        "namespace= in Python).",
    ),
    (
        409,
        _body(6, 'workflows.argoproj.io "release" already exists'),
        "POST",
        "/api/v1/workflows/argo",
        AlreadyExists,
        "AlreadyExists",
        False,
        'POST /api/v1/workflows/argo: 409 Conflict: workflows.argoproj.io "release" already '
        "exists\nThe name is taken in namespace 'argo': choose another metadata.name, delete "
        "the existing object, or set metadata.generateName (e.g. 'release-') so that the server "
        "picks a unique name.",
    ),
    (
        409,
        _body(6, "the object has been modified; please apply your changes to the latest version"),
        "PUT",
        "/api/v1/workflow-templates/argo/build",
        Conflict,
        "AlreadyExists",
        False,
        "PUT /api/v1/workflow-templates/argo/build: 409 Conflict: the object has been modified; "
        "please apply your changes to the latest version\nThe object changed on the server "
        "since it was read (a stale metadata.resourceVersion): read it again, reapply your "
        "change and send it again.",
    ),
    (
        409,
        _body(10, "aborted"),
        "POST",
        "/api/v1/workflows/argo/submit",
        Conflict,
        "Aborted",
        False,
        "POST /api/v1/workflows/argo/submit: 409 Conflict: aborted\nThe object changed on the "
        "server since it was read (a stale metadata.resourceVersion): read it again, reapply "
        "your change and send it again.",
    ),
    (
        408,
        _body(1, "context canceled"),
        "GET",
        "/api/v1/workflows/argo",
        RequestTimeout,
        "Canceled",
        False,
        "GET /api/v1/workflows/argo: 408 Request Timeout: context canceled\nThe server did not "
        "finish in time; try again later.",
    ),
    (
        429,
        '{"error":{"grpc_code":8,"http_code":429,"message":"EOF",'
        '"http_status":"Too Many Requests"}}',
        "GET",
        "/api/v1/workflow-events/argo",
        ServerUnavailable,
        "ResourceExhausted",
        True,
        "GET /api/v1/workflow-events/argo: 429 Too Many Requests: EOF\nThe server is "
        "rate-limiting requests; wait and try again.",
    ),
    (
        500,
        _body(13, "etcdserver: request is too large"),
        "POST",
        "/api/v1/workflows/argo",
        ServerUnavailable,
        "Internal",
        False,
        "POST /api/v1/workflows/argo: 500 Internal Server Error: etcdserver: request is too "
        "large\nThe Argo Server failed to handle the request; if it persists, look at the "
        "argo-server logs.",
    ),
    (
        501,
        _body(12, "unknown service"),
        "GET",
        "/api/v1/info",
        ServerUnavailable,
        "Unimplemented",
        False,
        "GET /api/v1/info: 501 Not Implemented: unknown service\nThe server does not implement "
        "this endpoint: check that it is Argo Server v4.",
    ),
    (
        502,
        "",
        "GET",
        "/api/v1/version",
        ServerUnavailable,
        None,
        True,
        "GET /api/v1/version: 502 Bad Gateway (empty response body)\nThe Argo Server failed to "
        "handle the request; try again later.",
    ),
    (
        503,
        None,
        "DELETE",
        "/api/v1/workflows/argo/wf-1",
        ServerUnavailable,
        None,
        True,
        "DELETE /api/v1/workflows/argo/wf-1: 503 Service Unavailable (empty response body)\nThe "
        "Argo Server failed to handle the request; try again later.",
    ),
    (
        504,
        _body(4, "timed out waiting; it's possible that workflow wf-1 already exists"),
        "POST",
        "/api/v1/workflows/argo",
        RequestTimeout,
        "DeadlineExceeded",
        True,
        "POST /api/v1/workflows/argo: 504 Gateway Timeout: timed out waiting; it's possible that "
        "workflow wf-1 already exists\nThe server did not finish in time; try again later. A "
        "create may have succeeded anyway: look for the object before creating it again.",
    ),
    (
        413,
        "Request entity too large: limit is 3145728",
        "POST",
        "/api/v1/workflows/argo",
        ArgoServerError,
        None,
        False,
        f"POST /api/v1/workflows/argo: 413 Request Entity Too Large{PROXY}'Request entity too "
        "large: limit is 3145728'\nCheck the request and the server address (ARGO_SERVER, "
        "ARGO_BASE_HREF).",
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "method", "path", "cls", "code", "retryable", "message"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[4].__name__}-{i}" for i, c in enumerate(CASES)],
)
def test_status_mapping(
    status: int,
    body: bytes | str | None,
    method: str,
    path: str,
    cls: type[ArgoServerError],
    code: str | None,
    retryable: bool,
    message: str,
) -> None:
    error = error_from_response(status, body, method=method, path=path)
    assert type(error) is cls
    assert str(error) == message
    assert error.message == message
    assert (error.status, error.code, error.retryable, error.method) == (
        status,
        code,
        retryable,
        method,
    )
    assert error.path == path.split("?")[0]
    assert isinstance(error, TiphysError)


def test_validation_message_is_kept_whole() -> None:
    long = "spec.templates[0]: " + "x" * 5000 + " end"
    error = error_from_response(400, _body(3, long), method="POST", path="/api/v1/workflows/a")
    assert error.server_message == long
    assert isinstance(error, InvalidRequest)
    assert str(error).split("\n")[0] == f"POST /api/v1/workflows/a: 400 Bad Request: {long}"


def test_non_json_body_is_truncated_and_collapsed() -> None:
    html = "<html>\n  <body>\n" + "a" * 500 + "</body></html>"
    error = error_from_response(502, html.encode(), method="GET", path="/api/v1/version")
    excerpt = "<html> <body> " + "a" * 186 + "..."
    assert error.body_excerpt == excerpt
    assert (error.code, error.server_message) == (None, None)
    assert str(error) == (
        f"GET /api/v1/version: 502 Bad Gateway{PROXY}{excerpt!r}\nThe Argo Server failed to "
        "handle the request; try again later."
    )


def test_invalid_utf8_body() -> None:
    error = error_from_response(500, b"\xff\xfe oops", method="GET", path="/api/v1/version")
    assert error.body_excerpt == "\ufffd\ufffd oops"


def test_json_without_message_is_quoted() -> None:
    error = error_from_response(400, b'["a"]', method="POST", path="/api/v1/workflows/a/lint")
    assert (type(error), error.body_excerpt, error.server_message) == (
        InvalidRequest,
        '["a"]',
        None,
    )


@pytest.mark.parametrize(
    ("raw", "name"),
    [(3, "InvalidArgument"), ("5", "NotFound"), ("NotFound", "NotFound"), (99, "99"), (None, None)],
)
def test_code_forms(raw: object, name: str | None) -> None:
    body = json.dumps({"code": raw, "message": "m"})
    assert error_from_response(404, body, method="GET", path="/x").code == name


def test_grpc_code_names() -> None:
    assert len(GRPC_CODES) == 17
    assert (GRPC_CODES[3], GRPC_CODES[16]) == ("InvalidArgument", "Unauthenticated")


def test_explicit_namespace_wins_over_path() -> None:
    error = error_from_response(
        403, _body(7, "no"), method="GET", path="/api/v1/archived-workflows", namespace="team-b"
    )
    assert error.namespace == "team-b"
    assert str(error) == (
        "GET /api/v1/archived-workflows: 403 Forbidden: no\nThe token may not list "
        "archived-workflows in namespace 'team-b'. Ask for an RBAC role that allows it for the "
        "token's service account, or use a namespace you may use (-n/--namespace or "
        "ARGO_NAMESPACE; namespace= in Python)."
    )


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("GET", "/api/v1/workflows/argo", "list workflows"),
        ("GET", "/api/v1/workflows/argo/wf", "read workflows"),
        ("GET", "/api/v1/workflows/argo/wf/log", "read logs of workflows"),
        ("DELETE", "/api/v1/cron-workflows/argo/c", "delete cron-workflows"),
        ("PUT", "/api/v1/cron-workflows/argo/c/suspend", "suspend cron-workflows"),
        ("POST", "/api/v1/workflow-templates/argo/lint", "lint workflow-templates"),
        ("PUT", "/api/v1/cluster-workflow-templates/t", "update cluster-workflow-templates"),
        ("GET", "/artifacts/argo/wf/node/main-logs", "read this resource"),
    ],
)
def test_action_of_a_request(method: str, path: str, action: str) -> None:
    assert E._action(method, path) == action


def test_connection_and_timeout_errors() -> None:
    refused = connection_error(
        "[Errno 111] Connection refused",
        method="get",
        path="/api/v1/version?x=1",
        base_url="https://localhost:2746",
    )
    assert (type(refused), refused.status, refused.retryable, refused.path) == (
        ServerUnavailable,
        None,
        True,
        "/api/v1/version",
    )
    assert str(refused) == (
        "GET /api/v1/version: cannot reach the Argo Server at https://localhost:2746: [Errno "
        "111] Connection refused\nCheck ARGO_SERVER (host:port), ARGO_SECURE (http or https) "
        "and that the server (or your port-forward) is running."
    )
    create = timeout_error("read", 30.0, method="POST", path="/api/v1/workflows/argo")
    assert (type(create), create.retryable) == (RequestTimeout, True)
    assert str(create) == (
        "POST /api/v1/workflows/argo: no answer from the Argo Server within the read timeout "
        "of 30 s\nTry again later, or raise the timeout. A create may have succeeded anyway: "
        "look for the object before creating it again."
    )
    connect = timeout_error("connect", 2.5, method="GET", path="/api/v1/version")
    assert str(connect) == (
        "GET /api/v1/version: no answer from the Argo Server within the connect timeout of "
        "2.5 s\nTry again later, or raise the timeout."
    )


def test_hierarchy() -> None:
    assert issubclass(AlreadyExists, Conflict)
    assert issubclass(RequestTimeout, ServerUnavailable)
    for cls in (InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, ServerUnavailable):
        assert issubclass(cls, ArgoServerError)
    assert issubclass(ArgoServerError, TiphysError)
    assert issubclass(E.NoServerConfigured, E.ConfigError)
    assert not issubclass(E.ConfigError, ArgoServerError)


def test_no_token_in_any_error_attribute() -> None:
    token = "Bearer eyJzZWNyZXQiOiJ0b2tlbiJ9"
    # The client never gives errors the token; a request's Authorization header is not a
    # parameter of any error constructor, so nothing here can carry it.
    error = error_from_response(
        401, _body(16, "token not valid"), method="GET", path="/api/v1/userinfo"
    )
    texts = [str(error), repr(error), repr(vars(error)), *map(str, error.args)]
    assert all(token not in t and "eyJ" not in t for t in texts)
    assert sorted(vars(error)) == [
        "body_excerpt",
        "code",
        "message",
        "method",
        "namespace",
        "path",
        "retry_after",
        "retryable",
        "server_message",
        "status",
    ]


def test_lazy_exports_resolve() -> None:
    import importlib

    import tiphys.client

    for name, module in tiphys.client.EXPORTS.items():
        assert getattr(tiphys.client, name) is getattr(importlib.import_module(module), name)
    assert sorted(tiphys.client.__all__) == sorted(tiphys.client.EXPORTS)


def test_the_message_shows_the_path_decoded_but_path_keeps_what_was_sent() -> None:
    # A name with non-ASCII characters (or @latest) was shown percent-encoded in the message.
    sent = "/api/v1/workflows/argo/%E6%97%A5%E6%9C%AC-wf/retry"
    error = error_from_response(404, _body(5, "not found"), method="PUT", path=sent)
    assert error.path == sent
    assert str(error) == (
        "PUT /api/v1/workflows/argo/日本-wf/retry: 404 Not Found: not found\n"
        "Nothing was found at PUT /api/v1/workflows/argo/日本-wf/retry in namespace 'argo': "
        "check the name and the namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in "
        "Python)."
    )
