"""tiphys apply, template/cluster-template/cron verbs and lint --server against ArgoFake.

Outputs and exit codes are compared whole; every request is checked against swagger.json and
every scripted response against its response schema (api_checks).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from argo_contract import conforms, err, ok
from argo_fake import ArgoFake
from cli_server import NAMESPACE as NS
from cli_server import invoke
from tiphys.client.errors import NO_SERVER_MESSAGE

WFT = f"/api/v1/workflow-templates/{NS}"
CWFT = "/api/v1/cluster-workflow-templates"
CRON = f"/api/v1/cron-workflows/{NS}"

SPEC: dict[str, Any] = {
    "entrypoint": "main",
    "templates": [{"name": "main", "container": {"image": "alpine:3.20"}}],
}


def manifest(kind: str, name: str) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    if kind == "CronWorkflow":
        spec = {"schedules": ["0 * * * *"], "timezone": "UTC", "workflowSpec": spec}
    if kind == "Workflow":
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind,
                "metadata": {"generateName": f"{name}-"}, "spec": spec}  # fmt: skip
    meta = {"name": name, "labels": {"team": "a"}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}


def held(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The server's copy: creator label, resourceVersion, uid, timestamps, managedFields."""
    obj = copy.deepcopy(doc)
    meta = obj["metadata"]
    if obj["kind"] != "ClusterWorkflowTemplate":
        meta["namespace"] = NS
    meta["labels"] = {
        **meta.get("labels", {}),
        "workflows.argoproj.io/creator": "system-serviceaccount",
    }
    meta.update(
        resourceVersion="900",
        uid="5b0c3a0e-0000-4000-8000-000000000001",
        generation=2,
        creationTimestamp="2026-11-27T12:00:00Z",
        managedFields=[{"manager": "argo", "operation": "Update", "fieldsType": "FieldsV1"}],
    )
    obj["spec"].update(changes)
    return obj


