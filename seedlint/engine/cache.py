"""Per-file results cached by content hash, in ``.seedlint_cache/`` at the project root (like ruff's).

One file per project holds ``path -> (mtime_ns, size, digest)`` and ``digest -> result``: a warm
run stats each file and reads nothing else; a changed file is re-read, hashed, and looked up by its
content hash (so touching a file without changing it costs one read, not a re-analysis).
"""

from __future__ import annotations

import marshal
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from seedlint import __version__

CACHE_DIR = ".seedlint_cache"
_FORMAT = 3


class FactCache:
    def __init__(self, root: Path, key: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.folder = root / CACHE_DIR
        self.file = self.folder / "facts.marshal"
        self.key = f"{_FORMAT}:{__version__}:{key}"
        self.stats: Dict[str, Tuple[int, int, str]] = {}
        self.results: Dict[str, Any] = {}
        self.dirty = False
        self.hits = 0
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.file, "rb") as fh:
                data = marshal.load(fh)
        except (OSError, EOFError, ValueError, TypeError):
            return
        if not isinstance(data, dict) or data.get("key") != self.key:
            return
        self.stats = data.get("stats", {})
        self.results = data.get("results", {})

    def lookup_stat(self, path: str, st: os.stat_result) -> Optional[Any]:
        if not self.enabled:
            return None
        entry = self.stats.get(path)
        if entry and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            res = self.results.get(entry[2])
            if res is not None:
                self.hits += 1
                return res
        return None

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

    def save(self) -> None:
        if not self.enabled or not self.dirty:
            return
        live = {d for (_, _, d) in self.stats.values()}
        results = {d: r for d, r in self.results.items() if d in live}
        try:
            self.folder.mkdir(exist_ok=True)
            gi = self.folder / ".gitignore"
            if not gi.exists():
                gi.write_text("# Automatically created by seedlint.\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".facts-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                marshal.dump({"key": self.key, "stats": self.stats, "results": results}, fh)
            os.replace(tmp, self.file)
        except (OSError, ValueError):
            pass  # a read-only project is fine: the cache is an optimisation
