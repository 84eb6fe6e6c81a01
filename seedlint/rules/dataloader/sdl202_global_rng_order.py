from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.project.facts import FileContext, literal
from seedlint.rules.base import Finding, Invalid, Rule


class GlobalRngDataOrder(Rule):
    """Reports a random data order drawn from the global torch RNG.

    ## What it does
    Reports `DataLoader(shuffle=True)`, `RandomSampler`, `SubsetRandomSampler`,
    `WeightedRandomSampler` and `random_split` called without `generator=`.

    Off by default (turn it on with `--extend-select SDL202`, or `extend-select = ["SDL202"]` in
    `[tool.seedlint]`). In a program that seeds torch, this order is the same on every run with the
    same seed, so it is not what the default rules report: a run that repeats. What it costs is
    comparability between experiments, below. In a program that does not seed torch, SDL003 already
    reports the loader, the sampler or the split as a use of torch's global RNG.

    ## Why is this bad?
    Without a generator, the sampler draws its seed from the global torch RNG when iteration starts,
    and `random_split` draws from it directly. The data order then depends on how many numbers the
    program drew before (parameter init, dropout, augmentation): adding a layer or changing
    initialisation silently changes the data order, so two experiments that should differ only in the
    model also differ in the data. Unseeded, it differs on every run.

    ## Example
    ```python
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    train, val = random_split(full, [0.9, 0.1])
    ```

    ## Use instead
    ```python
    g = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=g)
    train, val = random_split(full, [0.9, 0.1], generator=torch.Generator().manual_seed(seed))
    ```

    ## Fix safety
    The fix adds `generator=torch.Generator().manual_seed(SEED)`. It is unsafe: the data order changes.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": `RandomSampler` without a generator draws its seed
      from the global torch RNG (`torch/utils/data/sampler.py:160-185`); `random_split` defaults to the global
      generator (`torch/utils/data/dataset.py:452`).
    - PyTorch, `torch.utils.data.DataLoader` (`generator` argument): https://pytorch.org/docs/stable/data.html
    """

    code = "SDL202"
    default = False  # a seeded program's order repeats run to run (see the docstring)
    name = "global-rng-data-order"
    message = "random data order drawn from the global torch RNG"
    fix = FixSafety.UNSAFE
    VALID = [
        "import torch\nfrom torch.utils.data import DataLoader\ng = torch.Generator().manual_seed(0)\n"
        "dl = DataLoader(ds, shuffle=True, generator=g)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, shuffle=False)\n",
        "from torch.utils.data import random_split\nimport torch\n"
        "a, b = random_split(ds, [8, 2], generator=torch.Generator().manual_seed(1))\n",
        "def random_split(x, y):\n    return x, y\na, b = random_split([1], [1])\n",
        # the generator passed by position
        "import torch\nfrom torch.utils.data import SubsetRandomSampler, random_split\n"
        "g = torch.Generator().manual_seed(0)\ns = SubsetRandomSampler([0, 1, 2], g)\n"
        "a, b = random_split(ds, [8, 2], g)\n",
    ]
    INVALID = [
        Invalid("from torch.utils.data import DataLoader\ndl = DataLoader(ds, batch_size=4, shuffle=True)\n",
                expected=((2, 6),),
                fixed="from torch.utils.data import DataLoader\nimport torch\n"
                      "dl = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))\n"),
        Invalid("import torch.utils.data as data\nsampler = data.RandomSampler(ds)\n", expected=((2, 11),),
                fixed="import torch.utils.data as data\nimport torch\n"
                      "sampler = data.RandomSampler(ds, generator=torch.Generator().manual_seed(0))\n"),
        # replacement and num_samples by position: still no generator
        Invalid("import torch.utils.data as data\nsampler = data.RandomSampler(ds, True, 10)\n", expected=((2, 11),),
                fixed="import torch.utils.data as data\nimport torch\n"
                      "sampler = data.RandomSampler(ds, True, 10, generator=torch.Generator().manual_seed(0))\n"),
        Invalid("from torch.utils.data import random_split as rs\ntrain, val = rs(ds, [0.8, 0.2])\n",
                expected=((2, 14),),
                fixed="from torch.utils.data import random_split as rs\nimport torch\n"
                      "train, val = rs(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))\n"),
        Invalid("from torch.utils.data.sampler import WeightedRandomSampler\n"
                "s = WeightedRandomSampler(w, num_samples=10)\n", expected=((2, 5),),
                fixed="from torch.utils.data.sampler import WeightedRandomSampler\nimport torch\n"
                      "s = WeightedRandomSampler(w, num_samples=10, generator=torch.Generator().manual_seed(0))\n"),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            name = site.name
            if name != apis.DATALOADER and name != apis.RANDOM_SPLIT and name not in apis.RANDOM_SAMPLERS:
                continue
            pos = apis.GENERATOR_POSITIONS.get(name)
            gen = site.kwarg("generator") if pos is None else site.arg(pos, "generator")
            if gen is not None and literal(gen) is not None:  # (generator=None is no generator)
                continue
            if site.has_star_kwargs():
                continue
            if name == apis.DATALOADER:
                if literal(site.kwarg("shuffle")) is True or (
                    len(site.node.args) > 2 and literal(site.node.args[2]) is True
                ):
                    yield Finding(site.node, "`DataLoader(shuffle=True)` without `generator=` draws the order from "
                                             "the global torch RNG, so it shifts whenever the model's draws change; "
                                             "pass a seeded `torch.Generator`")
            elif name in apis.RANDOM_SAMPLERS:
                short = name.rsplit(".", 1)[1]
                yield Finding(site.node, f"`{short}` without `generator=` draws from the global torch RNG; pass a "
                                         "seeded `torch.Generator`")
            elif name == apis.RANDOM_SPLIT:
                yield Finding(site.node, "`random_split` without `generator=` draws from the global torch RNG; pass "
                                         "`generator=torch.Generator().manual_seed(seed)`")
