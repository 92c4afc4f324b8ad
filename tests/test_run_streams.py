"""Run.wait, Run.watch, Run.logs and output artifacts over Client's streams against ArgoFake.

Every request is checked against swagger.json (:func:`conforms`; the artifact route is outside
swagger.json, see below), every reply body and stream message against its response schema.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from argo_contract import Sleeps, conforms, fake_config, ok
from argo_fake import KEEPALIVE, ArgoFake, Cut, Pause, Reply, error_chunk, result, sse_reply
from swagger_oracle import response_problems
from tiphys.client import Client, LogLine, Run, WaitTimeout, WorkflowFailed
from tiphys.client.run import failure_message

TOKEN = "s3cr3t-run-token"
NS = "argo"
NAME = "ci-x7k2p"
GET_PATH = f"/api/v1/workflows/{NS}/{NAME}"
EVENTS = f"/api/v1/workflow-events/{NS}"
LOG = f"{GET_PATH}/log"
POD = f"{NAME}-build-1234"


def wf(rv: str, phase: str = "Running", **status: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"phase": phase, **status}
    if phase in ("Succeeded", "Failed", "Error"):
        st.setdefault("finishedAt", "2026-11-29T10:00:09Z")
    return {
        "metadata": {"name": NAME, "namespace": NS, "uid": "u-1", "resourceVersion": rv},
        "spec": {"entrypoint": "main"},
        "status": st,
    }


FAILED_NODES = {
    NAME: {"id": NAME, "name": NAME, "displayName": NAME, "type": "DAG", "phase": "Failed"},
    f"{NAME}-1": {
        "id": f"{NAME}-1",
        "name": f"{NAME}.build",
        "displayName": "build",
        "type": "Pod",
        "phase": "Failed",
        "message": "Error (exit code 2)",
    },
}


def ev(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return result({"type": kind, "object": obj})


def stream(path: str, *items: Mapping[str, Any] | bytes | Pause | Cut) -> Reply:
    """An SSE reply whose messages are first checked against the stream's response schema."""
    for item in items:
        if isinstance(item, Mapping):
            assert response_problems("GET", path, 200, item) == [], item
    return sse_reply(items)


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def client(argo: ArgoFake) -> Iterator[Client]:
    config = fake_config(argo, token=TOKEN, namespace=NS)
    with Client(config, sleep=Sleeps(), random=lambda: 0.5) as c:
        yield c


def test_wait_follows_the_watch_through_a_reconnect_to_success(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1", "Pending")))
    argo.add(
        "GET",
        EVENTS,
        stream(EVENTS, KEEPALIVE, ev("MODIFIED", wf("2")), error_chunk()),
        stream(EVENTS, ev("MODIFIED", wf("2")), ev("MODIFIED", wf("3", "Succeeded"))),
    )
    run = Run(client, wf("1", "Pending"))
    assert run.wait(timeout=30) is run
    assert (run.phase, run.finished) == ("Succeeded", True)
    assert run.workflow == wf("3", "Succeeded")
    assert [r.path for r in argo.requests] == [GET_PATH, EVENTS, EVENTS]
    assert argo.requests[1].query["listOptions.fieldSelector"] == [f"metadata.name={NAME}"]
    conforms(argo.requests)


def test_pending_is_not_the_end_and_failure_raises(argo: ArgoFake, client: Client) -> None:
    final = wf("3", "Failed", nodes=FAILED_NODES, message="child 'build' failed")
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1", "Pending")))
    argo.add(
        "GET",
        EVENTS,
        stream(EVENTS, ev("MODIFIED", wf("2", "Pending")), ev("MODIFIED", final)),
    )
    run = Run(client, wf("1", "Pending"))
    with pytest.raises(WorkflowFailed) as info:
        run.wait()
    assert str(info.value) == (
        f"workflow '{NAME}' in namespace 'argo' ended Failed: child 'build' failed\n"
        "failed nodes:\n"
        "  build (Failed): Error (exit code 2)\n"
        f"See `tiphys get -n argo {NAME}` and `tiphys logs -n argo {NAME}`."
    )
    assert info.value.phase == "Failed" and info.value.run is run
    assert run.workflow == final == info.value.run.workflow
    assert failure_message(final) == info.value.message
    conforms(argo.requests)


def test_wait_without_check_returns_a_finished_error(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("9", "Error", message="deadline")))
    run = Run(client, wf("1"))
    assert run.wait(check=False).phase == "Error"
    assert [r.path for r in argo.requests] == [GET_PATH]
    conforms(argo.requests)


