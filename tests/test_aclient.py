"""tiphys.client.AsyncClient against ArgoFake: the same requests as Client (parity), retries,
timeouts, errors, secrecy, artifacts, and watch/logs reconnecting through the shared machines."""

from __future__ import annotations

import asyncio
import io
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from argo_contract import Sleeps, conforms, err, fake_config, ok
from argo_fake import KEEPALIVE, ArgoFake, Cut, Pause, Reply, error_chunk, result, sse_reply
from swagger_oracle import response_problems
from tiphys.client import (
    AlreadyExists,
    ArgoServerError,
    AsyncClient,
    Client,
    LogLine,
    NotFound,
    RequestTimeout,
    RetryPolicy,
    ServerConfig,
    ServerUnavailable,
    WaitTimeout,
    resolve_config,
)
from tiphys.client.logs import pod_name
from tiphys.errors import TiphysError

TOKEN = "s3cr3t-token-value"
NS = "argo"
NAME = "hello-x7k2p"
WF_PATH = f"/api/v1/workflows/{NS}"
GET_PATH = f"{WF_PATH}/{NAME}"
EVENTS = f"/api/v1/workflow-events/{NS}"
LOG = f"{GET_PATH}/log"
WFT_PATH = f"/api/v1/workflow-templates/{NS}"
CWFT_PATH = "/api/v1/cluster-workflow-templates"
CRON_PATH = f"/api/v1/cron-workflows/{NS}"
ARCHIVE = "/api/v1/archived-workflows"
POD = f"{NAME}-main-1234"
T0 = "2026-11-29T10:00:00Z"
T1 = "2026-11-29T10:00:01Z"
T2 = "2026-11-29T10:00:02Z"
_T = TypeVar("_T")
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

MANIFEST: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
    },
}


def wf(rv: str = "1", phase: str = "Running", **status: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"phase": phase, **status}
    if phase in ("Succeeded", "Failed", "Error"):
        st.setdefault("finishedAt", "2026-11-29T10:00:09Z")
    return {
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-1", "resourceVersion": rv},
        "spec": {"entrypoint": "main"},
        "status": st,
    }


def template(kind: str, name: str = "release") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if kind != "ClusterWorkflowTemplate":
        meta["namespace"] = NS
    spec: dict[str, Any] = {"entrypoint": "main", "templates": [{"name": "main"}]}
    if kind == "CronWorkflow":
        spec = {"schedules": ["0 * * * *"], "workflowSpec": spec}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}


class AsyncSleeps(Sleeps):
    """An awaitable sleep that records the delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:  # type: ignore[override]
        self.delays.append(seconds)


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run one coroutine on a fresh event loop, bounded to 20 s."""
    return asyncio.run(asyncio.wait_for(coro, 20))


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def config_of(argo: ArgoFake, timeouts: tuple[float, float] | None = None) -> ServerConfig:
    config = fake_config(argo, token=TOKEN, namespace=NS)
    if timeouts is None:
        return config
    return ServerConfig(
        server=config.server,
        secure=False,
        namespace=NS,
        token=config.token,
        connect_timeout=timeouts[0],
        read_timeout=timeouts[1],
    )


def with_client(
    argo: ArgoFake,
    body: Callable[[AsyncClient], Awaitable[_T]],
    *,
    sleeps: AsyncSleeps | None = None,
    retry: RetryPolicy | None = None,
    timeouts: tuple[float, float] | None = None,
) -> _T:
    """Run ``body`` with an AsyncClient of the fake (closed afterwards)."""

    async def main() -> _T:
        async with AsyncClient(
            config_of(argo, timeouts),
            retry=retry,
            sleep=sleeps if sleeps is not None else AsyncSleeps(),
            random=lambda: 0.5,
        ) as client:
            return await body(client)

    return run(main())


def sent(argo: ArgoFake) -> list[tuple[str, str, dict[str, list[str]], Any]]:
    return [(r.method, r.path, r.query, r.json() if r.body else None) for r in argo.requests]


# --- parity: every endpoint sends what Client sends -------------------------------------------

WF_LIST = {"metadata": {}, "items": [wf()]}
TEMPLATE_LIST = {"metadata": {}, "items": None}

