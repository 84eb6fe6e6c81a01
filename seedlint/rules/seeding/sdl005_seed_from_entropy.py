from __future__ import annotations

import ast
from typing import Iterator, Optional

from seedlint.diagnostics import Diagnostic
from seedlint.knowledge import apis
from seedlint.knowledge.helpers import HELPERS_BY_NAME
from seedlint.project.facts import CallSite, FileContext, literal
from seedlint.rules.base import Finding, Invalid, Rule, Valid


# the seed's keyword where it is not `seed` (`random.seed(a=...)`, `random.Random(x=...)`)
SEED_KEYWORDS = {"random.seed": "a", "random.Random": "x"}


def seed_argument(site: CallSite):
    """The seed argument of a seeding call, or None when the call is not one."""
    name = site.name
    if name in apis.SEED_ARG_CALLS:
        return site.arg(0, SEED_KEYWORDS.get(name, "seed"))
    helper = HELPERS_BY_NAME.get(name or "")
    if helper is not None and helper.seed_param is not None:
        pos, kw = helper.seed_param
        return site.arg(pos, kw)
    if name is None and site.method == "manual_seed":
        return site.arg(0, "seed")
    return None


# the global seeders that reseed from OS entropy when given no seed or None
GLOBAL_RESEEDERS = frozenset({"random.seed", "numpy.random.seed"})


class SeedFromEntropy(Rule):
    """Reports a seed taken from the clock, the process id or OS entropy.

    ## What it does
    Reports a seeding call (`torch.manual_seed`, `np.random.seed`, `random.seed`, `default_rng`,
    `Generator.manual_seed`, the seeding helpers of Lightning, transformers, accelerate and others,
    and the project's own seeding functions) whose seed comes from `time`, `datetime`, `os.urandom`,
    `uuid`, `os.getpid`, `secrets`, `random.SystemRandom`, `torch.seed()` or `hash()` of a string,
    directly or through local assignments (`seed = int(time.time())`); and `random.seed()` /
    `np.random.seed()` called without a seed or with `None`, which reseed the global generator from OS
    entropy.

    ## Why is this bad?
    The call looks like seeding but the value changes every run, so the run cannot be repeated unless
    the seed was logged and is fed back by hand. `hash()` of a `str` changes every run unless
    `PYTHONHASHSEED` is fixed before the interpreter starts. detectron2's `seed_all_rng(None)` does
    exactly this.

    ## Example
    ```python
    import time, torch
    seed = int(time.time())
    torch.manual_seed(seed)
    ```

    ## Use instead
    ```python
    seed = args.seed  # a fixed default, e.g. 0, recorded with the run
    torch.manual_seed(seed)
    ```

    ## Fix safety
    No fix: the right seed is the user's choice (a config value or a command-line argument).

    ## References
    - Research notes (torch-determinism.md), "Seeding": seeds from the clock, pid, `os.urandom`, `uuid`,
      `random.SystemRandom`, `secrets` or `hash(str)` make the run non-reproducible.
    - Python docs, `random.seed`: "If a is omitted or None, the current system time is used" (or OS
      randomness where available); NumPy docs, `numpy.random.seed` / `RandomState`: with `None`,
      "fresh, unpredictable entropy will be pulled from the OS".
    - PyTorch, "Reproducibility": https://pytorch.org/docs/stable/notes/randomness.html
    """

    code = "SDL005"
    name = "seed-from-entropy"
    message = "seed taken from the clock or OS entropy"
    scope = "file+program"
    VALID = [
        "import torch\ntorch.manual_seed(42)\n",
        "import numpy as np\nseed = 7\nnp.random.seed(seed)\n",
        "import random, time\nstart = time.time()\nrandom.seed(0)\n",
        "import torch\ntorch.manual_seed(hash(3))\n",
        "import random\nimport numpy as np\nrandom.seed(a=0)\nnp.random.seed(*cfg.seeds)\n",
        Valid("import torch\ndef f(args):\n    torch.manual_seed(args.seed + 1)\n"),
        # a fallback for a missing argument (detectron2's seed_all_rng): the callers decide (SDL008)
        Valid("import os, torch\ndef seed_all(seed=None):\n    if seed is None:\n        seed = os.getpid()\n"
              "    torch.manual_seed(seed)\n"),
    ]
    INVALID = [
        Invalid("import time, torch\nseed = int(time.time())\ntorch.manual_seed(seed)\n", expected=((3, 1),)),
        Invalid("import random\nimport numpy as np\nrandom.seed()\nnp.random.seed(None)\nnp.random.seed(seed=None)\n",
                expected=((3, 1), (4, 1), (5, 1))),
        Invalid("import numpy as np\nfrom os import getpid\nnp.random.seed(getpid() % 2**32)\n", expected=((3, 1),)),
        Invalid("import random as rnd\nimport datetime\nrnd.seed(datetime.datetime.now().timestamp())\n",
                expected=((3, 1),)),
        Invalid("import numpy as np, os\nrng = np.random.default_rng(int.from_bytes(os.urandom(4), 'little'))\n",
                expected=((2, 7),)),
        Invalid("from lightning.pytorch import seed_everything\nimport uuid\nseed_everything(uuid.uuid4().int % 1000)\n",
                expected=((3, 1),)),
        Invalid("import torch\ng = torch.Generator()\ng.manual_seed(hash('run-name'))\n", expected=((3, 1),)),
        Invalid({"train.py": "import time as t\nfrom utils import set_seed\nif __name__ == '__main__':\n"
                             "    set_seed(int(t.time()))\n",
                 "utils.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n"},
                expected=((4, 5),), path="train.py"),
    ]

    def check_project(self, ctx) -> Iterator[Diagnostic]:
        """Entropy passed to one of the project's own seeding functions (`set_seed(int(time.time()))`)."""
        from seedlint.project.analysis import diag

        done = set()
        for prog in ctx.programs:
            for site, src in prog.summary.entropy_calls:
                key = (site.path, site.line, site.col)
                if key not in done:
                    done.add(key)
                    yield diag(site, self.code, entropy_message(src))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            if site.name in GLOBAL_RESEEDERS and not site.has_star_kwargs() and not any(
                    type(a) is ast.Starred for a in site.node.args):
                given = seed_argument(site)
                if given is None or literal(given) is None:
                    short = site.name.replace("numpy.", "np.")
                    yield Finding(site.node, f"`{short}({'' if given is None else 'None'})` reseeds from OS "
                                             "entropy (or the clock), so every run differs; pass a fixed, "
                                             "recorded seed")
                    continue
            seed = seed_argument(site)
            if seed is None:
                continue
            src: Optional[str] = ctx.analyzer.entropy_source(seed, site.scope)
            if src:
                yield Finding(site.node, entropy_message(src))


def entropy_message(src: str) -> str:
    pretty = src.replace("builtins.", "").replace("datetime.datetime.", "datetime.")
    extra = " (hash() of a str changes every run unless PYTHONHASHSEED is fixed at start-up)" if src == "builtins.hash" else ""
    return f"seed derived from `{pretty}()` changes every run{extra}; use a fixed, recorded seed"
