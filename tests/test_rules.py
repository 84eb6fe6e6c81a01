"""Every rule's own VALID / INVALID cases, and the documentation contract of every rule."""

from __future__ import annotations

import os
import re

import pytest

from seedlint.rules import all_rules
from seedlint.rules.base import DOC_SECTIONS, Invalid, Valid
from tests.helpers import check, write_project

RULES = all_rules()


def _cases(kind):
    for code, rule in RULES.items():
        for i, case in enumerate(getattr(rule, kind)):
            yield pytest.param(code, case, id=f"{code}-{kind.lower()}-{i}")


def _run(tmp_path, code, case):
    if isinstance(case, str):
        case = Valid(case)
    write_project(tmp_path, case.code, case.path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return [d for d in check(tmp_path, select=[code]) if d.code == code]
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("code, case", list(_cases("VALID")))
def test_valid_case_has_no_finding(tmp_path, code, case):
    found = _run(tmp_path, code, case)
    assert found == [], [f"{d.path}:{d.line}:{d.col} {d.message}" for d in found]


@pytest.mark.parametrize("code, case", list(_cases("INVALID")))
def test_invalid_case_is_reported(tmp_path, code, case: Invalid):
    found = _run(tmp_path, code, case)
    assert found, f"{code} did not report:\n{case.code}"
    if case.expected is not None:
        got = sorted((d.line, d.col) for d in found)
        assert got == sorted(case.expected), [f"{d.path}:{d.line}:{d.col} {d.message}" for d in found]


@pytest.mark.parametrize("code", list(RULES))
def test_rule_documentation_is_complete(code):
    rule = RULES[code]
    sections = rule.sections()
    for name in DOC_SECTIONS:
        assert sections.get(name), f"{code} lacks a '## {name}' section"
    refs = sections["References"]
    assert re.search(r"(research notes|torch-determinism\.md|nondeterministic_ops|seed_helpers|pytorch\.org|"
                     r"docs\.python\.org|peps\.python\.org|numpy|torch/)", refs, re.I), f"{code}: no usable reference"
    assert rule.code.startswith("SDL") and re.fullmatch(r"SDL\d{3}", rule.code)
    assert rule.name and re.fullmatch(r"[a-z0-9-]+", rule.name)
    assert rule.message


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_enough_cases_including_aliases(code):
    rule = RULES[code]
    assert len(rule.VALID) >= 3, f"{code} needs at least 3 valid cases"
    assert len(rule.INVALID) >= 3, f"{code} needs at least 3 invalid cases"
    if code != "SDL000":
        def text(c):
            c = c.code if isinstance(c, (Valid, Invalid)) else c
            return "\n".join(c.values()) if isinstance(c, dict) else c
        assert any(re.search(r"\bimport\b.*\bas\b|^from .* import .* as ", text(c), re.M) for c in rule.INVALID), \
            f"{code}: no invalid case uses an aliased import"


def test_codes_and_names_are_unique():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    assert list(RULES) == sorted(RULES)


def test_rule_index_equals_the_registry():
    """seedlint/rules/_index.py (read by runs answered from the cache) lists every rule and its default."""
    from seedlint.rules._index import DEFAULTS

    actual = {code: rule.default for code, rule in RULES.items()}
    assert DEFAULTS == actual, f"put this table in seedlint/rules/_index.py: DEFAULTS = {actual!r}"


def test_rule_index_lists_the_rules_of_the_file_pass_alone():
    """FILE_ONLY (a changed file's findings the incremental path may replace) is exactly the rules that run
    in the file pass and take nothing back."""
    from seedlint.rules._index import FILE_ONLY

    actual = {code for code, rule in RULES.items() if rule.scope == "file" and not hasattr(rule, "withdraw")}
    assert FILE_ONLY == actual, f"put this set in seedlint/rules/_index.py: FILE_ONLY = {sorted(actual)!r}"


def test_sdl005_reads_random_seed_by_its_keyword(tmp_path):
    """random.seed's parameter is `a`: a clock seed passed by keyword is named as such, not taken for a
    missing seed."""
    found = _run(tmp_path, "SDL005", "import random, time\nrandom.seed(a=int(time.time()))\n")
    assert [(d.line, d.col) for d in found] == [(2, 1)]
    assert "time.time()" in found[0].message
