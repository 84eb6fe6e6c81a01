from __future__ import annotations

import ast
import re
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.project.facts import LOCAL, FileContext, Scope, _foreign, _returned
from seedlint.rules.dataloader._calls import (LIST_MAKERS, SORTERS, ZIPPERS, call_name, is_dataset_class, named_values,
                                              says, sorted_attrs, stored_on_self)
from seedlint.rules.base import Finding, Invalid, Rule, Valid

# calls that list a directory in the order the filesystem gives
LISTING_CALLS = frozenset({"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob"})
# pathlib.Path methods that do the same (``iterdir`` and ``rglob`` are pathlib's own names)
PATH_METHODS = frozenset({"iterdir", "rglob", "glob"})
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"})
# what puts a sequence in a fixed order
# what shuffles or splits a sequence it is given: which item lands where depends on the sequence's order
SHUFFLERS: Dict[str, str] = {
    "random.shuffle": "random.shuffle", "random.sample": "random.sample", "random.choices": "random.choices",
    "random.choice": "random.choice",
    "numpy.random.shuffle": "np.random.shuffle", "numpy.random.permutation": "np.random.permutation",
    "numpy.random.choice": "np.random.choice",
    "sklearn.model_selection.train_test_split": "train_test_split",
    "torch.utils.data.random_split": "random_split",
}


