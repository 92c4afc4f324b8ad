"""Argo's ``{{...}}`` template substitution, as the workflow controller does it.

Argo v4 substitutes a template by JSON-encoding it, replacing the tags in that JSON text
(``util/template``: ``Replace`` -> ``fasttemplate`` -> ``simpleReplaceStrict`` /
``expressionReplaceStrict``) and decoding the result. :func:`replace` is that step on JSON text;
:func:`substitute` does it for one string field and :func:`substitute_json` for a whole object.

Semantics followed (read in Argo's and valyala/fasttemplate's source):

* Tags: each ``{{`` is paired with the first ``}}`` after it; the tag is the text between, not
  trimmed. A ``{{`` without a later ``}}`` is the error ``Cannot find end tag="}}" in the
  template=... starting from ...`` (Go ``%q`` quoting), raised before anything is replaced.
* A tag starting with ``=`` is an expression; others are simple tags.
* Simple tags are looked up with surrounding whitespace trimmed. The value is written Go
  ``strconv.Quote``-escaped without its quotes (``"`` -> ``\\"``, newline -> ``\\n``), as it
  lands inside a JSON string. A value that is not a string is ``failed to resolve {{x}} to
  string``. An unknown tag is kept as written when ``allow_unresolved``, else ``failed to resolve
  {{x}}`` (the tag untrimmed). A tag containing another ``{{`` whose last part is a known key
  (``{{a{{b}}``) writes ``{{a`` + that value.
* Expressions: ``\\u003c``, ``\\u003e`` and ``\\u0026`` are turned back into ``<``, ``>``, ``&``
  (``jsonutil.Fix``), the text is JSON-unescaped, parsed, and every identifier and dotted member
  path (``a``, ``a.b``, ``a['b']``) is looked up in the environment: the values expanded into
  nested maps at the dots (``inputs.parameters.x`` -> ``inputs`` -> ``parameters`` -> ``x``; a
  key that is a prefix of the next key in sorted order is dropped first, so
  ``inputs.parameters`` (the JSON list) gives way to ``inputs.parameters.x``) plus ``asInt``,
  ``asFloat``, ``toJson``, ``jsonpath`` and ``sprig``. A name with dashes is reached as
  ``inputs.parameters['my-name']``.
* If some path is missing: without ``allow_unresolved`` that is ``failed to evaluate expression:
  <path> is missing`` (the first one, in Go's ast.Walk order); with it the tag is still evaluated
  but any error or a ``nil`` result keeps it as written, and so does naming ``item``,
  ``retries``, ``lastRetry.*``, ``workflow.status`` or ``workflow.failures`` while absent. If
  nothing is missing, a parse or run error is raised even when ``allow_unresolved``
  (``failed to evaluate expression: <expr-lang message>``), and a ``nil`` result is ``failed to
  evaluate expression "<expr>"``. A value starting with ``__argo__internal__placeholder`` anywhere
  in the environment makes every failing expression stay as written.
* The result is Go's ``json.Marshal``: a string is written without its quotes (so JSON-escaped,
  ``<`` as ``\\u003c``), anything else (``3``, ``true``, ``[1,2]``, ``{"a":1}``) as its JSON text
  ``strconv.Quote``-escaped (``{\\"a\\":1}``), so that it decodes to that JSON text.
* :func:`replace` rejects JSON text that is invalid before (``cannot do template replacements
  with invalid JSON``) or after (``cannot finish template replacement because the result was
  invalid JSON``).

Not covered: Argo's ``ReplaceStrict`` prefixes and artifact exceptions; error texts of Go's JSON
decoder (ours give Python's reason); a sprig function that :mod:`tiphys.argo.exprlang` lacks
counts as a missing path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from tiphys.argo import exprlang
from tiphys.errors import TiphysError

__all__ = ["SubstitutionError", "expand", "go_quote", "replace", "substitute", "substitute_json"]


class SubstitutionError(TiphysError, ValueError):
    """A ``{{...}}`` tag could not be substituted; the message is Argo's."""


