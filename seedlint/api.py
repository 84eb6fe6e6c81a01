"""What the CLI, the pre-commit hook and the tests call: check_paths() / fix_paths() and the commands."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from seedlint.config import Config, ConfigError, find_pyproject, load_config
from seedlint.diagnostics import Diagnostic, InternalError
from seedlint.engine.discovery import discover, find_project_root
from seedlint.engine.filepass import FileResult, to_diagnostic
from seedlint.engine import retain
from seedlint.engine.suppress import is_suppressed

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input: one line on stderr, exit 2."""


@dataclass
class CheckResult:
    diagnostics: List[Diagnostic]
    errors: List[InternalError]
    target_paths: List[str]  # the files that were asked about (sorted absolute paths)
    root: Path
    config: Config
    cache_hits: int = 0
    analysed: int = 0
    results: Dict[str, FileResult] = field(default_factory=dict)
    programs: List[Any] = field(default_factory=list)  # seedlint.project.analysis.ProgramInfo

    @property
    def files(self) -> List[Path]:
        """The files that were asked about."""
        return [Path(p) for p in self.target_paths]


class _Display:
    """Paths as reported: relative to the current folder (symlinks resolved) when under it, else as given."""

    def __init__(self) -> None:
        cwd = os.path.realpath(os.getcwd())
        self.prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
        self.memo: Dict[str, str] = {}

    def __call__(self, path: str) -> str:
        shown = self.memo.get(path)
        if shown is None:
            shown = path
            if os.path.isabs(path):
                real = os.path.realpath(path)
                if real.startswith(self.prefix):
                    shown = real[len(self.prefix):].replace(os.sep, "/")
                elif real + os.sep == self.prefix:
                    shown = "."
            self.memo[path] = shown
        return shown


def load_settings(paths: Sequence[Path], config_path: Optional[Path]) -> Config:
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError(f"{config_path}: no such file")
        return load_config(config_path)
    start = Path(paths[0]) if paths else Path.cwd()
    if not start.exists():
        start = Path.cwd()
    return load_config(find_pyproject(start))


def check_paths(
    paths: Sequence[Path],
    *,
    config: Optional[Config] = None,
    config_path: Optional[Path] = None,
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    extend_select: Optional[Sequence[str]] = None,
    no_cache: bool = False,
    jobs: Optional[int] = None,
    progress: bool = False,
    keep_results: bool = False,
) -> CheckResult:
    """Check ``paths`` and return every finding (after suppressions and selection).

    With ``keep_results`` the per-file results (facts) are always loaded into ``CheckResult.results``
    (the fixer needs them); otherwise an unchanged project is answered from its project-level cache.
    """
    import gc

    # the per-file results are many small, acyclic containers: a collection while they are alive only
    # rescans them (it cost a third of a cold run); by the time collection is back on, they are freed
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _check_paths(paths, config=config, config_path=config_path, select=select, ignore=ignore,
                            extend_select=extend_select, no_cache=no_cache, jobs=jobs, progress=progress,
                            keep_results=keep_results)
    finally:
        if gc_was_enabled:
            gc.enable()


