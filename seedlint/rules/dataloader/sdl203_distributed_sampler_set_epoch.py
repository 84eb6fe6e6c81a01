from __future__ import annotations

from typing import Dict, Iterator, Set, Tuple

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import ProjectContext, Site, diag
from seedlint.rules.base import Invalid, Rule, Valid


class DistributedSamplerWithoutSetEpoch(Rule):
    """Reports a `DistributedSampler` whose `set_epoch` is never called.

    ## What it does
    Reports `DistributedSampler(...)` (unless `shuffle=False`) when no program that runs it has a module
    on the way from its entry point that calls `.set_epoch(...)` (on the sampler, or through the loader:
    `loader.sampler.set_epoch(epoch)`). A sampler built by a shared helper that the training program
    pairs with `set_epoch` is not reported because an evaluation script reaches the same helper, nor is
    a sampler for an evaluation pass, which trains nothing, so its order can change its metrics only by
    the rounding of their sums: one built under
    `torch.no_grad()` (or in a function decorated with it), or given a dataset named as held-out data
    (`DistributedSampler(valset)`, `val_dataset`, `test_ds`, `dataset_valid`).

    ## Why is this bad?
    `DistributedSampler` shuffles with `seed + epoch`. Without `set_epoch(epoch)` the epoch stays 0,
    so every epoch sees exactly the same order: the run is repeatable, but the shuffling the code
    asks for does not happen after the first epoch.

    ## Example
    ```python
    sampler = DistributedSampler(ds, shuffle=True)
    loader = DataLoader(ds, sampler=sampler)
    for epoch in range(epochs):
        for batch in loader:
            ...
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for batch in loader:
            ...
    ```

    ## Fix safety
    No fix: the call belongs at the start of the epoch loop, which seedlint cannot always find.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": `DistributedSampler` shuffles with `seed + epoch`
      (`torch/utils/data/distributed.py:49-62,108-111`); the epoch is read only under `if self.shuffle:`
      (line 108 in torch 2.13), so `shuffle=False` needs no `set_epoch`.
    - PyTorch, `DistributedSampler` docs ("calling set_epoch() ... is necessary"):
      https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler
    """

    code = "SDL203"
    name = "distributed-sampler-without-set-epoch"
    message = "DistributedSampler without set_epoch"
    scope = "program"
    VALID = [
        "from torch.utils.data import DistributedSampler\nif __name__ == '__main__':\n"
        "    s = DistributedSampler(ds)\n    for epoch in range(3):\n        s.set_epoch(epoch)\n",
        "from torch.utils.data.distributed import DistributedSampler as DS\ndef build(ds):\n    return DS(ds)\n",
        Valid({"train.py": "from data import make\nfrom loop import fit\nif __name__ == '__main__':\n"
                           "    loader = make()\n    fit(loader)\n",
               "data.py": "from torch.utils.data import DataLoader, DistributedSampler\ndef make():\n"
                          "    return DataLoader([1], sampler=DistributedSampler([1]))\n",
               "loop.py": "def fit(loader):\n    for e in range(2):\n        loader.sampler.set_epoch(e)\n"}),
        # through an attribute of self
        "from torch.utils.data import DataLoader, DistributedSampler\nclass T:\n    def __init__(self, ds):\n"
        "        self.dl = DataLoader(ds, sampler=DistributedSampler(ds))\n    def run(self):\n"
        "        for e in range(3):\n            self.dl.sampler.set_epoch(e)\nif __name__ == '__main__':\n"
        "    T([1]).run()\n",
        # an evaluation pass (tacotron2's validate(), rebuilt on every call): it trains nothing
        "import torch\nfrom torch.utils.data import DataLoader, DistributedSampler\ndef validate(model, valset):\n"
        "    with torch.no_grad():\n        s = DistributedSampler(valset)\n"
        "        return sum(model(x).sum() for x in DataLoader(valset, sampler=s))\n"
        "if __name__ == '__main__':\n    validate(net, data)\n",
        "from torch.utils.data import DistributedSampler\nif __name__ == '__main__':\n"
        "    s = DistributedSampler(args.test_dataset)\n",
        # no shuffling: the epoch changes nothing
        "from torch.utils.data import DistributedSampler\nif __name__ == '__main__':\n"
        "    s = DistributedSampler([1, 2], shuffle=False)\n",
        # one helper, paired with set_epoch by the training program; the evaluation program has no epochs
        Valid({"train.py": "from data import make\nif __name__ == '__main__':\n    loader = make()\n"
                           "    for e in range(2):\n        loader.sampler.set_epoch(e)\n",
               "val.py": "from data import make\nif __name__ == '__main__':\n    make()\n",
               "data.py": "from torch.utils.data import DataLoader, DistributedSampler\ndef make():\n"
                          "    return DataLoader([1], sampler=DistributedSampler([1]))\n"}),
    ]
    INVALID = [
        Invalid("from torch.utils.data import DistributedSampler\nif __name__ == '__main__':\n"
                "    s = DistributedSampler(ds)\n    for epoch in range(3):\n        pass\n", expected=((3, 9),)),
        Invalid("import torch.utils.data as tud\nsampler = tud.distributed.DistributedSampler(ds, shuffle=True)\n"
                "loader = tud.DataLoader(ds, sampler=sampler)\nfor b in loader:\n    pass\n", expected=((2, 11),)),
        Invalid({"main.py": "from pkg.data import loader\nif __name__ == '__main__':\n    loader()\n",
                 "pkg/__init__.py": "",
                 "pkg/data.py": "from torch.utils.data.distributed import DistributedSampler as DS\n"
                                "def loader():\n    return DS([1, 2])\n"}, expected=((3, 12),), path="pkg/data.py"),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        set_epoch_modules: Set[str] = {path for path, _, _ in ctx.events("set_epoch")}
        paired: Set[Tuple[str, int, int]] = set()  # samplers some program that runs them pairs with set_epoch
        unpaired: Dict[Tuple[str, int, int], Site] = {}
        for prog in ctx.programs:
            with_epochs = bool(prog.modules & set_epoch_modules)
            for site in prog.summary.distsamplers:
                key = (site.path, site.line, site.col)
                if with_epochs:
                    paired.add(key)
                else:
                    unpaired.setdefault(key, site)
        for key, site in unpaired.items():
            if key not in paired:
                yield diag(site, self.code, "`DistributedSampler` shuffles with seed + epoch, but nothing calls "
                                            "`set_epoch(epoch)`: every epoch repeats the same order")
