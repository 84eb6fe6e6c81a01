from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.rules.base import Invalid, Rule, Valid
from seedlint.rules.seeding._unseeded import unseeded


class UnseededTorch(Rule):
    """Reports a program that uses torch's global RNG and never seeds it.

    ## What it does
    Follows each program from its entry point through its imports and calls, and reports the first
    draw from torch's global generator when nothing on the way calls `torch.manual_seed` or a helper
    that does. Draws include explicit calls (`torch.rand*`, `randperm`, `normal_`, `bernoulli`,
    `multinomial`, `F.dropout` ...) and implicit ones: building `torch.nn` layers with parameters
    (their init draws from the RNG), peft's `get_peft_model` (its new LoRA `A` matrices start from
    `nn.init.kaiming_uniform_`: peft 0.22.0 `tuners/lora/layer.py:364-370`), the layer classes of
    `torch_geometric.nn` and `dgl.nn` (their `reset_parameters`: torch_geometric 2.8.1 `nn/dense/linear.py:116-118`
    -> `nn/inits.py:30-33`, dgl 2.1.0 `nn/pytorch/conv/graphconv.py:322-338`), torch_geometric's
    `structured_negative_sampling` (`torch.randint`: torch_geometric 2.8.1 `utils/_negative_sampling.py:258`),
    `nn.Dropout`, `DataLoader(shuffle=True)` and random samplers
    without `generator=`, `random_split`, torchvision's random transforms.

    Building layers is not reported in a program that never trains (no `backward()`, optimizer or
    trainer on its way or in its entry file, as SDL301 judges it). This is a precision trade-off, not a
    fact about torch: an inference, evaluation or export script nearly always loads the weights it
    builds (`load_state_dict`, `from_pretrained`), so their random initialisation does not reach its
    numbers; one that runs a freshly initialised model is missed. Any other draw of such a program
    (sampling with `torch.multinomial`, a random input, dropout layers, shuffling) is reported.

    ## Why is this bad?
    torch seeds its default generator nondeterministically at start-up (checked on torch 2.13:
    `torch.initial_seed()` differs from one interpreter to the next), so initial weights, dropout masks
    and data order differ on every run. `torch.cuda.manual_seed_all` alone leaves the CPU
    generator (which initialises weights) unseeded.

    ## Example
    ```python
    import torch
    import torch.nn as nn

    if __name__ == "__main__":
        model = nn.Linear(10, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    ```

    ## Use instead
    ```python
    import torch
    import torch.nn as nn

    if __name__ == "__main__":
        torch.manual_seed(0)
        model = nn.Linear(10, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    ```

    ## Fix safety
    `seedlint fix` inserts a seed block at the entry point. Safe: an unseeded run had no reproducible
    numbers to preserve.

    ## References
    - Research notes (torch-determinism.md), "Seeding": `torch.manual_seed` seeds the CPU generator and every
      device (`torch/random.py:49-86`).
    - PyTorch, "Reproducibility": https://pytorch.org/docs/stable/notes/randomness.html
    """

    code = "SDL003"
    name = "unseeded-torch"
    message = "program uses torch's global RNG without seeding it"
    scope = "program"
    fix = FixSafety.SAFE
    VALID = [
        # a factory whose function is never called
        Valid({"train.py": "import torch\nfrom losses import get_step_fn\nif __name__ == '__main__':\n"
                           "    step = get_step_fn(0.1)\n    print(step)\n",
               "losses.py": "import torch\ndef get_step_fn(lr):\n    def step_fn(batch):\n"
                            "        return batch + torch.randn_like(batch) * lr\n    return step_fn\n"}, path="losses.py"),
        # a call that leaves out a parameter without a default raises TypeError before the body runs (i-jepa's
        # src/train.py, whose `__main__` block predates main.py)
        "import torch\ndef main(args, resume=False):\n    x = torch.randn(3)\nif __name__ == '__main__':\n    main()\n",
        "import torch\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    x = torch.randn(3)\n",
        # Lightning Fabric's seed_everything, called on the Fabric object
        "import lightning as L\nimport torch\nif __name__ == '__main__':\n    fabric = L.Fabric(devices=1)\n"
        "    fabric.seed_everything(42)\n    model = torch.nn.Linear(8, 8)\n",
        "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(2, 2)\n",
        "import torch\nif __name__ == '__main__':\n    g = torch.Generator().manual_seed(1)\n"
        "    x = torch.randn(3, generator=g)\n",
        Valid({"train.py": "from pkg.utils import set_seed\nfrom pkg.models import Net\nif __name__ == '__main__':\n"
                           "    set_seed(0)\n    net = Net()\n",
               "pkg/__init__.py": "",
               "pkg/utils.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n",
               "pkg/models.py": "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n"
                                "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"}),
        # an inference script: the weights it builds are loaded
        Valid("import torch\nfrom torch import nn\nif __name__ == '__main__':\n    model = nn.Linear(4, 2)\n"
              "    model.load_state_dict(torch.load('w.pt'))\n    print(model(torch.ones(4)))\n"),
        # seeded through `torch` that came with a star import (deeplab's `from modeling.deeplab import *`)
        Valid({"train.py": "from pkg.m import *\nfrom torch.utils.data import DataLoader\ndef main():\n"
                           "    torch.manual_seed(0)\n    dl = DataLoader(list(range(10)), shuffle=True)\n"
                           "    torch.optim.SGD([], lr=0.1)\nif __name__ == '__main__':\n    main()\n",
               "pkg/__init__.py": "", "pkg/m.py": "import torch\n"}),
        # a flag that is no constant: bound outside the `__main__` block (another module may set it), set through
        # `global`, or bound again by `except`: the seeding under it counts
        Valid("import torch\nSEED = 0\ndef train():\n    if SEED:\n        torch.manual_seed(SEED)\n"
              "    torch.optim.Adam(torch.nn.Linear(2, 2).parameters())\nif __name__ == '__main__':\n    train()\n"),
        Valid("import torch\ndef configure(s):\n    global seed\n    seed = s\nif __name__ == '__main__':\n"
              "    seed = 0\n    configure(1)\n    if seed:\n        torch.manual_seed(seed)\n"
              "    torch.optim.Adam(torch.nn.Linear(2, 2).parameters())\n"),
        Valid("import torch\ndef train():\n    try:\n        import seeds\n    except ImportError:\n"
              "        seeds = None\n    if seeds:\n        torch.manual_seed(seeds.SEED)\n"
              "    torch.optim.Adam(torch.nn.Linear(2, 2).parameters())\nif __name__ == '__main__':\n    train()\n"),
        # seeded through a helper of a star-imported module (`from utils import *`)
        Valid({"train.py": "from utils import *\nimport torch\nif __name__ == '__main__':\n    set_seed(0)\n"
                           "    x = torch.randn(3)\n",
               "utils.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n"}),
    ]
    INVALID = [
        # seeding under a flag bound once to 0 never runs (PPO-PyTorch: `random_seed = 0 # 0 = no random seed`)
        Invalid("import torch\ndef train():\n    random_seed = 0\n    if random_seed:\n"
                "        torch.manual_seed(random_seed)\n    net = torch.nn.Linear(2, 2)\n"
                "    torch.optim.Adam(net.parameters())\nif __name__ == '__main__':\n    train()\n",
                expected=((6, 11),)),
        # a graph layer's initial weights (dgl's GATConv example)
        Invalid("import torch\nfrom dgl.nn import GATConv\nif __name__ == '__main__':\n"
                "    conv = GATConv(8, 8, num_heads=2)\n    torch.optim.Adam(conv.parameters())\n",
                expected=((4, 12),)),
        # the function a factory returns, called through the name it was given (score_sde_pytorch's step_fn)
        Invalid({"train.py": "import torch\nfrom losses import get_step_fn\ndef main():\n    step = get_step_fn(0.1)\n"
                             "    for _ in range(3):\n        step(torch.zeros(2))\nif __name__ == '__main__':\n    main()\n",
                 "losses.py": "import torch\ndef get_step_fn(lr):\n    def step_fn(batch):\n"
                              "        return batch + torch.randn_like(batch) * lr\n    return step_fn\n"},
                path="losses.py", expected=((4, 24),)),
        # ... but a decorator may give the arguments (click, hydra), and so may a star
        Invalid("import click, torch\n@click.command()\n@click.option('--lr')\ndef main(lr):\n    x = torch.randn(3)\n"
                "if __name__ == '__main__':\n    main()\n", expected=((5, 9),)),
        Invalid("import sys, torch\ndef main(args):\n    x = torch.randn(3)\nif __name__ == '__main__':\n"
                "    main(*sys.argv[1:])\n", expected=((3, 9),)),
        # the function detectron2's launcher runs (in this process on one GPU)
        Invalid("import torch\nfrom detectron2.engine import launch\n\n\ndef main(lr):\n    noise = torch.randn(4)\n"
                "\n\nif __name__ == '__main__':\n    launch(main, 1, args=(0.1,))\n", expected=((6, 13),)),
        # a project launcher that calls the function it is given (detectron2's launch, vendored)
        Invalid({"train.py": "import torch\nfrom engine import launch\n\n\ndef main(lr):\n    noise = torch.randn(4)\n"
                             "\n\nif __name__ == '__main__':\n    launch(main, args=(0.1,))\n",
                 "engine.py": "def launch(main_func, num_gpus=1, args=()):\n    main_func(*args)\n"},
                expected=((6, 13),), path="train.py"),
        # an inference script that samples: the draw after the weights is reported
        Invalid("import torch\nfrom torch import nn\nif __name__ == '__main__':\n    model = nn.Linear(4, 2)\n"
                "    model.load_state_dict(torch.load('w.pt'))\n"
                "    idx = torch.multinomial(model(torch.ones(4)).softmax(-1), 1)\n", expected=((6, 11),)),
        # a class of a star-imported project module draws when it is built (`from .parts import *`)
        Invalid({"train.py": "import torch\nfrom net.model import Net\nif __name__ == '__main__':\n    net = Net()\n"
                             "    net(x).sum().backward()\n",
                 "net/__init__.py": "",
                 "net/model.py": "import torch.nn as nn\nfrom .parts import *\nclass Net(nn.Module):\n"
                                 "    def __init__(self):\n        super().__init__()\n        self.block = Block()\n",
                 "net/parts.py": "import torch.nn as nn\nclass Block(nn.Module):\n    def __init__(self):\n"
                                 "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"},
                path="net/parts.py", expected=((5, 19),)),
        Invalid("import torch.nn as nn\nif __name__ == '__main__':\n    model = nn.Linear(10, 2)\n"
                "    model(x).sum().backward()\n",
                expected=((3, 13),),
                fixed="import torch.nn as nn\nfrom seedlint.runtime import seed_everything\n"
                      "if __name__ == '__main__':\n    seed_everything(0)\n    model = nn.Linear(10, 2)\n"
                      "    model(x).sum().backward()\n"),
        Invalid("import torch as th\nx = th.rand(2)\nprint(x)\n", expected=((2, 5),),
                fixed="import torch as th\nfrom seedlint.runtime import seed_everything\nseed_everything(0)\n"
                      "x = th.rand(2)\nprint(x)\n"),
        Invalid("import torch\nif __name__ == '__main__':\n    torch.cuda.manual_seed_all(0)\n"
                "    p = torch.randperm(5)\n", expected=((4, 9),),
                fixed="import torch\nfrom seedlint.runtime import seed_everything\nif __name__ == '__main__':\n"
                      "    seed_everything(0)\n    torch.cuda.manual_seed_all(0)\n    p = torch.randperm(5)\n"),
    ]

    def check_project(self, ctx) -> Iterator[Diagnostic]:
        return unseeded(ctx, "torch", self.code)
