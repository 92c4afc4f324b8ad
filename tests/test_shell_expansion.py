"""Shell @script parameters: written for the quoting they stand in, and safe when the script runs.

* The scanner (:func:`tiphys.compile.shell.expand_shell`) in each quoting state: the whole
  script text it writes.
* Each place where the shell would not expand a parameter: the exact message and the
  ``file:line`` of the ``@script`` it points at.
* End to end: a shell ``@script`` compiled in a ``@dag`` and run with ``bash`` and ``sh`` with
  hostile values (spaces, globs, quotes, command substitutions, newlines): each value arrives
  exactly and none runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from expect import compile_error
from markers import marker_line
from tiphys import CompileError, Workflow, dag, script
from tiphys.compile.shell import expand_shell
from tiphys.dsl.refs import InputRef, Ref
from tiphys.dsl.script import ENV_PREFIX
from tiphys.errors import Location

HERE = Path(__file__)


def line_of(marker: str) -> str:
    """The ``file:line`` of the line of this file marked ``# <marker>``."""
    return marker_line(HERE, marker)


# -- the scanner ------------------------------------------------------------------------------

REFS = {name: InputRef(name, str, "t") for name in ("x", "y")}
# The check written before a script that uses x in arithmetic (the shell evaluates it there).
GUARD_X = (
    'case "${TIPHYS_IN_x}" in ""|-|*[!0-9-]*|?*-*) echo "tiphys: x must be an integer" >&2; '
    "exit 2;; esac\n"
)


def expand(text: str) -> str:
    """Expand ``text`` where ``{x}``/``{y}`` stand for parameters (other braces are text)."""
    pieces: list[str | Ref] = []
    for i, part in enumerate(re.split(r"\{([xy])\}", text)):
        if i % 2:
            pieces.append(REFS[part])
        elif part:
            pieces.append(part)
    return expand_shell(pieces, lambda r: ENV_PREFIX + r.name, Location("s.py", 7), "t")


def expand_error(text: str) -> str:
    with pytest.raises(CompileError) as info:
        expand(text)
    return info.value.diagnostics[0].format()


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("echo {x}", 'echo "${TIPHYS_IN_x}"'),
        ("rm -rf {x}/{y}", 'rm -rf "${TIPHYS_IN_x}"/"${TIPHYS_IN_y}"'),
        ("echo {x}{y}", 'echo "${TIPHYS_IN_x}""${TIPHYS_IN_y}"'),
        ("a={x}; echo $a", 'a="${TIPHYS_IN_x}"; echo $a'),
        ('echo "hello {x}!"', 'echo "hello ${TIPHYS_IN_x}!"'),
        ('echo "a \\" {x}"', 'echo "a \\" ${TIPHYS_IN_x}"'),
        ('echo "it\'s" {x}', 'echo "it\'s" "${TIPHYS_IN_x}"'),
        ("echo 'a' {x} 'b'", "echo 'a' \"${TIPHYS_IN_x}\" 'b'"),
        ("echo 'a \"' {x}", 'echo \'a "\' "${TIPHYS_IN_x}"'),
        ("echo \\' {x}", 'echo \\\' "${TIPHYS_IN_x}"'),
        ("echo a \\\n  {x}", 'echo a \\\n  "${TIPHYS_IN_x}"'),
        ("echo $'a\\'b' {x}", "echo $'a\\'b' \"${TIPHYS_IN_x}\""),
        ('echo "$\'" {x}', 'echo "$\'" "${TIPHYS_IN_x}"'),
        ("# it's a comment\necho {x}", '# it\'s a comment\necho "${TIPHYS_IN_x}"'),
        ("echo a # it's\necho {x}", 'echo a # it\'s\necho "${TIPHYS_IN_x}"'),
        ("echo a#b {x}", 'echo a#b "${TIPHYS_IN_x}"'),
        ("echo $# ${#a} {x}", 'echo $# ${#a} "${TIPHYS_IN_x}"'),
        ('echo "${a:-{x}}"', 'echo "${a:-${TIPHYS_IN_x}}"'),
        ('echo "$(cat {x})"', 'echo "$(cat "${TIPHYS_IN_x}")"'),
        ('echo "$(echo "{x}") {y}"', 'echo "$(echo "${TIPHYS_IN_x}") ${TIPHYS_IN_y}"'),
        ("echo $( (echo {x}) ) {y}", 'echo $( (echo "${TIPHYS_IN_x}") ) "${TIPHYS_IN_y}"'),
        ("echo $(echo ')') {x}", "echo $(echo ')') \"${TIPHYS_IN_x}\""),
        ("echo `echo {x}` {y}", 'echo `echo "${TIPHYS_IN_x}"` "${TIPHYS_IN_y}"'),
        ('echo "`echo {x}` {y}"', 'echo "`echo "${TIPHYS_IN_x}"` ${TIPHYS_IN_y}"'),
        (
            "echo $(( {x} * (2 + 1) )) {y}",
            GUARD_X + 'echo $(( ${TIPHYS_IN_x} * (2 + 1) )) "${TIPHYS_IN_y}"',
        ),
        ('echo "$(( {x} + 1 ))"', GUARD_X + 'echo "$(( ${TIPHYS_IN_x} + 1 ))"'),
        (
            "(( {x} << 2 )) && echo {y}",
            GUARD_X + '(( ${TIPHYS_IN_x} << 2 )) && echo "${TIPHYS_IN_y}"',
        ),
        ("cat <<< {x}", 'cat <<< "${TIPHYS_IN_x}"'),
    ],
)
def test_expansion_outside_heredocs(text: str, out: str) -> None:
    assert expand(text) == out


