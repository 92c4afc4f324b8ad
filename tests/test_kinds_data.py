"""``@data`` and ``@plugin``: whole manifests, sources, transformations, configurations, checks."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import CompileError, Filter, Map, Workflow, container, dag, data, plugin
from tiphys.errors import errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def error(make: Any) -> str:
    with pytest.raises(CompileError) as info:
        make()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


class Bucket:
    """Stands for an artifact location class: anything whose ``to_argo()`` gives the dict."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def to_argo(self) -> Mapping[str, Any]:
        return {"s3": {"bucket": self.bucket}}


@data(
    source=Bucket("my-bucket"),
    transformations=[
        Filter("# endsWith 'main.log'"),
        Map("trimPrefix(#, 'logs/')"),
        "sortBy(data, #)",
        Map("{'path': #}"),
    ],
    node_selector={"pool": "io"},
)
def list_logs() -> None:
    """The main logs of the bucket, without their folder."""


@container(image="alpine:3.20", command=["echo"])
def process(path: str) -> list[str]:
    return [path]


@plugin("hello")
def hello(text: str, times: int = 1) -> dict[str, Any]:
    return {"text": f"hello {text}", "times": times, "options": {"loud": True, "list": [1, "a"]}}


@dag
def logs() -> None:
    files = list_logs()
    process.map(over=files.result, path=lambda item: item)
    hello(text=files.result)


