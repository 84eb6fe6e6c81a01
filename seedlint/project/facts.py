"""One pass over one file's syntax tree: resolve names through imports, collect what the rules need.

The pass produces two things:

* ``FileContext`` (in memory only): the tree plus resolved call / assignment sites, which the
  single-file rules read;
* ``facts`` (plain JSON-able dicts, cached by content hash): imports, functions and the ordered
  *events* in each (RNG draws, seeding, determinism switches, CUDA use, calls to other functions),
  which the project-level step joins across files.

Names are resolved through imports and aliases, never matched as text: ``import torch as th``,
``from torch.backends import cudnn`` and ``from numpy import random as npr`` all resolve; a local
``def interpolate`` shadows an imported one; attribute calls on objects of unknown type resolve to
``None`` (and rules decide what, if anything, a bare method name means).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

from seedlint.knowledge import apis, op_match
from seedlint.knowledge.helpers import (HELPERS_BY_NAME, HF_TRAINERS, LIGHTNING_CLI, LIGHTNING_FABRICS,
                                       LIGHTNING_TRAINERS, METHOD_HELPERS)

_BUILTINS = frozenset(dir(builtins))
RNG_OBJECTS = frozenset({*apis.RNG_CONSTRUCTORS, apis.TORCH_GENERATOR, "numpy.random.Generator"})
LOCAL = "<local>."
STAR = "<star>."  # a name that may come from `from module import *` (Project._resolve looks it up)
# module names a star import brings along from a module that imports them, taken for those modules
_STAR_MODULES = {"torch": "torch", "np": "numpy", "numpy": "numpy", "random": "random"}
# calls that libraries make at import time to define things, not to run a job
_DEFINING_CALLS = frozenset({
    "logging.getLogger", "typing.TypeVar", "typing.NewType", "typing.ParamSpec", "collections.namedtuple",
    "typing.NamedTuple", "functools.partial", "re.compile", "os.getenv", "os.environ.get", "dataclasses.field",
    "builtins.frozenset", "builtins.set", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.object",
    "builtins.property", "builtins.staticmethod", "builtins.classmethod", "builtins.getattr", "builtins.int",
    "builtins.str", "builtins.float", "builtins.bool", "builtins.len", "builtins.range", "builtins.sorted",
    "enum.Enum", "enum.auto", "contextvars.ContextVar", "threading.Lock", "threading.local", "threading.RLock",
    "pathlib.Path", "importlib.import_module", "warnings.warn", "builtins.type", "builtins.super",
    "warnings.filterwarnings", "warnings.simplefilter",
})
_DEFINING_PREFIXES = ("os.path.", "typing.", "collections.", "<local>.", "builtins.")


class Binding:
    """What a name is bound to in a scope (one per name and scope; many per file, hence slots)."""

    __slots__ = ("kind", "target", "values", "param", "writes")

    def __init__(self, kind: str, target: Optional[str] = None, values: Optional[List[ast.expr]] = None) -> None:
        self.kind = kind  # "import" | "def" | "class" | "var" | "param"
        self.target = target  # import: qualified name; def/class: local id
        # var: assigned expressions; param: its annotation, if it has one
        self.values: List[ast.expr] = values if values is not None else []
        self.param = False  # var: a parameter the function reassigns
        self.writes = 0  # var: how many statements bind it (with a value or not: a loop target, `+=`)


@dataclass
class Scope:
    kind: str  # "module" | "function" | "class"
    local_id: str  # "<module>", "main", "Net.__init__", "Net"
    bindings: Dict[str, Binding] = field(default_factory=dict)
    class_id: Optional[str] = None  # for methods: the enclosing class's local id
    self_name: Optional[str] = None  # for methods: name of the first parameter
    # once the scope is entered (its enclosing scopes known, its bindings complete): name -> how it resolves
    bases: Optional[Dict[str, Any]] = field(default=None, repr=False, compare=False)
    fact_id: Optional[str] = field(default=None, repr=False, compare=False)  # the enclosing function's id
    # a class scope: is it model code (_is_model_class), worked out for its first method
    model: Optional[bool] = field(default=None, repr=False, compare=False)


class CallSite:
    """One call in the file, as the single-file rules see it (one per call: slots)."""

    __slots__ = ("node", "name", "method", "scope", "guards", "conditional")

    def __init__(self, node: ast.Call, name: Optional[str], method: Optional[str], scope: Scope,
                 guards: Tuple[str, ...], conditional: bool) -> None:
        self.node = node
        self.name = name  # resolved, canonical qualified name (or "<local>.f")
        self.method = method  # attribute name when the callee is ``<expr>.method``
        self.scope = scope
        self.guards = guards  # names tested by enclosing ``if``s (``args.seed is not None`` -> "seed")
        self.conditional = conditional  # inside if / for / while / try / match

    def kwarg(self, name: str) -> Optional[ast.expr]:
        for kw in self.node.keywords:
            if kw.arg == name:
                return kw.value
        return None

    def arg(self, pos: int, name: Optional[str] = None) -> Optional[ast.expr]:
        if name is not None:
            v = self.kwarg(name)
            if v is not None:
                return v
        if pos is not None and pos < len(self.node.args):
            a = self.node.args[pos]
            if isinstance(a, ast.Starred):
                return None
            # a starred argument before pos makes positions unknowable
            if any(isinstance(x, ast.Starred) for x in self.node.args[:pos]):
                return None
            return a
        return None

    def has_star_kwargs(self) -> bool:
        return any(kw.arg is None for kw in self.node.keywords)


@dataclass
class AssignSite:
    node: ast.AST  # the Assign / AnnAssign / AugAssign statement
    target: ast.expr
    name: Optional[str]  # resolved qualified name of an attribute target (``torch.backends.cudnn.benchmark``)
    value: ast.expr
    scope: Scope
    tests: Tuple[ast.expr, ...] = ()  # the tests of the `if` statements it is under (either branch)


@dataclass
class FileContext:
    """What single-file rules see."""

    path: str
    source: str
    tree: ast.Module
    calls: List[CallSite]
    assigns: List[AssignSite]
    env_writes: List[Tuple[ast.AST, str]]  # (node, how) for PYTHONHASHSEED writes
    functions: Dict[str, ast.AST]  # local id -> FunctionDef
    imports_torch: bool
    analyzer: "Analyzer"

    _called: Optional[Tuple[FrozenSet[Optional[str]], FrozenSet[Optional[str]]]] = field(default=None, repr=False)

    def called(self) -> Tuple[FrozenSet[Optional[str]], FrozenSet[Optional[str]]]:
        """The names and the method names of every call in the file, worked out once: rules that look only
        at files calling some function test these first."""
        if self._called is None:
            calls = self.calls
            self._called = (frozenset([c.name for c in calls]), frozenset([c.method for c in calls]))
        return self._called

    def resolve(self, expr: ast.AST, scope: Scope) -> Optional[str]:
        return self.analyzer.resolve(expr, scope)

    def values_of(self, expr: ast.expr, scope: Scope, depth: int = 0) -> List[ast.expr]:
        """The expression plus, for a local name, the expressions assigned to it (transitively)."""
        return self.analyzer.values_of(expr, scope, depth)


def literal(node: Optional[ast.AST]) -> Any:
    """The value of a literal (``True``, ``3``, ``"cuda"``, ``-1``); ``...`` when not a literal."""
    if node is None:
        return ...
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        v = node.operand.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v
    return ...


def _tests_on_cuda(test: ast.expr) -> bool:
    """Does an ``if`` test ask whether something is already on CUDA (``x.device.type == "cuda"``,
    ``t.is_cuda``)? Then its body picks nothing: it runs on CUDA only when the program already does."""
    if type(test) is ast.BoolOp and isinstance(test.op, ast.And):  # type: ignore[attr-defined]
        return any(_tests_on_cuda(v) for v in test.values)  # type: ignore[attr-defined]
    if type(test) is ast.Attribute:
        return test.attr == "is_cuda"  # type: ignore[attr-defined]
    if type(test) is ast.Compare and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):  # type: ignore[attr-defined]
        left, right = test.left, test.comparators[0]  # type: ignore[attr-defined]
        for a, b in ((left, right), (right, left)):
            if type(a) is ast.Attribute and a.attr == "type" and literal(b) == "cuda":  # type: ignore[attr-defined]
                return True
    return False


def _guard_names(test: ast.expr) -> Tuple[str, ...]:
    """Names a test checks for None-ness or truthiness: ``args.seed is not None`` -> ("seed",). A name the test
    also finds false when it is 0 comes a second time, marked: ``if args.seed:``, ``args.seed != 0``,
    ``args.seed > 0`` -> ("seed", "0:seed") (SDL008: a guard on a setting whose default is 0)."""
    out: List[str] = []

    def name_of(e: ast.expr) -> Optional[str]:
        if isinstance(e, ast.Attribute):
            return e.attr
        if isinstance(e, ast.Name):
            return e.id
        if isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Constant) and isinstance(e.slice.value, str):
            return e.slice.value
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "get" and e.args:
            a = e.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                return a.value
        return None

    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for v in test.values:
            out.extend(_guard_names(v))
    elif isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        value = literal(right)
        if isinstance(op, (ast.IsNot, ast.NotEq)) and isinstance(right, ast.Constant) and right.value is None:
            n = name_of(test.left)
            if n:
                out.append(n)
        elif isinstance(op, ast.NotEq) and type(value) is int and value == 0:
            n = name_of(test.left)
            if n:
                out.extend((n, ZERO_OFF + n))
        elif isinstance(op, (ast.GtE, ast.Gt)):
            n = name_of(test.left)
            if n:
                out.append(n)
                if type(value) in (int, float) and (value > 0 or value == 0 and isinstance(op, ast.Gt)):
                    out.append(ZERO_OFF + n)
    else:
        n = name_of(test)
        if n:
            out.extend((n, ZERO_OFF + n))
    return tuple(out)


ZERO_OFF = "0:"  # (see _guard_names)


# modules whose functions are never the project's own seeding helpers (the known helpers are looked up first)
_FOREIGN_ROOTS = apis.STDLIB | frozenset({
    "torch", "numpy", "scipy", "pandas", "sklearn", "matplotlib", "PIL", "cv2", "tqdm", "yaml", "transformers",
    "lightning", "pytorch_lightning", "accelerate", "torchvision", "torchaudio", "timm", "wandb",
    "tensorboard", "omegaconf", "hydra", "einops", "jax", "tensorflow", "builtins",
})
# not `datasets`: training projects often have a `datasets` package of their own (DETR's build_dataset, DeiT's
# datasets.py); a call into it is kept, and the project level tells it from Hugging Face's library


def _foreign(name: Optional[str]) -> bool:
    """A name of torch, numpy, the standard library or another library no project function is passed to."""
    return name is None or name.split(".", 1)[0] in _FOREIGN_ROOTS


def _keep_call(name: str) -> bool:
    """Is a call to ``name`` worth a fact? Project functions and the libraries' seeding helpers / switches are;
    calls into torch, numpy or the standard library that are none of those are not."""
    if name in HELPERS_BY_NAME or name in LIGHTNING_TRAINERS or name in LIGHTNING_CLI:
        return True
    return not _foreign(name)


def _may_seed(name: Optional[str]) -> bool:
    """Could a call to ``name`` be a seeding call whose argument matters (SDL005 through helpers)?"""
    if name is None:
        return False
    if name in HELPERS_BY_NAME or name in apis.SEED_ARG_CALLS:
        return True
    return name.split(".", 1)[0].lstrip(".") not in _FOREIGN_ROOTS


def _global_draw(name: str) -> Optional[str]:
    """"random" / "numpy" when ``name`` is a draw from python's or numpy's global (legacy) RNG."""
    mod, _, leaf = name.rpartition(".")
    if mod == "random" and leaf in apis.PY_RANDOM_FUNCS:
        return "random"
    if mod == "numpy.random" and leaf in apis.NP_LEGACY_FUNCS:
        return "numpy"
    return None


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` (breadth first, same order) without the nodes that hold nothing the callers look for:
    constants, operators and contexts; names are kept."""
    todo = deque([node])
    pop, push = todo.popleft, todo.append
    keep = _WALKED
    fields = _CHILD_FIELDS
    while todo:
        node = pop()
        yield node
        for name in fields[type(node)]:
            value = getattr(node, name)
            if type(value) is list:
                for item in value:
                    if type(item) in keep:
                        push(item)
            elif type(value) in keep:
                push(value)


def _names_in(expr: ast.expr) -> List[str]:
    """Identifiers an expression reads: ``args.seed + rank`` -> ["args", "rank", "seed"]."""
    out: Set[str] = set()
    for node in _walk(expr):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(
                node.slice.value, str):
            out.add(node.slice.value)
    return sorted(out)


def _attrs_of(name: str, tests: Sequence[ast.expr]) -> Set[str]:
    """The attributes of ``name`` that these tests read: ``args.seed is not None`` -> {"seed"} for "args"."""
    return {node.attr for test in tests for node in _walk(test)
            if type(node) is ast.Attribute and type(node.value) is ast.Name and node.value.id == name}  # type: ignore


def _is_main_guard(test: ast.expr) -> bool:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left, test.comparators[0]]
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return bool(names and consts)
    return False


