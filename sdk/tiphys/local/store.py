"""Secrets and ConfigMaps for the local runner, given on the command line or in files.

A cluster reads ``secretKeyRef``/``configMapKeyRef`` from Kubernetes; the local runner reads
them from a :class:`LocalStore` built from ``--secret NAME.KEY=VALUE`` and
``--configmap NAME.KEY=VALUE`` flags (``NAME.KEY=@path`` reads the value from a file) and from
YAML/JSON files holding Kubernetes ``Secret``/``ConfigMap`` documents or a plain mapping
``{name: {key: value}}``.

Secret values never appear in a message, a ``repr`` or an exception: errors name the secret,
the key and the flag only, and :meth:`LocalStore.redact` masks the values in text such as logs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from tiphys.errors import TiphysError

__all__ = ["REDACTED", "LocalStore", "StoreError"]

REDACTED = "******"
"""What :meth:`LocalStore.redact` puts in place of a secret value."""

_Kind = Literal["secret", "configmap"]

# Kubernetes object names (secrets, configmaps) are DNS-1123 subdomains; the flag splits NAME
# from KEY at the first ".", so a flag's NAME is one DNS-1123 label.
_NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_FLAG_NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# k8s.io/apimachinery validation.IsConfigMapKey: [-._a-zA-Z0-9]+, at most 253 characters.
_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")


class StoreError(TiphysError):
    """A secret or ConfigMap is missing or was given badly.

    The message names the secret or ConfigMap, the key, and the flag or file to fix; it never
    contains a secret value.
    """


def _flag(kind: _Kind) -> str:
    return "--secret" if kind == "secret" else "--configmap"


def _valid_name(name: str) -> bool:
    return len(name) <= 253 and _NAME_RE.fullmatch(name) is not None


def _valid_key(key: str) -> bool:
    return len(key) <= 253 and _KEY_RE.fullmatch(key) is not None


class LocalStore:
    """Secrets and ConfigMaps by name, each a mapping of key to (text) value.

    Args:
        secrets: ``{secret name: {key: value}}``; copied.
        configmaps: ``{configmap name: {key: value}}``; copied.
    """

    def __init__(
        self,
        secrets: Mapping[str, Mapping[str, str]] | None = None,
        configmaps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._data: dict[_Kind, dict[str, dict[str, str]]] = {
            "secret": {name: dict(keys) for name, keys in (secrets or {}).items()},
            "configmap": {name: dict(keys) for name, keys in (configmaps or {}).items()},
        }

    def __repr__(self) -> str:
        def shape(kind: _Kind) -> str:
            items = self._data[kind]
            return "{" + ", ".join(f"{n!r}: {sorted(items[n])!r}" for n in sorted(items)) + "}"

        return f"LocalStore(secrets={shape('secret')}, configmaps={shape('configmap')})"

    @classmethod
    def from_options(
        cls,
        *,
        secrets: Sequence[str] = (),
        secrets_files: Sequence[Path] = (),
        configmaps: Sequence[str] = (),
        configmap_files: Sequence[Path] = (),
    ) -> LocalStore:
        """Build a store from command-line flags and files.

        Files are read first, then flags, so a flag overrides the same key from a file.

        Args:
            secrets: ``--secret`` values, each ``NAME.KEY=VALUE`` (VALUE may contain ``=``) or
                ``NAME.KEY=@path`` (the value is the file's whole text, UTF-8).
            secrets_files: YAML or JSON files holding Kubernetes ``Secret`` (or ``ConfigMap``)
                documents, ``List`` documents of them, or one plain mapping
                ``{name: {key: value}}`` per document, read as secrets.
            configmaps: ``--configmap`` values, as ``secrets``.
            configmap_files: As ``secrets_files``; plain mappings are read as ConfigMaps.

        Returns:
            The new store.

        Raises:
            StoreError: A flag is malformed, a file cannot be read or parsed, or a document is
                not a Secret, ConfigMap or plain mapping; the message names the flag or the file
                (and the 1-based document index), never a secret value.
        """
        store = cls()
        for path in secrets_files:
            store._read_file(Path(path), "secret")
        for path in configmap_files:
            store._read_file(Path(path), "configmap")
        for flag in secrets:
            store._add_flag(flag, "secret")
        for flag in configmaps:
            store._add_flag(flag, "configmap")
        return store

    def _add_flag(self, flag: str, kind: _Kind) -> None:
        opt = _flag(kind)
        lhs, eq, value = flag.partition("=")
        if not eq:
            # Without "=", the text may be a mistyped value: echo it only for configmaps.
            shown = f" {flag!r}" if kind == "configmap" else ""
            raise StoreError(f"{opt}{shown} has no '=': give it as {opt} NAME.KEY=VALUE")
        name, dot, key = lhs.partition(".")
        if not dot or not name or not key:
            raise StoreError(f"{opt} {lhs}=...: give it as {opt} NAME.KEY=VALUE")
        if _FLAG_NAME_RE.fullmatch(name) is None or len(name) > 63:
            raise StoreError(
                f"{opt} {lhs}=...: {kind} name {name!r} is not a DNS-1123 name "
                "(lowercase letters, digits and '-', starting and ending with a letter or digit)"
            )
        if not _valid_key(key):
            raise StoreError(
                f"{opt} {lhs}=...: key {key!r} may hold only letters, digits, '-', '_' and '.'"
            )
        if value.startswith("@"):
            path = Path(value[1:])
            try:
                value = path.read_text(encoding="utf-8")
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise StoreError(f"{opt} {lhs}=@{path}: cannot read {path}: {reason}") from None
            except UnicodeDecodeError:
                raise StoreError(f"{opt} {lhs}=@{path}: {path} is not UTF-8 text") from None
        self._data[kind].setdefault(name, {})[key] = value

    def _read_file(self, path: Path, kind: _Kind) -> None:
        import yaml

        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise StoreError(f"{path}: cannot read: {reason}") from None
        except UnicodeDecodeError:
            raise StoreError(f"{path}: not UTF-8 text") from None
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            # The problem's position only: the YAML error's text may quote a secret value.
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise StoreError(f"{path}: not valid YAML or JSON{where}") from None
        for index, doc in enumerate(docs, start=1):
            where = f"{path} (document {index})"
            if not isinstance(doc, Mapping):
                raise StoreError(f"{where}: expected a Secret, a ConfigMap or a mapping of names")
            if "kind" in doc and isinstance(doc.get("kind"), str):
                self._add_document(doc, where)
            else:
                self._add_plain(doc, kind, where)

    def _add_document(self, doc: Mapping[str, Any], where: str) -> None:
        if doc.get("kind") == "List" or str(doc.get("kind", "")).endswith("List"):
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise StoreError(f"{where}: items must be a list")
            for i, item in enumerate(items):
                if not isinstance(item, Mapping):
                    raise StoreError(f"{where}: items[{i}] is not a Secret or ConfigMap")
                self._add_manifest(item, f"{where} items[{i}]")
            return
        self._add_manifest(doc, where)

    def _add_plain(self, doc: Mapping[Any, Any], kind: _Kind, where: str) -> None:
        for name, keys in doc.items():
            if not isinstance(name, str) or not _valid_name(name):
                raise StoreError(f"{where}: {kind} name {str(name)!r} is not a DNS-1123 name")
            if not isinstance(keys, Mapping):
                raise StoreError(f"{where}: {kind} {name!r} must map keys to values")
            values: dict[str, str] = {}
            for key, value in keys.items():
                if not isinstance(key, str) or not _valid_key(key):
                    raise StoreError(
                        f"{where}: {kind} {name!r}: key {str(key)!r} may hold only letters, "
                        "digits, '-', '_' and '.'"
                    )
                values[key] = _scalar_text(value, kind, name, key, where)
            self._data[kind].setdefault(name, {}).update(values)

    def add_manifest(self, doc: Mapping[str, Any]) -> None:
        """Add a Kubernetes Secret or ConfigMap document.

        Secret ``data`` (base64) and ``stringData`` (text; it wins over ``data``), ConfigMap
        ``data`` (text) and ``binaryData`` (base64) are read; keys already in the store under
        the same name are replaced.

        Args:
            doc: The manifest, ``kind`` ``Secret`` or ``ConfigMap``, with ``metadata.name``.

        Raises:
            StoreError: Another kind, no name, a bad key, a value that is not text or a data
                value that is not base64 of UTF-8 text.
        """
        self._add_manifest(doc, "manifest")

    def _add_manifest(self, doc: Mapping[str, Any], where: str) -> None:
        kind_name = doc.get("kind")
        if kind_name == "Secret":
            kind: _Kind = "secret"
            sections = (("data", True), ("stringData", False))
        elif kind_name == "ConfigMap":
            kind = "configmap"
            sections = (("binaryData", True), ("data", False))
        else:
            raise StoreError(f"{where}: kind {kind_name!r} is not Secret or ConfigMap")
        metadata = doc.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if not isinstance(name, str) or not name:
            raise StoreError(f"{where}: {kind_name} has no metadata.name")
        if not _valid_name(name):
            raise StoreError(f"{where}: {kind} name {name!r} is not a DNS-1123 name")
        values: dict[str, str] = {}
        for section, encoded in sections:
            entries = doc.get(section)
            if entries is None:
                continue
            if not isinstance(entries, Mapping):
                raise StoreError(f"{where}: {kind} {name!r}: {section} must be a mapping")
            for key, value in entries.items():
                if not isinstance(key, str) or not _valid_key(key):
                    raise StoreError(
                        f"{where}: {kind} {name!r}: key {str(key)!r} in {section} may hold only "
                        "letters, digits, '-', '_' and '.'"
                    )
                if encoded:
                    values[key] = _decode(value, kind, name, key, f"{where}: {section}")
                else:
                    values[key] = _scalar_text(value, kind, name, key, where)
        self._data[kind].setdefault(name, {}).update(values)

    def _get(self, kind: _Kind, name: str, key: str, optional: bool) -> str | None:
        keys = self._data[kind].get(name)
        if keys is not None and key in keys:
            return keys[key]
        if optional:
            return None
        label = "secret" if kind == "secret" else "configmap"
        hint = f"give it with {_flag(kind)} {name}.{key}=VALUE"
        if keys is None:
            raise StoreError(f"{label} {name!r} not found: {hint}")
        raise StoreError(f"{label} {name!r} has no key {key!r}: {hint}")

    def secret(self, name: str, key: str, *, optional: bool = False) -> str | None:
        """One key of a secret (Argo's ``secretKeyRef``).

        Args:
            name: Secret name.
            key: Key in the secret.
            optional: When true, a missing secret or key gives ``None`` (``secretKeyRef.optional``).

        Returns:
            The value, or ``None`` when missing and ``optional``.

        Raises:
            StoreError: Missing and not optional, e.g. ``secret 'my-secret' has no key
                'password': give it with --secret my-secret.password=VALUE``.
        """
        return self._get("secret", name, key, optional)

    def configmap(self, name: str, key: str, *, optional: bool = False) -> str | None:
        """One key of a ConfigMap (Argo's ``configMapKeyRef``).

        Args:
            name: ConfigMap name.
            key: Key in the ConfigMap.
            optional: When true, a missing ConfigMap or key gives ``None``.

        Returns:
            The value, or ``None`` when missing and ``optional``.

        Raises:
            StoreError: Missing and not optional, e.g. ``configmap 'cfg' has no key 'x': give
                it with --configmap cfg.x=VALUE``.
        """
        return self._get("configmap", name, key, optional)

    def secret_keys(self, name: str) -> dict[str, str] | None:
        """A whole secret, for a ``secret`` volume.

        Args:
            name: Secret name.

        Returns:
            A new ``{key: value}`` dict, or ``None`` when there is no such secret.
        """
        keys = self._data["secret"].get(name)
        return dict(keys) if keys is not None else None

    def configmap_keys(self, name: str) -> dict[str, str] | None:
        """A whole ConfigMap, for a ``configMap`` volume.

        Args:
            name: ConfigMap name.

        Returns:
            A new ``{key: value}`` dict, or ``None`` when there is no such ConfigMap.
        """
        keys = self._data["configmap"].get(name)
        return dict(keys) if keys is not None else None

    def redact(self, text: str) -> str:
        """Replace every secret value in ``text`` by ``"******"``.

        Every non-empty value is masked, longest first; the non-blank lines of a multi-line
        value are masked too (logs arrive one line at a time).

        Args:
            text: Any text, e.g. a log line or a message.

        Returns:
            ``text`` with the values masked.
        """
        needles: set[str] = set()
        for keys in self._data["secret"].values():
            for value in keys.values():
                if not value:
                    continue
                needles.add(value)
                if "\n" in value:
                    needles.update(line for line in value.splitlines() if line.strip())
        for needle in sorted(needles, key=len, reverse=True):
            if needle in text:
                text = text.replace(needle, REDACTED)
        return text


def _scalar_text(value: Any, kind: _Kind, name: str, key: str, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) and value is not None:
        # As the YAML/JSON was written (true, 3): json.dumps gives Go's spelling for these.
        return json.dumps(value)
    raise StoreError(f"{where}: {kind} {name!r}: the value of key {key!r} must be text")


def _decode(value: Any, kind: _Kind, name: str, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise StoreError(f"{where}: {kind} {name!r}: the value of key {key!r} must be base64 text")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise StoreError(
            f"{where}: {kind} {name!r}: the value of key {key!r} is not valid base64"
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StoreError(
            f"{where}: {kind} {name!r}: the value of key {key!r} is not UTF-8 text once decoded"
        ) from None
