"""Every public name of the package, and every public method or property, has a docstring."""

from __future__ import annotations

import inspect

import pytest

import tiphys

PUBLIC = [n for n in tiphys.__all__ if not n.startswith("__")]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names_are_documented(name: str) -> None:
    obj = getattr(tiphys, name)
    assert (obj.__doc__ or "").strip(), name
    if not inspect.isclass(obj):
        return
    for member, value in vars(obj).items():
        if member.startswith("_"):
            continue
        target = value.fget if isinstance(value, property) else value
        if callable(target):
            assert (target.__doc__ or "").strip(), f"{name}.{member}"