def _check_paths(
    paths: Sequence[Path],
    *,
    config: Optional[Config],
    config_path: Optional[Path],
    select: Optional[Sequence[str]],
    ignore: Optional[Sequence[str]],
    extend_select: Optional[Sequence[str]],
    no_cache: bool,
    jobs: Optional[int],
    progress: bool,
    keep_results: bool,
) -> CheckResult:
    from seedlint.rules import resolve_selection

    paths = [Path(p) for p in paths] or [Path(".")]
    cfg = config if config is not None else load_settings(paths, config_path)
    for sel in (*(select or ()), *(ignore or ()), *(extend_select or ())):
        from seedlint.rules import is_known_selector

        if not is_known_selector(sel):
            raise UsageError(f"unknown rule code or prefix: {sel!r} (see `seedlint rules`)")
    enabled = resolve_selection(
        select if select else (cfg.select or None),
        (*cfg.extend_select, *(extend_select or ())),
        (*cfg.ignore, *(ignore or ())),
    )
    excludes = (*cfg.exclude, *cfg.extend_exclude)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    # each path belongs to its own project (the nearest folder with a project marker above it)
    groups: Dict[Path, List[Path]] = {}
    for p in paths:
        groups.setdefault(find_project_root([p]), []).append(p)
    diagnostics: List[Diagnostic] = []
    errors: List[InternalError] = []
    programs: List[Any] = []
    results: Dict[str, FileResult] = {}
    target_set: Set[str] = set()
    skipped: Set[str] = set()
    noqa_maps: Dict[str, Any] = {}
    hits = analysed = 0
    for root, group in groups.items():
        outcome = _check_project(root, group, cfg, excludes, no_cache=no_cache, jobs=jobs, progress=progress,
                                 keep_results=keep_results)
        retain.keep(outcome)
        target_set |= outcome.targets
        if keep_results:  # (otherwise the facts are freed with the outcome, not kept alive by the result)
            results.update(outcome.results)
        programs.extend(outcome.programs)
        skipped |= outcome.skipped
        noqa_maps.update(outcome.noqa)
        hits += outcome.cache_hits
        analysed += outcome.analysed
        errors.extend(e for e in outcome.errors if e.path in outcome.targets or e.path == str(root))
        for path in sorted(outcome.targets):
            diagnostics.extend(to_diagnostic(path, d) for d in outcome.diagnostics.get(path, ()))
    display = _Display()
    errors = [InternalError(display(e.path), e.rule, e.message) for e in errors]
    root = next(iter(groups))

    kept: List[Diagnostic] = []
    pfi = [(pat, set(codes)) for pat, codes in cfg.per_file_ignores]
    for d in diagnostics:
        if d.code not in enabled or d.path in skipped:
            continue
        noqa = noqa_maps.get(d.path) or {}
        if is_suppressed(noqa, d.line, d.code) or (d.end_line != d.line and is_suppressed(noqa, d.end_line, d.code)):
            continue
        if pfi and _per_file_ignored(d, cfg.path.parent if cfg.path else root, pfi):
            continue
        kept.append(d.with_path(display(d.path)))
    kept = sorted(set(kept), key=lambda d: (d.path, d.line, d.col, d.code, d.message))
    return CheckResult(kept, errors, sorted(target_set), root, cfg, hits, analysed, results, programs)


@dataclass
class _Outcome:
    """Everything about one project's files, before selection and suppression (what the project cache holds)."""

    targets: Set[str]
    diagnostics: Dict[str, List[Dict[str, Any]]]  # path -> finding dicts (all codes)
    errors: List[InternalError]
    skipped: Set[str]
    noqa: Dict[str, Any]  # path -> noqa map, for files with findings
    programs: List[Any]
    results: Dict[str, FileResult]
    cache_hits: int = 0
    analysed: int = 0


def _check_project(root: Path, group: List[Path], cfg: Config, excludes: Tuple[str, ...], *, no_cache: bool,
                   jobs: Optional[int], progress: bool, keep_results: bool = False) -> _Outcome:
    from seedlint.engine.cache import FactCache
    from seedlint.engine.discovery import PROJECT_MARKERS
    from seedlint.engine.parallel import stat_files

    # the analysis reads the rest of the project: a file's findings do not depend on which files were named
    listing: Dict[str, Tuple[str, ...]] = {}  # folder -> the project markers in it
    project_files, _ = discover([root], root, excludes, cfg.respect_gitignore, watch=PROJECT_MARKERS,
                                 listing=listing)
    if any(p.resolve() == root for p in group):
        targets = set(project_files)
        all_files = project_files
    else:
        found, _ = discover(group, root, excludes, cfg.respect_gitignore)
        targets = set(found)
        all_files = sorted({*project_files, *targets})
    cache = FactCache(root, cfg.fingerprint(), enabled=not no_cache)
    stats, failed = stat_files(all_files)
    digests = {p: cache.digest_for(p, st) for p, st in stats.items()}
    inputs = _project_inputs(root, all_files, cfg, listing) if cache.enabled else ""
    pkey = None
    carry: Dict[str, Any] = {}  # what a run of the whole analysis may reuse (see _check_changed_files)
    if cache.enabled and not failed and not keep_results:
        if all(digests.values()):
            pkey = cache.project_key(digests.items(), inputs)
            data = cache.load_project(pkey)
            if data is not None:
                return _outcome_from_cache(data, targets, hits=len(all_files), analysed=0)
        else:
            outcome = _check_changed_files(cache, stats, digests, all_files, targets, inputs, carry)
            if outcome is not None:
                return outcome
    return _analyse_project(root, cfg, cache, stats, failed, all_files, targets, pkey, inputs, jobs=jobs,
                            progress=progress, imports=carry.get("imports"))


def _outcome_from_cache(data: Dict[str, Any], targets: Set[str], *, hits: int, analysed: int) -> _Outcome:
    from seedlint.project.program_info import ProgramInfo

    return _Outcome(
        targets=targets, diagnostics=data["diagnostics"], errors=[], skipped=set(data["skipped"]),
        noqa={p: {int(k): (frozenset(v) if v is not None else None) for k, v in m.items()}
              for p, m in data["noqa"].items()},
        programs=[ProgramInfo(*p[:2], p[2], frozenset(p[3]), frozenset(p[4]), p[5], p[6]) for p in data["programs"]],
        results={}, cache_hits=hits, analysed=analysed,
    )


