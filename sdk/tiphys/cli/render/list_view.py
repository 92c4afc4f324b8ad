"""The ``argo list`` table (``util/printer/workflow-printer.go``). Pure; no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tiphys.cli.render._humanize import duration_short
from tiphys.cli.render.get_view import nodes_of, tabulate, workflow_status

__all__ = ["list_table", "parameter_string"]


def parameter_string(params: Sequence[Mapping[str, Any]]) -> str:
    """``name=value`` pairs joined by ``,``; values over 50 characters keep both ends."""
    out = []
    for p in params:
        value = p.get("value")
        if value is None:
            continue
        text = str(value)
        if len(text) > 50:
            text = text[: 47 - 15] + "..." + text[-15:]
        out.append(f"{p.get('name', '')}={text}")
    return ",".join(out)


def _prc(wf: Mapping[str, Any]) -> str:
    """Pending/running/completed pod nodes (``P/R/C``)."""
    pending = running = completed = 0
    for node in nodes_of(wf).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase in ("Succeeded", "Failed", "Error", "Skipped", "Omitted"):
            completed += 1
        elif phase == "Running":
            running += 1
        else:
            pending += 1
    return f"{pending}/{running}/{completed}"


def list_table(
    wfs: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    no_headers: bool = False,
) -> list[str]:
    """The table of ``argo list``: ``NAME STATUS AGE DURATION PRIORITY MESSAGE``.

    Args:
        wfs: Workflows, in the order to show.
        now: The current time (aware), for AGE and running durations.
        wide: Add ``P/R/C`` (pending/running/completed pods) and ``PARAMETERS``.
        all_namespaces: Start with ``NAMESPACE``.
        no_headers: Leave out the header row.

    Returns:
        The lines (columns 3 blanks apart); just the header when ``wfs`` is empty.

    Raises:
        TiphysError: A ``compressedNodes`` cannot be decoded (``wide`` only).
    """
    rows: list[list[str]] = []
    if not no_headers:
        head = ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
        head = (["NAMESPACE"] if all_namespaces else []) + head
        rows.append(head + (["P/R/C", "PARAMETERS"] if wide else []))
    for wf in wfs:
        meta = wf.get("metadata") or {}
        spec = wf.get("spec") or {}
        status = wf.get("status") or {}
        row = [meta.get("namespace", "")] if all_namespaces else []
        row += [
            str(meta.get("name", "")),
            workflow_status(wf, status.get("nodes") or {}),
            duration_short(meta.get("creationTimestamp"), now, now),
            duration_short(status.get("startedAt"), status.get("finishedAt"), now),
            str(int(spec.get("priority") or 0)),
            str(status.get("message") or ""),
        ]
        if wide:
            params = (spec.get("arguments") or {}).get("parameters") or []
            row += [_prc(wf), parameter_string(params)]
        rows.append(row)
    return tabulate(rows, 3)
