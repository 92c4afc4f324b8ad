"""Values Argo parses itself (V135-V137): Go durations, retry limits, govaluate ``when``.

Each finding's message and path are checked exactly; the ``when`` check is also run on every
``when`` of the upstream examples, which must raise nothing.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from schema_oracle import SHARED_ARGO, shared_argo
from tiphys.argo.durations import go_duration_problem, to_go_duration
from tiphys.validate import check_semantics, validate_document
from tiphys.validate.values import govaluate_tokens, when_problem

FORMS = "a number and a unit (ns, us, ms, s, m, h) with no spaces, such as 30s, 1.5h or 1h30m"
BARE_FORMS = FORMS + ", or whole seconds such as 30"


def lint(spec: str) -> list[tuple[str, str, str, str]]:
    """``(code, severity, path, message)`` of the V135-V137 findings of a Workflow's spec."""
    head = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: t}\nspec:\n"
    doc = yaml.safe_load(head + textwrap.indent(textwrap.dedent(spec), "  "))
    return [
        (d.code, d.severity, d.path, d.message)
        for d in check_semantics(doc)
        if d.code in ("V135", "V136", "V137")
    ]


# ----------------------------------------------------------------------------------------------
# go_duration_problem


@pytest.mark.parametrize(
    "text",
    [
        *("0", "-0", "+0", "0s", "30s", "1h30m", "1.5h", ".5s", "1.s", "-5m", "+5m", "300ms"),
        *("10us", "1µs", "1μs", "7ns", "1h1m1s1ms1us1ns", "2562047h"),
    ],
)
def test_go_durations(text: str) -> None:
    assert go_duration_problem(text, bare_seconds=False) is None
    assert go_duration_problem(text, bare_seconds=True) is None


@pytest.mark.parametrize("text", ["30", "0", "-5", "+5"])
def test_bare_seconds_only_where_argo_reads_them(text: str) -> None:
    assert go_duration_problem(text, bare_seconds=True) is None
    if text != "0":
        assert go_duration_problem(text, bare_seconds=False) == (
            f"this field takes Go durations only, and a number needs a unit: write {text}s"
        )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1d", "Go durations have no 'd' unit: write 24h"),
        ("2d", "Go durations have no 'd' unit: write 48h"),
        ("1d12h", "Go durations have no 'd' unit: write 36h"),
        ("1.5d", "Go durations have no 'd' unit: write 36h"),
        ("2 days", "Go durations have no 'd' unit: write 48h"),
        ("-1d", "Go durations have no 'd' unit: write days as hours (1d = 24h)"),
        ("10 minutes", f"not a Go duration, which is {BARE_FORMS}: write 10m"),
        ("1h 30m", f"not a Go duration, which is {BARE_FORMS}: write 1h30m"),
        ("5S", f"not a Go duration, which is {BARE_FORMS}: write 5s"),
        ("3hours", f"not a Go duration, which is {BARE_FORMS}: write 3h"),
        ("1.5", "only whole seconds may go without a unit: write 1.5s"),
        ("1h30", f"not a Go duration: write {BARE_FORMS}"),
        ("1e3s", f"not a Go duration: write {BARE_FORMS}"),
        (".s", f"not a Go duration: write {BARE_FORMS}"),
        ("soon", f"not a Go duration: write {BARE_FORMS}"),
        ("", f"it is empty: write {BARE_FORMS}"),
        ("2562048h", "Go durations stop at about 292 years (2562047h): write a shorter one"),
    ],
)
def test_go_duration_problems(text: str, problem: str) -> None:
    assert go_duration_problem(text, bare_seconds=True) == problem
    if text == "1.5":
        problem = "this field takes Go durations only, and a number needs a unit: write 1.5s"
    elif "whole seconds" in problem:
        problem = problem.replace(BARE_FORMS, FORMS)
    assert go_duration_problem(text, bare_seconds=False) == problem


@given(st.integers(min_value=0, max_value=10**10).map(lambda ms: ms / 1000))
def test_durations_the_sdk_writes_are_go_durations(seconds: float) -> None:
    assert go_duration_problem(to_go_duration(seconds), bare_seconds=False) is None


# ----------------------------------------------------------------------------------------------
# Duration fields and retry limits (V135, V136).