def _project_data(diagnostics: Dict[str, List[Dict[str, Any]]], skipped: Set[str], noqa: Dict[str, Any],
                  programs: List[Any]) -> Dict[str, Any]:
    """A project outcome as the cache stores it."""
    return {
        "diagnostics": diagnostics, "skipped": sorted(skipped),
        "noqa": {p: {str(k): (sorted(v) if v is not None else None) for k, v in m.items()} for p, m in noqa.items()},
        "programs": [(p.entry, p.label, p.function, sorted(p.used), sorted(p.seeded), p.cuda, p.deterministic)
                     for p in programs],
    }


# past this many changed files, the whole analysis (in parallel) beats analysing them one by one here
INCREMENTAL_LIMIT = 64


def _check_changed_files(cache: Any, stats: Dict[str, Any], digests: Dict[str, Optional[str]], all_files: List[str],
                         targets: Set[str], inputs: str, carry: Dict[str, Any]) -> Optional[_Outcome]:
    """The previous project outcome with the changed files' lines mapped, when that is the exact answer
    (see seedlint/engine/incremental.py); None when the whole analysis must run. Then, if no changed file
    changed what name resolution reads of it (``analysis.import_interface``), ``carry["imports"]`` is the
    previous analysis's resolution of every import statement, for the new one to reuse."""
    import hashlib

    from seedlint.engine.filepass import process_source
    from seedlint.engine.incremental import inert_mapping, line_mapping, remap_diagnostics
    from seedlint.rules._index import FILE_ONLY

    changed = [p for p, d in digests.items() if d is None]
    if len(changed) > INCREMENTAL_LIMIT or set(cache.saved_stats) != set(all_files):
        return None  # too many to do one by one, or files were added or removed
    old = {p: cache.recorded_digest(p) for p in changed}
    old_key = cache.project_key(((p, d or old[p]) for p, d in digests.items()), inputs)
    data = cache.load_project(old_key)
    if data is None:
        return None
    quoted = {(p, line) for ds in data["diagnostics"].values() for d in ds for p, line in d.get("refs", ())}
    diagnostics = dict(data["diagnostics"])
    noqa = dict(data["noqa"])
    new_digests = dict(digests)
    analysed = 0
    record: Optional[Dict[str, Any]] = None  # what the previous analysis read: loaded when a file's facts changed
    rerun = False  # the whole analysis runs: the rest of the loop only records the new results
    pairs: List[Tuple[Dict[str, Any], Dict[str, Any]]] = []  # (old, new) result of each changed file
    for path in changed:
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError:
            return None
        digest = hashlib.sha256(content).hexdigest()
        new_digests[path] = digest
        if digest == old[path]:  # touched, not changed
            cache.store(path, stats[path], digest, None, known=True)
            continue
        before = cache.peek_digest(old[path])
        if before is None:
            return None
        after = cache.peek_digest(digest)
        known = after is not None
        if after is None:
            after = process_source(path, content, digest).to_json()
            analysed += 1
        # recorded now: when the whole analysis has to run after all, it reuses this result
        cache.store(path, stats[path], digest, after, known=known)
        pairs.append((before, after))
        if rerun:
            continue
        mapping = line_mapping(before, after)
        renewed = False  # the file's findings of file-pass rules are the new ones
        if mapping is None:
            if record is None:
                record = cache.load_reads(data.get("reads_id"))
                if record is None:
                    return None
            mapping = inert_mapping(before, after, record["reads"].get(path, frozenset()), FILE_ONLY)
            renewed = True
        current = diagnostics.get(path, [])
        if renewed:
            current = [d for d in current if d["code"] not in FILE_ONLY]
        moved = None  # stays None: other facts the analysis reads, or a message names a line that moved
        if mapping is not None and not any(p == path and mapping.get(line) != line for p, line in quoted):
            moved = remap_diagnostics(current, mapping)
        if moved is None:
            rerun = True
            continue
        if renewed:
            moved.extend(d for d in after.get("diagnostics") or () if d["code"] in FILE_ONLY)
        if moved:
            diagnostics[path] = moved
            lines = {d["line"] for d in moved} | {d["end_line"] for d in moved}
            noqa[path] = {str(k): (sorted(v) if v is not None else None) for k, v in _noqa(path, lines).items()}
        else:
            diagnostics.pop(path, None)
            noqa.pop(path, None)
    if rerun:
        # every changed file, an edit answered on its own included (it may add a function or a name)
        if all(_resolve_alike(before, after) for before, after in pairs):
            record = record or cache.load_reads(data.get("reads_id"))
            if record is not None and record["imports"] is not None:
                carry["imports"] = record["imports"]
        return None
    data = {**data, "diagnostics": diagnostics, "noqa": noqa}
    cache.save(live_paths=all_files)
    cache.save_project(cache.project_key(new_digests.items(), inputs), data)
    return _outcome_from_cache(data, targets, hits=len(all_files) - analysed, analysed=analysed)


