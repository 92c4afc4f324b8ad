"""Fuzzing ``tiphys convert`` and ``tiphys.load`` with mutated upstream examples.

Each example is a corpus document; hypothesis applies a few mutations (drop a key, give a field
a value of the wrong type, add an unknown key, put odd text in a string, nest deeply) and the
converter must either succeed (and then the module it writes must compile back to the input)
or raise one of tiphys' own errors whose diagnostics say where: a file and line or a field
path. Never another exception.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema_oracle import SHARED_ARGO
from tiphys.convert.convert import convert_text
from tiphys.convert.load import load_text
from tiphys.dsl.raw import RawDocument
from tiphys.errors import CompileError, TiphysError

EXAMPLES = SHARED_ARGO / "examples"
FILES = sorted(EXAMPLES.rglob("*.yaml")) if EXAMPLES.is_dir() else []

ODD_STRINGS = [
    "",
    "{{",
    "}}",
    "{{inputs.parameters.missing}}",
    "{{=1 +}}",
    "\\N{BULLET}",
    "quote \" and ' both",
    "a" * 300,
    "\u00e9\u4e2d\U0001f600",
    "line\nbreak",
    "in",
    "class",
    "-leading-dash",
    "__import__('os')",
]
WRONG_VALUES: list[Any] = [None, 0, -1, 1.5, True, "text", [], {}, [1, "a"], {"k": [None]}]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> str:
    import yaml

    path = draw(st.sampled_from(FILES))
    docs = [d for d in yaml.safe_load_all(_text(path)) if d is not None]
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(docs) - 1))
        doc = docs[index]
        paths = _paths(doc)
        target = paths[draw(st.integers(0, len(paths) - 1))]
        # Odd text in a string field keeps the document valid and reaches the writer most.
        op = draw(st.sampled_from(["drop", "wrong", "unknown", "odd", "odd", "odd", "deep"]))
        if not target:
            if op == "wrong":
                docs[index] = draw(st.sampled_from(WRONG_VALUES[1:])) or {"kind": "Workflow"}
            continue
        parent = _get(doc, target[:-1])
        key = target[-1]
        if op == "drop":
            del parent[key]
        elif op == "wrong":
            parent[key] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
        elif op == "unknown" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(["x", "templatez", "name", "-"]))] = "?"
        elif op == "odd" and isinstance(parent[key], str):
            parent[key] = draw(st.sampled_from(ODD_STRINGS))
        elif op == "odd":
            strings = [p for p in _paths(parent[key]) if isinstance(_get(parent[key], p), str)]
            if strings and strings[0]:
                inner = strings[draw(st.integers(0, len(strings) - 1))]
                if inner:
                    _get(parent[key], inner[:-1])[inner[-1]] = draw(st.sampled_from(ODD_STRINGS))
        elif op == "deep":
            value: Any = "leaf"
            for _ in range(draw(st.integers(5, 60))):
                value = [value] if draw(st.booleans()) else {"k": value}
            parent[key] = value
    return "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs)


def _check_error(exc: TiphysError) -> None:
    assert str(exc)
    if isinstance(exc, CompileError):
        for diagnostic in exc.diagnostics:
            assert diagnostic.location.file == "fuzz.yaml" or diagnostic.path, diagnostic
            assert diagnostic.message


@pytest.mark.skipif(not FILES, reason="../shared/argo/examples is absent")
@given(mutated())
def test_convert_raises_only_located_tiphys_errors(text: str) -> None:
    try:
        convert_text(text, "fuzz.yaml", format=False)
    except TiphysError as exc:
        _check_error(exc)


@pytest.mark.skipif(not FILES, reason="../shared/argo/examples is absent")
@given(mutated())
def test_load_raises_only_located_tiphys_errors(text: str) -> None:
    try:
        objects = load_text(text, "fuzz.yaml")
    except TiphysError as exc:
        _check_error(exc)
    else:
        # What converts must compile back to the input (the round-trip test's normalisation).
        import yaml

        from test_convert_roundtrip import normalise

        originals = [d for d in yaml.safe_load_all(text) if d is not None]
        assert len(objects) == len(originals)
        for obj, original in zip(objects, originals, strict=True):
            if isinstance(obj, RawDocument):
                assert obj.to_dict() == original
            else:
                assert normalise(obj.to_dict()) == normalise(original)


def test_a_document_of_another_kind_keeps_its_empty_fields() -> None:
    """Found by the fuzz test: a document without a kind lost its ``arguments: {}``."""
    text = "apiVersion: argoproj.io/v1alpha1\nmetadata: {name: w}\nspec:\n  arguments: {}\n"
    (obj,) = load_text(text, "t.yaml")
    assert isinstance(obj, RawDocument)
    assert obj.to_dict() == {
        "apiVersion": "argoproj.io/v1alpha1",
        "metadata": {"name": "w"},
        "spec": {"arguments": {}},
    }
