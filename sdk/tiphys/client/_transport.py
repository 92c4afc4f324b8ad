"""One request to the Argo Server, with timeouts, error mapping and bounded retries (private).

:class:`Transport` owns an ``httpx.Client`` and sends every request with an explicit
``httpx.Timeout`` (connect and read from the :class:`~tiphys.client.config.ServerConfig`).
Non-2xx responses become :func:`~tiphys.client.errors.error_from_response` errors, transport
failures :func:`~tiphys.client.errors.connection_error` or
:func:`~tiphys.client.errors.timeout_error`.

Retries (:class:`RetryPolicy`): connection errors, timeouts, 429, 502, 503 and 504 are retried
with jittered exponential backoff, for requests marked ``idempotent`` only. Decision: a POST
(create, submit, lint) is never re-sent, not even after a connect error, since httpx cannot tell
whether any byte reached the server and a re-sent create could make a second workflow; the error
is raised and says to look for the object first. A DELETE answered 404 after a re-send counts
as done (the first send may have deleted the object). Exceptions are raised ``from None``: the
httpx request objects hold the ``Authorization`` header, and the token must not be reachable
from an exception.
"""

from __future__ import annotations

import json
import random as _random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from tiphys.client.config import ServerConfig, auth_header
from tiphys.client.errors import (
    ArgoServerError,
    connection_error,
    error_from_response,
    timeout_error,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "RETRY_STATUSES",
    "AsyncStream",
    "AsyncTransport",
    "RetryPolicy",
    "Stream",
    "Transport",
    "backoff_delay",
    "retry_after_seconds",
]

#: HTTP statuses after which an idempotent request is sent again.
RETRY_STATUSES = frozenset({429, 502, 503, 504})

Query = Mapping[str, str | list[str]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry an idempotent request.

    Attributes:
        attempts: Total sends of one request, first included (default 4; ``1`` disables
            retries).
        base: Seconds of the first backoff (default 0.5); attempt ``n`` (from 1) waits up to
            ``base * 2 ** (n - 1)`` seconds.
        cap: Upper bound of one backoff in seconds (default 8).
        retry_after_cap: Upper bound in seconds of a wait asked by a ``Retry-After`` header
            of a 429 or 503 (default 30).
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    retry_after_cap: float = 30.0


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Decode a ``Retry-After`` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).

    Args:
        value: The header value (``"3"`` or ``"Wed, 21 Oct 2026 07:28:00 GMT"``), or ``None``.
        now: The current Unix time in seconds (default ``time.time()``), for an HTTP date.

    Returns:
        Seconds to wait (``>= 0``; a date in the past gives 0), or ``None`` when the header is
        absent or malformed.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, policy: RetryPolicy, random: Callable[[], float]) -> float:
    """Seconds to wait after failed attempt ``attempt`` (from 1): "full jitter" backoff.

    Args:
        attempt: The attempt that failed, from 1.
        policy: The retry policy.
        random: A function returning a float in ``[0, 1)`` (``random.random``).

    Returns:
        ``random() * min(cap, base * 2 ** (attempt - 1))`` seconds.
    """
    return float(random()) * min(policy.cap, policy.base * 2.0 ** (attempt - 1))


def _ssl_verify(config: ServerConfig) -> bool | ssl.SSLContext:
    """httpx's ``verify``: ``True``, ``False``, or an SSL context with the CA and client cert."""
    if not config.secure or (config.verify is True and config.cert is None):
        return bool(config.verify) if config.secure else True
    if config.verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(config.verify, str):
        context = ssl.create_default_context(cafile=config.verify)
    else:
        context = ssl.create_default_context()
    if isinstance(config.cert, tuple):
        context.load_cert_chain(config.cert[0], config.cert[1])
    elif config.cert is not None:
        context.load_cert_chain(config.cert)
    return context


