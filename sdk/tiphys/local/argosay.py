"""A stand-in for the ``argoproj/argosay`` image, so its templates run on the host backend.

Argo's own examples and tests use ``argoproj/argosay:v2``, a small Go program
(``test/e2e/images/argosay/v2/main/argosay.go`` in argoproj/argo-workflows). This module does
what it does, verb for verb::

    argosay                              # same as "echo"
    argosay echo [STRING [FILE]]         # no STRING: "hello argo"; FILE: write STRING there
    argosay cat [FILE...]                # copy the files to stdout
    argosay assert_contains FILE STRING  # fail unless FILE contains STRING
    argosay sleep DURATION               # Go duration: 1s, 500ms, 1m30s
    argosay exit [CODE]                  # exit with CODE (default 0)
    argosay http get URL                 # print the body of a 200 response
    argosay server                       # serve "hello" on port 8080

As in Go, ``echo`` prints with the builtin ``println``, which writes to **stderr**; an error
ends the program as a Go ``panic`` does (``panic: <error>`` on stderr, exit code 2), except
``exit`` which exits with its code.

With ``TIPHYS_ARGOSAY_VERSION=v1`` (or ``main(argv, version="v1")``), the shell-script argosay
(``test/e2e/images/argosay/v2/argosay``) is followed instead: output on stdout, a trailing
newline in written files, ``assert_contains`` prints the matching lines (``grep -F``), ``sh
FILE`` runs a script, and an unknown verb exits 1.

Run it as ``python -m tiphys.local.argosay ARGS...``. It imports the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

__all__ = ["cowsay", "main", "nc", "parse_go_duration"]

USAGE = (
    "usage: argosay [assert_contains file string|cat [file...]|echo [string] [file]"
    "|sleep duration|exit [code]]"
)

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5
    "μs": 1_000,  # U+03BC
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


class _GoError(Exception):
    """An error value of the Go program: it panics with this text."""


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def parse_go_duration(text: str) -> int:
    """Parse a Go duration (Go's ``time.ParseDuration``) into nanoseconds.

    Args:
        text: E.g. ``"1.5s"``, ``"1m30s"``, ``"-2h"``, ``"0"``.

    Returns:
        Nanoseconds (may be negative).

    Raises:
        ValueError: With Go's message, e.g. ``time: invalid duration "x"`` or
            ``time: missing unit in duration "1"``.
    """
    quoted = '"' + text + '"'
    rest = text
    sign = 1
    if rest[:1] in ("-", "+"):
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    pos = 0
    while pos < len(rest):
        number = re.match(r"[0-9]*(?:\.[0-9]*)?", rest[pos:])
        digits = number.group(0) if number else ""
        if digits in ("", "."):
            raise ValueError(f"time: invalid duration {quoted}")
        pos += len(digits)
        unit_match = re.match(r"[^0-9.]*", rest[pos:])
        unit = unit_match.group(0) if unit_match else ""
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS_NS:
            raise ValueError(f'time: unknown unit "{unit}" in duration {quoted}')
        pos += len(unit)
        total += float(digits) * _UNITS_NS[unit]
    return sign * int(total)


def _go_open_error(path: str, exc: OSError) -> _GoError:
    reason = (exc.strerror or str(exc)).lower()
    return _GoError(f"open {path}: {reason}")


def _println(text: str) -> None:
    # Go's builtin println writes to stderr.
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _cat(args: Sequence[str]) -> None:
    out = sys.stdout.buffer
    for name in args:
        try:
            with open(name, "rb") as handle:
                while chunk := handle.read(1 << 16):
                    out.write(chunk)
        except OSError as exc:
            raise _go_open_error(name, exc) from None
    out.flush()


def _echo(args: Sequence[str]) -> None:
    if len(args) == 0:
        _println("hello argo")
    elif len(args) == 1:
        _println(args[0])
    elif len(args) == 2:
        text, name = args
        directory = os.path.dirname(name)
        if directory and not os.path.exists(directory):
            try:
                os.makedirs(directory, 0o777, exist_ok=True)
            except OSError as exc:
                raise _GoError(f"mkdir {directory}: {(exc.strerror or str(exc)).lower()}") from None
        try:
            with open(name, "wb") as handle:
                handle.write(text.encode())
        except OSError as exc:
            raise _go_open_error(name, exc) from None
    else:
        raise _GoError("usage: argosay echo [string] [file]")


def _assert_contains(args: Sequence[str]) -> None:
    if len(args) != 2:
        raise _GoError("usage: assert_contains data string")
    name, substr = args
    try:
        with open(name, "rb") as handle:
            data = handle.read().decode(errors="replace")
    except OSError as exc:
        raise _go_open_error(name, exc) from None
    if substr not in data:
        raise _GoError(f'expected "{name}" to contain "{substr}", but was "{data}"')


def _exit(args: Sequence[str]) -> None:
    if len(args) != 1:
        return
    try:
        code = int(args[0], 10)
    except ValueError:
        raise _GoError(f'strconv.Atoi: parsing "{args[0]}": invalid syntax') from None
    if code != 0:
        raise _Exit(code)


def _sleep(args: Sequence[str]) -> None:
    if len(args) != 1:
        raise _GoError("usage: argosay sleep duration")
    try:
        ns = parse_go_duration(args[0])
    except ValueError as exc:
        raise _GoError(str(exc)) from None
    if ns > 0:
        time.sleep(ns / 1e9)


def _http(args: Sequence[str]) -> None:
    if len(args) != 2:
        raise _GoError("usage: argosay http get url")
    import urllib.error
    import urllib.request

    url = args[1]
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            body = response.read()
            status = f"{response.status} {response.reason}"
            code = response.status
    except urllib.error.HTTPError as exc:
        code, status, body = exc.code, f"{exc.code} {exc.reason}", b""
    except (urllib.error.URLError, OSError) as exc:
        raise _GoError(f'Get "{url}": {getattr(exc, "reason", exc)}') from None
    if code != 200:
        raise _GoError(f"not 200 OK: {status}")
    _println(body.decode(errors="replace"))


def _server() -> None:
    import http.server

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"hello"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    # Go listens on ":8080"; the local runner's pods share the host, so loopback only.
    port = int(os.environ.get("TIPHYS_ARGOSAY_PORT", "8080"))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), Hello) as httpd:
        httpd.serve_forever()


def _v2(args: Sequence[str]) -> None:
    if not args:
        args = ["echo"]
    verb, rest = args[0], args[1:]
    if verb == "assert_contains":
        _assert_contains(rest)
    elif verb == "cat":
        _cat(rest)
    elif verb == "echo":
        _echo(rest)
    elif verb == "exit":
        _exit(rest)
    elif verb == "sleep":
        _sleep(rest)
    elif verb == "http":
        _http(rest)
    elif verb == "server":
        _server()
    else:
        raise _GoError(USAGE)


def _v1(args: Sequence[str]) -> int:
    # The shell script (set -eu): each verb's exit status is the script's.
    verb = args[0] if args else ""
    if verb == "":
        print("hello argo", flush=True)
        return 0
    if verb == "assert_contains" and len(args) >= 3:
        return subprocess.run(["grep", "-F", args[2], args[1]], check=False).returncode
    if verb == "cat" and len(args) >= 2:
        return subprocess.run(["cat", args[1]], check=False).returncode
    if verb == "echo":
        if len(args) == 1:
            print("hello argo", flush=True)
        elif len(args) == 2:
            print(args[1], flush=True)
        elif len(args) == 3:
            os.makedirs(os.path.dirname(args[2]) or ".", exist_ok=True)
            with open(args[2], "w", encoding="utf-8") as handle:
                handle.write(args[1] + "\n")
        else:
            return 1
        return 0
    if verb == "exit":
        try:
            return int(args[1]) & 0xFF if len(args) >= 2 else 0
        except ValueError:
            sys.stderr.write(f"sh: exit: Illegal number: {args[1]}\n")
            return 2
    if verb == "sleep" and len(args) >= 2:
        return subprocess.run(["sleep", args[1]], check=False).returncode
    if verb == "sh":
        return subprocess.run(["sh", args[1] if len(args) >= 2 else "0"], check=False).returncode
    if verb in ("assert_contains", "cat", "sleep"):
        sys.stderr.write("argosay: parameter not set\n")
        return 2
    return 1


def main(argv: Sequence[str], *, version: str | None = None) -> int:
    """Run argosay with ``argv`` (the arguments after the program name).

    Args:
        argv: E.g. ``["echo", "hello", "/tmp/out"]``.
        version: ``"v2"`` (the Go program, the default) or ``"v1"`` (the shell script);
            default ``$TIPHYS_ARGOSAY_VERSION`` or ``"v2"``.

    Returns:
        The exit code: 0; the code given to ``exit``; 2 after a Go panic (the error on stderr).
    """
    chosen = version or os.environ.get("TIPHYS_ARGOSAY_VERSION") or "v2"
    if chosen == "v1":
        return _v1(list(argv))
    try:
        _v2(list(argv))
    except _Exit as done:
        return done.code & 0xFF
    except _GoError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"panic: {exc}\n\ngoroutine 1 [running]:\nmain.main()\n")
        sys.stderr.flush()
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


_COW = (
    "        \\   ^__^\n"
    "         \\  (oo)\\_______\n"
    "            (__)\\       )\\/\\\n"
    "                ||----w |\n"
    "                ||     ||\n"
)


def cowsay(argv: Sequence[str]) -> int:
    """``cowsay`` of the ``argoproj/argosay:v1`` image (ubuntu's cowsay, default cow).

    The message is the arguments joined by spaces (stdin when there are none), wrapped at 40
    columns (lines of at most 39 characters, as Text::Wrap), in a balloon above the cow.

    Args:
        argv: The words to say.

    Returns:
        0.
    """
    import textwrap

    text = " ".join(argv) if argv else sys.stdin.read()
    lines: list[str] = []
    for paragraph in text.expandtabs(8).rstrip("\n").split("\n"):
        lines.extend(textwrap.wrap(paragraph, 39, break_on_hyphens=False) or [""])
    width = max(len(line) for line in lines)
    out = [" " + "_" * (width + 2)]
    if len(lines) == 1:
        out.append(f"< {lines[0]} >")
    else:
        for index, line in enumerate(lines):
            left, right = ("/", "\\") if index == 0 else ("|", "|")
            if index == len(lines) - 1:
                left, right = "\\", "/"
            out.append(f"{left} {line.ljust(width)} {right}")
    out.append(" " + "-" * (width + 2))
    sys.stdout.write("\n".join(out) + "\n" + _COW)
    sys.stdout.flush()
    return 0


def _relay(conn: socket.socket, *, read_stdin: bool) -> None:
    """Copy stdin to ``conn`` and ``conn`` to stdout until the peer closes."""
    import selectors

    sel = selectors.PollSelector()  # epoll refuses regular files such as /dev/null
    sel.register(conn, selectors.EVENT_READ)
    stdin = sys.stdin.fileno()
    if read_stdin:
        sel.register(stdin, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is conn:
                data = conn.recv(65536)
                if not data:
                    return
                os.write(sys.stdout.fileno(), data)
            else:
                data = os.read(stdin, 65536)
                if data:
                    conn.sendall(data)
                else:  # stdin ended: keep reading what the peer sends
                    sel.unregister(stdin)
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_WR)


def _serve_with(conn: socket.socket, program: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(program), stdin=conn.fileno(), stdout=conn.fileno())


def nc(argv: Sequence[str]) -> int:
    """busybox ``nc`` (the one in ``busybox`` and ``alpine`` images), the options examples use.

    ``nc [-z] [-w SEC] HOST PORT [-e PROG ARGS...]`` connects (``-z``: only checks that it
    can); ``nc -l [-k] [-p PORT] [-s ADDR] [-e PROG ARGS...]`` listens (``-k``: for ever,
    a connection at a time in parallel). ``-e`` runs PROG with the connection as its stdin and
    stdout (everything after ``-e`` is the program); without it the connection is relayed to
    stdin/stdout. ``-v`` and ``-n`` are accepted.

    Args:
        argv: The arguments after ``nc``.

    Returns:
        0, or 1 when the connection fails (the error on stderr, as busybox words it).
    """
    listen = keep = zero = False
    port: int | None = None
    local = ""
    timeout: float | None = None
    program: list[str] = []
    rest: list[str] = []
    args = list(argv)
    i = 0
    try:
        while i < len(args):
            arg = args[i]
            if arg == "-e":
                program = args[i + 1 :]
                break
            if arg.startswith("-") and len(arg) > 1:
                flags = arg[1:]
                for j, flag in enumerate(flags):
                    if flag in "pswq":
                        value = flags[j + 1 :] or args[i + 1]
                        if not flags[j + 1 :]:
                            i += 1
                        if flag == "p":
                            port = int(value)
                        elif flag == "s":
                            local = value
                        elif flag == "w":
                            timeout = float(value)
                        break
                    if flag == "l":
                        listen = True
                    elif flag == "k":
                        keep = True
                    elif flag == "z":
                        zero = True
                    elif flag not in "vn":
                        sys.stderr.write(f"nc: invalid option -- '{flag}'\n")
                        return 1
            else:
                rest.append(arg)
            i += 1
    except (IndexError, ValueError):
        sys.stderr.write("nc: bad option\n")
        return 1
    if listen:
        if port is None and len(rest) == 1:
            port = int(rest[0])
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Pods have their own IPs; on this host two daemon nodes listening on one port (the
        # same template in two scopes, as examples/variables-showcase.yaml) share it instead.
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            server.bind((local or "0.0.0.0", port or 0))
        except OSError as err:
            sys.stderr.write(f"nc: bind: {err.strerror}\n")
            return 1
        server.listen(16)
        children: list[subprocess.Popen[bytes]] = []
        while True:
            conn, _ = server.accept()
            if program:
                children.append(_serve_with(conn, program))
                conn.close()
                if not keep:
                    return children[-1].wait()
                children = [c for c in children if c.poll() is None]
                continue
            with conn:
                _relay(conn, read_stdin=True)
            if not keep:
                return 0
    if len(rest) != 2:
        sys.stderr.write("usage: nc [OPTIONS] HOST PORT  - connect\n")
        return 1
    host, service = rest
    try:
        conn = socket.create_connection((host, int(service)), timeout=timeout)
    except OSError as err:
        why = err.strerror or str(err)
        sys.stderr.write(f"nc: can't connect to remote host ({host}): {why}\n")
        return 1
    conn.settimeout(None)
    with conn:
        if zero:
            return 0
        if program:
            return _serve_with(conn, program).wait()
        _relay(conn, read_stdin=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--nc"]:  # busybox's nc, for busybox and alpine images
        sys.exit(nc(sys.argv[2:]))
    if sys.argv[1:2] == ["--cowsay"]:  # the argosay:v1 image's /usr/games/cowsay
        sys.exit(cowsay(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
