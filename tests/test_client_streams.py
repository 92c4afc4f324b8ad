"""tiphys.client.streams (Argo's SSE/NDJSON messages, compressed nodes, dedupe) and argo_fake."""

from __future__ import annotations

import base64
import gzip
import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from argo_fake import (
    KEEPALIVE,
    ArgoFake,
    Cut,
    Pause,
    error_chunk,
    error_reply,
    json_reply,
    ndjson_reply,
    result,
    sse_data,
    sse_reply,
)
from tiphys.client.streams import (
    LogDeduper,
    StreamError,
    StreamMessage,
    WatchDeduper,
    decode_compressed_nodes,
    items_of,
    messages,
    split_lines,
    split_timestamp,
)
from tiphys.errors import TiphysError


def wf(name: str, rv: str, phase: str = "Running", uid: str = "") -> dict[str, object]:
    meta: dict[str, object] = {"name": name, "namespace": "argo", "resourceVersion": rv}
    if uid:
        meta["uid"] = uid
    return {"metadata": meta, "status": {"phase": phase}}


def event(kind: str, obj: dict[str, object]) -> dict[str, object]:
    return {"type": kind, "object": obj}


def lines_of(raw: bytes) -> list[str]:
    """Split a wire body as the client does."""
    return list(split_lines([raw.decode()]))


EOF_TEXT = "the Argo Server ended the stream: EOF (gRPC code 8, HTTP 429). Reconnect to go on."


# --- messages -------------------------------------------------------------------------------


def test_sse_messages_with_keepalives_and_error_chunk_exactly_as_argo_writes_them() -> None:
    e1 = event("ADDED", wf("hello", "100"))
    e2 = event("MODIFIED", wf("hello", "101", "Succeeded"))
    raw = (
        KEEPALIVE
        + sse_data(result(e1))
        + KEEPALIVE
        + KEEPALIVE
        + sse_data(result(e2))
        + sse_data(error_chunk())
    )
    got = list(messages(lines_of(raw)))
    assert [m.result for m in got[:2]] == [e1, e2]
    assert got[0].error is None
    err = got[2].error
    assert got[2].result is None
    assert isinstance(err, StreamError)
    assert (err.message, err.grpc_code, err.http_code) == ("EOF", 8, 429)
    assert (err.eof, err.too_old_resource_version) == (True, False)
    assert str(err) == EOF_TEXT
    assert len(got) == 3


def test_unwrap_returns_the_result_and_raises_the_error() -> None:
    assert StreamMessage(result={"content": "hi"}).unwrap() == {"content": "hi"}
    with pytest.raises(StreamError) as caught:
        StreamMessage(error=StreamError("EOF", grpc_code=8, http_code=429)).unwrap()
    assert str(caught.value) == EOF_TEXT
    assert isinstance(caught.value, TiphysError)


def test_too_old_resource_version_says_restart_from_a_fresh_get() -> None:
    chunk = error_chunk("too old resource version: 100 (250)", grpc_code=3, http_code=400)
    (msg,) = messages(lines_of(sse_data(chunk)))
    assert msg.error is not None
    assert msg.error.too_old_resource_version is True
    assert msg.error.eof is False
    assert str(msg.error) == (
        "the Argo Server ended the stream: too old resource version: 100 (250)"
        " (gRPC code 3, HTTP 400). The watch must restart from a fresh GET."
    )
    gone = StreamError.from_chunk({"message": "Gone", "http_code": 410})
    assert gone.too_old_resource_version is True
    assert str(gone) == (
        "the Argo Server ended the stream: Gone (HTTP 410). The watch must restart from a fresh"
        " GET."
    )


def test_multi_line_data_is_joined_with_newlines() -> None:
    lines = ['data: {"result":', 'data:  {"content": "a", "podName": "p"}}', "", ""]
    assert [m.result for m in messages(lines)] == [{"content": "a", "podName": "p"}]


