"""Every ``tiphys ...`` command line shown in README.md and docs/ stays valid.

Each line is split like a shell would, its command path is looked up in the real CLI, and
every option it uses must be one of that command's options (a renamed flag fails here).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from tiphys.cli.app import create_app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `tiphys VERB ...` at the start of a console line, a YAML `run:`/`-` item or a list item.
_LINE = re.compile(r"^(?:\s*(?:\$ |- run: |- ))?(tiphys [^`#\n]*)", re.M)


def _command_lines() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", doc.read_text(), re.S):
            for match in _LINE.finditer(block):
                found.append((doc.name, match.group(1).strip()))
    return found


LINES = _command_lines()


def test_the_docs_show_commands() -> None:
    assert {doc for doc, _ in LINES} == {"README.md", "ci.md", "local.md"}


def _resolve(words: list[str]) -> tuple[Any, list[str]]:
    # typer may vendor click (typer._click): groups are recognised by their `commands` table
    command: Any = typer.main.get_command(create_app())
    rest = words[1:]
    while getattr(command, "commands", None) is not None and rest and rest[0][0] != "-":
        if rest[0] not in command.commands:
            raise LookupError(f"unknown command {rest[0]!r}")
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


@pytest.mark.parametrize(("doc", "line"), LINES, ids=[f"{d}:{line}" for d, line in LINES])
def test_command_and_flags_exist(doc: str, line: str) -> None:
    words = shlex.split(line)
    command, rest = _resolve(words)
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    used = {word.split("=", 1)[0] for word in rest if word.startswith("-") and word != "-"}
    assert sorted(used - known) == [], f"{doc}: {line}"
