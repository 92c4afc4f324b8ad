"""Semantic checks of Argo manifests: what a schema cannot say.

The rules follow Argo v4.1.2's own validator (``workflow/validate/validate.go``), checked on the
plain dict before anything is sent. Each finding is a :class:`~tiphys.errors.Diagnostic` with a
field path and a message that says what to do:

======  ======================================================================================
V100    no ``entrypoint`` (a Workflow or CronWorkflow without ``workflowTemplateRef``)
V101    ``entrypoint``, ``onExit``, a hook's or a task's/step's ``template`` names no template
        of ``spec.templates``
V102    duplicate name: templates, DAG tasks, steps (across all groups of a template),
        parameters and artifacts of one list
V103    invalid template/task/step name (``[a-zA-Z0-9][-a-zA-Z0-9]*``, <= 128) or
        parameter/artifact name (``[-a-zA-Z0-9_]+``)
V104    template or step without a name
V105    ``depends``/``dependencies`` names a task that is not in the DAG
V106    ``depends`` and ``dependencies`` mixed in one DAG
V107    dependency cycle in a DAG
V108    ``depends`` expression that does not parse
V109    invalid ``metadata.name`` (DNS-1123, <= 63 characters; CronWorkflow <= 52)
V110    invalid ``metadata.generateName`` prefix (warning when Kubernetes will truncate it)
V111    neither ``metadata.name`` nor ``metadata.generateName`` (a warning: a name can also be
        given at submit time)
V112    ``spec.templates`` next to ``workflowTemplateRef``
V113    a hook other than ``exit`` without ``expression``
V114    ``container``/``script`` template without ``image`` (and no ``templateDefaults`` image)
V115    task name starting with a digit in a DAG that uses ``depends``/``dependencies``
V116    a Workflow argument without ``value``/``valueFrom`` (a warning: ``-p`` can give it at
        submit time) or a CronWorkflow one (an error: nobody can)
V117    a task, step or hook passes an argument the template it runs has no input for (an
        error when it looks like a misspelt input, else a warning: Argo ignores it)
V118    a task, step or hook does not pass a required input (no ``value``, ``default`` or
        ``valueFrom``; an artifact neither ``optional`` nor with a location)
V119    an exit handler (``onExit``, a ``hooks.exit`` without arguments) has a required input
        that ``spec.arguments`` does not give: it runs with those only, and a failed exit
        handler fails the workflow
V120    a Workflow's or CronWorkflow's entrypoint has a required input that ``spec.arguments``
        does not give
V121    a ``spec.arguments`` parameter that is no input of the entrypoint or of an exit handler
        and that no ``workflow.parameters.X`` uses (a warning)
V122    ``{{inputs.parameters.X}}``/``{{inputs.artifacts.X}}`` names no input of the template
V123    ``{{tasks.X...}}``/``{{steps.X...}}`` outside the tasks/steps (and outputs) of a DAG/steps
        template
V124    ``{{tasks.X...}}``/``{{steps.X...}}`` names no task/step of the template
V125    ``{{tasks.X...}}`` in a task that does not depend on X (directly or not), or
        ``{{steps.X...}}`` in a step of X's group or an earlier one
V126    ``{{tasks.X.F}}``/``{{steps.X.F}}``: no such field, or no such output in X's template
V127    ``{{workflow.parameters.X}}`` not in ``spec.arguments`` (a warning for templates: whoever
        submits one may pass it)
V128    ``{{workflow.X}}`` that is no workflow variable
V129    ``{{item}}`` outside a task or step with ``withItems``/``withParam``/``withSequence``
V130    a template with no type or several (``container``, ``script``, ``dag``, ``steps``...)
V131    a label key or value, or an annotation key, that Kubernetes refuses
V132    a container's resource request or limit that is no Kubernetes quantity (``1GB``)
V133    ``parallelism`` < 0, or ``activeDeadlineSeconds`` < 0 (an error) or 0 (a warning): the
        workflow would stop at once
V134    ``withSequence`` without ``count`` or ``end``, or with both
V135    a string duration Argo cannot read (Go ``time.ParseDuration``, no ``d`` unit): a
        template's ``timeout``, ``suspend.duration``, ``memoize.maxAge``,
        ``containerSet.retryStrategy.duration``, ``retryStrategy.backoff``'s ``duration``,
        ``cap`` and ``maxDuration``, ``podGC.deleteDelayDuration``
V136    ``retryStrategy.limit`` (or ``containerSet.retryStrategy.retries``) that is a string but
        neither a whole number nor a ``{{...}}`` template
V137    a raw (govaluate) ``when`` of a task, step or metric with an unquoted operand that
        govaluate misreads: ``-``, ``/``, ``.`` or a space in it, or a number-like text that is
        no number (a warning: a tag's value decides, and some such conditions work by accident)
V140    an ``http`` template without ``timeoutSeconds`` (a warning: Argo applies no timeout)
V141    an ``http`` ``successCondition`` naming a field ``response``/``request`` lacks, or with
        unmatched brackets or quotes
V142    a ``resource`` ``action`` or ``mergeStrategy`` Argo does not know, or a
        ``mergeStrategy`` with an action other than ``patch`` (a warning)
V143    a ``resource`` template without the manifest its action needs, or whose manifest is not
        YAML
V144    an output parameter with no value source, several, or one its template kind does not
        read
V145    ``timeout`` on a ``suspend``/``dag``/``steps`` template, or ``activeDeadlineSeconds`` on
        a ``dag``/``steps`` template (Argo takes them on templates that run something only)
V150    a ``containerSet`` with outputs or input artifacts and no container named ``main``
V151    a ``containerSet`` container depending on a container not in the set
V152    a dependency cycle between the containers of a ``containerSet``
V153    an ``inline`` template inside an inline template
V154    ``{{tasks.X.ip}}``/``{{steps.X.ip}}`` of a node whose template is no daemon (a warning)
V155    an invalid or duplicate ``containerSet`` container name
V156    two ``containerSet.volumeMounts`` at the same ``mountPath``
V157    a pre-stop sleep not shorter than the termination grace period (a warning)
V158    a readiness probe on a template that is not a daemon (a warning)
V159    an ``inline`` template naming an input its enclosing template also has (Argo resolves it
        in the enclosing template's scope)
V160    an input or output artifact of a template that runs a container (or the agent) has no
        ``path``
V161    an input or output artifact of a ``dag``, ``steps`` or ``suspend`` template has a
        ``path``
V162    an input artifact has ``from`` or ``fromExpression``
V163    an argument artifact with no ``from``, ``fromExpression`` or location, or with both
        ``from`` and ``fromExpression``
V164    an argument or ``dag``/``steps`` output artifact with ``from`` and a location (ignored)
V165    an input artifact of a ``container`` template placed where a volume or another input
        artifact is
V166    an ``artifactGC.strategy`` that is not ``OnWorkflowCompletion``, ``OnWorkflowDeletion``
        or ``Never``
V168    ``{{inputs.artifacts.X.path}}`` in a template that places no files (``dag``, ``steps``)
V180    a ``hooks.exit`` with an ``expression`` (Argo ignores it: the exit hook always runs)
V181    a metric name or label key Argo refuses (``[a-zA-Z_][a-zA-Z0-9_]*``, no ``:``)
V182    a metric Argo cannot emit: empty help or value, no type or several, an unknown gauge
        operation, a real-time gauge over ``resourcesDuration.*``, histogram buckets that do not
        increase
V183    two metrics of one name with different help texts or types
V184    ``automountServiceAccountToken: false`` applying to a template without an
        ``executor.serviceAccountName``: Argo refuses to create the pod
V185    ``workflow.failures`` (an error) or ``workflow.status`` (a warning: the running phase,
        never the outcome) in a template run from the entrypoint, task and step hooks included
V186    a ``memoize.key`` whose literal text Argo's cache key rule refuses
V187    a task's or step's hook expression reading a value of its own task other than
        ``.status`` (Argo gives the hook its ``.status`` and its dependencies' values only)
V188    a hook expression that does not parse, names a task with dashes as ``tasks.a-b``, or
        compares a status with a word that is no node phase
        (:func:`tiphys.argo.expr_check.expression_problem`)
======  ======================================================================================

``V122``-``V129`` and ``V168`` come from :mod:`tiphys.validate.references`, ``V135``-``V137``
from :mod:`tiphys.validate.values`, ``V140``-``V144`` from :mod:`tiphys.validate.kinds`,
``V150``-``V159`` from :mod:`tiphys.validate.containers`, ``V160``-``V166`` from
:mod:`tiphys.validate.artifacts`, ``V170``-``V176`` (a CronWorkflow's schedules, time zone and
other cron fields) from :mod:`tiphys.validate.cron`, ``V181``-``V187`` from
:mod:`tiphys.validate.ops`. Removed v4 fields (singular ``synchronization.mutex``/
``semaphore``) are schema errors (``V002``), hook templates that do not exist are ``V101`` and a
``memoize.maxAge`` that is no Go duration is ``V135``. ``templateRef`` (templates of other
WorkflowTemplates) is out of scope: documents are checked one at a time, so calls to them are
not checked, even against a WorkflowTemplate in the same file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from tiphys.argo.depends import DependsSyntaxError, parse_depends
from tiphys.argo.expr_check import expression_problem
from tiphys.argo.graphs import find_cycles
from tiphys.argo.k8s import label_key_problem, label_value_problem, quantity_problem
from tiphys.argo.names import (
    CRON_NAME_MAX,
    OBJECT_NAME_MAX,
    TEMPLATE_NAME_MAX,
    object_name_problem,
    parameter_name_problem,
    template_name_problem,
)
from tiphys.argo.paths import join, locate
from tiphys.errors import Diagnostic, Severity, choices_hint, closest
from tiphys.validate.artifacts import (
    check_argument_artifacts,
    check_spec_artifacts,
    check_template_artifacts,
)
from tiphys.validate.containers import check_containers
from tiphys.validate.cron import check_cron
from tiphys.validate.kinds import check_kind_template
from tiphys.validate.ops import check_spec_operations
from tiphys.validate.references import check_references
from tiphys.validate.schema import kind_error
from tiphys.validate.values import check_call_values, check_spec_values, check_template_values

__all__ = ["check_semantics"]


@dataclass(frozen=True)
class _NameRule:
    """How Argo names one kind of thing (rules in :mod:`tiphys.argo.names`)."""

    problem: Callable[[str], str | None]
    fix: Callable[[str], str]  # a valid name close to an invalid one, for "did you mean"


_FIELD_NAME = _NameRule(
    template_name_problem,
    lambda name: re.sub(r"[^-a-zA-Z0-9]+", "-", name).strip("-")[:TEMPLATE_NAME_MAX],
)
_PARAM_NAME = _NameRule(
    parameter_name_problem,
    lambda name: re.sub(r"[^-a-zA-Z0-9_]+", "_", name).strip("_"),
)
_GENERATED_PREFIX_MAX = 58  # Kubernetes truncates generateName to 58 and appends 5 characters
_DATA_LISTS = (("parameters", "parameter"), ("artifacts", "artifact"))
_IMAGE_TEMPLATES = ("container", "script")
TEMPLATE_TYPES = (
    "container",
    "script",
    "dag",
    "steps",
    "resource",
    "suspend",
    "http",
    "containerSet",
    "data",
    "plugin",
)
"""The fields that make a template's type; a template has exactly one."""
# Where an input artifact can come from without an argument (Artifact's location fields).
_ARTIFACT_LOCATIONS = frozenset(
    {"s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin"}
)
_WORKFLOW_KINDS = ("Workflow", "CronWorkflow")
_EXIT_HANDLER_NOTE = "a failed exit handler fails the workflow"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _indexed(value: object, path: str) -> list[tuple[Mapping[str, Any], str]]:
    """The mapping items of a list, each with its path (other items are the schema's job)."""
    if not isinstance(value, list):
        return []
    return [(item, join(path, i)) for i, item in enumerate(value) if isinstance(item, Mapping)]