def test_partial_last_event_is_delivered_when_whole_and_dropped_when_cut() -> None:
    whole = ["data: " + json.dumps(result({"content": "last"})) + " "]
    assert [m.result for m in messages(whole)] == [{"content": "last"}]
    cut = [*lines_of(sse_data(result({"content": "one"}))), 'data: {"result": {"cont']
    assert [m.result for m in messages(cut)] == [{"content": "one"}]


def test_ndjson_mode_and_crlf_and_other_fields() -> None:
    lines = [
        '{"result": {"content": "x"}}\r',
        "event: message",
        "id: 7",
        "retry: 1000",
        'data: {"result": {"content": "y"}}',
        "",
        '{"error": {"message": "EOF", "grpc_code": 8, "http_code": 429}}',
    ]
    got = list(messages(lines))
    assert [m.result for m in got[:2]] == [{"content": "x"}, {"content": "y"}]
    assert got[2].error is not None and str(got[2].error) == EOF_TEXT


def test_empty_log_line_without_content_is_an_empty_result() -> None:
    # Both log fields are omitempty: an empty line of a pod is {"result": {"podName": ...}}.
    assert [m.result for m in messages(['data: {"result": {}} ', ""])] == [{}]


def test_a_complete_message_that_is_not_json_is_a_clear_error() -> None:
    with pytest.raises(TiphysError) as caught:
        list(messages(["data: <html>bad gateway</html>", ""]))
    assert str(caught.value) == (
        "the Argo Server sent a stream message that is not JSON (Expecting value: line 1"
        " column 1 (char 0)): '<html>bad gateway</html>'"
    )
    with pytest.raises(TiphysError) as caught:
        list(messages(["data: [1, 2]", ""]))
    assert str(caught.value) == (
        "the Argo Server sent a stream message that is not an object: '[1, 2]'"
    )


def test_split_lines_ends_lines_only_at_cr_lf_crlf_whatever_the_chunking() -> None:
    text = "a\r\nb\rc\n\nd\x85e\u2028f\x0cg\r\n\r\nlast"
    want = ["a", "b", "c", "", "d\x85e\u2028f\x0cg", "", "last"]
    assert list(split_lines([text])) == want
    for cut in range(len(text) + 1):
        assert list(split_lines([text[:cut], "", text[cut:]])) == want, cut
    assert list(split_lines(iter(text))) == want
    assert list(split_lines(["x\r"])) == ["x"]
    assert list(split_lines([])) == []


def test_a_log_line_holding_nel_survives_from_the_wire() -> None:
    # Go's encoding/json writes U+0085 unescaped; str.splitlines (and httpx.iter_lines) cut there.
    entry = {"content": "progress\x85done", "podName": "p"}
    wire = b"data: " + json.dumps(result(entry), ensure_ascii=False).encode() + b" \n\n"
    with ArgoFake() as argo:
        argo.add("GET", "/log", sse_reply([wire, KEEPALIVE]))
        with httpx.stream("GET", argo.url + "/log", timeout=5) as response:
            got = [m.result for m in messages(split_lines(response.iter_text()))]
    assert got == [entry]


# --- compressed nodes, items ----------------------------------------------------------------


def pack(nodes: object) -> str:
    return base64.b64encode(gzip.compress(json.dumps(nodes).encode())).decode()


def test_compressed_nodes_round_trip() -> None:
    nodes = {
        "hello": {"id": "hello", "name": "hello", "type": "DAG", "phase": "Succeeded"},
        "hello-1": {"id": "hello-1", "name": "hello.a", "type": "Pod", "phase": "Succeeded"},
    }
    assert decode_compressed_nodes({"nodes": {}, "compressedNodes": pack(nodes)}) == nodes
    assert decode_compressed_nodes({"nodes": nodes}) == nodes
    assert decode_compressed_nodes({"compressedNodes": ""}) == {}
    assert decode_compressed_nodes({}) == {}


