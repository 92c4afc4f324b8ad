"""The HTTP template, as Argo's agent runs it (``workflow/executor/agent.go``).

The request is sent with httpx (redirects followed, as Go's client does); the response body is
``outputs.result``. Without ``successCondition`` any 2xx succeeds, else the node is Failed with
``received non-2xx response code: N``. ``successCondition`` is an expr-lang expression over
``request`` (method, url, body, bodyBytes, headers) and ``response`` (statusCode, body, headers:
a map of lists with Go-canonical keys); false gives ``successCondition '<cond>' evaluated
false``. Errors (transport, timeout, a failing expression) end the node Failed with the error's
text. ``timeoutSeconds`` bounds the whole exchange; unset means no timeout.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any


def canonical_header(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``content-type`` -> ``Content-Type``."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _refused(err: BaseException) -> bool:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _go_op(method: str) -> str:
    return method[:1].upper() + method[1:].lower()


async def run_http(
    http: Mapping[str, Any], *, secret: Callable[[str, str], str | None]
) -> tuple[str, str, str | None]:
    """Send the request of an ``http`` template.

    Args:
        http: The template's ``http`` object (already substituted).
        secret: ``(name, key) -> value`` for headers with ``valueFrom.secretKeyRef``; it raises
            the store's error when the key is missing.

    Returns:
        ``(phase, message, result)``: ``"Succeeded"`` or ``"Failed"``, Argo's message, and the
        response body (None when there was no response).
    """
    import httpx

    from tiphys.argo.exprlang import ExprError, evaluate
    from tiphys.errors import TiphysError

    method = str(http.get("method") or "GET")
    url = str(http.get("url") or "")
    body_bytes: bytes
    if http.get("bodyFrom") is not None:
        raw = (http.get("bodyFrom") or {}).get("bytes")
        body_bytes = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw or b"")
    else:
        body_bytes = str(http.get("body") or "").encode()
    headers: list[tuple[str, str]] = []
    request_headers: dict[str, list[str]] = {}
    try:
        for header in http.get("headers") or []:
            value = str(header.get("value") or "")
            ref = (header.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                value = secret(str(ref.get("name")), str(ref.get("key"))) or ""
            name = str(header.get("name"))
            headers.append((name, value))
            request_headers.setdefault(canonical_header(name), []).append(value)
    except TiphysError as err:
        return "Failed", str(err), None
    seconds = http.get("timeoutSeconds")
    timeout = httpx.Timeout(float(seconds) if seconds is not None else None)
    verify = not bool(http.get("insecureSkipVerify"))
    try:
        async with httpx.AsyncClient(
            follow_redirects=True, timeout=timeout, verify=verify
        ) as client:
            response = await client.request(method, url, content=body_bytes, headers=headers)
    except httpx.TimeoutException:
        return "Failed", f'{_go_op(method)} "{url}": context deadline exceeded', None
    except httpx.ConnectError as err:
        host = httpx.URL(url).host
        port = httpx.URL(url).port or (443 if url.startswith("https") else 80)
        reason = "connection refused" if _refused(err) else str(err)
        return (
            "Failed",
            f'{_go_op(method)} "{url}": dial tcp {host}:{port}: connect: {reason}',
            None,
        )
    except (httpx.HTTPError, ValueError) as err:
        return "Failed", f'{_go_op(method)} "{url}": {err}', None
    text = response.content.decode("utf-8", errors="replace")
    condition = str(http.get("successCondition") or "")
    if not condition:
        if 200 <= response.status_code < 300:
            return "Succeeded", "", text
        return "Failed", f"received non-2xx response code: {response.status_code}", text
    response_headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        response_headers.setdefault(canonical_header(name), []).append(value)
    env = {
        "request": {
            "method": method,
            "url": url,
            "body": str(http.get("body") or ""),
            "bodyBytes": list(body_bytes),
            "headers": request_headers,
        },
        "response": {
            "statusCode": response.status_code,
            "body": text,
            "headers": response_headers,
        },
    }
    try:
        ok = evaluate(condition, env)
    except ExprError as err:
        return "Failed", str(err), text
    if not isinstance(ok, bool):
        return "Failed", f"unable to cast expression result to bool: {ok!r}", text
    if not ok:
        return "Failed", f"successCondition '{condition}' evaluated false", text
    return "Succeeded", "", text