# (method, path, response) scripted, then the call as (attribute path, args, kwargs).
ENDPOINTS: list[tuple[str, str, Any, str, tuple[Any, ...], dict[str, Any]]] = [
    ("GET", "/api/v1/version", VERSION, "version", (), {}),
    ("GET", "/api/v1/info", {"managedNamespace": NS}, "info", (), {}),
    ("GET", "/api/v1/userinfo", {"subject": "me"}, "userinfo", (), {}),
    ("POST", WF_PATH, wf(), "create", (MANIFEST,), {"server_dry_run": True}),
    ("GET", GET_PATH, wf(), "get", (NAME,), {"fields": "metadata.name"}),
    (
        "GET",
        WF_PATH,
        WF_LIST,
        "list",
        (),
        {"label_selector": "a=b", "field_selector": "x=y", "name_filter": "Prefix"},
    ),
    ("DELETE", GET_PATH, {}, "delete", (NAME,), {"force": True}),
    ("POST", f"{WF_PATH}/lint", wf(), "lint", (MANIFEST,), {}),
    (
        "POST",
        f"{WF_PATH}/submit",
        wf(),
        "submit",
        ("wftmpl", "release"),
        {"parameters": {"tag": "v1"}, "labels": {"a": "b"}, "priority": 3, "entrypoint": "e"},
    ),
    (
        "PUT",
        f"{GET_PATH}/retry",
        wf(),
        "retry",
        (NAME,),
        {"restart_successful": True, "node_field_selector": "id=y", "parameters": {"p": "1"}},
    ),
    ("PUT", f"{GET_PATH}/resubmit", wf(), "resubmit", (NAME,), {"memoized": True}),
    ("PUT", f"{GET_PATH}/stop", wf(), "stop", (NAME,), {"message": "why"}),
    ("PUT", f"{GET_PATH}/terminate", wf(), "terminate", (NAME,), {}),
    ("PUT", f"{GET_PATH}/suspend", wf(), "suspend", (NAME,), {}),
    ("PUT", f"{GET_PATH}/resume", wf(), "resume", (NAME,), {"node_field_selector": "name=b"}),
    (
        "PUT",
        f"{GET_PATH}/set",
        wf(),
        "set",
        (NAME, "displayName=approve"),
        {"output_parameters": {"ok": "yes"}, "phase": "Succeeded", "message": "m"},
    ),
    ("GET", WF_PATH, WF_LIST, "delete_selected", (), {"label_selector": "a=b"}),
    (
        "POST",
        WFT_PATH,
        template("WorkflowTemplate"),
        "workflow_templates.create",
        (template("WorkflowTemplate"),),
        {},
    ),
    (
        "POST",
        f"{WFT_PATH}/lint",
        template("WorkflowTemplate"),
        "workflow_templates.lint",
        (template("WorkflowTemplate"),),
        {},
    ),
    (
        "GET",
        f"{WFT_PATH}/release",
        template("WorkflowTemplate"),
        "workflow_templates.get",
        ("release",),
        {},
    ),
    ("GET", WFT_PATH, TEMPLATE_LIST, "workflow_templates.list", (), {"label_selector": "t=a"}),
    (
        "PUT",
        f"{WFT_PATH}/release",
        template("WorkflowTemplate"),
        "workflow_templates.update",
        (template("WorkflowTemplate"),),
        {},
    ),
    ("DELETE", f"{WFT_PATH}/release", {}, "workflow_templates.delete", ("release",), {}),
    (
        "POST",
        CWFT_PATH,
        template("ClusterWorkflowTemplate"),
        "cluster_workflow_templates.create",
        (template("ClusterWorkflowTemplate"),),
        {},
    ),
    (
        "GET",
        f"{CWFT_PATH}/release",
        template("ClusterWorkflowTemplate"),
        "cluster_workflow_templates.get",
        ("release",),
        {},
    ),
    (
        "POST",
        CRON_PATH,
        template("CronWorkflow"),
        "cron_workflows.create",
        (template("CronWorkflow"),),
        {},
    ),
    (
        "PUT",
        f"{CRON_PATH}/release/suspend",
        template("CronWorkflow"),
        "cron_workflows.suspend",
        ("release",),
        {},
    ),
    (
        "PUT",
        f"{CRON_PATH}/release/resume",
        template("CronWorkflow"),
        "cron_workflows.resume",
        ("release",),
        {},
    ),
    (
        "GET",
        ARCHIVE,
        {"metadata": {}, "items": [wf()]},
        "archived_workflows.list",
        (),
        {"name_prefix": "hello-", "label_selector": "a=b", "limit": 10},
    ),
    ("GET", f"{ARCHIVE}/u-1", wf(), "archived_workflows.get", ("u-1",), {"namespace": NS}),
    ("DELETE", f"{ARCHIVE}/u-1", {}, "archived_workflows.delete", ("u-1",), {}),
]


