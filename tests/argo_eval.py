"""Test helper: Argo's substitution of ``{{...}}`` tags, for the expr-lang that tiphys writes.

:func:`substitute` does what Argo's controller does to a template string before the node runs
(``util/template``): each ``{{`` up to the next ``}}`` is a tag; ``{{=expr}}`` is evaluated with
expr-lang, ``{{inputs.parameters.x}}`` is replaced by the value as it is, other tags are left.
The evaluator covers the subset of expr-lang tiphys emits -- string literals with escapes,
numbers, ``true``/``false``/``nil``, arrays, maps, ``+``, ``==``/``!=``, ``&&``/``||``/``!``,
member and index access, and the functions ``toJson`` (Go's ``json.Marshal``), ``asInt``,
``asFloat`` and ``fromJSON`` -- and raises on anything else, so a test cannot pass by accident.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|&&|\|\||[-+!()\[\]{}:,.]))"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if code == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif code == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(_ESCAPES[code])
            i += 2
    return "".join(out)


def go_json(value: Any) -> str:
    """Go's ``json.Marshal``: sorted keys, compact, HTML characters and U+2028/9 escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _as_int(value: Any) -> int:
    if isinstance(value, str):
        return int(value)
    raise TypeError(f"asInt({value!r})")


def _as_float(value: Any) -> float:
    if isinstance(value, str):
        return float(value)
    raise TypeError(f"asFloat({value!r})")


FUNCTIONS = {"toJson": go_json, "asInt": _as_int, "asFloat": _as_float, "fromJSON": json.loads}


class _Parser:
    def __init__(self, text: str, env: dict[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise SyntaxError(f"cannot read {text[pos:]!r}")
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0
        self.env = env

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise SyntaxError(f"expected {expected!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.pos != len(self.tokens):
            raise SyntaxError(f"trailing {self.tokens[self.pos :]}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = bool(value) or bool(right)
        return value

    def and_(self) -> Any:
        value = self.eq()
        while self.peek() == "&&":
            self.take()
            right = self.eq()
            value = bool(value) and bool(right)
        return value

    def eq(self) -> Any:
        value = self.add()
        if self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.add()
            return (value == right) if op == "==" else (value != right)
        return value

    def add(self) -> Any:
        value = self.unary()
        while self.peek() == "+":
            self.take()
            right = self.unary()
            if not (isinstance(value, str) and isinstance(right, str)):
                raise TypeError(f"{value!r} + {right!r}")
            value = value + right
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not self.unary()
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() in (".", "[", "("):
            op = self.take()[1]
            if op == ".":
                value = value[self.take()[1]]
            elif op == "[":
                key = self.or_()
                self.take("]")
                value = value[key]
            else:
                args = [] if self.peek() == ")" else [self.or_()]
                while self.peek() == ",":
                    self.take()
                    args.append(self.or_())
                self.take(")")
                value = value(*args)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return _unquote(text)
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "nil":
                return None
            if text in FUNCTIONS:
                return FUNCTIONS[text]
            return self.env[text]
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if text == "[":
            items: list[Any] = []
            while self.peek() != "]":
                items.append(self.or_())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            mapping: dict[str, Any] = {}
            while self.peek() != "}":
                key_kind, key = self.take()
                key = _unquote(key) if key_kind == "string" else key
                self.take(":")
                mapping[key] = self.or_()
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return mapping
        raise SyntaxError(f"unexpected {text!r}")


def evaluate(expression: str, env: dict[str, Any]) -> Any:
    """Evaluate an expr-lang expression of the subset tiphys writes."""
    return _Parser(expression, env).parse()


def substitute(text: str, parameters: dict[str, str]) -> str:
    """Argo's substitution of one template string, with these input parameter values."""
    env = {"inputs": {"parameters": dict(parameters)}}
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
