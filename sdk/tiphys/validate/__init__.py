"""Validation of Argo manifests (plain dicts): schema and semantic checks with field paths.

:func:`validate_document` is the entry point: it runs :func:`validate_schema` (types, required
and unknown fields, through Hera's models and the Argo v4.1.2 gaps) and :func:`check_semantics`
(what Argo's own validator checks: entrypoint, template references, names, DAG dependencies).

Every :class:`~tiphys.errors.Diagnostic` carries the field path (``spec.templates[0].contianer``)
and, when a file and a ``line_of`` function are given (see
:meth:`tiphys.compile.yaml_in.LoadedDocument.line_of`), the user's ``file:line``. Importing this
package is cheap: Hera is imported on the first schema validation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tiphys.argo.paths import locate
from tiphys.errors import Diagnostic
from tiphys.validate.schema import ARGO_KINDS, kind_error, validate_schema
from tiphys.validate.semantic import check_semantics

__all__ = ["ARGO_KINDS", "check_semantics", "validate_document", "validate_schema"]


def validate_document(
    doc: Mapping[str, Any],
    *,
    file: str = "",
    line_of: Callable[[str], int] | None = None,
) -> list[Diagnostic]:
    """Run the schema and the semantic checks on one Argo document.

    Args:
        doc: A parsed manifest: a Workflow, WorkflowTemplate, ClusterWorkflowTemplate or
            CronWorkflow (``kind`` one of :data:`ARGO_KINDS`), as plain dicts and lists.
        file: The file it came from (``workflows/release.yaml``), for diagnostic locations.
        line_of: Maps a field path to its 1-based line in ``file``.

    Returns:
        Schema diagnostics (``V0xx``) then semantic ones (``V1xx``), errors and warnings, each
        with a ``path`` and, when ``file`` or ``line_of`` is given, a
        ``Location(file, line_of(path))``. Empty when the document is valid. A document of
        another kind gives a single ``V000`` error.
    """
    problem = kind_error(doc)
    if problem is not None:
        return locate([problem], file, line_of)
    return validate_schema(doc, file=file, line_of=line_of) + check_semantics(
        doc, file=file, line_of=line_of
    )
