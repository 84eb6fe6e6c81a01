"""Every rule's own INVALID cases through ``seedlint fix``: expected output, parses, stable, finding gone."""

from __future__ import annotations

import ast

import pytest

from seedlint.diagnostics import FixSafety
from seedlint.fix.programs import BLOCK_CODES, SEED_AFTER_USE
from seedlint.fix.rulefixes import FILE_FIXERS
from seedlint.rules import all_rules
from seedlint.rules.base import Invalid

RULES = all_rules()
FIXABLE = [code for code, rule in RULES.items() if rule.fix is not FixSafety.NONE]


def _cases(with_fixed: bool):
    for code in FIXABLE:
        for i, case in enumerate(RULES[code].INVALID):
            if with_fixed and case.fixed is None:
                continue
            yield pytest.param(code, case, id=f"{code}-invalid-{i}")


def _fix(proj, code: str, case: Invalid, **kw):
    proj.write(case.code, case.path)
    return proj.fix(select=[code], unsafe_fixes=True, **kw)


@pytest.mark.parametrize("code, case", list(_cases(with_fixed=True)))
def test_invalid_case_is_fixed_to_its_expected_output(proj, code, case: Invalid):
    report = _fix(proj, code, case)
    assert not report.errors
    assert proj.read(case.path) == case.fixed


@pytest.mark.parametrize("code, case", list(_cases(with_fixed=False)))
def test_fix_output_parses_is_stable_and_removes_the_finding(proj, code, case: Invalid):
    report = _fix(proj, code, case)
    assert not report.errors, report.errors
    assert report.written, f"{code}: nothing was fixed"
    for path in report.written:
        with open(path, "rb") as fh:
            ast.parse(fh.read())
    left = proj.remaining(report, code)
    assert not left, [f"{d.path}:{d.line} {d.code} [{why}]" for d, why in left]
    again = proj.fix(select=[code], unsafe_fixes=True)
    assert not again.changed_files(), again.diff()
    assert not again.remaining


@pytest.mark.parametrize("code", [c for c in FIXABLE if RULES[c].fix is FixSafety.UNSAFE])
def test_unsafe_fixes_need_the_flag(proj, code):
    case = RULES[code].INVALID[0]
    before = None
    proj.write(case.code, case.path)
    before = proj.read(case.path)
    report = proj.fix(select=[code])
    assert not report.changed_files()
    assert proj.read(case.path) == before
    assert report.remaining and all("--unsafe-fixes" in why for _, why in proj.remaining(report, code))


def test_every_declared_fix_has_a_fixer_and_no_fixer_is_undeclared():
    fixers = set(FILE_FIXERS) | set(BLOCK_CODES) | {SEED_AFTER_USE}
    assert set(FIXABLE) == fixers
    for code in FIXABLE:
        assert RULES[code].sections()["Fix safety"], code
