"""The authoring layer: decorators, tasks, references, options and workflow objects."""

from tiphys.dsl.container import ContainerTemplate, container
from tiphys.dsl.container_set import ContainerNode, ContainerSetTemplate, container_set
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
from tiphys.dsl.pod import ContainerOptionsKw, PodOptionsKw
from tiphys.dsl.probes import PreStop, Probe
from tiphys.dsl.script import ScriptTemplate, script
from tiphys.dsl.template import Output, Task, Template
from tiphys.dsl.workflow import ClusterWorkflowTemplate, Workflow, WorkflowBase, WorkflowTemplate

__all__ = [
    "TTL",
    "ClusterWorkflowTemplate",
    "ConfigMap",
    "ContainerNode",
    "ContainerOptionsKw",
    "ContainerSetTemplate",
    "ContainerTemplate",
    "DagTemplate",
    "Output",
    "Param",
    "PodGC",
    "PodOptionsKw",
    "PreStop",
    "Probe",
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
    "container_set",
    "dag",
    "parallel",
    "script",
    "steps",
]