_Names = dict[str, list[str]]
"""Names of parameters and artifacts: ``{"parameters": [...], "artifacts": [...]}``."""


def _required_inputs(template: Mapping[str, Any]) -> _Names:
    """The inputs of a template that need an argument: ``{"parameters": [...], ...}``.

    A parameter needs one unless it has a ``value``, a ``default`` or a ``valueFrom``; an
    artifact unless it is ``optional`` or has a location (``raw``, ``s3``, ``git``...).
    """
    inputs = _mapping(template.get("inputs"))
    params = [
        p["name"]
        for p, _ in _indexed(inputs.get("parameters"), "")
        if isinstance(p.get("name"), str) and not {"value", "default", "valueFrom"} & p.keys()
    ]
    artifacts = [
        a["name"]
        for a, _ in _indexed(inputs.get("artifacts"), "")
        if isinstance(a.get("name"), str)
        and not a.get("optional")
        and not _ARTIFACT_LOCATIONS & a.keys()
    ]
    return {"parameters": params, "artifacts": artifacts}


def _data_names(holder: object) -> _Names:
    """Names of the parameters and artifacts of inputs, outputs or arguments."""
    return {
        key: [
            i["name"]
            for i, _ in _indexed(_mapping(holder).get(key), "")
            if isinstance(i.get("name"), str)  # a missing or null name is a schema error
        ]
        for key, _ in _DATA_LISTS
    }


