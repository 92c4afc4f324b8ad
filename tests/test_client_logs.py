"""Client.logs against ArgoFake: timestamps, reconnect with sinceTime, dedupe, archived logs."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from argo_contract import Sleeps, conforms, err, fake_config, ok
from argo_fake import KEEPALIVE, ArgoFake, Cut, Pause, Reply, error_chunk, result, sse_reply
from swagger_oracle import response_problems
from tiphys.client import (
    Client,
    Forbidden,
    LogLine,
    NotFound,
    RetryPolicy,
    ServerUnavailable,
)
from tiphys.client.logs import parse_time, pod_name, stream_logs
from tiphys.client.streams import StreamError

TOKEN = "s3cr3t-token-value"
NS = "argo"
NAME = "hello-x7k2p"
GET_PATH = f"/api/v1/workflows/{NS}/{NAME}"
LOG = f"{GET_PATH}/log"
POD = f"{NAME}-main-1234"
T0 = "2026-11-29T10:00:00.123456789Z"
T1 = "2026-11-29T10:00:01.5Z"
T2 = "2026-11-29T10:00:02Z"


def line(content: str | None, pod: str = POD) -> dict[str, Any]:
    entry: dict[str, Any] = {"podName": pod}
    if content is not None:
        entry["content"] = content
    return result(entry)


def stream(*items: Mapping[str, Any] | bytes | Pause | Cut) -> Reply:
    """An SSE reply whose messages are first checked against the log's response schema."""
    for item in items:
        if isinstance(item, Mapping):
            assert response_problems("GET", LOG, 200, item) == [], item
    return sse_reply(items)


def wf(phase: str, nodes: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if phase in ("Succeeded", "Failed", "Error"):
        status["finishedAt"] = "2026-11-29T10:00:09Z"
    if nodes is not None:
        status["nodes"] = nodes
    return {
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-1", "resourceVersion": "5"},
        "spec": {"entrypoint": "main"},
        "status": status,
    }


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


def at(stamp: str) -> datetime | None:
    return parse_time(stamp)


def test_lines_carry_pod_content_and_time_and_the_query_asks_for_timestamps(
    argo: ArgoFake, client: Client
) -> None:
    argo.add(
        "GET",
        LOG,
        stream(KEEPALIVE, line(f"{T0} hello"), line(None), line(f"{T1} "), line("no stamp")),
    )
    logs = client.logs(NAME, grep="h*", tail_lines=10, since_seconds=60, selector="a=b")
    assert list(logs) == [
        LogLine(POD, "hello", datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=UTC)),
        LogLine(POD, "", None),
        LogLine(POD, "", datetime(2026, 11, 29, 10, 0, 1, 500000, tzinfo=UTC)),
        LogLine(POD, "no stamp", None),
    ]
    assert logs.notice is None
    (request,) = argo.requests
    assert request.query == {
        "logOptions.container": ["main"],
        "logOptions.timestamps": ["true"],
        "logOptions.sinceSeconds": ["60"],
        "logOptions.tailLines": ["10"],
        "grep": ["h*"],
        "selector": ["a=b"],
    }
    assert request.headers["accept"] == "text/event-stream"
    conforms(argo.requests)


def test_grep_matches_the_line_without_its_timestamp(argo: ArgoFake, client: Client) -> None:
    # The server applies grep to the content it sends, which starts with the timestamp when
    # logOptions.timestamps=true (util/logs WorkflowLogs: "content = line"). So "10:00" matches
    # every line there, and "^ERROR" none: the client filters the lines itself, and sends
    # grep to the server only when the pattern cannot be anchored at the line's start.
    argo.add(
        "GET",
        LOG,
        stream(line(f"{T0} ERROR a"), line(f"{T1} at 10:00 ok"), line(f"{T2} b")),
        stream(line(f"{T0} ERROR a"), line(f"{T1} at 10:00 ok"), line(f"{T2} b")),
    )
    assert [x.content for x in client.logs(NAME, grep="10:00")] == ["at 10:00 ok"]
    assert [x.content for x in client.logs(NAME, grep="^ERROR")] == ["ERROR a"]
    first, second = argo.requests
    assert first.query["grep"] == ["10:00"]
    assert "grep" not in second.query
    conforms(argo.requests)


