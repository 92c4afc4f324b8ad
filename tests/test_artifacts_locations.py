"""Artifact locations: each class's whole Argo dict, strict schema validity, and creation checks
with their whole messages and the user's line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from markers import marker_line
from schema_oracle import validator
from tiphys import (
    GCS,
    HDFS,
    OSS,
    S3,
    Artifactory,
    Azure,
    BasicAuth,
    ClientCertAuth,
    CompileError,
    ConfigMap,
    Git,
    HTTPArtifact,
    OAuth2Auth,
    PluginArtifact,
    RawArtifact,
    Secret,
)
from tiphys.dsl.locations import ArtifactLocation

HERE = Path(__file__)


def schema_problems(location: ArtifactLocation) -> list[str]:
    artifact = {"name": "a", **location.to_argo()}
    return [e.message for e in validator("Artifact").iter_errors(artifact)]


CASES: list[tuple[ArtifactLocation, dict[str, Any]]] = [
    (S3("path/in/bucket"), {"s3": {"key": "path/in/bucket"}}),
    (
        S3(
            "path/in/bucket",
            bucket="my-bucket",
            endpoint="s3.amazonaws.com",
            region="us-west-2",
            insecure=False,
            access_key=Secret("s3-creds", "accessKey"),
            secret_key=Secret("s3-creds", "secretKey"),
            session_token=Secret("s3-creds", "token", optional=True),
            role_arn="arn:aws:iam::1:role/argo",
            use_sdk_creds=True,
            ca=Secret("minio-ca", "ca.crt"),
            addressing_style="path",
            create_bucket=True,
            object_locking=True,
            enable_encryption=True,
            kms_key_id="key-1",
            kms_encryption_context='{"team": "data"}',
            sse_customer_key=Secret("sse", "key"),
        ),
        {
            "s3": {
                "key": "path/in/bucket",
                "bucket": "my-bucket",
                "endpoint": "s3.amazonaws.com",
                "region": "us-west-2",
                "insecure": False,
                "accessKeySecret": {"name": "s3-creds", "key": "accessKey"},
                "secretKeySecret": {"name": "s3-creds", "key": "secretKey"},
                "sessionTokenSecret": {"name": "s3-creds", "key": "token", "optional": True},
                "roleARN": "arn:aws:iam::1:role/argo",
                "useSDKCreds": True,
                "caSecret": {"name": "minio-ca", "key": "ca.crt"},
                "addressingStyle": "path",
                "createBucketIfNotPresent": {"objectLocking": True},
                "encryptionOptions": {
                    "enableEncryption": True,
                    "kmsKeyId": "key-1",
                    "kmsEncryptionContext": '{"team": "data"}',
                    "serverSideCustomerKeySecret": {"name": "sse", "key": "key"},
                },
            }
        },
    ),
    (S3("k", create_bucket=True), {"s3": {"key": "k", "createBucketIfNotPresent": {}}}),
    (S3("k", create_bucket=False), {"s3": {"key": "k"}}),
    (
        GCS("out.txt", bucket="b", service_account_key=Secret("gcs", "sa.json")),
        {
            "gcs": {
                "key": "out.txt",
                "bucket": "b",
                "serviceAccountKeySecret": {"name": "gcs", "key": "sa.json"},
            }
        },
    ),
    (
        Azure(
            "https://acct.blob.core.windows.net",
            "my-container",
            "path/in/container",
            account_key=Secret("azure", "accountKey"),
        ),
        {
            "azure": {
                "endpoint": "https://acct.blob.core.windows.net",
                "container": "my-container",
                "blob": "path/in/container",
                "accountKeySecret": {"name": "azure", "key": "accountKey"},
            }
        },
    ),
    (
        OSS(
            "key",
            bucket="b",
            endpoint="http://oss-cn-hangzhou-zmf.aliyuncs.com",
            access_key=Secret("oss", "accessKey"),
            secret_key=Secret("oss", "secretKey"),
            create_bucket=True,
            infrequent_access_after_days=30,
            delete_after_days=90,
        ),
        {
            "oss": {
                "key": "key",
                "bucket": "b",
                "endpoint": "http://oss-cn-hangzhou-zmf.aliyuncs.com",
                "accessKeySecret": {"name": "oss", "key": "accessKey"},
                "secretKeySecret": {"name": "oss", "key": "secretKey"},
                "createBucketIfNotPresent": True,
                "lifecycleRule": {
                    "markInfrequentAccessAfterDays": 30,
                    "markDeletionAfterDays": 90,
                },
            }
        },
    ),
    (
        Git(
            "https://github.com/argoproj/argo-workflows.git",
            revision="v2.1.1",
            depth=1,
            fetch=["refs/meta/*"],
            branch="main",
            single_branch=True,
            disable_submodules=True,
            insecure_ignore_host_key=True,
            insecure_skip_tls=False,
            username=Secret("git", "user"),
            password=Secret("git", "token"),
            ssh_private_key=Secret("git", "ssh"),
        ),
        {
            "git": {
                "repo": "https://github.com/argoproj/argo-workflows.git",
                "revision": "v2.1.1",
                "depth": 1,
                "fetch": ["refs/meta/*"],
                "branch": "main",
                "singleBranch": True,
                "disableSubmodules": True,
                "insecureIgnoreHostKey": True,
                "insecureSkipTLS": False,
                "usernameSecret": {"name": "git", "key": "user"},
                "passwordSecret": {"name": "git", "key": "token"},
                "sshPrivateKeySecret": {"name": "git", "key": "ssh"},
            }
        },
    ),
    (
        HTTPArtifact(
            "https://example.com/file.txt?op=OPEN",
            headers={"CustomHeader": "CustomValue"},
            auth=OAuth2Auth(
                Secret("oauth", "clientID"),
                Secret("oauth", "clientSecret"),
                Secret("oauth", "tokenURL"),
                scopes=["some", "scopes"],
                endpoint_params={"customkey": "customvalue"},
            ),
            save_stream_via_file=True,
        ),
        {
            "http": {
                "url": "https://example.com/file.txt?op=OPEN",
                "headers": [{"name": "CustomHeader", "value": "CustomValue"}],
                "auth": {
                    "oauth2": {
                        "clientIDSecret": {"name": "oauth", "key": "clientID"},
                        "clientSecretSecret": {"name": "oauth", "key": "clientSecret"},
                        "tokenURLSecret": {"name": "oauth", "key": "tokenURL"},
                        "scopes": ["some", "scopes"],
                        "endpointParams": [{"key": "customkey", "value": "customvalue"}],
                    }
                },
                "saveStreamViaFile": True,
            }
        },
    ),
    (
        HTTPArtifact("https://e.com/a", auth=BasicAuth(Secret("b", "u"), Secret("b", "p"))),
        {
            "http": {
                "url": "https://e.com/a",
                "auth": {
                    "basicAuth": {
                        "usernameSecret": {"name": "b", "key": "u"},
                        "passwordSecret": {"name": "b", "key": "p"},
                    }
                },
            }
        },
    ),
    (
        HTTPArtifact("https://e.com/a", auth=ClientCertAuth(Secret("c", "crt"), Secret("c", "k"))),
        {
            "http": {
                "url": "https://e.com/a",
                "auth": {
                    "clientCert": {
                        "clientCertSecret": {"name": "c", "key": "crt"},
                        "clientKeySecret": {"name": "c", "key": "k"},
                    }
                },
            }
        },
    ),
    (
        Artifactory(
            "http://artifactory:8081/artifactory/generic-local/hello_world.tgz",
            username=Secret("af", "username"),
            password=Secret("af", "password"),
        ),
        {
            "artifactory": {
                "url": "http://artifactory:8081/artifactory/generic-local/hello_world.tgz",
                "usernameSecret": {"name": "af", "key": "username"},
                "passwordSecret": {"name": "af", "key": "password"},
            }
        },
    ),
    (RawArtifact("hello\nworld\n"), {"raw": {"data": "hello\nworld\n"}}),
    (RawArtifact(""), {"raw": {"data": ""}}),
    (
        HDFS(
            "/tmp/argo/foo",
            addresses=["nn-0:8020", "nn-1:8020"],
            hdfs_user="root",
            force=True,
            data_transfer_protection="privacy",
        ),
        {
            "hdfs": {
                "path": "/tmp/argo/foo",
                "addresses": ["nn-0:8020", "nn-1:8020"],
                "hdfsUser": "root",
                "force": True,
                "dataTransferProtection": "privacy",
            }
        },
    ),
    (
        HDFS(
            "/data",
            krb_keytab=Secret("krb", "keytab"),
            krb_realm="EXAMPLE.COM",
            krb_username="argo",
            krb_config=ConfigMap("krb5", "krb5.conf"),
            krb_service_principal_name="hdfs/nn",
        ),
        {
            "hdfs": {
                "path": "/data",
                "krbKeytabSecret": {"name": "krb", "key": "keytab"},
                "krbConfigConfigMap": {"name": "krb5", "key": "krb5.conf"},
                "krbRealm": "EXAMPLE.COM",
                "krbUsername": "argo",
                "krbServicePrincipalName": "hdfs/nn",
            }
        },
    ),
    (
        PluginArtifact("my-plugin", "out/a.txt", configuration="x: 1", connection_timeout="2m"),
        {
            "plugin": {
                "name": "my-plugin",
                "key": "out/a.txt",
                "configuration": "x: 1",
                "connectionTimeoutSeconds": 120,
            }
        },
    ),
]


@pytest.mark.parametrize(("location", "expected"), CASES, ids=lambda v: type(v).__name__)
def test_location_to_argo(location: ArtifactLocation, expected: dict[str, Any]) -> None:
    assert location.to_argo() == expected
    assert schema_problems(location) == []


def test_locations_are_frozen_and_keep_sequences_immutable() -> None:
    git = Git("r", fetch=["a", "b"])
    assert git.fetch == ("a", "b")
    with pytest.raises(AttributeError):
        git.repo = "other"  # type: ignore[misc]


def _error(build: Any) -> str:
    with pytest.raises(CompileError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def test_credential_as_text_is_refused() -> None:
    msg = _error(lambda: S3("k", access_key="AKIA123"))  # type: ignore[arg-type]  # cred
    assert msg == (
        f"{line_of('cred')}: S3 access_key must be a Secret(name, key), not 'AKIA123': "
        "credentials come from a Kubernetes Secret and are never written into the spec [C138]"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: S3(""), "S3 key must not be empty"),
        (lambda: Git("r", depth=True), "Git depth must be an integer, not True"),
        (lambda: Git("r", depth=0), "Git depth must be 1 or more (commits to fetch), not 0"),
        (
            lambda: Git("r", single_branch=True),
            "Git single_branch=True needs branch=... (the branch to clone)",
        ),
        (
            lambda: S3("k", addressing_style="virtual"),
            "S3 addressing_style must be 'path' or 'virtual-hosted', not 'virtual'",
        ),
        (lambda: S3("k", insecure="yes"), "S3 insecure must be True or False, not 'yes'"),
        (lambda: Git("r", fetch="refs/*"), "Git fetch must be a list of text, not 'refs/*'"),
        (
            lambda: HTTPArtifact("u", headers={"A": 1}),
            "HTTPArtifact headers must be a dict of str to str, not {'A': 1}",
        ),
        (
            lambda: HTTPArtifact("u", auth={"basicAuth": {}}),
            "HTTPArtifact auth must be BasicAuth or ClientCertAuth or OAuth2Auth, not "
            "{'basicAuth': {}}",
        ),
        (lambda: RawArtifact(3), "RawArtifact data must be text, not 3"),
        (lambda: OSS("k", delete_after_days=-1), "OSS delete_after_days must be >= 0, not -1"),
        (
            lambda: OSS("k", infrequent_access_after_days=30, delete_after_days=30),
            "OSS delete_after_days (30) must be later than infrequent_access_after_days (30), "
            "or objects are deleted before they move",
        ),
        (
            lambda: HDFS("/p", krb_ccache=Secret("a", "b"), krb_keytab=Secret("a", "c")),
            "HDFS takes krb_ccache or krb_keytab, not both",
        ),
        (
            lambda: HDFS("/p", krb_keytab=Secret("a", "c")),
            "HDFS krb_keytab needs krb_realm and krb_username",
        ),
        (
            lambda: HDFS("/p", krb_ccache=Secret("a", "c")),
            "HDFS with Kerberos (krb_ccache or krb_keytab) needs krb_config (the krb5.conf "
            "ConfigMap key) and krb_service_principal_name",
        ),
        (
            lambda: HDFS("/p", krb_config=Secret("a", "b")),
            "HDFS krb_config must be a ConfigMap(name, key), not Secret(name='a', key='b', "
            "optional=False)",
        ),
    ],
)
def test_bad_values(build: Any, message: str) -> None:
    with pytest.raises(CompileError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == ("C138", message)
