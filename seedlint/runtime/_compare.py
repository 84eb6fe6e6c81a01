"""Exact, structural comparison of results: tensors, arrays, numbers, containers, state_dicts.

Used by :func:`seedlint.runtime.assert_reproducible` and by ``seedlint verify`` for tensor artifacts. Values are
equal when they have the same type, dtype and shape and equal elements, NaN counting as equal to NaN
(``0.0`` and ``-0.0`` are equal, as ``==`` says).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import sys
from typing import Any, List, Optional, Sequence, Tuple


@dataclasses.dataclass
class Difference:
    """The first difference found: where (``path``), what (``detail``) and, for numeric values, how much."""

    path: str
    detail: str
    max_abs_diff: Optional[float] = None
    #: the path over which ``max_abs_diff`` was taken (a whole tensor or array), when not ``path`` itself
    max_over: Optional[str] = None
    differing: Optional[Tuple[int, int]] = None  # (elements that differ, elements in all)

    def describe(self) -> str:
        """One line: ``path: detail (largest absolute difference ...)``."""
        text = f"{self.path}: {self.detail}"
        extras = []
        if self.max_abs_diff is not None:
            where = f" in {self.max_over}" if self.max_over and self.max_over != self.path else ""
            extras.append(f"largest absolute difference{where}: {_fmt_float(self.max_abs_diff)}")
        if self.differing is not None:
            extras.append(f"{self.differing[0]} of {self.differing[1]} elements differ")
        if extras:
            text += " (" + "; ".join(extras) + ")"
        return text


def _fmt_float(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else str(value)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StateSnapshot:
    """A frozen ``state_dict()`` of a module (``kind == "module"``) or another stateful object."""

    def __init__(self, kind: str, type_name: str, state: Any) -> None:
        self.kind, self.type_name, self.state = kind, type_name, state


def _torch() -> Any:
    return sys.modules.get("torch")


def _numpy() -> Any:
    return sys.modules.get("numpy")


def _is_tensor(obj: Any) -> bool:
    torch = _torch()
    return torch is not None and isinstance(obj, torch.Tensor)


def _is_ndarray(obj: Any) -> bool:
    np = _numpy()
    return np is not None and isinstance(obj, np.ndarray)


def _is_np_scalar(obj: Any) -> bool:
    np = _numpy()
    return np is not None and isinstance(obj, np.generic)


def _is_module(obj: Any) -> bool:
    torch = _torch()
    return torch is not None and isinstance(obj, torch.nn.Module)


def _has_state_dict(obj: Any) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "state_dict", None))


def snapshot(obj: Any, _depth: int = 0) -> Any:
    """Copy ``obj`` so that later mutation (a model trained further, a reused buffer) cannot change it.

    Tensors are detached and cloned to the CPU, arrays copied, modules and other objects with
    ``state_dict()`` replaced by a :class:`StateSnapshot` of it, containers copied recursively.
    """
    if _depth > 100:
        return obj
    if _is_tensor(obj):
        tensor = obj.detach()
        if tensor.device.type != "meta":
            tensor = tensor.cpu()
        return tensor.clone()
    if _is_ndarray(obj):
        return obj.copy()
    if _is_module(obj):
        return StateSnapshot("module", type(obj).__qualname__, snapshot(obj.state_dict(), _depth + 1))
    if isinstance(obj, dict):
        items = [(k, snapshot(v, _depth + 1)) for k, v in obj.items()]
        try:
            return type(obj)(items)
        except Exception:
            return dict(items)
    if isinstance(obj, (list, tuple)):
        items = [snapshot(v, _depth + 1) for v in obj]
        if isinstance(obj, list):
            return items
        if hasattr(obj, "_fields"):  # namedtuple
            return type(obj)(*items)
        try:
            return type(obj)(items)
        except Exception:
            return tuple(items)
    if _has_state_dict(obj) and not dataclasses.is_dataclass(obj):
        try:
            state = obj.state_dict()
        except Exception:
            state = None
        if state is not None:
            return StateSnapshot("state_dict", type(obj).__qualname__, snapshot(state, _depth + 1))
    try:
        return copy.deepcopy(obj)
    except Exception:
        return obj


def _state_key_path(path: str, key: Any) -> str:
    """``result`` + ``"0.weight"`` -> ``result[0].weight`` (how one reaches it from the module)."""
    if not isinstance(key, str):
        return f"{path}[{key!r}]"
    out = path
    for part in key.split("."):
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out


def _unravel(flat_index: int, shape: Sequence[int]) -> List[int]:
    index = []
    for size in reversed(shape):
        index.append(flat_index % size if size else 0)
        flat_index = flat_index // size if size else 0
    return list(reversed(index))


def _index_path(path: str, index: Sequence[int]) -> str:
    if not index:
        return path
    return f"{path}[{', '.join(str(i) for i in index)}]"


def _compare_tensors(a: Any, b: Any, path: str) -> Optional[Difference]:
    torch = _torch()
    if a.dtype != b.dtype:
        return Difference(path, f"dtype {a.dtype} vs {b.dtype}")
    if tuple(a.shape) != tuple(b.shape):
        return Difference(path, f"shape {tuple(a.shape)} vs {tuple(b.shape)}")
    if a.device.type == "meta" or b.device.type == "meta":
        return None if a.device == b.device else Difference(path, f"device {a.device} vs {b.device}")
    shape = tuple(a.shape)
    a, b = a.detach(), b.detach()
    if a.is_sparse:
        a = a.to_dense()
    if b.is_sparse:
        b = b.to_dense()
    if a.is_quantized:
        a = a.dequantize()
    if b.is_quantized:
        b = b.dequantize()
    a, b = a.cpu().reshape(-1), b.cpu().reshape(-1)
    if a.is_floating_point() or a.is_complex():
        eq = (a == b) | (torch.isnan(a) & torch.isnan(b))
    else:
        eq = a == b
    if bool(eq.all()):
        return None
    bad = (~eq).nonzero()
    first = int(bad[0][0])
    leaf = _index_path(path, _unravel(first, shape))
    va, vb = a[first].item(), b[first].item()
    if a.dtype == torch.bool:
        a, b = a.to(torch.int8), b.to(torch.int8)
    wide = torch.complex128 if a.is_complex() else torch.float64
    diff = (a.to(wide) - b.to(wide)).abs().masked_fill(eq, 0.0)
    return _numeric_summary(leaf, path, va, vb, [float(x) for x in diff[~eq].tolist()], int(bad.shape[0]),
                            int(a.numel()))


def _numeric_summary(leaf: str, whole: str, va: Any, vb: Any, diffs: List[float], n_bad: int,
                     n_all: int) -> Difference:
    finite = [d for d in diffs if math.isfinite(d)]
    detail = f"{va!r} vs {vb!r}"
    if len(finite) < len(diffs):
        detail += f"; {len(diffs) - len(finite)} element(s) differ by NaN or infinity"
    max_abs = max(finite) if finite else None
    return Difference(leaf, detail, max_abs, whole, (n_bad, n_all) if n_all > 1 else None)


def _compare_arrays(a: Any, b: Any, path: str) -> Optional[Difference]:
    np = _numpy()
    if a.dtype != b.dtype:
        return Difference(path, f"dtype {a.dtype} vs {b.dtype}")
    if a.shape != b.shape:
        return Difference(path, f"shape {a.shape} vs {b.shape}")
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    kind = a.dtype.kind
    if kind == "O":
        for i in range(flat_a.size):
            found = first_difference(flat_a[i], flat_b[i], _index_path(path, _unravel(i, a.shape)))
            if found is not None:
                return found
        return None
    if kind in "fc":
        eq = (flat_a == flat_b) | (np.isnan(flat_a) & np.isnan(flat_b))
    else:
        eq = np.asarray(flat_a == flat_b, dtype=bool).reshape(-1)
        if eq.shape != flat_a.shape:  # structured dtypes that compare as a whole
            return None if bool(np.all(eq)) else Difference(path, "arrays differ")
    if bool(eq.all()):
        return None
    bad = np.flatnonzero(~eq)
    first = int(bad[0])
    leaf = _index_path(path, _unravel(first, a.shape))
    va, vb = flat_a[first].item(), flat_b[first].item()
    if kind not in "biufc":
        return Difference(leaf, f"{_short(va)} vs {_short(vb)}", None, path, (int(bad.size), int(flat_a.size)))
    if kind == "b":
        fa, fb = flat_a.astype(np.int8), flat_b.astype(np.int8)
    else:
        fa, fb = flat_a, flat_b
    wide = np.complex128 if kind == "c" else np.float64
    with np.errstate(all="ignore"):
        diff = np.abs(fa.astype(wide) - fb.astype(wide))[~eq]
    return _numeric_summary(leaf, path, va, vb, [float(x) for x in diff], int(bad.size), int(flat_a.size))


def _same_float(x: float, y: float) -> bool:
    return x == y or (math.isnan(x) and math.isnan(y))


def _compare_numbers(a: Any, b: Any, path: str) -> Optional[Difference]:
    if a == b:
        return None
    try:
        if math.isnan(a) and math.isnan(b):  # complex has no isnan in math: falls through
            return None
    except TypeError:
        if isinstance(a, complex) and isinstance(b, complex) and _same_float(a.real, b.real) and _same_float(
                a.imag, b.imag):
            return None
    try:
        delta = abs(complex(a) - complex(b))
        max_abs: Optional[float] = float(delta) if math.isfinite(delta) else None
    except (TypeError, OverflowError, ValueError):
        max_abs = None
    return Difference(path, f"{a!r} vs {b!r}", max_abs)


_NUMBER_TYPES = (bool, int, float, complex)


def first_difference(a: Any, b: Any, path: str = "result") -> Optional[Difference]:
    """Return the first :class:`Difference` between ``a`` and ``b`` (depth first, in order), or ``None``.

    Understands torch tensors, NumPy arrays and scalars, Python numbers (NaN equal to NaN), str/bytes/None,
    lists, tuples, dicts, sets, dataclasses, ``nn.Module`` (by ``state_dict()``, keys shown as attribute paths:
    ``result[0].weight``), other objects with ``state_dict()``, and objects whose ``__eq__`` is the default
    (by their attributes). Raises ``TypeError`` for a pair it cannot compare.
    """
    if isinstance(a, StateSnapshot) or isinstance(b, StateSnapshot):
        if not (isinstance(a, StateSnapshot) and isinstance(b, StateSnapshot)):
            return Difference(path, f"type {_type_name(a)} vs {_type_name(b)}")
        if (a.kind, a.type_name) != (b.kind, b.type_name):
            return Difference(path, f"type {a.type_name} vs {b.type_name}")
        return _compare_state(a.kind, a.state, b.state, path)
    if _is_module(a) or _is_module(b):
        if type(a) is not type(b):
            return Difference(path, f"type {_type_name(a)} vs {_type_name(b)}")
        return _compare_state("module", a.state_dict(), b.state_dict(), path)
    if _is_tensor(a) or _is_tensor(b):
        if not (_is_tensor(a) and _is_tensor(b)):
            return Difference(path, f"type {_type_name(a)} vs {_type_name(b)}")
        return _compare_tensors(a, b, path)
    if _is_ndarray(a) or _is_ndarray(b):
        if not (_is_ndarray(a) and _is_ndarray(b)):
            return Difference(path, f"type {_type_name(a)} vs {_type_name(b)}")
        return _compare_arrays(a, b, path)
    if type(a) is not type(b):
        return Difference(path, f"type {_type_name(a)} vs {_type_name(b)}: {_short(a)} vs {_short(b)}")
    if _is_np_scalar(a):
        return _compare_arrays(_numpy().asarray(a), _numpy().asarray(b), path)
    if isinstance(a, _NUMBER_TYPES):
        return _compare_numbers(a, b, path)
    if a is None or isinstance(a, (str, bytes, bytearray)):
        return None if a == b else Difference(path, f"{_short(a)} vs {_short(b)}")
    if isinstance(a, dict):
        return _compare_dicts(a, b, path, lambda p, k: f"{p}[{k!r}]")
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return Difference(path, f"length {len(a)} vs {len(b)}")
        fields = getattr(a, "_fields", None)
        for i, (x, y) in enumerate(zip(a, b)):
            sub = f"{path}.{fields[i]}" if fields and i < len(fields) else f"{path}[{i}]"
            found = first_difference(x, y, sub)
            if found is not None:
                return found
        return None
    if isinstance(a, (set, frozenset)):
        if a == b:
            return None
        only_a, only_b = _sorted_repr(a - b), _sorted_repr(b - a)
        return Difference(path, f"sets differ: only in the first: {only_a}; only in the second: {only_b}")
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            found = first_difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
            if found is not None:
                return found
        return None
    if _has_state_dict(a):
        return _compare_state("state_dict", a.state_dict(), b.state_dict(), f"{path}.state_dict()")
    if type(a).__eq__ is object.__eq__:
        attrs_a, attrs_b = getattr(a, "__dict__", None), getattr(b, "__dict__", None)
        if attrs_a is None or attrs_b is None:
            raise TypeError(f"cannot compare two {_type_name(a)} objects at {path}: they define no __eq__ and "
                            "hold no attributes")
        return _compare_dicts(attrs_a, attrs_b, path, lambda p, k: f"{p}.{k}")
    try:
        equal = a == b
    except Exception as exc:
        raise TypeError(f"cannot compare two {_type_name(a)} objects at {path}: {exc}") from exc
    if not isinstance(equal, bool):
        raise TypeError(f"cannot compare two {_type_name(a)} objects at {path}: == returned {_type_name(equal)}")
    return None if equal else Difference(path, f"{_short(a)} vs {_short(b)}")


def _sorted_repr(items: Any) -> str:
    reprs = sorted(repr(x) for x in items)
    text = ", ".join(reprs[:5]) + (", ..." if len(reprs) > 5 else "")
    return "{" + text + "}"


def _compare_state(kind: str, a: Any, b: Any, path: str) -> Optional[Difference]:
    if kind == "module" and isinstance(a, dict) and isinstance(b, dict):
        return _compare_dicts(a, b, path, _state_key_path)
    return first_difference(a, b, path)


def _compare_dicts(a: Any, b: Any, path: str, child: Any) -> Optional[Difference]:
    keys_b = set(b.keys())
    for key in a:
        if key not in keys_b:
            return Difference(child(path, key), "present in the first, missing in the second")
    keys_a = set(a.keys())
    for key in b:
        if key not in keys_a:
            return Difference(child(path, key), "missing in the first, present in the second")
    for key in a:
        found = first_difference(a[key], b[key], child(path, key))
        if found is not None:
            return found
    return None


def _type_name(obj: Any) -> str:
    klass = type(obj)
    module = klass.__module__
    return klass.__qualname__ if module in ("builtins", "__main__") else f"{module}.{klass.__qualname__}"
