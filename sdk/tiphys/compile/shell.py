"""Writing a shell ``@script``'s parameters into its text, quoted for the place they stand in.

A shell script's body is an f-string: each parameter sits in the text as a marker, and the
compiler writes it as an expansion of the parameter's environment variable. How to write it
depends on the shell's quoting at that point, so :func:`expand_shell` reads the text as the
shell would (POSIX quoting, plus bash's ``$'...'``) and writes each parameter as:

* ``"${VAR}"`` outside quotes (in plain code, in ``$(...)`` and in backticks), so the value is
  one word: never split at spaces nor expanded as a glob;
* ``${VAR}`` inside double quotes, inside an unquoted here-document body (``<<EOF``), and inside
  arithmetic (``$(( ))`` and bash's ``(( ))``, where quotes are not allowed);
* a located compile error where the shell would not expand it at all: inside single quotes,
  ``$'...'``, a quoted here-document (``<<'EOF'``, ``<<"EOF"``, ``<<\\EOF``) or a comment; right
  after a backslash (which makes the ``$`` literal) or a ``$``/``${`` (the f-string already
  writes the expansion); or inside a here-document's delimiter word.

The expanded value is never read as shell code in any of these places, except arithmetic: the
shell evaluates the value as an arithmetic expression there (bash even runs ``$(...)`` inside
an array subscript in it). So a script that uses a parameter in arithmetic starts with a check
that its value is an integer (``-?[0-9]+``), and stops with exit code 2 when it is not.

Limits (the scanner is deliberately small; these are rare in scripts): parentheses are counted
to find the end of ``$(...)``, so an unbalanced ``)`` inside it (a ``case`` pattern) ends it
early; backticks do not nest; ``${...}`` is read as plain text (a ref inside
``"${x:-{ref}}"`` is treated as being in the double quotes around it, which is what the shell
does); command substitutions inside a here-document body are not tracked (the whole body
counts as one expanding context); bash's ``$"..."`` is read as ``$`` then double quotes;
``#`` starts a comment only at the start of a word (after a blank, a newline or one of
``;&|()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tiphys.dsl._location import fail
from tiphys.dsl.refs import Ref
from tiphys.dsl.script import ENV_PREFIX
from tiphys.errors import Location

# Frames whose refs are outside any quotes.
_CODE = ("code", "subst", "backtick")
# After one of these (outside quotes) a new word starts, so "#" there starts a comment.
_WORD_BREAK = " \t\n;&|()"
# A here-document delimiter word ends at a blank, a newline or an operator.
_WORD_END = " \t\n;&|()<>"


@dataclass
class _Frame:
    """One quoting context; the innermost is last on the scanner's stack.

    ``kind`` is ``code`` (the script), ``subst`` (``$(...)``), ``backtick``, ``dq``, ``sq``,
    ``ansi`` (``$'...'``), ``arith``, ``comment`` or ``heredoc`` (a here-document body).
    """

    kind: str
    depth: int = 0  # parentheses open inside a subst or arith frame
    delimiter: str = ""  # heredoc: the word ending the body, quotes removed
    written: str = ""  # heredoc: the word as written (<<'EOF')
    quoted: bool = False  # heredoc: the word was quoted, so the body is not expanded
    strip_tabs: bool = False  # heredoc: <<- (the delimiter line may start with tabs)
    line: str = ""  # heredoc: the current line of the body so far
    line_has_ref: bool = False  # heredoc: ... which holds a ref, so it is not the delimiter


class _Scanner:
    """Follows the shell's quoting through the literal pieces of a script."""

    def __init__(self) -> None:
        self.stack = [_Frame("code")]
        self.pending: list[_Frame] = []  # here-documents whose bodies start at the next newline
        self.line = 1
        self.prev = "\n"  # the character before the current one ("x" right after a ref)
        self.escaped = False  # the piece ended with a backslash waiting for its character
        self.dollar = False  # the piece ended with an unquoted "$" or "${"
        self.open_word = False  # the piece ended inside a here-document delimiter word

    def feed(self, text: str) -> None:
        """Advance over literal text."""
        self.escaped = self.dollar = self.open_word = False
        i = 0
        while i < len(text):
            i = self._step(text, i)
        self.line += text.count("\n")
        if text:
            self.prev = text[-1]

    def _step(self, text: str, i: int) -> int:
        """Read the character at ``i`` in the innermost frame; return where to go on."""
        frame = self.stack[-1]
        kind, ch = frame.kind, text[i]
        if kind == "heredoc":
            return self._heredoc_body(frame, text, i)
        if kind == "comment":
            if ch == "\n":
                self.stack.pop()
                return i  # the newline ends the command line too (here-documents start)
            return i + 1
        if kind == "sq":
            if ch == "'":
                self.stack.pop()
            return i + 1
        if kind == "arith":
            return self._arith(frame, text, i)
        if ch == "\\":
            return self._escape(text, i)
        if kind == "ansi":
            if ch == "'":
                self.stack.pop()
            return i + 1
        # code, subst, backtick, dq: expansions start here
        if text.startswith("$((", i):
            self.stack.append(_Frame("arith"))
            return i + 3
        if text.startswith("$(", i):
            self.stack.append(_Frame("subst"))
            return i + 2
        if ch == "`":
            if kind == "backtick":
                self.stack.pop()
            else:
                self.stack.append(_Frame("backtick"))
            return i + 1
        if ch == "$":
            self.dollar = text[i + 1 :] in ("", "{")
        if kind == "dq":
            if ch == '"':
                self.stack.pop()
            return i + 1
        return self._code(frame, text, i)

    def _code(self, frame: _Frame, text: str, i: int) -> int:
        """A character outside quotes."""
        ch = text[i]
        word_start = (text[i - 1] if i else self.prev) in _WORD_BREAK
        if ch == "'":
            self.stack.append(_Frame("sq"))
        elif ch == '"':
            self.stack.append(_Frame("dq"))
        elif text.startswith("$'", i):
            self.stack.append(_Frame("ansi"))
            return i + 2
        elif ch == "#" and word_start:
            self.stack.append(_Frame("comment"))
        elif text.startswith("((", i) and word_start:
            self.stack.append(_Frame("arith"))
            return i + 2
        elif text.startswith("<<<", i):
            return i + 3
        elif text.startswith("<<", i):
            return self._heredoc_word(text, i + 2)
        elif ch == "(":
            frame.depth += 1
        elif ch == ")" and frame.depth:
            frame.depth -= 1
        elif ch == ")" and frame.kind == "subst":
            self.stack.pop()
        elif ch == "\n" and self.pending:
            self.stack.append(self.pending.pop(0))
        return i + 1

    def _escape(self, text: str, i: int) -> int:
        """A backslash: skip it and the character it escapes."""
        if i + 1 < len(text):
            return i + 2
        self.escaped = True
        return i + 1

    def _arith(self, frame: _Frame, text: str, i: int) -> int:
        """Inside ``$(( ))``/``(( ))``: only parentheses matter."""
        if text[i] == "(":
            frame.depth += 1
        elif text[i] == ")" and frame.depth:
            frame.depth -= 1
        elif text[i] == ")":
            self.stack.pop()
            return i + 2 if text.startswith("))", i) else i + 1
        return i + 1

    def _heredoc_word(self, text: str, i: int) -> int:
        """After ``<<``: read ``-`` and the delimiter word; the body starts at the next line."""
        strip_tabs = text.startswith("-", i)
        i += 1 if strip_tabs else 0
        while i < len(text) and text[i] in " \t":
            i += 1
        start, word, quoted = i, "", False
        while i < len(text) and text[i] not in _WORD_END:
            ch = text[i]
            if ch in "'\"":
                end = text.find(ch, i + 1)
                if end < 0:
                    i = len(text)
                    break
                word, quoted, i = word + text[i + 1 : end], True, end + 1
            elif ch == "\\":
                word, quoted, i = word + text[i + 1 : i + 2], True, i + 2
            else:
                word, i = word + ch, i + 1
        self.open_word = i >= len(text)
        if word or quoted:
            self.pending.append(
                _Frame(
                    "heredoc",
                    delimiter=word,
                    written=text[start:i],
                    quoted=quoted,
                    strip_tabs=strip_tabs,
                )
            )
        return i

    def _heredoc_body(self, frame: _Frame, text: str, i: int) -> int:
        """A character of a here-document body; a line equal to the delimiter ends it."""
        ch = text[i]
        if ch == "\n":
            line = frame.line.lstrip("\t") if frame.strip_tabs else frame.line
            if line == frame.delimiter and not frame.line_has_ref:
                self.stack.pop()
                if self.pending:
                    self.stack.append(self.pending.pop(0))
            frame.line, frame.line_has_ref = "", False
            return i + 1
        if frame.quoted:
            frame.line += ch
            return i + 1
        if ch == "\\":
            frame.line += text[i : i + 2]
            return self._escape(text, i)
        if ch == "$":
            self.dollar = text[i + 1 :] in ("", "{")
        frame.line += ch
        return i + 1

    def problem(self) -> str | None:
        """Why a ref here would not expand (the end of a sentence), or ``None`` when it would."""
        frame = self.stack[-1]
        if frame.kind == "sq":
            return (
                "is inside single quotes, where the shell does not expand variables; close the "
                "quotes around it: 'hello '\"{ref}\"'!'"
            )
        if frame.kind == "ansi":
            return (
                "is inside $'...', where the shell does not expand variables; close the quotes "
                "around it: $'hello\\t'\"{ref}\""
            )
        if frame.kind == "heredoc" and frame.quoted:
            return (
                f"is inside the here-document <<{frame.written}, whose quoted delimiter stops "
                f"the shell expanding variables; use an unquoted delimiter (<<{frame.delimiter}) "
                "and write a literal $, ` or \\ in its body as \\$, \\` or \\\\"
            )
        if frame.kind == "comment":
            return "is inside a comment, which the shell ignores; move it out of the comment"
        if self.escaped:
            return (
                "follows a backslash, which makes the shell write the variable's name instead "
                "of its value; remove the backslash"
            )
        if self.dollar:
            return (
                "follows a $ (or ${): the f-string already writes the parameter's expansion "
                "there; write {ref} alone"
            )
        if self.open_word:
            return (
                "is part of a here-document's delimiter word, which the shell does not expand; "
                "use a fixed word (<<EOF)"
            )
        return None

    def ref(self, var: str) -> str:
        """The text for a ref that expands ``var`` here (a :meth:`problem` was ruled out)."""
        frame = self.stack[-1]
        frame.line_has_ref = True
        self.prev = "x"  # the ref is part of a word
        return f'"${{{var}}}"' if frame.kind in _CODE else f"${{{var}}}"


