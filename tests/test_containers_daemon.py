"""Daemons, probes, ports, security contexts and graceful shutdown on ``@container``/``@script``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from expect import error_of
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    CompileError,
    PreStop,
    Probe,
    Workflow,
    container,
    dag,
    script,
    steps,
)
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def valid(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest, after checking it against the strict schema and tiphys' validation."""
    assert oracle_errors(manifest) == []
    assert validate_document(manifest) == []
    return manifest


def template(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in manifest["spec"]["templates"] if t["name"] == name)
    return found


@container(
    image="influxdb:1.2",
    daemon=True,
    readiness=Probe.http("/ping", 8086, initial_delay=5, timeout=1),
    ports=[8086],
)
def influxdb() -> None:
    return None


@container(image="curlimages/curl:latest", command=["sh", "-c"])
def influxdb_client(cmd: str) -> list[str]:
    return [cmd]


def test_dag_daemon_task_like_upstream() -> None:
    @dag
    def daemon_example() -> None:
        influx = influxdb().named("influx")
        init = influxdb_client(cmd=f"curl -XPOST 'http://{influx.ip}:8086/query'").named(
            "init-database"
        )
        influxdb_client(cmd=f"curl -G http://{influx.ip}:8086/query").named("consumer").after(init)

    manifest = valid(Workflow(entrypoint=daemon_example).to_dict())
    assert yaml.safe_dump(manifest["spec"], sort_keys=False) == textwrap.dedent(
        """\
        entrypoint: daemon-example
        templates:
        - name: daemon-example
          dag:
            tasks:
            - name: influx
              template: influxdb
            - name: init-database
              template: influxdb-client
              depends: influx
              arguments:
                parameters:
                - name: cmd
                  value: curl -XPOST 'http://{{tasks.influx.ip}}:8086/query'
            - name: consumer
              template: influxdb-client
              depends: influx && init-database
              arguments:
                parameters:
                - name: cmd
                  value: curl -G http://{{tasks.influx.ip}}:8086/query
        - name: influxdb
          daemon: true
          container:
            image: influxdb:1.2
            ports:
            - containerPort: 8086
            readinessProbe:
              httpGet:
                path: /ping
                port: 8086
              initialDelaySeconds: 5
              timeoutSeconds: 1
        - name: influxdb-client
          inputs:
            parameters:
            - name: cmd
          container:
            image: curlimages/curl:latest
            command:
            - sh
            - -c
            args:
            - '{{inputs.parameters.cmd}}'
        """
    )


def test_steps_daemon_ip_and_a_daemon_script() -> None:
    @script(
        image="python:3.12-slim",
        daemon=True,
        readiness=Probe.tcp(8000, period="2s", failure_threshold=10),
        liveness=Probe.exec(["python3", "-c", "print(1)"], period=30),
        ports=[{"containerPort": 8000, "name": "http"}],
        container_security_context={"runAsNonRoot": True, "runAsUser": 1000},
    )
    def server() -> None:
        import http.server

        http.server.test(port=8000)  # type: ignore[attr-defined]

    @steps
    def main() -> None:
        s = server()
        influxdb_client(cmd=f"curl http://{s.ip}:8000/")

    manifest = valid(Workflow(entrypoint=main).to_dict())
    assert template(manifest, "main")["steps"][1][0]["arguments"] == {
        "parameters": [{"name": "cmd", "value": "curl http://{{steps.server.ip}}:8000/"}]
    }
    body = template(manifest, "server")
    assert body["daemon"] is True
    script_body = {k: v for k, v in body["script"].items() if k != "source"}
    assert script_body == {
        "image": "python:3.12-slim",
        "command": ["python3"],
        "ports": [{"containerPort": 8000, "name": "http"}],
        "readinessProbe": {"tcpSocket": {"port": 8000}, "periodSeconds": 2, "failureThreshold": 10},
        "livenessProbe": {"exec": {"command": ["python3", "-c", "print(1)"]}, "periodSeconds": 30},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
    }


