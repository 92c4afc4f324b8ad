"""tiphys.local.store: secrets and ConfigMaps from flags and files, and redaction."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tiphys.local.store import LocalStore, StoreError

SECRET = "s3cr=t-value"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_flags_split_at_first_dot_and_first_equals(tmp_path: Path) -> None:
    value_file = tmp_path / "pw.txt"
    value_file.write_text("from-file\nline2\n")
    store = LocalStore.from_options(
        secrets=[f"db.password={SECRET}", f"db.file.key=@{value_file}", "db.empty="],
        configmaps=["cfg.mode=a=b"],
    )
    assert store.secret_keys("db") == {
        "password": SECRET,
        "file.key": "from-file\nline2\n",
        "empty": "",
    }
    assert store.configmap("cfg", "mode") == "a=b"
    assert store.secret_keys("nope") is None
    assert store.configmap_keys("cfg") == {"mode": "a=b"}


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("hunter2", "--secret has no '=': give it as --secret NAME.KEY=VALUE"),
        (f"nodot={SECRET}", "--secret nodot=...: give it as --secret NAME.KEY=VALUE"),
        (
            f"Bad_Name.k={SECRET}",
            "--secret Bad_Name.k=...: secret name 'Bad_Name' is not a DNS-1123 name "
            "(lowercase letters, digits and '-', starting and ending with a letter or digit)",
        ),
        (
            f"ok.bad/key={SECRET}",
            "--secret ok.bad/key=...: key 'bad/key' may hold only letters, digits, "
            "'-', '_' and '.'",
        ),
        (
            "ok.k=@/nonexistent/pw",
            "--secret ok.k=@/nonexistent/pw: cannot read /nonexistent/pw: "
            "No such file or directory",
        ),
    ],
)
def test_bad_secret_flags_never_show_the_value(flag: str, message: str) -> None:
    with pytest.raises(StoreError) as info:
        LocalStore.from_options(secrets=[flag])
    assert str(info.value) == message


def test_bad_configmap_flag_without_equals_is_echoed() -> None:
    with pytest.raises(StoreError) as info:
        LocalStore.from_options(configmaps=["cfg.key"])
    assert (
        str(info.value) == "--configmap 'cfg.key' has no '=': give it as --configmap NAME.KEY=VALUE"
    )


def test_missing_keys_and_optional() -> None:
    store = LocalStore(secrets={"my-secret": {"user": "u"}}, configmaps={"cfg": {}})
    with pytest.raises(StoreError) as info:
        store.secret("my-secret", "password")
    assert str(info.value) == (
        "secret 'my-secret' has no key 'password': give it with --secret my-secret.password=VALUE"
    )
    with pytest.raises(StoreError) as info:
        store.secret("other", "password")
    assert str(info.value) == (
        "secret 'other' not found: give it with --secret other.password=VALUE"
    )
    with pytest.raises(StoreError) as info:
        store.configmap("cfg", "x")
    assert str(info.value) == "configmap 'cfg' has no key 'x': give it with --configmap cfg.x=VALUE"
    assert store.secret("my-secret", "password", optional=True) is None
    assert store.configmap("gone", "x", optional=True) is None
    assert store.secret("my-secret", "user") == "u"


def test_files_with_manifests_lists_and_plain_mappings(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
        f"data: {{password: {_b64(SECRET)}, user: {_b64('admin')}}}\n"
        "stringData: {user: root}\n"
        "---\n"
        "plain: {a: x, n: 3, flag: true}\n"
        "---\n"
        "kind: List\nitems:\n- kind: ConfigMap\n  metadata: {name: from-list}\n  data: {k: v}\n"
    )
    configmaps = tmp_path / "cm.json"
    configmaps.write_text(
        json.dumps(
            {
                "kind": "ConfigMap",
                "metadata": {"name": "cfg"},
                "data": {"mode": "fast"},
                "binaryData": {"blob": _b64("bytes")},
            }
        )
    )
    plain_cm = tmp_path / "plain-cm.yaml"
    plain_cm.write_text("other: {k: v}\n")
    store = LocalStore.from_options(
        secrets_files=[secrets],
        configmap_files=[configmaps, plain_cm],
        secrets=["db.extra=e"],
    )
    assert store.secret_keys("db") == {"password": SECRET, "user": "root", "extra": "e"}
    assert store.secret_keys("plain") == {"a": "x", "n": "3", "flag": "true"}
    assert store.configmap_keys("from-list") == {"k": "v"}
    assert store.configmap_keys("cfg") == {"mode": "fast", "blob": "bytes"}
    assert store.configmap_keys("other") == {"k": "v"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "(document 1): expected a Secret, a ConfigMap or a mapping of names"),
        (
            "a: {k: v}\n---\nkind: Pod\nmetadata: {name: p}\n",
            "(document 2): kind 'Pod' is not Secret or ConfigMap",
        ),
        ("kind: Secret\ndata: {}\n", "(document 1): Secret has no metadata.name"),
        (
            f"kind: Secret\nmetadata: {{name: db}}\ndata: {{pw: '{SECRET}'}}\n",
            "(document 1): data: secret 'db': the value of key 'pw' is not valid base64",
        ),
        (
            f"db: {{pw: [{SECRET}]}}\n",
            "(document 1): secret 'db': the value of key 'pw' must be text",
        ),
        (f"db: {{pw: '{SECRET}'\n", ": not valid YAML or JSON at line 2, column 1"),
    ],
)
def test_bad_files_name_the_file_and_document(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(StoreError) as info:
        LocalStore.from_options(secrets_files=[path])
    sep = "" if message.startswith(":") else " "
    assert str(info.value) == f"{path}{sep}{message}"
    assert SECRET not in str(info.value)


def test_add_manifest_rejects_other_kinds() -> None:
    store = LocalStore()
    with pytest.raises(StoreError) as info:
        store.add_manifest({"kind": "Pod", "metadata": {"name": "p"}})
    assert str(info.value) == "manifest: kind 'Pod' is not Secret or ConfigMap"
    store.add_manifest({"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}})
    assert store.secret("s", "k") == "v"


def test_redact_and_repr_hide_values() -> None:
    store = LocalStore(
        secrets={
            "db": {"pw": SECRET, "short": "s3cr", "empty": "", "pem": "-----BEGIN-----\nAAAA\n"}
        },
        configmaps={"cfg": {"mode": "fast"}},
    )
    assert store.redact(f"login {SECRET} s3cr fast AAAA -----BEGIN-----") == (
        "login ****** ****** fast ****** ******"
    )
    assert store.redact("nothing here") == "nothing here"
    assert repr(store) == (
        "LocalStore(secrets={'db': ['empty', 'pem', 'pw', 'short']}, configmaps={'cfg': ['mode']})"
    )
