"""Reading the Argo Server's streams: SSE messages, compressed nodes, list items, dedupe.

Pure functions and small stateful helpers, no network: the client feeds them the lines of a
response (:func:`split_lines` over ``httpx.Response.iter_text()``) and acts on what comes out.

Wire format (FACTS §1.4, ``github.com/argoproj/pkg/grpc/http`` StreamForwarder): with
``Accept: text/event-stream`` each message is ``data: <json> \\n\\n`` and a ``:`` keepalive
comment comes every 15 s; without it the server sends newline-delimited JSON (NDJSON) with no
keepalives. Every message is ``{"result": {...}}`` or, once, just before the stream ends,
``{"error": {"grpc_code", "http_code", "message", "http_status"}}``.

Why a small line parser here and not ``httpx-sse``: httpx-sse's public API
(``EventSource``/``connect_sse``) reads only from an ``httpx.Response`` and raises on any
``Content-Type`` other than ``text/event-stream`` (so it cannot read the NDJSON mode); its
line-level decoder lives in the private module ``httpx_sse._decoders``; and, as the SSE
specification says, it drops an event that was not closed by a blank line when the stream
ends, whereas Argo's own CLI (``pkg/apiclient/http1/server-sent-events-client.go``) handles
each ``data:`` line as it arrives, so a stream cut after the last ``data:`` line still delivers
it. The rules below are the WHATWG event-stream rules that matter for Argo, in 40 lines.

Feed :func:`messages` from :func:`split_lines` over ``httpx.Response.iter_text()``, not from
``iter_lines()``: httpx splits lines as ``str.splitlines`` does, also on U+0085 (NEL), U+2028
and U+2029, and Go's ``encoding/json`` writes U+0085 unescaped, so a log line holding it would
be cut in two. SSE ends lines only at ``\r\n``, ``\r`` or ``\n``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tiphys.errors import TiphysError

__all__ = [
    "LineSplitter",
    "LogDeduper",
    "MessageDecoder",
    "StreamError",
    "StreamMessage",
    "WatchDeduper",
    "amessages",
    "decode_compressed_nodes",
    "items_of",
    "messages",
    "split_lines",
    "split_timestamp",
]

_TOO_OLD = "too old resource version"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PRUNE_EVERY = 4096  # LogDeduper: lines shown between two prunings of old keys


class StreamError(TiphysError):
    """An ``{"error": {...}}`` chunk ended an Argo stream (watch or logs).

    The server sends it when the Kubernetes watch behind the stream closes (ResourceExhausted
    ``"EOF"``, gRPC 8 / HTTP 429) or fails (``"too old resource version"``), then ends the
    stream. The caller reconnects; after :attr:`too_old_resource_version` it must restart from
    a fresh ``GET`` and a watch with ``listOptions.resourceVersion=0`` (FACTS §6.8).

    Attributes:
        message: The server's ``error.message``, kept whole.
        grpc_code: ``error.grpc_code`` (e.g. 8 ResourceExhausted), or ``None`` when absent.
        http_code: ``error.http_code`` (e.g. 429), or ``None`` when absent.
        too_old_resource_version: True when the message says the resourceVersion the watch
            resumed from is too old (Kubernetes 410 Gone).
        eof: True for the ordinary end of the Kubernetes watch (message ``"EOF"``): reconnect
            with the same resourceVersion.
    """

    def __init__(
        self,
        message: str,
        *,
        grpc_code: int | None = None,
        http_code: int | None = None,
    ) -> None:
        self.message = message
        self.grpc_code = grpc_code
        self.http_code = http_code
        self.too_old_resource_version = _TOO_OLD in message.lower() or http_code == 410
        self.eof = message == "EOF"
        codes = ", ".join(
            part
            for part in (
                f"gRPC code {grpc_code}" if grpc_code is not None else "",
                f"HTTP {http_code}" if http_code is not None else "",
            )
            if part
        )
        hint = (
            " The watch must restart from a fresh GET."
            if self.too_old_resource_version
            else " Reconnect to go on."
        )
        super().__init__(
            f"the Argo Server ended the stream: {message}"
            + (f" ({codes})" if codes else "")
            + "."
            + hint
        )

    @classmethod
    def from_chunk(cls, error: Any) -> StreamError:
        """Build from the value of an ``{"error": ...}`` chunk.

        Args:
            error: The ``error`` object: ``{"grpc_code": int, "http_code": int,
                "message": str, "http_status": str}``; any field may be missing.

        Returns:
            The exception (not raised).
        """
        if not isinstance(error, Mapping):
            return cls(str(error))
        grpc = error.get("grpc_code")
        http = error.get("http_code")
        return cls(
            str(error.get("message", "")),
            grpc_code=grpc if isinstance(grpc, int) else None,
            http_code=http if isinstance(http, int) else None,
        )


@dataclass(frozen=True)
class StreamMessage:
    """One message of an Argo stream: a result or an error, never both.

    Attributes:
        result: The ``result`` object (a watch event ``{"type", "object"}`` or a log entry
            ``{"content", "podName"}``), or ``None`` for an error.
        error: The error chunk as a :class:`StreamError` (not raised), or ``None``.
    """

    result: dict[str, Any] | None = None
    error: StreamError | None = None

    def unwrap(self) -> dict[str, Any]:
        """Return the result, or raise the error.

        Returns:
            The ``result`` object.

        Raises:
            StreamError: The message is an error chunk.
        """
        if self.error is not None:
            raise self.error
        return self.result if self.result is not None else {}


def _message(data: str, *, complete: bool) -> StreamMessage | None:
    """Decode one message's JSON; ``None`` when a cut-off last message is not whole JSON."""
    try:
        value = json.loads(data)
    except ValueError as exc:
        if not complete:
            return None  # the connection was cut mid-message; the reconnect re-reads it
        raise TiphysError(
            f"the Argo Server sent a stream message that is not JSON ({exc}): {data[:200]!r}"
        ) from None
    if not isinstance(value, dict):
        raise TiphysError(
            f"the Argo Server sent a stream message that is not an object: {data[:200]!r}"
        )
    if "error" in value and value["error"] is not None:
        return StreamMessage(error=StreamError.from_chunk(value["error"]))
    result = value.get("result")
    return StreamMessage(result=result if isinstance(result, dict) else {})