def test_every_duration_field() -> None:
    spec = """\
    entrypoint: main
    retryStrategy: {backoff: {duration: 1d, cap: "5", maxDuration: 10 minutes}}
    podGC: {strategy: OnPodCompletion, deleteDelayDuration: 30 s}
    templateDefaults: {timeout: 2d}
    templates:
    - name: main
      steps:
      - - name: wait
          inline:
            suspend: {duration: 1h30}
    - name: leaf
      timeout: 1d
      memoize: {key: k, maxAge: "30", cache: {configMap: {name: c}}}
      retryStrategy: {limit: 2, backoff: {duration: "30", cap: 1m, maxDuration: "2.5"}}
      container: {image: alpine}
    - name: set
      containerSet:
        retryStrategy: {retries: 2, duration: "10"}
        containers: [{name: main, image: alpine}]
    """
    go_only = "this field takes Go durations only, and a number needs a unit: write"
    assert lint(spec) == [
        (
            "V135",
            "error",
            "spec.retryStrategy.backoff.duration",
            "invalid retryStrategy.backoff.duration '1d': Go durations have no 'd' unit: write 24h",
        ),
        (
            "V135",
            "error",
            "spec.retryStrategy.backoff.maxDuration",
            "invalid retryStrategy.backoff.maxDuration '10 minutes': not a Go duration, which is "
            f"{BARE_FORMS}: write 10m",
        ),
        (
            "V135",
            "error",
            "spec.podGC.deleteDelayDuration",
            f"invalid podGC.deleteDelayDuration '30 s': not a Go duration, which is {BARE_FORMS}: "
            "write 30s",
        ),
        (
            "V135",
            "error",
            "spec.templateDefaults.timeout",
            "invalid timeout '2d': Go durations have no 'd' unit: write 48h",
        ),
        (
            "V135",
            "error",
            "spec.templates[0].steps[0][0].inline.suspend.duration",
            f"invalid suspend.duration '1h30': not a Go duration: write {BARE_FORMS}",
        ),
        (
            "V135",
            "error",
            "spec.templates[1].timeout",
            "invalid timeout '1d': Go durations have no 'd' unit: write 24h",
        ),
        (
            "V135",
            "error",
            "spec.templates[1].memoize.maxAge",
            f"invalid memoize.maxAge '30': {go_only} 30s",
        ),
        (
            "V135",
            "error",
            "spec.templates[1].retryStrategy.backoff.maxDuration",
            "invalid retryStrategy.backoff.maxDuration '2.5': only whole seconds may go without "
            "a unit: write 2.5s",
        ),
        (
            "V135",
            "error",
            "spec.templates[2].containerSet.retryStrategy.duration",
            f"invalid containerSet.retryStrategy.duration '10': {go_only} 10s",
        ),
    ]


def test_valid_and_templated_durations() -> None:
    spec = """\
    entrypoint: main
    arguments: {parameters: [{name: t, value: 1m}]}
    retryStrategy: {backoff: {duration: "10", cap: 1m, maxDuration: 1h}}
    podGC: {strategy: OnPodCompletion, deleteDelayDuration: "0"}
    templates:
    - name: main
      timeout: "{{workflow.parameters.t}}"
      suspend: {duration: "{{=asInt(workflow.parameters.t) * 2}}"}
      memoize: {key: k, maxAge: 1.5h, cache: {configMap: {name: c}}}
    """
    assert lint(spec) == []


def test_retry_limits() -> None:
    spec = """\
    entrypoint: main
    retryStrategy: {limit: three}
    templateDefaults: {retryStrategy: {limit: " 2"}}
    templates:
    - name: main
      inputs: {parameters: [{name: n}]}
      retryStrategy: {limit: "{{inputs.parameters.n}}"}
      container: {image: alpine}
    - name: ok
      retryStrategy: {limit: "3"}
      container: {image: alpine}
    - name: set
      containerSet:
        retryStrategy: {retries: 2.5}
        containers: [{name: main, image: alpine}]
    - name: set-string
      containerSet:
        retryStrategy: {retries: "two"}
        containers: [{name: main, image: alpine}]
    """
    assert lint(spec) == [
        (
            "V136",
            "error",
            "spec.retryStrategy.limit",
            "retryStrategy.limit 'three' is not a whole number, which Argo cannot read: write "
            "the number of retries (limit: 3), or a {{...}} parameter that gives one",
        ),
        (
            "V136",
            "error",
            "spec.templateDefaults.retryStrategy.limit",
            "retryStrategy.limit ' 2' is not a whole number, which Argo cannot read: write the "
            "number of retries (limit: 2), or a {{...}} parameter that gives one",
        ),
        (
            "V136",
            "error",
            "spec.templates[3].containerSet.retryStrategy.retries",
            "containerSet.retryStrategy.retries 'two' is not a whole number, which Argo cannot "
            "read: write the number of retries (retries: 3), or a {{...}} parameter that gives "
            "one",
        ),
    ]


