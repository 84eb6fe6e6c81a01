#!/usr/bin/env python
"""Generate seedlint/knowledge/nondeterministic_ops.json from the installed torch.

The table is *derived*, not hand-written: the two bullet lists of the
``torch.use_deterministic_algorithms`` docstring are parsed

  (a) "The following normally-nondeterministic operations will act
      deterministically when ``mode=True``"
  (b) "The following normally-nondeterministic operations will throw a
      :class:`RuntimeError` when ``mode=True``"

and every bullet becomes one entry, with the source line it sits on in
``torch/__init__.py`` (found with ``inspect``/``ast``, and checked line by line
against ``__doc__``).  ``device``, ``backward_only`` and ``condition`` come from
wording patterns (``_PATTERNS`` below).  What the wording cannot say -- which
callables reach the op, Tensor method names, argument positions and defaults,
per-call-form conditions -- comes from ``OVERLAY``, keyed by the docstring's api
name.  Every argument position/default in the overlay is checked against the
real signature (``inspect.signature`` for Python callables, the ATen operator
schema for builtins and Tensor methods).

The script fails loudly (``TableError``) when the docstring has an entry or a
phrase the patterns/overlay do not understand, when the overlay names an api
the docstring no longer lists, or when an overlay fact disagrees with torch.

Usage::

    python scripts/gen_nondeterministic_ops.py            # (re)write the table
    python scripts/gen_nondeterministic_ops.py --check    # exit 1 if it is stale
    python scripts/gen_nondeterministic_ops.py --output PATH [--check]

Only this script imports torch; the linter reads the JSON through
``seedlint.knowledge.ops`` and never imports torch.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

GENERATED_BY = "scripts/gen_nondeterministic_ops.py"
FUNCTION = "torch.use_deterministic_algorithms"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "seedlint" / "knowledge" / "nondeterministic_ops.json"

LIST_HEADERS = {
    # list id -> regex matched against the header paragraph (lines joined with one space)
    "a": r"normally-nondeterministic operations will act deterministically when ``mode=True``:$",
    "b": r"normally-nondeterministic operations will throw a :class:`RuntimeError` when ``mode=True``:$",
}
LIST_MEANING = {
    "a": "deterministic implementation chosen when the flag is on",
    "b": "raises RuntimeError when the flag is on",
}

CONDITION_KINDS = (
    "always",
    "kwarg_equals",
    "kwarg_given",
    "kwarg_in",
    "arg_is_tensor",
    "arg_makes_tensor",  # the argument is visibly a tensor (made by a call: torch.tensor(...), x.sum(), ...)
    "input_not_2d",  # the input visibly has its class axis moved to dimension 1 (a transpose or permute)
    "not_visible",
)


class TableError(RuntimeError):
    """The docstring, the overlay and torch disagree; the table cannot be built."""


# --------------------------------------------------------------------------
# Overlay: what the docstring wording does not say, keyed by the docstring api.
#
# Keys per api (all optional except call_forms/methods, at least one non-empty):
#   call_forms   fully qualified callables (torch.*, torch.nn.*, torch.nn.functional.*)
#                that reach the op.  For classes, the constructor call is the form
#                and positions refer to constructor arguments.
#   methods      torch.Tensor method names (no "torch.Tensor." prefix) reaching the op;
#                their positions do not count self.
#   args         argument metadata for conditions found in the wording:
#                name -> {"positions": {form_or_method: int|None}, "default": value}
#                ("default" only for kwarg_equals / kwarg_in; None = required).
#                "positions" must cover every form/method the condition applies to.
#   indices_output_arg   the argument whose presence selects the overload that returns
#                indices (wording "with indices output").
#   form_conditions      form_or_method -> condition that replaces the wording-derived
#                condition for that call form (e.g. F.pad needs mode='reflect').
#   device, device_evidence   device when the wording gives none, justified by a
#                dispatcher check {"op", "has", "lacks"} (dispatch keys).
# Positions are 0-based, as called in that form.
# --------------------------------------------------------------------------

def _pad_form(mode: str) -> Dict[str, Any]:
    return {
        "torch.nn.functional.pad": {
            "kind": "kwarg_in",
            "name": "mode",
            "values": [mode],
            "positions": {"torch.nn.functional.pad": 2},
            "default": "constant",
        }
    }


def _conv(n: int, transpose: bool) -> Dict[str, Any]:
    cls = f"ConvTranspose{n}d" if transpose else f"Conv{n}d"
    fn = f"conv_transpose{n}d" if transpose else f"conv{n}d"
    return {
        "call_forms": [
            f"torch.nn.{cls}",
            f"torch.nn.Lazy{cls}",
            f"torch.nn.functional.{fn}",
            f"torch.{fn}",
        ],
        "methods": [],
    }


def _module(cls: str, *functional: str) -> Dict[str, Any]:
    return {
        "call_forms": [f"torch.nn.{cls}"] + [f"torch.nn.functional.{f}" for f in functional],
        "methods": [],
    }


def _duplicate_indices(*forms: str) -> Dict[str, Any]:
    return {form: {"kind": "not_visible", "reason": "index holds a duplicate entry (distinct indices are written "
                   "once each, the same in every run)"} for form in forms}


OVERLAY: Dict[str, Dict[str, Any]] = {
    # ---- list (a)
    "torch.nn.Conv1d": _conv(1, False),
    "torch.nn.Conv2d": _conv(2, False),
    "torch.nn.Conv3d": _conv(3, False),
    "torch.nn.ConvTranspose1d": _conv(1, True),
    "torch.nn.ConvTranspose2d": _conv(2, True),
    "torch.nn.ConvTranspose3d": _conv(3, True),
    # F.pad(mode='replicate') reaches ReplicationPad{1,2,3}d for 3-/4-/5-D input (rank not visible)
    "torch.nn.ReplicationPad1d": dict(_module("ReplicationPad1d", "pad"), form_conditions=_pad_form("replicate")),
    "torch.nn.ReplicationPad2d": dict(_module("ReplicationPad2d", "pad"), form_conditions=_pad_form("replicate")),
    "torch.nn.ReplicationPad3d": dict(_module("ReplicationPad3d", "pad"), form_conditions=_pad_form("replicate")),
    "torch.bmm": {"call_forms": ["torch.bmm"], "methods": ["bmm"]},
    "torch.Tensor.__getitem__": {"call_forms": [], "methods": ["__getitem__"]},
    "torch.Tensor.index_put": {
        "call_forms": ["torch.index_put", "torch.index_put_"],
        "methods": ["index_put", "index_put_"],
        "args": {
            "accumulate": {
                "positions": {"torch.index_put": 3, "torch.index_put_": 3, "index_put": 2, "index_put_": 2},
                "default": False,
            }
        },
    },
    "torch.Tensor.put_": {
        "call_forms": ["torch.put"],
        "methods": ["put", "put_"],
        "args": {"accumulate": {"positions": {"torch.put": 3, "put": 2, "put_": 2}, "default": False}},
    },
    "torch.Tensor.scatter_add_": {"call_forms": ["torch.scatter_add"], "methods": ["scatter_add", "scatter_add_"]},
    # take_along_dim is implemented with gather in ATen
    "torch.gather": {"call_forms": ["torch.gather", "torch.take_along_dim"], "methods": ["gather", "take_along_dim"]},
    "torch.index_add": {"call_forms": ["torch.index_add"], "methods": ["index_add", "index_add_"]},
    "torch.index_select": {"call_forms": ["torch.index_select"], "methods": ["index_select"]},
    # Only a tensor `repeats` reaches index_select (whose backward is index_add). With an int `repeats` the op
    # is CompositeImplicitAutograd: expand, clone and view, whose backward is a sum (the dispatcher has no
    # other kernel for aten::repeat_interleave.self_int; tests/test_knowledge_ops.py checks the autograd graph).
    "torch.repeat_interleave": {
        "call_forms": ["torch.repeat_interleave"],
        "methods": ["repeat_interleave"],
        "form_conditions": {
            form: {"kind": "arg_makes_tensor", "name": "repeats", "positions": {form: pos},
                   "overloads": ["self_int", "self_Tensor"],  # (not repeat_interleave(repeats): indices)
                   "reason": "repeats is a tensor (an int repeats expands: its backward is a sum)"}
            for form, pos in (("torch.repeat_interleave", 1), ("repeat_interleave", 0))
        },
    },
    # Both write each index once and are nondeterministic only when `index` repeats an entry (which copy lands
    # last), as their own docs say: torch/_tensor_docs.py:2408-2411 (index_copy_) and :4344-4348 (scatter_:
    # "When indices are not unique, the behavior is non-deterministic ... and the gradient will be
    # incorrect"). A call cannot show whether its indices repeat; with distinct ones (a KV cache, a feature
    # bank, a one-hot) every run writes the same. A scatter with `reduce=` accumulates instead.
    "torch.Tensor.index_copy": {
        "call_forms": ["torch.index_copy"],
        "methods": ["index_copy", "index_copy_"],
        "form_conditions": _duplicate_indices("torch.index_copy", "index_copy", "index_copy_"),
    },
    "torch.Tensor.scatter": {
        "call_forms": ["torch.scatter"],
        "methods": ["scatter", "scatter_"],
        "args": {"src": {"positions": {"torch.scatter": 3, "scatter": 2, "scatter_": 2}}},
        # with `reduce=` it accumulates into repeated indices, which is the point of passing it
        "form_conditions": {
            form: {"kind": "kwarg_given", "name": "reduce", "positions": {form: None}}
            for form in ("torch.scatter", "scatter", "scatter_")
        },
    },
    "torch.Tensor.scatter_reduce": {
        "call_forms": ["torch.scatter_reduce"],
        "methods": ["scatter_reduce", "scatter_reduce_"],
        "args": {
            "reduce": {
                "positions": {"torch.scatter_reduce": 4, "scatter_reduce": 3, "scatter_reduce_": 3},
                "default": None,
            }
        },
    },
    "torch.nn.MaxPool3d": {
        "call_forms": [
            "torch.nn.MaxPool3d",
            "torch.nn.functional.max_pool3d",
            "torch.nn.functional.max_pool3d_with_indices",
            "torch.max_pool3d",
        ],
        "methods": [],
    },
    # ---- list (b)
    "torch.nn.AvgPool3d": _module("AvgPool3d", "avg_pool3d"),
    "torch.nn.AdaptiveAvgPool2d": _module("AdaptiveAvgPool2d", "adaptive_avg_pool2d"),
    "torch.nn.AdaptiveAvgPool3d": _module("AdaptiveAvgPool3d", "adaptive_avg_pool3d"),
    "torch.nn.AdaptiveMaxPool2d": _module(
        "AdaptiveMaxPool2d", "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices"
    ),
    "torch.nn.FractionalMaxPool2d": _module(
        "FractionalMaxPool2d", "fractional_max_pool2d", "fractional_max_pool2d_with_indices"
    ),
    "torch.nn.FractionalMaxPool3d": _module(
        "FractionalMaxPool3d", "fractional_max_pool3d", "fractional_max_pool3d_with_indices"
    ),
    "torch.nn.MaxUnpool1d": _module("MaxUnpool1d", "max_unpool1d"),
    "torch.nn.MaxUnpool2d": _module("MaxUnpool2d", "max_unpool2d"),
    "torch.nn.MaxUnpool3d": _module("MaxUnpool3d", "max_unpool3d"),
    "torch.nn.functional.interpolate": {
        "call_forms": [
            "torch.nn.functional.interpolate",
            "torch.nn.functional.upsample",
            "torch.nn.Upsample",
            "torch.nn.UpsamplingBilinear2d",
            "torch.nn.functional.upsample_bilinear",
        ],
        "methods": [],
        "args": {
            "mode": {
                "positions": {
                    "torch.nn.functional.interpolate": 3,
                    "torch.nn.functional.upsample": 3,
                    "torch.nn.Upsample": 2,
                },
                "default": "nearest",
            }
        },
        # always bilinear
        "form_conditions": {
            "torch.nn.UpsamplingBilinear2d": {"kind": "always"},
            "torch.nn.functional.upsample_bilinear": {"kind": "always"},
        },
    },
    "torch.nn.ReflectionPad1d": dict(_module("ReflectionPad1d", "pad"), form_conditions=_pad_form("reflect")),
    "torch.nn.ReflectionPad2d": dict(_module("ReflectionPad2d", "pad"), form_conditions=_pad_form("reflect")),
    "torch.nn.ReflectionPad3d": dict(_module("ReflectionPad3d", "pad"), form_conditions=_pad_form("reflect")),
    # cross_entropy with class-index targets is log_softmax + nll_loss in ATen
    "torch.nn.NLLLoss": {
        "call_forms": [
            "torch.nn.NLLLoss",
            "torch.nn.functional.nll_loss",
            "torch.nn.CrossEntropyLoss",
            "torch.nn.functional.cross_entropy",
        ],
        "methods": [],
        # The docstring names NLLLoss without a condition, but the CUDA kernel that alerts is only the 2-D one:
        # aten/src/ATen/native/cuda/NLLLoss2d.cu, nll_loss2d_forward_out_cuda_template (atomicAdd in 'sum' /
        # 'mean'), reached for 4-D (N, C, H, W) input; (N, C) classification input takes the deterministic
        # nll_loss kernel. A call does not show the input's rank.
        "form_conditions": {
            "torch.nn.NLLLoss": {
                "kind": "not_visible",
                "reason": "input is 4-D (N, C, H, W): only the nll_loss2d CUDA kernel is nondeterministic",
            },
            "torch.nn.CrossEntropyLoss": {
                "kind": "not_visible",
                "reason": "target holds class indices and input is 4-D (cross_entropy then calls nll_loss2d)",
            },
            # the functional forms show the input: nll_loss_nd (aten/src/ATen/native/LossNLL.cpp,
            # nll_loss_nd_symint) takes the nll_loss kernel for 1-D and 2-D input only, and reshapes any
            # other to 4-D for nll_loss2d; a sequence model's (N, C, L) logits made with `.transpose(1, 2)`
            # or `.permute(0, 2, 1)` (or einops' `rearrange(x, "b n c -> b c n")`) are such an input
            **{
                form: {
                    "kind": "input_not_2d",
                    "name": "input",
                    "positions": {form: 0},
                    "reason": "input has more than 2 dimensions (nll_loss_nd reshapes it for nll_loss2d), shown "
                              "by a transpose or permute that moves the class axis to dimension 1",
                }
                for form in ("torch.nn.functional.nll_loss", "torch.nn.functional.cross_entropy")
            },
        },
    },
    "torch.nn.CTCLoss": {
        "call_forms": ["torch.nn.CTCLoss", "torch.nn.functional.ctc_loss", "torch.ctc_loss"],
        "methods": [],
    },
    "torch.nn.EmbeddingBag": {
        "call_forms": [
            "torch.nn.EmbeddingBag",
            "torch.nn.EmbeddingBag.from_pretrained",
            "torch.nn.functional.embedding_bag",
        ],
        "methods": [],
        "args": {
            "mode": {
                "positions": {
                    "torch.nn.EmbeddingBag": 5,
                    "torch.nn.EmbeddingBag.from_pretrained": 5,
                    "torch.nn.functional.embedding_bag": 6,
                },
                "default": "mean",
            }
        },
    },
    "torch.histc": {"call_forms": ["torch.histc"], "methods": ["histc"]},
    "torch.bincount": {
        "call_forms": ["torch.bincount"],
        "methods": ["bincount"],
        "args": {"weights": {"positions": {"torch.bincount": 1, "bincount": 0}}},
    },
    "torch.median": {
        "call_forms": ["torch.median"],
        "methods": ["median"],
        # median(input, dim, keepdim=False) -> (values, indices); median(input) -> values only
        "indices_output_arg": "dim",
        "args": {"dim": {"positions": {"torch.median": 1, "median": 0}}},
    },
    "torch.nn.functional.grid_sample": {"call_forms": ["torch.nn.functional.grid_sample"], "methods": []},
    "torch.cumsum": {"call_forms": ["torch.cumsum"], "methods": ["cumsum", "cumsum_"]},
    "torch.Tensor.resize_": {
        "call_forms": [],
        "methods": ["resize_"],
        # quantized tensors: aten::resize_ has a QuantizedCPU kernel and no QuantizedCUDA one
        "device": "CPU",
        "device_evidence": {"op": "aten::resize_", "has": "QuantizedCPU", "lacks": "QuantizedCUDA"},
    },
}

_OVERLAY_KEYS = {
    "call_forms",
    "methods",
    "args",
    "indices_output_arg",
    "form_conditions",
    "device",
    "device_evidence",
}


# --------------------------------------------------------------------------
# Locating the docstring in the source
# --------------------------------------------------------------------------

def read_docstring(torch_mod: Any) -> Dict[str, Any]:
    """Return the docstring lines of use_deterministic_algorithms with their source lines."""
    func = torch_mod.use_deterministic_algorithms
    doc = func.__doc__
    if not doc:
        raise TableError(f"{FUNCTION} has no docstring")
    src_file = inspect.getsourcefile(func)
    if src_file is None:
        raise TableError(f"cannot find the source file of {FUNCTION}")
    lines, start = inspect.getsourcelines(func)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    fn = tree.body[0]
    if not isinstance(fn, ast.FunctionDef) or not fn.body:
        raise TableError(f"unexpected source shape for {FUNCTION}")
    first = fn.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        raise TableError(f"{FUNCTION}: the docstring is not a literal in the source; cannot locate lines")
    function_line = start + fn.lineno - 1
    doc_first_line = start + first.lineno - 1

    file_lines = Path(src_file).read_text(encoding="utf-8").splitlines()
    doc_lines = doc.splitlines()
    numbered: List[Tuple[int, str]] = []
    for i, text in enumerate(doc_lines):
        lineno = doc_first_line + i
        source = file_lines[lineno - 1] if lineno - 1 < len(file_lines) else ""
        if i == 0:  # r"""Sets whether ...
            ok = source.strip().endswith(text.strip())
        elif i == len(doc_lines) - 1:  # indentation before the closing quotes
            ok = source.strip().startswith(text.strip())
        else:
            ok = source.strip() == text.strip()
        if not ok:
            raise TableError(
                f"docstring line {i} {text!r} does not match {src_file}:{lineno} {source!r}"
            )
        numbered.append((lineno, text))

    torch_root = Path(torch_mod.__file__).resolve().parent.parent
    try:
        rel = Path(src_file).resolve().relative_to(torch_root).as_posix()
    except ValueError:
        rel = Path(src_file).name
    return {"file": rel, "function_line": function_line, "lines": numbered}


