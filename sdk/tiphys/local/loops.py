"""Loops: ``withItems``, ``withParam``, ``withSequence``, their node names and outputs.

Follows Argo's controller (``workflow/controller/steps.go`` ``expandStep``, ``dag.go``
``expandTask``, ``operator.go`` ``processItem`` / ``expandSequence`` /
``processAggregateNodeOutputs``):

* an item is kept as the JSON it was given (Argo's ``wfv1.Item`` is raw JSON): numbers keep
  their text (``1.50`` stays ``1.50`` when it came through ``withParam``) and maps their key
  order, except that ``{{item}}`` of a map is re-marshalled with its keys sorted;
* ``{{item}}`` of a string is the string, of anything else its compact JSON;
  ``{{item.KEY}}`` is ``wfv1.Item.String()`` of each value of a map item (a string value stays
  JSON-escaped inside: Argo's quirk);
* node names: ``base(i:label)`` where the label is the string (JSON-escaped inside, as
  ``Item.String()`` writes it), the JSON of a number/bool,
  ``k1:v1,k2:v2`` (sorted) for a map, and ``[a b]`` (Go ``%v``) for a list or ``null``, with
  ``(`` and ``)`` dropped (``dag/expansion.go`` ``expandedTaskName``);
* ``withParam`` that is not a JSON list is ``withParam value could not be parsed as a JSON list:
  <text>: <Go json error>`` (unless ``when`` is false); ``null`` is an empty loop;
* ``withSequence`` (``dag/expansion.go`` ``expandSequence``): ``start`` (default 0), then
  ``end`` or ``count`` (``count`` also limits the items when ``end`` is given), descending when
  start > end, each number written with ``format`` (Go ``fmt``, default ``%d``);
* aggregates: only Succeeded iterations (not hooks, not retried attempts) in index order; each
  result must be JSON; a parameter's values are decoded only when all are objects or arrays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tiphys.argo import exprlang, govaluate, substitute
from tiphys.local.scope import ScopeError

__all__ = [
    "aggregate_scope",
    "expand_loop",
    "go_json_error",
    "item_scope",
    "item_string",
    "loop_node_name",
    "parse_items",
]


class _RawFloat(float):
    """A JSON number that keeps the text it was written with (Go's ``json.RawMessage``)."""

    text: str

    def __new__(cls, text: str) -> _RawFloat:
        value = super().__new__(cls, float(text))
        value.text = text
        return value


def _raw_json(value: Any, *, sort_top: bool = False) -> str:
    """Compact JSON of an item as Go re-marshals raw JSON (order and number text kept)."""
    if isinstance(value, _RawFloat):
        return value.text
    if isinstance(value, list | tuple):
        return "[" + ",".join(_raw_json(v) for v in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted(value, key=str) if sort_top else list(value)
        return (
            "{" + ",".join(exprlang.go_json(str(k)) + ":" + _raw_json(value[k]) for k in keys) + "}"
        )
    return exprlang.go_json(value)


def _fix(text: str) -> str:
    """``jsonutil.Fix``: Go's HTML escapes back to ``<``, ``>``, ``&``."""
    return text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")


def item_string(item: Any) -> str:
    """``wfv1.Item.String()``: the item's compact JSON, a string's without its quotes (but
    still JSON-escaped: ``a"b`` gives ``a\\"b``), ``<>&`` unescaped.

    Argo writes ``{{item.KEY}}`` and the labels of node names this way.

    Args:
        item: A loop item (or a value inside a map item).

    Returns:
        The text.
    """
    text = _raw_json(item)
    if isinstance(item, str):
        text = text[1:-1]
    return _fix(text)


def _quote_char(char: str) -> str:
    """Go's ``quoteChar`` in json errors: ``'x'``, with ``'\\''`` and ``'"'``."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + substitute.go_quote(char)[1:-1] + "'"


def go_json_error(text: str, target: str = "[]v1alpha1.Item") -> str | None:
    """The error Go's ``json.Unmarshal(text, &target)`` gives for a slice target, or None.

    Covers the errors users meet: ``unexpected end of JSON input``, ``invalid character 'x'
    looking for beginning of value`` / ``after top-level value`` / ``after array element`` /
    ``after object key:value pair`` / ``after object key``, and ``json: cannot unmarshal
    object into Go value of type []v1alpha1.Item`` (Go's offset-based wording for other
    syntax errors is approximated by the same forms).

    Args:
        text: The JSON text.
        target: The Go type named in type errors. Defaults to ``[]v1alpha1.Item``.

    Returns:
        The message, or ``None`` when ``text`` is a JSON list or ``null``.
    """
    try:
        value = json.loads(text, parse_constant=_reject)
    except ValueError as err:
        if not isinstance(err, json.JSONDecodeError):
            return f"invalid character {_quote_char(str(err))} looking for beginning of value"
        return _decode_message(text, err)
    if value is None or isinstance(value, list):
        return None
    kind = {dict: "object", str: "string", bool: "bool"}.get(type(value), "number")
    return f"json: cannot unmarshal {kind} into Go value of type {target}"


def _reject(name: str) -> Any:
    raise ValueError(name[0])


def _decode_message(text: str, err: json.JSONDecodeError) -> str:
    pos = err.pos
    if pos >= len(text) or not text[pos:].strip():
        return "unexpected end of JSON input"
    char = text[pos]
    if err.msg.startswith("Extra data"):
        return f"invalid character {_quote_char(char)} after top-level value"
    if err.msg.startswith("Expecting ',' delimiter"):
        where = (
            "after array element"
            if _innermost(text, pos) == "["
            else ("after object key:value pair")
        )
        return f"invalid character {_quote_char(char)} {where}"
    if err.msg.startswith("Expecting ':' delimiter"):
        return f"invalid character {_quote_char(char)} after object key"
    if err.msg.startswith("Expecting property name"):
        return f"invalid character {_quote_char(char)} looking for beginning of object key string"
    if err.msg.startswith("Invalid control character"):
        return f"invalid character {_quote_char(char)} in string literal"
    return f"invalid character {_quote_char(char)} looking for beginning of value"


def _innermost(text: str, pos: int) -> str:
    """The innermost open bracket before ``pos`` (strings skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def parse_items(text: str) -> list[Any]:
    """The items of a ``withParam`` value: a JSON list, numbers kept as written.

    Args:
        text: The substituted ``withParam`` text.

    Returns:
        The items (``[]`` for ``null``).

    Raises:
        ScopeError: ``withParam value could not be parsed as a JSON list: <text>: <error>``.
    """
    problem = go_json_error(text)
    if problem is not None:
        raise ScopeError(
            f"withParam value could not be parsed as a JSON list: {text.strip()}: {problem}"
        )
    value = json.loads(text, parse_float=_RawFloat)
    return list(value or [])


# Go's fmt verbs with flags, width and precision.
_VERB = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z%])")


def _go_sprintf_int(fmt: str, number: int) -> str:
    """Go's ``fmt.Sprintf(fmt, number)`` for one int argument (withSequence ``format``)."""
    out: list[str] = []
    used = False
    last = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[last : match.start()])
        last = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if used:
            out.append(f"%!{verb}(MISSING)")
            continue
        used = True
        spec = "%" + flags + width + (f".{precision}" if precision is not None else "")
        if verb in "dv":
            out.append((spec + "d") % number)
        elif verb in "xXo":
            out.append((spec + verb) % number)
        elif verb == "b":
            out.append(format(number, "b").rjust(int(width or 0), "0" if "0" in flags else " "))
        elif verb == "c":
            out.append(chr(number))
        else:
            out.append(f"%!{verb}(int={number})")
    out.append(fmt[last:])
    if not used:
        out.append(f"%!(EXTRA int={number})")
    return "".join(out)