_PLACEHOLDER = "__argo__internal__placeholder"
# Variables Argo leaves unresolved in the allow-unresolved pass while absent (variablesToCheck).
_CHECKED = (
    "item",
    "retries",
    "lastRetry.exitCode",
    "lastRetry.status",
    "lastRetry.duration",
    "lastRetry.message",
    "workflow.status",
    "workflow.failures",
)
# expr-lang v1.17's builtins: a call of one of these names is a BuiltinNode, not an identifier.
_EXPR_BUILTINS = frozenset(
    {
        "all",
        "none",
        "any",
        "one",
        "filter",
        "map",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "count",
        "sum",
        "groupBy",
        "sortBy",
        "reduce",
        "len",
        "type",
        "abs",
        "ceil",
        "floor",
        "round",
        "int",
        "float",
        "string",
        "trim",
        "trimPrefix",
        "trimSuffix",
        "upper",
        "lower",
        "split",
        "splitAfter",
        "replace",
        "repeat",
        "join",
        "indexOf",
        "lastIndexOf",
        "hasPrefix",
        "hasSuffix",
        "max",
        "min",
        "mean",
        "median",
        "toJSON",
        "fromJSON",
        "toBase64",
        "fromBase64",
        "now",
        "duration",
        "date",
        "timezone",
        "first",
        "last",
        "get",
        "keys",
        "values",
        "toPairs",
        "fromPairs",
        "sort",
        "bitand",
        "bitor",
        "bitxor",
        "bitnand",
        "bitnot",
        "bitshl",
        "bitshr",
        "bitushr",
        "uniq",
        "concat",
        "flatten",
    }
)
_LITERAL_NAMES = frozenset({"true", "false", "nil"})
_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SIMPLE_ESCAPES["\v"] = "\\v"
_TOKEN = re.compile(
    r"""\s+|(?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)"""
    r"""|(?P<id>[A-Za-z_$][A-Za-z0-9_$]*)|(?P<num>\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)"""
    r"""|(?P<op>\?\.|\?\?|\.\.|\S)"""
)


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: ``text`` in double quotes with Go escapes.

    Args:
        text: Any string.

    Returns:
        ``"..."`` with ``"`` and ``\\`` backslashed, ``\\n``-style escapes for control
        characters that have one, ``\\xNN`` for other ASCII controls, ``\\uNNNN`` /
        ``\\UNNNNNNNN`` for other unprintable characters; printable ones as they are.
    """
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def _inner(text: str) -> str:
    return go_quote(text)[1:-1]


def expand(values: Mapping[str, Any]) -> dict[str, Any]:
    """Argo's ``util/expand.Expand``: dotted keys into nested dicts.

    A key that is a prefix of the next key in sorted order is dropped first (so ``a`` gives way
    to ``a.b``), then each key is split at its dots (``bellows.Expand``).

    Args:
        values: Flat variables, e.g. ``{"inputs.parameters.x": "1"}``.

    Returns:
        Nested dicts, e.g. ``{"inputs": {"parameters": {"x": "1"}}}``.
    """
    keys = sorted(values)
    kept = {
        k: values[k]
        for i, k in enumerate(keys)
        if not (i + 1 < len(keys) and keys[i + 1].startswith(k))
    }
    return _nest(kept)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        head, dot, rest = key.partition(".")
        if dot:
            groups.setdefault(head, {})[rest] = value
        else:
            out[head] = value
    for head, group in groups.items():
        if head not in out:
            out[head] = _nest(group)
    return out


def _env(replace_map: Mapping[str, Any]) -> dict[str, Any]:
    env = expand(replace_map)
    env.update(exprlang.ARGO_FUNCTIONS)
    return env


def _has_var(env: Mapping[str, Any], path: str) -> bool:
    if path in env:
        return True
    current: Any = env
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True


def _member_path(node: Any) -> str | None:
    from lark import Token, Tree

    parts: list[str] = []
    while isinstance(node, Tree):
        if node.data == "paren":
            node = node.children[0]
            continue
        if node.data == "name":
            return ".".join([str(node.children[0]), *reversed(parts)])
        if node.data in ("member", "safe_member"):
            prop = node.children[1]
            parts.append(str(prop.children[0]) if isinstance(prop, Tree) else str(prop))
        elif node.data in ("index", "safe_index"):
            prop = node.children[1]
            if not (isinstance(prop, Tree) and prop.data == "string"):
                return None
            token = prop.children[0]
            if not isinstance(token, Token):
                return None
            parts.append(str(exprlang.evaluate(str(token), {})))
        else:
            return None
        node = node.children[0]
    return None


def _identifiers(expression: str) -> list[str]:
    """Identifiers and member paths of ``expression`` in Go's ast.Walk (post-)order."""
    from lark import Tree

    found: list[str] = []

    def walk(node: Any, builtin_callee: bool = False) -> None:
        if not isinstance(node, Tree):
            return
        if node.data == "call":
            callee = node.children[0]
            is_builtin = (
                isinstance(callee, Tree)
                and callee.data == "name"
                and str(callee.children[0]) in _EXPR_BUILTINS
            )
            walk(callee, is_builtin)
            for child in node.children[1:]:
                walk(child)
            return
        for child in node.children:
            walk(child)
        if node.data == "name":
            name = str(node.children[0])
            if builtin_callee or name in _LITERAL_NAMES:
                return
            path: str | None = name
        elif node.data in ("member", "safe_member", "index", "safe_index"):
            path = _member_path(node)
        else:
            return
        if path is not None and path not in found:
            found.append(path)

    walk(exprlang.parse(expression))
    return found