class FilesystemOrder(Rule):
    """Reports a file listing whose arbitrary order becomes the order of the data.

    ## What it does
    Reports `os.listdir`, `os.scandir`, `os.walk`, `glob.glob` / `glob.iglob` and `pathlib.Path.iterdir` /
    `glob` / `rglob` when what they list, unsorted, becomes data order:

    - a dataset (a class with `__getitem__`, or a base named `...Dataset`) keeps it on `self`
      (`self.files = glob.glob(...)`, also one list per split, `self.files[split] = ...`, and through
      `list(...)`, `zip(...)`, a comprehension, `+`, a local name or a function of the file that returns
      it, or `self.files.append(...)` in a loop over the listing: `for root, _, names in os.walk(d):`),
      so index `i` means whichever file the filesystem listed `i`-th;
    - a list named for what gets an id by its position keeps it (`classes = os.listdir(root)`,
      `self.class_names = ...`, `speakers`, `vocab`, or `all_categories.append(...)` in a loop over the
      listing, as the char-RNN tutorial builds its labels), so class `i` is whichever directory came
      `i`-th; or
    - it is shuffled, sampled or split (`random.shuffle(files)`, `random.choice(files)`,
      `train_test_split(files)`, `np.random.permutation(files)`, `rng.shuffle(files)`), so which file
      lands in which split or position depends on the listing's order.

    Not reported: a listing wrapped in `sorted(...)` (or natsort's `natsorted`), or sorted in place
    (`self.files.sort()` anywhere in the class, `files.sort()` in the same function), and any other
    use of a listing (a loop that processes every file, a count, a membership test), where the order
    does not reach the data.

    ## Why is this bad?
    The order of a directory listing is not defined: it depends on the filesystem, on how the
    directory was created and copied, and on the platform. The same seed then gives different
    batches, splits or samples on another machine or on a fresh copy of the data, so a run cannot be
    repeated elsewhere.

    ## Example
    ```python
    class Images(Dataset):
        def __init__(self, root):
            self.files = glob.glob(os.path.join(root, "*.png"))
    ```

    ## Use instead
    ```python
    class Images(Dataset):
        def __init__(self, root):
            self.files = sorted(glob.glob(os.path.join(root, "*.png")))
    ```

    A function of another module that returns such a listing as a list (pytorch-semseg's
    `recursive_glob`, a comprehension over `os.walk`) is reported where a dataset keeps what it returns.

    ## Fix safety
    The fix wraps the listing in `sorted(...)` (and a call of a function that returns one:
    `sorted(recursive_glob(...))`): `os.listdir` and `glob.glob` anywhere, a
    `Path.iterdir` / `glob` / `rglob` or `glob.iglob` only where a list is made from it (`list(...)`,
    a comprehension), since `sorted` returns a list where they return an iterator. It is unsafe:
    each index (and each seeded split) gets another file than before. Not fixed: `os.scandir`,
    whose entries do not sort as they are, `os.walk` (sorting its tuples leaves each directory's
    names unsorted: sort the list built from it), and a file that binds the name `sorted` itself.

    ## References
    - Python docs, `os.listdir`: "The list is in arbitrary order"; `os.scandir`: "The entries are
      yielded in arbitrary order"; `glob.glob`: "Whether or not the results are sorted depends on the
      file system"; `pathlib.Path.iterdir`: "The children are yielded in arbitrary order"; `os.walk` uses
      `os.scandir` (since Python 3.5), and the names it yields come in that order.
      https://docs.python.org/3/library/os.html#os.listdir,
      https://docs.python.org/3/library/glob.html#glob.glob,
      https://docs.python.org/3/library/pathlib.html#pathlib.Path.iterdir
    """

    code = "SDL206"
    name = "filesystem-order"
    message = "file listing in filesystem order becomes the data order"
    fix = FixSafety.UNSAFE
    scope = "file+program"
    VALID = [
        "import glob\nfrom torch.utils.data import Dataset\nclass Images(Dataset):\n"
        "    def __init__(self, root):\n        self.files = sorted(glob.glob(root + '/*.png'))\n"
        "    def __getitem__(self, i):\n        return self.files[i]\n",
        # another module's function that sorts what it lists
        Valid({"utils.py": "import os\ndef recursive_glob(d):\n    return sorted(os.path.join(r, f) for r, _, fs in "
                            "os.walk(d) for f in fs)\n",
               "loader.py": "from torch.utils import data\nfrom utils import recursive_glob\n"
                            "class Walk(data.Dataset):\n    def __init__(self, root):\n"
                            "        self.files = recursive_glob(root)\n    def __getitem__(self, i):\n"
                            "        return self.files[i]\n"}, path="loader.py"),
        # class names sorted in place; a list of files named after labels (processed one by one)
        Valid("import os\ndef build(root):\n    classes = os.listdir(root)\n    classes.sort()\n"
              "    label_files = os.listdir(root + '/labels')\n    return classes, label_files\n"),
        # one list per split, sorted in place
        Valid("import os\nfrom torch.utils.data import Dataset\nclass Splits(Dataset):\n"
              "    def __init__(self, root):\n        self.files = {}\n        for s in ('train', 'val'):\n"
              "            self.files[s] = os.listdir(os.path.join(root, s))\n            self.files[s].sort()\n"),
        # sorted in place, elsewhere in the class
        "import os\nclass Audio:\n    def __init__(self, root):\n"
        "        self.clips = [os.path.join(root, f) for f in os.listdir(root)]\n        self._index()\n"
        "    def _index(self):\n        self.clips.sort()\n    def __getitem__(self, i):\n        return self.clips[i]\n",
        # a listing that does not become data order: every file processed, a count, a class that is no dataset
        "import os\nfor f in os.listdir('.'):\n    print(f)\nn = len(os.listdir('.'))\n",
        "import glob\nclass Cache:\n    def __init__(self):\n        self.files = glob.glob('*.tmp')\n",
        Valid("import random\nfrom pathlib import Path\ndef split(root):\n    files = sorted(Path(root).rglob('*.wav'))\n"
              "    random.shuffle(files)\n    return files\n"),
        Valid("import random, os\ndef split(root):\n    files = os.listdir(root)\n    files.sort()\n"
              "    random.shuffle(files)\n    return files\n"),
    ]
    INVALID = [
        Invalid("import glob, os\nfrom torch.utils.data import Dataset\nclass Images(Dataset):\n"
                "    def __init__(self, root):\n        self.files = glob.glob(os.path.join(root, '*.png'))\n",
                expected=((5, 22),),
                fixed="import glob, os\nfrom torch.utils.data import Dataset\nclass Images(Dataset):\n"
                      "    def __init__(self, root):\n        self.files = sorted(glob.glob(os.path.join(root, '*.png')))\n"),
        # the listing in a comprehension's second clause (one listing per extension)
        Invalid("from pathlib import Path\nclass Images:\n    def __init__(self, folder, exts=('jpg', 'png')):\n"
                "        self.paths = [p for ext in exts for p in Path(folder).glob(f'**/*.{ext}')]\n"
                "    def __getitem__(self, i):\n        return self.paths[i]\n",
                expected=((4, 50),)),
        # through a comprehension, a local name and a concatenation
        Invalid("import glob, os\nclass Pairs:\n    def __init__(self, root):\n"
                "        names = [f for f in os.listdir(root) if f.endswith('.jpg')]\n"
                "        self.items = names + glob.glob(root + '/extra/*.jpg')\n"
                "    def __getitem__(self, i):\n        return self.items[i]\n",
                expected=((4, 29), (5, 30)),
                fixed="import glob, os\nclass Pairs:\n    def __init__(self, root):\n"
                      "        names = [f for f in sorted(os.listdir(root)) if f.endswith('.jpg')]\n"
                      "        self.items = names + sorted(glob.glob(root + '/extra/*.jpg'))\n"
                      "    def __getitem__(self, i):\n        return self.items[i]\n"),
        # class names by position: a list named for ids, and one a loop appends to (the char-RNN tutorial)
        Invalid("import os\ndef build(root):\n    classes = [d for d in os.listdir(root) if os.path.isdir(d)]\n"
                "    return {c: i for i, c in enumerate(classes)}\n", expected=((3, 27),)),
        Invalid("import glob, os, random\nall_categories = []\nfor f in glob.glob('data/names/*.txt'):\n"
                "    all_categories.append(os.path.basename(f))\nprint(random.choice(glob.glob('data/*.txt')))\n",
                expected=((3, 10), (5, 21))),
        # one list per split, from a function of the file (pytorch-semseg's loaders), and a zip of a listing
        Invalid("import glob, os\nfrom torch.utils import data\ndef recursive_glob(rootdir='.', suffix=''):\n"
                "    return [f for f in glob.glob(rootdir + '/**', recursive=True) if f.endswith(suffix)]\n"
                "class Cityscapes(data.Dataset):\n    def __init__(self, root, split='train'):\n"
                "        self.split, self.files = split, {}\n"
                "        self.files[split] = recursive_glob(rootdir=os.path.join(root, split), suffix='.png')\n"
                "    def __getitem__(self, i):\n        return self.files[self.split][i]\n",
                expected=((4, 24),)),
        Invalid("import os\nfrom torch.utils.data import Dataset\nclass Pairs(Dataset):\n"
                "    def __init__(self, root):\n        self.data = []\n        files = os.listdir(root)\n"
                "        self.data += list(zip(files, [0] * len(files)))\n", expected=((6, 17),),
                fixed="import os\nfrom torch.utils.data import Dataset\nclass Pairs(Dataset):\n"
                      "    def __init__(self, root):\n        self.data = []\n        files = sorted(os.listdir(root))\n"
                      "        self.data += list(zip(files, [0] * len(files)))\n"),
        # ... and from another module's function (pytorch-semseg's ptsemseg/utils.py): reported where the dataset keeps it
        Invalid({"utils.py": "import os\ndef recursive_glob(rootdir='.', suffix=''):\n"
                             "    return [os.path.join(r, f) for r, _, fs in os.walk(rootdir) for f in fs]\n",
                 "loader.py": "from torch.utils import data\nfrom utils import recursive_glob\n"
                              "class Walk(data.Dataset):\n    def __init__(self, root, split):\n"
                              "        self.split, self.files = split, {}\n"
                              "        self.files[split] = recursive_glob(root, '.png')\n    def __getitem__(self, i):\n"
                              "        return self.files[self.split][i]\n"}, path="loader.py", expected=((6, 29),)),
        # added class by class, in a loop
        Invalid("import glob\nclass Pets:\n    def __init__(self, root):\n        self.samples = []\n"
                "        for label, d in enumerate(['cats', 'dogs']):\n"
                "            self.samples += [(p, label) for p in glob.glob(f'{root}/{d}/*.jpg')]\n"
                "    def __getitem__(self, i):\n        return self.samples[i]\n", expected=((6, 50),)),
        Invalid("from pathlib import Path\nfrom torch.utils.data import Dataset\nclass Clips(Dataset):\n"
                "    def __init__(self, root):\n        self.paths = list(Path(root).rglob('*.wav'))\n",
                expected=((5, 27),),
                fixed="from pathlib import Path\nfrom torch.utils.data import Dataset\nclass Clips(Dataset):\n"
                      "    def __init__(self, root):\n        self.paths = list(sorted(Path(root).rglob('*.wav')))\n"),
        Invalid("import random, glob\ndef split(root):\n    files = glob.glob(root + '/*.txt')\n"
                "    random.shuffle(files)\n    return files[:100], files[100:]\n", expected=((3, 13),),
                fixed="import random, glob\ndef split(root):\n    files = sorted(glob.glob(root + '/*.txt'))\n"
                      "    random.shuffle(files)\n    return files[:100], files[100:]\n"),
        # aliased imports; a NumPy Generator's shuffle
        Invalid("from glob import glob as g\nimport numpy as np\ndef split(root):\n    files = g(root + '/*.txt')\n"
                "    np.random.default_rng(0).shuffle(files)\n    return files\n", expected=((4, 13),)),
        Invalid("import os\nfrom sklearn.model_selection import train_test_split\n"
                "train, val = train_test_split(os.listdir('data'), test_size=0.1, random_state=0)\n",
                expected=((3, 31),)),
    ]

    def check_project(self, ctx) -> Iterator[Diagnostic]:
        """A dataset that keeps what another module's function returns, when that is an unsorted listing
        (``self.files[split] = recursive_glob(...)`` with ``recursive_glob`` in ``utils.py``)."""
        from seedlint.project.analysis import Site, diag

        project = ctx.project
        for path, facts in project.facts.items():
            for kept in facts.get("dsl", ()):
                hit = project.resolve(path, kept["t"])
                if not hit or hit[0] != "func":
                    continue
                mod, lid = hit[1]
                what = project.facts[mod].get("lst", {}).get(lid)
                if what is not None:
                    short = kept["t"].rsplit(".", 1)[-1]
                    yield diag(Site(path, kept["l"], kept["c"], short), self.code,
                               f"`{short}` returns what `{what}` lists, in arbitrary, filesystem-dependent order, and "
                               f"`{kept['cls']}.{kept['a']}` keeps it as the dataset's order: the same seed gives "
                               f"other data on another machine or copy; sort what it returns", self.fix)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        names, methods = ctx.called()
        if names.isdisjoint(LISTING_CALLS) and methods.isdisjoint(PATH_METHODS):
            return  # nothing is listed: the common case, decided in one pass
        names: Dict[int, Optional[str]] = {}
        in_place = _sorted_in_place(ctx)
        done: Set[int] = set()

        def report(value: ast.expr, scope: Scope, how: str) -> Iterator[Finding]:
            for call, what in _listings(ctx, value, scope, names, in_place, 0):
                if id(call) not in done:
                    done.add(id(call))
                    yield Finding(call, f"`{what}` lists files in arbitrary, filesystem-dependent order, and {how}: "
                                        "the same seed gives other data on another machine or copy; "
                                        + _REMEDY.get(what, "wrap it in `sorted(...)`"),
                                  fix=FixSafety.NONE if what in _REMEDY else None)

        for cid, cls in ctx.analyzer.classes.items():
            if not is_dataset_class(cls):
                continue
            ordered = sorted_attrs(ctx, cls, names)
            for attr, value, scope in stored_on_self(ctx, cid, cls):
                if attr not in ordered:
                    yield from report(value, scope, f"`{cls.name}.{attr}` keeps it as the dataset's order")
        # a list whose positions become ids (`classes = os.listdir(root)`, then `{c: i for i, c in enumerate(classes)}`;
        # the char-RNN tutorial's `all_categories.append(...)` in a loop over `glob.glob`)
        an = ctx.analyzer
        for name, value, scope in named_values(ctx, _ID_HINT, _names_ids):
            if (id(scope), name) not in in_place:  # (`classes.sort()` in the same scope)
                yield from report(value, scope, f"`{name}` numbers its entries in that order (an id per position)")
        if any(c.method == "append" and type(c.node.func.value) is ast.Name  # type: ignore[attr-defined]
               and _names_ids(c.node.func.value.id) for c in ctx.calls):  # type: ignore[attr-defined]
            for node in ast.walk(ctx.tree):
                if type(node) is ast.For:
                    target = _appended_to(node)  # type: ignore[arg-type]
                    if target is not None and _names_ids(target) and (id(an.module_scope), target) not in in_place:
                        yield from report(node.iter, an.module_scope,  # type: ignore[attr-defined]
                                          f"`{target}` numbers what it adds in that order (an id per position)")
        for c in ctx.calls:
            shuffler = SHUFFLERS.get(c.name or "")
            if shuffler is None and c.name is None and c.method in ("shuffle", "permutation", "choice"):
                shuffler = f".{c.method}"
            if shuffler is not None and c.node.args:
                yield from report(c.node.args[0], c.scope, f"`{shuffler}` draws from that order")


