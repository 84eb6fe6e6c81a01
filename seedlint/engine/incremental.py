"""Answer a run where a few files changed from the previous project outcome, when that is exact.

The project analysis reads each file only through its per-file result (facts and single-file findings).
When a changed file's new result equals its old one except for line numbers, and the old line numbers
map one-to-one onto the new ones (comment lines, blank lines, docstrings, code that leaves no fact were
added, removed or edited), the analysis sees the same project with that file's lines renamed. It never
compares line numbers with each other except for equality, so every finding is the old one with its lines
mapped. The one exception is a message that quotes a line (SDL007 names the earlier use): such a finding
lists the places it quotes (``refs``), and when one of them moves the outcome is not reused.

Anything else (a fact added, moved within its line, or changed; a file added or removed; settings changed)
runs the whole analysis again.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

# per-file result fields, and the keys in them that hold line numbers
_DIAG_LINES = ("line", "end_line")
_EVENT_LINES = ("l",)
_DEF_LINES = ("line",)
_PSEUDO_FUNCTIONS = frozenset({"<module>", "<main>"})  # a module's top level and its __main__ block


class _Mapping:
    """Old line -> new line, one-to-one."""

    def __init__(self) -> None:
        self.fwd: Dict[int, int] = {}
        self.back: Dict[int, int] = {}

    def pair(self, old: Any, new: Any) -> bool:
        if type(old) is not int or type(new) is not int:
            return old == new
        seen = self.fwd.get(old)
        if seen is not None:
            return seen == new
        if new in self.back:
            return False
        self.fwd[old] = new
        self.back[new] = old
        return True

    def same(self, old: Dict[str, Any], new: Dict[str, Any], line_keys: Tuple[str, ...]) -> bool:
        if old.keys() != new.keys():
            return False
        for k, v in old.items():
            if k in line_keys:
                if not self.pair(v, new[k]):
                    return False
            elif v != new[k]:
                return False
        return True

    def same_list(self, old: List[Any], new: List[Any], line_keys: Tuple[str, ...]) -> bool:
        if len(old) != len(new):
            return False
        return all(type(a) is dict and type(b) is dict and self.same(a, b, line_keys) for a, b in zip(old, new))


def line_mapping(old: Dict[str, Any], new: Dict[str, Any]) -> Optional[Dict[int, int]]:
    """Old line -> new line when two per-file results (``FileResult.to_json()``) differ only in line
    numbers, mapped one-to-one; None otherwise."""
    m = _Mapping()
    if old.get("skipped") != new.get("skipped") or old.get("errors") != new.get("errors"):
        return None
    if not m.same_list(old.get("diagnostics") or [], new.get("diagnostics") or [], _DIAG_LINES):
        return None
    fo, fn = old.get("facts"), new.get("facts")
    if fo is None or fn is None:
        return m.fwd if fo is fn else None
    if list(fo) != list(fn):
        return None
    for key, value in fo.items():
        other = fn[key]
        if key == "imports":
            if not m.same_list(value, other, _EVENT_LINES):
                return None
        elif key == "functions":
            if list(value) != list(other):  # the same functions, in the same order
                return None
            for lid, fnc in value.items():
                nfn = other[lid]
                if fnc.keys() != nfn.keys():
                    return None
                pseudo = lid in _PSEUDO_FUNCTIONS  # their "line" is a constant, not a place
                for k, v in fnc.items():
                    if k == "events":
                        if not m.same_list(v, nfn[k], _EVENT_LINES):
                            return None
                    elif k in _DEF_LINES and not pseudo:
                        if not m.pair(v, nfn[k]):
                            return None
                    elif v != nfn[k]:
                        return None
        elif key == "classes":
            if list(value) != list(other):
                return None
            for cls, info in value.items():
                if not m.same(info, other[cls], _DEF_LINES):
                    return None
        elif value != other:
            return None
    return m.fwd


def remap_diagnostics(diags: List[Dict[str, Any]], mapping: Dict[int, int]) -> Optional[List[Dict[str, Any]]]:
    """The findings of one file with their lines mapped; None if a line is not in the mapping (then the
    outcome cannot be trusted to come from the facts alone)."""
    out = []
    for d in diags:
        line = mapping.get(d["line"])
        end = mapping.get(d.get("end_line", d["line"]))
        if line is None or end is None:
            return None
        out.append({**d, "line": line, "end_line": end})
    return out
