"""The converter's working data: the module being written, one document's context, the report.

Generated code is collected as :class:`Block` texts (one per template or workflow), so that an
error raised while the generated module runs can be traced back to the YAML template it came
from (:meth:`Module.block_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tiphys.convert.pywriter import Names, literal
from tiphys.errors import ConvertError, Diagnostic, Location

IMPORT_ORDER = ("typing", "tiphys")


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
    """

    source: str
    report: list[PatchUse]
    formatted: bool = False


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
        for module in sorted(self.imports, key=lambda m: (m != "typing", m)):
            names = ", ".join(sorted(self.imports[module]))
            lines.append(f"from {module} import {names}")
        spans: list[tuple[int, int, tuple[int, str]]] = []
        for block in self.blocks:
            lines += ["", ""]
            first = len(lines) + 1
            lines += block.text.rstrip("\n").split("\n")
            spans.append((first, len(lines), block.key))
        return "\n".join(lines) + "\n", spans


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
        report: Patch uses found so far.
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
    report: list[PatchUse] = field(default_factory=list)

    def error(self, code: str, path: str, message: str) -> ConvertError:
        """A located :class:`ConvertError` about the field at ``path``."""
        where = Location(self.file, self.line_of(path) if self.line_of else 0)
        return ConvertError(Diagnostic(code, message, location=where, path=path))

    def patched(self, path: str, generic: str) -> None:
        """Record that the field at ``path`` went to ``patch=``."""
        self.report.append(PatchUse(self.index, path, generic))


def patch_literal(patch: dict[str, Any]) -> str:
    """Source of a ``patch=`` value."""
    return literal(patch)
