"""Skip freeing what a one-shot command built, when the process exits right after.

Freeing the project analysis (every file's facts, every summary) is a walk over millions of small objects:
about a tenth of a run that re-analyses the project. The console entry point turns retention on, keeps
those objects here, and ends the process with ``os._exit`` once its output is flushed, as mypy does, so
nothing is freed one object at a time. Library callers (tests, the fixer, editors) never turn it on:
their objects are freed as usual.
"""

from __future__ import annotations

from typing import Any, List, Optional

_KEPT: Optional[List[Any]] = None


def enable() -> None:
    global _KEPT
    if _KEPT is None:
        _KEPT = []


def keep(obj: Any) -> None:
    """Hold ``obj`` until the process ends, when retention is on."""
    if _KEPT is not None:
        _KEPT.append(obj)