class LineSplitter:
    """Incremental :func:`split_lines`: feed text chunks as they come (sync or async reads).

    Lines end at ``\r\n``, ``\r`` and ``\n`` only (SSE rules).
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> list[str]:
        """Add one chunk of text.

        Args:
            chunk: Text of any size.

        Returns:
            The lines completed by it, without their endings.
        """
        text = self._pending + chunk
        if not text:
            return []
        # A "\r" at the end may be the first half of "\r\n": wait for the next chunk.
        cut = len(text) - 1 if text.endswith("\r") else len(text)
        parts = text[:cut].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._pending = parts.pop() + text[cut:]
        return parts

    def end(self) -> list[str]:
        """The last line when the text did not end with a line ending (else ``[]``)."""
        pending, self._pending = self._pending, ""
        return [pending.rstrip("\r")] if pending else []


def split_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Split decoded text chunks into lines at ``\r\n``, ``\r`` and ``\n`` only (SSE rules).

    Args:
        chunks: Text in pieces of any size, e.g. ``httpx.Response.iter_text()``.

    Yields:
        Each line without its ending; a last line without an ending is yielded at the end.
    """
    splitter = LineSplitter()
    for chunk in chunks:
        yield from splitter.feed(chunk)
    yield from splitter.end()


class MessageDecoder:
    """Incremental :func:`messages`: feed lines as they come (sync or async reads).

    See :func:`messages` for the rules.
    """

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, raw: str) -> StreamMessage | None:
        """Add one line.

        Args:
            raw: The line without its ending (a trailing ``"\r"`` is tolerated).

        Returns:
            The message it completes, or ``None``.

        Raises:
            TiphysError: A complete message is not a JSON object.
        """
        line = raw.rstrip("\r\n")
        if not line.strip():
            if self._data:
                data, self._data = "\n".join(self._data), []
                return _message(data, complete=True)
            return None
        if line.startswith(":"):
            return None
        if line.startswith("{"):
            return _message(line, complete=True)
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None

    def end(self) -> StreamMessage | None:
        """The pending message at the end of the lines, when its data is whole JSON."""
        if not self._data:
            return None
        data, self._data = "\n".join(self._data), []
        return _message(data, complete=False)


