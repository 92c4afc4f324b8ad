"""A scripted Argo Server on 127.0.0.1 for client tests (stdlib ``http.server``, no cluster).

Script replies per ``(method, path)``; each request takes the next reply of its route (the last
one repeats). Replies are JSON bodies with a status (:func:`json_reply`, :func:`error_reply`)
or streams (:func:`sse_reply`, :func:`ndjson_reply`) made of messages, ``:`` keepalives,
error chunks, pauses and an optional cut connection. Every request is recorded
(:class:`Recorded`). Unscripted routes get Argo's 404 ``{"code": 5, "message": ...}``.

Every wait is bounded: pauses and slow replies wake up when the server stops, sockets time out
after :attr:`ArgoFake.socket_timeout` seconds, and :meth:`ArgoFake.close` joins its thread with
a timeout.

Example::

    with ArgoFake() as argo:
        argo.add("GET", "/api/v1/version", json_reply({"version": "v4.1.2"}))
        httpx.get(argo.url + "/api/v1/version", timeout=5)
        assert argo.requests[0].path == "/api/v1/version"
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

# --- stream items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """Wait this many seconds (woken early when the server stops) before the next item."""

    seconds: float


@dataclass(frozen=True)
class Cut:
    """Close the connection at once, without ending the chunked body (a dropped connection)."""


KEEPALIVE = b":\n"  # Argo's SSE keepalive comment (FACTS §1.4)
StreamItem = bytes | Pause | Cut


def sse_data(message: Mapping[str, Any]) -> bytes:
    """One SSE message exactly as Argo writes it: ``data: <json> \\n\\n`` (note the space)."""
    return b"data: " + json.dumps(message).encode() + b" \n\n"


def result(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A stream message ``{"result": obj}``."""
    return {"result": dict(obj)}


def error_chunk(
    message: str = "EOF", grpc_code: int = 8, http_code: int = 429, http_status: str = ""
) -> dict[str, Any]:
    """A stream error chunk; the default is the watch EOF (FACTS §1.4)."""
    return {
        "error": {
            "grpc_code": grpc_code,
            "http_code": http_code,
            "message": message,
            "http_status": http_status or {429: "Too Many Requests"}.get(http_code, ""),
        }
    }


# --- replies --------------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted response.

    Attributes:
        status: HTTP status code.
        body: Whole body (sent with ``Content-Length``); ignored when ``stream`` is set.
        headers: Extra response headers.
        delay: Seconds to wait before sending anything (a slow server).
        stream: Items sent one by one, chunked and flushed (``None`` for a plain body).
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream: list[StreamItem] | None = None


def json_reply(obj: Any, status: int = 200, *, delay: float = 0.0) -> Reply:
    """A JSON response."""
    return Reply(
        status=status,
        body=json.dumps(obj).encode(),
        headers={"Content-Type": "application/json"},
        delay=delay,
    )


_GRPC_OF_STATUS = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 503: 14, 504: 4}


def error_reply(status: int, message: str, *, code: int | None = None) -> Reply:
    """Argo's error body ``{"code": <gRPC code>, "message": ...}`` with its HTTP status."""
    grpc = code if code is not None else _GRPC_OF_STATUS.get(status, 2)
    return json_reply({"code": grpc, "message": message}, status)


def sse_reply(items: Iterable[Mapping[str, Any] | StreamItem], *, delay: float = 0.0) -> Reply:
    """An SSE stream: dicts become ``data:`` messages; bytes, :class:`Pause`, :class:`Cut` as is."""
    return Reply(
        headers={"Content-Type": "text/event-stream"},
        delay=delay,
        stream=[sse_data(i) if isinstance(i, Mapping) else i for i in items],
    )


def ndjson_reply(items: Iterable[Mapping[str, Any] | StreamItem]) -> Reply:
    """A newline-delimited JSON stream (Argo without ``Accept: text/event-stream``)."""
    return Reply(
        headers={"Content-Type": "application/json"},
        stream=[json.dumps(i).encode() + b"\n" if isinstance(i, Mapping) else i for i in items],
    )


@dataclass(frozen=True)
class Recorded:
    """One request the fake received.

    Attributes:
        method: ``GET``, ``POST``, ...
        path: The path without the query.
        query: Query parameters, each name to its values in order.
        headers: Header names lowercased to values.
        body: The raw body.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up (timeouts and cut streams do on purpose)."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class ArgoFake:
    """A threaded HTTP server on a free port of 127.0.0.1 that plays scripted replies.

    Use as a context manager; :attr:`url` is ``http://127.0.0.1:<port>``.

    Args:
        socket_timeout: Seconds a connection may stay idle before the server drops it.
    """

    def __init__(self, socket_timeout: float = 10.0) -> None:
        self.socket_timeout = socket_timeout
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, method: str, path: str, *replies: Reply) -> None:
        """Script replies for ``method path``: one per request, the last one repeating."""
        with self._lock:
            self._routes.setdefault((method.upper(), path), []).extend(replies)

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        """The recorded requests for one route, in order."""
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def __enter__(self) -> ArgoFake:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving, wake sleeping replies and release the port (bounded: 5 s)."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    # -- internals ---------------------------------------------------------------------------

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get((method, path))
            if not queue:
                return error_reply(404, f"no scripted reply for {method} {path}")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = fake.socket_timeout

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the default stderr log."""

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(recorded)
                reply = fake._next_reply(self.command, parts.path)
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                try:
                    self._send(reply)
                except (TimeoutError, BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.stream is None:
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for item in reply.stream:
                    if isinstance(item, Pause):
                        if fake._stopping.wait(item.seconds):
                            break
                        continue
                    if isinstance(item, Cut):
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if item:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(item), item))
                        self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler
