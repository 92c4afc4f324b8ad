"""Readiness probes of daemon containers (Kubernetes semantics, run from this machine).

``exec`` runs the command (exit 0 = ready); ``httpGet`` asks ``http(s)://127.0.0.1:PORT/PATH``
(2xx or 3xx = ready, as the kubelet counts it); ``tcpSocket`` connects to ``127.0.0.1:PORT``.
Each try has ``timeoutSeconds`` (default 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Mapping
from typing import Any


def _port(value: Any, ports: Mapping[str, int]) -> int:
    if isinstance(value, str) and not value.isdigit():
        return ports.get(value, 0)
    return int(value)


async def probe_once(
    probe: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    ports: Mapping[str, int],
    preexec: Callable[[], None] | None = None,
) -> bool:
    """Run one try of a Kubernetes probe.

    Args:
        probe: The ``readinessProbe`` object.
        env: The container's environment (for ``exec``).
        ports: Named container ports (``{"http": 8080}``).
        preexec: For ``exec``: the node's pre-exec hook, so the command sees the node's
            private paths (a namespace with the same binds), or None.

    Returns:
        True when the try succeeded.
    """
    timeout = float(probe.get("timeoutSeconds") or 1)
    try:
        if "exec" in probe:
            command = [str(c) for c in probe["exec"].get("command") or []]
            proc = await asyncio.create_subprocess_exec(
                *command,
                env=dict(env),
                preexec_fn=preexec,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                return await asyncio.wait_for(proc.wait(), timeout) == 0
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return False
        if "tcpSocket" in probe:
            port = _port(probe["tcpSocket"].get("port"), ports)
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
        if "httpGet" in probe:
            return await asyncio.wait_for(_http_get(probe["httpGet"], ports), timeout)
    except (TimeoutError, OSError):
        return False
    return False


async def _http_get(spec: Mapping[str, Any], ports: Mapping[str, int]) -> bool:
    port = _port(spec.get("port"), ports)
    path = str(spec.get("path") or "/")
    secure = str(spec.get("scheme") or "HTTP").upper() == "HTTPS"
    context: ssl.SSLContext | None = None
    if secure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the kubelet does not verify either
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    headers = "".join(f"{h['name']}: {h['value']}\r\n" for h in spec.get("httpHeaders") or [])
    writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    parts = status.split()
    return len(parts) >= 2 and parts[1].isdigit() and 200 <= int(parts[1]) < 400