# --------------------------------------------------------------------------
# Parsing the two bullet lists
# --------------------------------------------------------------------------

def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def split_lists(numbered: List[Tuple[int, str]]) -> Dict[str, Dict[str, Any]]:
    """Find both list headers and return {list_id: {"header_line", "bullets": [...]}}.

    A bullet is {"line", "end_line", "text"}; continuation lines (indented deeper than
    the "* " marker, blank lines allowed in between) are joined with one space.
    """
    # paragraphs: (index of first line, index of last line, joined text)
    paragraphs = []
    i = 0
    while i < len(numbered):
        if not numbered[i][1].strip():
            i += 1
            continue
        j = i
        while j + 1 < len(numbered) and numbered[j + 1][1].strip():
            j += 1
        paragraphs.append((i, j, " ".join(t.strip() for _, t in numbered[i:j + 1])))
        i = j + 1

    result: Dict[str, Dict[str, Any]] = {}
    for list_id, header_re in LIST_HEADERS.items():
        hits = [p for p in paragraphs if re.search(header_re, p[2])]
        if len(hits) != 1:
            raise TableError(f"list ({list_id}) header matched {len(hits)} paragraphs, expected 1")
        first_idx, last_idx, _ = hits[0]
        header_indent = _indent(numbered[first_idx][1])
        k = last_idx + 1
        while k < len(numbered) and not numbered[k][1].strip():
            k += 1
        if k >= len(numbered) or not numbered[k][1].lstrip().startswith("* "):
            raise TableError(f"list ({list_id}) header is not followed by a '* ' bullet")
        bullet_indent = _indent(numbered[k][1])
        if bullet_indent <= header_indent:
            raise TableError(f"list ({list_id}) bullets are not indented below the header")
        bullets: List[Dict[str, Any]] = []
        parts: List[str] = []
        while k < len(numbered):
            lineno, text = numbered[k]
            if not text.strip():
                k += 1
                continue
            ind = _indent(text)
            if ind < bullet_indent:
                break
            if ind == bullet_indent:
                if not text.lstrip().startswith("* "):
                    raise TableError(f"line {lineno}: unexpected text in list ({list_id}): {text.strip()!r}")
                if bullets:
                    bullets[-1]["text"] = " ".join(parts)
                bullets.append({"line": lineno, "end_line": lineno, "text": ""})
                parts = [text.strip()[2:].strip()]
            else:
                parts.append(text.strip())
                bullets[-1]["end_line"] = lineno
            k += 1
        bullets[-1]["text"] = " ".join(parts)
        result[list_id] = {"header_line": numbered[first_idx][0], "bullets": bullets}
    return result


