"""Probes and pre-stop hooks of containers: :class:`Probe` and :class:`PreStop`.

Each is built by a class method per Kubernetes action (``http``, ``tcp``, ``exec``, ``sleep``)
that checks its values when written, so errors (``C117``) name the user's line. The templates
take them through the settings of :mod:`tiphys.dsl.pod`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack

from tiphys.argo.k8s import port_problem
from tiphys.dsl._keywords import checked_init
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.options import Duration, seconds
from tiphys.errors import Location, did_you_mean

__all__ = ["PreStop", "Probe", "ProbeTiming"]

Scheme = Literal["HTTP", "HTTPS"]


class ProbeTiming(TypedDict, total=False):
    """When and how often a :class:`Probe` runs (all optional; Kubernetes' defaults apply).

    * ``initial_delay``: wait this long after the container starts (``initialDelaySeconds``,
      seconds or ``"5s"``; default 0).
    * ``period``: run every so often (``periodSeconds``; default 10 s, at least 1 s).
    * ``timeout``: a run fails after this long (``timeoutSeconds``; default 1 s, at least 1 s).
    * ``failure_threshold``: failures in a row that count (``failureThreshold``; default 3).
    * ``success_threshold``: successes in a row that count (``successThreshold``; default 1;
      must be 1 for a liveness probe).
    """

    initial_delay: Duration
    period: Duration
    timeout: Duration
    failure_threshold: int
    success_threshold: int


# timing key -> (Kubernetes field, smallest value, is a duration)
_TIMING: Mapping[str, tuple[str, int, bool]] = {
    "initial_delay": ("initialDelaySeconds", 0, True),
    "period": ("periodSeconds", 1, True),
    "timeout": ("timeoutSeconds", 1, True),
    "failure_threshold": ("failureThreshold", 1, False),
    "success_threshold": ("successThreshold", 1, False),
}


def _port(port: object, what: str, location: Location) -> int | str:
    problem = port_problem(port)
    if problem:
        raise fail("C117", f"{what}: {problem}", location)
    return port  # type: ignore[return-value]  # checked: an int or a port name


def _command(command: object, what: str, location: Location) -> list[str]:
    if (
        isinstance(command, str)
        or not isinstance(command, Sequence)
        or not command
        or not all(isinstance(c, str) for c in command)
    ):
        raise fail(
            "C117",
            f"{what} takes the command as a non-empty list of strings (no shell), e.g. "
            f"['sh', '-c', 'kill -TERM 1'], not {command!r}",
            location,
        )
    return list(command)


def _http_get(
    path: str,
    port: int | str,
    scheme: str | None,
    host: str | None,
    headers: Mapping[str, str] | None,
    what: str,
    location: Location,
) -> dict[str, Any]:
    """The ``httpGet`` action shared by probes and pre-stop hooks."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise fail("C117", f"{what}: path must start with '/', not {path!r}", location)
    action: dict[str, Any] = {"path": path, "port": _port(port, what, location)}
    if host is not None:
        action["host"] = host
    if scheme is not None:
        if scheme not in ("HTTP", "HTTPS"):
            hint = did_you_mean(scheme.upper(), ["HTTP", "HTTPS"])
            raise fail(
                "C117", f"{what}: scheme must be 'HTTP' or 'HTTPS', not {scheme!r}.{hint}", location
            )
        action["scheme"] = scheme
    if headers:
        action["httpHeaders"] = [{"name": k, "value": v} for k, v in headers.items()]
    return action


@checked_init
@dataclass(frozen=True)
class Probe:
    """A readiness or liveness probe of a container (``readinessProbe``/``livenessProbe``).

    Build one with :meth:`http`, :meth:`tcp` or :meth:`exec`. Argo starts the tasks that follow a
    daemon once its readiness probe succeeds; without one they start as soon as the container
    runs, before the service may listen.

    Attributes:
        handler: The probe action: ``{"httpGet": {...}}``, ``{"tcpSocket": {...}}`` or
            ``{"exec": {...}}``.
        timing: The rendered timing fields (``initialDelaySeconds``...).
    """

    handler: Mapping[str, Any]
    timing: Mapping[str, int] = field(default_factory=dict)
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    @classmethod
    def _make(cls, handler: dict[str, Any], timing: Mapping[str, Any], location: Location) -> Probe:
        rendered: dict[str, int] = {}
        for key, value in timing.items():
            if key not in _TIMING:
                raise fail(
                    "C117",
                    f"unknown probe option {key!r} (options: {', '.join(_TIMING)})."
                    f"{did_you_mean(key, list(_TIMING))}",
                    location,
                )
            name, least, is_duration = _TIMING[key]
            if is_duration:
                number = seconds(value, f"probe {key}", location)
            elif isinstance(value, int) and not isinstance(value, bool):
                number = value
            else:
                raise fail("C117", f"probe {key} must be an integer, not {value!r}", location)
            if number < least:
                unit = " s" if is_duration else ""
                raise fail(
                    "C117", f"probe {key} must be at least {least}{unit}, not {value!r}", location
                )
            rendered[name] = number
        return cls(handler, rendered, location)

    @classmethod
    def http(
        cls,
        path: str,
        port: int | str,
        *,
        scheme: Scheme | None = None,
        host: str | None = None,
        headers: Mapping[str, str] | None = None,
        **timing: Unpack[ProbeTiming],
    ) -> Probe:
        """Probe with an HTTP GET: any status from 200 to 399 is a success (``httpGet``).

        Args:
            path: Request path, starting with ``/`` (``/ping``).
            port: Container port number (1-65535) or the name of a declared port.
            scheme: ``"HTTP"`` (Kubernetes' default) or ``"HTTPS"`` (the certificate is not
                verified).
            host: Host to connect to; default the pod IP.
            headers: Extra request headers (``httpHeaders``).
            **timing: :class:`ProbeTiming` (``initial_delay``, ``period``, ``timeout``,
                ``failure_threshold``, ``success_threshold``).

        Returns:
            The probe.

        Raises:
            CompileError: ``C117`` for a bad path, port, scheme or timing value.
        """
        location = user_location()
        action = _http_get(path, port, scheme, host, headers, "Probe.http", location)
        return cls._make({"httpGet": action}, timing, location)

    @classmethod
    def tcp(
        cls, port: int | str, *, host: str | None = None, **timing: Unpack[ProbeTiming]
    ) -> Probe:
        """Probe by opening a TCP connection: success when it connects (``tcpSocket``).

        Args:
            port: Container port number (1-65535) or the name of a declared port.
            host: Host to connect to; default the pod IP.
            **timing: :class:`ProbeTiming`.

        Returns:
            The probe.

        Raises:
            CompileError: ``C117`` for a bad port or timing value.
        """
        location = user_location()
        action: dict[str, Any] = {"port": _port(port, "Probe.tcp", location)}
        if host is not None:
            action["host"] = host
        return cls._make({"tcpSocket": action}, timing, location)

    @classmethod
    def exec(cls, command: Sequence[str], **timing: Unpack[ProbeTiming]) -> Probe:
        """Probe by running a command in the container: success when it exits 0 (``exec``).

        Args:
            command: The command and its arguments (no shell: ``["pg_isready", "-q"]``).
            **timing: :class:`ProbeTiming`.

        Returns:
            The probe.

        Raises:
            CompileError: ``C117`` for an empty or non-string command, or a bad timing value.
        """
        location = user_location()
        action = {"command": _command(command, "Probe.exec", location)}
        return cls._make({"exec": action}, timing, location)

    def to_argo(self) -> dict[str, Any]:
        """Return the Kubernetes ``Probe`` dict."""
        return {**self.handler, **self.timing}


@checked_init
@dataclass(frozen=True)
class PreStop:
    """A container's pre-stop hook (``lifecycle.preStop``): runs before ``SIGTERM`` when
    Kubernetes deletes the pod.

    Kubernetes runs it only when it deletes the pod while the container runs: the workflow
    deleted, a node drained, an eviction, ``kubectl delete pod``. Argo does not delete a daemon's
    pod when its scope ends, nor the pods of a stopped or terminated workflow: it signals their
    containers (``SIGTERM``, then ``SIGKILL`` after the grace period), so no pre-stop hook runs
    then; a process that must clean up should handle ``SIGTERM``. Build one with :meth:`exec`,
    :meth:`http` or :meth:`sleep`. The hook and the shutdown that follows must fit in the pod's
    termination grace period (``termination_grace_period=``, 30 s by default).

    Attributes:
        handler: The ``LifecycleHandler`` dict (``{"exec": ...}``, ``{"httpGet": ...}`` or
            ``{"sleep": {"seconds": N}}``).
        sleep_seconds: The sleep of :meth:`sleep` (the only hook whose length is known).
    """

    handler: Mapping[str, Any]
    sleep_seconds: int | None = None
    location: Location = field(default_factory=user_location, compare=False, repr=False)

    @classmethod
    def exec(cls, command: Sequence[str]) -> PreStop:
        """Run a command in the container before it is stopped (``preStop.exec``).

        Args:
            command: The command and its arguments (no shell: ``["nginx", "-s", "quit"]``).

        Returns:
            The hook.

        Raises:
            CompileError: ``C117`` for an empty or non-string command.
        """
        location = user_location()
        return cls(
            {"exec": {"command": _command(command, "PreStop.exec", location)}}, None, location
        )

    @classmethod
    def http(
        cls,
        path: str,
        port: int | str,
        *,
        scheme: Scheme | None = None,
        host: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> PreStop:
        """Send an HTTP GET to the container before it is stopped (``preStop.httpGet``).

        Args:
            path: Request path, starting with ``/`` (``/shutdown``).
            port: Container port number (1-65535) or the name of a declared port.
            scheme: ``"HTTP"`` (default) or ``"HTTPS"``.
            host: Host to connect to; default the pod IP.
            headers: Extra request headers (``httpHeaders``).

        Returns:
            The hook.

        Raises:
            CompileError: ``C117`` for a bad path, port or scheme.
        """
        location = user_location()
        action = _http_get(path, port, scheme, host, headers, "PreStop.http", location)
        return cls({"httpGet": action}, None, location)

    @classmethod
    def sleep(cls, duration: Duration) -> PreStop:
        """Wait before the container gets ``SIGTERM`` (``preStop.sleep.seconds``), e.g. so that
        clients stop sending requests first. Needs Kubernetes 1.30 or later.

        Args:
            duration: Seconds (an int) or ``"10s"``-style text; at least 1 s, and less than the
                pod's termination grace period.

        Returns:
            The hook.

        Raises:
            CompileError: ``C117`` for a value that is not a positive duration.
        """
        location = user_location()
        number = seconds(duration, "PreStop.sleep", location)
        if number < 1:
            raise fail("C117", f"PreStop.sleep must last at least 1 s, not {duration!r}", location)
        return cls({"sleep": {"seconds": number}}, number, location)

    def to_argo(self) -> dict[str, Any]:
        """Return the ``LifecycleHandler`` dict (the value of ``lifecycle.preStop``)."""
        return dict(self.handler)
