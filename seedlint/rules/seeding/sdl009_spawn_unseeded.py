from __future__ import annotations

from typing import Iterator, Set, Tuple

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import ProjectContext, Summary, diag
from seedlint.rules.base import Invalid, Rule

_NAMES = {"random": "random", "numpy": "numpy", "torch": "torch"}


class SpawnUnseeded(Rule):
    """Reports processes started after seeding whose target does not seed itself.

    ## What it does
    Reports `torch.multiprocessing.spawn(fn, ...)` / `mp.spawn`, `start_processes` and
    `multiprocessing.Process(target=fn)` in a program that seeds its RNGs, when `fn` (and what it
    calls, plus the entry module's top level, which a spawned child re-imports) does not seed the RNGs
    the parent seeds.

    ## Why is this bad?
    A spawned child is a fresh interpreter: the parent's `torch.manual_seed` does not reach it, so
    every worker of a distributed job starts from an unseeded RNG (different initial weights per rank,
    different dropout). `torch.multiprocessing.spawn` always uses the spawn start method. For
    `multiprocessing.Process` the same holds under the spawn start method (the default on macOS and
    Windows) and forkserver (the default on Linux from Python 3.14); under fork (the default on Linux
    before 3.14) every child inherits the parent's state, so all children draw the same numbers.

    ## Example
    ```python
    def worker(rank):
        model = Net()
        ...

    if __name__ == "__main__":
        torch.manual_seed(0)
        mp.spawn(worker, nprocs=4)
    ```

    ## Use instead
    ```python
    def worker(rank):
        torch.manual_seed(0 + rank)  # or the same seed, if ranks must agree
        model = Net()
    ```

    ## Fix safety
    No fix: whether ranks need the same or different seeds is the user's decision.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": seeding in the parent before
      `torch.multiprocessing.spawn` does not seed the spawned processes.
    - Python docs, multiprocessing "Contexts and start methods":
      https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods
    """

    code = "SDL009"
    name = "spawn-unseeded"
    message = "spawned processes are not seeded"
    scope = "program"
    VALID = [
        # a target that calls the function it is given (fairseq's distributed_main(i, main, cfg, kwargs)): what
        # runs in the child is not known, and that function may seed
        "import random\nimport torch.multiprocessing as mp\ndef worker(i, fn):\n    fn()\n    random.random()\n"
        "def main():\n    random.seed(1)\nif __name__ == '__main__':\n    random.seed(0)\n"
        "    mp.spawn(worker, args=(main,))\n",
        "import torch\nimport torch.multiprocessing as mp\ndef worker(rank):\n    torch.manual_seed(rank)\n"
        "    x = torch.randn(2)\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    mp.spawn(worker, nprocs=2)\n",
        "import torch.multiprocessing as mp\ndef worker(rank):\n    print(rank)\nif __name__ == '__main__':\n"
        "    mp.spawn(worker, nprocs=2)\n",
        "import torch\nimport torch.multiprocessing as mp\ntorch.manual_seed(0)\ndef worker(rank):\n"
        "    x = torch.randn(2)\nif __name__ == '__main__':\n    mp.spawn(worker, nprocs=2)\n",
    ]
    INVALID = [
        Invalid("import torch\nimport torch.multiprocessing as mp\ndef worker(rank):\n    x = torch.randn(2)\n"
                "if __name__ == '__main__':\n    torch.manual_seed(0)\n    mp.spawn(worker, nprocs=2)\n",
                expected=((7, 5),)),
        Invalid("import multiprocessing\nimport numpy as np\ndef job():\n    return np.random.rand()\n"
                "if __name__ == '__main__':\n    np.random.seed(0)\n"
                "    p = multiprocessing.Process(target=job)\n    p.start()\n", expected=((7, 9),)),
        Invalid("from torch.multiprocessing import spawn as launch\nimport torch\ndef run(rank):\n"
                "    torch.nn.Linear(2, 2)\nif __name__ == '__main__':\n    torch.manual_seed(1)\n    launch(run)\n",
                expected=((7, 5),)),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        done: Set[Tuple[str, int, int]] = set()
        for prog in ctx.programs:
            parent = set(prog.parent_seeds)
            if not parent:
                continue
            top = ctx.project.summary((prog.entry, "<module>"))
            for site, target, tname in prog.summary.spawns:
                if target is None or ctx.project.calls_parameter(target):
                    continue  # (what a target that calls a function it is given runs is not known)
                child = Summary()
                child.merge(ctx.project.summary(target))
                child_seeds = set(child.seeds) | set(top.seeds)
                child_uses = set(child.uses) | set(child.worker_uses)
                missing = sorted((parent & child_uses) - child_seeds)
                if not missing:
                    continue
                key = (site.path, site.line, site.col)
                if key in done:
                    continue
                done.add(key)
                names = ", ".join(_NAMES[m] for m in missing)
                short = tname.rsplit(".", 1)[-1]
                yield diag(site, self.code,
                           f"the parent seeds {names}, but `{short}` runs in a new process that does not: seed "
                           f"inside `{short}` (e.g. from the seed plus the rank)")
