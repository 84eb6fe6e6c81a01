"""End to end, with real torch: unseeded training scripts differ run to run; after ``seedlint fix`` they don't.

``fixtures/e2e/`` holds small CPU training scripts that use python ``random``, numpy and torch, a model
with dropout, a DataLoader with 2 workers and ``shuffle=True``, and a dataset that draws augmentation
noise. Each prints its final loss and a checksum of its weights. Before the fix, two runs print
different lines; after ``seedlint fix --seed 42`` (the default block, which needs ``seedlint.runtime``)
and after ``seedlint fix --seed 42 --inline`` (dependency-free), two runs print identical ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from seedlint.fix import fix_paths
from tests.conftest import REPO

pytest.importorskip("torch")
pytest.importorskip("numpy")

E2E = REPO / "fixtures" / "e2e"
SCRIPTS = sorted(p.name for p in E2E.glob("*.py"))


def _env() -> dict:
    env = dict(os.environ)
    for var in ("PYTHONHASHSEED", "SEEDLINT_SEED", "CUBLAS_WORKSPACE_CONFIG", "TORCHINDUCTOR_DETERMINISTIC"):
        env.pop(var, None)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["OMP_NUM_THREADS"] = "1"  # the same thread count every run, and room for runs side by side
    env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def _copy(dst: Path) -> Path:
    shutil.copytree(E2E, dst)
    (dst / "pyproject.toml").write_text("[project]\nname = 'e2e'\nversion = '0'\n")
    return dst


def _seedlint_fix(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seedlint", "fix", "--no-cache", "--seed", "42", *args, "."],
                          cwd=folder, env=_env(), capture_output=True, text=True, timeout=300)


def _train(script: Path) -> str:
    res = subprocess.run([sys.executable, str(script)], cwd=script.parent, env=_env(), capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, f"{script}:\n{res.stderr}"
    line = res.stdout.strip().splitlines()[-1]
    assert line.startswith("final loss "), res.stdout
    return line


@pytest.mark.slow
def test_training_scripts_are_reproducible_after_seedlint_fix(tmp_path):
    assert len(SCRIPTS) >= 2
    before = _copy(tmp_path / "before")
    default = _copy(tmp_path / "default")
    inline = _copy(tmp_path / "inline")

    fixed_default = _seedlint_fix(default)
    fixed_inline = _seedlint_fix(inline, "--inline")
    for res in (fixed_default, fixed_inline):
        # what stays is reported (the unsafe generator= fix for the shuffled loaders), nothing is an error
        assert res.returncode in (0, 1), res.stderr
        assert "error" not in res.stderr.lower(), res.stderr
    for name in SCRIPTS:
        default_text = (default / name).read_text()
        inline_text = (inline / name).read_text()
        assert "from seedlint.runtime import seed_everything" in default_text and "seed_everything(42)" in default_text
        assert "seedlint" not in inline_text and "torch.manual_seed(42)" in inline_text
    for folder, inline_block in ((default, False), (inline, True)):
        again = fix_paths([folder], seed=42, inline=inline_block, no_cache=True, jobs=1, write=False)
        assert not again.changed_files() and not again.errors, again.diff()  # a second fix changes nothing

    jobs = [(kind, name, folder / name) for kind, folder in (("before", before), ("default", default),
                                                             ("inline", inline)) for name in SCRIPTS for _ in range(2)]
    with ThreadPoolExecutor(max_workers=max(2, min(6, (os.cpu_count() or 2) * 2))) as pool:
        lines = list(pool.map(lambda job: _train(job[2]), jobs))
    runs: dict = {}
    for (kind, name, _), line in zip(jobs, lines):
        runs.setdefault((kind, name), []).append(line)

    for name in SCRIPTS:
        first, second = runs[("before", name)]
        assert first != second, f"{name}: unseeded runs agreed ({first}); the fixture proves nothing"
        for kind in ("default", "inline"):
            first, second = runs[(kind, name)]
            assert first == second, f"{name} after `seedlint fix{' --inline' if kind == 'inline' else ''}`: " \
                                    f"{first} != {second}"
