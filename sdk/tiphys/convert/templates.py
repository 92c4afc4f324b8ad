"""Converting one Argo template to a decorated function (or a raw ``script(...)`` form).

``container`` -> ``@container`` whose body returns the args (``{{inputs.parameters.x}}`` becomes
the parameter ``x``); ``script`` -> ``script(source=..., ...)``; ``dag``/``steps`` -> ``@dag``/
``@steps`` (bodies in :mod:`tiphys.convert.graph`). Fields with a typed option become keyword
arguments; the rest goes to ``patch=`` and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tiphys.argo.names import kebab
from tiphys.convert.artifacts import artifact_code, artifact_kwargs, output_artifacts_code
from tiphys.convert.model import DocContext, call
from tiphys.convert.ops import operation_option
from tiphys.convert.pod import container_setting
from tiphys.convert.pywriter import Names, fstring, literal
from tiphys.convert.residual import combine

_TAGS = re.compile(
    r"\{\{inputs\.parameters\.([-a-zA-Z0-9_]+)\}\}"
    r"|\{\{inputs\.artifacts\.([-a-zA-Z0-9_]+)\.path\}\}"
    r"|\{\{item(?:\.([a-zA-Z0-9_]+(?:\.[a-zA-Z0-9_]+)*))?\}\}"
)
CALL_NAMES = frozenset({"self", "over"})
"""Names a template's call (``Template.__call__(self, ...)``, ``.map(over, ...)``) takes
itself: a Python parameter never gets them."""
ARTIFACT = "#artifact "  # prefix of input artifact names in a Signature's py_names

# Template fields that map to TemplateOptions keywords, taken as they are.
_PLAIN_OPTIONS = {
    "nodeSelector": "node_selector",
    "tolerations": "tolerations",
    "affinity": "affinity",
    "priorityClassName": "priority_class",
    "serviceAccountName": "service_account",
    "securityContext": "security_context",
    "initContainers": "init_containers",
    "sidecars": "sidecars",
    "parallelism": "parallelism",
    "timeout": "timeout",
}
_CONTAINER_KINDS = ("container", "script", "dag", "steps")


@dataclass
class Signature:
    """The Python parameters of a template: source text and Argo name -> Python name."""

    params: list[str] = field(default_factory=list)
    py_names: dict[str, str] = field(default_factory=dict)


@dataclass
class TemplateCode:
    """What the converter writes for one template.

    Attributes:
        name: The Argo template name.
        variable: The Python variable (function name) holding it.
        kind: ``container``, ``script``, ``dag``, ``steps`` or another kind name.
        signature: Its inputs as Python parameters (empty for the raw script form).
        kwargs: Decorator keyword arguments (source text).
        patch: The ``patch=`` dict.
        body: Lines of the function body (without indentation).
    """

    name: str
    variable: str
    kind: str
    signature: Signature = field(default_factory=Signature)
    kwargs: list[tuple[str, str]] = field(default_factory=list)
    patch: dict[str, Any] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)
    decorator: str = ""
    args: list[str] = field(default_factory=list)
    raw: bool = False
    daemon: bool = False

    def text(self, ctx: DocContext) -> str:
        """The generated code."""
        kwargs = list(self.kwargs)
        if self.patch:
            kwargs.append(("patch", literal(self.patch)))
        if self.raw:
            return f"{self.variable} = {call(self.decorator, [], kwargs)}\n"
        bare = not kwargs and not self.args and self.decorator in ("dag", "steps", "suspend")
        deco = self.decorator if bare else call(self.decorator, self.args, kwargs)
        params = ", ".join(self.signature.params)
        body = self.body or ["pass"]
        lines = [f"@{deco}", f"def {self.variable}({params}):"]
        lines += [f"    {line}" if line else "" for line in body]
        return "\n".join(lines) + "\n"


def scalar_text(value: Any) -> str:
    """A YAML scalar as Argo reads it into a string field (``True`` -> ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def text_code(text: Any, names: Mapping[str, str], *, item: str = "") -> str:
    """Source for a string where ``{{inputs.parameters.x}}`` of known inputs become names.

    Args:
        text: The YAML value (scalars are written as their text).
        names: Argo input name -> Python name of the parameters in scope (input artifacts
            under ``ARTIFACT + name``: ``{{inputs.artifacts.x.path}}`` becomes the name).
        item: Inside a ``.map()``, the name of the loop item (``it``; one no input has):
            ``{{item}}``/``{{item.key}}`` become ``it`` (``it["key"]``) and the value a
            ``lambda it: ...``.

    Returns:
        A string literal, a parameter name, an f-string, or a lambda.
    """
    if not isinstance(text, str):
        return literal(scalar_text(text))
    pieces: list[str | tuple[str]] = []
    last = 0
    uses_item = False
    for match in _TAGS.finditer(text):
        parameter, artifact, keys = match.group(1), match.group(2), match.group(3)
        if match.group(0).startswith("{{item"):
            if not item:
                continue
            piece = item + "".join(f"[{k!r}]" for k in (keys.split(".") if keys else []))
            uses_item = True
        elif parameter is not None and parameter in names:
            piece = names[parameter]
        elif artifact is not None and ARTIFACT + artifact in names:
            piece = names[ARTIFACT + artifact]
        else:
            continue
        if match.start() > last:
            pieces.append(text[last : match.start()])
        pieces.append((piece,))
        last = match.end()
    if last < len(text):
        pieces.append(text[last:])
    # it["key"] cannot sit inside an f-string before Python 3.12: join with + then.
    subscripted = any(isinstance(p, tuple) and "[" in p[0] for p in pieces)
    code = fstring(pieces, concat=subscripted) if pieces else "''"
    return f"lambda {item}: {code}" if uses_item else code


class Patcher:
    """Collects the ``patch=`` dict of one template and reports each field put there."""

    def __init__(self, ctx: DocContext, path: str) -> None:
        self.ctx = ctx
        self.path = path
        self.patch: dict[str, Any] = {}

    def put(self, keys: tuple[str, ...], value: Any, *, report: bool = True) -> None:
        """Patch the field at ``keys`` (relative to the template) with ``value``.

        ``report=False`` for the removal of a stand-in's own field (not a field of the YAML).
        """
        target = self.patch
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
        if report:
            self.ctx.patched(f"{self.path}.{'.'.join(keys)}", "template." + ".".join(keys))


def signature(
    ctx: DocContext, template: Mapping[str, Any], path: str, patcher: Patcher
) -> Signature:
    """Python parameters for ``inputs.parameters`` (order kept; ``*`` when needed)."""
    sig = Signature()
    names = Names(ctx.reserved.get(str(template.get("name")), CALL_NAMES))
    params = (template.get("inputs") or {}).get("parameters") or []
    seen_default = False
    for param in params:
        argo = str(param["name"])
        py = names.take(argo, fallback="param")
        sig.py_names[argo] = py
        meta: list[tuple[str, str]] = []
        if py != argo:
            meta.append(("name", repr(argo)))
        for key, option in (("description", "description"),):
            if key in param:
                meta.append((option, literal(scalar_text(param[key]))))
        base = "str"
        enum = param.get("enum")
        if isinstance(enum, list) and enum:
            # Literal[...] gives the enum; other keys the residual check puts into patch=.
            values = [scalar_text(v) for v in enum]
            base = f"{ctx.module.use('Literal', 'typing')}[{', '.join(literal(v) for v in values)}]"
        if "value" in param:
            meta.append(("value", literal(scalar_text(param["value"]))))
        if "valueFrom" in param:
            meta.append(("value_from", literal(param["valueFrom"])))
        text = py
        if meta:
            ctx.module.use("Annotated", "typing")
            ctx.module.use("Param")
            text += f": Annotated[{base}, {call('Param', [], meta)}]"
        else:
            text += f": {base}"
        if "default" in param:
            text += f" = {literal(scalar_text(param['default']))}"
            seen_default = True
        elif seen_default and "*" not in sig.params:
            sig.params.append("*")
        sig.params.append(text)
    artifacts = (template.get("inputs") or {}).get("artifacts")
    typed = _artifact_params(ctx, artifacts, names) if artifacts else []
    if artifacts and typed is None:
        patcher.put(("inputs", "artifacts"), artifacts)
    for argo, py, text in typed or []:
        sig.py_names[ARTIFACT + argo] = py
        if seen_default and "*" not in sig.params and " = " not in text:
            sig.params.append("*")
        sig.params.append(text)
    extra = [k for k in (template.get("inputs") or {}) if k not in ("parameters", "artifacts")]
    for key in extra:
        patcher.put(("inputs", key), template["inputs"][key])
    return sig


def _artifact_params(
    ctx: DocContext, artifacts: Any, names: Names
) -> list[tuple[str, str, str]] | None:
    """``(argo name, python name, parameter text)`` of each input artifact, or None."""
    if not isinstance(artifacts, list):
        return None
    out: list[tuple[str, str, str]] = []
    for art in artifacts:
        if not isinstance(art, Mapping) or not isinstance(art.get("name"), str):
            return None
        kwargs = artifact_kwargs(art, ctx)
        if kwargs is None:
            return None
        argo = art["name"]
        py = names.take(argo, fallback="artifact")
        cls = ctx.module.use("Artifact")
        args = [literal(argo)] if py != argo else []
        if args or kwargs:
            ctx.module.use("Annotated", "typing")
            text = f"{py}: Annotated[{cls}, {call(cls, args, kwargs)}]"
        else:
            text = f"{py}: {cls}"
        out.append((argo, py, text))
    return out


def _is_duration(value: Any) -> bool:
    from tiphys.argo.durations import DurationError, to_seconds

    try:
        to_seconds(value)
    except (DurationError, TypeError, ValueError):
        return False
    return True


def _tagged(value: Any) -> bool:
    """Text holding an Argo tag, which duration options take as it is."""
    return isinstance(value, str) and "{{" in value


def _integer(value: Any) -> int | None:
    """An int, or the int a string of digits holds (Argo's IntOrString), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _retry_code(ctx: DocContext, retry: Mapping[str, Any]) -> str | None:
    known = {"limit", "retryPolicy", "backoff", "expression"}
    if set(retry) - known or not isinstance(retry, Mapping):
        return None
    limit = _integer(retry.get("limit"))  # IntOrString: "10" is 10
    if limit is None and "limit" in retry:
        return None
    kwargs: list[tuple[str, str]] = []
    if "retryPolicy" in retry:
        kwargs.append(("policy", literal(retry["retryPolicy"])))
    backoff = retry.get("backoff") or {}
    if not isinstance(backoff, Mapping) or set(backoff) - {
        "duration",
        "factor",
        "cap",
        "maxDuration",
    }:
        return None
    for key, option in (
        ("duration", "backoff"),
        ("cap", "max_backoff"),
        ("maxDuration", "max_duration"),
    ):
        if key in backoff:
            kwargs.append((option, literal(backoff[key])))
    if "factor" in backoff:
        factor = _integer(backoff["factor"])
        if factor is None:
            return None
        kwargs.append(("factor", literal(factor)))
    if "expression" in retry:
        kwargs.append(("expression", literal(retry["expression"])))
    ctx.module.use("Retry")
    return call("Retry", [repr(limit)], kwargs)


def common_options(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """Template fields shared by every kind: typed options, or ``patch=``."""
    handled = {"name", "inputs", code.kind, "outputs"}
    for key, value in template.items():
        if key in handled:
            continue
        if key == "timeout" and not _is_duration(value) and not _tagged(value):
            patcher.put((key,), value)
        elif key in _PLAIN_OPTIONS:
            code.kwargs.append((_PLAIN_OPTIONS[key], literal(value)))
        elif key == "activeDeadlineSeconds" and isinstance(value, int):
            code.kwargs.append(("active_deadline", literal(value)))
        elif key == "podSpecPatch" and isinstance(value, str):
            code.kwargs.append(("pod_spec_patch", literal(value)))
        elif (
            key == "metadata"
            and isinstance(value, Mapping)
            and set(value)
            <= {
                "labels",
                "annotations",
            }
        ):
            for sub in ("labels", "annotations"):
                if value.get(sub):
                    code.kwargs.append((sub, literal(value[sub])))
        elif operation_option(ctx, key, value, workflow=False) is not None:
            code.kwargs.append(operation_option(ctx, key, value, workflow=False) or ("", ""))
        elif (
            key == "archiveLocation"
            and isinstance(value, Mapping)
            and set(value) == {"archiveLogs"}
            and isinstance(value["archiveLogs"], bool)
        ):
            archive = call(
                ctx.module.use("ArchiveLocation"),
                [],
                [("archive_logs", repr(value["archiveLogs"]))],
            )
            code.kwargs.append(("archive_location", archive))
        elif (
            key == "annotations"
            and isinstance(value, Mapping)
            and all(isinstance(v, str) for v in value.values())
        ):
            code.kwargs.append(("node_annotations", literal(value)))
        elif (
            key == "volumes" and ctx.volumes is not None and code.name in ctx.volumes.template_lists
        ):
            continue  # Volume(..., in_template=True) in the mounts
        elif key == "failFast" and isinstance(value, bool) and code.kind == "steps":
            code.kwargs.append(("fail_fast", repr(value)))  # a DAG's is dag.failFast
        elif key == "daemon" and value is True and code.kind in ("container", "script"):
            code.kwargs.append(("daemon", "True"))
        elif key == "retryStrategy" and isinstance(value, Mapping) and _retry_code(ctx, value):
            code.kwargs.append(("retry", _retry_code(ctx, value) or ""))
        else:
            patcher.put((key,), value)


class _Collector(Patcher):
    """A :class:`Patcher` that only collects (what it gets is not written, so not reported)."""

    def put(self, keys: tuple[str, ...], value: Any, *, report: bool = True) -> None:
        super().put(keys, value, report=False)


def template_defaults_code(ctx: DocContext, defaults: Mapping[str, Any]) -> str | None:
    """``{"timeout": "30s", "retry": Retry(2), ...}`` for ``spec.templateDefaults`` when every
    field has a typed template option, else None."""
    if not defaults:
        return None
    code = TemplateCode(name="", variable="", kind="templateDefaults")
    collector = _Collector(ctx, "spec.templateDefaults")
    common_options(ctx, defaults, code, collector)
    if collector.patch:
        return None
    return "{" + ", ".join(f"{literal(k)}: {v}" for k, v in code.kwargs) + "}"


_VALUE_FROM = {
    "path": "path",
    "jsonPath": "json_path",
    "jqFilter": "jq_filter",
    "expression": "expression",
    "parameter": "parameter",
    "event": "event",
}
_ARTIFACT_KINDS = ("container", "script", "containerSet")
_OUTPUT_KINDS = ("container", "script", "containerSet", "resource", "http", "data")


def _output_code(ctx: DocContext, param: Any) -> str | None:
    """``Output(name, path=...)`` (or ``json_path=``, ``expression=``...) for one output."""
    if not isinstance(param, Mapping) or not isinstance(param.get("name"), str):
        return None
    if set(param) - {"name", "valueFrom", "globalName", "description"}:
        return None
    vf = param.get("valueFrom") or {}
    if not isinstance(vf, Mapping):
        return None
    kwargs: list[tuple[str, str]] = []
    for key, value in vf.items():
        if key in _VALUE_FROM and isinstance(value, str):
            kwargs.append((_VALUE_FROM[key], literal(value)))
        elif key == "default":
            kwargs.append(("default", literal(scalar_text(value))))
        elif key == "supplied" and value == {}:
            kwargs.append(("supplied", "True"))
        elif (
            key == "configMapKeyRef"
            and isinstance(value, Mapping)
            and set(value) == {"name", "key"}
        ):
            ref = call(
                ctx.module.use("ConfigMap"), [literal(value["name"]), literal(value["key"])], []
            )
            kwargs.append(("config_map", ref))
        else:
            return None
    if "globalName" in param:
        kwargs.append(("global_name", literal(param["globalName"])))
    if "description" in param:
        kwargs.append(("description", literal(param["description"])))
    return call(ctx.module.use("Output"), [literal(param["name"])], kwargs)


def outputs_option(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``outputs.parameters`` -> ``outputs=[Output(...)]``; the rest patched."""
    outputs = template.get("outputs")
    if not outputs:
        return
    if code.kind in ("dag", "steps"):
        graph_returns(ctx, outputs, code, patcher)
        return
    typed: list[str] = []
    for key, value in outputs.items():
        if key == "artifacts" and code.kind in _ARTIFACT_KINDS:
            artifacts = output_artifacts_code(ctx, value)
            if artifacts is not None:
                typed += artifacts
                continue
        if key != "parameters" or code.kind not in _OUTPUT_KINDS or not isinstance(value, list):
            patcher.put(("outputs", key), value)
            continue
        items = [_output_code(ctx, p) for p in value]
        if items and all(items):
            typed = [i or "" for i in items] + typed
        else:
            patcher.put(("outputs", key), value)
    if typed:
        code.kwargs.append(("outputs", "[" + ", ".join(typed) + "]"))


def graph_returns(
    ctx: DocContext, outputs: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """A ``@dag``/``@steps`` template's outputs as the dict its body returns: parameters as
    ``Output(name, expression=...)``/``Output(name, parameter=...)``, artifacts as
    ``Artifact(from_=...)``/``Artifact(from_expression=...)``; the rest patched."""
    returned: list[str] = []
    for key, value in outputs.items():
        items: list[str | None] = []
        if key == "parameters" and isinstance(value, list):
            for param in value:
                vf = param.get("valueFrom") if isinstance(param, Mapping) else None
                sources = [k for k in vf or {} if k in ("expression", "parameter")]
                ok = isinstance(vf, Mapping) and len(sources) == 1
                ok = ok and set(vf or {}) <= {"expression", "parameter", "default"}
                items.append(_output_code(ctx, param) if ok else None)
        elif key == "artifacts" and isinstance(value, list):
            for art in value:
                ok = isinstance(art, Mapping) and len({"from", "fromExpression"} & set(art)) == 1
                items.append(artifact_code(ctx, art) if ok else None)
        if items and all(items):
            returned += [f"{literal(v['name'])}: {i}" for v, i in zip(value, items, strict=True)]
        else:
            patcher.put(("outputs", key), value)
    if returned:
        code.body.append("return {" + ", ".join(returned) + "}")


def _env_code(ctx: DocContext, env: Any) -> str | None:
    if not isinstance(env, list):
        return None
    items: list[str] = []
    for entry in env:
        if not isinstance(entry, Mapping) or "name" not in entry:
            return None
        if set(entry) == {"name", "value"} and isinstance(entry["value"], str):
            items.append(f"{literal(entry['name'])}: {literal(entry['value'])}")
            continue
        source = entry.get("valueFrom")
        if set(entry) == {"name", "valueFrom"} and isinstance(source, Mapping) and len(source) == 1:
            kind, ref = next(iter(source.items()))
            cls = {"secretKeyRef": "Secret", "configMapKeyRef": "ConfigMap"}.get(kind)
            if (
                cls
                and isinstance(ref, Mapping)
                and set(ref) <= {"name", "key", "optional"}
                and {
                    "name",
                    "key",
                }
                <= set(ref)
            ):
                ctx.module.use(cls)
                args = [literal(ref["name"]), literal(ref["key"])]
                opt = [("optional", "True")] if ref.get("optional") is True else []
                if "optional" in ref and ref["optional"] is not True:
                    return None
                items.append(f"{literal(entry['name'])}: {call(cls, args, opt)}")
                continue
        return None
    names = [e["name"] for e in env]
    if len(set(names)) != len(names):
        return None
    return "{" + ", ".join(items) + "}"


def resources_code(ctx: DocContext, value: Mapping[str, Any]) -> str:
    """``Resources(cpu=..., memory=...)`` when that class writes ``value`` exactly (requests
    and limits of cpu, memory, ephemeral storage, GPUs), else the dict as it is."""
    from tiphys.dsl.options import Resources

    requests, limits = value.get("requests") or {}, value.get("limits") or {}
    plain = (
        not set(value) - {"requests", "limits"}
        and isinstance(requests, Mapping)
        and isinstance(limits, Mapping)
        and not set(requests) - {"cpu", "memory", "ephemeral-storage"}
        and not set(limits) - {"cpu", "memory", "nvidia.com/gpu"}
        and all(isinstance(v, str) for v in [*requests.values(), *limits.values()])
    )
    if not plain:
        return literal(value)
    kwargs: dict[str, Any] = {
        "cpu": requests.get("cpu"),
        "memory": requests.get("memory"),
        "ephemeral_storage": requests.get("ephemeral-storage"),
        "cpu_limit": limits.get("cpu"),
    }
    if limits.get("memory") != requests.get("memory"):
        kwargs["memory_limit"] = limits.get("memory")
    gpu = limits.get("nvidia.com/gpu")
    if gpu is not None:
        kwargs["gpu"] = int(gpu) if gpu.isdigit() and gpu[0] != "0" else gpu
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        same = Resources(**kwargs).to_argo() == value
    except Exception:  # a value the class refuses
        same = False
    if not same:
        return literal(value)
    return call(ctx.module.use("Resources"), [], [(k, literal(v)) for k, v in kwargs.items()])


def container_fields(
    ctx: DocContext, body: Mapping[str, Any], code: TemplateCode, patcher: Patcher, kind: str
) -> dict[str, Any]:
    """Container settings with typed options; returns what is left for the caller."""
    rest: dict[str, Any] = {}
    for key, value in body.items():
        if key == "command" and isinstance(value, list):
            code.kwargs.append(("command", literal([scalar_text(v) for v in value])))
        elif key == "workingDir" and isinstance(value, str) and value:
            code.kwargs.append(("working_dir", literal(value)))
        elif key == "imagePullPolicy" and isinstance(value, str) and value:
            code.kwargs.append(("image_pull_policy", literal(value)))
        elif key == "resources" and isinstance(value, Mapping) and value:
            code.kwargs.append(("resources", resources_code(ctx, value)))
        elif key == "volumeMounts" and ctx.volumes is not None and ctx.volumes.mounts(value):
            code.kwargs.append(("volumes", ctx.volumes.mounts(value) or ""))
        elif key == "env" and value and _env_code(ctx, value):
            code.kwargs.append(("env", _env_code(ctx, value) or ""))
        elif key == "readinessProbe" and not code.daemon:
            rest[key] = value  # tiphys takes readiness= only with daemon=True (it has no use else)
        elif container_setting(ctx, key, value) is not None:
            code.kwargs.append(container_setting(ctx, key, value) or ("", ""))
        else:
            rest[key] = value
    return rest


def convert_container(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``container`` -> ``@container`` returning the args."""
    body = template["container"]
    code.decorator = ctx.module.use("container")
    image = body.get("image")
    code.kwargs.append(("image", literal(image if isinstance(image, str) else "")))
    if not isinstance(image, str):
        patcher.put(("container", "image"), image)
    rest = container_fields(
        ctx, {k: v for k, v in body.items() if k != "image"}, code, patcher, "container"
    )
    args = rest.pop("args", None)
    if isinstance(args, list):
        values = [text_code(a, code.signature.py_names) for a in args]
        code.body = [f"return [{', '.join(values)}]"]
    elif args is not None:
        patcher.put(("container", "args"), args)
    for key, value in rest.items():
        patcher.put(("container", key), value)


_NODE_FIELDS = {
    "command": "command",
    "workingDir": "working_dir",
    "imagePullPolicy": "image_pull_policy",
    "resources": "resources",
    "securityContext": "security_context",
}


def _node_code(ctx: DocContext, node: Any, names: Mapping[str, str]) -> str | None:
    """``ContainerNode(...)`` for one container of a ``containerSet``, or None."""
    if not isinstance(node, Mapping) or not isinstance(node.get("name"), str):
        return None
    if not isinstance(node.get("image"), str):
        return None
    kwargs: list[tuple[str, str]] = []
    for key, value in node.items():
        if key in ("name", "image"):
            continue
        if key == "args" and isinstance(value, list):
            kwargs.append(("args", "[" + ", ".join(text_code(a, names) for a in value) + "]"))
        elif (
            key == "dependencies"
            and isinstance(value, list)
            and all(isinstance(d, str) for d in value)
        ):
            kwargs.append(("dependencies", literal(value)))
        elif key == "command" and isinstance(value, list):
            kwargs.append(("command", literal([scalar_text(v) for v in value])))
        elif key in _NODE_FIELDS and key != "command":
            kwargs.append((_NODE_FIELDS[key], literal(value)))
        elif key == "env" and _env_code(ctx, value):
            kwargs.append(("env", _env_code(ctx, value) or ""))
        elif key in ("ports", "lifecycle"):
            setting = container_setting(ctx, key, value)
            if setting is None:
                return None
            kwargs.append(setting)
        else:
            return None
    args = [literal(node["name"]), literal(node["image"])]
    return call(ctx.module.use("ContainerNode"), args, kwargs)


def convert_container_set(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``containerSet`` -> ``@container_set`` returning ``ContainerNode`` objects."""
    body = template["containerSet"]
    nodes = body.get("containers") if isinstance(body, Mapping) else None
    written = [_node_code(ctx, n, code.signature.py_names) for n in nodes or []]
    if not nodes or not all(written) or set(body) - {"containers", "volumeMounts", "retryStrategy"}:
        convert_other(ctx, template, code, patcher)
        return
    code.decorator = ctx.module.use("container_set")
    mounts = body.get("volumeMounts")
    if mounts:
        typed = ctx.volumes.mounts(mounts) if ctx.volumes is not None else None
        if typed:
            code.kwargs.append(("volume_mounts", typed))
        else:
            patcher.put(("containerSet", "volumeMounts"), mounts)
    retry = body.get("retryStrategy")
    if retry is not None:
        if (
            isinstance(retry, Mapping)
            and set(retry) <= {"retries", "duration"}
            and (isinstance(retry.get("retries", 0), int))
        ):
            if "retries" in retry:
                code.kwargs.append(("retries", literal(retry["retries"])))
            if "duration" in retry:
                code.kwargs.append(("retry_duration", literal(retry["duration"])))
        else:
            patcher.put(("containerSet", "retryStrategy"), retry)
    code.body = ["return ["] + [f"    {w}," for w in written] + ["]"]


def convert_script(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """``script`` -> the raw ``script(source=..., ...)`` form."""
    body = template["script"]
    code.decorator = ctx.module.use("script")
    code.raw = True
    code.kwargs.append(("name", literal(code.name)))
    image = body.get("image")
    if isinstance(image, str):
        code.kwargs.append(("image", literal(image)))
    elif image is not None:
        patcher.put(("script", "image"), image)
    source = body.get("source")
    code.kwargs.insert(0, ("source", literal(source if isinstance(source, str) else "")))
    if not isinstance(source, str):
        patcher.put(("script", "source"), source)
    rest = container_fields(
        ctx,
        {k: v for k, v in body.items() if k not in ("image", "source")},
        code,
        patcher,
        "script",
    )
    for key, value in rest.items():
        patcher.put(("script", key), value)
    params = (template.get("inputs") or {}).get("parameters") or []
    if params:
        inputs: list[str] = []
        for param in params:
            kwargs: list[tuple[str, str]] = []
            if "default" in param:
                kwargs.append(("default", literal(scalar_text(param["default"]))))
            for key, option in (("value", "value"), ("description", "description")):
                if key in param:
                    kwargs.append((option, literal(scalar_text(param[key]))))
            if "enum" in param:
                kwargs.append(("enum", literal([scalar_text(v) for v in param["enum"]])))
            if "valueFrom" in param:
                kwargs.append(("value_from", literal(param["valueFrom"])))
            inputs.append(call(ctx.module.use("Input"), [literal(str(param["name"]))], kwargs))
        code.kwargs.append(("inputs", "[" + ", ".join(inputs) + "]"))
    artifacts = (template.get("inputs") or {}).get("artifacts")
    if artifacts:
        items = [artifact_code(ctx, a) for a in artifacts] if isinstance(artifacts, list) else []
        if items and all(items):
            found = [k for k, _ in code.kwargs if k == "inputs"]
            listed = [i or "" for i in items]
            if found:
                code.kwargs = [
                    (k, v[:-1] + ", " + ", ".join(listed) + "]" if k == "inputs" else v)
                    for k, v in code.kwargs
                ]
            else:
                code.kwargs.append(("inputs", "[" + ", ".join(listed) + "]"))
        else:
            patcher.put(("inputs", "artifacts"), artifacts)
    extra = [k for k in (template.get("inputs") or {}) if k not in ("parameters", "artifacts")]
    for key in extra:
        patcher.put(("inputs", key), template["inputs"][key])


def convert_other(
    ctx: DocContext, template: Mapping[str, Any], code: TemplateCode, patcher: Patcher
) -> None:
    """A kind the DSL has no decorator for yet: a ``@container`` stand-in, all in ``patch=``."""
    code.decorator = ctx.module.use("container")
    code.kwargs.append(("image", "''"))
    patcher.put(("container",), None, report=False)
    patcher.put((code.kind,), template[code.kind])


Converter = Callable[[DocContext, Mapping[str, Any], TemplateCode, Patcher], None]


def _kind_converters() -> dict[str, Converter]:
    from tiphys.convert.kinds import KIND_CONVERTERS  # imports this module

    return KIND_CONVERTERS


def template_kind(template: Mapping[str, Any]) -> str:
    """The kind field a template has (``container``, ``dag``...), or ``""``."""
    for kind in (
        "container",
        "script",
        "dag",
        "steps",
        "resource",
        "suspend",
        "http",
        "data",
        "containerSet",
        "plugin",
    ):
        if kind in template:
            return kind
    return ""


def convert_template(
    ctx: DocContext, template: Mapping[str, Any], path: str, body_writer: Converter
) -> TemplateCode:
    """Write one template.

    Args:
        ctx: The document's context.
        template: The template as parsed.
        path: Its field path (``spec.templates[3]``).
        body_writer: Writes ``dag``/``steps`` bodies.

    Returns:
        The code to emit.
    """
    name = str(template["name"])
    kind = template_kind(template)
    code = TemplateCode(name=name, variable=ctx.variables[name], kind=kind or "container")
    patcher = Patcher(ctx, path)
    code.daemon = template.get("daemon") is True
    if kind != "script" or name in ctx.fallback:
        code.signature = signature(ctx, template, path, patcher)
    if name in ctx.fallback and kind not in ("dag", "steps"):
        # The typed form did not compile: a stand-in whose fields are all in patch=.
        code.kind = kind or "container"
        code.decorator = ctx.module.use("container")
        code.kwargs.append(("image", "''"))
        if kind != "container":
            patcher.put(("container",), None, report=False)
        for key, value in template.items():
            if key not in ("name", "inputs", "outputs"):
                patcher.put((key,), value)
    elif kind == "container":
        convert_container(ctx, template, code, patcher)
    elif kind == "script":
        convert_script(ctx, template, code, patcher)
    elif kind in ("dag", "steps"):
        body_writer(ctx, template, code, patcher)
    elif kind == "containerSet":
        code.kind = kind
        convert_container_set(ctx, template, code, patcher)
    elif kind in _kind_converters():
        code.kind = kind
        _kind_converters()[kind](ctx, template, code, patcher)
    else:
        code.kind = kind or "container"
        if kind:
            convert_other(ctx, template, code, patcher)
        else:
            code.decorator = ctx.module.use("container")
            code.kwargs.append(("image", "''"))
            patcher.put(("container",), None, report=False)
    if not code.raw and kebab(code.variable) != name and name not in ctx.inline:
        code.kwargs.insert(0, ("name", literal(name)))
    if name in ctx.inline:
        code.kwargs.append(("inline", "True"))
    if name not in ctx.fallback or kind in ("dag", "steps"):
        outputs_option(ctx, template, code, patcher)
        common_options(ctx, template, code, patcher)
    extra = ctx.residual.get(name)
    code.patch = combine(patcher.patch, extra) if extra else patcher.patch
    if extra:
        for key in extra:
            ctx.patched(f"{path}.{key}", f"template.{key} (residual)")
    return code
