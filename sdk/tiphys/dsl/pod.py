"""Settings of templates that run a pod: daemons, probes, ports, graceful shutdown.

``@container`` and ``@script`` take these next to the common template options
(:class:`ContainerOptionsKw`); ``@container_set`` takes the pod-level one
(:class:`PodOptionsKw`, ``termination_grace_period``) and its :class:`ContainerNode` objects the
container-level ones. Values are checked when written, so errors name the user's line.

Graceful shutdown: when a pod is stopped (its daemon scope ended, the workflow was stopped or
deleted), Kubernetes runs the container's pre-stop hook, then sends ``SIGTERM``, and kills the
container when the pod's termination grace period (``terminationGracePeriodSeconds``, 30 s unless
set) ends, counted from the start of the hook. A pre-stop ``sleep`` as long as the grace period
therefore never lets the process see ``SIGTERM``.

Error codes owned here: ``C134`` a pre-stop sleep that does not fit inside the grace period;
``C135`` a ``pod_spec_patch`` that cannot be merged with ``termination_grace_period``.
Bad option values are ``C117``, as for every option.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypedDict, Unpack

from tiphys.argo.k8s import port_problem
from tiphys.dsl._location import fail, user_location
from tiphys.dsl.options import (
    Duration,
    Raw,
    TemplateOptions,
    TemplateOptionsKw,
    seconds,
    template_options,
)
from tiphys.errors import Location, did_you_mean

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "ContainerOptionsKw",
    "PodOptionsKw",
    "PodSettings",
    "PreStop",
    "Probe",
    "ProbeTiming",
    "check_named_ports",
    "check_pre_stop",
    "pod_options",
    "ports_argo",
]

DEFAULT_GRACE_PERIOD = 30
"""Kubernetes' ``terminationGracePeriodSeconds`` when a pod does not set it (seconds)."""

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