def resolve(client: Any, dotted: str) -> Any:
    target = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize(
    ("method", "path", "response", "call", "args", "kwargs"),
    ENDPOINTS,
    ids=[e[3] for e in ENDPOINTS],
)
def test_each_endpoint_sends_the_sync_clients_request_and_returns_its_value(
    method: str,
    path: str,
    response: Any,
    call: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    def script(fake: ArgoFake) -> None:
        fake.add(method, path, ok(method, path, response))
        if call == "delete_selected":
            fake.add("DELETE", GET_PATH, ok("DELETE", GET_PATH, {}))

    with ArgoFake(socket_timeout=5) as fake:
        script(fake)
        with Client(config_of(fake), sleep=Sleeps()) as client:
            expected = resolve(client, call)(*args, **kwargs)
        sync_requests = sent(fake)

    async def body(client: AsyncClient) -> Any:
        return await resolve(client, call)(*args, **kwargs)

    with ArgoFake(socket_timeout=5) as fake:
        script(fake)
        got = with_client(fake, body)
        assert sent(fake) == sync_requests
        assert len(sync_requests) == (2 if call == "delete_selected" else 1)
        assert got == expected
        assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
        conforms(fake.requests)


def test_paged_list_follows_continue(argo: ArgoFake) -> None:
    argo.add(
        "GET",
        WF_PATH,
        ok("GET", WF_PATH, {"metadata": {"continue": "c1"}, "items": [wf("1")]}),
        ok("GET", WF_PATH, {"metadata": {}, "items": [wf("2")]}),
    )
    items = with_client(argo, lambda c: c.list(limit=1))
    assert [i["metadata"]["resourceVersion"] for i in items] == ["1", "2"]
    assert [r.query for r in argo.requests] == [
        {"listOptions.limit": ["1"]},
        {"listOptions.limit": ["1"], "listOptions.continue": ["c1"]},
    ]
    conforms(argo.requests)


# --- retries, errors, timeouts, secrecy -------------------------------------------------------


def test_a_get_is_retried_with_the_policy_and_the_injected_sleep(argo: ArgoFake) -> None:
    path = "/api/v1/version"
    argo.add(
        "GET",
        path,
        err("GET", path, 503, "busy"),
        err("GET", path, 502, "bad gateway"),
        ok("GET", path, VERSION),
    )
    sleeps = AsyncSleeps()
    assert with_client(argo, lambda c: c.version(), sleeps=sleeps) == VERSION
    assert len(argo.requests) == 3 and sleeps.delays == [0.25, 0.5]


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda c: c.create(MANIFEST), "POST", WF_PATH),
        (lambda c: c.submit("wftmpl", "release"), "POST", f"{WF_PATH}/submit"),
        (lambda c: c.resubmit(NAME), "PUT", f"{GET_PATH}/resubmit"),
        (lambda c: c.retry(NAME), "PUT", f"{GET_PATH}/retry"),
        (
            lambda c: c.workflow_templates.update(template("WorkflowTemplate")),
            "PUT",
            f"{WFT_PATH}/release",
        ),
    ],
    ids=["create", "submit", "resubmit", "retry", "update"],
)
def test_creating_requests_are_never_resent(
    argo: ArgoFake, call: Callable[[AsyncClient], Awaitable[Any]], method: str, path: str
) -> None:
    answer = template("WorkflowTemplate") if path.startswith(WFT_PATH) else wf()
    argo.add(method, path, err(method, path, 503, "busy"), ok(method, path, answer))
    sleeps = AsyncSleeps()
    with pytest.raises(ServerUnavailable):
        with_client(argo, call, sleeps=sleeps)
    assert len(argo.requests) == 1 and sleeps.delays == []


