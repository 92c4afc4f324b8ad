"""``@container_set``: several containers in one pod (``containerSet``), ordered by dependencies.

The body runs once at compile time with symbolic parameters, like a ``@container`` body, and
returns the :class:`ContainerNode` objects. Containers without dependencies start together; the
others start when the containers they depend on have succeeded. They share the pod's volumes
(``volume_mounts=`` mounts them in every container), so files pass between them without
artifacts. The container named ``main`` is the one Argo reads the template's outputs from (its
standard output is ``task.result``).

Error codes owned here: ``C131`` a body that does not return containers, duplicate container
names, a dependency on an unknown container, a dependency cycle; ``C132`` a template with outputs
(or ``task.result`` used) but no container named ``main``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Unpack

from tiphys.argo.graphs import find_cycles
from tiphys.argo.k8s import container_name_problem
from tiphys.argo.pods import argo_container_problem
from tiphys.dsl._keywords import checked_decorator, checked_init
from tiphys.dsl._location import definition_location, fail, user_location
from tiphys.dsl.artifacts import Artifact
from tiphys.dsl.container import (
    OutputsArg,
    SymbolicRun,
    artifact_outputs_from,
    outputs_from,
    run_symbolic,
)
from tiphys.dsl.options import Duration, Raw, Resources, Volume, go_duration
from tiphys.dsl.pod import PodOptionsKw, check_named_ports, check_pre_stop, pod_options
from tiphys.dsl.probes import PreStop
from tiphys.dsl.refs import Ref
from tiphys.dsl.template import Output, Template
from tiphys.errors import Location, did_you_mean

__all__ = ["MAIN", "ContainerNode", "ContainerSetTemplate", "container_set"]

P = ParamSpec("P")

MAIN = "main"
"""The container whose outputs and standard output are the template's."""


@checked_init
@dataclass(eq=False)
class ContainerNode:
    """One container of a ``@container_set`` (``containerSet.containers[]``).

    Create the nodes inside the decorated body and return them; ``args`` (and ``env`` values)
    may use the body's parameters in f-strings.

    Attributes:
        name: Container name (a DNS-1123 label: lower-case letters, digits, ``-``, at most 63).
            Name one ``main`` to give the template outputs.
        image: Container image (``image``).
        args: Arguments (``args``), strings built from the parameters; ``None`` for the image's.
        command: Entry point (``command``); ``None`` for the image's.
        dependencies: Containers that must succeed before this one starts: other nodes of the
            same body, or their names (``dependencies``).
        env: Environment variables by name: constants, :class:`~tiphys.dsl.options.Secret`,
            :class:`~tiphys.dsl.options.ConfigMap` or text built from parameters (``env``).
        resources: :class:`~tiphys.dsl.options.Resources` or a raw dict (``resources``); the
            pod requests the sum of its containers'.
        working_dir: ``workingDir``.
        image_pull_policy: ``Always``, ``IfNotPresent`` or ``Never`` (``imagePullPolicy``).
        ports: Ports the container listens on (``ports``): numbers or raw ``ContainerPort``
            dicts.
        pre_stop: :class:`~tiphys.dsl.pod.PreStop` hook (``lifecycle.preStop``); a sleep must
            be shorter than the template's ``termination_grace_period`` (default 30 s).
        security_context: The container's raw ``securityContext``.
        location: Where the node was created.

    Raises:
        CompileError: ``C109`` for an invalid name, ``C117`` for another bad value.
    """

    name: str
    image: str
    args: Sequence[Any] | None = None
    command: Sequence[str] | None = None
    dependencies: Sequence[ContainerNode | str] = ()
    env: Mapping[str, Any] = field(default_factory=dict)
    resources: Resources | Raw | None = None
    working_dir: str | None = None
    image_pull_policy: str | None = None
    ports: Sequence[int | Raw] = ()
    pre_stop: PreStop | None = None
    security_context: Raw | None = None
    location: Location = field(default_factory=user_location, repr=False)

    def __post_init__(self) -> None:
        where = self.location
        if not isinstance(self.name, str):
            raise fail("C109", f"ContainerNode name must be a string, not {self.name!r}", where)
        problem = container_name_problem(self.name)
        if problem:
            raise fail("C109", f"ContainerNode name {problem}", where)
        if not isinstance(self.image, str) or not self.image:
            raise fail("C117", f"ContainerNode {self.name!r} needs an image", where)
        for what in ("args", "command"):
            value = getattr(self, what)
            if value is not None and (
                isinstance(value, str)
                or not isinstance(value, Sequence)
                or not all(isinstance(v, str | Ref) for v in value)
            ):
                raise fail(
                    "C117",
                    f"ContainerNode {self.name!r}: {what} must be a list of strings, not {value!r}",
                    where,
                )
        if isinstance(self.dependencies, str | ContainerNode) or not all(
            isinstance(d, str | ContainerNode) for d in self.dependencies
        ):
            raise fail(
                "C117",
                f"ContainerNode {self.name!r}: dependencies must be a list of ContainerNode "
                f"objects or container names, not {self.dependencies!r}",
                where,
            )
        if self.pre_stop is not None and not isinstance(self.pre_stop, PreStop):
            raise fail(
                "C117",
                f"ContainerNode {self.name!r}: pre_stop must be a PreStop, not {self.pre_stop!r}",
                where,
            )
        check_named_ports(self.ports, {"pre_stop": self.pre_stop}, where)

    def __repr__(self) -> str:
        return f"<ContainerNode {self.name!r}>"

    def dependency_names(self) -> list[str]:
        """The names of the containers this one waits for, in the given order."""
        return [d.name if isinstance(d, ContainerNode) else d for d in self.dependencies]


