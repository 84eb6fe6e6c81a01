"""What ``seedlint fix`` does to files: preservation, atomic writes, files it must not write, --diff."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess

import pytest

import seedlint.fix.sourcefile as sourcefile
from seedlint.fix.edit import FileEditor

SRC = "import torch\n\nx = torch.rand(2)\ntorch.backends.cudnn.benchmark = True\n"
FIXED = ("import torch\nfrom seedlint.runtime import seed_everything\n\nseed_everything(0)\n\nx = torch.rand(2)\n"
         "torch.backends.cudnn.benchmark = False\n")


def _write_bytes(proj, data: bytes, name: str = "case.py"):
    proj.write({})
    (proj.root / name).write_bytes(data)
    return proj.root / name


def test_comments_blank_lines_and_quotes_are_preserved(proj):
    src = ("#!/usr/bin/env python\n# header comment\n'''Doc.'''\nimport torch  # trailing\n\n\n"
           "LABEL = 'single'  # keep quotes\n\n# before\nW = torch.rand(2, dtype=torch.float32)  # draw\n")
    proj.write(src)
    proj.fix()
    assert proj.read() == ("#!/usr/bin/env python\n# header comment\n'''Doc.'''\nimport torch  # trailing\n"
                           "from seedlint.runtime import seed_everything\n\n\nseed_everything(0)\n\n\n"
                           "LABEL = 'single'  # keep quotes\n\n# before\n"
                           "W = torch.rand(2, dtype=torch.float32)  # draw\n")


def test_crlf_line_endings_are_preserved(proj):
    path = _write_bytes(proj, SRC.replace("\n", "\r\n").encode())
    proj.fix()
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_bom_is_preserved(proj):
    path = _write_bytes(proj, codecs.BOM_UTF8 + SRC.encode())
    proj.fix()
    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.encode()


def test_encoding_declaration_and_encoding_are_preserved(proj):
    head = "# -*- coding: latin-1 -*-\n"
    body = "NAME = 'caf\u00e9'\n"
    path = _write_bytes(proj, (head + SRC + body).encode("latin-1"))
    proj.fix()
    data = path.read_bytes()
    assert data == (head + FIXED + body).encode("latin-1")
    assert data.splitlines()[0] == head.rstrip("\n").encode()
    assert b"caf\xe9" in data


def test_file_mode_is_preserved(proj):
    path = _write_bytes(proj, SRC.encode())
    os.chmod(path, 0o751)
    proj.fix()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert path.read_text() == FIXED


def test_tabs_and_indentation_of_the_block_are_kept(proj):
    path = _write_bytes(proj, b"import torch\nif __name__ == '__main__':\n\tx = torch.rand(2)\n")
    proj.fix()
    assert path.read_bytes() == (b"import torch\nfrom seedlint.runtime import seed_everything\n"
                                 b"if __name__ == '__main__':\n\tseed_everything(0)\n\tx = torch.rand(2)\n")


def test_a_symlink_stays_a_symlink(proj):
    real = _write_bytes(proj, SRC.encode(), "real_impl.py")
    link = proj.root / "case.py"
    link.symlink_to(real.name)
    proj.fix("case.py")
    assert link.is_symlink()
    assert real.read_text() == FIXED


def test_write_is_atomic_via_a_temporary_file_in_the_same_folder(proj, monkeypatch):
    path = _write_bytes(proj, SRC.encode())
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((os.path.dirname(src), os.path.basename(src), dst))
        return real_replace(src, dst)

    monkeypatch.setattr(sourcefile.os, "replace", spy)
    proj.fix()
    (folder, name, dst), = seen
    assert folder == str(proj.root) and name.startswith(".case.py.") and dst == str(path)
    assert path.read_text() == FIXED
    assert sorted(p.name for p in proj.root.iterdir()) == ["case.py", "pyproject.toml"]


def test_a_failed_write_leaves_the_file_and_no_temporary_behind(proj, monkeypatch):
    path = _write_bytes(proj, SRC.encode())

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sourcefile.os, "replace", boom)
    report = proj.fix()
    assert path.read_text() == SRC
    assert any("not written" in e and "No space left" in e for e in report.errors)
    assert sorted(p.name for p in proj.root.iterdir()) == ["case.py", "pyproject.toml"]


def test_a_file_changed_during_the_fix_is_not_overwritten(proj, monkeypatch):
    path = _write_bytes(proj, SRC.encode())
    real_render = FileEditor.render

    def render_and_edit(self):
        path.write_text(SRC + "# edited meanwhile\n")
        return real_render(self)

    monkeypatch.setattr(FileEditor, "render", render_and_edit)
    report = proj.fix()
    assert path.read_text() == SRC + "# edited meanwhile\n"
    assert any("changed while it was being fixed" in e for e in report.errors)


def test_unparsable_file_is_untouched_and_reported_while_others_are_fixed(proj):
    broken = "import torch\nx = torch.rand(2\n"
    proj.write({"bad.py": broken, "good.py": SRC})
    report = proj.fix()
    assert proj.read("bad.py") == broken
    assert proj.read("good.py") == FIXED
    (d, why), = proj.remaining(report)
    assert d.code == "SDL000" and d.path.endswith("bad.py") and "could not be parsed" in why


def test_a_fixed_form_that_does_not_compile_is_never_written(proj, monkeypatch):
    path = _write_bytes(proj, SRC.encode())
    monkeypatch.setattr(FileEditor, "render", lambda self: self.text + "def broken(:\n")
    report = proj.fix()
    assert path.read_text() == SRC
    assert any("would not compile" in e for e in report.errors)
    assert report.remaining and all(why.startswith("not fixed") for _, why in report.remaining)


def test_a_file_libcst_cannot_parse_is_left_alone_and_reported(proj, monkeypatch):
    import libcst

    path = _write_bytes(proj, SRC.encode())

    def refuse(*a, **k):
        raise libcst.ParserSyntaxError("unsupported syntax", lines=["x"], raw_line=1, raw_column=0)

    monkeypatch.setattr("seedlint.fix.edit.cst.parse_module", refuse)
    report = proj.fix()
    assert path.read_text() == SRC
    assert report.remaining and all("libcst cannot parse" in why for _, why in report.remaining)


def test_diff_prints_a_patch_and_writes_nothing(proj, run_seedlint, tmp_path):
    path = _write_bytes(proj, SRC.encode())
    res = run_seedlint("fix", "--diff", "--no-cache", ".", cwd=proj.root)
    assert res.returncode == 1, res.stderr
    assert path.read_text() == SRC
    assert res.stdout.startswith("--- case.py\n+++ case.py\n@@ ")
    assert "+from seedlint.runtime import seed_everything\n" in res.stdout
    assert "Would fix 2 findings in 1 file" in res.stderr
    # the diff is a real patch: applied to a copy, it gives what `seedlint fix` writes
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "case.py").write_text(SRC)
    subprocess.run(["git", "apply", "-p0", "--unsafe-paths", "-"], input=res.stdout, text=True, cwd=copy,
                   check=True, capture_output=True)
    assert (copy / "case.py").read_text() == FIXED
    res2 = run_seedlint("fix", "--no-cache", ".", cwd=proj.root)
    assert res2.returncode == 0 and path.read_text() == FIXED
    res3 = run_seedlint("fix", "--diff", "--no-cache", ".", cwd=proj.root)
    assert res3.returncode == 0 and res3.stdout == ""


def test_exit_code_is_1_when_findings_remain_and_0_when_all_are_fixed(proj, run_seedlint):
    proj.write({"a.py": "import torch\nx = torch.rand(2)\n",
                "b.py": "import numpy as np\nrng = np.random.default_rng()\n"})
    res = run_seedlint("fix", "--no-cache", "a.py", cwd=proj.root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "a.py: SDL003: inserted `seed_everything(0)` after the imports" in res.stdout
    res = run_seedlint("fix", "--no-cache", "b.py", cwd=proj.root)
    assert res.returncode == 1
    assert "b.py:2:7: SDL004" in res.stdout and "[unsafe fix available: rerun with --unsafe-fixes]" in res.stdout
    res = run_seedlint("check", "--fix", "--unsafe-fixes", "--no-cache", "b.py", cwd=proj.root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert proj.read("b.py") == "import numpy as np\nrng = np.random.default_rng(0)\n"


def test_quiet_prints_only_what_remains(proj, run_seedlint):
    proj.write({"a.py": "import torch\nx = torch.rand(2)\n", "b.py": "import torch\ng = torch.Generator()\n"})
    res = run_seedlint("fix", "--quiet", "--no-cache", ".", cwd=proj.root)
    assert res.returncode == 1
    assert res.stdout.splitlines() == [line for line in res.stdout.splitlines() if line.startswith("b.py:2:5: SDL004")]
    assert res.stdout


def test_rules_without_a_fix_are_listed_with_the_reason(proj, run_seedlint):
    proj.write("import os\nimport torch\nos.environ['PYTHONHASHSEED'] = '0'\ntorch.manual_seed(0)\nx = torch.rand(2)\n")
    res = run_seedlint("fix", "--no-cache", ".", cwd=proj.root)
    assert res.returncode == 1
    assert "SDL006" in res.stdout and "[no automatic fix]" in res.stdout


def test_select_and_ignore_limit_which_fixes_run(proj):
    proj.write(SRC)
    proj.fix(select=["SDL101"])
    assert proj.read() == SRC.replace("benchmark = True", "benchmark = False")
    proj.write(SRC)
    report = proj.fix(ignore=["SDL101"])
    assert proj.read() == FIXED.replace("benchmark = False", "benchmark = True")
    assert not report.remaining
    proj.write(SRC)
    report = proj.fix(select=["SDL1"], ignore=["SDL101"])
    assert not report.changed_files()


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "--seed must be between 0 and 2**32 - 1"),
    (["--seed", str(2**32)], "--seed must be between 0 and 2**32 - 1"),
    (["--select", "XYZ9"], "unknown rule code"),
    (["--jobs", "0"], "--jobs must be at least 1"),
])
def test_usage_errors_exit_2(proj, run_seedlint, args, message):
    proj.write(SRC)
    res = run_seedlint("fix", "--no-cache", *args, ".", cwd=proj.root)
    assert res.returncode == 2 and message in res.stderr
    assert proj.read() == SRC


def test_a_second_run_changes_nothing(proj):
    b = "import random\nimport numpy as np\nif __name__ == '__main__':\n    print(random.random(), np.random.rand())\n"
    proj.write({"a.py": SRC, "b.py": b})
    first = proj.fix(unsafe_fixes=True)
    assert len(first.written) == 2
    second = proj.fix(unsafe_fixes=True)
    assert not second.changed_files() and not second.written


def test_fixes_that_never_settle_are_not_written_and_are_reported(proj, monkeypatch):
    import libcst as cst

    from seedlint.fix import runner

    def restless(fx, node):  # a broken fixer: changes the file on every pass, never removes the finding
        stmt = fx.editor.statement_of(fx.editor.cst_for(node, (cst.Assign,)))
        fx.editor.insert_before(stmt, runner.progfix._Insert(1, node=fx.editor.parse_statement("pass\n")))
        return "restless"

    monkeypatch.setitem(runner.FILE_FIXERS, "SDL101", restless)
    path = _write_bytes(proj, SRC.encode())
    report = proj.fix(select=["SDL101"])
    assert path.read_text() == SRC
    assert not report.converged
    assert any("did not settle" in e for e in report.errors)


def test_fix_works_when_check_answers_from_its_project_cache(proj):
    from seedlint.api import check_paths

    proj.write({"a.py": "import torch\nx = torch.rand(2)\n", "b.py": "import torch\ng = torch.Generator()\n"})
    cwd = os.getcwd()
    os.chdir(proj.root)
    try:
        for _ in range(2):  # the second check is answered from the project cache
            check_paths([proj.root])
    finally:
        os.chdir(cwd)
    report = proj.fix(no_cache=False)
    assert "seed_everything(0)" in proj.read("a.py")
    assert [d.code for d, _ in report.remaining] == ["SDL004"]
    again = proj.fix(no_cache=False)
    assert not again.changed_files()
    (d, why), = again.remaining
    assert d.code == "SDL004" and "--unsafe-fixes" in why and os.path.isabs(d.path)


def test_paths_in_two_projects_are_each_fixed_in_their_own(tmp_path):
    from tests.fix.conftest import Proj

    one, two = Proj(tmp_path / "one"), Proj(tmp_path / "two")
    one.write({"train.py": "import torch\nx = torch.rand(2)\n"})
    two.write({"train.py": "import numpy as np\nx = np.random.rand(2)\n"}, pyproject="[tool.seedlint]\nseed = 5\n")
    report = one.fix(str(two.root / "train.py"), "train.py")
    assert len(report.written) == 2
    # the configuration is the first path's (two's: seed 5), as `seedlint check` takes it
    assert "seed_everything(5)" in one.read("train.py")
    assert "seed_everything(5)" in two.read("train.py")
