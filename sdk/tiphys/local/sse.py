"""Stream responses of the local Argo Server, framed as Argo's ``StreamForwarder`` frames them.

With ``Accept: text/event-stream`` (exact match) each message is ``data: <json> \\n\\n`` and a
``:`` keepalive comment line goes out when nothing was sent for a while (15 s by default);
without it, each message is one JSON line (NDJSON) and there are no keepalives (FACTS §1.4).
Messages are ``{"result": ...}`` or a final ``{"error": {...}}`` chunk. The body is chunked.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

__all__ = ["KEEPALIVE", "SSE_CONTENT_TYPE", "StreamWriter", "error_chunk", "wants_sse"]

SSE_CONTENT_TYPE = "text/event-stream"
#: The keepalive comment Argo's forwarder writes in SSE mode.
KEEPALIVE = b":\n"

_HTTP_STATUS = {
    429: "Too Many Requests",
    400: "Bad Request",
    404: "Not Found",
    500: "Internal Server Error",
}


def wants_sse(accept: str | None) -> bool:
    """Whether the request asked for SSE (``Accept: text/event-stream``, exactly)."""
    return (accept or "").strip() == SSE_CONTENT_TYPE


def error_chunk(message: str, grpc_code: int = 8, http_code: int = 429) -> dict[str, Any]:
    """A mid-stream error message (the watch's EOF by default: ResourceExhausted, 429)."""
    return {
        "error": {
            "grpc_code": grpc_code,
            "http_code": http_code,
            "message": message,
            "http_status": _HTTP_STATUS.get(http_code, ""),
        }
    }


class StreamWriter:
    """Writes one stream response (status 200, chunked) to a connection.

    Args:
        wfile: The connection's output.
        sse: SSE framing (and keepalives) instead of NDJSON.

    Writes raise ``OSError`` (``BrokenPipeError``, ``ConnectionResetError``) when the client
    has gone; the caller ends the stream then.
    """

    def __init__(self, wfile: BinaryIO, *, sse: bool) -> None:
        self._wfile = wfile
        self.sse = sse

    @property
    def content_type(self) -> str:
        """The response's ``Content-Type``."""
        return SSE_CONTENT_TYPE if self.sse else "application/json"

    def _chunk(self, data: bytes) -> None:
        if data:
            self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self._wfile.flush()

    def send(self, message: dict[str, Any]) -> None:
        """Send one message (``{"result": ...}`` or an error chunk)."""
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self._chunk(b"data: " + body + b" \n\n" if self.sse else body + b"\n")

    def keepalive(self) -> None:
        """Send a keepalive comment (SSE only; nothing in NDJSON mode)."""
        if self.sse:
            self._chunk(KEEPALIVE)

    def end(self) -> None:
        """End the chunked body."""
        self._wfile.write(b"0\r\n\r\n")
        self._wfile.flush()
