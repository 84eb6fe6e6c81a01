"""Property tests over generated programs: fix never raises, its output parses, a second pass is stable.

hypothesmith generates syntactically valid Python; seeding-related code is put around it so that the
fixes have something to do (a seed block, a benchmark flag, an unseeded generator, a shuffled loader, a
late seed). The example count is modest by default and the examples are the same on every run; for a
longer local run with fresh examples:

    SEEDLINT_HYPOTHESIS_EXAMPLES=2000 SEEDLINT_HYPOTHESIS_RANDOM=1 python -m pytest tests/fix/test_fix_property.py
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from seedlint.fix import fix_paths  # noqa: E402

EXAMPLES = int(os.environ.get("SEEDLINT_HYPOTHESIS_EXAMPLES", 30))

HEADS = [
    "import torch\nimport numpy as np\n",
    '"""Generated."""\nfrom __future__ import annotations\nimport random\nimport torch\nimport numpy as np\n',
    "import torch as th\nfrom torch.utils.data import DataLoader\nimport numpy as np\nimport random\n",
]
TAILS = [
    "\nx = torch.randn(3)\n",
    "\nnp.random.shuffle([1, 2])\ntorch.backends.cudnn.benchmark = True\ng = np.random.default_rng()\n",
    "\nif __name__ == '__main__':\n    w = torch.nn.Linear(2, 2)\n    torch.manual_seed(0)\n"
    "    random.random()\n",
    "\nloader = DataLoader([1, 2], shuffle=True, num_workers=2)\ntg = th.Generator()\n"
    "th.use_deterministic_algorithms(False)\n",
]


def _compiles(src: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(src, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _run(root: Path, **kw):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return fix_paths([root], no_cache=True, jobs=1, **kw)
    finally:
        os.chdir(cwd)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("SEEDLINT_HYPOTHESIS_RANDOM") is None,
          suppress_health_check=list(HealthCheck))
@given(code=hypothesmith.from_grammar(), head=st.sampled_from(HEADS), tail=st.sampled_from(TAILS),
       unsafe=st.booleans(), inline=st.booleans())
def test_fix_never_raises_output_parses_and_second_pass_is_stable(code, head, tail, unsafe, inline):
    src = head + code + tail
    compiles = _compiles(src)
    root = Path(tempfile.mkdtemp(prefix="seedlint-prop-"))
    try:
        (root / "pyproject.toml").write_text("[project]\nname = 'prop'\nversion = '0'\n")
        path = root / "case.py"
        path.write_text(src, encoding="utf-8")
        report = _run(root, unsafe_fixes=unsafe, inline=inline)
        assert not report.errors, (report.errors, src)
        out = path.read_text(encoding="utf-8")
        ast.parse(out)
        if compiles:
            assert _compiles(out), out
        again = _run(root, unsafe_fixes=unsafe, inline=inline)
        assert not again.errors, again.errors
        assert not again.changed_files(), (src, out, again.diff())
    finally:
        shutil.rmtree(root, ignore_errors=True)
