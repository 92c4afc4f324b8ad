"""Loading the user's workflow sources: Python files, YAML files, directories and stdin.

Every CLI command that takes a workflow (``compile``, ``lint``) accepts the same arguments,
resolved here by :func:`collect`:

* ``release.py`` -- a Python file, imported as a module; its module-level workflow objects
  (tiphys ``Workflow``/``WorkflowTemplate``/... and Hera ``Workflow`` objects) are collected;
* ``release.py:name`` -- one of them, by variable name or by object name;
* ``workflows/`` -- a directory, searched recursively for ``*.py``, ``*.yaml`` and ``*.yml``;
* ``wf.yaml`` -- a YAML file, possibly holding several documents (``---``); documents whose kind
  is not an Argo workflow kind are skipped and reported as skipped;
* ``-`` -- YAML read from standard input.

Each workflow found becomes a :class:`Source`, which turns into a manifest dict plus a way to
map a field path back to the user's line (:meth:`Source.manifest`), for diagnostics.

Problems are :class:`~tiphys.errors.CompileError` diagnostics located at the user's file and
line, never a traceback: an exception raised while importing a user's Python file names the
line of that file it came through.

Whatever the user's code prints while it is imported or compiled goes to standard error, so that
standard output keeps only what the command prints (``tiphys compile ... | kubectl apply -f -``).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import importlib.util
import itertools
import os
import re
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from tiphys.errors import CompileError, Diagnostic, Location, closest

__all__ = [
    "ARGO_KINDS",
    "Collection",
    "LineOf",
    "Skipped",
    "Source",
    "collect",
]

LineOf = Callable[[str], int]
"""Maps a field path of a manifest (``spec.templates[0].name``, ``""`` for the document) to the
1-based line it was written on, or 0 when unknown."""

ARGO_KINDS: tuple[str, ...] = (
    "Workflow",
    "WorkflowTemplate",
    "ClusterWorkflowTemplate",
    "CronWorkflow",
)
"""The ``kind`` values of the manifests tiphys works with; other documents are skipped."""

# Diagnostic codes of this module (group S: sources).
PATH_NOT_FOUND = "S101"
"""A path argument names no file or directory."""
UNREADABLE = "S102"
"""A file could not be read (permissions, not UTF-8...)."""
SELECTOR_NO_MATCH = "S103"
"""A ``file.py:name`` selector matched no workflow in the file."""
IMPORT_FAILED = "S104"
"""Importing a Python file raised an exception."""
SYNTAX_ERROR = "S105"
"""A Python file is not valid Python."""
BUILD_FAILED = "S106"
"""Turning a workflow object into a manifest (``to_dict()``) raised an exception."""
BAD_ARGUMENT = "S107"
"""A path argument cannot be used as given (e.g. a selector on a directory or on stdin)."""
UNEXPECTED = "S108"
"""An unexpected exception while compiling or checking one workflow (likely a tiphys bug)."""

USAGE_CODES = frozenset({PATH_NOT_FOUND, SELECTOR_NO_MATCH, BAD_ARGUMENT})
"""Codes that mean the command line itself is wrong (exit code 2 even for ``lint``)."""

STDIN = "-"
STDIN_NAME = "<stdin>"

_PY_SUFFIXES = frozenset({".py"})
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_SKIP_DIR_NAMES = frozenset({"__pycache__", "node_modules", "site-packages"})
_module_counter = itertools.count()


@dataclass(frozen=True)
class Skipped:
    """A YAML document that is not an Argo workflow and was left out.

    Attributes:
        file: The file as the user named it (``<stdin>`` for standard input).
        index: 0-based position of the document in its file.
        line: 1-based line where the document starts, or 0.
        kind: Its ``kind`` field, or ``None`` when it has none.
        reason: Why it was skipped, e.g. ``kind 'ConfigMap' is not an Argo workflow kind``.
    """

    file: str
    index: int
    line: int
    kind: str | None
    reason: str

    def format(self) -> str:
        """Render as ``file:line: skipped: reason``.

        Returns:
            One line for stderr.
        """
        return f"{Location(self.file, self.line)}: skipped: {self.reason}"


@dataclass(eq=False)
class Source:
    """One workflow found in the user's input: a Python object or a YAML document.

    Attributes:
        file: The file as the user named it (``workflows/release.py``, ``<stdin>``).
        index: 0-based position in the file: the document index for YAML, the order of
            definition among the file's workflow objects for Python.
        line: 1-based line where the document or the object's definition starts, or 0.
        kind: ``Workflow``, ``WorkflowTemplate``, ``ClusterWorkflowTemplate`` or
            ``CronWorkflow``.
        name: ``metadata.name`` (or ``metadata.generateName``) for YAML; the object's name for
            Python objects (its variable name when it has none).
        variable: The module-level variable holding the object (Python only, else ``""``).
        obj: The tiphys or Hera workflow object, or ``None`` for YAML.
        doc: The manifest dict for YAML, or ``None`` for Python objects until compiled.
        line_map: Field path to line for YAML documents (``LoadedDocument.line_of``); use
            :meth:`manifest`, which also covers Python objects.
        raw: A :class:`~tiphys.dsl.raw.RawDocument` of a Python module (a ConfigMap...):
            emitted as it is, in its place, and not validated (``kind`` is then its own).
    """

    file: str
    index: int
    line: int
    kind: str
    name: str
    variable: str = ""
    obj: object | None = None
    doc: dict[str, Any] | None = None
    line_map: LineOf | None = field(default=None, repr=False)
    raw: bool = False

    @property
    def from_python(self) -> bool:
        """Whether this source is a Python object (as opposed to a YAML document)."""
        return self.obj is not None

    @property
    def label(self) -> str:
        """A short human name, e.g. ``WorkflowTemplate 'release'``."""
        return f"{self.kind} '{self.name}'" if self.name else self.kind

    def manifest(self) -> tuple[dict[str, Any], LineOf]:
        """Return the manifest dict and a field-path-to-line mapping for diagnostics.

        A Python object is compiled on the first call (``obj.to_dict()``) and the result is
        kept. The returned dict is shared, not copied: do not modify it.

        Returns:
            ``(doc, line_of)``: the manifest (``{"apiVersion": ..., "kind": ..., ...}``) and a
            function mapping a field path to the user's 1-based line (0 when unknown). For
            Python objects every path maps to the line where the object is defined.

        Raises:
            CompileError: The object could not be compiled (the DSL's own errors, or any
                exception raised by a Hera object's ``to_dict()``, located at the object).
        """
        if self.doc is None:
            self.doc = self._compile()
        if self.line_map is None:
            line = self.line
            self.line_map = lambda _path: line
        return self.doc, self.line_map

    def location(self) -> Location:
        """Where this source starts.

        Returns:
            The file and line of the document or object definition.
        """
        return Location(self.file, self.line)

    def _compile(self) -> dict[str, Any]:
        obj = self.obj
        to_dict = getattr(obj, "to_dict", None)
        if to_dict is None:  # pragma: no cover - collect() only keeps objects with to_dict
            raise TypeError(f"{obj!r} has no to_dict()")
        try:
            with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the manifests
                result = to_dict()
        except CompileError:
            raise
        except Exception as exc:
            if not _is_hera(obj):
                raise  # a tiphys object that fails without a CompileError is a tiphys bug
            raise CompileError(
                Diagnostic(
                    BUILD_FAILED,
                    f"building {self.label} (variable '{self.variable}') raised {_describe(exc)}",
                    location=self.location(),
                )
            ) from None
        if not isinstance(result, dict):
            raise TypeError(f"{type(obj).__name__}.to_dict() returned {type(result).__name__}")
        return result


class Collection(list[Source]):
    """The workflows found by :func:`collect`, in order, plus what was left out.

    It is a plain list of :class:`Source` with two extra attributes.

    Attributes:
        skipped: YAML documents that are not Argo workflows (a ``ConfigMap`` beside a
            ``Workflow``...), to report to the user.
        errors: Problems found while loading, when :func:`collect` was called with
            ``keep_going=True`` (otherwise they are raised).
    """

    def __init__(
        self,
        sources: Iterable[Source] = (),
        *,
        skipped: Iterable[Skipped] = (),
        errors: Iterable[Diagnostic] = (),
    ) -> None:
        super().__init__(sources)
        self.skipped: list[Skipped] = list(skipped)
        self.errors: list[Diagnostic] = list(errors)


def collect(
    paths: Sequence[str], *, stdin_text: str | None = None, keep_going: bool = False
) -> Collection:
    """Find the workflows named by command-line arguments.

    Args:
        paths: Arguments as the user typed them: ``file.py``, ``file.py:name``, ``dir/``,
            ``file.yaml`` (``file.yaml:name`` selects by ``metadata.name``), or ``-`` for YAML
            on standard input. Files named explicitly are read whatever their suffix (``.py``
            is imported, anything else is read as YAML); a directory is searched recursively
            for ``*.py``, ``*.yaml`` and ``*.yml`` in sorted order, skipping hidden
            directories, ``__pycache__``, ``node_modules`` and virtual environments.
        stdin_text: The text to use for ``-``; by default standard input is read (once).
        keep_going: Record loading problems in :attr:`Collection.errors` and go on with the
            other paths, instead of raising.

    Returns:
        The workflows, in argument order and, within a file, in document or definition order.
        A Python file imported for several arguments (``f.py:a f.py:b``) is imported once.

    Raises:
        CompileError: Unless ``keep_going``: after trying every path, with every problem
            found: a path that does not exist (``S101``), an unreadable file (``S102``), a
            selector that matches nothing (``S103``, listing what exists), an exception while
            importing a Python file (``S104``, at the line of that file it came through), a
            syntax error (``S105``), and whatever the YAML loader reports.
    """
    loader = _Loader(stdin_text)
    for arg in paths:
        try:
            loader.load_argument(arg)
        except CompileError as exc:
            loader.errors.extend(exc.diagnostics)
    if loader.errors and not keep_going:
        raise CompileError(loader.errors)
    return Collection(loader.sources, skipped=loader.skipped, errors=loader.errors)


class _Loader:
    """State of one :func:`collect` call."""

    def __init__(self, stdin_text: str | None) -> None:
        self.stdin_text = stdin_text
        self.stdin_used = False
        self.sources: list[Source] = []
        self.skipped: list[Skipped] = []
        self.errors: list[Diagnostic] = []
        self.modules: dict[str, list[Source]] = {}

    def load_argument(self, arg: str) -> None:
        if arg == STDIN:
            self._load_stdin()
            return
        path_str, selector = _split_selector(arg)
        path = Path(path_str)
        if not path.exists():
            raise _error(PATH_NOT_FOUND, path_str, "no such file or directory")
        if path.is_dir():
            if selector is not None:
                raise _error(
                    BAD_ARGUMENT,
                    path_str,
                    f"a selector (':{selector}') needs a file, not a directory",
                )
            self._load_directory(path, path_str)
            return
        found = self._load_file(path, path_str, explicit=True)
        if selector is not None:
            found = _select(found, selector, path_str)
        self.sources.extend(found)

    def _load_stdin(self) -> None:
        if self.stdin_used:
            raise _error(BAD_ARGUMENT, STDIN_NAME, "'-' (standard input) can be given only once")
        self.stdin_used = True
        text = self.stdin_text if self.stdin_text is not None else read_stdin()
        sources, skipped = _load_yaml(text, STDIN_NAME)
        self.sources.extend(sources)
        self.skipped.extend(skipped)

    def _load_directory(self, directory: Path, display: str) -> None:
        for path in _walk(directory):
            shown = os.path.normpath(os.path.join(display, path.relative_to(directory)))
            try:
                self.sources.extend(self._load_file(path, shown, explicit=False))
            except CompileError as exc:
                self.errors.extend(exc.diagnostics)

    def _load_file(self, path: Path, display: str, *, explicit: bool) -> list[Source]:
        if path.suffix in _PY_SUFFIXES:
            key = os.path.realpath(path)
            if key not in self.modules:
                self.modules[key] = _load_python(path, display)
            return self.modules[key]
        if explicit or path.suffix in _YAML_SUFFIXES:
            text = _read_text(path, display)
            sources, skipped = _load_yaml(text, display)
            self.skipped.extend(skipped)
            return sources
        return []  # pragma: no cover - _walk only yields .py and YAML files


# --- arguments and directories -------------------------------------------------------------------


def _split_selector(arg: str) -> tuple[str, str | None]:
    """Split ``file.py:name`` into the path and the selector (``None`` when there is none)."""
    if os.path.exists(arg) or ":" not in arg:
        return arg, None
    base, _, selector = arg.rpartition(":")
    if base and selector and Path(base).suffix in _PY_SUFFIXES | _YAML_SUFFIXES:
        return base, selector
    return arg, None


def _skip_dir(path: Path) -> bool:
    name = path.name
    return (
        name.startswith(".")
        or name in _SKIP_DIR_NAMES
        or (path / "pyvenv.cfg").exists()  # a virtual environment, whatever its name
    )


def _walk(directory: Path) -> list[Path]:
    """Every ``*.py``/``*.yaml``/``*.yml`` below ``directory``, sorted by relative path."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not _skip_dir(Path(root, d)))
        for name in files:
            suffix = os.path.splitext(name)[1]
            if not name.startswith(".") and suffix in _PY_SUFFIXES | _YAML_SUFFIXES:
                found.append(Path(root, name))
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


def read_stdin() -> str:
    """Standard input as UTF-8 text.

    Raises:
        CompileError: ``S102`` when it is not UTF-8 (the bytes are read whole, never with
            replacement characters that would turn into other values).
    """
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(
            UNREADABLE,
            STDIN_NAME,
            f"cannot read standard input: not UTF-8 (byte {data[exc.start]:#04x} at offset "
            f"{exc.start})",
        ) from None


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _error(UNREADABLE, display, f"cannot read file: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise _error(UNREADABLE, display, f"cannot read file: {exc.strerror or exc}") from None


def _select(found: list[Source], selector: str, display: str) -> list[Source]:
    """Keep the sources whose variable name or object name is ``selector``."""
    chosen = [s for s in found if selector in (s.variable, s.name)]
    if chosen:
        return chosen
    names: list[str] = []
    for s in found:
        for n in (s.variable, s.name):
            if n and n not in names:
                names.append(n)
    if names:
        message = f"no workflow named '{selector}' (workflows: {', '.join(names)})"
        close = closest(selector, names)
        if close:
            message += f". Did you mean '{close}'?"
    else:
        message = f"no workflow named '{selector}': the file defines no workflows"
    raise _error(SELECTOR_NO_MATCH, display, message)


def _error(code: str, file: str, message: str, line: int = 0) -> CompileError:
    return CompileError(Diagnostic(code, message, location=Location(file, line)))


# --- YAML ----------------------------------------------------------------------------------------


_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*"')
ECHO_MAX = 100
"""At most this many characters of the user's input are echoed in a message."""


def _shorten_echo(message: str) -> str:
    """Cut each quoted piece of input longer than :data:`ECHO_MAX` in a loader's message.

    ``tiphys lint /etc/passwd`` would otherwise print the whole file as "the scalar '...'".
    """

    def cut(match: re.Match[str]) -> str:
        quoted = match.group(0)
        if len(quoted) <= ECHO_MAX + 2:
            return quoted
        return f"{quoted[: ECHO_MAX + 1]}...{quoted[-1]} ({len(quoted) - 2} characters)"

    return _QUOTED.sub(cut, message)


def _load_yaml(text: str, display: str) -> tuple[list[Source], list[Skipped]]:
    from tiphys.compile.yaml_in import load_documents

    sources: list[Source] = []
    skipped: list[Skipped] = []
    try:
        documents = load_documents(text, display)
    except CompileError as exc:
        raise CompileError(
            [dataclasses.replace(d, message=_shorten_echo(d.message)) for d in exc.diagnostics]
        ) from None
    for loaded in documents:
        doc: Any = loaded.doc
        if not isinstance(doc, dict):
            skipped.append(
                Skipped(display, loaded.index, loaded.line, None, "the document is not a mapping")
            )
            continue
        kind = doc.get("kind")
        if kind not in ARGO_KINDS:
            reason = (
                "the document has no kind"
                if kind is None
                else f"kind '{kind}' is not an Argo workflow kind ({', '.join(ARGO_KINDS)})"
            )
            skipped.append(
                Skipped(display, loaded.index, loaded.line, str(kind) if kind else None, reason)
            )
            continue
        metadata = doc.get("metadata")
        name = ""
        if isinstance(metadata, dict):
            name = str(metadata.get("name") or metadata.get("generateName") or "")
        sources.append(
            Source(
                file=display,
                index=loaded.index,
                line=loaded.line,
                kind=str(kind),
                name=name,
                doc=doc,
                line_map=loaded.line_of,
            )
        )
    return sources, skipped


# --- Python --------------------------------------------------------------------------------------


def _load_python(path: Path, display: str) -> list[Source]:
    source_text = _read_text(path, display)
    module = _import_file(path, display)
    try:
        tree = ast.parse(source_text, filename=str(path))
    except SyntaxError:  # pragma: no cover - it was just imported
        tree = ast.Module(body=[], type_ignores=[])
    bindings, imported = _top_level_bindings(tree)
    return _workflow_objects(module, path, display, bindings, imported)


def _import_file(path: Path, display: str) -> ModuleType:
    """Import ``path`` as a fresh module with a unique name, its directory on ``sys.path``."""
    stem = re.sub(r"\W", "_", path.stem)
    module_name = f"_tiphys_user_{next(_module_counter)}_{stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has one
        raise _error(IMPORT_FAILED, display, "cannot import this file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses, pickle and typing look modules up here
    directory = str(path.resolve().parent)
    sys.path.insert(0, directory)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the manifests
            spec.loader.exec_module(module)
    except CompileError:
        del sys.modules[module_name]
        raise  # the DSL's own errors already point at the user's line
    except SyntaxError as exc:
        del sys.modules[module_name]
        raise CompileError(_syntax_error(exc, path, display)) from None
    except (Exception, SystemExit) as exc:  # KeyboardInterrupt still stops everything
        del sys.modules[module_name]
        raise CompileError(_import_error(exc, path, display)) from None
    finally:
        with contextlib.suppress(ValueError):  # the user's module may have removed it
            sys.path.remove(directory)
    return module


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _syntax_error(exc: SyntaxError, path: Path, display: str) -> Diagnostic:
    file, line = display, exc.lineno or 0
    if exc.filename and not _same_file(exc.filename, path):
        # The syntax error is in a module that the user's file imports.
        file = exc.filename
    return Diagnostic(SYNTAX_ERROR, f"invalid Python: {exc.msg}", location=Location(file, line))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit (sys.exit({exc.code!r}) was called)"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import_error(exc: BaseException, path: Path, display: str) -> Diagnostic:
    line, origin = _traceback_position(exc.__traceback__, path)
    message = f"importing {display} raised {_describe(exc)}"
    if origin:
        message += f" (raised at {origin})"
    return Diagnostic(IMPORT_FAILED, message, location=Location(display, line))


def _traceback_position(tb: TracebackType | None, path: Path) -> tuple[int, str]:
    """The last line of ``path`` in a traceback, and where it was raised if elsewhere."""
    line = 0
    last = ""
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if _same_file(filename, path):
            line = lineno
            last = ""
        elif not _is_library(filename):
            last = f"{_display(filename)}:{lineno}"
    return line, last


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    dirs.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tiphys itself
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


def _is_library(filename: str) -> bool:
    """Whether a traceback frame is Python's, an installed package's or tiphys' own code."""
    if filename.startswith("<"):
        return True
    return os.path.realpath(filename).startswith(_library_dirs())


def _display(filename: str) -> str:
    if filename.startswith("<"):
        return filename
    try:
        rel = os.path.relpath(filename)
    except ValueError:  # pragma: no cover - another drive on Windows
        return filename
    return filename if rel.startswith("..") else rel


def _top_level_bindings(tree: ast.Module) -> tuple[dict[str, int], set[str]]:
    """Names bound at module level: ``{name: line}``, and those last bound by an import."""
    lines: dict[str, int] = {}
    imported: set[str] = set()

    def bind(name: str, line: int) -> None:
        lines[name] = line
        imported.discard(name)

    def target_names(target: ast.expr) -> list[str]:
        if isinstance(target, ast.Name):
            return [target.id]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [n for elt in target.elts for n in target_names(elt)]
        if isinstance(target, ast.Starred):
            return target_names(target.value)
        return []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in target_names(target):
                        bind(name, node.lineno)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                for name in target_names(node.target):
                    bind(name, node.lineno)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        for name in target_names(item.optional_vars):
                            bind(name, item.context_expr.lineno)
                visit(node.body)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(node.name, node.lineno)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    lines[name] = node.lineno
                    imported.add(name)
            elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return lines, imported


def _hera_workflow_class() -> Any:
    """Hera's ``Workflow`` class if the user's code imported Hera, else ``None``.

    Hera is never imported here (it takes ~0.5 s): a module that builds Hera objects has
    already imported it.
    """
    module = sys.modules.get("hera.workflows")
    return getattr(module, "Workflow", None) if module is not None else None


def _is_hera(obj: object) -> bool:
    cls = _hera_workflow_class()
    return cls is not None and isinstance(obj, cls)


def _hera_kind(obj: object) -> str:
    """The Argo kind of a Hera workflow object (its ``kind``, or that of its Hera base class)."""
    kind = getattr(obj, "kind", None)
    if kind in ARGO_KINDS:
        return str(kind)
    for cls in type(obj).__mro__:
        if cls.__name__ in ARGO_KINDS and cls.__module__.startswith("hera."):
            return cls.__name__
    return "Workflow"  # pragma: no cover - every Hera workflow class is one of the four


def _workflow_objects(
    module: ModuleType,
    path: Path,
    display: str,
    bindings: dict[str, int],
    imported: set[str],
) -> list[Source]:
    from tiphys.dsl.raw import RawDocument
    from tiphys.dsl.workflow import WorkflowBase

    hera_workflow = _hera_workflow_class()
    seen: set[int] = set()
    sources: list[Source] = []
    for variable, value in vars(module).items():
        if variable.startswith("__") or variable in imported or id(value) in seen:
            continue
        if isinstance(value, WorkflowBase):
            kind = str(value.kind)
            name = str(value.name or getattr(value, "generate_name", None) or variable)
            location = value.location
            line = (
                location.line
                if location.line and location.file and _same_file(location.file, path)
                else bindings.get(variable, 0)
            )
        elif isinstance(value, RawDocument):
            kind = value.kind
            name = str(value.name or variable)
            line = value.location.line if _same_file(value.location.file, path) else 0
            line = line or bindings.get(variable, 0)
        elif hera_workflow is not None and isinstance(value, hera_workflow):
            kind = _hera_kind(value)
            name = str(
                getattr(value, "name", None) or getattr(value, "generate_name", None) or variable
            )
            line = bindings.get(variable, 0)
        else:
            continue
        seen.add(id(value))
        sources.append(
            Source(
                file=display,
                index=len(sources),
                line=line,
                kind=kind,
                name=name,
                variable=variable,
                obj=value,
                raw=isinstance(value, RawDocument),
            )
        )
    return sources
