"""Generated @script sources run with this machine's Python, as Argo's script executor would.

Argo keeps all of stdout as ``outputs.result`` with one trailing newline trimmed, and output
parameters from files with one trailing newline trimmed; these tests apply exactly that rule.
The generated scripts write outputs under /tmp/tiphys/outputs; each test redirects that to its
own temporary directory so parallel test workers do not collide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import pytest

from tiphys import Workflow, dag, script
from tiphys.compile.script_source import python_source
from tiphys.dsl.script import OUTPUT_DIR, ScriptTemplate


def run_script(template: ScriptTemplate[Any, Any], tmp_path: Path, **inputs: str) -> str:
    """Run the generated source; return ``outputs.result`` as Argo computes it."""
    source = python_source(template).replace(OUTPUT_DIR, str(tmp_path / "outputs"))
    path = tmp_path / "script.py"
    path.write_text(source)
    env = {**os.environ, **{f"TIPHYS_IN_{k}": v for k, v in inputs.items()}}
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, env=env, timeout=60, check=True
    )
    out = done.stdout.decode()
    return out[:-1] if out.endswith("\n") else out


def output_file(tmp_path: Path, name: str) -> str:
    text = (tmp_path / "outputs" / name).read_text()
    return text[:-1] if text.endswith("\n") else text


@script
def noisy_str() -> str:
    import os
    import subprocess
    import sys

    print("printed by the body")
    sys.stdout.write("written to sys.stdout\n")
    os.write(1, b"written to fd 1\n")
    subprocess.run(["echo", "from a subprocess"], check=True)
    subprocess.run([sys.executable, "-c", "print('from a child python')"], check=True)
    return "line one\nline two, ünïcode ✓\n"


def test_returned_str_is_exact_despite_prints(tmp_path: Path) -> None:
    assert run_script(noisy_str, tmp_path) == "line one\nline two, ünïcode ✓\n"
    assert output_file(tmp_path, "return") == "line one\nline two, ünïcode ✓\n"


@script
def typed(n: int, x: float, flag: bool, items: list[str], cfg: dict[str, int], s: str) -> dict:
    print("noise")
    return {
        "n": n + 1,
        "x": x * 2,
        "flag": not flag,
        "items": items[::-1],
        "cfg": cfg,
        "s": s,
        "types": [type(v).__name__ for v in (n, x, flag, items, cfg, s)],
    }


def test_inputs_arrive_typed_and_value_is_json(tmp_path: Path) -> None:
    result = run_script(
        typed,
        tmp_path,
        n="41",
        x="1.25",
        flag="true",
        items='["a","b"]',
        cfg='{"k":1}',
        s='it\'s "quoted" {{not substituted}}',
    )
    assert json.loads(result) == {
        "n": 42,
        "x": 2.5,
        "flag": False,
        "items": ["b", "a"],
        "cfg": {"k": 1},
        "s": 'it\'s "quoted" {{not substituted}}',
        "types": ["int", "float", "bool", "list", "dict", "str"],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (-3, "-3"), (True, "true"), ([1, "a"], '[1, "a"]'), (None, "null")],
)
def test_non_str_values_are_json(tmp_path: Path, value: Any, expected: str) -> None:
    @script
    def give(v: str) -> int:
        import json

        print("noise")
        return json.loads(v)  # type: ignore[no-any-return]

    assert run_script(give, tmp_path, v=json.dumps(value)) == expected


class Stats(TypedDict):
    count: int
    label: str


@script
def stats(words: list[str]) -> Stats:
    print("counting")
    return {"count": len(words), "label": "words: " + ", ".join(words)}


@dataclass
class Size:
    width: int
    unit: str


@script
def measure() -> Size:
    print("measuring")
    return Size(width=3, unit="cm")


class Pair(NamedTuple):
    left: str
    right: str


@script
def pair() -> Pair:
    return Pair("l", "r")


def test_structured_returns_write_one_file_per_field(tmp_path: Path) -> None:
    result = run_script(stats, tmp_path, words='["a","b"]')
    assert json.loads(result) == {"count": 2, "label": "words: a, b"}
    assert output_file(tmp_path, "count") == "2"
    assert output_file(tmp_path, "label") == "words: a, b"
    assert sorted(stats.outputs) == ["count", "label"]


def test_dataclass_return_embeds_the_class(tmp_path: Path) -> None:
    assert json.loads(run_script(measure, tmp_path)) == {"width": 3, "unit": "cm"}
    assert output_file(tmp_path, "unit") == "cm"


def test_namedtuple_return(tmp_path: Path) -> None:
    assert json.loads(run_script(pair, tmp_path)) == {"left": "l", "right": "r"}
    assert output_file(tmp_path, "right") == "r"


@script
def plain(name: str) -> None:
    print(f"hello {name}")


def test_no_return_annotation_passes_stdout_through(tmp_path: Path) -> None:
    assert run_script(plain, tmp_path, name="argo") == "hello argo"


@script
def braces() -> str:
    return "{{workflow.name}} and }} and {{"


def test_braces_in_constants_are_split_and_preserved(tmp_path: Path) -> None:
    source = python_source(braces)
    assert "{{" not in source
    assert run_script(braces, tmp_path) == "{{workflow.name}} and }} and {{"


def test_generated_source_is_compiled_into_the_manifest() -> None:
    @dag
    def main() -> None:
        stats(words=["x"])

    tmpl = Workflow(entrypoint=main).to_dict()["spec"]["templates"][1]
    assert tmpl["name"] == "stats"
    assert tmpl["script"]["source"] == python_source(stats)
    assert tmpl["script"]["env"] == [
        {"name": "TIPHYS_IN_words", "value": "{{inputs.parameters.words}}"}
    ]
    assert tmpl["outputs"] == {
        "parameters": [
            {"name": "count", "valueFrom": {"path": "/tmp/tiphys/outputs/count"}},
            {"name": "label", "valueFrom": {"path": "/tmp/tiphys/outputs/label"}},
        ]
    }
    first = tmpl["script"]["source"].splitlines()[0]
    assert first.startswith("# tiphys: generated from test_script_source.py:")


def test_calling_a_script_outside_a_dag_runs_the_function() -> None:
    assert stats(["a"]) == {"count": 1, "label": "words: a"}
    assert stats.fn(["a", "b"])["count"] == 2


@script
def scoped(n: int) -> list[int]:
    k = 2

    def double(x: int) -> int:
        return k * x

    return [k * i for i in range(n)] + list(map(lambda i: double(i) + k, range(n)))


def test_locals_used_in_comprehensions_lambdas_and_nested_functions(tmp_path: Path) -> None:
    assert json.loads(run_script(scoped, tmp_path, n="2")) == [0, 2, 2, 4]
