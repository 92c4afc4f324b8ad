"""The authoring layer: decorators, tasks, references, options and workflow objects.

Public names are imported from their modules on first use (see :mod:`tiphys._lazy`).
"""

from typing import TYPE_CHECKING

from tiphys._lazy import install

EXPORTS: dict[str, str] = {
    "ArchiveLocation": "tiphys.dsl.artifacts",
    "Artifact": "tiphys.dsl.artifacts",
    "ArtifactGC": "tiphys.dsl.artifacts",
    "ArtifactLocation": "tiphys.dsl.locations",
    "ArtifactRepositoryRef": "tiphys.dsl.artifacts",
    "Artifactory": "tiphys.dsl.locations",
    "Azure": "tiphys.dsl.locations",
    "BasicAuth": "tiphys.dsl.locations",
    "ClientCertAuth": "tiphys.dsl.locations",
    "ClusterWorkflowTemplate": "tiphys.dsl.workflow",
    "ConfigMap": "tiphys.dsl.options",
    "ContainerNode": "tiphys.dsl.container_set",
    "ContainerOptionsKw": "tiphys.dsl.pod",
    "ContainerSetTemplate": "tiphys.dsl.container_set",
    "ContainerTemplate": "tiphys.dsl.container",
    "Counter": "tiphys.dsl.metrics",
    "CronWorkflow": "tiphys.dsl.cron",
    "DNSConfig": "tiphys.dsl.pod_fields",
    "DagTemplate": "tiphys.dsl.graph",
    "DataTemplate": "tiphys.dsl.data",
    "ExecutorOptionsKw": "tiphys.dsl.leaf",
    "Filter": "tiphys.dsl.data",
    "GCS": "tiphys.dsl.locations",
    "Gauge": "tiphys.dsl.metrics",
    "Git": "tiphys.dsl.locations",
    "HDFS": "tiphys.dsl.locations",
    "HTTPArtifact": "tiphys.dsl.locations",
    "Histogram": "tiphys.dsl.metrics",
    "Hook": "tiphys.dsl.hooks",
    "HostAlias": "tiphys.dsl.pod_fields",
    "HttpTemplate": "tiphys.dsl.http",
    "Map": "tiphys.dsl.data",
    "Memoize": "tiphys.dsl.locks",
    "Mutex": "tiphys.dsl.locks",
    "NodeOptionsKw": "tiphys.dsl.leaf",
    "OAuth2Auth": "tiphys.dsl.locations",
    "OSS": "tiphys.dsl.locations",
    "Output": "tiphys.dsl.template",
    "Input": "tiphys.dsl.params",
    "Param": "tiphys.dsl.params",
    "PluginArtifact": "tiphys.dsl.locations",
    "PluginTemplate": "tiphys.dsl.plugin",
    "PodGC": "tiphys.dsl.options",
    "PodMetadata": "tiphys.dsl.pod_fields",
    "PodOptionsKw": "tiphys.dsl.pod",
    "PreStop": "tiphys.dsl.probes",
    "Probe": "tiphys.dsl.probes",
    "RawArtifact": "tiphys.dsl.locations",
    "RawDocument": "tiphys.dsl.raw",
    "RequestOptionsKw": "tiphys.dsl.leaf",
    "ResourceClaim": "tiphys.dsl.pod_fields",
    "ResourceTemplate": "tiphys.dsl.resource",
    "Resources": "tiphys.dsl.options",
    "Retry": "tiphys.dsl.options",
    "S3": "tiphys.dsl.locations",
    "ScriptTemplate": "tiphys.dsl.script",
    "Secret": "tiphys.dsl.options",
    "Semaphore": "tiphys.dsl.locks",
    "Sequence": "tiphys.dsl.loops",
    "StepsTemplate": "tiphys.dsl.graph",
    "SuccessCondition": "tiphys.dsl.response",
    "SuspendTemplate": "tiphys.dsl.suspend",
    "TTL": "tiphys.dsl.options",
    "Task": "tiphys.dsl.template",
    "Template": "tiphys.dsl.template",
    "TemplateOptionsKw": "tiphys.dsl.options",
    "TemplateRef": "tiphys.dsl.template_ref",
    "Toleration": "tiphys.dsl.options",
    "Volume": "tiphys.dsl.options",
    "Workflow": "tiphys.dsl.workflow",
    "WorkflowBase": "tiphys.dsl.workflow",
    "WorkflowMetadata": "tiphys.dsl.pod_fields",
    "WorkflowOperationsKw": "tiphys.dsl.workflow_ops",
    "WorkflowTemplate": "tiphys.dsl.workflow",
    "container": "tiphys.dsl.container",
    "container_set": "tiphys.dsl.container_set",
    "dag": "tiphys.dsl.graph",
    "data": "tiphys.dsl.data",
    "http": "tiphys.dsl.http",
    "parallel": "tiphys.dsl.graph",
    "plugin": "tiphys.dsl.plugin",
    "resource": "tiphys.dsl.resource",
    "response": "tiphys.dsl.response",
    "script": "tiphys.dsl.script",
    "steps": "tiphys.dsl.graph",
    "suspend": "tiphys.dsl.suspend",
    "template_ref": "tiphys.dsl.template_ref",
}
"""Public name -> the module that defines it (imported on first use)."""

if TYPE_CHECKING:
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
    from tiphys.dsl.params import Input, Param
    from tiphys.dsl.plugin import PluginTemplate, plugin
    from tiphys.dsl.pod import ContainerOptionsKw, PodOptionsKw
    from tiphys.dsl.pod_fields import (
        DNSConfig,
        HostAlias,
        PodMetadata,
        ResourceClaim,
        WorkflowMetadata,
    )
    from tiphys.dsl.probes import PreStop, Probe
    from tiphys.dsl.raw import RawDocument
    from tiphys.dsl.resource import ResourceTemplate, resource
    from tiphys.dsl.response import SuccessCondition, response
    from tiphys.dsl.script import ScriptTemplate, script
    from tiphys.dsl.suspend import SuspendTemplate, suspend
    from tiphys.dsl.template import Output, Task, Template
    from tiphys.dsl.template_ref import TemplateRef, template_ref
    from tiphys.dsl.workflow import (
        ClusterWorkflowTemplate,
        Workflow,
        WorkflowBase,
        WorkflowTemplate,
    )
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
    "Input",
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
    "RawDocument",
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

install(__name__, EXPORTS)
