"""Node field selectors as the Argo Server reads them (``nodeFieldSelector`` of retry, stop,
resume and set).

The server matches each node against these fields only (``SelectorMatchesNode`` in
``workflow/util/util.go``): ``displayName``, ``templateName`` (a ``templateRef``'s template
when there is one), ``phase``, ``name``, ``id``, ``templateRef.name``,
``templateRef.template`` and ``inputs.parameters.NAME.value``. A term naming any other field
matches no node, so the action silently does nothing: :func:`node_field_selector_problem`
says so before the request is sent.
"""

from __future__ import annotations

import re

__all__ = ["NODE_SELECTOR_FIELDS", "node_field_selector_problem"]

#: Fields the server's node field selector matches (besides ``inputs.parameters.NAME.value``).
NODE_SELECTOR_FIELDS = (
    "displayName",
    "templateName",
    "phase",
    "name",
    "id",
    "templateRef.name",
    "templateRef.template",
)
_PARAMETER_FIELD = re.compile(r"inputs\.parameters\.[^.=!]+\.value")
_TERM = re.compile(r"\s*([^=!\s]+)\s*(==|=|!=)(.*)", re.S)


def node_field_selector_problem(selector: str) -> str | None:
    """What is wrong with a node field selector, or ``None`` when the server can use it.

    Args:
        selector: ``FIELD=VALUE`` terms joined by ``,`` (``==`` and ``!=`` too), e.g.
            ``displayName=approve,phase=Running``.

    Returns:
        A message naming the bad term and the fields that exist, or ``None``.
    """
    known = ", ".join([*NODE_SELECTOR_FIELDS, "inputs.parameters.NAME.value"])
    for term in selector.split(","):
        match = _TERM.fullmatch(term)
        if match is None:
            return (
                f"node field selector term {term.strip()!r} is not FIELD=VALUE, FIELD==VALUE "
                f"or FIELD!=VALUE (fields: {known})"
            )
        field = match.group(1)
        if field not in NODE_SELECTOR_FIELDS and not _PARAMETER_FIELD.fullmatch(field):
            return (
                f"node field selector field {field!r} is not one the Argo Server matches, so "
                f"no node would be selected; use one of {known}"
            )
    return None
