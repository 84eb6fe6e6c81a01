from __future__ import annotations

from typing import Dict, Iterator, List, Tuple

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.project.analysis import ProjectContext, Site, diag, relative_label
from seedlint.rules.base import Invalid, Rule, Valid

_NAMES = {"random": "python `random`", "numpy": "numpy's global RNG", "torch": "torch's RNG"}


class SeedAfterUse(Rule):
    """Reports a seed set after the RNG it seeds was already used.

    ## What it does
    Walks each program's straight-line flow (the entry's top level, its `__main__` block and the
    functions they call, not descending into loops or branches for uses, except a draw that both branches
    of an `if`/`else` make, outside further conditions: it happens whichever runs) and reports a seeding
    call (direct, or through a helper) that comes after a draw from the same RNG: the model is built, then
    `torch.manual_seed` is called. A call that seeds several RNGs late (`set_seed`) is one finding that
    names each. Building what draws later (a random torchvision transform, drawing
    when applied to a sample; a shuffling `DataLoader` or a random sampler, drawing when iterated,
    `RandomSampler.__iter__`, `torch/utils/data/sampler.py:160-165`) is not a draw.

    ## Why is this bad?
    Whatever was drawn before the seed (the initial weights of a model built before
    `torch.manual_seed`, a shuffled file list) came from an unseeded generator and differs on every
    run, even though the program "sets a seed".

    ## Example
    ```python
    model = Net()            # weights drawn here
    torch.manual_seed(0)     # too late for them
    ```

    ## Use instead
    ```python
    torch.manual_seed(0)
    model = Net()
    ```

    ## Fix safety
    `seedlint fix --unsafe-fixes` moves the seeding statement before the first use when both are
    plain statements of the same block. Unsafe: the numbers drawn after the move change.

    ## References
    - Research notes (torch-determinism.md), "Seeding": `torch.manual_seed` seeds the generator from that point
      on (`torch/random.py:49-86`); draws made before it are unaffected.
    - PyTorch, "Reproducibility": https://pytorch.org/docs/stable/notes/randomness.html
    """

    code = "SDL007"
    name = "seed-after-use"
    message = "seed set after the RNG was already used"
    scope = "program"
    fix = FixSafety.UNSAFE
    VALID = [
        # used in one branch only (or in every branch of an if/elif without an else): maybe not used at all
        "import numpy as np\nif __name__ == '__main__':\n    if n > 0:\n        idx = np.random.permutation(n)\n"
        "    else:\n        idx = list(range(3))\n    np.random.seed(0)\n",
        "import numpy as np\nif __name__ == '__main__':\n    if n > 0:\n        idx = np.random.permutation(n)\n"
        "    elif n < 0:\n        idx = np.random.permutation(3)\n    np.random.seed(0)\n",
        "import torch\nimport torch.nn as nn\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
        "    model = nn.Linear(2, 2)\n",
        "import random\nif __name__ == '__main__':\n    random.seed(1)\n    random.shuffle([1])\n    random.seed(2)\n",
        "import torch\nimport numpy as np\nif __name__ == '__main__':\n    x = torch.randn(2)\n    np.random.seed(0)\n",
        Valid({"train.py": "import torch\nfrom util import seed_all\nif __name__ == '__main__':\n"
                           "    seed_all(3)\n    w = torch.rand(3)\n",
               "util.py": "import torch\ndef seed_all(s):\n    torch.manual_seed(s)\n"}),
        # building a random transform or a shuffling loader draws nothing yet: it draws when applied / iterated
        "import torch\nfrom torchvision import transforms\nfrom torch.utils.data import DataLoader\n"
        "tf = transforms.Compose([transforms.RandomCrop(28, padding=4), transforms.ToTensor()])\n"
        "if __name__ == '__main__':\n    dl = DataLoader(ds, shuffle=True)\n    torch.manual_seed(0)\n"
        "    for x in dl:\n        pass\n",
    ]
    INVALID = [
        Invalid("import torch\nimport torch.nn as nn\nif __name__ == '__main__':\n    model = nn.Linear(2, 2)\n"
                "    torch.manual_seed(0)\n", expected=((5, 5),),
                fixed="import torch\nimport torch.nn as nn\nif __name__ == '__main__':\n"
                      "    torch.manual_seed(0)\n    model = nn.Linear(2, 2)\n"),
        # peft's get_peft_model draws the new LoRA weights from torch's RNG
        Invalid("import torch\nfrom peft import LoraConfig, get_peft_model\nif __name__ == '__main__':\n"
                "    model = get_peft_model(base, LoraConfig(r=8))\n    torch.manual_seed(0)\n"
                "    torch.optim.SGD(model.parameters(), lr=0.1).step()\n", expected=((5, 5),),
                fixed="import torch\nfrom peft import LoraConfig, get_peft_model\nif __name__ == '__main__':\n"
                      "    torch.manual_seed(0)\n    model = get_peft_model(base, LoraConfig(r=8))\n"
                      "    torch.optim.SGD(model.parameters(), lr=0.1).step()\n"),
        # used in both branches of an if/else: used whichever runs
        Invalid("import numpy as np\nif __name__ == '__main__':\n    if n > 0:\n        idx = np.random.permutation(n)\n"
                "    else:\n        idx = np.random.permutation(3)\n    np.random.seed(0)\n", expected=((7, 5),),
                fixed="import numpy as np\nif __name__ == '__main__':\n    np.random.seed(0)\n    if n > 0:\n"
                      "        idx = np.random.permutation(n)\n    else:\n        idx = np.random.permutation(3)\n"),
        # one seeding call late for two RNGs: one finding that names both
        Invalid("import numpy as np\nimport torch\nfrom transformers import set_seed\nif __name__ == '__main__':\n"
                "    model = torch.nn.Linear(2, 2)\n    idx = np.random.permutation(4)\n    set_seed(0)\n",
                expected=((7, 5),),
                fixed="import numpy as np\nimport torch\nfrom transformers import set_seed\nif __name__ == '__main__':\n"
                      "    set_seed(0)\n    model = torch.nn.Linear(2, 2)\n    idx = np.random.permutation(4)\n"),
        Invalid("import numpy as np\nidx = np.random.permutation(5)\nnp.random.seed(1)\n", expected=((3, 1),),
                fixed="import numpy as np\nnp.random.seed(1)\nidx = np.random.permutation(5)\n"),
        Invalid({"train.py": "from models import build\nfrom helpers import set_seed as seed_it\n"
                             "def main():\n    net = build()\n    seed_it(0)\nif __name__ == '__main__':\n    main()\n",
                 "models.py": "import torch.nn as nn\ndef build():\n    return nn.Sequential(nn.Linear(2, 2))\n",
                 "helpers.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n"},
                expected=((5, 5),), path="train.py",
                fixed="from models import build\nfrom helpers import set_seed as seed_it\ndef main():\n"
                      "    seed_it(0)\n    net = build()\nif __name__ == '__main__':\n    main()\n"),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        for prog in ctx.programs:
            # one finding per seeding call, naming each RNG it seeds too late (`set_seed` seeds them all)
            by_site: Dict[Site, List[Tuple[str, Site]]] = {}
            for seed_site, rng, use_site in prog.straight.violations:
                by_site.setdefault(seed_site, []).append((rng, use_site))
            for seed_site, late in by_site.items():
                late.sort(key=lambda x: (x[1].path, x[1].line, x[1].col))
                parts = []
                for i, (rng, use_site) in enumerate(late):
                    if use_site.path == seed_site.path:
                        where = f"line {use_site.line}"
                    else:
                        where = f"{relative_label(use_site.path, ctx.project.root)}:{use_site.line}"
                    what = f" ({use_site.what})" if use_site.what else ""
                    parts.append(f"{_NAMES[rng]} is seeded here, after it was already used at {where}{what}" if not i
                                 else f"{_NAMES[rng]} after its use at {where}{what}")
                yield diag(seed_site, self.code,
                           f"{', and '.join(parts)}: what was drawn before the seed is not reproducible; seed first",
                           self.fix, quotes=tuple(u for _, u in late))
