from __future__ import annotations

from typing import Iterator

from seedlint.knowledge import apis
from seedlint.project.facts import FileContext, literal
from seedlint.rules.base import Finding, Invalid, Rule


class OutOfOrderLoading(Rule):
    """Reports `DataLoader(in_order=False)`.

    ## What it does
    Reports a DataLoader created with `in_order=False`.

    ## Why is this bad?
    With `in_order=False` the loader yields batches in the order workers finish them, not in sampler
    order, so batch order depends on timing and changes between runs. PyTorch documents that this
    harms reproducibility.

    ## Example
    ```python
    loader = DataLoader(ds, num_workers=8, in_order=False)
    ```

    ## Use instead
    ```python
    loader = DataLoader(ds, num_workers=8)  # in_order=True is the default
    ```

    ## Fix safety
    No fix: out-of-order loading is a deliberate speed choice; dropping it is the user's call.

    ## References
    - Research notes (torch-determinism.md), "DataLoader": `in_order=False` is documented to harm
      reproducibility (`torch/utils/data/dataloader.py:209,239-240`).
    - PyTorch, `torch.utils.data.DataLoader` (`in_order`): https://pytorch.org/docs/stable/data.html
    """

    code = "SDL205"
    name = "out-of-order-loading"
    message = "DataLoader(in_order=False) yields batches in completion order"
    VALID = [
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=2)\n",
        "from torch.utils.data import DataLoader\ndl = DataLoader(ds, in_order=True)\n",
        "def DataLoader(**kw):\n    return kw\ndl = DataLoader(in_order=False)\n",
    ]
    INVALID = [
        Invalid("from torch.utils.data import DataLoader\ndl = DataLoader(ds, num_workers=2, in_order=False)\n",
                expected=((2, 6),)),
        Invalid("import torch.utils.data as tud\ndl = tud.DataLoader(ds, in_order=False)\n", expected=((2, 6),)),
        Invalid("import torch\ndl = torch.utils.data.DataLoader(ds, in_order=False)\n", expected=((2, 6),)),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for site in ctx.calls:
            if site.name == apis.DATALOADER and literal(site.kwarg("in_order")) is False:
                yield Finding(site.node, "`DataLoader(in_order=False)` yields batches in the order workers finish "
                                         "them, which changes between runs; drop `in_order=False`")
