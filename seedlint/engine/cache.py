"""Caches in ``.seedlint_cache/`` at the project root (like ruff's ``.ruff_cache``).

* ``stats.marshal``: ``path -> (mtime_ns, size, content digest)``, small, read on every run;
* ``facts/<digest>``: one file per distinct file content: its per-file result (facts and single-file
  findings), read only for the files a run needs;
* ``project.marshal``: the project-level outcome (every finding of every file, before selection and
  suppression), keyed by the digests of all files and the settings the analysis reads: a run where
  nothing changed reads only this (and re-hashes the few other files the analysis read, Hydra configs,
  to see that they are unchanged).
* ``reads.marshal``: what the project analysis that made the outcome read of each file's functions
  (see seedlint/engine/incremental.py) and how it resolved every import statement (reused when the
  analysis runs again and no file's imports, names or bases changed), read only when a file changed.

A changed file is re-read and hashed; if its content is already known (a touched file, a branch switch),
its result is reused by digest. Every file carries the cache key, which includes seedlint's version and a
fingerprint of its own sources, so a new seedlint never reads an old cache. Every write is atomic (a
temporary file, then a rename), so two runs at once can lose each other's entries but never read half of
one; an entry that is missing or unreadable is only a cache miss.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

from seedlint import __version__

CACHE_DIR = ".seedlint_cache"
FACTS_DIR = "facts"
_FORMAT = 9


@lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """Sizes and mtimes of seedlint's own files: an edited seedlint invalidates every cache."""
    pkg = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    found = []
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(pkg, rel)) as entries:
            for e in entries:
                if e.is_dir():
                    if e.name != "__pycache__":
                        stack.append(os.path.join(rel, e.name))
                elif e.name.endswith((".py", ".json")):
                    st = e.stat()
                    found.append(f"{os.path.join(rel, e.name)}:{st.st_size}:{st.st_mtime_ns};")
    h = hashlib.sha256()
    for item in sorted(found):
        h.update(item.encode())
    return h.hexdigest()[:16]


def _load(path: Path) -> Optional[Any]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        return marshal.loads(data)  # (marshal.load on a file object reads it piecemeal: several times slower)
    except (OSError, EOFError, ValueError, TypeError):
        return None


