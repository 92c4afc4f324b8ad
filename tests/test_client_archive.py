"""Archived workflows, artifact downloads and Retry-After against ArgoFake."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argo_contract import Sleeps, conforms, err, fake_config, ok
from argo_fake import ArgoFake, Cut, Reply, error_reply
from swagger_oracle import response_problems
from tiphys.client import (
    Client,
    NotFound,
    RetryPolicy,
    ServerUnavailable,
    WorkflowEvent,
)
from tiphys.client._transport import retry_after_seconds
from tiphys.errors import TiphysError

TOKEN = "s3cr3t-token-value"
NS = "argo"
NAME = "hello-x7k2p"
ARCHIVE = "/api/v1/archived-workflows"
UID = "4b3f-uid"


def wf(name: str = NAME, phase: str = "Succeeded") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": NS, "uid": UID, "resourceVersion": "5"},
        "spec": {"entrypoint": "main"},
        "status": {"phase": phase, "finishedAt": "2026-11-29T10:00:09Z"},
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


# --- archived workflows ---------------------------------------------------------------------


def test_archived_list_pages_and_items_null(argo: ArgoFake, client: Client) -> None:
    argo.add(
        "GET",
        ARCHIVE,
        ok("GET", ARCHIVE, {"metadata": {"continue": "2"}, "items": [wf("a"), wf("b")]}),
        ok("GET", ARCHIVE, {"metadata": {}, "items": None}),
    )
    got = client.archived_workflows.list(name_prefix="hello-", label_selector="x=y", limit=2)
    assert [w["metadata"]["name"] for w in got] == ["a", "b"]
    assert [r.query for r in argo.requests] == [
        {
            "namespace": [NS],
            "namePrefix": ["hello-"],
            "listOptions.labelSelector": ["x=y"],
            "listOptions.limit": ["2"],
        },
        {
            "namespace": [NS],
            "namePrefix": ["hello-"],
            "listOptions.labelSelector": ["x=y"],
            "listOptions.limit": ["2"],
            "listOptions.continue": ["2"],
        },
    ]
    conforms(argo.requests)


def test_archived_list_of_all_namespaces_sends_no_namespace(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", ARCHIVE, ok("GET", ARCHIVE, {"metadata": {}, "items": None}))
    assert client.archived_workflows.list("") == []
    assert argo.requests[0].query == {}


def test_archived_get_and_delete(argo: ArgoFake, client: Client) -> None:
    path = f"{ARCHIVE}/{UID}"
    argo.add("GET", path, ok("GET", path, wf()))
    argo.add("DELETE", path, ok("DELETE", path, {}))
    assert client.archived_workflows.get(UID, NS, NAME) == wf()
    client.archived_workflows.delete(UID)
    assert [(r.method, r.query) for r in argo.requests] == [
        ("GET", {"namespace": [NS], "name": [NAME]}),
        ("DELETE", {}),
    ]
    conforms(argo.requests)


def test_watch_of_an_archived_workflow_stops_at_the_get(argo: ArgoFake, client: Client) -> None:
    # The server's GET falls back to the archive; a finished workflow is not watched.
    path = f"/api/v1/workflows/{NS}/{NAME}"
    argo.add("GET", path, ok("GET", path, wf()))
    assert list(client.watch(NAME)) == [WorkflowEvent("ADDED", wf())]
    assert [r.path for r in argo.requests] == [path]


# --- artifacts ------------------------------------------------------------------------------
# /artifact-files/{namespace}/{idDiscriminator}/{id}/{nodeId}/{artifactDiscriminator}/{name}
# is in swagger.json (ArtifactService_GetArtifactFile; idDiscriminator "workflows", as the
# server's handler takes it: see swagger_oracle.ARTIFACT_ID_DISCRIMINATORS), so these
# requests are checked against it like the others.

ART = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}-1/outputs/report"
DATA = bytes(range(256)) * 1000


def binary(body: bytes) -> Reply:
    assert response_problems("GET", ART, 200, body) == []
    return Reply(body=body, headers={"Content-Type": "application/octet-stream"})


def test_download_artifact_streams_to_a_path_and_a_file_object(
    argo: ArgoFake, client: Client, tmp_path: Path
) -> None:
    argo.add("GET", ART, binary(DATA))
    dest = tmp_path / "report.bin"
    assert client.download_artifact(NAME, f"{NAME}-1", "report", dest) == len(DATA)
    assert dest.read_bytes() == DATA
    buffer = io.BytesIO()
    assert client.download_artifact(NAME, f"{NAME}-1", "report", buffer) == len(DATA)
    assert buffer.getvalue() == DATA
    assert client.read_artifact(NAME, f"{NAME}-1", "report") == DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.bin"]
    assert {r.headers["accept"] for r in argo.requests} == {"*/*"}
    conforms(argo.requests)


def test_a_missing_artifact_is_not_found_and_leaves_no_file(
    argo: ArgoFake, client: Client, tmp_path: Path
) -> None:
    argo.add("GET", ART, err("GET", ART, 404, "artifact not found: report"))
    with pytest.raises(NotFound):
        client.download_artifact(NAME, f"{NAME}-1", "report", tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_a_cut_download_removes_the_partial_file(
    argo: ArgoFake, client: Client, tmp_path: Path
) -> None:
    argo.add(
        "GET",
        ART,
        Reply(headers={"Content-Type": "application/octet-stream"}, stream=[DATA[:1000], Cut()]),
    )
    with pytest.raises(ServerUnavailable):
        client.download_artifact(NAME, f"{NAME}-1", "report", tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_read_artifact_refuses_a_big_one_and_other_io(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", ART, binary(DATA))
    with pytest.raises(TiphysError) as info:
        client.read_artifact(NAME, f"{NAME}-1", "report", max_bytes=1000)
    assert str(info.value) == (
        f"artifact 'report' of node {NAME}-1 is larger than 1000 bytes; use "
        "download_artifact() to write it to a file."
    )
    with pytest.raises(TiphysError) as info:
        client.read_artifact(NAME, f"{NAME}-1", "report", io="inputs")
    assert str(info.value) == (
        "the Argo Server serves output artifacts only (io='outputs'), not 'inputs'."
    )


# --- Retry-After ----------------------------------------------------------------------------


def busy(status: int, retry_after: str) -> Reply:
    reply = error_reply(status, "slow down")
    reply.headers["Retry-After"] = retry_after
    return reply


def test_retry_after_seconds_is_honoured_and_capped(
    argo: ArgoFake, client: Client, sleeps: Sleeps
) -> None:
    path = "/api/v1/version"
    version = {
        "version": "v4.1.2",
        "buildDate": "2026-01-01T00:00:00Z",
        "gitCommit": "abc",
        "gitTag": "v4.1.2",
        "gitTreeState": "clean",
        "goVersion": "go1.24",
        "compiler": "gc",
        "platform": "linux/amd64",
    }
    argo.add(
        "GET", path, busy(429, "3"), busy(503, "600"), busy(502, "7"), ok("GET", path, version)
    )
    assert client.version() == version
    # 502 carries no meaningful Retry-After: the backoff of attempt 3 (0.5 * 4 * 0.5).
    assert sleeps.delays == [3.0, 30.0, 1.0]


def test_retry_after_on_a_stream_open(argo: ArgoFake, client: Client, sleeps: Sleeps) -> None:
    argo.add("GET", ART, busy(503, "2"), binary(b"x"))
    assert client.read_artifact(NAME, f"{NAME}-1", "report") == b"x"
    assert sleeps.delays == [2.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("Sun, 29 Nov 2026 10:00:20 GMT", 20.0),
        ("Sun, 29 Nov 2026 09:00:00 GMT", 0.0),
        ("soon", None),
        ("-3", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(value: str | None, seconds: float | None) -> None:
    now = 1795946400.0  # 2026-11-29T10:00:00Z
    assert retry_after_seconds(value, now) == seconds


def test_archive_repr_names_its_client_without_the_token() -> None:
    from tiphys.client import AsyncClient

    settings: dict[str, Any] = {"server": "argo:2746", "token": "s3cr3t-archive", "env": {}}
    sync = Client(kubeconfig="", **settings)
    asynchronous = AsyncClient(kubeconfig="", **settings)
    config = (
        "ServerConfig(base_url='https://argo:2746', namespace='default', token=<hidden>, "
        "verify=True, cert=None, connect_timeout=10.0, read_timeout=30.0)"
    )
    assert repr(sync.archived_workflows) == f"<archived workflows of Client({config})>"
    assert repr(asynchronous.archived_workflows) == (
        f"<async archived workflows of AsyncClient({config})>"
    )
    sync.close()
