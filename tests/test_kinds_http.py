"""``@http`` and ``tiphys.response``: whole manifests, the JSON body Argo builds from any parameter
value (evaluated), and every compile-time check with its whole message."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argo_eval import substitute
from markers import marker_line
from schema_oracle import oracle_errors
from tiphys import (
    CompileError,
    ConfigMap,
    Resources,
    Secret,
    Workflow,
    container,
    dag,
    http,
    response,
)
from tiphys.errors import errors_only
from tiphys.validate import validate_document

HERE = Path(__file__)


def line_of(marker: str) -> str:
    return marker_line(HERE, marker)


def checked(wf: Workflow) -> dict[str, Any]:
    """The manifest, after checking it against the strict schema and tiphys' validator."""
    manifest = wf.to_dict()
    assert oracle_errors(manifest) == []
    assert errors_only(validate_document(manifest)) == []
    return manifest


def template(wf: Workflow, name: str) -> dict[str, Any]:
    return next(t for t in checked(wf)["spec"]["templates"] if t["name"] == name)


def error(make: Any) -> str:
    with pytest.raises(CompileError) as info:
        make()
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


@http(
    "https://deploy.example.com/api/{env}/releases",
    method="POST",
    headers={"Authorization": Secret("deploy-api", "authorization"), "X-Request-Tag": "tag-{tag}"},
    success=(response.status_code == 201) & response.json["ok"].is_in([True]),
    timeout="2m",
)
def deploy(
    tag: str,
    env: Literal["staging", "prod"] = "staging",
    replicas: int = 1,
    dry_run: bool = False,
) -> dict[str, Any]:
    return {"tag": tag, "env": env, "replicas": replicas, "dryRun": dry_run, "note": f"v {tag}"}


@http("https://status.example.com/health", insecure_skip_verify=True, retry=2)
def health() -> None:
    """Is the service up?"""


@container(image="alpine:3.20", command=["echo"])
def report(body: str) -> list[str]:
    return [body]


@dag
def release(tag: str) -> None:
    up = health()
    answer = deploy(tag=tag).after(up)
    report(body=answer.result)


def test_whole_workflow() -> None:
    wf = Workflow(entrypoint=release)
    checked(wf)
    assert wf.to_yaml() == textwrap.dedent(
        """\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: release-
        spec:
          entrypoint: release
          arguments:
            parameters:
            - name: tag
          templates:
          - name: release
            inputs:
              parameters:
              - name: tag
            dag:
              tasks:
              - name: health
                template: health
              - name: deploy
                template: deploy
                depends: health
                arguments:
                  parameters:
                  - name: tag
                    value: '{{inputs.parameters.tag}}'
              - name: report
                template: report
                depends: deploy
                arguments:
                  parameters:
                  - name: body
                    value: '{{tasks.deploy.outputs.result}}'
          - name: health
            http:
              method: GET
              url: https://status.example.com/health
              timeoutSeconds: 30
              insecureSkipVerify: true
            retryStrategy:
              limit: 2
          - name: deploy
            inputs:
              parameters:
              - name: tag
              - name: env
                default: staging
                enum:
                - staging
                - prod
              - name: replicas
                default: '1'
              - name: dry_run
                default: 'false'
                enum:
                - 'true'
                - 'false'
            http:
              method: POST
              url: https://deploy.example.com/api/{{inputs.parameters.env}}/releases
              headers:
              - name: Authorization
                valueFrom:
                  secretKeyRef:
                    name: deploy-api
                    key: authorization
              - name: X-Request-Tag
                value: tag-{{inputs.parameters.tag}}
              - name: Content-Type
                value: application/json
              body: '{{=toJson({''tag'': inputs.parameters.tag, ''env'': inputs.parameters.env, ''replicas'': asInt(inputs.parameters.replicas), ''dryRun'': (inputs.parameters.dry_run == ''true''), ''note'': ''v '' + inputs.parameters.tag })}}'
              successCondition: (response.statusCode == 201) && (fromJSON(response.body).ok in [true])
              timeoutSeconds: 120
          - name: report
            inputs:
              parameters:
              - name: body
            container:
              image: alpine:3.20
              command:
              - echo
              args:
              - '{{inputs.parameters.body}}'
        """  # noqa: E501
    )


# --- the JSON body, as Argo builds it --------------------------------------------------------

NASTY = [
    "",
    "plain",
    'he said "hi"',
    "back\\slash \\n not a newline",
    "two\nlines\r\n\ttabbed",
    "it's",
    "{{workflow.name}} }} {{ {{=1}}",
    "a ? b : c",
    "<script>&amp;</script>",
    "\u00e9\u4e2d\U0001f680 \u2028",
    "\x00\x01\x1f\x7f",
    "[1, 2]",
    "null",
]


