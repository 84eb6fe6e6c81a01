"""What SDL206 and SDL207 share: a call's resolved name, looked up when a rule first asks for it, what a
dataset class keeps on ``self`` (its order is the data order), and the values kept under a name that says the
positions of its entries become ids (a vocabulary, class names)."""

from __future__ import annotations

import ast
from typing import AbstractSet, Callable, Dict, Iterator, Optional, Set, Tuple

from seedlint.project.facts import FileContext, Scope

# builtins that make a list or tuple of an iterable's items, in the iterable's order
LIST_MAKERS = frozenset({"list", "tuple", "builtins.list", "builtins.tuple"})
# what pairs up iterables in their order
ZIPPERS = frozenset({"zip", "builtins.zip"})
# what sorts an iterable
SORTERS = frozenset({"sorted", "builtins.sorted", "natsort.natsorted", "natsort.os_sorted", "natsort.humansorted"})


def call_name(ctx: FileContext, call: ast.Call, scope: Scope, memo: Dict[int, Optional[str]]) -> Optional[str]:
    """The resolved name of ``call``'s callee (as ``CallSite.name``), memoised by node for one check."""
    key = id(call)
    if key not in memo:
        memo[key] = ctx.resolve(call.func, scope)
    return memo[key]


def stored_on_self(ctx: FileContext, cid: str, cls: ast.ClassDef) -> Iterator[Tuple[str, ast.expr, Scope]]:
    """What the class's methods store on ``self``: ``self.a = v``, ``self.a[k] = v`` (one list per split, as
    pytorch-semseg's loaders keep ``self.files[split]``), ``self.a += v``, ``self.a.extend(v)``."""
    scopes = ctx.analyzer.fn_scopes
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        scope = scopes.get(f"{cid}.{method.name}")
        if scope is None or scope.self_name is None:
            continue
        me = scope.self_name
        for node in ast.walk(method):
            t = type(node)
            if t is ast.Assign or (t is ast.AugAssign and isinstance(node.op, ast.Add)):  # type: ignore[attr-defined]
                targets = node.targets if t is ast.Assign else [node.target]  # type: ignore[attr-defined]
                for tg in targets:
                    if type(tg) is ast.Subscript:
                        tg = tg.value  # type: ignore[attr-defined]
                    if type(tg) is ast.Attribute and type(tg.value) is ast.Name and tg.value.id == me:
                        yield tg.attr, node.value, scope  # type: ignore[attr-defined]
            elif t is ast.Call:
                f = node.func  # type: ignore[attr-defined]
                if (type(f) is ast.Attribute and f.attr == "extend" and node.args  # type: ignore[attr-defined]
                        and type(f.value) is ast.Attribute and type(f.value.value) is ast.Name
                        and f.value.value.id == me):
                    yield f.value.attr, node.args[0], scope  # type: ignore[attr-defined]
            elif t in (ast.For, ast.AsyncFor):
                # `for root, _, names in os.walk(d): ... self.files.append(...)`: the loop's order is kept
                for sub in ast.walk(node):
                    if type(sub) is ast.Call:
                        f = sub.func  # type: ignore[attr-defined]
                        if (type(f) is ast.Attribute and f.attr == "append" and type(f.value) is ast.Attribute
                                and type(f.value.value) is ast.Name and f.value.value.id == me):
                            yield f.value.attr, node.iter, scope  # type: ignore[attr-defined]
                            break


def is_dataset_class(cls: ast.ClassDef) -> bool:
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__getitem__":
            return True
    for base in cls.bases:
        name = base.attr if type(base) is ast.Attribute else base.id if type(base) is ast.Name else ""  # type: ignore[attr-defined]
        if name.endswith("Dataset"):
            return True
    return False


def sorted_attrs(ctx: FileContext, cls: ast.ClassDef, names: Dict[int, Optional[str]]) -> Set[str]:
    """The attributes a method of the class sorts: ``self.attr.sort()``, ``self.attr = sorted(...)`` (also one
    list of it: ``self.attr[split].sort()``)."""
    out: Set[str] = set()
    for node in ast.walk(cls):
        if type(node) is ast.Call:
            f = node.func  # type: ignore[attr-defined]
            if type(f) is ast.Attribute and f.attr == "sort":
                target = f.value.value if type(f.value) is ast.Subscript else f.value  # type: ignore[attr-defined]
                if type(target) is ast.Attribute:
                    out.add(target.attr)  # type: ignore[attr-defined]
        elif type(node) is ast.Assign:
            v = node.value  # type: ignore[attr-defined]
            if type(v) is ast.Call and call_name(ctx, v, ctx.analyzer.module_scope, names) in SORTERS:
                for t in node.targets:  # type: ignore[attr-defined]
                    t = t.value if type(t) is ast.Subscript else t  # type: ignore[attr-defined]
                    if type(t) is ast.Attribute:
                        out.add(t.attr)  # type: ignore[attr-defined]
    return out


def says(name: str, words: AbstractSet[str]) -> bool:
    """Does one word of a ``snake_case`` name, singular or plural, belong to ``words``? (``class_names`` says
    "class", ``all_categories`` "category")"""
    for w in name.lower().replace("-", "_").split("_"):
        if w and (w in words or (w.endswith("s") and w[:-1] in words) or (w.endswith("es") and w[:-2] in words)
                  or (w.endswith("ies") and w[:-3] + "y" in words)):
            return True
    return False


def named_values(ctx: FileContext, hint: Callable[[str], object], named: Callable[[str], bool]
                 ) -> Iterator[Tuple[str, ast.expr, Scope]]:
    """The values given to the local and module names and to the attributes that ``named`` accepts
    (``vocab = ...``, ``self.classes = ...``), with the scope each is in; ``hint`` is a quick test on the
    lower-cased names that lets most scopes be skipped at once."""
    an = ctx.analyzer
    for scope in (an.module_scope, *an.fn_scopes.values()):
        bindings = scope.bindings
        if not bindings or not hint(" ".join(bindings).lower()):
            continue  # one test per scope: most have no such name
        for name, bnd in bindings.items():
            if bnd.kind == "var" and bnd.values and hint(name.lower()) and named(name):
                for v in bnd.values:
                    yield name, v, scope
    for site in ctx.assigns:
        attr = site.target.attr if type(site.target) is ast.Attribute else ""  # type: ignore[attr-defined]
        if attr and hint(attr.lower()) and named(attr):
            yield attr, site.value, site.scope