class Analyzer:
    """Walks one module. Construct, then call :meth:`run`."""

    def __init__(self, tree: ast.Module, path: str, source: str) -> None:
        self.tree = tree
        self.path = path
        self.source = source
        self.module_scope = Scope("module", "<module>")
        self.module_scope.bases = {}  # its bindings are collected before anything is resolved
        self.scope = self.module_scope
        self.scope_stack: List[Scope] = [self.module_scope]
        self.calls: List[CallSite] = []
        self.assigns: List[AssignSite] = []
        self.env_writes: List[Tuple[ast.AST, str]] = []
        self.functions: Dict[str, ast.AST] = {}
        self.fn_scopes: Dict[str, Scope] = {}  # local id -> the function's scope (its bindings complete)
        # id(binding) of `a` in `a, b = f()` -> (the call, a's place in the targets or None, how many targets)
        self.unpacked: Dict[int, List[Tuple[ast.Call, Optional[int], int]]] = {}
        self.classes: Dict[str, ast.ClassDef] = {}
        self.guards: List[Tuple[str, ...]] = []
        self.if_tests: List[ast.expr] = []  # the tests of the enclosing `if` statements (either branch)
        self.cond_depth = 0
        self.in_main_guard = False
        self.cuda_known = 0  # inside `if x.type == "cuda":` / `if t.is_cuda:` (a device already chosen)
        # inside `if dims == 3:` on a parameter named for a dimensionality: the values compared with
        self.dims_branch: List[int] = []
        self._use_depth: Dict[int, int] = {}  # id of a "use" event -> the depth of conditions it is under
        # calls of the file's own functions and methods: (caller's fact id, callee's local id, under `with no_grad`)
        self._local_calls: List[Tuple[str, str, bool]] = []
        self._no_grad_fns: Set[str] = set()  # functions decorated with torch.no_grad() / inference_mode()
        self._factories: Set[str] = set()  # functions with a function defined in them (see visit_FunctionDef)
        self._defaults_of: Optional[str] = None  # set while a function's default values are visited
        self._deferred_cuda: List[Tuple[ast.AST, Dict[str, Any]]] = []
        self._main_lines: Optional[Tuple[int, int]] = None  # the lines of the `if __name__ == "__main__":` block
        self._cuda_events = 0  # how many "cuda" events so far (visit_Assign: did the value pick CUDA?)
        self._devices: List[Tuple[str, int, str]] = []  # (function, line, name) of `name = <a CUDA device>`
        self.no_grad = 0  # inside `with torch.no_grad():` (or inference_mode, set_grad_enabled(False))
        self.fn_no_grad = False  # in a function decorated with one of those, or a decoding method (_decoding_method)
        self.in_model = False  # in a method of a class with a `forward` method or a `...Module` base (or below)
        self._values_only: Set[int] = set()  # ids of calls whose result is only indexed `[0]` / `.values`
        self._port_draws: Set[int] = set()  # ids of calls whose result is a network port (see _port_target)
        self.makes_sets = False  # a set literal or set comprehension anywhere in the file
        self._call_evs: Dict[int, Dict[str, Any]] = {}  # id(call node) -> its "call" event (for _note_transforms)
        self.trains = False  # a call that looks like training (apis.is_training_call), anywhere in the file
        self.kernel_evidence = False  # a layer or call of apis.KERNEL_EVIDENCE, anywhere in the file
        self.imports: List[Dict[str, Any]] = []
        self.imports_torch = False
        self.star_imports = False  # a module-level `from m import *` of a module that may be the project's
        self.has_main_guard = False
        self.top_level_code = False  # a top-level statement does work (a call beyond defining names, a loop)
        self.top_level_work = False  # ... and one that is not an assignment does (see analysis.build_programs)
        self._entropy_memo: Dict[int, Optional[str]] = {}
        self.class_rngs: Dict[str, str] = {}  # class local id -> "Cls.attr" of an RNG object it stores
        # (class local id, attr) -> what its methods assign to ``self.attr`` (None: a value not followed)
        self.self_attrs: Dict[Tuple[str, str], List[Tuple[Optional[ast.expr], Scope]]] = {}
        self._loader_events: List[Tuple[Dict[str, Any], CallSite]] = []
        # facts: function id -> {"events": [...], ...}
        self.func_facts: Dict[str, Dict[str, Any]] = {
            "<module>": {"events": [], "line": 1, "params": [], "class": None},
            "<main>": {"events": [], "line": 1, "params": [], "class": None},
        }

    # ------------------------------------------------------------------ scopes and names
    def _collect_bindings(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        """Bind the names a block defines (not descending into nested defs), in order."""
        binding = _BIND_KINDS
        for stmt in body:
            if type(stmt) in binding:  # most statements (expressions, returns ...): nothing to bind
                self._bind_stmt(stmt, scope)

    def _bind_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        kind = _BIND_KINDS.get(type(stmt))
        if kind is None:  # most statements (expressions, returns ...): nothing to bind
            return
        b = scope.bindings
        if kind == 0:  # Assign
            value = stmt.value  # type: ignore[attr-defined]
            for target in stmt.targets:  # type: ignore[attr-defined]
                self._bind_target(target, value, scope)
        elif kind == 1:  # If, While
            self._collect_bindings(stmt.body, scope)  # type: ignore[attr-defined]
            self._collect_bindings(stmt.orelse, scope)  # type: ignore[attr-defined]
        elif kind == 2:  # FunctionDef, AsyncFunctionDef
            name = stmt.name  # type: ignore[attr-defined]
            b[name] = Binding("def", name if scope.kind == "module" else f"{scope.local_id}.{name}")
        elif kind == 3:  # ImportFrom
            mod = "." * stmt.level + (stmt.module or "")  # type: ignore[attr-defined]
            for alias in stmt.names:  # type: ignore[attr-defined]
                if alias.name == "*" and not stmt.level and stmt.module in apis.STAR_EXPORTS:  # type: ignore[attr-defined]
                    # `from random import *`: the names it binds, as `from random import shuffle, ...` would
                    for name in apis.STAR_EXPORTS[stmt.module]:  # type: ignore[attr-defined]
                        b[name] = Binding("import", f"{stmt.module}.{name}")  # type: ignore[attr-defined]
                    continue
                if alias.name == "*":
                    # `from .parts import *` of a module that may be the project's: a name this module never
                    # binds may come from it (resolved project-wide, see _base_of)
                    if scope.kind == "module" and (stmt.level or (stmt.module or "").split(".")[0] not in _FOREIGN_ROOTS):  # type: ignore[attr-defined]
                        self.star_imports = True
                    continue
                full = (mod + "." + alias.name) if not mod.endswith(".") else (mod + alias.name)
                b[alias.asname or alias.name] = Binding("import", full)
        elif kind == 4:  # Import
            for alias in stmt.names:  # type: ignore[attr-defined]
                if alias.asname:
                    b[alias.asname] = Binding("import", alias.name)
                else:
                    top = alias.name.split(".")[0]
                    b[top] = Binding("import", top)
        elif kind == 5:  # AnnAssign
            self._bind_target(stmt.target, stmt.value, scope)  # type: ignore[attr-defined]
        elif kind == 6:  # AugAssign
            self._bind_target(stmt.target, None, scope)  # type: ignore[attr-defined]
        elif kind == 7:  # ClassDef
            name = stmt.name  # type: ignore[attr-defined]
            b[name] = Binding("class", name if scope.kind == "module" else f"{scope.local_id}.{name}")
        elif kind == 8:  # For, AsyncFor
            self._bind_target(stmt.target, None, scope)  # type: ignore[attr-defined]
            self._collect_bindings(stmt.body, scope)  # type: ignore[attr-defined]
            self._collect_bindings(stmt.orelse, scope)  # type: ignore[attr-defined]
        elif kind == 9:  # With, AsyncWith
            for item in stmt.items:  # type: ignore[attr-defined]
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, None, scope)
            self._collect_bindings(stmt.body, scope)  # type: ignore[attr-defined]
        elif kind == 10:  # Try, TryStar
            self._collect_bindings(stmt.body, scope)  # type: ignore[attr-defined]
            for h in stmt.handlers:  # type: ignore[attr-defined]
                if h.name:
                    b[h.name] = Binding("var")
                self._collect_bindings(h.body, scope)
            self._collect_bindings(stmt.orelse, scope)  # type: ignore[attr-defined]
            self._collect_bindings(stmt.finalbody, scope)  # type: ignore[attr-defined]
        else:  # Match
            for case in stmt.cases:  # type: ignore[attr-defined]
                self._collect_bindings(case.body, scope)

    def _bind_target(self, t: ast.expr, value: Optional[ast.expr], scope: Scope) -> None:
        if type(t) is ast.Name:
            prev = scope.bindings.get(t.id)
            if prev is not None and prev.kind == "var":
                if value is not None:
                    prev.values.append(value)
                prev.writes += 1
            else:
                bnd = Binding("var", None, [value] if value is not None else [])
                bnd.param = prev is not None and prev.kind == "param"
                bnd.writes = 1 if prev is None else 2  # (`try: import thop` / `except: thop = None`)
                scope.bindings[t.id] = bnd
        elif isinstance(t, (ast.Tuple, ast.List)):
            for elt in t.elts:
                self._bind_target(elt.value if isinstance(elt, ast.Starred) else elt, None, scope)
            if type(value) is ast.Call:
                # `ds, n_classes = build_dataset(...)`: SDL201 asks what the call returns (dataset_factories),
                # for each name the element at its place (None: all of it, past a starred target)
                starred = False
                for i, elt in enumerate(t.elts):
                    if type(elt) is ast.Starred:
                        starred = True
                    elif type(elt) is ast.Name:
                        self.unpacked.setdefault(id(scope.bindings[elt.id]), []).append(
                            (value, None if starred else i, len(t.elts)))

    def lookup(self, name: str, scope: Optional[Scope] = None) -> Optional[Binding]:
        scope = scope or self.scope
        chain = self.scope_stack if scope is self.scope else self._chain_for(scope)
        first = True
        for s in reversed(chain):
            if s.kind == "class" and not first:
                continue  # class bodies are not enclosing scopes for methods
            first = False
            bnd = s.bindings.get(name)
            if bnd is not None:
                return bnd
        return None

    def _chain_for(self, scope: Scope) -> List[Scope]:
        parents = getattr(scope, "_parents", None)
        return [*parents, scope] if parents is not None else [self.module_scope, scope]

    def resolve(self, expr: ast.AST, scope: Optional[Scope] = None) -> Optional[str]:
        """Fully qualified, canonical name of ``expr`` (a name or attribute chain), or None."""
        t = type(expr)
        if t is ast.Name:
            node = expr
            parts: Optional[List[str]] = None
        elif t is ast.Attribute:
            parts = []
            node = expr
            while type(node) is ast.Attribute:
                parts.append(node.attr)  # type: ignore[attr-defined]
                node = node.value  # type: ignore[attr-defined]
            if type(node) is not ast.Name:
                return None
        else:
            return None
        scope = scope or self.scope
        name = node.id  # type: ignore[attr-defined]
        bases = scope.bases
        if bases is None:
            base = self._base_of(name, scope)
        else:
            base = bases.get(name, _UNSEEN)
            if base is _UNSEEN:
                base = bases[name] = self._base_of(name, scope)
        if base is None:
            return None
        if base is _SELF:
            if parts is not None and len(parts) > 1:
                return None  # self.loader.sampler.set_epoch: an attribute's object, of unknown type
            base = "<self>." + scope.class_id  # type: ignore[operator]
        if parts is None:
            return apis.canonical(base)
        if base.startswith(STAR):
            # `torch.manual_seed(0)` where `torch` came with `from models import *` (whose module imports it):
            # the names these modules go by; any other star-imported object's method is not followed
            base = _STAR_MODULES.get(base[len(STAR):])
            if base is None:
                return None
        parts.append(base)
        return apis.canonical(".".join(reversed(parts)))

    def _base_of(self, name: str, scope: Scope) -> Any:
        """What a name stands for in ``scope``: a qualified name, _SELF (the method's ``self``), or None."""
        bnd = self.lookup(name, scope)
        if bnd is None:
            if name in _BUILTINS:
                return "builtins." + name
            # a name the module does not bind, with a star import of a module that may be the project's: the
            # project analysis looks it up in the star-imported modules (Project._resolve)
            return STAR + name if self.star_imports and not name.startswith("_") else None
        kind = bnd.kind
        if kind == "import":
            return bnd.target or ""
        if kind == "def" or kind == "class":
            return LOCAL + (bnd.target or "")
        if kind == "param" and scope.self_name == name and scope.class_id:
            return _SELF
        return None

    def values_of(self, expr: ast.expr, scope: Scope, depth: int = 0) -> List[ast.expr]:
        out = [expr]
        if depth > 4:
            return out
        if isinstance(expr, ast.Name):
            bnd = self.lookup(expr.id, scope)
            if bnd is not None and bnd.kind == "var":
                for v in bnd.values:
                    out.extend(self.values_of(v, scope, depth + 1))
        return out

    # ------------------------------------------------------------------ events
    def _event(self, kind: str, node: ast.AST, **data: Any) -> None:
        fid = self._fact_id()
        if kind == "cuda":
            if self.cuda_known:
                data["weak"] = 1  # under `if x.device.type == "cuda":` the program is on CUDA already, or not
            if self._defaults_of is not None:
                # `def f(device=torch.device("cuda"))`: a device object made at import; CUDA runs when f does
                self._deferred_cuda.append((node, data))
                return
        ev = {"k": kind, "l": node.lineno, "c": node.col_offset}
        if self.cond_depth:
            ev["cond"] = 1
        if self.guards:
            ev["g"] = sorted({g for gs in self.guards for g in gs})
        ev.update(data)
        self.func_facts[fid]["events"].append(ev)
        if kind == "cuda":
            self._cuda_events += 1
        elif kind == "use":
            self._use_depth[id(ev)] = self.cond_depth  # (_used_in_both_branches)
        elif kind == "call":
            self._call_evs[id(node)] = ev
            if not self.trains and apis.is_training_call(data["t"]):
                self.trains = True

    def _fact_id(self) -> str:
        fid = self.scope.fact_id
        if fid is not None:
            return fid
        return "<main>" if self.in_main_guard else "<module>"

    # ------------------------------------------------------------------ traversal
    def run(self) -> None:
        self._collect_bindings(self.tree.body, self.module_scope)
        for name, bnd in self.module_scope.bindings.items():
            if bnd.kind == "import" and (bnd.target or "").split(".")[0] == "torch":
                self.imports_torch = True
        for stmt in self.tree.body:
            self._top_stmt(stmt)
        if self._local_calls:
            self._only_called_without_grad()
        if self._devices and self.trains:
            self._unused_devices()

    def _unused_devices(self) -> None:
        """``device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")`` in a file that trains,
        where nothing but ``print`` reads ``device`` (the PyTorch blitz tutorial's ``net.to(device)`` lines are
        comments): nothing goes to CUDA. (A module that does not train, a config module other modules import
        the device from, keeps its CUDA event.)"""
        for fid, line, name in self._devices:
            if self._only_printed(name):
                events = self.func_facts[fid]["events"]
                events[:] = [ev for ev in events if not (ev["k"] == "cuda" and ev["l"] == line)]

    def _only_called_without_grad(self) -> None:
        """A function or method (``_generate``) that the file calls only where autograd is off (from a
        ``@torch.no_grad()`` method such as ``generate``, under ``with torch.no_grad():``, or from another such
        function) is not differentiated: its backward-only ops are marked so (fairseq's beam search). A model's
        ``forward`` (run by ``__call__``) and dunder methods are left alone."""
        calls: Dict[str, List[Tuple[str, bool]]] = {}
        for caller, callee, off in self._local_calls:
            calls.setdefault(callee, []).append((caller, off))
        quiet = set(self._no_grad_fns)
        changed = True
        while changed:
            changed = False
            for callee, sites in calls.items():
                leaf = callee.rsplit(".", 1)[-1]
                if (callee not in quiet and not leaf.startswith("__") and leaf != "forward"
                        and all(off or caller in quiet for caller, off in sites)):
                    quiet.add(callee)
                    changed = True
        for lid in quiet - self._no_grad_fns:
            fact = self.func_facts.get(lid)
            for ev in fact["events"] if fact is not None else ():
                if ev["k"] == "op" and ev.get("bw") and not ev.get("nd"):
                    ev["nd"] = 1

    def _top_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            self.has_main_guard = True
            self.in_main_guard = True
            self._main_lines = (stmt.lineno, stmt.end_lineno or stmt.lineno)
            for s in stmt.body:
                self.visit(s)
            self.in_main_guard = False
            for s in stmt.orelse:
                self.visit(s)
            return
        if not self.top_level_work:
            t = type(stmt)
            if t is ast.Assign or t is ast.AnnAssign or t is ast.AugAssign:
                if not self.top_level_code and self._runs_code(stmt):
                    self.top_level_code = True
            elif self._runs_code(stmt):
                self.top_level_code = self.top_level_work = True
        self.visit(stmt)

    def _runs_code(self, stmt: ast.stmt) -> bool:
        """Does a top-level statement do work (a script), beyond defining names (a library)?"""
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            return True
        if isinstance(stmt, ast.Expr):
            value = stmt.value
            if type(value) is ast.Call:
                # a library warns (a deprecation shim) or sets warnings up on import: not a script's work
                return (self.resolve(value.func) or "") not in _DEFINING_CALLS
            return isinstance(value, ast.Await)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
            for node in _walk(stmt.value):
                if type(node) is ast.Call:
                    name = self.resolve(node.func) or ""
                    if name not in _DEFINING_CALLS and not name.startswith(_DEFINING_PREFIXES):
                        return True
        return False

    def visit(self, node: ast.AST) -> None:
        # the hot visitors below inline this: a leaf (name, constant ...) has no handler, and is not called
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)

    # the commonest expression nodes, visited without the generic field loop (same order as generic_visit)
    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if node.attr == "values" and type(value) is ast.Call:
            self._values_only.add(id(value))  # x.median(dim=1).values
        while type(value) is ast.Attribute:
            value = value.value  # type: ignore[attr-defined]
        handler = _HANDLERS.get(type(value))
        if handler is not None:
            handler(self, value)

    def _visit_value(self, node: Any) -> None:
        value = node.value
        handler = _HANDLERS.get(type(value))
        if handler is not None:
            handler(self, value)

    visit_Expr = visit_Return = visit_keyword = visit_Starred = visit_Await = _visit_value  # type: ignore[assignment]

    def _visit_elts(self, node: Any) -> None:
        handlers = _HANDLERS
        for e in node.elts:
            handler = handlers.get(type(e))
            if handler is not None:
                handler(self, e)

    visit_Tuple = visit_List = _visit_elts  # type: ignore[assignment]  # (visit_Set notes the set, below)

    def visit_Compare(self, node: ast.Compare) -> None:
        handlers = _HANDLERS
        handler = handlers.get(type(node.left))
        if handler is not None:
            handler(self, node.left)
        for c in node.comparators:
            handler = handlers.get(type(c))
            if handler is not None:
                handler(self, c)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        handlers = _HANDLERS
        handler = handlers.get(type(node.left))
        if handler is not None:
            handler(self, node.left)
        handler = handlers.get(type(node.right))
        if handler is not None:
            handler(self, node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        self.visit(node.operand)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if type(value) is ast.Call and type(node.slice) is ast.Constant and node.slice.value == 0:
            self._values_only.add(id(value))  # x.median(dim=1)[0]: the values, not the indices
        handlers = _HANDLERS
        handler = handlers.get(type(value))
        if handler is not None:
            handler(self, value)
        handler = handlers.get(type(node.slice))
        if handler is not None:
            handler(self, node.slice)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for v in node.values:
            self.visit(v)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        self.visit(node.value)
        self.visit(node.format_spec)

    def generic_visit(self, node: ast.AST) -> None:
        # hot path: only the fields that can hold nodes with calls in them (no ctx / op / names), and only
        # nodes that are not leaves; the dispatch of visit() is inlined
        handlers = _HANDLERS
        for name in _CHILD_FIELDS[type(node)]:
            value = getattr(node, name)
            if type(value) is list:
                for item in value:
                    handler = handlers.get(type(item))
                    if handler is not None:
                        handler(self, item)
            else:
                handler = handlers.get(type(value))
                if handler is not None:
                    handler(self, value)

    def visit_Set(self, node: ast.Set) -> None:
        self.makes_sets = True  # (SDL207 looks no further in a file that makes no set)
        self.generic_visit(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self.makes_sets = True
        self.generic_visit(node)

    def _enter(self, scope: Scope) -> None:
        scope._parents = list(self.scope_stack)  # type: ignore[attr-defined]  # (not itself: no reference cycle)
        scope.fact_id = scope.local_id if scope.kind == "function" else self.scope.fact_id
        scope.bases = {}  # from now on its names resolve the same way every time
        self.scope_stack.append(scope)
        self.scope = scope

    def _leave(self) -> None:
        self.scope_stack.pop()
        self.scope = self.scope_stack[-1]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        parent = self.scope
        in_class = parent.kind == "class"
        local_id = node.name if parent.kind == "module" else f"{parent.local_id}.{node.name}"
        decorators = node.decorator_list
        for d in decorators:
            self.visit(d)
        args = node.args
        defaults = args.defaults
        deferred: List[Tuple[ast.AST, Dict[str, Any]]] = []
        kw_defaults = [d for d in args.kw_defaults if d is not None] if args.kw_defaults else ()
        if defaults or kw_defaults:
            # `def f(device=torch.device("cuda"))`: the defaults run where the def is (see _event)
            self._defaults_of, outer_deferred, self._deferred_cuda = local_id, self._deferred_cuda, deferred
            for d in defaults:
                self.visit(d)
            for d in kw_defaults:
                self.visit(d)
            self._defaults_of, self._deferred_cuda = None, outer_deferred
        scope = Scope("function", local_id)
        positional = args.posonlyargs + args.args if args.posonlyargs else args.args
        params = [a.arg for a in positional]
        if in_class:
            scope.class_id = parent.local_id
            if params and not any(type(d) is ast.Name and d.id == "staticmethod" for d in decorators):
                scope.self_name = params[0]
        bindings = scope.bindings
        for group in (positional, args.kwonlyargs):
            for a in group:
                ann = a.annotation
                bindings[a.arg] = Binding("param", None, [ann] if ann is not None else None)
        if args.vararg:
            bindings[args.vararg.arg] = Binding("param")
        if args.kwarg:
            bindings[args.kwarg.arg] = Binding("param")
        self.functions[local_id] = node
        self.fn_scopes[local_id] = scope
        pdefaults: List[Any] = [None] * (len(params) - len(defaults))
        for d in defaults:
            pdefaults.append("None" if (type(d) is ast.Constant and d.value is None) else "set")
        fact = self.func_facts[local_id] = {
            "events": [{"k": "cuda", "l": n.lineno, "c": n.col_offset, **data} for n, data in deferred],
            "line": node.lineno, "params": params, "defaults": pdefaults,
            "class": parent.local_id if in_class else None, "name": node.name,
        }
        if not in_class and not decorators and not args.vararg and pdefaults and pdefaults[0] is None:
            # the parameters a call must give, by place (a decorator may change the signature: `@hydra.main`)
            fact["rq"] = [[i, p] for i, (p, d) in enumerate(zip(params, pdefaults)) if d is None]
        self._collect_bindings(node.body, scope)
        # def seed_all(seed=None): if seed is None: seed = <entropy>: a None seed becomes entropy
        if "None" in pdefaults:
            for i, (pname, pdef) in enumerate(zip(params, pdefaults)):
                bnd = bindings.get(pname)
                if pdef == "None" and bnd is not None and bnd.param:
                    src = next((x for x in (self.entropy_source(v, scope) for v in bnd.values) if x), None)
                    # `if seed is None: seed = np.random.randint(2**31)`: drawn from a global RNG that nothing has
                    # seeded yet (the helper is what would seed it), so from OS entropy (torchtune, mmengine)
                    src = src or next((x for x in (self._global_draw_in(v, scope) for v in bnd.values) if x), None)
                    if src:
                        fact["ne"] = [i, pname, src]
                        break
        saved = (self.guards, self.cond_depth, self.in_main_guard, self.no_grad, self.fn_no_grad, self.in_model,
                 self.if_tests, self.dims_branch)
        self.guards, self.cond_depth, self.in_main_guard, self.if_tests, self.dims_branch = [], 0, False, [], []
        # a function runs when it is called, not where it is defined: only its own decorators turn grad off
        self.no_grad = 0
        self.fn_no_grad = any(self._grad_off(d) for d in decorators) if decorators else False
        if self.fn_no_grad:
            self._no_grad_fns.add(local_id)
        if in_class:
            if parent.model is None:
                parent.model = self._is_model_class(parent.local_id)
            self.in_model = parent.model
            if self.in_model and not self.fn_no_grad:
                self.fn_no_grad = _decoding_method(node.name)
        self._enter(scope)
        self._visit_block(node.body)
        self._leave()
        (self.guards, self.cond_depth, self.in_main_guard, self.no_grad, self.fn_no_grad,
         self.in_model, self.if_tests, self.dims_branch) = saved
        if parent.kind == "function":
            # `def get_step_fn(...): def step_fn(...): ...; return step_fn`: a factory of functions
            self._factories.add(parent.local_id)
        if local_id in self._factories:
            for value in _returned(node):
                bnd = bindings.get(value.id) if type(value) is ast.Name else None  # type: ignore[attr-defined]
                if bnd is not None and bnd.kind == "def":
                    fact["ret"] = bnd.target
                    break

    def _grad_off(self, expr: ast.expr) -> bool:
        """``torch.no_grad()`` / ``torch.inference_mode()`` / ``torch.set_grad_enabled(False)`` (or the first
        two as bare decorators): no autograd graph is recorded below it, so nothing there is differentiated."""
        call = expr if type(expr) is ast.Call else None
        name = self.resolve(call.func if call is not None else expr)  # type: ignore[union-attr]
        if name in GRAD_OFF:
            return call is None or not (call.args and literal(call.args[0]) is False)  # inference_mode(False)
        if name == "torch.set_grad_enabled" and call is not None and call.args:
            return literal(call.args[0]) is False
        return False

    def _is_transform_class(self, class_id: str) -> bool:
        """A callable object that is not a model: ``__call__`` and no ``forward`` (a torchvision-style transform)."""
        node = self.classes.get(class_id)
        if node is None:
            return False
        names = {b.name for b in node.body if type(b) in (ast.FunctionDef, ast.AsyncFunctionDef)}
        return "__call__" in names and "forward" not in names and not self._is_model_class(class_id)

    def _is_model_class(self, class_id: str) -> bool:
        node = self.classes.get(class_id)
        if node is None:
            return False
        if "aug" in node.name.lower():
            # a data augmentation written as a module (DrQ's RandomShiftsAug): it runs on the inputs, which
            # require no grad, before the model (a "...Transform" can be a layer: timm's BilinearAttnTransform)
            return False
        bases = [self.resolve(b) or "" for b in node.bases]
        if any(name in _AUTOGRAD_FUNCTIONS for name in bases):
            # a custom autograd.Function: its forward runs with autograd off and its backward is written by
            # hand (torch/autograd/function.py), so what forward calls is not differentiated
            return False
        if any(type(b) in (ast.FunctionDef, ast.AsyncFunctionDef) and b.name == "forward" for b in node.body):
            return True
        return any(name.rsplit(".", 1)[-1].endswith("Module") for name in bases)

    def visit_With(self, node: ast.With) -> None:
        off = 0
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
            if self._grad_off(item.context_expr):
                off = 1
        self.no_grad += off
        for s in node.body:
            self.visit(s)
        self.no_grad -= off

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        parent = self.scope
        local_id = node.name if parent.kind == "module" else f"{parent.local_id}.{node.name}"
        self.classes[local_id] = node
        for b in node.bases:
            self.visit(b)
        for kw in node.keywords:
            self.visit(kw.value)
        for d in node.decorator_list:
            self.visit(d)
        bases = [self.resolve(b) for b in node.bases]
        self.func_facts.setdefault("<classes>", {"events": [], "classes": {}})
        self.func_facts["<classes>"]["classes"][local_id] = {
            "bases": [b for b in bases if b], "line": node.lineno,
            "methods": [s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))],
        }
        scope = Scope("class", local_id)
        self._collect_bindings(node.body, scope)
        self._enter(scope)
        self._visit_block(node.body)
        self._leave()

    def _note_self_attr(self, target: ast.Attribute, value: Optional[ast.expr]) -> None:
        """``self.attr = value`` in a method: what a DataLoader's ``self.attr`` dataset can be (dataset_kind)."""
        scope = self.scope
        owner = target.value
        if type(owner) is not ast.Name or owner.id != scope.self_name or scope.class_id is None:
            return
        if type(value) is ast.Constant and value.value is None:
            return  # `self.train_set = None` until setup(): no dataset
        self.self_attrs.setdefault((scope.class_id, target.attr), []).append((value, scope))

    def _note_rng_attribute(self, target: ast.expr, value: ast.expr) -> None:
        scope = self.scope
        if scope.kind == "function":
            cls_id = scope.class_id
            if cls_id is None or not (
                    type(target) is ast.Attribute and type(target.value) is ast.Name  # type: ignore[attr-defined]
                    and target.value.id == scope.self_name):  # type: ignore[attr-defined]
                return  # a method's local name (`g = torch.Generator()` in __init__) is not kept by the object
        elif scope.kind == "class":
            cls_id = scope.local_id
        else:
            return
        # (the name is resolved last: most assignments are to a function's local names)
        if not isinstance(value, ast.Call) or self.resolve(value.func) not in RNG_OBJECTS:
            return
        attr = target.attr if isinstance(target, ast.Attribute) else (target.id if isinstance(target, ast.Name) else None)
        if attr is not None:
            self.class_rngs.setdefault(cls_id, f"{cls_id.rsplit('.', 1)[-1]}.{attr}")

    def _visit_block(self, stmts: Sequence[ast.stmt]) -> None:
        handlers = _HANDLERS
        expr = ast.Expr
        no_grad = self.no_grad  # (visit_If may turn it on for the rest of the block: an evaluation tail)
        for s in stmts:
            if type(s) is expr:  # an expression statement (mostly a call): _visit_value, inlined
                s = s.value  # type: ignore[attr-defined,assignment]
            handler = handlers.get(type(s))
            if handler is not None:
                handler(self, s)
        self.no_grad = no_grad

    def visit_If(self, node: ast.If) -> None:
        test = literal(node.test)
        if test is ... and type(node.test) in (ast.Name, ast.UnaryOp):
            test = self._constant_flag(node.test)
        if test is not ...:  # `if True:` / `if 0:` / `if flag:` after `flag = 0`: the dead branch never runs
            self._visit_block(node.body if test else node.orelse)
            return
        handler = _HANDLERS.get(type(node.test))
        if handler is not None:
            handler(self, node.test)
        self._none_fallback(node)
        self.cond_depth += 1
        self.guards.append(_guard_names(node.test))
        self.if_tests.append(node.test)
        known = int(_tests_on_cuda(node.test))
        self.cuda_known += known
        dims = self._dims_test(node.test)
        if dims is not None:
            self.dims_branch.append(dims)
        events = self.func_facts[self._fact_id()]["events"] if node.orelse else None
        start = len(events) if events is not None else 0
        decoding = int(_decoding_test(node.test))
        # a model's evaluation branch (`if self.training: ... else:` / `if not self.training:`) runs in eval mode,
        # where nothing is differentiated (pytorch-semseg's ICNet upsamples its prediction there)
        mode = _training_test(node.test, self.scope.self_name) if self.in_model else None
        self.no_grad += decoding + (mode is False)
        self._visit_block(node.body)
        self.no_grad -= decoding + (mode is False)
        mid = len(events) if events is not None else 0
        if dims is not None:
            self.dims_branch.pop()
        self.cuda_known -= known
        self.guards.pop()
        self.no_grad += mode is True
        self._visit_block(node.orelse)
        self.no_grad -= mode is True
        if mode is True and not node.orelse and node.body and type(node.body[-1]) in (ast.Return, ast.Raise):
            self.no_grad += 1  # `if self.training: return loss` ...: the rest of the block is the evaluation branch
        self.if_tests.pop()
        self.cond_depth -= 1
        if events is not None and start < mid < len(events):
            self._used_in_both_branches(events, start, mid)

    def _used_in_both_branches(self, events: List[Dict[str, Any]], start: int, mid: int) -> None:
        """An RNG that both branches of an ``if``/``else`` use, each outside any further condition, is used
        whichever branch runs: a use event after the ``if`` says so (at the first branch's use), for the
        straight-line view of SDL007, which takes no conditional use."""
        depths, depth = self._use_depth, self.cond_depth + 1
        first: Dict[str, Dict[str, Any]] = {}
        for ev in events[start:mid]:
            if ev["k"] == "use" and depths.get(id(ev)) == depth and not ev.get("lz"):
                for r in ev["r"]:
                    first.setdefault(r, ev)
        if not first:
            return
        other = {r for ev in events[mid:] if ev["k"] == "use" and depths.get(id(ev)) == depth and not ev.get("lz")
                 for r in ev["r"]}
        for r, ev in first.items():
            if r in other:
                both = {k: v for k, v in ev.items() if k not in ("cond", "g")}
                both["r"] = [r]
                if self.cond_depth:
                    both["cond"] = 1
                if self.guards:
                    both["g"] = sorted({g for gs in self.guards for g in gs})
                events.append(both)
                depths[id(both)] = self.cond_depth

    def _lightning_2(self) -> bool:
        """Does the file import Lightning as `lightning` (a 2.x name: `pytorch_lightning` was also 1.x's)?"""
        return any(b.kind == "import" and (b.target or "").split(".")[0] == "lightning"
                   for b in self.module_scope.bindings.values())

    def _dims_test(self, test: ast.expr) -> Optional[int]:
        """``k`` for ``if dims == k:`` on a parameter of the function named for a dimensionality (``dims``,
        ``ndim``, ``spatial_dims``): the branch of a helper that builds the layer for one dimensionality
        (``avg_pool_nd(dims, ...)``: AvgPool1d / 2d / 3d)."""
        if (type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq  # type: ignore[attr-defined]
                or type(test.left) is not ast.Name or type(test.comparators[0]) is not ast.Constant):  # type: ignore[attr-defined]
            return None
        k = test.comparators[0].value  # type: ignore[attr-defined]
        name = test.left.id  # type: ignore[attr-defined]
        if type(k) is not int or not _DIMS_NAME(name) or self.scope.kind != "function":
            return None
        bnd = self.scope.bindings.get(name)
        return k if bnd is not None and (bnd.kind == "param" or bnd.param) else None

    def _none_fallback(self, node: ast.If) -> None:
        """``if opt.seed is None: opt.seed = random.randint(...)``: the default run gets a seed drawn from
        entropy or an unseeded RNG (SDL008 when that setting's default is None)."""
        t = node.test
        sentinel = _seed_sentinel(t)
        if sentinel is None:
            return
        left = t.operand if type(t) is ast.UnaryOp else t.left  # type: ignore[attr-defined]
        key = left.attr if isinstance(left, ast.Attribute) else (left.id if isinstance(left, ast.Name) else None)
        if key is None:
            return
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign):
                continue
            tgt = stmt.targets[0]
            tkey = tgt.attr if isinstance(tgt, ast.Attribute) else (tgt.id if isinstance(tgt, ast.Name) else None)
            if tkey != key:
                continue
            src = self.entropy_source(stmt.value, self.scope)
            if src is None:
                for sub in _walk(stmt.value):
                    if isinstance(sub, ast.Call):
                        name = self.resolve(sub.func) or ""
                        if _global_draw(name):
                            src = name
                            break
            if src is not None:
                self._event("nonefallback", stmt, name=key, src=src, on=sentinel)

    def _constant_flag(self, test: ast.expr) -> Any:
        """The value of a test on a name bound once, to a literal (``random_seed = 0`` ... ``if random_seed:``, ``if
        not use_cuda:``), else ``...``. A parameter, a name bound again (also by a loop or ``+=``) or one named in a
        ``global`` or ``nonlocal`` statement anywhere in the file (a function may set it) or bound by ``:=`` is no
        constant, nor is a module-level name bound outside the ``__main__`` block."""
        negate = False
        if type(test) is ast.UnaryOp:
            if not isinstance(test.op, ast.Not) or type(test.operand) is not ast.Name:  # type: ignore[attr-defined]
                return ...
            negate, test = True, test.operand  # type: ignore[attr-defined]
        name = test.id  # type: ignore[attr-defined]
        bnd = self.lookup(name)
        if bnd is None or bnd.kind != "var" or bnd.param or bnd.writes != 1 or len(bnd.values) != 1:
            return ...
        value = literal(bnd.values[0])
        if value is ... or type(value) not in (bool, int, type(None), str):
            return ...
        if self.module_scope.bindings.get(name) is bnd:
            # a module's name may be set from outside (`gradfix.enabled = True` in another module, nanoGPT's
            # `exec(open("configurator.py").read())`): only one bound in the `__main__` block counts
            lines = self._main_lines
            if lines is None or not lines[0] <= bnd.values[0].lineno <= lines[1]:
                return ...
        word = re.escape(name)
        if re.search(r"\b(?:global|nonlocal)\b[^\n;]*\b" + word + r"\b|\b" + word + r"\s*:=", self.source):
            return ...  # (another function may set it, or `:=` does: the bindings here do not follow those)
        return (not value) if negate else value

    def _visit_conditional(self, node: ast.AST) -> None:
        self.cond_depth += 1
        self.generic_visit(node)
        self.cond_depth -= 1

    visit_For = visit_AsyncFor = visit_While = _visit_conditional  # type: ignore[assignment]

    def visit_Try(self, node: ast.Try) -> None:
        self._visit_block(node.body)  # the try body runs in the straight-line flow
        self.cond_depth += 1
        for h in node.handlers:
            self.visit(h)
        self._visit_block(node.orelse)
        self.cond_depth -= 1
        self._visit_block(node.finalbody)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_Match(self, node: ast.AST) -> None:
        self._visit_conditional(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._record_import(alias.name, 0, None, node)
            if alias.name.split(".")[0] == "torch":
                self.imports_torch = True

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = [a.name for a in node.names]
        self._record_import(node.module or "", node.level, names, node)
        if node.level == 0 and (node.module or "").split(".")[0] == "torch":
            self.imports_torch = True

    def _import_by_name(self, value: Any, node: ast.AST, whole: bool = False) -> None:
        """A module imported by its name at run time: ``importlib.import_module("models.resnet")``, or the class or
        function a dotted string names, as NVlabs' dnnlib builds them (``construct_class_by_name(class_name=
        "training.networks.EDMPrecond")`` imports ``training.networks``): recorded as an import where it runs."""
        if type(value) is not str or not _DOTTED(value):
            return
        if whole:
            self._record_import(value, 0, None, node)
        else:
            module, _, leaf = value.rpartition(".")
            self._record_import(module, 0, [leaf], node)

    def _record_import(self, module: str, level: int, names: Optional[List[str]], node: ast.AST) -> None:
        entry = {"m": module, "lv": level, "n": names, "l": node.lineno}
        self.imports.append(entry)
        self._event("import", node, m=module, lv=level, n=names)

    # ------------------------------------------------------------------ assignments
    def visit_Assign(self, node: ast.Assign) -> None:
        if (type(node.value) is ast.Call and len(node.targets) == 1 and type(node.targets[0]) is ast.Tuple
                and len(node.targets[0].elts) == 2 and type(node.targets[0].elts[1]) is ast.Name
                and node.targets[0].elts[1].id == "_"):
            self._values_only.add(id(node.value))  # values, _ = x.median(dim=1)
        if type(node.value) is ast.Call and any(_port_target(t) for t in node.targets):
            self._note_port_value(node.value)
        handler = _HANDLERS.get(type(node.value))
        if handler is not None:
            cuda = self._cuda_events
            handler(self, node.value)
            if (self._cuda_events != cuda and len(node.targets) == 1 and type(node.targets[0]) is ast.Name
                    and _device_object(node.value, self.resolve)):
                self._devices.append((self._fact_id(), node.lineno, node.targets[0].id))  # type: ignore[attr-defined]
        for t in node.targets:
            self._assign_target(node, t, node.value)

    def _only_printed(self, name: str) -> bool:
        """Is every other read of ``name`` in the file an argument of ``print`` or a logging call (also inside
        an f-string)? The module's tree is searched, function bodies included: a device object only printed
        puts nothing on CUDA."""
        word = re.compile(r"\b" + re.escape(name) + r"\b")
        lines = [line for line in self.source.splitlines() if word.search(line) and not line.lstrip().startswith("#")]
        if sum(1 for line in lines if "print" not in line and "log" not in line and "info" not in line) > 1:
            return False  # (a line besides the assignment reads it outside a print: the common case, decided fast)
        printed: Set[int] = set()
        reads = []
        for node in ast.walk(self.tree):
            t = type(node)
            if t is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                leaf = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else ""
                if leaf in ("print", "info", "debug", "warning", "log"):
                    for arg in (*node.args, *(k.value for k in node.keywords)):  # type: ignore[attr-defined]
                        printed.update(id(n) for n in ast.walk(arg) if type(n) is ast.Name)
            elif t is ast.Name and node.id == name and type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                reads.append(node)
        return all(id(n) in printed for n in reads)

    def _characters(self, expr: Optional[ast.expr], scope: Scope, depth: int) -> bool:
        """Is ``expr`` a string of characters to pick from: a literal, a constant of the ``string`` module
        (``string.ascii_lowercase + string.digits``), ``list(...)`` of one, or a name given one?"""
        t = type(expr)
        if expr is None or depth > 3:
            return False
        if t is ast.Constant:
            return type(expr.value) is str  # type: ignore[attr-defined]
        if t is ast.Attribute:
            return (self.resolve(expr, scope) or "").startswith("string.")
        if t is ast.BinOp and type(expr.op) is ast.Add:  # type: ignore[attr-defined]
            return (self._characters(expr.left, scope, depth + 1)  # type: ignore[attr-defined]
                    and self._characters(expr.right, scope, depth + 1))  # type: ignore[attr-defined]
        if t is ast.Call and type(expr.func) is ast.Name and expr.func.id == "list" and len(expr.args) == 1:  # type: ignore
            return self._characters(expr.args[0], scope, depth + 1)  # type: ignore[attr-defined]
        if t is ast.Name:
            values = self.values_of(expr, scope)[1:]
            return bool(values) and all(self._characters(v, scope, depth + 1) for v in values)
        return False

    def _note_port_value(self, value: ast.expr) -> None:
        """``port = random.randint(10000, 20000)`` / ``os.environ["MASTER_PORT"] = str(random.randint(...))`` /
        ``run_id = random.randint(1, 100000)``: a draw that picks a network port or a run's label is not a use of
        the RNG that the run's numbers depend on."""
        while (type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in ("str", "int")
               and len(value.args) == 1):
            value = value.args[0]
        if type(value) is ast.Call:
            self._port_draws.add(id(value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            if type(node.value) is ast.Call and _port_target(node.target):
                self._note_port_value(node.value)  # port: int = random.randint(...)
            self.visit(node.value)
            self._assign_target(node, node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if type(node.target) is ast.Attribute and self.scope.self_name is not None:
            self._note_self_attr(node.target, None)  # `self.ds += other`: not followed
        self.visit(node.target)

    def _assign_target(self, stmt: ast.AST, target: ast.expr, value: ast.expr) -> None:
        if type(target) is ast.Name:  # the commonest target: what the checks below come to for a name
            if type(value) is ast.Call:
                self._note_rng_attribute(target, value)
            return
        if isinstance(target, (ast.Attribute, ast.Name)) and isinstance(value, ast.Call):
            self._note_rng_attribute(target, value)
        if type(target) is ast.Attribute and self.scope.self_name is not None:
            self._note_self_attr(target, value)
        # `c.network_kwargs.class_name = 'training.networks.VPPrecond'` (or `kwargs["class_name"] = ...`)
        if type(value) is ast.Constant and (type(target) is ast.Attribute and target.attr in _BY_NAME_KEYS  # type: ignore[attr-defined]
                                            or type(target) is ast.Subscript and literal(target.slice) in _BY_NAME_KEYS):  # type: ignore[attr-defined]
            self._import_by_name(value.value, stmt)  # type: ignore[attr-defined]
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self._assign_target(stmt, t, v)
            else:
                split = type(value) is ast.Call and self.resolve(value.func) in DATASET_SPLITS
                for t in target.elts:
                    if type(t) is ast.Attribute and self.scope.self_name is not None:
                        # a part of random_split(ds): a Subset of ds; any other unpacked value is not followed
                        self._note_self_attr(t, value if split else None)
                    if not isinstance(t, ast.Starred):
                        self.visit(t)
            return
        if isinstance(target, ast.Attribute):
            handler = _HANDLERS.get(type(target.value))
            if handler is not None:
                handler(self, target.value)
            name = self.resolve(target)
            site = AssignSite(stmt, target, name, value, self.scope, tuple(self.if_tests))
            self.assigns.append(site)
            self._assign_event(site)
        elif isinstance(target, ast.Subscript):
            self.visit(target.value)
            self.visit(target.slice)
            base = self.resolve(target.value)
            key = literal(target.slice)
            if base == "os.environ":
                if key == "PYTHONHASHSEED":
                    self.env_writes.append((stmt, 'os.environ["PYTHONHASHSEED"] = ...'))
                elif key == "CUBLAS_WORKSPACE_CONFIG":
                    self._event("cublas", stmt)

    def _assign_event(self, site: AssignSite) -> None:
        val = literal(site.value)
        if site.name == apis.CUDNN_DETERMINISTIC:
            if isinstance(val, int):  # True, False, 1, 0
                self._event("det", site.node, v=bool(val), src="cudnn")
            elif val is ...:
                # a value not known here (`= args.deterministic`, `= cfg.get(...)`): the author wired the flag
                # up, so it counts as on, as `use_deterministic_algorithms(args.x)` does
                self._event("det", site.node, v=True, src="cudnn", unknown=1)
        elif site.name == apis.CUDNN_BENCHMARK and val is True:
            self._event("benchmark", site.node)

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = self.resolve(func)
        method = func.attr if type(func) is ast.Attribute else None
        guards = tuple(g for gs in self.guards for g in gs) if self.guards else ()
        site = CallSite(node, name, method, self.scope, guards, bool(self.cond_depth))
        if name is not None and name[0] == "<" and self.scope.kind == "function":
            if name.startswith(LOCAL):
                self._local_calls.append((self.scope.fact_id, name[len(LOCAL):], self.no_grad > 0))  # type: ignore[arg-type]
            elif name.startswith("<self>."):
                self._local_calls.append((self.scope.fact_id, name[len("<self>."):], self.no_grad > 0))  # type: ignore[arg-type]
        self.calls.append(site)
        # arguments and the receiver run before the call itself: their events come first (visit() inlined)
        handlers = _HANDLERS
        handler = handlers.get(type(func))
        if handler is not None:
            handler(self, func)
        for a in node.args:
            handler = handlers.get(type(a))
            if handler is not None:
                handler(self, a)
        for kw in node.keywords:
            value = kw.value
            if type(value) is ast.Call and kw.arg is not None and _port_name(kw.arg):
                self._note_port_value(value)  # init(..., port=random.randint(...))
            elif type(value) is ast.Constant and kw.arg in _BY_NAME_KEYS:
                self._import_by_name(value.value, node)  # EasyDict(class_name='training.networks.EDMPrecond')
            handler = handlers.get(type(value))
            if handler is not None:
                handler(self, value)
        if name == "importlib.import_module" and node.args and type(node.args[0]) is ast.Constant:
            self._import_by_name(node.args[0].value, node, whole=True)  # type: ignore[attr-defined]
        self._call_events(site)
        if node.keywords or (method == "Compose" or (name or "").endswith(".Compose")):
            self._note_transforms(site)

    def _note_transforms(self, site: CallSite) -> None:
        """Mark the objects a dataset gets as its transform (``ImageFolder(root, transform=Aug())``, also through
        a local name) and those a ``Compose([...])`` chains: their methods run where the dataset's
        ``__getitem__`` does, in DataLoader workers when there are any (``tf`` on the constructor's call event;
        Project._call merges them as worker code)."""
        node = site.node
        leaf = site.method or (site.name or "").rsplit(".", 1)[-1]
        values: List[ast.expr] = []
        if leaf == "Compose":
            first = site.arg(0, "transforms")
            if type(first) in (ast.List, ast.Tuple):
                values.extend(first.elts)  # type: ignore[attr-defined]
        else:
            values.extend(kw.value for kw in node.keywords if kw.arg in TRANSFORM_KWARGS)
            if not values:
                return
            low = leaf.lower()
            if "dataset" not in low and "folder" not in low and not (site.name or "").startswith(SAFE_DATASET_PREFIXES):
                return
        for value in values:
            for v in self.values_of(value, site.scope):
                if type(v) is ast.Call:
                    ev = self._call_evs.get(id(v))
                    if ev is not None:
                        ev["tf"] = 1

    def _call_events(self, site: CallSite) -> None:
        name, method, node = site.name, site.method, site.node
        if name is None:
            if method is not None:
                self._method_events(site)
            elif type(node.func) is ast.Name:
                if self.scope.kind == "function":
                    self._param_call(node.func.id)  # type: ignore[attr-defined]
                self._returned_call(site)
            return
        plan = _PLANS.get(name)
        if plan is None:
            plan = _PLANS[name] = _plan(name)
        if not self.kernel_evidence:
            evidence = _EVIDENCE.get(name)
            if evidence is None:
                evidence = _EVIDENCE[name] = name in apis.KERNEL_EVIDENCE or name.startswith(apis.KERNEL_PREFIXES)
            self.kernel_evidence = evidence
        if plan is not _FULL:
            # a name no rule knows: only a device="cuda" keyword, and (for project code) the call itself
            if plan is _KEEP_LOCAL:
                self._event("call", node, t=name, a=self._arg_summary(site))
                return
            if self._cuda_kwarg(site):
                self._event("cuda", node)
            if plan is _KEEP:
                self._event("call", node, t=name, a=self._arg_summary(site))
            return
        if name in apis.BASE_SEEDERS:
            self._event("seed", node, r=sorted(apis.BASE_SEEDERS[name]), a=self._arg_summary(site))
            return
        if name == apis.DETERMINISTIC_CALL:
            mode = literal(site.arg(0, "mode"))
            wo = literal(site.kwarg("warn_only"))
            if mode is True or mode is False:
                self._event("det", node, v=mode, wo=bool(wo is True))
            elif mode is ...:
                self._event("det", node, v=True, wo=bool(wo is True), unknown=1)
            return
        if name == apis.DEBUG_MODE_CALL:
            mode = literal(site.arg(0, "debug_mode"))
            if mode in ("default", 0):
                self._event("det", node, v=False, wo=False)
            elif mode in ("warn", 1):
                self._event("det", node, v=True, wo=True)
            elif mode in ("error", 2):
                self._event("det", node, v=True, wo=False)
            return
        if name == "torch.backends.cudnn.benchmark" or name.endswith("._set_cudnn_benchmark"):
            return
        if name in apis.CLI_RUNNERS:
            # fire.Fire(main): the runner calls main with what the command line gives (arguments unknown)
            pos, kw = apis.CLI_RUNNERS[name]
            target = site.arg(pos, kw)
            tname = self.resolve(target) if type(target) in (ast.Name, ast.Attribute) else None
            self._event("call", node, t=tname or name, a={"n": 0, "star": 1})
            return
        if name == "torch.device" and self._is_cuda_literal(site.arg(0, "type")):
            self._event("cuda", node)
            return
        if name in apis.PYG_DEVICE:
            # torch_geometric.device("auto") is CUDA whenever CUDA is there (torch_geometric 2.8.1 device.py:34-37)
            dev = site.arg(0, "device")
            if literal(dev) == "auto" or self._is_cuda_literal(dev):
                self._event("cuda", node)
            return
        if name == "torch.cuda.is_available":
            self._event("cuda", node, weak=1)
            return
        if name == "torch.cuda.set_device" or (
                name == "torch.distributed.init_process_group" and literal(site.arg(0, "backend")) == "nccl") or (
                name == "torch.set_default_device" and self._is_cuda_literal(site.arg(0, "device"))):
            self._event("cuda", node)
        if name in LIGHTNING_TRAINERS:
            # "auto" (Lightning 2.x's default, lightning 2.6.6 trainer.py:94) picks CUDA whenever it is there
            # (fabric/connector.py:317-325); Lightning 1.x's Trainer took the CPU unless asked (`gpus=`), and
            # `pytorch_lightning` names both, so only the `lightning` package's Trainer counts without the keyword
            acc = site.kwarg("accelerator")
            gpus = site.kwarg("gpus")
            if (literal(acc) in ("gpu", "cuda", "auto") or any(_asks_for_gpus(v) for v in self.values_of(gpus, self.scope))
                    or (acc is None and gpus is None and self._lightning_2())):
                self._event("cuda", node)
        if name in LIGHTNING_FABRICS:
            # Fabric came with Lightning 2.0; its accelerator (the first parameter) defaults to "auto"
            # (lightning 2.6.6 fabric/fabric.py:137)
            acc = site.arg(0, "accelerator")
            if (acc is None and not site.has_star_kwargs()) or literal(acc) in ("gpu", "cuda", "auto"):
                self._event("cuda", node)
        if name in HF_TRAINERS or name in apis.CUDA_PLACERS:
            # the model goes to the GPU whenever there is one (SDL102 names the Trainer's own switch)
            self._event("cuda", node, what=name)
        elif name in apis.CUDA_BY_DEFAULT and not site.has_star_kwargs():
            # SentenceTransformer("...") without a device: on the GPU whenever there is one
            pos, kw = apis.CUDA_BY_DEFAULT[name]
            device = site.arg(pos, kw)
            if device is None or literal(device) is None:
                self._event("cuda", node, what=name)
        if name in apis.SPAWN_CALLS:
            pos, kw = apis.SPAWN_CALLS[name]
            target = site.arg(pos, kw)
            tname = self.resolve(target) if target is not None else None
            self._event("spawn", node, t=tname)
            return
        if (name == apis.DISTRIBUTED_SAMPLER and literal(site.arg(3, "shuffle")) is not False
                and not self.no_grad and not self.fn_no_grad and not _evaluation_data(site.arg(0, "dataset"))):
            # (without shuffling the epoch changes nothing, nor does the order of an evaluation pass: SDL203)
            self._event("distsampler", node)
        if name == apis.DATALOADER:
            # DataLoader(ds, **kwargs) may start workers: only used to *not* report RNG use in Dataset methods
            self._event("loader", node, w=int(has_workers(site) or site.has_star_kwargs()),
                        wif=int(site.kwarg("worker_init_fn") is not None))
            # what the dataset is gets decided once the whole file is known (classes defined later)
            self._loader_events.append((self.func_facts[self._fact_id()]["events"][-1], site))
        if name in apis.ENV_SETTERS:
            self._env_setter(site)
        self._op_events(site, name, None)
        draws = self._rng_draw(site, name)
        if draws and self._port_draws and id(node) in self._port_draws:
            return  # a free port picked at random: the run's numbers do not depend on it
        if draws and name in _CHARACTER_DRAWS and self._characters(site.arg(0), site.scope, 0):
            return  # `"".join(random.choice(chars) for _ in range(10))`: a run's name, not its numbers
        if draws:
            if name == apis.DATALOADER or name in apis.RANDOM_SAMPLERS or name.startswith("torchvision.transforms."):
                # draws later (a shuffling loader or sampler when iterated, a random transform when applied to a
                # sample): the program uses the RNG, but a seed set between here and then still comes first (SDL007)
                self._event("use", node, r=draws, what=name, lz=1)
            elif _initialises_parameters(name):
                # a layer's weights (or torch.nn.init): a program that never trains loads its weights, as a rule
                self._event("use", node, r=draws, what=name, init=1)
            else:
                self._event("use", node, r=draws, what=name)
        if self._cuda_kwarg(site):
            self._event("cuda", node)
        if not draws and _keep_call(name):
            # a call to something imported: maybe a project function or a known helper
            self._event("call", node, t=name, a=self._arg_summary(site))

    def _op_events(self, site: CallSite, name: Optional[str], method: Optional[str]) -> None:
        for op in op_match.match_ops(site, name, method, self.imports_torch, self.values_of):
            extra: Dict[str, int] = {}
            if op["backward_only"] and not self._differentiated(name):
                extra["nd"] = 1
            if id(site.node) in self._values_only:
                extra["vo"] = 1
            if self.dims_branch:
                dim = _OP_DIMS(op["api"])
                if dim is not None and int(dim.group(1)) in self.dims_branch:
                    extra["dd"] = 1  # AvgPool3d under `if dims == 3:`: built only for 3-d data
            if name is not None and name != op["api"] and not name.startswith(LOCAL):
                extra["form"] = name  # what the call names (`nn.Upsample` reaches `F.interpolate`)
            self._event("op", site.node, id=op["id"], lst=op["list"], api=op["api"], dev=op["device"],
                        bw=int(op["backward_only"]), **extra)

    def _differentiated(self, name: Optional[str]) -> bool:
        """Is an op whose nondeterminism is in its backward visibly differentiated here? A layer (``nn.X(...)``)
        or a loss is there to be trained; a function or Tensor method is, in model code (a method of a class
        with ``forward`` or a ``...Module`` base, see _is_model_class); nothing is under ``no_grad``."""
        if self.no_grad or self.fn_no_grad:
            return False
        scope = self.scope
        if scope.class_id is not None and not self.in_model and self._is_transform_class(scope.class_id):
            return False  # a layer a data transform builds and applies (SimCLR's GaussianBlur): not trained
        if name is not None:
            leaf = name.rsplit(".", 1)[-1]
            if name.startswith("torch.nn.") and leaf[:1].isupper():
                return True
            if leaf.endswith("_loss"):
                return True
        return self.in_model

    def _method_events(self, site: CallSite) -> None:
        method, node = site.method, site.node
        self._op_events(site, None, method)
        if method == "cuda" and (self.imports_torch or not site.node.args):
            self._event("cuda", node)
        elif method == "to" and self.imports_torch and (
            self._is_cuda_literal(site.arg(0, "device")) or self._cuda_kwarg(site)
        ):
            self._event("cuda", node)
        elif method == "set_epoch":
            self._event("set_epoch", node)
        elif method == "add_argument" and self._is_cuda_literal(site.kwarg("default")):
            self._event("cuda", node)
        elif method in apis.TENSOR_RANDOM_METHODS and self.imports_torch and site.kwarg("generator") is None:
            self._event("use", node, r=["torch"], what="Tensor." + method)
        elif method == "manual_seed":
            pass  # g.manual_seed(s) seeds a local generator (SDL004 looks at those), not a global RNG
        else:
            on_cuda = self._accelerator(node.func.value) if method == "prepare" else False  # type: ignore[attr-defined]
            if on_cuda is True:
                self._event("cuda", node)  # accelerator.prepare(model, ...) moves the model to its device
            elif on_cuda:
                self._event("cuda", node, unless=on_cuda)  # ... unless the setting given as `cpu=` is on
            elif method in ("shuffle", "train_test_split") and self._hf_draws_numpy_seed(site):
                # a Hugging Face dataset's shuffle / split without seed= or generator= takes its seed from
                # NumPy's global state (datasets 5.2.0, arrow_dataset.py:4949-4954, :5177-5182)
                self._event("use", node, r=["numpy"], what=f"datasets.Dataset.{method}")
            if isinstance(node.func, ast.Attribute) and method:
                # only the names matter (a project method of that name may seed): kept as a set per function
                self.func_facts[self._fact_id()].setdefault("mc", set()).add(method)
                if not self.trains and apis.is_training_call(method):
                    self.trains = True
                helper = METHOD_HELPERS.get(method)
                if helper is not None:
                    self._event("call", node, t=helper, a=self._arg_summary(site))
        if self._cuda_kwarg(site):
            self._event("cuda", node)

    def _is_cuda_literal(self, node: Optional[ast.AST]) -> bool:
        if type(node) is ast.Name:  # device = "cuda" ... x.to(device): what the name was given
            return any(self._is_cuda_literal(v) for v in self.values_of(node, self.scope)[1:]  # type: ignore[arg-type]
                       if type(v) is not ast.Name)
        if type(node) is ast.Attribute and node.attr == "device":  # type: ignore[attr-defined]
            return self._accelerator(node.value) is True  # type: ignore[attr-defined]
        if isinstance(node, ast.JoinedStr) and node.values:  # f"cuda:{rank}"
            first = node.values[0]
            return isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("cuda")
        if type(node) is ast.BinOp and type(node.op) in (ast.Add, ast.Mod):  # "cuda:" + str(rank), "cuda:%d" % rank
            return _starts_cuda(node.left)  # type: ignore[attr-defined]
        if type(node) is ast.Call and type(node.func) is ast.Attribute and node.func.attr == "format":  # type: ignore
            return _starts_cuda(node.func.value)  # type: ignore[attr-defined]  # "cuda:{}".format(rank)
        v = literal(node)
        return isinstance(v, str) and (v == "cuda" or v.startswith("cuda:"))

    def _hf_draws_numpy_seed(self, site: CallSite) -> bool:
        """``ds.shuffle()`` / ``ds.train_test_split(...)`` on a map-style Hugging Face dataset, given neither a seed
        nor a generator (and, for the split, not ``shuffle=False``)."""
        if site.has_star_kwargs() or site.kwarg("seed") is not None or site.kwarg("generator") is not None:
            return False
        args = site.node.args
        if site.method == "shuffle" and args:
            return False  # ds.shuffle(42)
        # train_test_split(test_size, train_size, shuffle, stratify_by_column, seed, ...)
        if site.method == "train_test_split" and (len(args) >= 5 or literal(site.arg(2, "shuffle")) is False):
            return False
        return _hf_dataset(self, site.node.func.value, self.scope, 0) is not None  # type: ignore[attr-defined]

    def _accelerator(self, node: ast.expr) -> Union[bool, str]:
        """A name given ``accelerate.Accelerator(...)``: True without ``cpu=True`` (its ``device`` is CUDA when
        there is one, ``accelerate/state.py``, ``PartialState``, and its ``prepare`` puts the model there); for
        ``cpu=args.cpu`` the setting that keeps it on the CPU (accelerate's examples take it from a ``--cpu``
        flag: on CUDA by default when that is off, which SDL102 asks the program); else False."""
        if type(node) is not ast.Name:
            return False
        for v in self.values_of(node, self.scope)[1:]:
            if type(v) is ast.Call and self.resolve(v.func) in ACCELERATORS:  # type: ignore[attr-defined]
                cpu = next((k.value for k in v.keywords if k.arg == "cpu"), None)  # type: ignore[attr-defined]
                if cpu is None or literal(cpu) is False:
                    return True
                if type(cpu) is ast.Attribute:
                    return cpu.attr  # type: ignore[attr-defined]
                if type(cpu) is ast.Name:
                    return cpu.id  # type: ignore[attr-defined]
        return False

    def _cuda_kwarg(self, site: CallSite) -> bool:
        dev = site.kwarg("device")
        return dev is not None and self._is_cuda_literal(dev)

    def _env_setter(self, site: CallSite) -> None:
        name = site.name
        if name == "os.putenv" or name == "os.environ.setdefault":
            key = literal(site.arg(0))
            if key == "PYTHONHASHSEED":
                self.env_writes.append((site.node, f"{name.split('.')[-1]}(\"PYTHONHASHSEED\", ...)"))
            elif key == "CUBLAS_WORKSPACE_CONFIG":
                self._event("cublas", site.node)
        elif name == "os.environ.update":
            for a in list(site.node.args) + [kw.value for kw in site.node.keywords if kw.arg is None]:
                if isinstance(a, ast.Dict):
                    for k in a.keys:
                        if literal(k) == "PYTHONHASHSEED":
                            self.env_writes.append((site.node, "os.environ.update(PYTHONHASHSEED=...)"))
                        if literal(k) == "CUBLAS_WORKSPACE_CONFIG":
                            self._event("cublas", site.node)
            for kw in site.node.keywords:
                if kw.arg == "PYTHONHASHSEED":
                    self.env_writes.append((site.node, "os.environ.update(PYTHONHASHSEED=...)"))
                if kw.arg == "CUBLAS_WORKSPACE_CONFIG":
                    self._event("cublas", site.node)

    def _rng_draw(self, site: CallSite, name: str) -> List[str]:
        """Which global RNGs a call to ``name`` draws from (or makes a later draw from)."""
        glob = _global_draw(name)
        if glob:
            return [glob]
        mod, _, leaf = name.rpartition(".")
        pos = apis.GENERATOR_POSITIONS.get(name)
        gen = site.kwarg("generator") if pos is None else site.arg(pos, "generator")
        has_gen = gen is not None and literal(gen) is not None  # (generator=None is no generator)
        if name in apis.TORCH_RANDOM_FUNCS:
            return [] if has_gen else ["torch"]
        if mod == "torch.nn.init" and leaf in apis.TORCH_INIT_RANDOM:
            return [] if has_gen else ["torch"]
        if mod == "torch.nn" and leaf in apis.NN_RANDOM_INIT:
            return ["torch"]
        if leaf[:1].isupper() and name.startswith(apis.LAYER_LIBRARY_PREFIXES):
            return ["torch"]  # dgl.nn.GraphConv(...), torch_geometric.nn.GCNConv(...): initial weights
        if name == apis.DATALOADER:
            if literal(site.kwarg("shuffle")) is True and not has_gen and site.kwarg("sampler") is None:
                return ["torch"]
            return []
        if name in apis.RANDOM_SAMPLERS or name == apis.RANDOM_SPLIT:
            return [] if has_gen else ["torch"]
        lib = apis.LIBRARY_DRAWS.get(name)
        if lib is not None:
            return list(lib)
        split = apis.SKLEARN_DRAWS.get(name)
        if split is not None:
            rs_pos, sh_pos, sh_default = split
            state = site.arg(rs_pos, "random_state")
            if (state is not None and literal(state) is not None) or site.has_star_kwargs():
                return []  # a random_state (or **kwargs that may hold one)
            if sh_pos is not None:
                shuffle = site.arg(sh_pos, "shuffle")
                if (sh_default if shuffle is None else literal(shuffle)) is not True:
                    return []  # no shuffling, or a value seedlint cannot read
            return ["numpy"]
        if name.startswith("torchvision.transforms.") and (
            leaf.startswith("Random") or leaf in apis.TORCHVISION_RANDOM_EXTRA
        ):
            return ["torch"]
        return []

    def _returned_call(self, site: CallSite) -> None:
        """``step = get_step_fn(opt)`` ... ``step(batch)``: the call runs the function that the project function
        ``get_step_fn`` returns, when it returns one of its own nested functions (its ``ret`` fact; the project
        level follows it, ``rv`` on the call event)."""
        bnd = self.lookup(site.node.func.id, site.scope)  # type: ignore[attr-defined]
        if bnd is None or bnd.kind != "var":
            return
        seen: Set[str] = set()
        for v in bnd.values:
            if type(v) is ast.Call:
                factory = self.resolve(v.func, site.scope)  # type: ignore[attr-defined]
                if factory is not None and factory not in seen and not _foreign(factory):
                    seen.add(factory)
                    self._event("call", site.node, t=factory, rv=1, a=self._arg_summary(site))

    def _param_call(self, pname: str) -> None:
        """``def launch(main_func, args=()): main_func(*args)``: the function calls what it is given as
        ``pname``; the project level runs the function a call site passes there (``"fa"`` / ``"fk"``)."""
        b = self.scope.bindings.get(pname)
        if b is None or b.kind != "param":
            return
        fact = self.func_facts[self._fact_id()]
        params = fact.get("params") or []
        if pname in params:
            pc = fact.setdefault("pc", [])
            entry = [params.index(pname), pname]
            if entry not in pc:
                pc.append(entry)

    def _function_args(self, site: CallSite, out: Dict[str, Any]) -> None:
        """Project functions passed by name as arguments (``launch(main, ...)``), by position and keyword."""
        node = site.node
        for i, a in enumerate(node.args):
            if type(a) is ast.Starred:
                break
            if type(a) in (ast.Name, ast.Attribute):
                target = self.resolve(a, site.scope)  # type: ignore[attr-defined]
                if target is not None and _keep_call(target):
                    out.setdefault("fa", {})[str(i)] = target
        for kw in node.keywords:
            if kw.arg is not None and type(kw.value) in (ast.Name, ast.Attribute):
                target = self.resolve(kw.value, site.scope)  # type: ignore[attr-defined]
                if target is not None and _keep_call(target):
                    out.setdefault("fk", {})[kw.arg] = target

    def _arg_summary(self, site: CallSite) -> Dict[str, Any]:
        """What the project step needs to know about the arguments of a call to a helper."""
        node = site.node
        out: Dict[str, Any] = {"n": len(node.args)}
        first = site.arg(0, "seed")
        if first is not None:
            # only SDL008 reads them: which settings the seed comes from, under an `if` or into a helper
            # that turns None into a random seed
            if self.guards or site.name in HELPERS_BY_NAME:
                names = _names_in(first)
                if type(first) is ast.Name and self.guards:
                    # `if args.seed is not None: set_seed(args)`: the helper is given the namespace the guard reads
                    names = sorted({*names, *_attrs_of(first.id, self.if_tests)})
                if names:
                    out["sn"] = names
            v = literal(first)
            if v is None:
                out["none"] = 1
            elif isinstance(first, ast.IfExp) and (literal(first.body) is None or literal(first.orelse) is None):
                # seed_all_rng(None if args.seed < 0 else args.seed): None under a condition on these names
                out["none_if"] = _names_in(first.test)
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0:
                out["neg"] = 1
            if not isinstance(first, (ast.Constant, ast.Attribute)) and _may_seed(site.name):
                src = self.entropy_source(first, site.scope)
                if src is not None:
                    out["entropy"] = src
        kws = {}
        for kw in node.keywords:
            if kw.arg is not None:
                v = literal(kw.value)
                if isinstance(v, (bool, int, str)) or v is None:
                    kws[kw.arg] = v
                else:
                    kws[kw.arg] = "?"
        if kws:
            out["kw"] = kws
        if site.has_star_kwargs() or any(isinstance(a, ast.Starred) for a in node.args):
            out["star"] = 1
        if not _foreign(site.name):
            self._function_args(site, out)
        return out

    # ------------------------------------------------------------------ entropy (SDL005)
    def _global_draw_in(self, expr: ast.expr, scope: Scope) -> Optional[str]:
        """The global-RNG draw (``np.random.randint``, ``torch.randint``, ``random.randint``) ``expr`` calls, if any."""
        for node in _walk(expr):
            if type(node) is ast.Call:
                name = self.resolve(node.func, scope)  # type: ignore[attr-defined]
                if name is not None and (_global_draw(name) or name in apis.TORCH_RANDOM_FUNCS):
                    return name
        return None

    def entropy_source(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Optional[str]:
        """Name of the clock / OS-entropy call a seed expression derives from, if any.

        Follows local names to the expressions assigned to them (memoised per scope and name).
        """
        if depth > 4:
            return None
        if type(expr) is ast.Name:  # the commonest seed argument: what the walk below would do for it
            return self._entropy_of_name(expr.id, scope, depth)
        for node in _walk(expr):
            if type(node) is ast.Call:
                src = self._entropy_call(node, scope)
                if src:
                    return src
            elif type(node) is ast.Name:
                src = self._entropy_of_name(node.id, scope, depth)
                if src:
                    return src
        return None

    def _entropy_call(self, node: ast.Call, scope: Scope) -> Optional[str]:
        name = self.resolve(node.func, scope)
        if name is None:
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                # random.SystemRandom().randint(...), datetime.now().timestamp()
                iname = self.resolve(node.func.value.func, scope)
                if iname and (iname in apis.ENTROPY_CALLS or iname.startswith(apis.ENTROPY_PREFIXES)):
                    return iname
            return None
        if name in apis.ENTROPY_CALLS or name.startswith(apis.ENTROPY_PREFIXES):
            if name == "builtins.hash" and node.args:
                v = literal(node.args[0])
                if isinstance(v, int) and not isinstance(v, bool):
                    return None  # hash() of an int is deterministic; of str/bytes it depends on PYTHONHASHSEED
            return name
        return None

    def _entropy_of_name(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        bnd = self.lookup(name, scope)
        if bnd is None or bnd.kind != "var" or not bnd.values:
            return None
        if getattr(bnd, "param", False):
            # def seed_all(seed=None): if seed is None: seed = os.getpid() ...: the entropy is the fallback
            # for a missing argument; callers that pass None are SDL008's business
            return None
        memo = self._entropy_memo
        key = id(bnd)
        if key in memo:
            return memo[key]
        memo[key] = None  # cycle guard (x = x + 1)
        out = None
        for v in bnd.values:
            out = self.entropy_source(v, scope, depth + 1)
            if out:
                break
        memo[key] = out
        return out

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.generic_visit(node)
        # device = "cuda" if torch.cuda.is_available() else "cpu"
        if self._is_cuda_literal(node.body) or self._is_cuda_literal(node.orelse):
            self._event("cuda", node)

    # ------------------------------------------------------------------ misc statements

# a parameter named for the number of spatial dimensions (`dims`, `ndim`, `n_dims`, `spatial_dims`, `dimensions`)
_DIMS_NAME = re.compile(r"(n_?|num_|spatial_|conv_)?dim(s|ension|ensions)?|ndims?|nd").fullmatch
# the dimensionality an op's name carries (`AvgPool3d`, `avg_pool3d`, `ConvTranspose2d`)
_OP_DIMS = re.compile(r"(\d)d$").search

_FULL, _KEEP, _KEEP_LOCAL, _PLAIN = "full", "keep", "local", "plain"
# the keys under which NVlabs' dnnlib names what it constructs or calls (dnnlib/util.py construct_class_by_name,
# call_func_by_name: importlib.import_module of all but the last part)
_BY_NAME_KEYS = frozenset({"class_name", "func_name"})
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+").fullmatch
_PLANS: Dict[str, str] = {}  # resolved call name -> how _call_events treats it (worked out once per name)
_EVIDENCE: Dict[str, bool] = {}  # resolved call name -> is it kernel evidence (apis.KERNEL_EVIDENCE / _PREFIXES)
_SPECIAL_CALLS = frozenset({
    *apis.BASE_SEEDERS, apis.DETERMINISTIC_CALL, apis.DEBUG_MODE_CALL, "torch.backends.cudnn.benchmark",
    "torch.device", "torch.cuda.is_available", "torch.cuda.set_device", "torch.distributed.init_process_group",
    "torch.set_default_device", *apis.PYG_DEVICE,
    *LIGHTNING_TRAINERS, *LIGHTNING_FABRICS, *HF_TRAINERS, *apis.SPAWN_CALLS, *apis.CLI_RUNNERS, apis.DISTRIBUTED_SAMPLER,
    apis.DATALOADER,
    *apis.ENV_SETTERS, *apis.TORCH_RANDOM_FUNCS, *apis.RANDOM_SAMPLERS, apis.RANDOM_SPLIT,
    *apis.LIBRARY_DRAWS, *apis.SKLEARN_DRAWS, *apis.CUDA_PLACERS, *apis.CUDA_BY_DEFAULT,
})


def _plan(name: str) -> str:
    """_KEEP_LOCAL for the file's own functions, _FULL for a name some check in _call_events knows,
    else _KEEP / _PLAIN (whether the call is kept as a fact)."""
    if name.startswith(LOCAL) or name.startswith("<self>."):
        return _KEEP_LOCAL
    mod, _, leaf = name.rpartition(".")
    if (name in _SPECIAL_CALLS or name.endswith("._set_cudnn_benchmark") or _global_draw(name)
            or (mod == "torch.nn.init" and leaf in apis.TORCH_INIT_RANDOM)
            or (mod == "torch.nn" and leaf in apis.NN_RANDOM_INIT)
            or name.startswith("torchvision.transforms.") or op_match.has_call_form(name)
            or (leaf[:1].isupper() and name.startswith(apis.LAYER_LIBRARY_PREFIXES))):
        return _FULL
    if name in apis.AUTOGRAD_CALLS or name.startswith(apis.OPTIMIZER_MODULES):
        return _KEEP  # kept as a call: it shows the program trains (SDL301/SDL302, see apis.is_training_call)
    return _KEEP if _keep_call(name) else _PLAIN


# a name for held-out data: `valset`, `val_dataset`, `test_ds`, `eval_data`, `dataset_valid`
_EVAL_DATA = re.compile(r"(?:^|_)(?:val|valid|validation|test|eval|evaluation)(?:set|data|dataset|ds)?(?:_|$|\d)",
                        re.IGNORECASE).search


def _evaluation_data(node: Optional[ast.expr]) -> bool:
    """Is a sampler's dataset named as held-out data (``DistributedSampler(valset)``)? Its order does not
    change what an evaluation pass computes beyond rounding."""
    if isinstance(node, ast.Attribute):
        return bool(_EVAL_DATA(node.attr))
    return isinstance(node, ast.Name) and bool(_EVAL_DATA(node.id))


def has_workers(site: CallSite) -> bool:
    """Does a DataLoader call start worker processes? (absent num_workers is 0; a non-literal may be > 0)"""
    nw = site.arg(6, "num_workers")
    if nw is None:
        return False
    v = literal(nw)
    if v is ...:
        return True
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


# node types that cannot contain a call: never descended into
_LEAVES = frozenset({
    ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue, ast.alias,
    ast.Global, ast.Nonlocal, ast.arg,
    *(c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, (ast.operator, ast.unaryop, ast.cmpop,
                                                                              ast.boolop, ast.expr_context))),
})
_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores", "kind", "conversion", "is_async",
                          "level", "lineno", "col_offset", "end_lineno", "end_col_offset", "attr", "name", "id",
                          "arg", "module", "asname", "names", "simple", "kwd_attrs"})
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {
    cls: tuple(f for f in cls._fields if f not in _SKIP_FIELDS)
    for cls in (c for c in vars(ast).values() if isinstance(c, type) and issubclass(c, ast.AST))
}
_UNSEEN = object()
_SELF = object()  # the first parameter of a method
# node types worth visiting: every AST node type but the leaves
_VISITABLE = frozenset(c for c in _CHILD_FIELDS if c not in _LEAVES)
_WALKED = _VISITABLE | {ast.Name}
# statements that bind names in their scope, to the branch of ``_bind_stmt`` that binds them
_BIND_KINDS: Dict[type, int] = {
    ast.Assign: 0, ast.If: 1, ast.While: 1, ast.FunctionDef: 2, ast.AsyncFunctionDef: 2, ast.ImportFrom: 3,
    ast.Import: 4, ast.AnnAssign: 5, ast.AugAssign: 6, ast.ClassDef: 7, ast.For: 8, ast.AsyncFor: 8,
    ast.With: 9, ast.AsyncWith: 9, ast.Try: 10,
    **{getattr(ast, n): k for n, k in (("TryStar", 10), ("Match", 11)) if hasattr(ast, n)},
}
_DISPATCH = {
    getattr(ast, name[len("visit_"):]): fn
    for name, fn in vars(Analyzer).items()
    if name.startswith("visit_") and hasattr(ast, name[len("visit_"):]) and name != "visit"
}
# node type -> what visits it: its visit_X, else generic_visit; leaves (names, constants ...) have none
_HANDLERS: Dict[type, Callable[[Analyzer, Any], None]] = {t: _DISPATCH.get(t, Analyzer.generic_visit) for t in _VISITABLE}


# context managers / decorators under which autograd records nothing (torch/autograd/grad_mode.py)
GRAD_OFF = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                      "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode"})


_NAME_WORDS = re.compile(r"[^a-z0-9]+")


# draws that pick from a sequence: over a string of characters they make an identifier (a run's name)
_CHARACTER_DRAWS = frozenset({"random.choice", "random.choices", "random.sample", "numpy.random.choice"})


def _port_name(name: str) -> bool:
    """Does a name say it holds a network port (``port``, ``master_port``, ``MASTER_PORT``, ``free_ports``), or a
    run's label (``run_id``, ``exp_name``, ``logdir``): a value that names the run's outputs, not one its numbers
    depend on (pytorch-semseg: ``run_id = random.randint(1, 100000)`` names the log folder)?"""
    low = name.lower()
    words = _NAME_WORDS.split(low)
    if "port" in low and any(w in ("port", "ports") for w in words):
        return True
    if any(w in _LABEL_WORDS for w in words) and any(w in _RUN_WORDS for w in words):
        return True
    return any(w in _LABELS for w in words) or ("log" in words and "dir" in words)


_RUN_WORDS = frozenset({"run", "exp", "experiment", "job", "trial"})
_LABEL_WORDS = frozenset({"id", "name", "tag", "label"})
_LABELS = frozenset({"runid", "expid", "logdir", "runname", "expname"})


def _port_target(target: ast.expr) -> bool:
    """Is an assignment target a port: a name or attribute saying so, or ``os.environ["MASTER_PORT"]``?"""
    t = type(target)
    if t is ast.Name:
        return _port_name(target.id)  # type: ignore[attr-defined]
    if t is ast.Attribute:
        return _port_name(target.attr)  # type: ignore[attr-defined]
    if t is ast.Subscript:
        key = literal(target.slice)  # type: ignore[attr-defined]
        return type(key) is str and _port_name(key)
    return False


def _asks_for_gpus(node: Optional[ast.expr]) -> bool:
    """Lightning 1.x ``Trainer(gpus=...)``: a number of GPUs (``1``, ``-1`` for all), a list of them
    (``[0, 1]``) or a string of them (``"0,1"``); 0, None and an empty value ask for none."""
    if node is None or type(node) is ast.Name:
        return False  # (a name: the caller asks what it was given, values_of)
    if type(node) is ast.List:
        return bool(node.elts)  # type: ignore[attr-defined]
    v = literal(node)
    if type(v) is int:
        return v != 0
    return type(v) is str and v.strip() not in ("", "0")


def _decoding_method(name: str) -> bool:
    """A model method that only step-by-step decoding runs: beam search reorders its cached states by beam
    index (fairseq's ``reorder_encoder_out`` / ``reorder_incremental_state``, transformers' ``_reorder_cache``)
    between decoding steps, under ``no_grad``; ``beam_search`` / ``greedy_search`` are the decoders."""
    bare = name.lstrip("_")
    return bare.startswith("reorder") or bare in ("beam_search", "greedy_search")


def _device_object(value: ast.expr, resolve: Callable[[ast.AST], Optional[str]]) -> bool:
    """Is an assigned value a device, not work on it: ``"cuda"``, ``"cuda" if ... else "cpu"``,
    ``torch.device(...)`` (a tensor or model moved with ``.cuda()`` / ``.to(...)`` is work)?"""
    t = type(value)
    if t is ast.Constant or t is ast.IfExp:
        return True
    return t is ast.Call and resolve(value.func) == "torch.device"  # type: ignore[attr-defined]


def _training_test(test: ast.expr, me: Optional[str]) -> Optional[bool]:
    """True for a test of a model's training mode (``self.training``), False for its negation (``not
    self.training``, ``self.training is False``), None for anything else."""
    negate = False
    if type(test) is ast.UnaryOp and isinstance(test.op, ast.Not):  # type: ignore[attr-defined]
        negate, test = True, test.operand  # type: ignore[attr-defined]
    elif (type(test) is ast.Compare and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.Eq))  # type: ignore[attr-defined]
          and literal(test.comparators[0]) is False):  # type: ignore[attr-defined]
        negate, test = True, test.left  # type: ignore[attr-defined]
    if (type(test) is ast.Attribute and test.attr == "training" and type(test.value) is ast.Name  # type: ignore[attr-defined]
            and me is not None and test.value.id == me):  # type: ignore[attr-defined]
        return not negate
    return None


