from __future__ import annotations

import ast
from typing import Iterator, Optional

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.project.facts import FileContext, literal
from seedlint.rules.base import Finding, Invalid, Rule, Valid


# objects that can be seeded after construction, and the methods that do it
_RESEEDABLE = frozenset({"numpy.random.RandomState", "random.Random", "numpy.random.MT19937"})
_SEED_METHODS = frozenset({"manual_seed", "set_state", "seed", "setstate", "set_state"})


def _parent(tree: ast.AST, node: ast.AST) -> Optional[ast.AST]:
    """The node's parent, found by descending only into the children whose source range holds the node's (a
    walk of the whole tree per file had cost more than every other part of this rule)."""
    key = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    todo = [tree]
    while todo:
        cur = todo.pop()
        for child in ast.iter_child_nodes(cur):
            if child is node:
                return cur
            start = getattr(child, "lineno", None)
            if start is None:
                todo.append(child)  # (arguments, operators, comprehensions carry no position of their own)
            elif ((start, child.col_offset) <= key[:2]  # type: ignore[attr-defined]
                  and (child.end_lineno, child.end_col_offset) >= key[2:]):  # type: ignore[attr-defined]
                todo.append(child)
    return None


def _from_webdataset(ctx: FileContext, node: ast.AST, scope, depth: int = 0) -> bool:
    """Is ``node`` a webdataset pipeline: a chain of calls (``wds.WebDataset(urls).decode("pil")``) that starts
    at a ``webdataset`` name, also through a local name given one?"""
    while depth < 12:
        depth += 1
        if type(node) is ast.Call:
            name = ctx.resolve(node.func, scope)  # type: ignore[attr-defined]
            if name is not None:
                return name.startswith("webdataset.")
            node = node.func  # type: ignore[attr-defined]
        elif type(node) is ast.Attribute:
            node = node.value  # type: ignore[attr-defined]
        elif type(node) is ast.Name:
            values = ctx.values_of(node, scope)[1:]  # type: ignore[arg-type]
            return any(v is not node and _from_webdataset(ctx, v, scope, depth + 4) for v in values)
        else:
            return False
    return False


def _at_least_one(node: Optional[ast.AST]) -> bool:
    """Is an albumentations probability absent or a literal of at least 1 (then nothing is drawn for it)?"""
    if node is None:
        return True
    v = literal(node)
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 1


def _keywords(call: ast.Call) -> Optional[dict]:
    """The keyword arguments of a call by name; None when it passes ``**kwargs``."""
    out = {}
    for k in call.keywords:
        if k.arg is None:
            return None
        out[k.arg] = k.value
    return out


def _fixed_transform(ctx: FileContext, node: ast.AST, scope) -> bool:
    """Is ``node`` a call of an albumentations transform with fixed parameters, applied with p=1
    (``A.Resize(224, 224)``, ``A.Normalize(mean, std)``, ``ToTensorV2()``)?"""
    if type(node) is not ast.Call:
        return False
    name = ctx.resolve(node.func, scope)  # type: ignore[attr-defined]
    if name is None or not name.startswith("albumentations."):
        return False
    limit = apis.ALBUMENTATIONS_FIXED.get(name.rsplit(".", 1)[1])
    kw = _keywords(node)  # type: ignore[arg-type]
    if (limit is None or kw is None or len(node.args) > limit  # type: ignore[attr-defined]
            or any(isinstance(a, ast.Starred) for a in node.args)):  # type: ignore[attr-defined]
        return False
    if not _at_least_one(kw.get("p")):
        return False
    for key in ("position", "pad_position"):  # ("random": a random placement)
        if key in kw and not (isinstance(literal(kw[key]), str) and "random" not in literal(kw[key])):
            return False
    size = kw.get("max_size", node.args[0] if node.args and name.endswith("MaxSize") else None)  # type: ignore[attr-defined]
    return not isinstance(size, (ast.List, ast.Tuple, ast.Set, ast.ListComp))  # (a list: one size drawn per call)


def _fixed_pipeline(ctx: FileContext, site) -> bool:
    """Is an unseeded albumentations ``Compose`` one that draws nothing that changes its output: applied with p=1,
    given a list written out of fixed transforms only? Its RNGs then never decide anything."""
    kw = _keywords(site.node)
    if kw is None or len(site.node.args) > 1 or not _at_least_one(kw.get("p")):
        return False
    transforms = site.node.args[0] if site.node.args else kw.get("transforms")
    if not isinstance(transforms, (ast.List, ast.Tuple)):
        return False
    return all(_fixed_transform(ctx, t, site.scope) for t in transforms.elts)


