"""Which upstream examples the local runner can run, computed from each manifest.

Issue 5's proof on real input runs every Workflow of ``../shared/argo/examples/`` except those
that need what this machine cannot give. The reason is computed from the manifest, never from
the file name: :func:`category` returns ``None`` (run it) or the first reason that applies, in
this order:

* ``label: duration`` / ``label: flaky``: upstream's own ``workflows.argoproj.io/no-test`` label
  says the example is slow or unreliable;
* ``cluster resource``: a resource or plugin template, an executor plugin, an existing
  PersistentVolumeClaim, a database-backed lock, dynamic resource claims, or a Secret the corpus
  does not hold;
* ``artifact repository``: an artifact in S3/GCS/Azure/OSS/HDFS/Artifactory/Git/a plugin, or
  ``artifactRepositoryRef`` (only the local store and raw/http artifacts run here);
* ``network``: an HTTP template or HTTP artifact whose URLs leave this machine;
* ``non-host image``: a container image that is not host-compatible (busybox, alpine, debian,
  ubuntu, ``python:*``, ``argoproj/argosay``; images written with ``{{...}}`` are resolved at run
  time and count as runnable).

Upstream's expected phase is Succeeded, or Failed for ``no-test: expected-failure``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

NO_TEST = "workflows.argoproj.io/no-test"

_HOST_IMAGES = re.compile(
    r"(docker\.io/)?(library/)?(busybox|alpine|debian|ubuntu|python)(:[^/]*)?\Z"
)
_ARGOSAY = re.compile(r"(docker\.io/)?argoproj/argosay(:[^/]*)?\Z")
_REPOSITORIES = ("s3", "gcs", "azure", "oss", "hdfs", "artifactory", "git", "plugin")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_URL = re.compile(r"https?://[^\s\"'{}]+")


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k), v
            yield from _walk(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)


def _templates(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in (doc.get("spec") or {}).get("templates") or [] if isinstance(t, Mapping)]


def host_image(image: str) -> bool:
    """Whether ``image`` runs on the host backend (``{{...}}`` images count as runnable)."""
    return "{{" in image or bool(_HOST_IMAGES.match(image) or _ARGOSAY.match(image))


def _artifacts(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key, value in _walk(doc):
        if key == "artifacts" and isinstance(value, list):
            yield from (a for a in value if isinstance(a, Mapping))


def _needs_cluster(doc: Mapping[str, Any], secrets: set[str]) -> bool:
    spec = doc.get("spec") or {}
    if spec.get("executor") or any("resource" in t or "plugin" in t for t in _templates(doc)):
        return True
    for key, value in _walk(doc):
        if key in ("persistentVolumeClaim", "database", "resourceClaims"):
            return True
        if not isinstance(value, Mapping):
            continue
        if key == "secretKeyRef" and value.get("name") not in secrets:
            return True
        if key == "secret" and "secretName" in value and value["secretName"] not in secrets:
            return True
    return False


def _needs_repository(doc: Mapping[str, Any]) -> bool:
    if (doc.get("spec") or {}).get("artifactRepositoryRef"):
        return True
    return any(any(kind in a for kind in _REPOSITORIES) for a in _artifacts(doc))


def _needs_network(doc: Mapping[str, Any]) -> bool:
    uses_http = any("http" in t for t in _templates(doc)) or any(
        "http" in a for a in _artifacts(doc)
    )
    if not uses_http:
        return False
    urls = [u for _, v in _walk(doc) if isinstance(v, str) for u in _URL.findall(v)]
    return any((urlsplit(u).hostname or "") not in _LOOPBACK for u in urls)


def _images(doc: Mapping[str, Any]) -> list[str]:
    return [v for k, v in _walk(doc) if k == "image" and isinstance(v, str)]


def category(doc: Mapping[str, Any], *, secrets: set[str] | None = None) -> str | None:
    """The reason a Workflow cannot run here, or ``None`` when it can.

    Args:
        doc: A Workflow manifest.
        secrets: Names of the Secrets the local store holds (none in the corpus).

    Returns:
        One of ``"label: duration"``, ``"label: flaky"``, ``"cluster resource"``,
        ``"artifact repository"``, ``"network"``, ``"non-host image"``, or ``None``.
    """
    label = ((doc.get("metadata") or {}).get("labels") or {}).get(NO_TEST)
    if label in ("duration", "flaky"):
        return f"label: {label}"
    if _needs_cluster(doc, secrets or set()):
        return "cluster resource"
    if _needs_repository(doc):
        return "artifact repository"
    if _needs_network(doc):
        return "network"
    if not all(host_image(image) for image in _images(doc)):
        return "non-host image"
    return None


def expected_phase(doc: Mapping[str, Any]) -> str:
    """The phase upstream's test contract expects: Failed for ``expected-failure``, else
    Succeeded."""
    label = ((doc.get("metadata") or {}).get("labels") or {}).get(NO_TEST)
    return "Failed" if label == "expected-failure" else "Succeeded"
