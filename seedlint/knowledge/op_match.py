"""Match a call against the nondeterministic-op table (generated from torch's own docstring).

A call matches an op when its resolved name is one of the op's call forms, or (in a file that imports
torch) when it is a method call on an object of unknown type whose method name is one of the op's
Tensor methods *and* that name is distinctive to torch (``index_add_``, ``scatter_add_`` ...); common
names such as ``median`` or ``cumsum`` on an unknown object are not taken for tensor methods. Then the
op's condition must be shown by the call (``accumulate=True``, ``mode='bilinear'``, ``weights=``);
conditions a call cannot show (dtype, sparse input) never match. An op nondeterministic only on an input that
requires grad (``torch.gather``: its backward is a ``scatter_add``) is matched as the ops nondeterministic "when
attempting to differentiate" are: the caller reports it only where the call is visibly differentiated.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, List, Optional

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


# methods whose result is a Python number, not a tensor (`x.size(0)`, `n.item()`)
_NUMBER_METHODS = frozenset({"size", "numel", "item", "dim", "__len__", "count", "index", "bit_length", "get"})
# tensor factories called by a bare name (`from torch import tensor`)
_TENSOR_FACTORIES = frozenset({"tensor", "as_tensor", "from_numpy", "full", "arange", "bincount", "LongTensor",
                               "IntTensor", "randint", "ones", "zeros"})


def _makes_tensor(e: ast.AST) -> bool:
    """Is ``e`` visibly a tensor: a call of a Tensor method (``lengths.long()``, ``mask.sum(1)``), of
    ``torch.*`` or a tensor factory? A number, a name or an attribute is not taken for one (``repeats`` is
    a count of heads or a patch size far more often than a tensor of counts)."""
    if type(e) is not ast.Call:
        return False
    func = e.func  # type: ignore[attr-defined]
    if type(func) is ast.Attribute:
        return func.attr not in _NUMBER_METHODS
    return type(func) is ast.Name and func.id in _TENSOR_FACTORIES


def _class_axis_moved(e: Any) -> bool:
    """Is ``e`` visibly a tensor of more than 2 dimensions laid out (N, C, ...) for a loss: ``x.transpose(1, 2)``
    (axis 1 swapped with a later one, given as an int other than 0, 1 and -2), ``x.permute(0, 2, 1)`` (three or
    more axes), or einops' ``rearrange(x, "b n c -> b c n")`` (three or more axes out)?"""
    if type(e) is not ast.Call:
        return False
    func = e.func
    args = e.args
    if type(func) is ast.Attribute and func.attr in ("transpose", "swapaxes", "swapdims") and len(args) == 2:
        dims = [_literal(a) for a in args]
        if all(type(d) is int for d in dims) and 1 in dims:
            other = dims[1] if dims[0] == 1 else dims[0]
            return other not in (0, 1, -2)
        return False
    if type(func) is ast.Attribute and func.attr == "permute":
        dims = args[0].elts if len(args) == 1 and type(args[0]) in (ast.Tuple, ast.List) else args
        return len(dims) >= 3 and all(type(_literal(d)) is int for d in dims)
    leaf = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
    if leaf == "rearrange" and len(args) >= 2:
        pattern = _literal(args[1])
        if type(pattern) is str and "->" in pattern:
            out = pattern.split("->", 1)[1]
            depth, axes, token = 0, 0, False
            for ch in out:
                if ch == "(":
                    if depth == 0:
                        axes += 1
                    depth += 1
                elif ch == ")":
                    depth -= 1
                elif ch.isspace():
                    token = False
                elif depth == 0 and not token:
                    axes += 1
                    token = True
                if ch in "()":
                    token = False
            return axes >= 3
    return False


def _shows(site: Any, cond: Dict[str, Any], form: str, values_of: Optional[Callable[..., List[Any]]] = None) -> bool:
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
    if kind == "input_not_2d":
        if arg is None:
            return False
        values = values_of(arg, site.scope) if values_of is not None else [arg]
        return any(_class_axis_moved(v) for v in values)
    if kind == "arg_makes_tensor":
        if arg is None:
            return False
        values = values_of(arg, site.scope) if values_of is not None else [arg]
        return any(_makes_tensor(v) for v in values)
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


def match_ops(site: Any, name: Optional[str], method: Optional[str], imports_torch: bool,
              values_of: Optional[Callable[..., List[Any]]] = None) -> List[Dict[str, Any]]:
    """The ops of the table this call reaches, with their condition shown by the call (``values_of``: what a
    local name was assigned, for a condition on an argument's value)."""
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
    if name in _GLOBAL_POOL_SIZE_ARG and _all_ones(site.arg(_GLOBAL_POOL_SIZE_ARG[name], "output_size")):
        return []
    out = []
    for op in candidates:
        cond = _ops.condition_for(op, form)
        if cond.get("reason") == _REQUIRES_GRAD:
            # "when called on a CUDA tensor that requires grad" (torch.gather): what varies is the backward, a
            # scatter_add (research table, entry 16), which runs where the call is differentiated: matched as
            # the ops "when attempting to differentiate" are, and judged by the caller the same way
            if not _constant_source(site, op, method is not None):
                out.append({**op, "backward_only": True})
        elif _shows(site, cond, form, values_of) and not _constant_source(site, op, method is not None):
            out.append(op)
    return out