_BULLET_RE = re.compile(r"^:(?P<role>class|func|meth):`(?P<api>[A-Za-z_][\w.]*)`(?P<rest>.*)$")

_DEVICE_RE = re.compile(
    r"(?P<how>called on|attempting to differentiate) (?:an? )?(?:(?P<sparse>sparse-dense) )?"
    r"(?P<dev>CPU or CUDA|CUDA|CPU) tensors?(?P<grad> that requires grad)?"
)
_KWARGS_RE = re.compile(r"``\w+=[^`]+``(?: or ``\w+=[^`]+``)*")
_KWARG_RE = re.compile(r"``(\w+)=([^`]+)``")
_MODES_RE = re.compile(r"one of the following (?P<name>\w+?)s is used: (?P<items>(?:- ``[^`]+``\s*)+)")
_SRC_TENSOR_RE = re.compile(r"`(?P<name>\w+)` type is Tensor")
_GIVEN_RE = re.compile(r"``(?P<name>\w+)`` tensor is given")
_INDICES_RE = re.compile(r"with indices output")
_QUANT_RE = re.compile(r"called with a quantized tensor")
_DTYPE_RE = re.compile(r"dtype is (?P<what>[a-z]+(?: (?!and\b|when\b|with\b)[a-z]+)*)")
_INDEX_LIST_RE = re.compile(r"the index is a list of tensors")
_CONNECTIVES = {"when", "and", "with"}