@pytest.mark.parametrize(
    ("text", "out"),
    [
        (
            'cat <<EOF\nit\'s "{x}"\nEOF\necho {y}',
            'cat <<EOF\nit\'s "${TIPHYS_IN_x}"\nEOF\necho "${TIPHYS_IN_y}"',
        ),
        (
            "cat <<EOF > out\n{x}\nEOF\n",
            "cat <<EOF > out\n${TIPHYS_IN_x}\nEOF\n",
        ),
        (
            "cat <<-EOF\n\t{x}\n\tEOF\necho {y}",
            'cat <<-EOF\n\t${TIPHYS_IN_x}\n\tEOF\necho "${TIPHYS_IN_y}"',
        ),
        (
            "cat <<EOF\n\tEOF\n{x}\nEOF\n{y}",
            'cat <<EOF\n\tEOF\n${TIPHYS_IN_x}\nEOF\n"${TIPHYS_IN_y}"',
        ),
        (
            "cat <<EOF\nEOF {x}\n{x}\nEOF\n{y}",
            'cat <<EOF\nEOF ${TIPHYS_IN_x}\n${TIPHYS_IN_x}\nEOF\n"${TIPHYS_IN_y}"',
        ),
        (
            "cat <<'EOF'\nno 'expansion' $HOME\nEOF\necho {x}",
            "cat <<'EOF'\nno 'expansion' $HOME\nEOF\necho \"${TIPHYS_IN_x}\"",
        ),
        (
            "cat <<A; cat <<B # comment\na {x}\nA\nb {y}\nB\n{x}",
            "cat <<A; cat <<B # comment\na ${TIPHYS_IN_x}\nA\nb ${TIPHYS_IN_y}\nB\n"
            '"${TIPHYS_IN_x}"',
        ),
        (
            "x=$(cat <<EOF\n{x}\nEOF\n)\necho {y}",
            'x=$(cat <<EOF\n${TIPHYS_IN_x}\nEOF\n)\necho "${TIPHYS_IN_y}"',
        ),
        (
            "cat << \"END\"  \n'\nEND\necho '{}' {x}",
            'cat << "END"  \n\'\nEND\necho \'{}\' "${TIPHYS_IN_x}"',
        ),
        (
            "cat <<EOF\n\\$a {x}\nEOF\n",
            "cat <<EOF\n\\$a ${TIPHYS_IN_x}\nEOF\n",
        ),
    ],
)
def test_expansion_in_heredocs(text: str, out: str) -> None:
    assert expand(text) == out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "echo 'hello {x}'",
            "is inside single quotes, where the shell does not expand variables; close the "
            "quotes around it: 'hello '\"{x}\"'!'",
        ),
        (
            "echo \"'\" 'a {x}'",
            "is inside single quotes, where the shell does not expand variables; close the "
            "quotes around it: 'hello '\"{x}\"'!'",
        ),
        (
            "echo $'tab\\t\\' {x}'",
            "is inside $'...', where the shell does not expand variables; close the quotes "
            "around it: $'hello\\t'\"{x}\"",
        ),
        (
            "echo hi # {x}",
            "is inside a comment, which the shell ignores; move it out of the comment",
        ),
        (
            "echo \\{x}",
            "follows a backslash, which makes the shell write the variable's name instead of "
            "its value; remove the backslash",
        ),
        (
            'echo "\\{x}"',
            "follows a backslash, which makes the shell write the variable's name instead of "
            "its value; remove the backslash",
        ),
        (
            "echo ${x}",
            "follows a $ (or ${): the f-string already writes the parameter's expansion there; "
            "write {x} alone",
        ),
        (
            'echo "${{x}}"',
            "follows a $ (or ${): the f-string already writes the parameter's expansion there; "
            "write {x} alone",
        ),
        (
            "cat <<{x}",
            "is part of a here-document's delimiter word, which the shell does not expand; use "
            "a fixed word (<<EOF)",
        ),
        (
            "cat <<-'E{x}'",
            "is part of a here-document's delimiter word, which the shell does not expand; use "
            "a fixed word (<<EOF)",
        ),
    ],
)
def test_unexpanded_places_on_line_one(text: str, problem: str) -> None:
    assert (
        expand_error(text)
        == f"s.py:7: {{x}} on line 1 of the script of @script 't' {problem} [C111]"
    )


