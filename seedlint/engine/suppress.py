"""``# noqa`` / ``# noqa: SDL101, SDL202`` on the reported line, and ``# seedlint: noqa`` for a file."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, Optional

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"#\s*seedlint\s*:\s*noqa\b(?!\s*:)", re.IGNORECASE)

NoqaMap = Dict[int, Optional[FrozenSet[str]]]  # line -> None (all codes) or the codes


def file_is_skipped(source: str) -> bool:
    """``# seedlint: noqa`` in the file's header: the comment lines before the first statement."""
    if _FILE_NOQA.search(source) is None:  # nowhere in the file: no need to split it into lines
        return False
    for line in source.splitlines()[:50]:
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            # a module docstring may come first; look no further than the header comments
            if stripped.startswith(('"""', "'''", 'r"""', "r'''")):
                continue
            return False
        if _FILE_NOQA.search(stripped):
            return True
    return False


def noqa_lines(source: str) -> NoqaMap:
    """Map each line carrying a ``# noqa`` comment to the codes it suppresses.

    Comments are found with the tokenizer, so ``"# noqa"`` inside a string does not count.
    """
    out: NoqaMap = {}
    if "noqa" not in source.lower():
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        m = _NOQA.search(tok.string)
        if not m:
            continue
        codes = m.group("codes")
        line = tok.start[0]
        if codes:
            parsed = frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)
            prev = out.get(line, frozenset())
            out[line] = None if prev is None else (prev | parsed)
        else:
            out[line] = None
    return out


def is_suppressed(noqa: NoqaMap, line: int, code: str) -> bool:
    if line not in noqa:
        return False
    codes = noqa[line]
    return codes is None or code in codes