class UnseededGenerator(Rule):
    """Reports random-number generator objects created without a seed.

    ## What it does
    Reports `np.random.default_rng()`, `np.random.RandomState()`, a bit generator such as
    `np.random.PCG64()` (also inside `np.random.Generator(...)`), `np.random.SeedSequence()` and
    `random.Random()` called without a seed (or with `None`), an albumentations `Compose(...)` /
    `ReplayCompose(...)` without `seed=`, webdataset's `shuffle(...)` (the pipeline stage `wds.shuffle(n)`
    or the method `wds.WebDataset(urls).shuffle(n)`) without `rng=` or `seed=`, and a `torch.Generator()`
    that is never given `.manual_seed(...)`.

    ## Why is this bad?
    NumPy's generators and `random.Random()` created without a seed draw fresh entropy from the
    operating system, so every run gets a different stream, whatever seed the program sets elsewhere:
    `np.random.seed` and `torch.manual_seed` do not reach generator objects.

    `torch.Generator()` is different: it starts from a fixed default seed (67280421310721), not from
    entropy and not from `torch.manual_seed`. A run is repeatable, but the stream ignores the run's seed:
    changing `--seed` does not change it, and every unseeded generator in the program repeats the same
    numbers.

    Since albumentations 1.4.21 every `Compose` holds its own `np.random.default_rng(seed)` and
    `random.Random(seed)`, which it hands to its transforms; with `seed=None` (the default) both come
    from OS entropy, and the global seeds no longer reach the augmentations (1.4.20 had no such state:
    its transforms drew from the global RNGs). A project on an older albumentations can ignore it. A
    `Compose` whose list holds only transforms with fixed parameters (`Resize`, `CenterCrop`, `Normalize`,
    `ToTensorV2` ...) at their default `p=1` is not reported: a transform draws from those RNGs only when
    `0 < p < 1` or its parameters are random, so such a pipeline gives the same output whatever its seed.

    webdataset's buffer shuffle, given neither `rng` nor `seed`, builds
    `random.Random(int((os.getpid() + time.time()) * 1e9))` (webdataset 1.0.2, `filters.py:352-355`): the
    order of the samples it yields is new every run, whatever the program seeds. This one is reported,
    not fixed: the stage's keywords differ across webdataset versions.

    ## Example
    ```python
    import numpy as np
    import torch

    rng = np.random.default_rng()
    g = torch.Generator()
    loader = DataLoader(ds, shuffle=True, generator=g)
    ```

    ## Use instead
    ```python
    rng = np.random.default_rng(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    loader = DataLoader(ds, shuffle=True, generator=g)
    ```

    ## Fix safety
    `seedlint fix` passes the configured seed to NumPy / `random.Random` constructors (and adds
    `.manual_seed(seed)` to a `torch.Generator()`). The fix is unsafe: it changes which numbers the
    program draws. It gives every generator the same seed: where streams must be independent, derive
    their seeds (`np.random.SeedSequence(seed).spawn(n)`).

    ## References
    - NumPy, `numpy.random.default_rng`: "If None, then fresh, unpredictable entropy will be pulled from the OS."
    - Research notes (torch-determinism.md), "Seeding": unseeded RNG objects; `torch.manual_seed` does not seed
      user-created `torch.Generator` objects (`torch/random.py:49-86`).
    - `torch.Generator` default seed: `torch.Generator().initial_seed() == 67280421310721` (checked on torch 2.13).
    - albumentations 2.0.8, `core/composition.py:163-176` (`set_random_seed`: `np.random.default_rng(seed)`,
      `random.Random(seed)`, passed to every transform) and the `Compose` docstring (`:411-430`: "Setting random
      seeds outside of Compose (like np.random.seed() or random.seed()) has no effect on augmentations");
      introduced in 1.4.21 (`core/composition.py:117-120`), absent from 1.4.20; `BasicTransform.should_apply`
      (`core/transforms_interface.py:283-297`) draws only when `0 < p < 1`.
    """

    code = "SDL004"
    name = "unseeded-generator"
    message = "RNG object created without a seed"
    fix = FixSafety.UNSAFE
    VALID = [
        "import numpy as np\nrng = np.random.default_rng(1234)\n",
        "from numpy.random import RandomState as RS\nstate = RS(seed=7)\n",
        "import torch\ng = torch.Generator()\ng.manual_seed(0)\n",
        "import torch as th\nloader_gen = th.Generator().manual_seed(42)\n",
        "import random as pyrandom\nr = pyrandom.Random(5)\n",
        "import random\nclass Sampler:\n    def __init__(self):\n        self._rng = random.Random()\n"
        "    def reset(self, seed):\n        self._rng.seed(seed)\n",
        "class Random:\n    pass\nr = Random()\n",
        Valid("import torch\nclass DS:\n    def __init__(self, seed):\n        self.gen = torch.Generator()\n"
              "        self.gen.manual_seed(seed)\n"),
        # albumentations: a Compose given its seed, and the library's own classes of that name elsewhere
        # the parent is found along the node's source range, through blocks, on a line with other calls
        Valid("import torch\ndef f(seed, xs):\n    with open('a') as fh:\n        for x in xs:\n"
              "            g: torch.Generator = torch.Generator(); print(g); g.manual_seed(seed)\n"),
        Valid("import albumentations as A\nt = A.Compose([A.HorizontalFlip(p=0.5)], seed=7)\n"),
        # a pipeline of fixed transforms at p=1 draws nothing (evaluation transforms)
        Valid("import albumentations as A\nfrom albumentations.pytorch import ToTensorV2\n"
              "test_tf = A.Compose([A.Resize(256, 256), A.CenterCrop(224, 224),\n"
              "                     A.Normalize(mean=[0.5], std=[0.5], max_pixel_value=255), ToTensorV2()])\n"),
        Valid("import albumentations as A\nt = A.Compose(transforms=[A.LongestMaxSize(max_size=512), "
              "A.PadIfNeeded(512, 512, position='center')], p=1.0)\n"),
        Valid("from torchvision.transforms import Compose\nt = Compose([])\n"),
        # webdataset's shuffle given its RNG or seed; other objects' shuffle methods
        Valid("import random\nimport webdataset as wds\nds = wds.WebDataset('a.tar').shuffle(100, rng=random.Random(0))\n"
              "p = wds.DataPipeline(wds.SimpleShardList('a.tar'), wds.shuffle(100, 10, None, 3))\n"),
        Valid("import numpy as np\nrng = np.random.default_rng(0)\nrng.shuffle([1, 2])\n"),
    ]
    INVALID = [
        # fixed transforms, but one applied at random, a random size or place, or the whole pipeline skipped at random
        Invalid("import albumentations as A\nt = A.Compose([A.Resize(64, 64, p=0.5), A.Normalize()])\n",
                expected=((2, 5),), fixed="import albumentations as A\nt = A.Compose([A.Resize(64, 64, p=0.5), "
                                          "A.Normalize()], seed=0)\n"),
        Invalid("import albumentations as A\nt = A.Compose([A.LongestMaxSize([480, 512, 544])])\n",
                expected=((2, 5),), fixed="import albumentations as A\nt = A.Compose([A.LongestMaxSize([480, 512, "
                                          "544])], seed=0)\n"),
        Invalid("import albumentations as A\nt = A.Compose([A.PadIfNeeded(64, 64, position='random')])\n",
                expected=((2, 5),), fixed="import albumentations as A\nt = A.Compose([A.PadIfNeeded(64, 64, "
                                          "position='random')], seed=0)\n"),
        Invalid("import albumentations as A\nt = A.Compose([A.Normalize()], p=0.9)\n",
                expected=((2, 5),), fixed="import albumentations as A\nt = A.Compose([A.Normalize()], p=0.9, seed=0)\n"),
        Invalid("import albumentations as A\ntrain_tf = A.Compose([A.HorizontalFlip(p=0.5)], p=1.0)\n",
                expected=((2, 12),),
                fixed="import albumentations as A\ntrain_tf = A.Compose([A.HorizontalFlip(p=0.5)], p=1.0, seed=0)\n"),
        Invalid("import numpy as np\nrng = np.random.default_rng()\n", expected=((2, 7),),
                fixed="import numpy as np\nrng = np.random.default_rng(0)\n"),
        Invalid("from numpy import random as npr\nstate = npr.RandomState(None)\n", expected=((2, 9),),
                fixed="from numpy import random as npr\nstate = npr.RandomState(0)\n"),
        Invalid("import numpy as np\ngen = np.random.Generator(np.random.PCG64())\n", expected=((2, 27),),
                fixed="import numpy as np\ngen = np.random.Generator(np.random.PCG64(0))\n"),
        Invalid("import random\nr = random.Random()\n", expected=((2, 5),),
                fixed="import random\nr = random.Random(0)\n"),
        Invalid("import torch as th\ng = th.Generator()\nx = th.randn(3, generator=g)\n", expected=((2, 5),),
                fixed="import torch as th\ng = th.Generator().manual_seed(0)\nx = th.randn(3, generator=g)\n"),
        Invalid("from torch.utils.data import DataLoader\nimport torch\n"
                "dl = DataLoader([1, 2], shuffle=True, generator=torch.Generator())\n", expected=((3, 49),),
                fixed="from torch.utils.data import DataLoader\nimport torch\n"
                      "dl = DataLoader([1, 2], shuffle=True, generator=torch.Generator().manual_seed(0))\n"),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            name = site.name
            if name in apis.RNG_CONSTRUCTORS:
                pos, kw = apis.RNG_CONSTRUCTORS[name]
                seed = site.arg(pos, kw)
                if site.has_star_kwargs() or any(isinstance(a, ast.Starred) for a in site.node.args):
                    continue
                if seed is None or literal(seed) is None:
                    if name in _RESEEDABLE and self._seeded_later(ctx, site.node):
                        continue  # r = random.Random(); ...; r.seed(s)
                    what = name.replace("numpy.", "np.")
                    if name in apis.ALBUMENTATIONS_COMPOSE:
                        if _fixed_pipeline(ctx, site):
                            continue  # A.Compose([A.Resize(224, 224), A.Normalize(), ToTensorV2()]): nothing drawn
                        yield Finding(site.node, f"`A.{name.rsplit('.', 1)[1]}(...)` without `seed=` gives its "
                                                 "transforms RNGs of their own, seeded from OS entropy (albumentations "
                                                 ">= 1.4.21; `random.seed` / `np.random.seed` do not reach them): "
                                                 "every run augments differently; pass `seed=`")
                        continue
                    if name.startswith("numpy."):
                        why = "draws fresh OS entropy: every run differs"
                    else:
                        why = "draws fresh OS entropy (it is not seeded by random.seed): every run differs"
                    yield Finding(site.node, f"`{what}()` without a seed {why}; pass a seed")
            elif name in apis.WEBDATASET_SHUFFLES or (name is None and site.method == "shuffle"
                                                      and _from_webdataset(ctx, site.node.func.value, site.scope)):
                if site.has_star_kwargs() or any(site.arg(pos, kw) is not None and literal(site.arg(pos, kw)) is not None
                                                 for pos, kw in apis.WEBDATASET_SHUFFLE_RNG):
                    continue
                yield Finding(site.node, "webdataset's `shuffle(...)` without `rng=` or `seed=` makes its own "
                                         "`random.Random` seeded from the process id and the clock: the sample order "
                                         "differs every run; pass `rng=random.Random(seed)`", fix=FixSafety.NONE)
            elif name == apis.TORCH_GENERATOR:
                if not self._seeded_later(ctx, site.node):
                    yield Finding(
                        site.node,
                        "`torch.Generator()` is never given `.manual_seed(...)`: it starts from a fixed default "
                        "seed that ignores the run's seed, and every such generator repeats the same stream",
                    )

    @staticmethod
    def _seeded_later(ctx: FileContext, node: ast.Call) -> bool:
        parent = _parent(ctx.tree, node)
        # torch.Generator().manual_seed(s)
        if isinstance(parent, ast.Attribute) and parent.attr in _SEED_METHODS:
            return True
        target = None
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            target = targets[0] if len(targets) == 1 else None
        if target is None:
            return False
        for site in ctx.calls:
            if site.method not in _SEED_METHODS or not isinstance(site.node.func, ast.Attribute):
                continue
            recv = site.node.func.value
            if isinstance(target, ast.Name) and isinstance(recv, ast.Name) and recv.id == target.id:
                return True
            if isinstance(target, ast.Attribute) and isinstance(recv, ast.Attribute) and recv.attr == target.attr:
                return True
        return False