def _resolve_alike(before: Dict[str, Any], after: Dict[str, Any]) -> bool:
    """Does name resolution read the same of a file's two per-file results?"""
    from seedlint.project.analysis import import_interface

    interface = import_interface(before)
    return interface is not None and interface == import_interface(after)


def _project_inputs(root: Path, files: Sequence[str], cfg: Config,
                    listing: Optional[Dict[str, Tuple[str, ...]]] = None) -> str:
    """What the project analysis reads besides the sources: the settings it uses, which folders hold a
    project marker (nested projects change how imports resolve) and the ``pyproject.toml`` files (their
    ``[project.scripts]`` are entry points). Part of the project outcome's cache key."""
    import hashlib

    from seedlint.engine.discovery import PROJECT_MARKERS

    h = hashlib.sha256(cfg.analysis_fingerprint().encode())
    top = str(root)
    folders: Set[str] = set()
    for d in {os.path.dirname(f) for f in files}:
        while d not in folders:
            folders.add(d)
            parent = os.path.dirname(d)
            if d == top or parent == d:
                break
            d = parent
    listing = listing or {}
    for d in sorted(folders):
        present = listing.get(d)
        if present is None:  # a folder discovery did not list (a file named explicitly in an excluded one)
            present = tuple(m for m in PROJECT_MARKERS if os.path.isfile(os.path.join(d, m)))
        for marker in present:
            p = os.path.join(d, marker)
            h.update(p.encode() + b"\0")
            if marker == "pyproject.toml":
                try:
                    with open(p, "rb") as fh:
                        h.update(hashlib.sha256(fh.read()).digest())
                except OSError:
                    pass
    pp = root / "pyproject.toml"
    if pp.is_file() and str(root) not in folders:
        h.update(hashlib.sha256(pp.read_bytes()).digest())
    return h.hexdigest()


def _analyse_project(root: Path, cfg: Config, cache: Any, stats: Dict[str, Any], failed: Dict[str, FileResult],
                     all_files: List[str], targets: Set[str], pkey: Optional[str], inputs: str, *,
                     jobs: Optional[int], progress: bool, imports: Optional[Dict[str, Any]] = None) -> "_Outcome":
    from seedlint.engine.parallel import process_files
    from seedlint.project.analysis import analyze_project

    results, analysed = process_files(all_files, cache, stats, jobs=jobs, progress=progress)
    results.update(failed)
    diagnostics: Dict[str, List[Dict[str, Any]]] = {}
    errors: List[InternalError] = []
    for path, res in results.items():
        if res.diagnostics:
            diagnostics[path] = list(res.diagnostics)
        for code, msg in res.errors:
            errors.append(InternalError(path, code, msg))
    programs: List[Any] = []
    withdrawn: Set[Tuple[str, int, int, str]] = set()
    reads: Dict[str, Any] = {}
    imports_out: Optional[Dict[str, Any]] = {} if cache.enabled else None
    files_read: Dict[str, Optional[str]] = {}
    try:
        prog_diags, prog_errors = analyze_project(results, root, cfg, set(results), programs, withdrawn, reads,
                                                  imports_in=imports, imports_out=imports_out,
                                                  files_out=files_read)
    except RecursionError:  # pragma: no cover
        prog_diags, prog_errors = [], [InternalError(str(root), None, "project analysis recursed too deeply")]
    if withdrawn:
        for path in {w[0] for w in withdrawn}:
            diagnostics[path] = [d for d in diagnostics[path]
                                 if (path, d["line"], d["col"], d["code"]) not in withdrawn]
            if not diagnostics[path]:
                del diagnostics[path]
    for d in prog_diags:
        entry = {k: v for k, v in d.to_dict().items() if k != "path"}
        if d.refs:
            entry["refs"] = [list(r) for r in d.refs]
        diagnostics.setdefault(d.path, []).append(entry)
    errors.extend(prog_errors)
    skipped = {p for p, r in results.items() if r.skipped}
    noqa = {p: _noqa(p, {d["line"] for d in ds} | {d.get("end_line", d["line"]) for d in ds})
            for p, ds in diagnostics.items()}
    cache.save(live_paths=all_files)
    if pkey is None and cache.enabled and not failed:
        digests = {p: r.digest for p, r in results.items()}
        if all(digests.values()):
            pkey = cache.project_key(digests.items(), inputs)
    if pkey is not None and not errors:
        cache.save_reads(pkey, reads, imports_out)
        cache.save_project(pkey, {**_project_data(diagnostics, skipped, noqa, programs), "reads_id": pkey,
                                  "files_read": files_read})
    return _Outcome(targets, diagnostics, errors, skipped, noqa, programs, results, cache.hits, analysed)


