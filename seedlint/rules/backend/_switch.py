"""When a cuDNN flag is the user's switch (SDL101, SDL103): set under an ``if`` that reads a determinism or
benchmark setting, or inside a function named for what it sets."""

from __future__ import annotations

import ast
from typing import Sequence

from seedlint.project.facts import Scope

# words that name a determinism / benchmark-mode setting (`args.deterministic`, `cfg["cudnn_benchmark"]`)
SWITCH_WORDS = ("benchmark", "determinis", "reproducib")
# what a function named for turning deterministic mode off says (``unset_deterministic``, ``disable_determinism``)
SWITCH_OFF_WORDS = ("unset", "disable", "reset", "restore", "undo", "off")


def switched(tests: Sequence[ast.expr], words: Sequence[str] = SWITCH_WORDS) -> bool:
    """Does one of these ``if`` tests read a setting named with one of ``words`` (a name, an attribute, a
    string key: ``if args.deterministic:``, ``if env_cfg.get("cudnn_benchmark"):``)? Then what the branch
    sets is the user's switch, as ``cudnn.benchmark = args.benchmark`` is."""
    for test in tests:
        for n in ast.walk(test):
            t = type(n)
            word = (n.id if t is ast.Name else n.attr if t is ast.Attribute  # type: ignore[attr-defined]
                    else n.value if t is ast.Constant and type(n.value) is str else None)  # type: ignore[attr-defined]
            if word is not None and any(w in word.lower() for w in words):
                return True
    return False


def switch_function(scope: Scope, words: Sequence[str], also: Sequence[str] = ()) -> bool:
    """Is this code in a function named for what it sets (``enable_cudnn_benchmark``; with ``also``,
    ``unset_deterministic``)? It runs when the user asks for that: the function is the switch."""
    if scope.kind != "function":
        return False
    low = scope.local_id.lower()
    return any(w in low for w in words) and (not also or any(w in low for w in also))
