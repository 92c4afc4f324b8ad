"""The Argo Server client (``tiphys.client``): configuration, errors, :class:`Client` and
its awaitable twin :class:`AsyncClient` (with :class:`AsyncRun`, :func:`async_submit`,
:func:`async_apply`), which share every endpoint definition and stream state machine.

Public names are imported from their modules on first use (see :mod:`tiphys._lazy`), so that
``import tiphys.client`` loads neither httpx nor YAML.
"""

from typing import TYPE_CHECKING

from tiphys._lazy import install

EXPORTS: dict[str, str] = {
    "AlreadyExists": "tiphys.client.errors",
    "ApplyResult": "tiphys.client.apply",
    "ArtifactOutput": "tiphys.client.run",
    "AsyncArtifactOutput": "tiphys.client.run",
    "AsyncClient": "tiphys.client.aclient",
    "AsyncLogStream": "tiphys.client.logs",
    "AsyncRun": "tiphys.client.run",
    "async_submit": "tiphys.client.run",
    "Run": "tiphys.client.run",
    "RunOutputs": "tiphys.client.run",
    "WorkflowFailed": "tiphys.client.run",
    "submit": "tiphys.client.run",
    "Client": "tiphys.client.client",
    "RetryPolicy": "tiphys.client._transport",
    "ArgoServerError": "tiphys.client.errors",
    "ConfigError": "tiphys.client.errors",
    "Conflict": "tiphys.client.errors",
    "Forbidden": "tiphys.client.errors",
    "InvalidRequest": "tiphys.client.errors",
    "LogLine": "tiphys.client.logs",
    "LogStream": "tiphys.client.logs",
    "NoServerConfigured": "tiphys.client.errors",
    "NotFound": "tiphys.client.errors",
    "RequestTimeout": "tiphys.client.errors",
    "Secret": "tiphys.client.config",
    "ServerConfig": "tiphys.client.config",
    "ServerUnavailable": "tiphys.client.errors",
    "Unauthorized": "tiphys.client.errors",
    "WaitTimeout": "tiphys.client.watch",
    "WorkflowEvent": "tiphys.client.watch",
    "apply": "tiphys.client.apply",
    "async_apply": "tiphys.client.apply",
    "auth_header": "tiphys.client.config",
    "diff": "tiphys.client.apply",
    "error_from_response": "tiphys.client.errors",
    "resolve_config": "tiphys.client.config",
}

if TYPE_CHECKING:
    from tiphys.client._transport import RetryPolicy
    from tiphys.client.aclient import AsyncClient
    from tiphys.client.apply import ApplyResult, apply, async_apply, diff
    from tiphys.client.client import Client
    from tiphys.client.config import Secret, ServerConfig, auth_header, resolve_config
    from tiphys.client.errors import (
        AlreadyExists,
        ArgoServerError,
        ConfigError,
        Conflict,
        Forbidden,
        InvalidRequest,
        NoServerConfigured,
        NotFound,
        RequestTimeout,
        ServerUnavailable,
        Unauthorized,
        error_from_response,
    )
    from tiphys.client.logs import AsyncLogStream, LogLine, LogStream
    from tiphys.client.run import (
        ArtifactOutput,
        AsyncArtifactOutput,
        AsyncRun,
        Run,
        RunOutputs,
        WorkflowFailed,
        async_submit,
        submit,
    )
    from tiphys.client.watch import WaitTimeout, WorkflowEvent

__all__ = [
    "AlreadyExists",
    "ApplyResult",
    "ArgoServerError",
    "ArtifactOutput",
    "AsyncArtifactOutput",
    "AsyncClient",
    "AsyncLogStream",
    "AsyncRun",
    "Client",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "LogLine",
    "LogStream",
    "NoServerConfigured",
    "NotFound",
    "RequestTimeout",
    "RetryPolicy",
    "Run",
    "RunOutputs",
    "Secret",
    "ServerConfig",
    "ServerUnavailable",
    "Unauthorized",
    "WaitTimeout",
    "WorkflowEvent",
    "WorkflowFailed",
    "apply",
    "async_apply",
    "async_submit",
    "auth_header",
    "diff",
    "error_from_response",
    "resolve_config",
    "submit",
]

install(__name__, EXPORTS)
