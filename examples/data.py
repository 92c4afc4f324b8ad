"""Data templates: list the files of a bucket, filter and transform the list, loop over it.

``@data`` reads an artifact location (here a raw ``{"s3": ...}`` dict; the artifact location
classes give the same) and applies ``Filter``/``Map`` steps, expr-lang over ``#`` (the item).
The body is never run. ``task.result`` is the resulting JSON list, ready for ``.map()``.
"""

from tiphys import Filter, Map, Workflow, container, dag, data


@data(
    source={"s3": {"bucket": "my-bucket", "key": "logs/"}},
    transformations=[Filter("# endsWith 'main.log'"), Map("trimPrefix(#, 'logs/')")],
)
def list_logs():
    """The main logs in the bucket, without their folder."""


@container(image="busybox:1.36", command=["echo"])
def process(name: str):
    """Stand-in for processing one log file."""
    return ["processing", name]


@dag
def logs():
    """One processing task per log file."""
    files = list_logs()
    process.map(over=files.result, name=lambda item: item)


workflow = Workflow(entrypoint=logs)
