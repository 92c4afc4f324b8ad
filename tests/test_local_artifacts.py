"""tiphys.local.artifacts: the local artifact repository and input artifact resolution."""

from __future__ import annotations

import base64
import http.server
import io
import socket
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tiphys.local.artifacts import ArtifactError, ArtifactStore
from tiphys.local.store import LocalStore

SECRET = "tok-s3cret"


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    src = tmp_path / "src" / "out"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.txt").write_text("B")
    return src


def test_tar_default_holds_the_source_under_its_basename(tmp_path: Path, sample: Path) -> None:
    store = ArtifactStore(tmp_path / "repo")
    store.save("wf/pod/out.tgz", sample, archive=None)
    with tarfile.open(store.path("wf/pod/out.tgz"), "r:gz") as tar:
        assert sorted(tar.getnames()) == ["out", "out/a.txt", "out/sub", "out/sub/b.txt"]
    store.load("wf/pod/out.tgz", tmp_path / "in" / "dir")
    assert _tree(tmp_path / "in" / "dir") == {"a.txt": "A", "sub/b.txt": "B"}


def test_tar_of_one_file_loads_as_that_file(tmp_path: Path) -> None:
    src = tmp_path / "hello.txt"
    src.write_text("hello world\n")
    store = ArtifactStore(tmp_path / "repo")
    store.save("wf/pod/hello.tgz", src, archive={"tar": {"compressionLevel": 0}})
    with tarfile.open(store.path("wf/pod/hello.tgz"), "r:gz") as tar:
        assert tar.getnames() == ["hello.txt"]
    dest = tmp_path / "in" / "renamed"
    store.load("wf/pod/hello.tgz", dest)
    assert dest.read_text() == "hello world\n"
    assert not Path(f"{dest}.tmpdir").exists()


def test_tar_with_several_entries_becomes_a_directory(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in ("x", "y"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(name.encode()))
    store = ArtifactStore(tmp_path / "repo")
    (tmp_path / "repo" / "k").mkdir(parents=True)
    (tmp_path / "repo" / "k" / "two.tgz").write_bytes(buf.getvalue())
    store.load("k/two.tgz", tmp_path / "dest")
    assert _tree(tmp_path / "dest") == {"x": "x", "y": "y"}


def test_archive_none_keeps_files_and_trees_raw(tmp_path: Path, sample: Path) -> None:
    store = ArtifactStore(tmp_path / "repo")
    store.save("wf/pod/out", sample, archive={"none": {}})
    assert _tree(store.path("wf/pod/out")) == {"a.txt": "A", "sub/b.txt": "B"}
    store.load("wf/pod/out", tmp_path / "copy")
    assert _tree(tmp_path / "copy") == {"a.txt": "A", "sub/b.txt": "B"}
    single = tmp_path / "one.txt"
    single.write_text("raw")
    store.save("wf/pod/one.txt", single, archive={"none": {}})
    assert store.path("wf/pod/one.txt").read_text() == "raw"
    store.load("wf/pod/one.txt", tmp_path / "one-copy.txt", archive={"none": {}})
    assert (tmp_path / "one-copy.txt").read_text() == "raw"


def test_zip_round_trip(tmp_path: Path, sample: Path) -> None:
    store = ArtifactStore(tmp_path / "repo")
    store.save("wf/pod/out.zip", sample, archive={"zip": {}})
    with zipfile.ZipFile(store.path("wf/pod/out.zip")) as zf:
        assert zf.namelist() == ["out/", "out/a.txt", "out/sub/", "out/sub/b.txt"]
    store.load("wf/pod/out.zip", tmp_path / "unz", archive={"zip": {}})
    assert _tree(tmp_path / "unz") == {"out/a.txt": "A", "out/sub/b.txt": "B"}


def test_missing_source_key_and_bad_keys(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "repo")
    with pytest.raises(ArtifactError) as info:
        store.save("k.tgz", tmp_path / "nope", archive=None, display="/tmp/nope")
    assert str(info.value) == "/tmp/nope no such file or directory"
    assert not (tmp_path / "repo").exists()
    with pytest.raises(ArtifactError) as info:
        store.path("wf/missing.tgz")
    assert str(info.value) == "key 'wf/missing.tgz' does not exist in the local artifact repository"
    with pytest.raises(ArtifactError) as info:
        store.save("../escape", tmp_path, archive=None)
    assert str(info.value) == "artifact key '../escape' must be a relative path without '..'"
    assert store.exists("/abs") is False


def test_tar_entry_escaping_dest_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../evil")
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "bad.tgz").write_bytes(buf.getvalue())
    with pytest.raises(ArtifactError) as info_:
        ArtifactStore(tmp_path / "repo").load("bad.tgz", tmp_path / "d" / "x")
    assert str(info_.value) == "illegal file path: ../evil"
    assert not (tmp_path / "evil").exists()


