"""Rendering one DSL template to an Argo ``Template`` dict.

One function per template kind renders the kind's own field (``container``, ``script``, ``dag``,
``steps``); the fields every kind shares (inputs, outputs, pod metadata, retry, scheduling...)
are rendered once by :func:`common_fields`. Later kinds register in :data:`KIND_RENDERERS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from tiphys.compile.artifacts import input_artifacts_field, output_artifacts_field
from tiphys.compile.graph import TemplateNamer, render_dag, render_steps
from tiphys.compile.pod import container_settings, template_settings
from tiphys.compile.render import RefRenderer, split_markers
from tiphys.compile.script_source import python_source
from tiphys.compile.shell import expand_shell
from tiphys.dsl.artifacts import InputArtifactRef, archive_location_argo
from tiphys.dsl.container import ContainerTemplate
from tiphys.dsl.operations import operations_fields
from tiphys.dsl.options import (
    ConfigMap,
    Resources,
    Retry,
    Secret,
    TemplateOptions,
    go_duration,
    seconds,
    tolerations_argo,
)
from tiphys.dsl.params import MISSING, param_value
from tiphys.dsl.raw_script import RawScriptTemplate
from tiphys.dsl.refs import InputRef, Ref
from tiphys.dsl.script import ENV_PREFIX, ScriptTemplate
from tiphys.dsl.template import Template
from tiphys.errors import Location


def deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into ``base`` (a new dict): dicts merge key by key, other values
    replace, ``None`` removes the key.

    Args:
        base: The emitted object.
        patch: The user's raw ``patch={...}``.

    Returns:
        The merged object.
    """
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def env_list(env: Mapping[str, Any], where: Location) -> list[dict[str, Any]]:
    """Render ``env=`` as a container ``env`` list.

    Args:
        env: Values by variable name: constants, :class:`Secret`, :class:`ConfigMap`.
        where: Location for errors.

    Returns:
        ``[{"name", "value"} | {"name", "valueFrom"}]`` in the given order.
    """
    out: list[dict[str, Any]] = []
    for name, value in env.items():
        if isinstance(value, Secret | ConfigMap):
            out.append({"name": name, "valueFrom": value.to_argo()})
        else:
            out.append({"name": name, "value": param_value(value)})
    return out


def container_fields(options: TemplateOptions) -> dict[str, Any]:
    """Container settings from options: ``env``, ``resources``, ``volumeMounts``."""
    out: dict[str, Any] = {}
    if options.env:
        out["env"] = env_list(options.env, options.location)
    if options.resources is not None:
        resources = options.resources
        out["resources"] = (
            resources.to_argo() if isinstance(resources, Resources) else dict(resources)
        )
    if options.volumes:
        out["volumeMounts"] = [v.mount_argo() for v in options.volumes]
    return out


