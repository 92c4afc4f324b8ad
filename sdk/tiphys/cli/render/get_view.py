"""The ``argo get`` view: header block and node tree (``cmd/argo/commands/common/get.go``).

Pure functions of a Workflow dict and ``now``; no I/O. Lines carry no trailing blanks (argo's
tabwriter pads the last column with spaces; we strip them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from tiphys.argo.nodes import POD_NAME_FORMAT, fnv32a, node_pod_name
from tiphys.cli.render._humanize import duration_long, duration_short, relative_duration, timestamp

__all__ = [
    "ICONS",
    "WORDS",
    "cell_width",
    "header",
    "node_tree",
    "nodes_of",
    "resources_duration",
    "tabulate",
    "workflow_status",
]

Json = dict[str, Any]

#: Node phase -> icon (``JobStatusIconMap``), and the ``--no-utf8`` words.
ICONS = {
    "Pending": "◷",
    "Running": "●",
    "Succeeded": "✔",
    "Skipped": "○",
    "Failed": "✖",
    "Error": "⚠",
}
WORDS = {phase: phase for phase in ICONS}
_SUSPEND = {True: "ǁ", False: "Suspend"}
_CONDITION_ICONS = {
    True: {"MetricsError": "✖", "SpecWarning": "⚠"},
    False: {"MetricsError": "Error", "SpecWarning": "Warning"},
}
_COLORS = {
    "Pending": 33,
    "Running": 36,
    "Succeeded": 32,
    "Skipped": 39,
    "Failed": 31,
    "Error": 31,
    "Suspend": 36,
    "MetricsError": 31,
    "SpecWarning": 33,
}
_BOUNDARY = frozenset({"DAG", "Steps"})
_GROUP = frozenset({"StepGroup", "Retry"})
_EXECUTION = frozenset({"Pod", "Skipped", "Suspend", "HTTP", "Plugin"})


def _paint(text: str, key: str, color: bool) -> str:
    code = _COLORS.get(key)
    if not color or code is None or not text:
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def nodes_of(wf: Mapping[str, Any]) -> dict[str, Json]:
    """The nodes map of a workflow, decoded from ``status.compressedNodes`` when needed.

    Raises:
        TiphysError: ``compressedNodes`` cannot be decoded.
    """
    status = wf.get("status") or {}
    nodes = status.get("nodes")
    if nodes:
        return dict(nodes)
    packed = status.get("compressedNodes")
    if packed:
        if _DECODED and _DECODED[0] is packed:  # the same snapshot, rendered by several views
            return dict(_DECODED[1])
        from tiphys.client.streams import decode_compressed_nodes

        decoded = decode_compressed_nodes(status)
        _DECODED[:] = [packed, decoded]
        return dict(decoded)
    return {}


# The last decoded compressedNodes string and its nodes: one decode per snapshot.
_DECODED: list[Any] = []


def _is_suspended(wf: Mapping[str, Any], nodes: Mapping[str, Json]) -> bool:
    if (wf.get("spec") or {}).get("suspend"):
        return True
    return any(n.get("type") == "Suspend" and n.get("phase") == "Running" for n in nodes.values())


def workflow_status(wf: Mapping[str, Any], nodes: Mapping[str, Json] | None = None) -> str:
    """The status argo shows (``printer.WorkflowStatus``).

    ``Running (Suspended)`` when suspended, ``Failed (Terminated)`` when shut down, ``Pending``
    for a created workflow without a phase (``Unknown`` without a creation time), else the phase.
    """
    phase = str((wf.get("status") or {}).get("phase") or "")
    if phase == "Running":
        if _is_suspended(wf, nodes_of(wf) if nodes is None else nodes):
            return "Running (Suspended)"
        return phase
    if phase == "Failed":
        return "Failed (Terminated)" if (wf.get("spec") or {}).get("shutdown") else phase
    if phase in ("", "Pending"):
        return "Pending" if (wf.get("metadata") or {}).get("creationTimestamp") else "Unknown"
    return phase


def _go_duration(seconds: int) -> str:
    """Go's ``time.Duration.String()`` for whole seconds: ``0s``, ``45s``, ``1m30s``, ``1h0m5s``."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