# words of a name for a list whose positions become ids: class names, categories, speakers, a vocabulary (singular;
# `says` takes plurals too); and of one that holds files or numbers instead
_ID_WORDS = frozenset({"class", "classname", "category", "speaker", "vocab", "vocabulary", "symbol", "itos",
                       "idx2label", "id2label", "idx2class", "id2class"})
_NOT_ID_WORDS = frozenset({"file", "path", "dir", "count", "weight"})


# a quick test before _names_ids splits a name into words
_ID_HINT = re.compile("class|categor|speaker|vocab|symbol|itos|2label").search


def _names_ids(name: str) -> bool:
    """Does a name say its list gives each entry an id by position (``classes``, ``all_categories``,
    ``class_names``, ``speakers``)? A list of files (``label_files``) does not."""
    return says(name, _ID_WORDS) and not says(name, _NOT_ID_WORDS)


def _appended_to(loop: ast.For) -> Optional[str]:
    """The name a loop appends to (``for f in glob.glob(...): all_categories.append(...)``), if one."""
    for stmt in loop.body:
        value = stmt.value if type(stmt) is ast.Expr else None  # type: ignore[attr-defined]
        if (type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr == "append"  # type: ignore[attr-defined]
                and type(value.func.value) is ast.Name):  # type: ignore[attr-defined]
            return value.func.value.id  # type: ignore[attr-defined]
    return None


