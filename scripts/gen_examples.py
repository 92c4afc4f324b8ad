"""Regenerate ``examples/<name>.yaml`` from ``examples/<name>.py``.

Each example module is imported by path and every module-level workflow object (``Workflow``,
``WorkflowTemplate``, ``ClusterWorkflowTemplate``...) is compiled with ``to_yaml()``, in the
order the module defines them; several objects give one multi-document YAML file. The YAML is
written beside the example, after a one-line comment saying where it comes from.

``tests/test_examples.py`` recompiles every example with :func:`render` and compares the whole
text with the file, so the YAML files are never edited by hand. Usage::

    .venv/bin/python scripts/gen_examples.py            # rewrite every examples/*.yaml
    .venv/bin/python scripts/gen_examples.py --check    # exit 1 when one is stale
    .venv/bin/python scripts/gen_examples.py hello      # only examples/hello.py
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_counter = itertools.count()


@contextlib.contextmanager
def at_root() -> Iterator[None]:
    """Run the block with the repository root as working directory.

    tiphys writes the defining file of each ``@script`` into its source header relative to the
    working directory (``examples/loops.py:23``); compiling from the root keeps the output the
    same wherever the command is started.
    """
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def load_module(path: Path) -> Iterator[ModuleType]:
    """Import a Python file under a unique module name, for the duration of the block.

    The module stays in ``sys.modules`` until the block ends, because compiling looks classes
    up there (a ``@script`` returning a dataclass ships the class's source); it is removed
    afterwards, so importing the same file again gives a fresh module.

    Args:
        path: The ``.py`` file.

    Yields:
        The executed module.
    """
    name = f"_tiphys_example_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def workflow_objects(module: ModuleType) -> list[Any]:
    """The module-level workflow objects (and raw documents) of a module, in definition
    order, each once."""
    from tiphys.dsl.raw import RawDocument
    from tiphys.dsl.workflow import WorkflowBase

    found: dict[int, Any] = {}
    for value in vars(module).values():
        if isinstance(value, WorkflowBase | RawDocument):
            found.setdefault(id(value), value)
    return list(found.values())


def render(path: Path) -> str:
    """Compile one example file to the text of its YAML file.

    Args:
        path: ``examples/<name>.py``.

    Returns:
        A comment line naming the source, then the ``to_yaml()`` of each workflow object,
        separated by ``---`` lines.

    Raises:
        ValueError: The file defines no workflow object.
        CompileError: An example does not compile.
    """
    with at_root(), load_module(path) as module:
        objects = workflow_objects(module)
        if not objects:
            raise ValueError(f"{path} defines no module-level workflow object")
        documents = [obj.to_yaml() for obj in objects]
    source = path.resolve().relative_to(ROOT).as_posix()
    header = f"# Generated from {source} by scripts/gen_examples.py; do not edit.\n"
    return header + "---\n".join(documents)


def example_files(names: list[str] | None = None) -> list[Path]:
    """``examples/*.py`` in name order, or only the named ones (``hello`` or ``hello.py``)."""
    if not names:
        return sorted(EXAMPLES.glob("*.py"))
    return [EXAMPLES / (name if name.endswith(".py") else f"{name}.py") for name in names]


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` only compare) the YAML of the examples.

    Returns:
        0 when every file is up to date or was written; 1 when ``--check`` found a stale one.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="examples to regenerate (default: all)")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when stale")
    args = parser.parse_args(argv)
    stale = 0
    for path in example_files(args.names):
        target = path.with_suffix(".yaml")
        text = render(path)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        shown = target.relative_to(ROOT)
        if args.check:
            print(f"{shown} is stale", file=sys.stderr)
            stale += 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {shown}")
    if stale:
        print("run: python scripts/gen_examples.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