def parse_wording(rest: str) -> Dict[str, Any]:
    """Parse the text after the api name into device/backward facts and raw conditions.

    Raises TableError when any word is left that no pattern understood.
    """
    facts: Dict[str, Any] = {"device": None, "backward_only": False, "conditions": []}
    remaining = rest

    def consume(regex: re.Pattern, handler) -> None:
        nonlocal remaining
        while True:
            m = regex.search(remaining)
            if not m:
                return
            handler(m)
            remaining = remaining[: m.start()] + " | " + remaining[m.end():]

    def on_device(m: re.Match) -> None:
        if facts["device"] is not None:
            raise TableError(f"two device phrases in {rest!r}")
        facts["device"] = {"CPU or CUDA": "both"}.get(m.group("dev"), m.group("dev"))
        if m.group("how") == "attempting to differentiate":
            facts["backward_only"] = True
        if m.group("sparse"):
            facts["conditions"].append({"kind": "not_visible", "reason": "sparse input (sparse-dense operands)"})
        if m.group("grad"):
            facts["conditions"].append({"kind": "not_visible", "reason": "input requires grad"})

    def on_kwargs(m: re.Match) -> None:
        pairs = _KWARG_RE.findall(m.group(0))
        names = {n for n, _ in pairs}
        if len(names) != 1:
            raise TableError(f"cannot combine different arguments in {m.group(0)!r}")
        try:
            values = [ast.literal_eval(v) for _, v in pairs]
        except (ValueError, SyntaxError) as exc:
            raise TableError(f"cannot read the value in {m.group(0)!r}: {exc}") from None
        name = pairs[0][0]
        if len(values) == 1:
            facts["conditions"].append({"kind": "kwarg_equals", "name": name, "value": values[0]})
        else:
            facts["conditions"].append({"kind": "kwarg_in", "name": name, "values": values})

    def on_modes(m: re.Match) -> None:
        values = re.findall(r"- ``([^`]+)``", m.group("items"))
        facts["conditions"].append({"kind": "kwarg_in", "name": m.group("name"), "values": values})

    def on_src(m: re.Match) -> None:
        facts["conditions"].append({"kind": "arg_is_tensor", "name": m.group("name")})

    def on_given(m: re.Match) -> None:
        facts["conditions"].append({"kind": "kwarg_given", "name": m.group("name")})

    def on_indices(m: re.Match) -> None:
        facts["conditions"].append({"kind": "kwarg_given", "name": None, "indices_output": True})

    def on_quant(m: re.Match) -> None:
        facts["conditions"].append({"kind": "not_visible", "reason": "tensor is quantized"})

    def on_dtype(m: re.Match) -> None:
        facts["conditions"].append({"kind": "not_visible", "reason": f"dtype is {m.group('what')}"})

    def on_index_list(m: re.Match) -> None:
        facts["conditions"].append(
            {"kind": "not_visible", "reason": "advanced indexing with a list of tensors"}
        )

    for regex, handler in (
        (_MODES_RE, on_modes),
        (_DEVICE_RE, on_device),
        (_QUANT_RE, on_quant),
        (_KWARGS_RE, on_kwargs),
        (_SRC_TENSOR_RE, on_src),
        (_GIVEN_RE, on_given),
        (_INDICES_RE, on_indices),
        (_DTYPE_RE, on_dtype),
        (_INDEX_LIST_RE, on_index_list),
    ):
        consume(regex, handler)

    leftover = [w for w in re.split(r"[\s|,]+", remaining) if w and w not in _CONNECTIVES]
    if leftover:
        raise TableError(f"wording not understood: {' '.join(leftover)!r} in {rest.strip()!r}")
    return facts