def test_fetch_raw_s3_and_mode(tmp_path: Path, sample: Path) -> None:
    store = ArtifactStore(tmp_path / "repo")
    secrets = LocalStore()
    dest = tmp_path / "inputs" / "raw.txt"
    art: dict[str, Any] = {"name": "r", "path": "/tmp/r", "raw": {"data": "hi\n"}, "mode": 0o600}
    assert store.fetch_input(art, dest, secrets) is True
    assert (dest.read_text(), dest.stat().st_mode & 0o777) == ("hi\n", 0o600)
    store.save("wf/pod/out.tgz", sample, archive=None)
    assert store.fetch_input(
        {"name": "s", "s3": {"key": "wf/pod/out.tgz"}}, tmp_path / "s", secrets
    )
    assert _tree(tmp_path / "s") == {"a.txt": "A", "sub/b.txt": "B"}
    # a bucket naming a key stored here still reads it from here
    located = {"name": "s", "s3": {"bucket": "b", "key": "wf/pod/out.tgz"}}
    assert store.fetch_input(located, tmp_path / "s2", secrets) is True
    missing = {"name": "m", "s3": {"key": "wf/none.tgz"}}
    assert store.fetch_input({**missing, "optional": True}, tmp_path / "m", secrets) is False
    with pytest.raises(ArtifactError) as info:
        store.fetch_input(missing, tmp_path / "m", secrets)
    assert str(info.value) == (
        "artifact m failed to load: key 'wf/none.tgz' does not exist in the local "
        "artifact repository"
    )
    assert store.fetch_input({"name": "o", "optional": True}, tmp_path / "o", secrets) is False
    with pytest.raises(ArtifactError) as info:
        store.fetch_input({"name": "o"}, tmp_path / "o", secrets)
    assert str(info.value) == "required artifact 'o' not supplied"


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        ({"git": {"repo": "https://example.invalid/r.git"}}, "git"),
        ({"gcs": {"bucket": "b", "key": "k"}}, "gcs"),
        ({"s3": {"bucket": "b", "endpoint": "s3.example.invalid", "key": "k"}}, "s3"),
        ({"azure": {"container": "c", "blob": "b"}}, "azure"),
    ],
)
def test_cluster_locations_are_refused(tmp_path: Path, location: dict[str, Any], kind: str) -> None:
    with pytest.raises(ArtifactError) as info:
        ArtifactStore(tmp_path).fetch_input(
            {"name": "x", "optional": True, **location}, tmp_path / "x", LocalStore()
        )
    assert str(info.value) == (
        f"artifact 'x' is in {kind}, which needs a cluster's artifact repository; "
        "tiphys runs only raw, http and the local store"
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    payloads: ClassVar[dict[str, bytes]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/file.txt")
            self.end_headers()
            return
        body = self.payloads.get(self.path)
        if body is None:
            code = 500 if self.path == "/boom" else 404
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        info = tarfile.TarInfo("data.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"data"))
    _Handler.payloads = {"/file.txt": b"served\n", "/a.tgz": tgz.getvalue()}
    _Handler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_fetch_http_with_secret_headers_redirects_and_tarballs(tmp_path: Path, server: str) -> None:
    store = ArtifactStore(tmp_path / "repo")
    secrets = LocalStore(secrets={"tok": {"value": SECRET}})
    art = {
        "name": "h",
        "http": {
            "url": f"{server}/redirect",
            "headers": [
                {"name": "X-Plain", "value": "p"},
                {
                    "name": "Authorization",
                    "valueFrom": {"secretKeyRef": {"name": "tok", "key": "value"}},
                },
            ],
        },
    }
    assert store.fetch_input(art, tmp_path / "h.txt", secrets) is True
    assert (tmp_path / "h.txt").read_text() == "served\n"
    assert (_Handler.seen[0]["x-plain"], _Handler.seen[0]["authorization"]) == ("p", SECRET)
    assert store.fetch_input(
        {"name": "t", "http": {"url": f"{server}/a.tgz"}}, tmp_path / "t.txt", secrets
    )
    assert (tmp_path / "t.txt").read_text() == "data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.txt", "t.txt"]


def test_fetch_http_failures(tmp_path: Path, server: str) -> None:
    store = ArtifactStore(tmp_path / "repo")
    secrets = LocalStore()
    gone = {"name": "g", "http": {"url": f"{server}/gone"}}
    assert store.fetch_input({**gone, "optional": True}, tmp_path / "g", secrets) is False
    with pytest.raises(ArtifactError) as info:
        store.fetch_input(gone, tmp_path / "g", secrets)
    assert str(info.value) == "artifact g failed to load: 404 Not Found"
    with pytest.raises(ArtifactError) as info:
        store.fetch_input({"name": "b", "http": {"url": f"{server}/boom"}}, tmp_path / "b", secrets)
    assert str(info.value) == (
        f"artifact b failed to load: loading file from {server}/boom failed with reason: "
        "500 Internal Server Error"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_missing_header_secret_names_no_value(tmp_path: Path) -> None:
    art = {
        "name": "h",
        "http": {
            "url": "http://127.0.0.1:9/never",
            "headers": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "k"}}}],
        },
    }
    from tiphys.local.store import StoreError

    with pytest.raises(StoreError) as info:
        ArtifactStore(tmp_path).fetch_input(art, tmp_path / "h", LocalStore())
    assert str(info.value) == "secret 'tok' not found: give it with --secret tok.k=VALUE"


