"""A run after a few files changed: answered from the previous outcome when exact, always the cold findings."""

from __future__ import annotations

import random
import shutil

import pytest

import seedlint.api as api
from seedlint.api import check_paths
from seedlint.engine.filepass import process_source
from seedlint.engine.incremental import inert_mapping, line_mapping
from seedlint.rules._index import FILE_ONLY
from tests.conftest import REPO


def _result(src: str) -> dict:
    return process_source("/p/m.py", src.encode(), "d").to_json()


BASE = (
    "import random\nimport torch\n\n\ndef helper(x, seed=None):\n    torch.manual_seed(seed)\n"
    "    return random.random()\n\n\nif __name__ == '__main__':\n    helper(1, seed=3)\n"
)


def test_line_mapping_pairs_moved_lines():
    moved = BASE.replace("\n\n\ndef helper", "\n# a comment\n\n\n\ndef helper")
    mapping = line_mapping(_result(BASE), _result(moved))
    assert mapping is not None
    assert mapping[5] == 7 and mapping[11] == 13 and mapping[1] == 1


def test_line_mapping_identity_for_a_comment_at_the_end():
    mapping = line_mapping(_result(BASE), _result(BASE + "# done\n"))
    assert mapping is not None and all(k == v for k, v in mapping.items())


@pytest.mark.parametrize("edit", [
    ("helper(1, seed=3)", "helper(1, seed=4)"),  # an argument the facts keep
    ("    helper(1, seed=3)", "    _ = helper(1, seed=3)"),  # same line, other column: columns are kept
    ("    return random.random()\n", "    random.shuffle([1])\n    return random.random()\n"),  # a new fact
    ("def helper(x, seed=None)", "def helper(x, seed=0)"),  # a default the facts keep
])
def test_line_mapping_refuses_other_facts(edit):
    old, new = edit
    assert old in BASE
    assert line_mapping(_result(BASE), _result(BASE.replace(old, new))) is None


def test_line_mapping_refuses_two_lines_becoming_one():
    src = "import random\nrandom.random()\nrandom.random()\n"
    merged = "import random\nrandom.random(); random.random()\n"
    assert line_mapping(_result(src), _result(merged)) is None


def _key(res):
    return sorted((d.path, d.line, d.col, d.end_line, d.end_col, d.code, d.message) for d in res.diagnostics)


def _edit(lines, kind, rnd):
    k = rnd.randrange(len(lines) + 1)
    if kind == "append":
        lines.append("# appended")
    elif kind == "blank":
        lines.insert(k, "")
    elif kind == "comment":
        indent = len(lines[k]) - len(lines[k].lstrip()) if k < len(lines) else 0
        lines.insert(k, " " * indent + "# a comment")
    elif kind == "delete_blank":
        blanks = [j for j, line in enumerate(lines) if not line.strip()]
        if blanks:
            del lines[rnd.choice(blanks)]
    elif kind == "call":
        lines.append("import random\nrandom.shuffle([1, 2])")
    elif kind == "duplicate":
        j = rnd.randrange(len(lines))
        lines.insert(j, lines[j])
    elif kind == "function":  # a new function, called by no one
        lines.append(rnd.choice(["def _edit():\n    return 1", "def _edit():\n    import random\n    random.random()",
                                 "def _edit():\n    return torch.Generator()", "def _edit():\n    return random.random()",
                                 "class _Edit:\n    def step(self):\n        return self.seed()"]))
    elif kind == "body":  # a statement at the start of a function (reached by a program or not)
        defs = [j for j in range(len(lines) - 1) if lines[j].lstrip().startswith("def ")
                and lines[j].rstrip().endswith(":") and lines[j + 1].strip()
                and len(lines[j + 1]) - len(lines[j + 1].lstrip()) > len(lines[j]) - len(lines[j].lstrip())]
        if defs:
            j = rnd.choice(defs)
            indent = " " * (len(lines[j + 1]) - len(lines[j + 1].lstrip()))
            lines.insert(j + 1, indent + rnd.choice(["import random; random.random()", "_ = len([])", "random.random()",
                                                     "import numpy as np; np.random.seed(0)", "_edit = helper(1)",
                                                     "torch.manual_seed(0)", "pass"]))