def common_fields(options: TemplateOptions, retry: Retry | None = None) -> dict[str, Any]:
    """Template fields shared by every kind, in a fixed order.

    Args:
        options: The template's options.
        retry: A task-level retry that replaces the template's own.

    Returns:
        ``metadata``, ``annotations``, ``retryStrategy``, ``timeout``, ``activeDeadlineSeconds``,
        ``nodeSelector``, ``tolerations``, ``affinity``, ``priorityClassName``,
        ``serviceAccountName``, ``podSpecPatch``, ``securityContext``, ``initContainers``,
        ``sidecars``, ``volumes`` (those declared ``in_template``), ``parallelism``,
        ``archiveLocation``, then the shared operational fields
        (:func:`~tiphys.dsl.operations.operations_fields`: ``synchronization``, ``memoize``,
        ``metrics``...) -- only those that are set.
    """
    where = options.location
    out: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if options.labels:
        metadata["labels"] = dict(options.labels)
    if options.annotations:
        metadata["annotations"] = dict(options.annotations)
    if metadata:
        out["metadata"] = metadata
    if options.node_annotations:
        out["annotations"] = dict(options.node_annotations)
    strategy = retry or options.retry
    if isinstance(strategy, Retry):
        out["retryStrategy"] = strategy.to_argo()
    if options.timeout is not None:
        out["timeout"] = go_duration(options.timeout, "timeout", where)
    if options.active_deadline is not None:
        out["activeDeadlineSeconds"] = seconds(options.active_deadline, "active_deadline", where)
    if options.node_selector:
        out["nodeSelector"] = dict(options.node_selector)
    if options.tolerations:
        out["tolerations"] = tolerations_argo(options.tolerations)
    if options.affinity is not None:
        out["affinity"] = dict(options.affinity)
    if options.priority_class:
        out["priorityClassName"] = options.priority_class
    if options.service_account:
        out["serviceAccountName"] = options.service_account
    if options.pod_spec_patch is not None:
        patch = options.pod_spec_patch
        out["podSpecPatch"] = patch if isinstance(patch, str) else json.dumps(patch)
    if options.security_context is not None:
        out["securityContext"] = dict(options.security_context)
    if options.init_containers:
        out["initContainers"] = [dict(c) for c in options.init_containers]
    if options.sidecars:
        out["sidecars"] = [dict(c) for c in options.sidecars]
    local = {v.name: v.to_argo() for v in options.volumes if v.in_template}
    if local:
        out["volumes"] = list(local.values())
    if options.parallelism is not None:
        out["parallelism"] = options.parallelism
    if options.archive_location is not None:
        out["archiveLocation"] = archive_location_argo(options.archive_location)
    out.update(operations_fields(options, where))
    return out


def inputs_field(template: Template[Any, Any]) -> dict[str, Any]:
    """``inputs.parameters`` from the signature (default, enum, description)."""
    params: list[dict[str, Any]] = []
    for spec in template.inputs:
        param: dict[str, Any] = {"name": spec.name}
        if spec.default is not MISSING:
            param["default"] = param_value(spec.default)
        if spec.value is not None:
            param["value"] = param_value(spec.value)
        if spec.value_from is not None:
            param["valueFrom"] = dict(spec.value_from)
        if spec.enum is not None:
            param["enum"] = [param_value(v) for v in spec.enum]
        if spec.description:
            param["description"] = spec.description
        params.append(param)
    return {"parameters": params} if params else {}