def _decoding_test(test: ast.expr) -> bool:
    """Does an ``if`` test ask whether a model decodes step by step with a cache of keys and values
    (``if use_kv_cache:``, ``if past_key_values is not None:``, fairseq's ``incremental_state``)? Its body is
    generation code, which runs under ``no_grad`` as the decoders of _decoding_method do (lit-gpt's rope and
    mask caches read with ``index_select`` at the cache positions)."""
    t = type(test)
    if t is ast.BoolOp and isinstance(test.op, ast.And):  # type: ignore[attr-defined]
        return any(_decoding_test(v) for v in test.values)  # type: ignore[attr-defined]
    if (t is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.IsNot  # type: ignore[attr-defined]
            and literal(test.comparators[0]) is None):  # type: ignore[attr-defined]
        test, t = test.left, type(test.left)  # type: ignore[attr-defined]
    name = test.id if t is ast.Name else test.attr if t is ast.Attribute else None  # type: ignore[attr-defined]
    return name is not None and _DECODING_NAME(name.lower()) is not None


_DECODING_NAME = re.compile(r"kv_cache|past_key_values?$|layer_past|incremental_state").search


# Library datasets that hold no RNG objects of their own (their transforms draw from torch / random /
# numpy's global RNGs, which every worker reseeds since torch 1.9).
# a dataset's keywords for what it applies to each sample, in __getitem__ (torchvision's VisionDataset)
TRANSFORM_KWARGS = frozenset({"transform", "transforms", "target_transform", "train_transform", "augment",
                              "augmentation", "augmentations"})
