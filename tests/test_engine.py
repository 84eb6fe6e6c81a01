"""Engine guarantees: findings do not depend on the cache, the worker count or the files named."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from seedlint.api import check_paths
from seedlint.engine import parallel
from tests.conftest import REPO, torch_dir as _torch_dir


def _key(res):
    return [(d.path, d.line, d.col, d.code, d.message) for d in res.diagnostics]


@pytest.mark.parametrize("tree", ["fixtures", "real"])
def test_findings_identical_with_and_without_cache_and_across_worker_counts(tree, real_tree, tmp_path, monkeypatch):
    if tree == "fixtures":
        root = tmp_path / "fx"
        shutil.copytree(REPO / "fixtures", root)
        (root / "pyproject.toml").write_text("[project]\nname = 'fx'\nversion = '0'\n")
    else:
        root = real_tree
    monkeypatch.chdir(root)
    monkeypatch.setattr(parallel, "POOL_THRESHOLD", 4)  # make sure the pool really runs
    shutil.rmtree(root / ".seedlint_cache", ignore_errors=True)
    baseline = check_paths([root], no_cache=True, jobs=1)
    assert baseline.diagnostics, "the tree should have findings"
    pooled = check_paths([root], no_cache=True, jobs=2)
    cold = check_paths([root], jobs=2)  # fills the cache
    warm = check_paths([root], jobs=2)
    assert warm.analysed == 0 and warm.cache_hits >= len(warm.files)
    assert _key(baseline) == _key(pooled) == _key(cold) == _key(warm)


def test_cache_notices_a_changed_file(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    f = tmp_path / "a.py"
    f.write_text("import torch\ntorch.backends.cudnn.benchmark = False\n")
    monkeypatch.chdir(tmp_path)
    assert check_paths([tmp_path]).diagnostics == []
    f.write_text("import torch\ntorch.backends.cudnn.benchmark = True\n")
    res = check_paths([tmp_path])
    assert [d.code for d in res.diagnostics] == ["SDL101"]
    assert res.analysed == 1


def test_cache_survives_a_corrupt_cache_file(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
    (tmp_path / "a.py").write_text("import torch\ntorch.backends.cudnn.benchmark = True\n")
    monkeypatch.chdir(tmp_path)
    check_paths([tmp_path])
    corrupted = 0
    for f in (tmp_path / ".seedlint_cache").rglob("*"):
        if f.is_file() and f.name != ".gitignore":
            f.write_bytes(b"\x00garbage")
            corrupted += 1
    assert corrupted >= 3  # stats, project outcome, a file's facts
    assert [d.code for d in check_paths([tmp_path]).diagnostics] == ["SDL101"]


@pytest.mark.slow
def test_whole_torch_package_ends_without_traceback(tmp_path):
    """`seedlint check` over the installed torch package: exit 0 or 1 and no traceback."""
    src = _torch_dir()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "seedlint", "check", str(src), "--no-cache", "--quiet"],
                       capture_output=True, text=True, env=env, timeout=1200, cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    assert len(list(src.rglob("*.py"))) > 2000


@pytest.mark.parametrize("tree", ["fixtures", "real"])
def test_project_analysis_does_not_depend_on_the_order_files_arrive_in(tree, real_tree, monkeypatch):
    """The pool returns files as they finish: the join must give the same findings for any order."""
    import random

    from seedlint.project.analysis import analyze_project

    root = REPO / "fixtures" if tree == "fixtures" else real_tree
    monkeypatch.chdir(root)
    res = check_paths([root], keep_results=True, no_cache=True)
    keys = sorted(res.results)

    def findings(order):
        diags, errors = analyze_project({k: res.results[k] for k in order}, res.root, res.config, set(keys))
        assert not errors
        return sorted((d.path, d.line, d.col, d.code, d.message) for d in diags)

    baseline = findings(keys)
    assert baseline
    rnd = random.Random(0)
    for _ in range(3):
        order = keys[:]
        rnd.shuffle(order)
        assert findings(order) == baseline
    assert findings(list(reversed(keys))) == baseline


@pytest.mark.parametrize("prefix", ["", "é = 'ü'; "])
def test_columns_are_characters_in_ascii_and_non_ascii_files(prefix):
    """Findings and fact events give 1-based character columns; a non-ASCII line shifts byte offsets."""
    from seedlint.engine.filepass import process_source

    src = f"import torch\n{prefix}torch.backends.cudnn.benchmark = True\n{prefix}torch.manual_seed(0)\n"
    res = process_source("/p/m.py", src.encode(), "d")
    col = len(prefix) + 1
    assert [(d["code"], d["line"], d["col"]) for d in res.diagnostics] == [("SDL101", 2, col)]
    events = [(ev["l"], ev["c"]) for fn in res.facts["functions"].values() for ev in fn["events"] if ev["l"] == 3]
    assert events and all(c == col for _, c in events)


def test_a_sealed_summary_is_hollow_only_when_every_field_is_empty():
    """Merging skips a hollow summary at once: a field that seal() forgets would drop facts silently."""
    from seedlint.project.analysis import Site, Summary

    site = Site("a.py", 1, 1)
    empty = Summary()
    empty.seal()
    assert empty.hollow
    for name in Summary.__slots__:
        if name == "hollow":
            continue
        s = Summary()
        value = getattr(s, name)
        if isinstance(value, dict):
            value[("key",)] = site
        elif isinstance(value, bool):
            setattr(s, name, True)
        else:
            assert value is None, name
            setattr(s, name, site)
        s.seal()
        assert not s.hollow, name
        into = Summary()
        into.merge(s)
        assert getattr(into, name) == getattr(s, name) or name in ("det_algos", "det_raise"), name


def test_a_module_that_only_warns_on_import_is_no_program(tmp_path):
    """A file no project file imports and that runs top-level code is a program (a script). A deprecation
    shim, whose only top-level call warns, is library code: counting it made every module it imports a
    program's, with CUDA and no deterministic mode (seen in pytorch-ignite and torch's own hipify)."""
    from tests.helpers import write_project

    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/core.py": "import torch\n\n\ndef to_gpu(x):\n    return torch.nn.Conv1d(1, 1, 1).cuda()(x.cuda())\n\n\n"
                       "DEVICE = torch.device('cuda')\n",
        "pkg/old_core.py": "import warnings\nwarnings.warn('moved to pkg.core', DeprecationWarning)\n"
                           "warnings.simplefilter('default')\nfrom pkg.core import *  # noqa\n",
        "train.py": "import warnings\nwarnings.filterwarnings('ignore')\nimport torch\n"
                    "from pkg.core import to_gpu\n\n\n"
                    "def main():\n    torch.manual_seed(0)\n    to_gpu(torch.zeros(1)).sum().backward()\n\n\nmain()\n",
    })
    res = check_paths([tmp_path], no_cache=True)
    assert sorted(p.label for p in res.programs) == ["train.py"]
    assert [d.code for d in res.diagnostics] == ["SDL102"]


def test_a_library_modules_self_test_is_no_program(tmp_path):
    """A package module that other project code imports is library code: its ``__main__`` block tries it
    out (nnunetv2's losses, kuangliu's models). It is still a program when it reads a command line, or when
    no project file but a test imports it."""
    from tests.helpers import write_project

    write_project(tmp_path, {
        "models/__init__.py": "from .net import Net\n",
        "models/net.py": "import torch\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                         "        return x\n\n\nif __name__ == '__main__':\n    print(Net()(torch.rand(2, 3)).shape)\n",
        "models/train.py": "import argparse\nimport torch\nfrom models import Net\n\n\ndef main():\n"
                           "    argparse.ArgumentParser().parse_args()\n    torch.manual_seed(0)\n    Net()\n\n\n"
                           "if __name__ == '__main__':\n    main()\n",
        "models/cli.py": "from models.train import main\nmain()\n",
        "models/tool.py": "import random\n\n\nif __name__ == '__main__':\n    print(random.random())\n",
        "tests/test_tool.py": "from models import tool\n",
    })
    res = check_paths([tmp_path], no_cache=True)
    assert sorted(p.label for p in res.programs) == ["models/cli.py", "models/tool.py", "models/train.py"]
    assert [d.code for d in res.diagnostics] == ["SDL001"]


def test_a_training_script_named_like_a_test_is_a_program(tmp_path):
    """pytest collects ``*_test.py`` and ``test_*.py``, but TCN names its training scripts ``add_test.py`` and
    ``pmnist_test.py``: a ``*_test.py`` file that reads a command line, trains and imports no test framework
    is a program. A test module with the same body plus ``import pytest`` is not, nor is a ``test_*.py``
    script (accelerate's tests launch such scripts)."""
    from tests.helpers import write_project

    body = ("import argparse\nimport numpy as np\nimport torch\n\nparser = argparse.ArgumentParser()\n"
            "args = parser.parse_args()\ntorch.manual_seed(0)\nX = torch.from_numpy(np.random.rand(8, 2))\n"
            "model = torch.nn.Linear(2, 1).double()\nmodel(X).sum().backward()\n")
    write_project(tmp_path, {"pyproject.toml": "", "adding/add_test.py": body,
                             "model_test.py": "import pytest\n" + body, "test_train.py": body,
                             "tests/train.py": body})
    res = check_paths([tmp_path], no_cache=True)
    assert [p.label for p in res.programs] == ["adding/add_test.py"]
    assert [(os.path.basename(d.path), d.code) for d in res.diagnostics] == [("add_test.py", "SDL002")]


def test_a_flat_layout_modules_self_test_is_no_program_unless_it_trains_or_writes(tmp_path):
    """Beside the scripts of a flat layout, an imported module's ``__main__`` block that reads no command line
    is a self-test too (awd-lstm-lm's ``embed_regularize.py``, ogb's ``gnn.py``), but not when it trains or
    names a way to leave an output behind: such a block may prepare what the training script loads (a
    ``utils.py`` that writes the embedding table with random rows for unknown words)."""
    from tests.helpers import write_project

    write_project(tmp_path, {
        "pyproject.toml": "",
        "model.py": "import torch\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                    "        return torch.nn.functional.dropout(x)\n\n\n"
                    "if __name__ == '__main__':\n    print(Net()(torch.rand(2, 3)))\n",
        "utils.py": "import numpy as np\n\n\ndef load():\n    return np.load('emb.npy')\n\n\n"
                    "if __name__ == '__main__':\n    np.save('emb.npy', np.random.rand(10, 3))\n",
        "fit.py": "import torch\n\n\ndef step(net):\n    net(torch.rand(2, 3)).sum().backward()\n\n\n"
                  "if __name__ == '__main__':\n    step(torch.nn.Linear(3, 1))\n",
        "train.py": "import torch\nfrom model import Net\nfrom utils import load\nfrom fit import step\n\n\n"
                    "if __name__ == '__main__':\n    torch.manual_seed(0)\n    load()\n    step(Net())\n",
    })
    res = check_paths([tmp_path], no_cache=True)
    assert sorted(p.label for p in res.programs) == ["fit.py", "train.py", "utils.py"]
    assert sorted((d.code, os.path.basename(d.path)) for d in res.diagnostics) == [
        ("SDL002", "utils.py"), ("SDL003", "fit.py")]


def test_a_package_module_that_only_assigns_is_no_program(tmp_path):
    """In a package, top-level assignments (``example_inputs = (torch.randn(3),)``, a table built with
    ``np.array``) are library code, unless the module also runs something (a call statement, a loop).
    Outside a package, a script made of assignments alone is still a program."""
    from tests.helpers import write_project

    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/examples.py": "import torch\n\n\nclass Ex(torch.nn.Module):\n    pass\n\n\n"
                           "example_inputs = (torch.randn(3, 2),)\nmodel = Ex()\n",
        "pkg/job.py": "import torch\nx = torch.randn(3)\nfor _ in range(2):\n    x = x * 2\n",
        "loose.py": "import torch\nx = torch.randn(3)\n",
    })
    res = check_paths([tmp_path], no_cache=True)
    assert sorted(p.label for p in res.programs) == ["loose.py", "pkg/job.py"]


