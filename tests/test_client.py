"""tiphys.client.Client against ArgoFake: endpoints, contract, errors, retries, secrecy."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from argo_contract import Sleeps, conforms, err, ok
from argo_fake import ArgoFake, Reply
from tiphys.client import (
    AlreadyExists,
    ArgoServerError,
    AsyncClient,
    Client,
    Forbidden,
    InvalidRequest,
    NotFound,
    RequestTimeout,
    RetryPolicy,
    ServerConfig,
    ServerUnavailable,
    Unauthorized,
    resolve_config,
)
from tiphys.client._transport import _ssl_verify, backoff_delay
from tiphys.errors import TiphysError

TOKEN = "s3cr3t-token-value"
NS = "argo"
WF_PATH = f"/api/v1/workflows/{NS}"

MANIFEST: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
    },
}


def workflow(name: str = "hello-x7k2p", phase: str = "Running") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": NS, "resourceVersion": "101"},
        "spec": MANIFEST["spec"],
        "status": {"phase": phase},
    }


VERSION = {
    "version": "v4.1.2",
    "buildDate": "2026-01-01T00:00:00Z",
    "gitCommit": "abc",
    "gitTag": "v4.1.2",
    "gitTreeState": "clean",
    "goVersion": "go1.24",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(argo: ArgoFake, sleeps: Sleeps) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def build(**overrides: Any) -> Client:
        settings: dict[str, Any] = {
            "server": argo.url.removeprefix("http://"),
            "secure": False,
            "token": TOKEN,
            "namespace": NS,
            "env": {},
            "kubeconfig": Path("/nonexistent"),
        }
        retry = overrides.pop("retry", RetryPolicy())
        timeouts = overrides.pop("timeouts", None)
        settings.update(overrides)
        config = resolve_config(**settings)
        if timeouts is not None:
            config = ServerConfig(
                server=config.server,
                secure=False,
                namespace=config.namespace,
                token=config.token,
                connect_timeout=timeouts[0],
                read_timeout=timeouts[1],
            )
        client = Client(config, retry=retry, sleep=sleeps, random=lambda: 0.5)
        clients.append(client)
        return client

    yield build
    for c in clients:
        c.close()


# --- endpoints ------------------------------------------------------------------------------


def test_version_info_userinfo_send_the_token_and_return_the_bodies(
    argo: ArgoFake, make: Callable[..., Client]
) -> None:
    info = {
        "managedNamespace": NS,
        "links": [{"name": "docs", "scope": "workflow", "url": "u", "target": "_blank"}],
    }
    user = {"subject": "system:serviceaccount:argo:ci", "serviceAccountName": "ci"}
    argo.add("GET", "/api/v1/version", ok("GET", "/api/v1/version", VERSION))
    argo.add("GET", "/api/v1/info", ok("GET", "/api/v1/info", info))
    argo.add("GET", "/api/v1/userinfo", ok("GET", "/api/v1/userinfo", user))
    with make() as client:
        assert client.version() == VERSION
        assert client.info() == info
        assert client.userinfo() == user
    assert [(r.method, r.path) for r in argo.requests] == [
        ("GET", "/api/v1/version"),
        ("GET", "/api/v1/info"),
        ("GET", "/api/v1/userinfo"),
    ]
    assert {r.headers["authorization"] for r in argo.requests} == {f"Bearer {TOKEN}"}
    assert {r.headers["accept"] for r in argo.requests} == {"application/json"}
    conforms(argo.requests)


def test_no_token_sends_no_authorization(argo: ArgoFake, make: Callable[..., Client]) -> None:
    argo.add("GET", "/api/v1/version", ok("GET", "/api/v1/version", VERSION))
    make(token=None).version()
    assert "authorization" not in argo.requests[0].headers


@pytest.mark.parametrize(
    ("dry_run", "body"),
    [
        (False, {"namespace": NS, "workflow": MANIFEST}),
        (True, {"namespace": NS, "workflow": MANIFEST, "serverDryRun": True}),
    ],
)
def test_create_posts_the_create_request(
    argo: ArgoFake, make: Callable[..., Client], dry_run: bool, body: dict[str, Any]
) -> None:
    argo.add("POST", WF_PATH, ok("POST", WF_PATH, workflow()))
    assert make().create(MANIFEST, server_dry_run=dry_run) == workflow()
    (request,) = argo.requests
    assert (request.method, request.path, request.query) == ("POST", WF_PATH, {})
    assert request.headers["content-type"] == "application/json"
    assert request.json() == body
    conforms(argo.requests)


def test_create_in_another_namespace(argo: ArgoFake, make: Callable[..., Client]) -> None:
    path = "/api/v1/workflows/team-b"
    argo.add("POST", path, ok("POST", path, workflow()))
    make().create(MANIFEST, "team-b")
    assert argo.requests[0].json() == {"namespace": "team-b", "workflow": MANIFEST}
    conforms(argo.requests)


def test_get_with_fields(argo: ArgoFake, make: Callable[..., Client]) -> None:
    path = f"{WF_PATH}/hello-x7k2p"
    argo.add("GET", path, ok("GET", path, workflow()))
    client = make()
    assert client.get("hello-x7k2p") == workflow()
    client.get("hello-x7k2p", fields="metadata.name,status.phase")
    assert [r.query for r in argo.requests] == [{}, {"fields": ["metadata.name,status.phase"]}]
    conforms(argo.requests)


def test_list_null_items_is_empty_and_sends_the_selectors(
    argo: ArgoFake, make: Callable[..., Client]
) -> None:
    argo.add("GET", WF_PATH, ok("GET", WF_PATH, {"metadata": {}, "items": None}))
    assert make().list(label_selector="app=x,tier!=db", field_selector="metadata.name=a") == []
    assert argo.requests[0].query == {
        "listOptions.labelSelector": ["app=x,tier!=db"],
        "listOptions.fieldSelector": ["metadata.name=a"],
    }
    conforms(argo.requests)


def test_list_follows_continue_pages_with_a_limit(
    argo: ArgoFake, make: Callable[..., Client]
) -> None:
    page1 = {"metadata": {"continue": "tok2"}, "items": [workflow("a")]}
    page2 = {"metadata": {}, "items": [workflow("b")]}
    argo.add("GET", WF_PATH, ok("GET", WF_PATH, page1), ok("GET", WF_PATH, page2))
    names = [w["metadata"]["name"] for w in make().list(limit=1)]
    assert names == ["a", "b"]
    assert [r.query for r in argo.requests] == [
        {"listOptions.limit": ["1"]},
        {"listOptions.limit": ["1"], "listOptions.continue": ["tok2"]},
    ]
    conforms(argo.requests)


def test_list_without_limit_reads_one_page(argo: ArgoFake, make: Callable[..., Client]) -> None:
    page = {"metadata": {"continue": "ignored"}, "items": [workflow("a")]}
    argo.add("GET", WF_PATH, ok("GET", WF_PATH, page))
    assert make().list() == [workflow("a")]
    assert len(argo.requests) == 1


def test_delete_and_lint(argo: ArgoFake, make: Callable[..., Client]) -> None:
    path = f"{WF_PATH}/hello-x7k2p"
    lint = f"{WF_PATH}/lint"
    argo.add("DELETE", path, ok("DELETE", path, {}))
    argo.add("POST", lint, ok("POST", lint, workflow()))
    client = make()
    assert client.delete("hello-x7k2p") is None
    assert client.lint(MANIFEST) == workflow()
    assert [(r.method, r.path, r.body) for r in argo.requests[:1]] == [("DELETE", path, b"")]
    assert argo.requests[1].json() == {"namespace": NS, "workflow": MANIFEST}
    conforms(argo.requests)


@pytest.mark.parametrize(
    ("kind", "resource_kind"),
    [
        ("WorkflowTemplate", "WorkflowTemplate"),
        ("wftmpl", "WorkflowTemplate"),
        ("cwftmpl", "ClusterWorkflowTemplate"),
        ("ClusterWorkflowTemplate", "ClusterWorkflowTemplate"),
        ("cronwf", "CronWorkflow"),
        ("CronWorkflow", "CronWorkflow"),
        # The server also takes the plural names (workflow_server.go SubmitWorkflow).
        ("workflowtemplates", "WorkflowTemplate"),
        ("clusterworkflowtemplates", "ClusterWorkflowTemplate"),
        ("cronworkflows", "CronWorkflow"),
    ],
)
def test_submit_from_a_template(
    argo: ArgoFake, make: Callable[..., Client], kind: str, resource_kind: str
) -> None:
    path = f"{WF_PATH}/submit"
    argo.add("POST", path, ok("POST", path, workflow()))
    make().submit(kind, "release", parameters={"tag": "v1", "msg": "a=b"})
    assert argo.requests[0].json() == {
        "namespace": NS,
        "resourceKind": resource_kind,
        "resourceName": "release",
        "submitOptions": {"parameters": ["tag=v1", "msg=a=b"]},
    }
    conforms(argo.requests)


def test_submit_with_every_option(argo: ArgoFake, make: Callable[..., Client]) -> None:
    path = f"{WF_PATH}/submit"
    argo.add("POST", path, ok("POST", path, workflow()))
    make().submit(
        "wftmpl",
        "release",
        entrypoint="build",
        workflow_name="rel-1",
        generate_name="rel-",
        labels={"team": "a", "ci": "yes"},
        annotations={"note": "x"},
        service_account="ci",
        priority=5,
        server_dry_run=True,
    )
    assert argo.requests[0].json()["submitOptions"] == {
        "entryPoint": "build",
        "name": "rel-1",
        "generateName": "rel-",
        "labels": "team=a,ci=yes",
        "annotations": "note=x",
        "serviceAccount": "ci",
        "priority": 5,
        "serverDryRun": True,
    }
    conforms(argo.requests)


def test_submit_unknown_kind(argo: ArgoFake, make: Callable[..., Client]) -> None:
    with pytest.raises(TiphysError) as info:
        make().submit("Workflow", "x")
    assert str(info.value) == (
        "cannot submit from 'Workflow': the kind is WorkflowTemplate (wftmpl), "
        "ClusterWorkflowTemplate (cwftmpl) or CronWorkflow (cronwf)."
    )
    assert argo.requests == []


@pytest.mark.parametrize(
    ("labels", "annotations", "bad"),
    [
        (None, {"note": "a,b"}, "annotation 'note'"),
        ({"team": "x=y"}, None, "label 'team'"),
        (None, {"a=b": "c"}, "annotation 'a=b'"),
    ],
)
def test_submit_refuses_labels_and_annotations_the_server_would_split(
    argo: ArgoFake,
    make: Callable[..., Client],
    labels: dict[str, str] | None,
    annotations: dict[str, str] | None,
    bad: str,
) -> None:
    # submitOptions.labels/annotations are one "k=v,k2=v2" string that the server splits at
    # "," and "=" (util/cmd ParseLabels): a value holding either is cut or refused.
    with pytest.raises(TiphysError) as info:
        make().submit("wftmpl", "release", labels=labels, annotations=annotations)
    assert str(info.value) == (
        f"cannot submit with {bad}: submit sends labels and annotations as one "
        '"k=v,k2=v2" string, so keys and values cannot hold "," or "="; set it in the '
        "template's workflowMetadata instead."
    )
    assert argo.requests == []


def _base(name: str = "hello-x7k2p") -> dict[str, Any]:
    return {"name": name, "namespace": NS}


ACTIONS: list[tuple[str, Callable[[Client], Any], dict[str, Any]]] = [
    ("retry", lambda c: c.retry("hello-x7k2p"), _base()),
    (
        "retry",
        lambda c: c.retry(
            "hello-x7k2p",
            restart_successful=True,
            node_field_selector="templateName=main",
            parameters={"p": "1"},
        ),
        {
            **_base(),
            "restartSuccessful": True,
            "nodeFieldSelector": "templateName=main",
            "parameters": ["p=1"],
        },
    ),
    ("resubmit", lambda c: c.resubmit("hello-x7k2p"), _base()),
    (
        "resubmit",
        lambda c: c.resubmit("hello-x7k2p", memoized=True, parameters={"p": "2"}),
        {**_base(), "memoized": True, "parameters": ["p=2"]},
    ),
    ("stop", lambda c: c.stop("hello-x7k2p"), _base()),
    (
        "stop",
        lambda c: c.stop("hello-x7k2p", message="enough", node_field_selector="id=n1"),
        {**_base(), "message": "enough", "nodeFieldSelector": "id=n1"},
    ),
    ("terminate", lambda c: c.terminate("hello-x7k2p"), _base()),
    ("suspend", lambda c: c.suspend("hello-x7k2p"), _base()),
    ("resume", lambda c: c.resume("hello-x7k2p"), _base()),
    (
        "resume",
        lambda c: c.resume("hello-x7k2p", node_field_selector="displayName=approve"),
        {**_base(), "nodeFieldSelector": "displayName=approve"},
    ),
    (
        "set",
        lambda c: c.set(
            "hello-x7k2p",
            "displayName=approve",
            output_parameters={"approve": "yes", "n": "2"},
        ),
        {
            **_base(),
            "nodeFieldSelector": "displayName=approve",
            "outputParameters": '{"approve": "yes", "n": "2"}',
        },
    ),
    (
        "set",
        lambda c: c.set("hello-x7k2p", "id=n1", phase="Failed", message="no"),
        {**_base(), "nodeFieldSelector": "id=n1", "phase": "Failed", "message": "no"},
    ),
]


@pytest.mark.parametrize(("action", "call", "body"), ACTIONS)
def test_workflow_actions_put_their_request(
    argo: ArgoFake,
    make: Callable[..., Client],
    action: str,
    call: Callable[[Client], Any],
    body: dict[str, Any],
) -> None:
    path = f"{WF_PATH}/hello-x7k2p/{action}"
    argo.add("PUT", path, ok("PUT", path, workflow()))
    assert call(make()) == workflow()
    (request,) = argo.requests
    assert (request.method, request.path) == ("PUT", path)
    assert request.json() == body
    conforms(argo.requests)


def test_names_are_quoted_as_one_segment(argo: ArgoFake, make: Callable[..., Client]) -> None:
    path = f"{WF_PATH}/a%2Fb"
    argo.add("GET", path, ok("GET", path, workflow()))
    assert make().get("a/b") == workflow()
    assert argo.requests[0].path == path
    conforms(argo.requests)


# --- errors ---------------------------------------------------------------------------------


ERRORS = [
    (
        400,
        "POST",
        InvalidRequest,
        'templates.main: unknown field "contianer"',
        f'POST {WF_PATH}: 400 Bad Request: templates.main: unknown field "contianer"\n'
        "The server rejected the request as invalid; fix what the message names and send it "
        "again (`tiphys lint` catches most of these before sending).",
    ),
    (
        409,
        "POST",
        AlreadyExists,
        'workflows.argoproj.io "hello" already exists',
        f'POST {WF_PATH}: 409 Conflict: workflows.argoproj.io "hello" already exists\n'
        "The name is taken in namespace 'argo': choose another metadata.name, delete the "
        "existing object, or set metadata.generateName (e.g. 'release-') so that the server "
        "picks a unique name.",
    ),
    (
        403,
        "POST",
        Forbidden,
        'workflows.argoproj.io is forbidden: User "ci" cannot create resource',
        f'POST {WF_PATH}: 403 Forbidden: workflows.argoproj.io is forbidden: User "ci" '
        "cannot create resource\n"
        "The token may not create workflows in namespace 'argo'. Ask for an RBAC role that "
        "allows it for the token's service account, or use a namespace you may use "
        "(-n/--namespace or ARGO_NAMESPACE; namespace= in Python).",
    ),
]


@pytest.mark.parametrize(("status", "method", "cls", "server", "message"), ERRORS)
def test_create_errors_are_typed_with_whole_messages(
    argo: ArgoFake,
    make: Callable[..., Client],
    sleeps: Sleeps,
    status: int,
    method: str,
    cls: type[ArgoServerError],
    server: str,
    message: str,
) -> None:
    argo.add(method, WF_PATH, err(method, WF_PATH, status, server))
    with pytest.raises(cls) as info:
        make().create(MANIFEST)
    assert type(info.value) is cls
    assert str(info.value) == message
    assert (info.value.status, info.value.server_message) == (status, server)
    assert len(argo.requests) == 1 and sleeps.delays == []


def test_get_401_404_and_503_messages(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    path = f"{WF_PATH}/gone"
    argo.add(
        "GET",
        path,
        err("GET", path, 401, "token not valid"),
        err("GET", path, 404, 'workflows.argoproj.io "gone" not found'),
        err("GET", path, 503, "the server is shutting down"),
    )
    client = make(retry=RetryPolicy(attempts=1))
    with pytest.raises(Unauthorized) as unauthorized:
        client.get("gone")
    assert str(unauthorized.value) == (
        f"GET {path}: 401 Unauthorized: token not valid\n"
        "The server did not accept the token (or none was sent). Set ARGO_TOKEN to the whole "
        'Authorization value, e.g. `export ARGO_TOKEN="Bearer $(kubectl -n argo create token '
        '<service-account>)"` (or --token on the command line, token= in Python). A token without '
        "a scheme gets `Bearer ` added; "
        "SSO tokens look like `Bearer v2:...`."
    )
    with pytest.raises(NotFound) as not_found:
        client.get("gone")
    assert str(not_found.value) == (
        f'GET {path}: 404 Not Found: workflows.argoproj.io "gone" not found\n'
        f"Nothing was found at GET {path} in namespace 'argo': check the name and the "
        "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python)."
    )
    with pytest.raises(ServerUnavailable) as unavailable:
        client.get("gone")
    assert str(unavailable.value) == (
        f"GET {path}: 503 Service Unavailable: the server is shutting down\n"
        "The Argo Server failed to handle the request; try again later."
    )
    assert unavailable.value.retryable is True
    assert len(argo.requests) == 3 and sleeps.delays == []


# --- retries --------------------------------------------------------------------------------


def test_backoff_is_full_jitter_exponential_and_capped() -> None:
    policy = RetryPolicy(attempts=9, base=0.5, cap=3.0)
    assert [backoff_delay(n, policy, lambda: 1.0) for n in range(1, 6)] == [
        0.5,
        1.0,
        2.0,
        3.0,
        3.0,
    ]
    assert backoff_delay(3, policy, lambda: 0.25) == 0.5


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_retryable_statuses(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps, status: int
) -> None:
    path = "/api/v1/version"
    argo.add(
        "GET",
        path,
        err("GET", path, status, "busy"),
        err("GET", path, status, "busy"),
        ok("GET", path, VERSION),
    )
    assert make().version() == VERSION
    assert len(argo.requests_to("GET", path)) == 3
    assert sleeps.delays == [0.25, 0.5]  # random() = 0.5 of 0.5 s, 1 s
    conforms(argo.requests)


def test_get_gives_up_after_the_bounded_attempts(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    path = "/api/v1/version"
    argo.add("GET", path, err("GET", path, 503, "busy"))
    with pytest.raises(ServerUnavailable) as info:
        make(retry=RetryPolicy(attempts=3)).version()
    assert str(info.value) == (
        f"GET {path}: 503 Service Unavailable: busy\n"
        "The Argo Server failed to handle the request; try again later."
    )
    assert len(argo.requests) == 3
    assert sleeps.delays == [0.25, 0.5]


def test_put_and_delete_are_retried(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    stop = f"{WF_PATH}/w/stop"
    delete = f"{WF_PATH}/w"
    argo.add("PUT", stop, err("PUT", stop, 502, "bad gateway"), ok("PUT", stop, workflow()))
    argo.add("DELETE", delete, err("DELETE", delete, 504, "slow"), ok("DELETE", delete, {}))
    client = make()
    client.stop("w")
    client.delete("w")
    assert [r.method for r in argo.requests] == ["PUT", "PUT", "DELETE", "DELETE"]
    assert sleeps.delays == [0.25, 0.25]


def test_non_retryable_statuses_are_not_retried(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    path = f"{WF_PATH}/w"
    argo.add("GET", path, err("GET", path, 500, "boom"))
    with pytest.raises(ServerUnavailable) as info:
        make().get("w")
    assert info.value.retryable is False
    assert len(argo.requests) == 1 and sleeps.delays == []


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda c: c.create(MANIFEST), "POST", WF_PATH),
        (lambda c: c.submit("wftmpl", "t"), "POST", f"{WF_PATH}/submit"),
        (lambda c: c.lint(MANIFEST), "POST", f"{WF_PATH}/lint"),
        (lambda c: c.resubmit("w"), "PUT", f"{WF_PATH}/w/resubmit"),
    ],
)
def test_creating_requests_are_never_resent_on_503(
    argo: ArgoFake,
    make: Callable[..., Client],
    sleeps: Sleeps,
    call: Callable[[Client], Any],
    method: str,
    path: str,
) -> None:
    argo.add(method, path, err(method, path, 503, "busy"), ok(method, path, workflow()))
    with pytest.raises(ServerUnavailable):
        call(make())
    assert len(argo.requests) == 1 and sleeps.delays == []


# --- timeouts and connection errors ---------------------------------------------------------


def test_slow_create_times_out_once_and_says_it_may_have_succeeded(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    argo.add("POST", WF_PATH, ok("POST", WF_PATH, workflow(), delay=5))
    start = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        make(timeouts=(2.0, 0.3)).create(MANIFEST)
    assert time.monotonic() - start < 3
    assert str(info.value) == (
        f"POST {WF_PATH}: no answer from the Argo Server within the read timeout of 0.3 s\n"
        "Try again later, or raise the timeout. A create may have succeeded anyway: look for "
        "the object before creating it again."
    )
    assert len(argo.requests) == 1 and sleeps.delays == []


def test_a_slow_retry_is_not_sent_again(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    # PUT .../retry changes the phase to Running; a re-send after it took effect is refused
    # (util.FormulateRetryWorkflow: "Cannot retry a workflow in phase Running"), so a timeout
    # must surface as a timeout, not as that misleading 400.
    path = f"{WF_PATH}/w/retry"
    argo.add(
        "PUT",
        path,
        ok("PUT", path, workflow(), delay=5),
        err("PUT", path, 400, "Cannot retry a workflow in phase Running"),
    )
    with pytest.raises(RequestTimeout) as info:
        make(timeouts=(2.0, 0.3)).retry("w")
    assert str(info.value) == (
        f"PUT {path}: no answer from the Argo Server within the read timeout of 0.3 s\n"
        "Try again later, or raise the timeout."
    )
    assert len(argo.requests) == 1 and sleeps.delays == []
    conforms(argo.requests)


def test_slow_get_times_out_after_bounded_retries(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    path = "/api/v1/version"
    argo.add("GET", path, ok("GET", path, VERSION, delay=5))
    start = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        make(timeouts=(2.0, 0.2), retry=RetryPolicy(attempts=2)).version()
    assert time.monotonic() - start < 3
    assert str(info.value) == (
        f"GET {path}: no answer from the Argo Server within the read timeout of 0.2 s\n"
        "Try again later, or raise the timeout."
    )
    assert len(argo.requests) == 2 and sleeps.delays == [0.25]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_refused_connection_is_retried_for_get_only(sleeps: Sleeps) -> None:
    config = resolve_config(
        server=f"127.0.0.1:{_closed_port()}",
        secure=False,
        token=TOKEN,
        env={},
        kubeconfig=Path("/nonexistent"),
    )
    with Client(config, retry=RetryPolicy(attempts=3), sleep=sleeps, random=lambda: 0.5) as c:
        with pytest.raises(ServerUnavailable) as got:
            c.version()
        assert sleeps.delays == [0.25, 0.5]
        with pytest.raises(ServerUnavailable) as created:
            c.create(MANIFEST)
        assert sleeps.delays == [0.25, 0.5]
    first = str(got.value).splitlines()[0]
    assert first.startswith(
        f"GET /api/v1/version: cannot reach the Argo Server at {config.base_url}: "
    )
    assert str(got.value).splitlines()[1:] == [
        "Check ARGO_SERVER (host:port), ARGO_SECURE (http or https) and that the server (or "
        "your port-forward) is running."
    ]
    assert created.value.method == "POST" and created.value.retryable is True
    assert TOKEN not in str(created.value)


def test_every_request_carries_the_explicit_timeout() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return httpx.Response(200, json=VERSION)

    config = ServerConfig(server="argo:2746", connect_timeout=3.0, read_timeout=7.5)
    with Client(config, transport=httpx.MockTransport(handler)) as client:
        client.version()
        client.list()
    assert seen == [{"connect": 3.0, "read": 7.5, "write": 7.5, "pool": 3.0}] * 2


# --- secrecy --------------------------------------------------------------------------------


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(vars(exc))


def test_the_token_never_appears_in_errors_or_reprs(
    argo: ArgoFake, make: Callable[..., Client]
) -> None:
    path = "/api/v1/version"
    argo.add(
        "GET",
        path,
        err("GET", path, 401, "token not valid"),
        ok("GET", path, VERSION, delay=5),
    )
    client = make(retry=RetryPolicy(attempts=1), timeouts=(2.0, 0.2))
    texts = [repr(client), repr(client.config), str(client.config)]
    for _ in range(2):
        with pytest.raises(ArgoServerError) as info:
            client.version()
        assert info.value.__cause__ is None and info.value.__suppress_context__
        texts.append(_all_text(info.value))
    assert [TOKEN in t for t in texts] == [False] * len(texts)
    assert argo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


# --- construction and TLS ---------------------------------------------------------------------


def test_client_resolves_settings_and_refuses_both_forms() -> None:
    with Client(server="argo.example:2746", namespace="ci", env={}, kubeconfig="") as c:
        assert (c.config.base_url, c.namespace) == ("https://argo.example:2746", "ci")
    config = ServerConfig(server="argo:2746")
    with pytest.raises(TiphysError) as info:
        Client(config, namespace="x")
    assert str(info.value) == (
        "Client() takes a config or resolve_config() settings, not both (got config and namespace)."
    )


def test_client_given_an_address_instead_of_a_config_says_server() -> None:
    # Hera and the argo CLI take the host first: Client("localhost:2746") must not end in an
    # AttributeError deep inside the transport.
    for args, settings in [(("localhost:2746",), {}), (("localhost:2746",), {"token": "t"})]:
        with pytest.raises(TiphysError) as info:
            Client(*args, **settings)  # type: ignore[arg-type]
        assert str(info.value) == (
            "Client() takes the server address as server=: Client(server='localhost:2746', "
            "...). Its first argument is a ServerConfig (or nothing: ARGO_SERVER)."
        )
    with pytest.raises(TiphysError) as info:
        AsyncClient("localhost:2746")  # type: ignore[arg-type]
    assert str(info.value) == (
        "AsyncClient() takes the server address as server=: AsyncClient(server='localhost:2746', "
        "...). Its first argument is a ServerConfig (or nothing: ARGO_SERVER)."
    )


def test_ssl_verify_follows_the_config(tmp_path: Path) -> None:
    import certifi

    assert _ssl_verify(ServerConfig(server="a:1")) is True
    assert _ssl_verify(ServerConfig(server="a:1", secure=False, verify=False)) is True
    skip = _ssl_verify(ServerConfig(server="a:1", verify=False))
    assert isinstance(skip, ssl.SSLContext)
    assert (skip.check_hostname, skip.verify_mode) == (False, ssl.CERT_NONE)
    ca = _ssl_verify(ServerConfig(server="a:1", verify=certifi.where()))
    assert isinstance(ca, ssl.SSLContext)
    assert (ca.check_hostname, ca.verify_mode) == (True, ssl.CERT_REQUIRED)
    assert ca.cert_store_stats()["x509_ca"] > 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_client_certificate_is_loaded(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=tiphys", "-days", "1"],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    pair = _ssl_verify(ServerConfig(server="a:1", cert=(str(cert), str(key))))
    assert isinstance(pair, ssl.SSLContext)
    with pytest.raises(ssl.SSLError):
        _ssl_verify(ServerConfig(server="a:1", cert=str(cert)))  # no key in that file
    both = tmp_path / "both.pem"
    both.write_bytes(cert.read_bytes() + key.read_bytes())
    assert isinstance(_ssl_verify(ServerConfig(server="a:1", cert=str(both))), ssl.SSLContext)


def test_a_2xx_that_is_not_json_is_an_error(argo: ArgoFake, make: Callable[..., Client]) -> None:
    argo.add("GET", "/api/v1/version", Reply(body=b"<html>login</html>"))
    with pytest.raises(ArgoServerError) as info:
        make().version()
    assert type(info.value) is ArgoServerError
    assert str(info.value) == (
        "GET /api/v1/version: 200, but the response is not JSON (a proxy or another server may "
        "have answered; check ARGO_SERVER and ARGO_BASE_HREF): '<html>login</html>'"
    )


def test_a_retried_delete_answered_404_is_done(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps
) -> None:
    path = f"{WF_PATH}/w"
    argo.add(
        "DELETE",
        path,
        err("DELETE", path, 503, "busy"),
        err("DELETE", path, 404, 'workflows.argoproj.io "w" not found'),
    )
    assert make().delete("w") is None
    assert len(argo.requests) == 2 and sleeps.delays == [0.25]
    with pytest.raises(NotFound):  # a first answer 404 is an error
        make().delete("w")


# --- templates and cron workflows -----------------------------------------------------------

WFT_PATH = f"/api/v1/workflow-templates/{NS}"
CWFT_PATH = "/api/v1/cluster-workflow-templates"
CRON_PATH = f"/api/v1/cron-workflows/{NS}"


def manifest_of(kind: str, name: str = "release") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if kind != "ClusterWorkflowTemplate":
        meta["namespace"] = NS
    spec: dict[str, Any] = {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
    }
    if kind == "CronWorkflow":
        spec = {"schedules": ["0 * * * *"], "workflowSpec": spec}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}


RESOURCES = [
    ("workflow_templates", "WorkflowTemplate", WFT_PATH, "template", True),
    ("cluster_workflow_templates", "ClusterWorkflowTemplate", CWFT_PATH, "template", False),
    ("cron_workflows", "CronWorkflow", CRON_PATH, "cronWorkflow", True),
]


@pytest.mark.parametrize(("attr", "kind", "base", "key", "namespaced"), RESOURCES)
def test_template_and_cron_crud(
    argo: ArgoFake,
    make: Callable[..., Client],
    sleeps: Sleeps,
    attr: str,
    kind: str,
    base: str,
    key: str,
    namespaced: bool,
) -> None:
    obj = manifest_of(kind)
    stored = {**obj, "metadata": {**obj["metadata"], "resourceVersion": "7"}}
    one = f"{base}/release"
    argo.add("POST", base, ok("POST", base, stored))
    argo.add("POST", f"{base}/lint", ok("POST", f"{base}/lint", stored))
    argo.add("GET", one, ok("GET", one, stored))
    argo.add("GET", base, ok("GET", base, {"metadata": {}, "items": None}))
    argo.add("PUT", one, err("PUT", one, 503, "busy"), ok("PUT", one, stored))
    argo.add("DELETE", one, ok("DELETE", one, {}))
    api = getattr(make(), attr)
    ns: dict[str, Any] = {"namespace": NS} if namespaced else {}
    assert api.create(obj) == stored
    assert api.lint(obj) == stored
    assert api.get("release") == stored
    assert api.list(label_selector="team=a") == []
    with pytest.raises(ServerUnavailable):  # an update is sent once
        api.update(stored)
    assert api.update(stored) == stored
    assert api.delete("release") is None
    assert [(r.method, r.path, r.query, r.json() if r.body else None) for r in argo.requests] == [
        ("POST", base, {}, {**ns, key: obj}),
        ("POST", f"{base}/lint", {}, {**ns, key: obj}),
        ("GET", one, {}, None),
        ("GET", base, {"listOptions.labelSelector": ["team=a"]}, None),
        ("PUT", one, {}, {**ns, "name": "release", key: stored}),
        ("PUT", one, {}, {**ns, "name": "release", key: stored}),
        ("DELETE", one, {}, None),
    ]
    assert sleeps.delays == []
    conforms(argo.requests)


def test_update_needs_a_name(make: Callable[..., Client]) -> None:
    with pytest.raises(TiphysError) as info:
        make().workflow_templates.update({"metadata": {}, "spec": {}})
    assert str(info.value) == (
        "cannot update a WorkflowTemplate without metadata.name: the server finds the object "
        "to replace by its name."
    )


@pytest.mark.parametrize("action", ["suspend", "resume"])
def test_cron_suspend_and_resume(
    argo: ArgoFake, make: Callable[..., Client], sleeps: Sleeps, action: str
) -> None:
    path = f"{CRON_PATH}/hourly/{action}"
    cron = manifest_of("CronWorkflow", "hourly")
    argo.add("PUT", path, err("PUT", path, 502, "bad gateway"), ok("PUT", path, cron))
    assert getattr(make().cron_workflows, action)("hourly") == cron
    assert [r.json() for r in argo.requests] == [{"name": "hourly", "namespace": NS}] * 2
    assert sleeps.delays == [0.25]
    conforms(argo.requests)
