from __future__ import annotations

import ast
import re
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from seedlint.project.facts import FileContext, Scope
from seedlint.rules.dataloader._calls import (LIST_MAKERS, call_name, is_dataset_class, named_values, says,
                                              sorted_attrs, stored_on_self)
from seedlint.rules.base import Finding, Invalid, Rule, Valid

# what turns an iterable into an ordered sequence, in the iterable's order
ORDERERS = LIST_MAKERS | {"numpy.array", "numpy.asarray", "numpy.fromiter", "torch.tensor"}
ENUMERATE = frozenset({"enumerate", "builtins.enumerate"})
# words of a name for what gets ids or positions: a vocabulary, an alphabet, labels, classes
INDEX_WORDS = frozenset({"vocab", "vocabulary", "char", "character", "token", "word", "label", "class",
                         "classname", "symbol", "itos", "idx2word", "id2label", "idx2label", "category",
                         "alphabet", "letter", "phone", "phoneme", "speaker"})
SETS = frozenset({"set", "frozenset", "builtins.set", "builtins.frozenset"})
# str methods that return a str
STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title", "replace", "read",
                         "decode", "join", "format", "removeprefix", "removesuffix", "capitalize", "normalize"})
# methods and calls that return a list of str
STR_LIST_METHODS = frozenset({"split", "rsplit", "splitlines", "readlines", "findall"})
STR_LIST_CALLS = frozenset({"os.listdir", "glob.glob", "str.split"})
STR_CALLS = frozenset({"str", "builtins.str", "repr", "builtins.repr"})
# pathlib attributes that are strings (a file's stem and suffix)
STR_ATTRS = frozenset({"stem", "suffix"})