def test_modules_a_script_imports_import_their_siblings_from_the_scripts_folder(tmp_path):
    """`cd code && python train.py` (SSL4MIS and much research code): Python puts code/ first on sys.path, so
    code/networks/factory.py's `from networks.nets import Up` is code/networks/nets.py. Unresolved, the layer
    was judged apart from the program and its cudnn.deterministic (a false SDL301)."""
    from tests.helpers import write_project

    write_project(tmp_path, {
        "code/train.py": "import torch\nimport torch.backends.cudnn as cudnn\nfrom networks.factory import build\n"
                         "if __name__ == '__main__':\n    cudnn.deterministic = True\n    torch.manual_seed(0)\n"
                         "    model = build()\n    model(torch.randn(2, 4, 8, 8).cuda()).sum().backward()\n",
        "code/networks/factory.py": "from networks.nets import Up\ndef build():\n    return Up().cuda()\n",
        "code/networks/nets.py": "import torch.nn as nn\nclass Up(nn.Module):\n    def __init__(self):\n"
                                 "        super().__init__()\n        self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)\n",
    })
    res = check_paths([tmp_path], no_cache=True)
    assert [p.label for p in res.programs] == ["code/train.py"]
    assert res.diagnostics == []


def test_an_unseeded_use_reached_by_several_programs_names_one_that_trains(tmp_path):
    from tests.helpers import check, write_project

    # `aaa_eval.py` comes first by name; the draw under a training-only option is named with train.py
    write_project(tmp_path, {
        "aaa_eval.py": "from data import Boxes\nif __name__ == '__main__':\n    print(Boxes(multiscale=False).get())\n",
        "train.py": "import torch\nfrom data import Boxes\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
                    "    net = torch.nn.Linear(2, 2)\n    opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
                    "    print(Boxes(multiscale=True).get())\n",
        "data.py": "import random\nclass Boxes:\n    def __init__(self, multiscale):\n        self.multiscale = multiscale\n"
                   "    def get(self):\n        return random.choice([320, 416]) if self.multiscale else 416\n",
    })
    (d,) = check(tmp_path, select=["SDL001"])
    assert "program `train.py`" in d.message and "(also in 1 other program)" in d.message