@pytest.fixture
def argo() -> Iterator[ArgoFake]:
    with ArgoFake(socket_timeout=5) as fake:
        yield fake


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    docs = [
        manifest("WorkflowTemplate", "build"),
        manifest("ClusterWorkflowTemplate", "notify"),
        manifest("CronWorkflow", "nightly"),
        manifest("Workflow", "hello"),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}},
    ]
    Path("templates").mkdir()
    Path("templates/all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return tmp_path


def line_of(kind: str) -> int:
    text = Path("templates/all.yaml").read_text().splitlines()
    starts = [i + 1 for i, line in enumerate(text) if line.startswith("apiVersion")]
    order = ["WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "Workflow", "ConfigMap"]
    return starts[order.index(kind)]


def test_apply_creates_updates_and_leaves_unchanged(argo: ArgoFake, files: Path) -> None:
    cron = manifest("CronWorkflow", "nightly")
    argo.add("GET", f"{WFT}/build", err("GET", f"{WFT}/build", 404, "not found"))
    argo.add("POST", WFT, ok("POST", WFT, held(manifest("WorkflowTemplate", "build"))))
    argo.add("GET", f"{CWFT}/notify", ok("GET", f"{CWFT}/notify", held(
        manifest("ClusterWorkflowTemplate", "notify"))))  # fmt: skip
    argo.add("GET", f"{CRON}/nightly", ok("GET", f"{CRON}/nightly", held(cron, timezone="")))
    argo.add("PUT", f"{CRON}/nightly", ok("PUT", f"{CRON}/nightly", held(cron)))
    ran = invoke(argo, "apply", "templates")
    assert (ran.code, ran.out) == (
        0,
        "workflowtemplate/build created\n"
        "clusterworkflowtemplate/notify unchanged\n"
        "cronworkflow/nightly updated\n",
    )
    assert ran.err == (
        f"templates/all.yaml:{line_of('ConfigMap')}: skipped: kind 'ConfigMap' is not an Argo "
        "workflow kind (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)\n"
        f"templates/all.yaml:{line_of('Workflow')}: skipped: Workflow 'hello-' runs once and is "
        "not applied: submit it with `tiphys submit templates/all.yaml`\n"
    )
    assert [(r.method, r.path) for r in argo.requests] == [
        ("GET", f"{WFT}/build"),
        ("POST", WFT),
        ("GET", f"{CWFT}/notify"),
        ("GET", f"{CRON}/nightly"),
        ("PUT", f"{CRON}/nightly"),
    ]
    put = argo.requests[-1].json()["cronWorkflow"]["metadata"]
    assert (put["resourceVersion"], put["namespace"]) == ("900", NS)
    conforms(argo.requests)


def test_a_source_with_errors_sends_nothing(argo: ArgoFake, files: Path) -> None:
    bad = manifest("WorkflowTemplate", "Bad_Name")
    Path("templates/bad.yaml").write_text(yaml.safe_dump(bad, sort_keys=False))
    ran = invoke(argo, "apply", "templates/all.yaml", "templates/bad.yaml")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err.splitlines()[-2:] == [
        "templates/bad.yaml:4: invalid metadata.name: 'Bad_Name' is not a valid Kubernetes "
        "name: use lower-case letters, digits, '-' and '.', starting and ending with a letter "
        "or digit. Did you mean 'bad-name'? (at metadata.name) [V109]",
        "tiphys: nothing was sent: fix the errors above and run apply again",
    ]
    assert argo.requests == []


def test_problems_are_reported_in_line_order_as_lint_does(argo: ArgoFake, files: Path) -> None:
    Path("cron.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: CronWorkflow\n"
        "metadata: {name: cron-a}\n"
        "spec:\n"
        "  schedule: '* * * * *'\n"
        "  timezone: Mars/Olympus\n"
        "  workflowSpec:\n"
        "    entrypoint: main\n"
        "    templates: [{name: main, container: {image: alpine}}]\n"
    )
    expected = (
        "cron.yaml:4: missing required field 'schedules'; add it (at spec.schedules) [V001]\n"
        "cron.yaml:5: 'schedule' was removed in Argo v4; use schedules: [...] (a list) "
        "(at spec.schedule) [V002]\n"
        "cron.yaml:6: invalid timezone: 'Mars/Olympus' is not a time zone name Argo knows: use "
        "an IANA name such as 'Europe/Paris', 'America/New_York' or 'UTC' (names are "
        "case-sensitive). (at spec.timezone) [V171]\n"
    )
    for verb in (["apply"], ["cron", "create"]):
        ran = invoke(argo, *verb, "cron.yaml")
        assert (ran.code, ran.out) == (2, "")
        assert ran.err == expected + (
            f"tiphys: nothing was sent: fix the errors above and run {' '.join(verb)} again\n"
        )
    assert argo.requests == []


def test_a_python_source_is_compiled_and_applied(argo: ArgoFake, tmp_path: Path) -> None:
    source = tmp_path / "lib.py"
    source.write_text(
        "from tiphys import WorkflowTemplate, container\n\n\n"
        "@container(image='alpine:3.20', command=['echo'])\n"
        "def hello(name: str = 'x'):\n"
        "    return [name]\n\n\n"
        "lib = WorkflowTemplate('lib', entrypoint=hello)\n"
    )
    argo.add("GET", f"{WFT}/lib", err("GET", f"{WFT}/lib", 404, "not found"))
    argo.add("POST", WFT, ok("POST", WFT, held(manifest("WorkflowTemplate", "lib"))))
    ran = invoke(argo, "apply", str(source), "-n", NS)
    assert (ran.code, ran.out, ran.err) == (0, "workflowtemplate/lib created\n", "")
    sent = argo.requests[1].json()["template"]
    assert (sent["metadata"]["name"], sent["spec"]["entrypoint"]) == ("lib", "hello")
    conforms(argo.requests)


def test_referenced_templates_are_applied_before_what_references_them(
    argo: ArgoFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Argo Server validates templateRef/workflowTemplateRef on create and update (a
    # missing template is a 400), so what is referenced goes first; otherwise file order.
    monkeypatch.chdir(tmp_path)
    nightly = manifest("CronWorkflow", "nightly")
    nightly["spec"]["workflowSpec"] = {"workflowTemplateRef": {"name": "release"}}
    release = manifest("WorkflowTemplate", "release")
    release["spec"]["templates"] = [
        {"name": "main", "steps": [[
            {"name": "b", "templateRef": {"name": "build", "template": "main"}},
            {"name": "n", "templateRef": {"name": "notify", "template": "main",
                                          "clusterScope": True}},
        ]]},
    ]  # fmt: skip
    docs = [
        nightly,
        release,
        manifest("WorkflowTemplate", "other"),
        manifest("WorkflowTemplate", "build"),
        manifest("ClusterWorkflowTemplate", "notify"),
    ]
    Path("all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        base = {"CronWorkflow": CRON, "WorkflowTemplate": WFT}.get(kind, CWFT)
        argo.add("GET", f"{base}/{name}", err("GET", f"{base}/{name}", 404, "not found"))
        argo.add("POST", base, ok("POST", base, held(doc)))
    ran = invoke(argo, "apply", "all.yaml")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == (
        "workflowtemplate/other created\n"
        "workflowtemplate/build created\n"
        "clusterworkflowtemplate/notify created\n"
        "workflowtemplate/release created\n"
        "cronworkflow/nightly created\n"
    )
    conforms(argo.requests)


def test_diff_and_dry_run_only_read(argo: ArgoFake, files: Path) -> None:
    Path("one.yaml").write_text(yaml.safe_dump(manifest("WorkflowTemplate", "build")))
    server = held(manifest("WorkflowTemplate", "build"), entrypoint="old")
    argo.add("GET", f"{WFT}/build", ok("GET", f"{WFT}/build", server))
    ran = invoke(argo, "apply", "--diff", "one.yaml")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == (
        "--- server/workflowtemplate/build\n"
        "+++ local/workflowtemplate/build\n"
        "@@ -4,7 +4,7 @@\n"
        "   labels:\n"
        "     team: a\n"
        " spec:\n"
        "-  entrypoint: old\n"
        "+  entrypoint: main\n"
        "   templates:\n"
        "   - container:\n"
        "       image: alpine:3.20\n"
    )
    dry = invoke(argo, "apply", "--dry-run", "one.yaml")
    assert (dry.code, dry.out) == (0, "workflowtemplate/build updated (dry run)\n")
    assert [r.method for r in argo.requests] == ["GET", "GET"]
    conforms(argo.requests)


def test_diff_is_coloured_on_a_terminal_unless_no_color(
    argo: ArgoFake, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like git diff: red removals, green additions, cyan hunks, bold headers; --no-color (as on
    # get/watch) and NO_COLOR turn it off. CliRunner is not a terminal: pretend it is one.
    import tiphys.cli.get_cmd

    monkeypatch.setattr(tiphys.cli.get_cmd, "stdout_is_terminal", lambda: True)
    Path("one.yaml").write_text(yaml.safe_dump(manifest("WorkflowTemplate", "build")))
    server = held(manifest("WorkflowTemplate", "build"), entrypoint="old")
    argo.add("GET", f"{WFT}/build", ok("GET", f"{WFT}/build", server))
    ran = invoke(argo, "apply", "--diff", "one.yaml", env={"NO_COLOR": "", "TERM": "xterm"})
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == (
        "\x1b[1m--- server/workflowtemplate/build\x1b[0m\n"
        "\x1b[1m+++ local/workflowtemplate/build\x1b[0m\n"
        "\x1b[36m@@ -4,7 +4,7 @@\x1b[0m\n"
        "   labels:\n"
        "     team: a\n"
        " spec:\n"
        "\x1b[31m-  entrypoint: old\x1b[0m\n"
        "\x1b[32m+  entrypoint: main\x1b[0m\n"
        "   templates:\n"
        "   - container:\n"
        "       image: alpine:3.20\n"
    )
    plain = invoke(
        argo, "apply", "--diff", "--no-color", "one.yaml", env={"NO_COLOR": "", "TERM": "xterm"}
    )
    assert (plain.code, plain.out) == (0, re.sub("\x1b\\[[0-9;]*m", "", ran.out))
    assert "\x1b" not in plain.out
    off = invoke(argo, "apply", "--diff", "one.yaml")  # NO_COLOR=1
    assert off.out == plain.out


def test_stale_update_exits_3_saying_to_run_again(argo: ArgoFake, files: Path) -> None:
    Path("one.yaml").write_text(yaml.safe_dump(manifest("WorkflowTemplate", "build")))
    server = held(manifest("WorkflowTemplate", "build"), entrypoint="old")
    argo.add("GET", f"{WFT}/build", ok("GET", f"{WFT}/build", server))
    argo.add("PUT", f"{WFT}/build", err("PUT", f"{WFT}/build", 409, "the object has been modified"))
    ran = invoke(argo, "apply", "one.yaml")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        "tiphys: error: WorkflowTemplate 'build' changed on the server while it was being "
        "applied (the resourceVersion '900' read just before is stale): run apply again, which "
        "reads the new version and compares again.\n"
        f"PUT {WFT}/build: 409 Conflict: the object has been modified\n"
        "The object changed on the server since it was read (a stale metadata.resourceVersion): "
        "read it again, reapply your change and send it again.\n"
    )


def test_forbidden_exits_3(argo: ArgoFake, files: Path) -> None:
    Path("one.yaml").write_text(yaml.safe_dump(manifest("WorkflowTemplate", "build")))
    argo.add("GET", f"{WFT}/build", err("GET", f"{WFT}/build", 403, "forbidden"))
    ran = invoke(argo, "apply", "one.yaml")
    assert (ran.code, ran.out) == (3, "")
    assert ran.err == (
        f"tiphys: error: GET {WFT}/build: 403 Forbidden: forbidden\n"
        "The token may not read workflow-templates in namespace 'argo'. Ask for an RBAC role "
        "that allows it for the token's service account, or use a namespace you may use "
        "(-n/--namespace or ARGO_NAMESPACE; namespace= in Python).\n"
    )


def test_no_server_exits_2(files: Path) -> None:
    ran = invoke(None, "apply", "templates")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err.endswith(f"tiphys: error: {NO_SERVER_MESSAGE}\n")


def test_only_workflows_found_is_exit_2(argo: ArgoFake, files: Path) -> None:
    Path("wf.yaml").write_text(yaml.safe_dump(manifest("Workflow", "hello")))
    ran = invoke(argo, "apply", "wf.yaml")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err == (
        "wf.yaml:1: skipped: Workflow 'hello-' runs once and is not applied: submit it with "
        "`tiphys submit wf.yaml`\n"
        "tiphys: error: no WorkflowTemplate or ClusterWorkflowTemplate or CronWorkflow found "
        "in wf.yaml\n"
    )
    assert argo.requests == []


# --- template / cluster-template / cron -------------------------------------------------------


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    moment = datetime(2026, 11, 29, 14, 20, 0, tzinfo=UTC)
    monkeypatch.setattr("tiphys.cli.template_cmd._now", lambda: moment)
    monkeypatch.setattr("tiphys.cli.get_cmd.TIME_ZONE", UTC)
    return moment


def test_template_create_get_list_delete(argo: ArgoFake, files: Path, now: datetime) -> None:
    build = held(manifest("WorkflowTemplate", "build"))
    argo.add("POST", WFT, ok("POST", WFT, build))
    argo.add("GET", f"{WFT}/build", ok("GET", f"{WFT}/build", build))
    other = held(manifest("WorkflowTemplate", "deploy-to-production"))
    argo.add("GET", WFT, ok("GET", WFT, {"metadata": {}, "items": [build, other]}))
    argo.add("DELETE", f"{WFT}/build", ok("DELETE", f"{WFT}/build", {}))
    ran = invoke(argo, "template", "create", "templates/all.yaml")
    assert ran.code == 0
    assert ran.out == (  # argo's printWorkflowTemplate: "%-20s %v", humanize.Timestamp
        "Name:                build\n"
        "Namespace:           argo\n"
        "Created:             Fri Nov 27 12:00:00 +0000 (2 days ago)\n"
    )
    assert ran.err.count("skipped") == 4  # the other kinds
    assert invoke(argo, "template", "get", "build", "-o", "name").out == "build\n"
    assert json.loads(invoke(argo, "template", "get", "build", "-o", "json").out) == build
    assert yaml.safe_load(invoke(argo, "template", "get", "build", "-o", "yaml").out) == build
    listed = invoke(argo, "template", "list", "-l", "team=a")
    assert (listed.code, listed.out) == (0, "NAME\nbuild\ndeploy-to-production\n")
    names = invoke(argo, "template", "list", "-o", "name").out
    assert names == "build\ndeploy-to-production\n"
    deleted = invoke(argo, "template", "delete", "build")
    assert (deleted.code, deleted.out) == (0, "WorkflowTemplate 'build' deleted\n")
    assert argo.requests_to("GET", WFT)[0].query == {"listOptions.labelSelector": ["team=a"]}
    assert argo.requests_to("POST", WFT)[0].json()["template"]["metadata"]["name"] == "build"
    conforms(argo.requests)


def test_template_list_empty_and_bad_output(argo: ArgoFake, now: datetime) -> None:
    argo.add("GET", CWFT, ok("GET", CWFT, {"metadata": {}, "items": None}))
    assert invoke(argo, "cluster-template", "list").out == "NAME\n"
    assert invoke(argo, "cluster-template", "list", "-o", "json").out == "[]\n"
    bad = invoke(argo, "cluster-template", "list", "-o", "wide")
    assert (bad.code, bad.err) == (
        2,
        "tiphys: error: unknown output format 'wide' (choose table, name, json or yaml)\n",
    )
    conforms(argo.requests)


def test_template_create_name_taken_exits_3(argo: ArgoFake, files: Path) -> None:
    argo.add("POST", CWFT, err("POST", CWFT, 409, 'clusterworkflowtemplates "notify" exists'))
    ran = invoke(argo, "cluster-template", "create", "templates/all.yaml")
    assert ran.code == 3
    assert ran.err.splitlines()[-2] == (
        f'tiphys: error: POST {CWFT}: 409 Conflict: clusterworkflowtemplates "notify" exists'
    )


def test_template_update_and_missing(argo: ArgoFake, files: Path) -> None:
    build = manifest("WorkflowTemplate", "build")
    argo.add("GET", f"{WFT}/build", ok("GET", f"{WFT}/build", held(build)), err(
        "GET", f"{WFT}/build", 404, "not found"))  # fmt: skip
    argo.add("PUT", f"{WFT}/build", ok("PUT", f"{WFT}/build", held(build)))
    ran = invoke(argo, "template", "update", "templates/all.yaml", "-o", "name")
    assert (ran.code, ran.out) == (0, "build\n")
    put = argo.requests_to("PUT", f"{WFT}/build")[0].json()["template"]["metadata"]
    assert put["resourceVersion"] == "900"
    missing = invoke(argo, "template", "update", "templates/all.yaml")
    assert (missing.code, missing.out) == (3, "")
    assert missing.err.endswith(
        f"tiphys: error: GET {WFT}/build: 404 Not Found: WorkflowTemplate 'build' does not "
        "exist in namespace 'argo'\nCreate it first (`create`), or use `tiphys apply`, which "
        "creates or updates.\n"
    )
    conforms(argo.requests)


def test_delete_all_and_usage(argo: ArgoFake) -> None:
    items = [held(manifest("CronWorkflow", n)) for n in ("a", "b")]
    argo.add("GET", CRON, ok("GET", CRON, {"metadata": {}, "items": items}))
    for name in ("a", "b"):
        argo.add("DELETE", f"{CRON}/{name}", ok("DELETE", f"{CRON}/{name}", {}))
    ran = invoke(argo, "cron", "delete", "--all")
    assert (ran.code, ran.out) == (0, "CronWorkflow 'a' deleted\nCronWorkflow 'b' deleted\n")
    both = invoke(argo, "cron", "delete", "a", "--all")
    assert (both.code, both.err) == (
        2,
        "tiphys: error: give the names of the CronWorkflows to delete, or --all (not both)\n",
    )
    conforms(argo.requests)


def test_cron_list_columns(argo: ArgoFake, now: datetime) -> None:
    hourly = held(manifest("CronWorkflow", "hourly"))
    hourly["status"] = {"lastScheduledTime": "2026-11-29T14:00:00Z"}
    paris = held(manifest("CronWorkflow", "nightly-backup-of-orders"))
    paris["spec"].update(
        schedules=["30 2 * * mon-fri", "0 6 * * sat,sun"], timezone="Europe/Paris", suspend=True
    )
    argo.add("GET", CRON, ok("GET", CRON, {"metadata": {}, "items": [hourly, paris]}))
    ran = invoke(argo, "cron", "list")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == (
        "NAME                       AGE   LAST RUN   NEXT RUN   SCHEDULES                        "
        "  TIMEZONE       SUSPENDED\n"
        "hourly                     2d    20m        40m        0 * * * *                        "
        "  UTC            false\n"
        "nightly-backup-of-orders   2d    N/A        11h        30 2 * * mon-fri,0 6 * * sat,sun "
        "  Europe/Paris   true\n"
    )
    conforms(argo.requests)


def test_template_and_cron_list_of_all_namespaces(argo: ArgoFake, now: datetime) -> None:
    # As `argo template list -A` / `argo cron list -A`: GET with an empty namespace (swagger's
    # path template cannot express an empty segment, so these requests are not checked), and a
    # NAMESPACE column first.
    build = held(manifest("WorkflowTemplate", "build"))
    other = held(manifest("WorkflowTemplate", "deploy"))
    other["metadata"]["namespace"] = "team-b"
    argo.add(
        "GET",
        "/api/v1/workflow-templates/",
        ok("GET", WFT, {"metadata": {}, "items": [build, other]}),
    )
    ran = invoke(argo, "template", "list", "-A", "-l", "team=a")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "NAMESPACE   NAME\nargo        build\nteam-b      deploy\n"
    assert argo.requests[0].query == {"listOptions.labelSelector": ["team=a"]}
    hourly = held(manifest("CronWorkflow", "hourly"))
    argo.add("GET", "/api/v1/cron-workflows/", ok("GET", CRON, {"metadata": {}, "items": [hourly]}))
    crons = invoke(argo, "cron", "list", "--all-namespaces")
    assert (crons.code, crons.err) == (0, "")
    assert crons.out == (
        "NAMESPACE   NAME     AGE   LAST RUN   NEXT RUN   SCHEDULES   TIMEZONE   SUSPENDED\n"
        "argo        hourly   2d    N/A        40m        0 * * * *   UTC        false\n"
    )
    assert invoke(argo, "template", "list", "-A", "-o", "name").out == "build\ndeploy\n"
    usage = invoke(argo, "cluster-template", "list", "-A")
    assert (usage.code, usage.out, usage.err) == (
        2,
        "",
        "tiphys: error: ClusterWorkflowTemplates have no namespace: list them without "
        "-A/--all-namespaces\n",
    )


def test_cron_get_suspend_resume(argo: ArgoFake, now: datetime) -> None:
    cron = held(manifest("CronWorkflow", "hourly"))
    cron["status"] = {"lastScheduledTime": "2026-11-29T14:00:00Z"}
    argo.add("GET", f"{CRON}/hourly", ok("GET", f"{CRON}/hourly", cron))
    for action in ("suspend", "resume"):
        path = f"{CRON}/hourly/{action}"
        argo.add("PUT", path, ok("PUT", path, cron))
    got = invoke(argo, "cron", "get", "hourly")
    assert (got.code, got.out) == (  # argo's getCronWorkflowGet: "%-30s %v"
        0,
        "Name:                          hourly\n"
        "Namespace:                     argo\n"
        "Created:                       Fri Nov 27 12:00:00 +0000 (2 days ago)\n"
        "Schedules:                     0 * * * *\n"
        "Suspended:                     false\n"
        "Timezone:                      UTC\n"
        "LastScheduledTime:             Sun Nov 29 14:00:00 +0000 (20 minutes ago)\n"
        "NextScheduledTime:             Sun Nov 29 15:00:00 +0000 (40 minutes from now)\n",
    )
    cron["spec"].update(timezone="", startingDeadlineSeconds=0, concurrencyPolicy="Forbid")
    cron["spec"]["workflowSpec"]["arguments"] = {
        "parameters": [{"name": "tag", "value": "v1"}, {"name": "env", "default": "dev"}]
    }
    cron["status"].update(
        active=[{"name": "hourly-1764424800"}, {"name": "hourly-1764428400"}],
        conditions=[{"type": "SubmissionError", "status": "True", "message": "quota"}],
    )
    argo.add("GET", f"{CRON}/other", ok("GET", f"{CRON}/other", cron))
    got = invoke(argo, "cron", "get", "other")
    assert got.out.splitlines()[3:] == [
        "Schedules:                     0 * * * *",
        "Suspended:                     false",
        "StartingDeadlineSeconds:       0",
        "ConcurrencyPolicy:             Forbid",
        "LastScheduledTime:             Sun Nov 29 14:00:00 +0000 (20 minutes ago)",
        "NextScheduledTime:             Sun Nov 29 15:00:00 +0000 (40 minutes from now) "
        "(assumes workflow-controller is in UTC)",
        "Active Workflows:              hourly-1764424800, hourly-1764428400",
        "Conditions:",
        "✖ SubmissionError              quota",
        "Workflow Parameters:",
        "  tag:                         v1",
        "  env:                         dev",
    ]
    assert invoke(argo, "cron", "suspend", "hourly").out == "CronWorkflow 'hourly' suspended\n"
    assert invoke(argo, "cron", "resume", "hourly").out == "CronWorkflow 'hourly' resumed\n"
    conforms(argo.requests)


def test_template_lint_uses_the_server(argo: ArgoFake, files: Path) -> None:
    message = 'templates.main: template reference "missing" not found'
    argo.add("POST", f"{CRON}/lint", err("POST", f"{CRON}/lint", 400, message))
    ran = invoke(argo, "cron", "lint", "templates/all.yaml")
    assert ran.code == 1
    assert ran.out == (
        f"templates/all.yaml:{line_of('CronWorkflow')}: the Argo Server rejects CronWorkflow "
        f"'nightly': {message} [S201]\n"
        "✖ 1 linting errors found!\n"
    )
    build = held(manifest("WorkflowTemplate", "build"))
    argo.add("POST", f"{WFT}/lint", ok("POST", f"{WFT}/lint", build))
    fine = invoke(argo, "template", "lint", "templates/all.yaml")
    assert (fine.code, fine.out) == (0, "✔ no linting errors found!\n")
    conforms(argo.requests)


def test_template_lint_of_a_missing_path_is_exit_2_as_lint(argo: ArgoFake, files: Path) -> None:
    # `lint` exits 2 when a PATH does not exist; `template lint` said "1 linting errors" and 1.
    ran = invoke(argo, "template", "lint", "nope.yaml")
    assert (ran.code, ran.err) == (2, "")
    assert ran.out == ("nope.yaml: no such file or directory [S101]\n✖ 1 linting errors found!\n")
    assert argo.requests == []


# --- lint --server ----------------------------------------------------------------------------


def test_lint_server_adds_the_servers_rejections(argo: ArgoFake, files: Path) -> None:
    message = "spec.templates[0].name 'main' is not valid"
    argo.add("POST", f"{WFT}/lint", err("POST", f"{WFT}/lint", 400, message))
    argo.add("POST", f"{CWFT}/lint", ok("POST", f"{CWFT}/lint", held(
        manifest("ClusterWorkflowTemplate", "notify"))))  # fmt: skip
    argo.add("POST", f"{CRON}/lint", ok("POST", f"{CRON}/lint", held(
        manifest("CronWorkflow", "nightly"))))  # fmt: skip
    workflow = manifest("Workflow", "hello")
    workflow["metadata"]["namespace"] = NS
    argo.add("POST", f"/api/v1/workflows/{NS}/lint", ok(
        "POST", f"/api/v1/workflows/{NS}/lint", workflow))  # fmt: skip
    ran = invoke(argo, "lint", "--server", "templates")
    assert ran.code == 1
    assert ran.out == (
        f"templates/all.yaml:{line_of('WorkflowTemplate')}: the Argo Server rejects "
        f"WorkflowTemplate 'build': {message} [S201]\n"
        "✖ 1 error, 0 warnings in 1 file\n"
    )
    assert sorted(r.path for r in argo.requests) == sorted(
        [f"{WFT}/lint", f"{CWFT}/lint", f"{CRON}/lint", f"/api/v1/workflows/{NS}/lint"]
    )
    conforms(argo.requests)


def test_lint_without_server_sends_nothing_and_server_errors_exit_3(
    argo: ArgoFake, files: Path
) -> None:
    assert invoke(argo, "lint", "templates").code == 0
    assert argo.requests == []
    argo.add("POST", f"{WFT}/lint", err("POST", f"{WFT}/lint", 401, "token not valid"))
    ran = invoke(argo, "lint", "--server", "templates")
    assert ran.code == 3
    assert ran.err.splitlines()[-2] == (
        f"tiphys: error: POST {WFT}/lint: 401 Unauthorized: token not valid"
    )


def test_the_repository_templates_apply_then_stay_unchanged(argo: ArgoFake) -> None:
    """docs/ci.md's command: first run creates, a second run against the stored copies
    (with everything the server adds) finds nothing to change."""
    repo = Path(__file__).resolve().parent.parent
    paths = [str(repo / "templates"), str(repo / "workflows" / "release.py")]
    names = ["build-image", "git", "release"]
    for name in names:
        argo.add("GET", f"{WFT}/{name}", err("GET", f"{WFT}/{name}", 404, "not found"))
    argo.add("POST", WFT, ok("POST", WFT, held(manifest("WorkflowTemplate", "build"))))
    first = invoke(argo, "apply", *paths)
    assert (first.code, first.out) == (
        0,
        "".join(f"workflowtemplate/{name} created\n" for name in names),
    )
    sent = [r.json()["template"] for r in argo.requests_to("POST", WFT)]
    conforms(argo.requests)
    with ArgoFake(socket_timeout=5) as again:
        for doc in sent:
            one = f"{WFT}/{doc['metadata']['name']}"
            again.add("GET", one, ok("GET", one, held(doc)))
        second = invoke(again, "apply", *paths)
        assert (second.code, second.out) == (
            0,
            "".join(f"workflowtemplate/{name} unchanged\n" for name in names),
        )
        assert [r.method for r in again.requests] == ["GET"] * 3
