"""The variables Argo substitutes into a template, built from plain workflow dicts.

Pure functions (no I/O except :class:`~tiphys.local.store.LocalStore` lookups) that the local
engine calls to build the flat substitution maps Argo's controller builds:

* :func:`workflow_scope`: the global ``workflow.*`` variables (``operator.go``
  ``setGlobalParameters``);
* :func:`resolve_inputs` and :func:`input_scope`: a template's inputs from its caller's
  arguments (``workflow/common/util.go`` ``ProcessArgs`` / ``substituteParams``);
* :func:`node_scope`: ``steps.X.*`` / ``tasks.X.*`` of a finished node (``operator.go``
  ``buildLocalScope`` / ``addOutputsToLocalScope``);
* :func:`template_outputs`: the outputs of a steps or DAG template (``operator.go``
  ``getTemplateOutputsFromScope``, ``scope.go`` ``resolveParameter`` / ``resolveArtifact``);
* :func:`failures_value` (``workflow.failures``) and :func:`retry_scope` (``retries``,
  ``lastRetry.*``).

Loops (``withItems``/``withParam``/``withSequence``) and their aggregated outputs are in
:mod:`tiphys.local.loops`.

Every value in a scope is a string, as Argo pastes it, except ``*.outputs.artifacts.X``, which
is the artifact dict (for an argument's ``from``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from tiphys.argo import exprlang, nodes, substitute
from tiphys.errors import TiphysError

__all__ = [
    "ConfigMapSource",
    "ScopeError",
    "failures_value",
    "input_scope",
    "node_scope",
    "param_list_json",
    "resolve_artifact",
    "resolve_inputs",
    "resolve_var",
    "retry_scope",
    "rfc3339",
    "template_outputs",
    "workflow_scope",
]


class ScopeError(TiphysError):
    """A variable, input or output cannot be resolved; the message is Argo's controller's."""


class ConfigMapSource(Protocol):
    """What :func:`resolve_inputs` needs of :class:`~tiphys.local.store.LocalStore`."""

    def configmap(self, name: str, key: str, *, optional: bool = False) -> str | None:
        """The value of ``key`` in ConfigMap ``name`` (``None`` when optional and missing)."""
        ...


# --- helpers ---------------------------------------------------------------------------------


def rfc3339(moment: datetime) -> str:
    """A time as Argo writes it: RFC3339 in UTC with whole seconds (``2026-11-30T01:02:03Z``).

    Args:
        moment: An aware datetime (a naive one is taken as UTC).

    Returns:
        The text.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _any_string(value: Any) -> str:
    """Argo's ``AnyString``: a parameter value given as a YAML number or bool is its text."""
    if isinstance(value, str):
        return value
    return exprlang.go_json(value)


# Go struct field order of wfv1.Parameter and wfv1.ValueFrom: (name, kind) where kind is
# "req" (always written), "ptr" (omitted only when absent: `value: ""` is written), "str"
# (omitted when empty) or a nested order.
_CM_REF_FIELDS = (("name", "str"), ("key", "req"), ("optional", "ptr"))
_VALUE_FROM_FIELDS = (
    ("path", "str"),
    ("jsonPath", "str"),
    ("jqFilter", "str"),
    ("event", "str"),
    ("parameter", "str"),
    ("supplied", "ptr"),
    ("configMapKeyRef", _CM_REF_FIELDS),
    ("default", "any"),
    ("expression", "str"),
)
_PARAM_FIELDS = (
    ("name", "req"),
    ("default", "any"),
    ("value", "any"),
    ("valueFrom", _VALUE_FROM_FIELDS),
    ("globalName", "str"),
    ("enum", "enum"),
    ("description", "any"),
)


