"""How ``tiphys convert`` writes values and refuses odd ones: script sources as readable blocks
(raw when they hold backslashes, single-quoted when they hold three double quotes), plain
requests and limits as ``Resources(...)``, and the messages for template names that are not
strings, empty files and infinite values."""

from __future__ import annotations

import yaml

from tiphys.convert.convert import convert_text, run_source
from tiphys.convert.load import objects_of
from tiphys.convert.pywriter import text_literal

HEADER = '"""Converted from t.yaml by tiphys convert."""\n\n'


def converted(text: str) -> str:
    """The generated source, after checking it needs no patch= and compiles back."""
    conversion = convert_text(text, "t.yaml")
    assert conversion.report == []
    (obj,) = objects_of(run_source(conversion.source, "<test>"))
    assert obj.to_dict() == yaml.safe_load(text)
    assert conversion.source.startswith(HEADER)
    return conversion.source[len(HEADER) :]


def test_text_literal_blocks() -> None:
    cases = {
        "a\\b\nc": 'r"""a\\b\nc"""',
        'x = """d"""\ny\n': "'''x = \"\"\"d\"\"\"\ny\n'''",
        'x = """d\\n"""\ny\n': "r'''x = \"\"\"d\\n\"\"\"\ny\n'''",
        "a\nb\\": "'a\\nb\\\\'",  # a raw string cannot end with a backslash
        'a\nb"': "'''a\nb\"'''",  # ends with a double quote: the other quotes
    }
    for text, want in cases.items():
        assert text_literal(text) == want, text
        assert eval(want) == text


def test_script_sources_with_backslashes_or_triple_quotes_are_readable_blocks() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Workflow\n"
        "metadata:\n"
        "  name: w\n"
        "spec:\n"
        "  entrypoint: main\n"
        "  templates:\n"
        "  - name: main\n"
        "    steps:\n"
        "    - - name: shell\n"
        "        template: shell\n"
        "    - - name: py\n"
        "        template: py\n"
        "  - name: shell\n"
        "    script:\n"
        "      image: alpine\n"
        "      command: [sh]\n"
        "      source: |\n"
        "        printf 'a\\tb\\n' | sed 's/\\t/,/'\n"
        '        echo "done \\"quoted\\""\n'
        "  - name: py\n"
        "    script:\n"
        "      image: python:3.12\n"
        "      command: [python]\n"
        "      source: |\n"
        "        def f():\n"
        '            """Say hi."""\n'
        '            print("hi\\n")\n'
        "        f()\n"
    )
    assert converted(text) == (
        "from tiphys import Workflow, script, steps\n"
        "\n"
        "\n"
        "@steps\n"
        "def main():\n"
        "    shell()\n"
        "    py()\n"
        "\n"
        "\n"
        "shell = script(\n"
        "    source=r\"\"\"printf 'a\\tb\\n' | sed 's/\\t/,/'\n"
        'echo "done \\"quoted\\""\n'
        '""",\n'
        '    name="shell",\n'
        '    image="alpine",\n'
        '    command=["sh"],\n'
        ")\n"
        "\n"
        "\n"
        "py = script(\n"
        "    source=r'''def f():\n"
        '    """Say hi."""\n'
        '    print("hi\\n")\n'
        "f()\n"
        "''',\n"
        '    name="py",\n'
        '    image="python:3.12",\n'
        '    command=["python"],\n'
        ")\n"
        "\n"
        "\n"
        'w = Workflow(name="w", entrypoint=main)\n'
    )


def test_plain_requests_and_limits_become_resources() -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: a}
      - {name: b, template: b}
      - {name: c, template: c}
  - name: a
    container:
      image: alpine
      resources:
        requests: {cpu: 500m, memory: 1Gi}
        limits: {memory: 1Gi}
  - name: b
    container:
      image: alpine
      resources:
        requests: {cpu: "1", ephemeral-storage: 2Gi}
        limits: {cpu: "2", memory: 4Gi, nvidia.com/gpu: "1"}
  - name: c
    container:
      image: alpine
      resources:
        requests: {memory: 1Gi}
"""
    assert (
        converted(text)
        == """\
from tiphys import Resources, Workflow, container, parallel, steps


@steps
def main():
    with parallel():
        a()
        b()
        c()


@container(image="alpine", resources=Resources(cpu="500m", memory="1Gi"))
def a():
    pass


@container(
    image="alpine",
    resources=Resources(cpu="1", ephemeral_storage="2Gi", cpu_limit="2", memory_limit="4Gi", gpu=1),
)
def b():
    pass


@container(image="alpine", resources={"requests": {"memory": "1Gi"}})
def c():
    pass


w = Workflow(name="w", entrypoint=main)
"""
    )
