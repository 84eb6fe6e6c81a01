"""Small frozen value types shared by the engine, the rules and the output formats."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


class FixSafety(str, enum.Enum):
    """How sure a fix is to keep the program's meaning.

    SAFE fixes apply by default; UNSAFE ones (those that change which random numbers a program
    draws, for instance) need ``--unsafe-fixes``; NONE means the rule has no automatic fix.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. ``line`` and ``col`` are 1-based; ``col`` counts characters, not bytes."""

    path: str
    line: int
    col: int
    code: str
    message: str
    end_line: int = 0
    end_col: int = 0
    fix: FixSafety = field(default=FixSafety.NONE, compare=False)
    # places the message quotes, as (path, line): the cache must not reuse the message once they move
    refs: Tuple[Tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line or self.line,
            "end_col": self.end_col or self.col,
            "code": self.code,
            "message": self.message,
            "fix": self.fix.value,
        }

    def with_path(self, path: str) -> "Diagnostic":
        return Diagnostic(path, self.line, self.col, self.code, self.message, self.end_line, self.end_col, self.fix,
                          self.refs)



@dataclass(frozen=True)
class InternalError:
    """A rule crashed on a file: reported, and the run exits 2, without losing other findings."""

    path: str
    rule: Optional[str]
    message: str