# --------------------------------------------------------------------------
# Resolving names and checking the overlay against torch
# --------------------------------------------------------------------------

def resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                raise TableError(f"{dotted}: no attribute {attr!r}")
            obj = getattr(obj, attr)
        return obj
    raise TableError(f"cannot import {dotted}")


_MISSING = object()


def _signature_arg(torch_mod: Any, form: str, name: str,
                   overloads: Optional[List[str]] = None) -> Tuple[Optional[int], Any]:
    """(0-based position as called in `form`, default or _MISSING) of argument `name`.

    `form` is a fully qualified callable or a bare Tensor method name.  Position is None
    when the argument is keyword-only.  `overloads` limits the ATen schemas read to those
    overload names (an op whose overloads put the argument in different places).
    """
    is_method = "." not in form
    sig = None
    if not is_method:
        obj = resolve(form)
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            sig = None
    if sig is not None:
        params = list(sig.parameters.values())
        for idx, p in enumerate(params):
            if p.name == name:
                if p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD):
                    pos = None
                elif p.kind is p.VAR_POSITIONAL:
                    raise TableError(f"{form}: {name} is *args")
                else:
                    pos = idx
                default = _MISSING if p.default is p.empty else p.default
                return pos, default
        raise TableError(f"{form}{sig} has no argument {name!r}")

    # builtin: read the ATen operator schemas
    op = form if is_method else form.rsplit(".", 1)[1]
    schemas = torch_mod._C._jit_get_schemas_for_operator(f"aten::{op}")
    found = set()
    for schema in schemas:
        if overloads is not None and schema.overload_name not in overloads:
            continue
        for idx, arg in enumerate(schema.arguments):
            if arg.name != name:
                continue
            pos = None if arg.kwarg_only else idx - (1 if is_method else 0)
            default = arg.default_value if arg.has_default_value() else _MISSING
            found.add((pos, repr(default) if default is not _MISSING else "<required>"))
            result = (pos, default)
    if not found:
        raise TableError(f"{form}: no aten::{op} overload has an argument {name!r}")
    if len(found) > 1:
        raise TableError(f"{form}: overloads of aten::{op} disagree on {name!r}: {sorted(found, key=str)}")
    return result