def _tokens(expression: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(expression):
        kind = match.lastgroup
        if kind is not None:
            out.append((kind, match.group()))
    return out


def _has_variable(expression: str, variable: str) -> bool:
    """Argo's hasVariableInExpression: ``variable``'s tokens appear in ``expression``'s."""
    if variable not in expression:
        return False
    hay, needle = _tokens(expression), _tokens(variable)
    return any(hay[i : i + len(needle)] == needle for i in range(len(hay) - len(needle) + 1))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)


def _json_unescape(expression: str) -> str:
    try:
        text = json.loads(f'"{expression}"')
    except ValueError as error:
        raise SubstitutionError(f"failed to unmarshall JSON expression: {error}") from None
    if not isinstance(text, str):  # pragma: no cover - a JSON string literal decodes to a str
        raise SubstitutionError("failed to unmarshall JSON expression")
    return text


def _expression(expression: str, env: Mapping[str, Any], allow: bool) -> str:
    """Argo's expressionReplaceStrict (strict = not ``allow``): the text to write."""
    try:
        text = _json_unescape(expression)
        identifiers = _identifiers(text)
    except (SubstitutionError, exprlang.ExprError):
        return _expression_core(expression, env, False)
    missing = [i for i in identifiers if not _has_var(env, i)]
    if missing and not allow:
        raise SubstitutionError(f"failed to evaluate expression: {missing[0]} is missing")
    return _expression_core(expression, env, bool(missing))


def _expression_core(expression: str, env: Mapping[str, Any], allow: bool) -> str:
    kept = "{{=" + expression + "}}"
    tolerate = allow or any(s.startswith(_PLACEHOLDER) for s in _strings(env))
    try:
        text = _json_unescape(expression)
    except SubstitutionError:
        if allow:
            return kept
        raise
    if allow and any(_has_variable(text, v) and not _has_var(env, v) for v in _CHECKED):
        return kept
    try:
        result = exprlang.evaluate(text, env)
    except exprlang.ExprError as error:
        if tolerate:
            return kept
        raise SubstitutionError(f"failed to evaluate expression: {error}") from None
    if result is None:
        if tolerate:
            return kept
        raise SubstitutionError(f"failed to evaluate expression {go_quote(expression)}")
    try:
        marshaled = exprlang.go_json(result)
    except ValueError as error:
        if allow:
            return kept
        raise SubstitutionError(f"failed to marshal evaluated expression: {error}") from None
    if len(marshaled) > 1 and marshaled[0] == '"' and marshaled[-1] == '"':
        return marshaled[1:-1]
    return _inner(marshaled)


def _simple(tag: str, replace_map: Mapping[str, Any], allow: bool) -> str:
    """Argo's simpleReplaceStrict: the text to write for ``{{tag}}``."""
    key = tag.strip()
    if key not in replace_map:
        index = tag.rfind("{{")
        if index > 0:
            nested = replace_map.get(tag[index + 2 :])
            if isinstance(nested, str):
                return "{{" + tag[:index] + _inner(nested)
        if not allow:
            raise SubstitutionError(f"failed to resolve {{{{{tag}}}}}")
        return "{{" + tag + "}}"
    value = replace_map[key]
    if not isinstance(value, str):
        raise SubstitutionError(f"failed to resolve {{{{{tag}}}}} to string")
    return _inner(value)