@pytest.mark.parametrize(
    ("opener", "written"),
    [
        ("'EOF'", "'EOF'"),
        ('"EOF"', '"EOF"'),
        ("\\EOF", "\\EOF"),
        ("-'EOF'", "'EOF'"),
        ("E'O'F", "E'O'F"),
    ],
)
def test_quoted_heredoc_body(opener: str, written: str) -> None:
    text = f"set -e\ncat <<{opener}\nplain\n{{x}}\nEOF\n"
    assert expand_error(text) == (
        "s.py:7: {x} on line 4 of the script of @script 't' is inside the here-document "
        f"<<{written}, whose quoted delimiter stops the shell expanding variables; use an "
        "unquoted delimiter (<<EOF) and write a literal $, ` or \\ in its body as \\$, \\` or "
        "\\\\ [C111]"
    )


def test_line_numbers_count_every_line_before() -> None:
    assert expand_error("a=1\n# {y} is fine here? no:\n").startswith("s.py:7: {y} on line 2 ")
    assert expand_error("echo {x}\n\necho '\n{y}'").startswith("s.py:7: {y} on line 4 ")


def test_every_state_closes() -> None:
    text = "echo 'a'\"b\"$'c'`d`$(e)$((1)) # c\ncat <<EOF\nEOF\necho {x}"
    assert expand(text) == text.replace("{x}", '"${TIPHYS_IN_x}"')


# -- compile errors at the user's line ------------------------------------------------------


def test_single_quotes_error_at_the_script() -> None:
    @script(language="bash", image="bash:5.2")  # SQ
    def greet(name: str) -> str:
        return f"set -eu\necho 'hello {name}'\n"

    assert compile_error(Workflow(entrypoint=greet)) == (
        f"{line_of('SQ')}: {{name}} on line 2 of the script of @script 'greet' is inside "
        "single quotes, where the shell does not expand variables; close the quotes around "
        "it: 'hello '\"{name}\"'!' [C111]"
    )


def test_quoted_heredoc_error_at_the_script() -> None:
    @script(language="sh", image="alpine:3.20")  # HEREDOC
    def report(title: str, body: str) -> str:
        return f"""\
cat <<EOF
# {title}
EOF
cat <<'EOF'
{body}
EOF
"""

    @dag
    def main(title: str, body: str) -> None:
        report(title=title, body=body)

    assert compile_error(Workflow(entrypoint=main)) == (
        f"{line_of('HEREDOC')}: {{body}} on line 5 of the script of @script 'report' is "
        "inside the here-document <<'EOF', whose quoted delimiter stops the shell expanding "
        "variables; use an unquoted delimiter (<<EOF) and write a literal $, ` or \\ in its "
        "body as \\$, \\` or \\\\ [C111]"
    )


