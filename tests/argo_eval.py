"""Test helper: Argo's substitution of ``{{...}}`` tags, for the expr-lang that tiphys writes.

:func:`substitute` does what Argo's controller does to a template string before the node runs
(``util/template``): each ``{{`` up to the next ``}}`` is a tag; ``{{=expr}}`` is evaluated with
expr-lang (:func:`tiphys.argo.exprlang.evaluate`), ``{{inputs.parameters.x}}`` is replaced by the
value as it is, other tags are left.
"""

from __future__ import annotations

from typing import Any

from tiphys.argo.exprlang import evaluate, go_json

__all__ = ["evaluate", "go_json", "substitute"]


def substitute(text: str, parameters: dict[str, str]) -> str:
    """Argo's substitution of one template string, with these input parameter values."""
    env: dict[str, Any] = {"inputs": {"parameters": dict(parameters)}}
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start == -1:
            out.append(text[pos:])
            return "".join(out)
        end = text.find("}}", start + 2)
        if end == -1:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        tag = text[start + 2 : end]
        if tag.startswith("="):
            result = evaluate(tag[1:], env)
            out.append(result if isinstance(result, str) else go_json(result))
        elif tag.startswith("inputs.parameters."):
            out.append(parameters[tag.removeprefix("inputs.parameters.")])
        else:
            out.append(text[start : end + 2])
        pos = end + 2