@pytest.mark.parametrize(
    ("packed", "message"),
    [
        ("not base64!", "status.compressedNodes is not valid base64: Only base64 data is allowed."),
        (
            base64.b64encode(b"\x28\xb5\x2f\xfd rest").decode(),
            "status.compressedNodes is compressed with zstd, which tiphys cannot read; read the"
            " workflow with GET (the server decompresses it) or configure the controller to use"
            " gzip.",
        ),
        (
            base64.b64encode(b"{}").decode(),
            "status.compressedNodes is not gzip data (it starts with 7b7d).",
        ),
        (
            base64.b64encode(gzip.compress(b"[1]", mtime=0)).decode(),
            "status.compressedNodes holds a list, not a map of nodes.",
        ),
        (
            base64.b64encode(gzip.compress(b"{nope", mtime=0)).decode(),
            "status.compressedNodes does not hold JSON: Expecting property name enclosed in"
            " double quotes: line 1 column 2 (char 1).",
        ),
        (
            base64.b64encode(gzip.compress(b"{}", mtime=0)[:-6]).decode(),
            "status.compressedNodes is damaged gzip data: Compressed file ended before the"
            " end-of-stream marker was reached.",
        ),
        (12, "status.compressedNodes is a int, not a base64 string."),
    ],
)
def test_compressed_nodes_decode_errors_are_clear(packed: object, message: str) -> None:
    with pytest.raises(TiphysError) as caught:
        decode_compressed_nodes({"compressedNodes": packed})
    assert str(caught.value) == message


def test_items_null_is_an_empty_list() -> None:
    assert items_of({"metadata": {}, "items": None}) == []
    assert items_of({"metadata": {}}) == []
    assert items_of({"items": [{"a": 1}]}) == [{"a": 1}]
    with pytest.raises(TiphysError) as caught:
        items_of({"items": {"a": 1}})
    assert str(caught.value) == "the list response's 'items' is a dict, not a list."


# --- watch dedupe ---------------------------------------------------------------------------


def test_watch_deduper_drops_repeats_across_a_reconnect() -> None:
    d = WatchDeduper()
    first = [event("ADDED", wf("a", "100")), event("MODIFIED", wf("a", "101"))]
    # After EOF the watch reconnects with RV 0: a synthetic ADDED of the current state (101),
    # then a replay of 100 (an old event) and a genuinely new one.
    second = [
        event("ADDED", wf("a", "101")),
        event("MODIFIED", wf("a", "100")),
        event("MODIFIED", wf("a", "102")),
    ]
    assert [d.accept(e) for e in first] == [True, True]
    assert [d.accept(e) for e in second] == [False, False, True]
    assert d.last_resource_version(wf("a", "")) == "102"


def test_watch_deduper_compares_resource_versions_as_opaque_strings() -> None:
    d = WatchDeduper()
    # "99" < "100" as numbers and "100" < "99" as text; neither order is used: both are new.
    assert d.accept(event("MODIFIED", wf("a", "100"))) is True
    assert d.accept(event("MODIFIED", wf("a", "99"))) is True
    assert d.accept(event("MODIFIED", wf("a", "0100"))) is True
    assert d.last_resource_version(wf("a", "")) == "0100"


def test_watch_deduper_keys_by_workflow_and_keeps_deleted() -> None:
    d = WatchDeduper()
    assert d.accept(event("ADDED", wf("a", "5"))) is True
    assert d.accept(event("ADDED", wf("b", "5"))) is True  # another workflow, same RV
    assert d.accept(event("DELETED", wf("a", "5"))) is True
    assert d.accept(event("DELETED", wf("a", "5"))) is False
    # Same name, new uid: a new workflow.
    assert d.accept(event("ADDED", wf("a", "5", uid="u2"))) is True
    assert d.observe(wf("a", "5", uid="u2")) is False  # a GET of the same state
    assert d.accept({"type": "ADDED", "object": {"metadata": {"name": "x"}}}) is True
    assert d.accept({"type": "ADDED", "object": {"metadata": {"name": "x"}}}) is True
    assert d.accept({"type": "BOOKMARK"}) is True


def test_watch_deduper_history_is_bounded() -> None:
    d = WatchDeduper(history=2)
    assert [d.observe(wf("a", rv)) for rv in ("1", "2", "3", "1")] == [True, True, True, True]
    assert d.observe(wf("a", "3")) is False


# --- log dedupe -----------------------------------------------------------------------------

