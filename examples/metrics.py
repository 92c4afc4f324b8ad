"""Custom Prometheus metrics: count results, time steps, watch a run while it goes.

* ``metrics=[...]`` on a template is emitted when its node ends; on a workflow, when the
  workflow ends. Values and labels may use Argo's metric variables: ``{{status}}``,
  ``{{duration}}``, ``{{exitCode}}``, ``{{inputs.parameters.x}}``, ``{{outputs.parameters.x}}``
  in a template, ``{{workflow.status}}``, ``{{workflow.duration}}`` in a workflow.
* ``Counter(name, help, value="1", labels={...}, when=...)`` adds ``value`` per emission;
  ``when`` is a raw Argo condition (``"{{status}} == Failed"``).
* ``Gauge(name, help, value, realtime=True)`` is emitted continuously while the node runs;
  ``operation="Add"``/``"Sub"`` changes the gauge instead of setting it.
* ``Histogram(name, help, value, buckets=[...])`` records values into increasing buckets.

Names and label keys follow Prometheus' rule (``[a-zA-Z_][a-zA-Z0-9_]*``, checked when the
metric is created); one name has one help text and one type across the workflow.
"""

from tiphys import Counter, Gauge, Histogram, Output, Workflow, container, dag

results = Counter(
    "etl_step_results_total",
    "ETL step results by step and status",
    labels={"step": "{{inputs.parameters.table}}", "status": "{{status}}"},
)


@container(
    image="registry.local/etl:3.2",
    outputs=[Output("rows", path="/tmp/rows")],
    metrics=[
        results,
        Histogram(
            "etl_load_seconds",
            "Time to load one table",
            "{{duration}}",
            buckets=[30, 60, 300, 900],
        ),
        Gauge(
            "etl_rows_loaded",
            "Rows loaded by the last run",
            "{{outputs.parameters.rows}}",
            when="{{status}} == Succeeded",
        ),
    ],
)
def load(table: str):
    """Load one table; write the row count to /tmp/rows."""
    return ["load", "--table", table, "--count-to", "/tmp/rows"]


@dag(
    metrics=[
        Gauge("etl_running_seconds", "Time the ETL DAG has run", "{{duration}}", realtime=True)
    ]
)
def etl():
    """Load two tables in parallel."""
    load(table="orders")
    load(table="customers")


workflow = Workflow(
    entrypoint=etl,
    metrics=[
        Counter(
            "etl_workflows_total",
            "ETL workflows by outcome",
            labels={"status": "{{workflow.status}}"},
        ),
        Gauge("etl_workflow_seconds", "Duration of the last ETL run", "{{workflow.duration}}"),
    ],
)
