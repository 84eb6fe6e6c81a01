from __future__ import annotations

from typing import Iterator, Optional

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.project.analysis import WORKER_METHODS
from seedlint.project.facts import HF, FileContext, dataset_kind, has_workers
from seedlint.rules.base import Finding, Invalid, Rule, Valid

class WorkersWithoutInitFn(Rule):
    """Reports a DataLoader with worker processes and no `worker_init_fn`.

    ## What it does
    Reports `DataLoader(..., num_workers=N)` (N > 0 or not a literal; an absent `num_workers` is 0)
    without `worker_init_fn=`, unless the dataset is known to hold no RNG object: a class of the
    project (any module) that stores none, a library dataset (`torchvision.datasets.*`,
    `TensorDataset`, a map-style Hugging Face `datasets` dataset: a split of `load_dataset(...)`, what its
    `map` / `filter` / `shuffle` / `with_transform` and like methods return, a parameter annotated
    `datasets.Dataset`), or `Subset` / `ConcatDataset` of those, also when it is `self.attr` and the
    class's methods assign only such datasets to it (a Lightning DataModule), or when a dataset factory
    of the project returns only such datasets (`ds, n_classes = build_dataset(...)` with
    `return datasets.ImageFolder(root, transform=t), 1000`: a function of the same file, or a
    module-level function of another whose name has "dataset" in it or starts with "build",
    "get_data", "load_data", "make_data", "create_data" or "prepare_data"); and unless
    every program running the
    loader calls Lightning's `seed_everything(workers=True)` (Lightning then attaches its own
    `worker_init_fn`). A dataset seedlint cannot follow (a function parameter, `loader.dataset`, a
    `torch.load`ed cache, a class of a library it does not know) is reported only where there is
    something to copy: when a class of the project stores an RNG object, or the project imports MONAI,
    whose random transforms keep their own `np.random.RandomState`. For a library's dataset (or a
    factory branch that returns one) that class must not be a dataset itself (no `__getitem__` /
    `__iter__`): what a library's dataset holds of the project is what it is given, a transform. Names unpacked from a factory of
    the same file are followed element by element (`dataset, dataset_test, train_sampler, test_sampler
    = load_data(...)`), each part of `random_split(ds, ...)` is a `Subset` of `ds`, and a sampler
    returned beside a dataset is no dataset.

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
    - Hugging Face `datasets` 5.2.0, `arrow_dataset.py:724-732`: a `Dataset` holds an Arrow table, an
      indices table, format settings and a fingerprint; `arrow_dataset.py:4952-4986`: `shuffle` draws the
      whole permutation when called and returns a selection. A streaming `IterableDataset` keeps its shuffle
      generator and is reported; so is `load_dataset` when `datasets` is a module of the project.
    - PyTorch, "Reproducibility", DataLoader section: https://pytorch.org/docs/stable/notes/randomness.html#dataloader
    - MONAI, `monai/transforms/transform.py`, `class Randomizable`: "currently based on a class variable `R`,
      which is an instance of `np.random.RandomState`"; "recommended to use this API with
      `monai.data.DataLoader`" (which sets a `worker_init_fn`).
    """

    code = "SDL201"
    scope = "file+program"
    name = "workers-without-init-fn"
    message = "DataLoader workers without worker_init_fn"
    fix = FixSafety.UNSAFE
    VALID = [
        # a project function not followed as a dataset factory, and no class of the project holds an RNG object
        Valid({"train.py": "from torch.utils.data import DataLoader\nfrom data import get_training_data\n"
                           "if __name__ == '__main__':\n    ds = get_training_data([1, 2])\n"
                           "    loader = DataLoader(ds, num_workers=4)\n",
               "data.py": "import numpy as np\nfrom torch.utils.data import Dataset\nclass Train(Dataset):\n"
                          "    def __init__(self, f):\n        self.f = f\n    def __getitem__(self, i):\n"
                          "        return self.f[i] + np.random.randint(9)\n"
                          "def get_training_data(f):\n    return Train(f)\n"}, path="train.py"),
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, batch_size=8)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=0)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=4, worker_init_fn=init)\n",
        "import torchvision\nfrom torch.utils.data import DataLoader\n"
        "ds = torchvision.datasets.MNIST('data')\ndl = DataLoader(ds, num_workers=2)\n",
        Valid("import torch.utils.data as tud\nclass Plain(tud.Dataset):\n    def __getitem__(self, i):\n"
              "        return i\ndl = tud.DataLoader(Plain(), num_workers=2)\n"),
        "import torchvision\nfrom torch.utils.data import DataLoader, Subset, ConcatDataset\n"
        "m = torchvision.datasets.MNIST('d')\ndl = DataLoader(ConcatDataset([Subset(m, range(9)), m]), num_workers=2)\n",
        Valid({"train.py": "from torch.utils.data import DataLoader\nfrom pkg.data import Plain\n"
                           "dl = DataLoader(Plain(3), num_workers=2)\n",
               "pkg/__init__.py": "",
               "pkg/data.py": "class Plain:\n    def __init__(self, n):\n        self.n = n\n"}),
        Valid({"train.py": "import lightning as L\nfrom torch.utils.data import DataLoader\n"
                           "def loaders(ds):\n    return DataLoader(ds, num_workers=4)\n"
                           "if __name__ == '__main__':\n    L.seed_everything(0, workers=True)\n    loaders([1])\n"}),
        # a DataModule: what its methods assign to `self.train_set`
        Valid("import torchvision\nfrom torch.utils.data import DataLoader\nclass Data:\n"
              "    def __init__(self):\n        self.train_set = None\n    def setup(self):\n"
              "        self.train_set = torchvision.datasets.MNIST('d')\n    def train_dataloader(self):\n"
              "        return DataLoader(self.train_set, num_workers=4)\n"),
        # parts of random_split(ds) are Subsets of ds
        Valid("import torch, torchvision\nfrom torch.utils.data import DataLoader, random_split\nclass Data:\n"
              "    def setup(self):\n        full = torchvision.datasets.MNIST('d')\n"
              "        self.train, self.val = random_split(full, [0.9, 0.1],\n"
              "                                            generator=torch.Generator().manual_seed(0))\n"
              "    def train_dataloader(self):\n        return DataLoader(self.train, num_workers=4)\n"),
        # a factory function of the file; either branch of a conditional expression
        Valid("import torchvision\nfrom torch.utils.data import DataLoader\nclass Plain:\n    pass\n"
              "def make(train):\n    if train:\n        return Plain()\n    return torchvision.datasets.MNIST('d')\n"
              "def loader(train):\n    ds = make(True) if train else torchvision.datasets.MNIST('e')\n"
              "    return DataLoader(ds, num_workers=2)\n"),
        # a dataset factory of another module, its result unpacked beside the number of classes
        Valid({"train.py": "from torch.utils.data import DataLoader\nfrom data import build_dataset\n"
                           "ds, n_classes = build_dataset(True)\nloader = DataLoader(ds, num_workers=4)\n",
               "data.py": "from torchvision import datasets\nclass Folder(datasets.ImageFolder):\n    pass\n"
                          "def build_dataset(train):\n    if train:\n        ds = Folder('train')\n"
                          "        n = 1000\n    else:\n        ds = datasets.ImageFolder('val')\n        n = ds.n\n"
                          "    return ds, n\n"}, path="train.py"),
        # the project's own `datasets` package (not Hugging Face's), a factory calling a `build` of another module
        Valid({"main.py": "from torch.utils.data import DataLoader\nfrom datasets import build_dataset\n"
                          "ds = build_dataset('train')\nloader = DataLoader(ds, num_workers=2)\n",
               "datasets/__init__.py": "from .coco import build as build_coco\n"
                                       "def build_dataset(split):\n    return build_coco(split)\n",
               "datasets/coco.py": "import torchvision\nclass Coco(torchvision.datasets.CocoDetection):\n    pass\n"
                                   "def build(split):\n    return Coco(split, 'ann.json')\n"}, path="main.py"),
        # Hugging Face datasets: a split of load_dataset(), its methods, an annotated parameter
        Valid("from datasets import load_dataset\nfrom torch.utils.data import DataLoader\n"
              "dataset = load_dataset('imagefolder', data_dir='d')\n"
              "train = dataset['train'].shuffle(seed=0).with_transform(preprocess)\n"
              "dl = DataLoader(train, shuffle=True, num_workers=4)\n"),
        Valid("from typing import Optional\nfrom datasets import Dataset\nfrom torch.utils.data import DataLoader\n"
              "def loader(ds: Optional[Dataset], n: int):\n    return DataLoader(ds, num_workers=n)\n"),
        # a generator the constructor only uses (a local name) is not kept by the dataset (minGPT's AdditionDataset)
        Valid("import torch\nfrom torch.utils.data import DataLoader, Dataset\nclass Adds(Dataset):\n"
              "    def __init__(self):\n        g = torch.Generator()\n        g.manual_seed(0)\n"
              "        self.perm = torch.randperm(10, generator=g)\n"
              "dl = DataLoader(Adds(), num_workers=2)\n"),
        # datasets seedlint cannot follow, in a project where nothing holds an RNG object to copy
        Valid("from torch.utils.data import DataLoader\nclass Data:\n    def __init__(self, ds):\n"
              "        self.ds = ds\n    def loader(self):\n        return DataLoader(self.ds, num_workers=4)\n"),
        Valid("import torch\nimport webdataset as wds\nfrom torch.utils.data import DataLoader\n"
              "cached, _ = torch.load('cache.pt')\nDataLoader(cached, num_workers=4)\n"
              "DataLoader(wds.WebDataset('shards'), num_workers=4)\n"),
        # names unpacked from a factory of the file, element by element; a sampler beside the dataset
        Valid("import torch, torchvision\nfrom torch.utils.data import DataLoader, RandomSampler\nimport numpy as np\n"
              "class Noise:\n    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
              "def load_data(d):\n    ds = torchvision.datasets.ImageFolder(d)\n"
              "    return ds, RandomSampler(ds), Noise()\n"
              "dataset, sampler, noise = load_data('x')\nDataLoader(dataset, sampler=sampler, num_workers=4)\n"),
        # a library's dataset holds project objects only as transforms: a project *dataset* with an RNG (a shard
        # sampler, open_clip's ResampledShards2) is no evidence that ImageFolder holds one
        Valid("import random, torchvision\nfrom torch.utils.data import DataLoader, IterableDataset\n"
              "class Shards(IterableDataset):\n    def __init__(self):\n        self.rng = random.Random()\n"
              "    def __iter__(self):\n        yield self.rng.random()\n"
              "DataLoader(torchvision.datasets.ImageFolder('val'), num_workers=4)\n"),
        # a factory branch that returns what a module outside the project builds, where nothing holds an RNG
        Valid({"main.py": "from torch.utils.data import DataLoader\nfrom data import build_dataset\n"
                          "DataLoader(build_dataset('train'), num_workers=2)\n",
               "data.py": "import torchvision\nclass Coco(torchvision.datasets.CocoDetection):\n    pass\n"
                          "def build_dataset(kind):\n    if kind == 'train':\n        return Coco('a', 'b')\n"
                          "    from other_pkg import build\n    return build(kind)\n"}, path="main.py"),
        # every part of random_split(ds) is a Subset of ds
        Valid("import torch, torchvision, random\nfrom torch.utils.data import DataLoader, random_split\n"
              "class Aug:\n    def __init__(self):\n        self.r = random.Random(0)\n"
              "full = torchvision.datasets.MNIST('d')\n"
              "train, val = random_split(full, [0.9, 0.1], generator=torch.Generator().manual_seed(0))\n"
              "DataLoader(val, num_workers=4)\n"),
    ]
    INVALID = [
        # a transform of the project that holds an RNG, and a library dataset it may be given to
        Invalid("import random\nfrom imagenetv2_pytorch import ImageNetV2Dataset\nfrom torch.utils.data import DataLoader\n"
                "class Jitter:\n    def __init__(self):\n        self.rng = random.Random(0)\n"
                "    def __call__(self, x):\n        return x\n"
                "DataLoader(ImageNetV2Dataset('d', transform=Jitter()), num_workers=4)\n",
                expected=((9, 1),)),
        Invalid("import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\nclass Noisy(Dataset):\n"
                "    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
                "loader = DataLoader(Noisy(), num_workers=4)\n", expected=((6, 10),),
                fixed="import numpy as np\nfrom torch.utils.data import DataLoader, Dataset\n"
                      "from seedlint.runtime import seed_worker\nclass Noisy(Dataset):\n"
                      "    def __init__(self):\n        self.rng = np.random.default_rng(0)\n"
                      "loader = DataLoader(Noisy(), num_workers=4, worker_init_fn=seed_worker)\n"),
        # a dataset seedlint cannot follow, in a project whose MONAI transforms hold RNG objects
        Invalid("import torch.utils.data as tud\nimport monai.transforms as mt\n"
                "dl = tud.DataLoader(ds, num_workers=args.workers)\n",
                expected=((3, 6),),
                fixed="import torch.utils.data as tud\nimport monai.transforms as mt\n"
                      "from seedlint.runtime import seed_worker\n"
                      "dl = tud.DataLoader(ds, num_workers=args.workers, worker_init_fn=seed_worker)\n"),
        Invalid("from torch.utils.data import DataLoader as DL\nimport random\nclass D:\n"
                "    def __init__(self):\n        self.r = random.Random(1)\nds = D()\n"
                "dl = DL(ds, batch_size=2, num_workers=2)\n", expected=((7, 6),),
                fixed="from torch.utils.data import DataLoader as DL\nimport random\n"
                      "from seedlint.runtime import seed_worker\nclass D:\n    def __init__(self):\n"
                      "        self.r = random.Random(1)\nds = D()\n"
                      "dl = DL(ds, batch_size=2, num_workers=2, worker_init_fn=seed_worker)\n"),
        Invalid("import numpy as np\nfrom torch.utils.data import DataLoader\nclass Noisy:\n    def __init__(self):\n"
                "        self.rng = np.random.default_rng(0)\nclass Data:\n    def setup(self):\n"
                "        self.train_set = Noisy()\n    def train_dataloader(self):\n"
                "        return DataLoader(self.train_set, num_workers=4)\n", expected=((10, 16),),
                fixed="import numpy as np\nfrom torch.utils.data import DataLoader\n"
                      "from seedlint.runtime import seed_worker\nclass Noisy:\n    def __init__(self):\n"
                      "        self.rng = np.random.default_rng(0)\nclass Data:\n    def setup(self):\n"
                      "        self.train_set = Noisy()\n    def train_dataloader(self):\n"
                      "        return DataLoader(self.train_set, num_workers=4, worker_init_fn=seed_worker)\n"),
        # a factory that returns a dataset holding an RNG object
        Invalid("import random\nfrom torch.utils.data import DataLoader\nclass Aug:\n    def __init__(self):\n"
                "        self.r = random.Random(0)\ndef make():\n    return Aug()\n"
                "dl = DataLoader(make(), num_workers=2)\n", expected=((8, 6),)),
        # a streaming dataset keeps its shuffle generator
        Invalid("from datasets import load_dataset\nfrom torch.utils.data import DataLoader\n"
                "ds = load_dataset('c4', streaming=True)['train'].shuffle(seed=0)\n"
                "dl = DataLoader(ds, num_workers=4)\n", expected=((4, 6),)),
        # `datasets` is the project's own package here, not Hugging Face's
        Invalid({"train.py": "from datasets import load_dataset\nfrom torch.utils.data import DataLoader\n"
                             "dl = DataLoader(load_dataset('x'), num_workers=4)\n",
                 "datasets/__init__.py": "import random\nclass Aug:\n    def __init__(self):\n"
                                         "        self.r = random.Random(0)\n"
                                         "def load_dataset(name):\n    return Aug()\n"},
                path="train.py", expected=((3, 6),)),
        # an attribute set from a parameter: the dataset is not known
        # a factory of another module whose dataset holds an RNG object
        Invalid({"train.py": "from torch.utils.data import DataLoader\nfrom data import build_dataset\n"
                             "ds, n_classes = build_dataset()\nloader = DataLoader(ds, num_workers=4)\n",
                 "data.py": "import numpy as np\nclass Noisy:\n    def __init__(self):\n"
                            "        self.rng = np.random.default_rng(0)\n"
                            "def build_dataset():\n    return Noisy(), 10\n"}, path="train.py", expected=((4, 10),)),
        # a dataset from a parameter, in a project with a class that stores an RNG object (in another module)
        Invalid({"data.py": "from torch.utils.data import DataLoader\nclass Data:\n    def __init__(self, ds):\n"
                            "        self.ds = ds\n    def loader(self):\n"
                            "        return DataLoader(self.ds, num_workers=4)\n",
                 "aug.py": "import random\nclass Jitter:\n    def __init__(self):\n        self.r = random.Random(0)\n"},
                path="data.py", expected=((6, 16),)),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            if site.name != apis.DATALOADER or not has_workers(site):
                continue
            if site.kwarg("worker_init_fn") is not None or site.has_star_kwargs():
                continue
            kind, holder = dataset_kind(ctx.analyzer, site)
            if kind == "safe":
                continue
            yield Finding(site.node, message_for(kind, holder))

    def withdraw(self, ctx, path: str, line: int, col: int) -> bool:
        """Project-level second look: the dataset is a class of another project module that holds no RNG
        object, or every program running this loader uses Lightning's `seed_everything(workers=True)`."""
        progs = ctx.programs_containing(path)
        if progs and all(p.summary.worker_seeding for p in progs):
            return True
        ev = ctx.event_at(path, "loader", line, col)
        if ev is None:
            return False
        if ev.get("ds") == "unknown":
            # (a streaming Hugging Face dataset keeps its shuffle generator: "dsq" says so)
            return not ev.get("dsq") and not self._rng_objects_around(ctx)
        if ev.get("ds") != "classes":
            return False
        for qual in ev.get("dsq") or ():
            if qual.startswith(HF):
                # a Hugging Face dataset, unless `datasets` is a module of the project
                hit = ctx.project.resolve(path, qual[len(HF):].split(".", 1)[0])
                if hit and hit[0] != "external":
                    return False
                continue
            if not self._rng_free(ctx, path, qual, 0):
                return False
        return True

    def _rng_objects_around(self, ctx, library: bool = False) -> bool:
        """Could a dataset seedlint cannot follow hold an RNG object? Only if the project has a class that stores
        one, or imports MONAI (its random transforms keep a `np.random.RandomState` each). A dataset of a
        library (``library``) holds project objects only as what it is given, a transform: a project
        dataset class with an RNG (one with ``__getitem__`` or ``__iter__``) is no evidence there."""
        key = f"{self.code}:{library}"
        known = ctx.memo.get(key)
        if known is None:
            known = False
            for path, facts in ctx.project.facts.items():
                if any((imp.get("m") or "").split(".", 1)[0] == "monai" for imp in facts.get("imports", ())):
                    known = True
                    break
                for cls, info in facts.get("classes", {}).items():
                    if info.get("rng") and not (library and self._is_dataset_class(ctx, path, cls)):
                        known = True
                        break
                if known:
                    break
            ctx.memo[key] = known
        return known

    @staticmethod
    def _is_dataset_class(ctx, path: str, cls: str) -> bool:
        functions = ctx.project.facts[path]["functions"]
        return any(functions[lid].get("name") in WORKER_METHODS for lid in ctx.project.class_methods(path, cls))

    def _rng_free(self, ctx, path: str, qual: str, depth: int) -> bool:
        """Is ``qual`` (as named in ``path``) a project class that holds no RNG object, or a project dataset
        factory (``build_dataset``) whose every return is RNG-free? A library class or function seedlint does
        not know is judged as a dataset it cannot follow (see ``_rng_objects_around``)."""
        hit = ctx.project.resolve(path, qual)
        if not hit or hit[0] == "external":
            return not self._rng_objects_around(ctx, library=hit is not None)
        if hit[0] == "class":
            return not ctx.project.class_rng(hit[1], hit[2])
        if hit[0] != "func" or depth > 2:
            return False
        fpath, lid = hit[1]
        made = ctx.project.facts[fpath].get("dsf", {}).get(lid)
        if made is None:
            # a project function not followed as a dataset factory (`get_training_data`): a dataset seedlint
            # cannot follow, reported only where something could hold an RNG object
            return not self._rng_objects_around(ctx)
        return made[0] == "safe" or all(self._rng_free(ctx, fpath, q, depth + 1) for q in made[1])


def message_for(kind: str, holder: Optional[str]) -> str:
    if kind == "rng":
        return (f"DataLoader workers without `worker_init_fn`: `{holder}` is an RNG object copied "
                "identically into every worker, so all workers draw the same stream")
    return ("DataLoader workers without `worker_init_fn`: RNG objects the dataset holds (a NumPy "
            "Generator, `random.Random`, an augmentation library's own RNG) are copied identically "
            "into every worker")