T0 = "2026-11-29T10:00:00.100000000Z"
T1 = "2026-11-29T10:00:01.5Z"
T2 = "2026-11-29T10:00:02Z"


def test_split_timestamp() -> None:
    assert split_timestamp(f"{T0} hello world") == (T0, "hello world")
    assert split_timestamp("hello world") == ("", "hello world")
    assert split_timestamp("2026-11-29T10:00:00+02:00 x") == ("2026-11-29T10:00:00+02:00", "x")
    assert split_timestamp("") == ("", "")


def test_log_deduper_drops_lines_already_shown_after_a_resume() -> None:
    d = LogDeduper()
    first = [("p1", f"{T0} a"), ("p2", f"{T0} a"), ("p1", f"{T1} b"), ("p1", f"{T2} c")]
    assert [d.accept(*x) for x in first] == [True, True, True, True]
    since = d.resume()
    assert since == int(datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC).timestamp())
    again = [("p1", f"{T1} b"), ("p1", f"{T2} c"), ("p1", f"{T2} d"), ("p2", f"{T2} c")]
    assert [d.accept(*x) for x in again] == [False, False, True, True]


def test_log_deduper_keeps_a_line_repeated_within_one_connection() -> None:
    d = LogDeduper()
    assert [d.accept("p", f"{T0} x") for _ in range(2)] == [True, True]
    d.resume()
    # The resumed stream re-sends both, then a third genuine repeat.
    assert [d.accept("p", f"{T0} x") for _ in range(3)] == [False, False, True]


def test_log_deduper_resume_without_timestamps_starts_from_the_beginning() -> None:
    d = LogDeduper()
    assert d.resume() is None
    assert d.accept("p", "plain") is True
    assert d.resume() is None
    assert d.accept("p", "plain") is False
    assert d.accept("p", "") is True


def test_log_deduper_forgets_lines_before_the_resume_point() -> None:
    d = LogDeduper(margin=0)
    d.accept("p", f"{T0} old")
    d.accept("p", f"{T2} new")
    assert d.resume() == int(datetime(2026, 11, 29, 10, 0, 2, tzinfo=UTC).timestamp())
    # The old line is forgotten: the server cannot send it again after sinceTime.
    assert d.accept("p", f"{T0} old") is True
    assert d.accept("p", f"{T2} new") is False


# --- the fake server ------------------------------------------------------------------------


def test_fake_plays_json_replies_in_order_and_records_requests() -> None:
    with ArgoFake() as argo:
        argo.add(
            "POST",
            "/api/v1/workflows/argo",
            error_reply(503, "unavailable"),
            json_reply(wf("hello", "1")),
        )
        with httpx.Client(base_url=argo.url, timeout=5) as client:
            r1 = client.post(
                "/api/v1/workflows/argo?fields=metadata.name&fields=x",
                json={"namespace": "argo"},
                headers={"Authorization": "Bearer t"},
            )
            r2 = client.post("/api/v1/workflows/argo", json={"namespace": "argo"})
            r3 = client.post("/api/v1/workflows/argo", json={})
            r4 = client.get("/api/v1/nothing")
        assert (r1.status_code, r1.json()) == (503, {"code": 14, "message": "unavailable"})
        assert (r2.status_code, r2.json()) == (200, wf("hello", "1"))
        assert r3.json() == wf("hello", "1")  # the last reply repeats
        assert (r4.status_code, r4.json()) == (
            404,
            {"code": 5, "message": "no scripted reply for GET /api/v1/nothing"},
        )
        first = argo.requests[0]
        assert (first.method, first.path) == ("POST", "/api/v1/workflows/argo")
        assert first.query == {"fields": ["metadata.name", "x"]}
        assert first.headers["authorization"] == "Bearer t"
        assert first.json() == {"namespace": "argo"}
        assert len(argo.requests_to("post", "/api/v1/workflows/argo")) == 3
        assert len(argo.requests) == 4