_ARGS = ("parameters", "artifacts")
# What makes an input optional, and how to say "make it optional", per kind of input.
_FALLBACK = {
    "parameters": ("default", "give the input a default"),
    "artifacts": ("location", "mark the input 'optional: true'"),
}
_PARAM_USE = re.compile(r"""workflow\.parameters(?:\.([-\w]+)|\[\s*['"]([-\w]+)['"]\s*\]|)""")


def _missing(required: _Names, given: _Names) -> list[tuple[str, str]]:
    """The ``required`` inputs that ``given`` lacks: ``[(key, name), ...]``."""
    return [(key, name) for key in _ARGS for name in required[key] if name not in given[key]]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _parameter_uses(value: object) -> set[str] | None:
    """Names ``X`` of ``workflow.parameters.X`` (or ``['X']``) in any string below ``value``.

    Returns ``None`` when any parameter may be used: ``workflow.parameters`` as a whole (or
    ``.json``), or a ``templateRef`` (templates elsewhere may use any of them).
    """
    used: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if "workflow.parameters" in item:
                for match in _PARAM_USE.finditer(item):
                    name = match.group(1) or match.group(2)
                    if name is None or name == "json":
                        return None
                    used.add(name)
        elif isinstance(item, dict):
            if "templateRef" in item:
                return None
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return used


def _dns_fix(name: str, kind: str) -> str:
    limit = CRON_NAME_MAX if kind == "CronWorkflow" else OBJECT_NAME_MAX
    return re.sub(r"[^-a-z0-9.]+", "-", name.lower()).strip("-.")[:limit].rstrip("-.")


