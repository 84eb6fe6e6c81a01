import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def run_seedlint():
    """Run ``python -m seedlint ARGS`` in a subprocess; returns CompletedProcess."""
    import subprocess

    def run(*args, cwd=None, env=None, input=None, timeout=300):
        e = dict(os.environ)
        e.pop("FORCE_COLOR", None)
        e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
        if env:
            e.update(env)
        return subprocess.run([sys.executable, "-m", "seedlint", *map(str, args)], cwd=cwd, env=e,
                              capture_output=True, text=True, input=input, timeout=timeout)

    return run
