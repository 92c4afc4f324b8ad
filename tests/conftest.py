"""Shared pytest configuration for the tiphys tests."""

# --- hypothesis profiles (CI tooling; keep this block at the top) --------------------------------
# HYPOTHESIS_PROFILE=ci (set by .ci/run): derandomized, modest example count, no deadline, so CI
# runs are repeatable and fit the time budget on 2 CPUs. Default "dev": random, more examples.
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
# --- end of hypothesis profiles -----------------------------------------------------------------

# --- Argo contract folder (validate / yaml_in tests) ---------------------------------------------
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from schema_oracle import shared_argo  # noqa: E402


@pytest.fixture
def shared_argo_dir() -> Path:
    """``../shared/argo``; skips the test when absent (fails it under ``CI=true``)."""
    return shared_argo()


# --- end of Argo contract folder ------------------------------------------------------------------


# --- tiphys convert: patch= report of the round-trip test ----------------------------------------
# The round-trip test records, per example file, the fields written as patch= in its report's
# user_properties ("convert_patch"); they reach this process also under xdist, and are printed
# after the run.
_PATCH_REPORT: dict[str, list[str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the ``convert_patch`` properties of finished round-trip tests."""
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == "convert_patch":
            name, fields = value
            _PATCH_REPORT[name] = list(fields)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print which converted examples needed ``patch=``, and for which fields."""
    if not _PATCH_REPORT:
        return
    write = terminalreporter.write_line
    terminalreporter.section("tiphys convert: patch= use")
    counts: dict[str, int] = {}
    for name in sorted(_PATCH_REPORT):
        fields = _PATCH_REPORT[name]
        if fields:
            write(f"{name}: {', '.join(fields)}")
        for field in fields:
            counts[field] = counts.get(field, 0) + 1
    with_patch = sum(1 for fields in _PATCH_REPORT.values() if fields)
    write(f"files with patch=: {with_patch} of {len(_PATCH_REPORT)} converted")
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    write(f"fields (files): {', '.join(f'{f} {n}' for f, n in ranked)}")


# --- end of tiphys convert report ----------------------------------------------------------------
