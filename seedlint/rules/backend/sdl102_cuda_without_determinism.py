from __future__ import annotations

from typing import Iterator, Optional, Set, Tuple

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.knowledge.helpers import HF_TRAINERS
from seedlint.project.analysis import Program, ProjectContext, diag
from seedlint.project.facts import ZERO_OFF
from seedlint.rules.base import Invalid, Rule, Valid


# a training step: the programs of the cases below may run a backward pass
TRAIN = "def step(loss):\n    loss.backward()\n"
# ... and a convolution: cuDNN may pick a nondeterministic algorithm for its backward
CONV = "def conv():\n    from torch.nn import Conv2d\n    return Conv2d(3, 8, 3)\n"
TRAIN += CONV
# accelerate's examples: `Accelerator(cpu=args.cpu)`, the `--cpu` flag declared as {flag}
ACCEL_CPU_FLAG = ("import argparse, torch\nfrom accelerate import Accelerator\ndef main():\n"
                  "    p = argparse.ArgumentParser()\n    p.add_argument('--cpu', {flag})\n"
                  "    args = p.parse_args()\n    acc = Accelerator(cpu=args.cpu)\n"
                  "    net, opt = acc.prepare(torch.nn.Conv2d(3, 8, 3), None)\n    acc.backward(net(x).sum())\n"
                  "if __name__ == '__main__':\n    main()\n")


def _switch_flag_off(ctx: ProjectContext, prog: Program) -> Optional[str]:
    """The command-line flag every deterministic switch of ``prog`` waits for, when each such switch sits under
    an ``if`` on a flag whose default is off (argparse ``store_true``, ``False``, ``None``, or 0 under a test
    that is false at 0, ``if args.deterministic:``; or the same in a Hydra config); else None."""
    sites = prog.summary.det_sites
    if not sites:
        return None
    flag = None
    for _site, guards in sites:
        off = next((g for g in guards if ctx.argparse_default(prog, g) in ("off", "None")
                    or ctx.argparse_default(prog, g) == "zero" and ZERO_OFF + g in guards), None)
        if off is None:
            return None  # a switch that runs by default
        flag = flag or off
    return flag