def test_since_time_and_pod_name_are_sent(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, stream(line(f"{T0} x")))
    since = datetime(2026, 11, 29, 10, 0, 0, 900000)
    assert [x.content for x in client.logs(NAME, pod_name=POD, since_time=since)] == ["x"]
    assert argo.requests[0].query["logOptions.sinceTime.seconds"] == [
        str(int(datetime(2026, 11, 29, 10, 0, tzinfo=UTC).timestamp()))
    ]
    assert argo.requests[0].query["podName"] == [POD]
    conforms(argo.requests)


def test_follow_reconnects_while_running_from_since_time_without_repeating_lines(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add(
        "GET",
        LOG,
        stream(line(f"{T0} one"), line(f"{T1} two"), Cut()),
        stream(line(f"{T0} one"), line(f"{T1} two"), line(f"{T2} three"), error_chunk()),
        stream(line(f"{T2} three"), line(f"{T2} four")),
    )
    argo.add(
        "GET",
        GET_PATH,
        ok("GET", GET_PATH, wf("Running")),
        ok("GET", GET_PATH, wf("Running")),
        ok("GET", GET_PATH, wf("Succeeded")),
    )
    logs = client.logs(NAME, follow=True, tail_lines=5)
    assert [x.content for x in logs] == ["one", "two", "three", "four"]
    queries = [r.query for r in argo.requests_to("GET", LOG)]
    first = int(datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC).timestamp())
    assert queries == [
        {
            "logOptions.container": ["main"],
            "logOptions.follow": ["true"],
            "logOptions.timestamps": ["true"],
            "logOptions.tailLines": ["5"],
        },
        {
            "logOptions.container": ["main"],
            "logOptions.follow": ["true"],
            "logOptions.timestamps": ["true"],
            "logOptions.sinceTime.seconds": [str(first)],
        },
        {
            "logOptions.container": ["main"],
            "logOptions.follow": ["true"],
            "logOptions.timestamps": ["true"],
            "logOptions.sinceTime.seconds": [str(first + 1)],
        },
    ]
    assert sleeps.delays == [0.25, 0.25]
    assert logs.notice is None
    conforms(argo.requests)


def test_follow_stops_when_the_stream_ends_and_the_workflow_is_finished(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", LOG, stream(line(f"{T0} done")))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Failed")))
    assert [x.content for x in client.logs(NAME, follow=True)] == ["done"]
    assert [r.path for r in argo.requests] == [LOG, GET_PATH]


def test_an_error_chunk_without_follow_is_raised(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, stream(line(f"{T0} a"), error_chunk("pods not found", 5, 404)))
    seen: list[str] = []
    with pytest.raises(StreamError) as info:
        seen.extend(x.content for x in client.logs(NAME))
    assert seen == ["a"]
    assert str(info.value) == (
        "the Argo Server ended the stream: pods not found (gRPC code 5, HTTP 404). "
        "Reconnect to go on."
    )


def test_a_missing_workflow_is_not_found(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, err("GET", LOG, 404, 'workflows.argoproj.io "hello-x7k2p" not found'))
    with pytest.raises(NotFound):
        list(client.logs(NAME))


NODES = {
    NAME: {"id": NAME, "name": NAME, "displayName": NAME, "type": "Steps", "phase": "Succeeded"},
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
    f"{NAME}-2": {
        "id": f"{NAME}-2",
        "name": f"{NAME}[1].b",
        "displayName": "b",
        "templateName": "echo",
        "type": "Pod",
        "phase": "Succeeded",
        "startedAt": "2026-11-29T10:00:02Z",
    },
}


