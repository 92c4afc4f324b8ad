"""Generating the ``source`` of a Python ``@script`` from the decorated function.

The function is re-emitted from its AST (decorators, annotations and the docstring dropped) and
called by a small runner that:

* reads each parameter from ``TIPHYS_IN_<name>`` and converts it to the declared type;
* sends file descriptor 1 to descriptor 2 while the body runs, so whatever the body or its
  subprocesses print goes to stderr (still in the logs) and not into ``outputs.result``;
* writes the returned value (``str`` as is, anything else as JSON) plus one newline to the
  real stdout (Argo trims exactly one trailing newline), and each field of a structured return
  to ``/tmp/tiphys/outputs/<field>``.

Names the body uses but does not define (module globals, closures, helpers) are a compile error
naming them; ``{{`` in string constants is split so Argo does not substitute it.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import os
import symtable
import textwrap
import typing
from typing import Any

from tiphys.dsl._location import fail
from tiphys.dsl.params import base_type
from tiphys.dsl.script import (
    ENV_PREFIX,
    OUTPUT_DIR,
    RESULT_PARAMETER,
    ScriptTemplate,
    structured_fields,
)
from tiphys.errors import Location

_BUILTINS = frozenset(dir(builtins))
_CONVERT = {
    int: "int({})",
    float: "float({})",
    bool: "{}.lower() in ('true', '1', 'yes')",
    list: "_tiphys_json.loads({})",
    dict: "_tiphys_json.loads({})",
}
# A loop's output parameters reach the next task as a JSON list of *strings* (["10","20"])
# unless every value is an object or array (operator.go processAggregateNodeOutputs): a typed
# list input reads each string element back as JSON, and a list[str] input turns object or
# array elements back into text.
_LIST_OF_TEXT = "[v if isinstance(v, str) else _tiphys_json.dumps(v) for v in {}]"
_LIST_OF_JSON = "[_tiphys_json.loads(v) if isinstance(v, str) else v for v in {}]"
# Argo keeps the last 256 KiB of stdout as outputs.result (executor.go CaptureScriptResult).
RESULT_LIMIT = 256 * 1024


def _conversion(annotation: Any) -> str:
    """Python code (with ``{}`` for the raw text) that reads an input as its declared type."""
    kind = base_type(annotation)
    convert = _CONVERT.get(kind, "{}")
    args = typing.get_args(annotation) if kind is list else ()
    element = args[0] if args else None
    if element is None or base_type(element) is None:
        return convert
    items = _LIST_OF_TEXT if base_type(element) is str else _LIST_OF_JSON
    return items.format(convert)


class _Sanitise(ast.NodeTransformer):
    """Drop annotations and split ``{{``/``}}`` in string constants."""

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return ast.copy_location(ast.Assign([node.target], node.value), node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # f-string parts must stay constants; checked separately

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if not isinstance(value, str) or "{{" not in value:
            return node
        pieces, current = [], ""
        for char in value:
            if char == "{" and current.endswith("{"):
                pieces.append(current)
                current = ""
            current += char
        pieces.append(current)
        expr: ast.expr = ast.Constant(pieces[0])
        for piece in pieces[1:]:
            expr = ast.BinOp(expr, ast.Add(), ast.Constant(piece))
        return ast.copy_location(expr, node)


def _function_node(template: ScriptTemplate[Any, Any]) -> tuple[ast.FunctionDef, int]:
    try:
        source = textwrap.dedent(inspect.getsource(template.fn))
    except (OSError, TypeError):
        raise fail(
            "C112",
            f"the source of @script {template.name!r} cannot be read (defined in an "
            "interactive session without a file?); define it in a .py file or a notebook cell",
            template.location,
        ) from None
    module = ast.parse(source)
    node = module.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise fail("C112", "@script must decorate a plain `def` function", template.location)
    return node, template.fn.__code__.co_firstlineno - 1


def _free_names(func_source: str, name: str) -> list[str]:
    """Names the function reads from globals that are not builtins."""
    table = symtable.symtable(func_source, "<script>", "exec")
    free: set[str] = set()

    def walk(t: symtable.SymbolTable) -> None:
        for sym in t.get_symbols():
            if sym.is_global() and sym.is_referenced():
                free.add(sym.get_name())
        for child in t.get_children():
            walk(child)

    for child in table.get_children():
        walk(child)
    return sorted(n for n in free if n not in _BUILTINS and n != name)


def _class_sources(
    template: ScriptTemplate[Any, Any], names: list[str]
) -> tuple[list[str], list[str]]:
    """Source of the structured return class when the body uses it; the remaining names."""
    annotation = template.return_annotation
    cls_name = getattr(annotation, "__name__", None)
    if cls_name not in names or structured_fields(annotation) is None:
        return [], names
    try:
        cls_source = textwrap.dedent(inspect.getsource(annotation))
    except (OSError, TypeError):
        raise fail(
            "C112",
            f"@script {template.name!r} builds its return type {cls_name!r}, whose source cannot "
            "be read (is its module still imported?); return a dict instead",
            template.location,
        ) from None
    header = "from dataclasses import dataclass, field\nfrom typing import NamedTuple, TypedDict\n"
    return [header + cls_source], [n for n in names if n != cls_name]


def python_source(template: ScriptTemplate[Any, Any]) -> str:
    """Generate the ``script.source`` of a Python ``@script``.

    Args:
        template: The script template.

    Returns:
        The script text (a header comment naming the user's file and line comes first).

    Raises:
        CompileError: Free names in the body, ``{{`` that cannot be split (inside an
            f-string), or unreadable source.
    """
    node, offset = _function_node(template)
    for sub in ast.walk(node):
        if isinstance(sub, ast.JoinedStr) and "{{" in ast.unparse(sub):
            raise fail(
                "C113",
                f"@script {template.name!r}: this f-string produces '{{{{' in the script source, "
                "which Argo would try to substitute (it has no escape). Build the braces as "
                "'{' + '{', or pass the text in as a parameter",
                Location(template.location.file, offset + sub.lineno),
            )
    node.decorator_list = []
    node.returns = None
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        node.body = body[1:] or [ast.Pass()]
    node = _Sanitise().visit(node)
    ast.fix_missing_locations(node)
    func_source = ast.unparse(node)
    free = _free_names(func_source, node.name)
    classes, free = _class_sources(template, free)
    if free:
        raise fail(
            "C112",
            f"@script {template.name!r} uses {', '.join(repr(n) for n in free)}, defined outside "
            "the function; a script runs alone in its container: import modules and define "
            "helpers inside the function, and pass values in as parameters",
            Location(template.location.file, template.location.line),
        )
    if "{{" in func_source:
        raise fail(
            "C113",
            f"@script {template.name!r} contains '{{{{', which Argo would try to substitute (it "
            "has no escape); build the braces as '{' + '{' or pass the text in as a parameter",
            template.location,
        )
    return _assemble(template, func_source, classes, node.name)


def _call_with_stdout_to(target: str, fn_name: str) -> list[str]:
    """Runner lines that call the function with file descriptor 1 sent to ``target``."""
    return [
        "    _tiphys_sys.stdout.flush()",
        "    _tiphys_saved = _tiphys_os.dup(1)",
        f"    _tiphys_os.dup2({target}, 1)",
        "    try:",
        f"        _tiphys_value = {fn_name}(**_tiphys_args)",
        "    finally:",
        "        _tiphys_sys.stdout.flush()",
        "        _tiphys_os.dup2(_tiphys_saved, 1)",
        "        _tiphys_os.close(_tiphys_saved)",
    ]


def _assemble(
    template: ScriptTemplate[Any, Any], func_source: str, classes: list[str], fn_name: str
) -> str:
    where = template.location
    lines = [
        f"# tiphys: generated from {os.path.basename(where.file)}:{where.line} ({fn_name}); edit "
        "that function,",
        "# not this text. Inputs come from TIPHYS_IN_* variables.",
        "import json as _tiphys_json",
        "import os as _tiphys_os",
        *(
            ["import pathlib as _tiphys_pathlib"]
            if any(a.as_path for a in template.artifact_inputs)
            else []
        ),
        "import sys as _tiphys_sys",
        "",
        *classes,
        func_source,
        "",
        "",
        "def _tiphys_run():",
        "    _tiphys_args = {}",
    ]
    for spec in template.inputs:
        raw = f"_tiphys_os.environ[{ENV_PREFIX + spec.py_name!r}]"
        convert = _conversion(spec.type)
        lines.append(f"    _tiphys_args[{spec.py_name!r}] = {convert.format(raw)}")
    for artifact in template.artifact_inputs:  # the artifact's path in the container
        raw = f"_tiphys_os.environ[{ENV_PREFIX + artifact.py_name!r}]"
        if artifact.as_path:
            raw = f"_tiphys_pathlib.Path({raw})"
        lines.append(f"    _tiphys_args[{artifact.py_name!r}] = {raw}")
    if template.return_annotation is None:
        # No annotation: the result is the returned value when there is one, else what the
        # body printed (kept aside meanwhile, and sent to the log when a value is returned).
        lines += [
            "    import tempfile as _tiphys_tempfile",
            "",
            "    _tiphys_printed = _tiphys_tempfile.TemporaryFile()",
            *_call_with_stdout_to("_tiphys_printed.fileno()", fn_name),
            "    _tiphys_printed.seek(0)",
            "    _tiphys_out = _tiphys_printed.read()",
            "    if _tiphys_value is None:",
            "        _tiphys_sys.stdout.buffer.write(_tiphys_out)",
            "        _tiphys_sys.stdout.flush()",
            "        return",
            "    _tiphys_sys.stderr.buffer.write(_tiphys_out)",
            "    _tiphys_sys.stderr.flush()",
        ]
    else:
        # The body's prints (and its subprocesses') go to stderr: still in the log.
        lines += _call_with_stdout_to("2", fn_name)
    lines += [
        "",
        "    def _tiphys_text(value):",
        "        if isinstance(value, str):",
        "            return value",
        "        return _tiphys_json.dumps(value, allow_nan=False)",
        "",
    ]
    if template.outputs:
        lines.append(f"    _tiphys_os.makedirs({OUTPUT_DIR!r}, exist_ok=True)")
    if structured_fields(template.return_annotation) is not None:
        lines += [
            "    if hasattr(_tiphys_value, '_asdict'):",
            "        _tiphys_value = _tiphys_value._asdict()",
            "    elif hasattr(_tiphys_value, '__dataclass_fields__'):",
            "        import dataclasses as _tiphys_dc",
            "        _tiphys_value = _tiphys_dc.asdict(_tiphys_value)",
            "    for _tiphys_key, _tiphys_item in _tiphys_value.items():",
            f"        with open({OUTPUT_DIR!r} + '/' + _tiphys_key, 'w') as _tiphys_file:",
            "            _tiphys_file.write(_tiphys_text(_tiphys_item) + '\\n')",
        ]
    elif RESULT_PARAMETER in template.outputs:
        path = f"{OUTPUT_DIR}/{RESULT_PARAMETER}"
        lines += [
            f"    with open({path!r}, 'w') as _tiphys_file:",
            "        _tiphys_file.write(_tiphys_text(_tiphys_value) + '\\n')",
        ]
    lines += [
        "    _tiphys_result = (_tiphys_text(_tiphys_value) + '\\n').encode()",
        f"    if len(_tiphys_result) > {RESULT_LIMIT}:",
        "        _tiphys_sys.exit(",
        "            f'tiphys: the returned value is {len(_tiphys_result)} bytes; Argo keeps '",
        f"            'only the last {RESULT_LIMIT} bytes of standard output as the result: '",
        "            'write large data to a file or an artifact instead'",
        "        )",
        "    _tiphys_sys.stdout.buffer.write(_tiphys_result)",
        "    _tiphys_sys.stdout.flush()",
        "",
        "",
        "_tiphys_run()",
        "",
    ]
    return "\n".join(lines)