class CudaWithoutDeterminism(Rule):
    """Reports a program that runs on CUDA and never enables deterministic mode.

    ## What it does
    Reports, once per program, the first place it puts work on CUDA outside any `if`, loop or `try` on the way
    (else the first place: `torch.cuda.set_device` under `if num_gpus > 1:` runs in fewer runs than a
    `model.cuda()` after it) (`.cuda()`, `.to("cuda")`,
    `device="cuda"`, `torch.device("cuda")` (also `f"cuda:{rank}"`, `"cuda:{}".format(rank)`, `"cuda:%d" % rank`,
    `"cuda:" + str(rank)`), `torch.set_default_device("cuda")`, Lightning's
    `Trainer(accelerator="gpu")` or `Trainer(gpus=N)` (also a name given N) and `Fabric(accelerator="cuda")`, or `"auto"`, the default of
    `Fabric` and of Lightning 2.x's `Trainer` (lightning 2.6.6 `fabric/fabric.py:137`, `pytorch/trainer/trainer.py:94`),
    which picks CUDA whenever it is there (`fabric/connector.py:317-325`; a Trainer without the keyword counts only when
    imported from `lightning`, since `pytorch_lightning` also names 1.x, whose Trainer took the CPU unless asked),
    transformers' `Trainer(...)`
    (and trl's trainers built on it: the constructor moves the model to `args.device`, which is `cuda:0`
    whenever a GPU is visible; transformers 5.24.0 `trainer.py:481-504`, `training_args.py:1944-1946`),
    `torch_geometric.device("auto")` (CUDA whenever torch sees a GPU: torch_geometric 2.8.1 `device.py:34-37`),
    sentence-transformers' `SentenceTransformer(...)` / `CrossEncoder(...)` given no `device` (2.2.2
    `SentenceTransformer.py:103-104`; 6.3.0 `base/model.py:221-222`, `util/environment.py:66`: CUDA whenever it is
    there) and its trainers (subclasses of transformers' `Trainer`),
    `deepspeed.initialize(...)` (its engine moves the model to the accelerator's device, `cuda:N` whenever torch
    sees a GPU: deepspeed 0.19.8 `runtime/engine.py:1944`, `:2094`, `accelerator/real_accelerator.py:205-206`),
    accelerate's `accelerator.device` and
    `accelerator.prepare(...)` for an `Accelerator()` without `cpu=True` (its device is CUDA when there is
    one; `cpu=args.cpu` counts when that setting is off by default, as accelerate's examples' `--cpu` flag is), a device chosen with `torch.cuda.is_available()`,
    a name given such a string first: `device = "cuda"` ... `.to(device)`) when
    nothing on the way from its entry point enables deterministic mode:
    `torch.use_deterministic_algorithms(True)` (also with `warn_only=True`),
    `torch.backends.cudnn.deterministic = True` (or a value read from the command line or a config, such as
    `= args.torch_deterministic`), `torch.set_deterministic_debug_mode`, or a helper /
    framework switch that does (transformers `enable_full_determinism`, or `TrainingArguments(full_determinism=True)`,
    with which the Trainer calls it: `trainer.py:419`; Lightning
    `Trainer(deterministic=True)`, `seed_everything` of `seedlint.runtime` ...).

    Only programs that may run a backward pass are reported, judged as SDL301 judges them (one that
    calls `backward()` or `torch.autograd.grad`, builds a `torch.optim` optimizer or hands the work to
    a trainer, in what it runs or anywhere in its entry file). The convolution algorithms cuDNN
    documents as non-deterministic are backward ones (`CUDNN_CONVOLUTION_BWD_DATA_ALGO_0`,
    `CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0` / `_3`), and so are the atomic-add passes of most ops in
    torch's list ("when attempting to differentiate"). An inference, sampling or export script gets no
    SDL102; an op it calls that is nondeterministic in its forward pass is reported by SDL301.

    Only programs on which deterministic mode may act are reported. It acts on the ops of torch's list, on
    cuDNN's choice of convolution algorithm (either switch) and, in 2.13, on Inductor (research notes,
    "Backend flags"). So a program is reported when one of its modules calls an op of torch's list (a
    convolution among them), builds a cuDNN RNN (`nn.LSTM` / `GRU` / `RNN`: the RNN and LSTM docstrings
    include `cudnn_rnn_determinism.md`, `torch/nn/modules/rnn.py:606`, `:978`), compiles or loads a model
    whole (`torch.compile`, `torch.hub.load`, `torch.jit.load`), uses attention (`nn.MultiheadAttention`,
    `nn.Transformer*`, `F.scaled_dot_product_attention`, whose fused kernels are not claimed to be
    deterministic), or imports a third-party package that may build layers seedlint cannot see (a model zoo: anything but array, plotting, logging, config,
    environment, data, download, text-processing and extension-building packages, DGL (its message passing runs
    in DGL's own C kernels, not in ATen ops: dgl 2.1.0 `backend/pytorch/sparse.py:162-165` wraps `_gspmm`, which
    calls `_CAPI_DGLKernelSpMM`, `_sparse_ops.py:239`; deterministic mode acts on ATen's listed ops, cuDNN's
    choice of algorithm and Inductor, research notes "Backend flags"), and the data parts of
    torchvision / torchaudio / torchtext (`transforms`, `datasets`, `data`, `vocab`); a bare `import torchvision` counts through what is called with it, `torchvision.models.*`). A model of
    linear layers, embeddings and activations written in the project (most reinforcement-learning agents,
    recommenders, MLPs) has nothing deterministic mode would change. When such an import is the program's
    only sign, and the package is not a well-known model library (transformers, timm, diffusers ...), the
    message names it, so that a reader who knows the package can tell.

    A switch that runs only under an `if` on a command-line flag that is off by default
    (`if args.deterministic:` with `action="store_true"`, `default=False` or no default; or a Hydra app's
    `if cfg.deterministic:` with `deterministic: false` in the config it composes) leaves the
    default run without deterministic mode, as SDL008 says of seeding: that program is reported too
    (a switch reached through a helper call counts as unconditional).

    Deterministic mode is the state of one process: a function started with `torch.multiprocessing.spawn`
    begins with it off, and runs only the entry module's top level before the target (the research
    notes say the same of seeding: "Seeding in the parent before `torch.multiprocessing.spawn` does not
    seed the spawned processes"). A program that enables it in the parent only, under the `__main__`
    guard, and trains on CUDA in the spawned function is reported at the spawn call (no automatic fix:
    the switch belongs inside the target). `multiprocessing.Process` targets are judged the same way,
    as SDL009 judges them; that holds for the spawn and forkserver start methods (the default on macOS
    and Windows, and on Linux since Python 3.14), not for a forked child, which inherits the switch.

    ## Why is this bad?
    Seeding alone does not make CUDA runs repeatable: cuDNN may pick nondeterministic convolution
    algorithms, and ops such as `index_add_`, `scatter_add_`, `embedding_bag` backward or bilinear
    `interpolate` backward use atomic adds whose floating-point sums differ between runs.

    ## Example
    ```python
    torch.manual_seed(0)
    model = Net().cuda()
    ```

    ## Use instead
    ```python
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = Net().cuda()
    ```

    ## Fix safety
    `seedlint fix` inserts the seed block, which enables deterministic mode. Safe for the program's
    meaning; list (b) ops then warn (or raise without `warn_only`).

    ## References
    - Research notes (torch-determinism.md), "Backend flags": convolution honours
      `ctx.deterministicCuDNN() || ctx.deterministicAlgorithms()`; defaults are off (`ATen/Context.h:476-501`).
    - PyTorch, `torch.use_deterministic_algorithms`:
      https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
    - NVIDIA cuDNN API reference, `cudnnConvolutionBwdDataAlgo_t` / `cudnnConvolutionBwdFilterAlgo_t`: the
      algorithms documented as non-deterministic (`_ALGO_0`, and `_ALGO_3` for filters):
      https://docs.nvidia.com/deeplearning/cudnn/latest/api/cudnn-cnn-library.html
    """

    code = "SDL102"
    name = "cuda-without-determinism"
    message = "program runs on CUDA without deterministic mode"
    scope = "program"
    fix = FixSafety.SAFE
    VALID = [
        # ... and a `--cpu` setting that is on by default
        ACCEL_CPU_FLAG.format(flag="type=bool, default=True"),
        # a CUDA device that is only printed (the PyTorch blitz tutorial: its `net.to(device)` lines are comments)
        Valid("import torch\ntorch.manual_seed(0)\nnet = torch.nn.Conv2d(3, 6, 5)\n"
              "net(torch.randn(1, 3, 8, 8)).sum().backward()\n"
              "device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')\nprint(f'device: {device}')\n"),
        # DGL's layers pass messages in DGL's own kernels, which deterministic mode does not reach
        Valid("import torch\nimport dgl\nfrom dgl.nn import GraphConv\nif __name__ == '__main__':\n"
              "    torch.manual_seed(0)\n    g = dgl.graph(([0, 1], [1, 0])).to('cuda')\n"
              "    conv = GraphConv(8, 2).to('cuda')\n    conv(g, torch.ones(2, 8, device='cuda')).sum().backward()\n"),
        # a sentence-transformers model given the CPU
        Valid("import torch\nfrom sentence_transformers import SentenceTransformer, losses\n"
              "torch.manual_seed(0)\nmodel = SentenceTransformer('bert-base-uncased', device='cpu')\n"
              "model.fit(train_objectives=[(loader, losses.SoftmaxLoss(model, 768, 3))])\n"),
        # torch_geometric.device("cpu") is the CPU
        Valid("import torch, torch_geometric\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
              "    dev = torch_geometric.device('cpu')\n    net = torch.nn.Conv2d(3, 8, 3).to(dev)\n"
              "    net(x).sum().backward()\n"),
        # an actor-critic of linear layers written in the project (TD3, SAC, DQN): no convolution, attention or
        # listed op for deterministic mode to act on; a third-party model could hide one
        Valid({"train.py": "import gym\nimport numpy as np\nimport torch\nfrom agent import Actor\n"
                           "if __name__ == '__main__':\n    torch.manual_seed(0)\n    np.random.seed(0)\n"
                           "    actor = Actor().to('cuda')\n    opt = torch.optim.Adam(actor.parameters())\n"
                           "    actor(torch.ones(1, 3, device='cuda')).sum().backward()\n",
               "agent.py": "import torch.nn as nn\nimport torch.nn.functional as F\nclass Actor(nn.Module):\n"
                           "    def __init__(self):\n        super().__init__()\n        self.l1 = nn.Linear(3, 64)\n"
                           "        self.l2 = nn.Linear(64, 1)\n    def forward(self, x):\n"
                           "        return self.l2(F.relu(self.l1(x)))\n"}, path="train.py"),
        # the project's own folder without __init__.py (a namespace package) is no third-party package; nor is
        # an offline-RL dataset package (d4rl: numpy arrays)
        Valid({"train.py": "import d4rl\nimport torch\nfrom utils import process\nif __name__ == '__main__':\n"
                           "    torch.manual_seed(0)\n    model = torch.nn.Linear(8, 1).cuda()\n"
                           "    opt = torch.optim.Adam(model.parameters())\n"
                           "    model(torch.from_numpy(process.load()).cuda()).sum().backward()\n",
               "utils/process.py": "import numpy as np\ndef load():\n    return np.ones((4, 8), dtype=np.float32)\n"},
              path="train.py"),
        # torchtext's data parts and a plotting library (the annotated transformer): no layers
        Valid("import torch\nimport altair as alt\nfrom torchtext.vocab import build_vocab_from_iterator\n"
              "if __name__ == '__main__':\n    torch.manual_seed(0)\n    model = torch.nn.Linear(8, 1).cuda()\n"
              "    model(torch.ones(8).cuda()).sum().backward()\n"),
        # a file downloaded from the Hugging Face Hub (Time-Series-Library's data loader): no layers
        Valid("import torch\nfrom huggingface_hub import hf_hub_download\nif __name__ == '__main__':\n"
              "    torch.manual_seed(0)\n    path = hf_hub_download('org/data', 'train.csv', repo_type='dataset')\n"
              "    model = torch.nn.Linear(8, 1).cuda()\n    model(torch.ones(8).cuda()).sum().backward()\n"),
        # torchvision imported but no model of it built; a build tool for the project's own C++ sampler
        Valid("import torch\nimport torchvision\nfrom cppimport import imp_from_filepath\n"
              "if __name__ == '__main__':\n    torch.manual_seed(0)\n    emb = torch.nn.Embedding(10, 4).cuda()\n"
              "    opt = torch.optim.Adam(emb.parameters())\n    emb(torch.ones(2, dtype=torch.long).cuda()).sum().backward()\n"),
        "import torch\nif __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n"
        "    x = torch.zeros(2).cuda()\n",
        "import torch\nif __name__ == '__main__':\n    x = torch.zeros(2).to('cpu')\n",
        "import torch\nfrom torch.backends import cudnn\ncudnn.deterministic = True\ndev = torch.device('cuda')\n",
        Valid("import pytorch_lightning as pl\nif __name__ == '__main__':\n    pl.seed_everything(0)\n"
              "    trainer = pl.Trainer(max_epochs=1, gpus=0)\n"),
        # `pytorch_lightning` without an accelerator: Lightning 1.x's Trainer took the CPU unless asked; a Fabric
        # told to use the CPU
        Valid("import pytorch_lightning as pl\nif __name__ == '__main__':\n    pl.seed_everything(0)\n"
              "    trainer = pl.Trainer(max_epochs=1)\n    trainer.fit(model)\n" + CONV),
        Valid("import lightning as L\nif __name__ == '__main__':\n    fabric = L.Fabric(accelerator='cpu')\n"
              "    fabric.seed_everything(0)\n" + TRAIN),
        # the flag set from the command line (`--torch-deterministic`): the author wired deterministic mode up
        Valid("import argparse, torch\nif __name__ == '__main__':\n    args = argparse.ArgumentParser().parse_args()\n"
              "    torch.backends.cudnn.deterministic = args.torch_deterministic\n    x = torch.zeros(2).cuda()\n"),
        Valid("import torch\nif __name__ == '__main__':\n    if torch.cuda.is_available():\n"
              "        torch.cuda.manual_seed_all(0)\n"),
        # a CUDA device as a default value, in a function the program never calls
        Valid({"train.py": "import gauss\nif __name__ == '__main__':\n    print(gauss.__name__)\n",
               "gauss.py": "import torch\ndef blur(n, device=torch.device('cuda', 0)):\n"
                           "    return torch.ones(n).to(device)\n"}),
        # a device already on CUDA (or not): the branch picks nothing
        Valid({"train.py": "import torch\nfrom helpers import ordinal\nif __name__ == '__main__':\n"
                           "    torch.manual_seed(0)\n    dev = ordinal('cpu')\n",
               "helpers.py": "import torch\ndef ordinal(device):\n    device = torch.device(device)\n"
                             "    if device.type == 'cuda' and device.index is None:\n"
                             "        return torch.device('cuda', torch.cuda.current_device())\n    return device\n"}),
        # the switch set where the spawned function runs it too: inside it, or at the module's top level
        Valid("import torch\nimport torch.multiprocessing as mp\n"
              "def worker(rank):\n    torch.use_deterministic_algorithms(True)\n"
              "    m = torch.nn.Linear(2, 2).cuda(rank)\n    m(x).sum().backward()\n"
              "if __name__ == '__main__':\n    torch.use_deterministic_algorithms(True)\n    mp.spawn(worker, nprocs=2)\n"),
        Valid("import torch\nimport torch.multiprocessing as mp\ntorch.use_deterministic_algorithms(True)\n"
              "def worker(rank):\n    m = torch.nn.Linear(2, 2).cuda(rank)\n    m(x).sum().backward()\n"
              "if __name__ == '__main__':\n    mp.spawn(worker, nprocs=2)\n"),
        # a switch under a flag that is on by default, and one that runs whatever the flag says
        Valid("import argparse, torch\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
              "    p.add_argument('--deterministic', type=bool, default=True)\n    args = p.parse_args()\n"
              "    if args.deterministic:\n        torch.use_deterministic_algorithms(True)\n"
              "    m = torch.nn.Linear(2, 2).cuda()\n    m(x).sum().backward()\n"),
        Valid("import argparse, torch\nif __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
              "    p.add_argument('--strict', action='store_true')\n    args = p.parse_args()\n"
              "    torch.use_deterministic_algorithms(True, warn_only=not args.strict)\n"
              "    m = torch.nn.Linear(2, 2).cuda()\n    m(x).sum().backward()\n"),
        # accelerate on the CPU
        Valid("import torch\nfrom accelerate import Accelerator\nif __name__ == '__main__':\n"
              "    acc = Accelerator(cpu=True)\n    m = torch.nn.Linear(2, 2).to(acc.device)\n"
              "    m, opt = acc.prepare(m, torch.optim.SGD(m.parameters(), lr=0.1))\n"),
        # a program that never runs a backward pass: sampling, evaluation, export
        Valid("import torch\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
              "    model = torch.load('m.pt').cuda()\n    with torch.no_grad():\n        y = model(x)\n"),
        # transformers' / trl's Trainer given arguments that ask for full determinism (it then calls
        # enable_full_determinism instead of set_seed)
        Valid("import transformers\nfrom trl import SFTConfig, SFTTrainer\ndef train():\n"
              "    args = SFTConfig(output_dir='out', full_determinism=True)\n"
              "    model = transformers.AutoModelForCausalLM.from_pretrained('gpt2')\n"
              "    SFTTrainer(model=model, args=args).train()\nif __name__ == '__main__':\n    train()\n"),
    ]
    INVALID = [
        # accelerate: the accelerator's device, or what prepare() moves there
        Invalid("import torch\nfrom accelerate import Accelerator\nfrom accelerate.utils import set_seed\n"
                "if __name__ == '__main__':\n    acc = Accelerator()\n    set_seed(0)\n"
                "    m = torch.nn.Linear(2, 2).to(acc.device)\n" + TRAIN, expected=((7, 9),)),
        Invalid("import torch\nfrom accelerate import Accelerator\nif __name__ == '__main__':\n"
                "    accelerator = Accelerator(mixed_precision='fp16')\n    torch.manual_seed(0)\n"
                "    m, opt = accelerator.prepare(m, opt)\n" + TRAIN, expected=((6, 14),)),
        # the default value is used when the function runs
        Invalid({"train.py": "import gauss\nif __name__ == '__main__':\n    gauss.blur(3)\n" + TRAIN,
                 "gauss.py": "import torch\ndef blur(n, device=torch.device('cuda', 0)):\n"
                             "    return torch.ones(n).to(device)\n"}, path="gauss.py", expected=((2, 20),)),
        Invalid("import torch\nif __name__ == '__main__':\n    torch.manual_seed(0)\n    x = torch.zeros(2).cuda()\n" + TRAIN,
                expected=((4, 9),),
                fixed="import torch\nif __name__ == '__main__':\n"
                      "    torch.use_deterministic_algorithms(True, warn_only=True)\n    torch.manual_seed(0)\n"
                      "    x = torch.zeros(2).cuda()\n" + TRAIN),
        Invalid("import torch as th\ndevice = th.device('cuda' if th.cuda.is_available() else 'cpu')\n"
                "th.zeros(1).to(device)\n" + TRAIN, expected=((2, 20),),
                fixed="import torch as th\nfrom seedlint.runtime import seed_everything\nseed_everything(0)\n"
                      "device = th.device('cuda' if th.cuda.is_available() else 'cpu')\n"
                      "th.zeros(1).to(device)\n" + TRAIN),
        Invalid("import torch\nif __name__ == '__main__':\n    torch.set_default_device('cuda')\n" + TRAIN,
                expected=((3, 5),)),
        # DeepSpeed's engine moves the model to its accelerator's device
        Invalid("import torch, deepspeed\nif __name__ == '__main__':\n    net = torch.nn.Conv2d(3, 8, 3)\n"
                "    engine, opt, _, _ = deepspeed.initialize(model=net, model_parameters=net.parameters())\n"
                "    engine.backward(engine(x).sum())\n", expected=((4, 25),)),
        # a device a config module picks, which the training script imports and uses
        Invalid({"config.py": "import torch\nDEVICE = 'cuda' if torch.cuda.is_available() else 'cpu'\n",
                 "train.py": "import torch\nfrom config import DEVICE\nif __name__ == '__main__':\n"
                             "    torch.manual_seed(0)\n    net = torch.nn.Conv2d(3, 6, 5).to(DEVICE)\n"
                             "    net(torch.randn(1, 3, 8, 8, device=DEVICE)).sum().backward()\n"},
                path="config.py", expected=((2, 10),)),
        # the network is built from its name (NVlabs' dnnlib: construct_class_by_name imports `nets`)
        Invalid({"train.py": "import torch\nimport dnnlib\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
                             "    kw = dnnlib.EasyDict(class_name='nets.Net')\n"
                             "    net = dnnlib.util.construct_class_by_name(**kw).cuda()\n"
                             "    net(torch.zeros(1, 3, 8, 8).cuda()).sum().backward()\n",
                 "dnnlib/__init__.py": "from . import util\nfrom .util import EasyDict\n",
                 "dnnlib/util.py": "import importlib\nclass EasyDict(dict):\n    pass\n"
                                   "def construct_class_by_name(class_name, **kw):\n"
                                   "    module, _, name = class_name.rpartition('.')\n"
                                   "    return getattr(importlib.import_module(module), name)(**kw)\n",
                 "nets.py": "import torch\nclass Net(torch.nn.Module):\n    def __init__(self):\n"
                            "        super().__init__()\n        self.conv = torch.nn.Conv2d(3, 8, 3)\n"
                            "    def forward(self, x):\n        return self.conv(x)\n"},
                path="train.py", expected=((6, 11),)),
        # sentence-transformers' models take the GPU when given no device, and fit() trains there
        Invalid("import torch\nfrom sentence_transformers import SentenceTransformer, losses\n"
                "torch.manual_seed(0)\nmodel = SentenceTransformer('bert-base-uncased')\n"
                "model.fit(train_objectives=[(loader, losses.SoftmaxLoss(model, 768, 3))])\n", expected=((4, 9),)),
        # the first placement that runs in every run, past one under `if` (waveglow's set_device for several GPUs)
        Invalid("import torch\ndef main(n):\n    if n > 1:\n        torch.cuda.set_device(0)\n"
                "    net = torch.nn.Conv2d(3, 8, 3).cuda()\n    net(x).sum().backward()\n"
                "if __name__ == '__main__':\n    main(1)\n", expected=((5, 11),)),
        # accelerate's examples: Accelerator(cpu=args.cpu) with a `--cpu` flag that is off by default
        Invalid(ACCEL_CPU_FLAG.format(flag="action='store_true'"), expected=((8, 16),)),
        # torch_geometric.device("auto") is CUDA whenever there is a GPU
        Invalid("import torch, torch_geometric\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
                "    dev = torch_geometric.device('auto')\n    net = torch.nn.Conv2d(3, 8, 3).to(dev)\n"
                "    net(x).sum().backward()\n", expected=((4, 11),)),
        # transformers' Trainer puts the model on args.device, CUDA whenever there is a GPU
        Invalid("import transformers\nfrom transformers import Trainer\ndef train():\n"
                "    args = transformers.TrainingArguments(output_dir='out')\n"
                "    model = transformers.AutoModelForCausalLM.from_pretrained('gpt2')\n"
                "    Trainer(model=model, args=args).train()\nif __name__ == '__main__':\n    train()\n",
                expected=((6, 5),)),
        # Lightning 1.x: Trainer(gpus=N)
        Invalid("import pytorch_lightning as pl\nif __name__ == '__main__':\n    pl.seed_everything(0)\n"
                "    trainer = pl.Trainer(max_epochs=1, gpus=1)\n    trainer.fit(model)\n" + CONV, expected=((4, 15),)),
        # ... through a module constant (byol-pytorch's Lightning example)
        Invalid("import pytorch_lightning as pl\nNUM_GPUS = 2\nif __name__ == '__main__':\n    pl.seed_everything(0)\n"
                "    trainer = pl.Trainer(max_epochs=1, gpus=NUM_GPUS)\n    trainer.fit(model)\n" + CONV,
                expected=((5, 15),)),
        # a device string given to a name first, in the program's function or at module level
        Invalid("import torch\ndef main():\n    device = 'cuda'\n    x = torch.zeros(2).to(device)\n"
                "if __name__ == '__main__':\n    torch.manual_seed(0)\n    main()\n" + TRAIN, expected=((4, 9),)),
        Invalid("import torch\nDEVICE = f'cuda:{0}'\nif __name__ == '__main__':\n"
                "    x = torch.zeros(2, device=DEVICE)\n" + TRAIN, expected=((4, 9),)),
        # device names built with format, % or +
        Invalid("import torch\ndef main(rank):\n    dev = torch.device('cuda:{}'.format(rank))\n"
                "    x = torch.zeros(2).to(dev)\nif __name__ == '__main__':\n    main(0)\n" + TRAIN, expected=((3, 11),)),
        Invalid("import torch\ndef main(rank):\n    x = torch.zeros(2).to('cuda:' + str(rank))\n"
                "if __name__ == '__main__':\n    main(0)\n" + TRAIN, expected=((3, 9),)),
        Invalid("import torch\ndef main(rank):\n    x = torch.zeros(2, device='cuda:%d' % rank)\n"
                "if __name__ == '__main__':\n    main(0)\n" + TRAIN, expected=((3, 9),)),
        # a model of torchvision's, through a bare `import torchvision`
        Invalid("import torch\nimport torchvision\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
                "    net = torchvision.models.resnet18().cuda()\n    net(torch.ones(1, 3, 8, 8).cuda()).sum().backward()\n",
                expected=((5, 11),)),
        # Lightning Fabric on the GPU; with its default accelerator, "auto", too; Lightning 2.x's Trainer likewise
        Invalid("import lightning as L\nif __name__ == '__main__':\n    fabric = L.Fabric(devices=1)\n"
                "    fabric.seed_everything(0)\n" + TRAIN, expected=((3, 14),)),
        Invalid("import lightning as L\nif __name__ == '__main__':\n    L.seed_everything(0)\n"
                "    trainer = L.Trainer(max_epochs=1)\n    trainer.fit(model)\n" + CONV, expected=((4, 15),)),
        Invalid("import pytorch_lightning as pl\nif __name__ == '__main__':\n    pl.seed_everything(0)\n"
                "    trainer = pl.Trainer(max_epochs=1, accelerator='auto')\n    trainer.fit(model)\n" + CONV,
                expected=((4, 15),)),
        # Lightning Fabric on the GPU
        Invalid("import lightning as L\nif __name__ == '__main__':\n    fabric = L.Fabric(accelerator='cuda')\n"
                "    fabric.seed_everything(0)\n" + TRAIN, expected=((3, 14),)),
        Invalid("import torch\nfrom torch import nn\nif __name__ == '__main__':\n"
                "    m = nn.Linear(2, 2).to('cuda:0')\n" + TRAIN, expected=((4, 9),),
                fixed="import torch\nfrom torch import nn\nfrom seedlint.runtime import seed_everything\n"
                      "if __name__ == '__main__':\n    seed_everything(0)\n"
                      "    m = nn.Linear(2, 2).to('cuda:0')\n" + TRAIN),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        done: Set[Tuple[str, int, int]] = set()
        for prog in ctx.programs:
            s = prog.summary
            if (s.cuda is None and not s.spawns and not s.cuda_unless or not prog.trains
                    or not ctx.may_run_nondeterministic_kernel(prog)):
                continue
            at = s.cuda_plain or s.cuda  # (the first place that runs in every run, if there is one)
            if at is None and s.cuda_unless:
                # `Accelerator(cpu=args.cpu)`: on CUDA when the setting is off by default (a `--cpu` flag)
                at = next((site for site, flag in s.cuda_unless if ctx.argparse_default(prog, flag) in ("off", "None")),
                          None)
            if at is not None and s.det_on is None:
                also = ("" if at.what not in HF_TRAINERS else
                        " (or give the Trainer `TrainingArguments(full_determinism=True)`)")
                lib = ctx.kernel_import(prog)
                if lib is not None:
                    also += (f"; the only sign that deterministic mode matters here is an import of `{lib}`, which "
                             "seedlint does not read: it changes nothing if that runs no convolution, attention, "
                             "cuDNN RNN or op of torch's list")
                yield diag(at, self.code,
                           f"program `{prog.label}` runs on CUDA here but never enables deterministic mode: call "
                           f"`torch.use_deterministic_algorithms(True, warn_only=True)` at its start{also}", self.fix)
            elif at is not None and (flag := _switch_flag_off(ctx, prog)) is not None:
                yield diag(at, self.code,
                           f"program `{prog.label}` runs on CUDA here, and enables deterministic mode only when "
                           f"`{flag}` is set, which is off by default: the default run is not deterministic; "
                           "enable it unconditionally, or default the flag to on", FixSafety.NONE)
            elif s.det_on is not None and s.spawns:
                # the switch is process state: a process started by spawn begins with it off, and runs only
                # the entry module's top level before the target
                top = ctx.project.summary((prog.entry, "<module>"))
                if top.det_on is not None:
                    continue
                for site, target, tname in s.spawns:
                    if target is None or ctx.project.calls_parameter(target):
                        continue  # (what a target that calls a function it is given runs is not known)
                    child = ctx.project.summary(target)
                    key = (site.path, site.line, site.col)
                    if child.det_on is not None or (child.cuda is None and s.cuda is None) or key in done:
                        continue
                    done.add(key)
                    short = tname.rsplit(".", 1)[-1]
                    yield diag(site, self.code,
                               f"program `{prog.label}` enables deterministic mode in the parent process only: "
                               f"`{short}` runs in a new process, on CUDA, where it is off again; enable it inside "
                               f"`{short}`")
