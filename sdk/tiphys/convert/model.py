"""The converter's working data: the module being written, one document's context, the report.

Generated code is collected as :class:`Block` texts (one per template or workflow), so that an
error raised while the generated module runs can be traced back to the YAML template it came
from (:meth:`Module.block_at`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from tiphys.convert.pywriter import Names
from tiphys.errors import ConvertError, Diagnostic, Location


@dataclass(frozen=True)
class PatchUse:
    """One field that went to ``patch=`` because the DSL has no typed form for it.

    Attributes:
        document: 0-based index of the document in the YAML stream.
        path: Field path in the document (``spec.templates[2].container.readinessProbe``).
        field: The field without indices and names, for summaries
            (``template.container.readinessProbe``).
    """

    document: int
    path: str
    field: str


@dataclass
class Conversion:
    """What :func:`tiphys.convert.convert_text` returns.

    Attributes:
        source: The generated Python module.
        report: Every field written as ``patch=``, in document order.
        formatted: Whether ruff formatted the source.
        notes: Lines for stderr (the server-populated fields dropped).
    """

    source: str
    report: list[PatchUse]
    formatted: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A piece of generated code: one template, workflow or raw document.

    Attributes:
        key: ``(document index, template name)``; the template name is ``""`` for the
            document's own object.
        text: The code, ending with a newline.
    """

    key: tuple[int, str]
    text: str


@dataclass
class Module:
    """The Python module being written."""

    imports: dict[str, set[str]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    names: Names = field(default_factory=Names)
    header: str = ""

    def use(self, name: str, module: str = "tiphys") -> str:
        """Import ``name`` from ``module``; return the name."""
        self.imports.setdefault(module, set()).add(name)
        return name

    def render(self) -> tuple[str, list[tuple[int, int, tuple[int, str]]]]:
        """The module text, and the line span (first, last, key) of each block."""
        lines = [f'"""{self.header}"""', ""]
        # A name may have been imported for code that was then replaced by patch=.
        seen = _names_in("\n".join(b.text for b in self.blocks))
        used = {m: names & seen for m, names in self.imports.items()}
        used = {m: names for m, names in used.items() if names}
        for module in sorted(used, key=lambda m: (m != "typing", m)):
            if module != "typing" and "typing" in used:
                lines.append("")
            names = ", ".join(sorted(used[module], key=_isort_key))
            lines.append(f"from {module} import {names}")
        spans: list[tuple[int, int, tuple[int, str]]] = []
        for i, block in enumerate(self.blocks):
            # isort (ruff I001): one blank line after the imports unless a def/class follows.
            decorated = block.text.startswith(("@", "def ", "class "))
            lines += ["", ""] if i or decorated else [""]
            first = len(lines) + 1
            lines += block.text.rstrip("\n").split("\n")
            spans.append((first, len(lines), block.key))
        return "\n".join(lines) + "\n", spans


def _names_in(code: str) -> set[str]:
    """The names a piece of code reads (all names, when it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(code.split())
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _isort_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2
    return kind, name


def call(func: str, args: list[str], kwargs: list[tuple[str, str]]) -> str:
    """Source of a call: ``func(a, b, k=v)``."""
    parts = [*args, *(f"{k}={v}" for k, v in kwargs)]
    return f"{func}({', '.join(parts)})"


@dataclass
class DocContext:
    """Everything known about the document being converted.

    Attributes:
        index: 0-based document index.
        file: The YAML file name (for errors).
        line_of: Field path -> line in the YAML file.
        base: Path of the workflow spec (``spec`` or ``spec.workflowSpec``).
        templates: The spec's templates by name.
        paths: Field path of each template by name.
        variables: Python variable of each template by name.
        residual: Extra ``patch=`` content per template name (``""``: the workflow object),
            found by the verification pass.
        fallback: Templates whose ``dag``/``steps`` body could not be written as calls.
        fallback_why: Why, per template in ``fallback`` (said in a comment in the body).
        reserved: Per ``dag``/``steps`` template, the module names its body reads (the
            templates it calls, ``parallel``...): no input may shadow them.
        report: Patch uses found so far.
        volumes: The :class:`~tiphys.convert.volumes.VolumePlan`.
        inline: Name given to each task's inline template -> the template holding the task.
        inline_of: ``id()`` of a task mapping -> the name given to its inline template.
        ref_of: ``id()`` of a task mapping -> the key of its ``template_ref(...)`` variable.
    """

    index: int
    file: str
    line_of: Any
    base: str
    module: Module
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    residual: dict[str, dict[str, Any]] = field(default_factory=dict)
    fallback: set[str] = field(default_factory=set)
    fallback_why: dict[str, str] = field(default_factory=dict)
    reserved: dict[str, set[str]] = field(default_factory=dict)
    report: list[PatchUse] = field(default_factory=list)
    volumes: Any = None
    inline: dict[str, str] = field(default_factory=dict)
    inline_of: dict[int, str] = field(default_factory=dict)
    ref_of: dict[int, str] = field(default_factory=dict)

    def error(self, code: str, path: str, message: str) -> ConvertError:
        """A located :class:`ConvertError` about the field at ``path``."""
        where = Location(self.file, self.line_of(path) if self.line_of else 0)
        return ConvertError(Diagnostic(code, message, location=where, path=path))

    def patched(self, path: str, generic: str) -> None:
        """Record that the field at ``path`` went to ``patch=``."""
        self.report.append(PatchUse(self.index, path, generic))
