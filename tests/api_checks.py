"""Swagger checks of what tests send to and script in :class:`ArgoFake` (shared test helpers).

:func:`ok` and :func:`err` build replies whose bodies are first checked against the operation's
response schema in ``swagger.json``; :func:`conforms` checks every recorded request (method,
path, query, body) against the operation it calls.
"""

from __future__ import annotations

import json
from typing import Any

from argo_fake import Recorded, Reply, error_reply, json_reply
from swagger_oracle import request_problems, response_problems


def ok(method: str, path: str, obj: Any, status: int = 200, **kw: Any) -> Reply:
    """A JSON reply whose body is first checked against the operation's response schema."""
    assert response_problems(method, path, status, obj) == []
    return json_reply(obj, status, **kw)


def err(method: str, path: str, status: int, message: str) -> Reply:
    """Argo's error reply, checked against the operation's error schema."""
    reply = error_reply(status, message)
    assert response_problems(method, path, status, json.loads(reply.body)) == []
    return reply


def conforms(requests: list[Recorded]) -> None:
    """Every recorded request matches swagger.json (method, path, query, body)."""
    for r in requests:
        query: dict[str, str | list[str]] = {
            k: v[0] if len(v) == 1 else v for k, v in r.query.items()
        }
        body = r.json() if r.body else None
        assert request_problems(r.method, r.path, query, body) == [], r
