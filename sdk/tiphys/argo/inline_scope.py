"""Which inputs an ``inline`` template may name: Argo substitutes it in its caller's context.

Argo substitutes a DAG or steps template's variables over the whole template, the ``inline``
templates of its tasks and steps included (``common.SubstituteParams`` marshals the whole
template). A plain tag the enclosing template can resolve is replaced there, before the inline
template gets its own arguments, so ``{{inputs.parameters.x}}`` in an inline template takes the
*enclosing* template's input ``x`` when that one has an input ``x``. An ``{{=...}}`` expression
reading ``inputs.`` is evaluated there too when the enclosing template has inputs (an expression
that yields a value, even ``null`` through ``toJson``, is baked in). Shared by the compiler
(``C130``) and ``validate`` (``V159``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from tiphys.argo.tags import simple_tags

__all__ = ["inline_scope_problem"]

_EXPRESSION = re.compile(r"\{\{=(.*?)\}\}", re.DOTALL)
_READS_INPUTS = re.compile(r"\binputs\s*(\.|\[)")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key != "inline":  # nested inline templates are refused on their own
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def inline_scope_problem(
    body: Mapping[str, Any], parameters: Collection[str], artifacts: Collection[str]
) -> str | None:
    """Why the enclosing template would substitute a variable of an inline template, if it does.

    Args:
        body: The ``inline`` template (as emitted).
        parameters: Names of the enclosing template's input parameters.
        artifacts: Names of the enclosing template's input artifacts.

    Returns:
        A clause naming the first clash (``'{{inputs.parameters.zone}}' names input 'zone' of
        the enclosing template too``), or ``None``.
    """
    for text in _strings(body):
        for tag in simple_tags(text):
            parts = tag.split(".")
            if len(parts) < 3 or parts[0] != "inputs":
                continue
            names = {"parameters": parameters, "artifacts": artifacts}.get(parts[1], ())
            if parts[2] in names:
                kind = "parameter" if parts[1] == "parameters" else "artifact"
                return (
                    f"'{{{{{tag}}}}}' names input {kind} '{parts[2]}', which the enclosing "
                    "template has too"
                )
        if parameters or artifacts:
            for expression in _EXPRESSION.findall(text):
                if _READS_INPUTS.search(expression):
                    return (
                        f"the expression '{{{{={expression}}}}}' reads inputs, and the "
                        "enclosing template has inputs"
                    )
    return None
