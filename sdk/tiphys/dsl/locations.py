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

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar, Literal

from tiphys.dsl._location import fail
from tiphys.dsl.options import ConfigMap, Secret, seconds
from tiphys.dsl.refs import MARK_START, Ref

Render = Callable[[Any], str]
"""Writes one text value (a string that may hold reference markers, or a reference) as Argo
text; given by the compiler when a location is rendered inside a traced body."""

_CONVERT = "tiphys.convert"
_ARGO = "tiphys.argo"


def _meta(argo: str | None = None, convert: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Field metadata: write the field under ``argo`` (a dotted path for nested objects;
    default: the field name in camel case), through ``convert`` when given."""
    metadata: dict[str, Any] = {}
    if argo is not None:
        metadata[_ARGO] = argo
    if convert is not None:
        metadata[_CONVERT] = convert
    return metadata


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plain(value: Any) -> str:
    """Default text writer: plain strings only (references need the compiler's writer)."""
    if isinstance(value, Ref) or (isinstance(value, str) and MARK_START in value):
        raise fail(
            "C138",
            "a reference is used in an artifact location outside a @dag or @steps body; "
            "references can be formatted into a location only where the task is called",
        )
    return str(value)


def _headers(value: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": text} for name, text in value.items()]


def _key_values(value: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": text} for key, text in value.items()]


_NAMES = {str: "text", int: "an integer", bool: "True or False"}


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(hint) if a is not type(None)]
        return " or ".join(_describe(a) for a in arms)
    if origin is Literal:
        return " or ".join(repr(v) for v in typing.get_args(hint))
    if origin in (Sequence, list, tuple):
        return f"a list of {_describe(typing.get_args(hint)[0])}"
    if origin in (Mapping, dict):
        return "a dict of str to str"
    if hint is Secret:
        return "a Secret(name, key)"
    if hint is ConfigMap:
        return "a ConfigMap(name, key)"
    return _NAMES.get(hint) or str(getattr(hint, "__name__", hint))


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits a field annotation (text fields also take references)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return value in args
    if args and origin not in (Sequence, list, tuple, Mapping, dict):  # a union
        return any(_fits(value, arm) for arm in args)
    if origin in (Sequence, list, tuple):
        return isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value)
    if origin in (Mapping, dict):
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and _fits(v, args[1]) for k, v in value.items()
        )
    if hint is type(None):
        return value is None
    if hint is str:
        return isinstance(value, str | Ref)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is bool:
        return isinstance(value, bool)
    return isinstance(value, hint)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


class _ArgoObject:
    """Shared mechanism of every location and HTTP auth class: type checks of the fields when
    created, and the Argo dict from the fields (``argo`` metadata names nested keys)."""

    argo_key: ClassVar[str]
    """The key the object is written under (``s3``, ``git``, ``basicAuth``...)."""

    def __post_init__(self) -> None:
        name = type(self).__name__
        hints = _hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            hint = hints[f.name]
            if not _fits(value, hint):
                secret = hint is Secret or Secret in typing.get_args(hint)
                why = (
                    ": credentials come from a Kubernetes Secret and are never written into the "
                    "spec"
                    if secret and isinstance(value, str)
                    else ""
                )
                raise fail(
                    "C138",
                    f"{name} {f.name} must be {_describe(hint)}, not {value!r}{why}",
                )
            if isinstance(value, list):  # frozen: keep sequences immutable
                object.__setattr__(self, f.name, tuple(value))
            if isinstance(value, str) and not value and f.default is dataclasses.MISSING:
                raise fail("C138", f"{name} {f.name} must not be empty")
        self.check()

    def check(self) -> None:
        """Checks across fields (per class); raise ``C138`` through ``fail``."""

    def __repr__(self) -> str:
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        shown = [
            repr(getattr(self, f.name))
            if f.kw_only is False
            else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields
            if getattr(self, f.name) is not None
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def fields_argo(self, render: Render | None = None) -> dict[str, Any]:
        """The object's own fields as Argo writes them (without the ``argo_key`` level).

        Args:
            render: Writes text values; default: plain strings (references refused).

        Returns:
            The fields that are set, nested along their dotted Argo names.
        """
        write = render or _plain
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            convert = f.metadata.get(_CONVERT)
            value = convert(value) if convert is not None else value
            if value is None:
                continue
            *parents, leaf = f.metadata.get(_ARGO, _camel(f.name)).split(".")
            target = out
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = _value(value, write)
        return out

    def to_argo(self, render: Render | None = None) -> dict[str, Any]:
        """The object as Argo reads it: ``{argo_key: {...fields}}``.

        Args:
            render: Writes text values (the compiler passes one inside traced bodies);
                default: plain strings only.

        Returns:
            A one-key dict, e.g. ``{"s3": {"key": "a.txt", "bucket": "data"}}``.

        Raises:
            CompileError: A reference in a text field without ``render`` (C138).
        """
        return {self.argo_key: self.fields_argo(render)}


def _value(value: Any, write: Render) -> Any:
    if isinstance(value, Secret | ConfigMap):
        selector: dict[str, Any] = {"name": value.name, "key": value.key}
        if value.optional:
            selector["optional"] = True
        return selector
    if isinstance(value, _ArgoObject):
        return value.to_argo(write)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        return {k: _value(v, write) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, write) for v in value]
    return write(value)


class ArtifactLocation(_ArgoObject):
    """Base class of the artifact locations (:class:`S3`, :class:`Git`, :class:`RawArtifact`...).

    Use one as an artifact's ``location=``, a task argument of an artifact input, a template's
    ``archive_location=`` or a ``@data`` source. ``to_argo()`` gives ``{"<kind>": {...}}``.
    """


# -- HTTP authentication --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BasicAuth(_ArgoObject):
    """HTTP basic authentication for :class:`HTTPArtifact` (``auth.basicAuth``).

    Attributes:
        username: Secret key holding the user name (``usernameSecret``).
        password: Secret key holding the password (``passwordSecret``).

    Raises:
        CompileError: C138, a value is not a :class:`~tiphys.Secret`.
    """

    argo_key: ClassVar[str] = "basicAuth"
    username: Secret = field(metadata=_meta("usernameSecret"))
    password: Secret = field(metadata=_meta("passwordSecret"))


@dataclass(frozen=True, repr=False)
class ClientCertAuth(_ArgoObject):
    """TLS client certificate authentication for :class:`HTTPArtifact` (``auth.clientCert``).

    Attributes:
        cert: Secret key holding the PEM certificate (``clientCertSecret``).
        key: Secret key holding the PEM private key (``clientKeySecret``).

    Raises:
        CompileError: C138, a value is not a :class:`~tiphys.Secret`.
    """

    argo_key: ClassVar[str] = "clientCert"
    cert: Secret = field(metadata=_meta("clientCertSecret"))
    key: Secret = field(metadata=_meta("clientKeySecret"))


@dataclass(frozen=True, repr=False)
class OAuth2Auth(_ArgoObject):
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
    client_id: Secret = field(metadata=_meta("clientIDSecret"))
    client_secret: Secret = field(metadata=_meta("clientSecretSecret"))
    token_url: Secret = field(metadata=_meta("tokenURLSecret"))
    _: KW_ONLY
    scopes: Sequence[str] | None = None
    endpoint_params: Mapping[str, str] | None = field(
        default=None, metadata=_meta(convert=_key_values)
    )


HTTPAuth = BasicAuth | ClientCertAuth | OAuth2Auth


# -- locations ------------------------------------------------------------------------------------


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
    access_key: Secret | None = field(default=None, metadata=_meta("accessKeySecret"))
    secret_key: Secret | None = field(default=None, metadata=_meta("secretKeySecret"))
    session_token: Secret | None = field(default=None, metadata=_meta("sessionTokenSecret"))
    role_arn: str | None = field(default=None, metadata=_meta("roleARN"))
    use_sdk_creds: bool | None = field(default=None, metadata=_meta("useSDKCreds"))
    ca: Secret | None = field(default=None, metadata=_meta("caSecret"))
    addressing_style: Literal["path", "virtual-hosted"] | None = None
    create_bucket: bool | None = field(
        default=None, metadata=_meta("createBucketIfNotPresent", lambda on: {} if on else None)
    )
    object_locking: bool | None = field(
        default=None, metadata=_meta("createBucketIfNotPresent.objectLocking")
    )
    enable_encryption: bool | None = field(
        default=None, metadata=_meta("encryptionOptions.enableEncryption")
    )
    kms_key_id: str | None = field(default=None, metadata=_meta("encryptionOptions.kmsKeyId"))
    kms_encryption_context: str | None = field(
        default=None, metadata=_meta("encryptionOptions.kmsEncryptionContext")
    )
    sse_customer_key: Secret | None = field(
        default=None, metadata=_meta("encryptionOptions.serverSideCustomerKeySecret")
    )


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
        default=None, metadata=_meta("serviceAccountKeySecret")
    )


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
    account_key: Secret | None = field(default=None, metadata=_meta("accountKeySecret"))
    use_sdk_creds: bool | None = field(default=None, metadata=_meta("useSDKCreds"))


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
    access_key: Secret | None = field(default=None, metadata=_meta("accessKeySecret"))
    secret_key: Secret | None = field(default=None, metadata=_meta("secretKeySecret"))
    security_token: str | None = None
    use_sdk_creds: bool | None = field(default=None, metadata=_meta("useSDKCreds"))
    create_bucket: bool | None = field(default=None, metadata=_meta("createBucketIfNotPresent"))
    infrequent_access_after_days: int | None = field(
        default=None, metadata=_meta("lifecycleRule.markInfrequentAccessAfterDays")
    )
    delete_after_days: int | None = field(
        default=None, metadata=_meta("lifecycleRule.markDeletionAfterDays")
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
    insecure_skip_tls: bool | None = field(default=None, metadata=_meta("insecureSkipTLS"))
    username: Secret | None = field(default=None, metadata=_meta("usernameSecret"))
    password: Secret | None = field(default=None, metadata=_meta("passwordSecret"))
    ssh_private_key: Secret | None = field(default=None, metadata=_meta("sshPrivateKeySecret"))

    def check(self) -> None:
        """``depth`` >= 1; ``single_branch`` names its ``branch``."""
        if self.depth is not None and self.depth < 1:
            raise fail("C138", f"Git depth must be 1 or more (commits to fetch), not {self.depth}")
        if self.single_branch and not self.branch:
            raise fail("C138", "Git single_branch=True needs branch=... (the branch to clone)")


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
    headers: Mapping[str, str] | None = field(default=None, metadata=_meta(convert=_headers))
    auth: HTTPAuth | None = None
    save_stream_via_file: bool | None = None


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
    username: Secret | None = field(default=None, metadata=_meta("usernameSecret"))
    password: Secret | None = field(default=None, metadata=_meta("passwordSecret"))


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
    hdfs_user: str | None = field(default=None, metadata=_meta("hdfsUser"))
    force: bool | None = None
    data_transfer_protection: Literal["authentication", "integrity", "privacy"] | None = None
    krb_ccache: Secret | None = field(default=None, metadata=_meta("krbCCacheSecret"))
    krb_keytab: Secret | None = field(default=None, metadata=_meta("krbKeytabSecret"))
    krb_config: ConfigMap | None = field(default=None, metadata=_meta("krbConfigConfigMap"))
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
        default=None, metadata=_meta("connectionTimeoutSeconds", _timeout)
    )

    def check(self) -> None:
        """The timeout is a duration."""
        if self.connection_timeout is not None:
            _timeout(self.connection_timeout)


LOCATION_KEYS = ("s3", "gcs", "azure", "oss", "git", "http", "artifactory", "raw", "hdfs", "plugin")
"""The fields of Argo's ``Artifact`` that hold a location (exactly one per artifact, or none)."""

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