def test_whole_workflow() -> None:
    wf = Workflow(entrypoint=logs)
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(validate_document(manifest)) == []
    assert wf.to_yaml() == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: logs-
        spec:
          entrypoint: logs
          templates:
          - name: logs
            dag:
              tasks:
              - name: list-logs
                template: list-logs
              - name: process
                template: process
                depends: list-logs
                arguments:
                  parameters:
                  - name: path
                    value: '{{item}}'
                withParam: '{{tasks.list-logs.outputs.result}}'
              - name: hello
                template: hello
                depends: list-logs
                arguments:
                  parameters:
                  - name: text
                    value: '{{tasks.list-logs.outputs.result}}'
          - name: list-logs
            data:
              source:
                artifactPaths:
                  name: source
                  s3:
                    bucket: my-bucket
              transformation:
              - expression: filter(data, {# endsWith 'main.log'})
              - expression: map(data, {trimPrefix(#, 'logs/')})
              - expression: 'sortBy(data, #)'
              - expression: 'map(data, { {''path'': #} })'
            nodeSelector:
              pool: io
          - name: process
            inputs:
              parameters:
              - name: path
            container:
              image: alpine:3.20
              command:
              - echo
              args:
              - '{{inputs.parameters.path}}'
          - name: hello
            inputs:
              parameters:
              - name: text
              - name: times
                default: '1'
            plugin:
              hello:
                text: hello {{inputs.parameters.text}}
                times: '{{inputs.parameters.times}}'
                options:
                  loud: true
                  list:
                  - 1
                  - a
        """
    )


def test_a_raw_source_dict_and_its_own_name() -> None:
    @data(source={"name": "in", "gcs": {"bucket": "b", "key": "k"}}, transformations=[])
    def listing() -> None: ...

    assert listing.source == {"name": "in", "gcs": {"bucket": "b", "key": "k"}}
    assert listing.transformations == []


def test_result_is_a_json_list() -> None:
    assert list_logs.result_type is list
    assert list_logs.result_is_json


# --- checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"source": 3, "transformations": []},
            "source must be an artifact location (S3(...), GCS(...), ... or a dict such as "
            "{'s3': {...}}), not 3",
        ),
        (
            {"source": {"s3": {}, "gcs": {}}, "transformations": []},
            "source must name exactly one location (s3, gcs, azure, oss, git, http, "
            "artifactory, hdfs, raw, plugin); it names s3, gcs",
        ),
        (
            {"source": {"bucket": "b"}, "transformations": []},
            "source must name exactly one location (s3, gcs, azure, oss, git, http, "
            "artifactory, hdfs, raw, plugin); it names none",
        ),
        (
            {"source": {"s3": {}}, "transformations": "filter(data, {true})"},
            "transformations must be a list of Filter(...), Map(...) or expression strings, not "
            "'filter(data, {true})'",
        ),
        (
            {"source": {"s3": {}}, "transformations": ["  "]},
            "transformation 0 must be a non-empty expr-lang string, not '  '",
        ),
    ],
)
def test_settings(kwargs: dict[str, Any], message: str) -> None:
    def make() -> None:
        @data(**kwargs)  # C128
        def f() -> None: ...

    assert error(make) == f"{line_of('C128')}: @data 'f': {message} [C128]"


def test_filter_and_map_check_their_text() -> None:
    assert error(lambda: Filter(3)) == (  # type: ignore[arg-type]  # filter
        f"{line_of('filter')}: Filter predicate must be a non-empty expr-lang string, not 3 [C128]"
    )
    assert error(lambda: Map("")) == (  # map
        f"{line_of('map')}: Map expression must be a non-empty expr-lang string, not '' [C128]"
    )


def test_a_body_with_code() -> None:
    def make() -> None:
        @data(source={"s3": {}}, transformations=[])
        def f() -> list[str]:
            return ["a"]  # C129

    assert error(make) == (
        f"{line_of('C129')}: @data 'f' reads its source and applies its transformations (Argo "
        "never runs its body), so its body may hold only a docstring: remove this code (do the "
        "work in a @script task before or after it) [C129]"
    )


def test_container_options_are_refused() -> None:
    def make() -> None:
        @data(source={"s3": {}}, transformations=[], env={"A": "b"})  # C123
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('C123')}: @data 'f' does not take env=: a data template runs Argo's own "
        "executor, not a container of yours; remove it [C123]"
    )


def test_plugin_name_and_configuration() -> None:
    def make() -> None:
        @plugin("")  # C128-plugin
        def f() -> dict[str, Any]:
            return {}

    assert error(make) == (
        f"{line_of('C128-plugin')}: @plugin 'f': the plugin name must be a non-empty string, "
        "not '' [C128]"
    )

    @plugin("hello")  # C126
    def listing() -> list[int]:
        return [1]

    @dag
    def flow() -> None:
        listing()

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C126')}: @plugin 'listing' must return the plugin's configuration as a dict "
        "(use {} for none), not [1] [C126]"
    )


def test_plugin_refuses_pod_options() -> None:
    def make() -> None:
        @plugin("hello", service_account="x")  # C123-plugin
        def f() -> dict[str, Any]:
            return {}

    assert error(make) == (
        f"{line_of('C123-plugin')}: @plugin 'f' does not take service_account=: an executor "
        "plugin runs in Argo's agent, not in a pod of this template; remove it [C123]"
    )


def test_source_text_names_parameters_as_fields() -> None:
    from tiphys import S3

    @data(source=S3("{prefix}/logs", bucket="{bucket}-{{workflow.name}}"), transformations=[])
    def listing(bucket: str, prefix: str = "2024") -> None: ...

    @dag
    def main() -> None:
        listing(bucket="b")

    (_, template) = Workflow("w", entrypoint=main).to_dict()["spec"]["templates"]
    assert template["data"]["source"]["artifactPaths"] == {
        "name": "source",
        "s3": {
            "key": "{{inputs.parameters.prefix}}/logs",
            "bucket": "{{inputs.parameters.bucket}}-{{workflow.name}}",
        },
    }


def test_source_field_naming_no_parameter() -> None:
    def make() -> None:
        @data(source={"s3": {"key": "{prefx}"}}, transformations=[])  # C124-data
        def listing(prefix: str) -> None: ...

    assert error(make) == (
        f"{line_of('C124-data')}: @data 'listing' source s3.key has the field {{prefx}}, which "
        "names no parameter of the function (parameters: prefix). Did you mean 'prefix'? [C124]"
    )