SAFE_DATASET_PREFIXES = ("torchvision.datasets.", "torchaudio.datasets.", "torchtext.datasets.")
SAFE_DATASETS = frozenset({"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"})
DATASET_WRAPPERS = frozenset({"torch.utils.data.Subset", "torch.utils.data.dataset.Subset",
                              "torch.utils.data.ConcatDataset", "torch.utils.data.dataset.ConcatDataset"})
# `a, b = random_split(ds, ...)`: each part is a Subset of ds (torch/utils/data/dataset.py:508-509 in 2.13)
DATASET_SPLITS = frozenset({"torch.utils.data.random_split", "torch.utils.data.dataset.random_split"})
# Hugging Face `datasets` (the top-level name `datasets` is taken to be that library unless the project has a
# module of that name, see Project-level SDL201): a
# map-style `Dataset` holds an Arrow table, an indices table, format settings and a fingerprint
# (datasets 5.2.0, arrow_dataset.py:724-732), and its `shuffle` draws the whole permutation when called and
# returns a selection (arrow_dataset.py:4952-4986): no RNG object is left in it. These calls and methods give
# such datasets, or a DatasetDict of them (subscripted by split). A streaming `IterableDataset` keeps its
# shuffle generator, so `streaming=True` and `to_iterable_dataset` are not among them.
HF_DATASET_CALLS = frozenset({"datasets.load_dataset", "datasets.load_from_disk", "datasets.concatenate_datasets",
                              "datasets.Dataset", "datasets.DatasetDict", "datasets.Dataset.load_from_disk",
                              "datasets.DatasetDict.load_from_disk"}
                             | {f"datasets.Dataset.from_{k}" for k in ("dict", "list", "pandas", "polars", "generator",
                                                                         "csv", "json", "parquet", "text", "sql",
                                                                         "file", "buffer")})