#: ``v1alpha1.ResourceQuantityDenominator``: the unit a resource's duration is counted in.
_DENOMINATORS = {"memory": "100Mi", "storage": "10Gi", "ephemeral-storage": "10Gi"}


def resources_duration(value: object) -> str:
    """``ResourcesDuration.String()``: ``1m30s*(1 cpu),5s*(100Mi memory)`` (names sorted)."""
    if not isinstance(value, Mapping):
        return ""
    parts = []
    for name in sorted(value):
        denominator = _DENOMINATORS.get(name, "1")
        parts.append(f"{_go_duration(int(value[name]))}*({denominator} {name})")
    return ",".join(parts)


_LABEL = "{:<20} {}"


def _line(label: str, value: object) -> str:
    return _LABEL.format(label, value).rstrip()


def header(
    wf: Mapping[str, Any], now: datetime, *, tz: tzinfo | None = None, utf8: bool = True
) -> list[str]:
    """The header block of ``argo get``: ``Name:``, ``Namespace:``... labels padded to 20.

    Args:
        wf: The Workflow.
        now: The current time (aware), for ``(5 minutes ago)`` and running durations.
        tz: Zone of the shown times; ``None``: the local zone (as ``argo``).
        utf8: Condition icons (``✖``/``⚠``) rather than words.

    Returns:
        The lines, without newlines.
    """
    meta = wf.get("metadata") or {}
    spec = wf.get("spec") or {}
    status = wf.get("status") or {}
    stored = status.get("storedWorkflowTemplateSpec") or {}
    exec_spec = stored if spec.get("workflowTemplateRef") and stored else spec
    out = [_line("Name:", meta.get("name", "")), _line("Namespace:", meta.get("namespace", ""))]
    account = exec_spec.get("serviceAccountName") or spec.get("serviceAccountName") or ""
    if not account:
        account = (
            "unset"
            if spec.get("workflowTemplateRef")
            else "unset (will run with the default ServiceAccount)"
        )
    out.append(_line("ServiceAccount:", account))
    out.append(_line("Status:", workflow_status(wf)))
    if status.get("message"):
        out.append(_line("Message:", status["message"]))
    conditions = status.get("conditions") or []
    if conditions:
        out.append(_line("Conditions:", ""))
        icons = _CONDITION_ICONS[utf8]
        for cond in conditions:
            kind = str(cond.get("type", ""))
            text = cond.get("message") or cond.get("status", "")
            out.append(_line(f"{icons.get(kind, '')} {kind}", text))
    out.append(_line("Created:", timestamp(meta.get("creationTimestamp"), now, tz)))
    if status.get("startedAt"):
        out.append(_line("Started:", timestamp(status["startedAt"], now, tz)))
    if status.get("finishedAt"):
        out.append(_line("Finished:", timestamp(status["finishedAt"], now, tz)))
    if status.get("startedAt"):
        took = relative_duration(status["startedAt"], status.get("finishedAt"), now)
        out.append(_line("Duration:", took))
    if status.get("phase") == "Running" and (status.get("estimatedDuration") or 0) > 0:
        out.append(_line("EstimatedDuration:", duration_long(float(status["estimatedDuration"]))))
    out.append(_line("Progress:", status.get("progress", "")))
    if status.get("resourcesDuration"):
        out.append(_line("ResourcesDuration:", resources_duration(status["resourcesDuration"])))
    params = (exec_spec.get("arguments") or {}).get("parameters") or []
    if params:
        out.append(_line("Parameters:", ""))
        out += [_line(f"  {p['name']}:", p["value"]) for p in params if p.get("value") is not None]
    outputs = status.get("outputs") or {}
    if outputs.get("parameters"):
        out.append(_line("Output Parameters:", ""))
        out += [
            _line(f"  {p['name']}:", p["value"])
            for p in outputs["parameters"]
            if p.get("value") is not None
        ]
    return out


