"""Client.watch against ArgoFake: keepalives, error chunks, EOF, cuts, too old, DELETED, timeout."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from argo_contract import Sleeps, conforms, err, fake_config, ok
from argo_fake import KEEPALIVE, ArgoFake, Cut, Pause, Reply, error_chunk, result, sse_reply
from swagger_oracle import response_problems
from tiphys.client import (
    Client,
    Forbidden,
    NotFound,
    RetryPolicy,
    ServerConfig,
    ServerUnavailable,
    WaitTimeout,
    WorkflowEvent,
)
from tiphys.client.streams import StreamError
from tiphys.client.watch import WatchMachine, watch_workflow
from tiphys.errors import TiphysError

TOKEN = "s3cr3t-token-value"
NS = "argo"
NAME = "hello-x7k2p"
GET_PATH = f"/api/v1/workflows/{NS}/{NAME}"
EVENTS = f"/api/v1/workflow-events/{NS}"


def wf(rv: str, phase: str = "Running", **status: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"phase": phase, **status}
    if phase in ("Succeeded", "Failed", "Error"):
        st.setdefault("finishedAt", "2026-11-29T10:00:09Z")
    return {
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-1", "resourceVersion": rv},
        "spec": {"entrypoint": "main"},
        "status": st,
    }


def ev(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return result({"type": kind, "object": obj})


def stream(*items: Mapping[str, Any] | bytes | Pause | Cut) -> Reply:
    """An SSE reply whose messages are first checked against the watch's response schema."""
    for item in items:
        if isinstance(item, Mapping):
            assert response_problems("GET", EVENTS, 200, item) == [], item
    return sse_reply(items)


def get_ok(obj: dict[str, Any]) -> Reply:
    return ok("GET", GET_PATH, obj)


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(argo: ArgoFake, sleeps: Sleeps) -> Iterator[Client]:
    config = fake_config(argo, token=TOKEN, namespace=NS)
    with Client(config, retry=RetryPolicy(), sleep=sleeps, random=lambda: 0.5) as c:
        yield c


def summary(events: list[WorkflowEvent]) -> list[tuple[str, str, str]]:
    return [(e.type, e.workflow["metadata"]["resourceVersion"], e.phase) for e in events]


def watch_rvs(argo: ArgoFake) -> list[str]:
    return [r.query["listOptions.resourceVersion"][0] for r in argo.requests_to("GET", EVENTS)]


def test_keepalives_are_ignored_repeats_dropped_and_the_watch_ends_when_finished(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(
            KEEPALIVE,
            ev("ADDED", wf("1")),
            ev("MODIFIED", wf("2")),
            KEEPALIVE,
            ev("MODIFIED", wf("3", "Succeeded")),
            ev("MODIFIED", wf("4", "Succeeded")),
        ),
    )
    events = list(client.watch(NAME))
    assert summary(events) == [
        ("ADDED", "1", "Running"),
        ("MODIFIED", "2", "Running"),
        ("MODIFIED", "3", "Succeeded"),
    ]
    assert [e.finished for e in events] == [False, False, True]
    (watch,) = argo.requests_to("GET", EVENTS)
    assert watch.query == {
        "listOptions.fieldSelector": [f"metadata.name={NAME}"],
        "listOptions.resourceVersion": ["1"],
    }
    assert watch.headers["accept"] == "text/event-stream"
    assert watch.headers["authorization"] == f"Bearer {TOKEN}"
    assert sleeps.delays == []
    conforms(argo.requests)


def test_an_error_chunk_mid_stream_reconnects_from_the_last_resource_version(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(ev("MODIFIED", wf("2")), error_chunk(), ev("MODIFIED", wf("9"))),
        stream(ev("ADDED", wf("2")), ev("MODIFIED", wf("3", "Failed"))),
    )
    assert summary(list(client.watch(NAME))) == [
        ("ADDED", "1", "Running"),
        ("MODIFIED", "2", "Running"),
        ("MODIFIED", "3", "Failed"),
    ]
    assert watch_rvs(argo) == ["1", "2"]
    assert sleeps.delays == [0.25]
    conforms(argo.requests)


def test_eof_and_a_cut_connection_reconnect_without_losing_or_repeating_events(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(ev("MODIFIED", wf("2"))),
        stream(ev("MODIFIED", wf("2")), ev("MODIFIED", wf("3")), Cut()),
        stream(ev("MODIFIED", wf("3")), ev("MODIFIED", wf("4", "Error"))),
    )
    assert summary(list(client.watch(NAME))) == [
        ("ADDED", "1", "Running"),
        ("MODIFIED", "2", "Running"),
        ("MODIFIED", "3", "Running"),
        ("MODIFIED", "4", "Error"),
    ]
    assert watch_rvs(argo) == ["1", "2", "3"]
    assert sleeps.delays == [0.25, 0.25]
    conforms(argo.requests)