def test_pre_stop_hooks_and_grace_period_merged_into_pod_spec_patch() -> None:
    @container(
        image="nginx:1.27",
        daemon=True,
        readiness=Probe.http("/", "http", scheme="HTTPS", headers={"Host": "a.example"}),
        ports=[{"containerPort": 443, "name": "http"}],
        pre_stop=PreStop.exec(["nginx", "-s", "quit"]),
        termination_grace_period="1m",
        pod_spec_patch={"priorityClassName": "low"},
    )
    def web() -> None:
        return None

    @container(
        image="alpine:3.20",
        pre_stop=PreStop.http("/drain", 8080),
        termination_grace_period=45,
        pod_spec_patch='{"terminationGracePeriodSeconds": 45}',
    )
    def drain() -> None:
        return None

    @container(
        image="alpine:3.20",
        pre_stop=PreStop.sleep("25s"),
        pod_spec_patch="terminationGracePeriodSeconds: 40\n",
    )
    def patient() -> None:
        return None

    @dag
    def main() -> None:
        web()
        drain()
        patient()

    manifest = valid(Workflow(entrypoint=main).to_dict())
    assert template(manifest, "web") == {
        "name": "web",
        "daemon": True,
        "container": {
            "image": "nginx:1.27",
            "ports": [{"containerPort": 443, "name": "http"}],
            "readinessProbe": {
                "httpGet": {
                    "path": "/",
                    "port": "http",
                    "scheme": "HTTPS",
                    "httpHeaders": [{"name": "Host", "value": "a.example"}],
                }
            },
            "lifecycle": {"preStop": {"exec": {"command": ["nginx", "-s", "quit"]}}},
        },
        "podSpecPatch": '{"priorityClassName": "low", "terminationGracePeriodSeconds": 60}',
    }
    assert template(manifest, "drain") == {
        "name": "drain",
        "container": {
            "image": "alpine:3.20",
            "lifecycle": {"preStop": {"httpGet": {"path": "/drain", "port": 8080}}},
        },
        "podSpecPatch": '{"terminationGracePeriodSeconds": 45}',
    }
    assert template(manifest, "patient") == {
        "name": "patient",
        "container": {
            "image": "alpine:3.20",
            "lifecycle": {"preStop": {"sleep": {"seconds": 25}}},
        },
        "podSpecPatch": "terminationGracePeriodSeconds: 40\n",
    }


# -- errors ------------------------------------------------------------------------------------


def test_ip_of_a_task_that_is_not_a_daemon() -> None:
    @dag
    def main() -> None:
        c = influxdb_client(cmd="true")
        influxdb_client(cmd=f"curl {c.ip}")  # C133

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C133')}: task 'influxdb-client' has no IP to reach it by: template "
        "'influxdb-client' is not a daemon, and Argo records the IP of daemons only (other pods "
        "have ended when the next task runs). Declare it with daemon=True and a readiness probe "
        "[C133]"
    )


def test_ip_of_a_looped_daemon() -> None:
    @container(image="python:3.12", daemon=True, readiness=Probe.tcp(8000))
    def server(port: int) -> list[str]:
        return ["python", "-m", "http.server", str(port)]

    @dag
    def main() -> None:
        s = server.map(over=[8000, 8001], port=lambda p: p)
        influxdb_client(cmd=f"curl {s.ip}")  # C133-loop

    assert error_of(Workflow(entrypoint=main).to_dict) == (
        f"{line_of('C133-loop')}: task 'server' runs daemon 'server' in a loop (.map()), so it "
        "has no one IP: the loop's node runs no pod and Argo sets no IP for it, so the "
        "reference would stay unresolved. Start each daemon as its own task and use its .ip "
        "[C133]"
    )


def test_readiness_needs_a_daemon() -> None:
    def build() -> None:
        @container(image="alpine:3.20", readiness=Probe.tcp(80))  # C117-readiness
        def lonely() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C117-readiness')}: readiness= only matters for a daemon (Argo waits for a "
        "daemon to be ready before the tasks that follow it start): add daemon=True, or drop "
        "readiness= [C117]"
    )