_REQUIRES_GRAD = "input requires grad"


# Adaptive average pooling to one value per channel is a mean over the spatial dimensions, with a
# deterministic backward: aten/src/ATen/native/AdaptiveAveragePooling.cpp (adaptive_avg_pool2d_symint:
# `output_size[0] == 1 && output_size[1] == 1` -> `input.mean({-1, -2}, keepdim)`, for every device but XPU
# and quantized input) and AdaptiveAveragePooling3d.cpp (the same for 1x1x1). Where the output size sits.
_GLOBAL_POOL_SIZE_ARG = {
    "torch.nn.AdaptiveAvgPool2d": 0, "torch.nn.AdaptiveAvgPool3d": 0,
    "torch.nn.functional.adaptive_avg_pool2d": 1, "torch.nn.functional.adaptive_avg_pool3d": 1,
}


def _all_ones(arg: Optional[ast.AST]) -> bool:
    """An output size of literal ones: ``1``, ``(1, 1)``, ``[1, 1, 1]``."""
    if arg is None:
        return False
    if isinstance(arg, (ast.Tuple, ast.List)):
        return bool(arg.elts) and all(_literal(e) == 1 and _literal(e) is not True for e in arg.elts)
    v = _literal(arg)
    return v == 1 and v is not True


# The tensor of values an accumulating or scattering op writes: (keyword, position in a Tensor-method call,
# position in a `torch.` function call, which takes the input first). torch 2.13 signatures.
SOURCE_ARG = {
    "torch.Tensor.scatter": ("src", 2, 3), "torch.Tensor.scatter_add_": ("src", 2, 3),
    "torch.Tensor.scatter_reduce": ("src", 2, 3), "torch.index_add": ("source", 2, 3),
    "torch.Tensor.index_put": ("values", 1, 2), "torch.Tensor.put_": ("source", 1, 2),
}
# calls that make a tensor holding one value everywhere
_FILLS = frozenset({"zeros_like", "ones_like", "full_like", "zeros", "ones", "full", "new_zeros", "new_ones",
                    "new_full"})
# what keeps a tensor holding one value everywhere
_KEEPS_FILL = frozenset({"to", "float", "double", "half", "bfloat16", "long", "int", "type", "type_as", "expand",
                         "expand_as", "view", "reshape", "unsqueeze", "squeeze", "contiguous", "detach", "clone",
                         "cuda", "flatten"})


_ACCUMULATING = frozenset({"torch.Tensor.scatter_add_", "torch.Tensor.scatter_reduce", "torch.index_add"})
# fills whose sums are exact (counts of ones below 2**24 in float32; zeros), whatever order they are added in
_EXACT_FILLS = frozenset({"zeros_like", "ones_like", "zeros", "ones", "new_zeros", "new_ones"})


def _constant_source(site: Any, op: Dict[str, Any], is_method: bool) -> bool:
    """Does the op write a tensor that holds one value everywhere (``torch.zeros_like(idx)``, ``c * ones(n)``)?
    Then which duplicate index wins a scatter does not matter. An accumulation may add partial sums of
    different sizes in any order, which rounds differently unless every sum is exact: for those only zeros
    and ones count (``torch.ones_like(idx)``: a count)."""
    spec = SOURCE_ARG.get(op["api"])
    if spec is None:
        return False
    kw, mpos, fpos = spec
    arg = site.arg(mpos if is_method else fpos, kw)
    if arg is None:
        return False
    cond = op.get("condition") or {}
    accumulates = (op["api"] in _ACCUMULATING or (cond.get("name") == "accumulate" and cond.get("value") is True)
                   or site.kwarg("reduce") is not None)  # scatter(..., reduce="add")
    return _is_fill(arg, exact=accumulates)


def _is_fill(e: ast.AST, exact: bool) -> bool:
    t = type(e)
    if t is ast.BinOp and not exact:  # c * ones_like(x), ones_like(x) * c, float("-inf") * ones(n) ...
        left, right = e.left, e.right  # type: ignore[attr-defined]
        return (_is_fill(left, exact) and _is_number(right)) or (_is_number(left) and _is_fill(right, exact))
    if t is ast.UnaryOp and not exact:
        return _is_fill(e.operand, exact)  # type: ignore[attr-defined]
    if t is not ast.Call:
        return False
    func = e.func  # type: ignore[attr-defined]
    leaf = func.attr if type(func) is ast.Attribute else (func.id if type(func) is ast.Name else "")
    if leaf in (_EXACT_FILLS if exact else _FILLS):
        return True
    return leaf in _KEEPS_FILL and type(func) is ast.Attribute and _is_fill(func.value, exact)


def _is_number(e: ast.AST) -> bool:
    v = _literal(e)
    if v is ... and type(e) is ast.Call and type(e.func) is ast.Name and e.func.id == "float":  # float("-inf")
        return bool(e.args) and isinstance(_literal(e.args[0]), str)  # type: ignore[attr-defined]
    return isinstance(v, (int, float)) and not isinstance(v, bool)
