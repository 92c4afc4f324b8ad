"""tiphys.local.argosay: the argoproj/argosay verbs (v2 Go program, v1 shell script)."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tiphys.local.argosay import main, parse_go_duration

GOROUTINE = "\n\ngoroutine 1 [running]:\nmain.main()\n"


def _run(
    capfd: pytest.CaptureFixture[str], *argv: str, version: str = "v2"
) -> tuple[int, str, str]:
    code = main(list(argv), version=version)
    out, err = capfd.readouterr()
    return code, out, err


def test_echo_prints_to_stderr_like_go_println(capfd: pytest.CaptureFixture[str]) -> None:
    assert _run(capfd) == (0, "", "hello argo\n")
    assert _run(capfd, "echo") == (0, "", "hello argo\n")
    assert _run(capfd, "echo", "hi there") == (0, "", "hi there\n")


def test_echo_to_file_creates_the_directory(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    assert _run(capfd, "echo", "content", str(target)) == (0, "", "")
    assert target.read_text() == "content"
    assert _run(capfd, "echo", "a", "b", "c") == (
        2,
        "",
        "panic: usage: argosay echo [string] [file]" + GOROUTINE,
    )


def test_cat_and_assert_contains(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("one\ntwo\n")
    assert _run(capfd, "cat", str(f), str(f)) == (0, "one\ntwo\none\ntwo\n", "")
    assert _run(capfd, "cat", str(tmp_path / "no")) == (
        2,
        "",
        f"panic: open {tmp_path / 'no'}: no such file or directory" + GOROUTINE,
    )
    assert _run(capfd, "assert_contains", str(f), "two") == (0, "", "")
    assert _run(capfd, "assert_contains", str(f), "three") == (
        2,
        "",
        f'panic: expected "{f}" to contain "three", but was "one\ntwo\n"' + GOROUTINE,
    )
    assert _run(capfd, "assert_contains", str(f)) == (
        2,
        "",
        "panic: usage: assert_contains data string" + GOROUTINE,
    )


def test_exit_sleep_and_usage(capfd: pytest.CaptureFixture[str]) -> None:
    assert _run(capfd, "exit") == (0, "", "")
    assert _run(capfd, "exit", "0") == (0, "", "")
    assert _run(capfd, "exit", "3") == (3, "", "")
    assert _run(capfd, "exit", "-1") == (255, "", "")
    assert _run(capfd, "exit", "x") == (
        2,
        "",
        'panic: strconv.Atoi: parsing "x": invalid syntax' + GOROUTINE,
    )
    start = time.monotonic()
    assert _run(capfd, "sleep", "50ms") == (0, "", "")
    assert 0.04 <= time.monotonic() - start < 5
    assert _run(capfd, "sleep", "1") == (
        2,
        "",
        'panic: time: missing unit in duration "1"' + GOROUTINE,
    )
    assert _run(capfd, "garbage") == (
        2,
        "",
        "panic: usage: argosay [assert_contains file string|cat [file...]|echo [string] [file]"
        "|sleep duration|exit [code]]" + GOROUTINE,
    )


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("0", 0),
        ("1s", 1_000_000_000),
        ("1.5s", 1_500_000_000),
        ("1m30s", 90_000_000_000),
        ("-2h", -7_200_000_000_000),
        ("300ms", 300_000_000),
        ("10µs", 10_000),
        (".5s", 500_000_000),
    ],
)
def test_parse_go_duration(text: str, ns: int) -> None:
    assert parse_go_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("x", 'time: invalid duration "x"'),
        ("5", 'time: missing unit in duration "5"'),
        ("5d", 'time: unknown unit "d" in duration "5d"'),
    ],
)
def test_parse_go_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_go_duration(text)
    assert str(info.value) == message


class _Body(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = self.path == "/ok"
        body = b"payload" if ok else b""
        self.send_response(200 if ok else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Body)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_http_get(capfd: pytest.CaptureFixture[str], server: str) -> None:
    assert _run(capfd, "http", "get", f"{server}/ok") == (0, "", "payload\n")
    assert _run(capfd, "http", "get", f"{server}/missing") == (
        2,
        "",
        "panic: not 200 OK: 404 Not Found" + GOROUTINE,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_module_runs_as_a_program_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "tiphys.local.argosay", "exit", "7"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (7, b"", b"")

    def imported(module: str) -> set[str]:
        probe = f"import {module}, sys, json; print(json.dumps(sorted(sys.modules)))"
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, timeout=30, check=True
        )
        names: list[str] = json.loads(done.stdout)
        return {m for m in names if m.split(".")[0] not in sys.stdlib_module_names}

    # the program imports only the standard library beyond what "import tiphys" costs
    assert imported("tiphys.local.argosay") - imported("tiphys") == {
        "tiphys.local",
        "tiphys.local.argosay",
    }
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tiphys.local.argosay", "server"],
        env={**env, "TIPHYS_ARGOSAY_PORT": str(port)},
    )
    try:
        body = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    body = resp.read()
                break
            except OSError:
                time.sleep(0.05)
        assert body == b"hello"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_v1_shell_behaviour(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(capfd, version="v1") == (0, "hello argo\n", "")
    assert _run(capfd, "echo", "hi", version="v1") == (0, "hi\n", "")
    target = tmp_path / "d" / "f"
    assert _run(capfd, "echo", "hi", str(target), version="v1") == (0, "", "")
    assert target.read_text() == "hi\n"
    assert _run(capfd, "assert_contains", str(target), "h", version="v1") == (0, "hi\n", "")
    assert _run(capfd, "assert_contains", str(target), "zz", version="v1") == (1, "", "")
    assert _run(capfd, "cat", str(target), version="v1") == (0, "hi\n", "")
    assert _run(capfd, "exit", "4", version="v1") == (4, "", "")
    assert _run(capfd, "nope", version="v1") == (1, "", "")
