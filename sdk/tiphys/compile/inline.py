"""Inline templates (``inline=True``): emitted on the tasks and steps that run them.

An inline template is not listed in ``spec.templates``: each DAG task or step that runs it
carries the whole template, without its name, as ``inline:``. Argo resolves inline templates one
level deep only, so an inline ``@dag``/``@steps`` whose tasks run inline templates is refused, and
so is an inline template where Argo needs a template *name* (the entrypoint, the exit handler,
``templates=``).

Argo substitutes an inline template in the context of the template whose task or step runs it
(:mod:`tiphys.argo.inline_scope`): an inline template naming an input the enclosing template also
has (``{{inputs.parameters.zone}}``), or reading ``inputs`` in an ``{{=...}}`` expression when
the enclosing template has inputs, would get the enclosing template's values, so it is refused.

Error code (owned here): ``C130`` an inline template nested in an inline template, used where a
named template is required, or naming inputs the enclosing template would substitute.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tiphys.argo.inline_scope import inline_scope_problem
from tiphys.dsl._location import fail
from tiphys.dsl.options import Retry
from tiphys.dsl.template import Task, Template
from tiphys.errors import Location

RenderInline = Callable[[Template[Any, Any], Retry | None], dict[str, Any]]
"""Renders a template to its Argo dict (with its name), given the retry that applies to it."""


def is_inline(template: Template[Any, Any]) -> bool:
    """True when the template was declared with ``inline=True``."""
    return bool(template.options.inline)


class InlineTemplates:
    """Renders the ``inline:`` body of each task or step that runs an inline template.

    Args:
        render: Renders a template (the compiler's ``render_template`` with its namer).
    """

    def __init__(self, render: RenderInline) -> None:
        self._render = render
        self._outer: Template[Any, Any] | None = None
        self.enclosing: Template[Any, Any] | None = None
        """The named template being rendered (whose tasks or steps run inline templates)."""
        self._cache: dict[tuple[int, Retry | None], dict[str, Any]] = {}

    def body(self, task: Task[Any], retry: Retry | None) -> dict[str, Any]:
        """The ``inline`` field of ``task``: its template rendered without ``name``.

        Args:
            task: A task or step whose template is inline.
            retry: The ``retryStrategy`` that applies (the task's ``.retry()``, else the
                workflow's default for leaf templates), or ``None``.

        Returns:
            A fresh copy for each call (so the YAML has no anchors).

        Raises:
            CompileError: ``C130`` when the task belongs to another inline template, or the
                template names an input the enclosing template (``enclosing``) would
                substitute; any problem of the template's own body.
        """
        template = task.template
        if self._outer is not None:
            raise fail(
                "C130",
                f"task {task.name!r} runs inline template {template.name!r} inside inline "
                f"template {self._outer.name!r}, but Argo resolves inline templates one level "
                f"deep only: drop inline=True from {template.name!r} or from "
                f"{self._outer.name!r}",
                task.location,
            )
        key = (id(template), retry)
        if key not in self._cache:
            self._outer = template
            try:
                rendered = self._render(template, retry)
            finally:
                self._outer = None
            rendered.pop("name", None)
            self._cache[key] = rendered
        self._check_scope(task, self._cache[key])
        return copy.deepcopy(self._cache[key])

    def _check_scope(self, task: Task[Any], body: Mapping[str, Any]) -> None:
        outer = self.enclosing
        if outer is None:
            return
        problem = inline_scope_problem(
            body, [s.name for s in outer.inputs], [a.name for a in outer.artifact_inputs]
        )
        if problem is not None:
            raise fail(
                "C130",
                f"task {task.name!r} runs inline template {task.template.name!r} inside "
                f"{outer.name!r}, and Argo substitutes an inline template's variables in the "
                f"enclosing template first: {problem}, so it would be resolved with the inputs of "
                f"{outer.name!r} instead of its own arguments. Drop inline=True from "
                f"{task.template.name!r}",
                task.location,
            )


def check_roots(roots: Iterable[tuple[str, Template[Any, Any] | None]], where: Location) -> None:
    """Refuse inline templates where Argo needs a template name.

    Args:
        roots: ``(role, template)`` pairs: ``("entrypoint", t)``, ``("on_exit", t)``,
            ``("templates=", t)``.
        where: Where the workflow object was created.

    Raises:
        CompileError: ``C130`` naming the first inline root.
    """
    for role, template in roots:
        if template is not None and is_inline(template):
            raise fail(
                "C130",
                f"{role} template {template.name!r} is inline (inline=True), but Argo refers "
                f"to the {role} by name, so it must be in spec.templates: drop inline=True",
                where,
            )


def templates_used(template: Mapping[str, Any]) -> Iterator[str]:
    """Names of the templates a rendered template's tasks or steps run (their hooks' too),
    inline bodies included.

    Args:
        template: A rendered ``Template`` dict (or an ``inline`` body).

    Yields:
        Template names, in document order (repeats possible).
    """
    calls = list(template.get("dag", {}).get("tasks", []))
    for group in template.get("steps", []):
        calls += group
    for call in calls:
        if "template" in call:
            yield call["template"]
        if "inline" in call:
            yield from templates_used(call["inline"])
        for hook in call.get("hooks", {}).values():
            if "template" in hook:
                yield hook["template"]