# what to do where `sorted(...)` around the listing is not the answer
_REMEDY = {"os.walk": "sort the list built from it (`sorted(os.walk(...))` orders only the directories)",
           "os.scandir": "sort the entries by `entry.name`"}


def _listings(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]],
              in_place: Set[Tuple[int, str]], depth: int,
              others: Optional[List[Tuple[ast.Call, str]]] = None) -> Iterator[Tuple[ast.Call, str]]:
    """The unsorted directory listings whose order ``expr`` keeps, with how each is spelled; ``others`` gets the
    calls of other modules' functions whose result it keeps (``listing_facts``)."""
    if depth > 4:
        return
    t = type(expr)
    if t is ast.Call:
        name = call_name(ctx, expr, scope, names)  # type: ignore[arg-type]
        if name in SORTERS:
            return
        if name in LISTING_CALLS:
            yield expr, name  # type: ignore[misc]
            return
        func = expr.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute and func.attr in PATH_METHODS and _path_like(ctx, func.value, scope, names):
            yield expr, f"Path.{func.attr}"  # type: ignore[misc]
            return
        if name in LIST_MAKERS and len(expr.args) == 1:  # type: ignore[attr-defined]
            yield from _listings(ctx, expr.args[0], scope, names, in_place, depth + 1, others)  # type: ignore[attr-defined]
        elif name in ZIPPERS:
            for arg in expr.args:  # type: ignore[attr-defined]
                yield from _listings(ctx, arg, scope, names, in_place, depth + 1, others)
        elif name is not None and name.startswith(LOCAL):
            # a function of this file that returns a listing (pytorch-deeplab-xception's `recursive_glob`)
            lid = name[len(LOCAL):]
            fn, fn_scope = ctx.analyzer.functions.get(lid), ctx.analyzer.fn_scopes.get(lid)
            if fn is not None and fn_scope is not None:
                for ret in _returned(fn):
                    yield from _listings(ctx, ret, fn_scope, names, in_place, depth + 1, others)
        elif others is not None and name is not None and not name.startswith("<") and not _foreign(name):
            # `utils.recursive_glob(...)`: maybe a listing, which the project step decides
            others.append((expr, name))  # type: ignore[arg-type]
    elif t in (ast.ListComp, ast.GeneratorExp):
        # every clause: `[p for ext in exts for p in Path(root).glob(f"*.{ext}")]` keeps the inner listing's order
        for gen in expr.generators:  # type: ignore[attr-defined]
            yield from _listings(ctx, gen.iter, scope, names, in_place, depth + 1, others)
    elif t is ast.BinOp and isinstance(expr.op, ast.Add):  # type: ignore[attr-defined]
        for side in (expr.left, expr.right):  # type: ignore[attr-defined]
            yield from _listings(ctx, side, scope, names, in_place, depth + 1, others)
    elif t is ast.Name:
        if (id(scope), expr.id) in in_place:  # type: ignore[attr-defined]
            return
        for v in ctx.values_of(expr, scope)[1:]:
            if type(v) is not ast.Name:
                yield from _listings(ctx, v, scope, names, in_place, depth + 1, others)


