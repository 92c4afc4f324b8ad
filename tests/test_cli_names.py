"""tiphys.cli._names: @latest resolves through the server, other names are kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from argo_contract import conforms, err, ok
from argo_fake import ArgoFake
from tiphys.cli._names import resolve_name
from tiphys.client import Client, NotFound
from tiphys.errors import TiphysError

LATEST_PATH = "/api/v1/workflows/argo/%40latest"  # the client quotes the @


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


def client(argo: ArgoFake) -> Client:
    return Client(
        server=argo.url.removeprefix("http://"),
        secure=False,
        namespace="argo",
        token="t",
        kubeconfig="/dev/null",
    )


def test_a_plain_name_needs_no_request(argo: ArgoFake) -> None:
    with client(argo) as c:
        assert resolve_name(c, None, "hello-x1") == "hello-x1"
    assert argo.requests == []


def test_latest_is_the_name_the_server_gives(argo: ArgoFake) -> None:
    argo.add(
        "GET", LATEST_PATH, ok("GET", LATEST_PATH, {"metadata": {"name": "hello-x9"}, "spec": {}})
    )
    with client(argo) as c:
        assert resolve_name(c, "argo", "@latest") == "hello-x9"
    conforms(argo.requests)
    assert [(r.path, dict(r.query)) for r in argo.requests] == [
        (LATEST_PATH, {"fields": ["metadata.name"]})
    ]


def test_latest_in_an_empty_namespace_is_not_found(argo: ArgoFake) -> None:
    argo.add("GET", LATEST_PATH, err("GET", LATEST_PATH, 404, "no workflows found"))
    with client(argo) as c, pytest.raises(NotFound) as caught:
        resolve_name(c, None, "@latest")
    assert str(caught.value) == EMPTY
    assert (caught.value.status, caught.value.namespace) == (404, "argo")


# Not the generic 404 advice ("check the name"): @latest is not a name to fix.
EMPTY = (
    "@latest: there is no workflow in namespace 'argo' (the server: no workflows found). "
    "Submit one, or name the namespace that has them with -n NAMESPACE (or ARGO_NAMESPACE)."
)


@pytest.mark.parametrize("verb", [["get"], ["stop"], ["delete"], ["get", "-o", "name"]])
def test_latest_in_an_empty_namespace_says_so_on_the_command_line(
    argo: ArgoFake, verb: list[str]
) -> None:
    from cli_server import invoke

    argo.add("GET", LATEST_PATH, err("GET", LATEST_PATH, 404, "no workflows found"))
    ran = invoke(argo, *verb, "@latest")
    assert (ran.code, ran.out, ran.err) == (3, "", f"tiphys: error: {EMPTY}\n")
    conforms(argo.requests)


def test_a_nameless_answer_says_what_to_do(argo: ArgoFake) -> None:
    argo.add("GET", LATEST_PATH, ok("GET", LATEST_PATH, {"metadata": {}, "spec": {}}))
    with client(argo) as c, pytest.raises(TiphysError) as caught:
        resolve_name(c, None, "@latest")
    assert str(caught.value) == (
        "the server answered @latest without a workflow name; name the workflow instead "
        "(tiphys list shows the names)"
    )