def _did_you_mean(fixed: str, problem: Callable[[str], str | None]) -> str:
    return f". Did you mean '{fixed}'?" if fixed and problem(fixed) is None else ""


class _Checker:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.diagnostics: list[Diagnostic] = []
        self.template_names: set[str] = set()
        self.local_refs = True  # False when templates come from a workflowTemplateRef
        self.default_images: set[str] = set()  # template types with a templateDefaults image
        self.default_type = False  # templateDefaults gives a template type
        self.default_inputs: _Names = {"parameters": [], "artifacts": []}  # and inputs
        self.templates: dict[str, Mapping[str, Any]] = {}  # spec.templates by name
        self.spec_args: _Names = {"parameters": [], "artifacts": []}
        self.exit_inputs: set[str] = set()  # input parameters of exit handlers (get spec args)
        self.input_cache: dict[int, tuple[_Names, _Names]] = {}  # by id() of spec.templates[i]
        self.graphs: dict[int, dict[str, list[str]]] = {}  # by id() of a dag: task -> its deps

    def add(self, code: str, message: str, path: str, severity: Severity = "error") -> None:
        self.diagnostics.append(Diagnostic(code, message, severity, path=path))

    # -- metadata -----------------------------------------------------------------------------

    def metadata(self, meta: Mapping[str, Any]) -> None:
        name, prefix = meta.get("name"), meta.get("generateName")
        if isinstance(name, str) and name:
            self.object_name(name)
        elif isinstance(prefix, str) and prefix:
            self.generate_name(prefix)
        else:
            misplaced = [k for k in ("name", "generateName") if k in _mapping(meta.get("labels"))]
            hint = (
                f" ('{misplaced[0]}' is indented under metadata.labels: move it up one level)"
                if misplaced
                else ""
            )
            self.add(
                "V111",
                f"the {self.kind} has no name: set metadata.name, or metadata.generateName "
                f"(a prefix such as 'my-workflow-'), or give one when submitting{hint}",
                "metadata",
                "warning",
            )

    def object_name(self, name: str) -> None:
        problem = object_name_problem(name, kind=self.kind)
        if problem is not None:
            fixed = _dns_fix(name, self.kind)
            check = functools.partial(object_name_problem, kind=self.kind)
            self.add(
                "V109",
                f"invalid metadata.name: {problem}{_did_you_mean(fixed, check)}",
                "metadata.name",
            )

    def generate_name(self, prefix: str) -> None:
        problem = object_name_problem(prefix, kind=self.kind, generate=True)
        if problem is not None:
            fixed = _dns_fix(prefix, self.kind) + "-"
            check = functools.partial(object_name_problem, kind=self.kind, generate=True)
            self.add(
                "V110",
                f"invalid metadata.generateName: {problem}{_did_you_mean(fixed, check)}",
                "metadata.generateName",
            )
        elif len(prefix) > _GENERATED_PREFIX_MAX:
            self.add(
                "V110",
                f"metadata.generateName is {len(prefix)} characters long; Kubernetes truncates "
                f"it to {_GENERATED_PREFIX_MAX} before adding a 5-character suffix",
                "metadata.generateName",
                "warning",
            )

    # -- names --------------------------------------------------------------------------------

    def names(
        self,
        items: Sequence[tuple[Mapping[str, Any], str]],
        what: str,
        rule: _NameRule,
        required: bool,
    ) -> list[str]:
        """Check the names of a list of things that must be uniquely named; return them."""
        first: dict[str, str] = {}
        for item, path in items:
            name = item.get("name")
            if not isinstance(name, str) or not name:
                if required:
                    self.add("V104", f"this {what} has no name: add 'name: <{what}-name>'", path)
                continue
            name_path = join(path, "name")
            problem = rule.problem(name)
            if problem is not None:
                hint = _did_you_mean(rule.fix(name), rule.problem)
                self.add("V103", f"invalid {what} name: {problem}{hint}", name_path)
            if name in first:
                self.add(
                    "V102",
                    f"duplicate {what} name '{name}' (also at {first[name]}): "
                    f"{what} names must be unique; rename one",
                    name_path,
                )
            else:
                first[name] = path
        return list(first)

    def data_names(self, holder: object, path: str) -> None:
        """Names of ``parameters`` and ``artifacts`` of inputs, outputs or arguments."""
        for key, what in _DATA_LISTS:
            sub = join(path, key)
            self.names(_indexed(_mapping(holder).get(key), sub), what, _PARAM_NAME, False)

    # -- template references --------------------------------------------------------------------

    def template_ref(self, name: object, path: str, role: str) -> None:
        if not self.local_refs or not isinstance(name, str) or "{{" in name:
            return
        if name not in self.template_names:
            hint = choices_hint(name, self.template_names, "templates")
            self.add(
                "V101",
                f"{role} refers to template '{name}', which is not defined in this "
                f"{self.kind}'s templates; define it or fix the name{hint}",
                path,
            )

    def hooks(self, hooks: object, path: str) -> None:
        for name, hook in _mapping(hooks).items():
            hook_path = join(path, str(name))
            hook = _mapping(hook)
            if name != "exit" and not hook.get("expression"):
                self.add(
                    "V113",
                    f"hook '{name}' has no expression; only the 'exit' hook runs without one: "
                    "add 'expression: <condition>' or rename it to 'exit'",
                    hook_path,
                )
            expression = hook.get("expression")
            problem = expression_problem(expression) if isinstance(expression, str) else None
            if problem and name != "exit":
                self.add(
                    "V188",
                    f"hook '{name}' expression {expression!r}: {problem}",
                    join(hook_path, "expression"),
                )
            if name == "exit" and hook.get("expression"):
                self.add(
                    "V180",
                    "the exit hook runs whenever its node ends and Argo ignores its expression: "
                    "remove the expression, or rename the hook (e.g. 'failed') to run it only "
                    "when the expression holds",
                    join(hook_path, "expression"),
                )
            self.template_ref(hook.get("template"), join(hook_path, "template"), f"hook '{name}'")
            check_argument_artifacts(
                hook.get("arguments"), join(hook_path, "arguments"), f"hook '{name}'", self.add
            )
            if name == "exit" and not any(_mapping(hook.get("arguments")).get(k) for k in _ARGS):
                self.exit_handler(hook.get("template"), join(hook_path, "template"))
            elif "templateRef" not in hook:
                self.arguments(hook, hook_path, f"hook '{name}'")

    def call(self, item: Mapping[str, Any], path: str, what: str) -> None:
        """A DAG task or a step: the template it runs, its hooks, arguments, inline template."""
        name = item.get("name")
        role = f"{what} '{name}'" if isinstance(name, str) else what
        if "templateRef" not in item and "inline" not in item:
            self.template_ref(item.get("template"), join(path, "template"), role)
            self.arguments(item, path, role)
        if item.get("onExit"):
            self.template_ref(item["onExit"], join(path, "onExit"), f"onExit of {role}")
            self.exit_handler(item["onExit"], join(path, "onExit"))
        if "withSequence" in item:
            self.sequence(item["withSequence"], join(path, "withSequence"))
        self.hooks(item.get("hooks"), join(path, "hooks"))
        check_call_values(item, path, self.add)
        check_argument_artifacts(item.get("arguments"), join(path, "arguments"), role, self.add)
        self.data_names(item.get("arguments"), join(path, "arguments"))
        if isinstance(item.get("inline"), Mapping):
            self.template(item["inline"], join(path, "inline"))

    # -- arguments and inputs -------------------------------------------------------------------

    def local_template(self, name: object) -> Mapping[str, Any] | None:
        """The template of ``spec.templates`` that ``name`` refers to, when it is known."""
        if not self.local_refs or not isinstance(name, str) or "{{" in name:
            return None
        return self.templates.get(name)

    def inputs(self, template: Mapping[str, Any]) -> tuple[_Names, _Names]:
        """A template's input names (with templateDefaults' ones) and its required inputs."""
        key = id(template)
        if key not in self.input_cache:
            names = _data_names(template.get("inputs"))
            for group, defaults in self.default_inputs.items():  # merged in by Argo
                names[group] += defaults
            self.input_cache[key] = (names, _required_inputs(template))
        return self.input_cache[key]

    def arguments(self, caller: Mapping[str, Any], path: str, role: str) -> None:
        """The arguments of a task, step or hook against the inputs of the template it runs."""
        template = self.local_template(caller.get("template"))
        if template is None:
            return
        name = template["name"]
        inputs, required = self.inputs(template)
        args = _mapping(caller.get("arguments"))
        passed = _data_names(args)
        for key, noun in _DATA_LISTS:
            if all(n in inputs[key] for n in passed[key]):
                continue
            for arg, arg_path in _indexed(args.get(key), join(join(path, "arguments"), key)):
                arg_name = arg.get("name")
                if isinstance(arg_name, str) and arg_name not in inputs[key]:
                    # A misspelt input is a bug (the input silently keeps its default);
                    # another extra argument is only ignored by Argo.
                    unpassed = [i for i in inputs[key] if i not in passed[key]]
                    typo = closest(arg_name, unpassed) is not None
                    self.add(
                        "V117",
                        f"{role} passes argument '{arg_name}', but template '{name}' has no "
                        f"input {noun} of that name{'' if typo else ', so Argo ignores it'}: "
                        "remove it or fix the name"
                        + choices_hint(arg_name, inputs[key], f"input {key}"),
                        join(arg_path, "name"),
                        "error" if typo else "warning",
                    )
        for key, missing in _missing(required, passed):
            noun = key[:-1]
            self.add(
                "V118",
                f"{role} does not pass input {noun} '{missing}' of template '{name}', which "
                f"has no {_FALLBACK[key][0]}: add it to arguments.{key} or "
                f"{_FALLBACK[key][1]}",
                join(path, "arguments") if "arguments" in caller else path,
            )

    def exit_handler(self, name: object, path: str) -> None:
        """An exit handler without arguments gets spec.arguments: its inputs must be there."""
        template = self.local_template(name)
        if template is None:
            return
        self.exit_inputs.update(self.inputs(template)[0]["parameters"])
        for key, missing in _missing(self.inputs(template)[1], self.spec_args):
            self.add(
                "V119",
                f"exit handler '{template['name']}' needs input {key[:-1]} '{missing}', but an "
                f"exit handler without arguments gets only spec.arguments, which has no "
                f"'{missing}': add it there or {_FALLBACK[key][1]} ({_EXIT_HANDLER_NOTE})",
                path,
            )

    def entrypoint_arguments(self, spec: Mapping[str, Any], path: str) -> None:
        """The entrypoint's required inputs must be in spec.arguments (its only arguments)."""
        template = self.local_template(spec.get("entrypoint"))
        if template is None:
            return
        name = template["name"]
        if self.kind in _WORKFLOW_KINDS:
            for key, missing in _missing(self.inputs(template)[1], self.spec_args):
                self.add(
                    "V120",
                    f"entrypoint template '{name}' needs input {key[:-1]} '{missing}', which "
                    f"spec.arguments does not give: add it to spec.arguments.{key} or "
                    f"{_FALLBACK[key][1]}",
                    join(path, "entrypoint"),
                )

    def unused_arguments(self, spec: Mapping[str, Any], path: str) -> None:
        """spec.arguments parameters that no input and no ``workflow.parameters.X`` takes."""
        template = self.local_template(spec.get("entrypoint"))
        used = None if template is None else _parameter_uses(spec)
        if template is None or used is None:
            return
        name = template["name"]
        used |= self.exit_inputs
        inputs = _data_names(template.get("inputs"))["parameters"]
        params = _indexed(
            _mapping(spec.get("arguments")).get("parameters"),
            join(join(path, "arguments"), "parameters"),
        )
        for param, param_path in params:
            param_name = param.get("name")
            if isinstance(param_name, str) and param_name not in inputs and param_name not in used:
                self.add(
                    "V121",
                    f"argument '{param_name}' is not an input of the entrypoint template "
                    f"'{name}' and nothing uses {{{{workflow.parameters.{param_name}}}}}: "
                    "remove it or fix the name"
                    + choices_hint(param_name, inputs, "input parameters"),
                    join(param_path, "name"),
                    "warning",
                )

    def sequence(self, sequence: object, path: str) -> None:
        if not isinstance(sequence, Mapping):
            return
        has = [k for k in ("count", "end") if sequence.get(k) is not None]
        if not has:
            self.add(
                "V134",
                "withSequence needs count or end: add 'count: N' (items 0 to N-1) or "
                "'end: N' (items start to N)",
                path,
            )
        elif len(has) == 2:
            self.add(
                "V134",
                "withSequence has both count and end, which Argo refuses: keep one",
                path,
            )

    # -- values Kubernetes refuses --------------------------------------------------------------

    def labels(self, meta: object, path: str, skip: Collection[str] = ()) -> None:
        """Label keys and values and annotation keys of a metadata block (except ``skip``)."""
        for field in ("labels", "annotations"):
            for key, value in _mapping(_mapping(meta).get(field)).items():
                if not isinstance(key, str) or "{{" in key or key in skip:
                    continue
                problem = label_key_problem(key)
                if problem is None and field == "labels" and isinstance(value, str):
                    problem = None if "{{" in value else label_value_problem(value)
                if problem is not None:
                    self.add(
                        "V131",
                        f"Kubernetes refuses this {field[:-1]}: {problem}",
                        join(join(path, field), key),
                    )

    def resources(self, template: Mapping[str, Any], path: str) -> None:
        """Requests and limits of the template's containers."""
        holders = [(template.get(k), join(path, k)) for k in _IMAGE_TEMPLATES]
        for key in ("sidecars", "initContainers"):
            holders += _indexed(template.get(key), join(path, key))
        holders += _indexed(
            _mapping(template.get("containerSet")).get("containers"),
            join(join(path, "containerSet"), "containers"),
        )
        for holder, holder_path in holders:
            resources = _mapping(_mapping(holder).get("resources"))
            for group in ("limits", "requests"):
                for name, quantity in _mapping(resources.get(group)).items():
                    if isinstance(quantity, bool) or not isinstance(quantity, (str, int, float)):
                        continue  # the schema's job
                    if isinstance(quantity, str) and "{{" in quantity:
                        continue
                    problem = quantity_problem(quantity)
                    if problem is not None:
                        fixed = str(quantity).rstrip("Bb")
                        hint = f". Did you mean '{fixed}'?" if fixed != quantity else ""
                        hint = hint if fixed and quantity_problem(fixed) is None else ""
                        self.add(
                            "V132",
                            f"invalid resources.{group}.{name}: {problem}{hint}",
                            join(join(join(holder_path, "resources"), group), str(name)),
                        )

    def workflow_numbers(self, spec: Mapping[str, Any], path: str) -> None:
        parallelism = spec.get("parallelism")
        if _is_int(parallelism) and parallelism < 0:
            self.add(
                "V133",
                f"parallelism is {parallelism}: set how many pods may run at once (1 or more), "
                "or leave it out for no limit",
                join(path, "parallelism"),
            )
        deadline = spec.get("activeDeadlineSeconds")
        if _is_int(deadline) and deadline <= 0:
            self.add(
                "V133",
                f"activeDeadlineSeconds is {deadline}, which stops the workflow at once: set "
                "the seconds it may run, or leave it out for no deadline",
                join(path, "activeDeadlineSeconds"),
                "warning" if deadline == 0 else "error",
            )

    # -- spec and templates -------------------------------------------------------------------

    def spec(self, spec: Mapping[str, Any], path: str) -> None:
        templates = _indexed(spec.get("templates"), join(path, "templates"))
        self.template_names = set(self.names(templates, "template", _FIELD_NAME, True))
        for template, _ in templates:
            if isinstance(template.get("name"), str):
                self.templates.setdefault(template["name"], template)
        self.spec_args = _data_names(spec.get("arguments"))
        defaults = _mapping(spec.get("templateDefaults"))
        self.default_type = any(defaults.get(t) is not None for t in TEMPLATE_TYPES)
        self.default_inputs = _data_names(defaults.get("inputs"))
        self.default_images = {
            t for t in _IMAGE_TEMPLATES if _mapping(defaults.get(t)).get("image")
        }
        if "workflowTemplateRef" in spec:
            self.local_refs = False
            if templates:
                self.add(
                    "V112",
                    "a workflow that uses workflowTemplateRef cannot define templates: move "
                    "them into the referenced WorkflowTemplate or drop workflowTemplateRef",
                    join(path, "templates"),
                )
        entrypoint = spec.get("entrypoint")
        if not entrypoint and self.local_refs and self.kind in ("Workflow", "CronWorkflow"):
            self.add(
                "V100",
                f"the {self.kind} has no entrypoint: set {path}.entrypoint to the template "
                f"that runs first (templates: {', '.join(sorted(self.template_names))})",
                join(path, "entrypoint"),
            )
        self.template_ref(entrypoint or None, join(path, "entrypoint"), "entrypoint")
        self.template_ref(spec.get("onExit"), join(path, "onExit"), "onExit")
        self.hooks(spec.get("hooks"), join(path, "hooks"))
        self.data_names(spec.get("arguments"), join(path, "arguments"))
        self.argument_values(spec.get("arguments"), join(path, "arguments"))
        self.entrypoint_arguments(spec, path)
        self.exit_handler(spec.get("onExit"), join(path, "onExit"))
        self.workflow_numbers(spec, path)
        check_spec_values(spec, path, self.add)
        check_spec_artifacts(spec, path, self.add)
        for key in ("podMetadata", "workflowMetadata"):
            self.labels(spec.get(key), join(path, key))
        for template, template_path in templates:
            self.template(template, template_path)
        self.unused_arguments(spec, path)
        check_references(spec, path, self.kind, self.add, self.graphs)
        check_containers(spec, path, self.add)
        check_spec_operations(spec, path, self.add)

    def argument_values(self, arguments: object, path: str) -> None:
        if self.kind not in ("Workflow", "CronWorkflow"):
            return
        params = _indexed(_mapping(arguments).get("parameters"), join(path, "parameters"))
        for param, param_path in params:
            if "value" in param or "valueFrom" in param:
                continue
            name = param.get("name")
            if self.kind == "Workflow":
                advice = f"give it with -p {name}=... when submitting, or set a value"
            else:
                advice = "a CronWorkflow is submitted by its schedule: set a value"
            self.add(
                "V116",
                f"argument {name!r} has no value, and Argo refuses to run the {self.kind} "
                f"without one: {advice}",
                param_path,
                "warning" if self.kind == "Workflow" else "error",
            )

    def template(self, template: Mapping[str, Any], path: str) -> None:
        self.template_type(template, path)
        self.labels(template.get("metadata"), join(path, "metadata"))
        self.resources(template, path)
        check_template_values(template, path, self.add)
        check_kind_template(template, path, self.add)
        check_template_artifacts(template, path, self.add)
        self.data_names(template.get("inputs"), join(path, "inputs"))
        self.data_names(template.get("outputs"), join(path, "outputs"))
        for kind in _IMAGE_TEMPLATES:
            body = template.get(kind)
            if (
                isinstance(body, Mapping)
                and not body.get("image")
                and kind not in self.default_images
            ):
                self.add(
                    "V114",
                    f"{kind} template has no image: set {kind}.image, or "
                    f"spec.templateDefaults.{kind}.image for every template",
                    join(path, kind),
                )
        if isinstance(template.get("dag"), Mapping):
            self.dag(template["dag"], join(path, "dag"))
        if isinstance(template.get("steps"), list):
            steps = [
                step
                for g, group in enumerate(template["steps"])
                for step in _indexed(group, join(join(path, "steps"), g))
            ]
            self.names(steps, "step", _FIELD_NAME, True)
            for step, step_path in steps:
                self.call(step, step_path, "step")

    def template_type(self, template: Mapping[str, Any], path: str) -> None:
        types = [t for t in TEMPLATE_TYPES if template.get(t) is not None]
        if len(types) == 1 or (not types and self.default_type):
            return
        name = template.get("name")
        role = f"template '{name}'" if isinstance(name, str) else "this template"
        if types:
            message = (
                f"{role} has {len(types)} types ({', '.join(types)}), and a template has "
                "exactly one: keep one and move the others into templates of their own"
            )
        else:
            message = f"{role} has no type: add exactly one of {', '.join(TEMPLATE_TYPES)}"
        self.add("V130", message, path)

    def dag(self, dag: Mapping[str, Any], path: str) -> None:
        tasks = _indexed(dag.get("tasks"), join(path, "tasks"))
        known = set(self.names(tasks, "task", _FIELD_NAME, False))
        uses_depends = any(isinstance(t.get("depends"), str) and t["depends"] for t, _ in tasks)
        mixed_reported = False
        graph: dict[str, list[str]] = {}
        where: dict[str, str] = {}
        for task, task_path in tasks:
            self.call(task, task_path, "task")
            name = task.get("name")
            deps = self.dependencies(task, task_path)
            if uses_depends and task.get("dependencies") and not mixed_reported:
                self.add(
                    "V106",
                    "this DAG mixes 'depends' and 'dependencies'; Argo allows only one kind "
                    "per DAG: write every dependency as 'depends'",
                    join(task_path, "dependencies"),
                )
                mixed_reported = True
            if not isinstance(name, str) or not name:
                continue
            if (uses_depends or deps) and name[0].isdigit():
                self.add(
                    "V115",
                    f"task name '{name}' starts with a digit, which Argo rejects in a DAG that "
                    "uses depends or dependencies: rename it",
                    join(task_path, "name"),
                )
            for dep, dep_path in deps:
                if dep not in known:
                    self.add(
                        "V105",
                        f"task '{name}' depends on '{dep}', which is not a task of this DAG"
                        f"{choices_hint(dep, known, 'tasks')}",
                        dep_path,
                    )
            graph[name] = [dep for dep, _ in deps if dep in known]
            where[name] = deps[0][1] if deps else task_path
        self.cycles(graph, where)
        self.graphs[id(dag)] = graph

    def dependencies(self, task: Mapping[str, Any], path: str) -> list[tuple[str, str]]:
        """The tasks a DAG task waits for, each with the path where it is named."""
        found: list[tuple[str, str]] = []
        depends = task.get("depends")
        if isinstance(depends, str) and depends:
            depends_path = join(path, "depends")
            try:
                found += [(name, depends_path) for name in parse_depends(depends)]
            except DependsSyntaxError as exc:
                self.add(
                    "V108",
                    f"depends {depends!r} is invalid at column {exc.column}: {exc.reason}",
                    depends_path,
                )
        listed = task.get("dependencies")
        if isinstance(listed, list):
            listed_path = join(path, "dependencies")
            found += [(d, join(listed_path, j)) for j, d in enumerate(listed) if isinstance(d, str)]
        return found

    def cycles(self, graph: Mapping[str, Sequence[str]], where: Mapping[str, str]) -> None:
        """Report each dependency cycle once, as ``a -> b -> a``."""
        for cycle in find_cycles(graph, lambda name: graph.get(name, ())):
            self.add(
                "V107",
                f"dependency cycle {' -> '.join(cycle)}: these tasks wait for each "
                "other forever; remove one of these dependencies",
                where[cycle[0]],
            )


