"""``@resource``: a template that creates, applies, patches, gets or deletes a Kubernetes object
(a ``resource`` template, run by Argo's executor with ``kubectl``).

The body runs once at compile time with symbolic parameters and returns the manifest; outputs
are read from the object with JSONPath or jq (:class:`~tiphys.dsl.template.Output` with
``json_path=`` or ``jq_filter=``).

Code: ``C127`` a setting Argo cannot use (action, merge strategy, flags, conditions, a missing
manifest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, ParamSpec, Unpack

from tiphys.argo.expr_check import selector_problem
from tiphys.argo.names import parameter_name_problem
from tiphys.dsl._keywords import checked_decorator
from tiphys.dsl._location import definition_location, fail
from tiphys.dsl.container import SymbolicRun, run_symbolic
from tiphys.dsl.fields import FieldText, parse_fields, signature_names
from tiphys.dsl.leaf import ExecutorOptionsKw, KindTemplate
from tiphys.dsl.refs import Ref
from tiphys.dsl.template import Output, check_output_sources
from tiphys.errors import Location, did_you_mean

P = ParamSpec("P")

Action = Literal["get", "create", "apply", "delete", "replace", "patch"]
MergeStrategy = Literal["strategic", "merge", "json"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
MERGE_STRATEGIES: tuple[str, ...] = MergeStrategy.__args__  # type: ignore[attr-defined]
NO_MANIFEST_ACTIONS = ("get", "delete")
"""Actions that may work from ``flags`` alone (``delete configmap --selector x=y``)."""

ResourceOutputs = Sequence[Output] | Mapping[str, str] | None


def _choice(value: object, choices: tuple[str, ...], what: str, where: Location) -> str:
    if value in choices:
        return str(value)
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    raise fail("C127", f"{what} {value!r} is not one of {', '.join(choices)}.{hint}", where)


def resource_outputs(outputs: ResourceOutputs, what: str, where: Location) -> dict[str, Output]:
    """Normalise ``outputs=`` of a ``@resource``.

    Args:
        outputs: ``{"name": "{.jsonpath}"}`` or a list of :class:`Output` with ``json_path``
            or ``jq_filter``.
        what: The template, for messages.
        where: Location for errors.

    Returns:
        Outputs by name.

    Raises:
        CompileError: ``C109`` a bad name; ``C122`` an output read some other way.
    """
    if outputs is None:
        return {}
    if isinstance(outputs, Mapping):
        found = {n: Output(n, json_path=p, location=where) for n, p in outputs.items()}
    else:
        found = {o.name: o for o in outputs}
    for name in found:
        problem = parameter_name_problem(name)
        if problem:
            raise fail("C109", f"{what}: output name {problem}", where)
    how = (
        "Argo reads a resource template's outputs from the object only: give "
        "json_path='{.metadata.name}' or jq_filter='.status'"
    )
    check_output_sources(found, ("json_path", "jq_filter"), what, how)
    return found


class ResourceTemplate(KindTemplate[P, None]):
    """A ``resource`` template; see :func:`resource`.

    Attributes:
        action: ``get``, ``create``, ``apply``, ``delete``, ``replace`` or ``patch``.
        success: ``successCondition`` text, or ``None``.
        failure: ``failureCondition`` text, or ``None``.
        merge_strategy: ``mergeStrategy`` (with ``patch``), or ``None``.
        flags: ``flags`` texts.
        set_owner_reference: ``setOwnerReference``.
    """

    kind = "resource"
    scopes = frozenset({"node", "leaf", "pod"})
    refusal = "a resource template runs Argo's own executor (kubectl), not a container of yours"

    def __init__(
        self,
        fn: Callable[P, Any],
        *,
        action: Action,
        success: str | None,
        failure: str | None,
        merge_strategy: MergeStrategy | None,
        flags: Sequence[str],
        set_owner_reference: bool,
        outputs: ResourceOutputs,
        name: str | None,
        inline: bool,
        options: ExecutorOptionsKw,
    ) -> None:
        super().__init__(fn, name=name, inline=inline, options=options)
        where = definition_location(fn)
        what = f"@resource {self.name!r}"
        names = signature_names(fn)
        self.action = _choice(action, ACTIONS, f"{what}: action", where)
        self.merge_strategy = None
        if merge_strategy is not None:
            self.merge_strategy = _choice(
                merge_strategy, MERGE_STRATEGIES, f"{what}: merge_strategy", where
            )
            if self.action != "patch":
                raise fail(
                    "C127",
                    f"{what}: merge_strategy applies to action='patch' only, and this action is "
                    f"{self.action!r}: remove it",
                    where,
                )
        if isinstance(flags, str) or not all(isinstance(f, str) for f in flags):
            raise fail(
                "C127",
                f"{what}: flags must be a list of strings (['--selector', 'app=x']), not {flags!r}",
                where,
            )
        self.flags: list[FieldText] = [
            parse_fields(f, names, f"{what} flag {f!r}", where) for f in flags
        ]
        self.success: FieldText | None = None
        self.failure: FieldText | None = None
        for attr, value in (("success", success), ("failure", failure)):
            if value is None:
                continue
            if not isinstance(value, str) or not value:
                raise fail(
                    "C127",
                    f"{what}: {attr} must be a condition string such as "
                    f"'status.succeeded > 0', not {value!r}",
                    where,
                )
            problem = selector_problem(value)
            if problem:
                raise fail("C127", f"{what}: {attr} {value!r}: {problem}", where)
            setattr(self, attr, parse_fields(value, names, f"{what} {attr}", where))
        if not isinstance(set_owner_reference, bool):
            raise fail(
                "C127",
                f"{what}: set_owner_reference must be True or False, not {set_owner_reference!r}",
                where,
            )
        self.set_owner_reference = set_owner_reference
        self._outputs = resource_outputs(outputs, what, where)

    @property
    def outputs(self) -> dict[str, Output]:
        """Output parameters read from the object (``outputs=``)."""
        return self._outputs

    @property
    def produces_result(self) -> bool:
        """A resource node has no result; read fields of the object with outputs."""
        return False

    def manifest(self) -> SymbolicRun:
        """Run the body symbolically; its value is the manifest.

        Returns:
            The run: ``value`` is a dict or list (written as YAML), a string, a ref, or
            ``None`` (no manifest; ``get``/``delete`` with flags only).

        Raises:
            CompileError: ``C126`` the body returned something else; ``C127`` no manifest for
                an action that needs one.
        """
        run = run_symbolic(self)
        value = run.value
        if value is None and self.action not in NO_MANIFEST_ACTIONS:
            raise fail(
                "C127",
                f"@resource {self.name!r} with action {self.action!r} needs a manifest: return "
                "it from the body (a dict, or the YAML text)",
                self.location,
            )
        if value is not None and not isinstance(value, str | Ref | dict | list | tuple):
            raise fail(
                "C126",
                f"@resource {self.name!r} must return the manifest: a dict or list (written as "
                f"YAML), a str (the YAML text) or None, not {value!r}",
                self.location,
            )
        return run


@checked_decorator
def resource(
    *,
    action: Action,
    success: str | None = None,
    failure: str | None = None,
    merge_strategy: MergeStrategy | None = None,
    flags: Sequence[str] = (),
    set_owner_reference: bool = False,
    outputs: ResourceOutputs = None,
    name: str | None = None,
    inline: bool = False,
    **options: Unpack[ExecutorOptionsKw],
) -> Callable[[Callable[P, Any]], ResourceTemplate[P]]:
    """Make a ``resource`` template: Argo runs ``kubectl <action>`` on the returned manifest.

    The body runs once at compile time with symbolic parameters and returns the manifest:

    * a dict (or a list, e.g. JSON patch operations): written as YAML, keys in the order given.
      A value holding parameters is compiled to ``{{=toJson(...)}}``, so any value arrives as
      one well-formed YAML scalar (quotes and newlines included): a ``str`` parameter as a
      string, ``int``/``float``/``bool`` as a number/boolean (``replicas: n``), ``list``/
      ``dict`` as a sequence/mapping.
      (No YAML reader accepts DEL, the C1 control characters or U+FFFE/U+FFFF in a value,
      so a parameter holding one breaks the manifest whichever way it is written.)
    * a str: the YAML text, parameters pasted in as they are.
    * None: no manifest (``get``/``delete`` working from ``flags`` alone).

    The workflow's service account needs RBAC for the action on that kind of object.

    Args:
        action: ``resource.action``: ``get``, ``create``, ``apply``, ``delete``, ``replace``
            or ``patch``.
        success: ``resource.successCondition``, e.g. ``"status.succeeded > 0"`` (Kubernetes
            label-selector syntax over the object's fields; ``,`` joins requirements); checked
            on every update of the object. May hold ``{param}`` fields.
        failure: ``resource.failureCondition``, same syntax.
        merge_strategy: ``resource.mergeStrategy`` for ``patch``: ``strategic`` (Argo's
            default), ``merge`` or ``json``.
        flags: ``resource.flags``: extra ``kubectl`` arguments (``["--validate=false"]``,
            ``["configmap", "--selector", "{selector}"]``); may hold ``{param}`` fields.
        set_owner_reference: Make the workflow the object's owner, so deleting the workflow
            deletes it (``resource.setOwnerReference``).
        outputs: Output parameters read from the object: ``{"job-name": "{.metadata.name}"}``
            (JSONPath) or a list of ``Output(name, json_path=...)`` / ``Output(name,
            jq_filter=...)``. Read them as ``task.outputs.job_name`` (dashes written ``_``) or
            ``task.outputs["job-name"]``.
        name: Template name; default: the function name in kebab case.
        inline: Emit the template inline in the tasks that use it.
        **options: Common options for the node and its pod (``retry``, ``timeout``,
            ``service_account``, ``node_selector``...); container options are refused.

    Returns:
        A decorator producing a :class:`ResourceTemplate`; calling it in a ``@dag`` returns a
        task whose ``outputs.<name>`` are the declared outputs (it has no ``result``).

    Raises:
        CompileError: ``C127`` a bad action, merge strategy, flags or condition; ``C122`` an
            output not read from the object;
            ``C124`` a ``{field}`` that names no parameter; ``C123`` an option that does not
            apply; when compiled, ``C126``/``C127`` a bad or missing manifest.
    """

    def decorate(fn: Callable[P, Any]) -> ResourceTemplate[P]:
        return ResourceTemplate(
            fn,
            action=action,
            success=success,
            failure=failure,
            merge_strategy=merge_strategy,
            flags=flags,
            set_owner_reference=set_owner_reference,
            outputs=outputs,
            name=name,
            inline=inline,
            options=options,
        )

    return decorate