HF_DATASET_TYPES = frozenset({"datasets.Dataset", "datasets.arrow_dataset.Dataset", "datasets.DatasetDict",
                              "datasets.dataset_dict.DatasetDict"})
HF = "hf:"  # marks such a name in a loader's "dsq"
HF_DATASET_METHODS = frozenset({"map", "filter", "select", "shuffle", "with_transform", "with_format", "sort",
                                "train_test_split", "remove_columns", "rename_column", "rename_columns",
                                "select_columns", "cast", "cast_column", "flatten", "flatten_indices", "shard",
                                "add_column", "class_encode_column", "skip", "take"})


def dataset_kind(an: "Analyzer", site: CallSite) -> Tuple[str, Any]:
    """Classify a DataLoader's dataset: ("rng", "Cls.attr") | ("safe", None) | ("classes", [qualified names of
    project classes to look up]) | ("unknown", None)."""
    ds = site.arg(0, "dataset")
    if ds is None:
        return "unknown", None
    return _dataset_expr_kind(an, ds, site.scope, 0)


def _dataset_expr_kind(an: "Analyzer", expr: ast.expr, scope: Scope, depth: int) -> Tuple[str, Any]:
    if depth > 4:
        return "unknown", None
    kinds: List[Tuple[str, Any]] = []
    values = an.values_of(expr, scope)
    if type(expr) is ast.Name:
        bnd = an.lookup(expr.id, scope)
        if bnd is not None and id(bnd) in an.unpacked:
            # a name a call's result is unpacked into: the element at its place of what a factory of this
            # file returns, else what the call returns, all of it
            for call, place, n in an.unpacked[id(bnd)]:
                kinds.extend(_unpacked_kinds(an, call, place, n, scope, depth))
    for value in values:
        if isinstance(value, (ast.List, ast.Tuple)):
            # (`return dataset, nb_classes` / `return dataset, sampler`: a number or a sampler beside the dataset
            # is no dataset)
            kinds.extend(_dataset_expr_kind(an, e, scope, depth + 1) for e in value.elts
                         if not _constant_valued(an, e, scope) and not _sampler_valued(an, e, scope))
            continue
        if type(value) is ast.IfExp:  # `self.train if train else self.val`: either
            kinds.append(_dataset_expr_kind(an, value.body, scope, depth + 1))  # type: ignore[attr-defined]
            kinds.append(_dataset_expr_kind(an, value.orelse, scope, depth + 1))  # type: ignore[attr-defined]
            continue
        hf = _hf_dataset(an, value, scope, depth)
        if hf is not None:
            kinds.append(("classes", [f"{HF}{hf}"]))  # safe unless the project has a module `datasets`
            continue
        if _hf_dataset(an, value, scope, depth, streaming=True) is not None:
            kinds.append(("unknown", "streaming"))  # it keeps its shuffle generator: reported as it is
            continue
        if (type(value) is ast.Attribute and type(value.value) is ast.Name and scope.class_id is not None
                and value.value.id == scope.self_name):
            # `DataLoader(self.train_set, ...)` in a method (a Lightning DataModule): what the class's
            # methods assign to that attribute
            assigned = an.self_attrs.get((scope.class_id, value.attr))
            if not assigned or any(v is None for v, _ in assigned):
                kinds.append(("unknown", None))
            else:
                kinds.extend(_dataset_expr_kind(an, v, s, depth + 1) for v, s in assigned)
            continue
        if not isinstance(value, ast.Call):
            continue
        name = an.resolve(value.func, scope)
        if not name:
            continue
        if name in SAFE_DATASETS or name.startswith(SAFE_DATASET_PREFIXES):
            kinds.append(("safe", None))
        elif (name in DATASET_WRAPPERS or name in DATASET_SPLITS) and value.args:
            kinds.append(_dataset_expr_kind(an, value.args[0], scope, depth + 1))
        elif name.startswith(LOCAL) and name[len(LOCAL):] in an.classes:
            holder = an.class_rngs.get(name[len(LOCAL):])
            kinds.append(("rng", holder) if holder else ("safe", None))
        elif name.startswith(LOCAL) and name[len(LOCAL):] in an.fn_scopes:
            # a factory function of this file: what its return statements give
            lid = name[len(LOCAL):]
            returns = _returned(an.functions[lid])
            if not returns:
                kinds.append(("unknown", None))
            kinds.extend(_dataset_expr_kind(an, r, an.fn_scopes[lid], depth + 1) for r in returns)
        elif not name.startswith(LOCAL) and name.split(".", 1)[0] not in _FOREIGN_ROOTS:
            kinds.append(("classes", [name]))  # a class from another project module: looked up project-wide
        else:
            kinds.append(("unknown", None))
    if not kinds:
        return "unknown", None
    for k in kinds:
        if k[0] == "rng":
            return k
    unknown = [k for k in kinds if k[0] == "unknown"]
    if unknown:
        return "unknown", next((k[1] for k in unknown if k[1]), None)
    classes = sorted({q for k in kinds if k[0] == "classes" for q in k[1]})
    return ("classes", classes) if classes else ("safe", None)