class HashOrder(Rule):
    """Reports an order taken from a set of strings.

    ## What it does
    Reports a `set` (or `frozenset`) of strings whose iteration order becomes ids or positions:
    numbered by `enumerate(...)` (`{w: i for i, w in enumerate(set(words))}`), or turned into a list
    (`list(...)`, `tuple(...)`, `np.array(...)`, `torch.tensor(...)`, a list comprehension over it)
    that is stored under a name for what gets ids: a vocabulary, characters, tokens, words, labels,
    classes, symbols, categories, speakers (`chars = list(set(text))`, `self.classes = [...]`), or on
    `self` in a dataset class (one with `__getitem__` or a `...Dataset` base), whose list is the order the
    samples come in. A set turned into a list for anything else (a list of devices, of ops to register)
    is not reported: its order rarely reaches the numbers.
    Only sets whose elements are visibly strings are reported: the characters of a string (text read
    from a file, a string method's result), the words of `.split()` / `.splitlines()` /
    `.readlines()`, file names from `os.listdir` / `glob.glob`, string literals, f-strings, `str(...)`,
    string methods and a path's `.stem` / `.suffix` in a comprehension, also through local names and `|`,
    `&`, `-`, `^` (and those operators on the keys of a dict with string keys: `a.keys() & b.keys()` is a
    set). A set of
    numbers keeps one order from run to run and is not reported, nor is a set of unknown elements.

    ## Why is this bad?
    Python salts the hash of every `str` and `bytes` with a random value chosen when the interpreter
    starts, so the iteration order of a set of strings changes from run to run. A vocabulary or a
    label map built from it gives the same token or class another index each run: embedding rows,
    output units and everything seeded downstream line up differently, and two runs with the same
    seed differ. Setting `PYTHONHASHSEED` inside the script does not help (SDL006).

    ## Example
    ```python
    chars = list(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ```

    ## Use instead
    ```python
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ```

    ## Fix safety
    No fix: the order to use (sorted, first seen, by frequency) is the user's choice.

    ## References
    - Research notes (torch-determinism.md), "Seeding": iteration order of a `set`/`frozenset` of str/bytes
      changes between runs without `PYTHONHASHSEED` (checked: three runs, three orders); ints hash
      deterministically.
    - Python docs, `object.__hash__` and `PYTHONHASHSEED`:
      https://docs.python.org/3/reference/datamodel.html#object.__hash__
    """

    code = "SDL207"
    name = "hash-order"
    message = "order taken from a set of strings changes between runs"
    VALID = [
        "chars = sorted(set(open('input.txt').read()))\nstoi = {c: i for i, c in enumerate(chars)}\n",
        # numbers, unknown elements, order-free uses
        "ids = list(set([3, 1, 2]))\nlabels = list(set(df['label']))\n",
        "words = open('a.txt').read().split()\nn = len(set(words))\nseen = 'the' in set(words)\n"
        "for w in set(words):\n    print(w)\n",
        Valid("import glob\ndef unique(root):\n    return sorted({p.lower() for p in glob.glob(root + '/*')})\n"),
        # a dataset that sorts what it keeps, or keeps numbers; a dict's keys in insertion order
        Valid("from pathlib import Path\nclass Pairs:\n    def __init__(self, d):\n"
              "        txt = {p.stem: p for p in Path(d).glob('*.txt')}\n"
              "        self.keys = sorted(txt.keys() & {'a', 'b'})\n        self.ids = list({3, 1, 2})\n"
              "        self.names = list(txt.keys())\n    def __getitem__(self, i):\n        return self.keys[i]\n"),
        # not a name for ids; a difference keeps its left side's (unknown) items
        "extra = {'x'}\nkeys = list({'a', 'b'} | extra)\nlabels = list(set(device_map.values()) - {'disk'})\n",
    ]
    INVALID = [
        # a dataset's samples: the file stems both folders have (train-CLIP), and a set of stems
        Invalid("from pathlib import Path\nfrom torch.utils.data import Dataset\nclass Pairs(Dataset):\n"
                "    def __init__(self, d):\n        txt = {p.stem: p for p in sorted(Path(d).glob('*.txt'))}\n"
                "        img = {p.stem: p for p in sorted(Path(d).glob('*.png'))}\n"
                "        self.keys = list(img.keys() & txt.keys())\n"
                "    def __getitem__(self, i):\n        return self.keys[i]\n", expected=((7, 26),)),
        Invalid("from pathlib import Path\nclass Clips:\n    def __init__(self, d):\n"
                "        self.items = [s for s in {p.stem for p in Path(d).glob('*.wav')}]\n"
                "    def __getitem__(self, i):\n        return self.items[i]\n", expected=((4, 34),)),
        Invalid("data = open('input.txt', 'r').read()\nchars = list(set(data))\n", expected=((2, 14),)),
        Invalid("def vocab(lines):\n    words = set()\n    for line in lines:\n        words |= set(line.lower().split())\n"
                "    return {w: i for i, w in enumerate(set(w.strip() for w in words))}\n", expected=((5, 40),)),
        Invalid("import numpy as np\nimport os as o\nclasses = np.array(list({f.split('_')[0] for f in o.listdir('d')}))\n",
                expected=((3, 25),)),
        Invalid("text = 'a b c'\nlabels = [f'<{t}>' for t in frozenset(text.split()) | {'<pad>'}]\n", expected=((2, 29),)),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        calls = ctx.calls
        names, methods = ctx.called()
        if not ctx.analyzer.makes_sets and names.isdisjoint(SETS) and "keys" not in methods:
            return  # no set is made in this file (nor a dict's keys, for `a.keys() & b.keys()`): the common case
        enumerates = [c for c in calls if c.name in ENUMERATE and c.node.args]
        # a vocabulary, label or class list taken from a set of strings: a local or module name, or an attribute
        an = ctx.analyzer
        stored: List[Tuple[str, ast.expr, Scope]] = list(named_values(ctx, _INDEX_HINT, _names_an_index))
        names: Dict[int, Optional[str]] = {}  # resolved call names, as they are looked up
        # a dataset's sample list: its order is the data order, whatever it is called
        in_dataset: Set[int] = set()
        for cid, cls in an.classes.items():
            if is_dataset_class(cls):
                ordered = sorted_attrs(ctx, cls, names)
                for attr, v, scope in stored_on_self(ctx, cid, cls):
                    if attr not in ordered:
                        stored.append((f"{cls.name}.{attr}", v, scope))
                        in_dataset.add(id(v))
        if not enumerates and not stored:
            return  # the common case: nothing is numbered, no name holds ids
        found: Dict[int, Finding] = {}  # by the set's node: one finding per set
        # enumerate(a set of strings): the position is the id
        for c in enumerates:
            hit = _str_set(ctx, c.node.args[0], c.scope, names, 0)
            if hit is not None:
                found.setdefault(id(hit), Finding(hit, _message("enumerate")))
        for target, value, scope in stored:
            dataset = id(value) in in_dataset
            how = ""
            for _ in range(4):
                if type(value) is ast.Call and value.args and call_name(ctx, value, scope, names) in ORDERERS:  # type: ignore[attr-defined,arg-type]
                    how = how or (names[id(value)] or "")
                    value = value.args[0]  # type: ignore[attr-defined]
                elif type(value) is ast.ListComp:
                    how = how or "a list comprehension"
                    value = value.generators[0].iter  # type: ignore[attr-defined]
                else:
                    break
            if not how:
                continue
            hit = _str_set(ctx, value, scope, names, 0)
            if hit is not None:
                found.setdefault(id(hit), Finding(hit, _message(how, target, dataset)))
        yield from found.values()


# a quick test before _names_an_index splits a name into words
_INDEX_HINT = re.compile("vocab|char|token|word|label|class|symbol|itos|2word|2label|categor|alphabet|letter|phone|"
                         "speaker").search


def _names_an_index(name: str) -> bool:
    """Does a name say it holds what ids or positions are given to (``vocab``, ``chars``, ``class_names``)?"""
    return says(name, INDEX_WORDS)


def _message(how: str, target: Optional[str] = None, dataset: bool = False) -> str:
    how = how.replace("builtins.", "").replace("numpy.", "np.")
    if dataset:
        return (f"a set of strings iterates in an order that changes every run (str hashes are salted per "
                f"process), and `{target}` keeps that order as the dataset's order: the samples come in another "
                "order each run; use `sorted(...)`")
    kept = f"`{target}` keeps that order" if target else f"`{how}` numbers the items in that order"
    return (f"a set of strings iterates in an order that changes every run (str hashes are salted per "
            f"process), and {kept}: the ids or positions built from it differ between runs; use `sorted(...)`")


def _str_set(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]],
             depth: int) -> Optional[ast.expr]:
    """``expr`` itself (or the set it is bound to) when it is a set whose elements are visibly strings."""
    if depth > 4:
        return None
    t = type(expr)
    if t is ast.Call:
        name = call_name(ctx, expr, scope, names)
        if name in SETS and len(expr.args) == 1 and _str_items(ctx, expr.args[0], scope, names, 0):  # type: ignore[attr-defined]
            return expr
        return None
    if t is ast.SetComp:
        if _is_str(ctx, expr.elt, scope, names, 0):  # type: ignore[attr-defined]
            return expr
        return None
    if t is ast.Set:
        if expr.elts and all(_is_str(ctx, e, scope, names, 0) for e in expr.elts):  # type: ignore[attr-defined]
            return expr
        return None
    if t is ast.BinOp and isinstance(expr.op, (ast.BitOr, ast.BitAnd, ast.Sub, ast.BitXor)):  # type: ignore[attr-defined]
        # a difference keeps the left side's items; a union, intersection or symmetric difference either's
        sides = (expr.left,) if isinstance(expr.op, ast.Sub) else (expr.left, expr.right)  # type: ignore[attr-defined]
        for side in sides:
            if _str_set(ctx, side, scope, names, depth + 1) is not None or _str_keys(ctx, side, scope, names):
                return expr
        return None
    if t is ast.Name:
        for v in ctx.values_of(expr, scope)[1:]:
            if type(v) is not ast.Name and _str_set(ctx, v, scope, names, depth + 1) is not None:
                return expr
    return None