class _Base:
    """What both transports share: timeouts, the retry decisions and the response mapping.

    The subclasses only do the I/O (``httpx.Client`` or ``httpx.AsyncClient``).
    """

    def __init__(
        self,
        config: ServerConfig,
        retry: RetryPolicy | None,
        random: Callable[[], float],
    ) -> None:
        import httpx

        self.config = config
        self.retry = retry if retry is not None else RetryPolicy()
        self._random = random
        self._timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )

    def _client_options(self) -> dict[str, Any]:
        """Keyword arguments of ``httpx.Client`` / ``httpx.AsyncClient``."""
        return {
            "base_url": self.config.base_url,
            "headers": {"Accept": "application/json", **auth_header(self.config)},
            "verify": _ssl_verify(self.config),
            "timeout": self._timeout,
            "follow_redirects": False,
        }

    def _prepare(
        self, method: str, body: Any, idempotent: bool | None
    ) -> tuple[str, int, bytes | None, dict[str, str] | None]:
        """``(METHOD, attempts, content, headers)`` of a request."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "PUT", "DELETE", "HEAD")
        attempts = max(1, self.retry.attempts) if idempotent else 1
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if content is not None else None
        return method, attempts, content, headers

    def _after(
        self,
        outcome: Any,
        attempt: int,
        attempts: int,
        done_after_retry: frozenset[int],
    ) -> tuple[bool, Any]:
        """Decide after one attempt: ``(True, result)`` to return it, ``(False, seconds)`` to
        sleep and send again; raises the error when it is final."""
        if not isinstance(outcome, ArgoServerError):
            return True, outcome
        if attempt > 1 and outcome.status in done_after_retry:
            return True, {}
        if attempt >= attempts or not outcome.retryable:
            raise outcome from None
        return False, self._delay(attempt, outcome)

    def _delay(self, attempt: int, error: ArgoServerError) -> float:
        """Seconds before the next attempt: ``Retry-After`` (capped) when given, else backoff."""
        asked = error.retry_after
        if asked is not None:
            return min(asked, self.retry.retry_after_cap)
        return backoff_delay(attempt, self.retry, self._random)

    def _stream_timeout(self, read_timeout: float | None) -> tuple[httpx.Timeout, float]:
        import httpx

        read = self.config.read_timeout if read_timeout is None else max(0.001, read_timeout)
        timeout = httpx.Timeout(
            connect=self.config.connect_timeout,
            read=read,
            write=self.config.read_timeout,
            pool=self.config.connect_timeout,
        )
        return timeout, read

    def _failure(self, exc: Exception, method: str, path: str, read: float) -> ArgoServerError:
        """The error of an httpx transport failure (``ConnectTimeout``, ``TimeoutException``,
        ``TransportError``)."""
        import httpx

        if isinstance(exc, httpx.ConnectTimeout):
            return timeout_error("connect", self.config.connect_timeout, method=method, path=path)
        if isinstance(exc, httpx.TimeoutException):
            return timeout_error("read", read, method=method, path=path)
        return connection_error(
            str(exc) or type(exc).__name__,
            method=method,
            path=path,
            base_url=self.config.base_url,
        )

    def _status_error(
        self, response: httpx.Response, body: bytes, method: str, path: str
    ) -> ArgoServerError:
        error = error_from_response(response.status_code, body, method=method, path=path)
        if response.status_code not in RETRY_STATUSES:
            error.retryable = False
        error.retry_after = _retry_after_of(response)
        return error

    def _outcome(self, response: httpx.Response, method: str, path: str) -> Any:
        """The decoded body of a read response, or the error (returned, not raised)."""
        if not 200 <= response.status_code < 300:
            return self._status_error(response, response.content, method, path)
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            pass
        excerpt = response.content[:200].decode("utf-8", "replace")
        return ArgoServerError(
            f"{method} {path}: {response.status_code}, but the response is not JSON (a proxy "
            f"or another server may have answered; check ARGO_SERVER and ARGO_BASE_HREF): "
            f"{excerpt!r}",
            method=method,
            path=path,
            status=response.status_code,
            body_excerpt=excerpt,
        )


class Transport(_Base):
    """Sends requests to one Argo Server (see the module documentation).

    Args:
        config: The server configuration.
        retry: The retry policy for idempotent requests.
        sleep: Called with the seconds to wait between attempts (``time.sleep``).
        random: Returns a float in ``[0, 1)`` for the jitter (``random.random``).
        transport: An httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        config: ServerConfig,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        super().__init__(config, retry, random)
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, **self._client_options())

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        done_after_retry: frozenset[int] = frozenset(),
    ) -> Any:
        """Send one request and return its decoded JSON body.

        Args:
            method: ``GET``, ``POST``, ``PUT`` or ``DELETE``.
            path: Path below the base URL (``/api/v1/workflows/argo``), already quoted.
            query: Query parameters (a list repeats the name); ``None`` values must be dropped
                by the caller.
            body: A JSON-serialisable body, or ``None`` for none.
            idempotent: Whether the request may be sent again; by default ``True`` for GET,
                PUT and DELETE and ``False`` for POST.
            done_after_retry: Statuses that mean success when they answer a re-sent request
                (``{404}`` for a DELETE: the first send deleted the object); ``{}`` is
                returned for them.

        Returns:
            The decoded JSON body (``{}`` for an empty body).

        Raises:
            ArgoServerError: A non-2xx response (its typed subclass), or
                :class:`~tiphys.client.errors.ServerUnavailable` /
                :class:`~tiphys.client.errors.RequestTimeout` when the server could not be
                reached or did not answer in time, after the retries.
        """
        method, attempts, content, headers = self._prepare(method, body, idempotent)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._send_once(method, path, query, content, headers)
            done, value = self._after(outcome, attempt, attempts, done_after_retry)
            if done:
                return value
            self._sleep(value)

    def pause(self, attempt: int) -> None:
        """Sleep the jittered backoff after failed attempt ``attempt`` (from 1) of a stream.

        Args:
            attempt: Consecutive failed attempts so far, from 1.
        """
        self._sleep(backoff_delay(attempt, self.retry, self._random))

    @contextmanager
    def stream(
        self,
        path: str,
        *,
        query: Query | None = None,
        accept: str = "text/event-stream",
        read_timeout: float | None = None,
    ) -> Iterator[Stream]:
        """Open a streamed ``GET`` (an SSE stream or a file) and close it on exit.

        The opening is retried as an idempotent request (connection errors, timeouts, 429, 502,
        503, 504, with ``Retry-After``); failures while reading are raised by the
        :class:`Stream` methods and not retried here (the caller reconnects).

        Args:
            path: Path below the base URL, already quoted.
            query: Query parameters (a list repeats the name).
            accept: The ``Accept`` header (``text/event-stream``: Argo's SSE mode, with
                keepalives; ``*/*`` for files).
            read_timeout: Seconds one read may wait (default the configuration's read
                timeout).

        Yields:
            The open :class:`Stream`.

        Raises:
            ArgoServerError: A non-2xx answer before the stream started (its typed subclass),
                or the server could not be reached or did not answer, after the retries.
        """
        timeout, read = self._stream_timeout(read_timeout)
        attempts = max(1, self.retry.attempts)
        attempt = 0
        while True:
            attempt += 1
            opened = self._open(path, query, accept, timeout, read)
            done, value = self._after(opened, attempt, attempts, frozenset())
            if done:
                break
            self._sleep(value)
        stream = Stream(value, path=path, read_timeout=read, base_url=self.config.base_url)
        try:
            yield stream
        finally:
            value.close()

    def _open(
        self, path: str, query: Query | None, accept: str, timeout: httpx.Timeout, read: float
    ) -> httpx.Response | ArgoServerError:
        """The open 2xx response, or the error (returned, not raised, so no context leaks)."""
        import httpx

        try:
            request = self._http.build_request(
                "GET",
                path,
                params=dict(query) if query else None,
                headers={"Accept": accept},
                timeout=timeout,
            )
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return self._failure(exc, "GET", path, read)
        if 200 <= response.status_code < 300:
            return response
        try:
            body = response.read()
        except httpx.HTTPError:
            body = b""
        finally:
            response.close()
        return self._status_error(response, body, "GET", path)

    def _send_once(
        self,
        method: str,
        path: str,
        query: Query | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> Any:
        """The decoded body, or the error (returned, not raised, so that no context leaks)."""
        import httpx

        try:
            response = self._http.request(
                method,
                path,
                params=dict(query) if query else None,
                content=content,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            return self._failure(exc, method, path, self.config.read_timeout)
        return self._outcome(response, method, path)


class AsyncTransport(_Base):
    """:class:`Transport` over ``httpx.AsyncClient``: the same timeouts, retries and errors.

    Args:
        config: The server configuration.
        retry: The retry policy for idempotent requests.
        sleep: Awaited with the seconds to wait between attempts (``asyncio.sleep``).
        random: Returns a float in ``[0, 1)`` for the jitter (``random.random``).
        transport: An httpx async transport to use instead of the network (tests).
    """

    def __init__(
        self,
        config: ServerConfig,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        random: Callable[[], float] = _random.random,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        import asyncio

        import httpx

        super().__init__(config, retry, random)
        self._sleep: Callable[[float], Awaitable[Any]] = (
            sleep if sleep is not None else asyncio.sleep
        )
        self._http = httpx.AsyncClient(transport=transport, **self._client_options())

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        done_after_retry: frozenset[int] = frozenset(),
    ) -> Any:
        """Send one request and return its decoded JSON body (see :meth:`Transport.request`).

        Args:
            method: ``GET``, ``POST``, ``PUT`` or ``DELETE``.
            path: Path below the base URL, already quoted.
            query: Query parameters (a list repeats the name).
            body: A JSON-serialisable body, or ``None`` for none.
            idempotent: Whether the request may be sent again (default: GET, PUT, DELETE).
            done_after_retry: Statuses that mean success when they answer a re-sent request.

        Returns:
            The decoded JSON body (``{}`` for an empty body).

        Raises:
            ArgoServerError: As :meth:`Transport.request`.
        """
        import httpx

        method, attempts, content, headers = self._prepare(method, body, idempotent)
        attempt = 0
        while True:
            attempt += 1
            outcome: Any
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=dict(query) if query else None,
                    content=content,
                    headers=headers,
                    timeout=self._timeout,
                )
            except httpx.TransportError as exc:
                outcome = self._failure(exc, method, path, self.config.read_timeout)
            else:
                outcome = self._outcome(response, method, path)
            done, value = self._after(outcome, attempt, attempts, done_after_retry)
            if done:
                return value
            await self._sleep(value)

    async def pause(self, attempt: int) -> None:
        """Sleep the jittered backoff after failed attempt ``attempt`` (from 1) of a stream.

        Args:
            attempt: Consecutive failed attempts so far, from 1.
        """
        await self._sleep(backoff_delay(attempt, self.retry, self._random))

    @asynccontextmanager
    async def stream(
        self,
        path: str,
        *,
        query: Query | None = None,
        accept: str = "text/event-stream",
        read_timeout: float | None = None,
    ) -> AsyncIterator[AsyncStream]:
        """Open a streamed ``GET`` and close it on exit (see :meth:`Transport.stream`).

        Args:
            path: Path below the base URL, already quoted.
            query: Query parameters.
            accept: The ``Accept`` header.
            read_timeout: Seconds one read may wait (default the configuration's).

        Yields:
            The open :class:`AsyncStream`.

        Raises:
            ArgoServerError: As :meth:`Transport.stream`.
        """
        import httpx

        timeout, read = self._stream_timeout(read_timeout)
        attempts = max(1, self.retry.attempts)
        attempt = 0
        while True:
            attempt += 1
            opened: Any
            try:
                request = self._http.build_request(
                    "GET",
                    path,
                    params=dict(query) if query else None,
                    headers={"Accept": accept},
                    timeout=timeout,
                )
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                opened = self._failure(exc, "GET", path, read)
            else:
                opened = response
                if not 200 <= response.status_code < 300:
                    try:
                        body = await response.aread()
                    except httpx.HTTPError:
                        body = b""
                    finally:
                        await response.aclose()
                    opened = self._status_error(response, body, "GET", path)
            done, value = self._after(opened, attempt, attempts, frozenset())
            if done:
                break
            await self._sleep(value)
        stream = AsyncStream(value, path=path, read_timeout=read, base_url=self.config.base_url)
        try:
            yield stream
        finally:
            await value.aclose()


def _retry_after_of(response: httpx.Response) -> float | None:
    """``Retry-After`` of a 429 or 503 in seconds, else ``None``."""
    if response.status_code not in (429, 503):
        return None
    return retry_after_seconds(response.headers.get("Retry-After"))


class _OpenStream:
    """What :class:`Stream` and :class:`AsyncStream` share: the response and the mapping of
    read failures to the transport's errors.

    Args:
        response: The open httpx response (status 2xx).
        path: The request path, for messages.
        read_timeout: Seconds one read may wait, for messages.
        base_url: The server's base URL, for messages.
    """

    def __init__(
        self, response: httpx.Response, *, path: str, read_timeout: float, base_url: str
    ) -> None:
        self._response = response
        self._path = path
        self._read_timeout = read_timeout
        self._base_url = base_url

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers."""
        return self._response.headers

    def _read_error(self, exc: Exception) -> ArgoServerError:
        """The error of an httpx failure while reading (a timeout or a dropped connection)."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return timeout_error("read", self._read_timeout, method="GET", path=self._path)
        return connection_error(
            str(exc) or type(exc).__name__,
            method="GET",
            path=self._path,
            base_url=self._base_url,
        )


class Stream(_OpenStream):
    """An open streamed response (made by :meth:`Transport.stream`).

    Read failures are mapped as the transport's: a read that waits longer than the read
    timeout raises :class:`~tiphys.client.errors.RequestTimeout`, a dropped connection
    :class:`~tiphys.client.errors.ServerUnavailable` (both ``retryable``), raised ``from None``.

    Args:
        response: The open httpx response (status 2xx).
        path: The request path, for messages.
        read_timeout: Seconds one read may wait, for messages.
        base_url: The server's base URL, for messages.
    """

    def lines(self) -> Iterator[str]:
        """The body's lines, split at ``\r\n``, ``\r`` and ``\n`` only (SSE rules).

        Yields:
            Each line without its ending.

        Raises:
            RequestTimeout: No byte came within the read timeout.
            ServerUnavailable: The connection dropped.
        """
        from tiphys.client.streams import split_lines

        yield from split_lines(self._guard(self._response.iter_text()))

    def chunks(self, size: int = 65536) -> Iterator[bytes]:
        """The body's bytes in pieces of at most ``size`` bytes (decoded content encoding).

        Args:
            size: Largest piece in bytes (default 64 KiB).

        Yields:
            Pieces of the body.

        Raises:
            RequestTimeout: No byte came within the read timeout.
            ServerUnavailable: The connection dropped.
        """
        yield from self._guard(self._response.iter_bytes(size))

    def _guard(self, pieces: Iterator[_T]) -> Iterator[_T]:
        import httpx

        failure: ArgoServerError | None = None
        try:
            yield from pieces
        except httpx.TransportError as exc:  # timeouts included
            failure = self._read_error(exc)
        if failure is not None:
            raise failure from None


class AsyncStream(_OpenStream):
    """An open streamed response of :meth:`AsyncTransport.stream` (errors as :class:`Stream`).

    Args:
        response: The open httpx response (status 2xx).
        path: The request path, for messages.
        read_timeout: Seconds one read may wait, for messages.
        base_url: The server's base URL, for messages.
    """

    async def lines(self) -> AsyncIterator[str]:
        """The body's lines, split at ``\r\n``, ``\r`` and ``\n`` only (SSE rules).

        Yields:
            Each line without its ending.

        Raises:
            RequestTimeout: No byte came within the read timeout.
            ServerUnavailable: The connection dropped.
        """
        from tiphys.client.streams import LineSplitter

        splitter = LineSplitter()
        async for text in self._guard(self._response.aiter_text()):
            for line in splitter.feed(text):
                yield line
        for line in splitter.end():
            yield line

    async def chunks(self, size: int = 65536) -> AsyncIterator[bytes]:
        """The body's bytes in pieces of at most ``size`` bytes (decoded content encoding).

        Args:
            size: Largest piece in bytes (default 64 KiB).

        Yields:
            Pieces of the body.

        Raises:
            RequestTimeout: No byte came within the read timeout.
            ServerUnavailable: The connection dropped.
        """
        async for piece in self._guard(self._response.aiter_bytes(size)):
            yield piece

    async def _guard(self, pieces: AsyncIterator[_T]) -> AsyncIterator[_T]:
        import httpx

        failure: ArgoServerError | None = None
        try:
            async for piece in pieces:
                yield piece
        except httpx.TransportError as exc:  # timeouts included
            failure = self._read_error(exc)
        if failure is not None:
            raise failure from None
