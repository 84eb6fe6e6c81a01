"""Caches in ``.seedlint_cache/`` at the project root (like ruff's ``.ruff_cache``).

Three files:

* ``stats.marshal``: ``path -> (mtime_ns, size, content digest)``, small, read on every run;
* ``facts.marshal``: ``content digest -> per-file result`` (facts and single-file findings), read only
  when some file changed;
* ``project.marshal``: the project-level outcome (every finding of every file, before selection and
  suppression), keyed by the digests of all files: a run where nothing changed reads only this.

A changed file is re-read and hashed; if its content is already known (a touched file, a branch switch),
its result is reused by digest. The key includes seedlint's version and a fingerprint of its own
sources, so a new seedlint never reads an old cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

from seedlint import __version__

CACHE_DIR = ".seedlint_cache"
_FORMAT = 5


@lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """Sizes and mtimes of seedlint's own files: an edited seedlint invalidates every cache."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts:
            st = p.stat()
            h.update(f"{p.relative_to(pkg)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _load(path: Path) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as fh:
            data = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


class FactCache:
    def __init__(self, root: Path, key: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.folder = root / CACHE_DIR
        self.key = f"{_FORMAT}:{__version__}:{code_fingerprint()}:{key}"
        self.stats: Dict[str, Tuple[int, int, str]] = {}
        self._results: Optional[Dict[str, Any]] = None
        self.dirty = False
        self.hits = 0
        if enabled:
            data = _load(self.folder / "stats.marshal")
            if data is not None and data.get("key") == self.key:
                self.stats = data.get("stats", {})

    # -------------------------------------------------------------------- per file
    def digest_for(self, path: str, st: os.stat_result) -> Optional[str]:
        """The content digest recorded for ``path`` if its mtime and size are unchanged."""
        if not self.enabled:
            return None
        entry = self.stats.get(path)
        if entry and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        return None

    @property
    def results(self) -> Dict[str, Any]:
        if self._results is None:
            data = _load(self.folder / "facts.marshal") if self.enabled else None
            self._results = data.get("results", {}) if data is not None and data.get("key") == self.key else {}
        return self._results

    def lookup_digest(self, digest: str) -> Optional[Any]:
        if not self.enabled:
            return None
        res = self.results.get(digest)
        if res is not None:
            self.hits += 1
        return res

    def store(self, path: str, st: Optional[os.stat_result], digest: str, result: Any) -> None:
        if not self.enabled or not digest:
            return
        if st is not None:
            self.stats[path] = (st.st_mtime_ns, st.st_size, digest)
        self.results[digest] = result
        self.dirty = True

    # -------------------------------------------------------------------- project
    def project_key(self, digests: Iterable[Tuple[str, str]]) -> str:
        h = hashlib.sha256(self.key.encode())
        for path, digest in sorted(digests):
            h.update(f"{path}\0{digest}\n".encode())
        return h.hexdigest()

    def load_project(self, pkey: str) -> Optional[Dict[str, Any]]:
        if not self.enabled:
            return None
        data = _load(self.folder / "project.marshal")
        if data is None or data.get("pkey") != pkey:
            return None
        return data

    def save_project(self, pkey: str, data: Dict[str, Any]) -> None:
        if self.enabled:
            self._write("project.marshal", {"pkey": pkey, **data})

    # -------------------------------------------------------------------- writing
    def save(self, live_paths: Optional[Iterable[str]] = None) -> None:
        if not self.enabled or not self.dirty:
            return
        if live_paths is not None:
            keep = set(live_paths)
            self.stats = {p: v for p, v in self.stats.items() if p in keep}
        live = {d for (_, _, d) in self.stats.values()}
        results = {d: r for d, r in self.results.items() if d in live}
        self._write("facts.marshal", {"key": self.key, "results": results})
        self._write("stats.marshal", {"key": self.key, "stats": self.stats})

    def _write(self, name: str, data: Dict[str, Any]) -> None:
        try:
            self.folder.mkdir(exist_ok=True)
            gi = self.folder / ".gitignore"
            if not gi.exists():
                gi.write_text("# Automatically created by seedlint.\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                marshal.dump(data, fh)
            os.replace(tmp, self.folder / name)
        except (OSError, ValueError):
            pass  # a read-only project is fine: the cache is an optimisation