def _parse_int(field: str, text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)`` with dag/expansion.go's wrapping."""
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ScopeError(
            f"failed to parse sequence {field}: strconv.ParseInt: parsing "
            f"{substitute.go_quote(text)}: invalid syntax"
        )
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ScopeError(
            f"failed to parse sequence {field}: strconv.ParseInt: parsing "
            f"{substitute.go_quote(text)}: value out of range"
        )
    return value


def _sequence(seq: Mapping[str, Any], values: Mapping[str, str]) -> list[Any]:
    def field(name: str) -> str:
        raw = seq.get(name)
        if raw is None:
            return ""
        return _subst(str(raw), values)

    start_text, end_text, count_text = field("start"), field("end"), field("count")
    start = _parse_int("start", start_text) if seq.get("start") is not None else 0
    count = _parse_int("count", count_text) if seq.get("count") is not None else None
    if seq.get("end") is not None:
        end = _parse_int("end", end_text)
    elif count is not None:
        end = start + count - 1
    else:
        raise ScopeError("neither end nor count was specified in withSequence")
    step = 1 if start <= end else -1
    length = abs(end - start) + 1
    if count is not None:  # count limits the items when end is given too
        length = min(length, count)
    fmt = field("format") or "%d"
    return [_go_sprintf_int(fmt, start + i * step) for i in range(max(length, 0))]


