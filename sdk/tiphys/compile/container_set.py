"""Rendering ``@container_set`` templates (``containerSet``); registered in ``KIND_RENDERERS``.

Each :class:`~tiphys.dsl.container_set.ContainerNode` becomes a ``ContainerNode`` (a Kubernetes
container plus ``dependencies``); the markers of the body's parameters in ``args`` and ``env``
become ``{{inputs.parameters.<name>}}``. Argo reads a container set's outputs (and places its
input artifacts) in the container named ``main`` only, so a template with outputs or input
artifacts needs one (``C132``, as Argo's validator requires).
"""

from __future__ import annotations

from typing import Any, cast

from tiphys.compile.pod import container_extras
from tiphys.compile.render import RefRenderer
from tiphys.compile.templates import KIND_RENDERERS
from tiphys.dsl._location import fail
from tiphys.dsl.container_set import MAIN, ContainerNode, ContainerSetTemplate
from tiphys.dsl.options import ConfigMap, Resources, Secret
from tiphys.dsl.template import Template


def _env(node: ContainerNode, renderer: RefRenderer) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, value in node.env.items():
        if isinstance(value, Secret | ConfigMap):
            out.append({"name": name, "valueFrom": value.to_argo()})
        else:
            out.append({"name": name, "value": renderer.text(value, node.location)})
    return out


def _container(node: ContainerNode, renderer: RefRenderer) -> dict[str, Any]:
    out: dict[str, Any] = {"name": node.name, "image": node.image}
    if node.command is not None:
        out["command"] = [renderer.text(c, node.location) for c in node.command]
    if node.args is not None:
        out["args"] = [renderer.text(a, node.location) for a in node.args]
    if node.working_dir:
        out["workingDir"] = node.working_dir
    if node.image_pull_policy:
        out["imagePullPolicy"] = node.image_pull_policy
    if node.env:
        out["env"] = _env(node, renderer)
    if node.resources is not None:
        resources = node.resources
        out["resources"] = (
            resources.to_argo() if isinstance(resources, Resources) else dict(resources)
        )
    out.update(
        container_extras(
            ports=node.ports,
            pre_stop=node.pre_stop,
            security_context=node.security_context,
            location=node.location,
        )
    )
    if node.dependencies:
        out["dependencies"] = node.dependency_names()
    return out


def _check_main(template: ContainerSetTemplate[Any], nodes: list[ContainerNode]) -> None:
    needs = [
        what
        for what, present in (
            ("output parameters", template.outputs),
            ("output artifacts", template.output_artifacts),
            ("input artifacts", template.artifact_inputs),
        )
        if present
    ]
    if needs and all(n.name != MAIN for n in nodes):
        raise fail(
            "C132",
            f"@container_set {template.name!r} has {' and '.join(needs)}, which Argo reads from "
            f"(or places in) the container named {MAIN!r} only, and none of its containers "
            f"({', '.join(n.name for n in nodes)}) is named {MAIN!r}: name one of them {MAIN!r}",
            template.location,
        )


def render_container_set(template: Template[Any, Any]) -> dict[str, Any]:
    """Render a ``@container_set`` template's ``containerSet`` field.

    Args:
        template: A :class:`~tiphys.dsl.container_set.ContainerSetTemplate`.

    Returns:
        ``{"containerSet": {"volumeMounts"?, "containers", "retryStrategy"?}}``.

    Raises:
        CompileError: Problems of the body (``C131``, ``C134``), a misused reference, or
            outputs without a ``main`` container (``C132``).
    """
    container_set = cast(ContainerSetTemplate[Any], template)
    nodes, run = container_set.nodes()
    _check_main(container_set, nodes)
    renderer = RefRenderer(run.scope, None, template.name)
    body: dict[str, Any] = {}
    if container_set.volume_mounts:
        body["volumeMounts"] = [v.mount_argo() for v in container_set.volume_mounts]
    body["containers"] = [_container(n, renderer) for n in nodes]
    if container_set.retries is not None:
        retry: dict[str, Any] = {"retries": container_set.retries}
        if container_set.retry_duration is not None:
            retry["duration"] = container_set.retry_duration
        body["retryStrategy"] = retry
    return {"containerSet": body}


KIND_RENDERERS[ContainerSetTemplate.kind] = render_container_set