def check_semantics(
    doc: Mapping[str, Any],
    *,
    file: str = "",
    line_of: Callable[[str], int] | None = None,
) -> list[Diagnostic]:
    """Check the rules Argo's validator enforces beyond the schema (codes ``V100``-``V187``).

    The checks read the dict defensively: a field of the wrong type is skipped here and
    reported by :func:`tiphys.validate.validate_schema`.

    Args:
        doc: A parsed manifest of one of :data:`tiphys.validate.ARGO_KINDS`. A CronWorkflow's
            workflow is read from ``spec.workflowSpec``.
        file: The file it came from, for diagnostic locations.
        line_of: Maps a field path to its line in ``file``.

    Returns:
        The diagnostics, check by check and in document order within a check, each with a
        ``path`` (and a location when ``file`` or ``line_of`` is given); empty when nothing is
        wrong.
    """
    problem = kind_error(doc)
    if problem is not None:
        return locate([problem], file, line_of)
    kind = str(doc["kind"])
    checker = _Checker(kind)
    meta = _mapping(doc.get("metadata"))
    checker.metadata(meta)
    named = meta.get("name") or meta.get("generateName")
    # A name indented under labels is reported once, by V111, not again as a bad label.
    checker.labels(meta, "metadata", skip=() if named else ("name", "generateName"))
    spec = _mapping(doc.get("spec"))
    spec_path = "spec"
    if kind == "CronWorkflow":
        check_cron(spec, spec_path, checker.add)
        checker.labels(spec.get("workflowMetadata"), "spec.workflowMetadata")
        spec, spec_path = _mapping(spec.get("workflowSpec")), "spec.workflowSpec"
    checker.spec(spec, spec_path)
    return locate(checker.diagnostics, file, line_of)
