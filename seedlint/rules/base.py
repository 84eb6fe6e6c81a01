"""The rule base class: code, name, message, documentation, cases, fix safety.

A rule's docstring is its documentation (``seedlint rule CODE`` prints it) and must hold the
sections in :data:`DOC_SECTIONS`. Its ``VALID`` / ``INVALID`` cases are run by one parametrized test.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterator, List, Optional, Tuple, Union

from seedlint.diagnostics import FixSafety

if TYPE_CHECKING:  # pragma: no cover
    from seedlint.project.facts import FileContext

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References")

Source = Union[str, Dict[str, str]]  # one file, or {relative path: source} for a small project


@dataclass(frozen=True)
class Invalid:
    """An invalid case: the code, and the (line, col) positions where the rule must report.

    ``expected`` None means "at least one finding, anywhere"; ``fixed`` is the expected output of
    ``seedlint fix`` for rules with a fix.
    """

    code: Source
    expected: Optional[Tuple[Tuple[int, int], ...]] = None
    path: str = "case.py"
    fixed: Optional[str] = None


@dataclass(frozen=True)
class Valid:
    code: Source
    path: str = "case.py"


@dataclass(frozen=True)
class Finding:
    """What a rule yields: a node (or explicit position) and the message."""

    node: Optional[ast.AST]
    message: str
    line: int = 0
    col: int = 0
    fix: Optional[FixSafety] = None  # the rule's fix safety, unless this finding has no fix (FixSafety.NONE)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    scope: ClassVar[str] = "file"  # "file" | "program"
    fix: ClassVar[FixSafety] = FixSafety.NONE
    default: ClassVar[bool] = True
    VALID: ClassVar[List[Union[str, Valid]]] = []
    INVALID: ClassVar[List[Invalid]] = []

    def check(self, ctx: "FileContext") -> Iterator[Finding]:  # pragma: no cover - overridden
        return iter(())

    def check_project(self, ctx: Any) -> Iterator[Any]:  # pragma: no cover - overridden by program rules
        """Program-level rules: yield Diagnostics from a :class:`seedlint.project.analysis.ProjectContext`."""
        return iter(())

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> Dict[str, str]:
        out: Dict[str, str] = {}
        current: Optional[str] = None
        for line in cls.doc().splitlines():
            stripped = line.strip()
            if stripped.startswith("## "):
                current = stripped[3:].strip()
                out[current] = ""
            elif current is not None:
                out[current] += line + "\n"
        return {k: v.strip() for k, v in out.items()}

    @classmethod
    def family(cls) -> str:
        return cls.__module__.split(".")[-2]
