"""Find the Python files to check: ``*.py`` below each path, honouring ``.gitignore`` and excludes.

A file named explicitly is always checked (as ruff and mypy do).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

import pathspec

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".seedlint_cache", "build", "dist", "site-packages",
    "__pypackages__", ".ipynb_checkpoints",
)

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(paths: Sequence[Path]) -> Path:
    """The nearest folder above the checked paths holding a project marker; else their common folder."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    for folder in (common, *common.parents):
        if any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return common


class _Ignorer:
    """Excludes (glob patterns, matched against names and root-relative paths) plus ``.gitignore``."""

    def __init__(self, root: Path, excludes: Iterable[str], use_gitignore: bool) -> None:
        self.root = root
        self.patterns = tuple(excludes)
        self.use_gitignore = use_gitignore
        self._specs: dict = {}

    def _gitignore(self, folder: Path) -> Optional[pathspec.PathSpec]:
        if folder in self._specs:
            return self._specs[folder]
        spec = None
        f = folder / ".gitignore"
        if self.use_gitignore and f.is_file():
            try:
                lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except (OSError, ValueError):
                spec = None
        self._specs[folder] = spec
        return spec

    def excluded_by_pattern(self, path: Path) -> bool:
        """A pattern without "/" matches a file or folder name; one with "/" the root-relative path.

        Folders are pruned while walking, so what is inside an excluded folder is never reached.
        """
        name = path.name
        rel: Optional[str] = None
        for pat in self.patterns:
            pat_s = pat.rstrip("/")
            if "/" not in pat_s:
                if fnmatch.fnmatchcase(name, pat_s):
                    return True
                continue
            if rel is None:
                try:
                    rel = path.relative_to(self.root).as_posix()
                except ValueError:
                    rel = path.as_posix()
            if fnmatch.fnmatchcase(rel, pat_s.lstrip("/")):
                return True
        return False

    def drop_patterns_matching(self, folder: Path, path: Path) -> None:
        """Replace ``folder``'s .gitignore spec by one without the patterns that ignore ``path`` or a parent."""
        try:
            lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        rel_parts = path.relative_to(folder).as_posix().split("/")
        prefixes = ["/".join(rel_parts[: i + 1]) + "/" for i in range(len(rel_parts))]
        kept = [ln for ln in lines
                if not any(pathspec.GitIgnoreSpec.from_lines([ln]).match_file(pre) for pre in prefixes)]
        self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(kept)

    def ignored_by_gitignore(self, path: Path, folder: Path) -> bool:
        spec = self._gitignore(folder)
        if spec is None:
            return False
        rel = path.relative_to(folder).as_posix()
        parts = rel.split("/")
        return any(spec.match_file("/".join(parts[: i + 1]) + "/") for i in range(len(parts)))

    def ignored(self, path: Path, is_dir: bool, gitignore_dirs: Sequence[Path]) -> bool:
        if self.excluded_by_pattern(path):
            return True
        for folder in gitignore_dirs:
            spec = self._gitignore(folder)
            if spec is None:
                continue
            rel = path.relative_to(folder).as_posix()
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False


def _gitignore_chain(root: Path, folder: Path) -> List[Path]:
    """Folders from the root down to ``folder`` whose ``.gitignore`` applies to it."""
    try:
        rel = folder.relative_to(root)
    except ValueError:
        return [folder]
    chain = [root]
    cur = root
    for part in rel.parts:
        cur = cur / part
        chain.append(cur)
    return chain


def discover(
    paths: Sequence[Path], root: Path, excludes: Iterable[str] = (), use_gitignore: bool = True
) -> Tuple[List[Path], List[Path]]:
    """Return (files to check, explicit paths that do not exist)."""
    ignorer = _Ignorer(root, (*DEFAULT_EXCLUDES, *excludes), use_gitignore)
    found: List[Path] = []
    missing: List[Path] = []
    seen = set()
    for given in paths:
        p = Path(os.path.abspath(given))
        if not p.exists():
            missing.append(given)
            continue
        if p.is_file():
            if p not in seen:
                seen.add(p)
                found.append(p)
            continue
        # a folder named explicitly is checked even if a .gitignore above it ignores it (as a whole):
        # the patterns that ignore the folder itself are dropped, the others still apply inside it
        chain = _gitignore_chain(root, p)
        for g in chain:
            if g != p and ignorer.ignored_by_gitignore(p, g):
                ignorer.drop_patterns_matching(g, p)
        # a folder named explicitly is walked even if it would be excluded, like ruff does
        stack = [(p, chain)]
        while stack:
            folder, gchain = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                child = Path(entry.path)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if ignorer.ignored(child, True, gchain):
                        continue
                    stack.append((child, [*gchain, child]))
                elif is_file and entry.name.endswith(".py"):
                    if ignorer.ignored(child, False, gchain):
                        continue
                    if child not in seen:
                        seen.add(child)
                        found.append(child)
    found.sort()
    return found, missing
