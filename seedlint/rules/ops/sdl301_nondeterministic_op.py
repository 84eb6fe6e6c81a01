from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic
from seedlint.project.analysis import ProjectContext, Site, diag
from seedlint.rules.base import Invalid, Rule, Valid

# Plain convolutions are left to SDL102 (CUDA without deterministic mode): flagging every conv layer
# would bury the findings that matter. Transposed convolutions stay (their backward is the classic case).
PLAIN_CONV = frozenset({"torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d"})
# convolutions pick a deterministic cuDNN algorithm under either switch (`ctx.deterministicCuDNN() ||
# ctx.deterministicAlgorithms()`): for these `cudnn.deterministic = True` is enough
CUDNN_CONV = frozenset({"torch.nn.ConvTranspose1d", "torch.nn.ConvTranspose2d", "torch.nn.ConvTranspose3d"})


# ops only whose indices output is nondeterministic ("torch.median with indices output"): a call whose result is
# only indexed `[0]`, read as `.values` or unpacked as `values, _ = ...` is reported by SDL302 alone
VALUES_DETERMINISTIC = frozenset({"torch.median"})


def _short(api: str) -> str:
    return api.replace("torch.nn.functional.", "F.").replace("torch.Tensor.", "Tensor.")


class NondeterministicOp(Rule):
    """Reports an op that is nondeterministic on CUDA in a program that does not enable deterministic mode.

    ## What it does
    Reports calls to the ops listed in the `torch.use_deterministic_algorithms` docstring (list (a):
    a deterministic implementation is chosen when the flag is on; list (b): the op raises when it is
    on), when the program that runs them never enables deterministic algorithms
    (`torch.use_deterministic_algorithms(True)`, also with `warn_only=True`, or a helper that calls
    it; `cudnn.deterministic = True` counts only for transposed convolutions: convolution honours either
    switch, `ctx.deterministicCuDNN() || ctx.deterministicAlgorithms()`, the other ops only the second). The table is generated from the installed torch's own docstring
    (`scripts/gen_nondeterministic_ops.py`). Only what a call shows is used:

    - conditions: `index_put_(..., accumulate=True)`, `F.interpolate(mode="bilinear")` (the default
      `nearest` is fine), `bincount(weights=...)`, `median(dim=...)`, `EmbeddingBag(mode="max")`,
      `repeat_interleave` with a tensor of counts (`x.repeat_interleave(lengths.long())`; with an int
      `repeats` torch expands, clones and views, and that backward is a sum);
      `median(dim=...)` is not reported when only its values are read (`[0]`, `.values`,
      `values, _ = ...`: the docstring names its indices output). Conditions a call cannot show
      (dtype, sparse input) are not reported; `torch.gather` "on a CUDA tensor that requires grad" (its
      backward is a `scatter_add`) is judged as the ops below are, differentiated or not, in its call form (`torch.gather(x, ...)`, not
      `x.gather(...)`, which in model code picks indices and detached scores as often as values that require grad).
      `F.cross_entropy` / `F.nll_loss` are reported when their input visibly has more than 2 dimensions with
      the classes at dimension 1 (`logits.transpose(1, 2)`, `.permute(0, 2, 1)`, einops'
      `rearrange(x, "b n c -> b c n")`): `nll_loss_nd` takes the deterministic `nll_loss` kernel only for
      1-D and 2-D input and reshapes any other to 4-D for `nll_loss2d`, the kernel torch's list names
      (`aten/src/ATen/native/LossNLL.cpp`, `nll_loss_nd_symint`); `logits.view(-1, V)` is not reported. An adaptive average pool to a
      single value per channel (`nn.AdaptiveAvgPool2d(1)`, `(1, 1)`, `F.adaptive_avg_pool3d(x, 1)`: the
      head of most CNNs) is not reported: torch computes it as a mean over the spatial dimensions
      (`aten/src/ATen/native/AdaptiveAveragePooling.cpp`, `adaptive_avg_pool2d_symint`, and the 3d
      file), whose backward is deterministic, so the listed CUDA kernel never runs.
    - an op that is nondeterministic only "when attempting to differentiate" is reported where the
      call shows that it is differentiated: a layer (`nn.ReflectionPad2d(...)`), a loss
      (`F.ctc_loss`), or a function or Tensor method in model code (a method of a class with
      `forward` or a `...Module` base, but not of a custom `torch.autograd.Function`, whose forward runs
      with autograd off; and unless its name says it is a data augmentation (`RandomShiftsAug`,
      `GPUAugment`: "aug" in it), which runs on inputs that require no grad), and not a layer that a
      data transform builds (a class with `__call__` and no `forward`, as SimCLR's `GaussianBlur`); never under `torch.no_grad()` / `inference_mode()` (a `with`
      block or a decorator), where autograd records nothing (`torch/autograd/grad_mode.py:22`,
      `:213`), nor in a model's beam-search methods (`reorder_encoder_out`, `reorder_incremental_state`,
      `_reorder_cache`: any name starting with `reorder`; `beam_search`, `greedy_search`), which reorder
      cached states by beam index between decoding steps: beam search runs them from `generate`, which
      fairseq's `SequenceGenerator` and transformers' `GenerationMixin` decorate with `torch.no_grad()`;
      nor in the body of an `if` that asks whether the model decodes with a cache of keys and values
      (`if use_kv_cache:`, `if past_key_values is not None:`, fairseq's `incremental_state`), which is
      generation code; nor in a model's evaluation branch (the `else` of `if self.training:`, the body of
      `if not self.training:`, or what follows `if self.training: return ...` in the same block), which
      a training step, run in training mode, never takes: a backward of the training loss cannot reach it
      (evaluation outputs are not differentiated, as a rule; they usually run under `torch.no_grad()`); nor in a
      function or method (not `forward`) that its file calls only where autograd is off: from a
      `@torch.no_grad()` method, under `with torch.no_grad():`, or from another such function.
      Index arithmetic (`torch.arange(n).repeat_interleave(r)`) and data preprocessing are not
      differentiated.
    - such an op matters only to a program that may run a backward pass, since autograd computes
      gradients only when asked (`torch/_tensor.py:566-630`, `torch/autograd/__init__.py:255`,
      `:434`): one that calls `backward()` or `torch.autograd.grad`, builds a `torch.optim`
      optimizer or hands the work to a trainer (`fit`, `train`, `manual_backward`, ...), in what it
      runs or anywhere in its entry file. An inference or export script that imports the model is
      not the program that reports it.
    - `scatter` (without `reduce=`, which accumulates) and `index_copy` write each index once: they are
      nondeterministic only when `index` repeats an entry (which copy lands last), as torch's own docs
      say (`torch/_tensor_docs.py:2408-2411`, `:4344-4348`), and a call cannot show that; they are
      not reported. Nor is an accumulation of zeros or ones (`scatter_add_(0, idx,
      torch.ones_like(idx))`, a count), whose sums are exact in any order (below 2**24 in float32).
    - a layer built in the branch of a helper that picks the layer for the dimensionality it is given
      (`if dims == 3: return nn.AvgPool3d(...)` on a parameter named `dims`, `ndim`, `spatial_dims`
      ...: the `conv_nd` / `avg_pool_nd` helpers of the diffusion code bases) is not reported: it runs
      only for data of that dimensionality, which the call does not show.
    - CUDA-only ops are reported only for programs that run on CUDA. Plain convolutions are left to
      SDL102.

    A module that no entry point reaches (or, for a backward-only op, that only programs which never
    train reach) is judged on its own: it is reported unless it enables deterministic mode itself,
    or the project has programs (that train) and every one of them enables deterministic algorithms:
    such a module is most likely loaded by name, from a registry or a config, by one of them.

    ## Why is this bad?
    On CUDA these ops accumulate with atomic adds (or pick algorithms) whose floating-point results
    vary from run to run, so two runs with the same seed drift apart.

    ## Example
    ```python
    out = torch.zeros(n, d, device="cuda").index_add_(0, idx, src)
    ```

    ## Use instead
    ```python
    torch.use_deterministic_algorithms(True, warn_only=True)
    out = torch.zeros(n, d, device="cuda").index_add_(0, idx, src)
    ```
    For an op of list (b) deterministic mode is no remedy: it makes the op raise (or, with
    `warn_only=True`, warn) and the result still varies. The message says so and asks to avoid the op
    where results must repeat (`F.interpolate(mode="bilinear")` -> `mode="nearest"`, an adaptive pool ->
    a fixed-size pool).

    ## Fix safety
    No per-op fix; `seedlint fix` enables deterministic mode in the seed block it inserts.

    ## References
    - `torch.use_deterministic_algorithms` docstring, torch 2.13 (`torch/__init__.py:1388-1534`), as generated into
      `seedlint/knowledge/nondeterministic_ops.json`; research data nondeterministic_ops.json.
    - PyTorch, "Reproducibility": https://pytorch.org/docs/stable/notes/randomness.html
    """

    code = "SDL301"
    name = "nondeterministic-op"
    message = "op is nondeterministic on CUDA and deterministic mode is off"
    scope = "program"
    VALID = [
        # a model's evaluation branch runs in eval mode, where nothing is differentiated (pytorch-semseg's ICNet)
        Valid("import torch.nn.functional as F\nimport torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
              "        if self.training:\n            return x\n"
              "        return F.interpolate(x, scale_factor=2, mode='bilinear')\n    def up(self, x):\n"
              "        if not self.training:\n            x = F.interpolate(x, scale_factor=2, mode='bilinear')\n"
              "        return x\n"),
        # 2-D (N, C) input takes the deterministic nll_loss kernel; what a call does not show is not reported
        Valid("import torch\nimport torch.nn.functional as F\nfrom einops import rearrange\n"
              "if __name__ == '__main__':\n    logits = torch.zeros(2, 5, 7).cuda()\n"
              "    a = F.cross_entropy(logits.view(-1, 7), y.view(-1))\n"
              "    b = F.cross_entropy(rearrange(logits, 'b n c -> (b n) c'), y)\n"
              "    c = F.cross_entropy(logits.transpose(0, 1), y)\n    d = F.cross_entropy(logits, y)\n"
              "    e = torch.nn.CrossEntropyLoss()(logits.transpose(1, 2), y)\n"),
        # a custom autograd.Function: its forward runs with autograd off, its backward is its own
        "import torch\nimport torch.nn.functional as F\nclass Sample(torch.autograd.Function):\n"
        "    @staticmethod\n    def forward(ctx, x, grid):\n        return F.grid_sample(x, grid)\n"
        "    @staticmethod\n    def backward(ctx, g):\n        return g, None\n",
        # the 3-d branch of a helper that builds the layer for the dimensionality it is given (guided-diffusion,
        # latent diffusion): it runs only for 3-d data, which the call does not show
        "import torch.nn as nn\ndef avg_pool_nd(dims, *args, **kwargs):\n    if dims == 1:\n"
        "        return nn.AvgPool1d(*args, **kwargs)\n    elif dims == 2:\n        return nn.AvgPool2d(*args, **kwargs)\n"
        "    elif dims == 3:\n        return nn.AvgPool3d(*args, **kwargs)\n",
        # a method the file calls only where autograd is off (fairseq's beam search: generate -> _generate)
        "import torch\nclass Generator(torch.nn.Module):\n    @torch.no_grad()\n    def generate(self, s, i):\n"
        "        return self._generate(s, i)\n    def _generate(self, s, i):\n        return self.finalize(torch.gather(s, 1, i))\n"
        "    def finalize(self, s):\n        return torch.index_select(s, 0, s.argmax(0))\n",
        # the branch a model takes when it decodes with a cache of keys and values (generation code)
        "import torch\nclass GPT(torch.nn.Module):\n    def forward(self, x, pos=None, use_kv_cache=False):\n"
        "        cos = self.cos\n        if use_kv_cache:\n            cos = cos.index_select(0, pos)\n        return x * cos\n",
        # gather outside model code (index arithmetic), or under no_grad; the Tensor method on an object of unknown
        # type (in model code it picks indices and detached scores as often as differentiated values)
        "import torch\nclass Head(torch.nn.Module):\n    def forward(self, s, i):\n        return s.gather(1, i)\n",
        "import torch\ndef pick(x, idx):\n    return torch.gather(x, 1, idx)\n",
        "import torch\nclass Beam(torch.nn.Module):\n    @torch.no_grad()\n    def forward(self, s, i):\n"
        "        return torch.gather(s, 1, i)\n",
        # global average pooling: a mean, whatever the device
        "import torch\nfrom torch import nn\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.pool = nn.AdaptiveAvgPool2d((1, 1))\n        self.pool3 = nn.AdaptiveAvgPool3d(1)\n"
        "    def forward(self, x):\n        return nn.functional.adaptive_avg_pool2d(x, output_size=1)\n",
        "import torch\nimport torch.nn.functional as F\nx = F.interpolate(torch.zeros(1, 1, 2, 2), scale_factor=2)\n",
        "import numpy as np\nc = np.bincount([1, 2], weights=[0.5, 0.5])\n",
        "import torch\ntorch.use_deterministic_algorithms(True)\nx = torch.zeros(3).index_add_(0, i, s)\n",
        "import torch\ndef interpolate(x, mode):\n    return x\ny = interpolate(1, mode='bilinear')\n",
        "import asyncio, torch\nasync def main():\n    await asyncio.gather()\n",
        "import torch\nimport pandas as pd\nm = pd.DataFrame({'a': [1]}).median()\nconv = torch.nn.Conv2d(1, 1, 3)\n",
        # a program that never touches CUDA: the CUDA-only op is deterministic on CPU
        Valid("import torch\nif __name__ == '__main__':\n    x = torch.zeros(3).index_add_(0, i, s)\n"),
        # a model loaded by name: no entry point imports it, and every program enables deterministic mode
        Valid({"train.py": "import importlib, torch\nif __name__ == '__main__':\n"
                           "    torch.use_deterministic_algorithms(True)\n"
                           "    net = importlib.import_module('models.net').Net().cuda()\n",
               "models/__init__.py": "",
               "models/net.py": "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x, i, s):\n"
                                "        return x.index_add_(0, i, s)\n"}, path="models/net.py"),
        # backward-only ops not visibly differentiated: outside model code, under no_grad
        "import torch\ndef expand(n, r):\n    return torch.arange(n).cuda().repeat_interleave(r.long())\n",
        "import torch\nimport torch.nn.functional as F\ndef resize(img):\n"
        "    return F.interpolate(img.cuda(), size=(224, 224), mode='bilinear')\n",
        "import torch\nclass Net(torch.nn.Module):\n    @torch.no_grad()\n    def generate(self, x, i):\n"
        "        return x.index_select(0, i)\n    def forward(self, x):\n"
        "        with torch.no_grad():\n            y = x.repeat_interleave(torch.tensor([2, 1]))\n        return y\n",
        # beam search reorders a decoder's cached states between steps, under generation's no_grad
        Valid({"train.py": "import torch\nfrom net import Dec\nif __name__ == '__main__':\n"
                           "    net = Dec().cuda()\n    net(torch.zeros(2, 8).cuda()).sum().backward()\n",
               "net.py": "import torch\nclass Dec(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
                         "    def reorder_incremental_state(self, state, new_order):\n"
                         "        return {k: v.index_select(0, new_order) for k, v in state.items()}\n"
                         "    def _reorder_cache(self, past, beam_idx):\n"
                         "        return tuple(p.index_select(0, beam_idx) for p in past)\n"}, path="net.py"),
        # the backward of model code matters only to a program that trains: the training script enables
        # deterministic mode, an export script that runs the model computes no gradients
        Valid({"train.py": "import torch\nfrom net import Net\nif __name__ == '__main__':\n"
                           "    torch.use_deterministic_algorithms(True)\n    net = Net().cuda()\n"
                           "    net(torch.zeros(2, 8).cuda()).sum().backward()\n",
               "export.py": "import torch\nfrom net import Net\nif __name__ == '__main__':\n"
                            "    net = Net().cuda()\n    torch.onnx.export(net, torch.zeros(2, 8).cuda(), 'net.onnx')\n",
               "net.py": "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                         "        return x.repeat_interleave(x.sum(0).long(), dim=1)\n"}, path="net.py"),
        # distinct indices are written once each: a KV cache, a feature bank
        "import torch\nclass Cache(torch.nn.Module):\n    def forward(self, pos, k, feats, idx):\n"
        "        self.k.index_copy_(2, pos, k)\n        return self.bank.scatter_(0, idx, feats.cuda())\n",
        # an int `repeats` expands (its backward is a sum); only a tensor of counts reaches index_select
        "import torch\nclass Attn(torch.nn.Module):\n    def forward(self, k, n_head, n_kv):\n"
        "        q_per_kv = n_head // n_kv\n        k = k.repeat_interleave(q_per_kv, dim=1)\n"
        "        return torch.repeat_interleave(k, 2, dim=2)\n",
        # one value written everywhere: no duplicate index can win differently; a count of ones is exact
        "import torch\ndef mask(logits, idx):\n    logits = logits.cuda()\n"
        "    logits.scatter_(2, idx, torch.zeros_like(idx).to(dtype=logits.dtype))\n"
        "    return logits.scatter(1, idx, float('-inf') * torch.ones_like(logits))\n",
        "import torch\ndef count(n, idx):\n    c = torch.zeros(n, device='cuda')\n"
        "    return c.scatter_add_(0, idx, torch.ones_like(idx, dtype=c.dtype))\n",
        # the values of median(dim=...) are deterministic; its indices are not
        "import torch\ndef pool(x):\n    return x.cuda().median(dim=-1)[0]\n",
        "import torch\ndef pool(x):\n    v, _ = torch.median(x.cuda(), dim=1)\n    return v\n",
            # a layer a data transform builds and applies (SimCLR's GaussianBlur: `__call__`, no `forward`)
        Valid("import torch\nfrom torch import nn\nclass Blur:\n    def __init__(self):\n"
              "        self.blur = nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(3, 3, (5, 1), groups=3))\n"
              "    def __call__(self, x):\n        return self.blur(x)\n"
              "if __name__ == '__main__':\n    y = Blur()(torch.rand(1, 3, 8, 8).cuda())\n    loss.backward()\n"),
        # an augmentation written as a module runs on the inputs (DrQ-v2's RandomShiftsAug)
        Valid("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
              "class RandomShiftsAug(nn.Module):\n    def forward(self, x):\n"
              "        return F.grid_sample(F.pad(x, (4, 4, 4, 4), mode='replicate'), grid)\n"
              "if __name__ == '__main__':\n    x = RandomShiftsAug()(torch.rand(1, 3, 8, 8).cuda())\n"
              "    loss.backward()\n"),
        # cudnn.deterministic picks deterministic algorithms for a transposed convolution
        Valid("import torch\nfrom torch.backends import cudnn\nif __name__ == '__main__':\n"
              "    cudnn.deterministic = True\n    m = torch.nn.ConvTranspose2d(3, 3, 4).cuda()\n"
              "    m(x).sum().backward()\n"),
    ]

    INVALID = [
        # cross_entropy on (N, C, L) logits (a transpose or permute puts the classes at dimension 1): nll_loss_nd
        # reshapes them to 4-D for the nll_loss2d kernel (PaLM-pytorch, x-transformers)
        Invalid("import torch\nimport torch.nn.functional as F\nfrom einops import rearrange\n"
                "if __name__ == '__main__':\n    logits = torch.zeros(2, 5, 7).cuda()\n"
                "    a = F.cross_entropy(logits.transpose(1, 2), y)\n"
                "    b = F.cross_entropy(rearrange(logits, 'b n c -> b c n'), y)\n"
                "    c = F.nll_loss(logits.permute(0, 2, 1), y)\n", expected=((6, 9), (7, 9), (8, 9))),
        Invalid("import torch\ndef agg(x, idx, src):\n    return x.index_add_(0, idx, src)\n", expected=((3, 12),)),
        # a method its file also calls where autograd is on (beside a @no_grad caller: the VALID beam-search case)
        Invalid("import torch\nclass Generator(torch.nn.Module):\n    @torch.no_grad()\n    def generate(self, s, i):\n"
                "        return self._generate(s, i)\n    def loss(self, s, i):\n        return self._generate(s, i).sum()\n"
                "    def _generate(self, s, i):\n        return torch.gather(s, 1, i)\n", expected=((9, 16),)),
        # gather is nondeterministic on an input that requires grad (its backward is a scatter_add): reported as
        # the backward-only ops are, in model code
        Invalid("import torch\nclass Loss(torch.nn.Module):\n    def forward(self, logp, target):\n"
                "        return -torch.gather(logp, 1, target.unsqueeze(1)).mean()\n", expected=((4, 17),)),
        # a test on something other than a dimensionality parameter, or another dimensionality than the layer's
        Invalid("import torch.nn as nn\ndef pool(video, dims):\n    if video:\n        return nn.AvgPool3d(2)\n"
                "    if dims == 2:\n        return nn.AvgPool3d(2)\n", expected=((4, 16), (6, 16))),
        # backward-only: in model code (a class with forward), where the input is differentiated
        Invalid("import torch.nn.functional as F\nimport torch\nclass Up(torch.nn.Module):\n"
                "    def up(self, x):\n        return F.interpolate(x, scale_factor=2, mode='bilinear')\n",
                expected=((5, 16),)),
        # ... while the training branch is differentiated
        Invalid("import torch.nn.functional as F\nimport torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                "        if self.training:\n            return F.interpolate(x, scale_factor=2, mode='bilinear')\n"
                "        return x\n", expected=((6, 20),)),
        # the same op in the model's forward is differentiated
        Invalid({"train.py": "import torch\nfrom net import Dec\nif __name__ == '__main__':\n"
                             "    net = Dec().cuda()\n    net(torch.zeros(2, 8).cuda(), 0).sum().backward()\n",
                 "net.py": "import torch\nclass Dec(torch.nn.Module):\n    def forward(self, x, order):\n"
                           "        return x.index_select(0, order)\n"}, path="net.py", expected=((4, 16),)),
        Invalid("import torch\nclass Ragged(torch.nn.Module):\n    def forward(self, h, lengths):\n"
                "        counts = lengths.long()\n        return h.repeat_interleave(counts, dim=0)\n",
                expected=((5, 16),)),
        # a program that trains through a launcher: its entry file calls backward()
        Invalid({"train.py": "import torch\nfrom net import Net\nfrom launcher import launch\n"
                             "def main():\n    net = Net().cuda()\n    net(torch.zeros(2, 8).cuda()).sum().backward()\n"
                             "if __name__ == '__main__':\n    torch.cuda.set_device(0)\n    launch(main)\n",
                 "launcher.py": "def launch(fn):\n    pass\n",
                 "net.py": "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                           "        return x.repeat_interleave(x.sum(0).long(), dim=1)\n"}, path="net.py", expected=((4, 16),)),
        # an optimizer is built and stepped by a trainer the analysis cannot see into
        Invalid({"fit.py": "import torch\nfrom lightning import Trainer\nfrom net import Net\n"
                           "if __name__ == '__main__':\n    Trainer(accelerator='gpu').fit(Net())\n",
                 "net.py": "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                           "        return x.repeat_interleave(x.sum(0).long(), dim=1)\n"}, path="net.py", expected=((4, 16),)),
        Invalid("import torch as th\ndef hist(x, w):\n    return th.bincount(x, weights=w)\n", expected=((3, 12),)),
        # equal addends other than zeros and ones: partial sums of different sizes round differently
        Invalid("import torch\ndef spread(c, idx):\n    return c.cuda().index_add_(0, idx, 0.1 * torch.ones_like(c))\n",
                expected=((3, 12),)),
        Invalid("from torch import nn\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.pool = nn.AdaptiveAvgPool2d(7)\n", expected=((5, 21),)),
        Invalid("import torch\nif __name__ == '__main__':\n    x = torch.zeros(3, device='cuda')\n"
                "    x.scatter_add_(0, idx, src)\n", expected=((4, 5),)),
        # a scatter that reduces accumulates into repeated indices
        Invalid("import torch\ndef pool(x, idx, src):\n    return x.cuda().scatter_(0, idx, src, reduce='add')\n",
                expected=((3, 12),)),
        # cudnn.deterministic does not make index_add_ deterministic
        Invalid("import torch\nfrom torch.backends import cudnn\nif __name__ == '__main__':\n"
                "    cudnn.deterministic = True\n    x = torch.zeros(3).cuda()\n    x.index_add_(0, i, s)\n",
                expected=((6, 5),)),
    ]

    def check_project(self, ctx: ProjectContext) -> Iterator[Diagnostic]:
        # a module no entry point reaches is most likely loaded by name (a registry, a config): when every
        # program of the project enables deterministic algorithms, so does the one that loads it; for an op
        # whose nondeterminism is in its backward, every program that may train
        every_program_det = bool(ctx.programs) and all(p.summary.det_algos is not None for p in ctx.programs)
        training = [p for p in ctx.programs if p.trains]
        every_trainer_det = bool(training) and all(p.summary.det_algos is not None for p in training)
        entries = {p.entry for p in ctx.programs}
        for path, lid, ev in ctx.events("op"):
            if (ev["api"] in PLAIN_CONV or ev.get("nd") or ev.get("dd")
                    or (ev.get("vo") and ev["api"] in VALUES_DETERMINISTIC)):
                continue
            backward = bool(ev["bw"])
            # a program that runs no backward pass never runs the nondeterministic part of a backward-only op
            progs = [p for p in ctx.programs_containing(path) if p.trains or not backward]
            site = Site(path, ev["l"], ev["c"])
            cuda_only = ev["dev"] == "CUDA"
            conv = ev["api"] in CUDNN_CONV
            if progs:
                culprit = next((p for p in progs if (p.summary.det_on if conv else p.summary.det_algos) is None and (
                    not cuda_only or p.summary.cuda is not None)), None)
                if culprit is None:
                    continue
                where = f"program `{culprit.label}` never enables deterministic mode"
            else:
                # a script that never trains runs its own backward-only ops forward only; a module that only
                # such scripts import is judged as if none did (a program that trains may load it by name)
                on, _ = ctx.file_det(path, cudnn=conv)
                if on or path in entries or (every_trainer_det if backward else every_program_det):
                    continue
                where = "deterministic mode is not enabled"
            phase = " in backward" if ev.get("bw") else ""
            dev = "on CUDA" if cuda_only else ("on CPU" if ev["dev"] == "CPU" else "")
            if ev.get("lst") == "b":
                # list (b): torch has no deterministic implementation; deterministic mode only raises (or warns)
                yield diag(site, self.code,
                           f"`{_short(ev.get('form') or ev['api'])}` is nondeterministic{phase} {dev} and torch has no deterministic "
                           f"implementation of it ({where}; with it on, the op raises, or warns with "
                           "`warn_only=True`): avoid it where results must repeat".replace("  ", " "))
                continue
            yield diag(site, self.code,
                       f"`{_short(ev.get('form') or ev['api'])}` is nondeterministic{phase} {dev} and {where}: call "
                       "`torch.use_deterministic_algorithms(True, warn_only=True)` at the program's start".replace(
                           "  ", " "))