def _struct_json(obj: Mapping[str, Any], fields: Sequence[tuple[str, Any]]) -> str:
    parts = []
    for name, kind in fields:
        value = obj.get(name)
        if kind == "req":
            text = exprlang.go_json("" if value is None else value)
        elif value is None:
            continue
        elif kind == "any":  # *AnyString: a number or bool is written as its text
            text = exprlang.go_json(_any_string(value))
        elif kind == "str":
            if value == "":
                continue
            text = exprlang.go_json(value)
        elif kind == "enum":
            if not value:
                continue
            text = exprlang.go_json([_any_string(v) for v in value])
        elif kind == "ptr":
            text = exprlang.go_json(value)
        else:
            text = _struct_json(value, kind)
        parts.append(exprlang.go_json(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


def param_list_json(params: Sequence[Mapping[str, Any]]) -> str:
    """Go's ``json.Marshal`` of a ``[]Parameter`` (``{{inputs.parameters}}``,
    ``{{workflow.parameters}}``): fields in struct order, values as strings.

    Args:
        params: Parameter dicts.

    Returns:
        The JSON text (``null`` for no parameters, as Go marshals a nil slice).
    """
    if not params:
        return "null"
    return "[" + ",".join(_struct_json(p, _PARAM_FIELDS) for p in params) + "]"


# --- workflow.* -------------------------------------------------------------------------------

# github.com/argoproj/pkg/strftime: the letters Argo exposes as workflow.creationTimestamp.<c>.
_STRFTIME_LETTERS = "aAbBcCdDeFHIjklmMnprRStTuUVwWxXyYzZ"


def _strftime(letter: str, moment: datetime) -> str:
    fixed = {
        "C": f"{moment.year // 100:02d}",
        "D": moment.strftime("%m/%d/%y"),
        "e": f"{moment.day:2d}",
        "F": moment.strftime("%Y-%m-%d"),
        "k": f"{moment.hour:2d}",
        "l": f"{(moment.hour % 12) or 12:2d}",
        "n": "\n",
        "r": moment.strftime("%I:%M:%S %p"),
        "R": moment.strftime("%H:%M"),
        "t": "\t",
        "T": moment.strftime("%H:%M:%S"),
        "u": str(moment.isoweekday()),
        "V": f"{moment.isocalendar()[1]:02d}",
        "c": moment.strftime("%a %b ") + f"{moment.day:2d}" + moment.strftime(" %H:%M:%S %Y"),
        "x": moment.strftime("%m/%d/%y"),
        "X": moment.strftime("%H:%M:%S"),
        "z": moment.strftime("%z") or "+0000",
        "Z": moment.tzname() or "UTC",
    }
    if letter in fixed:
        return fixed[letter]
    return moment.strftime("%" + letter)


def workflow_scope(
    workflow: Mapping[str, Any],
    *,
    now: datetime,
    store: ConfigMapSource | None = None,
) -> dict[str, Any]:
    """The global variables of a workflow, as Argo's ``setGlobalParameters`` sets them.

    Args:
        workflow: The Workflow (``metadata``, ``spec``, optional ``status``).
        now: The current time, for ``workflow.duration`` (from ``status.startedAt``).
        store: ConfigMaps for ``spec.arguments.parameters[].valueFrom.configMapKeyRef``.
            Defaults to none (such a parameter is then an error).

    Returns:
        ``workflow.name``, ``.namespace``, ``.uid``, ``.mainEntrypoint``,
        ``.serviceAccountName``, ``.priority`` (when set), ``.creationTimestamp`` (RFC3339) and
        ``.creationTimestamp.<strftime letter>`` / ``.s`` / ``.RFC3339``, ``.scheduledTime``
        (cron workflows), ``.parameters`` / ``.parameters.json`` (the JSON list),
        ``.parameters.X``, ``.labels`` / ``.labels.json`` / ``.labels.X``, the same for
        ``annotations``, ``.outputs.parameters.X`` (from ``status.outputs``), ``.status``
        (``status.phase``, ``""`` before it has one) and ``.duration`` (seconds, ``%f``; 0
        before ``status.startedAt``).

    Raises:
        ScopeError: A parameter has neither value nor valueFrom, or its ConfigMap lookup fails.
    """
    meta = workflow.get("metadata") or {}
    spec = workflow.get("spec") or {}
    status = workflow.get("status") or {}
    created = _parse_time(meta.get("creationTimestamp")) or now
    scope: dict[str, Any] = {
        "workflow.name": str(meta.get("name") or ""),
        "workflow.namespace": str(meta.get("namespace") or ""),
        "workflow.mainEntrypoint": str(spec.get("entrypoint") or ""),
        "workflow.serviceAccountName": str(spec.get("serviceAccountName") or ""),
        "workflow.uid": str(meta.get("uid") or ""),
        "workflow.creationTimestamp": rfc3339(created),
    }
    annotations = meta.get("annotations") or {}
    scheduled = annotations.get("workflows.argoproj.io/scheduled-time")
    if scheduled is not None:
        scope["workflow.scheduledTime"] = str(scheduled)
    if spec.get("priority") is not None:
        scope["workflow.priority"] = str(int(spec["priority"]))
    created_utc = created.astimezone(UTC)
    for letter in _STRFTIME_LETTERS:
        scope[f"workflow.creationTimestamp.{letter}"] = _strftime(letter, created_utc)
    scope["workflow.creationTimestamp.s"] = str(int(created_utc.timestamp()))
    scope["workflow.creationTimestamp.RFC3339"] = rfc3339(created)
    params = list((spec.get("arguments") or {}).get("parameters") or [])
    scope["workflow.parameters"] = param_list_json(params)
    scope["workflow.parameters.json"] = scope["workflow.parameters"]
    for param in params:
        name = param.get("name")
        key = f"workflow.parameters.{name}"
        value_from = param.get("valueFrom") or {}
        cm_ref = value_from.get("configMapKeyRef")
        if param.get("value") is not None:
            scope[key] = _any_string(param["value"])
        elif cm_ref:
            value, problem = _configmap_value(store, cm_ref, scope)
            if value is None:
                if value_from.get("default") is None:
                    raise ScopeError(
                        f"failed to set global parameter {name} from configmap with name "
                        f"{cm_ref.get('name')} and key {cm_ref.get('key')}: {problem}"
                    )
                value = _any_string(value_from["default"])
            scope[key] = value
        else:
            raise ScopeError(
                "either value or valueFrom must be specified in order to set global "
                f"parameter {name}"
            )
    for out in (status.get("outputs") or {}).get("parameters") or []:
        if out.get("value") is not None:
            scope[f"workflow.outputs.parameters.{out.get('name')}"] = _any_string(out["value"])
    for kind in ("annotations", "labels"):
        values = meta.get(kind)
        text = exprlang.go_json(dict(values)) if values is not None else "null"
        scope[f"workflow.{kind}"] = text
        scope[f"workflow.{kind}.json"] = text
        for k, v in (values or {}).items():
            scope[f"workflow.{kind}.{k}"] = str(v)
    # setGlobalRuntimeParameters: workflow.status is the phase so far; workflow.duration is 0
    # before the start, finishedAt - startedAt once finished, else now - startedAt.
    scope["workflow.status"] = str(status.get("phase") or "")
    started = _parse_time(status.get("startedAt"))
    finished = _parse_time(status.get("finishedAt"))
    seconds = ((finished or now) - started).total_seconds() if started else 0.0
    scope["workflow.duration"] = f"{seconds:f}"
    return scope


_CM_LABEL = "workflows.argoproj.io/configmap-type: Parameter"


def _configmap_value(
    store: ConfigMapSource | None, ref: Mapping[str, Any], scope: Mapping[str, Any]
) -> tuple[str | None, str]:
    """A configMapKeyRef's value (name and key substituted from ``scope``).

    Returns:
        ``(value, "")``, or ``(None, problem)`` with Argo's ``GetConfigMapValue`` message and
        the flag that supplies the value locally.
    """
    values = {k: v for k, v in scope.items() if isinstance(v, str)}
    name = substitute.substitute(str(ref.get("name") or ""), values, allow_unresolved=True)
    key = substitute.substitute(str(ref.get("key") or ""), values, allow_unresolved=True)
    hint = f"; give it with --configmap {name}.{key}=VALUE"
    value = store.configmap(name, key, optional=True) if store is not None else None
    if value is not None:
        return value, ""
    keys_of = getattr(store, "configmap_keys", None)
    if store is None or (callable(keys_of) and keys_of(name) is None):
        return None, (
            f"ConfigMap '{name}' does not exist. Please make sure it has the label "
            f"{_CM_LABEL} to be detectable by the controller{hint}"
        )
    return None, f"ConfigMap '{name}' does not have the key '{key}'{hint}"


# --- inputs ----------------------------------------------------------------------------------


def _by_name(items: Any, name: str) -> Mapping[str, Any] | None:
    for item in items or []:
        if isinstance(item, Mapping) and item.get("name") == name:
            return item
    return None


def _has_location(art: Mapping[str, Any]) -> bool:
    locations = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")
    return any(art.get(k) for k in locations) or any(
        isinstance(v, Mapping) and v.get("key") for k, v in art.items() if k in locations
    )


def resolve_inputs(
    template: Mapping[str, Any],
    arguments: Mapping[str, Any],
    store: ConfigMapSource,
    *,
    scope: Mapping[str, Any],
) -> dict[str, Any]:
    """A template's ``inputs`` with every value filled, as Argo's ``ProcessArgs`` fills them.

    Parameters: the template's ``value`` (else ``default``), replaced by the argument's
    ``value`` when given (an argument with only ``valueFrom`` replaces ``valueFrom``); a
    ``valueFrom.configMapKeyRef`` is read from ``store`` (its name and key substituted from
    ``scope``), falling back to ``valueFrom.default``; ``enum`` is then checked. Values are
    finally substituted with ``scope`` (unknown tags kept), as ``substituteParams`` does.

    Artifacts: an argument artifact (its ``from``/``fromExpression`` resolved from ``scope``)
    replaces the template's, keeping the template's ``path``, ``mode`` and ``recurseMode``; a
    template artifact with its own location, or optional, may go without an argument.

    Args:
        template: One template (its ``inputs``).
        arguments: The caller's ``arguments`` (``parameters``, ``artifacts``).
        store: ConfigMaps (:class:`~tiphys.local.store.LocalStore`).
        scope: The caller's variables (globals, ``steps.*``/``tasks.*``, ``item``...).

    Returns:
        A new ``inputs`` dict: ``parameters`` (each with ``value`` as a string; ``valueFrom``
        removed once read) and ``artifacts``; keys absent when the template has none.

    Raises:
        ScopeError: ``inputs.parameters.NAME was not supplied``, ``unable to retrieve
            inputs.parameters.NAME from ConfigMap: ...``, ``inputs.parameters.NAME.value should
            be present in inputs.parameters.NAME.enum list``, ``inputs.artifacts.NAME was not
            supplied``, ``inputs.artifacts.NAME missing location information``, or an
            unresolvable ``from``.
    """
    inputs = template.get("inputs") or {}
    values = {k: v for k, v in scope.items() if isinstance(v, str)}
    out: dict[str, Any] = {}
    params_out: list[dict[str, Any]] = []
    for raw_param in inputs.get("parameters") or []:
        param = dict(raw_param)
        name = param.get("name")
        if param.get("value") is None and param.get("default") is not None:
            param["value"] = param["default"]
        arg = _by_name(arguments.get("parameters"), str(name))
        if arg is not None:
            if arg.get("value") is not None:
                param["value"] = arg["value"]
            else:
                param["valueFrom"] = arg.get("valueFrom")
        value_from = param.get("valueFrom") or {}
        cm_ref = value_from.get("configMapKeyRef") if isinstance(value_from, Mapping) else None
        if cm_ref:
            cm_value, problem = _configmap_value(store, cm_ref, scope)
            if cm_value is None:
                if value_from.get("default") is None:
                    raise ScopeError(
                        f"unable to retrieve inputs.parameters.{name} from ConfigMap: {problem}"
                    )
                param["value"] = value_from["default"]
            else:
                param["value"] = cm_value
            param.pop("valueFrom", None)
        elif param.get("value") is None:
            raise ScopeError(f"inputs.parameters.{name} was not supplied")
        param["value"] = substitute.substitute(
            _any_string(param["value"]), values, allow_unresolved=True
        )
        enum = param.get("enum")
        if enum is not None and param["value"] not in [_any_string(e) for e in enum]:
            raise ScopeError(
                f"inputs.parameters.{name}.value should be present in "
                f"inputs.parameters.{name}.enum list"
            )
        params_out.append(param)
    if "parameters" in inputs:
        out["parameters"] = params_out
    arts_out: list[dict[str, Any]] = []
    for raw_art in inputs.get("artifacts") or []:
        art = dict(raw_art)
        name = str(art.get("name"))
        arg = _by_name(arguments.get("artifacts"), name)
        if arg is not None and (arg.get("from") or arg.get("fromExpression")):
            try:
                arg = {**resolve_artifact(arg, scope), "name": name}
            except ScopeError as err:
                # dag.go resolveDependencyReferences: an optional argument that cannot be
                # resolved stays as written (its `from`, no location).
                if not (arg.get("optional") and "Unable to resolve" in str(err)):
                    raise
        if not art.get("optional") and not _has_location(art):
            if arg is None:
                raise ScopeError(f"inputs.artifacts.{name} was not supplied")
            if not _has_location(arg):
                raise ScopeError(f"inputs.artifacts.{name} missing location information")
        if arg is not None:
            merged = {k: v for k, v in arg.items() if k not in ("path", "mode", "recurseMode")}
            for key in ("path", "mode", "recurseMode"):
                if art.get(key) is not None:
                    merged[key] = art[key]
            art = merged
        arts_out.append(art)
    if "artifacts" in inputs:
        out["artifacts"] = arts_out
    return out


def input_scope(
    inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``inputs.*`` (and ``outputs.*.path``) variables of a template (``substituteParams``).

    Args:
        inputs: Resolved inputs (:func:`resolve_inputs`).
        outputs: The template's ``outputs`` declaration, for ``outputs.artifacts.X.path`` and
            ``outputs.parameters.X.path``. Defaults to none.

    Returns:
        ``inputs.parameters.X`` (the value), ``inputs.parameters`` (the JSON list, Go's field
        order), ``inputs.artifacts.X`` (the artifact dict, for ``from``),
        ``inputs.artifacts.X.path``, and the output paths.
    """
    scope: dict[str, Any] = {}
    params = list(inputs.get("parameters") or [])
    for param in params:
        if param.get("value") is not None:
            scope[f"inputs.parameters.{param.get('name')}"] = _any_string(param["value"])
    scope["inputs.parameters"] = param_list_json(params)
    for art in inputs.get("artifacts") or []:
        scope[f"inputs.artifacts.{art.get('name')}"] = dict(art)  # for an output's `from`
        if art.get("path"):
            scope[f"inputs.artifacts.{art.get('name')}.path"] = str(art["path"])
    for art in (outputs or {}).get("artifacts") or []:
        if art.get("path"):
            scope[f"outputs.artifacts.{art.get('name')}.path"] = str(art["path"])
    for param in (outputs or {}).get("parameters") or []:
        path = (param.get("valueFrom") or {}).get("path")
        if path:
            scope[f"outputs.parameters.{param.get('name')}.path"] = str(path)
    return scope


# --- steps.X / tasks.X -------------------------------------------------------------------------


def node_scope(prefix: str, node: Mapping[str, Any]) -> dict[str, Any]:
    """The variables of a finished step or task (``buildLocalScope``).

    For a Retry node pass its last attempt (Argo reads the last child of a retry node).

    Args:
        prefix: ``"steps.NAME"`` or ``"tasks.NAME"``.
        node: A status node.

    Returns:
        ``.id``, ``.startedAt``, ``.finishedAt``, ``.ip`` (podIP), ``.hostNodeName``,
        ``.status`` (each only when the node has it), ``.outputs.result``, ``.exitCode``,
        ``.outputs.parameters.X`` and ``.outputs.artifacts.X`` (the artifact dict).
    """
    scope: dict[str, Any] = {}
    if node.get("id"):
        scope[f"{prefix}.id"] = str(node["id"])
    for field in ("startedAt", "finishedAt"):
        moment = _parse_time(node.get(field))
        if moment is not None:
            scope[f"{prefix}.{field}"] = rfc3339(moment)
    if node.get("podIP"):
        scope[f"{prefix}.ip"] = str(node["podIP"])
    if node.get("hostNodeName"):
        scope[f"{prefix}.hostNodeName"] = str(node["hostNodeName"])
    if node.get("phase"):
        scope[f"{prefix}.status"] = str(node["phase"])
    outputs = node.get("outputs") or {}
    if outputs.get("result") is not None:
        scope[f"{prefix}.outputs.result"] = str(outputs["result"])
    if outputs.get("exitCode") is not None:
        scope[f"{prefix}.exitCode"] = str(outputs["exitCode"])
    for param in outputs.get("parameters") or []:
        if param.get("value") is not None:
            scope[f"{prefix}.outputs.parameters.{param.get('name')}"] = _any_string(param["value"])
    for art in outputs.get("artifacts") or []:
        scope[f"{prefix}.outputs.artifacts.{art.get('name')}"] = dict(art)
    return scope


# --- outputs of steps/dag templates ----------------------------------------------------------


def resolve_var(name: str, scope: Mapping[str, Any]) -> Any:
    """Argo's ``wfScope.resolveVar``: ``{{steps.a.outputs.parameters.x}}`` or the bare name.

    Args:
        name: The reference, with or without ``{{ }}``.
        scope: Variables.

    Returns:
        The value (a string, or an artifact dict).

    Raises:
        ScopeError: ``Unable to resolve: {{NAME}}``.
    """
    key = name.removeprefix("{{").removesuffix("}}")
    if key.split(".")[0] in ("steps", "tasks", "workflow", "inputs") and key in scope:
        return scope[key]
    raise ScopeError(f"Unable to resolve: {{{{{key}}}}}")


def _expr_env(scope: Mapping[str, Any]) -> dict[str, Any]:
    env = substitute.expand(scope)
    env.update(exprlang.ARGO_FUNCTIONS)
    return env


def _evaluate(expression: str, scope: Mapping[str, Any]) -> Any:
    try:
        return exprlang.evaluate(expression, _expr_env(scope))
    except exprlang.ExprError as err:
        raise ScopeError(str(err)) from None


def resolve_artifact(art: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    """Argo's ``wfScope.resolveArtifact``: the artifact an artifact's ``from`` names.

    Args:
        art: An artifact with ``from`` or ``fromExpression`` (and optional ``subPath``).
        scope: Variables (``*.outputs.artifacts.X`` hold artifact dicts).

    Returns:
        A copy of the named artifact (with ``subPath`` applied to its ``s3.key``).

    Raises:
        ScopeError: ``Unable to resolve: ...``, ``Variable {{X}} is not an artifact``, or the
            expression's error.
    """
    expression = art.get("fromExpression")
    if expression:
        value = _evaluate(str(expression), scope)
        if not isinstance(value, Mapping):
            raise ScopeError(f"Variable {{{{{expression}}}}} is not an artifact")
    else:
        source = str(art.get("from") or "")
        value = resolve_var(source, scope)
        if not isinstance(value, Mapping):
            raise ScopeError(f"Variable {{{{{source.strip('{}')}}}}} is not an artifact")
    resolved = json.loads(json.dumps(value))
    sub = art.get("subPath")
    if sub and isinstance(resolved.get("s3"), dict) and resolved["s3"].get("key"):
        resolved["s3"]["key"] = resolved["s3"]["key"].rstrip("/") + "/" + str(sub)
    return dict(resolved)


def template_outputs(template: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of a steps or DAG template (``getTemplateOutputsFromScope``).

    Args:
        template: The steps/dag template (its ``outputs``).
        scope: The template's scope after its steps/tasks ran (their :func:`node_scope` and
            aggregates, plus globals and inputs).

    Returns:
        ``{"parameters": [...], "artifacts": [...]}`` (keys for what the template declares;
        ``{}`` when it declares nothing). Parameters keep their fields, with ``value`` set
        and ``valueFrom`` removed; artifacts are the resolved ones named as declared (an
        optional artifact that cannot be resolved is left out).

    Raises:
        ScopeError: ``output parameters must have a valueFrom specified``, ``Unable to
            resolve: ...`` (no ``valueFrom.default``), an expression's error, or ``unable to
            resolve outputs from scope: ...`` for artifacts.
    """
    declared = template.get("outputs") or {}
    out: dict[str, Any] = {}
    if declared.get("parameters"):
        params = []
        for raw in declared["parameters"]:
            param = dict(raw)
            value_from = param.get("valueFrom")
            if not value_from:
                raise ScopeError("output parameters must have a valueFrom specified")
            try:
                if value_from.get("expression"):
                    value = _evaluate(str(value_from["expression"]), scope)
                elif value_from.get("parameter"):
                    value = resolve_var(str(value_from["parameter"]), scope)
                else:
                    value = None
            except ScopeError:
                if value_from.get("default") is None:
                    raise
                value = _any_string(value_from["default"])
            param["value"] = exprlang.go_string(value)
            param.pop("valueFrom", None)
            params.append(param)
        out["parameters"] = params
    if declared.get("artifacts"):
        arts = []
        for art in declared["artifacts"]:
            if not (art.get("from") or art.get("fromExpression")):
                continue
            try:
                resolved = resolve_artifact(art, scope)
            except ScopeError as err:
                if "Unable to resolve" in str(err) and art.get("optional"):
                    continue
                raise ScopeError(f"unable to resolve outputs from scope: {err}") from None
            resolved["name"] = art.get("name")
            arts.append(resolved)
        out["artifacts"] = arts
    return out


# --- workflow.failures, retries ----------------------------------------------------------------


def failures_value(
    nodes_by_id: Mapping[str, Mapping[str, Any]], *, workflow: Mapping[str, Any] | None = None
) -> str:
    """``{{workflow.failures}}``: the Failed/Error nodes as JSON, then Go-quoted (FACTS §7.4).

    Argo (``operator.go``): ``strconv.Quote(json.Marshal(failures))`` with each failure
    ``{displayName, message, templateName, phase, podName, finishedAt}`` in that order.

    Args:
        nodes_by_id: ``status.nodes``.
        workflow: The Workflow, for pod names (``tiphys.argo.nodes.pod_name``). Defaults to
            none: pod names are then computed for a workflow named ``""``.

    Returns:
        The quoted text, e.g. ``"null"`` (with its quotes) when nothing failed.
    """
    items = []
    wf: Mapping[str, Any] = workflow or {"metadata": {"name": ""}}
    for node in nodes_by_id.values():
        if node.get("phase") not in ("Failed", "Error"):
            continue
        ref = node.get("templateRef")
        template = ref.get("template") if isinstance(ref, Mapping) else node.get("templateName")
        finished = _parse_time(node.get("finishedAt"))
        fields = [
            ("displayName", str(node.get("displayName") or "")),
            ("message", str(node.get("message") or "")),
            ("templateName", str(template or "")),
            ("phase", str(node.get("phase"))),
            ("podName", nodes.pod_name(wf, node)),
            ("finishedAt", rfc3339(finished) if finished else None),
        ]
        items.append(
            "{" + ",".join(exprlang.go_json(k) + ":" + exprlang.go_json(v) for k, v in fields) + "}"
        )
    text = "[" + ",".join(items) + "]" if items else "null"
    return substitute.go_quote(text)


def retry_scope(
    node: Mapping[str, Any],
    attempts: Sequence[Mapping[str, Any]],
    *,
    next_attempt: bool = False,
) -> dict[str, Any]:
    """``retries`` and ``lastRetry.*`` of a retried node (FACTS §7.10).

    Argo builds them in two places with different defaults (``operator.go``):

    * ``retryStrategy.expression`` (``buildRetryStrategyLocalScope``, the default here):
      ``retries`` is the index of the last attempt (``len(attempts) - 1``) and
      ``lastRetry.exitCode`` is ``"-1"`` when the last attempt has none;
    * the template of the next attempt (``executeTemplate``, ``next_attempt=True``):
      ``retries`` is that attempt's index (``len(attempts)``); before any attempt the
      ``lastRetry.*`` values are ``"0"``, ``""``, ``"0"``, ``""`` and a missing exit code is
      ``"0"``.

    Args:
        node: The Retry node.
        attempts: Its attempts so far (child nodes, in order, hooks left out).
        next_attempt: Build the scope of the next attempt's template. Defaults to ``False``.

    Returns:
        ``retries``, ``lastRetry.exitCode``, ``lastRetry.status``, ``lastRetry.duration``
        (seconds of the last attempt, Go ``%v``: ``"2"``, ``"1.5"``) and ``lastRetry.message``.
    """
    del node  # the attempts carry everything; kept for the contract's signature
    last = attempts[-1] if attempts else None
    if next_attempt:
        retries, exit_code = len(attempts), "0"
    else:
        retries, exit_code = max(len(attempts) - 1, 0), "-1"
    scope: dict[str, Any] = {
        "retries": str(retries),
        "lastRetry.exitCode": exit_code,
        "lastRetry.status": "",
        "lastRetry.duration": "0",
        "lastRetry.message": "",
    }
    if last is not None:
        code = (last.get("outputs") or {}).get("exitCode")
        if code is not None:
            scope["lastRetry.exitCode"] = str(code)
        scope["lastRetry.status"] = str(last.get("phase") or "")
        started = _parse_time(last.get("startedAt"))
        finished = _parse_time(last.get("finishedAt"))
        seconds = (finished - started).total_seconds() if started and finished else 0.0
        scope["lastRetry.duration"] = exprlang.go_string(float(seconds))
        scope["lastRetry.message"] = str(last.get("message") or "")
    return scope