def _check_graph(nodes: list[ContainerNode], template: str) -> None:
    """Unique names, known dependencies (returned nodes, or names of them), no cycles."""
    by_name: dict[str, ContainerNode] = {}
    for node in nodes:
        if node.name in by_name:
            raise fail(
                "C131",
                f"@container_set {template!r} has two containers named {node.name!r} (the "
                f"other at {by_name[node.name].location}); container names must be unique",
                node.location,
            )
        clash = argo_container_problem(node.name)
        if clash:
            raise fail(
                "C131",
                f"@container_set {template!r}: container {node.name!r} {clash}",
                node.location,
            )
        by_name[node.name] = node
    for node in nodes:
        for dep in node.dependencies:
            if isinstance(dep, ContainerNode) and by_name.get(dep.name) is not dep:
                raise fail(
                    "C131",
                    f"container {node.name!r} depends on container {dep.name!r}, which the body "
                    f"of @container_set {template!r} does not return: return it too",
                    node.location,
                )
            name = dep if isinstance(dep, str) else dep.name
            if name not in by_name:
                raise fail(
                    "C131",
                    f"container {node.name!r} depends on {name!r}, which is not a container of "
                    f"@container_set {template!r} (containers: {', '.join(by_name)})."
                    f"{did_you_mean(name, list(by_name))}",
                    node.location,
                )
            if name == node.name:
                raise fail("C131", f"container {node.name!r} depends on itself", node.location)
    _check_cycles(nodes, by_name)


def _check_cycles(nodes: list[ContainerNode], by_name: Mapping[str, ContainerNode]) -> None:
    names = [node.name for node in nodes]
    for cycle in find_cycles(names, lambda name: by_name[name].dependency_names()):
        raise fail(
            "C131",
            f"container dependency cycle: {' -> '.join(cycle)}; these containers would wait for "
            "each other forever: remove one of these dependencies",
            by_name[cycle[-1]].location,
        )