class FactCache:
    def __init__(self, root: Path, key: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.folder = root / CACHE_DIR
        self.facts_folder = self.folder / FACTS_DIR
        self.key = f"{_FORMAT}:{__version__}:{code_fingerprint()}:{key}"
        self.stats: Dict[str, Tuple[int, int, str]] = {}
        self.saved_stats: Dict[str, Tuple[int, int, str]] = {}  # as read: what the project outcome was made from
        self._pending: Dict[str, Any] = {}  # digest -> result, written by save()
        self.dirty = False
        self.hits = 0
        self.fresh_reused = 0  # lookups answered by a result computed earlier in this run (not a hit)
        if enabled:
            data = _load(self.folder / "stats.marshal")
            if isinstance(data, dict) and data.get("key") == self.key and isinstance(data.get("stats"), dict):
                self.stats = data["stats"]
                self.saved_stats = dict(self.stats)

    # -------------------------------------------------------------------- per file
    def digest_for(self, path: str, st: os.stat_result) -> Optional[str]:
        """The content digest recorded for ``path`` if its mtime and size are unchanged."""
        if not self.enabled:
            return None
        entry = self.stats.get(path)
        if entry and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        return None

    def recorded_digest(self, path: str) -> Optional[str]:
        """The digest of ``path`` as the cache last saw it, changed since or not."""
        entry = self.saved_stats.get(path)
        return entry[2] if entry else None

    def lookup_digest(self, digest: str) -> Optional[Any]:
        """The stored result of a file content (counted as a hit unless this run computed it), or None."""
        res = self.peek_digest(digest)
        if res is not None:
            if digest in self._pending:
                self.fresh_reused += 1
            else:
                self.hits += 1
        return res

    def peek_digest(self, digest: str) -> Optional[Any]:
        """The stored result of a file content, or None (not counted as a hit)."""
        if not self.enabled or not digest:
            return None
        res = self._pending.get(digest)
        if res is not None:
            return res
        data = _load(self.facts_folder / digest)
        if isinstance(data, tuple) and len(data) == 2 and data[0] == self.key and isinstance(data[1], dict):
            return data[1]
        return None

    def store(self, path: str, st: Optional[os.stat_result], digest: str, result: Any, *, known: bool = False) -> None:
        """Record ``path``'s digest; ``result`` is written unless it is ``known`` to be stored already."""
        if not self.enabled or not digest:
            return
        if st is not None:
            self.stats[path] = (st.st_mtime_ns, st.st_size, digest)
        if not known:
            self._pending[digest] = result
        self.dirty = True

    # -------------------------------------------------------------------- project
    def project_key(self, digests: Iterable[Tuple[str, str]], inputs: str = "") -> str:
        """The key of a project outcome: every file's digest, plus ``inputs`` (settings and project files
        the analysis reads besides the sources)."""
        h = hashlib.sha256(self.key.encode())
        h.update(inputs.encode())
        for path, digest in sorted(digests):
            h.update(f"{path}\0{digest}\n".encode())
        return h.hexdigest()

    def load_project(self, pkey: str) -> Optional[Dict[str, Any]]:
        if not self.enabled:
            return None
        data = _load(self.folder / "project.marshal")
        if not isinstance(data, dict) or data.get("pkey") != pkey:
            return None
        # the other files the analysis read (Hydra configs): the outcome holds while they are unchanged
        for path, digest in (data.get("files_read") or {}).items():
            if file_digest(path) != digest:
                return None
        return data

    def save_project(self, pkey: str, data: Dict[str, Any]) -> None:
        if self.enabled:
            self._write(self.folder / "project.marshal", {**data, "pkey": pkey})

    def load_reads(self, reads_id: Optional[str]) -> Optional[Dict[str, Any]]:
        """The record of the analysis identified by ``reads_id``, or None: ``reads``, what it read of each
        file (path -> frozenset), and ``imports``, its resolved import statements (or None)."""
        if not self.enabled or not reads_id:
            return None
        data = _load(self.folder / "reads.marshal")
        if not isinstance(data, dict) or data.get("key") != self.key or data.get("id") != reads_id:
            return None
        if not isinstance(data.get("reads"), dict):
            return None
        imports = data.get("imports")
        if not (isinstance(imports, dict) and isinstance(imports.get("targets"), list)
                and isinstance(imports.get("reads"), dict)):
            imports = None
        return {"reads": data["reads"], "imports": imports}

    def save_reads(self, reads_id: str, reads: Dict[str, Any], imports: Optional[Dict[str, Any]] = None) -> None:
        if self.enabled:
            self._write(self.folder / "reads.marshal",
                        {"key": self.key, "id": reads_id, "reads": reads, "imports": imports})

    # -------------------------------------------------------------------- writing
    def save(self, live_paths: Optional[Iterable[str]] = None) -> None:
        if not self.enabled or not self.dirty:
            return
        if live_paths is not None:
            keep = set(live_paths)
            self.stats = {p: v for p, v in self.stats.items() if p in keep}
        if self._pending:
            try:
                self.facts_folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                return  # a read-only project is fine: the cache is an optimisation
            for digest, result in self._pending.items():
                self._write(self.facts_folder / digest, (self.key, result), mkdir=False)
            self._pending = {}
        self._write(self.folder / "stats.marshal", {"key": self.key, "stats": self.stats})
        self._prune()

    def _prune(self) -> None:
        """Delete the stored results no file has any more (old versions of edited files)."""
        live = {d for (_, _, d) in self.stats.values()}
        try:
            names = os.listdir(self.facts_folder)
        except OSError:
            return
        now = time.time()
        for name in names:
            if name in live:
                continue
            path = self.facts_folder / name
            try:
                # a temporary file may be another run's write in progress: only an old one is a leftover
                if name.startswith(".") and now - os.stat(path).st_mtime < 3600:
                    continue
                os.unlink(path)
            except OSError:
                pass

    def _write(self, target: Path, data: Any, *, mkdir: bool = True) -> None:
        try:
            if mkdir:
                self.folder.mkdir(exist_ok=True)
                gi = self.folder / ".gitignore"
                if not gi.exists():
                    gi.write_text("# Automatically created by seedlint.\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(marshal.dumps(data))
                os.replace(tmp, target)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, ValueError):
            pass  # a read-only project is fine: the cache is an optimisation


class FileReads:
    """Reads the files besides the sources that the project analysis reads (Hydra configs) and records each
    one's digest (None: missing or unreadable), so that a cached outcome is used only while they are
    unchanged (``FactCache.load_project``)."""

    def __init__(self) -> None:
        self.digests: Dict[str, Optional[str]] = {}
        self._data: Dict[str, Optional[bytes]] = {}

    def __call__(self, path: str) -> Optional[bytes]:
        if path not in self._data:
            data = _read(path)
            self._data[path] = data
            self.digests[path] = hashlib.sha256(data).hexdigest() if data is not None else None
        return self._data[path]


def file_digest(path: str) -> Optional[str]:
    """The content digest of ``path`` as :class:`FileReads` records it."""
    data = _read(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None
