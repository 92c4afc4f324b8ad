"""CronWorkflow: run a workflow on a schedule, in a time zone, one run at a time.

``schedules`` takes robfig/cron schedules as Argo reads them (five fields, ``@daily``-style
descriptors, ``@every 90m``); each is checked when the object is created, so ``"0 2 * * 7"``
(Argo's cron has no day 7) or a Quartz ``"0 0 L * *"`` fails at the line that wrote it.
``concurrency_policy="Forbid"`` skips a run while the previous one is still going;
``starting_deadline`` lets a run missed while the controller was down start late; the history
limits say how many finished workflows to keep. Every Workflow option (``ttl``, ``pod_gc``,
``arguments``...) goes into ``spec.workflowSpec``.
"""

from tiphys import CronWorkflow, Resources, WorkflowMetadata, container, dag, script


@container(image="postgres:16-alpine", command=["pg_dump"])
def backup(database: str):
    """Dump the database to the backup bucket's mount."""
    return ["--format=custom", f"--file=/backups/{database}.dump", database]


@script(image="python:3.12-slim", resources=Resources(cpu="250m", memory="128Mi"))
def verify(database: str) -> bool:
    """Check that the dump is not empty."""
    import pathlib

    return pathlib.Path(f"/backups/{database}.dump").stat().st_size > 0


@dag
def nightly_backup(database: str = "orders"):
    """Back up one database, then verify the dump."""
    dumped = backup(database=database)
    verify(database=database).after(dumped)


nightly = CronWorkflow(
    "nightly-backup",
    entrypoint=nightly_backup,
    schedules=["30 2 * * mon-fri", "0 6 * * sat,sun"],  # weekdays 02:30, weekends 06:00
    timezone="Europe/Paris",
    concurrency_policy="Forbid",
    starting_deadline="10m",
    successful_history=7,
    failed_history=3,
    stop_strategy="cronworkflow.failed >= 5",
    workflow_metadata=WorkflowMetadata(labels={"app.kubernetes.io/part-of": "backups"}),
    ttl="3d",
    pod_gc="OnPodSuccess",
)
