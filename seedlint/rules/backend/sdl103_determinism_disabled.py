from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import FixSafety
from seedlint.knowledge import apis
from seedlint.knowledge.helpers import LIGHTNING_TRAINERS
from seedlint.project.facts import FileContext, Scope, literal
from seedlint.rules.backend._switch import SWITCH_OFF_WORDS, switch_function, switched
from seedlint.rules.base import Finding, Invalid, Rule, Valid


def _off_switch(scope: Scope) -> bool:
    """In a function named for turning deterministic mode off (``unset_deterministic``)?"""
    return switch_function(scope, ("determinis",), SWITCH_OFF_WORDS)


# the calls that can switch deterministic mode off (one set test per call before anything else)
_OFF_CALLS = frozenset({apis.DETERMINISTIC_CALL, apis.DEBUG_MODE_CALL, *LIGHTNING_TRAINERS})


class DeterminismDisabled(Rule):
    """Reports deterministic mode switched off explicitly.

    ## What it does
    Reports `torch.backends.cudnn.deterministic = False`, `torch.use_deterministic_algorithms(False)`,
    `torch.set_deterministic_debug_mode("default")` / `(0)` and Lightning's
    `Trainer(deterministic=False)`. Not reported: `cudnn.deterministic = False` in either branch of
    an `if` whose test reads a setting named for determinism or benchmark mode
    (`if args.deterministic: ... else: cudnn.deterministic = False`): that is the user's switch, as
    `cudnn.deterministic = args.deterministic` is; nor anything in a function named for switching it
    off (`def unset_deterministic():`, `disable_determinism`), which runs when the user asks for that.

    ## Why is this bad?
    Both flags default to off, so writing `False` is either dead code or, more often, a switch that
    undoes an earlier `True` (a helper that enabled deterministic mode, a framework default). With
    them off, cuDNN may pick nondeterministic convolution algorithms and ops such as `index_add_` or
    `scatter_add_` use atomic adds on CUDA, whose floating-point sums vary between runs.

    ## Example
    ```python
    torch.backends.cudnn.deterministic = False
    torch.use_deterministic_algorithms(False)
    ```

    ## Use instead
    ```python
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)
    ```

    ## Fix safety
    The fix replaces `False` with `True` (and `set_deterministic_debug_mode('default')` / `(0)` with
    `'error'`). It is unsafe: with deterministic algorithms on, the ops of
    list (b) of the `use_deterministic_algorithms` docs raise `RuntimeError` on CUDA, and some ops get
    slower.

    ## References
    - Research notes (torch-determinism.md), "Backend flags": defaults `cudnn.deterministic=False`;
      `use_deterministic_algorithms(True)` and `cudnn.deterministic` are both honoured by convolution.
    - PyTorch, `torch.use_deterministic_algorithms`:
      https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
    """

    code = "SDL103"
    name = "determinism-disabled"
    message = "deterministic mode switched off"
    fix = FixSafety.UNSAFE
    VALID = [
        "import torch\ntorch.backends.cudnn.deterministic = True\n",
        "import torch\ntorch.use_deterministic_algorithms(True, warn_only=True)\n",
        "import torch\nmode = torch.are_deterministic_algorithms_enabled()\n",
        "from lightning.pytorch import Trainer\nt = Trainer(deterministic=True)\n",
        Valid("import torch\ndef setup(debug_mode):\n    torch.set_deterministic_debug_mode(debug_mode)\n"
              "    if torch.get_deterministic_debug_mode() == 0 or not REPRODUCIBLE:\n"
              "        torch.backends.cudnn.deterministic = False\n"),
        "import torch\ndef unset_deterministic():\n    torch.use_deterministic_algorithms(False)\n"
        "    torch.backends.cudnn.deterministic = False\n",
    ]
    INVALID = [
        Invalid("import torch\ndef set_determinism(seed):\n    torch.backends.cudnn.deterministic = False\n",
                expected=((3, 5),),
                fixed="import torch\ndef set_determinism(seed):\n    torch.backends.cudnn.deterministic = True\n"),
        Invalid("import torch\ntorch.backends.cudnn.deterministic = False\n", expected=((2, 1),),
                fixed="import torch\ntorch.backends.cudnn.deterministic = True\n"),
        Invalid("from torch.backends import cudnn\ncudnn.deterministic = False\n", expected=((2, 1),),
                fixed="from torch.backends import cudnn\ncudnn.deterministic = True\n"),
        Invalid("import torch as th\nth.use_deterministic_algorithms(False)\n", expected=((2, 1),),
                fixed="import torch as th\nth.use_deterministic_algorithms(True)\n"),
        Invalid("from torch import use_deterministic_algorithms as uda\nuda(mode=False)\n", expected=((2, 1),),
                fixed="from torch import use_deterministic_algorithms as uda\nuda(mode=True)\n"),
        Invalid("import torch\ntorch.set_deterministic_debug_mode('default')\n", expected=((2, 1),),
                fixed="import torch\ntorch.set_deterministic_debug_mode('error')\n"),
        Invalid("import lightning as L\ntrainer = L.Trainer(deterministic=False)\n", expected=((2, 11),),
                fixed="import lightning as L\ntrainer = L.Trainer(deterministic=True)\n"),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.assigns:
            if (site.name == apis.CUDNN_DETERMINISTIC and literal(site.value) is False
                    and not (switched(site.tests) or _off_switch(site.scope))):
                yield Finding(site.node, "`cudnn.deterministic = False` lets cuDNN pick nondeterministic "
                                         "convolution algorithms; set it to True")
        for call in ctx.calls:
            if call.name not in _OFF_CALLS or _off_switch(call.scope):
                continue
            if call.name == apis.DETERMINISTIC_CALL and literal(call.arg(0, "mode")) is False:
                yield Finding(call.node, "`use_deterministic_algorithms(False)` switches deterministic mode off; "
                                         "pass True (with warn_only=True to keep unsupported ops running)")
            elif call.name == apis.DEBUG_MODE_CALL and literal(call.arg(0, "debug_mode")) in ("default", 0):
                yield Finding(call.node, "`set_deterministic_debug_mode('default')` switches deterministic mode "
                                         "off; use 'warn' or 'error'")
            elif call.name in LIGHTNING_TRAINERS and literal(call.kwarg("deterministic")) is False:
                yield Finding(call.node, "`Trainer(deterministic=False)` switches deterministic mode off; "
                                         "use deterministic=True or 'warn'")