def _subst(text: str, values: Mapping[str, str]) -> str:
    try:
        return substitute.substitute(text, values)
    except substitute.SubstitutionError as err:
        raise ScopeError(str(err)) from None


def _when_false(step: Mapping[str, Any], values: Mapping[str, str]) -> bool:
    """Argo's ``shouldExecute(when)`` is false (a failing ``when`` counts as true)."""
    when = step.get("when")
    if not when:
        return False
    try:
        text = substitute.substitute(str(when), values, allow_unresolved=True)
        return not govaluate.evaluate_when(text)
    except (substitute.SubstitutionError, govaluate.WhenError):
        return False


def expand_loop(step: Mapping[str, Any], scope: Mapping[str, Any]) -> list[Any] | None:
    """The items a step or task loops over.

    Args:
        step: A ``WorkflowStep`` or ``DAGTask`` (``withItems``, ``withParam``,
            ``withSequence``, ``when``).
        scope: The variables to substitute into them (strings; other values are ignored).

    Returns:
        The items (strings, numbers, bools, ``None``, lists, dicts), ``[]`` for an empty loop,
        or ``None`` when the step has no loop (an empty ``withItems``, or a ``withParam`` that
        resolves to ``""``, is no loop, as in Argo).
        When the loop cannot be expanded but ``when`` is false, ``[]``.

    Raises:
        ScopeError: ``withParam value could not be parsed as a JSON list: ...``, a
            ``withSequence`` error (``strconv.Atoi: parsing "x": invalid syntax``,
            ``neither end nor count was specified in withSequence``) or a substitution error.
    """
    with_items = step.get("withItems")
    if not with_items and not step.get("withParam") and step.get("withSequence") is None:
        return None  # before copying the scope: a DAG's scope grows with every task
    values = {k: v for k, v in scope.items() if isinstance(v, str)}
    try:
        if with_items:
            try:
                items = substitute.substitute_json(list(with_items), values)
            except substitute.SubstitutionError as err:
                raise ScopeError(str(err)) from None
            return list(items)
        if step.get("withParam"):
            text = _subst(str(step["withParam"]), values)
            # Argo tests the resolved step: a withParam that resolves to "" is no loop at all
            # (steps.go expandStepGroup, dag/expansion.go ExpandTask).
            return parse_items(text) if text else None
        if step.get("withSequence") is not None:
            return _sequence(step["withSequence"], values)
    except ScopeError:
        if _when_false(step, values):
            return []
        raise
    return None


def _label(item: Any) -> str:
    if isinstance(item, Mapping):
        text = ",".join(sorted(f"{k}:{item_string(v)}" for k, v in item.items()))
    elif isinstance(item, list | tuple) or item is None:  # null is a List item in Go
        text = "[" + " ".join(item_string(v) for v in item or []) + "]"
    else:
        text = item_string(item)
    # dag/expansion.go expandedTaskName: parentheses are dropped so that the index can be
    # recovered from the name (util.RecoverIndexFromNodeName).
    return text.replace("(", "").replace(")", "")


def loop_node_name(base: str, index: int, item: Any) -> str:
    """The name of one iteration's node (``processItem`` / ``expandedTaskName``).

    Args:
        base: The step or task node name (``wf[0].hello`` or ``wf.task``).
        index: The iteration, from 0.
        item: The item.

    Returns:
        ``base(index:label)``: ``hello(0:a)``, ``hello(1:2)``, ``hello(0:a:1,b:x)`` for
        ``{"b": "x", "a": 1}``, ``hello(0:[1 2])`` for ``[1, 2]``, ``hello(0:[])`` for
        ``null``; ``(`` and ``)`` in the label are dropped.
    """
    return f"{base}({index}:{_label(item)})"


