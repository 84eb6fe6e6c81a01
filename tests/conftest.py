import importlib.util
import os
import shutil
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


def torch_dir() -> Path:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torch is not installed (it is in the test extras)")
    return Path(list(spec.submodule_search_locations)[0])


@pytest.fixture(scope="session")
def real_tree(tmp_path_factory):
    """A sizeable real tree: torch's data loading, nn and optim packages (a few hundred files)."""
    src = torch_dir()
    dst = tmp_path_factory.mktemp("real") / "torchsub"
    for sub in ("utils/data", "nn", "optim", "distributed/elastic"):
        shutil.copytree(src / sub, dst / sub, ignore=shutil.ignore_patterns("__pycache__"))
    (dst / "pyproject.toml").write_text("[project]\nname = 'torchsub'\nversion = '0'\n")
    return dst