def test_pre_stop_sleep_against_the_default_grace_period() -> None:
    def build() -> None:
        @container(image="alpine:3.20", pre_stop=PreStop.sleep(30))  # C134-default
        def slow() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C134-default')}: the pre-stop hook sleeps 30 s, but the pod's termination "
        "grace period is 30 s (Kubernetes' default; set termination_grace_period=), and when "
        "Kubernetes deletes the pod (the only time it runs a pre-stop hook: the workflow "
        "deleted while the pod runs, a node drained, an eviction; Argo ends daemons and "
        "stopped workflows by signalling the containers instead) it kills the container when "
        "that period ends, so the process never gets SIGTERM: sleep less, or make "
        "termination_grace_period longer than 30 s plus the time the process needs to stop "
        "[C134]"
    )


def test_pre_stop_sleep_against_an_explicit_grace_period() -> None:
    def build() -> None:
        @script(
            daemon=True,
            pre_stop=PreStop.sleep("2m"),  # C134-explicit
            termination_grace_period=60,
        )
        def slow() -> None:
            pass

    assert error_of(build) == (
        f"{line_of('C134-explicit')}: the pre-stop hook sleeps 120 s, but the pod's "
        "termination grace period is 60 s (set by termination_grace_period), and when "
        "Kubernetes deletes the pod (the only time it runs a pre-stop hook: the workflow "
        "deleted while the pod runs, a node drained, an eviction; Argo ends daemons and "
        "stopped workflows by signalling the containers instead) it kills the container when "
        "that period ends, so the process never gets SIGTERM: sleep less, or make "
        "termination_grace_period longer than 120 s plus the time the process needs to stop "
        "[C134]"
    )


def test_pre_stop_sleep_against_the_grace_period_of_the_pod_spec_patch() -> None:
    def build() -> None:
        @container(
            image="alpine:3.20",
            pre_stop=PreStop.sleep(10),  # C134-patch
            pod_spec_patch={"terminationGracePeriodSeconds": 10},
        )
        def slow() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C134-patch')}: the pre-stop hook sleeps 10 s, but the pod's termination "
        "grace period is 10 s (set by pod_spec_patch), and when Kubernetes deletes the pod "
        "(the only time it runs a pre-stop hook: the workflow deleted while the pod runs, a "
        "node drained, an eviction; Argo ends daemons and stopped workflows by signalling the "
        "containers instead) it kills the container when that period ends, so the process "
        "never gets SIGTERM: sleep less, or make termination_grace_period longer than 10 s "
        "plus the time the process needs to stop [C134]"
    )


def test_grace_period_conflicting_with_the_pod_spec_patch() -> None:
    def build() -> None:
        @container(  # C135-conflict
            image="alpine:3.20",
            termination_grace_period=60,
            pod_spec_patch='{"terminationGracePeriodSeconds": 30}',
        )
        def slow() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C135-conflict')}: termination_grace_period is 60 s, but pod_spec_patch sets "
        "terminationGracePeriodSeconds to 30: keep one of them [C135]"
    )


