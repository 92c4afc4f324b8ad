"""What ``tiphys convert`` writes for existing YAML: a fan-out over a script's JSON list.

Written by ``tiphys convert`` from this Workflow in YAML (only this docstring was changed; a
ConfigMap beside it would be a ``RawDocument({...})``): the ``script`` template is the raw
``script(source=...)`` form, its source used verbatim; the workflow's ``spec.arguments`` are
``parameters=[Input(...)]``; ``depends`` is a raw ``.after("...")`` string and ``withParam`` a
``.map(over="{{...}}")`` whose loop item is ``it``. Nothing needed ``patch=``.
"""

from tiphys import ConfigMap, Input, Retry, Workflow, container, dag, script


@dag
def main():
    gen_list(count="{{workflow.parameters.count}}").named("list")
    print_message.map(over="{{tasks.list.outputs.result}}", message=lambda it: f"item {it}").named(
        "greet"
    ).after("list")
    print_message(message="done").named("report").after("greet.Succeeded || greet.Failed")


gen_list = script(
    source="""import json
print(json.dumps(list(range({{inputs.parameters.count}}))))
""",
    name="gen-list",
    image="python:3.12-alpine",
    command=["python"],
    inputs=[Input("count")],
)


@container(
    image="alpine:3.20",
    command=["echo"],
    env={"GREETING": ConfigMap("fan-out-settings", "greeting")},
    retry=Retry(2),
)
def print_message(message: str):
    return [message]


fan_out = Workflow(generate_name="fan-out-", entrypoint=main, parameters=[Input("count", "3")])
