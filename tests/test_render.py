"""tiphys.cli.render: the get/list views compared whole with argo's output, and the live views."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest

import render_fixtures as f
from tiphys.cli.render import (
    LiveView,
    NodeChanges,
    duration_long,
    duration_short,
    fit,
    header,
    list_table,
    node_matcher,
    node_tree,
    timestamp,
    workflow_status,
)

# fmt: off
STEPS_GET = """\
Name:                steps-z2zdn
Namespace:           argo
ServiceAccount:      unset (will run with the default ServiceAccount)
Status:              Succeeded
Created:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Started:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Finished:            Sun Nov 29 10:00:07 +0000 (4 minutes ago)
Duration:            7 seconds
Progress:            3/3
ResourcesDuration:   3s*(1 cpu),3s*(100Mi memory)
Parameters:
  message:           hello

STEP            TEMPLATE           PODNAME                 DURATION  MESSAGE
 ✔ steps-z2zdn  hello-hello-hello
 ├───✔ hello1   print-message      steps-z2zdn-27420706    2s
 └─┬─✔ hello2a  print-message      steps-z2zdn-2006760091  3s
   └─✔ hello2b  print-message      steps-z2zdn-2023537710  3s
"""

DAG_GET = """\
Name:                diamond-8xk2p
Namespace:           argo
ServiceAccount:      runner
Status:              Failed
Message:             child 'diamond-8xk2p-3' failed
Conditions:
 PodRunning          False
 Completed           True
Created:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Started:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Finished:            Sun Nov 29 10:01:40 +0000 (3 minutes ago)
Duration:            1 minute 40 seconds
Progress:            2/4

STEP                     TEMPLATE       PODNAME                           DURATION  MESSAGE
 ✖ diamond-8xk2p         diamond                                                    child 'diamond-8xk2p-3' failed
 ├─✔ A                   echo           diamond-8xk2p-echo-3172113376     12s
 ├─✖ B                   flaky                                                      No more retries left
 │ ├─✖ B(0)              flaky          diamond-8xk2p-flaky-4289654720    26s       Error (exit code 1)
 │ └─✖ B(1)              flaky          diamond-8xk2p-flaky-732755565     45s       Error (exit code 1)
 ├─✔ E                   shared/notify  diamond-8xk2p-notify-3239223852   6s

 ✔ diamond-8xk2p.onExit  cleanup        diamond-8xk2p-cleanup-3880249148  4s
"""  # noqa: E501

LOOP_GET = """\
Name:                loops-q7v4m
Namespace:           argo
ServiceAccount:      unset (will run with the default ServiceAccount)
Status:              Running (Suspended)
Created:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Started:             Sun Nov 29 10:00:00 +0000 (5 minutes ago)
Duration:            5 minutes 0 seconds
EstimatedDuration:   6 minutes 40 seconds
Progress:            13/14

STEP                 TEMPLATE  PODNAME          DURATION  MESSAGE
 ● loops-q7v4m       main
 ├─┬─○ maybe         work                                 when 'false == true' evaluated false
 │ ├─✔ work(0:0)     work      loops-q7v4m-100  1s
 │ ├─✔ work(1:10)    work      loops-q7v4m-101  2s
 │ ├─✔ work(2:20)    work      loops-q7v4m-102  3s
 │ ├─✔ work(3:30)    work      loops-q7v4m-103  4s
 │ ├─✔ work(4:40)    work      loops-q7v4m-104  5s
 │ ├─✔ work(5:50)    work      loops-q7v4m-105  6s
 │ ├─✔ work(6:60)    work      loops-q7v4m-106  7s
 │ ├─✔ work(7:70)    work      loops-q7v4m-107  8s
 │ ├─✔ work(8:80)    work      loops-q7v4m-108  9s
 │ ├─✔ work(9:90)    work      loops-q7v4m-109  10s
 │ ├─✔ work(10:100)  work      loops-q7v4m-110  11s
 │ └─✔ work(11:110)  work      loops-q7v4m-111  12s
 ├───✔ publish(0)    publish   loops-q7v4m-4    1m
 └───ǁ approve       approve