class ContainerSetTemplate(Template[P, str]):
    """A ``containerSet`` template; see :func:`container_set`.

    Attributes:
        volume_mounts: Volumes mounted in every container (``containerSet.volumeMounts``).
        retries: Retries of a failed container inside the pod (``retryStrategy.retries``).
        retry_duration: Go duration between those retries (``retryStrategy.duration``).
        settings: Pod settings (``termination_grace_period``).
    """

    kind = "containerSet"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        volume_mounts: Sequence[Volume],
        retries: int | None,
        retry_duration: Duration | None,
        outputs: OutputsArg,
        name: str | None,
        options: PodOptionsKw,
    ) -> None:
        where = definition_location(fn)
        common, self.settings = pod_options(options, where, container=False)
        for key in ("env", "resources"):
            if getattr(common, key):
                raise fail(
                    "C117",
                    f"@container_set takes {key}= per container: pass it to each ContainerNode",
                    where,
                )
        mounts = list(volume_mounts)
        if not all(isinstance(v, Volume) for v in mounts):
            raise fail("C117", "volume_mounts takes Volume objects", where)
        names = {v.name for v in mounts}
        mounts += [v for v in common.volumes if v.name not in names]
        common.volumes = mounts  # the workflow declares the volumes its templates mount
        super().__init__(fn, name=name, options=common)
        self.volume_mounts = mounts
        if retries is not None and (
            not isinstance(retries, int) or isinstance(retries, bool) or retries < 0
        ):
            raise fail("C117", f"retries must be an integer >= 0, not {retries!r}", where)
        if retry_duration is not None and retries is None:
            raise fail(
                "C117", "retry_duration needs retries= (containerSet.retryStrategy.retries)", where
            )
        self.retries = retries
        self.retry_duration = (
            go_duration(retry_duration, "retry_duration", where)
            if retry_duration is not None
            else None
        )
        self._outputs = outputs_from(outputs, self.name, self.location)
        self._artifacts = artifact_outputs_from(outputs, self.name, self.location)
        self._nodes: tuple[list[ContainerNode], SymbolicRun] | None = None

    @property
    def outputs(self) -> dict[str, Output]:
        """Declared output parameters (``outputs=``), read from the ``main`` container."""
        return self._outputs

    @property
    def output_artifacts(self) -> dict[str, Artifact]:
        """Declared output artifacts (``outputs=``), read from the ``main`` container."""
        return self._artifacts

    @property
    def result_type(self) -> Any:
        """The standard output of the ``main`` container, a string.

        Raises:
            CompileError: ``C132`` when no container is named ``main`` (Argo then has no
                result for the template).
        """
        if not self.has_main():
            raise fail(
                "C132",
                f"@container_set {self.name!r} has no container named {MAIN!r}, and its result "
                f"is the standard output of that container: name one ContainerNode {MAIN!r}",
            )
        return str

    def has_main(self) -> bool:
        """True when one of the containers is named ``main``."""
        return any(n.name == MAIN for n in self.nodes()[0])

    def nodes(self) -> tuple[list[ContainerNode], SymbolicRun]:
        """Run the body symbolically (once) and check the containers it returns.

        Returns:
            The containers, in the order returned, and the symbolic run (its refs resolve
            the markers in the containers' strings).

        Raises:
            CompileError: ``C131`` for a body that returns no containers, duplicate names,
                unknown dependencies or a cycle; ``C134`` for a pre-stop sleep that does not
                fit in the grace period.
        """
        if self._nodes is not None:
            return self._nodes
        run = run_symbolic(self)
        value = run.value
        if isinstance(value, ContainerNode):
            value = [value]
        if (
            not isinstance(value, list | tuple)
            or not value
            or not all(isinstance(v, ContainerNode) for v in value)
        ):
            raise fail(
                "C131",
                f"@container_set {self.name!r} must return its containers as a list of "
                f"ContainerNode objects, not {value!r}",
                self.location,
            )
        nodes = list(value)
        _check_graph(nodes, self.name)
        for node in nodes:
            check_pre_stop(node.pre_stop, self.settings.grace_period, self.settings.grace_source)
        self._nodes = (nodes, run)
        return self._nodes


@checked_decorator
def container_set(
    *,
    volume_mounts: Sequence[Volume] = (),
    retries: int | None = None,
    retry_duration: Duration | None = None,
    outputs: OutputsArg = None,
    name: str | None = None,
    **options: Unpack[PodOptionsKw],
) -> Callable[[Callable[P, Any]], ContainerSetTemplate[P]]:
    """Make a ``containerSet`` template: containers in one pod, from a body returning them.

    The body runs once at compile time with symbolic parameters (f-strings build Argo text) and
    returns a list of :class:`ContainerNode`. Containers run in dependency order in a single
    pod (cheaper and faster than one pod per step; the pod requests the sum of the containers'
    resources) and share its volumes.

    Args:
        volume_mounts: :class:`~tiphys.dsl.options.Volume` objects mounted in every container
            (``containerSet.volumeMounts``); the workflow declares them. ``volumes=`` does the
            same.
        retries: Retry a failed container this many times inside the pod
            (``containerSet.retryStrategy.retries``); the template-level ``retry=`` re-runs
            the whole pod instead.
        retry_duration: Wait between those retries (``retryStrategy.duration``, written as a
            Go duration; seconds or ``"10s"``).
        outputs: Output parameters read from the ``main`` container: ``{"name": "/path"}``
            or a list of :class:`~tiphys.dsl.template.Output`, and output artifacts
            (:class:`~tiphys.dsl.artifacts.Artifact` items of that list).
        name: Template name; default: the function name in kebab case.
        **options: Common template options (:class:`~tiphys.dsl.options.TemplateOptionsKw`,
            e.g. ``inline=True``, but ``env`` and ``resources`` go on each container) and
            ``termination_grace_period`` (:class:`~tiphys.dsl.pod.PodOptionsKw`).

    Returns:
        A decorator producing a :class:`ContainerSetTemplate`; calling it in a ``@dag`` returns
        a ``Task[str]`` whose ``result`` is the ``main`` container's standard output.

    Raises:
        CompileError: ``C117`` for bad option values, located at the function; when compiled,
            ``C131``/``C132``/``C134`` for problems with the containers the body returns.
    """

    def decorate(fn: Callable[P, Any]) -> ContainerSetTemplate[P]:
        return ContainerSetTemplate(
            fn,
            volume_mounts=volume_mounts,
            retries=retries,
            retry_duration=retry_duration,
            outputs=outputs,
            name=name,
            options=options,
        )

    return decorate
