from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.rules.base import Invalid, Rule, Valid
from seedlint.rules.seeding._unseeded import unseeded


class UnseededNumpyGlobal(Rule):
    """Reports a program that uses numpy's global RNG and never seeds it.

    ## What it does
    Follows each program from its entry point through its imports and calls, and reports the first
    use of numpy's legacy global generator (`np.random.rand`, `np.random.shuffle`,
    `np.random.choice` ...) when nothing on the way calls `np.random.seed` or a helper that does.
    A helper that seeds only torch does not count. A Hugging Face `datasets` map-style dataset's
    `shuffle()` and `train_test_split(...)` without `seed=` or `generator=` take their seed from numpy's
    global state (`np.random.get_state()`; datasets 5.2.0, `arrow_dataset.py:4949-4954`, `:5177-5182`),
    so they are uses too. So are scikit-learn's splitters and shufflers given no `random_state`:
    `train_test_split` (unless `shuffle=False`), `sklearn.utils.shuffle` / `resample`, `ShuffleSplit` and its
    stratified and group kinds, the repeated k-folds, and `KFold` / `StratifiedKFold` / `GroupKFold` /
    `StratifiedGroupKFold` with `shuffle=True`: they pass `random_state` to `check_random_state`, which returns
    numpy's global `RandomState` for `None` (scikit-learn 1.9.1, `utils/validation.py:1477-1478`,
    `model_selection/_split.py:2951-2966`). Generator objects (`np.random.default_rng(seed)`)
    are not the global RNG and are not reported here (see SDL004). Uses inside Dataset methods are
    covered when torch is seeded and the loader has workers (workers reseed numpy since torch 1.9).

    ## Why is this bad?
    numpy seeds its global `RandomState` from OS entropy, so every run draws different numbers.
    `torch.manual_seed` does not seed numpy.

    ## Example
    ```python
    import numpy as np
    import torch

    def set_seed(seed):
        torch.manual_seed(seed)

    if __name__ == "__main__":
        set_seed(0)
        idx = np.random.permutation(1000)
    ```

    ## Use instead
    ```python
    def set_seed(seed):
        torch.manual_seed(seed)
        np.random.seed(seed)
    ```

    ## Fix safety
    `seedlint fix` inserts a seed block at the entry point. Safe: an unseeded run had no reproducible
    numbers to preserve.

    ## References
    - Research notes (torch-determinism.md), "Seeding": `torch.manual_seed` does not seed Python `random` or
      NumPy (`torch/random.py:49-86`); `numpy.random.seed` seeds the legacy global RandomState only.
    - NumPy, "Legacy random generation": https://numpy.org/doc/stable/reference/random/legacy.html
    """

    code = "SDL002"
    name = "unseeded-numpy-global"
    message = "program uses numpy's global RNG without seeding it"
    scope = "program"
    fix = FixSafety.SAFE
    VALID = [
        "import numpy as np\nif __name__ == '__main__':\n    np.random.seed(0)\n    x = np.random.rand(3)\n",
        "import numpy as np\nif __name__ == '__main__':\n    rng = np.random.default_rng(0)\n    x = rng.random(3)\n",
        "from transformers import set_seed\nimport numpy as np\nset_seed(42)\nnoise = np.random.normal(size=3)\n",
        Valid({"run.py": "import helpers\nif __name__ == '__main__':\n    helpers.setup()\n    helpers.go()\n",
               "helpers.py": "import numpy as np\ndef setup():\n    seed_all(0)\n"
                             "def seed_all(s):\n    np.random.seed(s)\ndef go():\n    return np.random.rand()\n"}),
        # ... with one, or not shuffled
        Valid("from datasets import load_dataset\nif __name__ == '__main__':\n    ds = load_dataset('imdb')\n"
              "    a = ds['train'].train_test_split(test_size=0.1, seed=0)\n    b = ds['test'].shuffle(42)\n"
              "    c = ds['train'].train_test_split(0.1, shuffle=False)\n"),
        # scikit-learn given a random_state, not shuffling, or shuffling with a value seedlint cannot read
        "from sklearn.model_selection import train_test_split, KFold\nfrom sklearn.utils import shuffle\n"
        "if __name__ == '__main__':\n    a = train_test_split(X, y, test_size=0.2, random_state=0)\n"
        "    b = train_test_split(X, shuffle=False)\n    c = KFold(5).split(X)\n"
        "    d = KFold(n_splits=5, shuffle=True, random_state=1)\n    e = shuffle(X, y, random_state=rng)\n"
        "    f = train_test_split(X, shuffle=args.shuffle)\n    g = train_test_split(X, **split_kwargs)\n",
    ]
    INVALID = [
        # scikit-learn without a random_state draws from numpy's global RandomState
        Invalid("from sklearn.model_selection import train_test_split\nif __name__ == '__main__':\n"
                "    X_tr, X_te = train_test_split(X, test_size=0.2)\n", expected=((3, 18),)),
        Invalid("import sklearn.model_selection as ms\nif __name__ == '__main__':\n"
                "    folds = ms.StratifiedKFold(n_splits=5, shuffle=True, random_state=None)\n", expected=((3, 13),)),
        Invalid("from sklearn.utils import shuffle\nif __name__ == '__main__':\n    X, y = shuffle(X, y)\n",
                expected=((3, 12),)),
        # a function defined inside the function the program runs, called there
        Invalid("import numpy as np\ndef experiment():\n    def get_batch(n):\n        return np.random.choice(10, size=n)\n"
                "    return get_batch(4)\nif __name__ == '__main__':\n    experiment()\n", expected=((4, 16),)),
        # a helper a package re-exports with `from .dm import *` in its __init__.py
        Invalid({"main.py": "from pkg.utils import draw\nif __name__ == '__main__':\n    draw()\n",
                 "pkg/__init__.py": "", "pkg/utils/__init__.py": "from .dm import *\n",
                 "pkg/utils/dm.py": "import numpy as np\ndef draw():\n    return np.random.rand()\n"},
                path="pkg/utils/dm.py", expected=((3, 12),)),
        # a Hugging Face dataset split without a seed
        Invalid("from datasets import load_dataset\nif __name__ == '__main__':\n    ds = load_dataset('imdb')\n"
                "    parts = ds['train'].train_test_split(test_size=0.1)\n", expected=((4, 13),)),
        Invalid("import numpy as np\nimport torch\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
                "    idx = np.random.permutation(10)\n", expected=((5, 11),),
                fixed="import numpy as np\nimport torch\nif __name__ == '__main__':\n    np.random.seed(0)\n"
                      "    torch.manual_seed(0)\n    idx = np.random.permutation(10)\n"),
        Invalid("from numpy import random as npr\nx = npr.randn(4)\n", expected=((2, 5),),
                fixed="from numpy import random as npr\nfrom seedlint.runtime import seed_everything\n"
                      "seed_everything(0)\nx = npr.randn(4)\n"),
        Invalid({"train.py": "from seeding import set_seed\nimport numpy as onp\nif __name__ == '__main__':\n"
                             "    set_seed(0)\n    onp.random.shuffle([1, 2])\n",
                 "seeding.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n"},
                expected=((5, 5),), path="train.py",
                fixed="from seeding import set_seed\nimport numpy as onp\nif __name__ == '__main__':\n"
                      "    onp.random.seed(0)\n    set_seed(0)\n    onp.random.shuffle([1, 2])\n"),
    ]

    def check_project(self, ctx) -> Iterator[Diagnostic]:
        return unseeded(ctx, "numpy", self.code)
