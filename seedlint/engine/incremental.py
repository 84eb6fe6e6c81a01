"""Answer a run where a few files changed from the previous project outcome, when that is exact.

The project analysis reads each file only through its per-file result (facts and single-file findings).
When a changed file's new result equals its old one except for line numbers, and the old line numbers
map one-to-one onto the new ones (comment lines, blank lines, docstrings, code that leaves no fact were
added, removed or edited), the analysis sees the same project with that file's lines renamed. It never
compares line numbers with each other except for equality, so every finding is the old one with its lines
mapped. The one exception is a message that quotes a line (SDL007 names the earlier use): such a finding
lists the places it quotes (``refs``), and when one of them moves the outcome is not reused.

A changed file whose other facts differ only in a few functions can still be answered from the previous
outcome when the analysis provably never looked at those functions (``inert_mapping``): the previous run
recorded, per file, every function it read or looked up by name (``Project.reads``). An edited function is
*inert* when neither its old nor its new version is among them, no class whose methods the analysis listed
holds it, it has no event of a kind the rules scan in every function (``analysis.SCANNED_KINDS``), and the
methods a call on an object of unknown type may reach are the same. The analysis then reads the same facts
in the same order as before, and the previous outcome is the answer with its lines mapped. Single-file
findings of such a file may change freely if their rule runs in the file pass alone and takes nothing
back (``rules._index.FILE_ONLY``); they are replaced by the new ones.

Anything else (a fact added, moved within its line, or changed in a function the analysis read; a file
added or removed; settings changed) runs the whole analysis again.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Dict, List, Optional, Set, Tuple

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
        self.added: List[int] = []  # old lines in the order they were paired (for attempt())

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
        self.added.append(old)
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

    def same_function(self, lid: str, old: Dict[str, Any], new: Dict[str, Any]) -> bool:
        if old.keys() != new.keys():
            return False
        pseudo = lid in _PSEUDO_FUNCTIONS  # their "line" is a constant, not a place
        for k, v in old.items():
            if k == "events":
                if not self.same_list(v, new[k], _EVENT_LINES):
                    return False
            elif k in _DEF_LINES and not pseudo:
                if not self.pair(v, new[k]):
                    return False
            elif v != new[k]:
                return False
        return True

    def attempt(self, lid: str, old: Dict[str, Any], new: Dict[str, Any]) -> bool:
        """``same_function``, leaving the mapping as it was when the answer is no."""
        mark = len(self.added)
        if self.same_function(lid, old, new):
            return True
        while len(self.added) > mark:
            del self.back[self.fwd.pop(self.added.pop())]
        return False

    def same_file_facts(self, fo: Dict[str, Any], fn: Dict[str, Any], reads: Optional[AbstractSet[str]] = None) -> bool:
        """Everything but the functions the same, lines mapped; with ``reads``, module-level names may be
        bound differently if the analysis never looked them up (it reads ``bindings`` only in
        ``Project._symbol``, which records the name)."""
        if list(fo) != list(fn):
            return False
        for key, value in fo.items():
            other = fn[key]
            if key == "imports":
                if not self.same_list(value, other, _EVENT_LINES):
                    return False
            elif key == "classes":
                if list(value) != list(other):
                    return False
                for cls, info in value.items():
                    if not self.same(info, other[cls], _DEF_LINES):
                        return False
            elif key == "bindings" and reads is not None:
                if any(name in reads for name in value.keys() ^ other.keys()):
                    return False
                if any(name in reads and other[name] != target for name, target in value.items() if name in other):
                    return False
            elif key != "functions" and value != other:
                return False
        return True


def line_mapping(old: Dict[str, Any], new: Dict[str, Any]) -> Optional[Dict[int, int]]:
    """Old line -> new line when two per-file results (``FileResult.to_json()``) differ only in line
    numbers, mapped one-to-one; None otherwise."""
    return _mapping(old, new, None, frozenset())


def inert_mapping(old: Dict[str, Any], new: Dict[str, Any], reads: AbstractSet[str],
                  file_only: AbstractSet[str]) -> Optional[Dict[int, int]]:
    """Old line -> new line when two per-file results differ, beyond line numbers, only in functions the
    project analysis did not read (``reads``: what it read of this file) and in findings of ``file_only``
    rules (see the module's docstring); None otherwise."""
    return _mapping(old, new, reads, file_only)


def _mapping(old: Dict[str, Any], new: Dict[str, Any], reads: Optional[AbstractSet[str]],
             file_only: AbstractSet[str]) -> Optional[Dict[int, int]]:
    """Both of the above: with ``reads`` None, every function must be the same."""
    m = _Mapping()
    if old.get("skipped") != new.get("skipped") or old.get("errors") != new.get("errors"):
        return None
    kept_old = [d for d in old.get("diagnostics") or () if d["code"] not in file_only]
    kept_new = [d for d in new.get("diagnostics") or () if d["code"] not in file_only]
    if not m.same_list(kept_old, kept_new, _DIAG_LINES):
        return None
    fo, fn = old.get("facts"), new.get("facts")
    if fo is None or fn is None:
        return m.fwd if fo is fn else None
    if not m.same_file_facts(fo, fn, reads):
        return None
    functions, other = fo["functions"], fn["functions"]
    if reads is None:
        if list(functions) != list(other):  # the same functions, in the same order
            return None
        if all(m.same_function(lid, fnc, other[lid]) for lid, fnc in functions.items()):
            return m.fwd
        return None
    from seedlint.project.analysis import SCANNED_KINDS

    edited: Set[str] = {lid for lid in functions if lid not in other} | {lid for lid in other if lid not in functions}
    for lid, fnc in functions.items():
        if lid not in edited and not m.attempt(lid, fnc, other[lid]):
            edited.add(lid)
    if [lid for lid in functions if lid not in edited] != [lid for lid in other if lid not in edited]:
        return None  # the others in another order
    for lid in edited:
        for fnc in (functions.get(lid), other.get(lid)):
            if fnc is None:
                continue
            cls = fnc.get("class")
            if lid in reads or (cls is not None and "@" + cls in reads):
                return None
            if any(ev["k"] in SCANNED_KINDS for ev in fnc["events"]):
                return None
    if _unknown_call_targets(fo) != _unknown_call_targets(fn):
        return None
    return m.fwd


def _unknown_call_targets(facts: Dict[str, Any]) -> List[Tuple[str, Any]]:
    """What a file adds to ``Project.methods_by_name``."""
    if not facts["ms"]:
        return []
    return [(lid, fnc["name"]) for lid, fnc in facts["functions"].items() if fnc.get("class") is not None]


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