def messages(lines: Iterable[str]) -> Iterator[StreamMessage]:
    """Decode the messages of an Argo stream from its lines.

    Rules (SSE as WHATWG defines it, plus Argo's NDJSON mode):

    - empty lines end an event; lines starting with ``:`` (keepalives) are ignored;
    - ``data:`` lines (one optional space after the colon) add to the event's data, several
      joined with ``\\n``; other fields (``event``, ``id``, ``retry``) are ignored;
    - a line starting with ``{`` is a whole NDJSON message (the mode without the
      ``Accept: text/event-stream`` header);
    - at the end of the lines, a pending event is delivered when its data is whole JSON
      (as Argo's CLI, which handles each ``data:`` line at once) and dropped when it was cut
      mid-message (the reconnect reads it again).

    Args:
        lines: The response's lines without their line endings (a trailing ``"\\r"`` is
            tolerated), e.g. ``split_lines(response.iter_text())``.

    Yields:
        One :class:`StreamMessage` per message, in order. Error chunks are yielded, not raised;
        use :meth:`StreamMessage.unwrap` to raise them.

    Raises:
        TiphysError: A complete message is not a JSON object.
    """
    decoder = MessageDecoder()
    for raw in lines:
        msg = decoder.feed(raw)
        if msg is not None:
            yield msg
    last = decoder.end()
    if last is not None:
        yield last


async def amessages(lines: AsyncIterable[str]) -> AsyncIterator[StreamMessage]:
    """:func:`messages` over an async iterable of lines (the same :class:`MessageDecoder`).

    Args:
        lines: The response's lines without their endings.

    Yields:
        One :class:`StreamMessage` per message, in order (error chunks yielded, not raised).

    Raises:
        TiphysError: A complete message is not a JSON object.
    """
    decoder = MessageDecoder()
    async for raw in lines:
        msg = decoder.feed(raw)
        if msg is not None:
            yield msg
    last = decoder.end()
    if last is not None:
        yield last


def decode_compressed_nodes(status: Mapping[str, Any]) -> dict[str, Any]:
    """Return a workflow's nodes map, decoding ``status.compressedNodes`` when it is set.

    Past ``MAX_WORKFLOW_SIZE`` the controller empties ``status.nodes`` and stores
    ``status.compressedNodes``: base64 (standard alphabet) of gzip of the JSON nodes map
    (``workflow/packer/packer.go``). List responses do not decompress it; GET and watch do.

    Args:
        status: A Workflow's ``status`` object.

    Returns:
        The nodes map ``{node id: NodeStatus}``: decoded from ``compressedNodes`` when it is a
        non-empty string, else ``status.nodes``, else ``{}``.

    Raises:
        TiphysError: ``compressedNodes`` is not base64, not gzip (zstd, which a controller can
            be configured to use, is named as such), or not a JSON object.
    """
    packed = status.get("compressedNodes")
    if not packed:
        nodes = status.get("nodes")
        return dict(nodes) if isinstance(nodes, Mapping) else {}
    what = "status.compressedNodes"
    if not isinstance(packed, str):
        raise TiphysError(f"{what} is a {type(packed).__name__}, not a base64 string.")
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TiphysError(f"{what} is not valid base64: {exc}.") from None
    if raw.startswith(_ZSTD_MAGIC):
        raise TiphysError(
            f"{what} is compressed with zstd, which tiphys cannot read; read the workflow with"
            " GET (the server decompresses it) or configure the controller to use gzip."
        )
    if not raw.startswith(_GZIP_MAGIC):
        raise TiphysError(f"{what} is not gzip data (it starts with {raw[:4].hex()}).")
    try:
        text = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise TiphysError(f"{what} is damaged gzip data: {exc}.") from None
    try:
        nodes = json.loads(text)
    except ValueError as exc:
        raise TiphysError(f"{what} does not hold JSON: {exc}.") from None
    if not isinstance(nodes, dict):
        raise TiphysError(f"{what} holds a {type(nodes).__name__}, not a map of nodes.")
    return nodes