def test_sdl102_names_the_unread_library_that_is_its_only_kernel_evidence(tmp_path):
    """When only an import of a package seedlint does not read makes deterministic mode matter to a program,
    SDL102 says so (a linear-only model library would make the finding moot); not when the program's own
    code shows a convolution, nor for a well-known model library."""
    from tests.helpers import write_project

    main = ("import torch\nfrom {lib} import Model\n\n\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
            "    m = Model().cuda()\n    torch.optim.SGD(m.parameters(), lr=0.1)\n    m(torch.ones(2)).sum().backward()\n")
    write_project(tmp_path, {"pyproject.toml": "", "a.py": main.format(lib="deepctr_torch.models"),
                             "b.py": main.format(lib="convnet") + "    torch.nn.Conv2d(3, 8, 3)\n",
                             "c.py": main.format(lib="transformers"),
                             "convnet.py": "import torch\nModel = torch.nn.Linear\n"})
    res = check_paths([tmp_path], no_cache=True)
    msgs = {os.path.basename(d.path): d.message for d in res.diagnostics if d.code == "SDL102"}
    assert "an import of `deepctr_torch.models`, which seedlint does not read" in msgs["a.py"]
    assert "does not read" not in msgs["b.py"]
    assert "does not read" not in msgs["c.py"]  # (a model library of attention layers: no doubt there)
