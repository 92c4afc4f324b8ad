"""Text views of workflows for the CLI: ``get``, ``list`` and the live views of ``watch``.

Pure functions of workflow dicts and the current time (``now`` is always passed in), except
:class:`LiveView`, which writes frames to a stream. Output matches the ``argo`` CLI
(FACTS §2): labels padded to 20, the node tree with ✔ ✖ ⚠ ● ◷ ○ ǁ icons, argo's durations.
"""

from __future__ import annotations

from tiphys.cli.render._humanize import duration_long, duration_short, timestamp
from tiphys.cli.render.get_view import header, node_matcher, node_tree, workflow_status
from tiphys.cli.render.list_view import list_table
from tiphys.cli.render.live import LiveView, NodeChanges, fit

__all__ = [
    "LiveView",
    "NodeChanges",
    "duration_long",
    "duration_short",
    "fit",
    "header",
    "list_table",
    "node_matcher",
    "node_tree",
    "timestamp",
    "workflow_status",
]