def check_condition_signature(torch_mod: Any, api: str, cond: Dict[str, Any]) -> None:
    for form, pos in cond.get("positions", {}).items():
        real_pos, real_default = _signature_arg(torch_mod, form, cond["name"], cond.get("overloads"))
        if real_pos != pos:
            raise TableError(f"{api}: {form} puts {cond['name']!r} at {real_pos}, overlay says {pos}")
        if "default" in cond:
            expected = _MISSING if cond["default"] is None else cond["default"]
            if real_default is not expected and real_default != expected:
                raise TableError(
                    f"{api}: {form} default of {cond['name']!r} is "
                    f"{'required' if real_default is _MISSING else repr(real_default)}, "
                    f"overlay says {cond['default']!r}"
                )


def _finish_condition(api: str, raw: Dict[str, Any], overlay: Dict[str, Any],
                      forms: List[str], used_args: set) -> Dict[str, Any]:
    kind = raw["kind"]
    if kind in ("always", "not_visible"):
        return dict(raw)
    name = raw["name"]
    if raw.get("indices_output"):
        name = overlay.get("indices_output_arg")
        if name is None:
            raise TableError(f"{api}: 'with indices output' needs indices_output_arg in the overlay")
        used_args.add("indices_output_arg")
    meta = overlay.get("args", {}).get(name)
    if meta is None:
        raise TableError(f"{api}: the wording names argument {name!r}; the overlay has no args[{name!r}]")
    used_args.add(name)
    positions = dict(meta["positions"])
    # (no form left: every form has a condition of its own, and this one only records the wording's)
    if forms and set(positions) != set(forms):
        raise TableError(
            f"{api}: args[{name!r}].positions covers {sorted(positions)}, "
            f"the condition applies to {sorted(forms)}"
        )
    cond: Dict[str, Any] = {"kind": kind, "name": name, "positions": positions}
    if kind == "kwarg_equals":
        cond["value"] = raw["value"]
    if kind == "kwarg_in":
        cond["values"] = list(raw["values"])
    if kind in ("kwarg_equals", "kwarg_in"):
        if "default" not in meta:
            raise TableError(f"{api}: args[{name!r}] needs a default for a {kind} condition")
        cond["default"] = meta["default"]
    elif "default" in meta:
        raise TableError(f"{api}: args[{name!r}].default is unused by a {kind} condition")
    return cond


