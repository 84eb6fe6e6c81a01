from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import ProjectContext, Site, diag
from seedlint.rules.base import Invalid, Rule
from seedlint.rules.ops.sdl301_nondeterministic_op import _short


class RaisesInDeterministicMode(Rule):
    """Reports an op that raises in deterministic mode, in a program that enables it without `warn_only`.

    ## What it does
    Reports calls to the ops of list (b) of the `torch.use_deterministic_algorithms` docstring (no
    deterministic implementation: they raise `RuntimeError` when the flag is on), when the program
    that runs them enables deterministic mode without `warn_only=True`, directly or through a
    helper (transformers `enable_full_determinism`, Lightning `Trainer(deterministic=True)` ...).
    Conditions are honoured as in SDL301 (an op whose backward raises only where the call shows it is
    differentiated, and in a program that may run a backward pass; not a layer in the `if dims == 3:`
    branch of a helper that builds it for the dimensionality it is given), and CUDA-only ops are reported
    only for programs that run on CUDA. A module no entry point reaches is judged on its own.

    ## Why is this bad?
    The run crashes with `RuntimeError: ... does not have a deterministic implementation` when the op
    executes on CUDA (for a few ops, such as `MaxUnpool` and `Tensor.put_`, on CPU too), often hours
    into training when the first backward pass reaches it.

    ## Example
    ```python
    torch.use_deterministic_algorithms(True)
    pool = nn.AdaptiveAvgPool2d(7)  # its CUDA backward raises
    ```

    ## Use instead
    ```python
    torch.use_deterministic_algorithms(True, warn_only=True)
    pool = nn.AdaptiveAvgPool2d(7)
    ```

    ## Fix safety
    No fix: whether to accept a warning or replace the op is the user's decision.

    ## References
    - `torch.use_deterministic_algorithms` docstring, torch 2.13, list (b) (`torch/__init__.py:1436-1534`), as
      generated into `seedlint/knowledge/nondeterministic_ops.json`.
    - Research notes (torch-determinism.md), "Nondeterministic ops, on CPU": which entries also raise on CPU.
    """

    code = "SDL302"
    name = "raises-in-deterministic-mode"
    message = "op raises in deterministic mode"
    scope = "program"
    VALID = [
        "import torch\ntorch.use_deterministic_algorithms(True, warn_only=True)\npool = torch.nn.AdaptiveAvgPool2d(7)\n",
        "import torch\npool = torch.nn.AdaptiveAvgPool2d(7)\n",
        # cuDNN's flag never makes an op raise
        "import torch\ntorch.backends.cudnn.deterministic = True\npool = torch.nn.AdaptiveAvgPool2d(7).cuda()\n",
        # CPU-only program: the op's CUDA backward never runs
        "import torch\ntorch.use_deterministic_algorithms(True)\npool = torch.nn.AdaptiveAvgPool2d(7)\n",
        "import torch\ntorch.use_deterministic_algorithms(True)\nx = torch.zeros(3).index_add_(0, i, s)\n",
        "import torch\ntorch.use_deterministic_algorithms(True)\nimport torch.nn.functional as F\n"
        "y = F.interpolate(x, scale_factor=2)\n",
        # a backward that never runs raises nothing: the program only runs the layer forward
        "import torch\ntorch.use_deterministic_algorithms(True)\npool = torch.nn.AdaptiveAvgPool2d(7).cuda()\n"
        "with open('out.txt', 'w') as f:\n    f.write(str(pool(x)))\n",
    ]
    INVALID = [
        Invalid("import torch\nfrom torch import nn\ntorch.use_deterministic_algorithms(True)\n"
                "pool = nn.AdaptiveAvgPool2d(7).cuda()\npool(x).sum().backward()\n", expected=((4, 8),)),
        Invalid("import torch as th\nimport torch.nn.functional as F\nth.use_deterministic_algorithms(mode=True)\n"
                "class Up(th.nn.Module):\n    def forward(self, x):\n"
                "        return F.interpolate(x, scale_factor=2, mode='bicubic')\nnet = Up().cuda()\n"
                "opt = th.optim.SGD(net.parameters(), lr=0.1)\n", expected=((6, 16),)),
        Invalid({"train.py": "from transformers import enable_full_determinism\nfrom model import Net\n"
                             "if __name__ == '__main__':\n    enable_full_determinism(0)\n    net = Net().cuda()\n"
                             "    net(x).sum().backward()\n",
                 "model.py": "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n"
                             "        super().__init__()\n        self.bag = nn.EmbeddingBag(10, 3, mode='max')\n"},
                expected=((5, 20),), path="model.py"),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        entries = {p.entry for p in ctx.programs}
        for path, lid, ev in ctx.events("op"):
            # (a backward that never runs raises nothing: see SDL301)
            if ev["lst"] != "b" or ev.get("nd") or ev.get("dd"):
                continue
            # (nor does a backward that a program which never trains does not run)
            progs = [p for p in ctx.programs_containing(path) if p.trains or not ev["bw"]]
            site = Site(path, ev["l"], ev["c"])
            if progs:
                culprit = next((p for p in progs if p.summary.det_raise is not None and (
                    ev["dev"] != "CUDA" or p.summary.cuda is not None)), None)
                if culprit is None:
                    continue
                where = f"program `{culprit.label}` enables deterministic mode without warn_only"
            else:
                _, raising = ctx.file_det(path)
                if not raising or path in entries:
                    continue
                where = "deterministic mode is enabled without warn_only"
            phase = "its backward raises" if ev.get("bw") else "it raises"
            dev = " on CUDA" if ev["dev"] == "CUDA" else ""
            yield diag(site, self.code,
                       f"`{_short(ev.get('form') or ev['api'])}` has no deterministic implementation ({phase} RuntimeError{dev}) and "
                       f"{where}: pass `warn_only=True` or avoid the op")
