"""Loader for the nondeterministic-op table (``nondeterministic_ops.json``).

The table is generated from the installed torch's ``torch.use_deterministic_algorithms``
docstring by ``scripts/gen_nondeterministic_ops.py``; do not edit the JSON by hand.
This module only reads JSON: it never imports torch or numpy.

Each op has ``call_forms`` (fully qualified callables; for classes the constructor call)
and ``methods`` (``torch.Tensor`` method names).  Its ``condition`` applies to every form
except those listed in ``condition_overrides`` (keyed by call form or method name); use
:func:`condition_for`.  Argument positions in a condition are per form, in ``positions``
(0-based as called in that form, not counting ``self`` for methods; ``None`` =
keyword-only); use :func:`arg_position`.

The returned objects are shared and cached: treat them as read-only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

TABLE_PATH = Path(__file__).with_name("nondeterministic_ops.json")


@lru_cache(maxsize=None)
def load_table() -> Dict[str, Any]:
    """The whole table: ``generated_by``, ``source`` (torch version, lines) and ``ops``."""
    with TABLE_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_ops() -> List[Dict[str, Any]]:
    """Every docstring entry, in docstring order (list (a) then list (b))."""
    return load_table()["ops"]


def _index(key: str) -> Dict[str, List[Dict[str, Any]]]:
    index: Dict[str, List[Dict[str, Any]]] = {}
    for op in load_ops():
        for name in op[key]:
            index.setdefault(name, []).append(op)
    return index


@lru_cache(maxsize=None)
def ops_by_call_form() -> Dict[str, List[Dict[str, Any]]]:
    """Fully qualified callable (``torch.nn.functional.pad``) -> ops it may reach."""
    return _index("call_forms")


@lru_cache(maxsize=None)
def ops_by_method() -> Dict[str, List[Dict[str, Any]]]:
    """``torch.Tensor`` method name (``index_put_``) -> ops it may reach."""
    return _index("methods")


def condition_for(op: Dict[str, Any], form: str) -> Dict[str, Any]:
    """The condition under which calling ``op`` through ``form`` reaches the op."""
    return op["condition_overrides"].get(form, op["condition"])


def arg_position(condition: Dict[str, Any], form: str) -> Optional[int]:
    """Positional index of the condition's argument in ``form`` (None: keyword only / n.a.)."""
    return condition.get("positions", {}).get(form)


def torch_version() -> str:
    """The torch version the table was generated from (e.g. ``2.13.0+cpu``)."""
    return load_table()["source"]["torch_version"]