def test_grace_period_with_an_unreadable_pod_spec_patch() -> None:
    def build() -> None:
        @container(image="alpine:3.20", termination_grace_period=60, pod_spec_patch="[1, 2")  # C135
        def slow() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C135')}: pod_spec_patch cannot be read as a YAML or JSON mapping, so "
        "termination_grace_period cannot be merged into it: pass pod_spec_patch as a dict [C135]"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Probe.http("ping", 80),
            "Probe.http: path must start with '/', not 'ping'",
        ),
        (
            lambda: Probe.http("/", 70000),
            "Probe.http: port 70000 is not between 1 and 65535",
        ),
        (
            lambda: Probe.http("/", 80, scheme="https"),  # type: ignore[arg-type]
            "Probe.http: scheme must be 'HTTP' or 'HTTPS', not 'https'. Did you mean 'HTTPS'?",
        ),
        (
            lambda: Probe.tcp("Web_Port"),
            "Probe.tcp: port name 'Web_Port' is not an IANA service name: at most 15 lower-case "
            "letters, digits and '-', with a letter, starting and ending with a letter or digit",
        ),
        (
            lambda: Probe.tcp(80, perid=5),  # type: ignore[call-arg]
            "unknown probe option 'perid' (options: initial_delay, period, timeout, "
            "failure_threshold, success_threshold). Did you mean 'period'?",
        ),
        (lambda: Probe.tcp(80, period=0), "probe period must be at least 1 s, not 0"),
        (
            lambda: Probe.tcp(80, failure_threshold="3"),  # type: ignore[typeddict-item]
            "probe failure_threshold must be an integer, not '3'",
        ),
        (
            lambda: Probe.exec("pg_isready"),
            "Probe.exec takes the command as a non-empty list of strings (no shell), e.g. "
            "['sh', '-c', 'kill -TERM 1'], not 'pg_isready'",
        ),
        (
            lambda: PreStop.exec([]),
            "PreStop.exec takes the command as a non-empty list of strings (no shell), e.g. "
            "['sh', '-c', 'kill -TERM 1'], not []",
        ),
        (lambda: PreStop.sleep(0), "PreStop.sleep must last at least 1 s, not 0"),
        (
            lambda: PreStop.sleep("1d2"),
            "PreStop.sleep: '1d2' is not a duration; write seconds (30) or a string like "
            "'30s', '5m', '2h', '1d', '1h30m'",
        ),
    ],
)
def test_bad_probe_and_hook_values(build: Callable[[], object], message: str) -> None:
    with pytest.raises(CompileError) as info:
        build()
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == ("C117", message)
    assert diagnostic.location.file == line_of("C117-values").partition(":")[0]  # C117-values


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"readines": None}, "unknown template option 'readines'. Did you mean 'readiness'?"),
        ({"daemon": "yes"}, "daemon must be True or False, not 'yes'"),
        (
            {"daemon": True, "readiness": "/ping"},
            "readiness must be a Probe (Probe.http(...), Probe.tcp(...) or Probe.exec(...)), "
            "not '/ping'",
        ),
        (
            {"pre_stop": 5},
            "pre_stop must be a PreStop (PreStop.exec(...), PreStop.http(...) or "
            "PreStop.sleep(...)), not 5",
        ),
        ({"ports": [0]}, "ports: port 0 is not between 1 and 65535"),
        ({"ports": ["http"]}, "ports: port 'http' is not a number (1 to 65535)"),
        ({"ports": [80, 80]}, "ports lists port 80 twice"),
        (
            {"ports": [{"name": "http"}]},
            "ports entry {'name': 'http'}: port None is not a number (1 to 65535)",
        ),
        ({"ports": 80}, "ports must be a list of port numbers, not 80"),
    ],
)
def test_bad_container_options(options: dict[str, Any], message: str) -> None:
    def build() -> None:
        container(image="alpine:3.20", **options)(lambda: None)  # C117-options

    assert error_of(build) == f"{line_of('C117-options')}: {message} [C117]"


def test_liveness_success_threshold_must_be_one() -> None:
    probe = Probe.tcp(80, success_threshold=2)  # C117-liveness

    def build() -> None:
        @container(image="alpine:3.20", liveness=probe)
        def alive() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C117-liveness')}: a liveness probe's success_threshold must be 1 (Kubernetes "
        "refuses others) [C117]"
    )


def test_container_options_are_not_template_options_of_a_dag() -> None:
    def build() -> None:
        dag(daemon=True)(lambda: None)  # type: ignore[call-overload]  # C117-dag

    assert error_of(build) == (f"{line_of('C117-dag')}: unknown template option 'daemon'. [C117]")


def test_probe_port_name_must_be_declared() -> None:
    def build() -> None:
        @container(
            image="nginx:1.27",
            daemon=True,
            readiness=Probe.http("/", "web"),  # C117-named-port
            ports=[80, {"containerPort": 8080, "name": "admin"}],
        )
        def web() -> None:
            return None

    assert error_of(build) == (
        f"{line_of('C117-named-port')}: readiness uses the port named 'web', but ports= names no "
        "such port (named ports: admin): add {'containerPort': <number>, 'name': 'web'} to "
        "ports=, or give the port number [C117]"
    )
