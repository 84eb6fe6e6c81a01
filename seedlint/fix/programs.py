"""Program-level fixes: the seed block (SDL001-SDL003, SDL102) and moving a late seed (SDL007).

Where the seed block goes, for a program that starts in file E:

* a ``[project.scripts]`` / ``entry-points`` function whose module draws nothing at import time: the
  start of that function's body, after its docstring;
* a file with ``if __name__ == "__main__":`` when nothing before that block draws: the start of the block;
* otherwise module level, after the docstring, ``from __future__`` imports and the leading import
  block, and never after the first top-level statement that draws from an RNG, puts work on CUDA or
  imports a module that does.

What it contains:

* nothing seeded anywhere in the program: ``seed_everything(SEED)`` from ``seedlint.runtime`` (with
  ``warn_only=True`` when the program runs an op that raises in deterministic mode), the configured
  ``seed-function``, or with ``--inline`` plain ``random.seed`` / ``np.random.seed`` /
  ``torch.manual_seed`` for the RNGs it uses plus ``torch.use_deterministic_algorithms(True,
  warn_only=True)`` when it runs on CUDA;
* the program already seeds some RNGs (with whatever value): inline seeding of only the missing ones,
  so no seed the user wrote is ever replaced.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Set, Tuple

import libcst as cst

from seedlint.fix.edit import (CannotFix, FileEditor, Owner, _Insert, _is_main_test, blank_prefix,
                               docstring_offset, statement_names)
from seedlint.project.analysis import RNGS, Program, ProgramInfo, Project, Site, Summary, unseeded_use

RNG_CODES = {"random": "SDL001", "numpy": "SDL002", "torch": "SDL003"}
DET_CODE = "SDL102"
SEED_AFTER_USE = "SDL007"
BLOCK_CODES = frozenset({*RNG_CODES.values(), DET_CODE})
ALL_ITEMS = frozenset({*RNGS, "det"})
RUNTIME_SEED = "seedlint.runtime.seed_everything"

Key = Tuple[str, int, int, str]  # (absolute path, line, col, code)


@dataclass
class BlockRequest:
    program: Program
    info: ProgramInfo
    items: Set[str]  # RNG names and "det"
    keys: List[Key] = field(default_factory=list)


def block_requests(programs: List[Program], infos: List[ProgramInfo], wanted: Callable[[Key], bool]
                   ) -> List[BlockRequest]:
    """Each program's findings that the seed block addresses (selected, not suppressed, allowed)."""
    out = []
    for prog, info in zip(programs, infos):
        s = prog.summary
        req = BlockRequest(prog, info, set())
        for rng in RNGS:
            hit = unseeded_use(prog, rng)  # (where SDL001-SDL003 report it, and the RNG whose seed it needs)
            if hit is None:
                continue
            site, need = hit
            key = (site.path, site.line, site.col, RNG_CODES[rng])
            if wanted(key):
                req.items.add(need)
                req.keys.append(key)
        # (SDL102's other conditions, a kernel deterministic mode acts on, are in `wanted`: its finding exists)
        if s.det_on is None and prog.trains:
            # the place SDL102 reports: the first unconditional CUDA placement, else the first one, else one that
            # a setting off by default leaves on CUDA (the rule's choice: whichever is a finding)
            for site in (s.cuda_plain, s.cuda, *(site for site, _ in s.cuda_unless)):
                key = (site.path, site.line, site.col, DET_CODE) if site is not None else None
                if key is not None and wanted(key):
                    req.items.add("det")
                    req.keys.append(key)
                    break
        if req.items:
            out.append(req)
    return out


# ---------------------------------------------------------------------------------------------- events
def _summary_draws(s: Summary) -> bool:
    return bool(s.uses or s.worker_uses or s.cuda)


def event_draws(project: Project, path: str, ev: dict) -> bool:
    """Does running this event draw from an RNG or put work on CUDA (itself or through what it calls)?"""
    k = ev["k"]
    if k == "use":
        return True
    if k == "cuda":
        return not ev.get("weak")
    try:
        if k == "import":
            for mod in project._import_targets(path, {"m": ev["m"], "lv": ev["lv"], "n": ev["n"]}):
                if mod != path and _summary_draws(project.summary((mod, "<module>"))):
                    return True
            return False
        if k == "call":
            s = Summary()
            project._call(s, path, ev, Site(path, ev["l"], ev["c"]))
            return _summary_draws(s)
    except RecursionError:  # pragma: no cover - be conservative
        return True
    return False


def _first_use_of(project: Project, path: str, ev: dict, rng: str) -> bool:
    """Is this (unconditional) event, in straight-line order, a use of ``rng`` before any seed of it?"""
    if ev.get("cond"):
        return False
    k = ev["k"]
    if k == "use":
        return rng in ev["r"]
    subs = project.straight_callees(path, ev) if k in ("import", "call") else []
    return any(sub.first.get(rng, ("", None))[0] == "use" for sub in subs)


def _top_index_for_line(ed: FileEditor, line: int) -> Optional[int]:
    for i, stmt in enumerate(ed.module.body):
        if ed.span(stmt)[1] >= line:
            return i
    return None