def _noqa(path: str, lines: Set[int]):
    """The ``# noqa`` comments of a file with findings (tokenised only if a reported line mentions noqa)."""
    from seedlint.engine.filepass import decode_source
    from seedlint.engine.suppress import noqa_lines

    try:
        with open(path, "rb") as fh:
            source = decode_source(fh.read())
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return {}
    text_lines = source.splitlines()
    if not any(0 < n <= len(text_lines) and "noqa" in text_lines[n - 1].lower() for n in lines):
        return {}
    return noqa_lines(source)


def _per_file_ignored(d: Diagnostic, root: Path, pfi: List[Tuple[str, Set[str]]]) -> bool:
    try:
        rel = Path(d.path).resolve().relative_to(root).as_posix()
    except ValueError:
        rel = Path(d.path).as_posix()
    name = Path(d.path).name
    for pat, codes in pfi:
        if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(name, pat):
            if any(d.code.startswith(c) for c in codes):
                return True
    return False


# --------------------------------------------------------------------------------------------- commands
def _fail(msg: str) -> int:
    print(f"seedlint: error: {msg}", file=sys.stderr)
    return EXIT_ERROR


def check_command(
    *, paths: Sequence[Path], output_format: str, select, ignore, extend_select, statistics: bool, exit_zero: bool,
    quiet: bool, no_cache: bool, jobs: Optional[int], config_path: Optional[Path],
) -> int:
    from seedlint.engine import output

    if output_format not in output.FORMATS:
        return _fail(f"unknown output format {output_format!r} (choose from {', '.join(output.FORMATS)})")
    if jobs is not None and jobs < 1:
        return _fail("--jobs must be at least 1")
    try:
        result = check_paths(
            paths, config_path=config_path, select=select, ignore=ignore, extend_select=extend_select,
            no_cache=no_cache, jobs=jobs, progress=not quiet and sys.stderr.isatty(),
        )
    except (ConfigError, UsageError) as exc:
        return _fail(str(exc))
    output.emit(result, output_format, statistics=statistics, quiet=quiet, stream=sys.stdout)
    for err in result.errors:
        rule = f" in rule {err.rule}" if err.rule else ""
        print(f"seedlint: error: internal error{rule} on {err.path}: {err.message}", file=sys.stderr)
    if result.errors:
        return EXIT_ERROR
    if result.diagnostics and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def rules_command(output_format: str) -> int:
    import json

    from seedlint.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        print(json.dumps([
            {"code": r.code, "name": r.name, "family": r.family(), "fix": r.fix.value, "default": r.default,
             "scope": r.scope, "summary": r.message} for r in rules.values()
        ], indent=2))
        return EXIT_CLEAN
    if output_format != "text":
        return _fail(f"unknown output format {output_format!r} (choose from text, json)")
    print(f"{'code':<8} {'name':<38} {'fix':<7} {'default':<8} summary")
    for r in rules.values():
        fix = {"safe": "safe", "unsafe": "unsafe", "none": "-"}[r.fix.value]
        print(f"{r.code:<8} {r.name:<38} {fix:<7} {'on' if r.default else 'off':<8} {r.message}")
    return EXIT_CLEAN


def rule_command(code: str) -> int:
    from seedlint.rules import all_rules

    rules = all_rules()
    key = code.strip().upper()
    rule = rules.get(key) or next((r for r in rules.values() if r.name == code.strip()), None)
    if rule is None:
        return _fail(f"unknown rule {code!r} (see `seedlint rules`)")
    fix = {"safe": "safe fix available", "unsafe": "unsafe fix available (--unsafe-fixes)", "none": "no fix"}
    print(f"# {rule.name} ({rule.code})\n")
    print(f"Family: {rule.family()} · {fix[rule.fix.value]} · {'enabled' if rule.default else 'disabled'} by default\n")
    print(rule.doc())
    return EXIT_CLEAN


def fix_command(**kwargs) -> int:
    from seedlint.fix import fix_command as _fix

    return _fix(**kwargs)
