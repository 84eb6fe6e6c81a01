from __future__ import annotations

import ast
from typing import Iterator, Optional, Set

from seedlint.knowledge import apis
from seedlint.project.facts import LOCAL, CallSite, FileContext, Scope
from seedlint.rules.base import Finding, Invalid, Rule

_PER_WORKER_CALLS = frozenset({"torch.initial_seed", "torch.utils.data.get_worker_info", "numpy.random.SeedSequence"})


def _worker_fn(ctx: FileContext, site: CallSite) -> Optional[ast.FunctionDef]:
    fn = site.kwarg("worker_init_fn")
    if fn is None:
        return None
    if isinstance(fn, ast.Call):  # functools.partial(fn, ...)
        name = ctx.resolve(fn.func, site.scope)
        if name == "functools.partial" and fn.args:
            fn = fn.args[0]
        else:
            return None
    name = ctx.resolve(fn, site.scope)
    if not name or not name.startswith(LOCAL):
        return None
    node = ctx.functions.get(name[len(LOCAL):])
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _depends_on_worker(ctx: FileContext, expr: ast.expr, scope: Scope, params: Set[str], seen: Set[str]) -> bool:
    """Does ``expr`` derive from the worker id parameter or per-worker state?"""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            if node.id in params:
                return True
            if node.id in seen:
                continue
            seen.add(node.id)
            bnd = ctx.analyzer.lookup(node.id, scope)
            if bnd is not None and bnd.kind == "var":
                if any(_depends_on_worker(ctx, v, scope, params, seen) for v in bnd.values):
                    return True
        elif isinstance(node, ast.Call):
            name = ctx.resolve(node.func, scope)
            if name in _PER_WORKER_CALLS:
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("initial_seed", "get_worker_info"):
                return True
        elif isinstance(node, ast.Attribute) and node.attr in ("seed", "id") and isinstance(node.value, ast.Call):
            return True  # get_worker_info().seed
    return False


class ConstantWorkerSeed(Rule):
    """Reports a `worker_init_fn` that reseeds with a constant.

    ## What it does
    Reports a seeding call (`random.seed`, `np.random.seed`, `torch.manual_seed`) inside a function
    defined in the same file and passed as `DataLoader(worker_init_fn=...)`, when the seed derives
    neither from the worker id argument nor from `torch.initial_seed()` / `get_worker_info().seed`.

    ## Why is this bad?
    torch already gives each worker a distinct seed (`base_seed + worker_id`, with a new base seed
    every epoch). A `worker_init_fn` that reseeds with a constant throws that away: every worker draws
    the same stream, and every epoch replays it, so "random" augmentation is the same for all workers
    and all epochs.

    ## Example
    ```python
    def worker_init(worker_id):
        np.random.seed(42)

    loader = DataLoader(ds, num_workers=4, worker_init_fn=worker_init)
    ```

    ## Use instead
    ```python
    def worker_init(worker_id):
        worker_seed = torch.initial_seed() % 2**32
        np.random.seed(worker_seed)
        random.seed(worker_seed)
    ```

    ## Fix safety
    No fix: the right derivation depends on what else the worker seeds.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": a worker_init_fn that reseeds with a constant gives
      every worker and every epoch the same stream (mmengine's has this flaw for non-persistent workers).
    - PyTorch, "Reproducibility", DataLoader section: https://pytorch.org/docs/stable/notes/randomness.html#dataloader
    """

    code = "SDL204"
    name = "constant-worker-seed"
    message = "worker_init_fn reseeds with a constant"
    VALID = [
        "import numpy as np, torch\nfrom torch.utils.data import DataLoader\ndef wi(worker_id):\n"
        "    s = torch.initial_seed() % 2**32\n    np.random.seed(s)\n"
        "dl = DataLoader(ds, num_workers=2, worker_init_fn=wi)\n",
        "import random\nfrom torch.utils.data import DataLoader\ndef wi(wid):\n    random.seed(1000 + wid)\n"
        "dl = DataLoader(ds, num_workers=2, worker_init_fn=wi)\n",
        "import numpy as np\nimport torch.utils.data as tud\ndef wi(_):\n"
        "    np.random.seed(tud.get_worker_info().seed % 2**32)\n"
        "dl = tud.DataLoader(ds, num_workers=2, worker_init_fn=wi)\n",
        "import numpy as np\ndef seed_all():\n    np.random.seed(0)\n",
    ]
    INVALID = [
        Invalid("import numpy as np\nfrom torch.utils.data import DataLoader\ndef wi(worker_id):\n"
                "    np.random.seed(42)\ndl = DataLoader(ds, num_workers=2, worker_init_fn=wi)\n", expected=((4, 5),)),
        Invalid("import random as r\nimport torch.utils.data as tud\nSEED = 7\ndef init_fn(wid):\n    r.seed(SEED)\n"
                "dl = tud.DataLoader(ds, num_workers=2, worker_init_fn=init_fn)\n", expected=((5, 5),)),
        Invalid("import functools, torch\nfrom torch.utils.data import DataLoader\ndef wi(worker_id, seed):\n"
                "    torch.manual_seed(seed)\n"
                "dl = DataLoader(ds, num_workers=2, worker_init_fn=functools.partial(wi, seed=3))\n",
                expected=((4, 5),)),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        done: Set[str] = set()
        for site in ctx.calls:
            if site.name != apis.DATALOADER:
                continue
            fn = _worker_fn(ctx, site)
            if fn is None or fn.name in done:
                continue
            done.add(fn.name)
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            if not params:
                continue
            worker_param = {params[0]}
            for inner in ctx.calls:
                if not _inside(inner.node, fn):
                    continue
                if inner.name not in apis.BASE_SEEDERS:
                    continue
                seed = inner.arg(0, "seed") if inner.name != "random.seed" else inner.arg(0, "a")
                if seed is None:
                    continue
                if not _depends_on_worker(ctx, seed, inner.scope, worker_param, set()):
                    yield Finding(inner.node, f"`worker_init_fn` `{fn.name}` reseeds with a value that ignores the "
                                              "worker id and `torch.initial_seed()`: every worker and every epoch "
                                              "replays the same stream")


def _inside(node: ast.AST, fn: ast.AST) -> bool:
    end = getattr(fn, "end_lineno", None) or 10**9
    return fn.lineno <= node.lineno <= end
