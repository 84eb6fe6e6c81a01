"""The `seedlint` pre-commit hook, run for real with `pre-commit try-repo` on a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _pre_commit() -> list:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (it is in the test extras)")
    return [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '0'\n")
    (tmp_path / "utils.py").write_text("import torch\n\ndef set_seed(s):\n    torch.manual_seed(s)\n")
    (tmp_path / "train.py").write_text(
        "import torch\nfrom utils import set_seed\n\nif __name__ == '__main__':\n    set_seed(0)\n"
        "    model = torch.nn.Linear(2, 2)\n")
    (tmp_path / "bad.py").write_text("import torch\ntorch.backends.cudnn.benchmark = True\n")
    (tmp_path / "README.md").write_text("demo\n")
    _git(tmp_path, "add", "-A")
    return tmp_path


def _try_repo(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([*_pre_commit(), "try-repo", str(REPO), "seedlint", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


def test_hook_reports_findings_in_the_files_passed(repo, precommit_home):
    r = _try_repo(repo, precommit_home, "--files", "bad.py")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "bad.py:2:1: SDL101" in r.stdout


def test_hook_passes_on_a_subset_that_is_clean(repo, precommit_home):
    # train.py alone is clean: the seed set through utils.py is still seen
    r = _try_repo(repo, precommit_home, "--files", "train.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout


def test_hook_with_no_python_file_is_not_an_error(repo, precommit_home):
    r = _try_repo(repo, precommit_home, "--files", "README.md")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no files to check" in r.stdout.lower() or "Skipped" in r.stdout
