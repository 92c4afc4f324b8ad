"""Who may talk to the local Argo Server: the bearer token, loopback Host/Origin, JSON bodies.

The local server runs commands on this machine, so it always requires a bearer token (generated
on first start into ``<state_dir>/token``, mode 0600, the directory 0700), and refuses requests
whose ``Host`` or ``Origin`` header names anything but a loopback address: a web page the user
visits must not be able to drive it (DNS rebinding, cross-site requests).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "LOOPBACK_NAMES",
    "TOKEN_FILE",
    "UNAUTHENTICATED_MESSAGE",
    "ensure_token",
    "host_allowed",
    "origin_allowed",
    "read_token",
    "token_matches",
]

#: The token file inside the state directory.
TOKEN_FILE = "token"
#: Host names that are this machine's loopback interface.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: The Argo Server's message for a missing or bad token (server/auth/gatekeeper.go), code 16.
UNAUTHENTICATED_MESSAGE = (
    "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/"
)


def read_token(state_dir: Path) -> str | None:
    """The bearer token stored in ``state_dir``, without ``"Bearer "``.

    Args:
        state_dir: The server's state directory.

    Returns:
        The token, or ``None`` when the file does not exist or is empty.
    """
    try:
        token = (state_dir / TOKEN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def ensure_token(state_dir: Path) -> str:
    """The token of ``state_dir``, generated on first use.

    Creates ``state_dir`` when missing (mode 0700; an existing one is left as it is) and, when
    there is no token yet, writes 43 URL-safe random characters (256 bits) to
    ``<state_dir>/token`` with mode 0600 (created exclusively, so two servers starting at once
    agree on one token).

    Args:
        state_dir: The server's state directory.

    Returns:
        The token, without ``"Bearer "``.

    Raises:
        OSError: The directory or file cannot be created or read.
    """
    if not state_dir.is_dir():
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(state_dir, 0o700)  # whatever the umask
    existing = read_token(state_dir)
    if existing is not None:
        os.chmod(state_dir / TOKEN_FILE, 0o600)
        return existing
    token = secrets.token_urlsafe(32)
    path = state_dir / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raced = read_token(state_dir)
        if raced is None:
            raise
        return raced
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (compared in constant time).

    Args:
        authorization: The header's value (``"Bearer <token>"``), or ``None`` when absent.
        token: The server's token.

    Returns:
        True only for ``Bearer <token>`` exactly (the scheme in any case).
    """
    if not authorization:
        return False
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def _hostname(netloc: str) -> str:
    """The host of ``host[:port]`` (``[::1]:80`` -> ``::1``), lowercased; ``""`` if malformed."""
    try:
        return (urlsplit("//" + netloc).hostname or "").lower()
    except ValueError:
        return ""


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _name_allowed(name: str, extra: frozenset[str]) -> bool:
    if name in LOOPBACK_NAMES or name in extra:
        return True
    # "*" (a server bound to a non-loopback address on purpose) admits IP literals: a DNS
    # rebinding attack needs a domain name, so an address typed as such is no such attack.
    return "*" in extra and _is_ip(name)


def host_allowed(host: str | None, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a ``Host`` header names a loopback address (any port).

    Args:
        host: The header's value (``"127.0.0.1:2746"``, ``"localhost"``, ``"[::1]:2746"``).
        extra: More host names to accept (the address the server was explicitly bound to);
            ``"*"`` in it also accepts every IP literal.

    Returns:
        True for ``127.0.0.1``, ``localhost``, ``[::1]`` or a name ``extra`` admits; False when
        the header is absent or names anything else.
    """
    if not host:
        return False
    return _name_allowed(_hostname(host.strip()), extra)


def origin_allowed(origin: str | None, extra: frozenset[str] = frozenset()) -> bool:
    """Whether an ``Origin`` header is absent or a loopback origin.

    Args:
        origin: The header's value (``"http://localhost:3000"``), or ``None`` when absent.
        extra: More host names to accept, as for :func:`host_allowed`.

    Returns:
        True when there is no ``Origin`` header, or its host is loopback (or admitted by
        ``extra``); False otherwise (``"null"`` included).
    """
    if origin is None:
        return True
    try:
        name = (urlsplit(origin.strip()).hostname or "").lower()
    except ValueError:
        return False
    return _name_allowed(name, extra)
