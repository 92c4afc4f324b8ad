"""Daemons: a service that runs beside the tasks that use it, reached through ``task.ip``.

``daemon=True`` makes the task done as soon as its container is ready (``readiness=`` probe) and
keeps the pod running until the DAG or steps that started it end; ``task.ip`` is the pod IP
(``{{tasks.<name>.ip}}``), and using it makes the task wait for the daemon. When the scope ends,
Argo sends the container ``SIGTERM`` and kills it once the termination grace period has passed
(30 s unless ``termination_grace_period=`` says otherwise); it does not delete the pod, so the
``pre_stop`` hook runs only when Kubernetes deletes the pod while the server runs (the workflow
deleted, a node drained, an eviction). A pre-stop sleep must be shorter than the grace period.
"""

from tiphys import PreStop, Probe, Workflow, container, dag


@container(
    image="influxdb:1.8",
    daemon=True,
    readiness=Probe.http("/ping", 8086, initial_delay=5, period=2, timeout=1),
    liveness=Probe.tcp(8086, period=20),
    ports=[8086],
    pre_stop=PreStop.sleep(10),  # on pod deletion: let clients finish before SIGTERM
    termination_grace_period=40,  # time to shut down after SIGTERM (and the pre-stop, if any)
    container_security_context={"allowPrivilegeEscalation": False},
)
def influxdb():
    """An InfluxDB server for the duration of the DAG."""
    return None


@container(image="curlimages/curl:8.10.1", command=["curl", "-sf", "-XPOST"])
def influx_query(server: str, query: str):
    """Run one InfluxQL statement against the server (no shell: values stay one argument)."""
    return [f"http://{server}:8086/query", "--data-urlencode", f"q={query}"]


@container(image="curlimages/curl:8.10.1", command=["curl", "-sf", "-XPOST"])
def write_point(server: str, host: str, load: float):
    """Write one measurement."""
    return [f"http://{server}:8086/write?db=mydb", "--data-binary", f"cpu,host={host} load={load}"]


@dag
def integration():
    """Start the database, create it, write from two hosts, then read back."""
    db = influxdb()
    created = influx_query(server=db.ip, query="CREATE DATABASE mydb").named("create-db")
    one = write_point(server=db.ip, host="server01", load=0.5).after(created)
    two = write_point(server=db.ip, host="server02", load=1.5).after(created)
    influx_query(server=db.ip, query="SELECT count(*) FROM mydb..cpu").named("read").after(one, two)


workflow = Workflow(entrypoint=integration)
