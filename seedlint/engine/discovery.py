"""Find the Python files to check: ``*.py`` below each path, honouring ``.gitignore`` and excludes.

A file named explicitly is always checked (as ruff and mypy do). Paths are handled as strings: this
runs on every invocation, cached or not, so it has to be cheap.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Pattern, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import pathspec

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".seedlint_cache", "build", "dist", "site-packages",
    "__pypackages__", ".ipynb_checkpoints",
)

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")  # a folder with one is a (nested) project root


def find_project_root(paths: Sequence[Path]) -> Path:
    """The nearest folder above the checked paths holding a project marker; else their common folder."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    for folder in (common, *common.parents):
        if any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return common


def _compile(patterns: Iterable[str]) -> Tuple[Optional[Pattern[str]], Optional[Pattern[str]]]:
    """(name regex, root-relative path regex): a pattern without "/" matches names, one with "/" paths."""
    names, paths = [], []
    for pat in patterns:
        p = pat.rstrip("/")
        if not p:
            continue
        (paths if "/" in p else names).append(fnmatch.translate(p.lstrip("/")))
    return (re.compile("|".join(names)) if names else None, re.compile("|".join(paths)) if paths else None)


def _gitignore_spec(lines: List[str]) -> Any:
    # imported here: pathspec costs about 20 ms to import, and a tree without .gitignore files never needs it
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class _Ignorer:
    """Excludes plus ``.gitignore`` files, on string paths."""

    def __init__(self, root: str, excludes: Iterable[str], use_gitignore: bool) -> None:
        self.root = root
        self.name_re, self.path_re = _compile(excludes)
        self.use_gitignore = use_gitignore
        self._specs: Dict[str, Optional["pathspec.PathSpec"]] = {}

    def gitignore(self, folder: str) -> Optional["pathspec.PathSpec"]:
        if folder in self._specs:
            return self._specs[folder]
        spec = None
        f = os.path.join(folder, ".gitignore")
        if self.use_gitignore and os.path.isfile(f):
            try:
                with open(f, encoding="utf-8", errors="replace") as fh:
                    spec = _gitignore_spec(fh.read().splitlines())
            except (OSError, ValueError):
                spec = None
        self._specs[folder] = spec
        return spec

    def drop_patterns_matching(self, folder: str, path: str) -> None:
        """Replace ``folder``'s .gitignore by one without the patterns that ignore ``path`` or a parent."""
        try:
            with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return
        parts = os.path.relpath(path, folder).replace(os.sep, "/").split("/")
        prefixes = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        kept = [ln for ln in lines if not any(_gitignore_spec([ln]).match_file(pre) for pre in prefixes)]
        self._specs[folder] = _gitignore_spec(kept)

    def ignored_by_gitignore(self, path: str, folder: str) -> bool:
        spec = self.gitignore(folder)
        if spec is None:
            return False
        parts = os.path.relpath(path, folder).replace(os.sep, "/").split("/")
        return any(spec.match_file("/".join(parts[: i + 1]) + "/") for i in range(len(parts)))

    def excluded(self, path: str, name: str) -> bool:
        if self.name_re is not None and self.name_re.match(name):
            return True
        if self.path_re is not None:
            rel = os.path.relpath(path, self.root).replace(os.sep, "/") if path.startswith(self.root) else path
            if self.path_re.match(rel):
                return True
        return False

    def git_ignored(self, path: str, is_dir: bool, chain: Sequence[str]) -> bool:
        for folder in chain:
            spec = self.gitignore(folder)
            if spec is None:
                continue
            rel = path[len(folder) + 1:] if path.startswith(folder + os.sep) else os.path.relpath(path, folder)
            if os.sep != "/":  # pragma: no cover - Windows
                rel = rel.replace(os.sep, "/")
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False


def _gitignore_chain(root: str, folder: str) -> List[str]:
    """Folders from the root down to ``folder`` whose ``.gitignore`` applies to it."""
    if folder != root and not folder.startswith(root + os.sep):
        return [folder]
    chain = [root]
    rest = folder[len(root):].strip(os.sep)
    cur = root
    for part in rest.split(os.sep) if rest else []:
        cur = os.path.join(cur, part)
        chain.append(cur)
    return chain


def discover(
    paths: Sequence[Path], root: Path, excludes: Iterable[str] = (), use_gitignore: bool = True, *,
    watch: Tuple[str, ...] = (), listing: Optional[Dict[str, Tuple[str, ...]]] = None,
) -> Tuple[List[str], List[Path]]:
    """Return (files to check, sorted absolute paths; explicit paths that do not exist).

    With ``listing``, each folder listed is recorded there with the names in ``watch`` that are files in it
    (in ``watch``'s order), which spares the caller a ``stat`` per folder.
    """
    watched = frozenset(watch)
    root_s = os.path.abspath(str(root))
    ignorer = _Ignorer(root_s, (*DEFAULT_EXCLUDES, *excludes), use_gitignore)
    found: List[str] = []
    missing: List[Path] = []
    seen = set()
    for given in paths:
        p = os.path.abspath(str(given))
        if not os.path.exists(p):
            missing.append(given)
            continue
        if os.path.isfile(p):
            if p not in seen:
                seen.add(p)
                found.append(p)
            continue
        # a folder named explicitly is checked even if a .gitignore above it ignores it (as a whole):
        # the patterns that ignore the folder itself are dropped, the others still apply inside it
        chain = _gitignore_chain(root_s, p)
        if use_gitignore:
            for g in chain:
                if g != p and ignorer.ignored_by_gitignore(p, g):
                    ignorer.drop_patterns_matching(g, p)
        chain = [g for g in chain if ignorer.gitignore(g) is not None]
        stack = [(p, chain)]
        while stack:
            folder, gchain = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            if listing is not None:
                names = {e.name for e in entries if e.name in watched}
                listing[folder] = tuple(n for n in watch if n in names and _is_file(folder, n))
            if use_gitignore and folder != p and any(e.name == ".gitignore" for e in entries):
                if ignorer.gitignore(folder) is not None:
                    gchain = [*gchain, folder]
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and name.endswith(".py") and entry.is_file()
                except OSError:
                    continue
                if not (is_dir or is_file):
                    continue
                path = entry.path
                if ignorer.excluded(path, name) or (gchain and ignorer.git_ignored(path, is_dir, gchain)):
                    continue
                if is_dir:
                    stack.append((path, gchain))
                elif path not in seen:
                    seen.add(path)
                    found.append(path)
    found.sort()
    return found, missing


def _is_file(folder: str, name: str) -> bool:
    return os.path.isfile(os.path.join(folder, name))