# Characters one cell wide each that the views are made of: Latin (below the combining marks
# at U+0300), the ellipsis, box drawing and the phase icons. A text of only these is as wide
# as it is long, which skips the per-character look-up for nearly every cell of a tree.
_ONE_CELL_EACH = re.compile("[\x00-\u02ff\u2026\u2500-\u257f\u25cb\u25cf\u25f7\u26a0\u2714\u2716]*")


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide and fullwidth characters take two,
    combining marks and zero-width characters none, the rest one."""
    import unicodedata

    if text.isascii() or _ONE_CELL_EACH.fullmatch(text):
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def tabulate(rows: Sequence[Sequence[str]], padding: int) -> list[str]:
    """Go's ``tabwriter`` (minwidth 0, padding, blanks): every cell but a row's last is padded.

    Widths are terminal cells (:func:`cell_width`), where tabwriter counts runes: the same for
    ASCII, but columns stay aligned after a CJK or accented name. Trailing blanks are stripped.
    A column whose characters are all one cell wide (nearly always) is measured with one check
    of the whole column, so a 5,000-row tree stays fast.

    Args:
        rows: Cells per row; a row's last cell is not aligned.
        padding: Blanks after the widest cell of a column.

    Returns:
        The lines.
    """
    if not rows:
        return []
    padded = [list(row) for row in rows]
    for j in range(max(len(row) for row in rows) - 1):
        where = [i for i, row in enumerate(rows) if len(row) - 1 > j]
        column = [rows[i][j] for i in where]
        joined = "".join(column)
        if joined.isascii() or _ONE_CELL_EACH.fullmatch(joined):
            width = max(map(len, column)) + padding
            for i, cell in zip(where, column, strict=True):
                padded[i][j] = cell.ljust(width)
        else:
            sizes = [cell_width(cell) for cell in column]
            width = max(sizes) + padding
            for i, cell, size in zip(where, column, sizes, strict=True):
                padded[i][j] = cell + " " * (width - size)
    return ["".join(row).rstrip() for row in padded]


def _index_of(name: str) -> int:
    """``RecoverIndexFromNodeName``: 3 for ``loop(3:x)``, else -1."""
    if not name.endswith(")"):
        return -1
    start = name.rfind("(")
    if start < 0:
        return -1
    head = name[start + 1 : -1].split(":", 1)[0]
    return int(head) if head.isdigit() else -1


def _sort_key(node: Json) -> tuple[str, int, str]:
    """``insertSorted`` order: start time, then loop index when there is one, else name.

    (argo compares two nodes that started together by index when both have one, else by
    name; here a node without an index comes before indexed ones that started with it.)
    """
    display = str(node.get("displayName", ""))
    return (str(node.get("startedAt") or ""), _index_of(display), display)


def _trees(nodes: Mapping[str, Json]) -> tuple[dict[str, list[str]], list[str]]:
    """``convertToRenderTrees``: children of each render node (sorted) and the roots."""
    grouped: dict[str, str] = {}
    for node_id, node in nodes.items():
        if node.get("type") in _GROUP:
            for child in node.get("children") or ():
                grouped[child] = node_id
    children: dict[str, list[str]] = {}
    roots: list[str] = []
    for node_id, node in nodes.items():
        kind = node.get("type")
        if kind not in _BOUNDARY and kind not in _GROUP and kind not in _EXECUTION:
            continue
        parent = grouped.get(node_id)
        if parent is None:
            boundary = node.get("boundaryID") or ""
            if not boundary:
                roots.append(node_id)
                continue
            if boundary not in nodes or nodes[boundary].get("type") not in _BOUNDARY:
                continue
            parent = boundary
        children.setdefault(parent, []).append(node_id)
    for kids in children.values():
        kids.sort(key=lambda kid: _sort_key(nodes[kid]))
    return children, roots


_SELECTOR_FIELDS: dict[str, Callable[[Json], str]] = {
    "displayName": lambda n: str(n.get("displayName", "")),
    "name": lambda n: str(n.get("name", "")),
    "id": lambda n: str(n.get("id", "")),
    "phase": lambda n: str(n.get("phase", "")),
    "type": lambda n: str(n.get("type", "")),
    # GetTemplateFromNode: the template of a templateRef, else templateName
    "templateName": lambda n: str(
        (n.get("templateRef") or {}).get("template") or n.get("templateName") or ""
    ),
    "boundaryID": lambda n: str(n.get("boundaryID", "")),
    "templateRef.name": lambda n: str((n.get("templateRef") or {}).get("name", "")),
    "templateRef.template": lambda n: str((n.get("templateRef") or {}).get("template", "")),
}


def _parameter_getter(pname: str) -> Callable[[Json], str]:
    def get(node: Json) -> str:
        for p in (node.get("inputs") or {}).get("parameters") or ():
            if p.get("name") == pname:
                return str(p.get("value", ""))
        return ""

    return get


def node_matcher(selector: str) -> Callable[[Json], bool]:
    """A node field selector (``phase=Failed,templateName!=x``) as a predicate.

    Fields: ``displayName name id phase type templateName boundaryID templateRef.name
    templateRef.template inputs.parameters.NAME.value``; operators ``=``, ``==``, ``!=``.

    Raises:
        ValueError: A term is not ``FIELD=VALUE``/``FIELD!=VALUE``, or names another field.
    """
    terms: list[tuple[Callable[[Json], str], str, bool]] = []
    for raw in selector.split(","):
        term = raw.strip()
        if not term:
            continue
        negate = "!=" in term
        field, sep, value = term.partition("!=" if negate else "=")
        value = value[1:] if not negate and value.startswith("=") else value
        field = field.strip()
        if not sep or not field:
            raise ValueError(
                f"node field selector term {term!r} is not FIELD=VALUE or FIELD!=VALUE"
            )
        if field.startswith("inputs.parameters.") and field.endswith(".value"):
            get = _parameter_getter(field[len("inputs.parameters.") : -len(".value")])
        elif field in _SELECTOR_FIELDS:
            get = _SELECTOR_FIELDS[field]
        else:
            known = ", ".join([*_SELECTOR_FIELDS, "inputs.parameters.NAME.value"])
            raise ValueError(f"node field selector field {field!r} is unknown; use one of {known}")
        terms.append((get, value.strip(), negate))

    def matches(node: Json) -> bool:
        return all((get(node) == value) != negate for get, value, negate in terms)

    return matches


def node_tree(
    wf: Mapping[str, Any],
    *,
    now: datetime,
    utf8: bool = True,
    color: bool = False,
    wide: bool = False,
    short: bool = False,
    status: str | None = None,
    node_field_selector: str | None = None,
) -> list[str]:
    """The node tree of ``argo get``: ``STEP TEMPLATE PODNAME DURATION MESSAGE`` and the rows.

    The entrypoint tree (root node id == workflow name), then a blank row and the onExit tree
    (node ``NAME.onExit``) when there is one. Step groups are drawn as ``┬─``/``├─``/``└─``
    fans; a retry node with a single attempt and omitted skipped nodes are hidden.

    Args:
        wf: The Workflow (``status.nodes``, or ``status.compressedNodes``).
        now: The current time (aware), for running durations.
        utf8: Icons and box-drawing connectors, else words and ``|- `-``.
        color: ANSI colours on the status icons (widths are computed without them).
        wide: Add ``ARTIFACTS``, ``RESOURCESDURATION`` and ``NODENAME`` (``-o wide``).
        short: Add ``NODENAME`` (``-o short``).
        status: Show only nodes of this phase (``--status``; the tree keeps its shape).
        node_field_selector: Show only nodes matching it (``--node-field-selector``).

    Returns:
        The lines; ``[]`` when the workflow has no entrypoint node yet.

    Raises:
        ValueError: Both ``status`` and ``node_field_selector``, or a bad selector.
        TiphysError: ``compressedNodes`` cannot be decoded.
    """
    if status and node_field_selector:
        raise ValueError("use either --status or --node-field-selector, not both")
    selector = f"phase={status}" if status else node_field_selector
    show = node_matcher(selector) if selector else None
    nodes = nodes_of(wf)
    wf_name = str((wf.get("metadata") or {}).get("name", ""))
    if wf_name not in nodes:
        return []
    children, roots = _trees(nodes)
    v1 = ((wf.get("metadata") or {}).get("annotations") or {}).get(POD_NAME_FORMAT) == "v1"
    icons = ICONS if utf8 else WORDS
    suspend_icon = _SUSPEND[utf8]
    if wide:
        head = ["STEP", "TEMPLATE", "PODNAME", "DURATION", "ARTIFACTS", "MESSAGE"]
        head += ["RESOURCESDURATION", "NODENAME"]
    elif short:
        head = ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE", "NODENAME"]
    else:
        head = ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]
    rows: list[list[str]] = [head]
    marks: dict[int, tuple[int, str]] = {}  # row -> (where the icon starts, colour key)

    def row(node: Json, prefix: str) -> None:
        phase = str(node.get("phase", ""))
        kind = node.get("type")
        icon, key = icons.get(phase, ""), phase
        if kind == "Suspend" and phase == "Running":
            icon, key = suspend_icon, "Suspend"
        if icon:
            marks[len(rows)] = (len(prefix), key)
        ref = node.get("templateRef")
        template = f"{ref.get('name', '')}/{ref.get('template', '')}" if ref else ""
        template = template or str(node.get("templateName") or "")
        pod = kind == "Pod"
        cells = [
            f"{prefix}{icon} {node.get('displayName', '')}",
            template,
            node_pod_name(wf_name, node, v1=v1) if pod else "",
            duration_short(node.get("startedAt"), node.get("finishedAt"), now) if pod else "",
        ]
        message = str(node.get("message") or "")
        host = str(node.get("hostNodeName") or "") if pod else ""
        if wide:
            arts = (node.get("outputs") or {}).get("artifacts") or ()
            cells += [",".join(str(a.get("name", "")) for a in arts), message]
            cells += [resources_duration(node.get("resourcesDuration")), host]
        elif short:
            cells += [message, host]
        else:
            cells += [message, ""]
        rows.append(cells)

    parts = (
        {"fan1": ("──", "  "), "first": ("┬─", "│ "), "last": ("└─", "  "), "mid": ("├─", "│ ")}
        if utf8
        else {
            "fan1": ("--", "  "),
            "first": ("+-", "| "),
            "last": ("`-", "  "),
            "mid": ("|-", "| "),
        }
    )

    def render(node_id: str, node_prefix: str, child_prefix: str) -> None:
        node = nodes[node_id]
        kind = node.get("type")
        kids = children.get(node_id, ())
        filtered, indent = False, False
        if kind == "Retry" and len(node.get("children") or ()) == 1:
            filtered = True
        elif kind == "StepGroup":
            filtered, indent = True, True
        elif (kind == "Skipped" and node.get("phase") == "Omitted") or (
            show is not None and not show(node)
        ):
            filtered = True
        if not filtered:
            row(node, node_prefix)
        if kind in _EXECUTION:
            return
        last = len(kids) - 1
        for i, kid in enumerate(kids):
            part = subp = ""
            if filtered and indent:
                if last == 0:
                    part, subp = parts["fan1"]
                elif i == 0:
                    part, subp = parts["first"]
                elif i == last:
                    part, subp = parts["last"]
                else:
                    part, subp = parts["mid"]
            elif not filtered:
                part, subp = parts["last"] if i == last else parts["mid"]
            if not filtered:
                render(kid, child_prefix + part, child_prefix + subp)
            else:
                render(kid, (node_prefix if i == 0 else child_prefix) + part, child_prefix + subp)

    render(wf_name, " ", " ")
    exit_id = _node_id(wf, f"{wf_name}.onExit", nodes)
    if exit_id in nodes and exit_id in roots:
        rows.append([""] * len(rows[1]))
        render(exit_id, " ", " ")
    lines = tabulate(rows, 2)
    while lines and not lines[-1]:  # an onExit tree whose nodes were all filtered out
        lines.pop()
    if color:
        for index, (start, key) in marks.items():
            line = lines[index]
            end = line.find(" ", start)
            end = len(line) if end < 0 else end
            lines[index] = line[:start] + _paint(line[start:end], key, True) + line[end:]
    return lines


def _node_id(wf: Mapping[str, Any], node_name: str, nodes: Mapping[str, Json]) -> str:
    """The id of the node named ``node_name`` (``wf.NodeID``: ``WF-fnv32a(name)``; scanned
    when the ids are of another form)."""
    wf_name = str((wf.get("metadata") or {}).get("name", ""))
    guess = f"{wf_name}-{fnv32a(node_name)}"
    if guess in nodes:
        return guess
    for node_id, node in nodes.items():
        if node.get("name") == node_name:
            return node_id
    return guess