@pytest.mark.parametrize("tree", ["fixtures", "real"])
def test_after_random_edits_the_cached_findings_are_the_cold_ones(tree, real_tree, tmp_path, monkeypatch):
    """Random edits (comments, blank lines, new code, duplicated lines) one file at a time; after each, the
    cached run (incremental or not) must give exactly the findings of a run without the cache."""
    src = REPO / "fixtures" if tree == "fixtures" else real_tree
    root = tmp_path / "tree"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns(".seedlint_cache"))
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text("[project]\nname = 'tree'\nversion = '0'\n")
    monkeypatch.chdir(root)
    taken = {"reused": 0, "analysed": 0}
    original = api._check_changed_files

    def spy(*a, **k):
        out = original(*a, **k)
        taken["reused" if out is not None else "analysed"] += 1
        return out

    monkeypatch.setattr(api, "_check_changed_files", spy)
    import seedlint.engine.incremental as incremental

    inert = incremental.inert_mapping

    def inert_spy(*a, **k):
        out = inert(*a, **k)
        taken["inert"] = taken.get("inert", 0) + (out is not None)
        return out

    monkeypatch.setattr(incremental, "inert_mapping", inert_spy)
    imports_seen = _spy_imports(monkeypatch)
    check_paths([root])
    files = sorted(root.rglob("*.py"))
    rnd = random.Random(7)
    for _ in range(30):
        f = rnd.choice(files)
        lines = f.read_text(encoding="utf-8").split("\n")
        _edit(lines, rnd.choice(["append", "blank", "comment", "delete_blank", "call", "duplicate", "function",
                                 "body", "body"]), rnd)
        f.write_text("\n".join(lines), encoding="utf-8")
        target = rnd.choice([[root], [f]])
        assert _key(check_paths(target)) == _key(check_paths(target, no_cache=True)), f
    # both ways were taken: edits that only move lines reuse the outcome, the others analyse again
    assert taken["reused"] >= 5 and taken["analysed"] >= 3, taken
    # and some of the whole analyses reused the previous run's import resolution
    assert any(state is not None for state in imports_seen), taken
    if tree == "real":  # and in a large project, some edits were in functions no program runs
        assert taken.get("inert", 0) >= 1, taken


