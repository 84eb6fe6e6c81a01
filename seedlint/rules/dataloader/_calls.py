"""What SDL206 and SDL207 share: a call's resolved name, looked up when a rule first asks for it."""

from __future__ import annotations

import ast
from typing import Dict, Optional

from seedlint.project.facts import FileContext, Scope

# builtins that make a list or tuple of an iterable's items, in the iterable's order
LIST_MAKERS = frozenset({"list", "tuple", "builtins.list", "builtins.tuple"})


def call_name(ctx: FileContext, call: ast.Call, scope: Scope, memo: Dict[int, Optional[str]]) -> Optional[str]:
    """The resolved name of ``call``'s callee (as ``CallSite.name``), memoised by node for one check."""
    key = id(call)
    if key not in memo:
        memo[key] = ctx.resolve(call.func, scope)
    return memo[key]
