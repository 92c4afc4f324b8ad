"""Finding workflows in Python files, YAML files, directories and stdin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from schema_oracle import shared_argo
from tiphys.compile.sources import Collection, Source, collect
from tiphys.errors import CompileError

# --- helpers -------------------------------------------------------------------------------------

HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: alpine:3.20
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes_and_lines(exc: CompileError) -> list[tuple[str, str, int]]:
    return [(d.code, d.location.file, d.location.line) for d in exc.diagnostics]


def summary(sources: list[Source]) -> list[tuple[str, int, int, str, str, str]]:
    return [(s.file, s.index, s.line, s.kind, s.name, s.variable) for s in sources]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- YAML ----------------------------------------------------------------------------------------


def test_yaml_file_with_several_documents_skips_other_kinds(in_tmp: Path) -> None:
    write(in_tmp / "wf.yaml", HELLO + "---\n" + CONFIGMAP + "---\n" + HELLO)
    found = collect(["wf.yaml"])
    assert isinstance(found, Collection)
    assert summary(found) == [
        ("wf.yaml", 0, 1, "Workflow", "hello-", ""),
        ("wf.yaml", 2, 19, "Workflow", "hello-", ""),
    ]
    assert [s.format() for s in found.skipped] == [
        "wf.yaml:12: skipped: kind 'ConfigMap' is not an Argo workflow kind "
        "(Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)"
    ]
    doc, line_of = found[1].manifest()
    assert doc["metadata"] == {"generateName": "hello-"}
    assert line_of("spec.templates[0].container.image") == 28
    assert found.errors == []


def test_yaml_document_without_kind_is_skipped(in_tmp: Path) -> None:
    write(in_tmp / "x.yml", "metadata:\n  name: a\n")
    found = collect(["x.yml"])
    assert list(found) == []
    assert [s.format() for s in found.skipped] == ["x.yml:1: skipped: the document has no kind"]


def test_stdin_text(in_tmp: Path) -> None:
    found = collect(["-"], stdin_text=HELLO)
    assert summary(found) == [("<stdin>", 0, 1, "Workflow", "hello-", "")]


def test_stdin_only_once(in_tmp: Path) -> None:
    with pytest.raises(CompileError) as info:
        collect(["-", "-"], stdin_text=HELLO)
    assert [d.format() for d in info.value.diagnostics] == [
        "<stdin>: '-' (standard input) can be given only once [S107]"
    ]


def test_invalid_yaml_is_a_located_error(in_tmp: Path) -> None:
    write(in_tmp / "bad.yaml", "kind: Workflow\nspec: [a, b\n")
    with pytest.raises(CompileError) as info:
        collect(["bad.yaml"])
    [diag] = info.value.diagnostics
    assert (diag.location.file, diag.code) == ("bad.yaml", "Y001")
    assert diag.location.line > 0


def test_yaml_selector_by_metadata_name(in_tmp: Path) -> None:
    text = HELLO.replace("generateName: hello-", "name: first") + "---\n"
    text += HELLO.replace("generateName: hello-", "name: second")
    write(in_tmp / "two.yaml", text)
    assert [s.name for s in collect(["two.yaml:second"])] == ["second"]


def test_missing_path(in_tmp: Path) -> None:
    with pytest.raises(CompileError) as info:
        collect(["nope.yaml", "gone/"])
    assert [d.format() for d in info.value.diagnostics] == [
        "nope.yaml: no such file or directory [S101]",
        "gone/: no such file or directory [S101]",
    ]


def test_keep_going_collects_the_other_paths(in_tmp: Path) -> None:
    write(in_tmp / "a.yaml", HELLO)
    write(in_tmp / "b.yaml", "kind: Workflow\nspec: [a\n")
    found = collect(["a.yaml", "nope.yaml", "b.yaml"], keep_going=True)
    assert [s.file for s in found] == ["a.yaml"]
    assert [(d.code, d.location.file) for d in found.errors] == [
        ("S101", "nope.yaml"),
        ("Y001", "b.yaml"),
    ]


def test_a_long_scalar_is_not_echoed_whole(in_tmp: Path) -> None:
    write(in_tmp / "notes.txt", "word " * 1000)
    with pytest.raises(CompileError) as info:
        collect(["notes.txt"])
    [diag] = info.value.diagnostics
    assert diag.code == "Y002"
    assert diag.message == (
        f"YAML document 1 is the scalar '{('word ' * 20)[:100]}...' (4999 characters); a "
        "manifest must be a mapping (apiVersion, kind, metadata, spec)"
    )


# --- directories ---------------------------------------------------------------------------------


def test_directory_is_searched_recursively_in_sorted_order(in_tmp: Path) -> None:
    write(in_tmp / "wfs/b.yaml", HELLO)
    write(in_tmp / "wfs/a/z.yml", HELLO)
    write(in_tmp / "wfs/a.yaml", HELLO)
    write(in_tmp / "wfs/notes.txt", "not a workflow")
    write(in_tmp / "wfs/.hidden/h.yaml", HELLO)
    write(in_tmp / "wfs/__pycache__/c.yaml", HELLO)
    write(in_tmp / "wfs/node_modules/n.yaml", HELLO)
    write(in_tmp / "wfs/myenv/pyvenv.cfg", "home = /usr\n")
    write(in_tmp / "wfs/myenv/lib/v.yaml", HELLO)
    write(in_tmp / "wfs/.dot.yaml", HELLO)
    found = collect(["wfs/"])
    # Sorted by path components: the directory "a" comes before the file "a.yaml".
    assert [s.file for s in found] == ["wfs/a/z.yml", "wfs/a.yaml", "wfs/b.yaml"]


def test_directory_keeps_going_past_a_broken_file_and_reports_all(in_tmp: Path) -> None:
    write(in_tmp / "d/a.yaml", "kind: [\n")
    write(in_tmp / "d/b.yaml", HELLO)
    write(in_tmp / "d/c.py", "1 / 0\n")
    with pytest.raises(CompileError) as info:
        collect(["d"])
    assert [(c, f) for c, f, _ in codes_and_lines(info.value)] == [
        ("Y001", "d/a.yaml"),
        ("S104", "d/c.py"),
    ]
    found = collect(["d"], keep_going=True)
    assert [s.file for s in found] == ["d/b.yaml"]
    assert [d.code for d in found.errors] == ["Y001", "S104"]


def test_selector_on_directory_is_an_error(in_tmp: Path) -> None:
    (in_tmp / "dir.py").mkdir()
    with pytest.raises(CompileError) as info:
        collect(["dir.py:x"])
    assert [d.code for d in info.value.diagnostics] == ["S107"]


# --- Python: tiphys objects ----------------------------------------------------------------------

FAKE_DSL = """\
from typing import Any

