"""Diagnostics and the exception hierarchy shared by every part of tiphys.

A :class:`Diagnostic` is one finding (an error or a warning) with where it was found: a user's
``file:line`` for problems in Python code, or a field path (``spec.templates[0].container``) for
problems in a manifest, or both. Exceptions carry diagnostics so that the CLI can print them as
``file:line: message`` lines without a traceback.

This module imports nothing heavy and nothing else from tiphys: every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where something was written.

    Attributes:
        file: Path of the source file as the user gave it (``workflows/release.py``), or ``""``
            when unknown (a manifest built in memory).
        line: 1-based line number, or 0 when unknown.
    """

    file: str = ""
    line: int = 0

    def __str__(self) -> str:
        if not self.file:
            return "<unknown>"
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a workflow.

    Attributes:
        code: Stable identifier of the check, e.g. ``"V101"`` (validation group ``V``).
        message: One or more sentences: what is wrong and what to do.
        severity: ``"error"`` (the manifest is rejected) or ``"warning"``.
        location: The user's file and line, when known.
        path: Field path inside the manifest (``spec.templates[2].dag.tasks[0].depends``), or
            ``""`` when the problem is not tied to one field.
    """

    code: str
    message: str
    severity: Severity = "error"
    location: Location = field(default_factory=Location)
    path: str = ""

    def format(self) -> str:
        """Render as ``file:line: message`` (with the field path when there is one).

        Returns:
            One line (the message itself may contain newlines) ready for stderr.
        """
        where = str(self.location) if self.location.file else "<manifest>"
        level = "" if self.severity == "error" else "warning: "
        suffix = f" [{self.code}]"
        at = f" (at {self.path})" if self.path else ""
        return f"{where}: {level}{self.message}{at}{suffix}"


class TiphysError(Exception):
    """Base class of every error tiphys raises on purpose."""


class CompileError(TiphysError):
    """A workflow could not be compiled or validated.

    Attributes:
        diagnostics: The problems found, at least one of severity ``"error"``.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def errors_only(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Return the diagnostics of severity ``"error"``, in order.

    Args:
        diagnostics: Any diagnostics.

    Returns:
        A new list holding only the errors.
    """
    return [d for d in diagnostics if d.severity == "error"]


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice the user most likely meant by ``word``, if any.

    A close spelling (``difflib`` ratio >= 0.6, ignoring case) wins; otherwise a choice that is
    a prefix of ``word`` or that ``word`` is a prefix of (``enviroment`` -> ``env``), the
    longest first.

    Args:
        word: What the user wrote.
        choices: The valid names.

    Returns:
        One of ``choices``, or ``None``.
    """
    import difflib

    folded = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    if close:
        return folded[close[0]]
    lowered = word.lower()
    prefixed = [
        c
        for c in choices
        if len(c) >= 2
        and len(lowered) >= 2
        and (lowered.startswith(c.lower()) or c.lower().startswith(lowered))
    ]
    return max(prefixed, key=len) if prefixed else None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return `` Did you mean 'x'?`` naming :func:`closest`'s choice, or ``""``.

    Args:
        word: What the user wrote.
        choices: The valid names.

    Returns:
        The phrase to append to a message that ends with a full stop.
    """
    close = closest(word, choices)
    return f" Did you mean {close!r}?" if close else ""


def choices_hint(word: str, choices: Iterable[str], noun: str) -> str:
    """Return ``. Did you mean 'x'?`` for a close choice, else `` (<noun>: a, b)``.

    Args:
        word: What the user wrote.
        choices: The valid names (sorted and de-duplicated for the listing).
        noun: What the choices are, for the listing (``"templates"``).

    Returns:
        The phrase to append to a message that does not end with a full stop.
    """
    options = sorted(set(choices))
    close = closest(word, options)
    if close:
        return f". Did you mean {close!r}?"
    return f" ({noun}: {', '.join(options)})" if options else f" (there are no {noun})"


class ConvertError(CompileError):
    """A YAML manifest could not be converted to tiphys Python (``tiphys convert``,
    :func:`tiphys.load`).

    Each diagnostic names the YAML file and line and the field path
    (``spec.templates[2].dag.tasks[0].arguments``) and says what to do. Codes C162-C169 (see
    :mod:`tiphys.convert`); invalid input documents give the validator's own diagnostics.
    """