def expand_shell(
    pieces: Iterable[str | Ref],
    env_name: Callable[[Ref], str],
    where: Location,
    template: str,
) -> str:
    """Write a shell script's refs as expansions of their environment variables.

    Args:
        pieces: The script text split into literal pieces and refs
            (:func:`tiphys.compile.render.split_markers`), in order.
        env_name: The environment variable holding a ref's value (``TIPHYS_IN_name``).
        where: Location for errors (the ``@script`` definition).
        template: The template's name, for messages.

    Returns:
        The script text: ``"${VAR}"`` for refs outside quotes, ``${VAR}`` inside double
        quotes, unquoted here-documents and arithmetic.

    Raises:
        CompileError: A ref where the shell would not expand it (single quotes, ``$'...'``,
            a quoted here-document, a comment, after a backslash, ``$`` or ``${``, in a
            here-document delimiter); the message names the script line.
    """
    scanner = _Scanner()
    out: list[str] = []
    guarded: list[str] = []  # variables used in arithmetic: checked to be integers first
    for piece in pieces:
        if isinstance(piece, str):
            scanner.feed(piece)
            out.append(piece)
            continue
        var = env_name(piece)
        problem = scanner.problem()
        if problem is not None:
            name = "{" + var.removeprefix(ENV_PREFIX) + "}"
            raise fail(
                "C111",
                f"{name} on line {scanner.line} of the script of @script {template!r} "
                + problem.replace("{ref}", name),
                where,
            )
        if scanner.stack[-1].kind == "arith" and var not in guarded:
            guarded.append(var)
        out.append(scanner.ref(var))
    return _with_guards("".join(out), guarded)


def _with_guards(script: str, variables: list[str]) -> str:
    """Refuse, when the script starts, a value of an arithmetic parameter that is not an
    integer: the shell would evaluate it (and bash would run ``$(...)`` in it)."""
    if not variables:
        return script
    guards = "".join(
        f'case "${{{var}}}" in ""|-|*[!0-9-]*|?*-*) echo "tiphys: '
        f'{var.removeprefix(ENV_PREFIX)} must be an integer" >&2; exit 2;; esac\n'
        for var in variables
    )
    if script.startswith("#!"):
        first, _, rest = script.partition("\n")
        return f"{first}\n{guards}{rest}"
    return guards + script