def listing_facts(ctx: FileContext) -> Tuple[Dict[str, str], List[Dict[str, Any]]]:
    """What the project step needs for a listing that another module's function returns (pytorch-semseg's
    loaders keep ``ptsemseg.utils.recursive_glob(...)``): the module-level functions of the file that return
    an unsorted listing (local id -> how it is spelled), and the calls of other modules' functions whose
    result a dataset class of the file keeps on ``self`` (``{"a": attr, "cls": class, "t": qualified name,
    "l", "c"}``; the column is the parser's, converted with the events')."""
    names: Dict[int, Optional[str]] = {}
    in_place = _sorted_in_place(ctx)
    returned: Dict[str, str] = {}
    called, methods = ctx.called()
    if not (called.isdisjoint(LISTING_CALLS) and methods.isdisjoint(PATH_METHODS)):
        an = ctx.analyzer
        for lid, fn in an.functions.items():
            scope = an.fn_scopes.get(lid)
            if "." in lid or scope is None:
                continue  # (module-level functions: what another module can import)
            hit = next((h for ret in _returned(fn) if _list_shaped(ctx, ret, scope, names)
                        for h in _listings(ctx, ret, scope, names, in_place, 0)), None)
            if hit is not None:
                returned[lid] = hit[1]
    kept: List[Dict[str, Any]] = []
    for cid, cls in ctx.analyzer.classes.items():
        if not is_dataset_class(cls):
            continue
        ordered = sorted_attrs(ctx, cls, names)
        for attr, value, scope in stored_on_self(ctx, cid, cls):
            if attr in ordered:
                continue
            others: List[Tuple[ast.Call, str]] = []
            for _ in _listings(ctx, value, scope, names, in_place, 0, others):
                pass
            for call, name in others:
                kept.append({"a": attr, "cls": cls.name, "t": name, "l": call.lineno, "c": call.col_offset})
    return returned, kept