def test_a_deleted_workflow_ends_the_wait_with_the_last_phase(
    argo: ArgoFake, client: Client
) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
    argo.add("GET", EVENTS, stream(EVENTS, ev("DELETED", wf("2", "Running"))))
    with pytest.raises(WorkflowFailed) as info:
        Run(client, wf("1")).wait()
    assert info.value.phase == "Running"
    assert str(info.value).startswith(
        f"workflow '{NAME}' in namespace 'argo' was deleted before it finished (last phase Running)"
    )


def test_wait_times_out(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
    argo.add("GET", EVENTS, stream(EVENTS, KEEPALIVE, Pause(5)))
    with pytest.raises(WaitTimeout) as info:
        Run(client, wf("1")).wait(timeout=0.3)
    assert info.value.timeout == 0.3


def test_watch_yields_each_snapshot(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("1")))
    argo.add(
        "GET",
        EVENTS,
        stream(
            EVENTS,
            ev("ADDED", wf("1")),
            ev("MODIFIED", wf("2")),
            ev("MODIFIED", wf("3", "Succeeded")),
        ),
    )
    run = Run(client, wf("1"))
    assert list(run.watch(timeout=30)) == [wf("1"), wf("2"), wf("3", "Succeeded")]
    assert run.phase == "Succeeded"
    conforms(argo.requests)


def test_logs_are_the_clients_log_stream(argo: ArgoFake, client: Client) -> None:
    argo.add(
        "GET",
        LOG,
        stream(
            LOG,
            result({"podName": POD, "content": "2026-11-29T10:00:00Z building"}),
            result({"podName": POD, "content": "2026-11-29T10:00:01Z done"}),
        ),
    )
    run = Run(client, wf("1", "Succeeded"))
    lines = list(run.logs(tail_lines=2, grep="b|d"))
    assert lines == [
        LogLine(POD, "building", datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC)),
        LogLine(POD, "done", datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC)),
    ]
    (request,) = argo.requests
    assert request.query == {
        "logOptions.container": ["main"],
        "logOptions.timestamps": ["true"],
        "logOptions.tailLines": ["2"],
        "grep": ["b|d"],
    }
    conforms(argo.requests)


# /artifact-files/{namespace}/{idDiscriminator}/{id}/{nodeId}/{artifactDiscriminator}/{name} is
# served by the Argo Server outside the gRPC gateway, so swagger.json does not describe it:
# the path is compared whole instead of checked with conforms().
ART = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}/outputs/report"


def test_output_artifacts_download_through_the_server(
    argo: ArgoFake, client: Client, tmp_path: Path
) -> None:
    nodes = {
        NAME: {
            "id": NAME,
            "name": NAME,
            "type": "DAG",
            "phase": "Succeeded",
            "outputs": {"artifacts": [{"name": "report", "s3": {"key": "r.txt"}}]},
        }
    }
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("5", "Succeeded", nodes=nodes)))
    argo.add(
        "GET",
        ART,
        Reply(body=b"report body", headers={"Content-Type": "application/octet-stream"}),
    )
    run = Run(client, wf("1"))
    run.refresh()
    report = run.outputs.artifacts["report"]
    assert report.download(tmp_path / "r.txt") == 11
    assert (tmp_path / "r.txt").read_bytes() == b"report body"
    buffer = io.BytesIO()
    assert report.download(buffer) == 11 and buffer.getvalue() == b"report body"
    assert report.read() == b"report body"
    assert [r.path for r in argo.requests] == [GET_PATH, ART, ART, ART]
    conforms(argo.requests[:1])


def test_output_artifacts_of_a_deleted_but_archived_run_come_from_the_archive(
    argo: ArgoFake, client: Client, tmp_path: Path
) -> None:
    nodes = {
        NAME: {
            "id": NAME,
            "name": NAME,
            "type": "DAG",
            "phase": "Succeeded",
            "outputs": {"artifacts": [{"name": "report", "s3": {"key": "r.txt"}}]},
        }
    }
    archived = f"/artifact-files/{NS}/archived-workflows/u-1/{NAME}/outputs/report"
    argo.add("GET", GET_PATH, ok("GET", GET_PATH, wf("5", "Succeeded", nodes=nodes)))
    argo.add("GET", archived, Reply(body=b"old", headers={}))
    run = Run(client, wf("1"))
    run.refresh()
    report = run.outputs.artifacts["report"]
    assert report.uid == "u-1"
    assert report.download(tmp_path / "r.txt") == 3
    assert report.read() == b"old"
    assert [r.path for r in argo.requests] == [GET_PATH, ART, archived, ART, archived]