def _str_keys(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]]) -> bool:
    """``d.keys()`` of a dict whose keys are visibly strings (``{p.stem: p for p in files}``): a set
    operation on it (``a.keys() & b.keys()``) makes a set of strings."""
    if type(expr) is not ast.Call or expr.args or type(expr.func) is not ast.Attribute:  # type: ignore[attr-defined]
        return False
    if expr.func.attr != "keys" or type(expr.func.value) is not ast.Name:  # type: ignore[attr-defined]
        return False
    for v in ctx.values_of(expr.func.value, scope)[1:]:  # type: ignore[attr-defined]
        if type(v) is ast.DictComp and _is_str(ctx, v.key, scope, names, 1):  # type: ignore[attr-defined]
            return True
        if type(v) is ast.Dict and v.keys and all(  # type: ignore[attr-defined]
                k is not None and _is_str(ctx, k, scope, names, 1) for k in v.keys):  # type: ignore[attr-defined]
            return True
    return False


def _str_items(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]],
               depth: int) -> bool:
    """Are the items of the iterable ``expr`` visibly strings?"""
    if depth > 4:
        return False
    t = type(expr)
    if _is_str(ctx, expr, scope, names, depth):  # the characters of a string
        return True
    if t is ast.Call:
        return _call_of(ctx, expr, scope, names, STR_LIST_METHODS, STR_LIST_CALLS)  # type: ignore[arg-type]
    if t in (ast.ListComp, ast.GeneratorExp, ast.SetComp):
        return _is_str(ctx, expr.elt, scope, names, depth + 1)  # type: ignore[attr-defined]
    if t in (ast.List, ast.Tuple):
        return bool(expr.elts) and all(_is_str(ctx, e, scope, names, depth + 1) for e in expr.elts)  # type: ignore[attr-defined]
    if t is ast.Name:
        return any(type(v) is not ast.Name and _str_items(ctx, v, scope, names, depth + 1)
                   for v in ctx.values_of(expr, scope)[1:])
    return False


