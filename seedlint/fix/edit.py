"""Editing one file with libcst: find the node a finding names, schedule edits, apply them in one pass.

Edits are scheduled against the nodes of the parsed module (by identity) and applied by one
transformer, so several edits to the same node compose (``DataLoader(...)`` can gain both
``worker_init_fn=`` and ``generator=``), and statements are inserted into or moved within their block
without disturbing anything else: comments, blank lines, quotes and line endings stay as they were.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from seedlint.engine.filepass import char_col

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

Edit = Callable[[cst.CSTNode], cst.CSTNode]
Span = Tuple[int, int, int, int]


class CannotFix(Exception):
    """A fix that does not apply here; the message says why (it is shown to the user)."""


def source_lines(text: str) -> List[str]:
    """The lines the parser counts (split at \\n, \\r\\n and \\r only), without their endings."""
    return [m.group(0).rstrip("\r\n") for m in _LINE_RE.finditer(text)]


# ---------------------------------------------------------------------------------------------- names
@dataclass
class _Binding:
    kind: str  # "import" | "other" | "planned" (an import this pass adds)
    target: Optional[str]  # for imports: what the name refers to ("numpy", "seedlint.runtime.seed_worker")
    top: bool  # an import statement directly in the module body
    line: int


class NameTable:
    """Every identifier a module mentions and how it is bound, to reuse an import or pick a free name."""

    def __init__(self, tree: ast.Module) -> None:
        self.appears: Set[str] = set()
        self.bindings: Dict[str, List[_Binding]] = {}
        self.star_import = False
        top_imports = {id(s) for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self._bind(a.asname, "import", a.name, id(node) in top_imports, node.lineno)
                    else:
                        first = a.name.split(".")[0]
                        self._bind(first, "import", first, id(node) in top_imports, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = "." * (node.level or 0) + (node.module or "")
                for a in node.names:
                    if a.name == "*":
                        self.star_import = True
                        continue
                    sep = "" if base.endswith(".") or not base else "."
                    self._bind(a.asname or a.name, "import", f"{base}{sep}{a.name}", id(node) in top_imports,
                               node.lineno)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._bind(node.name, "other", None, False, node.lineno)
            elif isinstance(node, ast.arg):
                self._bind(node.arg, "other", None, False, getattr(node, "lineno", 0))
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    self.appears.add(node.id)
                else:
                    self._bind(node.id, "other", None, False, node.lineno)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for n in node.names:
                    self._bind(n, "other", None, False, node.lineno)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._bind(node.name, "other", None, False, node.lineno)
            elif type(node).__name__ in ("MatchAs", "MatchStar") and getattr(node, "name", None):
                self._bind(node.name, "other", None, False, node.lineno)
            elif type(node).__name__ == "MatchMapping" and getattr(node, "rest", None):
                self._bind(node.rest, "other", None, False, node.lineno)
            elif type(node).__name__ in ("TypeVar", "ParamSpec", "TypeVarTuple") and getattr(node, "name", None):
                self._bind(node.name, "other", None, False, getattr(node, "lineno", 0))

    def _bind(self, name: str, kind: str, target: Optional[str], top: bool, line: int) -> None:
        self.appears.add(name)
        self.bindings.setdefault(name, []).append(_Binding(kind, target, top, line))

    def reusable(self, target: str, before_line: int) -> Optional[str]:
        """A name bound only by top-level imports of ``target`` (one of them before ``before_line``)."""
        for name, binds in sorted(self.bindings.items()):
            if all(b.kind == "import" and b.target == target and b.top for b in binds) and any(
                    b.line < before_line for b in binds):
                return name
        return None

    def free_name(self, preferred: Sequence[str]) -> str:
        for name in preferred:
            if name not in self.appears and not self.star_import:
                return name
        base = "_seedlint_" + preferred[0].lstrip("_")
        name, i = base, 1
        while name in self.appears:
            i += 1
            name = f"{base}{i}"
        return name

    def claim(self, name: str, target: str) -> None:
        """Record a name an import scheduled by this edit takes (so that no other request takes it)."""
        self._bind(name, "planned", target, True, 0)


# ---------------------------------------------------------------------------------------------- plan
@dataclass
class _Insert:
    order: int  # imports (0) before calls (1)
    node: Optional[cst.BaseStatement] = None
    moved: Optional[cst.BaseStatement] = None  # an original statement of the same block, moved here
    leading: Optional[Sequence[cst.EmptyLine]] = None
    name: Optional[str] = None  # for an added import: the name it binds

    def render(self, mapping: Dict[int, cst.BaseStatement]) -> cst.BaseStatement:
        if self.moved is not None:
            stmt = mapping[id(self.moved)]
            return stmt.with_changes(leading_lines=list(self.leading or ())) if self.leading is not None else stmt
        assert self.node is not None
        return self.node


class _Applier(cst.CSTTransformer):
    def __init__(self, editor: "FileEditor") -> None:
        super().__init__()
        self.ed = editor

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        for edit in self.ed.node_edits.get(id(original_node), ()):
            result = edit(result)
        return result

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self.ed._block(original_node, original_node.body, updated_node.body))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock):
        return updated_node.with_changes(body=self.ed._block(original_node, original_node.body, updated_node.body))


Owner = Union[cst.Module, cst.IndentedBlock]


class FileEditor:
    """One file, one pass: locate nodes, schedule edits, render the result."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.module = cst.parse_module(text)  # raises libcst.ParserSyntaxError
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.pos = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tree = ast.parse(text, filename=path)
        self.lines = source_lines(text)
        self.fp_lines = text.splitlines()  # how the engine converts columns (see filepass.char_col)
        self.names = NameTable(self.tree)
        self._spans: Optional[Dict[Span, List[cst.CSTNode]]] = None
        self.node_edits: Dict[int, List[Edit]] = {}
        self.before: Dict[int, List[_Insert]] = {}
        self.at_end: Dict[int, List[_Insert]] = {}
        self.remove: Set[int] = set()
        self.leading: Dict[int, List[cst.EmptyLine]] = {}
        self._keep: List[cst.CSTNode] = []
        self._imports: Dict[Tuple[str, str], Tuple[int, _Insert]] = {}
        self.descriptions: List[str] = []

    # ------------------------------------------------------------------ positions
    def char(self, line: int, byte_col: int) -> int:
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
        return byte_col

    def ast_span(self, node: ast.AST) -> Span:
        end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        end_col = node.col_offset if end_col is None else end_col  # type: ignore[attr-defined]
        return (node.lineno, self.char(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                end_line, self.char(end_line, end_col))

    def diag_key(self, node: ast.AST) -> Tuple[int, int, int, int]:
        """(line, col, end_line, end_col) exactly as the engine reports a finding on ``node``."""
        line, bcol = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or line
        end_bcol = getattr(node, "end_col_offset", None) or bcol
        return (line, char_col(self.fp_lines, line, bcol) + 1,
                end_line, char_col(self.fp_lines, end_line, end_bcol) + 1)

    def event_key(self, node: ast.AST) -> Tuple[int, int]:
        """(line, col) as the engine records an event on ``node``."""
        return node.lineno, char_col(self.fp_lines, node.lineno, node.col_offset) + 1  # type: ignore[attr-defined]

    def cst_for(self, node: ast.AST, types: Tuple[type, ...]) -> cst.CSTNode:
        if self._spans is None:
            self._spans = {}
            for n, p in self.pos.items():
                self._spans.setdefault((p.start.line, p.start.column, p.end.line, p.end.column), []).append(n)
        hits = [n for n in self._spans.get(self.ast_span(node), []) if isinstance(n, types)]
        if len(hits) != 1:
            raise CannotFix("could not locate the code to edit")
        return hits[0]

    def span(self, node: cst.CSTNode) -> Tuple[int, int]:
        p = self.pos[node]
        return p.start.line, p.end.line

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        cur: Optional[cst.CSTNode] = node
        while cur is not None and not isinstance(cur, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            cur = self.parent(cur)
        if cur is None:
            raise CannotFix("could not locate the statement to edit")
        return cur  # type: ignore[return-value]

    def top_index(self, node: cst.CSTNode) -> int:
        """Index in the module body of the top-level statement that holds ``node``."""
        cur = node
        while True:
            par = self.parent(cur)
            if par is None or isinstance(par, cst.Module):
                break
            cur = par
        for i, stmt in enumerate(self.module.body):
            if stmt is cur:
                return i
        raise CannotFix("could not locate the statement to edit")

    def top_index_at_line(self, line: int) -> Optional[int]:
        for i, stmt in enumerate(self.module.body):
            start, end = self.span(stmt)
            if start <= line <= end:
                return i
        return None

    # ------------------------------------------------------------------ module layout
    def header_end(self) -> int:
        """Index after the module docstring and the ``from __future__`` imports."""
        i = 0
        body = self.module.body
        if body and _is_docstring(body[0]):
            i = 1
        while i < len(body) and _is_future(body[i]):
            i += 1
        return i

    def imports_end(self) -> int:
        """Index after the leading import block (docstring and __future__ imports included)."""
        i = self.header_end()
        body = self.module.body
        while i < len(body) and _is_import_line(body[i]):
            i += 1
        return i

    def main_guard(self) -> Optional[int]:
        for i, stmt in enumerate(self.module.body):
            if isinstance(stmt, cst.If) and _is_main_test(stmt.test) and isinstance(stmt.body, cst.IndentedBlock):
                return i
        return None

    # ------------------------------------------------------------------ scheduling
    def edit_node(self, node: cst.CSTNode, edit: Edit) -> None:
        self._keep.append(node)
        self.node_edits.setdefault(id(node), []).append(edit)

    def insert_before(self, stmt: cst.CSTNode, item: _Insert) -> None:
        self._keep.append(stmt)
        self.before.setdefault(id(stmt), []).append(item)

    def insert_at_end(self, owner: Owner, item: _Insert) -> None:
        self._keep.append(owner)
        self.at_end.setdefault(id(owner), []).append(item)

    def insert_in_block(self, owner: Owner, index: int, item: _Insert) -> None:
        body = owner.body
        if index < len(body):
            self.insert_before(body[index], item)
        else:
            self.insert_at_end(owner, item)

    def parse_statement(self, code: str) -> cst.BaseStatement:
        return cst.parse_statement(code, config=self.module.config_for_parsing)

    def new_statement(self, code: str, follow: Optional[cst.BaseStatement]) -> cst.BaseStatement:
        """A statement to insert before ``follow``, taking a copy of the blank lines that precede it."""
        stmt = self.parse_statement(code)
        if follow is not None:
            stmt = stmt.with_changes(leading_lines=[ln.deep_clone() for ln in blank_prefix(follow)])
        return stmt

    def ensure_import(self, targets: Sequence[Tuple[str, str]], preferred: Sequence[str], use_index: int,
                      add: Tuple[str, str]) -> Tuple[str, str]:
        """A name bound to one of ``targets`` at the module's top level before statement ``use_index``.

        ``targets`` are (qualified name, kind) pairs, kind "module" or "object"; an existing top-level
        import of one of them is reused, else ``add`` (the first form) is imported under a free name,
        at the end of the leading import block (or before the statement that needs it, when earlier).
        Returns (name, the target it is bound to).
        """
        body = self.module.body
        use_line = self.span(body[use_index])[0] if use_index < len(body) else 10**9
        for target, _kind in targets:
            name = self.names.reusable(target, use_line)
            if name is not None:
                return name, target
        target, kind = add
        key = (target, kind)
        if key in self._imports:
            index, item = self._imports[key]
            if index > use_index:  # an earlier use needs it: move it up
                self._move_import(index, use_index, item)
                self._imports[key] = (use_index, item)
            assert item.name is not None
            return item.name, target
        name = self.names.free_name(preferred)
        module, _, obj = target.rpartition(".")
        if kind == "module":
            code = f"import {target}" if name == target else f"import {target} as {name}"
        else:
            code = f"from {module} import {obj}" if name == obj else f"from {module} import {obj} as {name}"
        index = min(self.imports_end(), use_index)
        item = _Insert(0, node=self.parse_statement(code + "\n"), name=name)
        self.insert_in_block(self.module, index, item)
        self._imports[key] = (index, item)
        self.names.claim(name, target)
        return name, target

    def _move_import(self, old: int, new: int, item: _Insert) -> None:
        body = self.module.body
        lst = self.before.get(id(body[old])) if old < len(body) else self.at_end.get(id(self.module))
        if lst is not None and item in lst:
            lst.remove(item)
        self.insert_in_block(self.module, new, item)

    # ------------------------------------------------------------------ render
    def _block(self, owner: cst.CSTNode, orig: Sequence[cst.BaseStatement],
               new: Sequence[cst.BaseStatement]) -> List[cst.BaseStatement]:
        mapping = {id(o): n for o, n in zip(orig, new)}
        out: List[cst.BaseStatement] = []
        for o, n in zip(orig, new):
            for item in sorted(self.before.get(id(o), ()), key=lambda it: it.order):
                out.append(item.render(mapping))
            if id(o) in self.remove:
                continue
            if id(o) in self.leading:
                n = n.with_changes(leading_lines=self.leading[id(o)])
            out.append(n)
        for item in sorted(self.at_end.get(id(owner), ()), key=lambda it: it.order):
            out.append(item.render(mapping))
        return out

    @property
    def has_edits(self) -> bool:
        return bool(self.node_edits or self.before or self.at_end or self.remove)

    def render(self) -> str:
        if not self.has_edits:
            return self.text
        return self.module.visit(_Applier(self)).code


# ---------------------------------------------------------------------------------------------- helpers
def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _is_future(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) >= 1 and all(
        isinstance(s, cst.ImportFrom) and isinstance(s.module, cst.Name) and s.module.value == "__future__"
        and not s.relative for s in stmt.body))


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _is_main_test(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strs = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return bool(names and strs)


def docstring_offset(block: cst.IndentedBlock) -> int:
    return 1 if block.body and _is_docstring(block.body[0]) else 0


def blank_prefix(stmt: cst.CSTNode) -> List[cst.EmptyLine]:
    out: List[cst.EmptyLine] = []
    for ln in getattr(stmt, "leading_lines", ()):
        if ln.comment is not None:
            break
        out.append(ln)
    return out


def statement_names(code: str) -> Tuple[Set[str], Set[str]]:
    """(names read, names bound) by a statement's code, nested function bodies included for reads."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(textwrap.dedent(code))
    table = NameTable(tree)
    bound = {n for n, bs in table.bindings.items() if bs}
    reads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            reads.add(node.id)
    return reads, bound


# ---------------------------------------------------------------------------------------------- call arguments
def _strip_comments(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        first = ws.first_line.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        lines = [ln for ln in ws.empty_lines if ln.comment is None]
        return ws.with_changes(first_line=first, empty_lines=lines)
    return ws


def append_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` added after its last argument, in the call's own layout."""
    new = cst.Arg(value=value, keyword=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    sep: cst.Comma
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        prev = args[-2].comma
        sep = cst.Comma(whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=_strip_comments(prev.whitespace_after))
    else:
        sep = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma):
        trailing = last.comma
        after = trailing.whitespace_after
        between = sep.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
            # keep the last argument's end-of-line comment on its line; the new argument takes the
            # line break before the closing parenthesis
            last_sep = cst.Comma(whitespace_before=trailing.whitespace_before,
                                 whitespace_after=between.with_changes(first_line=after.first_line))
            new_comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=after.with_changes(first_line=cst.TrailingWhitespace()))
        else:
            last_sep = cst.Comma(whitespace_before=trailing.whitespace_before, whitespace_after=sep.whitespace_after
                                 if not isinstance(after, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" "))
            new_comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=after)
        args[-1] = last.with_changes(comma=last_sep)
        args.append(new.with_changes(comma=new_comma))
    else:
        after_arg = last.whitespace_after_arg
        if isinstance(after_arg, cst.ParenthesizedWhitespace) and isinstance(sep.whitespace_after,
                                                                             cst.ParenthesizedWhitespace):
            # `x=1  # note` then `)` on its own line: the note stays on x's line
            sep = sep.with_changes(whitespace_after=sep.whitespace_after.with_changes(first_line=after_arg.first_line))
            after_arg = after_arg.with_changes(first_line=cst.TrailingWhitespace())
        args[-1] = last.with_changes(comma=sep, whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=after_arg))
    return call.with_changes(args=args)


def positional_count(call: Union[ast.Call, cst.Call]) -> int:
    if isinstance(call, ast.Call):
        return len(call.args)
    return sum(1 for a in call.args if a.keyword is None and a.star == "")


def has_star_args(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