def test_a_comment_line_reuses_the_outcome_with_lines_moved(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    train = tmp_path / "train.py"
    train.write_text("import random\nif __name__ == '__main__':\n    random.shuffle([1, 2])\n")
    monkeypatch.chdir(tmp_path)
    assert [(d.code, d.line) for d in check_paths([tmp_path]).diagnostics] == [("SDL001", 3)]
    train.write_text("# header\nimport random\nif __name__ == '__main__':\n    random.shuffle([1, 2])\n")
    monkeypatch.setattr(api, "_analyse_project", None)  # the whole analysis must not run
    res = check_paths([train])
    assert [(d.code, d.line) for d in res.diagnostics] == [("SDL001", 4)]
    assert res.analysed == 1


def test_a_quoted_line_that_moves_is_not_reused(tmp_path, monkeypatch):
    """SDL007 names the line of the earlier use: when that line moves, the message must change too."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    train = tmp_path / "train.py"
    body = "import numpy as np\nidx = np.random.permutation(5)\nnp.random.seed(1)\n"
    train.write_text(body)
    monkeypatch.chdir(tmp_path)
    (first,) = [d for d in check_paths([tmp_path]).diagnostics if d.code == "SDL007"]
    assert "line 2" in first.message
    train.write_text("# header\n" + body)
    (moved,) = [d for d in check_paths([tmp_path]).diagnostics if d.code == "SDL007"]
    assert "line 3" in moved.message and moved.line == 4


def test_changed_project_scripts_are_seen_by_a_warm_run(tmp_path, monkeypatch):
    """[project.scripts] entries are part of what the project outcome is cached on."""
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("import random\ndef main():\n    return random.random()\n")
    (pkg / "other.py").write_text("def main():\n    return 1\n")
    pp = tmp_path / "pyproject.toml"
    pp.write_text("[project]\nname = 'app'\nversion = '0'\n[project.scripts]\napp = 'app.other:main'\n")
    monkeypatch.chdir(tmp_path)
    assert check_paths([tmp_path]).diagnostics == []
    pp.write_text("[project]\nname = 'app'\nversion = '0'\n[project.scripts]\napp = 'app.cli:main'\n")
    assert [d.code for d in check_paths([tmp_path]).diagnostics] == ["SDL001"]
    assert _key(check_paths([tmp_path])) == _key(check_paths([tmp_path], no_cache=True))


def test_entry_points_setting_is_part_of_the_cache_key(tmp_path, monkeypatch):
    (tmp_path / "lib.py").write_text("import random\ndef run():\n    return random.random()\n")
    pp = tmp_path / "pyproject.toml"
    pp.write_text("[project]\nname = 'p'\nversion = '0'\n")
    monkeypatch.chdir(tmp_path)
    assert check_paths([tmp_path]).diagnostics == []
    pp.write_text("[project]\nname = 'p'\nversion = '0'\n[tool.seedlint]\nentry-points = ['lib:run']\n")
    assert [d.code for d in check_paths([tmp_path]).diagnostics] == ["SDL001"]


def test_project_inputs_from_the_discovery_listing_equal_those_read_from_disk(tmp_path):
    """The markers discovery saw while listing folders give the same cache key as a stat per folder."""
    from seedlint.config import Config
    from seedlint.engine.discovery import discover
    from seedlint.project.analysis import PROJECT_MARKERS

    for rel, text in {"pyproject.toml": "[project]\nname = 'p'\n", "a.py": "", "sub/setup.py": "",
                      "sub/pkg/b.py": "", "sub/pkg/pyproject.toml": "[tool.x]\n", "other/setup.cfg": "",
                      "other/c.py": "", "old/d.py": ""}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "other" / "pyproject.toml").mkdir()  # a folder, not a marker
    listing: dict = {}
    files, _ = discover([tmp_path], tmp_path, ("old",), watch=PROJECT_MARKERS, listing=listing)
    assert listing[str(tmp_path / "sub")] == ("setup.py",)
    assert listing[str(tmp_path / "other")] == ("setup.cfg",)
    files.append(str(tmp_path / "old" / "d.py"))  # named explicitly: its folder was not listed
    cfg = Config()
    assert api._project_inputs(tmp_path, files, cfg, listing) == api._project_inputs(tmp_path, files, cfg)
    (tmp_path / "old" / "setup.py").write_text("")
    assert api._project_inputs(tmp_path, files, cfg, listing) == api._project_inputs(tmp_path, files, cfg)


def _reads(project_files: dict, path: str = "/p/m.py") -> frozenset:
    """What the project analysis reads of ``path``'s functions, in a project of in-memory files."""
    from pathlib import Path

    from seedlint.config import Config
    from seedlint.project.analysis import analyze_project

    results = {p: process_source(p, src.encode(), p) for p, src in project_files.items()}
    reads: dict = {}
    analyze_project(results, Path("/p"), Config(), set(results), [], set(), reads)
    return reads.get(path, frozenset())


LIB = (
    "import random\nimport torch\n\n\ndef used():\n    return random.random()\n\n\ndef unused():\n    return 1\n\n\n"
    "class Model:\n    def step(self):\n        return 2\n"
)
TRAIN = "from m import used\n\nif __name__ == '__main__':\n    used()\n"


def _inert(new_lib: str) -> bool:
    reads = _reads({"/p/m.py": LIB, "/p/train.py": TRAIN})
    return inert_mapping(_result(LIB), _result(new_lib), reads, FILE_ONLY) is not None


def test_the_analysis_records_the_functions_it_reads():
    reads = _reads({"/p/m.py": LIB, "/p/train.py": TRAIN})
    assert "used" in reads and "unused" not in reads and "Model.step" not in reads


@pytest.mark.parametrize("new, inert", [
    (LIB.replace("    return 1", "    return random.random()"), True),  # a function no program runs
    (LIB + "\n\ndef added():\n    return random.random()\n", True),  # a new function no one calls
    (LIB.replace("    return 1", "    return torch.Generator()"), True),  # a finding of the file pass
    (LIB.replace("    return 1", "    import numpy\n    return 1"), False),  # an import: the file's imports change
    ("# moved\n" + LIB.replace("    return 1", "    x = 1\n    return x"), True),  # with lines moved
    (LIB.replace("    return random.random()", "    random.seed(0)\n    return random.random()"), False),  # run
    (LIB.replace("def unused", "def used2"), True),  # renamed, and no one looks the names up
    (LIB.replace("def unused():\n    return 1", "def used():\n    return 1"), False),  # a name looked up
    (LIB.replace("    return 1", "    return torch.bincount(x, weights=w)"), False),  # an op: rules scan all
    (LIB.replace("        return 2", "        random.seed(0)\n        return 2"), False),  # reachable as obj.step()
])
def test_inert_mapping_accepts_only_edits_the_analysis_never_read(new, inert):
    assert _inert(new) is inert
    if inert:  # and the project's findings are then those of the unedited file, lines mapped
        assert _project_key({"m.py": new, "train.py": TRAIN}, cached_from={"m.py": LIB, "train.py": TRAIN})


def _project_key(files: dict, cached_from: dict) -> bool:
    """A cached run after the edit gives the findings of a run without the cache."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
        for name, text in cached_from.items():
            (root / name).write_text(text)
        check_paths([root])
        for name, text in files.items():
            (root / name).write_text(text)
        return _key(check_paths([root])) == _key(check_paths([root], no_cache=True))


def test_an_edit_in_a_function_no_program_runs_reuses_the_outcome(tmp_path, monkeypatch):
    _lib_project(tmp_path, monkeypatch)
    assert [(d.code, d.line) for d in check_paths([tmp_path]).diagnostics] == [("SDL001", 6)]
    # a new unseeded generator in a function no program runs: a finding of the file pass alone
    (tmp_path / "m.py").write_text("# header\n" + LIB.replace("    return 1", "    x = 1\n    return torch.Generator()"))
    monkeypatch.setattr(api, "_analyse_project", None)  # the whole analysis must not run
    res = check_paths([tmp_path])
    assert [(d.code, d.line) for d in res.diagnostics] == [("SDL001", 7), ("SDL004", 12)]
    assert res.analysed == 1


# ---------------------------------------------------------------- reusing the resolved imports

def _chain(n: int) -> dict:
    """A package of ``n`` modules, each re-exporting ``f`` from the next; the last defines it."""
    files = {"/p/pkg/__init__.py": ""}
    for i in range(n - 1):
        files[f"/p/pkg/m{i}.py"] = f"from .m{i + 1} import f\n"
    files[f"/p/pkg/m{n - 1}.py"] = "def f():\n    return 1\n"
    return files


def test_resolution_does_not_depend_on_the_order_of_questions():
    """A chain of re-exports is cut past a depth. The answer for one module must not depend on whether a
    longer chain through it was resolved first: a run that reuses another's resolutions asks in another
    order."""
    from pathlib import Path

    from seedlint.config import Config
    from seedlint.project.analysis import Project

    files = _chain(12)
    facts = {p: process_source(p, s.encode(), p).facts for p, s in files.items()}
    answers = []
    for order in (range(12), reversed(range(12))):
        project = Project(dict(facts), Path("/p"), Config())
        got = {i: project.resolve("/p/train.py", f"pkg.m{i}.f") for i in order}
        answers.append(got)
    assert answers[0] == answers[1]
    assert answers[0][11] == ("func", ("/p/pkg/m11.py", "f")) and answers[0][10] is not None


def test_an_analysis_from_a_previous_import_state_is_the_same():
    """``imports_in``: the resolved imports of a previous analysis of files that resolve alike give the same
    findings, programs, reads and import state as resolving them again."""
    from pathlib import Path

    from seedlint.config import Config
    from seedlint.project.analysis import analyze_project

    files = {"/p/m.py": LIB, "/p/train.py": TRAIN, **_chain(12),
             "/p/use_chain.py": "from pkg.m0 import f\nimport pkg.m3\n\nif __name__ == '__main__':\n    f()\n"}

    def run(state=None):
        results = {p: process_source(p, s.encode(), p) for p, s in files.items()}
        programs, reads, out = [], {}, {}
        diags, errors = analyze_project(results, Path("/p"), Config(), set(results), programs, set(), reads,
                                        imports_in=state, imports_out=out)
        return (sorted(repr(d) for d in diags), errors, programs, reads), out

    first, state = run()
    assert state["targets"] and state["reads"]
    files["/p/m.py"] = LIB.replace("    return random.random()", "    random.seed(0)\n    return random.random()")
    again, state_again = run()
    reused, state_reused = run(state)
    assert reused == again and state_reused == state_again
    assert reused != first  # (the edit matters: the seed is seen)


def _lib_project(tmp_path, monkeypatch) -> None:
    """``m.py`` (LIB) and ``train.py`` (TRAIN) in a project at ``tmp_path``, the current folder."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    (tmp_path / "m.py").write_text(LIB)
    (tmp_path / "train.py").write_text(TRAIN)
    monkeypatch.chdir(tmp_path)


def _analysed_lib_project(tmp_path, monkeypatch) -> list:
    """:func:`_lib_project`, checked once (the cache filled); then the spy of :func:`_spy_imports`."""
    _lib_project(tmp_path, monkeypatch)
    check_paths([tmp_path])
    return _spy_imports(monkeypatch)


def _spy_imports(monkeypatch) -> list:
    """The ``imports_in`` of every whole analysis that runs from now on."""
    import seedlint.project.analysis as analysis

    seen: list = []
    original = analysis.analyze_project

    def spy(*a, **k):
        seen.append(k.get("imports_in"))
        return original(*a, **k)

    monkeypatch.setattr(analysis, "analyze_project", spy)
    return seen


def test_a_body_edit_reuses_the_resolved_imports_and_an_import_edit_does_not(tmp_path, monkeypatch):
    seen = _analysed_lib_project(tmp_path, monkeypatch)
    # a seed in a function the program runs: the whole analysis runs, the imports resolve as before
    seeded = LIB.replace("    return random.random()", "    random.seed(0)\n    return random.random()")
    (tmp_path / "m.py").write_text(seeded)
    assert _key(check_paths([tmp_path])) == _key(check_paths([tmp_path], no_cache=True)) == []
    assert len(seen) == 2 and seen[0] is not None and seen[1] is None  # (the second ran without the cache)
    # a new import: resolved afresh
    seen.clear()
    (tmp_path / "train.py").write_text("import m\n" + TRAIN)
    assert _key(check_paths([tmp_path])) == _key(check_paths([tmp_path], no_cache=True))
    assert seen == [None, None]


def test_a_new_function_in_another_changed_file_stops_the_reuse(tmp_path, monkeypatch):
    """Two files changed: one gains a function no program runs (an edit answered as inert on its own),
    the other a call the program runs. The whole analysis runs; it reuses no import resolution, since not
    every file resolves as before."""
    seen = _analysed_lib_project(tmp_path, monkeypatch)
    (tmp_path / "m.py").write_text(LIB + "\n\ndef later():\n    return 3\n")
    (tmp_path / "train.py").write_text(TRAIN + "    used()\n")
    assert _key(check_paths([tmp_path])) == _key(check_paths([tmp_path], no_cache=True))
    assert seen[0] is None
    # the same edit to train.py alone reuses them
    (tmp_path / "m.py").write_text(LIB)
    check_paths([tmp_path])
    seen.clear()
    (tmp_path / "train.py").write_text(TRAIN + "    used()\n    used()\n")
    assert _key(check_paths([tmp_path])) == _key(check_paths([tmp_path], no_cache=True))
    assert seen[0] is not None