def test_a_retried_delete_answered_404_is_done(argo: ArgoFake) -> None:
    argo.add(
        "DELETE",
        GET_PATH,
        err("DELETE", GET_PATH, 503, "busy"),
        err("DELETE", GET_PATH, 404, "not found"),
    )
    assert with_client(argo, lambda c: c.delete(NAME)) is None
    assert len(argo.requests) == 2


def test_errors_are_typed_with_the_sync_messages(argo: ArgoFake) -> None:
    argo.add("POST", WF_PATH, err("POST", WF_PATH, 409, "already exists"))
    argo.add(
        "GET", GET_PATH, err("GET", GET_PATH, 404, f'workflows.argoproj.io "{NAME}" not found')
    )
    with pytest.raises(AlreadyExists) as exists:
        with_client(argo, lambda c: c.create(MANIFEST))
    with pytest.raises(NotFound) as missing:
        with_client(argo, lambda c: c.get(NAME))
    with ArgoFake(socket_timeout=5) as fake:
        fake.add("POST", WF_PATH, err("POST", WF_PATH, 409, "already exists"))
        fake.add(
            "GET", GET_PATH, err("GET", GET_PATH, 404, f'workflows.argoproj.io "{NAME}" not found')
        )
        with Client(config_of(fake), sleep=Sleeps()) as client:
            with pytest.raises(AlreadyExists) as sync_exists:
                client.create(MANIFEST)
            with pytest.raises(NotFound) as sync_missing:
                client.get(NAME)
    assert str(exists.value) == str(sync_exists.value)
    assert str(missing.value) == str(sync_missing.value)
    assert str(missing.value) == (
        f'GET {GET_PATH}: 404 Not Found: workflows.argoproj.io "{NAME}" not found\n'
        f"Nothing was found at GET {GET_PATH} in namespace 'argo': check the name and the "
        "namespace (-n/--namespace or ARGO_NAMESPACE; namespace= in Python)."
    )


def test_a_slow_create_times_out_once(argo: ArgoFake) -> None:
    argo.add("POST", WF_PATH, ok("POST", WF_PATH, wf(), delay=5))
    sleeps = AsyncSleeps()
    with pytest.raises(RequestTimeout) as info:
        with_client(argo, lambda c: c.create(MANIFEST), sleeps=sleeps, timeouts=(2.0, 0.3))
    assert str(info.value) == (
        f"POST {WF_PATH}: no answer from the Argo Server within the read timeout of 0.3 s\n"
        "Try again later, or raise the timeout. A create may have succeeded anyway: look for "
        "the object before creating it again."
    )
    assert len(argo.requests) == 1 and sleeps.delays == []


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + repr(vars(exc))


def test_the_token_never_appears_in_errors_or_reprs(argo: ArgoFake) -> None:
    path = "/api/v1/version"
    argo.add(
        "GET", path, err("GET", path, 401, "token not valid"), ok("GET", path, VERSION, delay=5)
    )
    texts: list[str] = []

    async def body(client: AsyncClient) -> None:
        texts.extend([repr(client), repr(client.workflow_templates), repr(client.config)])
        for _ in range(2):
            try:
                await client.version()
            except ArgoServerError as exc:
                assert exc.__cause__ is None and exc.__suppress_context__
                texts.append(_all_text(exc))

    with_client(argo, body, retry=RetryPolicy(attempts=1), timeouts=(2.0, 0.2))
    assert len(texts) == 5
    assert [TOKEN in t for t in texts] == [False] * 5
    assert argo.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_settings_or_config_not_both() -> None:
    with pytest.raises(TiphysError) as info:
        AsyncClient(ServerConfig(server="argo:2746"), namespace="x")
    assert str(info.value) == (
        "AsyncClient() takes a config or resolve_config() settings, not both (got config and "
        "namespace)."
    )


