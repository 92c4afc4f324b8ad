"""Node ids and pod names of a workflow's nodes, as Argo's controller makes them.

Shared by the client (log and artifact routes, the get view) and the local runner (which
names its nodes and pods the way a cluster would, so ``get``/``logs`` read both alike).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MAX_FAILED_NODES",
    "POD_NAME_FORMAT",
    "failed_node_lines",
    "fnv32a",
    "node_id",
    "node_pod_name",
    "pod_name",
]

_MAX_PREFIX = 253 - 10 - 1  # ensurePodNamePrefixLength: maxPrefixLength - 1 characters kept

#: Workflow annotation choosing the pod name format (``v1``: the node id; else v2).
POD_NAME_FORMAT = "workflows.argoproj.io/pod-name-format"


def pod_name(workflow: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    """The pod name of a pod node, as the controller makes it (``util.GeneratePodName``).

    Pod name format v2 (the default): the workflow name for the node named like the workflow,
    else ``<workflow>-<template>-<fnv32a(node name)>`` with the prefix cut to 242 characters,
    where the template is ``templateRef.template`` when set, else ``templateName``
    (``<workflow>-<fnv32a>`` when both are empty, as for inline templates); format v1
    (annotation ``workflows.argoproj.io/pod-name-format: v1``): the node id.

    Args:
        workflow: The Workflow.
        node: One of its ``status.nodes`` values.

    Returns:
        The pod name.
    """
    meta = workflow.get("metadata") or {}
    v1 = (meta.get("annotations") or {}).get(POD_NAME_FORMAT) == "v1"
    return node_pod_name(str(meta.get("name") or ""), node, v1=v1)


def node_pod_name(workflow_name: str, node: Mapping[str, Any], *, v1: bool) -> str:
    """:func:`pod_name` with the workflow's name and pod name format already read (for
    callers that name many nodes of one workflow).

    Args:
        workflow_name: ``metadata.name`` of the workflow.
        node: One of its ``status.nodes`` values.
        v1: The workflow's pod name format is v1 (its annotation says so).

    Returns:
        The pod name.
    """
    if v1:
        return str(node.get("id") or "")
    node_name = str(node.get("name") or "")
    if workflow_name == node_name:
        return workflow_name
    template_ref = node.get("templateRef")
    if isinstance(template_ref, Mapping):  # util.GetTemplateFromNode: the ref wins
        template = str(template_ref.get("template") or "")
    else:
        template = str(node.get("templateName") or "")
    prefix = f"{workflow_name}-{template}" if template else workflow_name
    return f"{prefix[:_MAX_PREFIX]}-{fnv32a(node_name)}"


@functools.lru_cache(maxsize=1 << 16)
def fnv32a(text: str) -> int:
    """The 32-bit FNV-1a hash of ``text``'s UTF-8 bytes, as Argo hashes node names into node
    ids (``WF-<hash>``) and v2 pod names.

    Args:
        text: A node name.

    Returns:
        The hash, an unsigned 32-bit integer. Results are memoised (a watch re-renders the same
        nodes on every update).
    """
    digest = 0x811C9DC5
    for byte in text.encode():
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return digest


def node_id(workflow_name: str, node_name: str) -> str:
    """The id of the node named ``node_name`` (``wf.NodeID``): the workflow's name for the root
    node (named like the workflow), else ``<workflow>-<fnv32a(node name)>``.

    Args:
        workflow_name: ``metadata.name`` of the workflow.
        node_name: The node's full name (``wf.tasks[0].step``).

    Returns:
        The node id.
    """
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


#: How many failed nodes :func:`failed_node_lines` names before "and N more".
MAX_FAILED_NODES = 10

_GROUP_TYPES = frozenset({"Steps", "StepGroup", "DAG", "TaskGroup", "Retry"})


def failed_node_lines(nodes: Iterable[object]) -> list[str]:
    """The lines naming a finished workflow's failed nodes, for its failure message.

    Failed nodes are the ``status.nodes`` values in phase ``Failed`` or ``Error`` that are not
    groups (Steps, StepGroup, DAG, TaskGroup, Retry), ordered by ``startedAt`` then display
    name, at most :data:`MAX_FAILED_NODES` of them.

    Args:
        nodes: The ``status.nodes`` values (non-mappings are ignored).

    Returns:
        ``[]`` when no node failed, else ``"failed nodes:"``, then ``"  NAME (PHASE): MESSAGE"``
        per node, then ``"  and N more"`` past the limit.
    """
    failed = [
        n
        for n in nodes
        if isinstance(n, Mapping)
        and n.get("phase") in ("Failed", "Error")
        and n.get("type") not in _GROUP_TYPES
    ]
    if not failed:
        return []
    failed.sort(
        key=lambda n: (str(n.get("startedAt") or ""), str(n.get("displayName") or n.get("id")))
    )
    lines = ["failed nodes:"]
    for node in failed[:MAX_FAILED_NODES]:
        label = node.get("displayName") or node.get("name") or node.get("id")
        text = f"  {label} ({node.get('phase')})"
        if node.get("message"):
            text += f": {node['message']}"
        lines.append(text)
    if len(failed) > MAX_FAILED_NODES:
        lines.append(f"  and {len(failed) - MAX_FAILED_NODES} more")
    return lines
