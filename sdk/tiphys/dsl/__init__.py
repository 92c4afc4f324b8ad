"""The authoring layer: decorators, tasks, references, options and workflow objects."""

from tiphys.dsl.container import ContainerTemplate, container
from tiphys.dsl.container_set import ContainerNode, ContainerSetTemplate, container_set
from tiphys.dsl.graph import DagTemplate, StepsTemplate, dag, parallel, steps
from tiphys.dsl.hooks import Hook
from tiphys.dsl.locks import Memoize, Mutex, Semaphore
from tiphys.dsl.loops import Sequence
from tiphys.dsl.metrics import Counter, Gauge, Histogram
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
from tiphys.dsl.pod_fields import DNSConfig, HostAlias, PodMetadata, ResourceClaim, WorkflowMetadata
from tiphys.dsl.probes import PreStop, Probe
from tiphys.dsl.script import ScriptTemplate, script
from tiphys.dsl.template import Output, Task, Template
from tiphys.dsl.workflow import ClusterWorkflowTemplate, Workflow, WorkflowBase, WorkflowTemplate
from tiphys.dsl.workflow_ops import WorkflowOperationsKw

__all__ = [
    "TTL",
    "ClusterWorkflowTemplate",
    "ConfigMap",
    "ContainerNode",
    "ContainerOptionsKw",
    "ContainerSetTemplate",
    "ContainerTemplate",
    "Counter",
    "DNSConfig",
    "DagTemplate",
    "Gauge",
    "Histogram",
    "Hook",
    "HostAlias",
    "Memoize",
    "Mutex",
    "Output",
    "Param",
    "PodGC",
    "PodMetadata",
    "PodOptionsKw",
    "PreStop",
    "Probe",
    "ResourceClaim",
    "Resources",
    "Retry",
    "ScriptTemplate",
    "Secret",
    "Semaphore",
    "Sequence",
    "StepsTemplate",
    "Task",
    "Template",
    "TemplateOptionsKw",
    "Toleration",
    "Volume",
    "Workflow",
    "WorkflowBase",
    "WorkflowMetadata",
    "WorkflowOperationsKw",
    "WorkflowTemplate",
    "container",
    "container_set",
    "dag",
    "parallel",
    "script",
    "steps",
]
