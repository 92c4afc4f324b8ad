"""Where an artifact lives: S3, GCS, Azure, OSS, Git, HTTP, Artifactory, HDFS, raw text, plugins.

Each class is a frozen dataclass whose fields are the Argo location's fields in snake case
(``bucket``, ``endpoint``, ``use_sdk_creds``...); credentials are :class:`~tiphys.Secret` objects
(written as ``secretKeyRef``-style selectors, ``{name, key}``), never text. Values are checked
when the object is created, so an error names the user's line. ``to_argo()`` returns the location
as Argo reads it, keyed by the location's field of ``Artifact``::

    S3("reports/today.csv", bucket="data").to_argo()
    # {"s3": {"key": "reports/today.csv", "bucket": "data"}}

A location is used as an artifact's ``location=`` (an input's default source, an output's
destination), passed as a task argument to an artifact input (the location is written inline),
as a template's ``archive_location=``, or as a ``@data`` template's source.

Text fields may hold Argo tags (``"{{workflow.name}}/out.tgz"``) and, in a ``@dag``/``@steps``
body, references formatted into them (``S3(f"in/{name}.csv")``): they are written as
``{{...}}`` tags and add the dependency.

Errors: ``C138`` (a field of the wrong type, a missing required field, a credential given as
text, an inconsistent combination), raised when the object is created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar, Literal

from tiphys.dsl._keywords import checked_init
from tiphys.dsl._location import fail
from tiphys.dsl.location_base import (
    LOCATION_KEYS,
    ArgoObject,
    ArtifactLocation,
    Render,
    field_meta,
)
from tiphys.dsl.options import ConfigMap, Secret, seconds
from tiphys.dsl.refs import Ref


def _headers(value: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": text} for name, text in value.items()]


def _key_values(value: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": text} for key, text in value.items()]


# -- HTTP authentication --------------------------------------------------------------------------


@checked_init
@dataclass(frozen=True, repr=False)
class BasicAuth(ArgoObject):
    """HTTP basic authentication for :class:`HTTPArtifact` (``auth.basicAuth``).

    Attributes:
        username: Secret key holding the user name (``usernameSecret``).
        password: Secret key holding the password (``passwordSecret``).

    Raises:
        CompileError: C138, a value is not a :class:`~tiphys.Secret`.
    """

    argo_key: ClassVar[str] = "basicAuth"
    username: Secret = field(metadata=field_meta("usernameSecret"))
    password: Secret = field(metadata=field_meta("passwordSecret"))


@checked_init
@dataclass(frozen=True, repr=False)
class ClientCertAuth(ArgoObject):
    """TLS client certificate authentication for :class:`HTTPArtifact` (``auth.clientCert``).

    Attributes:
        cert: Secret key holding the PEM certificate (``clientCertSecret``).
        key: Secret key holding the PEM private key (``clientKeySecret``).

    Raises:
        CompileError: C138, a value is not a :class:`~tiphys.Secret`.
    """

    argo_key: ClassVar[str] = "clientCert"
    cert: Secret = field(metadata=field_meta("clientCertSecret"))
    key: Secret = field(metadata=field_meta("clientKeySecret"))


@checked_init
@dataclass(frozen=True, repr=False)
class OAuth2Auth(ArgoObject):
    """OAuth2 client-credentials authentication for :class:`HTTPArtifact` (``auth.oauth2``).

    Attributes:
        client_id: Secret key holding the client ID (``clientIDSecret``).
        client_secret: Secret key holding the client secret (``clientSecretSecret``).
        token_url: Secret key holding the token URL (``tokenURLSecret``).
        scopes: Scopes to request (``scopes``).
        endpoint_params: Extra token request parameters, name to value
            (``endpointParams[{key, value}]``).

    Raises:
        CompileError: C138, a credential is not a :class:`~tiphys.Secret`.
    """

    argo_key: ClassVar[str] = "oauth2"
    client_id: Secret = field(metadata=field_meta("clientIDSecret"))
    client_secret: Secret = field(metadata=field_meta("clientSecretSecret"))
    token_url: Secret = field(metadata=field_meta("tokenURLSecret"))
    _: KW_ONLY
    scopes: Sequence[str] | None = None
    endpoint_params: Mapping[str, str] | None = field(
        default=None, metadata=field_meta(convert=_key_values)
    )


HTTPAuth = BasicAuth | ClientCertAuth | OAuth2Auth


# -- locations ------------------------------------------------------------------------------------


@checked_init
@dataclass(frozen=True, repr=False)
class S3(ArtifactLocation):
    """An object in S3 or an S3-compatible store such as MinIO (``s3``).

    Fields left out come from the artifact repository (``artifactRepositoryRef`` or the
    controller's default), so ``S3("reports/today.csv")`` is enough for an output when one is
    configured.

    Attributes:
        key: Object key (``key``); a directory artifact is a key prefix.
        bucket: Bucket name (``bucket``).
        endpoint: Host (and port) of the endpoint, without scheme (``endpoint``,
            ``"s3.amazonaws.com"``).
        region: Bucket region (``region``).
        insecure: Use plain HTTP instead of TLS (``insecure``).
        access_key: Secret key holding the access key ID (``accessKeySecret``).
        secret_key: Secret key holding the secret access key (``secretKeySecret``).
        session_token: Secret key holding a session token for temporary credentials
            (``sessionTokenSecret``).
        role_arn: IAM role to assume (``roleARN``).
        use_sdk_creds: Take credentials from the AWS SDK's defaults, e.g. IRSA (``useSDKCreds``).
        ca: Secret key holding the CA certificate that signs the endpoint (``caSecret``).
        addressing_style: ``"path"`` or ``"virtual-hosted"`` (``addressingStyle``; default:
            detected).
        create_bucket: Create the bucket for outputs when missing
            (``createBucketIfNotPresent: {}``).
        object_locking: Enable object locking on a bucket it creates
            (``createBucketIfNotPresent.objectLocking``).
        enable_encryption: Encrypt objects (``encryptionOptions.enableEncryption``).
        kms_key_id: KMS key to encrypt with (``encryptionOptions.kmsKeyId``).
        kms_encryption_context: KMS encryption context, a JSON text
            (``encryptionOptions.kmsEncryptionContext``).
        sse_customer_key: Secret key holding an SSE-C key
            (``encryptionOptions.serverSideCustomerKeySecret``).

    Raises:
        CompileError: C138, a field of the wrong type (a credential given as text), or an
            empty key.
    """

    argo_key: ClassVar[str] = "s3"
    key: str
    _: KW_ONLY
    bucket: str | None = None
    endpoint: str | None = None
    region: str | None = None
    insecure: bool | None = None
    access_key: Secret | None = field(default=None, metadata=field_meta("accessKeySecret"))
    secret_key: Secret | None = field(default=None, metadata=field_meta("secretKeySecret"))
    session_token: Secret | None = field(default=None, metadata=field_meta("sessionTokenSecret"))
    role_arn: str | None = field(default=None, metadata=field_meta("roleARN"))
    use_sdk_creds: bool | None = field(default=None, metadata=field_meta("useSDKCreds"))
    ca: Secret | None = field(default=None, metadata=field_meta("caSecret"))
    addressing_style: Literal["path", "virtual-hosted"] | None = None
    create_bucket: bool | None = field(
        default=None, metadata=field_meta("createBucketIfNotPresent", lambda on: {} if on else None)
    )
    object_locking: bool | None = field(
        default=None, metadata=field_meta("createBucketIfNotPresent.objectLocking")
    )
    enable_encryption: bool | None = field(
        default=None, metadata=field_meta("encryptionOptions.enableEncryption")
    )
    kms_key_id: str | None = field(default=None, metadata=field_meta("encryptionOptions.kmsKeyId"))
    kms_encryption_context: str | None = field(
        default=None, metadata=field_meta("encryptionOptions.kmsEncryptionContext")
    )
    sse_customer_key: Secret | None = field(
        default=None, metadata=field_meta("encryptionOptions.serverSideCustomerKeySecret")
    )


@checked_init
@dataclass(frozen=True, repr=False)
class GCS(ArtifactLocation):
    """An object in Google Cloud Storage (``gcs``).

    Attributes:
        key: Object path in the bucket (``key``).
        bucket: Bucket name (``bucket``); default: the artifact repository's.
        service_account_key: Secret key holding a service account JSON key
            (``serviceAccountKeySecret``); default: the pod's workload identity.

    Raises:
        CompileError: C138, a field of the wrong type or an empty key.
    """

    argo_key: ClassVar[str] = "gcs"
    key: str
    _: KW_ONLY
    bucket: str | None = None
    service_account_key: Secret | None = field(
        default=None, metadata=field_meta("serviceAccountKeySecret")
    )


@checked_init
@dataclass(frozen=True, repr=False)
class Azure(ArtifactLocation):
    """A blob in Azure Blob Storage (``azure``).

    Attributes:
        endpoint: The account's service URL (``endpoint``,
            ``"https://<account>.blob.core.windows.net"``).
        container: Blob container (``container``).
        blob: Blob name, a path in the container (``blob``).
        account_key: Secret key holding the account access key (``accountKeySecret``).
        use_sdk_creds: Take credentials from the Azure SDK's defaults (``useSDKCreds``).

    Raises:
        CompileError: C138, a field of the wrong type or empty.
    """

    argo_key: ClassVar[str] = "azure"
    endpoint: str
    container: str
    blob: str
    _: KW_ONLY
    account_key: Secret | None = field(default=None, metadata=field_meta("accountKeySecret"))
    use_sdk_creds: bool | None = field(default=None, metadata=field_meta("useSDKCreds"))


@checked_init
@dataclass(frozen=True, repr=False)
class OSS(ArtifactLocation):
    """An object in Alibaba Cloud OSS (``oss``).

    Attributes:
        key: Object path in the bucket (``key``).
        bucket: Bucket name (``bucket``).
        endpoint: Endpoint host (``endpoint``).
        access_key: Secret key holding the access key (``accessKeySecret``).
        secret_key: Secret key holding the secret key (``secretKeySecret``).
        security_token: A temporary security token (``securityToken``, written as given).
        use_sdk_creds: Take credentials from the SDK's defaults (``useSDKCreds``).
        create_bucket: Create the bucket for outputs when missing (``createBucketIfNotPresent``).
        infrequent_access_after_days: Move objects to Infrequent Access after this many days
            (``lifecycleRule.markInfrequentAccessAfterDays``).
        delete_after_days: Delete objects after this many days
            (``lifecycleRule.markDeletionAfterDays``).

    Raises:
        CompileError: C138, a field of the wrong type, an empty key, or lifecycle days that
            are negative or that delete objects before moving them.
    """

    argo_key: ClassVar[str] = "oss"
    key: str
    _: KW_ONLY
    bucket: str | None = None
    endpoint: str | None = None
    access_key: Secret | None = field(default=None, metadata=field_meta("accessKeySecret"))
    secret_key: Secret | None = field(default=None, metadata=field_meta("secretKeySecret"))
    security_token: str | None = None
    use_sdk_creds: bool | None = field(default=None, metadata=field_meta("useSDKCreds"))
    create_bucket: bool | None = field(
        default=None, metadata=field_meta("createBucketIfNotPresent")
    )
    infrequent_access_after_days: int | None = field(
        default=None, metadata=field_meta("lifecycleRule.markInfrequentAccessAfterDays")
    )
    delete_after_days: int | None = field(
        default=None, metadata=field_meta("lifecycleRule.markDeletionAfterDays")
    )

    def check(self) -> None:
        """Lifecycle days are >= 0, and deletion does not come before Infrequent Access."""
        move, delete = self.infrequent_access_after_days, self.delete_after_days
        for what, days in (("infrequent_access_after_days", move), ("delete_after_days", delete)):
            if days is not None and days < 0:
                raise fail("C138", f"OSS {what} must be >= 0, not {days}")
        if move is not None and delete is not None and delete <= move:
            raise fail(
                "C138",
                f"OSS delete_after_days ({delete}) must be later than "
                f"infrequent_access_after_days ({move}), or objects are deleted before they move",
            )


@checked_init
@dataclass(frozen=True, repr=False)
class Git(ArtifactLocation):
    """A git repository checked out as an input artifact (``git``).

    Attributes:
        repo: Repository URL (``repo``), HTTPS or SSH.
        revision: Commit, tag or branch to check out (``revision``).
        depth: Shallow clone of this many commits (``depth``).
        fetch: Extra refspecs to fetch before checkout (``fetch``).
        branch: Branch to clone with ``single_branch`` (``branch``).
        single_branch: Clone only ``branch`` (``singleBranch``).
        disable_submodules: Do not clone submodules (``disableSubmodules``).
        insecure_ignore_host_key: Skip SSH host key checking (``insecureIgnoreHostKey``).
        insecure_skip_tls: Skip TLS verification (``insecureSkipTLS``).
        username: Secret key holding the user name (``usernameSecret``).
        password: Secret key holding the password or token (``passwordSecret``).
        ssh_private_key: Secret key holding an SSH private key (``sshPrivateKeySecret``).

    Raises:
        CompileError: C138, a field of the wrong type, an empty repo, a negative depth, or
            ``single_branch`` without ``branch``.
    """

    argo_key: ClassVar[str] = "git"
    repo: str
    _: KW_ONLY
    revision: str | None = None
    depth: int | None = None
    fetch: Sequence[str] | None = None
    branch: str | None = None
    single_branch: bool | None = None
    disable_submodules: bool | None = None
    insecure_ignore_host_key: bool | None = None
    insecure_skip_tls: bool | None = field(default=None, metadata=field_meta("insecureSkipTLS"))
    username: Secret | None = field(default=None, metadata=field_meta("usernameSecret"))
    password: Secret | None = field(default=None, metadata=field_meta("passwordSecret"))
    ssh_private_key: Secret | None = field(default=None, metadata=field_meta("sshPrivateKeySecret"))

    def check(self) -> None:
        """``depth`` >= 1; ``single_branch`` names its ``branch``."""
        if self.depth is not None and self.depth < 1:
            raise fail("C138", f"Git depth must be 1 or more (commits to fetch), not {self.depth}")
        if self.single_branch and not self.branch:
            raise fail("C138", "Git single_branch=True needs branch=... (the branch to clone)")


@checked_init
@dataclass(frozen=True, repr=False)
class HTTPArtifact(ArtifactLocation):
    """A file fetched from (input) or uploaded to (output, with PUT) a URL (``http``).

    Attributes:
        url: The URL (``url``).
        headers: Request headers, name to value (``headers[{name, value}]``); put secrets in
            ``auth``, not here: header values are written into the spec.
        auth: :class:`BasicAuth`, :class:`ClientCertAuth` or :class:`OAuth2Auth` (``auth``).
        save_stream_via_file: Buffer an upload in a file first, so a redirect can replay it
            (``saveStreamViaFile``).

    Raises:
        CompileError: C138, a field of the wrong type or an empty URL.
    """

    argo_key: ClassVar[str] = "http"
    url: str
    _: KW_ONLY
    headers: Mapping[str, str] | None = field(default=None, metadata=field_meta(convert=_headers))
    auth: HTTPAuth | None = None
    save_stream_via_file: bool | None = None


@checked_init
@dataclass(frozen=True, repr=False)
class Artifactory(ArtifactLocation):
    """A file in JFrog Artifactory (``artifactory``).

    Attributes:
        url: The file's URL (``url``).
        username: Secret key holding the user name (``usernameSecret``).
        password: Secret key holding the password or API key (``passwordSecret``).

    Raises:
        CompileError: C138, a field of the wrong type or an empty URL.
    """

    argo_key: ClassVar[str] = "artifactory"
    url: str
    _: KW_ONLY
    username: Secret | None = field(default=None, metadata=field_meta("usernameSecret"))
    password: Secret | None = field(default=None, metadata=field_meta("passwordSecret"))


@checked_init
@dataclass(frozen=True, repr=False)
class RawArtifact(ArtifactLocation):
    """Text written into the spec and given to the container as a file (``raw.data``).

    Needs no artifact repository. In a ``@dag``/``@steps`` body the text may be a reference
    (``RawArtifact(t.result)``) or a string built from references.

    Attributes:
        data: The file's contents (``data``).

    Raises:
        CompileError: C138, ``data`` is not text.
    """

    argo_key: ClassVar[str] = "raw"
    data: str

    def __post_init__(self) -> None:
        if not isinstance(self.data, str | Ref):
            raise fail("C138", f"RawArtifact data must be text, not {self.data!r}")


@checked_init
@dataclass(frozen=True, repr=False)
class HDFS(ArtifactLocation):
    """A file in HDFS (``hdfs``).

    Attributes:
        path: Path in HDFS (``path``).
        addresses: Name node addresses, ``host:port`` (``addresses``); default: the artifact
            repository's.
        hdfs_user: User to access HDFS as, when Kerberos is not used (``hdfsUser``).
        force: Overwrite an existing file (``force``).
        data_transfer_protection: ``dfs.data.transfer.protection`` level
            (``dataTransferProtection``: ``authentication``, ``integrity`` or ``privacy``).
        krb_ccache: Secret key holding a Kerberos credential cache (``krbCCacheSecret``).
        krb_keytab: Secret key holding a Kerberos keytab (``krbKeytabSecret``).
        krb_config: ConfigMap key holding ``krb5.conf`` (``krbConfigConfigMap``).
        krb_realm: Kerberos realm, with a keytab (``krbRealm``).
        krb_username: Kerberos user name, with a keytab (``krbUsername``).
        krb_service_principal_name: Principal name of the HDFS service
            (``krbServicePrincipalName``).

    Raises:
        CompileError: C138, a field of the wrong type, an empty path, or an incomplete
            Kerberos setup (as Argo's validator requires: both a cache and a keytab; a keytab
            without realm and user name; Kerberos without config and service principal).
    """

    argo_key: ClassVar[str] = "hdfs"
    path: str
    _: KW_ONLY
    addresses: Sequence[str] | None = None
    hdfs_user: str | None = field(default=None, metadata=field_meta("hdfsUser"))
    force: bool | None = None
    data_transfer_protection: Literal["authentication", "integrity", "privacy"] | None = None
    krb_ccache: Secret | None = field(default=None, metadata=field_meta("krbCCacheSecret"))
    krb_keytab: Secret | None = field(default=None, metadata=field_meta("krbKeytabSecret"))
    krb_config: ConfigMap | None = field(default=None, metadata=field_meta("krbConfigConfigMap"))
    krb_realm: str | None = None
    krb_username: str | None = None
    krb_service_principal_name: str | None = None

    def check(self) -> None:
        """The Kerberos fields Argo requires together (``workflow/artifacts/hdfs``)."""
        if self.krb_ccache is not None and self.krb_keytab is not None:
            raise fail("C138", "HDFS takes krb_ccache or krb_keytab, not both")
        if self.krb_keytab is not None and not (self.krb_realm and self.krb_username):
            raise fail("C138", "HDFS krb_keytab needs krb_realm and krb_username")
        kerberos = self.krb_ccache is not None or self.krb_keytab is not None
        if kerberos and (self.krb_config is None or not self.krb_service_principal_name):
            raise fail(
                "C138",
                "HDFS with Kerberos (krb_ccache or krb_keytab) needs krb_config (the krb5.conf "
                "ConfigMap key) and krb_service_principal_name",
            )


def _timeout(value: Any) -> int:
    return seconds(value, "PluginArtifact connection_timeout")


@checked_init
@dataclass(frozen=True, repr=False)
class PluginArtifact(ArtifactLocation):
    """An artifact stored by an artifact driver plugin (``plugin``).

    Attributes:
        name: The driver plugin's name (``name``).
        key: Path in the plugin's repository (``key``).
        configuration: The plugin's own configuration text (``configuration``).
        connection_timeout: Driver connection timeout, seconds or ``"30s"``
            (``connectionTimeoutSeconds``).

    Raises:
        CompileError: C138, a field of the wrong type or empty; C117, a bad duration.
    """

    argo_key: ClassVar[str] = "plugin"
    name: str
    key: str
    _: KW_ONLY
    configuration: str | None = None
    connection_timeout: int | str | None = field(
        default=None, metadata=field_meta("connectionTimeoutSeconds", _timeout)
    )

    def check(self) -> None:
        """The timeout is a duration."""
        if self.connection_timeout is not None:
            _timeout(self.connection_timeout)


__all__ = [
    "GCS",
    "HDFS",
    "LOCATION_KEYS",
    "OSS",
    "S3",
    "ArtifactLocation",
    "Artifactory",
    "Azure",
    "BasicAuth",
    "ClientCertAuth",
    "Git",
    "HTTPArtifact",
    "OAuth2Auth",
    "PluginArtifact",
    "RawArtifact",
    "Render",
]