def _unpacked_kinds(an: "Analyzer", call: ast.Call, place: Optional[int], n: int, scope: Scope,
                    depth: int) -> List[Tuple[str, Any]]:
    """The kinds of the element at ``place`` of what ``call`` returns, unpacked into ``n`` names: a factory of
    this file whose return is a tuple of that length gives that element (``dataset, dataset_test, sampler,
    test_sampler = load_data(...)``); anything else is taken whole."""
    name = an.resolve(call.func, scope)
    if place is not None and name and name.startswith(LOCAL) and name[len(LOCAL):] in an.fn_scopes:
        lid = name[len(LOCAL):]
        returns = _returned(an.functions[lid])
        if returns and all(type(r) in (ast.Tuple, ast.List) and len(r.elts) == n  # type: ignore[attr-defined]
                           and not any(type(e) is ast.Starred for e in r.elts) for r in returns):  # type: ignore[attr-defined]
            return [_dataset_expr_kind(an, r.elts[place], an.fn_scopes[lid], depth + 1)  # type: ignore[attr-defined]
                    for r in returns]
    return [_dataset_expr_kind(an, call, scope, depth + 1)]


# torch's samplers hold indices and a generator, not samples: one beside a dataset in a returned tuple is no dataset
_SAMPLER_PREFIXES = ("torch.utils.data.",)


