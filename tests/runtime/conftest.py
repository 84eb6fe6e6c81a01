"""Fixtures for the seedlint.runtime / `seedlint run` / `seedlint verify` tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures" / "runtime"


def _env(extra: Optional[dict] = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for name in ("PYTHONHASHSEED", "SEEDLINT_SEED", "CUBLAS_WORKSPACE_CONFIG", "TORCHINDUCTOR_DETERMINISTIC"):
        env.pop(name, None)
    env.update(extra or {})
    return env


@pytest.fixture
def seedlint_cli():
    """Run ``python -m seedlint ARGS`` in a subprocess (text mode); returns the CompletedProcess."""

    def run(*args: str, cwd: Optional[Path] = None, input: Optional[str] = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "seedlint", *map(str, args)], cwd=cwd or REPO_ROOT,
                              env=_env(), input=input, capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture
def python_code():
    """Run ``python -c CODE`` with seedlint importable; returns the CompletedProcess."""

    def run(code: str, argv: Sequence[str] = (), timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO_ROOT, env=_env(),
                              capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture(autouse=True)
def _restore_global_state():
    """seed_everything changes process-wide switches: put them (and the RNGs) back after each test."""
    import torch  # noqa: F401  - so that its switches are saved too

    from seedlint.runtime._reproducible import _restore_settings, _settings
    from seedlint.runtime._state import rng_state, set_rng_state

    settings, state = _settings(), rng_state()
    yield
    _restore_settings(settings)
    set_rng_state(state)
