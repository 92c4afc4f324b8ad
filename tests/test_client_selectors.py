"""Node field selectors are checked before retry/stop/resume/set are sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from argo_contract import conforms, ok
from argo_fake import ArgoFake
from tiphys.client import Client
from tiphys.client.selectors import node_field_selector_problem
from tiphys.errors import TiphysError

KNOWN = (
    "displayName, templateName, phase, name, id, templateRef.name, templateRef.template, "
    "inputs.parameters.NAME.value"
)


@pytest.mark.parametrize(
    "selector",
    [
        "displayName=approve",
        "phase=Running,templateName=gate",
        "templateRef.template==build",
        "inputs.parameters.tag.value=v1.2",
        "id!=x",
    ],
)
def test_selectors_the_server_matches_pass(selector: str) -> None:
    assert node_field_selector_problem(selector) is None


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        (
            "dispalyName=approve",
            "node field selector field 'dispalyName' is not one the Argo Server matches, so no "
            f"node would be selected; use one of {KNOWN}",
        ),
        (
            "type=Suspend",
            "node field selector field 'type' is not one the Argo Server matches, so no node "
            f"would be selected; use one of {KNOWN}",
        ),
        (
            "approve",
            "node field selector term 'approve' is not FIELD=VALUE, FIELD==VALUE or "
            f"FIELD!=VALUE (fields: {KNOWN})",
        ),
    ],
)
def test_unknown_fields_and_bare_words_are_problems(selector: str, problem: str) -> None:
    assert node_field_selector_problem(selector) == problem


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def test_client_refuses_a_selector_that_selects_nothing_before_sending(argo: ArgoFake) -> None:
    client = Client(server=argo.url.removeprefix("http://"), secure=False, namespace="argo")
    with client, pytest.raises(TiphysError) as caught:
        client.resume("wf", node_field_selector="dispalyName=approve")
    assert str(caught.value) == (
        "node field selector field 'dispalyName' is not one the Argo Server matches, so no "
        f"node would be selected; use one of {KNOWN}"
    )
    assert argo.requests == []


def test_client_sends_a_good_selector(argo: ArgoFake) -> None:
    path = "/api/v1/workflows/argo/wf/resume"
    wf = {
        "metadata": {"name": "wf", "namespace": "argo"},
        "spec": {},
        "status": {"phase": "Running"},
    }
    argo.add("PUT", path, ok("PUT", path, wf))
    client = Client(server=argo.url.removeprefix("http://"), secure=False, namespace="argo")
    with client:
        client.resume("wf", node_field_selector="displayName=approve")
    conforms(argo.requests)
    assert argo.requests[0].json()["nodeFieldSelector"] == "displayName=approve"
