"""The nondeterministic-op table: generated from torch's docstring, checked three ways.

(a) the committed JSON equals what scripts/gen_nondeterministic_ops.py derives from the
    installed torch 2.13 (and the script fails loudly on what it does not understand);
(b) it agrees with the researcher's independent table in ../shared/research;
(c) its structure is what seedlint.knowledge.ops and the rules rely on.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seedlint.knowledge import ops as ops_mod

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "gen_nondeterministic_ops.py"
TABLE = REPO / "seedlint" / "knowledge" / "nondeterministic_ops.json"
RESEARCH = Path(__file__).resolve().parents[2] / "shared" / "research" / "nondeterministic_ops.json"
TARGET_TORCH = "2.13.0"

KIND_KEYS = {
    "always": {"kind"},
    "not_visible": {"kind", "reason"},
    "kwarg_equals": {"kind", "name", "value", "positions", "default"},
    "kwarg_in": {"kind", "name", "values", "positions", "default"},
    "kwarg_given": {"kind", "name", "positions"},
    "arg_is_tensor": {"kind", "name", "positions"},
    "arg_makes_tensor": {"kind", "name", "positions", "overloads", "reason"},
    "input_not_2d": {"kind", "name", "positions", "reason"},
}


def _table_text() -> str:
    return TABLE.read_text(encoding="utf-8")


def _table() -> dict:
    return json.loads(_table_text())


def _torch():
    try:
        import torch
    except ImportError:
        pytest.skip("torch is not installed: the table cannot be regenerated here")
    if torch.__version__.split("+")[0] != TARGET_TORCH:
        pytest.skip(f"the committed table is generated from torch {TARGET_TORCH}; installed {torch.__version__}")
    return torch


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_nondeterministic_ops", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def torch_doc(gen):
    torch = _torch()
    return torch, gen.read_docstring(torch)


# ---------------------------------------------------------------- (a) generation


def test_committed_table_is_what_the_script_generates(gen, torch_doc):
    torch, doc = torch_doc
    text = gen.render(gen.build_table(torch, doc))
    committed = _table()
    if torch.__version__ == committed["source"]["torch_version"]:
        assert text == _table_text(), "stale table: run python scripts/gen_nondeterministic_ops.py"
    else:  # same release, another build (e.g. +cu128): same docstring, other local tag
        generated = json.loads(text)
        generated["source"]["torch_version"] = committed["source"]["torch_version"]
        assert generated == committed, "stale table: run python scripts/gen_nondeterministic_ops.py"


def test_script_writes_and_checks(tmp_path):
    _torch()
    out = tmp_path / "ops.json"
    run = [sys.executable, str(SCRIPT), "--output", str(out)]
    assert subprocess.run(run, capture_output=True, text=True).returncode == 0
    assert json.loads(out.read_text())["ops"] == _table()["ops"]
    ok = subprocess.run(run + ["--check"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    out.write_text(out.read_text().replace("when called on CUDA tensor", "when called on XPU tensor", 1))
    stale = subprocess.run(run + ["--check"], capture_output=True, text=True)
    assert stale.returncode == 1
    assert "stale" in stale.stderr
    missing = subprocess.run(run[:-1] + [str(tmp_path / "absent.json"), "--check"], capture_output=True, text=True)
    assert missing.returncode == 1


def test_source_lines_point_at_the_bullets(gen, torch_doc):
    torch, doc = torch_doc
    import inspect

    lines = Path(inspect.getsourcefile(torch.use_deterministic_algorithms)).read_text().splitlines()
    table = _table()
    assert lines[table["source"]["function_line"] - 1].lstrip().startswith("def use_deterministic_algorithms(")
    for op in table["ops"]:
        first = lines[op["line"] - 1].strip()
        assert first.startswith("* ") and op["api"] in first, op["id"]
        joined = " ".join(l.strip() for l in lines[op["line"] - 1 : op["end_line"]] if l.strip())
        assert joined[2:] == op["wording"], op["id"]


def _with_line(doc, after_line, text):
    lines = list(doc["lines"])
    idx = next(i for i, (n, _) in enumerate(lines) if n == after_line)
    lines.insert(idx + 1, (after_line, text))
    return dict(doc, lines=lines)


def _replace_line(doc, line, text):
    return dict(doc, lines=[(n, text if n == line else t) for n, t in doc["lines"]])


def test_unknown_docstring_entry_fails_loudly(gen, torch_doc):
    torch, doc = torch_doc
    extra = _with_line(doc, 1409, "        * :func:`torch.kthvalue` when called on a CUDA tensor")
    with pytest.raises(gen.TableError, match="torch.kthvalue is not in the overlay"):
        gen.build_table(torch, extra)


def test_unknown_wording_fails_loudly(gen, torch_doc):
    torch, doc = torch_doc
    odd = _replace_line(doc, 1465, "        * :func:`torch.histc` when called on a CUDA tensor with bins > 10")
    with pytest.raises(gen.TableError, match="wording not understood"):
        gen.build_table(torch, odd)
    two = _replace_line(doc, 1465, "        * :func:`torch.histc` when ``bins=3`` and dtype is half")
    with pytest.raises(gen.TableError, match="several conditions"):
        gen.build_table(torch, two)
    stray = _replace_line(doc, 1465, "        torch.histc when called on a CUDA tensor")
    with pytest.raises(gen.TableError, match="unexpected text in list"):
        gen.build_table(torch, stray)


def test_stale_overlay_fails_loudly(gen, torch_doc):
    torch, doc = torch_doc
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay["torch.kthvalue"] = {"call_forms": ["torch.kthvalue"], "methods": ["kthvalue"]}
    with pytest.raises(gen.TableError, match=r"no longer lists: \['torch.kthvalue'\]"):
        gen.build_table(torch, doc, overlay)
    without_histc = dict(doc, lines=[(n, t) for n, t in doc["lines"] if n != 1465])
    with pytest.raises(gen.TableError, match="torch.histc"):
        gen.build_table(torch, without_histc)
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay["torch.histc"]["args"] = {"bins": {"positions": {"torch.histc": 1, "histc": 0}}}
    with pytest.raises(gen.TableError, match="no docstring wording uses"):
        gen.build_table(torch, doc, overlay)


@pytest.mark.parametrize(
    "api, arg, form, value, message",
    [
        ("torch.Tensor.index_put", "accumulate", "torch.index_put", 2, "at 3, overlay says 2"),  # ATen schema
        ("torch.Tensor.index_put", "accumulate", "index_put_", 3, "at 2, overlay says 3"),  # method: no self
        ("torch.nn.EmbeddingBag", "mode", "torch.nn.functional.embedding_bag", 5, "at 6, overlay says 5"),
        ("torch.nn.functional.interpolate", "mode", "torch.nn.Upsample", 3, "at 2, overlay says 3"),
    ],
)
def test_overlay_positions_are_checked_against_signatures(gen, torch_doc, api, arg, form, value, message):
    torch, doc = torch_doc
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay[api]["args"][arg]["positions"][form] = value
    with pytest.raises(gen.TableError, match=re.escape(message)):
        gen.build_table(torch, doc, overlay)


def test_overlay_defaults_and_coverage_are_checked(gen, torch_doc):
    torch, doc = torch_doc
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay["torch.nn.functional.interpolate"]["args"]["mode"]["default"] = "bilinear"
    with pytest.raises(gen.TableError, match="default of 'mode' is 'nearest'"):
        gen.build_table(torch, doc, overlay)
    overlay = copy.deepcopy(gen.OVERLAY)
    del overlay["torch.bincount"]["args"]["weights"]["positions"]["bincount"]
    with pytest.raises(gen.TableError, match="positions covers"):
        gen.build_table(torch, doc, overlay)
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay["torch.histc"]["methods"] = ["histc", "no_such_method"]
    with pytest.raises(gen.TableError, match="no method 'no_such_method'"):
        gen.build_table(torch, doc, overlay)
    overlay = copy.deepcopy(gen.OVERLAY)
    overlay["torch.Tensor.resize_"]["device_evidence"]["lacks"] = "QuantizedCPU"
    with pytest.raises(gen.TableError, match="dispatcher does not confirm"):
        gen.build_table(torch, doc, overlay)


# ---------------------------------------------------------------- (b) researcher's table


@pytest.fixture(scope="module")
def research():
    if not RESEARCH.is_file():
        pytest.skip(f"researcher's reference table not found at {RESEARCH}")
    return json.loads(RESEARCH.read_text(encoding="utf-8"))


def test_agrees_with_research_table(research):
    ours = _table()
    ref = research["entries"]
    mine = ours["ops"]
    assert len(mine) == len(ref) == 48
    assert [(e["name"], e["category"]) for e in ref] == [(o["api"], o["list"]) for o in mine]
    counts = {lid: sum(o["list"] == lid for o in mine) for lid in "ab"}
    assert counts == {"a": 23, "b": 25}
    assert counts["a"] == research["counts"]["a_deterministic_when_enabled"]
    assert counts["b"] == research["counts"]["b_raise_when_enabled"]
    assert ours["source"]["function_line"] == research["source"]["function_line"]
    assert ours["source"]["lists"]["a"]["header_line"] == research["source"]["list_a_header_line"]
    assert ours["source"]["lists"]["b"]["header_line"] == research["source"]["list_b_header_line"]
    assert ours["source"]["torch_version"] == research["source"]["version"]
    for e, o in zip(ref, mine):
        path, _, span = e["docstring_location"].partition(":")
        first, _, last = span.partition("-")
        assert path == ours["source"]["file"]
        assert (o["line"], o["end_line"]) == (int(first), int(last or first)), e["id"]
        assert o["device"] == e["device"].split()[0], e["id"]
        assert o["backward_only"] == e["backward_only"], e["id"]
        assert e["docstring_wording"] == "* " + o["wording"], e["id"]


def test_research_call_forms_are_covered(research):
    """Every plain dotted call form the researcher found is a call form or method of ours."""
    for e, o in zip(research["entries"], _table()["ops"]):
        for form in e["call_forms"]:
            if not re.fullmatch(r"[\w.]+", form):
                continue  # descriptive, e.g. "torch.nn.functional.pad(mode='reflect') on 4-D input"
            if form.startswith("torch.Tensor."):
                assert form[len("torch.Tensor."):] in o["methods"], (e["id"], form)
            else:
                assert form in o["call_forms"], (e["id"], form)


# ---------------------------------------------------------------- (c) structure and loader


def test_structure():
    table = _table()
    assert table["generated_by"] == "scripts/gen_nondeterministic_ops.py"
    assert (REPO / table["generated_by"]).is_file()
    assert _table_text() == json.dumps(table, sort_keys=True, indent=1) + "\n"
    ops = table["ops"]
    assert [o["id"] for o in ops] == list(range(1, len(ops) + 1))
    for o in ops:
        assert o["list"] in ("a", "b")
        assert o["device"] in ("CPU", "CUDA", "both")
        assert isinstance(o["backward_only"], bool)
        assert o["line"] <= o["end_line"]
        assert o["call_forms"] or o["methods"], o["id"]
        forms = o["call_forms"] + o["methods"]
        assert len(set(forms)) == len(forms)
        assert all(f.startswith("torch.") for f in o["call_forms"])
        assert all(re.fullmatch(r"\w+", m) for m in o["methods"])
        assert set(o["condition_overrides"]) <= set(forms)
        conditions = [(o["condition"], [f for f in forms if f not in o["condition_overrides"]])]
        conditions += [(c, [f]) for f, c in o["condition_overrides"].items()]
        for cond, applies_to in conditions:
            assert cond["kind"] in KIND_KEYS, (o["id"], cond)
            assert set(cond) == KIND_KEYS[cond["kind"]], (o["id"], cond)
            if "positions" in cond and applies_to:  # (a default no form is left to: the wording's, recorded)
                assert sorted(cond["positions"]) == sorted(applies_to), o["id"]
                assert all(p is None or (isinstance(p, int) and p >= 0) for p in cond["positions"].values())
            if cond["kind"] == "kwarg_in":
                assert len(cond["values"]) >= 1
    lines = [o["line"] for o in ops]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    header = table["source"]["lists"]
    assert all(o["line"] > header[o["list"]]["header_line"] for o in ops)


def test_loader_lookups():
    ops = ops_mod.load_ops()
    assert ops is ops_mod.load_ops()  # cached
    assert ops == _table()["ops"]
    by_form = ops_mod.ops_by_call_form()
    pads = by_form["torch.nn.functional.pad"]
    assert [o["api"] for o in pads] == [f"torch.nn.{k}Pad{n}d" for k in ("Replication", "Reflection") for n in (1, 2, 3)]
    assert {ops_mod.condition_for(o, "torch.nn.functional.pad")["values"][0] for o in pads} == {"replicate", "reflect"}
    assert ops_mod.condition_for(pads[0], "torch.nn.ReplicationPad1d") == {"kind": "always"}
    assert [o["list"] for o in by_form["torch.nn.Conv2d"]] == ["a"]
    by_method = ops_mod.ops_by_method()
    puts = by_method["put_"]
    assert [(o["list"], o["condition"]["value"]) for o in puts] == [("a", True), ("b", False), ("b", True)]
    assert ops_mod.arg_position(puts[0]["condition"], "put_") == 2
    assert ops_mod.arg_position(puts[0]["condition"], "torch.put") == 3
    assert ops_mod.arg_position({"kind": "always"}, "torch.put") is None
    interp = by_form["torch.nn.UpsamplingBilinear2d"][0]
    assert ops_mod.condition_for(interp, "torch.nn.UpsamplingBilinear2d") == {"kind": "always"}
    assert ops_mod.condition_for(interp, "torch.nn.Upsample")["default"] == "nearest"
    assert ops_mod.torch_version().startswith(TARGET_TORCH)


def test_loader_imports_neither_torch_nor_numpy():
    code = (
        "import sys; from seedlint.knowledge import ops; "
        "ops.load_ops(); ops.ops_by_call_form(); ops.ops_by_method(); "
        "bad = {'torch', 'numpy'} & set(sys.modules); assert not bad, bad"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_table_is_package_data(tmp_path):
    """The loader finds the table next to it, so a copied package still works."""
    pkg = tmp_path / "seedlint"
    shutil.copytree(REPO / "seedlint" / "knowledge", pkg / "knowledge")
    (pkg / "__init__.py").write_text("")
    code = "from seedlint.knowledge import ops; print(len(ops.load_ops()))"
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(len(_table()["ops"]))


def test_repeat_interleave_reaches_index_select_only_with_tensor_repeats():
    """The table's condition on `repeats` (scripts/gen_nondeterministic_ops.py): with an int the op expands
    (its backward is a sum); only a tensor of counts goes through index_select, whose backward is index_add,
    the nondeterministic CUDA kernel. The int overload has no kernel but the composite one, so this graph is
    the one CUDA builds too."""
    import torch

    has_kernel = torch._C._dispatch_has_kernel_for_dispatch_key
    assert has_kernel("aten::repeat_interleave.self_int", "CompositeImplicitAutograd")
    assert not has_kernel("aten::repeat_interleave.self_int", "CUDA")

    def graph(y):
        seen, todo = set(), [y.grad_fn]
        while todo:
            fn = todo.pop()
            if fn is not None and type(fn).__name__ not in seen:
                seen.add(type(fn).__name__)
                todo.extend(f for f, _ in fn.next_functions)
        return seen

    x = torch.randn(3, 4, requires_grad=True)
    assert not any("IndexSelect" in n for n in graph(x.repeat_interleave(2, dim=1)))
    assert not any("IndexSelect" in n for n in graph(torch.repeat_interleave(x, 3)))
    assert "IndexSelectBackward0" in graph(x.repeat_interleave(torch.tensor([1, 2, 3]), dim=0))
