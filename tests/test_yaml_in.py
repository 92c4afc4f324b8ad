"""``load_documents``: documents of a stream, their line numbers, and errors at the right line."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from tiphys.compile.yaml_in import LoadedDocument, _loader_class, load_documents
from tiphys.errors import CompileError, Location
from tiphys.validate import validate_document

STREAM = textwrap.dedent(
    """\
    # A ConfigMap first, as some examples have.
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      labels:
        app.kubernetes.io/name: demo
    data:
      released: 2024-05-01
    ---
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: demo-
    spec:
      entrypoint: main
      templates:
        - name: main
          dag:
            tasks:
              - name: a
                template: leaf
              - name: b
                depends: "a && c"
                template: leaf
        - &leaf
          name: leaf
          container:
            image: alpine:3.20
            command: [echo, "hi"]
        - <<: *leaf
          name: leaf2
    """
)


@pytest.fixture(scope="module")
def docs() -> list[LoadedDocument]:
    return load_documents(STREAM, "demo.yaml")


def test_documents_index_and_first_line(docs: list[LoadedDocument]) -> None:
    assert [(d.index, d.line, d.doc["kind"], d.file) for d in docs] == [
        (0, 2, "ConfigMap", "demo.yaml"),
        (2, 12, "Workflow", "demo.yaml"),  # document 1 is empty and skipped
    ]


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("", 12),
        ("kind", 13),
        ("metadata.generateName", 15),
        ("spec.templates", 18),
        ("spec.templates[0]", 19),
        ("spec.templates[0].name", 19),
        ("spec.templates[0].dag.tasks[1].depends", 25),
        ("spec.templates[1].container.image", 30),
        ("spec.templates[1].container.command[1]", 31),
        ("spec.templates[2].name", 33),  # the merged mapping's own key wins
        ("spec.templates[2].container.image", 30),  # merged from the anchor
    ],
)
def test_line_of(docs: list[LoadedDocument], path: str, line: int) -> None:
    assert docs[1].line_of(path) == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("spec.templates[1].container.resources", 29),  # missing key: its parent
        ("spec.templates[7].name", 18),  # index out of range
        ("spec.templates[0].name.deeper", 19),  # below a scalar
        ("spec.entrypoint[0]", 17),  # an index into a mapping
        ("spec..x", 12),  # not a path: the document
    ],
)
def test_line_of_falls_back_to_the_nearest_parent(
    docs: list[LoadedDocument], path: str, line: int
) -> None:
    assert docs[1].line_of(path) == line


def test_quoted_keys(docs: list[LoadedDocument]) -> None:
    assert docs[0].line_of('metadata.labels["app.kubernetes.io/name"]') == 7


def test_timestamps_stay_strings(docs: list[LoadedDocument]) -> None:
    """As in Kubernetes' YAML reader (sigs.k8s.io/yaml): ``2024-05-01`` is not a date."""
    assert docs[0].doc["data"]["released"] == "2024-05-01"


def test_yaml_1_1_scalars() -> None:
    [doc] = load_documents("a: yes\nc: '1'\nd: 1.5\ne: ~\n")
    assert doc.doc == {"a": True, "c": "1", "d": 1.5, "e": None}


def test_libyaml_is_used_when_present() -> None:
    assert issubclass(_loader_class(), getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_line_numbers_reach_diagnostics(docs: list[LoadedDocument]) -> None:
    workflow = docs[1]
    found = validate_document(workflow.doc, file=workflow.file, line_of=workflow.line_of)
    assert [(d.code, d.location) for d in found] == [("V105", Location("demo.yaml", 25))]


def test_empty_stream() -> None:
    assert load_documents("") == []
    assert load_documents("# only a comment\n---\n") == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: [1, 2\n", 3),  # unterminated list: found at the end
        ("a: 1\n  b: 2\n", 2),
        ("a: 'open\n", 2),
    ],
)
def test_syntax_errors_point_at_the_line(text: str, line: int) -> None:
    with pytest.raises(CompileError) as caught:
        load_documents(text, "bad.yaml")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.location) == ("Y001", Location("bad.yaml", line))
    assert diagnostic.message.startswith("invalid YAML: ")


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(CompileError) as caught:
        load_documents("a: !!python/object/apply:os.system ['true']\n", "bad.yaml")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.location, diagnostic.message) == (
        "Y001",
        Location("bad.yaml", 1),
        "invalid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    )


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("kind: Workflow\n---\n- a\n- b\n", 3, "YAML document 2 is a list"),
        ("just text\n", 1, "YAML document 1 is the scalar 'just text'"),
    ],
)
def test_documents_must_be_mappings(text: str, line: int, what: str) -> None:
    with pytest.raises(CompileError) as caught:
        load_documents(text, "bad.yaml")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.location, diagnostic.message) == (
        "Y002",
        Location("bad.yaml", line),
        f"{what}; a manifest must be a mapping (apiVersion, kind, metadata, spec)",
    )


def _load_error(text: str) -> str:
    with pytest.raises(CompileError) as info:
        load_documents(textwrap.dedent(text), "m.yaml")
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


def test_an_anchor_used_inside_itself_is_refused() -> None:
    assert _load_error(
        """\
        kind: Workflow
        metadata:
          labels: &r
            a: b
            annotations: {k: *r}
        """
    ) == (
        "m.yaml:5: an alias is used inside its own anchor, which makes an endless value; "
        "Kubernetes refuses it: copy the values instead [Y003]"
    )


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    message = _load_error("\n".join(lines) + "\n")
    assert message == (
        "m.yaml:1: the aliases of this document expand to more than 1,000,000 values; "
        "Kubernetes would refuse it too: write the values out, or use fewer aliases [Y003]"
    )


@pytest.mark.parametrize(
    ("value", "line", "what"),
    [
        ("!!binary aGVsbG8=", 4, "binary data (!!binary)"),
        ("!!set {a, b}", 4, "a set (!!set)"),
        (".nan", 4, "NaN, which JSON cannot hold"),
        ("-.inf", 4, "-Infinity, which JSON cannot hold"),
    ],
)
def test_values_json_cannot_hold_are_refused(value: str, line: int, what: str) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: {value}\n"
    assert _load_error(text) == (
        f"m.yaml:{line}: data.k is {what}; a manifest is JSON data: quote the value [Y004]"
    )


def test_keys_become_strings_as_kubernetes_reads_them() -> None:
    (doc,) = load_documents("labels: {1: a, on: b, 2.5: c, false: d}\n")
    assert doc.doc == {"labels": {"1": "a", "true": "b", "2.5": "c", "false": "d"}}


def test_a_null_key_is_refused() -> None:
    assert _load_error("labels: {~: a}\n") == (
        "m.yaml:1: labels has a null key; Kubernetes refuses it: quote the key [Y004]"
    )
