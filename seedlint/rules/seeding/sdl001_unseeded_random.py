from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.rules.base import Invalid, Rule, Valid
from seedlint.rules.seeding._unseeded import unseeded


class UnseededPythonRandom(Rule):
    """Reports a program that uses python `random` and never seeds it.

    ## What it does
    Follows each program from its entry point (a `__main__` guard, a top-level script, a
    `[project.scripts]` target) through the modules it imports and the functions it calls (also those it
    hands to a command-line runner: `fire.Fire(main)`, `typer.run(main)`, absl's `app.run(main)`,
    `jsonargparse.CLI`, `tyro.cli`, `defopt.run`, `plac.call`), and reports
    the first use of the `random` module's global generator (`random.shuffle`, `random.choice`,
    `random.random` ..., also as names `from random import *` binds, and library functions that draw from
    it: torch_geometric's `negative_sampling` and `batched_negative_sampling` sample candidate edges with
    `random.sample`, torch_geometric 2.8.1 `utils/_negative_sampling.py:96`, `:109`, `:322-329`) when
    nothing on that way calls `random.seed` or a helper that does
    (Lightning `seed_everything`, transformers `set_seed`, the project's own `set_seed` ...). Reported
    once per program, at the first use. A module no entry point reaches gets no finding. Uses inside
    `Dataset.__getitem__` are covered when torch is seeded and the loader has workers, since each
    worker reseeds `random` from torch's seed (and there only torch's seed counts: `random.seed` in the
    main process does not reach them, and the finding asks for `torch.manual_seed`); so are the helpers `__getitem__` calls, the methods of
    a dataset's transform (`ImageFolder(root, transform=Aug())`, also through a local name, and what
    a `Compose([...])` chains) and of the objects a dataset's `__init__` builds, all of which run
    where `__getitem__` does. A draw that picks a network port (`port = random.randint(10000, 20000)`,
    `os.environ["MASTER_PORT"] = str(random.randint(...))`, `init(port=random.randint(...))`: a name,
    attribute, key or keyword with the word `port`) is not a use: no number the run computes depends
    on it; nor is one that labels the run (`run_id = random.randint(1, 100000)`, `exp_name`, `logdir`: a
    name with `run`, `exp`, `experiment`, `job` or `trial` and `id`, `name`, `tag` or `label`, or a log
    folder), which names where its outputs go. Nor is a pick from a string of characters (`random.choice(chars)`, `random.choices(string.ascii_letters
    + string.digits, k=8)`: a literal, `string` constants, or a name given one), which makes a run's name.

    ## Why is this bad?
    Python seeds its global generator from OS entropy at start-up, so every run draws different
    numbers: data splits, augmentation and sampling change from run to run.

    ## Example
    ```python
    import random

    if __name__ == "__main__":
        files = list_files()
        random.shuffle(files)
    ```

    ## Use instead
    ```python
    import random

    if __name__ == "__main__":
        random.seed(0)
        files = list_files()
        random.shuffle(files)
    ```

    ## Fix safety
    `seedlint fix` inserts a seed block at the entry point (`seed_everything(SEED)` from
    `seedlint.runtime`, or inline seeding with `--inline`). It is safe: an unseeded run had no
    reproducible numbers to preserve.

    ## References
    - Python docs, `random.seed`: "If a is omitted or None, the current system time is used" / OS randomness.
    - Research notes (torch-determinism.md), "DataLoader": each worker calls `random.seed(base_seed + worker_id)`
      (`torch/utils/data/_utils/worker.py:244-306`).
    """

    code = "SDL001"
    name = "unseeded-python-random"
    message = "program uses python random without seeding it"
    scope = "program"
    fix = FixSafety.SAFE
    VALID = [
        # characters picked for a run's name (XLM's exp_id): no number of the run depends on them
        "import random, string\nif __name__ == '__main__':\n    chars = 'abcdefghijklmnopqrstuvwxyz0123456789'\n"
        "    exp_id = ''.join(random.choice(chars) for _ in range(10))\n"
        "    tag = ''.join(random.choices(string.ascii_letters + string.digits, k=8))\n",
        "import random\nif __name__ == '__main__':\n    random.seed(0)\n    print(random.random())\n",
        "import random\ndef pick(xs):\n    return random.choice(xs)\n",
        Valid({"train.py": "from utils import set_seed\nimport random\nif __name__ == '__main__':\n"
                           "    set_seed(1)\n    random.shuffle([1, 2])\n",
               "utils.py": "import random as r\ndef set_seed(s):\n    r.seed(s)\n"}),
        "from lightning.pytorch import seed_everything\nimport random\nseed_everything(3)\nx = random.random()\n",
        # run in the loader's workers, which reseed `random` from torch's seed: a transform (chained by Compose,
        # given through a name), a helper of __getitem__, an object the dataset builds
        "import random, torch\nfrom torchvision import datasets, transforms\nclass Blur:\n"
        "    def __call__(self, img):\n        return img if random.random() < 0.5 else img\n"
        "class Views:\n    def __init__(self):\n        self.t = transforms.Compose([Blur(), transforms.ToTensor()])\n"
        "    def __call__(self, img):\n        return self.t(img)\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    tf = Views()\n"
        "    ds = datasets.ImageFolder('d', transform=tf)\n"
        "    for x in torch.utils.data.DataLoader(ds, num_workers=4):\n        pass\n",
        "import random, torch\nfrom torch.utils.data import Dataset, DataLoader\ndef jitter(x):\n"
        "    return x + random.random()\nclass Noise:\n    def __call__(self, x):\n        return x * random.random()\n"
        "class DS(Dataset):\n    def __init__(self):\n        self.noise = Noise()\n"
        "    def __getitem__(self, i):\n        return self.noise(jitter(i))\n"
        "if __name__ == '__main__':\n    torch.manual_seed(0)\n    for b in DataLoader(DS(), num_workers=2):\n"
        "        pass\n",
        # ... and the seed it sets there counts
        Valid("import random, typer\ndef main(seed: int = 0):\n    random.seed(seed)\n    print(random.random())\n"
              "if __name__ == '__main__':\n    typer.run(main)\n"),
        # a free port for the process group: the run's numbers do not depend on it
        Valid("import os, random\nif __name__ == '__main__':\n    port = random.randint(10000, 20000)\n"
              "    os.environ['MASTER_PORT'] = str(random.randint(10000, 20000))\n"
              "    init(f'tcp://localhost:{port}', master_port=random.randrange(20000, 30000))\n"
              "    free_port: int = random.randint(30000, 40000)\n"),
        # a run's label names its log folder (pytorch-semseg), before the seed is set: no SDL007 either
        Valid("import os, random\nif __name__ == '__main__':\n    run_id = random.randint(1, 100000)\n"
              "    logdir = os.path.join('runs', str(run_id))\n    random.seed(0)\n    print(random.random())\n"),
    ]
    INVALID = [
        # a draw in DataLoader workers: they reseed `random` from torch's seed, so `random.seed` in the main
        # process does not reach it (a-PyTorch-Tutorial-to-Super-Resolution's crops)
        Invalid("import random, torch\nfrom torch.utils.data import Dataset, DataLoader\nclass DS(Dataset):\n"
                "    def __getitem__(self, i):\n        return i + random.randint(0, 9)\n"
                "if __name__ == '__main__':\n    random.seed(0)\n    for b in DataLoader(DS(), num_workers=2):\n"
                "        pass\n", expected=((5, 20),),
                fixed="import random, torch\nfrom torch.utils.data import Dataset, DataLoader\nclass DS(Dataset):\n"
                      "    def __getitem__(self, i):\n        return i + random.randint(0, 9)\n"
                      "if __name__ == '__main__':\n    torch.manual_seed(0)\n    random.seed(0)\n"
                      "    for b in DataLoader(DS(), num_workers=2):\n        pass\n"),
        # ... but a pick among settings is a draw the run depends on
        Invalid("import random\nif __name__ == '__main__':\n    opt = random.choice(['sgd', 'adam'])\n",
                expected=((3, 11),)),
        # a command-line runner calls the function it is given
        Invalid("import fire, random\ndef main(n=3):\n    return random.sample(range(10), n)\n"
                "if __name__ == '__main__':\n    fire.Fire(main)\n", expected=((3, 12),)),
        # torch_geometric's negative sampling draws from python random (seeding torch is not enough)
        Invalid("import torch\nfrom torch_geometric.utils import negative_sampling\nif __name__ == '__main__':\n"
                "    torch.manual_seed(0)\n    neg = negative_sampling(edge_index, num_nodes=10)\n", expected=((5, 11),),
                fixed="import torch\nfrom torch_geometric.utils import negative_sampling\nimport random\n"
                      "if __name__ == '__main__':\n    random.seed(0)\n"
                      "    torch.manual_seed(0)\n    neg = negative_sampling(edge_index, num_nodes=10)\n"),
        # `from random import *` binds the draws as `from random import shuffle` would (and `random` the function:
        # the fix does not rebind it)
        Invalid("from random import *\nif __name__ == '__main__':\n    xs = [1, 2]\n    shuffle(xs)\n    print(random())\n",
                expected=((4, 5),),
                fixed="from random import *\nfrom seedlint.runtime import seed_everything as _seedlint_seed_everything\n"
                      "if __name__ == '__main__':\n    _seedlint_seed_everything(0)\n    xs = [1, 2]\n    shuffle(xs)\n"
                      "    print(random())\n"),
        # a word that only contains "port" is not a port
        Invalid("import random\nif __name__ == '__main__':\n    report = random.random()\n", expected=((3, 14),)),
        # the same transform, no workers: it runs in the main process, where `random` is not seeded
        Invalid("import random, torch\nfrom torchvision import datasets\nclass Blur:\n"
                "    def __call__(self, img):\n        return img if random.random() < 0.5 else img\n"
                "if __name__ == '__main__':\n    torch.manual_seed(0)\n"
                "    ds = datasets.ImageFolder('d', transform=Blur())\n"
                "    for x in torch.utils.data.DataLoader(ds):\n        pass\n", expected=((5, 23),)),
        Invalid("import random\nif __name__ == '__main__':\n    xs = [1, 2, 3]\n    random.shuffle(xs)\n",
                expected=((4, 5),),
                fixed="import random\nfrom seedlint.runtime import seed_everything\n"
                      "if __name__ == '__main__':\n    seed_everything(0)\n    xs = [1, 2, 3]\n"
                      "    random.shuffle(xs)\n"),
        Invalid("from random import choice as pick\nprint(pick([1, 2]))\n", expected=((2, 7),),
                fixed="from random import choice as pick\nfrom seedlint.runtime import seed_everything\n"
                      "seed_everything(0)\nprint(pick([1, 2]))\n"),
        Invalid({"main.py": "import data\nif __name__ == '__main__':\n    data.load()\n",
                 "data.py": "import random as rnd\ndef load():\n    return rnd.sample(range(10), 3)\n"},
                expected=((3, 12),), path="data.py"),
    ]

    def check_project(self, ctx) -> Iterator[Diagnostic]:
        return unseeded(ctx, "random", self.code)