def _first_drawing_statement(ed: FileEditor, project: Project, path: str, lids: Tuple[str, ...]) -> Optional[int]:
    functions = project.facts[path]["functions"]
    first: Optional[int] = None
    for lid in lids:
        for ev in functions.get(lid, {}).get("events", ()):
            if first is not None and ev["l"] > ed.span(ed.module.body[first])[1]:
                continue
            if event_draws(project, path, ev):
                idx = _top_index_for_line(ed, ev["l"])
                if idx is not None and (first is None or idx < first):
                    first = idx
    return first


def needs_warn_only(project: Project, prog: Program) -> bool:
    """Does the program run an op that raises in deterministic mode (list (b) of the torch docs)?"""
    for mod in prog.modules:
        for fn in project.facts.get(mod, {}).get("functions", {}).values():
            for ev in fn.get("events", ()):
                if ev["k"] == "op" and ev.get("lst") == "b" and (ev.get("dev") != "CUDA" or prog.summary.cuda):
                    return True
    return False


# ---------------------------------------------------------------------------------------------- placement
def placement(ed: FileEditor, project: Project, prog: Program, info: ProgramInfo) -> Tuple[Owner, int, str]:
    """(block, index, where) for the seed block of ``prog`` in its entry file ``ed``."""
    path = prog.entry
    module_draw = _first_drawing_statement(ed, project, path, ("<module>",))
    func = info.function
    if func and "." not in func and module_draw is None:
        fn = None
        for stmt in ed.module.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func:
                fn = stmt  # the last definition is the one that runs
        if fn is not None and isinstance(fn.body, cst.IndentedBlock):
            return fn.body, docstring_offset(fn.body), f"at the start of {func}()"
    if not func:
        guard = ed.main_guard()
        if guard is not None and (module_draw is None or module_draw > guard):
            block = ed.module.body[guard].body
            assert isinstance(block, cst.IndentedBlock)
            return block, 0, 'at the start of the `if __name__ == "__main__":` block'
    index = ed.imports_end()
    first = _first_drawing_statement(ed, project, path, ("<module>", "<main>"))
    if first is not None and first < index:
        index = max(first, ed.header_end())
    return ed.module, index, "after the imports" if index == ed.imports_end() else "before the first RNG use"


# ---------------------------------------------------------------------------------------------- block content
@dataclass
class BlockSpec:
    kind: str  # "runtime" | "function" | "inline"
    items: Set[str]
    warn_only: bool = False


def block_spec(req_items: Set[str], already: Set[str], seeded: Set[str], *, inline: bool,
               seed_function: Optional[str], warn_only: bool) -> Tuple[Optional[BlockSpec], Set[str]]:
    """What to insert for a program (None: nothing new) and which requested items it cannot cover."""
    todo = set(req_items) - already
    stuck = set(req_items) & already
    if not todo:
        return None, stuck
    if not seeded and not already and not inline:
        if seed_function:
            return BlockSpec("function", set(RNGS)), stuck
        return BlockSpec("runtime", set(ALL_ITEMS), warn_only=warn_only), stuck
    return BlockSpec("inline", todo), stuck


def block_statements(ed: FileEditor, spec: BlockSpec, seed: int, use_index: int,
                     seed_function: Optional[str]) -> List[str]:
    """The seed block's statements (its imports are scheduled on ``ed``)."""
    if spec.kind == "runtime":
        name, _ = ed.ensure_import([(RUNTIME_SEED, "object")], ["seed_everything"], use_index,
                                   (RUNTIME_SEED, "object"))
        return [f"{name}({seed}, warn_only=True)" if spec.warn_only else f"{name}({seed})"]
    if spec.kind == "function":
        assert seed_function is not None
        module, func = seed_function.split(":", 1)
        first, _, rest = func.partition(".")
        name, _ = ed.ensure_import([(f"{module}.{first}", "object")], [first], use_index,
                                   (f"{module}.{first}", "object"))
        return [f"{name}{'.' + rest if rest else ''}({seed})"]
    lines = []
    if "random" in spec.items:
        name, _ = ed.ensure_import([("random", "module")], ["random"], use_index, ("random", "module"))
        lines.append(f"{name}.seed({seed})")
    if "numpy" in spec.items:
        name, target = ed.ensure_import([("numpy", "module"), ("numpy.random", "module")], ["np", "numpy"],
                                        use_index, ("numpy", "module"))
        lines.append(f"{name}.seed({seed})" if target == "numpy.random" else f"{name}.random.seed({seed})")
    if "torch" in spec.items or "det" in spec.items:
        name, _ = ed.ensure_import([("torch", "module")], ["torch"], use_index, ("torch", "module"))
        if "torch" in spec.items:
            lines.append(f"{name}.manual_seed({seed})")
        if "det" in spec.items:
            lines.append(f"{name}.use_deterministic_algorithms(True, warn_only=True)")
    return lines