def artifact(node: str) -> str:
    return f"/artifact-files/{NS}/workflows/{NAME}/{node}/outputs/main-logs"


def test_pod_name_follows_the_controller_format() -> None:
    # FNV-1a 32 of "a" is 0xe40c292c (the reference test vector).
    workflow = {"metadata": {"name": "wf"}}
    assert pod_name(workflow, {"id": "wf-1", "name": "a", "templateName": "t"}) == (
        f"wf-t-{0xE40C292C}"
    )
    assert pod_name(workflow, {"id": "wf", "name": "wf", "templateName": "t"}) == "wf"
    v1 = {
        "metadata": {"name": "wf", "annotations": {"workflows.argoproj.io/pod-name-format": "v1"}}
    }
    assert pod_name(v1, {"id": "wf-1", "name": "a", "templateName": "t"}) == "wf-1"


def test_pod_name_uses_the_template_ref_first_and_no_dash_without_a_template() -> None:
    # util.GetTemplateFromNode: templateRef.template wins over templateName; GeneratePodName
    # adds "-<template>" only when the template name is not empty.
    workflow = {"metadata": {"name": "wf"}}
    node = {"id": "wf-1", "name": "a", "templateName": "x", "templateRef": {"template": "t"}}
    assert pod_name(workflow, node) == f"wf-t-{0xE40C292C}"
    assert pod_name(workflow, {"id": "wf-1", "name": "a"}) == f"wf-{0xE40C292C}"
    # A node named ".inline" still gets its template name (there is no special case in Go).
    digest = 0x811C9DC5
    for byte in b"wf.inline":
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    inline = {"id": "wf-1", "name": "wf.inline", "templateName": "t"}
    assert pod_name(workflow, inline) == f"wf-t-{digest}"


def test_pod_name_keeps_a_prefix_of_242_characters() -> None:
    # ensurePodNamePrefixLength: prefix[:maxPrefixLength-1], maxPrefixLength = 253 - 10.
    workflow = {"metadata": {"name": "w" * 250}}
    assert pod_name(workflow, {"id": "x", "name": "a", "templateName": "t"}) == (
        "w" * 242 + f"-{0xE40C292C}"
    )


def test_finished_without_lines_reads_the_archived_main_logs(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", LOG, stream(KEEPALIVE))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Succeeded", NODES)))
    argo.add("GET", artifact(f"{NAME}-1"), Reply(body=b"first\nsecond\n"))
    pod = pod_name(wf("Succeeded"), NODES[f"{NAME}-1"])
    logs = client.logs(NAME)
    assert list(logs) == [LogLine(pod, "first", None), LogLine(pod, "second", None)]
    assert logs.notice is None
    assert [r.path for r in argo.requests] == [LOG, GET_PATH, artifact(f"{NAME}-1")]
    conforms(argo.requests)


def test_a_workflow_only_in_the_archive_reads_its_main_logs_by_uid(
    argo: ArgoFake, client: Client
) -> None:
    # After the workflow is deleted (TTL) but archived: the log API GETs the live workflow
    # only (404), GET falls back to the archive, and the artifact server finds the workflow
    # by name among live ones only (500), so the archived copy is read by uid.
    argo.add("GET", LOG, err("GET", LOG, 404, 'workflows.argoproj.io "hello-x7k2p" not found'))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Succeeded", NODES)))
    by_name = artifact(f"{NAME}-1")
    by_uid = f"/artifact-files/{NS}/archived-workflows/u-1/{NAME}-1/outputs/main-logs"
    argo.add("GET", by_name, Reply(status=500, body=b"Internal Server Error\n"))
    argo.add("GET", by_uid, Reply(body=b"first\n"))
    pod = pod_name(wf("Succeeded"), NODES[f"{NAME}-1"])
    logs = client.logs(NAME)
    assert list(logs) == [LogLine(pod, "first", None)]
    assert logs.notice is None
    assert [r.path for r in argo.requests] == [LOG, GET_PATH, by_name, by_uid]
    conforms(argo.requests)


