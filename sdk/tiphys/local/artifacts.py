"""The local artifact repository: where the local runner keeps output artifacts.

Argo stores an output artifact that has no location of its own in the default artifact
repository under ``{{workflow.name}}/{{pod.name}}/`` plus ``<artifact name>.tgz`` (tar, the
default), ``<artifact name>.zip`` (zip) or the path's basename (``archive: {none: {}}``); the key
is the engine's to choose. :class:`ArtifactStore` keeps those objects as files (or directory
trees) under a root directory, packed and unpacked as Argo's executor does
(``workflow/executor/executor.go``: ``stageArchiveFile``, ``loadArtifact``,
``unarchiveArtifact``, ``untar``).

Input artifacts are resolved by :meth:`ArtifactStore.fetch_input`: ``raw``, ``http`` and keys
of this store run locally; every other location needs a cluster's artifact repository.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tiphys.errors import TiphysError

if TYPE_CHECKING:
    from tiphys.local.store import LocalStore

__all__ = ["CLUSTER_KINDS", "ArtifactError", "ArtifactStore"]

CLUSTER_KINDS = ("git", "gcs", "azure", "oss", "hdfs", "artifactory", "huggingface", "plugin")
"""Artifact locations that need a cluster's artifact repository."""

HTTP_TIMEOUT = 60.0
"""Seconds an http input artifact may take to connect, and between reads."""

_CHUNK = 1 << 16


class ArtifactError(TiphysError):
    """An artifact cannot be saved, found or fetched (messages as Argo's executor words them)."""


def _cluster_only(name: str, kind: str) -> ArtifactError:
    return ArtifactError(
        f"artifact {name!r} is in {kind}, which needs a cluster's artifact repository; "
        "tiphys runs only raw, http and the local store"
    )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _chmod(path: Path, mode: int, recurse: bool) -> None:
    # executor.go chmod: the path itself, and everything below it when recurseMode is set.
    os.chmod(path, mode)
    if recurse and path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            for entry in dirnames + filenames:
                os.chmod(os.path.join(dirpath, entry), mode)


def _is_tarball(path: Path) -> bool:
    # executor.go isTarball: a gzip stream whose tar has at least one header.
    if not path.is_file():
        return False
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            return tar.next() is not None
    except (tarfile.TarError, OSError, EOFError):
        return False


def _check_member(name: str) -> None:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts:
        raise ArtifactError(f"illegal file path: {name}")


