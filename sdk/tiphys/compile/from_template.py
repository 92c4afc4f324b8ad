"""Parameters given on the command line (``-p NAME=VALUE``), applied to manifests.

What ``-p`` means depends on the kind of the manifest, as with ``argo submit``:

* a **WorkflowTemplate** or **ClusterWorkflowTemplate**: the Workflow that submitting it would
  create (``argo submit --from wftmpl/NAME -p ...``): ``metadata.generateName: NAME-``,
  ``spec.workflowTemplateRef`` and ``spec.arguments.parameters`` holding the given values
  (:func:`workflow_from_template`);
* a **Workflow**: the same Workflow with ``spec.arguments.parameters[*].value`` set
  (:func:`set_workflow_parameters`);
* a **CronWorkflow**: the same, in ``spec.workflowSpec.arguments.parameters``.

Unlike ``argo``, which adds an unknown name silently (a misspelt parameter then runs with the
default), every given name must be a parameter of the workflow (``spec.arguments.parameters``)
or an input of its entrypoint template, and every required parameter must get a value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tiphys.errors import CompileError, Diagnostic, Location, closest

__all__ = [
    "apply_parameters",
    "parse_parameter_args",
    "set_workflow_parameters",
    "workflow_from_template",
]

LineOf = Callable[[str], int]

# Diagnostic codes of this module (group P: command-line parameters).
UNKNOWN_PARAMETER = "P101"
"""A ``-p`` name is neither a workflow parameter nor an entrypoint input."""
MISSING_PARAMETER = "P102"
"""A required parameter (no value, no default) was not given."""
BAD_PARAMETER_ARG = "P103"
"""A ``-p`` argument is not of the form ``NAME=VALUE``."""
NOT_IN_ENUM = "P104"
"""A value is not one of the parameter's ``enum`` values."""
NO_NAME = "P105"
"""A template has no ``metadata.name`` to refer to."""

_TEMPLATE_LABELS = {
    "WorkflowTemplate": "workflows.argoproj.io/workflow-template",
    "ClusterWorkflowTemplate": "workflows.argoproj.io/cluster-workflow-template",
}


def parse_parameter_args(items: Sequence[str]) -> dict[str, str]:
    """Parse repeated ``-p NAME=VALUE`` arguments.

    Each item is split on its first ``=``, so the value may contain ``=``; a later item with the
    same name wins, as with ``argo submit``.

    Args:
        items: The arguments, e.g. ``["tag=v1.2", "query=a=b"]``.

    Returns:
        ``{name: value}`` in the order first given, e.g. ``{"tag": "v1.2", "query": "a=b"}``.

    Raises:
        CompileError: An item has no ``=`` or an empty name (code ``P103``).
    """
    result: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            problems.append(
                Diagnostic(
                    BAD_PARAMETER_ARG,
                    f"invalid parameter '{item}': expected NAME=VALUE (e.g. -p tag=v1.2)",
                    location=Location("-p"),
                )
            )
            continue
        result[name.strip()] = value
    if problems:
        raise CompileError(problems)
    return result