@dataclass(frozen=True)
class PreStop:
    """A container's pre-stop hook (``lifecycle.preStop``): runs before ``SIGTERM``.

    Build one with :meth:`exec`, :meth:`http` or :meth:`sleep`. The hook and the shutdown that
    follows must fit in the pod's termination grace period (``termination_grace_period=``,
    30 s by default).

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


class PodOptionsKw(TemplateOptionsKw, total=False):
    """:class:`~tiphys.dsl.options.TemplateOptionsKw` plus the pod-level settings.

    * ``termination_grace_period``: how long Kubernetes waits for the pod's containers to stop
      before killing them (seconds or ``"1m"``), written as ``podSpecPatch``
      ``{"terminationGracePeriodSeconds": N}`` merged with ``pod_spec_patch``. Kubernetes'
      default is 30 s.
    """

    termination_grace_period: Duration | None


class ContainerOptionsKw(PodOptionsKw, total=False):
    """:class:`PodOptionsKw` plus the settings of the template's container
    (``@container`` and ``@script``).

    * ``daemon``: run as a daemon (``daemon: true``): the task is done once the container is
      ready and the pod runs until its scope (the DAG or steps that started it) ends; other
      tasks reach it through ``task.ip``. Give it a ``readiness`` probe.
    * ``readiness``: :class:`Probe` deciding when the daemon is ready (``readinessProbe``);
      only for ``daemon=True``.
    * ``liveness``: :class:`Probe` whose failure kills the container (``livenessProbe``).
    * ``pre_stop``: :class:`PreStop` hook (``lifecycle.preStop``).
    * ``ports``: ports the container listens on (``ports``): numbers, or raw ``ContainerPort``
      dicts (``{"containerPort": 8080, "name": "http"}``).
    * ``container_security_context``: the container's ``securityContext`` (a raw
      ``SecurityContext`` dict); ``security_context`` is the pod's.
    """

    daemon: bool
    readiness: Probe | None
    liveness: Probe | None
    pre_stop: PreStop | None
    ports: Sequence[int | Raw]
    container_security_context: Raw | None


def ports_argo(ports: Sequence[int | Raw], location: Location) -> list[dict[str, Any]]:
    """Render ``ports=`` as a container's ``ports`` list.

    Args:
        ports: Port numbers, or raw ``ContainerPort`` dicts (``containerPort`` required).
        location: Where the option was written.

    Returns:
        ``[{"containerPort": N, ...}]`` in the given order.

    Raises:
        CompileError: ``C117`` for a port out of range, a dict without ``containerPort``, or
            the same port twice.
    """
    if isinstance(ports, str | int) or not isinstance(ports, Sequence):
        raise fail("C117", f"ports must be a list of port numbers, not {ports!r}", location)
    out: list[dict[str, Any]] = []
    for port in ports:
        entry = dict(port) if isinstance(port, Mapping) else {"containerPort": port}
        problem = port_problem(entry.get("containerPort"), named=False)
        if problem:
            what = f"ports entry {port!r}" if isinstance(port, Mapping) else "ports"
            raise fail("C117", f"{what}: {problem}", location)
        protocol = entry.get("protocol", "TCP")
        if any(
            (o["containerPort"], o.get("protocol", "TCP")) == (entry["containerPort"], protocol)
            for o in out
        ):
            raise fail("C117", f"ports lists port {entry['containerPort']} twice", location)
        out.append(entry)
    return out


def check_named_ports(
    ports: Sequence[int | Raw], hooks: Mapping[str, Probe | PreStop | None], location: Location
) -> None:
    """Check ``ports=``, and that each probe or hook that names a port finds it there.

    Args:
        ports: The container's ``ports=``.
        hooks: Probes and hooks by option name (``readiness``...), ``None`` when unset.
        location: Where ``ports=`` was written.

    Raises:
        CompileError: ``C117`` for a bad ``ports=`` or a port name no port has.
    """
    names = {p["name"] for p in ports_argo(ports, location) if "name" in p}
    for key, hook in hooks.items():
        if hook is None:
            continue
        actions = [hook.handler.get(a, {}) for a in ("httpGet", "tcpSocket")]
        port = next((a["port"] for a in actions if isinstance(a.get("port"), str)), None)
        if port is not None and port not in names:
            raise fail(
                "C117",
                f"{key} uses the port named {port!r}, but ports= names no such port (named "
                f"ports: {', '.join(sorted(names)) or 'none'}): add {{'containerPort': <number>, "
                f"'name': {port!r}}} to ports=, or give the port number",
                hook.location,
            )


def _patch_dict(patch: str | Raw, location: Location) -> dict[str, Any] | None:
    """A ``pod_spec_patch`` as a dict (a string is read as YAML, which covers JSON), or
    ``None`` when a string cannot be read as a mapping."""
    if not isinstance(patch, str):
        return dict(patch)
    import yaml

    try:
        value = yaml.safe_load(patch)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(eq=False, repr=False)
class PodSettings:
    """The pod and container settings of a template (see :class:`ContainerOptionsKw`).

    Created by :func:`pod_options` from decorator keyword arguments.

    Attributes:
        grace_period: The pod's termination grace period in seconds: ``termination_grace_period``,
            else ``terminationGracePeriodSeconds`` of ``pod_spec_patch``, else Kubernetes'
            default (30).
        grace_source: Which option set ``grace_period`` (``None`` for the default).
    """

    daemon: bool = False
    readiness: Probe | None = None
    liveness: Probe | None = None
    pre_stop: PreStop | None = None
    termination_grace_period: Duration | None = None
    ports: Sequence[int | Raw] = ()
    container_security_context: Raw | None = None
    location: Location = field(default_factory=Location)
    grace_period: int = DEFAULT_GRACE_PERIOD
    grace_source: str | None = None

    _TYPES: ClassVar[Mapping[str, tuple[type, str]]] = {
        "readiness": (Probe, "a Probe (Probe.http(...), Probe.tcp(...) or Probe.exec(...))"),
        "liveness": (Probe, "a Probe (Probe.http(...), Probe.tcp(...) or Probe.exec(...))"),
        "pre_stop": (
            PreStop,
            "a PreStop (PreStop.exec(...), PreStop.http(...) or PreStop.sleep(...))",
        ),
    }

    def __post_init__(self) -> None:
        where = self.location
        if not isinstance(self.daemon, bool):
            raise fail("C117", f"daemon must be True or False, not {self.daemon!r}", where)
        for key, (cls, what) in self._TYPES.items():
            value = getattr(self, key)
            if value is not None and not isinstance(value, cls):
                raise fail("C117", f"{key} must be {what}, not {value!r}", where)
        if self.readiness is not None and not self.daemon:
            raise fail(
                "C117",
                "readiness= only matters for a daemon (Argo waits for a daemon to be ready "
                "before the tasks that follow it start): add daemon=True, or drop readiness=",
                where,
            )
        if self.liveness is not None and self.liveness.timing.get("successThreshold", 1) != 1:
            raise fail(
                "C117",
                "a liveness probe's success_threshold must be 1 (Kubernetes refuses others)",
                self.liveness.location,
            )
        check_named_ports(
            self.ports,
            {"readiness": self.readiness, "liveness": self.liveness, "pre_stop": self.pre_stop},
            where,
        )
        if self.termination_grace_period is not None:
            self.grace_period = seconds(
                self.termination_grace_period, "termination_grace_period", where
            )
            self.grace_source = "termination_grace_period"

    def merge_grace_period(self, options: TemplateOptions) -> None:
        """Write ``termination_grace_period`` into ``options.pod_spec_patch`` and check that
        the pre-stop sleep fits in the grace period.

        Args:
            options: The template's common options (its ``pod_spec_patch`` is replaced by the
                merged dict when ``termination_grace_period`` is set).

        Raises:
            CompileError: ``C135`` when the patch cannot be read or sets another
                ``terminationGracePeriodSeconds``; ``C134`` when the pre-stop sleep is not
                shorter than the grace period.
        """
        where = self.location
        patch = options.pod_spec_patch
        current = _patch_dict(patch, where) if patch is not None else {}
        if self.termination_grace_period is not None:
            if current is None:
                raise fail(
                    "C135",
                    "pod_spec_patch cannot be read as a YAML or JSON mapping, so "
                    "termination_grace_period cannot be merged into it: pass pod_spec_patch "
                    "as a dict",
                    where,
                )
            given = current.get("terminationGracePeriodSeconds")
            if given is not None and given != self.grace_period:
                raise fail(
                    "C135",
                    f"termination_grace_period is {self.grace_period} s, but pod_spec_patch "
                    f"sets terminationGracePeriodSeconds to {json.dumps(given)}: keep one of them",
                    where,
                )
            options.pod_spec_patch = {**current, "terminationGracePeriodSeconds": self.grace_period}
        elif current is not None and isinstance(current.get("terminationGracePeriodSeconds"), int):
            self.grace_period = current["terminationGracePeriodSeconds"]
            self.grace_source = "pod_spec_patch"
        check_pre_stop(self.pre_stop, self.grace_period, self.grace_source)


def check_pre_stop(pre_stop: PreStop | None, grace: int, source: str | None) -> None:
    """Refuse a pre-stop sleep that does not end before the grace period does.

    Args:
        pre_stop: The hook, if any (only a sleep has a known length).
        grace: The pod's termination grace period, in seconds.
        source: The option that set it (``termination_grace_period``, ``pod_spec_patch``), or
            ``None`` for Kubernetes' default.

    Raises:
        CompileError: ``C134``, located where the hook was written.
    """
    if pre_stop is None or pre_stop.sleep_seconds is None or pre_stop.sleep_seconds < grace:
        return
    why = f"set by {source}" if source else "Kubernetes' default; set termination_grace_period="
    raise fail(
        "C134",
        f"the pre-stop hook sleeps {pre_stop.sleep_seconds} s, but the pod's termination grace "
        f"period is {grace} s ({why}), and Kubernetes kills the container when it ends, so the "
        f"process never gets SIGTERM: sleep less, or make termination_grace_period longer than "
        f"{pre_stop.sleep_seconds} s plus the time the process needs to stop",
        pre_stop.location,
    )


def pod_options(
    options: Mapping[str, Any], location: Location, *, container: bool = True
) -> tuple[TemplateOptions, PodSettings]:
    """Split decorator keyword arguments into common options and pod settings, and check them.

    Args:
        options: The keyword arguments (:class:`ContainerOptionsKw`, or :class:`PodOptionsKw`
            when ``container`` is false).
        location: Where the decorated function is defined.
        container: Whether the template has one container of its own (``@container``,
            ``@script``), which takes the container-level settings.

    Returns:
        The common options (with ``termination_grace_period`` merged into
        ``pod_spec_patch``) and the pod settings.

    Raises:
        CompileError: ``C117`` for an unknown option (with a suggestion) or a bad value;
            ``C134``/``C135`` as :meth:`PodSettings.merge_grace_period` says.
    """
    kinds = ContainerOptionsKw if container else PodOptionsKw
    known = kinds.__annotations__
    own = known.keys() - TemplateOptionsKw.__annotations__.keys()
    for key in options:
        if key not in known:
            hint = did_you_mean(key, list(known))
            raise fail("C117", f"unknown template option {key!r}.{hint}", location)
    common = template_options({k: v for k, v in options.items() if k not in own}, location)
    settings = PodSettings(**{k: v for k, v in options.items() if k in own}, location=location)
    settings.merge_grace_period(common)
    return common, settings