def test_comment_error_at_the_script() -> None:
    @script(language="sh", image="alpine:3.20")  # COMMENT
    def clean(path: str) -> str:
        return f"""\
set -eu
rm -rf "{path}"  # removes {path}
"""

    assert compile_error(Workflow(entrypoint=clean)) == (
        f"{line_of('COMMENT')}: {{path}} on line 2 of the script of @script 'clean' is inside "
        "a comment, which the shell ignores; move it out of the comment [C111]"
    )


def test_dollar_before_parameter_error_at_the_script() -> None:
    @script(language="bash", image="bash:5.2")  # DOLLAR
    def show(name: str) -> str:
        return f"echo ${name}"

    assert compile_error(Workflow(entrypoint=show)) == (
        f"{line_of('DOLLAR')}: {{name}} on line 1 of the script of @script 'show' follows a $ "
        "(or ${): the f-string already writes the parameter's expansion there; write {name} "
        "alone [C111]"
    )


def test_ansi_c_quotes_error_at_the_script() -> None:
    @script(language="bash", image="bash:5.2")  # ANSI
    def tabbed(name: str) -> str:
        return f"printf $'%s\\t{name}\\n' x"

    assert compile_error(Workflow(entrypoint=tabbed)) == (
        f"{line_of('ANSI')}: {{name}} on line 1 of the script of @script 'tabbed' is inside "
        "$'...', where the shell does not expand variables; close the quotes around it: "
        "$'hello\\t'\"{name}\" [C111]"
    )


def test_env_lists_only_used_parameters() -> None:
    @script(language="sh", image="alpine:3.20")
    def pick(a: str, unused: str = "u", b: str = "b") -> str:
        return f'echo {b} "{a}" {b}'

    templates = Workflow(entrypoint=pick).to_dict()["spec"]["templates"]
    body = templates[0]["script"]
    assert body["source"] == 'echo "${TIPHYS_IN_b}" "${TIPHYS_IN_a}" "${TIPHYS_IN_b}"'
    assert body["env"] == [
        {"name": "TIPHYS_IN_b", "value": "{{inputs.parameters.b}}"},
        {"name": "TIPHYS_IN_a", "value": "{{inputs.parameters.a}}"},
    ]


# -- running the generated scripts ----------------------------------------------------------

NASTY = [
    "plain",
    "",
    "two  spaces\tand a tab",
    "*",
    "-n",
    "a.txt *.txt [ab]* ~ ~root",
    "'single' \"double\" `back` \\ \\n $HOME ${HOME} $1 $#",
    "$(rm -rf victim)",
    "`rm -rf victim`; rm -rf victim && rm -rf victim",
    "$(rm -rf /) is only text",
    "line one\nline two\n",
    "\n\nEOF\nEOF\n",
    "' \" ) ( } { ; & | < > ! # % =",
    "ünïcode ✓",
]


def show_values(a: str, n: int = 0, unused: str = "never") -> str:
    return f"""\
set -eu
printf '[%s]\\n' {a}
printf '[%s]\\n' "dq {a}"
printf '[%s]\\n' "$(printf '%s.' {a})"
copy=`printf '%s.' {a}`
printf '[%s]\\n' "$copy"
copy={a}
printf '[%s]\\n' "$copy"
case {a} in
  *) printf '[%s]\\n' "matched" ;;
esac
cat <<EOF
[{a}] 'single' "double"
EOF
cat <<-EOF
\t[{a}]
\tEOF
cat <<'EOF'
[literal $HOME]
EOF
printf '[%s]\\n' $(( {n} + 1 ))  # {{n}} is a number
"""


def expected(value: str) -> str:
    lines = [
        f"[{value}]",
        f"[dq {value}]",
        f"[{value}.]",
        f"[{value}.]",
        f"[{value}]",
        "[matched]",
        f"[{value}] 'single' \"double\"",
        f"[{value}]",
        "[literal $HOME]",
        "[42]",
    ]
    return "\n".join(lines) + "\n"


