"""Rendering the template kinds without a container of the user's: ``http``, ``suspend``,
``data``, ``resource`` and ``plugin``.

Each function renders its kind's own field; :func:`tiphys.compile.templates.render_template`
adds the fields every kind shares. Importing this module registers the functions in
:data:`tiphys.compile.templates.KIND_RENDERERS` (``templates`` imports it last).
"""

from __future__ import annotations

from typing import Any, cast

from tiphys.compile.json_expr import check_json, json_tag, yaml_text
from tiphys.compile.render import RefRenderer
from tiphys.compile.templates import KIND_RENDERERS
from tiphys.dsl.data import DataTemplate
from tiphys.dsl.fields import FieldText, render_fields, render_fields_in
from tiphys.dsl.http import HttpTemplate
from tiphys.dsl.options import Secret
from tiphys.dsl.params import base_type
from tiphys.dsl.plugin import PluginTemplate
from tiphys.dsl.refs import Ref
from tiphys.dsl.resource import ResourceTemplate
from tiphys.dsl.suspend import SuspendTemplate
from tiphys.dsl.template import Template

JSON_CONTENT_TYPE = "application/json"


def _argo_names(template: Template[Any, Any]) -> dict[str, str]:
    return {spec.py_name: spec.name for spec in template.inputs}


def _text(text: FieldText, template: Template[Any, Any]) -> str:
    return render_fields(text, _argo_names(template))


def render_http(template: Template[Any, Any]) -> dict[str, Any]:
    """The ``http`` field: method, url, headers, body, successCondition, timeoutSeconds."""
    t = cast(HttpTemplate[Any], template)
    run = t.body()
    renderer = RefRenderer(run.scope, None, t.name)
    value = run.value
    body: str | None = None
    is_json = False
    if isinstance(value, dict | list | tuple):
        body = json_tag(value, renderer, f"the body of @http {t.name!r}", t.location)
        is_json = True
    elif value is not None:
        body = renderer.text(value, t.location)
        is_json = isinstance(value, Ref) and base_type(value.type) in (list, dict)
    headers: list[dict[str, Any]] = []
    for name, header in t.headers:
        if isinstance(header, Secret):
            headers.append({"name": name, "valueFrom": header.to_argo()})
        else:
            headers.append({"name": name, "value": _text(header, t)})
    if is_json and not any(name.lower() == "content-type" for name, _ in t.headers):
        headers.append({"name": "Content-Type", "value": JSON_CONTENT_TYPE})
    out: dict[str, Any] = {"method": t.method, "url": _text(t.url, t)}
    if headers:
        out["headers"] = headers
    if body is not None:
        out["body"] = body
    if t.success is not None:
        out["successCondition"] = t.success
    if t.timeout is not None:
        out["timeoutSeconds"] = t.timeout
    if t.insecure_skip_verify:
        out["insecureSkipVerify"] = True
    return {"http": out}


def render_suspend(template: Template[Any, Any]) -> dict[str, Any]:
    """The ``suspend`` field: ``{}`` or ``{duration}``."""
    t = cast(SuspendTemplate[Any], template)
    return {"suspend": {"duration": t.duration} if t.duration is not None else {}}


def render_data(template: Template[Any, Any]) -> dict[str, Any]:
    """The ``data`` field: ``source.artifactPaths`` and ``transformation``."""
    t = cast(DataTemplate[Any], template)
    return {
        "data": {
            "source": {"artifactPaths": render_fields_in(t.source_fields, _argo_names(t))},
            "transformation": [dict(step) for step in t.transformations],
        }
    }


def render_resource(template: Template[Any, Any]) -> dict[str, Any]:
    """The ``resource`` field: action, mergeStrategy, flags, manifest, conditions."""
    t = cast(ResourceTemplate[Any], template)
    run = t.manifest()
    renderer = RefRenderer(run.scope, None, t.name)
    out: dict[str, Any] = {"action": t.action}
    if t.merge_strategy is not None:
        out["mergeStrategy"] = t.merge_strategy
    if t.flags:
        out["flags"] = [_text(flag, t) for flag in t.flags]
    value = run.value
    if isinstance(value, dict | list | tuple):
        out["manifest"] = yaml_text(
            value, renderer, f"the manifest of @resource {t.name!r}", t.location
        )
    elif value is not None:
        out["manifest"] = renderer.text(value, t.location)
    if t.success is not None:
        out["successCondition"] = _text(t.success, t)
    if t.failure is not None:
        out["failureCondition"] = _text(t.failure, t)
    if t.set_owner_reference:
        out["setOwnerReference"] = True
    return {"resource": out}


def _plain(value: Any, renderer: RefRenderer, template: Template[Any, Any]) -> Any:
    """A plugin configuration value: refs and f-strings become Argo text, the rest stays."""
    if isinstance(value, Ref | str):
        return renderer.text(value, template.location)
    if isinstance(value, dict):
        return {k: _plain(v, renderer, template) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, renderer, template) for v in value]
    return value


def render_plugin(template: Template[Any, Any]) -> dict[str, Any]:
    """The ``plugin`` field: ``{<plugin name>: <configuration>}``."""
    t = cast(PluginTemplate[Any], template)
    run = t.config()
    renderer = RefRenderer(run.scope, None, t.name)
    check_json(run.value, f"the configuration of @plugin {t.name!r}", t.location)
    return {"plugin": {t.plugin: _plain(run.value, renderer, t)}}


KIND_RENDERERS.update(
    {
        "http": render_http,
        "suspend": render_suspend,
        "data": render_data,
        "resource": render_resource,
        "plugin": render_plugin,
    }
)