# --- artifacts ------------------------------------------------------------------------------


def test_artifacts_download_and_read(argo: ArgoFake, tmp_path: Path) -> None:
    path = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}/outputs/out"
    argo.add("GET", path, Reply(body=b"x" * 100_000))
    dest = tmp_path / "out.bin"
    buffer = io.BytesIO()

    async def body(client: AsyncClient) -> tuple[int, int, bytes]:
        written = await client.download_artifact(NAME, NAME, "out", dest)
        streamed = await client.download_artifact(NAME, NAME, "out", buffer)
        return written, streamed, await client.read_artifact(NAME, NAME, "out")

    assert with_client(argo, body) == (100_000, 100_000, b"x" * 100_000)
    assert dest.read_bytes() == b"x" * 100_000 and buffer.getvalue() == b"x" * 100_000
    assert not (tmp_path / "out.bin.part").exists()
    assert [r.headers["accept"] for r in argo.requests] == ["*/*"] * 3
    with pytest.raises(TiphysError) as info:
        with_client(argo, lambda c: c.read_artifact(NAME, NAME, "out", max_bytes=10))
    assert str(info.value) == (
        f"artifact 'out' of node {NAME} is larger than 10 bytes; use download_artifact() to "
        "write it to a file."
    )


# --- watch ------------------------------------------------------------------------------------


