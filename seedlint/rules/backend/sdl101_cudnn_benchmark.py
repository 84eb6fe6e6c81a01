from __future__ import annotations

import ast
from typing import Iterator, Optional

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.knowledge.helpers import LIGHTNING_TRAINERS
from seedlint.project.facts import FileContext, Scope, literal
from seedlint.rules.backend._switch import switch_function, switched
from seedlint.rules.base import Finding, Invalid, Rule, Valid


CONV = "net = torch.nn.Conv2d(3, 8, 3)\n"


class CudnnBenchmark(Rule):
    """Reports `torch.backends.cudnn.benchmark = True`.

    ## What it does
    Reports `torch.backends.cudnn.benchmark = True` in any spelling (`import torch.backends.cudnn as
    cudnn`, `from torch.backends import cudnn`, `import torch as th`), and Lightning's
    `Trainer(benchmark=True)`, which sets the same flag, and the flag set to a parameter that defaults to
    `True` (`def training_loop(cudnn_benchmark=True): cudnn.benchmark = cudnn_benchmark`: benchmark mode is
    on unless a caller turns it off; the finding is at the default). Not reported: a value read from the
    command line or a config (`cudnn.benchmark = args.benchmark`), nor the same switch spelled as an
    `if`: an assignment in either branch of an `if` whose test reads a setting named for benchmark
    mode or determinism (`if args.deterministic: ... else: cudnn.benchmark = True`,
    `if cfg.get("cudnn_benchmark"): cudnn.benchmark = True`), or in a function named for it
    (`def enable_cudnn_benchmark():`). The user chose speed there, knowingly. Nor in a file that only
    programs without convolutions run: benchmark mode picks among convolution algorithms, and a program
    of linear layers written in the project has none (the programs SDL102 leaves alone, for the same
    reason).

    ## Why is this bad?
    With benchmark mode on, cuDNN times several candidate convolution algorithms on the first call
    for each input shape and keeps the fastest. The timing varies from run to run, so different runs
    may pick different algorithms, and different algorithms give different floating-point results.

    ## Example
    ```python
    import torch.backends.cudnn as cudnn
    cudnn.benchmark = True
    ```

    ## Use instead
    ```python
    import torch.backends.cudnn as cudnn
    cudnn.benchmark = False
    ```

    ## Fix safety
    The fix replaces `True` with `False`. It is safe: results do not change meaning, only speed
    (convolutions may get slower).

    ## References
    - Research notes (torch-determinism.md), "Backend flags": `cudnn.benchmark=True` times candidate kernels
      and may choose a different one per run; the default is False (`ATen/Context.h:476-501`).
    - PyTorch, "Reproducibility", cuDNN section: https://pytorch.org/docs/stable/notes/randomness.html
    """

    code = "SDL101"
    name = "cudnn-benchmark"
    message = "cuDNN benchmark mode picks kernels by timing"
    fix = FixSafety.SAFE
    VALID = [
        "import torch\ntorch.backends.cudnn.benchmark = False\n",
        "import torch\nflag = torch.backends.cudnn.benchmark\n",
        "class Cfg:\n    benchmark = True\n",
        "import torch.backends.cudnn as cudnn\ncudnn.deterministic = True\n",
        # the user's switch: a setting named for benchmark mode or determinism decides
        Valid("import torch\ndef setup(args, cfg):\n    if args.deterministic:\n"
              "        torch.backends.cudnn.deterministic = True\n    else:\n"
              "        torch.backends.cudnn.benchmark = True\n"
              "    if cfg.get('cudnn_benchmark'):\n        torch.backends.cudnn.benchmark = True\n"),
        "import torch\ndef enable_cudnn_benchmark():\n    torch.backends.cudnn.benchmark = True\n",
        # a program of linear layers and embeddings written in the project: no convolution to pick kernels for
        Valid({"train.py": "import numpy as np\nimport torch\nfrom model import MLP\n"
                           "if __name__ == '__main__':\n    torch.backends.cudnn.benchmark = True\n"
                           "    net = MLP().cuda()\n    net(torch.ones(1, 4).cuda()).sum().backward()\n",
               "model.py": "import torch.nn as nn\nclass MLP(nn.Module):\n    def __init__(self):\n"
                           "        super().__init__()\n        self.emb = nn.Embedding(10, 4)\n"
                           "        self.fc = nn.Linear(4, 1)\n"}, path="train.py"),
        # a parameter's default that is not True, a parameter the function reassigns or has no default for
        "import torch\ndef setup(bench=False, other=True):\n    torch.backends.cudnn.benchmark = bench\n",
        "import torch\ndef setup(cfg, bench=True):\n    bench = cfg.bench\n    torch.backends.cudnn.benchmark = bench\n",
        "import torch\ndef setup(bench):\n    torch.backends.cudnn.benchmark = bench\n",
    ]
    INVALID = [
        # a parameter that defaults to True (stylegan3's training_loop, which only `--nobench` turns off)
        Invalid("import torch\ndef training_loop(seed=0, *, cudnn_benchmark=True):\n"
                "    torch.backends.cudnn.benchmark = cudnn_benchmark\n" + CONV, expected=((2, 46),),
                fixed="import torch\ndef training_loop(seed=0, *, cudnn_benchmark=False):\n"
                      "    torch.backends.cudnn.benchmark = cudnn_benchmark\n" + CONV),
        # a program of linear layers only: benchmark mode has no convolution to pick kernels for (VALID below)
        # a test about something else does not make it a switch, nor does a helper named for determinism
        Invalid("import torch\ndef make_deterministic():\n    torch.backends.cudnn.benchmark = True\n" + CONV,
                expected=((3, 5),),
                fixed="import torch\ndef make_deterministic():\n    torch.backends.cudnn.benchmark = False\n" + CONV),
        Invalid("import torch\nif torch.cuda.is_available():\n    torch.backends.cudnn.benchmark = True\n" + CONV,
                expected=((3, 5),),
                fixed="import torch\nif torch.cuda.is_available():\n    torch.backends.cudnn.benchmark = False\n" + CONV),
        Invalid("import torch\ntorch.backends.cudnn.benchmark = True\n" + CONV, expected=((2, 1),),
                fixed="import torch\ntorch.backends.cudnn.benchmark = False\n" + CONV),
        Invalid("import torch.backends.cudnn as cudnn\ncudnn.benchmark = True  # speed\nimport timm\n", expected=((2, 1),),
                fixed="import torch.backends.cudnn as cudnn\ncudnn.benchmark = False  # speed\nimport timm\n"),
        Invalid("from torch.backends import cudnn\ncudnn.benchmark = True\nfrom torchvision import models\n",
                expected=((2, 1),),
                fixed="from torch.backends import cudnn\ncudnn.benchmark = False\nfrom torchvision import models\n"),
        Invalid("import torch as th\nth.backends.cudnn.benchmark = True\nrnn = th.nn.LSTM(4, 4)\n", expected=((2, 1),),
                fixed="import torch as th\nth.backends.cudnn.benchmark = False\nrnn = th.nn.LSTM(4, 4)\n"),
        Invalid("from lightning.pytorch import Trainer\ntrainer = Trainer(max_epochs=3, benchmark=True)\n"
                "import segmentation_models_pytorch as smp\n",
                expected=((2, 11),),
                fixed="from lightning.pytorch import Trainer\ntrainer = Trainer(max_epochs=3, benchmark=False)\n"
                      "import segmentation_models_pytorch as smp\n"),
    ]

    def withdraw(self, ctx, path: str, line: int, col: int) -> bool:
        """Project-level second look: no program that runs this file may run a kernel whose choice or result
        varies (``ProjectContext.may_run_nondeterministic_kernel``): there is no convolution to pick for."""
        progs = ctx.programs_containing(path)
        return bool(progs) and not any(ctx.may_run_nondeterministic_kernel(p) for p in progs)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.assigns:
            if site.name != apis.CUDNN_BENCHMARK or switched(site.tests) or switch_function(site.scope, ("benchmark",)):
                continue
            if literal(site.value) is True:
                yield Finding(
                    site.node,
                    "`cudnn.benchmark = True` lets cuDNN pick convolution kernels by timing, which can differ "
                    "between runs; set it to False",
                )
            elif type(site.value) is ast.Name:
                default = _true_default(ctx, site.value.id, site.scope)  # type: ignore[attr-defined]
                if default is not None:
                    yield Finding(
                        default,
                        f"`{site.value.id}` defaults to True and line {site.node.lineno} sets "  # type: ignore
                        "`cudnn.benchmark` to it, which lets cuDNN pick convolution kernels by timing; default it "
                        "to False",
                    )
        for call in ctx.calls:
            if call.name in LIGHTNING_TRAINERS and literal(call.kwarg("benchmark")) is True:
                yield Finding(
                    call.node,
                    "`Trainer(benchmark=True)` turns on cuDNN benchmark mode, which picks kernels by timing; "
                    "use benchmark=False",
                )


def _true_default(ctx: FileContext, name: str, scope: Scope) -> Optional[ast.expr]:
    """The literal ``True`` a parameter ``name`` of the function ``scope`` defaults to, when the function does not
    reassign it (``def training_loop(..., cudnn_benchmark=True):``), else None."""
    bnd = scope.bindings.get(name)
    fn = ctx.functions.get(scope.local_id) if scope.kind == "function" else None
    if bnd is None or bnd.kind != "param" or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    for param, default in pairs:
        if param.arg == name:
            return default if literal(default) is True else None
    return None
