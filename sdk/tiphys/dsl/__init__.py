"""The authoring layer: decorators, tasks, references, options and workflow objects."""

from tiphys.dsl.container import ContainerTemplate, container
from tiphys.dsl.graph import DagTemplate, StepsTemplate, dag, parallel, steps
from tiphys.dsl.loops import Sequence
from tiphys.dsl.options import (
    TTL,
    ConfigMap,
    PodGC,
    Resources,
    Retry,
    Secret,
    TemplateOptionsKw,
    Toleration,
    Volume,
)
from tiphys.dsl.params import Param
from tiphys.dsl.script import ScriptTemplate, script
from tiphys.dsl.template import Output, Task, Template
from tiphys.dsl.workflow import ClusterWorkflowTemplate, Workflow, WorkflowBase, WorkflowTemplate

__all__ = [
    "TTL",
    "ClusterWorkflowTemplate",
    "ConfigMap",
    "ContainerTemplate",
    "DagTemplate",
    "Output",
    "Param",
    "PodGC",
    "Resources",
    "Retry",
    "ScriptTemplate",
    "Secret",
    "Sequence",
    "StepsTemplate",
    "Task",
    "Template",
    "TemplateOptionsKw",
    "Toleration",
    "Volume",
    "Workflow",
    "WorkflowBase",
    "WorkflowTemplate",
    "container",
    "dag",
    "parallel",
    "script",
    "steps",
]