def test_too_old_resource_version_restarts_from_a_fresh_get_and_rv_zero(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")), get_ok(wf("7")))
    argo.add(
        "GET",
        EVENTS,
        stream(error_chunk("too old resource version: 1 (5)", grpc_code=11, http_code=410)),
        stream(ev("ADDED", wf("7")), ev("MODIFIED", wf("8", "Succeeded"))),
    )
    assert summary(list(client.watch(NAME))) == [
        ("ADDED", "1", "Running"),
        ("ADDED", "7", "Running"),
        ("MODIFIED", "8", "Succeeded"),
    ]
    assert [(r.path, r.query.get("listOptions.resourceVersion")) for r in argo.requests] == [
        (GET_PATH, None),
        (EVENTS, ["1"]),
        (GET_PATH, None),
        (EVENTS, ["0"]),
    ]
    conforms(argo.requests)


def pack(nodes: dict[str, Any]) -> str:
    return base64.b64encode(gzip.compress(json.dumps(nodes).encode())).decode()


def test_compressed_nodes_are_decoded_in_get_and_stream_events(
    argo: ArgoFake, client: Client
) -> None:
    nodes = {NAME: {"id": NAME, "name": NAME, "type": "Steps", "phase": "Succeeded"}}
    argo.add("GET", GET_PATH, get_ok(wf("1", compressedNodes=pack(nodes))))
    argo.add(
        "GET", EVENTS, stream(ev("MODIFIED", wf("2", "Succeeded", compressedNodes=pack(nodes))))
    )
    events = list(client.watch(NAME))
    assert [e.workflow["status"] for e in events] == [
        {"phase": "Running", "nodes": nodes},
        {"phase": "Succeeded", "finishedAt": "2026-11-29T10:00:09Z", "nodes": nodes},
    ]


def test_deleted_ends_the_watch_with_the_last_phase_seen(argo: ArgoFake, client: Client) -> None:
    gone = wf("3")
    del gone["status"]
    argo.add("GET", GET_PATH, get_ok(wf("1", "Pending")))
    argo.add(
        "GET",
        EVENTS,
        stream(ev("MODIFIED", wf("2")), ev("DELETED", gone), ev("ADDED", wf("9"))),
    )
    events = list(client.watch(NAME))
    assert summary(events) == [
        ("ADDED", "1", "Pending"),
        ("MODIFIED", "2", "Running"),
        ("DELETED", "3", "Running"),
    ]
    assert events[-1].finished is False


def test_a_workflow_finished_at_the_first_get_is_not_watched(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("5", "Succeeded")))
    assert summary(list(client.watch(NAME))) == [("ADDED", "5", "Succeeded")]
    assert [r.path for r in argo.requests] == [GET_PATH]


def test_a_stream_that_stalls_past_the_timeout_raises_wait_timeout(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, stream(ev("MODIFIED", wf("2")), KEEPALIVE, Pause(8)))
    seen: list[str] = []
    start = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        for event in client.watch(NAME, timeout=0.6):
            seen.append(event.workflow["metadata"]["resourceVersion"])
    assert time.monotonic() - start < 4
    assert seen == ["1", "2"]
    assert info.value.timeout == 0.6
    assert str(info.value) == (
        f"workflow {NAME} did not finish within 0.6 s; it was last seen Running. It keeps "
        "running on the server: wait longer (a larger --timeout), look at it with "
        f"`tiphys get {NAME}`, or end it with `tiphys stop {NAME}`."
    )


def test_keepalives_do_not_extend_the_timeout(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, stream(*[item for _ in range(40) for item in (KEEPALIVE, Pause(0.1))]))
    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        list(client.watch(NAME, timeout=0.5))
    assert time.monotonic() - start < 3


def test_the_watch_gives_up_after_five_ends_without_progress(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, stream(ev("ADDED", wf("1")), error_chunk()))
    with pytest.raises(ServerUnavailable) as info:
        list(client.watch(NAME))
    assert str(info.value) == (
        f"the watch of workflow {NAME} ended 5 times in a row with nothing new (the server's "
        "last error: EOF); check the Argo Server and any proxy in front of it (idle timeouts "
        "cut streams), then run the command again."
    )
    assert (info.value.retryable, info.value.path) == (False, EVENTS)
    assert len(argo.requests_to("GET", EVENTS)) == 5
    assert sleeps.delays == [0.25, 0.5, 1.0, 2.0]


