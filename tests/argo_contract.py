"""Shared helpers of the client tests: swagger-checked fixtures and requests, fake sleep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from argo_fake import ArgoFake, Recorded, Reply, error_reply, json_reply
from swagger_oracle import request_problems, response_problems
from tiphys.client import ServerConfig, resolve_config


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


def fake_config(argo: ArgoFake, *, token: str, namespace: str) -> ServerConfig:
    """The configuration of a client of ``argo`` (plain http), blind to the environment and
    to any kubeconfig on this machine."""
    return resolve_config(
        server=argo.url.removeprefix("http://"),
        secure=False,
        token=token,
        namespace=namespace,
        env={},
        kubeconfig=Path("/nonexistent"),
    )