def _sampler_valued(an: "Analyzer", expr: ast.expr, scope: Scope) -> bool:
    """``RandomSampler(ds)`` / ``DistributedSampler(ds)`` (or a local name only ever assigned those, or None)."""
    values = an.values_of(expr, scope)
    if type(expr) is ast.Name:
        values = values[1:]
    if not values:
        return False
    for v in values:
        if type(v) is ast.Constant and v.value is None:  # type: ignore[attr-defined]
            continue
        if type(v) is not ast.Call:
            return False
        name = an.resolve(v.func, scope) or ""  # type: ignore[attr-defined]
        if not (name.startswith(_SAMPLER_PREFIXES) and name.endswith("Sampler")):
            return False
    return True


def _initialises_parameters(name: str) -> bool:
    """``nn.Linear(...)`` and the like (their ``reset_parameters`` draws) or ``torch.nn.init.*``."""
    mod, _, leaf = name.rpartition(".")
    return (mod == "torch.nn" and leaf in apis.NN_RANDOM_INIT and leaf not in _DRAWS_IN_FORWARD) or (
        mod == "torch.nn.init" and leaf in apis.TORCH_INIT_RANDOM) or name in apis.LIBRARY_INIT_DRAWS or (
        leaf[:1].isupper() and name.startswith(apis.LAYER_LIBRARY_PREFIXES))


