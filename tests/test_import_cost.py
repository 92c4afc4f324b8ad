"""``import tiphys`` and ``tiphys --version`` must not import heavy libraries.

Each check runs a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("lark", "httpx", "yaml", "hera", "typer", "rich", "pydantic", "click")


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def _imported_modules(code: str) -> list[str]:
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    modules: list[str] = json.loads(done.stdout.splitlines()[-1])
    return modules


def _importtime_modules(stderr: str) -> list[str]:
    """Module names from ``python -X importtime`` output."""
    names = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.append(name)
    return names


def test_import_tiphys_imports_nothing_heavy() -> None:
    modules = _imported_modules("import tiphys")
    assert "tiphys" in modules
    assert _heavy(modules) == []


def test_import_cli_entry_module_imports_nothing_heavy() -> None:
    modules = _imported_modules("import tiphys.cli.app")
    assert _heavy(modules) == []


def _version() -> str:
    import tiphys.cli.app

    return tiphys.cli.app.version()


def test_python_m_tiphys_version_is_fast_path() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tiphys", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"tiphys {_version()}\n"
    imported = _importtime_modules(done.stderr)
    assert "tiphys.cli.app" in imported
    assert _heavy(imported) == []


def test_console_script_version() -> None:
    script = Path(sys.executable).parent / "tiphys"
    if not script.exists():
        pytest.skip(f"no console script beside {sys.executable}")
    done = subprocess.run(
        [str(script), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"tiphys {_version()}\n"
    imported = _importtime_modules(done.stderr)
    assert "tiphys.cli.app" in imported
    assert _heavy(imported) == []


def test_version_matches_distribution_metadata() -> None:
    from importlib.metadata import version

    assert _version() == version("tiphys")


# Modules only some workflows need: the core DSL modules import them where they are used.
OPTIONAL = (
    "tiphys.dsl.locations",
    "tiphys.dsl.locks",
    "tiphys.dsl.metrics",
    "tiphys.dsl.pod_fields",
    "tiphys.dsl.probes",
    "tiphys.dsl.hooks",
    "tiphys.dsl.loops",
    "tiphys.dsl.template_ref",
    "tiphys.dsl.cron",
    "tiphys.argo.metrics",
    "pathlib",
)


def test_authoring_imports_load_no_optional_module() -> None:
    modules = _imported_modules("from tiphys import Workflow, container, dag, script")
    assert "tiphys.dsl.workflow" in modules
    assert sorted(set(OPTIONAL) & set(modules)) == []
