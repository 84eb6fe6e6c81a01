"""The command line: output formats, exit codes, selection, configuration, suppression, bad input."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

BENCH = "import torch, timm\ntorch.backends.cudnn.benchmark = True\n"  # (a model zoo: convolutions to pick for)
UNSEEDED_GEN = "import numpy as np\nrng = np.random.default_rng()\n"


def project(tmp_path: Path, files: dict, pyproject: str = "[project]\nname = 'p'\nversion = '0'\n") -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    for rel, src in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, bytes):
            p.write_bytes(src)
        else:
            p.write_text(src)
    return tmp_path


def test_text_output_and_exit_code_one(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH, "b.py": UNSEEDED_GEN})
    r = run_seedlint("check", ".", "--no-cache", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert "a.py:2:1: SDL101 " in r.stdout
    assert "b.py:2:7: SDL004 " in r.stdout
    assert lines[-1] == "Found 2 findings in 2 files (2 fixable with seedlint fix, 1 of them with --unsafe-fixes)"
    assert "\x1b[" not in r.stdout  # no colour when not on a terminal


def test_clean_exit_zero(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": "import torch\ntorch.backends.cudnn.benchmark = False\n"})
    r = run_seedlint("check", "--no-cache", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout == "All checks passed! (1 file checked)\n"


def test_exit_zero_quiet_and_statistics(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH + "import torch.backends.cudnn as c\nc.benchmark = True\n", "b.py": UNSEEDED_GEN})
    r = run_seedlint("check", ".", "--no-cache", "--exit-zero", "--quiet", cwd=tmp_path)
    assert r.returncode == 0
    assert "Found" not in r.stdout and len(r.stdout.splitlines()) == 3
    r = run_seedlint("check", ".", "--no-cache", "--statistics", cwd=tmp_path)
    assert r.returncode == 1
    first = r.stdout.splitlines()[0].split("\t")
    assert first[0].strip() == "2" and first[1] == "SDL101"


def test_select_ignore_extend_select(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH, "b.py": UNSEEDED_GEN})
    r = run_seedlint("check", ".", "--no-cache", "--select", "SDL1", cwd=tmp_path)
    assert "SDL101" in r.stdout and "SDL004" not in r.stdout
    r = run_seedlint("check", ".", "--no-cache", "--ignore", "SDL101", cwd=tmp_path)
    assert "SDL101" not in r.stdout and "SDL004" in r.stdout
    r = run_seedlint("check", ".", "--no-cache", "--select", "SDL004", "--extend-select", "SDL101", cwd=tmp_path)
    assert "SDL101" in r.stdout and "SDL004" in r.stdout
    # as in ruff, the more specific selector wins
    r = run_seedlint("check", ".", "--no-cache", "--select", "SDL004,SDL101", "--ignore", "SDL1", cwd=tmp_path)
    assert "SDL101" in r.stdout and "SDL004" in r.stdout
    r = run_seedlint("check", ".", "--no-cache", "--select", "SDL", "--ignore", "SDL101", cwd=tmp_path)
    assert "SDL101" not in r.stdout and "SDL004" in r.stdout


def test_unknown_code_is_a_usage_error(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH})
    r = run_seedlint("check", ".", "--select", "XYZ9", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("seedlint: error:") and "XYZ9" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_path_and_bad_format(tmp_path, run_seedlint):
    r = run_seedlint("check", "nope.py", cwd=tmp_path)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    project(tmp_path, {"a.py": BENCH})
    r = run_seedlint("check", ".", "--output-format", "xml", cwd=tmp_path)
    assert r.returncode == 2 and "unknown output format" in r.stderr


def test_json_output_schema(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH})
    r = run_seedlint("check", ".", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["version"] == 1 and data["tool"] == "seedlint"
    (f,) = data["findings"]
    assert set(f) == {"path", "line", "col", "end_line", "end_col", "code", "name", "message", "fix"}
    assert (f["path"], f["line"], f["col"], f["code"], f["name"], f["fix"]) == (
        "a.py", 2, 1, "SDL101", "cudnn-benchmark", "safe")
    assert data["summary"] == {"findings": 1, "files_with_findings": 1, "files_checked": 1, "fixable": 1}
    assert data["errors"] == []


def test_sarif_output_validates_against_the_official_schema(tmp_path, run_seedlint):
    schema_path = SHARED / "research" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip(f"official SARIF schema not found at {schema_path} (../shared/research beside the checkout)")
    jsonschema = pytest.importorskip("jsonschema")
    project(tmp_path, {"a.py": BENCH, "b.py": "def f(:\n"})
    r = run_seedlint("check", ".", "--no-cache", "--output-format", "sarif", cwd=tmp_path)
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    schema = json.loads(schema_path.read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"SDL101", "SDL000"}
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_github_annotations(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH})
    r = run_seedlint("check", ".", "--no-cache", "--output-format", "github", cwd=tmp_path)
    line = r.stdout.strip()
    assert line.startswith("::warning file=a.py,line=2,col=1,endLine=2,endColumn=")
    assert ",title=SDL101::SDL101 " in line


def test_rules_and_rule_commands(run_seedlint):
    r = run_seedlint("rules")
    assert r.returncode == 0
    assert "SDL101" in r.stdout and "cudnn-benchmark" in r.stdout and "safe" in r.stdout
    data = json.loads(run_seedlint("rules", "--output-format", "json").stdout)
    assert {"code", "name", "fix", "default"} <= set(data[0])
    r = run_seedlint("rule", "SDL201")
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout and "torch 1.9" in r.stdout
    r = run_seedlint("rule", "SDL999")
    assert r.returncode == 2 and "unknown rule" in r.stderr


def test_version(run_seedlint):
    r = run_seedlint("--version")
    assert r.returncode == 0 and r.stdout.startswith("seedlint ")


@pytest.mark.parametrize("body, message", [
    ("[tool.seedlint]\nselec = ['SDL1']\n", "selec"),
    ("[tool.seedlint]\nseed = -3\n", "seed"),
    ("[tool.seedlint]\nselect = ['NOPE1']\n", "select"),
    ("[tool.seedlint]\ntarget-torch-version = 'banana'\n", "target-torch-version"),
    ("[tool.seedlint]\nseeding-functions = {'a.b' = ['tensorflow']}\n", "seeding-functions"),
    ("[tool.seedlint\n", "invalid TOML"),
])
def test_bad_config_is_one_line_exit_two(tmp_path, run_seedlint, body, message):
    project(tmp_path, {"a.py": BENCH}, pyproject=body)
    r = run_seedlint("check", ".", cwd=tmp_path)
    assert r.returncode == 2
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert message in err and "pyproject.toml" in err and "Traceback" not in err


def test_installed_torch_version_read_from_metadata_agrees_with_importlib(tmp_path, monkeypatch):
    from importlib.metadata import PackageNotFoundError, version

    from seedlint.config import installed_torch_version, parse_version

    try:
        expected = parse_version(version("torch"))
    except PackageNotFoundError:
        expected = None
    assert installed_torch_version() == expected
    # the first torch metadata on sys.path wins, as for import; a folder without one is skipped
    fake = tmp_path / "site"
    (fake / "torch-1.8.2.dist-info").mkdir(parents=True)
    (fake / "torch-1.8.2.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 1.8.2\n\nbody\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(fake)] + sys.path)
    assert installed_torch_version() == (1, 8, 2)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing")])
    assert installed_torch_version() is None


def test_config_select_exclude_and_per_file_ignores(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH, "old/b.py": BENCH, "tests/c.py": BENCH + UNSEEDED_GEN},
            pyproject="[tool.seedlint]\nexclude = ['old']\nper-file-ignores = {'tests/*' = ['SDL101']}\n")
    r = run_seedlint("check", ".", "--no-cache", "--quiet", cwd=tmp_path)
    out = r.stdout
    assert "a.py:2:1: SDL101" in out
    assert "old/b.py" not in out
    assert "tests/c.py:2:1: SDL101" not in out and "tests/c.py:4:7: SDL004" in out
    # a file named explicitly is always checked
    r = run_seedlint("check", "old/b.py", "--no-cache", "--quiet", cwd=tmp_path)
    assert "old/b.py:2:1: SDL101" in r.stdout


def test_gitignore_is_honoured(tmp_path, run_seedlint):
    project(tmp_path, {"a.py": BENCH, "gen/b.py": BENCH, ".gitignore": "gen/\n"})
    (tmp_path / ".git").mkdir()
    r = run_seedlint("check", ".", "--no-cache", "--quiet", cwd=tmp_path)
    assert "a.py" in r.stdout and "gen/b.py" not in r.stdout


def test_noqa_comments(tmp_path, run_seedlint):
    src = ("import torch\nimport numpy as np\n"
           "torch.backends.cudnn.benchmark = True  # noqa\n"
           "torch.backends.cudnn.benchmark = True  # noqa: SDL004\n"
           "torch.backends.cudnn.benchmark = True  # noqa: SDL004, SDL101\n"
           "s = '# noqa'; torch.backends.cudnn.benchmark = True\n")
    project(tmp_path, {"a.py": src, "b.py": "# seedlint: noqa\n" + BENCH})
    r = run_seedlint("check", ".", "--no-cache", "--quiet", cwd=tmp_path)
    lines = sorted(r.stdout.splitlines())
    assert [ln.split(":")[1] for ln in lines] == ["4", "6"], r.stdout


def test_syntax_error_undecodable_and_other_files_still_checked(tmp_path, run_seedlint):
    project(tmp_path, {
        "a.py": BENCH,
        "broken.py": "def train(:\n    pass\n",
        "latin.py": b"x = '\xe9'\n",  # not UTF-8 and no encoding declaration
        "declared.py": b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    })
    r = run_seedlint("check", ".", "--no-cache", "--quiet", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    out = r.stdout
    assert "a.py:2:1: SDL101" in out
    assert "broken.py:1:11: SDL000 syntax error" in out
    assert "latin.py:1:1: SDL000 cannot decode file" in out
    assert "declared.py" not in out


def test_unreadable_file_is_a_finding(tmp_path, monkeypatch):
    from seedlint.engine import filepass

    p = tmp_path / "a.py"
    p.write_text(BENCH)
    real_open = open

    def fake_open(path, *a, **kw):
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", fake_open)
    res = filepass.process_file(str(p))
    assert res.diagnostics[0]["code"] == "SDL000"
    assert "cannot read file: Permission denied" in res.diagnostics[0]["message"]


def test_internal_error_names_file_and_rule_and_keeps_other_findings(tmp_path, monkeypatch, capsys):
    from seedlint import api
    from seedlint.rules import all_rules

    project(tmp_path, {"a.py": BENCH + UNSEEDED_GEN})
    rule = all_rules()["SDL004"]

    def boom(ctx):
        raise ValueError("kaput")
        yield  # pragma: no cover

    monkeypatch.setattr(rule, "check", boom)
    monkeypatch.chdir(tmp_path)
    code = api.check_command(paths=[Path(".")], output_format="text", select=None, ignore=None, extend_select=None,
                             statistics=False, exit_zero=False, quiet=True, no_cache=True, jobs=1, config_path=None)
    out, err = capsys.readouterr()
    assert code == 2
    assert "a.py:2:1: SDL101" in out
    assert "internal error in rule SDL004 on a.py: ValueError: kaput" in err


def test_linter_never_imports_torch_numpy_or_runtime(tmp_path):
    import subprocess

    project(tmp_path, {"a.py": BENCH + UNSEEDED_GEN})
    code = (
        "import sys\nfrom seedlint.cli import main\nsys.argv = ['seedlint', 'check', %r, %r, '--no-cache', '--quiet']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('torch', 'numpy', 'seedlint.runtime') if m in sys.modules]\n"
        "print('IMPORTED', bad)\n"
    ) % (str(tmp_path), str(REPO / "fixtures"))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert "IMPORTED []" in r.stdout, r.stdout + r.stderr


def test_explicit_folder_inside_an_ignored_folder_is_checked(tmp_path, run_seedlint):
    project(tmp_path, {".gitignore": "vendor/\n*.gen.py\n", "vendor/lib/a.py": BENCH, "vendor/lib/b.gen.py": BENCH})
    (tmp_path / ".git").mkdir()
    r = run_seedlint("check", ".", "--no-cache", "--quiet", cwd=tmp_path)
    assert "vendor" not in r.stdout
    r = run_seedlint("check", "vendor/lib", "--no-cache", "--quiet", cwd=tmp_path)
    assert "vendor/lib/a.py:2:1: SDL101" in r.stdout
    assert "b.gen.py" not in r.stdout  # patterns still apply inside it


def test_seedlint_is_clean_under_seedlint(run_seedlint):
    r = run_seedlint("check", str(REPO / "seedlint"), "--no-cache", "--quiet")
    assert r.returncode == 0, r.stdout + r.stderr


def test_reported_paths_are_relative_to_the_current_folder_when_under_it(tmp_path, monkeypatch):
    from seedlint.api import _Display

    (tmp_path / "proj" / "pkg").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "proj")
    monkeypatch.chdir(tmp_path / "proj")
    show = _Display()
    assert show(str(tmp_path / "proj" / "pkg" / "a.py")) == "pkg/a.py"
    assert show(str(tmp_path / "link" / "pkg" / "a.py")) == "pkg/a.py"  # symlinks resolved
    assert show(str(tmp_path / "proj")) == "."
    assert show(str(tmp_path / "proj2" / "a.py")) == str(tmp_path / "proj2" / "a.py")  # a sibling, not under it
    assert show(str(tmp_path / "elsewhere" / "b.py")) == str(tmp_path / "elsewhere" / "b.py")
    assert show("pkg/a.py") == "pkg/a.py"


_CHECK_LINES = [
    ["check"],
    ["check", "."],
    ["check", "src", "train.py", "--quiet"],
    ["check", "-q", "--exit-zero", "--no-cache", "a.py"],
    ["check", "--select", "SDL0,SDL101", "--select", "SDL2", "--ignore", "SDL004", "x"],
    ["check", "--extend-select", " SDL301 , ", "--statistics"],
    ["check", "--output-format", "json", "--jobs", "3", "-j", "1", "--config", "cfg/pyproject.toml", "p"],
    ["check", "--output-format", "sarif", "--output-format", "github", "dir/", "--no-cache"],
    ["check", "--select", ""],
]
_TYPER_ONLY = [
    [], ["rules"], ["check", "--help"], ["check", "--fix"], ["check", "--select=SDL1"], ["check", "--jobs", "x"],
    ["check", "--jobs"], ["check", "--select", "-q"], ["check", "--", "-odd.py"], ["check", "-qj2"],
    ["check", "--jobs", "-1"], ["check", "--unknown"], ["check", "--jobs", "\u0663"],
]


@pytest.mark.parametrize("argv", _CHECK_LINES, ids=" ".join)
def test_fast_check_parsing_equals_typers(argv, monkeypatch):
    """seedlint.entry parses these command lines itself (typer is not imported): exactly as typer would."""
    import typer

    from seedlint import api
    from seedlint.cli import app
    from seedlint.entry import parse_check

    seen = {}

    def capture(**kw):
        seen.update(kw)
        return 0

    monkeypatch.setattr(api, "check_command", capture)
    with pytest.raises((SystemExit, typer.Exit)):
        app(argv, standalone_mode=True)
    assert seen, "typer did not reach check_command"
    assert parse_check(argv) == seen


@pytest.mark.parametrize("argv", _TYPER_ONLY, ids=lambda a: " ".join(a) or "(none)")
def test_other_command_lines_are_left_to_typer(argv):
    from seedlint.entry import parse_check

    assert parse_check(argv) is None


def test_a_plain_check_does_not_import_typer(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "a.py").write_text(BENCH)
    # (a plain check ends with os._exit, seedlint.entry._fast_exit: made to raise here, to look at the process)
    code = ("import os, sys\ndef fake_exit(code):\n    raise SystemExit(code)\nos._exit = fake_exit\n"
            "from seedlint.entry import main\nsys.argv = ['seedlint', 'check', '--quiet', 'a.py']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    print('EXIT', e.code)\n"
            "print('TYPER', 'typer' in sys.modules, 'click' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    import subprocess

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=300)
    assert "a.py:2:1: SDL101" in r.stdout and "EXIT 1" in r.stdout, r.stdout + r.stderr
    assert "TYPER False False" in r.stdout


def test_the_console_entry_flushes_its_output_and_keeps_its_exit_code(tmp_path):
    """A plain check ends with os._exit after flushing (seedlint.entry._fast_exit): every finding is printed,
    the exit code is kept, and a reader that goes away early (`seedlint check | head -1`) gets no traceback."""
    import subprocess

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for i in range(1000):
        (tmp_path / f"m{i}.py").write_text(BENCH)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "seedlint", "check", "--no-cache", "."]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 1, r.stderr
    assert sum(": SDL101 " in line for line in r.stdout.splitlines()) == 1000
    assert "Found 1000 findings" in r.stdout
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    assert p.stdout is not None and p.stderr is not None
    assert b"SDL101" in p.stdout.readline()
    p.stdout.close()  # the reader goes away with 999 findings unread (more than a pipe holds)
    err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 1
    assert "Traceback" not in err and "internal error" not in err, err
    (tmp_path / "m0.py").write_text("x = 1\n")
    for i in range(1, 1000):
        (tmp_path / f"m{i}.py").unlink()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0 and "All checks passed" in r.stdout, r.stdout + r.stderr