def test_findings_point_at_the_line() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: t-}
        spec:
          entrypoint: main
          templates:
          - name: main
            timeout: 1d
            container: {image: alpine}
        """
    )
    from tiphys.compile.yaml_in import load_documents

    (loaded,) = load_documents(text, "wf.yaml")
    (finding,) = validate_document(loaded.doc, file=loaded.file, line_of=loaded.line_of)
    assert (finding.code, finding.location.line, finding.path) == (
        "V135",
        8,
        "spec.templates[0].timeout",
    )


# ----------------------------------------------------------------------------------------------
# govaluate `when` (V137).


def test_tokens() -> None:
    tokens = govaluate_tokens("({{steps.a-b.outputs.result}} == hello-world) || !'x y' != 1.5")
    assert tokens is not None
    assert [(t.kind, t.text) for t in tokens] == [
        ("open", "("),
        ("tag", "{{steps.a-b.outputs.result}}"),
        ("op", "=="),
        ("word", "hello"),
        ("op", "-"),
        ("word", "world"),
        ("close", ")"),
        ("op", "||"),
        ("op", "!"),
        ("string", "'x y'"),
        ("op", "!="),
        ("number", "1.5"),
    ]
    assert [(t.start, t.end) for t in tokens[3:6]] == [(33, 38), (38, 39), (39, 44)]


@pytest.mark.parametrize(
    ("when", "kinds"),
    [
        ("'{{x}}' in [a-b]", ["string", "op", "string"]),  # an escaped variable is a string
        ("{{x}} == true", ["tag", "op", "bool"]),
        ("{{x}} == 0x1F", ["tag", "op", "number"]),
        ("\"{{x}}\" != 'b'", ["string", "op", "string"]),
    ],
)
def test_token_kinds(when: str, kinds: list[str]) -> None:
    tokens = govaluate_tokens(when)
    assert tokens is not None
    assert [t.kind for t in tokens] == kinds


@pytest.mark.parametrize("when", ["'unclosed", "{{x}} == [a", "{{x} == a", '"it\'s" == a'])
def test_unreadable_when(when: str) -> None:
    assert govaluate_tokens(when) is None
    assert when_problem(when) is None


@pytest.mark.parametrize(
    "when",
    [
        "{{steps.flip-coin.outputs.result}} == heads",
        "'{{workflow.parameters.env}}' == 'prod-eu'",
        '"{{workflow.parameters.env}}" == "prod-eu"',
        "{{x}} == 'a-b' && {{y}} != \"c/d\"",
        "{{x}} == -1",
        "{{x}} != 5 && {{x}} >= 1.5 && {{x}} < .5 && {{x}} == 0x1F && {{x}} == 0",
        "!({{x}} == true) || {{y}} != false",
        "{{inputs.parameters.num-1}} != 1 && {{inputs.parameters.num-1}} != 2",
        "{{steps.a.outputs.result}} < {{inputs.parameters.limit}}",
        "{{x}} =~ tai",
        "{{x}} =~ '^a.*-b$'",
        "{{x}} in ('a', 'b') || {{x}} in (1,2)",
        "{{x}}==heads",
        "{{x}} - 1 > 0",
        "{{x}} == [a-b]",
        "{{= inputs.parameters['env'] == 'prod-eu' }}",
        "{{=jsonpath(workflow.parameters.json, '$[0].value') == 'true'}}",
        "false",
        "{{x}}",
        "",
    ],
)
def test_whens_that_govaluate_reads_as_written(when: str) -> None:
    assert when_problem(when) is None


QUOTE = "quote both sides ('{{{{x}}}}' == '{v}') or use an expression ({{{{= x == '{v}' }}}})"


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        (
            "{{steps.flip.outputs.result}} == hello-world",
            "'hello-world' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('{{steps.flip.outputs.result}}' == 'hello-world') or use an expression "
            "({{= steps.flip.outputs.result == 'hello-world' }})",
        ),
        (
            "{{workflow.parameters.env}} == prod-eu",
            "'prod-eu' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('{{workflow.parameters.env}}' == 'prod-eu') or use an expression "
            "({{= workflow.parameters.env == 'prod-eu' }})",
        ),
        (
            "{{steps.flip-coin.outputs.parameters.my-p}} != x-y",
            "'x-y' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('{{steps.flip-coin.outputs.parameters.my-p}}' != 'x-y') or use an expression "
            "({{= steps['flip-coin'].outputs.parameters['my-p'] != 'x-y' }})",
        ),
        (
            "prod-eu == '{{x}}'",
            "'prod-eu' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('prod-eu' == '{{x}}') or use an expression ({{= 'prod-eu' == x }})",
        ),
        (
            "{{x}} == a/b",
            "'a/b' is not quoted, so govaluate reads its '/' as a division: "
            + QUOTE.format(v="a/b"),
        ),
        (
            "{{x}} == 2024-01-01",
            "'2024-01-01' is not quoted, so govaluate reads its '-' as a minus: "
            + QUOTE.format(v="2024-01-01"),
        ),
        (
            "{{x}} == hello world",
            "'hello world' is not quoted, so govaluate reads its space as the end of a value: "
            + QUOTE.format(v="hello world"),
        ),
        (
            "{{x}} == a.b",
            "'a.b' is not quoted, so govaluate reads its '.' as a field access: "
            + QUOTE.format(v="a.b"),
        ),
        (
            "{{x}} == a:b",
            "'a:b' is not quoted, so govaluate reads its ':' as an operator: "
            + QUOTE.format(v="a:b"),
        ),
        (
            "{{x}} == 1.2.3",
            "'1.2.3' is not quoted, so govaluate reads it as a number, which it is not: "
            + QUOTE.format(v="1.2.3"),
        ),
        (
            "{{x}} == 10Gi",
            "'10Gi' is not quoted, so govaluate reads it as a number, which it is not: "
            + QUOTE.format(v="10Gi"),
        ),
        (
            "{{x}} == 007",
            "'007' is not quoted, so govaluate compares it as the number 7, which '7' matches "
            "too: " + QUOTE.format(v="007"),
        ),
        (
            "{{x}} =~ a-b",
            "'a-b' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('{{x}}' =~ 'a-b') or use an expression ({{= x matches 'a-b' }})",
        ),
        (
            "({{a}} == ok) && {{x}}-suffix == 'b'",
            "'{{x}}-suffix' is not quoted, so govaluate reads its '-' as a minus: quote both "
            "sides ('{{x}}-suffix' == 'b')",
        ),
        (
            "{{=inputs.parameters.x}} == a-b",
            "'a-b' is not quoted, so govaluate reads its '-' as a minus: quote both sides "
            "('{{=inputs.parameters.x}}' == 'a-b')",
        ),
        (
            "hello-world",
            "'hello-world' is not quoted, so govaluate reads its '-' as a minus: quote it "
            "('hello-world')",
        ),
    ],
)
def test_whens_that_govaluate_misreads(when: str, problem: str) -> None:
    assert when_problem(when) == problem


def test_number_with_leading_zeros_only_against_a_tag() -> None:
    assert when_problem("007 == 7") is None


def test_when_of_tasks_steps_and_metrics() -> None:
    spec = """\
    entrypoint: main
    metrics:
      prometheus:
      - {name: m, help: h, when: "{{workflow.status}} == not-ok", counter: {value: "1"}}
    templates:
    - name: main
      steps:
      - - name: a
          template: leaf
          when: "{{item}} == hello-world"
          withItems: [hello-world]
      - - name: b
          inline:
            dag:
              tasks:
              - {name: c, template: leaf, when: "{{workflow.name}} == a/b"}
              - {name: d, template: leaf, when: "'{{workflow.name}}' == 'a/b'"}
    - name: leaf
      container: {image: alpine}
      metrics:
        prometheus:
        - {name: m, help: h, when: "{{status}} == Succeeded", counter: {value: "1"}}
        - {name: n, help: h, when: "{{status}} == hello world", counter: {value: "1"}}
    """
    assert [(c, s, p) for c, s, p, _ in lint(spec)] == [
        ("V137", "warning", "spec.metrics.prometheus[0].when"),
        ("V137", "warning", "spec.templates[0].steps[0][0].when"),
        ("V137", "warning", "spec.templates[0].steps[1][0].inline.dag.tasks[0].when"),
        ("V137", "warning", "spec.templates[1].metrics.prometheus[1].when"),
    ]


def _whens(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["when"]] if isinstance(value.get("when"), str) else []
        return own + [w for v in value.values() for w in _whens(v)]
    if isinstance(value, list):
        return [w for v in value for w in _whens(v)]
    return []


def test_no_when_of_the_upstream_examples_is_misread() -> None:
    """The examples' 36 ``when`` fields (22 different) work: none may be reported."""
    shared_argo()
    whens = [
        when
        for path in sorted((SHARED_ARGO / "examples").rglob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        for when in _whens(doc)
    ]
    assert len(whens) >= 30
    assert {w: when_problem(w) for w in whens if when_problem(w) is not None} == {}