def ev(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return result({"type": kind, "object": obj})


def events(*items: Any) -> Reply:
    for item in items:
        if isinstance(item, dict):
            assert response_problems("GET", EVENTS, 200, item) == [], item
    return sse_reply(items)


async def collect_watch(client: AsyncClient, **kw: Any) -> list[tuple[str, str, str]]:
    return [
        (e.type, e.workflow["metadata"]["resourceVersion"], e.phase)
        async for e in client.watch(NAME, **kw)
    ]


def test_watch_reconnects_after_an_error_chunk_a_cut_and_an_eof(argo: ArgoFake) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
    argo.add(
        "GET",
        EVENTS,
        events(KEEPALIVE, ev("MODIFIED", wf("2")), error_chunk(), ev("MODIFIED", wf("9"))),
        events(ev("ADDED", wf("2")), ev("MODIFIED", wf("3")), Cut()),
        events(ev("MODIFIED", wf("3"))),
        events(ev("MODIFIED", wf("4", "Succeeded")), ev("MODIFIED", wf("5", "Succeeded"))),
    )
    sleeps = AsyncSleeps()
    assert with_client(argo, collect_watch, sleeps=sleeps) == [
        ("ADDED", "1", "Running"),
        ("MODIFIED", "2", "Running"),
        ("MODIFIED", "3", "Running"),
        ("MODIFIED", "4", "Succeeded"),
    ]
    rvs = [r.query["listOptions.resourceVersion"][0] for r in argo.requests_to("GET", EVENTS)]
    assert rvs == ["1", "2", "3", "3"]
    assert sleeps.delays == [0.25, 0.25, 0.5]
    assert argo.requests_to("GET", EVENTS)[0].headers["accept"] == "text/event-stream"
    conforms(argo.requests)


def test_watch_too_old_restarts_from_a_get(argo: ArgoFake) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")), ok("GET", GET_PATH, wf("7")))
    argo.add(
        "GET",
        EVENTS,
        events(error_chunk("too old resource version: 1 (5)", grpc_code=11, http_code=410)),
        events(ev("DELETED", {"metadata": wf("8")["metadata"], "spec": {}})),
    )
    assert with_client(argo, collect_watch) == [
        ("ADDED", "1", "Running"),
        ("ADDED", "7", "Running"),
        ("DELETED", "8", "Running"),
    ]
    assert [(r.path, r.query.get("listOptions.resourceVersion")) for r in argo.requests] == [
        (GET_PATH, None),
        (EVENTS, ["1"]),
        (GET_PATH, None),
        (EVENTS, ["0"]),
    ]


def test_watch_times_out_and_gives_up(argo: ArgoFake) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
    argo.add("GET", EVENTS, events(KEEPALIVE, Pause(3)))
    with pytest.raises(WaitTimeout) as info:
        with_client(argo, lambda c: collect_watch(c, timeout=0.4))
    assert str(info.value) == (
        f"workflow {NAME} did not finish within 0.4 s; it was last seen Running. It keeps "
        "running on the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`."
    )
    with ArgoFake(socket_timeout=5) as fake:
        fake.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
        fake.add("GET", EVENTS, events(error_chunk()))
        sleeps = AsyncSleeps()
        with pytest.raises(ServerUnavailable) as gave_up:
            with_client(fake, collect_watch, sleeps=sleeps)
        assert len(fake.requests_to("GET", EVENTS)) == 5
        assert sleeps.delays == [0.25, 0.5, 1.0, 2.0]
    assert str(gave_up.value) == (
        f"the watch of workflow {NAME} ended 5 times in a row with nothing new (the server's "
        "last error: EOF); check the Argo Server and any proxy in front of it (idle timeouts "
        "cut streams), then run the command again."
    )


# --- logs -------------------------------------------------------------------------------------


def line(content: str, pod: str = POD) -> dict[str, Any]:
    return result({"podName": pod, "content": content})


def logs(*items: Any) -> Reply:
    for item in items:
        if isinstance(item, dict):
            assert response_problems("GET", LOG, 200, item) == [], item
    return sse_reply(items)


def test_logs_follow_reconnects_from_since_time_without_repeating(argo: ArgoFake) -> None:
    argo.add(
        "GET",
        LOG,
        logs(line(f"{T0} one"), line(f"{T1} two"), Cut()),
        logs(line(f"{T0} one"), line(f"{T1} two"), line(f"{T2} three"), error_chunk()),
        logs(line(f"{T2} three"), line(f"{T2} four")),
    )
    argo.add(
        "GET",
        GET_PATH,
        ok("GET", GET_PATH, wf("1")),
        ok("GET", GET_PATH, wf("1")),
        ok("GET", GET_PATH, wf("2", "Succeeded")),
    )
    sleeps = AsyncSleeps()

    async def body(client: AsyncClient) -> tuple[list[str], str | None]:
        stream = client.logs(NAME, follow=True, tail_lines=5)
        got = [x.content async for x in stream]
        return got, stream.notice

    assert with_client(argo, body, sleeps=sleeps) == (["one", "two", "three", "four"], None)
    since = [r.query.get("logOptions.sinceTime.seconds") for r in argo.requests_to("GET", LOG)]
    assert since == [None, ["1795946400"], ["1795946401"]]
    assert [r.query.get("logOptions.tailLines") for r in argo.requests_to("GET", LOG)] == [
        ["5"],
        None,
        None,
    ]
    assert sleeps.delays == [0.25, 0.25]
    conforms(argo.requests)


NODES = {
    f"{NAME}-1": {
        "id": f"{NAME}-1",
        "name": f"{NAME}[0].a",
        "displayName": "a",
        "templateName": "echo",
        "type": "Pod",
        "phase": "Succeeded",
        "startedAt": "2026-11-29T10:00:01Z",
        "outputs": {"artifacts": [{"name": "main-logs", "s3": {"key": "k/main.log"}}]},
    },
}


def test_logs_of_a_finished_workflow_read_main_logs_or_say_why_none(argo: ArgoFake) -> None:
    artifact = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}-1/outputs/main-logs"
    argo.add("GET", LOG, logs(KEEPALIVE))
    argo.add(
        "GET",
        GET_PATH,
        ok("GET", GET_PATH, wf("1", "Succeeded", nodes=NODES)),
        ok("GET", GET_PATH, wf("1", "Pending")),
    )
    argo.add("GET", artifact, Reply(body=b"first\nsecond\n"))

    async def body(client: AsyncClient) -> list[tuple[list[LogLine], str | None]]:
        out = []
        for _ in range(2):
            stream = client.logs(NAME)
            out.append(([x async for x in stream], stream.notice))
        return out

    who = pod_name(wf(), NODES[f"{NAME}-1"])
    assert with_client(argo, body) == [
        ([LogLine(who, "first", None), LogLine(who, "second", None)], None),
        (
            [],
            f"workflow {NAME} has no log lines yet (phase Pending); follow the logs to wait "
            "for them.",
        ),
    ]
    conforms(argo.requests)