def _untar(archive: Path, dest: Path) -> None:
    # executor.go untar: extract into "<dest>.tmpdir"; a single top-level entry becomes dest
    # itself, several entries make the temporary directory dest.
    tmp = Path(f"{dest}.tmpdir")
    _remove(tmp)
    tmp.mkdir(parents=True)
    with tarfile.open(archive, mode="r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member.name)
        tar.extractall(tmp, members=members, filter="data")
    entries = list(tmp.iterdir())
    _remove(dest)
    if len(entries) == 1:
        entries[0].rename(dest)
        tmp.rmdir()
    else:
        tmp.rename(dest)


def _unzip(archive: Path, dest: Path) -> None:
    # executor.go unzip: every entry is extracted below dest.
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            _check_member(name)
        _remove(dest)
        dest.mkdir(parents=True)
        zf.extractall(dest)


def _copy(source: Path, dest: Path) -> None:
    _remove(dest)
    if source.is_dir():
        shutil.copytree(source, dest, symlinks=True)
    else:
        shutil.copy2(source, dest)


class ArtifactStore:
    """Objects of the local artifact repository, stored under one directory.

    Args:
        root: The repository's directory; created on the first write. A key ``a/b/c.tgz`` is
            the file ``root/a/b/c.tgz``.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    def _file(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not key or key.startswith("/") or ".." in parts or "\\" in key:
            raise ArtifactError(f"artifact key {key!r} must be a relative path without '..'")
        return self.root.joinpath(*parts)

    def save(
        self,
        key: str,
        source: Path,
        *,
        archive: Mapping[str, Any] | None,
        display: str | None = None,
    ) -> None:
        """Store a file or directory under ``key``, packed as Argo's executor packs it.

        Args:
            key: Object key, a relative ``/``-separated path (e.g. ``wf/wf-123/out.tgz``).
            source: The file or directory to store.
            archive: The output artifact's ``archive``: ``None`` or ``{"tar": {...}}`` -> a gzip
                tar holding the source under its basename (``tar.compressionLevel``, 0-9, default
                gzip's default; ``{}`` is a tar without compression, as in Argo);
                ``{"none": {}}`` -> the file or directory tree as is;
                ``{"zip": {}}`` -> a zip holding the source under its basename.
            display: The path to name in the "no such file" error (the artifact's ``path`` in
                the container); default ``source``.

        Raises:
            ArtifactError: ``"<path> no such file or directory"`` when ``source`` is missing; a
                bad key; an unknown archive strategy.
        """
        source = Path(source)
        if not source.exists():
            raise ArtifactError(f"{display or source} no such file or directory")
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        strategy = dict(archive) if archive is not None else {"tar": {}}
        if not strategy:
            # executor.go stageArchiveFile: an empty strategy is a tar without compression.
            strategy = {"tar": {"compressionLevel": 0}}
        tmp = target.parent / f".{target.name}.partial"
        _remove(tmp)
        try:
            if "none" in strategy:
                _copy(source, tmp)
            elif "zip" in strategy:
                self._zip(source, tmp)
            elif "tar" in strategy:
                tar_opts = strategy.get("tar") or {}
                level = tar_opts.get("compressionLevel") if isinstance(tar_opts, Mapping) else None
                level = 6 if level is None or int(level) < 0 else min(int(level), 9)
                with tarfile.open(tmp, mode="w:gz", compresslevel=level) as tar:
                    tar.add(source, arcname=source.name)
            else:
                raise ArtifactError(
                    f"archive strategy {sorted(strategy)!r} is not one of tar, zip, none"
                )
            _remove(target)
            tmp.rename(target)
        finally:
            _remove(tmp)

    @staticmethod
    def _zip(source: Path, target: Path) -> None:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            if source.is_dir():
                for dirpath, dirnames, filenames in os.walk(source):
                    dirnames.sort()
                    rel = Path(dirpath).relative_to(source.parent)
                    zf.write(dirpath, f"{rel.as_posix()}/")
                    for fname in sorted(filenames):
                        zf.write(Path(dirpath) / fname, (rel / fname).as_posix())
            else:
                zf.write(source, source.name)

    def load(self, key: str, dest: Path, *, archive: Mapping[str, Any] | None = None) -> None:
        """Unpack or copy the object at ``key`` to ``dest``, as Argo's executor loads an input.

        A gzip tar is extracted (one top-level entry becomes ``dest`` itself, several make
        ``dest`` a directory holding them); a zip is extracted below ``dest`` when ``archive``
        is ``{"zip": {}}``; anything else (or ``archive`` ``{"none": {}}``) is copied as is.
        An existing ``dest`` is replaced.

        Args:
            key: Object key.
            dest: Where the artifact goes (its parent is created).
            archive: The input artifact's ``archive``: ``None`` detects a tarball, ``{"tar": ..}``
                untars, ``{"zip": {}}`` unzips, ``{"none": {}}`` copies.

        Raises:
            ArtifactError: No object under ``key``; an archive entry escaping ``dest``.
        """
        self._unarchive(self.path(key), Path(dest), archive)

    def _unarchive(self, source: Path, dest: Path, archive: Mapping[str, Any] | None) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        strategy = archive or {}
        try:
            if "none" in strategy:
                _copy(source, dest)
            elif "tar" in strategy or ("zip" not in strategy and _is_tarball(source)):
                _untar(source, dest)
            elif "zip" in strategy:
                _unzip(source, dest)
            else:
                _copy(source, dest)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
            raise ArtifactError(f"{dest.name}: cannot unpack the artifact: {exc}") from None

    def path(self, key: str) -> Path:
        """The stored file (or directory, for ``archive: none``) of ``key``, for downloads.

        Raises:
            ArtifactError: No object under ``key``.
        """
        target = self._file(key)
        if not target.exists():
            raise ArtifactError(f"key {key!r} does not exist in the local artifact repository")
        return target

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key`` (``False`` for a malformed key)."""
        try:
            return self._file(key).exists()
        except ArtifactError:
            return False

    def fetch_input(self, artifact: Mapping[str, Any], dest: Path, store: LocalStore) -> bool:
        """Resolve one input artifact (already substituted) into ``dest``.

        ``raw.data`` is written as text; ``http.url`` is downloaded (headers, including
        ``valueFrom.secretKeyRef`` values, and ``auth.basicAuth`` secrets, from ``store``;
        redirects followed; :data:`HTTP_TIMEOUT` seconds) and unpacked like any artifact;
        ``s3.key`` is loaded from this store when the artifact names no bucket or endpoint, or
        when the key is stored here. ``mode`` (and ``recurseMode``) are applied afterwards.

        Args:
            artifact: An Argo input artifact: ``name``, ``path``, ``optional``, ``mode``,
                ``recurseMode``, ``archive`` and one location.
            dest: Where to put it (on the host).
            store: Secrets for http headers and basic auth.

        Returns:
            ``True`` when ``dest`` was written; ``False`` for an optional artifact with no
            location, a missing key or an http 404.

        Raises:
            ArtifactError: ``required artifact 'x' not supplied``; a location that needs a
                cluster; a failed download (``artifact x failed to load: ...``); a missing key.
            StoreError: A header or basic-auth secret is missing.
        """
        name = str(artifact.get("name", ""))
        optional = bool(artifact.get("optional"))
        archive = artifact.get("archive")
        dest = Path(dest)
        for kind in CLUSTER_KINDS:
            if artifact.get(kind) is not None:
                raise _cluster_only(name, kind)
        if artifact.get("raw") is not None:
            raw = artifact["raw"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            _remove(dest)
            dest.write_text(str(raw.get("data", "")), encoding="utf-8")
        elif artifact.get("http") is not None:
            if not self._fetch_http(name, artifact["http"], dest, archive, store, optional):
                return False
        elif artifact.get("s3") is not None:
            s3 = artifact["s3"]
            key = str(s3.get("key", ""))
            if (s3.get("bucket") or s3.get("endpoint")) and not self.exists(key):
                raise _cluster_only(name, "s3")
            if not self.exists(key):
                if optional:
                    return False
                raise ArtifactError(
                    f"artifact {name} failed to load: key {key!r} does not exist in the local "
                    "artifact repository"
                )
            self.load(key, dest, archive=archive)
        else:
            if optional:
                return False
            # executor.go loadArtifact
            raise ArtifactError(f"required artifact {name!r} not supplied")
        mode = artifact.get("mode")
        if mode is not None:
            _chmod(dest, int(mode), bool(artifact.get("recurseMode")))
        return True

    def _fetch_http(
        self,
        name: str,
        spec: Mapping[str, Any],
        dest: Path,
        archive: Mapping[str, Any] | None,
        store: LocalStore,
        optional: bool,
    ) -> bool:
        import httpx

        url = str(spec.get("url", ""))
        headers: list[tuple[str, str]] = []
        for header in spec.get("headers") or []:
            value = header.get("value")
            ref = (header.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                value = store.secret(
                    str(ref.get("name", "")),
                    str(ref.get("key", "")),
                    optional=bool(ref.get("optional")),
                )
            headers.append((str(header.get("name", "")), "" if value is None else str(value)))
        auth: httpx.BasicAuth | None = None
        spec_auth = spec.get("auth") or {}
        if spec_auth.get("basicAuth"):
            basic = spec_auth["basicAuth"]
            user_ref = basic.get("usernameSecret") or {}
            pass_ref = basic.get("passwordSecret") or {}
            user = store.secret(str(user_ref.get("name", "")), str(user_ref.get("key", "")))
            password = store.secret(str(pass_ref.get("name", "")), str(pass_ref.get("key", "")))
            auth = httpx.BasicAuth(user or "", password or "")
        for other in ("oauth2", "clientCert"):
            if spec_auth.get(other):
                raise ArtifactError(
                    f"artifact {name!r} uses http auth {other}, which tiphys does not run "
                    "locally: give the token as a header from a secret"
                )
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            try:
                with (
                    os.fdopen(fd, "wb") as out,
                    httpx.stream(
                        "GET",
                        url,
                        headers=headers,
                        auth=auth,
                        follow_redirects=True,
                        timeout=HTTP_TIMEOUT,
                    ) as response,
                ):
                    if response.status_code == 404:
                        if optional:
                            return False
                        raise ArtifactError(f"artifact {name} failed to load: 404 Not Found")
                    if not 200 <= response.status_code < 300:
                        status = f"{response.status_code} {response.reason_phrase}".strip()
                        raise ArtifactError(
                            f"artifact {name} failed to load: loading file from {url} failed "
                            f"with reason: {status}"
                        )
                    for chunk in response.iter_bytes(_CHUNK):
                        out.write(chunk)
            except httpx.HTTPError as exc:
                # httpx may quote a header value (a secret) when it refuses one.
                reason = store.redact(str(exc) or type(exc).__name__)
                raise ArtifactError(
                    f'artifact {name} failed to load: Get "{url}": {reason}'
                ) from None
            self._unarchive(tmp, dest, archive)
        finally:
            _remove(tmp)
        return True