def items_of(list_response: Mapping[str, Any]) -> list[Any]:
    """Return the ``items`` of a list response; the server sends ``"items": null`` for none.

    Args:
        list_response: A list body (``WorkflowList``, ``WorkflowTemplateList``, ...).

    Returns:
        The items, ``[]`` when ``items`` is ``null`` or absent.

    Raises:
        TiphysError: ``items`` is neither a list nor ``null``.
    """
    items = list_response.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise TiphysError(f"the list response's 'items' is a {type(items).__name__}, not a list.")
    return items


class WatchDeduper:
    """Drops watch events already delivered, across reconnects (FACTS §1.4, §6.8).

    A reconnect from ``resourceVersion=0`` starts with a synthetic ``ADDED`` of the current
    state, usually one already seen; a restart after "too old resource version" GETs first.
    Decision: resourceVersions are compared as Kubernetes requires, as opaque strings with
    equality only (never as numbers: the API promises no order), so "older" means "a
    resourceVersion already seen for this workflow". The last ``history`` versions per
    workflow are kept. A ``DELETED`` event is new unless a ``DELETED`` was already delivered.
    Workflows are keyed by ``metadata.uid``, else ``namespace/name``. Events without a
    resourceVersion are always delivered.

    Args:
        history: How many resourceVersions to remember per workflow (default 256).
    """

    def __init__(self, history: int = 256) -> None:
        self._history = max(1, history)
        self._seen: dict[str, dict[tuple[str, bool], None]] = {}
        self._last: dict[str, str] = {}

    @staticmethod
    def _key(obj: Mapping[str, Any]) -> str:
        meta = obj.get("metadata") or {}
        uid = meta.get("uid")
        if uid:
            return str(uid)
        return f"{meta.get('namespace', '')}/{meta.get('name', '')}"

    def observe(self, obj: Mapping[str, Any], *, deleted: bool = False) -> bool:
        """Record a workflow object (from a GET or an event) and say whether it is new.

        Args:
            obj: A Workflow (``metadata.resourceVersion`` is read).
            deleted: True for the object of a ``DELETED`` event.

        Returns:
            True when this (workflow, resourceVersion) was not seen before.
        """
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if not rv:
            return True
        key = self._key(obj)
        seen = self._seen.setdefault(key, {})
        mark = (str(rv), deleted)
        if mark in seen:
            return False
        seen[mark] = None
        if len(seen) > self._history:
            del seen[next(iter(seen))]
        self._last[key] = str(rv)
        return True

    def accept(self, event: Mapping[str, Any]) -> bool:
        """Record a watch event and say whether to deliver it.

        Args:
            event: A watch ``result``: ``{"type": "ADDED|MODIFIED|DELETED", "object": {...}}``.

        Returns:
            True when the event is new; False for a repeat.
        """
        obj = event.get("object")
        if not isinstance(obj, Mapping):
            return True
        return self.observe(obj, deleted=event.get("type") == "DELETED")

    def last_resource_version(self, obj: Mapping[str, Any]) -> str | None:
        """The resourceVersion last recorded for this object's workflow, or ``None``."""
        return self._last.get(self._key(obj))


