from __future__ import annotations

import ast
from typing import Iterator, Optional, Tuple

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.project.facts import LOCAL, CallSite, FileContext, has_workers
from seedlint.rules.base import Finding, Invalid, Rule, Valid

# Library datasets that hold no RNG objects of their own (their transforms draw from torch / random /
# numpy's global RNGs, which every worker reseeds since torch 1.9).
SAFE_DATASET_PREFIXES = ("torchvision.datasets.", "torchaudio.datasets.", "torchtext.datasets.")
SAFE_DATASETS = frozenset({"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"})
RNG_OBJECTS = frozenset({*apis.RNG_CONSTRUCTORS, apis.TORCH_GENERATOR, "numpy.random.Generator"})


def dataset_rng_holder(ctx: FileContext, site: CallSite) -> Tuple[str, Optional[str]]:
    """Classify the DataLoader's dataset: ("rng", "Cls.attr"), ("safe", None) or ("unknown", None)."""
    ds = site.arg(0, "dataset")
    if ds is None:
        return "unknown", None
    for value in ctx.values_of(ds, site.scope):
        if not isinstance(value, ast.Call):
            continue
        name = ctx.resolve(value.func, site.scope)
        if not name:
            continue
        if name in SAFE_DATASETS or name.startswith(SAFE_DATASET_PREFIXES):
            return "safe", None
        if name.startswith(LOCAL):
            cls = ctx.analyzer.classes.get(name[len(LOCAL):])
            if cls is None:
                continue
            holder = class_rng_attribute(ctx, cls)
            return ("rng", holder) if holder else ("safe", None)
    return "unknown", None


def class_rng_attribute(ctx: FileContext, cls: ast.ClassDef) -> Optional[str]:
    """``Cls.attr`` of the first RNG object a class stores on ``self`` (or as a class attribute)."""
    an = ctx.analyzer
    for node in ast.walk(cls):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for value in ast.walk(node.value):
                if isinstance(value, ast.Call):
                    name = an.resolve(value.func, an.module_scope)
                    if name in RNG_OBJECTS:
                        for t in targets:
                            if isinstance(t, ast.Attribute):
                                return f"{cls.name}.{t.attr}"
                            if isinstance(t, ast.Name):
                                return f"{cls.name}.{t.id}"
    return None


class WorkersWithoutInitFn(Rule):
    """Reports a DataLoader with worker processes and no `worker_init_fn`.

    ## What it does
    Reports `DataLoader(..., num_workers=N)` (N > 0 or not a literal; an absent `num_workers` is 0)
    without `worker_init_fn=`, unless the dataset is known to hold no RNG object: a class defined in
    the same file that stores none, or a library dataset (`torchvision.datasets.*`, `TensorDataset`).

    ## Why is this bad?
    Since torch 1.9 each worker reseeds python `random`, NumPy's global RNG and torch from the
    loader's base seed and its worker id, so *those* differ per worker without help. What workers
    still get wrong: RNG objects created before the workers start (a dataset holding
    `np.random.default_rng(...)`, `random.Random(...)` or a `torch.Generator`, or a third-party
    augmentation library's own RNG) are copied, identically, into every worker, so every worker
    produces the same "random" stream and every epoch repeats it. On torch < 1.9 NumPy's global RNG
    was duplicated as well.

    ## Example
    ```python
    class Noisy(Dataset):
        def __init__(self):
            self.rng = np.random.default_rng(0)

    loader = DataLoader(Noisy(), num_workers=4)
    ```

    ## Use instead
    ```python
    from seedlint.runtime import seed_worker
    loader = DataLoader(Noisy(), num_workers=4, worker_init_fn=seed_worker,
                        generator=torch.Generator().manual_seed(0))
    ```
    (`seed_worker` also reseeds the RNG objects the worker's copy of the dataset holds.)

    ## Fix safety
    The fix adds `worker_init_fn=seed_worker` (from `seedlint.runtime`). It is unsafe: it changes the
    numbers each worker draws. There is no fix under `seedlint fix --inline`: no dependency-free
    `worker_init_fn` can reseed the RNG objects a dataset holds.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": worker seeding in
      `torch/utils/data/_utils/worker.py:244-306` (numpy seeded since torch 1.9, PRs #56488/#56797) and
      RNG objects created before the workers start are copied into every worker.
    - PyTorch, "Reproducibility", DataLoader section: https://pytorch.org/docs/stable/notes/randomness.html#dataloader
    """

    code = "SDL201"
    name = "workers-without-init-fn"
    message = "DataLoader workers without worker_init_fn"
    fix = FixSafety.UNSAFE
    VALID = [
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, batch_size=8)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=0)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=4, worker_init_fn=init)\n",
        "import torchvision\nfrom torch.utils.data import DataLoader\n"
        "ds = torchvision.datasets.MNIST('data')\ndl = DataLoader(ds, num_workers=2)\n",
        Valid("import torch.utils.data as tud\nclass Plain(tud.Dataset):\n    def __getitem__(self, i):\n"
              "        return i\ndl = tud.DataLoader(Plain(), num_workers=2)\n"),
    ]
    INVALID = [
        Invalid("import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\nclass Noisy(Dataset):\n"
                "    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
                "loader = DataLoader(Noisy(), num_workers=4)\n", expected=((6, 10),),
                fixed="import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\n"
                      "from seedlint.runtime import seed_worker\nclass Noisy(Dataset):\n"
                      "    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
                      "loader = DataLoader(Noisy(), num_workers=4, worker_init_fn=seed_worker)\n"),
        Invalid("import torch.utils.data as tud\ndl = tud.DataLoader(ds, num_workers=args.workers)\n",
                expected=((2, 6),),
                fixed="import torch.utils.data as tud\nfrom seedlint.runtime import seed_worker\n"
                      "dl = tud.DataLoader(ds, num_workers=args.workers, worker_init_fn=seed_worker)\n"),
        Invalid("from torch.utils.data import DataLoader as DL\nimport random\nclass D:\n"
                "    def __init__(self):\n        self.r = random.Random(1)\nds = D()\n"
                "dl = DL(ds, batch_size=2, num_workers=2)\n", expected=((7, 6),),
                fixed="from torch.utils.data import DataLoader as DL\nimport random\n"
                      "from seedlint.runtime import seed_worker\nclass D:\n    def __init__(self):\n"
                      "        self.r = random.Random(1)\nds = D()\n"
                      "dl = DL(ds, batch_size=2, num_workers=2, worker_init_fn=seed_worker)\n"),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            if site.name != apis.DATALOADER or not has_workers(site):
                continue
            if site.kwarg("worker_init_fn") is not None or site.has_star_kwargs():
                continue
            kind, holder = dataset_rng_holder(ctx, site)
            if kind == "safe":
                continue
            if kind == "rng":
                msg = (f"DataLoader workers without `worker_init_fn`: `{holder}` is an RNG object copied "
                       "identically into every worker, so all workers draw the same stream")
            else:
                msg = ("DataLoader workers without `worker_init_fn`: RNG objects the dataset holds (a NumPy "
                       "Generator, `random.Random`, an augmentation library's own RNG) are copied identically "
                       "into every worker")
            yield Finding(site.node, msg)
