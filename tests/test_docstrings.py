"""Every public name of the package, and every public method or property, has a docstring."""

from __future__ import annotations

import inspect

import pytest

import tiphys
import tiphys.client

PUBLIC = [
    (module, name)
    for module in (tiphys, tiphys.client)
    for name in module.__all__
    if not name.startswith("__")
]


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[f"{m.__name__}.{n}" for m, n in PUBLIC])
def test_public_names_are_documented(module: object, name: str) -> None:
    obj = getattr(module, name)
    assert (obj.__doc__ or "").strip(), name
    if not inspect.isclass(obj):
        return
    for member, value in vars(obj).items():
        if member.startswith("_"):
            continue
        target = value.fget if isinstance(value, property) else value
        if callable(target):
            assert (target.__doc__ or "").strip(), f"{name}.{member}"


def test_run_logs_timeout_is_documented_as_client_logs_does() -> None:
    # Run.logs passes timeout to Client.logs, where it bounds each read, not the whole read.
    import inspect

    from tiphys.client import AsyncClient, AsyncRun, Client, Run

    def timeout_doc(function: object) -> str:
        lines = (inspect.getdoc(function) or "").splitlines()
        return next(line.strip() for line in lines if line.strip().startswith("timeout:"))

    expected = "timeout: Seconds one read may wait (default the configuration's read timeout)."
    for function in (Client.logs, AsyncClient.logs, Run.logs, AsyncRun.logs):
        assert timeout_doc(function) == expected