def build_table(torch_mod: Any, doc_info: Dict[str, Any],
                overlay: Optional[Dict[str, Dict[str, Any]]] = None) -> Dict[str, Any]:
    overlay = OVERLAY if overlay is None else overlay
    lists = split_lists(doc_info["lines"])
    ops: List[Dict[str, Any]] = []
    seen_apis: set = set()
    used: Dict[str, set] = {}
    for list_id in ("a", "b"):
        for bullet in lists[list_id]["bullets"]:
            m = _BULLET_RE.match(bullet["text"])
            if not m:
                raise TableError(f"line {bullet['line']}: bullet not understood: {bullet['text']!r}")
            api = m.group("api")
            seen_apis.add(api)
            if api not in overlay:
                raise TableError(f"line {bullet['line']}: {api} is not in the overlay: {bullet['text']!r}")
            ov = overlay[api]
            unknown = set(ov) - _OVERLAY_KEYS
            if unknown:
                raise TableError(f"overlay[{api!r}] has unknown keys {sorted(unknown)}")
            used_args = used.setdefault(api, set())
            resolve(api)
            call_forms = list(ov.get("call_forms", []))
            methods = list(ov.get("methods", []))
            if not call_forms and not methods:
                raise TableError(f"overlay[{api!r}] gives neither call_forms nor methods")
            if len(set(call_forms + methods)) != len(call_forms) + len(methods):
                raise TableError(f"overlay[{api!r}] repeats a call form or method")
            for form in call_forms:
                if "." not in form or not callable(resolve(form)):
                    raise TableError(f"overlay[{api!r}]: call form {form!r} is not a callable")
            for meth in methods:
                if "." in meth or not hasattr(torch_mod.Tensor, meth):
                    raise TableError(f"overlay[{api!r}]: torch.Tensor has no method {meth!r}")
            if api.startswith("torch.Tensor."):
                if api[len("torch.Tensor."):] not in methods:
                    raise TableError(f"overlay[{api!r}]: methods must include the api itself")
            elif api not in call_forms:
                raise TableError(f"overlay[{api!r}]: call_forms must include the api itself")

            facts = parse_wording(m.group("rest"))
            device = facts["device"]
            if "device" in ov:
                if device is not None:
                    raise TableError(f"{api}: the wording gives device {device}; drop overlay device")
                ev = ov.get("device_evidence")
                if not ev:
                    raise TableError(f"overlay[{api!r}].device needs device_evidence")
                has_kernel = torch_mod._C._dispatch_has_kernel_for_dispatch_key
                if not has_kernel(ev["op"], ev["has"]) or has_kernel(ev["op"], ev["lacks"]):
                    raise TableError(f"{api}: dispatcher does not confirm {ev}")
                device = ov["device"]
                used_args.add("device")
            if device is None:
                device = "both"

            form_conditions = ov.get("form_conditions", {})
            for form in form_conditions:
                if form not in call_forms and form not in methods:
                    raise TableError(f"overlay[{api!r}].form_conditions names unknown form {form!r}")
            plain_forms = [f for f in call_forms + methods if f not in form_conditions]

            raws = facts["conditions"]
            if len(raws) > 1:
                raise TableError(f"line {bullet['line']}: cannot represent several conditions {raws}")
            raw = raws[0] if raws else {"kind": "always"}
            condition = _finish_condition(api, raw, ov, plain_forms, used_args)
            check_condition_signature(torch_mod, api, condition)
            overrides = {}
            for form, cond in form_conditions.items():
                if cond["kind"] not in CONDITION_KINDS:
                    raise TableError(f"overlay[{api!r}].form_conditions[{form!r}]: bad kind")
                if "positions" in cond and set(cond["positions"]) != {form}:
                    raise TableError(f"overlay[{api!r}].form_conditions[{form!r}]: positions must name {form}")
                check_condition_signature(torch_mod, api, cond)
                overrides[form] = dict(cond)
            if form_conditions:
                used_args.add("form_conditions")

            ops.append({
                "id": len(ops) + 1,
                "list": list_id,
                "api": api,
                "wording": bullet["text"],
                "line": bullet["line"],
                "end_line": bullet["end_line"],
                "device": device,
                "backward_only": facts["backward_only"],
                "call_forms": call_forms,
                "methods": methods,
                "condition": condition,
                "condition_overrides": overrides,
            })

    stale = sorted(set(overlay) - seen_apis)
    if stale:
        raise TableError(f"the overlay names apis the docstring no longer lists: {stale}")
    for api, ov in overlay.items():
        declared = set(ov.get("args", {}))
        declared |= {k for k in ("indices_output_arg", "device", "form_conditions") if k in ov}
        unused = declared - used.get(api, set())
        if unused:
            raise TableError(f"overlay[{api!r}] has entries no docstring wording uses: {sorted(unused)}")

    return {
        "generated_by": GENERATED_BY,
        "source": {
            "torch_version": torch_mod.__version__,
            "file": doc_info["file"],
            "function": FUNCTION,
            "function_line": doc_info["function_line"],
            "lists": {
                lid: {"header_line": lists[lid]["header_line"], "meaning": LIST_MEANING[lid]}
                for lid in ("a", "b")
            },
        },
        "ops": ops,
    }


def render(table: Dict[str, Any]) -> str:
    return json.dumps(table, sort_keys=True, indent=1) + "\n"


def generate() -> str:
    import torch

    return render(build_table(torch, read_docstring(torch)))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from what would be generated")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"table path (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})")
    args = parser.parse_args(argv)
    try:
        text = generate()
    except TableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                        str(args.output), "generated", n=2)
            sys.stderr.writelines(list(diff)[:80])
            print(f"\n{args.output} is stale: run {GENERATED_BY}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
