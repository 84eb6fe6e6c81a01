from __future__ import annotations

from typing import Iterator, Set, Tuple

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import Program, ProjectContext, diag
from seedlint.project.facts import ZERO_OFF
from seedlint.rules.base import Invalid, Rule, Valid


_HYDRA_APP = ("import hydra\nimport lightning as L\n\n\n@hydra.main(version_base='1.3', config_path='conf', "
               "config_name='config')\ndef main(cfg):\n    if cfg.get('seed'):\n        L.seed_everything(cfg.seed)\n"
               "\n\nif __name__ == '__main__':\n    main()\n")


class SeedOffByDefault(Rule):
    """Reports seeding that does not happen unless the user asks for it.

    ## What it does
    Reports a seeding call (direct, or a helper that seeds) guarded by a test on a setting whose
    default is `None`: `if args.seed is not None: torch.manual_seed(args.seed)` where
    `parser.add_argument("--seed", type=int)` has no default (argparse defaults are resolved
    statically across the program's modules; a Hydra app's settings come from the YAML config its
    `@hydra.main(config_path=..., config_name=...)` composes, defaults list included), and `if opt.seed is None: opt.seed = random.randint(...)`
    (also `if not opt.seed:`) under such a default, or `if args.seed < 0: args.seed = np.random.randint(...)`
    under a negative default (`default=-1`) (the seed is then drawn from an unseeded RNG or the clock) when the setting is a
    seed: its name says so (`seed`, `manualSeed`), or a guarded seeding call passes it (an experiment name
    made from the date when none is given is not one). Also reports calls
    that pass `None` (or nothing) to a seeding helper that turns a `None` seed into entropy: detectron2
    `seed_all_rng(None)`, mmengine `set_random_seed()`, torchtune `set_seed(None)`, MONAI
    `set_determinism(None)`, mmdet / mmcls / mmseg `init_random_seed(args.seed)` under a `None`
    default (it returns a random seed), and the project's own helpers of that shape
    (`def seed_all(seed=None): if seed is None: seed = os.getpid() ...`, or a draw from a global RNG
    nothing has seeded yet: `seed = np.random.randint(2**31)`, torchtune's `torch.randint(...)`). One
    finding per file and setting.

    ## Why is this bad?
    The default run (the one people actually launch) is not seeded, so it cannot be repeated; the
    seeding code gives a false sense of safety.

    ## Example
    ```python
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.seed is not None:
        torch.manual_seed(args.seed)
    ```

    ## Use instead
    ```python
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    ```

    ## Fix safety
    No fix: choosing the default seed is the user's decision.

    ## References
    - Research notes (torch-determinism.md), "How frameworks seed": detectron2 `seed_all_rng(seed=None)` (None =>
      seed from pid, time and urandom); MONAI `set_determinism(seed=None)` disables determinism.
    - seed_helpers.json in the research data: `seed_if_none` of each helper.
    """

    code = "SDL008"
    name = "seed-off-by-default"
    message = "seeding is off by default"
    scope = "program"
    VALID = [
        "import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--seed', type=int, default=0)\n"
        "args = p.parse_args()\nif args.seed is not None:\n    torch.manual_seed(args.seed)\n",
        "import torch\nif __name__ == '__main__':\n    torch.manual_seed(0)\n",
        "from detectron2.utils.env import seed_all_rng\nif __name__ == '__main__':\n    seed_all_rng(42)\n",
        # a setting filled in from the clock when not given, that is no seed (open_clip's experiment name)
        "import argparse, torch\nfrom datetime import datetime\nif __name__ == '__main__':\n"
        "    p = argparse.ArgumentParser()\n    p.add_argument('--name', default=None)\n    args = p.parse_args()\n"
        "    if args.name is None:\n        args.name = datetime.now().strftime('%Y_%m_%d')\n"
        "    torch.manual_seed(0)\n",
        # a guard that lets 0 through, under a default of 0
        Valid("import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--seed', type=int, default=0)\n"
              "args = p.parse_args()\nif args.seed >= 0:\n    torch.manual_seed(args.seed)\n"),
        # the fallback replaces a negative seed, but the default is a seed
        Valid("import argparse\nimport numpy as np\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
              "    p.add_argument('--seed', type=int, default=0)\n    args = p.parse_args()\n"
              "    if args.seed < 0:\n        args.seed = np.random.randint(1000)\n    np.random.seed(args.seed)\n"),
    ]
    INVALID = [
        # the helper is given the whole namespace whose seed the guard tests (FixMatch-pytorch)
        Invalid("import argparse, torch\ndef set_seed(args):\n    torch.manual_seed(args.seed)\n"
                "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--seed', type=int, default=None)\n    args = p.parse_args()\n"
                "    if args.seed is not None:\n        set_seed(args)\n    x = torch.randn(3)\n",
                expected=((9, 9),)),
        Invalid("import argparse\nimport torch as th\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--seed', type=int)\n    args = p.parse_args()\n    if args.seed is not None:\n"
                "        th.manual_seed(args.seed)\n", expected=((8, 9),)),
        Invalid("from detectron2.utils.env import seed_all_rng as seed_all\nif __name__ == '__main__':\n"
                "    seed_all(None)\n", expected=((3, 5),)),
        Invalid("import argparse\nfrom detectron2.utils.env import seed_all_rng\nif __name__ == '__main__':\n"
                "    p = argparse.ArgumentParser()\n    p.add_argument('--seed', type=int, default=-1)\n"
                "    a = p.parse_args()\n    seed_all_rng(None if a.seed < 0 else a.seed)\n", expected=((7, 5),)),
        Invalid("import argparse, random, torch\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--manualSeed', type=int)\n    opt = p.parse_args()\n"
                "    if opt.manualSeed is None:\n        opt.manualSeed = random.randint(1, 10000)\n"
                "    random.seed(opt.manualSeed)\n    torch.manual_seed(opt.manualSeed)\n", expected=((7, 9),)),
        Invalid("import argparse\nfrom mmdet.apis import init_random_seed, set_random_seed\n"
                "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--seed', type=int, default=None)\n    args = p.parse_args()\n"
                "    seed = init_random_seed(args.seed)\n    set_random_seed(seed)\n", expected=((7, 12),)),
        Invalid({"train.py": "from envutil import seed_all_rng\nif __name__ == '__main__':\n    seed_all_rng()\n",
                 "envutil.py": "import os, time, torch\ndef seed_all_rng(seed=None):\n    if seed is None:\n"
                               "        seed = os.getpid() + int(time.time())\n    torch.manual_seed(seed)\n"},
                expected=((3, 5),), path="train.py"),
        # a negative default that the program replaces with a draw (rl-baselines3-zoo), and `if not seed:`
        Invalid("import argparse\nimport numpy as np\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--seed', type=int, default=-1)\n    args = p.parse_args()\n"
                "    if args.seed < 0:\n        args.seed = np.random.randint(2**32 - 1, dtype='int64').item()\n"
                "    np.random.seed(args.seed)\n", expected=((8, 9),)),
        Invalid("import argparse, time, random\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
                "    p.add_argument('--seed', type=int)\n    args = p.parse_args()\n"
                "    if not args.seed:\n        args.seed = int(time.time())\n    random.seed(args.seed)\n",
                expected=((7, 9),)),
        Invalid({"train.py": "import argparse\nfrom utils import set_seed\nparser = argparse.ArgumentParser()\n"
                             "parser.add_argument('--manual-seed', dest='seed', default=None, type=int)\n"
                             "args = parser.parse_args()\nif args.seed:\n    set_seed(args.seed)\n",
                 "utils.py": "import random, numpy as np\ndef set_seed(s):\n    random.seed(s)\n    np.random.seed(s)\n"},
                expected=((7, 5),), path="train.py"),
        # a default of 0 under a test that is false at 0 (mixup-cifar10: `if args.seed != 0:`), and a fallback for 0
        Invalid("import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--seed', default=0, type=int)\n"
                "args = p.parse_args()\nif args.seed != 0:\n    torch.manual_seed(args.seed)\n", expected=((6, 5),)),
        Invalid("import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--seed', default=0, type=int)\n"
                "args = p.parse_args()\nif args.seed:\n    torch.manual_seed(args.seed)\n", expected=((6, 5),)),
        Invalid("import argparse, random, torch\np = argparse.ArgumentParser()\n"
                "p.add_argument('--seed', default=0, type=int)\nargs = p.parse_args()\nif not args.seed:\n"
                "    args.seed = random.randint(1, 10000)\ntorch.manual_seed(args.seed)\n", expected=((6, 5),)),
        # a helper whose None seed is drawn from the global RNG it is about to seed (mmengine, torchtune copies)
        Invalid({"train.py": "from seeding import set_seed\nif __name__ == '__main__':\n    set_seed()\n",
                 "seeding.py": "import numpy as np, torch\ndef set_seed(seed=None):\n    if seed is None:\n"
                               "        seed = np.random.randint(2**31)\n    np.random.seed(seed)\n"
                               "    torch.manual_seed(seed)\n"},
                expected=((3, 5),), path="train.py"),
        # a Hydra app: the guard tests a setting whose default comes from the YAML config it composes
        Invalid({"train.py": _HYDRA_APP,
                 "conf/config.yaml": "defaults:\n  - _self_\n  - model: small\n  - experiment: null\n"
                                     "  - optional local: default\n\nseed: null  # set one to repeat a run\n",
                 "conf/model/small.yaml": "width: 64\n"},
                expected=((8, 9),), path="train.py"),
    ]
    VALID += [
        Valid({"train.py": _HYDRA_APP, "conf/config.yaml": "seed: 12345\n"}, path="train.py"),
        # a default config that sets `seed` for the whole config: its value wins (it comes after `_self_`)
        Valid({"train.py": _HYDRA_APP,
               "conf/config.yaml": "defaults:\n  - _self_\n  - run: default\nseed: null\n",
               "conf/run/default.yaml": "# @package _global_\nseed: 7\n"}, path="train.py"),
        # a config file that is not there (or not followed) leaves the default unknown: nothing is reported
        Valid({"train.py": _HYDRA_APP, "conf/config.yaml": "defaults:\n  - trainer: gpu\nseed: null\n"},
              path="train.py"),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        done: Set[Tuple[str, int, int]] = set()
        for prog in ctx.programs:
            for site, why in prog.summary.off_by_default:
                key = (site.path, site.line, site.col)
                if key not in done:
                    done.add(key)
                    yield diag(site, self.code, f"{why}: the run is not reproducible unless a seed is passed")
            for site, why, names in prog.summary.maybe_off:
                key = (site.path, site.line, site.col)
                hit = next((n for n in names if ctx.argparse_default(prog, n) in ("None", "neg")), None)
                if hit is not None and key not in done:
                    done.add(key)
                    yield diag(site, self.code, f"{why}, and that is what happens with the default `{hit}`: the "
                                                "default run is not reproducible")
            for site, name, src, kinds in prog.summary.none_fallbacks:
                key = (site.path, site.line, site.col)
                kind = ctx.argparse_default(prog, name)
                if key not in done and _is_seed(prog, name) and kind in kinds:
                    done.add(key)
                    default = _DEFAULTS[kind]
                    yield diag(site, self.code, f"`{name}` defaults to {default}, and then the seed is drawn from "
                                                f"`{src.replace('builtins.', '')}()`: the default run is not "
                                                "reproducible; give it a default seed")
            for site, rngs, guards, seed_names in prog.summary.seed_sites:
                for g in guards:
                    # the guard must test the value that is passed as the seed (`if args.seed: seed(args.seed)`),
                    # and be false by default: a None default, or 0 where the test is false at 0 (`if args.seed:`)
                    kind = ctx.argparse_default(prog, g) if g in seed_names else None
                    if kind == "None" or kind == "zero" and ZERO_OFF + g in guards:
                        key = (site.path, site.line, site.col)
                        # one finding per file and setting: `if args.seed is not None:` often guards several calls
                        if key not in done and (site.path, g) not in done:
                            done.add(key)
                            done.add((site.path, g))  # type: ignore[arg-type]
                            yield diag(site, self.code,
                                       f"seeding runs only when `{g}` is set, and {ctx.default_origin(prog, g)} is "
                                       f"{'None' if kind == 'None' else '0'}: the default run is not seeded; give it "
                                       "a default seed" + ("" if kind == "None" else " that the test lets through"))
                        break


_DEFAULTS = {"None": "None", "neg": "a negative number", "zero": "0"}


def _is_seed(prog: Program, name: str) -> bool:
    """Is the setting ``name`` a seed: named like one, or passed to a seeding call the program makes under
    a guard (the seed names the facts keep)?"""
    return "seed" in name.lower() or any(name in seed_names for _, _, _, seed_names in prog.summary.seed_sites)
