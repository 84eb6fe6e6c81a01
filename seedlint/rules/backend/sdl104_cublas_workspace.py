from __future__ import annotations

from typing import Iterator, Tuple

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import ProjectContext, diag
from seedlint.rules.base import Invalid, Rule, Valid

# The last torch release known to check CUBLAS_WORKSPACE_CONFIG: the error is reported against torch 2.8
# (2025-09); the check was removed by pytorch/pytorch#161749 (opened 2025-08-28, reviewed into 2025-09)
# and is absent from 2.13's ATen/Context.h. Whether 2.9 or 2.10 was the first release without it is not
# certain, so seedlint reports only for targets <= 2.8 (precision first).
LAST_VERSION_WITH_CHECK: Tuple[int, int] = (2, 8)


class CublasWorkspaceConfig(Rule):
    """Reports deterministic mode on CUDA without `CUBLAS_WORKSPACE_CONFIG`, for torch versions that need it.

    ## What it does
    When the target torch version is 2.8 or older (setting `target-torch-version`, default: the
    installed torch's version, read from package metadata), reports a program that runs on CUDA and
    enables deterministic algorithms without setting `CUBLAS_WORKSPACE_CONFIG` (`os.environ[...]`,
    `setdefault`, `update`) anywhere on the way from its entry point. For torch 2.13 (and any target
    newer than 2.8) it reports nothing.

    ## Why is this bad?
    With deterministic algorithms on, CUDA >= 10.2 and torch up to 2.8, the first cuBLAS matmul raises
    `RuntimeError` unless `CUBLAS_WORKSPACE_CONFIG` is `:4096:8` or `:16:8`; the value is read once,
    so it must be set before the first CUDA matmul.

    How sure is the version cut-off? The check and its docstring paragraph were removed by
    pytorch/pytorch#161749 (2025-09) and are absent from torch 2.13; the error is documented against
    torch 2.8. The first release without it is 2.9 or 2.10: seedlint stays silent for both.

    ## Example
    ```python
    torch.use_deterministic_algorithms(True)
    model = Net().cuda()
    ```

    ## Use instead
    ```python
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # before any CUDA work
    torch.use_deterministic_algorithms(True)
    model = Net().cuda()
    ```

    ## Fix safety
    No fix: the variable belongs before the first CUDA work, often in the launch script.

    ## References
    - Research notes (torch-determinism.md), "Backend flags": `CUBLAS_WORKSPACE_CONFIG` was required in older
      torch; the check was removed (pytorch/pytorch#161749; absent from 2.13's `ATen/Context.h`).
    - nondeterministic_ops.json history: the CUBLAS paragraph is present in 1.x-2.4+ docstrings, removed in 2.13.
    """

    code = "SDL104"
    name = "cublas-workspace-config"
    message = "deterministic mode on CUDA without CUBLAS_WORKSPACE_CONFIG (torch <= 2.8)"
    scope = "program"
    _OLD = "[project]\nname = 'case'\nversion = '0'\n[tool.seedlint]\ntarget-torch-version = '2.4'\n"
    VALID = [
        "import torch\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    x = torch.zeros(2).cuda()\n",  # default target: the installed torch (2.13), no check
        Valid({"pyproject.toml": _OLD,
               "case.py": "import os, torch\nif __name__ == '__main__':\n"
                          "    os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'\n"
                          "    torch.use_deterministic_algorithms(True)\n    x = torch.zeros(2).cuda()\n"}),
        Valid({"pyproject.toml": _OLD,
               "case.py": "import torch\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
                          "    x = torch.zeros(2)\n"}),
    ]
    INVALID = [
        Invalid({"pyproject.toml": _OLD,
                 "case.py": "import torch\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
                            "    x = torch.zeros(2).cuda()\n"}, expected=((3, 5),)),
        Invalid({"pyproject.toml": _OLD,
                 "case.py": "import torch as th\nfrom torch.backends import cudnn\nif __name__ == '__main__':\n"
                            "    th.use_deterministic_algorithms(True, warn_only=True)\n    d = th.device('cuda')\n"},
                expected=((4, 5),)),
        Invalid({"pyproject.toml": _OLD,
                 "case.py": "import lightning as L\nif __name__ == '__main__':\n"
                            "    trainer = L.Trainer(deterministic=True, accelerator='gpu')\n"
                            "    x = L.Fabric().to_device(1)\n    y = x.cuda()\n"}, expected=((3, 15),)),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        version = ctx.project.cfg.target_torch_version
        if version is None or tuple(version[:2]) > LAST_VERSION_WITH_CHECK:
            return
        for prog in ctx.programs:
            s = prog.summary
            if s.det_algos is not None and s.cuda is not None and not s.cublas:
                yield diag(s.det_algos, self.code,
                           f"deterministic mode on CUDA with torch {'.'.join(map(str, version))}: the first cuBLAS "
                           "matmul raises unless CUBLAS_WORKSPACE_CONFIG=:4096:8 is set before CUDA work starts")