"""

DAG_WIDE_NO_UTF8 = """\
STEP                             TEMPLATE       PODNAME                           DURATION  ARTIFACTS  MESSAGE                         RESOURCESDURATION              NODENAME
 Failed diamond-8xk2p            diamond                                                               child 'diamond-8xk2p-3' failed
 |-Succeeded A                   echo           diamond-8xk2p-echo-3172113376     12s       main-logs                                  2s*(1 cpu),12s*(100Mi memory)  node-1
 |-Failed B                      flaky                                                                 No more retries left
 | |-Failed B(0)                 flaky          diamond-8xk2p-flaky-4289654720    26s                  Error (exit code 1)                                            node-2
 | `-Failed B(1)                 flaky          diamond-8xk2p-flaky-732755565     45s                  Error (exit code 1)                                            node-1
 |-Succeeded E                   shared/notify  diamond-8xk2p-notify-3239223852   6s                                                                                  node-3

 Succeeded diamond-8xk2p.onExit  cleanup        diamond-8xk2p-cleanup-3880249148  4s
"""  # noqa: E501

DAG_SHORT = """\
STEP                     TEMPLATE       PODNAME                           DURATION  MESSAGE                         NODENAME
 ✖ diamond-8xk2p         diamond                                                    child 'diamond-8xk2p-3' failed
 ├─✔ A                   echo           diamond-8xk2p-echo-3172113376     12s                                       node-1
 ├─✖ B                   flaky                                                      No more retries left
 │ ├─✖ B(0)              flaky          diamond-8xk2p-flaky-4289654720    26s       Error (exit code 1)             node-2
 │ └─✖ B(1)              flaky          diamond-8xk2p-flaky-732755565     45s       Error (exit code 1)             node-1
 ├─✔ E                   shared/notify  diamond-8xk2p-notify-3239223852   6s                                        node-3

 ✔ diamond-8xk2p.onExit  cleanup        diamond-8xk2p-cleanup-3880249148  4s
"""  # noqa: E501

LOOP_NO_UTF8 = """\
STEP                         TEMPLATE  PODNAME          DURATION  MESSAGE
 Running loops-q7v4m         main
 |-+-Skipped maybe           work                                 when 'false == true' evaluated false
 | |-Succeeded work(0:0)     work      loops-q7v4m-100  1s
 | |-Succeeded work(1:10)    work      loops-q7v4m-101  2s
 | |-Succeeded work(2:20)    work      loops-q7v4m-102  3s
 | |-Succeeded work(3:30)    work      loops-q7v4m-103  4s
 | |-Succeeded work(4:40)    work      loops-q7v4m-104  5s
 | |-Succeeded work(5:50)    work      loops-q7v4m-105  6s
 | |-Succeeded work(6:60)    work      loops-q7v4m-106  7s
 | |-Succeeded work(7:70)    work      loops-q7v4m-107  8s
 | |-Succeeded work(8:80)    work      loops-q7v4m-108  9s
 | |-Succeeded work(9:90)    work      loops-q7v4m-109  10s
 | |-Succeeded work(10:100)  work      loops-q7v4m-110  11s
 | `-Succeeded work(11:110)  work      loops-q7v4m-111  12s
 |---Succeeded publish(0)    publish   loops-q7v4m-4    1m
 `---Suspend approve         approve
"""  # noqa: E501

DAG_STATUS_FAILED = """\
STEP              TEMPLATE  PODNAME                         DURATION  MESSAGE
 ✖ diamond-8xk2p  diamond                                             child 'diamond-8xk2p-3' failed
 ├─✖ B            flaky                                               No more retries left
 │ ├─✖ B(0)       flaky     diamond-8xk2p-flaky-4289654720  26s       Error (exit code 1)
 │ └─✖ B(1)       flaky     diamond-8xk2p-flaky-732755565   45s       Error (exit code 1)
"""

LIST_WIDE_ALL = """\
NAMESPACE   NAME            STATUS                AGE   DURATION   PRIORITY   MESSAGE                          P/R/C    PARAMETERS
argo        steps-z2zdn     Succeeded             5m    7s         0                                           0/0/3    message=hello
argo        diamond-8xk2p   Failed                5m    1m         3          child 'diamond-8xk2p-3' failed   0/0/5
argo        loops-q7v4m     Running (Suspended)   5m    5m         0                                           0/0/13
"""  # noqa: E501

LIST_PLAIN = """\
NAME            STATUS                AGE   DURATION   PRIORITY   MESSAGE
steps-z2zdn     Succeeded             5m    7s         0
diamond-8xk2p   Failed                5m    1m         3          child 'diamond-8xk2p-3' failed
loops-q7v4m     Running (Suspended)   5m    5m         0
"""

# fmt: on


def text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def get_view(wf: dict[str, object]) -> str:
    return text([*header(wf, f.NOW, tz=UTC), "", *node_tree(wf, now=f.NOW)])


def test_steps_is_the_walk_through_example() -> None:
    assert get_view(f.steps()) == STEPS_GET


def test_dag_with_retries_omitted_tasks_template_ref_and_on_exit() -> None:
    assert get_view(f.dag_failed()) == DAG_GET


def test_loop_items_by_index_skipped_step_hidden_retry_and_suspend() -> None:
    assert get_view(f.loop_suspended()) == LOOP_GET


def test_compressed_nodes_render_as_inline_ones() -> None:
    assert get_view(f.compressed(f.dag_failed())) == DAG_GET


def test_wide_without_utf8() -> None:
    assert text(node_tree(f.dag_failed(), now=f.NOW, utf8=False, wide=True)) == DAG_WIDE_NO_UTF8


def test_short_adds_the_node_name() -> None:
    assert text(node_tree(f.dag_failed(), now=f.NOW, short=True)) == DAG_SHORT


def test_no_utf8_words_and_ascii_connectors() -> None:
    assert text(node_tree(f.loop_suspended(), now=f.NOW, utf8=False)) == LOOP_NO_UTF8


def test_status_filter_keeps_the_shape_and_drops_an_empty_on_exit_tree() -> None:
    assert text(node_tree(f.dag_failed(), now=f.NOW, status="Failed")) == DAG_STATUS_FAILED
    by_selector = node_tree(f.dag_failed(), now=f.NOW, node_field_selector="phase=Failed")
    assert text(by_selector) == DAG_STATUS_FAILED


def test_colour_wraps_only_the_icon_and_keeps_the_columns() -> None:
    lines = node_tree(f.steps(), now=f.NOW, color=True)
    assert lines[1] == " \x1b[32m✔\x1b[0m steps-z2zdn  hello-hello-hello"
    plain = node_tree(f.steps(), now=f.NOW)
    assert [line.replace("\x1b[32m", "").replace("\x1b[0m", "") for line in lines] == plain


def test_no_entrypoint_node_yet_means_no_tree() -> None:
    wf = f.steps()
    wf["status"] = {"phase": "Pending"}
    assert node_tree(wf, now=f.NOW) == []
    assert header(wf, f.NOW, tz=UTC)[3] == "Status:              Pending"


def test_list_tables() -> None:
    wfs = [f.steps(), f.dag_failed(), f.loop_suspended()]
    assert text(list_table(wfs, f.NOW, wide=True, all_namespaces=True)) == LIST_WIDE_ALL
    assert text(list_table(wfs, f.NOW)) == LIST_PLAIN
    assert list_table(wfs[:1], f.NOW, no_headers=True) == ["steps-z2zdn   Succeeded   5m   7s   0"]
    assert list_table([], f.NOW) == ["NAME   STATUS   AGE   DURATION   PRIORITY   MESSAGE"]


def test_list_keeps_both_ends_of_long_parameters() -> None:
    wf = f.steps()
    wf["spec"]["arguments"]["parameters"] = [{"name": "p", "value": "a" * 40 + "b" * 30}]
    row = list_table([wf], f.NOW, wide=True, no_headers=True)[0]
    assert row.endswith("0/0/3   p=" + "a" * 32 + "..." + "b" * 15)


@pytest.mark.parametrize(
    ("seconds", "short", "long"),
    [
        (0, "0s", "0 seconds"),
        (1, "1s", "1 second"),
        (59, "59s", "59 seconds"),
        (60, "1m", "1 minute 0 seconds"),
        (90, "1m", "1 minute 30 seconds"),
        (3599, "59m", "59 minutes 59 seconds"),
        (3600, "1h", "1 hour 0 minutes"),
        (5400, "1h", "1 hour 30 minutes"),
        (86400, "1d", "1 day 0 hours"),
        (10 * 86400, "10d", "1 week 0 hours"),
    ],
)
def test_durations_as_argo_humanizes_them(seconds: int, short: str, long: str) -> None:
    start = f.NOW - timedelta(seconds=seconds)
    assert duration_short(start, f.NOW, f.NOW) == short
    assert duration_short(start, None, f.NOW) == short
    assert duration_long(seconds) == long


def test_unstarted_is_zero_and_timestamps_say_how_long_ago() -> None:
    assert duration_short(None, None, f.NOW) == "0s"
    assert timestamp(f.t(300), f.NOW, UTC) == "Sun Nov 29 10:05:00 +0000 (now)"
    assert timestamp(f.t(0), f.NOW, UTC) == "Sun Nov 29 10:00:00 +0000 (5 minutes ago)"
    assert timestamp(f.t(3600 * 3), f.NOW, UTC) == "Sun Nov 29 13:00:00 +0000 (2 hours from now)"
    assert timestamp("", f.NOW, UTC) == ""


def test_workflow_status_words() -> None:
    wf = f.dag_failed()
    wf["spec"]["shutdown"] = "Terminate"
    assert workflow_status(wf) == "Failed (Terminated)"
    wf = f.steps()
    wf["status"] = {}
    del wf["metadata"]["creationTimestamp"]
    assert workflow_status(wf) == "Unknown"


def test_node_field_selectors() -> None:
    node = {
        "displayName": "B(0)",
        "phase": "Failed",
        "templateRef": {"name": "shared"},
        "inputs": {"parameters": [{"name": "x", "value": "1"}]},
    }
    assert node_matcher("phase=Failed,displayName!=A")(node)
    assert node_matcher("templateRef.name==shared,inputs.parameters.x.value=1")(node)
    assert not node_matcher("inputs.parameters.x.value=2")(node)
    # argo's SelectorMatchesNode: templateName is GetTemplateFromNode (a templateRef's template)
    by_ref = {"templateName": "", "templateRef": {"name": "shared", "template": "build"}}
    assert node_matcher("templateName=build")(by_ref)
    assert node_matcher("templateName=main")({"templateName": "main"})
    with pytest.raises(ValueError) as caught:
        node_matcher("colour=red")
    assert str(caught.value) == (
        "node field selector field 'colour' is unknown; use one of displayName, name, id, "
        "phase, type, templateName, boundaryID, templateRef.name, templateRef.template, "
        "inputs.parameters.NAME.value"
    )
    with pytest.raises(ValueError) as caught:
        node_matcher("phase")
    assert (
        str(caught.value) == "node field selector term 'phase' is not FIELD=VALUE or FIELD!=VALUE"
    )
    with pytest.raises(ValueError) as caught:
        node_tree(f.steps(), now=f.NOW, status="Failed", node_field_selector="phase=Failed")
    assert str(caught.value) == "use either --status or --node-field-selector, not both"


def test_node_changes_reports_each_change_once() -> None:
    wf = f.dag_failed()
    changes = NodeChanges(tz=UTC)
    first = changes.feed(wf, f.NOW)
    assert first == [
        "10:05:00 diamond-8xk2p         Failed     child 'diamond-8xk2p-3' failed",
        "10:05:00 A                     Succeeded",
        "10:05:00 B                     Failed     No more retries left",
        "10:05:00 B(0)                  Failed     Error (exit code 1)",
        "10:05:00 E                     Succeeded",
        "10:05:00 B(1)                  Failed     Error (exit code 1)",
        "10:05:00 C                     Omitted    omitted: depends condition not met",
        "10:05:00 D                     Omitted    omitted: depends condition not met",
        "10:05:00 diamond-8xk2p.onExit  Succeeded",
    ]
    assert changes.feed(wf, f.NOW) == []
    wf["status"]["nodes"]["diamond-8xk2p-1"]["message"] = "re-run"
    later = f.NOW + timedelta(seconds=61)
    assert changes.feed(f.compressed(wf), later) == ["10:06:01 A  Succeeded  re-run"]


def test_fit_cuts_wide_lines_and_says_how_many_rows_are_hidden() -> None:
    assert fit(["abcdefghijklmnop", "x"], 5, 10) == ["abcdefghi…", "x"]
    assert fit([str(i) for i in range(10)], 4, 80) == [
        "0",
        "1",
        "2",
        "… 7 more lines (a taller terminal shows more; tiphys get shows all)",
    ]


def test_live_view_redraws_in_place_at_most_four_times_a_second() -> None:
    now = [100.0]
    out = io.StringIO()
    view = LiveView(out, size=lambda: (80, 4), clock=lambda: now[0])
    assert view.update(["a", "b"]) is True
    assert out.getvalue() == "a\x1b[K\nb\x1b[K\n\x1b[J"
    now[0] += 0.1
    assert view.update(["c"]) is False
    now[0] += 0.1
    assert view.update(["d", "e", "f", "g"]) is False
    view.close()
    assert out.getvalue()[len("a\x1b[K\nb\x1b[K\n\x1b[J") :] == (
        "\x1b[2Fd\x1b[K\ne\x1b[K\n"
        "… 2 more lines (a taller terminal shows more; tiphys get shows all)\x1b[K\n\x1b[J"
    )
    assert view.frames == 2
    now[0] += 0.3
    assert view.update(["z"]) is True
    assert out.getvalue().endswith("\x1b[3Fz\x1b[K\n\x1b[J")


def test_live_view_builds_only_the_frames_it_draws() -> None:
    """A throttled update keeps a recipe, not a frame: a busy 5,000-node watch builds the
    get view at most 4 times a second, not once per event."""
    now = [100.0]
    out = io.StringIO()
    view = LiveView(out, size=lambda: (80, 10), clock=lambda: now[0])
    built: list[str] = []

    def frame(text: str) -> Callable[[], list[str]]:
        def build() -> list[str]:
            built.append(text)
            return [text]

        return build

    assert view.update(frame("a")) is True
    for text in "bcd":
        now[0] += 0.05
        assert view.update(frame(text)) is False
    view.close()
    assert built == ["a", "d"]
    assert out.getvalue() == "a\x1b[K\n\x1b[J\x1b[1Fd\x1b[K\n\x1b[J"


def test_resources_duration_denominators_are_argos() -> None:
    # v1alpha1.ResourceQuantityDenominator: memory 100Mi, storage and ephemeral-storage 10Gi,
    # anything else 1; Go durations; names sorted (argo's map order is random).
    from tiphys.cli.render.get_view import resources_duration

    value = {"memory": 90, "cpu": 3725, "ephemeral-storage": 5, "storage": 0, "nvidia.com/gpu": 60}
    assert resources_duration(value) == (
        "1h2m5s*(1 cpu),5s*(10Gi ephemeral-storage),1m30s*(100Mi memory),"
        "1m0s*(1 nvidia.com/gpu),0s*(10Gi storage)"
    )
    assert resources_duration(None) == ""


def test_pod_names_are_v2_unless_the_workflow_says_v1() -> None:
    # util.GetWorkflowPodNameVersion: no annotation -> the CLI's POD_NAMES, default v2; an
    # unknown value -> v2. Only "v1" gives node ids.
    wf = f.steps()
    hello1 = text(node_tree(wf, now=f.NOW)).splitlines()[2]
    assert hello1.split()[3] == "steps-z2zdn-27420706"
    for marks in ({}, {"workflows.argoproj.io/pod-name-format": "v3"}):
        wf["metadata"]["annotations"] = marks
        hello1 = text(node_tree(wf, now=f.NOW)).splitlines()[2]
        assert hello1.split()[3] == "steps-z2zdn-print-message-27420706"


def test_columns_align_on_the_screen_with_wide_and_zero_width_characters() -> None:
    # Go's tabwriter (and so argo) counts runes, which shifts every column after a CJK name;
    # tiphys pads to the display width: wide characters take two cells, combining marks none.
    from tiphys.cli.render.get_view import tabulate

    rows = [
        ["NAME", "STATUS", "AGE"],
        ["データ処理", "Failed", "1m"],
        ["cafe\u0301-x", "Running", "2m"],
        ["plain", "Succeeded", "3m"],
    ]
    assert tabulate(rows, 3) == [
        "NAME         STATUS      AGE",
        "データ処理   Failed      1m",
        "cafe\u0301-x       Running     2m",
        "plain        Succeeded   3m",
    ]