def test_unreachable_http_with_a_secret_header_hides_the_secret(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    ref = {"secretKeyRef": {"name": "tok", "key": "v"}}
    art = {"name": "h", "http": {"url": url, "headers": [{"name": "A", "valueFrom": ref}]}}
    with pytest.raises(ArtifactError) as info:
        ArtifactStore(tmp_path).fetch_input(
            art, tmp_path / "h", LocalStore(secrets={"tok": {"v": SECRET}})
        )
    assert str(info.value) == (
        f'artifact h failed to load: Get "{url}": [Errno 111] Connection refused'
    )
    assert list(tmp_path.iterdir()) == []


def test_empty_archive_strategy_is_an_uncompressed_tar(tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("x" * 1000)
    store = ArtifactStore(tmp_path / "repo")
    store.save("k.tgz", src, archive={})
    with tarfile.open(store.path("k.tgz"), "r:gz") as tar:
        assert tar.getnames() == ["f.txt"]
    assert store.path("k.tgz").stat().st_size > 1000


def test_fetch_http_basic_auth_from_secrets(tmp_path: Path, server: str) -> None:
    secrets = LocalStore(secrets={"creds": {"user": "me", "pass": SECRET}})
    basic = {
        "usernameSecret": {"name": "creds", "key": "user"},
        "passwordSecret": {"name": "creds", "key": "pass"},
    }
    art = {"name": "b", "http": {"url": f"{server}/file.txt", "auth": {"basicAuth": basic}}}
    assert ArtifactStore(tmp_path / "repo").fetch_input(art, tmp_path / "b", secrets) is True
    token = base64.b64encode(f"me:{SECRET}".encode()).decode()
    assert _Handler.seen[-1]["authorization"] == f"Basic {token}"
    oauth = {"name": "o", "http": {"url": f"{server}/file.txt", "auth": {"oauth2": {"x": 1}}}}
    with pytest.raises(ArtifactError) as info:
        ArtifactStore(tmp_path / "repo").fetch_input(oauth, tmp_path / "o", secrets)
    assert str(info.value) == (
        "artifact 'o' uses http auth oauth2, which tiphys does not run locally: "
        "give the token as a header from a secret"
    )