def _list_shaped(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]]) -> bool:
    """Is a returned value a list of what was listed (a comprehension, ``list(...)``, ``os.listdir`` /
    ``glob.glob``, a concatenation, a local name given one)? Then ``sorted(helper(...))`` is the same list,
    sorted; a raw ``os.walk`` / ``os.scandir`` / iterator is not reported through the function that returns it."""
    t = type(expr)
    if t is ast.ListComp:
        return True
    if t is ast.Call:
        return call_name(ctx, expr, scope, names) in (*LIST_MAKERS, "os.listdir", "glob.glob")  # type: ignore[arg-type]
    if t is ast.BinOp and isinstance(expr.op, ast.Add):  # type: ignore[attr-defined]
        return _list_shaped(ctx, expr.left, scope, names)  # type: ignore[attr-defined]
    if t is ast.Name:
        values = ctx.values_of(expr, scope)[1:]
        return bool(values) and all(type(v) is not ast.Name and _list_shaped(ctx, v, scope, names) for v in values)
    return False


def _sorted_in_place(ctx: FileContext) -> Set[Tuple[int, str]]:
    """Names sorted in place (`files.sort()`), with the scope that sorts them."""
    return {(id(c.scope), c.node.func.value.id) for c in ctx.calls  # type: ignore[attr-defined]
            if c.method == "sort" and type(c.node.func.value) is ast.Name}  # type: ignore[attr-defined]


def _path_like(ctx: FileContext, expr: ast.expr, scope: Scope, names: Dict[int, Optional[str]]) -> bool:
    """Is ``expr`` a ``pathlib.Path``: a call to it, ``Path(a) / b``, or a local name given one?"""
    for v in ctx.values_of(expr, scope):
        while type(v) is ast.BinOp and isinstance(v.op, ast.Div):  # type: ignore[attr-defined]
            v = v.left  # type: ignore[attr-defined]
        if type(v) is ast.Call and call_name(ctx, v, scope, names) in PATH_TYPES:  # type: ignore[arg-type]
            return True
    return False