def test_fake_sse_stream_read_with_httpx_stream() -> None:
    e1 = event("ADDED", wf("hello", "100"))
    with ArgoFake() as argo:
        argo.add(
            "GET",
            "/api/v1/workflow-events/argo",
            sse_reply([KEEPALIVE, result(e1), Pause(0.05), KEEPALIVE, error_chunk()]),
        )
        with httpx.stream(
            "GET",
            argo.url + "/api/v1/workflow-events/argo",
            params={"listOptions.resourceVersion": "0"},
            headers={"Accept": "text/event-stream"},
            timeout=5,
        ) as response:
            assert response.headers["content-type"] == "text/event-stream"
            got = list(messages(split_lines(response.iter_text())))
        assert [m.result for m in got] == [e1, None]
        assert got[1].error is not None and got[1].error.eof is True
        assert argo.requests[0].query == {"listOptions.resourceVersion": ["0"]}
        assert argo.requests[0].headers["accept"] == "text/event-stream"


def test_fake_ndjson_stream_and_eof_then_reconnect() -> None:
    with ArgoFake() as argo:
        path = "/api/v1/workflows/argo/hello/log"
        argo.add(
            "GET",
            path,
            ndjson_reply([result({"content": "a", "podName": "p"})]),
            ndjson_reply([result({"content": "b", "podName": "p"})]),
        )
        seen = []
        for _ in range(2):  # bounded: two connections
            with httpx.stream("GET", argo.url + path, timeout=5) as response:
                seen += [m.unwrap()["content"] for m in messages(split_lines(response.iter_text()))]
        assert seen == ["a", "b"]


def test_fake_cut_connection_is_a_transport_error() -> None:
    with ArgoFake() as argo:
        argo.add("GET", "/s", sse_reply([result({"content": "a"}), Cut()]))
        got: list[StreamMessage] = []
        with (
            pytest.raises(httpx.RemoteProtocolError),
            httpx.stream("GET", argo.url + "/s", timeout=5) as response,
        ):
            got.extend(messages(split_lines(response.iter_text())))
        assert [m.result for m in got] == [{"content": "a"}]


def test_fake_slow_reply_makes_the_client_time_out() -> None:
    with ArgoFake() as argo:
        argo.add("GET", "/api/v1/version", json_reply({"version": "v4.1.2"}, delay=5))
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(argo.url + "/api/v1/version", timeout=httpx.Timeout(5, read=0.2))
        assert time.monotonic() - started < 3
    # Leaving the context woke the sleeping reply: the server stopped well before 5 s.
    assert time.monotonic() - started < 4


def test_fake_slow_stream_pause_makes_the_read_time_out() -> None:
    with ArgoFake() as argo:
        argo.add("GET", "/s", sse_reply([result({"content": "a"}), Pause(5)]))
        got: list[StreamMessage] = []
        with (
            pytest.raises(httpx.ReadTimeout),
            httpx.stream("GET", argo.url + "/s", timeout=httpx.Timeout(5, read=0.2)) as r,
        ):
            got.extend(messages(split_lines(r.iter_text())))
        assert [m.result for m in got] == [{"content": "a"}]


def test_log_deduper_memory_is_bounded_for_timestamped_lines() -> None:
    d = LogDeduper()
    start = datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC).timestamp()
    for i in range(10_000):  # one line every 10 ms: 100 s of logs
        stamp = datetime.fromtimestamp(start + i / 100, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert d.accept("p", f"{stamp} line {i}") is True
    # Kept: at most the lines since the resume point plus one pruning period.
    assert len(d._shown) <= 4096 + 300
    assert d.resume() == int(start) + 99 - 1
    assert len(d._shown) == 200


# --- properties -----------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
results = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@given(st.lists(st.tuples(results, st.integers(0, 2)), max_size=8), st.booleans())
def test_messages_round_trip_with_keepalives(
    items: list[tuple[dict[str, object], int]], ndjson: bool
) -> None:
    wire = b""
    for obj, keepalives in items:
        wire += KEEPALIVE * keepalives
        wire += (json.dumps(result(obj)).encode() + b"\n") if ndjson else sse_data(result(obj))
    assert [m.result for m in messages(lines_of(wire))] == [obj for obj, _ in items]