def calls_seed_function(ed: FileEditor, seed_function: str) -> bool:
    """Does the file already call the configured seed-function (imported under any name)?"""
    module, _, func = seed_function.partition(":")
    first, _, rest = func.partition(".")
    target = f"{module}.{first}"
    names = {n for n, binds in ed.names.bindings.items()
             if any(b.kind == "import" and b.target == target for b in binds)}
    for node in ast.walk(ed.tree):
        if isinstance(node, ast.Call):
            f = node.func
            parts = []
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name) and f.id in names and ".".join(reversed(parts)) == rest:
                return True
    return False


def insert_block(ed: FileEditor, owner: Owner, index: int, lines: List[str]) -> None:
    body = owner.body
    follow = body[index] if index < len(body) else None
    for i, line in enumerate(lines):
        stmt = ed.new_statement(line + "\n", follow if i == 0 else None)
        ed.insert_in_block(owner, index, _Insert(1, node=stmt))


def top_index_of_block(ed: FileEditor, owner: Owner, index: int) -> int:
    """Module-body index of the statement before which code placed at (owner, index) runs."""
    if owner is ed.module:
        return index
    return ed.top_index(owner)


# ---------------------------------------------------------------------------------------------- SDL007
def _enclosing_lid(ed: FileEditor, stmt: cst.CSTNode) -> str:
    names: List[str] = []
    in_main = False
    cur: Optional[cst.CSTNode] = ed.parent(stmt)
    while cur is not None:
        if isinstance(cur, (cst.FunctionDef, cst.ClassDef)):
            names.append(cur.name.value)
        elif isinstance(cur, cst.If) and ed.parent(cur) is ed.module:
            in_main = in_main or _is_main_test(cur.test)
        cur = ed.parent(cur)
    if names:
        return ".".join(reversed(names))
    return "<main>" if in_main else "<module>"


def _seed_statement(ed: FileEditor, line: int, col: int) -> Tuple[cst.SimpleStatementLine, cst.Call]:
    for node in ast.walk(ed.tree):
        if isinstance(node, ast.Call) and ed.event_key(node) == (line, col):
            try:
                call = ed.cst_for(node, (cst.Call,))
            except CannotFix:
                continue
            stmt = ed.statement_of(call)
            if (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
                    and isinstance(stmt.body[0], cst.Expr) and stmt.body[0].value is call):
                return stmt, call  # type: ignore[return-value]
    raise CannotFix("the seed is not a statement of its own (it is part of a larger expression or line)")


def _root_name(expr: cst.BaseExpression) -> Optional[str]:
    while isinstance(expr, (cst.Attribute, cst.Call, cst.Subscript)):
        expr = expr.value if not isinstance(expr, cst.Call) else expr.func
    return expr.value if isinstance(expr, cst.Name) else None


def move_seed(ed: FileEditor, project: Project, path: str, line: int, col: int, rngs: Set[str]) -> str:
    """Schedule moving the seed statement at (line, col) before the first statement that uses ``rngs``."""
    stmt, call = _seed_statement(ed, line, col)
    owner = ed.parent(stmt)
    if not isinstance(owner, (cst.Module, cst.IndentedBlock)):
        raise CannotFix("the seed is not a plain statement of a block")
    body = list(owner.body)
    si = next(i for i, s in enumerate(body) if s is stmt)
    lid = _enclosing_lid(ed, stmt)
    events = project.facts[path]["functions"].get(lid, {}).get("events", ())
    target = None
    for j in range(si):
        start, end = ed.span(body[j])
        if any(start <= ev["l"] <= end and _first_use_of(project, path, ev, rng) for ev in events for rng in rngs):
            target = j
            break
    if target is None:
        raise CannotFix("the first use is not a statement before the seed in the same block (a move would "
                        "change which code runs)")
    if id(stmt) in ed.remove or any(id(body[k]) in ed.remove or id(body[k]) in ed.before
                                    for k in range(target, si + 1)):
        raise CannotFix("another fix edits the same statements")
    seed_code = ed.module.code_for_node(stmt.with_changes(leading_lines=()))
    reads, _ = statement_names(seed_code)
    root = _root_name(call.func)
    for k in range(target, si):
        code = ed.module.code_for_node(body[k].with_changes(leading_lines=()))
        try:
            r2, b2 = statement_names(code)
        except SyntaxError:
            raise CannotFix("could not analyse the statements the seed would move over") from None
        if reads & b2:
            raise CannotFix(f"`{sorted(reads & b2)[0]}` is assigned between the first use and the seed")
        used = (reads - {root}) & r2
        if used:
            raise CannotFix(f"`{sorted(used)[0]}` is used between the first use and the seed")
    first = body[target]
    prefix = blank_prefix(first)
    own = list(stmt.leading_lines)
    comments = own[next((i for i, ln in enumerate(own) if ln.comment is not None), len(own)):]
    ed.remove.add(id(stmt))
    ed._keep.append(stmt)
    ed.insert_before(first, _Insert(1, moved=stmt, leading=[*(ln.deep_clone() for ln in prefix), *comments]))
    ed.leading[id(first)] = list(first.leading_lines)[len(prefix):]
    start_line = ed.span(first)[0]
    return f"moved the seed at line {line} before line {start_line}"