def outputs_field(
    template: Template[Any, Any], valued: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``outputs.parameters``: each output's declared source (``valueFrom.path``,
    ``jsonPath``, ``supplied``...), or ``valueFrom.parameter`` with the rendered values a
    ``@dag``/``@steps`` body returned."""
    valued = valued or {}
    params = [out.to_argo(valued.get(out.name)) for out in template.outputs.values()]
    return {"parameters": params} if params else {}


def _render_container(template: Template[Any, Any]) -> dict[str, Any]:
    template = cast(ContainerTemplate[Any], template)
    run = template.args()
    renderer = RefRenderer(run.scope, None, template.name)
    body: dict[str, Any] = {"image": template.image}
    if template.command is not None:
        body["command"] = list(template.command)
    if run.value is not None:
        body["args"] = [renderer.text(a, template.location) for a in run.value]
    if template.working_dir:
        body["workingDir"] = template.working_dir
    if template.image_pull_policy:
        body["imagePullPolicy"] = template.image_pull_policy
    body.update(container_fields(template.options))
    body.update(container_settings(template.settings))
    return {**template_settings(template.settings), "container": body}


def _input_env(template: Template[Any, Any], names: list[str]) -> list[dict[str, Any]]:
    tags = {s.py_name: f"inputs.parameters.{s.name}" for s in template.inputs}
    tags |= {a.py_name: f"inputs.artifacts.{a.name}.path" for a in template.artifact_inputs}
    return [{"name": ENV_PREFIX + n, "value": "{{" + tags[n] + "}}"} for n in names]


def _render_raw_script(template: RawScriptTemplate) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if template.image is not None:
        body["image"] = template.image
    if template.command is not None:
        body["command"] = list(template.command)
    body["source"] = template.source
    if template.working_dir:
        body["workingDir"] = template.working_dir
    if template.image_pull_policy:
        body["imagePullPolicy"] = template.image_pull_policy
    body.update(container_fields(template.options))
    body.update(container_settings(template.settings))
    return {**template_settings(template.settings), "script": body}


def _render_script(template: Template[Any, Any]) -> dict[str, Any]:
    if isinstance(template, RawScriptTemplate):
        return _render_raw_script(template)
    template = cast(ScriptTemplate[Any, Any], template)
    if template.language == "python":
        source = python_source(template)
        used = [s.py_name for s in template.inputs]
        used += [a.py_name for a in template.artifact_inputs]
    else:
        run = template.shell_source()
        by_name = {s.name: s.py_name for s in template.inputs}
        used = []

        def env_ref(ref: Ref) -> str:
            if isinstance(ref, InputArtifactRef):
                py_name = ref.py_name
            elif isinstance(ref, InputRef):
                py_name = by_name[ref.name]
            else:
                raise TypeError(ref)
            if py_name not in used:
                used.append(py_name)
            return ENV_PREFIX + py_name

        pieces = split_markers(run.value, run.scope, template.location)
        source = expand_shell(pieces, env_ref, template.location, template.name)
    body: dict[str, Any] = {"image": template.image, "command": list(template.command)}
    body["source"] = source
    fields = container_fields(template.options)
    env = _input_env(template, used) + fields.pop("env", [])
    if env:
        body["env"] = env
    body.update(fields)
    body.update(container_settings(template.settings))
    return {**template_settings(template.settings), "script": body}


KindRenderer = Callable[[Template[Any, Any]], dict[str, Any]]
KIND_RENDERERS: dict[str, KindRenderer] = {
    "container": _render_container,
    "script": _render_script,
}


def render_template(
    template: Template[Any, Any],
    name: str,
    task_template: TemplateNamer,
    retry: Retry | None = None,
) -> dict[str, Any]:
    """Render a template to its Argo dict.

    Args:
        template: Any DSL template.
        name: The emitted name (differs from ``template.name`` for task-level retry copies).
        task_template: Gives the emitted template name of a task, or its ``inline`` body
            (``@dag``/``@steps``).
        retry: Task-level retry replacing the template's own ``retryStrategy``.

    Returns:
        The ``Template`` dict: name, inputs, outputs, the kind's field, then common fields;
        ``patch`` merged last.

    Raises:
        CompileError: Any problem in the template's body, located at the user's line.
    """
    out: dict[str, Any] = {"name": name}
    inputs = inputs_field(template)
    input_artifacts = input_artifacts_field(template)
    if input_artifacts:
        inputs["artifacts"] = input_artifacts
    if inputs:
        out["inputs"] = inputs
    valued: dict[str, str] | None = None
    if template.kind == "dag":
        body, valued = render_dag(template, task_template)
    elif template.kind == "steps":
        body, valued = render_steps(template, task_template)
    else:
        body = KIND_RENDERERS[template.kind](template)
    outputs = outputs_field(template, valued)
    output_artifacts = output_artifacts_field(template, valued)
    if output_artifacts:
        outputs["artifacts"] = output_artifacts
    if outputs:
        out["outputs"] = outputs
    common = common_fields(template.options, retry)
    metadata = common.pop("metadata", None)
    if metadata:
        out["metadata"] = metadata
    out.update(body)
    out.update(common)
    if template.options.patch:
        out = deep_merge(out, template.options.patch)
    return out


# Kinds rendered in modules of their own register themselves in KIND_RENDERERS when imported;
# they use the helpers above, so they are imported last.
from tiphys.compile import container_set as _container_set  # noqa: E402, F401
from tiphys.compile import kinds as _kinds  # noqa: E402, F401
