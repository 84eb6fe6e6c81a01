"""Per-rule fixes for the single-file rules: SDL101, SDL103, SDL004, SDL201, SDL202, SDL206 (also where a function of another module returns the listing).

Each fixer gets the AST node the rule reported (found again by re-running the rule on the current
source, so the node is exactly the reported one) and schedules a libcst edit on the matching node.
A fixer that cannot apply soundly raises :class:`CannotFix` with the reason shown to the user.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import libcst as cst

from seedlint.knowledge import apis
from seedlint.knowledge.helpers import LIGHTNING_TRAINERS
from seedlint.project.facts import CallSite, literal
from seedlint.fix.edit import CannotFix, FileEditor, append_keyword, has_star_args, is_none
from seedlint.rules.dataloader.sdl206_filesystem_order import LISTING_CALLS, PATH_METHODS

# where `generator` / `worker_init_fn` sit among the positional parameters (torch 2.13 signatures)
GENERATOR_POSITION = apis.GENERATOR_POSITIONS
WORKER_INIT_POSITION = 10
SEED_WORKER = "seedlint.runtime.seed_worker"


@dataclass
class FixContext:
    editor: FileEditor
    seed: int
    inline: bool
    site: Optional[CallSite]  # for a reported call: its resolved name


Fixer = Callable[[FixContext, ast.AST], str]


def _flip_name(ed: FileEditor, node: ast.AST, old: str, new: str) -> None:
    target = ed.cst_for(node, (cst.Name,))
    if not isinstance(target, cst.Name) or target.value != old:
        raise CannotFix(f"the value is not a plain `{old}`")
    ed.edit_node(target, lambda n: n.with_changes(value=new))


def _assign_value(node: ast.AST) -> ast.AST:
    if isinstance(node, ast.Assign):
        if len(node.targets) != 1:
            raise CannotFix("a chained assignment: the value also goes to another target")
        return node.value
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return node.value
    raise CannotFix("not a plain assignment")


def _kwarg(call: ast.Call, name: str) -> ast.AST:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    raise CannotFix(f"no `{name}=` argument to change")


def fix_sdl101(fx: FixContext, node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        _flip_name(fx.editor, _kwarg(node, "benchmark"), "True", "False")
        return "benchmark=True -> benchmark=False"
    if isinstance(node, ast.Constant):  # the default of the parameter the flag is set to
        _flip_name(fx.editor, node, "True", "False")
        return "the parameter defaults to False"
    _flip_name(fx.editor, _assign_value(node), "True", "False")
    return "cudnn.benchmark = False"


def fix_sdl103(fx: FixContext, node: ast.AST) -> str:
    ed = fx.editor
    if not isinstance(node, ast.Call):
        _flip_name(ed, _assign_value(node), "False", "True")
        return "cudnn.deterministic = True"
    name = fx.site.name if fx.site is not None else None
    if name == apis.DETERMINISTIC_CALL:
        arg = fx.site.arg(0, "mode") if fx.site is not None else None
        if arg is None:
            raise CannotFix("the mode argument is not a literal")
        _flip_name(ed, arg, "False", "True")
        return "use_deterministic_algorithms(True)"
    if name == apis.DEBUG_MODE_CALL:
        arg = fx.site.arg(0, "debug_mode") if fx.site is not None else None
        value = literal(arg)
        if value == "default":
            target = ed.cst_for(arg, (cst.SimpleString,))
            assert isinstance(target, cst.SimpleString)
            ed.edit_node(target, lambda n: n.with_changes(value=f"{n.prefix}{n.quote}error{n.quote}"))
        elif value == 0 and not isinstance(value, bool):
            target = ed.cst_for(arg, (cst.Integer,))
            ed.edit_node(target, lambda n: n.with_changes(value="2"))
        else:
            raise CannotFix("the debug mode is not a literal 'default' or 0")
        return "set_deterministic_debug_mode('error')"
    if name in LIGHTNING_TRAINERS:
        _flip_name(ed, _kwarg(node, "deterministic"), "False", "True")
        return "Trainer(deterministic=True)"
    raise CannotFix("not a recognised switch")


def fix_sdl004(fx: FixContext, node: ast.AST) -> str:
    ed, site = fx.editor, fx.site
    if site is not None and (site.name in apis.WEBDATASET_SHUFFLES or site.name is None and site.method == "shuffle"):
        raise CannotFix("webdataset's shuffle takes other keywords in other versions: pass `rng=random.Random(seed)`")
    if not isinstance(node, ast.Call) or site is None or site.name is None:
        raise CannotFix("not a recognised constructor call")
    if has_star_args(node):
        raise CannotFix("the call passes *args or **kwargs")
    call = ed.cst_for(node, (cst.Call,))
    seed = str(fx.seed)
    if site.name == apis.TORCH_GENERATOR:
        ed.edit_node(call, lambda n: cst.Call(func=cst.Attribute(value=n, attr=cst.Name("manual_seed")),
                                              args=[cst.Arg(cst.Integer(seed))]))
        return f"torch.Generator().manual_seed({seed})"
    if site.name not in apis.RNG_CONSTRUCTORS:
        raise CannotFix("not a recognised constructor call")
    pos, kw = apis.RNG_CONSTRUCTORS[site.name]
    given = site.arg(pos, kw)
    short = site.name.rsplit(".", 1)[1]
    if pos == apis.KEYWORD_ONLY and given is None:
        ed.edit_node(call, lambda n: append_keyword(n, kw, cst.Integer(seed)))
        return f"{short}(..., {kw}={seed})"
    if given is not None:
        if not is_none(given):
            raise CannotFix("the seed argument is not None")
        target = ed.cst_for(given, (cst.Name,))
        ed.edit_node(target, lambda n: cst.Integer(seed, lpar=n.lpar, rpar=n.rpar))
        return f"{short}({seed})"
    if node.args:
        raise CannotFix("the seed position is taken")

    def add_first(n: cst.Call) -> cst.Call:
        arg = cst.Arg(cst.Integer(seed))
        if n.args:
            arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return n.with_changes(args=[arg, *n.args])

    ed.edit_node(call, add_first)
    return f"{short}({seed})"


def fix_sdl201(fx: FixContext, node: ast.AST) -> str:
    ed = fx.editor
    if fx.inline:
        raise CannotFix("with --inline nothing may depend on seedlint.runtime, and no dependency-free "
                        "worker_init_fn reseeds the RNG objects a dataset holds")
    if not isinstance(node, ast.Call) or has_star_args(node):
        raise CannotFix("the call passes *args or **kwargs")
    call = ed.cst_for(node, (cst.Call,))
    assert isinstance(call, cst.Call)
    positional = node.args[WORKER_INIT_POSITION] if len(node.args) > WORKER_INIT_POSITION else None
    if positional is not None and not is_none(positional):
        raise CannotFix("worker_init_fn is passed positionally")
    target = ed.cst_for(positional, (cst.Name,)) if positional is not None else None
    name, _ = ed.ensure_import([(SEED_WORKER, "object"), ("seedlint.runtime._worker.seed_worker", "object")],
                               ["seed_worker"], ed.top_index(call), (SEED_WORKER, "object"))
    if target is not None:
        ed.edit_node(target, lambda n: cst.Name(name, lpar=n.lpar, rpar=n.rpar))
    else:
        ed.edit_node(call, lambda n: append_keyword(n, "worker_init_fn", cst.Name(name)))
    return f"worker_init_fn={name}"


def fix_sdl202(fx: FixContext, node: ast.AST) -> str:
    ed, site = fx.editor, fx.site
    if not isinstance(node, ast.Call) or site is None or site.name not in GENERATOR_POSITION:
        raise CannotFix("not a recognised loader, sampler or split")
    if has_star_args(node):
        raise CannotFix("the call passes *args or **kwargs")
    call = ed.cst_for(node, (cst.Call,))
    assert isinstance(call, cst.Call)
    pos = GENERATOR_POSITION[site.name]
    positional = node.args[pos] if len(node.args) > pos else None
    if positional is not None and not is_none(positional):
        raise CannotFix("the generator is passed positionally")
    keyword = next((k.value for k in node.keywords if k.arg == "generator"), None)  # generator=None
    if keyword is not None and not is_none(keyword):
        raise CannotFix("the call passes a generator")
    none = positional if positional is not None else keyword
    target = ed.cst_for(none, (cst.Name,)) if none is not None else None
    torch, _ = ed.ensure_import([("torch", "module")], ["torch"], ed.top_index(call), ("torch", "module"))
    code = f"{torch}.Generator().manual_seed({fx.seed})"
    if target is not None:
        ed.edit_node(target, lambda n: cst.parse_expression(code).with_changes(lpar=n.lpar, rpar=n.rpar))
    else:
        ed.edit_node(call, lambda n: append_keyword(n, "generator", cst.parse_expression(code)))
    return f"generator={code}"


# listings that return a list: `sorted(...)` around them gives a list again, wherever they are used
LIST_LISTINGS = frozenset({"os.listdir", "glob.glob"})


def fix_sdl206(fx: FixContext, node: ast.AST) -> str:
    ed, site = fx.editor, fx.site
    if not isinstance(node, ast.Call) or site is None:
        raise CannotFix("not a recognised directory listing")
    if site.name == "os.scandir":
        raise CannotFix("os.scandir entries do not sort as they are: sort them by `entry.name`")
    if site.name == "os.walk":
        raise CannotFix("sorting os.walk's tuples leaves each directory's names unsorted: sort the list built from it")
    if re.search(r"\bsorted\s*(=|:)|\bdef\s+sorted\b|\bimport\b[^\n]*\bsorted\b", ed.text):
        raise CannotFix("the name `sorted` is bound to something else in this file")
    call = ed.cst_for(node, (cst.Call,))
    helper = site.name not in LISTING_CALLS and site.method not in PATH_METHODS  # (a function returning a list)
    if site.name not in LIST_LISTINGS and not helper:
        # an iterator (Path.glob, glob.iglob): only where a list is made from it anyway
        par = ed.parent(call)
        outer = ed.parent(par) if isinstance(par, cst.Arg) else None
        in_comprehension = isinstance(par, cst.CompFor) and par.iter is call
        in_list = (isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name)
                   and outer.func.value in ("list", "tuple") and len(outer.args) == 1)
        if not (in_comprehension or in_list):
            raise CannotFix("it yields an iterator here: sort the list made from it")
    ed.edit_node(call, lambda n: cst.Call(func=cst.Name("sorted"), args=[cst.Arg(n)]))
    return "sorted(...)"


FILE_FIXERS: Dict[str, Fixer] = {
    "SDL101": fix_sdl101,
    "SDL103": fix_sdl103,
    "SDL004": fix_sdl004,
    "SDL201": fix_sdl201,
    "SDL202": fix_sdl202,
    "SDL206": fix_sdl206,
}
