"""Public names of ``tiphys`` and ``tiphys.dsl`` are imported on first use.

The export table, the ``if TYPE_CHECKING:`` imports that type checkers read, and ``__all__`` must
list the same names, each resolving to the object its module defines.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tiphys
import tiphys.dsl

SDK = Path(tiphys.__file__).resolve().parent


def _type_checking_imports(path: Path) -> dict[str, str]:
    """Names imported inside ``if TYPE_CHECKING:`` -> the module they come from."""
    tree = ast.parse(path.read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    found.update({alias.name: stmt.module for alias in stmt.names})
    return found


def test_dsl_table_matches_type_checking_imports_and_all() -> None:
    declared = _type_checking_imports(SDK / "dsl" / "__init__.py")
    assert declared == tiphys.dsl.EXPORTS
    assert sorted(tiphys.dsl.__all__) == sorted(declared)


def test_top_level_names_match_type_checking_imports_and_all() -> None:
    declared = _type_checking_imports(SDK / "__init__.py")
    assert sorted(tiphys.__all__) == sorted([*declared, "__version__"])
    for name, module in declared.items():
        # tiphys.load is the converter's (imported with YAML on first use only);
        # tiphys.WorkflowFailed is the client's (imported on first use, without httpx).
        assert module in (
            "tiphys.dsl",
            "tiphys.errors",
            "tiphys.convert.load",
            "tiphys.client.run",
        ), name


@pytest.mark.parametrize("name", sorted(tiphys.dsl.EXPORTS))
def test_each_name_resolves_to_its_module_object(name: str) -> None:
    module = importlib.import_module(tiphys.dsl.EXPORTS[name])
    assert getattr(tiphys.dsl, name) is getattr(module, name)
    assert getattr(tiphys, name) is getattr(module, name)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'tiphys' has no attribute 'contaner'"):
        tiphys.contaner  # noqa: B018
    with pytest.raises(ImportError, match="cannot import name 'Contaner'"):
        exec("from tiphys.dsl import Contaner", {})


def test_import_tiphys_loads_no_dsl_module() -> None:
    probe = "import tiphys, json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = [m for m in json.loads(done.stdout) if m.startswith("tiphys.")]
    assert loaded == ["tiphys._lazy", "tiphys.dsl"]


def test_dir_lists_public_names() -> None:
    assert "container" in dir(tiphys)
    assert "S3" in dir(tiphys.dsl)