from tiphys.dsl.workflow import WorkflowBase
from tiphys.errors import Location


class Fake(WorkflowBase):
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self.location = Location()

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": self.kind,
            "metadata": {"name": self.name},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
        }
"""


def test_python_file_with_tiphys_objects(in_tmp: Path) -> None:
    write(in_tmp / "fakedsl.py", FAKE_DSL)
    write(
        in_tmp / "flows.py",
        """\
        from fakedsl import Fake

        release = Fake("WorkflowTemplate", "release")
        alias = release
        nightly = Fake("Workflow", "nightly-build")
        not_a_workflow = 3
        """,
    )
    found = collect(["flows.py"])
    assert summary(found) == [
        ("flows.py", 0, 3, "WorkflowTemplate", "release", "release"),
        ("flows.py", 1, 5, "Workflow", "nightly-build", "nightly"),
    ]
    doc, line_of = found[1].manifest()
    assert doc["metadata"] == {"name": "nightly-build"}
    assert line_of("spec.templates[0]") == 5
    assert found[1].from_python
    assert found[1].label == "Workflow 'nightly-build'"


def test_objects_imported_from_another_module_are_not_collected_twice(in_tmp: Path) -> None:
    write(in_tmp / "pkg/fakedsl.py", FAKE_DSL)
    write(in_tmp / "pkg/base.py", "from fakedsl import Fake\nshared = Fake('Workflow', 's')\n")
    write(in_tmp / "pkg/user.py", "from base import shared\nfrom fakedsl import Fake\n")
    found = collect(["pkg"])
    assert summary(found) == [("pkg/base.py", 0, 2, "Workflow", "s", "shared")]


def test_selector_by_variable_or_object_name(in_tmp: Path) -> None:
    write(in_tmp / "fakedsl.py", FAKE_DSL)
    write(
        in_tmp / "flows.py",
        "from fakedsl import Fake\n"
        "release = Fake('WorkflowTemplate', 'release-tpl')\n"
        "ci = Fake('Workflow', 'ci')\n",
    )
    assert [s.variable for s in collect(["flows.py:ci"])] == ["ci"]
    assert [s.variable for s in collect(["flows.py:release-tpl"])] == ["release"]
    # The same file twice with two selectors: imported once, both selected.
    both = collect(["flows.py:ci", "flows.py:release"])
    assert [s.variable for s in both] == ["ci", "release"]
    assert both[0].obj is not None and type(both[0].obj) is type(both[1].obj)


def test_selector_that_matches_nothing_lists_what_exists(in_tmp: Path) -> None:
    write(in_tmp / "fakedsl.py", FAKE_DSL)
    write(
        in_tmp / "flows.py",
        "from fakedsl import Fake\nrelease = Fake('WorkflowTemplate', 'release-tpl')\n",
    )
    with pytest.raises(CompileError) as info:
        collect(["flows.py:relase"])
    assert [d.format() for d in info.value.diagnostics] == [
        "flows.py: no workflow named 'relase' (workflows: release, release-tpl). "
        "Did you mean 'release'? [S103]"
    ]
    write(in_tmp / "empty.py", "x = 1\n")
    with pytest.raises(CompileError) as info:
        collect(["empty.py:x"])
    assert [d.format() for d in info.value.diagnostics] == [
        "empty.py: no workflow named 'x': the file defines no workflows [S103]"
    ]


# --- Python: errors while importing --------------------------------------------------------------


def test_exception_while_importing_names_the_users_line(in_tmp: Path) -> None:
    write(
        in_tmp / "broken.py",
        """\
        import os

        def helper():
            return {}["missing"]

        value = helper()
        """,
    )
    with pytest.raises(CompileError) as info:
        collect(["broken.py"])
    assert [d.format() for d in info.value.diagnostics] == [
        "broken.py:4: importing broken.py raised KeyError: 'missing' [S104]"
    ]


def test_exception_in_an_imported_helper_points_at_the_users_line_and_the_origin(
    in_tmp: Path,
) -> None:
    write(in_tmp / "helpers.py", "def boom():\n    raise RuntimeError('no cluster')\n")
    write(in_tmp / "flow.py", "from helpers import boom\n\nboom()\n")
    with pytest.raises(CompileError) as info:
        collect(["flow.py"])
    assert [d.format() for d in info.value.diagnostics] == [
        "flow.py:3: importing flow.py raised RuntimeError: no cluster "
        "(raised at helpers.py:2) [S104]"
    ]


def test_syntax_error(in_tmp: Path) -> None:
    write(in_tmp / "syntax.py", "x = 1\ndef f(:\n    pass\n")
    with pytest.raises(CompileError) as info:
        collect(["syntax.py"])
    [diag] = info.value.diagnostics
    assert (diag.code, diag.location.file, diag.location.line) == ("S105", "syntax.py", 2)
    assert diag.message.startswith("invalid Python: ")


def test_sys_exit_while_importing(in_tmp: Path) -> None:
    write(in_tmp / "quits.py", "import sys\nsys.exit(3)\n")
    with pytest.raises(CompileError) as info:
        collect(["quits.py"])
    assert [d.format() for d in info.value.diagnostics] == [
        "quits.py:2: importing quits.py raised SystemExit (sys.exit(3) was called) [S104]"
    ]


def test_compile_error_raised_by_the_dsl_at_import_is_kept(in_tmp: Path) -> None:
    write(
        in_tmp / "dslerr.py",
        """\
        from tiphys.errors import CompileError, Diagnostic, Location

        raise CompileError(Diagnostic("C101", "bad task", location=Location("dslerr.py", 7)))
        """,
    )
    with pytest.raises(CompileError) as info:
        collect(["dslerr.py"])
    assert [d.format() for d in info.value.diagnostics] == ["dslerr.py:7: bad task [C101]"]


def test_prints_while_importing_or_compiling_go_to_stderr(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        in_tmp / "printing_dsl.py",
        FAKE_DSL.replace("        return {", "        print('compiling')\n        return {"),
    )
    write(
        in_tmp / "flows.py",
        "from printing_dsl import Fake\nprint('importing')\nwf = Fake('Workflow', 'w')\n",
    )
    [source] = collect(["flows.py"])
    source.manifest()
    assert capsys.readouterr() == ("", "importing\ncompiling\n")


def test_importing_restores_sys_path_and_runs_no_main_block(in_tmp: Path) -> None:
    write(in_tmp / "mainblock.py", "if __name__ == '__main__':\n    raise SystemExit(9)\n")
    before = list(sys.path)
    assert list(collect(["mainblock.py"])) == []
    assert sys.path == before


# --- Python: Hera objects ------------------------------------------------------------------------

HERA_FLOWS = """\
from hera.workflows import (
    ClusterWorkflowTemplate,
    Container,
    CronWorkflow,
    Parameter,
    Workflow,
    WorkflowTemplate,
)

