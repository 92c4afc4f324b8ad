"""Shared helpers of the client tests: swagger-checked fixtures and requests, fake sleep."""

from __future__ import annotations

import json
from typing import Any

from argo_fake import Recorded, Reply, error_reply, json_reply
from swagger_oracle import request_problems, response_problems


class Sleeps:
    """An injectable sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def ok(method: str, path: str, obj: Any, status: int = 200, **kw: Any) -> Reply:
    """A JSON reply whose body is first checked against the operation's response schema."""
    assert response_problems(method, path, status, obj) == []
    return json_reply(obj, status, **kw)


def err(method: str, path: str, status: int, message: str) -> Reply:
    """Argo's error reply, checked against the operation's ``default`` response schema."""
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
