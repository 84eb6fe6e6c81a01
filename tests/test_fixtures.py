"""Snapshot tests over fixtures/: realistic scripts, clean programs and multi-file projects.

Each fixture script ``fixtures/scripts/x.py`` has ``x.expected`` beside it; each project
``fixtures/projects/p/`` has ``expected.txt``. Set ``SEEDLINT_UPDATE_SNAPSHOTS=1`` to rewrite them
(then review the diff: EXPECTED.md in each folder says why each finding is there).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest

from seedlint.api import check_paths

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
UPDATE = os.environ.get("SEEDLINT_UPDATE_SNAPSHOTS") == "1"


def _lines(diags, base: Path) -> List[str]:
    out = []
    for d in diags:
        rel = Path(d.path).resolve().relative_to(base).as_posix()
        out.append(f"{rel}:{d.line}:{d.col}: {d.code} {d.message}")
    return out


def _compare(snapshot: Path, lines: List[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    if UPDATE:
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), f"missing snapshot {snapshot} (run with SEEDLINT_UPDATE_SNAPSHOTS=1)"
    assert text == snapshot.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scripts_result():
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return check_paths([FIXTURES / "scripts"], no_cache=True)
    finally:
        os.chdir(cwd)


SCRIPTS = sorted((FIXTURES / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_snapshot(scripts_result, script):
    assert not scripts_result.errors
    mine = [d for d in scripts_result.diagnostics if Path(d.path).resolve() == script]
    _compare(script.with_suffix(".expected"), _lines(mine, script.parent))


def test_every_rule_is_exercised_by_the_fixtures(scripts_result):
    from seedlint.rules import all_rules

    codes = {d.code for d in scripts_result.diagnostics}
    projects = check_paths([FIXTURES / "projects"], no_cache=True)
    codes |= {d.code for d in projects.diagnostics}
    # the rules that are off by default, selected
    off = sorted(code for code, rule in all_rules().items() if not rule.default)
    codes |= {d.code for d in check_paths([FIXTURES / "scripts"], select=off, no_cache=True).diagnostics}
    # SDL000 and SDL104 (torch <= 2.8 only) are exercised by their own rule cases and tests
    missing = set(all_rules()) - codes - {"SDL000", "SDL104"}
    assert not missing, f"no fixture exercises {sorted(missing)}"


def test_clean_programs_stay_clean():
    res = check_paths([FIXTURES / "clean"], no_cache=True)
    assert not res.errors
    assert res.diagnostics == [], [f"{d.path}:{d.line} {d.code} {d.message}" for d in res.diagnostics]
    assert len(res.files) >= 6


PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_snapshot(project):
    res = check_paths([project], no_cache=True)
    assert not res.errors
    _compare(project / "expected.txt", _lines(res.diagnostics, project))


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_one_file_gives_the_same_findings_as_the_project(project):
    """What pre-commit does: name a few files; the analysis still reads the rest of the project."""
    whole = check_paths([project], no_cache=True)
    for f in sorted(project.rglob("*.py")):
        alone = check_paths([f], no_cache=True)
        assert not alone.errors
        expected = [d for d in whole.diagnostics if Path(d.path).resolve() == f.resolve()]
        assert alone.diagnostics == expected, f.relative_to(project)


def test_at_least_twelve_projects():
    assert len(PROJECTS) >= 12
