"""Client.delete(force=) and Client.delete_selected against ArgoFake, checked against swagger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argo_contract import conforms, err, ok
from argo_fake import ArgoFake
from tiphys.client import Client, Forbidden
from tiphys.errors import TiphysError

NS = "argo"
WFS = f"/api/v1/workflows/{NS}"


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def client(argo: ArgoFake) -> Iterator[Client]:
    with Client(
        server=argo.url.removeprefix("http://"),
        secure=False,
        token="t0ken-value",
        namespace=NS,
        env={},
        kubeconfig=Path("/nonexistent"),
    ) as c:
        yield c


def wf(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": NS},
        "spec": {"entrypoint": "main"},
        "status": {"phase": "Succeeded"},
    }


def test_delete_force_sends_the_query(argo: ArgoFake, client: Client) -> None:
    argo.add("DELETE", f"{WFS}/a", ok("DELETE", f"{WFS}/a", {}))
    client.delete("a")
    client.delete("a", force=True)
    assert [r.query for r in argo.requests] == [{}, {"force": ["true"]}]
    conforms(argo.requests)


def test_delete_selected_lists_then_deletes_skipping_the_gone(
    argo: ArgoFake, client: Client
) -> None:
    items = {"metadata": {}, "items": [wf("a"), wf("gone"), wf("b")]}
    argo.add("GET", WFS, ok("GET", WFS, items))
    argo.add("DELETE", f"{WFS}/a", ok("DELETE", f"{WFS}/a", {}))
    argo.add("DELETE", f"{WFS}/gone", err("DELETE", f"{WFS}/gone", 404, "not found"))
    argo.add("DELETE", f"{WFS}/b", ok("DELETE", f"{WFS}/b", {}))
    deleted = client.delete_selected(label_selector="app=x", field_selector="a!=b", force=True)
    assert deleted == ["a", "b"]
    assert [(r.method, r.path) for r in argo.requests] == [
        ("GET", WFS),
        ("DELETE", f"{WFS}/a"),
        ("DELETE", f"{WFS}/gone"),
        ("DELETE", f"{WFS}/b"),
    ]
    assert argo.requests[0].query == {
        "listOptions.labelSelector": ["app=x"],
        "listOptions.fieldSelector": ["a!=b"],
    }
    assert argo.requests[1].query == {"force": ["true"]}
    conforms(argo.requests)


def test_delete_selected_empty_selector_is_every_workflow(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", WFS, ok("GET", WFS, {"metadata": {}, "items": None}))
    assert client.delete_selected(label_selector="") == []
    assert argo.requests[0].query == {}
    conforms(argo.requests)


def test_delete_selected_needs_a_selector(argo: ArgoFake, client: Client) -> None:
    with pytest.raises(TiphysError) as caught:
        client.delete_selected()
    assert str(caught.value) == (
        "delete_selected() needs label_selector= or field_selector=; to delete every workflow "
        'of the namespace, pass label_selector="".'
    )
    assert argo.requests == []


def test_delete_selected_stops_at_another_error(argo: ArgoFake, client: Client) -> None:
    argo.add("GET", WFS, ok("GET", WFS, {"metadata": {}, "items": [wf("a"), wf("b")]}))
    argo.add("DELETE", f"{WFS}/a", err("DELETE", f"{WFS}/a", 403, "forbidden"))
    with pytest.raises(Forbidden):
        client.delete_selected(label_selector="app=x")
    assert [(r.method, r.path) for r in argo.requests] == [("GET", WFS), ("DELETE", f"{WFS}/a")]
    conforms(argo.requests)