with WorkflowTemplate(
    name="greet",
    entrypoint="main",
    arguments=[Parameter(name="who")],
) as greet:
    Container(name="main", image="alpine:3.20", args=["{{workflow.parameters.who}}"])

with Workflow(generate_name="hello-", entrypoint="main") as hello:
    Container(name="main", image="alpine:3.20")

with ClusterWorkflowTemplate(name="shared", entrypoint="main") as shared:
    Container(name="main", image="alpine:3.20")

with CronWorkflow(name="nightly", schedules=["0 2 * * *"], entrypoint="main") as nightly:
    Container(name="main", image="alpine:3.20")
"""


def test_hera_objects(in_tmp: Path) -> None:
    write(in_tmp / "hera_flows.py", HERA_FLOWS)
    found = collect(["hera_flows.py"])
    assert summary(found) == [
        ("hera_flows.py", 0, 10, "WorkflowTemplate", "greet", "greet"),
        ("hera_flows.py", 1, 17, "Workflow", "hello-", "hello"),
        ("hera_flows.py", 2, 20, "ClusterWorkflowTemplate", "shared", "shared"),
        ("hera_flows.py", 3, 23, "CronWorkflow", "nightly", "nightly"),
    ]
    doc, line_of = found[0].manifest()
    assert doc["kind"] == "WorkflowTemplate"
    assert doc["spec"]["arguments"] == {"parameters": [{"name": "who"}]}
    assert line_of("spec") == 10


def test_hera_to_dict_failure_is_located_at_the_object(in_tmp: Path) -> None:
    write(
        in_tmp / "hera_bad.py",
        """\
        from hera.workflows import Workflow


        class Broken(Workflow):
            def to_dict(self):
                raise ValueError("cannot build")


        broken = Broken(name="broken", entrypoint="main")
        """,
    )
    [source] = collect(["hera_bad.py"])
    with pytest.raises(CompileError) as info:
        source.manifest()
    assert [d.format() for d in info.value.diagnostics] == [
        "hera_bad.py:9: building Workflow 'broken' (variable 'broken') raised "
        "ValueError: cannot build [S106]"
    ]


def test_collect_does_not_import_hera_for_files_that_do_not(tmp_path: Path) -> None:
    write(tmp_path / "plain.py", "x = 1\n")
    write(tmp_path / "wf.yaml", HELLO)
    code = (
        "import sys\n"
        "from tiphys.compile.sources import collect\n"
        f"found = collect([{str(tmp_path / 'plain.py')!r}, {str(tmp_path / 'wf.yaml')!r}])\n"
        "assert len(found) == 1, found\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hera', 'pydantic')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


# --- the upstream examples -----------------------------------------------------------------------


def test_every_upstream_example_loads() -> None:
    examples = shared_argo() / "examples"
    found = collect([str(examples)])
    assert found.errors == []
    assert len(found) >= 150
    assert {s.kind for s in found} == {
        "Workflow",
        "WorkflowTemplate",
        "ClusterWorkflowTemplate",
        "CronWorkflow",
    }
    for source in found:
        doc, line_of = source.manifest()
        assert doc["kind"] == source.kind
        assert line_of("") == source.line


@pytest.mark.parametrize("command", ["compile", "convert"])
def test_stdin_that_is_not_utf8_is_an_input_error(command: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tiphys", command, "-"],
        input=b"kind: Workflow\nmetadata: {name: \xff}\n",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "<stdin>: cannot read standard input: not UTF-8 (byte 0xff at offset 32) [S102]\n"
    )
