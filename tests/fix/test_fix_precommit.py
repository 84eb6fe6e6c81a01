"""The ``seedlint-fix`` pre-commit hook, run with ``pre-commit try-repo`` on a throw-away git repository.

try-repo clones this repository (HEAD plus uncommitted changes to tracked files) and pip-installs
seedlint into pre-commit's own environment, which needs PyPI for seedlint's dependencies: without
network access the test is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install '.[test]')")

UNSEEDED = "import torch\n\nif __name__ == '__main__':\n    print(torch.rand(2))\n"
NETWORK_ERRORS = ("Could not find a version", "No matching distribution", "Failed to establish a new connection",
                  "Temporary failure in name resolution", "Network is unreachable", "ConnectTimeoutError",
                  "ReadTimeoutError", "ProxyError")


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_seedlint_fix_hook_fixes_the_file_and_fails_the_commit_then_passes(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "pyproject.toml").write_text("[project]\nname = 'work'\nversion = '0'\n")
    (work / "train.py").write_text(UNSEEDED)
    _git(work, "add", "-A")
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["PRE_COMMIT_COLOR"] = "never"
    env.pop("PYTHONPATH", None)
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(var, None)
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "seedlint-fix", "--all-files"]

    first = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    out = first.stdout + first.stderr
    if first.returncode != 0 and any(e in out for e in NETWORK_ERRORS):
        pytest.skip("pre-commit could not install seedlint's dependencies from PyPI (no network access)")
    assert first.returncode == 1, out
    assert "files were modified by this hook" in out, out
    fixed = (work / "train.py").read_text()
    assert fixed == ("import torch\nfrom seedlint.runtime import seed_everything\n\nif __name__ == '__main__':\n"
                     "    seed_everything(0)\n    print(torch.rand(2))\n")

    _git(work, "add", "-A")
    second = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert (work / "train.py").read_text() == fixed
