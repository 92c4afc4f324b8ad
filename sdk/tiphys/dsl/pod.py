"""Settings of templates that run a pod: daemons, probes, ports, graceful shutdown.

``@container`` and ``@script`` take these next to the common template options
(:class:`ContainerOptionsKw`); ``@container_set`` takes the pod-level one
(:class:`PodOptionsKw`, ``termination_grace_period``) and its ``ContainerNode`` objects the
container-level ones. Probes and hooks are in :mod:`tiphys.dsl.probes` (imported when used).
Values are checked when written, so errors name the user's line.

Graceful shutdown: Argo ends a daemon whose scope ended, and the pods of a stopped or terminated
workflow, by signalling their containers (``SIGTERM``, then ``SIGKILL`` once the pod's
termination grace period has passed) without deleting the pod, so Kubernetes runs no pre-stop
hook then. A pre-stop hook runs only when Kubernetes deletes the pod while its container runs
(the workflow deleted, a node drained, an eviction, ``kubectl delete pod``): Kubernetes runs the
hook, then sends ``SIGTERM``, and kills the container when the termination grace period
(``terminationGracePeriodSeconds``, 30 s unless set) ends, counted from the start of the hook. A
pre-stop ``sleep`` as long as the grace period therefore never lets the process see ``SIGTERM``.

Error codes owned here: ``C134`` a pre-stop sleep that does not fit inside the grace period;
``C135`` a ``pod_spec_patch`` that cannot be merged with ``termination_grace_period``.
Bad option values are ``C117``, as for every option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiphys.argo.k8s import port_problem
from tiphys.dsl._location import fail
from tiphys.dsl.options import (
    Duration,
    Raw,
    TemplateOptions,
    TemplateOptionsKw,
    seconds,
    template_options,
)
from tiphys.errors import Location, did_you_mean

if TYPE_CHECKING:
    from tiphys.dsl.probes import PreStop, Probe

__all__ = [
    "DEFAULT_GRACE_PERIOD",
    "ContainerOptionsKw",
    "PodOptionsKw",
    "PodSettings",
    "check_named_ports",
    "check_pre_stop",
    "pod_options",
    "ports_argo",
]

DEFAULT_GRACE_PERIOD = 30
"""Kubernetes' ``terminationGracePeriodSeconds`` when a pod does not set it (seconds)."""


class PodOptionsKw(TemplateOptionsKw, total=False):
    """:class:`~tiphys.dsl.options.TemplateOptionsKw` plus the pod-level settings.

    * ``termination_grace_period``: how long the pod's containers get to stop after
      ``SIGTERM`` before they are killed (seconds or ``"1m"``), written as ``podSpecPatch``
      ``{"terminationGracePeriodSeconds": N}`` merged with ``pod_spec_patch``. It applies both
      when Argo signals the containers (a daemon's scope ended, the workflow stopped) and when
      Kubernetes deletes the pod (then it also covers the pre-stop hook). Kubernetes' default is
      30 s.
    """

    termination_grace_period: Duration | None


class ContainerOptionsKw(PodOptionsKw, total=False):
    """:class:`PodOptionsKw` plus the settings of the template's container
    (``@container`` and ``@script``).

    * ``daemon``: run as a daemon (``daemon: true``): the task is done once the container is
      ready and the pod runs until its scope (the DAG or steps that started it) ends; other
      tasks reach it through ``task.ip``. Give it a ``readiness`` probe.
    * ``readiness``: :class:`~tiphys.dsl.probes.Probe` deciding when the daemon is ready
      (``readinessProbe``); only for ``daemon=True``.
    * ``liveness``: :class:`~tiphys.dsl.probes.Probe` whose failure kills the container
      (``livenessProbe``).
    * ``pre_stop``: :class:`~tiphys.dsl.probes.PreStop` hook (``lifecycle.preStop``); it runs
      only when Kubernetes deletes the pod, not when Argo ends a daemon (see the module
      docstring).
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

    def __post_init__(self) -> None:
        where = self.location
        if not isinstance(self.daemon, bool):
            raise fail("C117", f"daemon must be True or False, not {self.daemon!r}", where)
        if any(v is not None for v in (self.readiness, self.liveness, self.pre_stop)):
            self._check_types()
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

    def _check_types(self) -> None:
        from tiphys.dsl.probes import PreStop, Probe

        probe = "a Probe (Probe.http(...), Probe.tcp(...) or Probe.exec(...))"
        kinds: dict[str, tuple[type, str]] = {
            "readiness": (Probe, probe),
            "liveness": (Probe, probe),
            "pre_stop": (
                PreStop,
                "a PreStop (PreStop.exec(...), PreStop.http(...) or PreStop.sleep(...))",
            ),
        }
        for key, (cls, what) in kinds.items():
            value = getattr(self, key)
            if value is not None and not isinstance(value, cls):
                raise fail("C117", f"{key} must be {what}, not {value!r}", self.location)

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
                import json

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
        f"period is {grace} s ({why}), and when Kubernetes deletes the pod (the only time it "
        "runs a pre-stop hook: the workflow deleted while the pod runs, a node drained, an "
        "eviction; Argo ends daemons and stopped workflows by signalling the containers "
        "instead) it kills the container when that period ends, so the process never gets "
        f"SIGTERM: sleep less, or make termination_grace_period longer than "
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