def test_long_lived_streams_ending_in_eof_never_make_the_watch_give_up(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    # The Kubernetes watch behind the stream closes every 30-60 min (EOF): a suspended
    # workflow can go hours without a change, and `argo wait` just reconnects. Only streams
    # that end quickly count towards giving up.
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    idle = stream(KEEPALIVE, error_chunk())
    argo.add("GET", EVENTS, *([idle] * 7), stream(ev("MODIFIED", wf("2", "Succeeded"))))
    ticks = iter(range(0, 100_000, 600))  # each clock read is 10 minutes later

    def clock() -> float:
        return float(next(ticks))

    events = list(watch_workflow(client, NAME, clock=clock))
    assert summary(events) == [("ADDED", "1", "Running"), ("MODIFIED", "2", "Succeeded")]
    assert watch_rvs(argo) == ["1"] * 8
    assert sleeps.delays == [0.25] * 7
    conforms(argo.requests)


def test_pre_stream_errors_are_typed(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, err("GET", EVENTS, 403, "permission denied"))
    with pytest.raises(Forbidden):
        list(client.watch(NAME))
    with pytest.raises(NotFound):
        list(client.watch("nope"))
    conforms(argo.requests)


def test_the_token_is_not_in_watch_errors(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, stream(error_chunk()))
    with pytest.raises(TiphysError) as info:
        list(client.watch(NAME))
    assert TOKEN not in repr(info.value) and TOKEN not in str(info.value)


def test_the_machine_alone_repeats_and_gives_up_on_eofs() -> None:
    machine = WatchMachine(NAME, max_failures=2)
    assert machine.on_get(wf("1")) == WorkflowEvent("ADDED", wf("1"))
    assert machine.query() == {
        "listOptions.fieldSelector": f"metadata.name={NAME}",
        "listOptions.resourceVersion": "1",
    }
    assert machine.on_result({"type": "ADDED", "object": wf("1")}) is None
    assert machine.on_result({"type": "MODIFIED", "object": {"metadata": {"name": "x"}}}) is None
    machine.on_end(None)
    with pytest.raises(ServerUnavailable) as info:
        machine.on_end(None)
    assert str(info.value) == (
        f"the watch of workflow {NAME} ended 2 times in a row with nothing new (each time the "
        "server closed it); check the Argo Server and any proxy in front of it (idle timeouts "
        "cut streams), then run the command again."
    )


def test_a_too_old_error_asks_for_a_get_and_rv_zero() -> None:
    machine = WatchMachine(NAME)
    machine.on_get(wf("1"))
    machine.on_end(StreamError("too old resource version: 1 (5)"))
    assert machine.needs_get is True
    assert machine.on_get(wf("6")) == WorkflowEvent("ADDED", wf("6"))
    assert machine.query()["listOptions.resourceVersion"] == "0"
    with pytest.raises(Forbidden):
        machine.on_end(Forbidden("no", method="GET", path=EVENTS))


def test_a_slow_read_uses_the_read_timeout_and_reconnects(argo: ArgoFake, sleeps: Sleeps) -> None:
    config = ServerConfig(
        server=argo.url.removeprefix("http://"),
        secure=False,
        namespace=NS,
        connect_timeout=2,
        read_timeout=0.3,
    )
    argo.add("GET", GET_PATH, get_ok(wf("1")))
    argo.add("GET", EVENTS, stream(Pause(3)), stream(ev("MODIFIED", wf("2", "Succeeded"))))
    with Client(config, sleep=sleeps, random=lambda: 0.5) as c:
        assert summary(list(c.watch(NAME, timeout=10))) == [
            ("ADDED", "1", "Running"),
            ("MODIFIED", "2", "Succeeded"),
        ]
    assert sleeps.delays == [0.25]


def test_watching_latest_follows_the_workflow_the_server_names(
    argo: ArgoFake, client: Client
) -> None:
    # The server resolves @latest on GET (and in the watch's field selector); the events carry
    # the real name, so the watch must follow metadata.name of the GET, not "@latest".
    argo.add("GET", f"/api/v1/workflows/{NS}/%40latest", get_ok(wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(ev("MODIFIED", wf("2")), ev("MODIFIED", wf("3", "Succeeded"))),
    )
    assert summary(list(client.watch("@latest"))) == [
        ("ADDED", "1", "Running"),
        ("MODIFIED", "2", "Running"),
        ("MODIFIED", "3", "Succeeded"),
    ]
    (watch,) = argo.requests_to("GET", EVENTS)
    assert watch.query == {
        "listOptions.fieldSelector": [f"metadata.name={NAME}"],
        "listOptions.resourceVersion": ["1"],
    }
    conforms(argo.requests)


def test_event_repr_is_one_short_line_without_the_nodes() -> None:
    # A notebook prints events (list(client.watch(...))): a 5,000-node workflow must not print
    # a megabyte of status.
    nodes = {f"n{i}": {"id": f"n{i}", "phase": "Running"} for i in range(5000)}
    wf = {
        "metadata": {"name": "big", "namespace": "argo"},
        "status": {"phase": "Running", "nodes": nodes},
    }
    assert repr(WorkflowEvent("MODIFIED", wf)) == (
        "WorkflowEvent(type='MODIFIED', workflow=argo/big, phase='Running')"
    )
    assert repr(WorkflowEvent("ADDED", {"metadata": {"name": "new"}})) == (
        "WorkflowEvent(type='ADDED', workflow=new, phase='')"
    )
