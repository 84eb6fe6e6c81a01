"""Match a call against the nondeterministic-op table (generated from torch's own docstring).

A call matches an op when its resolved name is one of the op's call forms, or (in a file that imports
torch) when it is a method call on an object of unknown type whose method name is one of the op's
Tensor methods *and* that name is distinctive to torch (``index_add_``, ``scatter_add_`` ...); common
names such as ``median`` or ``cumsum`` on an unknown object are not taken for tensor methods. Then the
op's condition must be shown by the call (``accumulate=True``, ``mode='bilinear'``, ``weights=``);
conditions a call cannot show (input requires grad, dtype, sparse input) never match.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional

from seedlint.knowledge import ops as _ops

# Tensor method names that numpy arrays, pandas objects and Python containers do not have.
TORCH_DISTINCTIVE_METHODS = frozenset({
    "index_add", "index_add_", "index_put", "index_put_", "index_copy", "index_copy_", "put_",
    "scatter_add", "scatter_add_", "scatter_reduce", "scatter_reduce_", "scatter", "scatter_", "histc",
    "index_select", "repeat_interleave", "bincount", "median",
})
# among them, names that are too generic unless the call shows a torch-only argument
_NEEDS_TORCH_KWARG = {"median": "dim", "bincount": "weights"}


def _literal(node: Optional[ast.AST]) -> Any:
    from seedlint.project.facts import literal

    return literal(node)


def _form_key(op: Dict[str, Any], name: Optional[str], method: Optional[str]) -> str:
    return name if name is not None else (method or "")


def _shows(site: Any, cond: Dict[str, Any], form: str) -> bool:
    kind = cond["kind"]
    if kind == "always":
        return True
    if kind == "not_visible":
        return False
    pos = (cond.get("positions") or {}).get(form)
    arg = site.arg(pos, cond["name"]) if pos is not None else site.kwarg(cond["name"])
    if kind == "kwarg_given":
        return arg is not None and _literal(arg) is not None
    if kind == "arg_is_tensor":
        if arg is None:
            return False
        v = _literal(arg)
        return v is ...  # a name or an expression: a tensor; a number literal is a scalar value
    if kind in ("kwarg_equals", "kwarg_in"):
        if arg is None:
            value = cond.get("default")
            if value is None:
                return False
        else:
            value = _literal(arg)
            if value is ...:
                return False  # not a literal: the call does not show the condition
        if kind == "kwarg_equals":
            return value == cond["value"] and type(value) is type(cond["value"])
        return value in cond["values"]
    return False


def has_call_form(name: str) -> bool:
    """Is ``name`` one of the call forms of some op in the table?"""
    return name in _ops.ops_by_call_form()


def match_ops(site: Any, name: Optional[str], method: Optional[str], imports_torch: bool) -> List[Dict[str, Any]]:
    """The ops of the table this call reaches, with their condition shown by the call."""
    if name is not None:
        candidates = _ops.ops_by_call_form().get(name)
        form = name
    elif method is not None and imports_torch and method in TORCH_DISTINCTIVE_METHODS:
        need = _NEEDS_TORCH_KWARG.get(method)
        if need is not None and site.kwarg(need) is None:
            return []
        candidates = _ops.ops_by_method().get(method)
        form = method
    else:
        return []
    if not candidates:
        return []
    out = []
    for op in candidates:
        cond = _ops.condition_for(op, form)
        if _shows(site, cond, form):
            out.append(op)
    return out
