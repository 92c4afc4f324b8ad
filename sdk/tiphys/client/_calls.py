"""Every Argo Server endpoint, defined once for the sync and the async client (private).

An endpoint is a *plan*: a generator that yields :class:`Call` (method, path, query, body,
whether it may be re-sent) and receives each call's decoded JSON result (or has the call's
:class:`~tiphys.client.errors.ArgoServerError` thrown into it), and returns the endpoint's
value. :class:`~tiphys.client.Client` runs plans with :func:`run_sync`,
:class:`~tiphys.client.AsyncClient` with :func:`run_async`; neither builds a request itself.
Plans of one request yield once; paged lists yield once per page; ``delete_selected`` yields
a list then the deletes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from tiphys.client.errors import ArgoServerError, NotFound
from tiphys.client.selectors import node_field_selector_problem
from tiphys.client.streams import items_of
from tiphys.errors import TiphysError

__all__ = [
    "ARCHIVE_PATH",
    "SUBMIT_KINDS",
    "Call",
    "Plan",
    "run_async",
    "run_sync",
]

Json = dict[str, Any]
_R = TypeVar("_R")
_GONE = frozenset({404})

#: Path of the archived-workflows collection.
ARCHIVE_PATH = "/api/v1/archived-workflows"

#: ``resourceKind`` of the submit endpoint, by the names the ``argo`` CLI accepts in ``--from``.
#: The server takes the kind, singular, plural and short names (workflow_server.go
#: SubmitWorkflow); these are matched lowercased.
SUBMIT_KINDS: dict[str, str] = {
    "workflowtemplate": "WorkflowTemplate",
    "workflowtemplates": "WorkflowTemplate",
    "wftmpl": "WorkflowTemplate",
    "clusterworkflowtemplate": "ClusterWorkflowTemplate",
    "clusterworkflowtemplates": "ClusterWorkflowTemplate",
    "cwftmpl": "ClusterWorkflowTemplate",
    "cronworkflow": "CronWorkflow",
    "cronworkflows": "CronWorkflow",
    "cronwf": "CronWorkflow",
    "cwf": "CronWorkflow",
}


@dataclass(frozen=True)
class Call:
    """One request of a plan (the arguments of ``Transport.request``).

    Attributes:
        method: HTTP method.
        path: Path below the base URL, quoted.
        query: Query parameters, or ``None``.
        body: JSON body, or ``None``.
        idempotent: Whether it may be re-sent (``None``: GET, PUT, DELETE are).
        done_after_retry: Statuses meaning success after a re-send (``{404}`` for DELETE).
    """

    method: str
    path: str
    query: Mapping[str, str | list[str]] | None = None
    body: Any = None
    idempotent: bool | None = None
    done_after_retry: frozenset[int] = field(default_factory=frozenset)


#: A plan: yields calls, receives their results, returns the endpoint's value.
Plan = Generator[Call, Any, _R]


def run_sync(plan: Plan[_R], send: Callable[[Call], Any]) -> _R:
    """Run a plan with a synchronous ``send`` (one request per call).

    Args:
        plan: The endpoint's plan.
        send: Sends one call and returns its decoded body; raises ArgoServerError.

    Returns:
        The plan's value.

    Raises:
        ArgoServerError: A call failed and the plan did not handle it.
    """
    try:
        call = next(plan)
        while True:
            try:
                result = send(call)
            except ArgoServerError as exc:
                call = plan.throw(exc)
                continue
            call = plan.send(result)
    except StopIteration as stop:
        value: _R = stop.value
        return value


async def run_async(plan: Plan[_R], send: Callable[[Call], Awaitable[Any]]) -> _R:
    """Run a plan with an asynchronous ``send`` (see :func:`run_sync`).

    Args:
        plan: The endpoint's plan.
        send: Sends one call, awaited.

    Returns:
        The plan's value.

    Raises:
        ArgoServerError: A call failed and the plan did not handle it.
    """
    try:
        call = next(plan)
        while True:
            try:
                result = await send(call)
            except ArgoServerError as exc:
                call = plan.throw(exc)
                continue
            call = plan.send(result)
    except StopIteration as stop:
        value: _R = stop.value
        return value


# --- helpers ----------------------------------------------------------------------------------


def seg(value: str) -> str:
    """One path segment, percent-quoted."""
    return quote(value, safe="")


def pairs(values: Mapping[str, str] | None) -> list[str] | None:
    """``{"k": "v"}`` -> ``["k=v"]`` (Argo's ``parameters`` form), ``None`` for none."""
    if values is None:
        return None
    return [f"{key}={value}" for key, value in values.items()]


def drop_none(fields: Mapping[str, Any]) -> Json:
    """``fields`` without the ``None`` values."""
    return {key: value for key, value in fields.items() if value is not None}


def wf_path(ns: str, name: str | None = None, action: str = "") -> str:
    """``/api/v1/workflows/{ns}[/{name}][/{action}]``."""
    path = f"/api/v1/workflows/{seg(ns)}"
    if name is not None:
        path += f"/{seg(name)}"
    return path + (f"/{action}" if action else "")


def one(call: Call) -> Plan[Any]:
    """The plan of a single call, returning its result."""
    return (yield call)


def obj(call: Call) -> Plan[Json]:
    """The plan of a single call whose result is a JSON object."""
    result: Json = yield call
    return result


def paged(
    path: str, base: Mapping[str, str], limit: int | None, max_pages: int
) -> Plan[list[Json]]:
    """``GET path`` following ``metadata.continue`` (with ``limit``), at most ``max_pages``."""
    items: list[Json] = []
    cont: str | None = None
    for _ in range(max(1, max_pages)):
        query = dict(base)
        if cont:
            query["listOptions.continue"] = cont
        page = yield Call("GET", path, query)
        items += items_of(page)
        cont = (page.get("metadata") or {}).get("continue") if limit is not None else None
        if not cont:
            break
    return items


# --- workflows --------------------------------------------------------------------------------


def create(ns: str, manifest: Mapping[str, Any], server_dry_run: bool) -> Plan[Json]:
    """``POST /api/v1/workflows/{ns}`` (sent once)."""
    body: Json = {"namespace": ns, "workflow": dict(manifest)}
    if server_dry_run:
        body["serverDryRun"] = True
    return (yield from obj(Call("POST", wf_path(ns), body=body)))


def get(ns: str, name: str, fields: str | None) -> Plan[Json]:
    """``GET /api/v1/workflows/{ns}/{name}``."""
    return (yield from obj(Call("GET", wf_path(ns, name), drop_none({"fields": fields}))))


def list_workflows(
    ns: str,
    *,
    label_selector: str | None,
    field_selector: str | None,
    fields: str | None,
    name_filter: str | None,
    limit: int | None,
    max_pages: int,
) -> Plan[list[Json]]:
    """``GET /api/v1/workflows/{ns}``, paged."""
    base = drop_none(
        {
            "listOptions.labelSelector": label_selector,
            "listOptions.fieldSelector": field_selector,
            "fields": fields,
            "nameFilter": name_filter,
            "listOptions.limit": None if limit is None else str(limit),
        }
    )
    return (yield from paged(wf_path(ns), base, limit, max_pages))


def delete(ns: str, name: str, force: bool) -> Plan[None]:
    """``DELETE /api/v1/workflows/{ns}/{name}`` (404 after a re-send is done)."""
    query = {"force": "true"} if force else None
    yield Call("DELETE", wf_path(ns, name), query, done_after_retry=_GONE)


def lint(ns: str, manifest: Mapping[str, Any]) -> Plan[Json]:
    """``POST /api/v1/workflows/{ns}/lint``."""
    body = {"namespace": ns, "workflow": dict(manifest)}
    return (yield from obj(Call("POST", wf_path(ns, action="lint"), body=body)))


def submit(
    kind: str,
    name: str,
    ns: str,
    *,
    parameters: Mapping[str, str] | None,
    entrypoint: str | None,
    workflow_name: str | None,
    generate_name: str | None,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
    service_account: str | None,
    priority: int | None,
    server_dry_run: bool,
) -> Plan[Json]:
    """``POST /api/v1/workflows/{ns}/submit`` (sent once); checks ``kind`` first, and that no
    label or annotation holds ``,`` or ``=`` (the server splits the joined string there)."""
    resource_kind = SUBMIT_KINDS.get(kind.lower())
    if resource_kind is None:
        raise TiphysError(
            f"cannot submit from {kind!r}: the kind is WorkflowTemplate (wftmpl), "
            "ClusterWorkflowTemplate (cwftmpl) or CronWorkflow (cronwf)."
        )
    for what, values in (("label", labels), ("annotation", annotations)):
        for key, value in (values or {}).items():
            if any(c in f"{key}{value}" for c in ",="):
                raise TiphysError(
                    f"cannot submit with {what} {key!r}: submit sends labels and annotations "
                    'as one "k=v,k2=v2" string, so keys and values cannot hold "," or "="; '
                    "set it in the template's workflowMetadata instead."
                )
    options = drop_none(
        {
            "parameters": pairs(parameters),
            "entryPoint": entrypoint,
            "name": workflow_name,
            "generateName": generate_name,
            "labels": ",".join(pairs(labels) or []) or None,
            "annotations": ",".join(pairs(annotations) or []) or None,
            "serviceAccount": service_account,
            "priority": priority,
            "serverDryRun": True if server_dry_run else None,
        }
    )
    body: Json = {"namespace": ns, "resourceKind": resource_kind, "resourceName": name}
    if options:
        body["submitOptions"] = options
    return (yield from obj(Call("POST", wf_path(ns, action="submit"), body=body)))


def action(
    action: str, ns: str, name: str, fields: Mapping[str, Any], *, idempotent: bool = True
) -> Plan[Json]:
    """``PUT /api/v1/workflows/{ns}/{name}/{action}`` with ``fields`` (``None`` dropped).

    Raises:
        TiphysError: ``fields["nodeFieldSelector"]`` names a field the server does not match
            (the action would silently select no node); nothing is sent.
    """
    selector = fields.get("nodeFieldSelector")
    if selector:
        problem = node_field_selector_problem(selector)
        if problem is not None:
            raise TiphysError(problem)
    body = {"name": name, "namespace": ns, **drop_none(fields)}
    return (
        yield from obj(Call("PUT", wf_path(ns, name, action), body=body, idempotent=idempotent))
    )


def retry(
    ns: str,
    name: str,
    restart_successful: bool,
    node_field_selector: str | None,
    parameters: Mapping[str, str] | None,
) -> Plan[Json]:
    """``PUT .../retry`` (sent once: a re-send after it took effect is refused with 400
    "Cannot retry a workflow in phase Running")."""
    fields = {
        "restartSuccessful": True if restart_successful else None,
        "nodeFieldSelector": node_field_selector,
        "parameters": pairs(parameters),
    }
    return (yield from action("retry", ns, name, fields, idempotent=False))


def resubmit(
    ns: str, name: str, memoized: bool, parameters: Mapping[str, str] | None
) -> Plan[Json]:
    """``PUT .../resubmit`` (sent once: it creates a workflow)."""
    fields = {"memoized": True if memoized else None, "parameters": pairs(parameters)}
    return (yield from action("resubmit", ns, name, fields, idempotent=False))


def stop(ns: str, name: str, message: str | None, node_field_selector: str | None) -> Plan[Json]:
    """``PUT .../stop``."""
    fields = {"message": message, "nodeFieldSelector": node_field_selector}
    return (yield from action("stop", ns, name, fields))


def resume(ns: str, name: str, node_field_selector: str | None) -> Plan[Json]:
    """``PUT .../resume``."""
    return (yield from action("resume", ns, name, {"nodeFieldSelector": node_field_selector}))


def set_nodes(
    ns: str,
    name: str,
    node_field_selector: str,
    output_parameters: Mapping[str, str] | None,
    phase: str | None,
    message: str | None,
) -> Plan[Json]:
    """``PUT .../set`` (``outputParameters`` is sent as a JSON string)."""
    fields = {
        "nodeFieldSelector": node_field_selector,
        "outputParameters": (
            None if output_parameters is None else json.dumps(dict(output_parameters))
        ),
        "phase": phase,
        "message": message,
    }
    return (yield from action("set", ns, name, fields))


def delete_selected(
    ns: str, label_selector: str | None, field_selector: str | None, force: bool
) -> Plan[list[str]]:
    """List with the selectors, then delete each workflow (404 skipped)."""
    if label_selector is None and field_selector is None:
        raise TiphysError(
            "delete_selected() needs label_selector= or field_selector=; to delete every "
            'workflow of the namespace, pass label_selector="".'
        )
    found = yield from list_workflows(
        ns,
        label_selector=label_selector or None,
        field_selector=field_selector,
        fields=None,
        name_filter=None,
        limit=None,
        max_pages=1,
    )
    deleted: list[str] = []
    for wf in found:
        name = (wf.get("metadata") or {}).get("name")
        if not name:
            continue
        try:
            yield from delete(ns, name, force)
        except NotFound:
            continue
        deleted.append(name)
    return deleted


def grep_on_server(pattern: str) -> bool:
    """Whether a log ``grep`` may be sent to the server as a pre-filter.

    The server matches ``grep`` against the content it sends, which starts with the line's
    timestamp when ``logOptions.timestamps=true`` (always asked for): a pattern anchored at the
    start (``^``, ``\\A``) would match no line there. Other patterns match the timestamped
    content whenever they match the line; the client re-filters what comes either way.

    Args:
        pattern: The user's RE2 regex.

    Returns:
        True when sending it cannot drop a line the pattern matches.
    """
    return "^" not in pattern and "\\A" not in pattern


def logs_query(
    *,
    pod_name: str | None,
    container: str,
    follow: bool,
    since_seconds: int | None,
    since_time: datetime | None,
    tail_lines: int | None,
    grep: str | None,
    selector: str | None,
) -> dict[str, str]:
    """The query of ``GET /api/v1/workflows/{ns}/{name}/log`` (always with timestamps;
    ``grep`` only when :func:`grep_on_server`)."""
    since = None
    if since_time is not None:
        moment = since_time if since_time.tzinfo else since_time.replace(tzinfo=UTC)
        since = str(int(moment.timestamp()))
    return drop_none(
        {
            "podName": pod_name,
            "logOptions.container": container,
            "logOptions.follow": "true" if follow else None,
            "logOptions.timestamps": "true",
            "logOptions.sinceSeconds": None if since_seconds is None else str(since_seconds),
            "logOptions.sinceTime.seconds": since,
            "logOptions.tailLines": None if tail_lines is None else str(tail_lines),
            "grep": grep if grep and grep_on_server(grep) else None,
            "selector": selector,
        }
    )


def artifact_path(
    ns: str, workflow: str, node_id: str, artifact: str, io: str, uid: str | None = None
) -> str:
    """``/artifact-files/{ns}/workflows/{name}/{nodeId}/{io}/{artifact}`` (outputs only).

    ``workflows`` (plural) is what the server's handler accepts (``artifact_server.go``
    GetArtifactFile); swagger.json's proto enum ``workflow`` is refused with 400. With ``uid``:
    ``/artifact-files/{ns}/archived-workflows/{uid}/...``, the archived copy (the handler finds
    a workflow by name among live workflows only)."""
    if io != "outputs":
        raise TiphysError(
            f"the Argo Server serves output artifacts only (io='outputs'), not {io!r}."
        )
    where = f"archived-workflows/{seg(uid)}" if uid else f"workflows/{seg(workflow)}"
    return f"/artifact-files/{seg(ns)}/{where}/{seg(node_id)}/{io}/{seg(artifact)}"


def live_then_archived(fetch: Callable[..., _R], uid: str | None) -> _R:
    """``fetch(uid=None)`` (the live workflow's artifact route); when it fails and ``uid`` is
    known, ``fetch(uid=uid)`` (``archived-workflows/{uid}``): the server's artifact handler finds
    a workflow by name among live ones only, and answers 500 for one deleted but archived.

    Args:
        fetch: Reads or downloads with the ``uid`` keyword it is given (``None``: the live
            route), e.g. ``functools.partial(client.read_artifact, name, node, artifact)``.
        uid: The workflow's ``metadata.uid``, or ``None``/``""`` for no fallback.

    Returns:
        What ``fetch`` returned.

    Raises:
        ArgoServerError: The live route's error, when the archived copy fails too.
    """
    try:
        return fetch(uid=None)
    except ArgoServerError as first:
        if not uid:
            raise
        try:
            return fetch(uid=uid)
        except ArgoServerError:
            raise first from None


async def live_then_archived_async(fetch: Callable[..., Awaitable[_R]], uid: str | None) -> _R:
    """:func:`live_then_archived` with an awaitable ``fetch``."""
    try:
        return await fetch(uid=None)
    except ArgoServerError as first:
        if not uid:
            raise
        try:
            return await fetch(uid=uid)
        except ArgoServerError:
            raise first from None


def too_large(artifact: str, node_id: str, max_bytes: int) -> TiphysError:
    """The error of ``read_artifact`` past ``max_bytes``."""
    return TiphysError(
        f"artifact {artifact!r} of node {node_id} is larger than {max_bytes} "
        "bytes; use download_artifact() to write it to a file."
    )


# --- archived workflows -----------------------------------------------------------------------


def archive_list(
    ns: str,
    name_prefix: str | None,
    label_selector: str | None,
    limit: int | None,
    max_pages: int,
) -> Plan[list[Json]]:
    """``GET /api/v1/archived-workflows``, paged (``ns`` ``""``: all namespaces)."""
    base = drop_none(
        {
            "namespace": ns or None,
            "namePrefix": name_prefix,
            "listOptions.labelSelector": label_selector,
            "listOptions.limit": None if limit is None else str(limit),
        }
    )
    return (yield from paged(ARCHIVE_PATH, base, limit, max_pages))


def archive_get(uid: str, namespace: str | None, name: str | None) -> Plan[Json]:
    """``GET /api/v1/archived-workflows/{uid}``."""
    query = {k: v for k, v in {"namespace": namespace, "name": name}.items() if v}
    return (yield from obj(Call("GET", f"{ARCHIVE_PATH}/{seg(uid)}", query)))


def archive_delete(uid: str) -> Plan[None]:
    """``DELETE /api/v1/archived-workflows/{uid}`` (404 after a re-send is done)."""
    yield Call("DELETE", f"{ARCHIVE_PATH}/{seg(uid)}", done_after_retry=_GONE)