def _split(text: str) -> tuple[list[str], list[str]]:
    """fasttemplate's parse: the texts between tags and the tags."""
    texts: list[str] = []
    tags: list[str] = []
    rest = text
    while True:
        start = rest.find("{{")
        if start < 0:
            texts.append(rest)
            return texts, tags
        texts.append(rest[:start])
        rest = rest[start + 2 :]
        end = rest.find("}}")
        if end < 0:
            raise SubstitutionError(
                f'Cannot find end tag="}}}}" in the template={go_quote(text)} '
                f"starting from {go_quote(rest)}"
            )
        tags.append(rest[:end])
        rest = rest[end + 2 :]


def _replace_text(
    text: str, values: Mapping[str, str], expr_env: Mapping[str, Any] | None, allow: bool
) -> str:
    texts, tags = _split(text)
    replace_map: dict[str, Any] = dict(values)
    replace_map.update(expr_env or {})
    env: dict[str, Any] | None = None
    out = [texts[0]]
    for tag, after in zip(tags, texts[1:], strict=True):
        if tag.startswith("="):
            if env is None:
                env = _env(replace_map)
            fixed = tag[1:].replace("\\u003c", "<").replace("\\u003e", ">")
            out.append(_expression(fixed.replace("\\u0026", "&"), env, allow))
        else:
            out.append(_simple(tag, replace_map, allow))
        out.append(after)
    return "".join(out)


def _valid_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def replace(
    json_text: str,
    values: Mapping[str, str],
    *,
    expr_env: Mapping[str, Any] | None = None,
    allow_unresolved: bool = False,
) -> str:
    """Argo's ``template.Replace``: substitute the tags in JSON text.

    Args:
        json_text: A JSON document (Argo passes the JSON-encoded template).
        values: Variables by their dotted name, e.g. ``{"inputs.parameters.x": "1"}``.
        expr_env: More variables by dotted name with values of any JSON type (Argo's
            ``ReplaceStrictAny`` raw values); they win over ``values``. A simple tag naming one
            that is not a string is an error. Defaults to none.
        allow_unresolved: Keep unknown tags as written (Argo's global pass) instead of raising.
            Defaults to ``False``.

    Returns:
        The JSON text with the tags replaced.

    Raises:
        SubstitutionError: The text is not JSON before or after, a tag has no end, a variable is
            missing (unless ``allow_unresolved``), or an expression fails; see the module.
    """
    if not _valid_json(json_text):
        raise SubstitutionError("cannot do template replacements with invalid JSON")
    replaced = _replace_text(json_text, values, expr_env, allow_unresolved)
    if not _valid_json(replaced):
        raise SubstitutionError(
            "cannot finish template replacement because the result was invalid JSON"
        )
    return replaced


def substitute_json(
    obj: Any,
    values: Mapping[str, str],
    *,
    expr_env: Mapping[str, Any] | None = None,
    allow_unresolved: bool = False,
) -> Any:
    """Substitute every tag in a JSON-like object (a template), as Argo does.

    The object is encoded as Go's ``json.Marshal`` would, passed to :func:`replace` and decoded.

    Args:
        obj: Dicts, lists, strings, numbers, booleans and ``None``.
        values: Variables by their dotted name.
        expr_env: See :func:`replace`. Defaults to none.
        allow_unresolved: See :func:`replace`. Defaults to ``False``.

    Returns:
        A new object of the same shape with the tags replaced.

    Raises:
        SubstitutionError: As :func:`replace`.
    """
    text = replace(
        exprlang.go_json(obj), values, expr_env=expr_env, allow_unresolved=allow_unresolved
    )
    return json.loads(text)


def substitute(
    text: str,
    values: Mapping[str, str],
    *,
    expr_env: Mapping[str, Any] | None = None,
    allow_unresolved: bool = False,
) -> str:
    """Substitute the tags in one string field of a template, as Argo does.

    Args:
        text: The field's value, e.g. ``"hello {{inputs.parameters.name}}"``.
        values: Variables by their dotted name.
        expr_env: See :func:`replace`. Defaults to none.
        allow_unresolved: See :func:`replace`. Defaults to ``False``.

    Returns:
        The string with the tags replaced.

    Raises:
        SubstitutionError: As :func:`replace`.
    """
    result = substitute_json(text, values, expr_env=expr_env, allow_unresolved=allow_unresolved)
    if not isinstance(result, str):  # pragma: no cover - a JSON string stays a string
        raise SubstitutionError("the substituted text is not a string")
    return result