def test_a_main_logs_artifact_missing_everywhere_reports_the_live_route(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", LOG, stream())
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Succeeded", NODES)))
    by_name = artifact(f"{NAME}-1")
    by_uid = f"/artifact-files/{NS}/archived-workflows/u-1/{NAME}-1/outputs/main-logs"
    argo.add("GET", by_name, Reply(status=500, body=b"Internal Server Error\n"))
    argo.add("GET", by_uid, Reply(status=500, body=b"Internal Server Error\n"))
    with pytest.raises(ServerUnavailable) as info:
        list(client.logs(NAME))
    assert info.value.path == by_name
    assert [r.path for r in argo.requests] == [LOG, GET_PATH, by_name, by_uid]


def test_finished_without_lines_nor_archive_sets_the_notice(argo: ArgoFake, client: Client) -> None:
    nodes = {k: v for k, v in NODES.items() if k != f"{NAME}-1"}
    argo.add("GET", LOG, stream())
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Failed", nodes)))
    logs = client.logs(NAME)
    assert list(logs) == []
    assert logs.notice == (
        f"the pods of workflow {NAME} were deleted (podGC) and it has no archived main-logs "
        "artifact; set archiveLogs: true to keep logs."
    )


def test_running_without_lines_says_to_follow(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, stream())
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Pending")))
    logs = client.logs(NAME)
    assert list(logs) == []
    assert logs.notice == (
        f"workflow {NAME} has no log lines yet (phase Pending); follow the logs to wait for them."
    )


def test_follow_gives_up_after_five_ends_without_a_line(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    argo.add("GET", LOG, stream(error_chunk()))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Running")))
    with pytest.raises(ServerUnavailable) as info:
        list(client.logs(NAME, follow=True))
    assert str(info.value) == (
        "the log stream ended 5 times in a row with nothing new (the server's last error: "
        "EOF); check the Argo Server and any proxy in front of it (idle timeouts cut streams), "
        "then run the command again."
    )
    assert len(argo.requests_to("GET", LOG)) == 5
    assert sleeps.delays == [0.25, 0.5, 1.0, 2.0]


def test_follow_keeps_reconnecting_after_long_silent_streams(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    # A quiet pod's log stream cut after a long time (a proxy's maximum connection age) is
    # not a failure: only streams that end quickly count towards giving up.
    argo.add("GET", LOG, *([stream(KEEPALIVE, error_chunk())] * 6), stream(line(f"{T0} done")))
    argo.add("GET", GET_PATH, *([ok("GET", GET_PATH, wf("Running"))] * 6))
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("Succeeded")))
    ticks = iter(range(0, 100_000, 600))  # each clock read is 10 minutes later

    def clock() -> float:
        return float(next(ticks))

    lines = stream_logs(
        client,
        NAME,
        None,
        {"logOptions.follow": "true"},
        follow=True,
        container="main",
        pod=None,
        grep=None,
        tail_lines=None,
        timeout=None,
        clock=clock,
    )
    assert [x.content for x in lines] == ["done"]
    assert len(argo.requests_to("GET", LOG)) == 7
    assert sleeps.delays == [0.25] * 6


def test_the_token_is_not_in_log_errors(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, err("GET", LOG, 403, "permission denied"))
    with pytest.raises(Forbidden) as info:
        list(client.logs(NAME))
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


def test_closing_a_log_stream_early_stops_it(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", LOG, stream(line(f"{T0} a"), Pause(8), line(f"{T1} b")))
    start = time.monotonic()
    with client.logs(NAME, follow=True) as logs:
        assert next(logs).content == "a"
    with pytest.raises(StopIteration):
        next(logs)
    assert time.monotonic() - start < 4
    assert [r.path for r in argo.requests] == [LOG]
