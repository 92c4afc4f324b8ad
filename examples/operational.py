"""Operational settings: the Kubernetes practices a production workflow needs, first class.

Workflow level: cleanup (``ttl``, ``pod_gc``, ``volume_claim_gc``), limits, scheduling, a
disruption budget, pod security and metadata, template defaults, volumes and a default retry.
Template level: resources, env from Secrets/ConfigMaps, timeouts, sidecars, init containers,
``pod_spec_patch``, a lock (``synchronization``).
Anything else goes through a raw ``patch={...}``, merged into the emitted object last.
"""

from tiphys import (
    TTL,
    ConfigMap,
    Mutex,
    PodGC,
    Resources,
    Retry,
    Secret,
    Toleration,
    Volume,
    WorkflowTemplate,
    container,
    dag,
    script,
)

scratch = Volume("scratch", size="20Gi", storage_class="fast-ssd", mount="/scratch")
settings = Volume("settings", config_map="etl-settings", mount="/etc/etl", read_only=True)


@container(
    image="postgres:16-alpine",
    command=["pg_dump"],
    volumes=[scratch],
    resources=Resources(cpu="500m", memory="1Gi"),
    env={
        "PGHOST": ConfigMap("etl-settings", "db-host"),
        "PGUSER": "etl",
        "PGPASSWORD": Secret("etl-db", "password"),
    },
    timeout="30m",
    init_containers=[
        {
            "name": "wait-for-db",
            "image": "busybox:1.36",
            "command": ["sh", "-c", "until nc -z postgres.db 5432; do sleep 2; done"],
        }
    ],
)
def extract(table: str):
    """Dump one table into the shared volume."""
    return ["--format=custom", f"--table={table}", f"--file=/scratch/{table}.dump", "app"]


@script(
    image="python:3.12-slim",
    volumes=[scratch, settings],
    resources=Resources(cpu="2", memory="4Gi", ephemeral_storage="10Gi"),
    active_deadline="1h",
    labels={"cost-center": "data-platform"},
    annotations={"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
    sidecars=[
        {
            "name": "statsd",
            "image": "prom/statsd-exporter:v0.26.1",
            "ports": [{"containerPort": 9125, "protocol": "UDP"}],
        }
    ],
    pod_spec_patch={"terminationGracePeriodSeconds": 120},
)
def transform(table: str) -> int:
    """Split the dump into batches; report the count to the statsd sidecar."""
    import pathlib
    import socket

    batch_size = int(pathlib.Path("/etc/etl/batch-size").read_text())
    size = pathlib.Path(f"/scratch/{table}.dump").stat().st_size
    batches = -(-size // batch_size)
    metric = f"etl.batches:{batches}|c".encode()
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(metric, ("127.0.0.1", 9125))
    return batches


@container(
    image="gcr.io/google.com/cloudsdktool/google-cloud-cli:482.0.0-slim",
    command=["gsutil"],
    volumes=[scratch],
    retry=Retry(limit=5, policy="OnError", backoff="20s", factor=2, max_duration="15m"),
    service_account="etl-uploader",
    synchronization=[Mutex("warehouse-upload")],  # one upload to the warehouse at a time
)
def load(table: str):
    """Upload the transformed table to the warehouse bucket."""
    return ["cp", f"/scratch/{table}.dump", f"gs://acme-warehouse/staging/{table}.dump"]


@dag(parallelism=2)
def nightly_etl(table: str = "orders"):
    """Extract, transform, load one table."""
    dumped = extract(table=table)
    transformed = transform(table=table).after(dumped)
    load(table=table).after(transformed)


nightly = WorkflowTemplate(
    "nightly-etl",
    entrypoint=nightly_etl,
    labels={"team": "data-platform", "app.kubernetes.io/part-of": "etl"},
    annotations={"workflows.argoproj.io/description": "Nightly copy of one table."},
    service_account="etl-runner",
    ttl=TTL(success="1d", failure="7d"),
    pod_gc=PodGC("OnPodSuccess", delete_delay="5m"),
    active_deadline="4h",
    retry=Retry(limit=2, policy="OnTransientError"),
    parallelism=3,
    node_selector={"kubernetes.io/arch": "amd64", "workload": "batch"},
    tolerations=[Toleration("dedicated", "batch", effect="NoSchedule")],
    affinity={  # prefer cheaper spot nodes; retries cover the occasional preemption
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 80,
                    "preference": {
                        "matchExpressions": [
                            {
                                "key": "cloud.google.com/gke-spot",
                                "operator": "In",
                                "values": ["true"],
                            }
                        ]
                    },
                }
            ]
        }
    },
    pdb=1,
    priority_class="batch-low",
    security_context={"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 1000},
    pod_metadata={"labels": {"app.kubernetes.io/part-of": "etl"}},
    template_defaults={"timeout": "2h"},
    volumes=[scratch, settings],
    volume_claim_gc="OnWorkflowCompletion",  # delete the scratch volume even after a failure
    patch={"spec": {"schedulerName": "batch-scheduler"}},
)
