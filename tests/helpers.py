"""Shared test helpers: write a small project to a folder and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from seedlint.api import check_paths
from seedlint.diagnostics import Diagnostic


def write_project(root: Path, code: Union[str, Dict[str, str]], path: str = "case.py",
                  pyproject: str = "[project]\nname = 'case'\nversion = '0'\n") -> List[Path]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    files = code if isinstance(code, dict) else {path: code}
    out = []
    for rel, src in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(src.encode("utf-8"))
        out.append(p)
    return out


def check(root: Path, select: Optional[Sequence[str]] = None, paths: Optional[Sequence[Path]] = None,
          **kw) -> List[Diagnostic]:
    res = check_paths(list(paths or [root]), select=select, no_cache=True, jobs=1, **kw)
    assert not res.errors, res.errors
    return res.diagnostics