def body_of(manifest_template: dict[str, Any], values: dict[str, str]) -> Any:
    """The request body Argo sends for these input values, read as JSON."""
    return json.loads(substitute(manifest_template["http"]["body"], values))


@pytest.mark.parametrize("value", NASTY)
def test_any_text_parameter_gives_valid_json(value: str) -> None:
    t = template(Workflow(entrypoint=release), "deploy")
    values = {"tag": value, "env": "prod", "replicas": "3", "dry_run": "true"}
    assert body_of(t, values) == {
        "tag": value,
        "env": "prod",
        "replicas": 3,
        "dryRun": True,
        "note": f"v {value}",
    }


@given(st.text(), st.integers(-(2**53), 2**53), st.booleans())
def test_json_body_round_trips_every_value(text: str, number: int, flag: bool) -> None:
    t = template(Workflow(entrypoint=release), "deploy")
    values = {"tag": text, "env": "staging", "replicas": str(number), "dry_run": str(flag).lower()}
    body = body_of(t, values)
    assert body == {
        "tag": text,
        "env": "staging",
        "replicas": number,
        "dryRun": flag,
        "note": f"v {text}",
    }


@http("https://x.example.com/{name}", method="PUT")
def store(name: str, items: list[str], meta: dict[str, Any], ratio: float = 0.5) -> dict[str, Any]:
    return {
        "items": items,
        "meta": meta,
        "ratio": ratio,
        "nested": [{"name": name, "const": [1, 2.5, None, True, "x}}y"]}],
        "my-key": f"{name}/{name}",
    }


@dag
def storing(name: str) -> None:
    store(name=name, items=["a"], meta={"k": 1})


def test_list_dict_and_float_parameters_keep_their_json_types() -> None:
    t = template(Workflow(entrypoint=storing), "store")
    assert t["http"]["body"] == (
        "{{=toJson({'items': fromJSON(inputs.parameters.items), 'meta': "
        "fromJSON(inputs.parameters.meta), 'ratio': asFloat(inputs.parameters.ratio), "
        "'nested': [{'name': inputs.parameters.name, 'const': [1, 2.5, nil, true, 'x}' + "
        "'}y'] }], 'my-key': inputs.parameters.name + '/' + inputs.parameters.name })}}"
    )
    values = {"name": 'a"b', "items": '["x", "y\\n"]', "meta": '{"k": {"j": null}}', "ratio": "2"}
    assert body_of(t, values) == {
        "items": ["x", "y\n"],
        "meta": {"k": {"j": None}},
        "ratio": 2.0,
        "nested": [{"name": 'a"b', "const": [1, 2.5, None, True, "x}}y"]}],
        "my-key": 'a"b/a"b',
    }


# --- other bodies and headers ------------------------------------------------------------------


@http("https://hooks.example.com/text", method="POST", headers={"content-type": "text/plain"})
def notify(message: str) -> str:
    return f"message: {message}"


@http("https://hooks.example.com/json", method="POST", headers={"CONTENT-TYPE": "application/x"})
def forward(payload: dict[str, Any], raw: str = "x") -> dict[str, Any]:
    return payload


@http("https://hooks.example.com/raw", method="POST")
def forward_list(payload: list[str]) -> list[str]:
    return payload


@http("https://hooks.example.com/{{workflow.name}}/{tag}", method="DELETE", headers={"X": "{a}"})
def raw_tags(tag: str, a: str = '{"json": 1}') -> None:
    return None


@dag
def others() -> None:
    notify(message="hi")
    forward(payload={"a": 1})
    forward_list(payload=["a"])
    raw_tags(tag="t")


def test_text_body_is_pasted_and_keeps_the_users_content_type() -> None:
    wf = Workflow(entrypoint=others)
    assert template(wf, "notify")["http"] == {
        "method": "POST",
        "url": "https://hooks.example.com/text",
        "headers": [{"name": "content-type", "value": "text/plain"}],
        "body": "message: {{inputs.parameters.message}}",
        "timeoutSeconds": 30,
    }


def test_a_json_parameter_as_the_whole_body_is_sent_as_it_is() -> None:
    wf = Workflow(entrypoint=others)
    assert template(wf, "forward")["http"] == {
        "method": "POST",
        "url": "https://hooks.example.com/json",
        "headers": [{"name": "CONTENT-TYPE", "value": "application/x"}],
        "body": "{{inputs.parameters.payload}}",
        "timeoutSeconds": 30,
    }
    assert template(wf, "forward-list")["http"] == {
        "method": "POST",
        "url": "https://hooks.example.com/raw",
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "body": "{{inputs.parameters.payload}}",
        "timeoutSeconds": 30,
    }