def apply_parameters(
    doc: Mapping[str, Any],
    parameters: Mapping[str, str],
    *,
    file: str = "",
    line_of: LineOf | None = None,
    template_spec: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply ``-p`` values to any workflow manifest, by its kind (see the module docs).

    Args:
        doc: A Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow manifest.
            It is not modified.
        parameters: ``{name: value}``; values are strings, as Argo stores them.
        file: The user's file, for diagnostics.
        line_of: Maps a field path of ``doc`` to its line, for diagnostics.
        template_spec: For a Workflow or CronWorkflow run from a WorkflowTemplate
            (``workflowTemplateRef``), that template's ``spec`` when known (a Python
            ``from_template=`` object): names are then checked against it.

    Returns:
        A new manifest: the Workflow to submit for a template, else a copy of ``doc`` with the
        values set.

    Raises:
        CompileError: An unknown name (``P101``, with "did you mean"), a required parameter
            left without a value (``P102``), a value outside the parameter's ``enum``
            (``P104``), or a template without ``metadata.name`` (``P105``).
        ValueError: ``doc`` is not one of the four workflow kinds.
    """
    kind = doc.get("kind")
    if kind in _TEMPLATE_LABELS:
        return workflow_from_template(doc, parameters, file=file, line_of=line_of)
    return set_workflow_parameters(
        doc, parameters, file=file, line_of=line_of, template_spec=template_spec
    )


def workflow_from_template(
    template_doc: Mapping[str, Any],
    parameters: Mapping[str, str],
    *,
    file: str = "",
    line_of: LineOf | None = None,
) -> dict[str, Any]:
    """The Workflow that submitting a WorkflowTemplate with these parameters creates.

    This is what ``argo submit --from wftmpl/NAME -p k=v`` (or ``cwftmpl/NAME``) sends::

        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: NAME-
          namespace: NS                  # when the WorkflowTemplate has one
          labels:
            workflows.argoproj.io/workflow-template: NAME
        spec:
          workflowTemplateRef:
            name: NAME
            clusterScope: true           # ClusterWorkflowTemplate only
          arguments:
            parameters:
            - name: k
              value: v

    Args:
        template_doc: A WorkflowTemplate or ClusterWorkflowTemplate manifest (not modified).
        parameters: ``{name: value}``, in the order to emit; values are strings.
        file: The user's file, for diagnostics.
        line_of: Maps a field path of ``template_doc`` to its line, for diagnostics.

    Returns:
        The Workflow manifest as a new dict.

    Raises:
        CompileError: A name that is not a parameter of the template (``P101``), a required
            parameter not given (``P102``: it has no ``value``/``valueFrom`` in
            ``spec.arguments.parameters`` and the entrypoint's input has no ``default``), a
            value outside its ``enum`` (``P104``), or no ``metadata.name`` (``P105``).
        ValueError: ``template_doc`` is not a WorkflowTemplate or ClusterWorkflowTemplate.
    """
    kind = template_doc.get("kind")
    label = _TEMPLATE_LABELS.get(str(kind))
    if label is None:
        raise ValueError(f"expected a WorkflowTemplate or ClusterWorkflowTemplate, not {kind!r}")
    metadata = _mapping(template_doc.get("metadata"))
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise CompileError(
            Diagnostic(
                NO_NAME,
                f"the {kind} has no metadata.name, so no Workflow can refer to it",
                location=Location(file, _line(line_of, "metadata")),
                path="metadata.name",
            )
        )
    spec = _mapping(template_doc.get("spec"))
    _check(spec, parameters, what=f"{kind} '{name}'", base="spec", file=file, line_of=line_of)

    wf_metadata: dict[str, Any] = {"generateName": f"{name}-"}
    namespace = metadata.get("namespace")
    if kind == "WorkflowTemplate" and isinstance(namespace, str) and namespace:
        wf_metadata["namespace"] = namespace
    wf_metadata["labels"] = {label: name}
    ref: dict[str, Any] = {"name": name}
    if kind == "ClusterWorkflowTemplate":
        ref["clusterScope"] = True
    wf_spec: dict[str, Any] = {"workflowTemplateRef": ref}
    if parameters:
        wf_spec["arguments"] = {
            "parameters": [{"name": n, "value": str(v)} for n, v in parameters.items()]
        }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": wf_metadata,
        "spec": wf_spec,
    }


def set_workflow_parameters(
    workflow_doc: Mapping[str, Any],
    parameters: Mapping[str, str],
    *,
    file: str = "",
    line_of: LineOf | None = None,
    template_spec: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Set ``-p`` values on a Workflow or a CronWorkflow.

    The value replaces the parameter's ``value`` (and any ``valueFrom``) in
    ``spec.arguments.parameters`` (``spec.workflowSpec.arguments.parameters`` for a
    CronWorkflow); an input of the entrypoint template that is not listed there is appended.
    A Workflow that only refers to a template (``spec.workflowTemplateRef``, no
    ``templates``) accepts any name unless ``template_spec`` gives the template's spec.

    Args:
        workflow_doc: A Workflow or CronWorkflow manifest (not modified).
        parameters: ``{name: value}``; values are strings.
        file: The user's file, for diagnostics.
        line_of: Maps a field path of ``workflow_doc`` to its line, for diagnostics.
        template_spec: The spec of the WorkflowTemplate it runs, when known.

    Returns:
        A modified deep copy of ``workflow_doc``.

    Raises:
        CompileError: An unknown name (``P101``), a required parameter left without a value
            (``P102``), or a value outside its ``enum`` (``P104``).
        ValueError: ``workflow_doc`` is not a Workflow or CronWorkflow.
    """
    kind = workflow_doc.get("kind")
    if kind not in ("Workflow", "CronWorkflow"):
        raise ValueError(f"expected a Workflow or CronWorkflow, not {kind!r}")
    result = copy.deepcopy(dict(workflow_doc))
    if kind == "CronWorkflow":
        base = "spec.workflowSpec"
        spec = result.setdefault("spec", {}).setdefault("workflowSpec", {})
    else:
        base = "spec"
        spec = result.setdefault("spec", {})
    metadata = _mapping(result.get("metadata"))
    if metadata.get("name"):
        what = f"{kind} '{metadata['name']}'"
    elif metadata.get("generateName"):
        what = f"{kind} (generateName '{metadata['generateName']}')"
    else:
        what = str(kind)
    open_ended = "workflowTemplateRef" in spec and not spec.get("templates")
    checked: Mapping[str, Any] = spec
    if open_ended and template_spec is not None:
        # Argo merges the workflow's arguments over the template's, by name.
        own = _params(_mapping(spec.get("arguments")).get("parameters"))
        theirs = _params(_mapping(template_spec.get("arguments")).get("parameters"))
        merged = [{"name": k, **v} for k, v in {**theirs, **own}.items()]
        checked = {**template_spec, "arguments": {"parameters": merged}}
        open_ended = False
    _check(
        checked,
        parameters,
        what=what,
        base=base,
        file=file,
        line_of=line_of,
        allow_unknown=open_ended,
    )
    if not parameters:
        return result
    arguments = spec.setdefault("arguments", {})
    declared = arguments.setdefault("parameters", [])
    by_name = {p.get("name"): p for p in declared if isinstance(p, dict)}
    for pname, value in parameters.items():
        entry = by_name.get(pname)
        if entry is None:
            declared.append({"name": pname, "value": str(value)})
        else:
            entry.pop("valueFrom", None)
            entry["value"] = str(value)
    return result


# --- checks --------------------------------------------------------------------------------------


def _check(
    spec: Mapping[str, Any],
    parameters: Mapping[str, str],
    *,
    what: str,
    base: str,
    file: str,
    line_of: LineOf | None,
    allow_unknown: bool = False,
) -> None:
    """Check names, enums and required parameters against a workflow spec."""
    arguments = _params(_mapping(spec.get("arguments")).get("parameters"))
    entry_name = spec.get("entrypoint")
    entry_inputs: dict[str, dict[str, Any]] = {}
    templates = spec.get("templates")
    if isinstance(entry_name, str) and isinstance(templates, list):
        for template in templates:
            if isinstance(template, dict) and template.get("name") == entry_name:
                entry_inputs = _params(_mapping(template.get("inputs")).get("parameters"))
                break

    args_path = f"{base}.arguments.parameters"
    problems: list[Diagnostic] = []
    known = list(dict.fromkeys([*arguments, *entry_inputs]))
    for name, value in parameters.items():
        declared = arguments.get(name) or entry_inputs.get(name)
        if declared is None:
            if allow_unknown:
                continue
            if known:
                message = f"{what} has no parameter '{name}' (parameters: {', '.join(known)})"
                close = closest(name, known)
                if close:
                    message += f". Did you mean '{close}'?"
            else:
                message = f"{what} has no parameters, but -p {name}=... was given"
            problems.append(_diag(UNKNOWN_PARAMETER, message, file, line_of, args_path))
            continue
        enum = declared.get("enum")
        if isinstance(enum, list) and enum and str(value) not in [str(e) for e in enum]:
            problems.append(
                _diag(
                    NOT_IN_ENUM,
                    f"{what}: value '{value}' for parameter '{name}' is not one of: "
                    + ", ".join(str(e) for e in enum),
                    file,
                    line_of,
                    args_path,
                )
            )

    missing: list[str] = []
    for name, param in arguments.items():
        has_value = "value" in param or "valueFrom" in param
        has_default = "default" in entry_inputs.get(name, {})
        if not has_value and not has_default and name not in parameters:
            missing.append(name)
    for name, param in entry_inputs.items():
        if name in arguments or name in parameters:
            continue
        if "default" not in param and "value" not in param and "valueFrom" not in param:
            missing.append(name)
    for name in missing:
        problems.append(
            _diag(
                MISSING_PARAMETER,
                f"{what} needs a value for parameter '{name}' (it has no value or default): "
                f"pass -p {name}=VALUE",
                file,
                line_of,
                args_path,
            )
        )
    if problems:
        raise CompileError(problems)


def _diag(code: str, message: str, file: str, line_of: LineOf | None, path: str) -> Diagnostic:
    return Diagnostic(code, message, location=Location(file, _line(line_of, path)), path=path)


def _line(line_of: LineOf | None, path: str) -> int:
    return line_of(path) if line_of is not None else 0


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _params(value: object) -> dict[str, dict[str, Any]]:
    """``{name: parameter}`` of a ``parameters`` list, ignoring malformed entries."""
    result: dict[str, dict[str, Any]] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                result.setdefault(item["name"], item)
    return result
