"""The authoring layer: decorators, tasks, references, options and workflow objects."""

from tiphys.dsl.artifacts import (
    ArchiveLocation,
    Artifact,
    ArtifactGC,
    ArtifactRepositoryRef,
)
from tiphys.dsl.container import ContainerTemplate, container
from tiphys.dsl.container_set import ContainerNode, ContainerSetTemplate, container_set
from tiphys.dsl.cron import CronWorkflow
from tiphys.dsl.data import DataTemplate, Filter, Map, data
from tiphys.dsl.graph import DagTemplate, StepsTemplate, dag, parallel, steps
from tiphys.dsl.hooks import Hook
from tiphys.dsl.http import HttpTemplate, http
from tiphys.dsl.leaf import ExecutorOptionsKw, NodeOptionsKw, RequestOptionsKw
from tiphys.dsl.locations import (
    GCS,
    HDFS,
    OSS,
    S3,
    ArtifactLocation,
    Artifactory,
    Azure,
    BasicAuth,
    ClientCertAuth,
    Git,
    HTTPArtifact,
    OAuth2Auth,
    PluginArtifact,
    RawArtifact,
)
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
from tiphys.dsl.plugin import PluginTemplate, plugin
from tiphys.dsl.pod import ContainerOptionsKw, PodOptionsKw
from tiphys.dsl.pod_fields import DNSConfig, HostAlias, PodMetadata, ResourceClaim, WorkflowMetadata
from tiphys.dsl.probes import PreStop, Probe
from tiphys.dsl.resource import ResourceTemplate, resource
from tiphys.dsl.response import SuccessCondition, response
from tiphys.dsl.script import ScriptTemplate, script
from tiphys.dsl.suspend import SuspendTemplate, suspend
from tiphys.dsl.template import Output, Task, Template
from tiphys.dsl.template_ref import TemplateRef, template_ref
from tiphys.dsl.workflow import ClusterWorkflowTemplate, Workflow, WorkflowBase, WorkflowTemplate
from tiphys.dsl.workflow_ops import WorkflowOperationsKw

__all__ = [
    "GCS",
    "HDFS",
    "OSS",
    "S3",
    "TTL",
    "ArchiveLocation",
    "Artifact",
    "ArtifactGC",
    "ArtifactLocation",
    "ArtifactRepositoryRef",
    "Artifactory",
    "Azure",
    "BasicAuth",
    "ClientCertAuth",
    "ClusterWorkflowTemplate",
    "ConfigMap",
    "ContainerNode",
    "ContainerOptionsKw",
    "ContainerSetTemplate",
    "ContainerTemplate",
    "Counter",
    "CronWorkflow",
    "DNSConfig",
    "DagTemplate",
    "DataTemplate",
    "ExecutorOptionsKw",
    "Filter",
    "Gauge",
    "Git",
    "HTTPArtifact",
    "Histogram",
    "Hook",
    "HostAlias",
    "HttpTemplate",
    "Map",
    "Memoize",
    "Mutex",
    "NodeOptionsKw",
    "OAuth2Auth",
    "Output",
    "Param",
    "PluginArtifact",
    "PluginTemplate",
    "PodGC",
    "PodMetadata",
    "PodOptionsKw",
    "PreStop",
    "Probe",
    "RawArtifact",
    "RequestOptionsKw",
    "ResourceClaim",
    "ResourceTemplate",
    "Resources",
    "Retry",
    "ScriptTemplate",
    "Secret",
    "Semaphore",
    "Sequence",
    "StepsTemplate",
    "SuccessCondition",
    "SuspendTemplate",
    "Task",
    "Template",
    "TemplateOptionsKw",
    "TemplateRef",
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
    "data",
    "http",
    "parallel",
    "plugin",
    "resource",
    "response",
    "script",
    "steps",
    "suspend",
    "template_ref",
]
