"""AsyncRun, async_submit and async_apply against ArgoFake: each does what its sync twin does
(the same requests, results and messages), plus the async-only paths (wait, outputs)."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from argo_contract import Sleeps, conforms, err, ok
from argo_fake import ArgoFake, Cut, Reply, result, sse_reply
from test_aclient import AsyncSleeps, config_of, run, sent
from test_apply import local, stored
from test_run import MANIFEST, workflow
from test_run import template as run_template
from tiphys.client import (
    ApplyResult,
    AsyncClient,
    AsyncRun,
    Client,
    Conflict,
    Run,
    WorkflowFailed,
    apply,
    async_apply,
    async_submit,
    submit,
)
from tiphys.client.run import AsyncArtifactOutput, failure_message
from tiphys.errors import TiphysError

NS = "argo"
WF = f"/api/v1/workflows/{NS}"
WFT = f"/api/v1/workflow-templates/{NS}"
NAME = "release-x7k2p"
ONE = f"{WF}/{NAME}"
EVENTS = f"/api/v1/workflow-events/{NS}"
_T = TypeVar("_T")


def both(
    script: Callable[[ArgoFake], None],
    sync: Callable[[Client], Any],
    asyn: Callable[[AsyncClient], Awaitable[Any]],
) -> tuple[Any, Any, list[Any], list[Any]]:
    """Run ``sync`` and ``asyn`` each against a fresh fake scripted by ``script``.

    Returns:
        ``(sync result or error, async result or error, sync requests, async requests)``;
        every request is checked against swagger.json.
    """
    outcomes: list[Any] = []
    requests: list[list[Any]] = []
    for flavour in ("sync", "async"):
        with ArgoFake(socket_timeout=5) as fake:
            script(fake)
            try:
                if flavour == "sync":
                    with Client(config_of(fake), sleep=Sleeps(), random=lambda: 0.5) as c:
                        outcomes.append(sync(c))
                else:

                    async def main() -> Any:
                        async with AsyncClient(
                            config_of(fake), sleep=AsyncSleeps(), random=lambda: 0.5
                        ) as c:
                            return await asyn(c)

                    outcomes.append(run(main()))
            except TiphysError as exc:
                outcomes.append((type(exc), str(exc)))
            requests.append(sent(fake))
            conforms(fake.requests)
    return outcomes[0], outcomes[1], requests[0], requests[1]


def view(value: Any) -> Any:
    """What a run shows, comparable across Run and AsyncRun."""
    if isinstance(value, Run | AsyncRun):
        return (value.name, value.namespace, value.uid, value.phase, value.workflow)
    return value


# --- async_submit -----------------------------------------------------------------------------


def test_async_submit_of_a_manifest_sends_what_submit_sends() -> None:
    def script(fake: ArgoFake) -> None:
        fake.add("POST", WF, ok("POST", WF, workflow()))

    kw: dict[str, Any] = {"labels": {"team": "a"}, "priority": 2, "generate_name": "r-"}
    s, a, s_req, a_req = both(
        script,
        lambda c: submit(MANIFEST, {"env": "prod"}, client=c, **kw),
        lambda c: async_submit(MANIFEST, {"env": "prod"}, client=c, **kw),
    )
    assert isinstance(a, AsyncRun) and repr(a) == f"AsyncRun({NS}/{NAME}, phase='Running')"
    assert view(a) == view(s)
    assert a_req == s_req and len(a_req) == 1


def test_async_submit_checks_parameters_before_sending() -> None:
    s, a, s_req, a_req = both(
        lambda fake: None,
        lambda c: submit(MANIFEST, {"nope": "1"}, client=c),
        lambda c: async_submit(MANIFEST, {"nope": "1"}, client=c),
    )
    assert (
        a
        == s
        == (
            TiphysError,
            "the workflow (generateName 'release-') has no parameter 'nope' (its parameters: "
            "tag, env, retries). Check the name.",
        )
    )
    assert a_req == s_req == []


def test_async_submit_from_a_template_reads_it_then_submits_once() -> None:
    def script(fake: ArgoFake) -> None:
        fake.add("GET", f"{WFT}/release", ok("GET", f"{WFT}/release", run_template()))
        fake.add(
            "POST",
            f"{WF}/submit",
            err("POST", f"{WF}/submit", 503, "busy"),
            ok("POST", f"{WF}/submit", workflow()),
        )

    s, a, s_req, a_req = both(
        script,
        lambda c: submit("wftmpl/release", {"tag": "v2"}, client=c),
        lambda c: async_submit("wftmpl/release", {"tag": "v2"}, client=c),
    )
    assert a == s and a[0].__name__ == "ServerUnavailable"
    assert a_req == s_req
    assert [(m, p) for m, p, _, _ in a_req] == [("GET", f"{WFT}/release"), ("POST", f"{WF}/submit")]


def test_a_forbidden_template_warns_and_still_submits() -> None:
    def script(fake: ArgoFake) -> None:
        fake.add("GET", f"{WFT}/release", err("GET", f"{WFT}/release", 403, "forbidden"))
        fake.add("POST", f"{WF}/submit", ok("POST", f"{WF}/submit", workflow()))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s, a, s_req, a_req = both(
            script,
            lambda c: submit("wftmpl/release", client=c),
            lambda c: async_submit("wftmpl/release", client=c),
        )
    assert [str(w.message) for w in caught] == [
        "cannot read WorkflowTemplate 'release' in namespace 'argo' (forbidden), so the "
        "parameters were not checked before submitting; the server checks them."
    ] * 2
    assert view(a) == view(s) and a_req == s_req


# --- AsyncRun -------------------------------------------------------------------------------


ACTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("set", "set", {"outputs": {"ok": "yes"}}),
    ("stop", "stop", {"message": "why"}),
    ("terminate", "terminate", {}),
    ("suspend", "suspend", {}),
    ("resume", "resume", {"node_field_selector": "displayName=approve"}),
    ("retry", "retry", {"parameters": {"tag": 3}, "restart_successful": True}),
    ("resubmit", "resubmit", {"memoized": True}),
]


@pytest.mark.parametrize(("method", "action", "kwargs"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_action_sends_what_run_sends(method: str, action: str, kwargs: dict[str, Any]) -> None:
    args = ("approve",) if method == "set" else ()
    answer = workflow("release-next") if action == "resubmit" else workflow(phase="Failed")

    def script(fake: ArgoFake) -> None:
        fake.add("PUT", f"{ONE}/{action}", ok("PUT", f"{ONE}/{action}", answer))

    async def asyn(c: AsyncClient) -> Any:
        got = await getattr(AsyncRun(c, workflow()), method)(*args, **kwargs)
        assert isinstance(got, AsyncRun)
        return view(got)

    s, a, s_req, a_req = both(
        script, lambda c: view(getattr(Run(c, workflow()), method)(*args, **kwargs)), asyn
    )
    assert a == s and a_req == s_req and len(a_req) == 1


def ev(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return result({"type": kind, "object": obj})


def done(phase: str) -> dict[str, Any]:
    return workflow(phase=phase, finishedAt="2026-11-29T10:00:09Z")


def test_wait_follows_a_reconnect_to_success_and_reads_outputs() -> None:
    nodes = {
        NAME: {
            "id": NAME,
            "name": NAME,
            "type": "Pod",
            "phase": "Succeeded",
            "outputs": {
                "parameters": [{"name": "digest", "value": "sha256:1"}],
                "artifacts": [{"name": "report", "s3": {"key": "r"}}],
                "exitCode": "0",
            },
        }
    }
    final = workflow(phase="Succeeded", finishedAt="2026-11-29T10:00:09Z", nodes=nodes)
    final["metadata"]["resourceVersion"] = "103"
    artifact = f"/artifact-files/{NS}/workflows/{NAME}/{NAME}/outputs/report"

    def script(fake: ArgoFake) -> None:
        fake.add("GET", ONE, ok("GET", ONE, workflow()))
        middle = workflow()
        middle["metadata"]["resourceVersion"] = "102"
        fake.add(
            "GET",
            EVENTS,
            sse_reply([ev("MODIFIED", middle), Cut()]),
            sse_reply([ev("MODIFIED", final)]),
        )
        fake.add("GET", artifact, Reply(body=b"report"))

    def sync(c: Client) -> Any:
        r = Run(c, workflow()).wait(timeout=10)
        return view(r), r.outputs.parameters, r.outputs.artifacts["report"].read()

    async def asyn(c: AsyncClient) -> Any:
        r = await AsyncRun(c, workflow()).wait(timeout=10)
        report = r.outputs.artifacts["report"]
        assert isinstance(report, AsyncArtifactOutput)
        assert (r.outputs.exit_code, r.outputs.result) == ("0", None)
        return view(r), r.outputs.parameters, await report.read()

    s, a, s_req, a_req = both(script, sync, asyn)
    assert a == s
    assert a[1:] == ({"digest": "sha256:1"}, b"report")
    assert a_req == s_req


def test_wait_raises_workflow_failed_with_the_failed_nodes() -> None:
    failed = workflow(
        phase="Failed",
        finishedAt="2026-11-29T10:00:09Z",
        message="child failed",
        nodes={
            f"{NAME}-1": {
                "id": f"{NAME}-1",
                "name": f"{NAME}.build",
                "displayName": "build",
                "type": "Pod",
                "phase": "Failed",
                "message": "Error (exit code 1)",
            }
        },
    )

    def script(fake: ArgoFake) -> None:
        fake.add("GET", ONE, ok("GET", ONE, failed))

    async def asyn(c: AsyncClient) -> Any:
        r = AsyncRun(c, workflow())
        with pytest.raises(WorkflowFailed) as info:
            await r.wait()
        assert info.value.run is r and info.value.phase == "Failed"
        unchecked = await AsyncRun(c, workflow()).wait(check=False)
        return str(info.value), unchecked.phase

    _, a, _, a_req = both(script, lambda c: None, asyn)
    assert a == (failure_message(failed), "Failed")
    assert [p for _, p, _, _ in a_req] == [ONE, ONE]


# --- async_apply ----------------------------------------------------------------------------

ONE_WFT = f"{WFT}/release"


@pytest.mark.parametrize(
    ("held", "action"),
    [(None, "created"), (stored(local()), "unchanged"), (stored(local(owner="b")), "updated")],
)
def test_async_apply_does_what_apply_does(held: dict[str, Any] | None, action: str) -> None:
    def script(fake: ArgoFake) -> None:
        if held is None:
            fake.add("GET", ONE_WFT, err("GET", ONE_WFT, 404, "not found"))
        else:
            fake.add("GET", ONE_WFT, ok("GET", ONE_WFT, held))
        fake.add("POST", WFT, ok("POST", WFT, stored(local())))
        fake.add("PUT", ONE_WFT, ok("PUT", ONE_WFT, stored(local(), "4712")))

    s, a, s_req, a_req = both(
        script, lambda c: apply(local(), client=c), lambda c: async_apply(local(), client=c)
    )
    assert isinstance(a, ApplyResult) and a == s and a.action == action
    assert a_req == s_req


def test_async_apply_conflict_says_to_run_again() -> None:
    def script(fake: ArgoFake) -> None:
        fake.add("GET", ONE_WFT, ok("GET", ONE_WFT, stored(local(owner="b"))))
        fake.add("PUT", ONE_WFT, err("PUT", ONE_WFT, 409, "the object has been modified"))

    s, a, s_req, a_req = both(
        script, lambda c: apply(local(), client=c), lambda c: async_apply(local(), client=c)
    )
    assert a == s and a[0] is Conflict
    assert a[1].startswith(
        "WorkflowTemplate 'release' changed on the server while it was being applied"
    )
    assert [m for m, _, _, _ in a_req] == ["GET", "PUT"] == [m for m, _, _, _ in s_req]