def _call_of(ctx: FileContext, call: ast.Call, scope: Scope, names: Dict[int, Optional[str]],
             methods: FrozenSet[str], functions: FrozenSet[str]) -> bool:
    """Is ``call`` a method named in ``methods`` (on any object) or a call of one of ``functions``?"""
    f = call.func
    if type(f) is ast.Attribute and f.attr in methods:  # type: ignore[attr-defined]
        return True
    return call_name(ctx, call, scope, names) in functions


def _is_str(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]], depth: int) -> bool:
    """Is ``expr`` visibly a string?"""
    t = type(expr)
    if t is ast.Constant:
        return type(expr.value) in (str, bytes)  # type: ignore[attr-defined]
    if t is ast.JoinedStr:
        return True
    if t is ast.Call:
        return _call_of(ctx, expr, scope, names, STR_METHODS, STR_CALLS)  # type: ignore[arg-type]
    if t is ast.Attribute:
        return expr.attr in STR_ATTRS  # type: ignore[attr-defined]
    if t is ast.Subscript:
        v = expr.value  # type: ignore[attr-defined]
        # x.split(...)[0]: an item of a list of strings
        return type(v) is ast.Call and type(v.func) is ast.Attribute and v.func.attr in STR_LIST_METHODS
    if t is ast.Name and depth < 4:
        return any(type(v) is not ast.Name and _is_str(ctx, v, scope, names, depth + 1)
                   for v in ctx.values_of(expr, scope)[1:])
    return False