# layers of NN_RANDOM_INIT that draw when they run (in training mode), not when they are built
_DRAWS_IN_FORWARD = frozenset({"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
                               "RReLU"})


ACCELERATORS = frozenset({"accelerate.Accelerator", "accelerate.accelerator.Accelerator"})


def _seed_sentinel(test: ast.expr) -> Optional[List[str]]:
    """What an ``if`` that gives a setting a value of its own takes for "not set", as the kinds of default
    (collect_argparse_defaults) that make the test true: ["None"] for ``x is None`` / ``x == None``,
    ["None", "zero"] for ``not x``, ["neg"] for ``x < 0`` / ``x == -1`` (``--seed -1``), ["neg", "zero"] for
    ``x <= 0``, ["zero"] for ``x == 0``; None for any other test."""
    if type(test) is ast.UnaryOp and isinstance(test.op, ast.Not):  # type: ignore[attr-defined]
        return ["None", "zero"] if type(test.operand) in (ast.Name, ast.Attribute) else None  # type: ignore[attr-defined]
    if type(test) is not ast.Compare or len(test.ops) != 1:  # type: ignore[attr-defined]
        return None
    op, value = test.ops[0], literal(test.comparators[0])  # type: ignore[attr-defined]
    if isinstance(op, (ast.Is, ast.Eq)) and value is None:
        return ["None"]
    if type(value) is not int:
        return None
    if isinstance(op, ast.Lt) and value <= 0 or isinstance(op, ast.LtE) and value < 0 or isinstance(op, ast.Eq) and value < 0:
        return ["neg"]
    if isinstance(op, ast.LtE) and value >= 0 or isinstance(op, ast.Lt) and value > 0:
        return ["neg", "zero"]
    if isinstance(op, ast.Eq) and value == 0:
        return ["zero"]
    return None


_FACTORY_PREFIXES = ("build", "get_data", "load_data", "make_data", "create_data", "prepare_data")


def dataset_factories(an: "Analyzer") -> Dict[str, Tuple[str, Any]]:
    """What the file's module-level dataset factories return, for a DataLoader in another file (SDL201):
    ``def build_dataset(is_train, args): ... return datasets.ImageFolder(root, transform=t)`` (MAE, DeiT,
    Swin; DETR's ``build_dataset`` returns ``build(image_set, args)`` of ``datasets/coco.py``). Only functions
    with "dataset" in their name or starting with "build", "get_data" and the like are looked at (all of them
    would cost half a parse of torch), and only those whose every return is known: name -> ("safe", None) |
    ("classes", [qualified names, resolved in this file])."""
    out: Dict[str, Tuple[str, Any]] = {}
    for bnd in an.module_scope.bindings.values():
        if bnd.kind != "def":
            continue
        lid = bnd.target or ""
        low = lid.lower()
        if "dataset" not in low and not low.startswith(_FACTORY_PREFIXES):
            continue
        node = an.functions.get(lid)
        if node is None:
            continue
        returns = _returned(node)
        if not returns:
            continue
        scope = an.fn_scopes[lid]
        kinds = []
        for r in returns:
            k = _dataset_expr_kind(an, r, scope, 1)
            if k[0] in ("rng", "unknown"):
                break  # (most functions: the first return already tells)
            kinds.append(k)
        else:
            classes = sorted({q for k in kinds if k[0] == "classes" for q in k[1]})
            out[lid] = ("classes", classes) if classes else ("safe", None)
    return out


def _constant_valued(an: "Analyzer", expr: ast.expr, scope: Scope) -> bool:
    """A number beside a dataset in a returned tuple: a literal, or a local name only ever assigned literals
    or read from an attribute (``nb_classes = 100``, ``nb_classes = dataset.nb_classes``)."""
    if type(expr) is ast.Constant:
        return True
    values = an.values_of(expr, scope)
    return type(expr) is ast.Name and len(values) > 1 and all(type(v) in (ast.Constant, ast.Attribute)
                                                              for v in values[1:])


def _returned(fn: ast.AST) -> List[ast.expr]:
    """The values a function's own return statements give (not those of functions or classes inside it); a
    bare ``return`` is None."""
    out: List[ast.expr] = []
    stack = list(fn.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is ast.Return:
            out.append(node.value if node.value is not None else ast.Constant(None))  # type: ignore[attr-defined]
        elif t not in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _hf_dataset(an: "Analyzer", value: ast.expr, scope: Scope, depth: int, streaming: bool = False) -> Optional[str]:
    """The name of the HF call or type that makes ``value`` a map-style Hugging Face dataset (or DatasetDict):
    one of HF_DATASET_CALLS, a split or method (HF_DATASET_METHODS) of such a dataset, or a parameter
    annotated with one of HF_DATASET_TYPES; None when it is not one. With ``streaming``, the same for a
    streaming ``IterableDataset`` instead: ``load_dataset(..., streaming=True)`` (a split, what its methods
    return) or a map-style dataset's ``.to_iterable_dataset()``."""
    if depth > 4:
        return None
    t = type(value)
    if t is ast.Subscript:  # dataset["train"]
        return _first_hf(an, value.value, scope, depth, streaming)  # type: ignore[attr-defined]
    if t is ast.Name:
        bnd = an.lookup(value.id, scope)  # type: ignore[attr-defined]
        if not streaming and bnd is not None and bnd.kind == "param" and bnd.values:
            return _hf_type(an, bnd.values[0], scope)
        return None
    if t is not ast.Call:
        return None
    func = value.func  # type: ignore[attr-defined]
    name = an.resolve(func, scope)
    if name in HF_DATASET_CALLS:
        streams = any(k.arg == "streaming" and literal(k.value) is not False
                      for k in value.keywords)  # type: ignore[attr-defined]
        return name if streams == streaming else None
    if name is None and type(func) is ast.Attribute:
        if streaming and func.attr == "to_iterable_dataset":
            return _first_hf(an, func.value, scope, depth)
        if func.attr in HF_DATASET_METHODS:
            return _first_hf(an, func.value, scope, depth, streaming)
    return None


def _first_hf(an: "Analyzer", expr: ast.expr, scope: Scope, depth: int, streaming: bool = False) -> Optional[str]:
    for v in an.values_of(expr, scope):
        hf = _hf_dataset(an, v, scope, depth + 1, streaming)
        if hf is not None:
            return hf
    return None


def _hf_type(an: "Analyzer", ann: ast.expr, scope: Scope) -> Optional[str]:
    """An annotation naming a map-style HF dataset: ``Dataset``, ``Optional[Dataset]``, ``Dataset | None``."""
    if type(ann) is ast.BinOp and isinstance(ann.op, ast.BitOr):  # type: ignore[attr-defined]
        sides = [x for x in (ann.left, ann.right)  # type: ignore[attr-defined]
                 if not (type(x) is ast.Constant and x.value is None)]  # type: ignore[attr-defined]
        return _hf_type(an, sides[0], scope) if len(sides) == 1 else None
    if type(ann) is ast.Subscript and an.resolve(ann.value, scope) == "typing.Optional":  # type: ignore[attr-defined]
        return _hf_type(an, ann.slice, scope)  # type: ignore[attr-defined]
    name = an.resolve(ann, scope)
    return name if name in HF_DATASET_TYPES else None


def collect_argparse_defaults(an: Analyzer) -> Dict[str, str]:
    """``parser.add_argument("--seed", type=int, default=None)`` -> {"seed": "None"}.

    Values: "None" (no default, or ``default=None``), "neg" (a negative number), "zero" (``default=0``), "off"
    (``store_true`` or ``default=False``), "set" (any other default).
    """
    out: Dict[str, str] = {}
    for site in an.calls:
        if site.method != "add_argument":
            continue
        flags = [literal(a) for a in site.node.args]
        flags = [f for f in flags if isinstance(f, str)]
        if not flags:
            continue
        dest_node = site.kwarg("dest")
        dest = literal(dest_node) if dest_node is not None else None
        if not isinstance(dest, str):
            longs = [f for f in flags if f.startswith("--")]
            dest = (longs[0] if longs else flags[0]).lstrip("-").replace("-", "_")
        action = literal(site.kwarg("action"))
        default = site.kwarg("default")
        value = literal(default) if default is not None else None
        if action == "store_true" and (default is None or value is False):
            out[dest] = "off"  # a flag that is off unless given
        elif isinstance(action, str) and action.startswith("store_"):
            out[dest] = "set"
        elif value is False:
            out[dest] = "off"
        elif value is None:
            out[dest] = "None"
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            out[dest] = "neg"  # a negative default that code often maps to "no seed"
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
            out[dest] = "zero"  # (also "no seed" where the code tests the setting's truth: `if args.seed:`)
        else:
            out[dest] = "set"
    return out


_AUTOGRAD_FUNCTIONS = frozenset({"torch.autograd.Function", "torch.autograd.function.Function"})


def _starts_cuda(node: ast.AST) -> bool:
    """A string literal that begins a CUDA device name (``"cuda:"``, ``"cuda:%d"``, ``"cuda:{}"``)."""
    return type(node) is ast.Constant and isinstance(node.value, str) and (  # type: ignore[attr-defined]
        node.value == "cuda" or node.value.startswith("cuda:"))  # type: ignore[attr-defined]


def collect_hydra_config(an: Analyzer) -> Optional[List[Optional[str]]]:
    """``@hydra.main(config_path="conf", config_name="train")`` -> ["conf", "train"] (None where not given):
    where the program's settings get their defaults (seedlint/project/hydra.py). None without such a
    decorator, or when an argument is not a string literal."""
    for site in an.calls:
        if site.name != "hydra.main":
            continue
        values: List[Optional[str]] = []
        for pos, name in ((0, "config_path"), (1, "config_name")):
            node = site.arg(pos, name)
            value = literal(node) if node is not None else None
            if value is not None and not isinstance(value, str):
                return None
            values.append(value)
        return values
    return None


def may_seed(functions: Dict[str, Dict[str, Any]]) -> bool:
    """Could a function of this file seed (directly, or through a helper whose name says so)?

    The project analysis counts a method call on an object of unknown type (``obj.reset()``) as a call to
    the project methods of that name, but only to those in files where this holds (``"ms"`` in the facts).
    """
    for fn in functions.values():
        for ev in fn["events"]:
            k = ev["k"]
            if k == "seed" or k == "det":
                return True
            if k == "call":
                t = ev["t"]
                low = t.lower()
                if "seed" in low or "determin" in low or "reproducib" in low or t in HELPERS_BY_NAME:
                    return True
        for m in fn.get("mc", ()):
            low = m.lower()
            if "seed" in low or "determin" in low or "reproducib" in low:
                return True
    return False


# what a script that reads its command line names (argparse, sys.argv and the common CLI libraries)
_CLI_WORDS = ("argparse", "ArgumentParser", "argv", "click", "typer", "fire", "hydra", "absl", "docopt",
              "tyro", "simple_parsing", "jsonargparse", "Parser")


def reads_command_line(source: str) -> bool:
    """Could the file read a command line? A plain word test, generous on purpose: a library module's
    ``__main__`` block that names none of these is a self-test (see analysis._self_test)."""
    return any(w in source for w in _CLI_WORDS)


def test_named(path: str) -> bool:
    """Is the file named ``*_test.py``, as pytest collects tests and some projects name training scripts?"""
    return path.endswith("_test.py")


# what a block that leaves something behind names (a file, a table, a checkpoint): one that names none of these
# can only print
_OUTPUT_WORDS = ("save", "dump", "write", "to_csv", "to_parquet", "export", "upload", "push_to_hub")


def writes_output(source: str) -> bool:
    """Could the file leave an output behind (a file, a table, a checkpoint)? A plain word test, generous on
    purpose: a flat-layout module's ``__main__`` block that names none of these prints at most (analysis._self_test)."""
    return any(w in source for w in _OUTPUT_WORDS)


def analyze(tree: ast.Module, path: str, source: str) -> Tuple[FileContext, Dict[str, Any]]:
    an = Analyzer(tree, path, source)
    an.run()
    ctx = FileContext(
        path=path, source=source, tree=tree, calls=an.calls, assigns=an.assigns,
        env_writes=an.env_writes, functions=an.functions, imports_torch=an.imports_torch, analyzer=an,
    )
    classes = an.func_facts.pop("<classes>", {"classes": {}})["classes"]
    for cls_id, info in classes.items():
        info["rng"] = an.class_rngs.get(cls_id)
    for ev, site in an._loader_events:
        ev["ds"], ev["dsq"] = dataset_kind(an, site)
    for fn in an.func_facts.values():
        if "mc" in fn:
            fn["mc"] = sorted(fn["mc"])
    facts = {
        "ms": may_seed(an.func_facts),
        "tr": an.trains,
        "nk": an.kernel_evidence,
        # (only a __main__ block's file asks, and a script named like a test: analysis._is_test_file)
        "cli": (an.has_main_guard or test_named(path)) and reads_command_line(source),
        "out": an.has_main_guard and writes_output(source),
        "dsf": dataset_factories(an),
        "imports": an.imports,
        "main_guard": an.has_main_guard,
        "top_level_code": an.top_level_code,
        "top_level_work": an.top_level_work,
        "functions": {k: v for k, v in an.func_facts.items()},
        "classes": classes,
        "argparse": collect_argparse_defaults(an),
        "hydra": collect_hydra_config(an),
        "bindings": {
            k: (b.target if b.kind == "import" else LOCAL + (b.target or ""))
            for k, b in an.module_scope.bindings.items() if b.kind in ("import", "def", "class")
        },
    }
    if an.classes or an.functions:
        # a listing one module's function returns and a dataset of another module keeps (SDL206)
        from seedlint.rules.dataloader.sdl206_filesystem_order import listing_facts

        returned, kept = listing_facts(ctx)
        if returned:
            facts["lst"] = returned
        if kept:
            facts["dsl"] = kept
    return ctx, facts
