"""The fix loop: check, plan every fix, apply, check again until nothing changes; then write or diff.

Nothing is written until the loop is done, and a file is written only when its fixed form compiles
(or, for a file that did not compile before, still parses). Writes are atomic.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, TextIO, Tuple

import libcst as cst

from seedlint.config import Config, ConfigError
from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.engine.discovery import find_project_root
from seedlint.fix import programs as progfix
from seedlint.fix.edit import CannotFix, FileEditor
from seedlint.fix.rulefixes import FILE_FIXERS, FixContext
from seedlint.fix.sourcefile import ChangedOnDisk, SourceFile, atomic_write, decode, parses
from seedlint.fix.state import State, display, initial_state, recheck
from seedlint.project.facts import analyze
from seedlint.rules import all_rules

MAX_PASSES = 8
# file fixers whose rule also reports from the project step, at a call (found again by where the call starts)
PROJECT_CALL_FINDINGS = frozenset({"SDL206"})
SEED_MAX = 2**32 - 1
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

Key = Tuple[str, int, int, str]


class FixUsageError(Exception):
    pass


@dataclass
class Applied:
    path: str
    code: str
    what: str


@dataclass
class FixReport:
    """What ``seedlint fix`` did (or, with ``--diff``, would do)."""

    seed: int
    originals: Dict[str, SourceFile] = field(default_factory=dict)
    fixed: Dict[str, str] = field(default_factory=dict)  # path -> fixed text (only files that change)
    applied: List[Applied] = field(default_factory=list)
    initial: List[Diagnostic] = field(default_factory=list)
    remaining: List[Tuple[Diagnostic, str]] = field(default_factory=list)  # finding, why it is not fixed
    errors: List[str] = field(default_factory=list)  # internal problems: exit 2
    written: List[str] = field(default_factory=list)
    converged: bool = True

    def merge(self, other: "FixReport") -> None:
        self.originals.update(other.originals)
        self.fixed.update(other.fixed)
        self.applied.extend(other.applied)
        self.initial.extend(other.initial)
        self.remaining.extend(other.remaining)
        self.errors.extend(other.errors)
        self.converged = self.converged and other.converged

    def changed_files(self) -> List[str]:
        return sorted(p for p, text in self.fixed.items() if text != self.originals[p].text)

    def diff(self) -> str:
        out = []
        for path in self.changed_files():
            name = display(path)
            old, new = _lines(self.originals[path].text), _lines(self.fixed[path])
            for line in difflib.unified_diff(old, new, fromfile=name, tofile=name):
                out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
        return "".join(out)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> List[str]:
    return [m.group(0) for m in _LINE.finditer(text)]


def _allowed(code: str, unsafe: bool) -> bool:
    rule = all_rules().get(code)
    if rule is None:
        return False
    return rule.fix is FixSafety.SAFE or (rule.fix is FixSafety.UNSAFE and unsafe)


class _Fixer:
    def __init__(self, state: State, *, seed: int, unsafe: bool, inline: bool) -> None:
        self.state = state
        self.seed = seed
        self.unsafe = unsafe
        self.inline = inline
        self.sources: Dict[str, SourceFile] = {}
        self.texts: Dict[str, str] = {}
        self.frozen: Dict[str, str] = {}  # path -> why it is no longer edited
        self.inserted: Dict[Tuple[str, Optional[str]], Set[str]] = {}
        self.reasons: Dict[Key, str] = {}
        self.applied: List[Applied] = []
        self.pass_applied: List[Applied] = []
        self.errors: List[str] = []

    # ------------------------------------------------------------------ files
    def text(self, path: str) -> Optional[str]:
        if path in self.texts:
            return self.texts[path]
        if path in self.frozen:
            return None
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            sf = decode(path, data)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            self.frozen[path] = f"the file could not be read: {exc}"
            return None
        digest = self.state.results[path].digest if path in self.state.results else ""
        if digest and hashlib.sha256(data).hexdigest() != digest:
            self.frozen[path] = "the file changed while it was being checked"
            return None
        self.sources[path] = sf
        self.texts[path] = sf.text
        return sf.text

    def editor(self, path: str, editors: Dict[str, FileEditor]) -> Optional[FileEditor]:
        if path in editors:
            return editors[path]
        if path not in self.state.targets:
            return None
        if path.endswith(".pyi"):
            self.frozen.setdefault(path, "stub files are not edited")
            return None
        text = self.text(path)
        if text is None:
            return None
        try:
            ed = FileEditor(path, text)
        except cst.ParserSyntaxError as exc:
            self.frozen[path] = f"libcst cannot parse the file ({str(exc).splitlines()[0]})"
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.frozen[path] = f"the file could not be parsed ({type(exc).__name__})"
            return None
        editors[path] = ed
        return ed

    # ------------------------------------------------------------------ one pass
    def plan(self) -> Dict[str, FileEditor]:
        self.reasons = {}
        self.pass_applied = []
        self._spots: Set[Tuple[str, int, int]] = set()
        st = self.state
        editors: Dict[str, FileEditor] = {}
        kept: Dict[Key, Diagnostic] = {(d.path, d.line, d.col, d.code): d for d in st.diagnostics}
        spans: Dict[Tuple[str, str, Tuple[int, int, int, int]], Diagnostic] = {
            (d.path, d.code, (d.line, d.col, d.end_line, d.end_col)): d for d in st.diagnostics}

        # single-file rules
        by_file: Dict[str, Set[str]] = {}
        for d in st.diagnostics:
            if d.code in FILE_FIXERS and _allowed(d.code, self.unsafe):
                by_file.setdefault(d.path, set()).add(d.code)
        for path, codes in sorted(by_file.items()):
            ed = self.editor(path, editors)
            if ed is None:
                continue
            try:
                ctx, _ = analyze(ed.tree, path, ed.text)
            except Exception as exc:  # pragma: no cover - reported, the file is left alone
                self.errors.append(f"{display(path)}: fact collection failed: {type(exc).__name__}: {exc}")
                continue
            sites = {id(s.node): s for s in ctx.calls}
            for code in sorted(codes):
                rule = all_rules()[code]
                found: List[Tuple[ast.AST, Diagnostic]] = []
                for finding in rule.check(ctx):
                    if finding.node is None:
                        continue
                    d = spans.get((path, code, ed.diag_key(finding.node)))
                    if d is not None:
                        found.append((finding.node, d))
                # what the project step of the rule reported at a call of this file (SDL206: a dataset keeps
                # what another module's function lists), found by where the call starts
                done = {(d.line, d.col) for _, d in found}
                rest = {(d.line, d.col): d for d in st.diagnostics if code in PROJECT_CALL_FINDINGS
                        and d.path == path and d.code == code and (d.line, d.col) not in done}
                if rest:
                    for s in ctx.calls:
                        d = rest.pop(ed.diag_key(s.node)[:2], None)
                        if d is not None:
                            found.append((s.node, d))
                for node, d in found:
                    fx = FixContext(ed, self.seed, self.inline, sites.get(id(node)))
                    try:
                        what = FILE_FIXERS[code](fx, node)
                    except CannotFix as exc:
                        self.reasons[(path, d.line, d.col, code)] = str(exc)
                        continue
                    self.pass_applied.append(Applied(path, code, what))

        # seed blocks
        def wanted(key: Key) -> bool:
            return key in kept and _allowed(key[3], self.unsafe)

        requests = progfix.block_requests(st.programs, st.infos, wanted)
        for req in requests:
            self._plan_block(req, editors)

        # SDL007
        if _allowed(progfix.SEED_AFTER_USE, self.unsafe):
            late: Dict[Tuple[str, int, int], Set[str]] = {}
            for prog in st.programs:
                for seed_site, rng, _use in prog.straight.violations:
                    key = (seed_site.path, seed_site.line, seed_site.col, progfix.SEED_AFTER_USE)
                    if key in kept:
                        late.setdefault(key[:3], set()).add(rng)
            for (path, line, col), rngs in sorted(late.items()):
                key = (path, line, col, progfix.SEED_AFTER_USE)
                ed = self.editor(path, editors)
                if ed is None:
                    continue
                try:
                    what = progfix.move_seed(ed, st.project, path, line, col, rngs)
                except CannotFix as exc:
                    self.reasons[key] = str(exc)
                    continue
                self.pass_applied.append(Applied(path, progfix.SEED_AFTER_USE, what))
        return editors

    def _plan_block(self, req: progfix.BlockRequest, editors: Dict[str, FileEditor]) -> None:
        st = self.state
        prog, info = req.program, req.info
        entry = prog.entry

        def give_up(reason: str, keys=req.keys) -> None:
            for k in keys:
                self.reasons.setdefault(k, reason)

        if entry not in st.targets:
            return give_up(f"the program starts in {display(entry)}, which is not among the files being fixed")
        ed = self.editor(entry, editors)
        if ed is None:
            return give_up(f"its entry point {display(entry)} is not edited: {self.frozen.get(entry, 'unreadable')}")
        pkey = (entry, info.function)
        already = self.inserted.get(pkey, set())
        spec, stuck = progfix.block_spec(
            req.items, already, set(prog.summary.seeds), inline=self.inline, seed_function=st.config.seed_function,
            warn_only=progfix.needs_warn_only(st.project, prog))
        if stuck:
            what = ", ".join(sorted(stuck))
            keys = [k for k in req.keys if _item_of(k) in stuck]
            give_up(f"a seed block was inserted for {what}, but the analysis does not see it take effect "
                    "(is the seed-function known to seedlint? see `seeding-functions`)", keys)
        if spec is None:
            return None
        if spec.kind == "function" and progfix.calls_seed_function(ed, st.config.seed_function or ""):
            return give_up(f"{display(entry)} already calls the seed-function {st.config.seed_function}, but "
                           "seedlint does not see it seed this RNG: list it under `seeding-functions`")
        try:
            owner, index, where = progfix.placement(ed, st.project, prog, info)
            spot = (entry, id(owner), index)
            if spot in self._spots:
                return None  # another program's block goes to the same place: the next pass looks again
            self._spots.add(spot)
            use_index = progfix.top_index_of_block(ed, owner, index)
            lines = progfix.block_statements(ed, spec, self.seed, use_index, st.config.seed_function)
            progfix.insert_block(ed, owner, index, lines)
        except CannotFix as exc:
            return give_up(str(exc))
        self.inserted[pkey] = already | spec.items
        codes = sorted({k[3] for k in req.keys})
        self.pass_applied.append(Applied(entry, ",".join(codes), f"inserted `{'; '.join(lines)}` {where}"))
        return None

    def apply(self, editors: Dict[str, FileEditor]) -> Dict[str, str]:
        changed: Dict[str, str] = {}
        for path, ed in sorted(editors.items()):
            if not ed.has_edits:
                continue
            try:
                new = ed.render()
            except Exception as exc:  # a libcst failure is a seedlint bug: report, leave the file alone
                self.errors.append(f"{display(path)}: fixing failed: {type(exc).__name__}: {exc}")
                self.frozen[path] = "fixing it failed (reported as an error)"
                continue
            if new == ed.text:
                continue
            sf = self.sources[path]
            full = parses(sf.text, path) is None
            err = parses(new, path, full=full)
            if err is None:
                try:
                    sf.encode(new)
                except UnicodeEncodeError:
                    err = f"the fixed text cannot be encoded as {sf.encoding}"
            if err is not None:
                self.errors.append(f"{display(path)}: the fixed code would not compile ({err}); "
                                   "the file is left as it was")
                self.frozen[path] = "its fixed form did not compile (reported as an error)"
                self.texts[path] = self.sources[path].text
                continue
            changed[path] = new
        return changed


def _item_of(key: Key) -> str:
    code = key[3]
    for rng, c in progfix.RNG_CODES.items():
        if c == code:
            return rng
    return "det"


def fix_paths(
    paths: Sequence[Path], *, seed: Optional[int] = None, select=None, ignore=None, extend_select=None,
    unsafe_fixes: bool = False, inline: bool = False, no_cache: bool = False, jobs: Optional[int] = None,
    config_path: Optional[Path] = None, write: bool = True,
) -> FixReport:
    """Fix ``paths``; write the files unless ``write`` is False. Raises UsageError / ConfigError / FixUsageError.

    Each path is fixed within its own project (the nearest folder with a project marker), as
    ``seedlint check`` analyses it; the configuration is the one ``check`` would use.
    """
    from seedlint.api import UsageError, load_settings

    if seed is not None and (isinstance(seed, bool) or not 0 <= seed <= SEED_MAX):
        raise FixUsageError(f"--seed must be between 0 and 2**32 - 1, got {seed}")
    paths = [Path(p) for p in paths] or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    cfg = load_settings(paths, config_path)
    if seed is None:
        seed = cfg.seed if cfg.seed is not None else 0
    groups: Dict[Path, List[Path]] = {}
    for p in paths:
        groups.setdefault(find_project_root([p]), []).append(p)
    report = FixReport(seed=seed)
    for group in groups.values():
        part = _fix_project(group, cfg, seed=seed, select=select, ignore=ignore, extend_select=extend_select,
                            unsafe=unsafe_fixes, inline=inline, no_cache=no_cache, jobs=jobs)
        report.merge(part)
    if write:
        for path in report.changed_files():
            try:
                atomic_write(path, report.originals[path].encode(report.fixed[path]), report.originals[path].data)
            except (OSError, ChangedOnDisk) as exc:
                report.errors.append(f"{display(path)}: not written: {exc}")
                continue
            report.written.append(path)
    return report


def _fix_project(group: List[Path], cfg: Config, *, seed: int, select, ignore, extend_select, unsafe: bool,
                 inline: bool, no_cache: bool, jobs: Optional[int]) -> FixReport:
    report = FixReport(seed=seed)
    state = initial_state(group, cfg, select=select, ignore=ignore, extend_select=extend_select, no_cache=no_cache,
                          jobs=jobs, needs_facts=lambda d: _allowed(d.code, unsafe))
    report.initial = list(state.diagnostics)
    if state.project is None:  # nothing to fix (an unchanged project, answered from the cache)
        report.remaining = [(d, _why(d, None, unsafe)) for d in state.diagnostics]
        report.errors.extend(f"internal error{f' in rule {e.rule}' if e.rule else ''} on {display(e.path)}: "
                             f"{e.message}" for e in state.errors)
        return report
    fixer = _Fixer(state, seed=seed, unsafe=unsafe, inline=inline)
    history: Dict[str, List[str]] = {}
    still_changing: Set[str] = set()
    for _ in range(MAX_PASSES):
        editors = fixer.plan()
        changed = fixer.apply(editors)
        if not changed:
            break
        if any(t == fixer.texts[p] or t in history.get(p, ()) for p, t in changed.items()):
            report.converged, still_changing = False, set(changed)
            break
        fixer.applied.extend(a for a in fixer.pass_applied if a.path in changed)
        for p, t in changed.items():
            history.setdefault(p, []).append(fixer.texts[p])
            fixer.texts[p] = t
        fixer.state = recheck(fixer.state, {p: fixer.sources[p].encode(t) for p, t in changed.items()})
    else:
        report.converged, still_changing = False, set(changed)
    if not report.converged:
        # files still changing on the last pass are left as they were
        names = ", ".join(display(p) for p in sorted(still_changing))
        report.errors.append(f"the fixes did not settle after {MAX_PASSES} passes; not written: {names}")
        for p in still_changing:
            fixer.texts[p] = fixer.sources[p].text
            fixer.frozen[p] = "its fixes did not settle (reported as an error)"
        fixer.state = recheck(fixer.state, {p: fixer.sources[p].encode(fixer.texts[p]) for p in still_changing})
        fixer.plan()
    state = fixer.state
    report.originals = dict(fixer.sources)
    report.fixed = {p: t for p, t in fixer.texts.items() if t != fixer.sources[p].text}
    report.applied = fixer.applied
    report.errors.extend(fixer.errors)
    for err in state.errors:
        rule = f" in rule {err.rule}" if err.rule else ""
        report.errors.append(f"internal error{rule} on {display(err.path)}: {err.message}")
    for d in state.diagnostics:
        report.remaining.append((d, _why(d, fixer, unsafe)))
    return report


def _why(d: Diagnostic, fixer: Optional[_Fixer], unsafe: bool) -> str:
    rule = all_rules().get(d.code)
    if d.code == "SDL000":
        return "the file could not be parsed"
    if rule is None or rule.fix is FixSafety.NONE:
        return "no automatic fix"
    if rule.fix is FixSafety.UNSAFE and not unsafe:
        return "unsafe fix available: rerun with --unsafe-fixes"
    if fixer is not None and d.path in fixer.frozen:
        return f"not fixed: {fixer.frozen[d.path]}"
    reason = fixer.reasons.get((d.path, d.line, d.col, d.code)) if fixer is not None else None
    if reason:
        return f"not fixed: {reason}"
    return "not fixed: the fix did not remove this finding"


# ---------------------------------------------------------------------------------------------- command
def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def print_report(report: FixReport, *, diff: bool, quiet: bool, out: TextIO, err: TextIO) -> None:
    info = err if diff else out
    if diff:
        out.write(report.diff())
    elif not quiet:
        for a in report.applied:
            if a.path in report.written:
                out.write(f"{display(a.path)}: {a.code}: {a.what}\n")
    for d, why in report.remaining:
        info.write(f"{display(d.path)}:{d.line}:{d.col}: {d.code} {d.message} [{why}]\n")
    if not quiet:
        changed = report.changed_files()
        fixed = max(len(report.initial) - len(report.remaining), 0)
        if diff:
            info.write(f"Would fix {_plural(fixed, 'finding')} in {_plural(len(changed), 'file')}"
                       f" ({len(report.remaining)} would remain).\n")
        else:
            info.write(f"Found {_plural(len(report.initial), 'finding')} ({fixed} fixed, "
                       f"{len(report.remaining)} remaining); {_plural(len(report.written), 'file')} changed.\n")
        hidden = sum(1 for _, why in report.remaining if "--unsafe-fixes" in why)
        if hidden:
            info.write(f"{_plural(hidden, 'finding')} can be fixed with --unsafe-fixes.\n")
    for e in report.errors:
        err.write(f"seedlint: error: {e}\n")


def fix_command(paths, seed, select, ignore, extend_select, unsafe_fixes, diff, inline, quiet, config_path,
                no_cache, jobs) -> int:
    """``seedlint fix`` / ``seedlint check --fix``: returns the exit code.

    0: nothing left to fix (with --diff: nothing would change); 1: findings remain (with --diff: files
    would change); 2: usage, configuration or internal error.
    """
    from seedlint.api import UsageError

    if jobs is not None and jobs < 1:
        print("seedlint: error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    try:
        report = fix_paths(paths, seed=seed, select=select, ignore=ignore, extend_select=extend_select,
                           unsafe_fixes=unsafe_fixes, inline=inline, no_cache=no_cache, jobs=jobs,
                           config_path=config_path, write=not diff)
    except (ConfigError, UsageError, FixUsageError) as exc:
        print(f"seedlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print_report(report, diff=diff, quiet=quiet, out=sys.stdout, err=sys.stderr)
    if report.errors:
        return EXIT_ERROR
    if diff:
        return EXIT_FINDINGS if report.changed_files() else EXIT_CLEAN
    return EXIT_FINDINGS if report.remaining else EXIT_CLEAN