def test_argo_tags_stay_and_brace_text_that_is_no_name_is_kept() -> None:
    t = template(Workflow(entrypoint=others), "raw-tags")
    assert t["http"] == {
        "method": "DELETE",
        "url": "https://hooks.example.com/{{workflow.name}}/{{inputs.parameters.tag}}",
        "headers": [{"name": "X", "value": "{{inputs.parameters.a}}"}],
        "timeoutSeconds": 30,
    }


# --- success conditions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (response.status_code == 201, "response.statusCode == 201"),
        (response.status_code.is_in([200, 204]), "response.statusCode in [200, 204]"),
        (response.status_code >= 200, "response.statusCode >= 200"),
        (response.body.contains("ok"), "response.body contains 'ok'"),
        (response.body.startswith("{"), "response.body startsWith '{'"),
        (response.body.endswith("}}"), "response.body endsWith '}' + '}'"),
        (response.body.matches("^v[0-9]+"), "response.body matches '^v[0-9]+'"),
        (
            response.headers["content-type"][0] == "application/json",
            "response.headers['Content-Type'][0] == 'application/json'",
        ),
        (
            response.headers["x-request-id"].contains("abc"),
            "'abc' in response.headers['X-Request-Id']",
        ),
        (response.json["ok"] == True, "fromJSON(response.body).ok == true"),  # noqa: E712
        (
            response.json["items"][0]["my-id"] != None,  # noqa: E711
            "fromJSON(response.body).items[0]['my-id'] != nil",
        ),
        (
            ~(response.status_code == 500) | response.body.contains("it's"),
            "(!(response.statusCode == 500)) || (response.body contains 'it\\'s')",
        ),
    ],
)
def test_conditions_compile_to_expr_lang(condition: Any, text: str) -> None:
    assert condition.text == text


def test_raw_string_and_bare_json_value_conditions() -> None:
    @http("https://x.example.com", success="response.statusCode < 300")
    def raw() -> None: ...

    @http("https://x.example.com", success=response.json["ok"])
    def bare() -> None: ...

    assert raw.success == "response.statusCode < 300"
    assert bare.success == "fromJSON(response.body).ok"


def test_canonical_header_names() -> None:
    from tiphys.dsl.response import canonical_header

    assert canonical_header("content-TYPE") == "Content-Type"
    assert canonical_header("x-b3-traceid") == "X-B3-Traceid"
    assert canonical_header("bad header") == "bad header"


def test_condition_misuse() -> None:
    assert error(lambda: response.status_code == "201") == (  # compare
        f"{line_of('compare')}: this condition compares response.statusCode (int) with '201' "
        "(str): it can never hold. Compare values of one type [C103]"
    )
    assert error(lambda: response.headers["x"] == "y") == (  # list
        f"{line_of('list')}: response.headers['X'] is the list of that header's values: "
        "compare one of them (response.headers['X'][0]) or use .contains(...) [C103]"
    )
    assert error(lambda: bool(response.status_code == 1)) == (  # bool
        f"{line_of('bool')}: a success condition is evaluated by Argo's agent: pass it as "
        "@http(success=...). Combine conditions with & (and), | (or) and ~ (not), "
        "parenthesising each comparison: (response.status_code == 200) & "
        "response.body.contains('ok') [C115]"
    )
    assert error(lambda: response.body[0]) == (  # index
        f"{line_of('index')}: response.body is str: only response.json values and header "
        "lists can be indexed [C103]"
    )


# --- checks when the template is defined ---------------------------------------------------------


def test_url_field_that_names_no_parameter() -> None:
    def make() -> None:
        @http("https://x.example.com/{tga}")  # C124-name
        def f(tag: str) -> None: ...

    assert error(make) == (
        f"{line_of('C124-name')}: @http 'f' url has the field {{tga}}, which names no "
        "parameter of the function (parameters: tag). Did you mean 'tag'? [C124]"
    )