def split_timestamp(content: str) -> tuple[str, str]:
    """Split a log line requested with ``logOptions.timestamps=true``.

    Args:
        content: A log entry's ``content``: ``"<RFC3339Nano> <line>"`` (FACTS §1.4).

    Returns:
        ``(timestamp, line)``; ``("", content)`` when the line has no timestamp.
    """
    head, sep, rest = content.partition(" ")
    if sep and _seconds(head) is not None:
        return head, rest
    return "", content


def _seconds(stamp: str) -> datetime | None:
    """The whole second of an RFC3339 timestamp, in UTC, or ``None``."""
    if len(stamp) < 20 or stamp[10] != "T":
        return None
    try:
        moment = datetime.fromisoformat(stamp[:19] + "+00:00")
        tail = stamp[19:].lstrip(".0123456789")
        if tail not in ("Z", "z"):
            moment = datetime.fromisoformat(stamp[:19] + tail) if tail else moment
    except ValueError:
        return None
    return moment.astimezone(UTC)


class LogDeduper:
    """Drops log lines already shown when a log stream is resumed with ``sinceTime``.

    The log API has no cursor: a resumed stream re-sends every line since the whole second
    asked for, so delivery is at-least-once and lines are deduplicated by
    ``(podName, timestamp, content)``. Each connection counts its occurrences of a key; a line
    is new when this connection has now seen it more often than any earlier connection
    showed it, so a line printed twice in the same nanosecond is still shown twice.

    Request ``logOptions.timestamps=true`` so keys carry a timestamp; without it identical
    lines of one pod cannot be told apart across a resume. Memory stays bounded for
    timestamped lines: every 4096 lines shown, keys older than the resume point are forgotten
    (a pod's lines come in time order, and no resume asks for them again); lines without a
    timestamp are kept for the deduper's life.

    Args:
        margin: Seconds to resume before the latest timestamp shown (default 1: the server
            merges pods in 1 s batches, so another pod's lines may lag by that much).
    """

    def __init__(self, margin: int = 1) -> None:
        self._margin = timedelta(seconds=max(0, margin))
        self._shown: dict[tuple[str, str, str], int] = {}
        self._this_connection: dict[tuple[str, str, str], int] = {}
        self._latest: datetime | None = None
        self._until_prune = _PRUNE_EVERY

    def accept(self, pod: str, content: str) -> bool:
        """Record a log entry and say whether to show it.

        Args:
            pod: The entry's ``podName`` (``""`` when absent).
            content: The entry's ``content`` (``""`` when absent), with its timestamp.

        Returns:
            True when the line was not shown before.
        """
        stamp, line = split_timestamp(content)
        key = (pod, stamp, line)
        count = self._this_connection.get(key, 0) + 1
        self._this_connection[key] = count
        if count <= self._shown.get(key, 0):
            return False
        self._shown[key] = count
        moment = _seconds(stamp) if stamp else None
        if moment is not None and (self._latest is None or moment > self._latest):
            self._latest = moment
        self._until_prune -= 1
        if self._until_prune <= 0:
            self._prune()
        return True

    def _prune(self) -> datetime | None:
        """Forget keys older than the resume point; return that point (``None``: no stamps)."""
        self._until_prune = _PRUNE_EVERY
        if self._latest is None:
            return None
        since = self._latest - self._margin

        def keep(key: tuple[str, str, str]) -> bool:
            moment = _seconds(key[1]) if key[1] else None
            return moment is None or moment >= since

        self._shown = {key: n for key, n in self._shown.items() if keep(key)}
        self._this_connection = {k: n for k, n in self._this_connection.items() if keep(k)}
        return since

    def resume(self) -> int | None:
        """Start counting a new connection; return where it should start.

        Lines older than the returned second are forgotten: they cannot come back.

        Returns:
            ``logOptions.sinceTime.seconds`` (Unix seconds) to send: the latest timestamp
            shown, floored to the second, minus the margin; ``None`` when no timestamped line
            was shown yet (resume from the start).
        """
        self._this_connection = {}
        since = self._prune()
        return None if since is None else int(since.timestamp())
