"""The template kinds without a container of the user's: ``http`` -> ``@http``, ``suspend`` ->
``@suspend``, ``data`` -> ``@data``, ``resource`` -> ``@resource``, ``plugin`` -> ``@plugin``.

Texts that tiphys reads as format fields (``url``, header values, resource ``flags`` and
conditions) get ``{param}`` for ``{{inputs.parameters.x}}``; bodies and manifests are returned
by the function, with the parameters formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tiphys.convert.model import DocContext, call
from tiphys.convert.pywriter import literal
from tiphys.convert.templates import Converter, Patcher, TemplateCode, text_code

_TAG = re.compile(r"\{\{inputs\.parameters\.([-a-zA-Z0-9_]+)\}\}")


def field_text(text: Any, names: Mapping[str, str]) -> str | None:
    """A text with ``{param}`` fields for the inputs it names, or None when it holds a lone
    ``{`` or ``}`` that tiphys would read as a field."""
    if not isinstance(text, str):
        return None
    out = _TAG.sub(
        lambda m: "{" + names[m.group(1)] + "}" if m.group(1) in names else m.group(0), text
    )
    rest = re.sub(r"\{\{.*?\}\}|\{[a-zA-Z_][a-zA-Z0-9_]*\}", "", out)
    if "{" in rest or "}" in rest:
        return None
    return out


def convert_http(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``http`` -> ``@http(url, ...)`` whose body returns the request body."""
    body = template["http"]
    names = code.signature.py_names
    code.decorator = ctx.module.use("http")
    url = field_text(body.get("url"), names)
    code.args = [literal(url if url is not None else "")]
    if url is None:
        patcher.put(("http", "url"), body.get("url"))
    if "timeoutSeconds" not in body:
        code.kwargs.append(("timeout", "None"))  # Argo applies none; tiphys's default is 30
    for key, value in body.items():
        if key == "url":
            continue
        if key == "method" and isinstance(value, str):
            code.kwargs.append(("method", literal(value)))
        elif key == "successCondition" and isinstance(value, str):
            code.kwargs.append(("success", literal(value)))
        elif key == "timeoutSeconds" and isinstance(value, int) and not isinstance(value, bool):
            code.kwargs.append(("timeout", literal(value)))
        elif key == "insecureSkipVerify" and isinstance(value, bool):
            if value:
                code.kwargs.append(("insecure_skip_verify", "True"))
        elif key == "body":
            code.body = [f"return {text_code(value, names)}"]
        elif key == "headers" and _headers(ctx, value, names):
            code.kwargs.append(("headers", _headers(ctx, value, names) or ""))
        else:
            patcher.put(("http", key), value)


def _headers(ctx: DocContext, headers: Any, names: Mapping[str, str]) -> str | None:
    if not isinstance(headers, list):
        return None
    items: list[str] = []
    for header in headers:
        if not isinstance(header, Mapping) or not isinstance(header.get("name"), str):
            return None
        if set(header) == {"name", "value"}:
            value = field_text(header["value"], names)
            if value is None:
                return None
            items.append(f"{literal(header['name'])}: {literal(value)}")
            continue
        ref = (
            (header.get("valueFrom") or {}).get("secretKeyRef")
            if set(header)
            == {
                "name",
                "valueFrom",
            }
            else None
        )
        if not isinstance(ref, Mapping) or set(ref) != {"name", "key"}:
            return None
        secret = call(ctx.module.use("Secret"), [literal(ref["name"]), literal(ref["key"])], [])
        items.append(f"{literal(header['name'])}: {secret}")
    return "{" + ", ".join(items) + "}"


def convert_suspend(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``suspend`` -> ``@suspend(duration=...)``."""
    body = template["suspend"]
    code.decorator = ctx.module.use("suspend")
    for key, value in (body or {}).items():
        if key == "duration" and isinstance(value, str | int):
            code.kwargs.append(("duration", literal(value)))
        else:
            patcher.put(("suspend", key), value)


def convert_data(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``data`` -> ``@data(source=..., transformations=[...])``."""
    body = template["data"]
    code.decorator = ctx.module.use("data")
    source = (body.get("source") or {}).get("artifactPaths")
    steps = body.get("transformation")
    if (
        set(body) - {"source", "transformation"}
        or set(body.get("source") or {}) != {"artifactPaths"}
        or not isinstance(source, Mapping)
        or not isinstance(steps, list)
        or not all(isinstance(s, Mapping) and set(s) == {"expression"} for s in steps)
    ):
        code.kwargs += [("source", "{}"), ("transformations", "[]")]
        patcher.put(("data",), body)
        return
    code.kwargs.append(("source", literal(source)))
    code.kwargs.append(("transformations", literal([s["expression"] for s in steps])))


def convert_resource(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``resource`` -> ``@resource(action=..., ...)`` whose body returns the manifest."""
    body = template["resource"]
    names = code.signature.py_names
    code.decorator = ctx.module.use("resource")
    code.kwargs.append(("action", literal(body.get("action", ""))))
    for key, value in body.items():
        if key == "action":
            continue
        if key == "manifest":
            code.body = [f"return {text_code(value, names)}"]
        elif (
            key in ("successCondition", "failureCondition") and field_text(value, names) is not None
        ):
            option = "success" if key == "successCondition" else "failure"
            code.kwargs.append((option, literal(field_text(value, names))))
        elif key == "mergeStrategy" and isinstance(value, str):
            code.kwargs.append(("merge_strategy", literal(value)))
        elif key == "setOwnerReference" and value is True:
            code.kwargs.append(("set_owner_reference", "True"))
        elif (
            key == "flags"
            and isinstance(value, list)
            and all(field_text(f, names) is not None for f in value)
        ):
            code.kwargs.append(("flags", literal([field_text(f, names) for f in value])))
        else:
            patcher.put(("resource", key), value)


def convert_plugin(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``plugin`` -> ``@plugin("name")`` whose body returns the configuration."""
    body = template["plugin"]
    if not isinstance(body, Mapping) or len(body) != 1:
        code.decorator = ctx.module.use("plugin")
        code.args = [literal("plugin")]
        patcher.put(("plugin",), body)
        return
    name, config = next(iter(body.items()))
    code.decorator = ctx.module.use("plugin")
    code.args = [literal(str(name))]
    code.body = [f"return {literal(config)}"]


KIND_CONVERTERS: dict[str, Converter] = {
    "http": convert_http,
    "suspend": convert_suspend,
    "data": convert_data,
    "resource": convert_resource,
    "plugin": convert_plugin,
}