def item_scope(item: Any) -> dict[str, Any]:
    """The ``item`` variables of one iteration (``processItem``'s substitution scope).

    Args:
        item: The item.

    Returns:
        ``{"item": text}``: a string as is; a number or bool as its JSON; a list (or
        ``null``) as its compact JSON. For a map, ``item`` is its JSON with the keys sorted
        and each ``item.KEY`` is :func:`item_string` of the value.
    """
    if isinstance(item, Mapping):
        scope = {f"item.{k}": item_string(v) for k, v in item.items()}
        scope["item"] = _raw_json(item, sort_top=True)
        return scope
    if isinstance(item, str):
        return {"item": item}
    if isinstance(item, list | tuple) or item is None:
        return {"item": _raw_json(item)}
    return {"item": item_string(item)}


def _loop_index(node: Mapping[str, Any]) -> int:
    """``parseLoopIndex``: the number after the last ``(`` of the node name."""
    name = str(node.get("name") or node.get("displayName") or "")
    digits = name.rsplit("(", 1)[-1].split(":", 1)[0]
    return int(digits) if re.fullmatch(r"[+-]?\d+", digits) else 0


def aggregate_scope(prefix: str, children: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The aggregated outputs of a loop (FACTS §7.2, ``processAggregateNodeOutputs``).

    Children are ordered by their loop index (the number after the last ``(`` of their
    name); hook and retried-attempt nodes are left out; only Succeeded children with outputs
    contribute (``operator.go`` ``processAggregateNodeOutputs``).

    Args:
        prefix: ``"steps.NAME"`` or ``"tasks.NAME"``.
        children: The iteration nodes.

    Returns:
        ``{}`` for no children; else ``PREFIX.outputs.result`` (the JSON list of each result
        decoded as JSON), ``PREFIX.outputs.parameters`` (JSON list of ``{name: value}`` maps,
        one per child with parameters) and ``PREFIX.outputs.parameters.NAME`` (JSON list of
        the values: decoded when every one is a JSON object or array, else the strings).

    Raises:
        ScopeError: A result is not JSON (Go's error, e.g. ``invalid character 'h' looking for
            beginning of value``).
    """
    kept = [
        c
        for c in children
        if not ((c.get("nodeFlag") or {}).get("hooked") or (c.get("nodeFlag") or {}).get("retried"))
    ]
    if not kept:
        return {}
    kept.sort(key=_loop_index)
    params: list[dict[str, str]] = []
    by_name: dict[str, list[str]] = {}
    results: list[str] = []
    for node in kept:
        outputs = node.get("outputs")
        if not outputs or node.get("phase") != "Succeeded":
            continue
        if outputs.get("parameters"):
            one: dict[str, str] = {}
            for param in outputs["parameters"]:
                value = param.get("value")
                text = value if isinstance(value, str) else exprlang.go_json(value)
                one[str(param.get("name"))] = text
                by_name.setdefault(str(param.get("name")), []).append(text)
            params.append(one)
        if outputs.get("result") is not None:
            result = str(outputs["result"])
            problem = _value_error(result)
            if problem is not None:
                raise ScopeError(problem)
            results.append(_raw_json(json.loads(result, parse_float=_RawFloat)))
    scope: dict[str, Any] = {
        f"{prefix}.outputs.result": "[" + ",".join(results) + "]",
        f"{prefix}.outputs.parameters": exprlang.go_json(params),
    }
    for name, texts in by_name.items():
        scope[f"{prefix}.outputs.parameters.{name}"] = _aggregated_values(texts)
    return scope


def _value_error(text: str) -> str | None:
    """Go's error for unmarshalling ``text`` into any JSON value, or None."""
    try:
        json.loads(text, parse_constant=_reject)
    except json.JSONDecodeError as err:
        return _decode_message(text, err)
    except ValueError as err:
        return f"invalid character {_quote_char(str(err))} looking for beginning of value"
    return None


def _aggregated_values(texts: Sequence[str]) -> str:
    """``aggregatedJSONValueList``: when every value is a JSON object or array, the list of
    them decoded (Go ``interface{}``: keys sorted, numbers float64); else the list of strings
    (``tryJSONUnmarshal`` refuses scalars: ``["1","2"]`` stays strings)."""
    decoded = []
    for text in texts:
        if _value_error(text) is not None:
            return exprlang.go_json(list(texts))
        value = json.loads(text, parse_int=float)
        if not isinstance(value, list | dict):
            return exprlang.go_json(list(texts))
        decoded.append(value)
    return exprlang.go_json(decoded)
