"""Converting a workflow document's own fields (metadata and spec) to the workflow object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.convert.artifacts import argument_code, artifact_gc_code
from tiphys.convert.model import DocContext, call
from tiphys.convert.ops import operation_option
from tiphys.convert.pywriter import literal
from tiphys.convert.residual import combine
from tiphys.convert.templates import scalar_text, template_defaults_code

KIND_CLASSES = {
    "Workflow": "Workflow",
    "WorkflowTemplate": "WorkflowTemplate",
    "ClusterWorkflowTemplate": "ClusterWorkflowTemplate",
    "CronWorkflow": "CronWorkflow",
}

_CRON = {
    "schedules": "schedules",
    "timezone": "timezone",
    "concurrencyPolicy": "concurrency_policy",
    "startingDeadlineSeconds": "starting_deadline",
    "successfulJobsHistoryLimit": "successful_history",
    "failedJobsHistoryLimit": "failed_history",
    "suspend": "suspend",
    "when": "when",
    "workflowMetadata": "workflow_metadata",
}


def cron_option(key: str, value: Any) -> tuple[str, str] | None:
    """The ``CronWorkflow`` keyword argument for one field of its ``spec``, or None."""
    if key == "schedule" and isinstance(value, str):
        return None  # the deprecated singular form: tiphys writes schedules
    if key == "stopStrategy" and isinstance(value, Mapping) and set(value) == {"expression"}:
        return ("stop_strategy", literal(value["expression"]))
    if key in _CRON:
        return (_CRON[key], literal(value))
    return None


_PLAIN = {
    "serviceAccountName": "service_account",
    "parallelism": "parallelism",
    "priority": "priority",
    "nodeSelector": "node_selector",
    "tolerations": "tolerations",
    "affinity": "affinity",
    "podPriorityClassName": "priority_class",
    "securityContext": "security_context",
    "podMetadata": "pod_metadata",
    "archiveLogs": "archive_logs",
}


def _parameters(ctx: DocContext, params: Any) -> str | None:
    if not isinstance(params, list):
        return None
    items: list[str] = []
    for param in params:
        if not isinstance(param, Mapping) or "name" not in param:
            return None
        if set(param) - {"name", "value", "valueFrom", "enum", "description", "globalName"}:
            return None
        kwargs: list[tuple[str, str]] = []
        args = [literal(str(param["name"]))]
        if "value" in param:
            args.append(literal(scalar_text(param["value"])))
        if "enum" in param:
            kwargs.append(("enum", literal([scalar_text(v) for v in param["enum"]])))
        if "description" in param:
            kwargs.append(("description", literal(scalar_text(param["description"]))))
        if "valueFrom" in param:
            kwargs.append(("value_from", literal(param["valueFrom"])))
        if "globalName" in param:
            kwargs.append(("global_name", literal(param["globalName"])))
        items.append(call(ctx.module.use("Input"), args, kwargs))
    return "[" + ", ".join(items) + "]"


def _arguments_part(
    ctx: DocContext, spec: Mapping[str, Any], part: str, value: Any
) -> tuple[str, str] | None:
    """``parameters=[Input(...)]`` for ``spec.arguments.parameters``; ``arguments={name:
    Artifact(location=...)}`` for ``spec.arguments.artifacts`` that the entrypoint declares."""
    if part == "parameters":
        params = _parameters(ctx, value or [])
        return ("parameters", params) if params is not None else None
    if part != "artifacts" or not isinstance(value, list):
        return None
    entrypoint = spec.get("entrypoint")
    entry = ctx.templates.get(entrypoint) if isinstance(entrypoint, str) else None
    declared = [a.get("name") for a in ((entry or {}).get("inputs") or {}).get("artifacts") or []]
    items: list[str] = []
    for art in value:
        code = argument_code(ctx, art, {})
        if code is None or art["name"] not in declared or code.startswith(("'", '"')):
            return None
        items.append(f"{literal(art['name'])}: {code}")
    return ("arguments", "{" + ", ".join(items) + "}")


def _pod_gc_code(ctx: DocContext, value: Any) -> str | None:
    """``"OnPodSuccess"`` or ``PodGC(strategy, delete_delay=..., label_selector=...)``."""
    if not isinstance(value, Mapping) or not isinstance(value.get("strategy"), str):
        return None
    if set(value) == {"strategy"}:
        return literal(value["strategy"])
    if set(value) - {"strategy", "deleteDelayDuration", "labelSelector"}:
        return None
    kwargs: list[tuple[str, str]] = []
    if "deleteDelayDuration" in value:
        kwargs.append(("delete_delay", literal(value["deleteDelayDuration"])))
    selector = value.get("labelSelector")
    if selector is not None:
        if not isinstance(selector, Mapping) or set(selector) != {"matchLabels"}:
            return None
        kwargs.append(("label_selector", literal(selector["matchLabels"])))
    return call(ctx.module.use("PodGC"), [literal(value["strategy"])], kwargs)


def _hooks_code(ctx: DocContext, hooks: Any) -> str | None:
    """``{"running": Hook(template, expression=..., arguments={...})}``, or None."""
    if not isinstance(hooks, Mapping) or not hooks:
        return None
    items: list[str] = []
    for name, hook in hooks.items():
        if not isinstance(hook, Mapping) or set(hook) - {
            "template",
            "templateRef",
            "expression",
            "arguments",
        }:
            return None
        template = hook.get("template")
        if "templateRef" in hook and template is None:
            template = ctx.ref_of.get(id(hook))
        if template not in ctx.variables:
            return None
        kwargs: list[tuple[str, str]] = []
        if "expression" in hook:
            kwargs.append(("expression", literal(hook["expression"])))
        arguments = hook.get("arguments")
        if arguments is not None:
            params = arguments.get("parameters") if isinstance(arguments, Mapping) else None
            if set(arguments) - {"parameters"} or not isinstance(params, list):
                return None
            if not all(isinstance(p, Mapping) and set(p) == {"name", "value"} for p in params):
                return None
            values = {str(p["name"]): scalar_text(p["value"]) for p in params}
            kwargs.append(("arguments", literal(values)))
        code = call(ctx.module.use("Hook"), [ctx.variables[str(template)]], kwargs)
        items.append(f"{literal(str(name))}: {code}")
    return "{" + ", ".join(items) + "}"


def workflow_code(
    ctx: DocContext,
    doc: Mapping[str, Any],
    variable: str,
    extra_templates: list[str],
) -> str:
    """The workflow object's construction (``name = Workflow(...)``)."""
    kind = str(doc["kind"])
    outer = doc.get("spec") or {}
    cron = kind == "CronWorkflow"
    spec = (outer.get("workflowSpec") or {}) if cron else outer
    patch: dict[str, Any] = {}
    cls = ctx.module.use(KIND_CLASSES.get(kind, "Workflow"))

    def put(keys: tuple[str, ...], value: Any) -> None:
        target = patch
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
        ctx.patched(".".join(keys), ".".join(keys))

    kwargs: list[tuple[str, str]] = []
    args: list[str] = []
    if kind not in KIND_CLASSES:
        put(("kind",), kind)
    for key, value in doc.items():
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            put((key,), value)
    if doc.get("apiVersion") != "argoproj.io/v1alpha1":
        put(("apiVersion",), doc.get("apiVersion"))
    meta = doc.get("metadata") or {}
    for key, value in meta.items():
        if key == "name" and isinstance(value, str) and cron:
            args.append(literal(value))
        elif key == "name" and isinstance(value, str):
            kwargs.append(("name", literal(value)))
        elif key == "generateName" and isinstance(value, str) and not cron:
            kwargs.append(("generate_name", literal(value)))
        elif key == "namespace" and isinstance(value, str):
            kwargs.append(("namespace", literal(value)))
        elif key in ("labels", "annotations") and isinstance(value, Mapping) and value:
            kwargs.append((key, literal({k: scalar_text(v) for k, v in value.items()})))
        else:
            put(("metadata", key), value)
    if cron:
        for key, value in outer.items():
            if key == "workflowSpec":
                continue
            option = cron_option(key, value)
            if option is None:
                put(("spec", key), value)
            else:
                kwargs.append(option)
    base = ("spec", "workflowSpec") if cron else ("spec",)
    ref = spec.get("workflowTemplateRef")
    if (
        isinstance(ref, Mapping)
        and isinstance(ref.get("name"), str)
        and set(ref) <= {"name", "clusterScope"}
        and ref.get("clusterScope", False) in (True, False)
    ):
        kwargs.append(("from_template", literal(ref["name"])))
        if ref.get("clusterScope"):
            kwargs.append(("cluster_scope", "True"))
        spec = {k: v for k, v in spec.items() if k != "workflowTemplateRef"}
    from_template = any(k == "from_template" for k, _ in kwargs)
    for key, value in spec.items():
        if key == "templates":
            continue
        if key == "entrypoint" and value in ctx.variables:
            kwargs.append(("entrypoint", ctx.variables[value]))
        elif key == "entrypoint" and from_template and isinstance(value, str):
            kwargs.append(("entrypoint", literal(value)))  # overrides the template's
        elif key == "onExit" and value in ctx.variables:
            kwargs.append(("on_exit", ctx.variables[value]))
        elif key == "arguments" and isinstance(value, Mapping):
            for part, part_value in value.items():
                code = _arguments_part(ctx, spec, part, part_value)
                if code is None:
                    put((*base, key, part), part_value)
                else:
                    kwargs.append(code)
        elif (
            key in ("volumes", "volumeClaimTemplates")
            and ctx.volumes is not None
            and (key in ctx.volumes.typed_lists)
        ):
            continue
        elif key == "artifactGC" and artifact_gc_code(ctx, value):
            kwargs.append(("artifact_gc", artifact_gc_code(ctx, value) or ""))
        elif (
            key == "artifactRepositoryRef"
            and isinstance(value, Mapping)
            and value
            and set(value) <= {"configMap", "key"}
        ):
            names = {"configMap": "config_map", "key": "key"}
            ref_kwargs = [(names[k], literal(v)) for k, v in value.items()]
            ref = call(ctx.module.use("ArtifactRepositoryRef"), [], ref_kwargs)
            kwargs.append(("artifact_repository_ref", ref))
        elif key == "templateDefaults" and isinstance(value, Mapping):
            defaults = template_defaults_code(ctx, value)
            if defaults is None:
                put((*base, key), value)
            else:
                kwargs.append(("template_defaults", defaults))
        elif key == "hooks" and _hooks_code(ctx, value):
            kwargs.append(("hooks", _hooks_code(ctx, value) or ""))
        elif operation_option(ctx, key, value, workflow=True) is not None:
            kwargs.append(operation_option(ctx, key, value, workflow=True) or ("", ""))
        elif key in _PLAIN:
            kwargs.append((_PLAIN[key], literal(value)))
        elif key == "activeDeadlineSeconds" and isinstance(value, int):
            kwargs.append(("active_deadline", literal(value)))
        elif (
            key == "ttlStrategy"
            and isinstance(value, Mapping)
            and set(value)
            <= {
                "secondsAfterCompletion",
                "secondsAfterSuccess",
                "secondsAfterFailure",
            }
            and all(isinstance(v, int) for v in value.values())
        ):
            names = {
                "secondsAfterCompletion": "completion",
                "secondsAfterSuccess": "success",
                "secondsAfterFailure": "failure",
            }
            ttl = call(
                ctx.module.use("TTL"), [], [(names[k], literal(v)) for k, v in value.items()]
            )
            kwargs.append(("ttl", ttl))
        elif key == "podGC" and _pod_gc_code(ctx, value):
            kwargs.append(("pod_gc", _pod_gc_code(ctx, value) or ""))
        elif key == "podDisruptionBudget" and isinstance(value, Mapping):
            pdb = value.get("minAvailable")
            kwargs.append(
                (
                    "pdb",
                    literal(
                        pdb if set(value) == {"minAvailable"} and isinstance(pdb, int) else value
                    ),
                )
            )
        else:
            put((*base, key), value)
    entrypoint = spec.get("entrypoint")
    entry = ctx.templates.get(entrypoint) if isinstance(entrypoint, str) else None
    if (
        "arguments" not in spec
        and entry is not None
        and (entry.get("inputs") or {}).get("parameters")
    ):
        # The YAML passes nothing: without parameters=[] tiphys would list the entrypoint's
        # inputs as the workflow's parameters.
        kwargs.append(("parameters", "[]"))
    if ctx.volumes is not None and ctx.volumes.typed_lists:
        typed = [ctx.volumes.variables[n] for n in ctx.volumes.variables]
        kwargs.append(("volumes", "[" + ", ".join(typed) + "]"))
    if extra_templates:
        kwargs.append(("templates", "[" + ", ".join(extra_templates) + "]"))
    extra = ctx.residual.get("")
    if extra:
        patch = combine(patch, extra)
        for key in extra:
            ctx.patched(key, f"{key} (residual)")
    if patch:
        kwargs.append(("patch", literal(patch)))
    return f"{variable} = {call(cls, args, kwargs)}\n"
