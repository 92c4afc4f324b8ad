"""tiphys: write Argo Workflows as decorated Python functions.

Decorate functions with :func:`container`, :func:`script`, :func:`container_set`, :func:`dag`
or :func:`steps`; wrap the entrypoint in a :class:`Workflow`, :class:`WorkflowTemplate` or
:class:`ClusterWorkflowTemplate`; compile with ``to_yaml()`` or ``tiphys compile``.

Importing this package is cheap: it loads no HTTP, YAML, CLI or Hera modules.
"""

from tiphys.dsl import (
    TTL,
    ClusterWorkflowTemplate,
    ConfigMap,
    ContainerNode,
    Output,
    Param,
    PodGC,
    PreStop,
    Probe,
    Resources,
    Retry,
    Secret,
    Sequence,
    Task,
    Template,
    Toleration,
    Volume,
    Workflow,
    WorkflowTemplate,
    container,
    container_set,
    dag,
    parallel,
    script,
    steps,
)
from tiphys.errors import CompileError, Diagnostic, TiphysError

__version__ = "0.1.0"

__all__ = [
    "TTL",
    "ClusterWorkflowTemplate",
    "CompileError",
    "ConfigMap",
    "ContainerNode",
    "Diagnostic",
    "Output",
    "Param",
    "PodGC",
    "PreStop",
    "Probe",
    "Resources",
    "Retry",
    "Secret",
    "Sequence",
    "Task",
    "Template",
    "TiphysError",
    "Toleration",
    "Volume",
    "Workflow",
    "WorkflowTemplate",
    "__version__",
    "container",
    "container_set",
    "dag",
    "parallel",
    "script",
    "steps",
]
