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
    so they are uses too. Generator objects (`np.random.default_rng(seed)`)
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
    ]
    INVALID = [
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