def test_logs_of_a_workflow_only_in_the_archive_read_main_logs_by_uid(argo: ArgoFake) -> None:
    by_name = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}-1/outputs/main-logs"
    by_uid = f"/artifact-files/{NS}/archived-workflows/u-1/{NAME}-1/outputs/main-logs"
    argo.add("GET", LOG, err("GET", LOG, 404, f'workflows.argoproj.io "{NAME}" not found'))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1", "Succeeded", nodes=NODES)))
    argo.add("GET", by_name, Reply(status=500, body=b"Internal Server Error\n"))
    argo.add("GET", by_uid, Reply(body=b"first\n"))

    async def body(client: AsyncClient) -> list[LogLine]:
        return [x async for x in client.logs(NAME)]

    who = pod_name(wf(), NODES[f"{NAME}-1"])
    assert with_client(argo, body) == [LogLine(who, "first", None)]
    assert [r.path for r in argo.requests] == [LOG, GET_PATH, by_name, by_uid]
    conforms(argo.requests)


def test_closing_a_log_stream_early_stops_it(argo: ArgoFake) -> None:
    argo.add("GET", LOG, logs(line(f"{T0} one"), Pause(3), line(f"{T1} two")))

    async def body(client: AsyncClient) -> list[str]:
        async with client.logs(NAME) as stream:
            first = await stream.__anext__()
        return [first.content]

    assert with_client(argo, body) == ["one"]


# --- transport details ------------------------------------------------------------------------


def test_every_request_and_stream_carries_the_explicit_timeout() -> None:
    import httpx

    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        if request.url.path == EVENTS:
            return httpx.Response(200, content=b"")
        return httpx.Response(200, json=wf("1"))

    async def main() -> None:
        config = ServerConfig(server="argo:2746", connect_timeout=3.0, read_timeout=7.5)
        async with AsyncClient(config, transport=httpx.MockTransport(handler)) as client:
            await client.version()
            await client.list()
            async with client._transport.stream(EVENTS, read_timeout=1.5) as stream:
                assert [line async for line in stream.lines()] == []

    run(main())
    assert seen == [{"connect": 3.0, "read": 7.5, "write": 7.5, "pool": 3.0}] * 2 + [
        {"connect": 3.0, "read": 1.5, "write": 7.5, "pool": 3.0}
    ]


def test_a_refused_connection_is_retried_for_a_get_only() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = resolve_config(
        server=f"127.0.0.1:{port}", secure=False, token=TOKEN, env={}, kubeconfig=Path("/x")
    )
    sleeps = AsyncSleeps()

    async def main() -> tuple[str, str]:
        async with AsyncClient(
            config, retry=RetryPolicy(attempts=3), sleep=sleeps, random=lambda: 0.5
        ) as client:
            with pytest.raises(ServerUnavailable) as got:
                await client.version()
            assert sleeps.delays == [0.25, 0.5]
            with pytest.raises(ServerUnavailable) as created:
                await client.create(MANIFEST)
            assert sleeps.delays == [0.25, 0.5]
            return str(got.value), str(created.value)

    got, created = run(main())
    assert got.splitlines()[0].startswith(
        f"GET /api/v1/version: cannot reach the Argo Server at {config.base_url}: "
    )
    assert created.splitlines()[0].startswith(
        "POST /api/v1/workflows/default: cannot reach the Argo Server"
    )
    assert TOKEN not in got + created


def test_a_cut_download_leaves_no_partial_file(argo: ArgoFake, tmp_path: Path) -> None:
    path = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}/outputs/out"
    argo.add("GET", path, Reply(stream=[b"x" * 1000, Cut()]))
    dest = tmp_path / "out.bin"
    with pytest.raises(ServerUnavailable):
        with_client(argo, lambda c: c.download_artifact(NAME, NAME, "out", dest))
    assert sorted(p.name for p in tmp_path.iterdir()) == []