def test_field_with_a_conversion() -> None:
    def make() -> None:
        @http("https://x.example.com", headers={"X": "{tag!r}"})  # C124-spec
        def f(tag: str) -> None: ...

    assert error(make) == (
        f"{line_of('C124-spec')}: @http 'f' header 'X' has the field {{tag!r}}; only plain "
        "parameter names are formatted in (as {name}): compute other values in a task and pass "
        "them in [C124]"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"method": "post"},
            "method 'post' is not an HTTP method (upper case, such as GET, HEAD, POST, PUT, "
            "PATCH...): HTTP methods are case-sensitive. Did you mean 'POST'?",
        ),
        (
            {"headers": {"Bad Name": "x"}},
            "'Bad Name' is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~; no "
            "spaces or colons)",
        ),
        (
            {"headers": {"X": ConfigMap("cfg", "key")}},
            "header 'X' must be text or Secret('name', 'key'), not ConfigMap(name='cfg', "
            "key='key', optional=False): Argo's HTTP headers take values from Secrets only; put "
            "it in a Secret or pass it as a parameter",
        ),
        ({"headers": {"X": 3}}, "header 'X' must be text or Secret('name', 'key'), not 3"),
        ({"timeout": 0}, "timeout must be at least 1 second, not 0"),
        (
            {"success": True},
            "success must be a condition built from tiphys.response (e.g. response.status_code "
            "== 201) or an expr-lang string, not True",
        ),
        ({"success": ""}, "success must not be empty"),
        ({"insecure_skip_verify": "yes"}, "insecure_skip_verify must be True or False, not 'yes'"),
    ],
)
def test_request_settings(kwargs: dict[str, Any], message: str) -> None:
    def make() -> None:
        @http("https://x.example.com", **kwargs)  # C125
        def f(tag: str) -> None: ...

    assert error(make) == f"{line_of('C125')}: @http 'f': {message} [C125]"


def test_empty_url() -> None:
    def make() -> None:
        @http("")  # url
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('url')}: @http 'f': url must be a non-empty string, not '' [C125]"
    )


def test_timeout_that_is_no_duration() -> None:
    def make() -> None:
        @http("https://x.example.com", timeout="soon")  # C117
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('C117')}: @http 'f' timeout: 'soon' is not a duration; write seconds (30) or "
        "a string like '30s', '5m', '2h', '1d', '1h30m' [C117]"
    )


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        (
            "env",
            {"A": "b"},
            "an HTTP request is sent by Argo's agent, not from a pod of this template",
        ),
        (
            "resources",
            Resources(cpu=1),
            "an HTTP request is sent by Argo's agent, not from a pod of this template",
        ),
        (
            "node_selector",
            {"a": "b"},
            "an HTTP request is sent by Argo's agent, not from a pod of this template",
        ),
        ("parallelism", 2, "it applies to @dag and @steps only"),
    ],
)
def test_options_that_do_not_apply_are_refused(option: str, value: Any, reason: str) -> None:
    def make() -> None:
        @http("https://x.example.com", **{option: value})  # C123
        def f() -> None: ...

    assert error(make) == (
        f"{line_of('C123')}: @http 'f' does not take {option}=: {reason}; remove it [C123]"
    )


# --- checks when the body runs ---------------------------------------------------------------


def test_body_of_the_wrong_type() -> None:
    @http("https://x.example.com")  # C126-type
    def number() -> int:
        return 3

    @dag
    def flow() -> None:
        number()

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C126-type')}: @http 'number' must return the request body: a dict or list "
        "(sent as JSON), a str (sent as is) or None (no body), not 3 [C126]"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({1: "a"}, "the body of @http 'odd' has the key 1: JSON keys are strings"),
        ({"a": [float("nan")]}, "the body of @http 'odd'['a'][0] is nan, which JSON cannot hold"),
        (
            {"a": {1, 2}},
            "the body of @http 'odd'['a'] is {1, 2} (set), which has no JSON form: use str, "
            "int, float, bool, None, lists and dicts",
        ),
    ],
)
def test_body_values_without_a_json_form(body: Any, message: str) -> None:
    @http("https://x.example.com", method="POST")  # C126
    def odd() -> Any:
        return body

    @dag
    def flow() -> None:
        odd()

    assert error(Workflow(entrypoint=flow).to_dict) == f"{line_of('C126')}: {message} [C126]"


def test_a_key_built_from_a_parameter() -> None:
    @http("https://x.example.com", method="POST")  # C126-key
    def keyed(name: str) -> dict[str, str]:
        return {f"k-{name}": "v"}

    @dag
    def flow() -> None:
        keyed(name="a")

    assert error(Workflow(entrypoint=flow).to_dict) == (
        f"{line_of('C126-key')}: the body of @http 'keyed' has a key built from a parameter: "
        "keys must be constants (put the value under a constant key) [C126]"
    )


def test_timeout_none_writes_no_timeout_seconds_and_lint_warns() -> None:
    @http("https://example.com/health", timeout=None)
    def health() -> None:
        pass

    manifest = Workflow("no-timeout", entrypoint=health).to_dict()
    assert oracle_errors(manifest) == []
    assert manifest == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "no-timeout"},
        "spec": {
            "entrypoint": "health",
            "templates": [
                {
                    "name": "health",
                    "http": {"method": "GET", "url": "https://example.com/health"},
                }
            ],
        },
    }
    assert [(d.code, d.severity, d.message) for d in validate_document(manifest)] == [
        (
            "V140",
            "warning",
            "http template 'health' has no timeoutSeconds, and Argo's agent then waits for the "
            "response forever: set timeoutSeconds (e.g. 30)",
        )
    ]
