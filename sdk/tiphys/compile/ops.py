"""Checks of a compiled spec that need every template at once, located at the user's lines.

* ``C156``: a ``memoize`` key naming ``{{inputs.parameters.X}}`` that is no input of the
  template (every run would share one cache entry, or Argo fails to resolve it);
* ``C157``: two metrics of one name with different help texts or types
  (:func:`tiphys.argo.metrics.metric_conflicts`), or a real-time gauge whose value is not the
  one its level allows (:func:`tiphys.argo.metrics.realtime_problems`);
* ``C159``: a template whose pod would not be created because
  ``automount_service_account_token=False`` applies to it without an ``executor`` service
  account (:func:`tiphys.argo.pods.lacks_executor_token`);
* ``C160``: exit-only variables outside exit handlers (:mod:`tiphys.compile.hooks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiphys.argo.metrics import metric_conflicts, realtime_problems
from tiphys.argo.pods import lacks_executor_token
from tiphys.argo.tags import simple_tags
from tiphys.compile.hooks import exit_variable_problems
from tiphys.dsl._location import fail
from tiphys.dsl.template import Template
from tiphys.errors import Diagnostic, Location, did_you_mean

__all__ = ["spec_problems"]


def _memoize_key(template: Mapping[str, Any], where: Location | None) -> list[Diagnostic]:
    key = template.get("memoize", {}).get("key", "")
    inputs = [p["name"] for p in template.get("inputs", {}).get("parameters", [])]
    for tag in simple_tags(key):
        name = tag.removeprefix("inputs.parameters.")
        if tag.startswith("inputs.parameters.") and name not in inputs:
            return fail(
                "C156",
                f"the memoize key of template {template['name']!r} uses {{{{{tag}}}}}, but the "
                f"template has no input {name!r} (inputs: {', '.join(inputs) or 'none'})."
                f"{did_you_mean(name, inputs)}",
                where,
            ).diagnostics
    return []


def spec_problems(
    spec: Mapping[str, Any], templates: Mapping[str, Template[Any, Any]], where: Location
) -> list[Diagnostic]:
    """Every problem of a compiled spec that only the whole spec shows.

    Args:
        spec: The compiled workflow spec.
        templates: The DSL templates by emitted name (for locations).
        where: The workflow object's location (for workflow-level findings).

    Returns:
        ``C156``, ``C157``, ``C159`` and ``C160`` diagnostics, template by template.
    """

    def located(name: object) -> Location:
        template = templates.get(name) if isinstance(name, str) else None
        return template.location if template is not None else where

    problems: list[Diagnostic] = []
    defaults = spec.get("templateDefaults")
    for template in spec.get("templates", []):
        location = located(template["name"])
        if "memoize" in template:
            problems += _memoize_key(template, location)
        if lacks_executor_token(template, defaults, spec):
            problems += fail(
                "C159",
                f"template {template['name']!r} runs with automount_service_account_token="
                "False, so the executor has no token for the Kubernetes API and Argo refuses to "
                "create its pod: pass executor='<service account>' (to the template or the "
                "workflow), or drop automount_service_account_token=False",
                location,
            ).diagnostics
    for _, template_name, message in realtime_problems(spec):
        holder = f"template {template_name!r}" if template_name else "the workflow"
        problems += fail("C157", f"{holder}: {message}", located(template_name)).diagnostics
    for conflict in metric_conflicts(spec):
        problems += fail("C157", conflict.message, located(conflict.template)).diagnostics
    return problems + exit_variable_problems(spec, templates)
