"""Run the per-file pass over many files: cache first, then a process pool sized to the machine."""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from seedlint.engine.cache import FactCache
from seedlint.engine.filepass import FileResult, _sdl000, process_file

# below this many files to analyse, a pool costs more than it saves
POOL_THRESHOLD = 48


def _work(paths: Sequence[str]) -> bytes:
    """Process a chunk in a worker; the results travel back marshalled (much cheaper than pickling)."""
    import gc
    import marshal

    gc.disable()  # short-lived workers allocate a lot and keep nothing cyclic worth collecting
    try:
        return marshal.dumps([(p, r.to_json()) for p, r in ((p, process_file(p)) for p in paths)])
    finally:
        gc.enable()


def stat_files(files: Sequence[str]) -> Tuple[Dict[str, os.stat_result], Dict[str, FileResult]]:
    """stat() every file; unreadable ones become SDL000 results."""
    stats: Dict[str, os.stat_result] = {}
    failed: Dict[str, FileResult] = {}
    for path in files:
        try:
            stats[path] = os.stat(path)
        except OSError as exc:
            res = FileResult(path=path)
            res.diagnostics.append(_sdl000(1, 1, f"cannot read file: {exc.strerror or exc}"))
            failed[path] = res
    return stats, failed


def process_files(
    files: Sequence[str], cache: FactCache, stats: Dict[str, os.stat_result], *, jobs: Optional[int] = None,
    progress: bool = False,
) -> Tuple[Dict[str, FileResult], int]:
    """Return ({path: FileResult}, files analysed) for the files in ``stats``."""
    results: Dict[str, FileResult] = {}
    todo: List[str] = []
    changed: List[str] = []
    for path in files:
        st = stats.get(path)
        if st is None:
            continue
        digest = cache.digest_for(path, st)
        cached = cache.lookup_digest(digest) if digest else None
        if cached is not None:
            results[path] = FileResult.from_json(path, cached)
        elif digest is None and cache.enabled and cache.recorded_digest(path):
            changed.append(path)
        else:
            todo.append(path)
    # files whose stat changed: their content may be known all the same (touched, a branch switched back)
    for path in changed:
        try:
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            todo.append(path)
            continue
        cached = cache.lookup_digest(digest)
        if cached is not None:
            results[path] = FileResult.from_json(path, cached)
            cache.store(path, stats.get(path), digest, cached, known=True)
        else:
            todo.append(path)
    # (a file the incremental path analysed before the whole analysis had to run counts as analysed)
    analysed = len(todo) + cache.fresh_reused
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if todo:
        fresh = _run_pool(todo, workers, progress) if workers > 1 and len(todo) >= POOL_THRESHOLD else _run_serial(
            todo, progress)
        for res in fresh:
            results[res.path] = res
            cache.store(res.path, stats.get(res.path), res.digest, res.to_json())
    return results, analysed


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled and total > 1, 0

    def step(self, n: int = 1) -> None:
        if not self.enabled:
            return
        self.done += n
        sys.stderr.write(f"\rseedlint: checked {self.done}/{self.total} files")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _run_serial(todo: Sequence[str], progress: bool) -> List[FileResult]:
    import gc

    bar = _Progress(len(todo), progress)
    out = []
    for i, p in enumerate(todo, 1):
        out.append(process_file(p))
        bar.step()
        if i % 200 == 0:
            gc.collect()  # the caller keeps automatic collection off while results pile up
    bar.close()
    return out


def _run_pool(todo: Sequence[str], workers: int, progress: bool) -> List[FileResult]:
    import marshal
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # big files first, so the tail of the run is not one huge file on one core
    def size(p: str) -> int:
        try:
            return os.path.getsize(p)
        except OSError:
            return 0

    # what every worker imports, imported once here before the fork: the workers share it instead of each
    # importing it again (a quarter of a second of CPU per process); the project analysis needs it after
    from seedlint.project.facts import analyze  # noqa: F401
    from seedlint.rules import all_rules

    all_rules()
    ordered = sorted(todo, key=size, reverse=True)
    # small chunks, dealt round-robin from the biggest file down: every chunk gets a mix, and the last
    # chunks to finish are small
    n_chunks = max(1, min(len(ordered), workers * 24))
    chunks = [ordered[i::n_chunks] for i in range(n_chunks)]
    bar = _Progress(len(todo), progress)
    out: List[FileResult] = []
    ctx = mp.get_context("fork") if sys.platform.startswith("linux") else mp.get_context()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_work, c) for c in chunks]
            for fut in as_completed(futures):
                batch = [FileResult.from_json(p, d) for p, d in marshal.loads(fut.result())]
                out.extend(batch)
                bar.step(len(batch))
    except (OSError, RuntimeError):
        # no process pool here (restricted sandbox, broken pool): the same work, in this process
        done = {r.path for r in out}
        out.extend(process_file(p) for p in todo if p not in done)
    bar.close()
    return out
