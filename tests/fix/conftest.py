"""Helpers for the ``seedlint fix`` tests: a small project in a temporary folder, fixed in-process."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Dict, Optional, Union

import pytest

from seedlint.fix import FixReport, fix_paths
from tests.helpers import write_project

PYPROJECT = "[project]\nname = 'case'\nversion = '0'\n"


class Proj:
    """A project folder; ``fix()`` runs ``seedlint fix`` on it (cwd = the folder) and returns the report."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: Union[str, Dict[str, str]], path: str = "case.py", pyproject: str = PYPROJECT) -> "Proj":
        write_project(self.root, files, path, pyproject=pyproject)
        return self

    def read(self, rel: str = "case.py") -> str:
        return (self.root / rel).read_bytes().decode("utf-8")

    def fix(self, *paths: str, **kw) -> FixReport:
        kw.setdefault("no_cache", True)
        kw.setdefault("jobs", 1)
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            report = fix_paths([self.root / p for p in paths] or [self.root], **kw)
        finally:
            os.chdir(cwd)
        for text in report.fixed.values():
            ast.parse(text)
        return report

    def remaining(self, report: FixReport, code: Optional[str] = None):
        return [(d, why) for d, why in report.remaining if code is None or d.code == code]


@pytest.fixture
def proj(tmp_path) -> Proj:
    return Proj(tmp_path / "proj")
