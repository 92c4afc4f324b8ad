"""The embedded Argo Server over real HTTP on 127.0.0.1: driven with httpx and with the real
tiphys.client.Client, every response checked against swagger.json (swagger_oracle).

The engine and the state store are the stand-ins of local_standins.py until they land.
"""

from __future__ import annotations

import io
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_standins import ENGINE
from swagger_oracle import request_problems, response_problems
from tiphys.client import ArgoServerError, Client, NotFound
from tiphys.local import security
from tiphys.local.selectors import (
    SelectorError,
    clean_fields,
    field_selector,
    label_selector,
    node_selector,
)
from tiphys.local.server import LocalServer, default_state_dir, read_token
from tiphys.local.sse import StreamWriter, error_chunk

NS = "argo"
UNAUTHENTICATED = "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/"


def workflow(
    *args: str,
    name: str | None = None,
    command: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {"image": "busybox", "args": list(args)}
    if command is not None:
        container["command"] = command
    meta: dict[str, Any] = {"name": name} if name else {"generateName": "hello-"}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": container}]},
    }


def suspending(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": "approve", "templates": [{"name": "approve", "suspend": {}}]},
    }


class CheckingTransport(httpx.HTTPTransport):
    """Checks every request and every non-stream response against swagger.json."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        query: dict[str, str | list[str]] = {}
        for key, value in request.url.params.multi_items():
            query[key] = [*query[key], value] if key in query else value  # type: ignore[list-item]
        body = json.loads(request.content) if request.content else None
        assert request_problems(request.method, request.url.path, query, body) == []
        response = super().handle_request(request)
        kind = response.headers.get("content-type", "")
        # ``fields`` trims objects below what swagger requires (the real server's do too)
        trimmed = "fields" in request.url.params
        if (
            kind == "application/json"
            and "transfer-encoding" not in response.headers
            and not trimmed
        ):
            response.read()
            problems = response_problems(
                request.method, request.url.path, response.status_code, response.json()
            )
            assert problems == [], (request.url, problems)
        return response


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    srv = LocalServer(
        state_dir=tmp_path / "state",
        port=0,
        persist=False,
        keepalive=0.2,
        engine=ENGINE,
    )
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    with Client(
        server=server.url.removeprefix("http://"),
        secure=False,
        token=server.token,
        namespace=NS,
        env={},
        kubeconfig=Path("/nonexistent"),
        transport=CheckingTransport(),
    ) as c:
        yield c


@pytest.fixture
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
    ) as c:
        yield c


def checked(response: httpx.Response) -> Any:
    """The JSON body, after checking it against the operation's response schema (unless the
    request trimmed it with ``fields``)."""
    body = response.json()
    path = response.request.url.path
    if "fields" not in response.request.url.params:
        assert response_problems(response.request.method, path, response.status_code, body) == []
    return body


def error_of(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, checked(response)


def wait_finished(client: Client, name: str, namespace: str | None = None) -> dict[str, Any]:
    last: dict[str, Any] = {}
    for event in client.watch(name, namespace, timeout=10):
        last = event.workflow
    return last


def sse_messages(response: httpx.Response, count: int) -> tuple[list[dict[str, Any]], int]:
    """The first ``count`` data messages of an SSE response, and the keepalives seen."""
    messages: list[dict[str, Any]] = []
    keepalives = 0
    for line in response.iter_lines():
        if line.startswith(":"):
            keepalives += 1
        elif line.startswith("data: "):
            messages.append(json.loads(line[len("data: ") :]))
            if len(messages) == count:
                break
    return messages, keepalives


# --- security -------------------------------------------------------------------------------


def test_token_is_generated_private_and_reused(tmp_path: Path) -> None:
    state_dir = tmp_path / "st"
    assert read_token(state_dir) is None
    first = LocalServer(state_dir=state_dir, port=0, persist=False, engine=ENGINE)
    mode = stat.S_IMODE(os.stat(state_dir / "token").st_mode)
    dir_mode = stat.S_IMODE(os.stat(state_dir).st_mode)
    assert (mode, dir_mode) == (0o600, 0o700)
    assert len(first.token) == 43
    assert read_token(state_dir) == first.token
    second = LocalServer(state_dir=state_dir, port=0, persist=False, engine=ENGINE)
    assert second.token == first.token


def test_default_state_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "tiphys" / "server"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_state_dir() == tmp_path / "home" / ".local" / "state" / "tiphys" / "server"


def test_server_json_written_while_serving(tmp_path: Path) -> None:
    srv = LocalServer(state_dir=tmp_path / "st", port=0, persist=False, engine=ENGINE)
    srv.start()
    try:
        info = json.loads((tmp_path / "st" / "server.json").read_text())
        assert info == {"url": srv.url, "pid": os.getpid(), "port": srv.port}
        assert srv.url.startswith("http://127.0.0.1:")
        assert stat.S_IMODE(os.stat(tmp_path / "st" / "server.json").st_mode) == 0o600
    finally:
        srv.shutdown()
    assert not (tmp_path / "st" / "server.json").exists()


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic abc", "Bearer"])
def test_requests_without_the_token_get_401(server: LocalServer, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(server.url + "/api/v1/version", headers=headers, timeout=5)
    assert error_of(response) == (401, {"code": 16, "message": UNAUTHENTICATED})


def test_the_real_client_with_a_wrong_token_is_refused(server: LocalServer) -> None:
    with (
        Client(
            server=server.url.removeprefix("http://"),
            secure=False,
            token="nope",
            namespace=NS,
            env={},
            kubeconfig=Path("/nonexistent"),
        ) as bad,
        pytest.raises(ArgoServerError) as caught,
    ):
        bad.version()
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": "evil.example.com"}, 403),
        ({"Host": "evil.example.com:2746"}, 403),
        ({"Host": "127.0.0.1.evil.com"}, 403),
        ({"Origin": "https://evil.example.com"}, 403),
        ({"Origin": "null"}, 403),
        ({"Host": "localhost:1234", "Origin": "http://localhost:3000"}, 200),
        ({"Host": "[::1]:2746", "Origin": "http://127.0.0.1"}, 200),
    ],
)
def test_host_and_origin_must_be_loopback(
    http: httpx.Client, headers: dict[str, str], status: int
) -> None:
    response = http.get("/api/v1/version", headers=headers)
    assert response.status_code == status
    body = checked(response)
    if status == 403:
        assert body["code"] == 7
        assert "loopback" in body["message"]


def test_forbidden_before_unauthenticated(server: LocalServer) -> None:
    response = httpx.get(server.url + "/api/v1/version", headers={"Host": "evil.com"}, timeout=5)
    assert response.status_code == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_bodies_must_be_json(http: httpx.Client, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps({"workflow": workflow("a")})
    response = http.post(f"/api/v1/workflows/{NS}", content=body, headers=headers)
    shown = content_type or "(none)"
    assert error_of(response) == (
        415,
        {
            "code": 3,
            "message": f"unsupported Content-Type '{shown}': "
            "request bodies must be application/json",
        },
    )
    assert checked(http.get(f"/api/v1/workflows/{NS}"))["items"] is None


def test_security_helpers() -> None:
    assert security.host_allowed("127.0.0.1:80")
    assert security.host_allowed("LOCALHOST")
    assert security.host_allowed("[::1]")
    assert not security.host_allowed(None)
    assert not security.host_allowed("10.0.0.1:2746")
    assert security.host_allowed("10.0.0.1:2746", frozenset({"10.0.0.1"}))
    assert security.host_allowed("192.168.1.5:2746", frozenset({"0.0.0.0", "*"}))
    assert not security.host_allowed("evil.example.com", frozenset({"0.0.0.0", "*"}))
    assert security.origin_allowed("http://10.1.2.3:8080", frozenset({"*"}))
    assert security.origin_allowed(None)
    assert not security.origin_allowed("http://example.com")
    assert security.token_matches("bearer abc", "abc")
    assert not security.token_matches("Bearer abcd", "abc")


# --- info -----------------------------------------------------------------------------------


def test_version_userinfo_info(client: Client) -> None:
    version = client.version()
    assert version["version"] == "v4.1.2"
    assert sorted(version) == sorted(
        [
            "version",
            "buildDate",
            "gitCommit",
            "gitTag",
            "gitTreeState",
            "goVersion",
            "compiler",
            "platform",
        ]
    )
    assert client.userinfo()["subject"]
    assert client.info() == {"links": [], "columns": [], "navColor": "", "modals": {}}


def test_unknown_route_and_method(http: httpx.Client) -> None:
    assert http.get("/api/v1/nothing").json() == {"code": 5, "message": "Not Found"}
    response = http.patch(f"/api/v1/workflows/{NS}", json={})
    assert (response.status_code, response.json()) == (
        501,
        {"code": 12, "message": "Method Not Allowed"},
    )


# --- workflows ------------------------------------------------------------------------------


def test_create_get_list_delete_with_the_client(server: LocalServer, client: Client) -> None:
    assert client.list() == []
    created = client.create(workflow("a", "b", labels={"team": "x"}))
    meta = created["metadata"]
    name = meta["name"]
    assert name.startswith("hello-") and len(name) == len("hello-") + 5
    assert meta["namespace"] == NS and meta["uid"] and meta["resourceVersion"]
    final = wait_finished(client, name)
    assert final["status"]["phase"] == "Succeeded"
    assert final["metadata"]["labels"] == {
        "team": "x",
        "workflows.argoproj.io/phase": "Succeeded",
        "workflows.argoproj.io/completed": "true",
    }
    assert client.get(name) == final
    assert [w["metadata"]["name"] for w in client.list()] == [name]
    assert client.get("@latest")["metadata"]["name"] == name
    run_dir = server.state_dir / "runs" / meta["uid"]
    assert (run_dir / "logs" / name / "main.log").is_file()
    client.delete(name)
    assert not run_dir.exists()
    with pytest.raises(NotFound) as caught:
        client.get(name)
    assert caught.value.server_message == f'workflows.argoproj.io "{name}" not found'


def test_empty_list_has_null_items(http: httpx.Client) -> None:
    body = checked(http.get(f"/api/v1/workflows/{NS}"))
    assert body["items"] is None


def test_list_selectors_and_fields(client: Client, http: httpx.Client) -> None:
    for name, team in (("alpha-1", "a"), ("alpha-2", "b"), ("beta-1", "a")):
        client.create(workflow("x", name=name, labels={"team": team}))
        wait_finished(client, name)

    def names(**query: str) -> list[str]:
        body = checked(http.get(f"/api/v1/workflows/{NS}", params=query))
        return sorted(w["metadata"]["name"] for w in body["items"] or [])

    assert names(**{"listOptions.labelSelector": "team=a"}) == ["alpha-1", "beta-1"]
    assert names(
        **{"listOptions.labelSelector": "team in (b),workflows.argoproj.io/completed=true"}
    ) == ["alpha-2"]
    assert names(**{"listOptions.labelSelector": "!team"}) == []
    assert names(**{"listOptions.fieldSelector": "metadata.name=beta-1"}) == ["beta-1"]
    assert names(
        **{"listOptions.fieldSelector": "metadata.name=alpha", "nameFilter": "Prefix"}
    ) == ["alpha-1", "alpha-2"]
    assert names(**{"listOptions.fieldSelector": "metadata.name=-1", "nameFilter": "Contains"}) == [
        "alpha-1",
        "beta-1",
    ]
    assert names(**{"listOptions.fieldSelector": "metadata.name!=beta-1"}) == ["alpha-1", "alpha-2"]
    trimmed = checked(
        http.get(
            f"/api/v1/workflows/{NS}",
            params={
                "fields": "items.metadata.name,items.status.phase",
                "listOptions.labelSelector": "team=b",
            },
        )
    )
    assert trimmed == {
        "items": [{"metadata": {"name": "alpha-2"}, "status": {"phase": "Succeeded"}}]
    }
    response = http.get(
        f"/api/v1/workflows/{NS}", params={"listOptions.fieldSelector": "status.phase=Running"}
    )
    assert error_of(response) == (
        400,
        {"code": 3, "message": "field label not supported: status.phase"},
    )
    assert client.list(label_selector="team=a", fields="items.metadata.name") == [
        {"metadata": {"name": "alpha-1"}},
        {"metadata": {"name": "beta-1"}},
    ] or client.list(label_selector="team=a", fields="items.metadata.name") == [
        {"metadata": {"name": "beta-1"}},
        {"metadata": {"name": "alpha-1"}},
    ]


def test_list_pages_with_limit_and_continue(client: Client, http: httpx.Client) -> None:
    for i in range(3):
        client.create(workflow("x", name=f"page-{i}"))
    first = checked(http.get(f"/api/v1/workflows/{NS}", params={"listOptions.limit": "2"}))
    assert len(first["items"]) == 2 and first["metadata"]["continue"] == "2"
    rest = checked(
        http.get(
            f"/api/v1/workflows/{NS}",
            params={"listOptions.limit": "2", "listOptions.continue": "2"},
        )
    )
    assert len(rest["items"]) == 1 and "continue" not in rest["metadata"]
    got = {w["metadata"]["name"] for w in first["items"] + rest["items"]}
    assert got == {"page-0", "page-1", "page-2"}


def test_get_fields_and_uid(client: Client, http: httpx.Client) -> None:
    created = client.create(workflow("a", name="fielded"))
    wait_finished(client, "fielded")
    assert client.get("fielded", fields="metadata.name,status.phase") == {
        "metadata": {"name": "fielded"},
        "status": {"phase": "Succeeded"},
    }
    without = client.get("fielded", fields="-status.nodes")
    assert "nodes" not in without["status"] and without["status"]["phase"] == "Succeeded"
    response = http.get(f"/api/v1/workflows/{NS}/fielded", params={"uid": "other"})
    assert error_of(response) == (
        404,
        {"code": 5, "message": 'workflows.argoproj.io "fielded" not found'},
    )
    same = checked(
        http.get(f"/api/v1/workflows/{NS}/fielded", params={"uid": created["metadata"]["uid"]})
    )
    assert same["metadata"]["name"] == "fielded"


def test_create_refuses_duplicates_and_invalid_workflows(
    client: Client, http: httpx.Client
) -> None:
    client.create(workflow("a", name="twice"))
    response = http.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow("a", name="twice")})
    assert error_of(response) == (
        409,
        {"code": 6, "message": 'workflows.argoproj.io "twice" already exists'},
    )
    bad = workflow("a", name="bad")
    bad["spec"]["entrypoint"] = "nope"
    response = http.post(f"/api/v1/workflows/{NS}", json={"workflow": bad})
    status, body = error_of(response)
    assert (status, body["code"]) == (400, 3)
    assert body["message"].startswith("spec.entrypoint: entrypoint refers to template 'nope'")
    with pytest.raises(ArgoServerError) as caught:
        client.lint(bad)
    assert caught.value.status == 400
    linted = client.lint(workflow("a", name="fine"))
    assert linted["metadata"] == {"name": "fine", "namespace": NS}
    response = http.post(f"/api/v1/workflows/{NS}", json={})
    assert error_of(response) == (400, {"code": 3, "message": "workflow body not specified"})
    assert [w["metadata"]["name"] for w in client.list()] == ["twice"]


def test_dry_runs_create_nothing(client: Client, http: httpx.Client) -> None:
    dry = client.create(workflow("a"), server_dry_run=True)
    assert dry["metadata"]["name"].startswith("hello-") and dry["metadata"]["uid"]
    response = http.post(
        f"/api/v1/workflows/{NS}",
        json={"workflow": workflow("a", name="x"), "createOptions": {"dryRun": ["All"]}},
    )
    assert checked(response)["metadata"] == {"name": "x", "namespace": NS}
    assert client.list() == []


# --- the watch stream -------------------------------------------------------------------------


def test_watch_sse_added_modified_keepalive_deleted(
    server: LocalServer, client: Client, http: httpx.Client
) -> None:
    client.create(suspending("paused"))
    query = {
        "listOptions.fieldSelector": "metadata.name=paused",
        "listOptions.resourceVersion": "0",
    }
    with http.stream(
        "GET",
        f"/api/v1/workflow-events/{NS}",
        params=query,
        headers={"Accept": "text/event-stream"},
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = response.iter_lines()
        messages: list[dict[str, Any]] = []
        keepalives = 0
        resumed = deleted = False
        for line in lines:
            if line.startswith(":"):
                keepalives += 1
                if not resumed:
                    client.resume("paused")
                    resumed = True
                elif (
                    not deleted
                    and messages[-1]["result"]["object"]["status"]["phase"] == "Succeeded"
                ):
                    client.delete("paused")
                    deleted = True
                continue
            if not line.startswith("data: "):
                continue
            message = json.loads(line[len("data: ") :])
            assert response_problems("GET", f"/api/v1/workflow-events/{NS}", 200, message) == []
            messages.append(message)
            if message["result"]["type"] == "DELETED":
                break
    kinds = [m["result"]["type"] for m in messages]
    assert kinds[0] == "ADDED" and kinds[-1] == "DELETED"
    assert set(kinds[1:-1]) == {"MODIFIED"}
    phases = [m["result"]["object"]["status"].get("phase") for m in messages]
    assert phases[0] == "Running" and phases[-1] == "Succeeded"
    assert keepalives >= 1
    versions = [int(m["result"]["object"]["metadata"]["resourceVersion"]) for m in messages[:-1]]
    assert versions == sorted(set(versions))


def test_watch_ndjson_without_accept_and_fields(client: Client, http: httpx.Client) -> None:
    client.create(workflow("a", name="nd"))
    wait_finished(client, "nd")
    query = {
        "listOptions.fieldSelector": "metadata.name=nd",
        "fields": "result.object.metadata.name,result.object.status.phase",
        "listOptions.timeoutSeconds": "1",
    }
    with http.stream("GET", f"/api/v1/workflow-events/{NS}", params=query) as response:
        assert response.headers["content-type"] == "application/json"
        lines = [line for line in response.iter_lines() if line]
    assert [json.loads(line) for line in lines] == [
        {
            "result": {
                "type": "ADDED",
                "object": {"metadata": {"name": "nd"}, "status": {"phase": "Succeeded"}},
            }
        },
        {
            "error": {
                "grpc_code": 8,
                "http_code": 429,
                "message": "EOF",
                "http_status": "Too Many Requests",
            }
        },
    ]
    assert (
        response_problems("GET", f"/api/v1/workflow-events/{NS}", 200, json.loads(lines[1])) == []
    )


def test_watch_label_selector_filters_events(client: Client, http: httpx.Client) -> None:
    client.create(workflow("a", name="one", labels={"pick": "yes"}))
    client.create(workflow("a", name="two"))
    wait_finished(client, "one")
    wait_finished(client, "two")
    query = {"listOptions.labelSelector": "pick=yes", "listOptions.timeoutSeconds": "1"}
    with http.stream("GET", f"/api/v1/workflow-events/{NS}", params=query) as response:
        messages = [json.loads(line) for line in response.iter_lines() if line]
    names = [m["result"]["object"]["metadata"]["name"] for m in messages if "result" in m]
    assert names == ["one"]


def test_client_watch_follows_a_run_to_the_end(client: Client) -> None:
    client.create(suspending("gate"))
    seen: list[str] = []

    def resume_when_suspended() -> None:
        # resume once the suspend node runs (a loaded machine may start it late); bounded
        for _ in range(100):
            nodes = client.get("gate").get("status", {}).get("nodes") or {}
            if any(n.get("type") == "Suspend" and n["phase"] == "Running" for n in nodes.values()):
                break
            time.sleep(0.05)
        client.resume("gate")

    thread = threading.Thread(target=resume_when_suspended)
    try:
        for event in client.watch("gate", timeout=10):
            seen.append(event.workflow["status"].get("phase", ""))
            if not thread.is_alive() and thread.ident is None:
                thread.start()  # only once the watch has seen the workflow running
    finally:
        if thread.ident is not None:
            thread.join(timeout=5)
    assert (seen[0], seen[-1]) == ("Running", "Succeeded"), seen


# --- logs -----------------------------------------------------------------------------------


def test_logs_with_the_client(client: Client) -> None:
    client.create(workflow("first", "second", "", "third", name="talk"))
    wait_finished(client, "talk")
    lines = list(client.logs("talk"))
    assert [(line.pod_name, line.content) for line in lines] == [
        ("talk", "first"),
        ("talk", "second"),
        ("talk", ""),
        ("talk", "third"),
    ]
    assert [line.content for line in client.logs("talk", tail_lines=2)] == ["", "third"]
    assert [line.content for line in client.logs("talk", grep="ir")] == ["first", "third"]
    assert list(client.logs("talk", container="wait")) == []


def test_log_stream_shape(client: Client, http: httpx.Client) -> None:
    client.create(workflow("hello", "", name="shape"))
    wait_finished(client, "shape")
    path = f"/api/v1/workflows/{NS}/shape/log"
    with http.stream(
        "GET",
        path,
        params={"logOptions.container": "main"},
        headers={"Accept": "text/event-stream"},
    ) as response:
        messages, _ = sse_messages(response, 2)
    assert messages == [
        {"result": {"content": "hello", "podName": "shape"}},
        {"result": {"podName": "shape"}},
    ]
    for message in messages:
        assert response_problems("GET", path, 200, message) == []
    with http.stream(
        "GET", path, params={"logOptions.timestamps": "true", "podName": "shape"}
    ) as response:
        first = json.loads(next(response.iter_lines()))
    stamp, _, text = first["result"]["content"].partition(" ")
    assert (
        text == "hello"
        and stamp.endswith("Z")
        and len(stamp) == len("2026-11-30T01:02:03.123456789Z")
    )
    future = str(int(time.time()) + 3600)
    with http.stream("GET", path, params={"logOptions.sinceTime.seconds": future}) as response:
        assert [line for line in response.iter_lines() if line] == []
    response = http.get(f"/api/v1/workflows/{NS}/missing/log")
    assert error_of(response) == (
        404,
        {"code": 5, "message": 'workflows.argoproj.io "missing" not found'},
    )


def test_follow_ends_when_the_workflow_finishes(client: Client) -> None:
    client.create(workflow("one", "two", name="follow", command=["sleep"]))

    def stop_soon() -> None:
        time.sleep(0.5)
        client.stop("follow")

    thread = threading.Thread(target=stop_soon)
    thread.start()
    started = time.monotonic()
    try:
        lines = [line.content for line in client.logs("follow", follow=True, timeout=10)]
    finally:
        thread.join(timeout=5)
    assert lines == ["one", "two"]
    assert time.monotonic() - started < 8


# --- actions --------------------------------------------------------------------------------


def test_stop_and_terminate(client: Client) -> None:
    client.create(workflow("x", name="stopme", command=["sleep"]))
    stopped = client.stop("stopme", message="enough")
    assert stopped["spec"]["shutdown"] == "Stop"
    final = wait_finished(client, "stopme")
    assert final["status"]["phase"] == "Failed"
    assert final["status"]["message"] == "Stopped with strategy 'Stop'"
    client.create(workflow("x", name="termme", command=["sleep"]))
    assert client.terminate("termme")["spec"]["shutdown"] == "Terminate"
    assert (
        wait_finished(client, "termme")["status"]["message"] == "Stopped with strategy 'Terminate'"
    )
    for action in (client.stop, client.terminate):
        with pytest.raises(ArgoServerError) as caught:
            action("termme")
        assert (caught.value.status, caught.value.server_message) == (
            500,
            'cannot shutdown a completed workflow: workflow: "termme", namespace: "argo"',
        )


def test_suspend_resume_and_set(client: Client, http: httpx.Client) -> None:
    client.create(workflow("x", name="sus", command=["sleep"]))
    assert client.suspend("sus")["spec"]["suspend"] is True
    assert "suspend" not in client.resume("sus")["spec"]
    client.terminate("sus")
    wait_finished(client, "sus")
    with pytest.raises(ArgoServerError) as caught:
        client.suspend("sus")
    assert (caught.value.status, caught.value.server_message) == (
        400,
        "cannot suspend completed workflows",
    )

    client.create(suspending("approval"))
    with pytest.raises(ArgoServerError) as caught:
        client.set("approval", node_field_selector="displayName=other", phase="Succeeded")
    assert (caught.value.status, caught.value.server_message) == (
        500,
        "currently, set only targets suspend nodes: no suspend nodes matching "
        "nodeFieldSelector: displayName=other",
    )
    response = http.put(f"/api/v1/workflows/{NS}/approval/set", json={"phase": "Succeeded"})
    assert error_of(response) == (
        500,
        {
            "code": 13,
            "message": "'set' currently only targets suspend nodes, "
            "use a node field selector to target them",
        },
    )
    with pytest.raises(ArgoServerError) as caught:
        client.resume("approval", node_field_selector="displayName=other")
    assert (caught.value.status, caught.value.server_message) == (
        500,
        "currently, set only targets suspend nodes: no suspend nodes matching "
        "nodeFieldSelector: displayName=other",
    )
    client.set("approval", node_field_selector="displayName=approval", phase="Failed", message="no")
    final = wait_finished(client, "approval")
    assert (final["status"]["phase"], final["status"]["message"]) == ("Failed", "no")


def test_retry_and_resubmit(client: Client, http: httpx.Client) -> None:
    client.create(workflow("fail", name="flaky", labels={"team": "a"}))
    assert wait_finished(client, "flaky")["status"]["phase"] == "Failed"
    retried = client.retry("flaky")
    assert retried["metadata"]["name"] == "flaky"
    assert wait_finished(client, "flaky")["status"]["phase"] == "Failed"

    client.create(workflow("ok", name="fine"))
    wait_finished(client, "fine")
    with pytest.raises(ArgoServerError) as caught:
        client.retry("fine")
    assert (caught.value.status, caught.value.server_message) == (
        400,
        "Cannot retry a workflow in phase Succeeded",
    )

    again = client.resubmit("flaky", parameters={"p": "1"})
    meta = again["metadata"]
    assert meta["name"].startswith("flaky-") and meta["name"] != "flaky"
    assert meta["labels"]["team"] == "a"
    assert meta["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "flaky"
    assert again["spec"]["arguments"]["parameters"] == [{"name": "p", "value": "1"}]
    response = http.put(f"/api/v1/workflows/{NS}/fine/resubmit", json={"memoized": True})
    assert error_of(response) == (
        400,
        {"code": 3, "message": "workflow must be Failed/Error to resubmit in memoized mode"},
    )


# --- templates, submit, crons ------------------------------------------------------------------


def template(name: str, kind: str = "WorkflowTemplate") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"image": "busybox", "args": ["from-template"]}}
            ],
        },
    }


def test_workflow_template_crud(http: httpx.Client) -> None:
    base = f"/api/v1/workflow-templates/{NS}"
    assert checked(http.get(base))["items"] is None
    created = checked(http.post(base, json={"template": template("tmpl")}))
    assert created["metadata"]["namespace"] == NS and created["metadata"]["resourceVersion"]
    response = http.post(base, json={"template": template("tmpl")})
    assert error_of(response) == (
        409,
        {"code": 6, "message": 'workflowtemplates.argoproj.io "tmpl" already exists'},
    )
    assert checked(http.get(f"{base}/tmpl")) == created
    assert [t["metadata"]["name"] for t in checked(http.get(base))["items"]] == ["tmpl"]

    update = template("tmpl")
    response = http.put(f"{base}/tmpl", json={"template": update})
    assert error_of(response) == (
        400,
        {
            "code": 3,
            "message": 'WorkflowTemplate.argoproj.io "tmpl" is invalid: metadata.resourceVersion: '
            "Invalid value: 0x0: must be specified for an update",
        },
    )
    update["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    updated = checked(http.put(f"{base}/tmpl", json={"template": update}))
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    response = http.put(f"{base}/tmpl", json={"template": update})
    assert error_of(response) == (
        409,
        {
            "code": 6,
            "message": "Operation cannot be fulfilled on workflowtemplates.argoproj.io "
            '"tmpl": the object has been modified; please apply your changes to the latest '
            "version and try again",
        },
    )
    assert error_of(http.post(base, json={})) == (
        400,
        {"code": 3, "message": "workflow template was not found in the request body"},
    )
    assert error_of(http.put(f"{base}/tmpl", json={})) == (
        400,
        {"code": 3, "message": "WorkflowTemplate is not found in Request body"},
    )
    elsewhere = template("elsewhere")
    elsewhere["metadata"]["namespace"] = "other"
    assert error_of(http.post(base, json={"template": elsewhere})) == (
        400,
        {
            "code": 3,
            "message": "the namespace of the provided object does not match the namespace "
            "sent on the request",
        },
    )
    lint = checked(http.post(f"{base}/lint", json={"template": template("other")}))
    assert lint["metadata"] == {"name": "other", "namespace": NS}
    bad = template("bad")
    bad["spec"]["entrypoint"] = "nope"
    status, body = error_of(http.post(f"{base}/lint", json={"template": bad}))
    assert (status, body["code"]) == (400, 3)
    assert checked(http.delete(f"{base}/tmpl")) == {}
    assert error_of(http.get(f"{base}/tmpl")) == (
        404,
        {"code": 5, "message": 'workflowtemplates.argoproj.io "tmpl" not found'},
    )
    assert error_of(http.delete(f"{base}/tmpl"))[0] == 404


def test_cluster_templates_and_submit_from_every_kind_spelling(
    client: Client, http: httpx.Client
) -> None:
    checked(http.post(f"/api/v1/workflow-templates/{NS}", json={"template": template("wt")}))
    ctmpl = template("cwt", "ClusterWorkflowTemplate")
    created = checked(http.post("/api/v1/cluster-workflow-templates", json={"template": ctmpl}))
    assert "namespace" not in created["metadata"]
    assert [
        t["metadata"]["name"]
        for t in checked(http.get("/api/v1/cluster-workflow-templates"))["items"]
    ] == ["cwt"]
    assert checked(http.get("/api/v1/cluster-workflow-templates/cwt"))["metadata"]["name"] == "cwt"
    checked(http.post("/api/v1/cluster-workflow-templates/lint", json={"template": ctmpl}))

    for kind in ("WorkflowTemplate", "workflowtemplate", "workflowtemplates", "wftmpl"):
        body = {"namespace": NS, "resourceKind": kind, "resourceName": "wt"}
        wf = checked(http.post(f"/api/v1/workflows/{NS}/submit", json=body))
        assert wf["metadata"]["generateName"] == "wt-"
        assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-template"] == "wt"
        assert wf["spec"]["workflowTemplateRef"] == {"name": "wt"}
    for kind in (
        "ClusterWorkflowTemplate",
        "clusterworkflowtemplate",
        "clusterworkflowtemplates",
        "cwftmpl",
    ):
        body = {"namespace": NS, "resourceKind": kind, "resourceName": "cwt"}
        wf = checked(http.post(f"/api/v1/workflows/{NS}/submit", json=body))
        assert wf["spec"]["workflowTemplateRef"] == {"name": "cwt", "clusterScope": True}
        assert wf["metadata"]["labels"]["workflows.argoproj.io/cluster-workflow-template"] == "cwt"

    run = client.submit(
        "wftmpl",
        "wt",
        parameters={"a": "1"},
        labels={"x": "y"},
        workflow_name="named",
        entrypoint="main",
    )
    assert run["metadata"]["name"] == "named"
    assert run["metadata"]["labels"]["x"] == "y"
    assert run["spec"]["arguments"] == {"parameters": [{"name": "a", "value": "1"}]}
    assert run["spec"]["entrypoint"] == "main"
    final = wait_finished(client, "named")
    assert final["status"]["phase"] == "Succeeded"
    assert [line.content for line in client.logs("named")] == ["from-template"]

    response = http.post(
        f"/api/v1/workflows/{NS}/submit",
        json={"namespace": NS, "resourceKind": "Pod", "resourceName": "wt"},
    )
    assert error_of(response) == (
        400,
        {"code": 3, "message": "Resource kind 'Pod' is not supported for submitting"},
    )
    response = http.post(
        f"/api/v1/workflows/{NS}/submit",
        json={"namespace": NS, "resourceKind": "wftmpl", "resourceName": "missing"},
    )
    assert error_of(response) == (
        404,
        {"code": 5, "message": 'workflowtemplates.argoproj.io "missing" not found'},
    )
    dry = client.submit("cwftmpl", "cwt", server_dry_run=True)
    assert dry["metadata"]["name"].startswith("cwt-")
    with pytest.raises(NotFound):
        client.get(dry["metadata"]["name"])
    assert checked(http.delete("/api/v1/cluster-workflow-templates/cwt")) == {}


def cron(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": name},
        "spec": {
            "schedules": ["0 0 1 1 *"],
            "workflowSpec": {
                "entrypoint": "main",
                "templates": [{"name": "main", "container": {"image": "busybox", "args": ["c"]}}],
            },
        },
    }


def test_cron_workflow_crud_suspend_resume(http: httpx.Client) -> None:
    base = f"/api/v1/cron-workflows/{NS}"
    created = checked(http.post(base, json={"cronWorkflow": cron("nightly")}))
    assert created["metadata"]["namespace"] == NS
    assert [c["metadata"]["name"] for c in checked(http.get(base))["items"]] == ["nightly"]
    suspended = checked(http.put(f"{base}/nightly/suspend", json={}))
    assert suspended["spec"]["suspend"] is True
    resumed = checked(http.put(f"{base}/nightly/resume", json={}))
    assert resumed["spec"]["suspend"] is False
    update = cron("nightly")
    update["metadata"]["resourceVersion"] = resumed["metadata"]["resourceVersion"]
    update["spec"]["schedules"] = ["0 1 * * *"]
    assert checked(http.put(f"{base}/nightly", json={"cronWorkflow": update}))["spec"][
        "schedules"
    ] == ["0 1 * * *"]
    assert (
        checked(http.post(f"{base}/lint", json={"cronWorkflow": cron("x")}))["metadata"]["name"]
        == "x"
    )
    assert error_of(http.post(base, json={})) == (
        404,
        {"code": 5, "message": "cron workflow was not found in the request body"},
    )
    missing = cron("missing")
    missing["metadata"]["resourceVersion"] = "1"
    assert error_of(http.put(f"{base}/missing", json={"cronWorkflow": missing})) == (
        404,
        {"code": 5, "message": 'cronworkflows.argoproj.io "missing" not found'},
    )
    assert checked(http.delete(f"{base}/nightly")) == {}
    assert error_of(http.put(f"{base}/nightly/suspend", json={})) == (
        404,
        {"code": 5, "message": 'cronworkflows.argoproj.io "nightly" not found'},
    )


# --- artifacts ------------------------------------------------------------------------------


def test_artifact_download(
    server: LocalServer, client: Client, http: httpx.Client, tmp_path: Path
) -> None:
    from tiphys.local.artifacts import ArtifactStore

    client.create(workflow("a", name="arty"))
    final = wait_finished(client, "arty")
    key = "arty/arty/result.txt"
    source = tmp_path / "result.txt"
    source.write_bytes(b"payload")
    ArtifactStore(server.state_dir / "artifacts").save(key, source, archive={"none": {}})
    final["status"]["nodes"]["arty"]["outputs"] = {
        "artifacts": [{"name": "result", "path": "/tmp/r.txt", "s3": {"key": key}}]
    }
    server._core._store_workflow(final)
    assert client.read_artifact("arty", "arty", "result") == b"payload"
    dest = tmp_path / "out.txt"
    assert client.download_artifact("arty", "arty", "result", dest) == 7
    assert dest.read_bytes() == b"payload"
    response = http.get(f"/artifact-files/{NS}/workflows/arty/arty/outputs/nope")
    assert error_of(response) == (404, {"code": 5, "message": "artifact not found: nope"})
    response = http.get(f"/artifact-files/{NS}/workflows/arty/no-node/outputs/result")
    assert error_of(response) == (
        404,
        {"code": 5, "message": "node 'no-node' not found in workflow 'arty'"},
    )


def test_submit_from_a_cron_workflow(client: Client, http: httpx.Client) -> None:
    checked(http.post(f"/api/v1/cron-workflows/{NS}", json={"cronWorkflow": cron("nightly")}))
    for kind in ("CronWorkflow", "cronworkflow", "cronworkflows", "cronwf"):
        body = {"namespace": NS, "resourceKind": kind, "resourceName": "nightly"}
        wf = checked(
            http.post(
                f"/api/v1/workflows/{NS}/submit",
                json={**body, "submitOptions": {"serverDryRun": True}},
            )
        )
        meta = wf["metadata"]
        assert meta["name"].startswith("nightly-")
        assert meta["labels"] == {"workflows.argoproj.io/cron-workflow": "nightly"}
        assert meta["ownerReferences"][0]["kind"] == "CronWorkflow"
        assert wf["spec"]["entrypoint"] == "main"
    run = client.submit("cronwf", "nightly")
    assert wait_finished(client, run["metadata"]["name"])["status"]["phase"] == "Succeeded"


def test_persisted_state_marks_interrupted_workflows(tmp_path: Path) -> None:
    state_dir = tmp_path / "st"
    first = LocalServer(state_dir=state_dir, port=0, engine=ENGINE)
    first.start()
    try:
        with Client(
            server=first.url.removeprefix("http://"),
            secure=False,
            token=first.token,
            namespace=NS,
            env={},
            kubeconfig=Path("/nonexistent"),
        ) as c:
            c.create(workflow("x", name="cut", command=["sleep"]))
            c.create(workflow("x", name="done"))
            wait_finished(c, "done")
            assert c.get("cut")["status"]["phase"] == "Running"
    finally:
        first.shutdown()
    assert (state_dir / "state.sqlite").is_file()
    second = LocalServer(state_dir=state_dir, port=0, engine=ENGINE)
    second.start()
    try:
        assert second.token == first.token
        with Client(
            server=second.url.removeprefix("http://"),
            secure=False,
            token=second.token,
            namespace=NS,
            env={},
            kubeconfig=Path("/nonexistent"),
        ) as c:
            cut = c.get("cut")
            assert (cut["status"]["phase"], cut["status"]["message"]) == (
                "Error",
                "the local server stopped while this workflow was running",
            )
            assert c.get("done")["status"]["phase"] == "Succeeded"
            assert [e.type for e in c.watch("cut", timeout=5)] == ["ADDED"]
        headers = {"Authorization": f"Bearer {second.token}"}
        query = {"listOptions.resourceVersion": "1", "listOptions.timeoutSeconds": "1"}
        with httpx.stream(
            "GET", f"{second.url}/api/v1/workflow-events/{NS}", params=query, headers=headers
        ) as response:
            lines = [json.loads(line) for line in response.iter_lines() if line]
        assert len(lines) == 1
        message = lines[0]["error"]["message"]
        assert message.startswith("too old resource version: 1 (")
    finally:
        second.shutdown()


# --- selectors ------------------------------------------------------------------------------


def test_selector_helpers() -> None:
    obj = {"metadata": {"name": "a", "namespace": "n", "labels": {"x": "1", "y": "2"}}}
    assert label_selector("x=1,y==2")(obj)
    assert label_selector("x in (1, 3),y notin (3)")(obj)
    assert not label_selector("x!=1")(obj)
    assert label_selector("x,!z")(obj)
    assert label_selector("")(obj)
    with pytest.raises(SelectorError, match=r"unable to parse requirement: 'x in \('"):
        label_selector("x in (")
    assert field_selector("metadata.namespace=n,metadata.name!=b")(obj)
    node = {
        "id": "wf-1",
        "name": "wf[0].approve",
        "displayName": "approve",
        "phase": "Running",
        "templateRef": {"name": "lib", "template": "gate"},
        "inputs": {"parameters": [{"name": "who", "value": "me"}]},
    }
    assert node_selector("displayName=approve,templateName=gate")(node)
    assert node_selector("templateRef.name=lib,inputs.parameters.who.value=me")(node)
    assert not node_selector("phase!=Running")(node)
    with pytest.raises(SelectorError):
        node_selector("displayName")
    assert clean_fields({"a": {"b": 1, "c": 2}, "d": [{"e": 1, "f": 2}]}, "a.b,d.f") == {
        "a": {"b": 1},
        "d": [{"f": 2}],
    }
    assert clean_fields({"a": {"b": 1, "c": 2}, "d": 3}, "-a.c,d") == {"a": {"b": 1}}


def test_shutdown_cancels_running_workflows(tmp_path: Path) -> None:
    srv = LocalServer(
        state_dir=tmp_path / "st",
        port=0,
        persist=False,
        engine=ENGINE,
    )
    srv.start()
    with Client(
        server=srv.url.removeprefix("http://"),
        secure=False,
        token=srv.token,
        namespace=NS,
        env={},
        kubeconfig=Path("/nonexistent"),
    ) as c:
        c.create(workflow("x", name="forever", command=["sleep"]))
    started = time.monotonic()
    srv.shutdown()
    assert time.monotonic() - started < 6
    with pytest.raises(httpx.ConnectError):
        httpx.get(srv.url + "/api/v1/version", timeout=2)


def test_list_and_watch_every_namespace(client: Client, http: httpx.Client) -> None:
    client.create(workflow("a", name="here"))
    client.create(workflow("a", name="there"), namespace="other")
    wait_finished(client, "here")
    wait_finished(client, "there", "other")
    body = http.get("/api/v1/workflows/").json()
    assert response_problems("GET", f"/api/v1/workflows/{NS}", 200, body) == []
    assert sorted((w["metadata"]["namespace"], w["metadata"]["name"]) for w in body["items"]) == [
        ("argo", "here"),
        ("other", "there"),
    ]
    assert [w["metadata"]["name"] for w in client.list(namespace="other")] == ["there"]
    query = {"listOptions.timeoutSeconds": "1"}
    with http.stream("GET", "/api/v1/workflow-events/", params=query) as response:
        messages = [json.loads(line) for line in response.iter_lines() if line]
    assert sorted(m["result"]["object"]["metadata"]["name"] for m in messages[:-1]) == [
        "here",
        "there",
    ]
    assert http.post("/api/v1/workflows/", json={}).status_code == 404


def test_serve_forever_returns_after_shutdown(tmp_path: Path) -> None:
    srv = LocalServer(state_dir=tmp_path / "st", port=0, persist=False, engine=ENGINE)
    thread = threading.Thread(target=srv.serve_forever)
    thread.start()
    deadline = time.monotonic() + 5
    while not srv.url and time.monotonic() < deadline:
        time.sleep(0.02)
    headers = {"Authorization": f"Bearer {srv.token}"}
    assert httpx.get(srv.url + "/api/v1/version", headers=headers, timeout=5).status_code == 200
    srv.shutdown()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_binds_ipv6_loopback_when_asked(tmp_path: Path) -> None:
    try:
        srv = LocalServer(
            state_dir=tmp_path / "st", port=0, host="::1", persist=False, engine=ENGINE
        )
        srv.start()
    except OSError as exc:  # no IPv6 on this machine
        pytest.skip(f"no IPv6 loopback: {exc}")
    try:
        assert srv.url.startswith("http://[::1]:")
        headers = {"Authorization": f"Bearer {srv.token}"}
        response = httpx.get(srv.url + "/api/v1/version", headers=headers, timeout=5)
        assert response.status_code == 200
    finally:
        srv.shutdown()


def test_watch_resumes_after_a_resource_version(client: Client, http: httpx.Client) -> None:
    created = client.create(workflow("a", "b", name="resumed"))
    wait_finished(client, "resumed")
    since = created["metadata"]["resourceVersion"]
    query = {
        "listOptions.fieldSelector": "metadata.name=resumed",
        "listOptions.resourceVersion": since,
        "listOptions.timeoutSeconds": "1",
    }
    with http.stream("GET", f"/api/v1/workflow-events/{NS}", params=query) as response:
        messages = [json.loads(line) for line in response.iter_lines() if line]
    events = [m["result"] for m in messages[:-1]]
    assert {e["type"] for e in events} == {"MODIFIED"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > int(since)
    assert events[-1]["object"]["status"]["phase"] == "Succeeded"
    assert messages[-1]["error"]["message"] == "EOF"


def test_log_follow_sends_keepalives(client: Client, http: httpx.Client) -> None:
    client.create(workflow("line", name="quiet", command=["sleep"]))
    query = {"logOptions.follow": "true"}
    headers = {"Accept": "text/event-stream"}
    seen: list[str] = []
    with http.stream(
        "GET", f"/api/v1/workflows/{NS}/quiet/log", params=query, headers=headers
    ) as response:
        for line in response.iter_lines():
            if line:
                seen.append(line)
            if line == ":":
                client.terminate("quiet")
                break
    assert seen[0].rstrip() == 'data: {"result":{"content":"line","podName":"quiet"}}'
    assert seen[-1] == ":"


def test_stream_framing() -> None:
    sse_out, nd_out = io.BytesIO(), io.BytesIO()
    for out, sse in ((sse_out, True), (nd_out, False)):
        writer = StreamWriter(out, sse=sse)
        writer.send({"result": {"a": 1}})
        writer.keepalive()
        writer.send(error_chunk("EOF"))
        writer.end()
    eof = (
        b'{"error":{"grpc_code":8,"http_code":429,"message":"EOF",'
        b'"http_status":"Too Many Requests"}}'
    )
    sse_body = [b'data: {"result":{"a":1}} \n\n', b":\n", b"data: " + eof + b" \n\n"]
    nd_body = [b'{"result":{"a":1}}\n', eof + b"\n"]

    def chunked(pieces: list[bytes]) -> bytes:
        return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"

    assert sse_out.getvalue() == chunked(sse_body)
    assert nd_out.getvalue() == chunked(nd_body)


def test_delete_a_running_workflow(server: LocalServer, client: Client) -> None:
    created = client.create(workflow("x", name="doomed", command=["sleep"]))
    run_dir = server.state_dir / "runs" / created["metadata"]["uid"]
    for event in client.watch("doomed", timeout=10):
        if event.workflow["status"].get("phase") == "Running":
            break
    client.delete("doomed")
    deadline = time.monotonic() + 5
    while run_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not run_dir.exists()
    assert client.list() == []
    with pytest.raises(NotFound):
        client.get("doomed")


def test_a_second_server_on_a_state_directory_in_use_is_refused(tmp_path: Path) -> None:
    # It would mark the first server's running workflows Error ("the local server stopped")
    # at its start, and both would write state.sqlite and schedule the CronWorkflows.
    from tiphys.local.server import StateDirectoryInUse

    state_dir = tmp_path / "st"
    first = LocalServer(state_dir=state_dir, port=0, engine=ENGINE)
    first.start()
    try:
        second = LocalServer(state_dir=state_dir, port=0, engine=ENGINE)
        with pytest.raises(StateDirectoryInUse) as caught:
            second.start()
        assert (caught.value.pid, second.url) == (os.getpid(), "")
        assert json.loads((state_dir / "server.json").read_text())["url"] == first.url
    finally:
        first.shutdown()
    third = LocalServer(state_dir=state_dir, port=0, engine=ENGINE)
    third.start()  # the directory is free again
    third.shutdown()


@pytest.mark.parametrize("length", ["-5", "abc"])
def test_a_malformed_content_length_is_refused_with_400(tmp_path: Path, length: str) -> None:
    # -5 raised ValueError in the handler (a traceback in server.log, the connection dropped
    # with no answer); "abc" was read as 0, leaving the body to be parsed as the next request.
    import socket

    server = LocalServer(state_dir=tmp_path / "st", port=0, persist=False, engine=ENGINE)
    server.start()
    try:
        request = (
            f"POST /api/v1/workflows/{NS} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n{{}}"
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request.encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.decode().partition("\r\n\r\n")
        assert (head.split("\r\n")[0], json.loads(body)) == (
            "HTTP/1.1 400 Bad Request",
            {"code": 3, "message": f"invalid Content-Length {length!r}"},
        )
    finally:
        server.shutdown()
