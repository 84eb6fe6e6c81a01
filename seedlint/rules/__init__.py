"""Rule registry: every ``Rule`` subclass in ``seedlint/rules/<family>/*.py``, by code."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Set

if TYPE_CHECKING:  # pragma: no cover
    from seedlint.rules.base import Rule

_FAMILIES = ("syntax", "seeding", "backend", "dataloader", "ops")


@lru_cache(maxsize=None)
def all_rules() -> Dict[str, "Rule"]:
    from seedlint.rules.base import Rule

    rules: Dict[str, Rule] = {}
    for family in _FAMILIES:
        pkg = importlib.import_module(f"seedlint.rules.{family}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"seedlint.rules.{family}.{info.name}")
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod.__name__:
                    if obj.code in rules:
                        raise RuntimeError(f"duplicate rule code {obj.code}")
                    rules[obj.code] = obj()
    return dict(sorted(rules.items()))


def rule_defaults() -> Dict[str, bool]:
    """Every rule code -> on by default, from the table in ``_index.py`` (no rule module is imported)."""
    from seedlint.rules._index import DEFAULTS

    return DEFAULTS


def is_known_selector(sel: str) -> bool:
    sel = sel.strip().upper()
    if sel == "ALL":
        return True
    return any(code.startswith(sel) for code in rule_defaults())


def _matching(selectors: Iterable[str]) -> Set[str]:
    out: Set[str] = set()
    codes = rule_defaults()
    for sel in selectors:
        s = sel.strip().upper()
        for code in codes:
            if s == "ALL" or code.startswith(s):
                out.add(code)
    return out


def resolve_selection(
    select: Optional[Sequence[str]], extend_select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Set[str]:
    """Enabled codes: ``select`` (default: every rule enabled by default) + extend - ignore.

    As in ruff, a more specific selector wins: ``--ignore SDL1 --select SDL101`` keeps SDL101.
    """
    codes = rule_defaults()
    if select:
        chosen = _matching(select)
    else:
        chosen = {c for c, on in codes.items() if on}
    chosen |= _matching(extend_select)
    for sel in ignore:
        s = sel.strip().upper()
        for code in list(chosen):
            if s == "ALL" or code.startswith(s):
                # keep it if a longer (more specific) select names it
                more_specific = [x for x in (*(select or ()), *extend_select) if code.startswith(x.strip().upper())
                                 and len(x.strip()) > len(s)]
                if not more_specific:
                    chosen.discard(code)
    if "SDL000" not in {i.strip().upper() for i in ignore}:
        chosen.add("SDL000")  # a file that cannot be read or parsed is reported unless ignored by name
    return chosen


def rules_for(codes: Iterable[str]) -> List["Rule"]:
    r = all_rules()
    return [r[c] for c in sorted(codes) if c in r]