show_bash = script(language="bash", image="bash:5.2", name="show-bash")(show_values)
show_sh = script(language="sh", image="alpine:3.20", name="show-sh")(show_values)


@dag
def show_all(a: str) -> None:
    show_bash(a=a, n=41)
    show_sh(a=a, n=41)


def compiled_scripts() -> dict[str, dict[str, Any]]:
    templates = Workflow(entrypoint=show_all).to_dict()["spec"]["templates"]
    return {t["name"]: t["script"] for t in templates if "script" in t}


def test_compiled_source_quotes_by_context() -> None:
    body = compiled_scripts()["show-sh"]
    assert body["command"] == ["sh"]
    assert body["source"] == (
        'case "${TIPHYS_IN_n}" in ""|-|*[!0-9-]*|?*-*) echo "tiphys: n must be an integer" >&2; '
        "exit 2;; esac\n"
        "set -eu\n"
        "printf '[%s]\\n' \"${TIPHYS_IN_a}\"\n"
        "printf '[%s]\\n' \"dq ${TIPHYS_IN_a}\"\n"
        "printf '[%s]\\n' \"$(printf '%s.' \"${TIPHYS_IN_a}\")\"\n"
        "copy=`printf '%s.' \"${TIPHYS_IN_a}\"`\n"
        "printf '[%s]\\n' \"$copy\"\n"
        'copy="${TIPHYS_IN_a}"\n'
        "printf '[%s]\\n' \"$copy\"\n"
        'case "${TIPHYS_IN_a}" in\n'
        "  *) printf '[%s]\\n' \"matched\" ;;\n"
        "esac\n"
        "cat <<EOF\n"
        "[${TIPHYS_IN_a}] 'single' \"double\"\n"
        "EOF\n"
        "cat <<-EOF\n"
        "\t[${TIPHYS_IN_a}]\n"
        "\tEOF\n"
        "cat <<'EOF'\n"
        "[literal $HOME]\n"
        "EOF\n"
        "printf '[%s]\\n' $(( ${TIPHYS_IN_n} + 1 ))  # {n} is a number\n"
    )
    assert [e["name"] for e in body["env"]] == ["TIPHYS_IN_a", "TIPHYS_IN_n"]


@pytest.mark.parametrize("shell", ["bash", "sh"])
@pytest.mark.parametrize("value", NASTY)
def test_values_arrive_exactly_and_never_run(shell: str, value: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    body = compiled_scripts()[f"show-{shell}"]
    inputs = {"a": value, "n": "41"}
    env = {
        e["name"]: inputs[e["value"].removeprefix("{{inputs.parameters.").removesuffix("}}")]
        for e in body["env"]
    }
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep").write_text("")
    done = subprocess.run(
        [*body["command"], "-c", body["source"]],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": "/nonexistent", **env},
        capture_output=True,
        timeout=30,
    )
    assert done.stderr.decode() == ""
    assert done.returncode == 0
    assert done.stdout.decode() == expected(value)
    assert (tmp_path / "victim" / "keep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "victim"]


@pytest.mark.parametrize("value", ["HOME[$(touch pwned)0]", "1+1", "", "-", "1-2", "x"])
def test_arithmetic_values_that_are_not_integers_stop_the_script(
    value: str, tmp_path: Path
) -> None:
    # The shell evaluates a value in $(( )), and bash runs $(...) in an array subscript there.
    script = expand("echo $(( {x} * 2 ))")
    for shell in ("bash", "sh"):
        done = subprocess.run(
            [shell, "-c", script],
            env={"TIPHYS_IN_x": value, "PATH": os.environ["PATH"]},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 2, (shell, value, done.stdout)
        assert done.stderr == "tiphys: x must be an integer\n"
        assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(("value", "doubled"), [("21", "42"), ("-3", "-6"), ("0", "0")])
def test_arithmetic_integers_pass_the_check(value: str, doubled: str) -> None:
    script = expand("echo $(( {x} * 2 ))")
    done = subprocess.run(
        ["sh", "-c", script],
        env={"TIPHYS_IN_x": value, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (0, doubled + "\n")
