"""tiphys.client.config: arguments > ARGO_* > kubeconfig > defaults, and the token stays hidden."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from tiphys.client.config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    Secret,
    ServerConfig,
    auth_header,
    resolve_config,
)
from tiphys.client.errors import ConfigError, NoServerConfigured
from tiphys.errors import TiphysError

TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"  # a JWT-shaped fake
KUBE_TOKEN = "kube-sa-token-0123456789abcdef"

KUBECONFIG = f"""\
apiVersion: v1
kind: Config
current-context: ops
contexts:
- name: dev
  context: {{cluster: c1, user: dev-user, namespace: dev-ns}}
- name: ops
  context: {{cluster: c1, user: ops-user, namespace: argo}}
- name: bare
  context: {{cluster: c1}}
users:
- name: dev-user
  user: {{token: dev-token}}
- name: ops-user
  user: {{token: {KUBE_TOKEN}}}
clusters:
- name: c1
  cluster: {{server: https://k8s.example:6443}}
"""


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    return path


def _resolve(env: dict[str, str], kube: str | Path | None = os.devnull, **kw: Any) -> ServerConfig:
    return resolve_config(env=env, kubeconfig=kube, **kw)


# --- precedence ---------------------------------------------------------------------------------

BASE = {"ARGO_SERVER": "argo.example:2746"}

# (id, explicit arguments, environment, use the kubeconfig, expected fields)
PRECEDENCE: list[tuple[str, dict[str, Any], dict[str, str], bool, dict[str, Any]]] = [
    (
        "defaults",
        {},
        BASE,
        False,
        {
            "base_url": "https://argo.example:2746",
            "namespace": "default",
            "token": None,
            "verify": True,
            "cert": None,
        },
    ),
    ("server arg beats env", {"server": "arg:1"}, BASE, False, {"base_url": "https://arg:1"}),
    (
        "empty server arg means not given",
        {"server": ""},
        BASE,
        False,
        {"server": "argo.example:2746"},
    ),
    ("ARGO_SECURE=false is http", {}, {**BASE, "ARGO_SECURE": "false"}, False, {"scheme": "http"}),
    (
        "ARGO_SECURE=False is https",
        {},
        {**BASE, "ARGO_SECURE": "False"},
        False,
        {"scheme": "https"},
    ),
    ("ARGO_SECURE=0 is https", {}, {**BASE, "ARGO_SECURE": "0"}, False, {"scheme": "https"}),
    ("ARGO_SECURE=true is https", {}, {**BASE, "ARGO_SECURE": "true"}, False, {"scheme": "https"}),
    (
        "secure arg beats env",
        {"secure": True},
        {**BASE, "ARGO_SECURE": "false"},
        False,
        {"scheme": "https"},
    ),
    ("secure=False arg", {"secure": False}, BASE, False, {"scheme": "http"}),
    (
        "skip verify exactly true",
        {},
        {**BASE, "ARGO_INSECURE_SKIP_VERIFY": "true"},
        False,
        {"verify": False},
    ),
    (
        "skip verify True is not true",
        {},
        {**BASE, "ARGO_INSECURE_SKIP_VERIFY": "True"},
        False,
        {"verify": True},
    ),
    (
        "skip verify 1 is not true",
        {},
        {**BASE, "ARGO_INSECURE_SKIP_VERIFY": "1"},
        False,
        {"verify": True},
    ),
    (
        "skip verify arg beats env",
        {"insecure_skip_verify": False},
        {**BASE, "ARGO_INSECURE_SKIP_VERIFY": "true"},
        False,
        {"verify": True},
    ),
    (
        "base href",
        {},
        {**BASE, "ARGO_BASE_HREF": "/argo"},
        False,
        {"base_url": "https://argo.example:2746/argo"},
    ),
    (
        "base href trailing slash",
        {},
        {**BASE, "ARGO_BASE_HREF": "/argo/"},
        False,
        {"base_href": "/argo"},
    ),
    (
        "base href without leading slash",
        {},
        {**BASE, "ARGO_BASE_HREF": "argo"},
        False,
        {"base_href": "/argo"},
    ),
    ("base href of one slash", {}, {**BASE, "ARGO_BASE_HREF": "/"}, False, {"base_href": ""}),
    (
        "base href arg beats env",
        {"base_href": "/ui"},
        {**BASE, "ARGO_BASE_HREF": "/argo"},
        False,
        {"base_href": "/ui"},
    ),
    ("env namespace", {}, {**BASE, "ARGO_NAMESPACE": "ci"}, False, {"namespace": "ci"}),
    (
        "namespace arg beats env",
        {"namespace": "x"},
        {**BASE, "ARGO_NAMESPACE": "ci"},
        True,
        {"namespace": "x"},
    ),
    (
        "env namespace beats kubeconfig",
        {},
        {**BASE, "ARGO_NAMESPACE": "ci"},
        True,
        {"namespace": "ci"},
    ),
    ("kubeconfig namespace beats default", {}, BASE, True, {"namespace": "argo"}),
    (
        "empty ARGO_NAMESPACE falls to kubeconfig",
        {},
        {**BASE, "ARGO_NAMESPACE": ""},
        True,
        {"namespace": "argo"},
    ),
    ("kubeconfig token gets Bearer", {}, BASE, True, {"token": f"Bearer {KUBE_TOKEN}"}),
    (
        "ARGO_TOKEN beats kubeconfig",
        {},
        {**BASE, "ARGO_TOKEN": f"Bearer {TOKEN}"},
        True,
        {"token": f"Bearer {TOKEN}"},
    ),
    (
        "token arg beats env",
        {"token": "Basic dXNlcjpwdw=="},
        {**BASE, "ARGO_TOKEN": TOKEN},
        True,
        {"token": "Basic dXNlcjpwdw=="},
    ),
    (
        "bare ARGO_TOKEN gets Bearer",
        {},
        {**BASE, "ARGO_TOKEN": TOKEN},
        False,
        {"token": f"Bearer {TOKEN}"},
    ),
    (
        "SSO token verbatim",
        {},
        {**BASE, "ARGO_TOKEN": "Bearer v2:abc"},
        False,
        {"token": "Bearer v2:abc"},
    ),
    (
        "Basic token verbatim",
        {},
        {**BASE, "ARGO_TOKEN": "Basic dXNlcjpwdw=="},
        False,
        {"token": "Basic dXNlcjpwdw=="},
    ),
    (
        "token surrounding whitespace dropped",
        {},
        {**BASE, "ARGO_TOKEN": f" {TOKEN}\n"},
        False,
        {"token": f"Bearer {TOKEN}"},
    ),
    (
        "empty ARGO_TOKEN falls to kubeconfig",
        {},
        {**BASE, "ARGO_TOKEN": ""},
        True,
        {"token": f"Bearer {KUBE_TOKEN}"},
    ),
]


@pytest.mark.parametrize(
    ("args", "env", "use_kube", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in PRECEDENCE],
)
def test_precedence(
    kubeconfig: Path,
    args: dict[str, Any],
    env: dict[str, str],
    use_kube: bool,
    expected: dict[str, Any],
) -> None:
    config = _resolve(env, kubeconfig if use_kube else os.devnull, **args)
    got = {}
    for name in expected:
        value = getattr(config, name)
        got[name] = value.reveal() if isinstance(value, Secret) else value
    assert got == expected


def test_defaults_are_documented_values() -> None:
    config = _resolve(BASE)
    assert config == ServerConfig(server="argo.example:2746")
    assert (config.connect_timeout, config.read_timeout) == (10.0, 30.0)
    assert (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT) == (10.0, 30.0)


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGO_SERVER", "from-environ:2746")
    monkeypatch.setenv("ARGO_NAMESPACE", "environ-ns")
    monkeypatch.setenv("KUBECONFIG", os.devnull)
    config = resolve_config()
    assert (config.base_url, config.namespace) == ("https://from-environ:2746", "environ-ns")


def test_config_is_frozen() -> None:
    config = _resolve(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.namespace = "other"  # type: ignore[misc]


def test_ipv6_server() -> None:
    assert _resolve({"ARGO_SERVER": "[::1]:2746"}).base_url == "https://[::1]:2746"


def test_server_without_port() -> None:
    assert _resolve({"ARGO_SERVER": "argo.example.com"}).base_url == "https://argo.example.com"


# --- kubeconfig ---------------------------------------------------------------------------------


def test_kubeconfig_other_current_context(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.replace("current-context: ops", "current-context: dev"))
    config = _resolve(BASE, path)
    assert (config.namespace, auth_header(config)) == (
        "dev-ns",
        {"Authorization": "Bearer dev-token"},
    )


def test_kubeconfig_context_without_user_or_namespace(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.replace("current-context: ops", "current-context: bare"))
    config = _resolve(BASE, path)
    assert (config.namespace, config.token) == ("default", None)


def test_kubeconfig_unknown_current_context_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.replace("current-context: ops", "current-context: gone"))
    config = _resolve(BASE, path)
    assert (config.namespace, config.token) == ("default", None)


def test_kubeconfig_list_first_file_wins(tmp_path: Path, kubeconfig: Path) -> None:
    first = tmp_path / "first"
    first.write_text(
        "current-context: dev\n"
        "contexts:\n- name: dev\n  context: {user: dev-user, namespace: first-ns}\n"
    )
    missing = tmp_path / "missing"
    listing = os.pathsep.join([str(missing), str(first), "", str(kubeconfig)])
    config = _resolve({**BASE, "KUBECONFIG": listing}, kube=None)
    # current-context and the context come from `first`; the user only from the second file.
    assert (config.namespace, auth_header(config)) == (
        "first-ns",
        {"Authorization": "Bearer dev-token"},
    )


def test_kubeconfig_argument_beats_env(tmp_path: Path, kubeconfig: Path) -> None:
    config = _resolve({**BASE, "KUBECONFIG": str(tmp_path / "nothing")}, kubeconfig)
    assert config.namespace == "argo"


def test_kubeconfig_default_path_under_home(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text(KUBECONFIG)
    config = resolve_config(env={**BASE, "HOME": str(tmp_path)})
    assert config.namespace == "argo"


def test_missing_kubeconfig_is_fine(tmp_path: Path) -> None:
    config = _resolve(BASE, tmp_path / "absent")
    assert (config.namespace, config.token) == ("default", None)


def test_empty_kubeconfig_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("")
    assert _resolve(BASE, path).namespace == "default"


def test_kubeconfig_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(KUBE_TOKEN + "\n")
    path = tmp_path / "config"
    path.write_text(
        "current-context: c\ncontexts:\n- name: c\n  context: {user: u}\n"
        f"users:\n- name: u\n  user: {{tokenFile: {token_file}}}\n"
    )
    assert auth_header(_resolve(BASE, path)) == {"Authorization": f"Bearer {KUBE_TOKEN}"}


def test_kubeconfig_not_read_when_token_and_namespace_given(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("{not yaml: [")
    config = _resolve({**BASE, "ARGO_TOKEN": TOKEN, "ARGO_NAMESPACE": "ci"}, path)
    assert config.namespace == "ci"


def test_malformed_kubeconfig_names_place_not_content(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(f"users:\n- name: u\n  user: {{token: {KUBE_TOKEN}\n")
    with pytest.raises(ConfigError) as info:
        _resolve(BASE, path)
    import yaml

    # libyaml and the pure-Python parser word the problem differently.
    problem = (
        "did not find expected ',' or '}'"
        if hasattr(yaml, "CSafeLoader")
        else "expected ',' or '}', but got '<stream end>'"
    )
    assert str(info.value) == (
        f"the kubeconfig {str(path)!r} is not valid YAML at line 4, column 1: {problem}. Fix "
        "it, or set KUBECONFIG to another file (KUBECONFIG=/dev/null reads none)."
    )
    assert KUBE_TOKEN not in str(info.value)
    assert (info.value.__cause__, info.value.__context__) == (None, None)
    assert KUBE_TOKEN not in "".join(traceback.format_exception(info.value))


def test_kubeconfig_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError) as info:
        _resolve(BASE, path)
    assert str(info.value) == (
        f"the kubeconfig {str(path)!r} is not a mapping (a Kubernetes Config document)."
    )


def test_kubeconfig_contexts_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("current-context: a\ncontexts: {a: 1}\n")
    with pytest.raises(ConfigError) as info:
        _resolve(BASE, path)
    assert str(info.value) == f"the kubeconfig {str(path)!r} has contexts that are not a list."


def test_kubeconfig_bad_namespace(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("current-context: a\ncontexts:\n- name: a\n  context: {namespace: Bad_NS}\n")
    with pytest.raises(ConfigError) as info:
        _resolve(BASE, path)
    assert str(info.value) == (
        "the namespace of the kubeconfig context 'a' is 'Bad_NS', which is not a Kubernetes "
        "namespace name (lowercase letters, digits and '-', starting and ending with a letter or "
        "digit, at most 63 characters)."
    )


# --- no server, malformed values ----------------------------------------------------------------


def test_no_server_configured() -> None:
    with pytest.raises(NoServerConfigured) as info:
        _resolve({"ARGO_SERVER": "", "ARGO_TOKEN": TOKEN})
    assert str(info.value) == (
        "No Argo Server is configured. Set ARGO_SERVER to the server's host:port without a "
        "scheme, for example `export ARGO_SERVER=localhost:2746` (after `kubectl -n argo "
        "port-forward svc/argo-server 2746:2746`); add ARGO_SECURE=false if the server speaks "
        "plain http. tiphys talks to the Argo Server only, never to the Kubernetes API, so a "
        "kubeconfig alone is not enough."
    )
    assert isinstance(info.value, ConfigError) and isinstance(info.value, TiphysError)


def test_no_server_even_with_kubeconfig(kubeconfig: Path) -> None:
    with pytest.raises(NoServerConfigured):
        _resolve({}, kubeconfig)


MALFORMED: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
    (
        "https scheme",
        {},
        {"ARGO_SERVER": "https://argo.example:2746/"},
        "ARGO_SERVER is 'https://argo.example:2746/', but it takes host:port without a scheme: "
        "drop 'https://' and write 'argo.example:2746' (https is the default).",
    ),
    (
        "http scheme",
        {},
        {"ARGO_SERVER": "http://localhost:2746"},
        "ARGO_SERVER is 'http://localhost:2746', but it takes host:port without a scheme: drop "
        "'http://' and write 'localhost:2746' and set ARGO_SECURE=false for http.",
    ),
    (
        "scheme in the argument",
        {"server": "https://a:1"},
        {},
        "the server argument is 'https://a:1', but it takes host:port without a scheme: drop "
        "'https://' and write 'a:1' (https is the default).",
    ),
    (
        "path in server",
        {},
        {"ARGO_SERVER": "argo.example:443/argo/"},
        "ARGO_SERVER is 'argo.example:443/argo/', but it takes host:port only: write "
        "'argo.example:443' and put the path in ARGO_BASE_HREF ('/argo').",
    ),
    (
        "bad port",
        {},
        {"ARGO_SERVER": "argo:99999"},
        "ARGO_SERVER is 'argo:99999', which is not host:port (for example localhost:2746).",
    ),
    (
        "space in server",
        {},
        {"ARGO_SERVER": "argo example:1"},
        "ARGO_SERVER is 'argo example:1', which is not host:port (for example localhost:2746).",
    ),
    (
        "bad namespace",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_NAMESPACE": "My-NS"},
        "ARGO_NAMESPACE is 'My-NS', which is not a Kubernetes namespace name (lowercase "
        "letters, digits and '-', starting and ending with a letter or digit, at most 63 "
        "characters).",
    ),
    (
        "bad base href",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_BASE_HREF": "https://x/argo"},
        "ARGO_BASE_HREF is 'https://x/argo', but it takes a path prefix such as /argo.",
    ),
    (
        "token with a line break",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_TOKEN": f"Bearer {TOKEN}\nX-Evil: 1"},
        "ARGO_TOKEN contains a line break or another control character; remove it (the value "
        "is not shown).",
    ),
    (
        "token argument with a NUL",
        {"token": f"{TOKEN}\x00"},
        {"ARGO_SERVER": "a:1"},
        "the token argument contains a line break or another control character; remove it (the "
        "value is not shown).",
    ),
    (
        "scheme word only",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_TOKEN": "Bearer "},
        "ARGO_TOKEN holds only the word 'Bearer' and no credentials; write the whole value, "
        'e.g. ARGO_TOKEN="Bearer <token>".',
    ),
    (
        "missing CA file",
        {"ca_file": "/nonexistent/ca.pem"},
        {"ARGO_SERVER": "a:1"},
        "the ca_file argument is '/nonexistent/ca.pem', but there is no such file.",
    ),
    (
        "missing env CA file",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_CA_FILE": "/nonexistent/ca.pem"},
        "ARGO_CA_FILE is '/nonexistent/ca.pem', but there is no such file.",
    ),
    (
        "key without certificate",
        {},
        {"ARGO_SERVER": "a:1", "ARGO_CLIENT_KEY": "/k.pem"},
        "ARGO_CLIENT_KEY is set without ARGO_CLIENT_CERT: set both, or neither.",
    ),
]


@pytest.mark.parametrize(
    ("args", "env", "message"), [pytest.param(*case[1:], id=case[0]) for case in MALFORMED]
)
def test_malformed_values(args: dict[str, Any], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _resolve(env, **args)
    assert str(info.value) == message
    assert type(info.value) is ConfigError
    assert TOKEN not in str(info.value)


# --- TLS files ----------------------------------------------------------------------------------


def test_ca_bundle_and_client_certificate(tmp_path: Path) -> None:
    ca, cert, key = (tmp_path / n for n in ("ca.pem", "cert.pem", "key.pem"))
    for path in (ca, cert, key):
        path.write_text("PEM")
    env = {
        "ARGO_SERVER": "a:1",
        "ARGO_CA_FILE": str(ca),
        "ARGO_CLIENT_CERT": str(cert),
        "ARGO_CLIENT_KEY": str(key),
    }
    config = _resolve(env)
    assert (config.verify, config.cert) == (str(ca), (str(cert), str(key)))
    only_cert = _resolve({"ARGO_SERVER": "a:1", "ARGO_CLIENT_CERT": str(cert)})
    assert only_cert.cert == str(cert)
    explicit = _resolve(env, ca_file=cert, client_cert=(key, cert))
    assert (explicit.verify, explicit.cert) == (str(cert), (str(key), str(cert)))


def test_ca_bundle_and_skip_verify_conflict(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("PEM")
    with pytest.raises(ConfigError) as info:
        _resolve({"ARGO_SERVER": "a:1", "ARGO_INSECURE_SKIP_VERIFY": "true"}, ca_file=ca)
    assert str(info.value) == (
        "both a CA bundle and ARGO_INSECURE_SKIP_VERIFY=true (insecure_skip_verify) are set: use "
        "the CA bundle to verify the server, or skip verification, not both."
    )


# --- secrecy of the token -----------------------------------------------------------------------


def test_token_hidden_in_repr_str_and_vars() -> None:
    config = _resolve({"ARGO_SERVER": "a:1", "ARGO_TOKEN": TOKEN, "ARGO_NAMESPACE": "ci"})
    assert repr(config) == (
        "ServerConfig(base_url='https://a:1', namespace='ci', token=<hidden>, verify=True, "
        "cert=None, connect_timeout=10.0, read_timeout=30.0)"
    )
    assert str(config) == "https://a:1 (namespace ci, token set)"
    assert str(_resolve({"ARGO_SERVER": "a:1"})) == "https://a:1 (namespace default, no token)"
    for text in (
        repr(config),
        str(config),
        f"{config}",
        repr(vars(config)),
        str(vars(config)),
        repr(dataclasses.asdict(config)),
        repr(config.token),
        str(config.token),
        f"{config.token}",
        f"{config.token:>20}",
    ):
        assert TOKEN not in text, text
    assert auth_header(config) == {"Authorization": f"Bearer {TOKEN}"}


def test_secret_cannot_be_pickled_or_changed() -> None:
    secret = Secret(TOKEN)
    with pytest.raises(TypeError, match=r"^a Secret cannot be pickled$"):
        pickle.dumps(secret)
    with pytest.raises(AttributeError, match=r"^Secret is immutable$"):
        secret._value = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        vars(secret)
    assert secret == Secret(TOKEN) and secret != Secret("other")
    assert hash(secret) == hash(Secret(TOKEN))


def test_no_token_no_header() -> None:
    assert auth_header(_resolve({"ARGO_SERVER": "a:1"})) == {}


@pytest.mark.parametrize(
    "extra",
    [
        {"ARGO_SERVER": "https://a:1"},
        {"ARGO_NAMESPACE": "Bad"},
        {"ARGO_CA_FILE": "/nonexistent"},
        {"ARGO_CLIENT_KEY": "/k"},
        {"ARGO_TOKEN": f"Bearer {TOKEN}\r\nX-Evil: 1"},
    ],
)
def test_errors_never_show_the_token(kubeconfig: Path, extra: dict[str, str]) -> None:
    env = {"ARGO_SERVER": "a:1", "ARGO_TOKEN": TOKEN, **extra}
    with pytest.raises(ConfigError) as info:
        _resolve(env, kubeconfig)
    shown = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert TOKEN not in shown and KUBE_TOKEN not in shown


def test_bad_kubeconfig_token_is_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "current-context: c\ncontexts:\n- name: c\n  context: {user: u}\n"
        f'users:\n- name: u\n  user: {{token: "{KUBE_TOKEN}\\nX"}}\n'
    )
    with pytest.raises(ConfigError) as info:
        _resolve(BASE, path)
    assert str(info.value) == (
        "the token of the kubeconfig context 'c' contains a line break or another control "
        "character; remove it (the value is not shown)."
    )


# --- import cost --------------------------------------------------------------------------------


def test_import_client_loads_neither_httpx_nor_yaml() -> None:
    code = (
        "import sys, tiphys.client as c\n"
        "c.ServerConfig, c.NotFound, c.resolve_config\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'yaml')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "[]\n"
