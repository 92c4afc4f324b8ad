"""Replies and request checks tied to swagger.json, for tests that talk to an ArgoFake.

``ok``/``err`` build replies whose bodies were first checked against the operation's response
schema; ``conforms`` checks every recorded request (method, path, query, body) against
swagger.json. (The same helpers as in test_client.py, shared for the CLI tests.)
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
    """An error reply (``{"code","message"}``) checked against the response schema."""
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
