"""What the fixer knows about the project between passes: per-file results, findings, programs.

The first pass comes from :func:`seedlint.api.check_paths` (discovery, configuration, cache); later
passes re-run the per-file pass on the edited sources in memory and redo the project analysis, so
``--diff`` can show the result of several passes without writing anything. Findings are filtered
exactly as ``check_paths`` filters them (selection, ``# noqa``, per-file ignores).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

from seedlint import api
from seedlint.config import Config
from seedlint.diagnostics import Diagnostic, InternalError
from seedlint.engine.filepass import FileResult, decode_source, process_source, to_diagnostic
from seedlint.engine.suppress import NoqaMap, is_suppressed, noqa_lines
from seedlint.project.analysis import Program, ProgramInfo, Project, analyze_project, build_programs, program_infos
from seedlint.rules import resolve_selection


@dataclass
class State:
    root: Path
    config: Config
    enabled: Set[str]
    targets: Set[str]  # absolute paths of the files being fixed
    results: Dict[str, FileResult]
    diagnostics: List[Diagnostic] = field(default_factory=list)  # kept findings, absolute paths
    errors: List[InternalError] = field(default_factory=list)
    project: Optional[Project] = None
    programs: List[Program] = field(default_factory=list)
    infos: List[ProgramInfo] = field(default_factory=list)
    sources: Dict[str, bytes] = field(default_factory=dict)  # files whose in-memory content differs from disk


def initial_state(paths: Sequence[Path], config: Config, *, select, ignore, extend_select, no_cache: bool,
                  jobs: Optional[int], needs_facts: Callable[[Diagnostic], bool]) -> State:
    """Check ``paths`` (one project) as ``seedlint check`` does; raises api.UsageError like check_paths.

    When check_paths answers from its project-level cache it returns no per-file results: if none of
    the findings can be fixed that is all the fixer needs (``project`` is then None); otherwise the
    project is checked again, reading the per-file facts the fixes work from (cached or fresh).
    """
    kw = dict(config=config, select=select, ignore=ignore, extend_select=extend_select, jobs=jobs)
    # without the cache a second check would analyse everything again: keep the facts of the first
    res = api.check_paths(paths, no_cache=no_cache, keep_results=no_cache, **kw)
    targets = set(res.target_paths)
    enabled = resolve_selection(
        select if select else (config.select or None),
        (*config.extend_select, *(extend_select or ())),
        (*config.ignore, *(ignore or ())),
    )
    if not all(t in res.results for t in targets):
        if not any(needs_facts(d) for d in res.diagnostics):
            diags = [d.with_path(os.path.abspath(d.path)) for d in res.diagnostics]
            errors = [InternalError(os.path.abspath(e.path), e.rule, e.message) for e in res.errors]
            return State(res.root, config, enabled, targets, {}, diags, errors)
        res = api.check_paths(paths, no_cache=no_cache, keep_results=True, **kw)
    return build_state(res.root, config, enabled, targets, dict(res.results), {})


def recheck(state: State, sources: Dict[str, bytes]) -> State:
    """The state after replacing the given files' contents (in memory only)."""
    results = dict(state.results)
    for path, data in sources.items():
        results[path] = process_source(path, data, hashlib.sha256(data).hexdigest())
    return build_state(state.root, state.config, state.enabled, state.targets, results, {**state.sources, **sources})


def build_state(root: Path, cfg: Config, enabled: Set[str], targets: Set[str],
                results: Dict[str, FileResult], sources: Dict[str, bytes]) -> State:
    raw: List[Diagnostic] = []
    errors: List[InternalError] = []
    for path in sorted(targets):
        res = results[path]
        for code, msg in res.errors:
            errors.append(InternalError(path, code, msg))
        raw.extend(to_diagnostic(path, d) for d in res.diagnostics)
    prog_diags, prog_errors = analyze_project(results, root, cfg, targets, None)
    raw.extend(prog_diags)
    errors.extend(prog_errors)
    noqa: Dict[str, NoqaMap] = {}
    kept = sorted(set(d for d in raw if _keep(d, results, enabled, cfg, root, noqa, sources)),
                  key=lambda d: (d.path, d.line, d.col, d.code, d.message))
    facts = {p: r.facts for p, r in results.items() if r.facts is not None and not r.skipped}
    project = Project(facts, root, cfg)
    programs = build_programs(project)
    return State(root, cfg, enabled, targets, results, kept, errors, project, programs, program_infos(programs),
                 dict(sources))


def _noqa_map(path: str, sources: Dict[str, bytes]) -> NoqaMap:
    try:
        data = sources.get(path)
        if data is None:
            with open(path, "rb") as fh:
                data = fh.read()
        return noqa_lines(decode_source(data))
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return {}


def _keep(d: Diagnostic, results: Dict[str, FileResult], enabled: Set[str], cfg: Config, root: Path,
          noqa: Dict[str, NoqaMap], sources: Dict[str, bytes]) -> bool:
    """The same filter as check_paths: selection, ``# seedlint: noqa`` files, ``# noqa``, per-file ignores."""
    if d.code not in enabled:
        return False
    res = results.get(d.path)
    if res is not None and res.skipped:
        return False
    if d.path not in noqa:
        noqa[d.path] = _noqa_map(d.path, sources)
    m = noqa[d.path]
    if is_suppressed(m, d.line, d.code) or (d.end_line != d.line and is_suppressed(m, d.end_line, d.code)):
        return False
    base = cfg.path.parent if cfg.path else root
    for pattern, codes in cfg.per_file_ignores:
        if _matches(d.path, base, pattern) and any(d.code.startswith(c) for c in codes):
            return False
    return True


def _matches(path: str, root: Path, pattern: str) -> bool:
    try:
        rel = Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        rel = Path(path).as_posix()
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(Path(path).name, pattern)


def display(path: str) -> str:
    """The path as findings show it: relative to the working directory when under it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
