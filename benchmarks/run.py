#!/usr/bin/env python
"""Benchmark ``seedlint check`` against ruff, CPython's parser, libcst, TorchFix and Fixit.

Run it with ``python benchmarks/run.py`` (``--help`` for the options). It is not part of the test suite.

The corpus is the installed ``torch`` package's own sources (about 2,300 ``*.py`` files), or ``--corpus PATH``.
Its ``*.py`` files are copied once into a temporary folder (so no cache lands in site-packages, and so a
changed file can be simulated by editing the copy), with a minimal ``pyproject.toml`` at the copy's root so
seedlint takes that folder as the project root and keeps its ``.seedlint_cache/`` there.

Every measured command runs as a subprocess under a small wrapper that records its wall time, the peak RSS of
the largest single process (``getrusage(RUSAGE_CHILDREN)``, exact) and, on Linux, the peak summed memory of the
whole process tree (RSS from ``/proc/PID/statm`` every 50 ms; PSS from ``smaps_rollup``, which is costly to
read, at most once a second when the summed RSS reaches a new high). Each step runs ``--repeat`` times; the
table shows the median, min and max wall time.

See benchmarks/README.md for what each row means and the latest results.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import importlib.util
import json
import marshal
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

# --------------------------------------------------------------------------------------------------------------
# The measuring wrapper: runs one command, writes {"wall", "rc", "timed_out", "maxrss", "tree_peak", ...} as JSON.
# It runs in its own interpreter so that RUSAGE_CHILDREN covers exactly one measured command (and its workers).
# --------------------------------------------------------------------------------------------------------------
WRAPPER = r'''
import json, os, resource, signal, subprocess, sys, time
out, timeout, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
cmd = sys.argv[4:]
HAVE_PROC = os.path.isdir("/proc/self")
HAVE_CHILDREN = HAVE_PROC and os.path.exists("/proc/self/task/%d/children" % os.getpid())

def children_of(pid):
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return kids

def tree(root):
    if HAVE_CHILDREN:
        res, i = [root], 0
        while i < len(res):
            res.extend(children_of(res[i]))
            i += 1
        return res
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    s = f.read()
            except OSError:
                continue
            rp = s.rfind(b")")
            kids.setdefault(int(s[rp + 2:].split()[1]), []).append(int(name))
    res, i = [root], 0
    while i < len(res):
        res.extend(kids.get(res[i], ()))
        i += 1
    return res

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
can_pss = os.path.exists("/proc/self/smaps_rollup")

def tree_rss(pids):
    """Summed RSS (cheap: one small read per process); counts pages shared between processes more than once."""
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/statm" % p) as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total

def tree_pss(pids):
    """Summed PSS (shared pages split between their users); costs milliseconds per process, so sampled sparingly."""
    global can_pss
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except PermissionError:
            can_pss = False
            return None
        except (OSError, ValueError):
            pass
    return total

t0 = time.perf_counter()
p = subprocess.Popen(cmd, start_new_session=True)
deadline = t0 + timeout
rss_peak, pss_peak, samples, timed_out, rc, last_pss = 0, 0, 0, False, None, -1e9
while True:
    try:
        rc = p.wait(timeout=interval)
        break
    except subprocess.TimeoutExpired:
        pass
    now = time.perf_counter()
    if HAVE_PROC:
        pids = tree(p.pid)
        rss = tree_rss(pids)
        samples += 1
        # PSS when the summed RSS is at a new high, at most once a second
        if can_pss and rss > rss_peak and now - last_pss >= 1.0:
            pss = tree_pss(pids)
            last_pss = now
            if pss is not None:
                pss_peak = max(pss_peak, pss)
        rss_peak = max(rss_peak, rss)
    if now > deadline:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            p.kill()
        p.wait()
        timed_out = True
        break
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
maxrss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
with open(out, "w") as f:
    json.dump({"wall": wall, "rc": rc, "timed_out": timed_out, "maxrss": maxrss,
               "tree_peak": pss_peak if (can_pss and pss_peak) else rss_peak, "tree_rss_peak": rss_peak,
               "tree_kind": ("pss" if (can_pss and pss_peak) else "rss") if samples else None,
               "samples": samples, "cpu": ru.ru_utime + ru.ru_stime}, f)
'''

AST_SCRIPT = r'''
import ast, sys, time
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = 0
for p in paths:
    with open(p, "rb") as f:
        src = f.read()
    try:
        ast.parse(src, filename=p)
    except (SyntaxError, ValueError):
        bad += 1
print("parsed", len(paths) - bad, "failed", bad)
'''

LIBCST_SCRIPT = r'''
import sys
import libcst
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = 0
for p in paths:
    with open(p, "rb") as f:
        src = f.read()
    try:
        libcst.parse_module(src)
    except Exception:
        bad += 1
print("parsed", len(paths) - bad, "failed", bad)
'''


# --------------------------------------------------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    rc: Optional[int]
    timed_out: bool
    maxrss: int
    tree_peak: int
    tree_kind: Optional[str]
    tree_rss_peak: int
    cpu: float
    stdout: Path
    stderr: Path

    @property
    def peak_mem(self) -> int:
        """The larger of the exact single-process peak and the sampled whole-tree peak."""
        return max(self.maxrss, self.tree_peak)


@dataclass
class Step:
    key: str
    label: str
    runs: List[Run] = field(default_factory=list)
    skipped: Optional[str] = None  # reason
    note: str = ""
    paired_with: Optional[str] = None  # the step whose runs alternated with this one's, run for run

    @property
    def timed_out(self) -> bool:
        return any(r.timed_out for r in self.runs)

    @property
    def walls(self) -> List[float]:
        return [r.wall for r in self.runs if not r.timed_out]

    @property
    def median(self) -> Optional[float]:
        if self.skipped or not self.runs or self.timed_out:
            return None
        return statistics.median(self.walls)

    def as_dict(self) -> dict:
        w = self.walls
        return {
            "label": self.label,
            "skipped": self.skipped,
            "timed_out": self.timed_out,
            "note": self.note,
            "walls_s": w,
            "median_s": self.median,
            "paired_with": self.paired_with,
            "min_s": min(w) if w else None,
            "max_s": max(w) if w else None,
            "exit_codes": [r.rc for r in self.runs],
            "peak_mem_bytes": max((r.peak_mem for r in self.runs), default=None),
            "largest_process_maxrss_bytes": max((r.maxrss for r in self.runs), default=None),
            "tree_peak_bytes": max((r.tree_peak for r in self.runs), default=None),
            "tree_mem_kind": next((r.tree_kind for r in self.runs if r.tree_kind), None),
            "tree_rss_peak_bytes": max((r.tree_rss_peak for r in self.runs), default=None),
            "cpu_s": [r.cpu for r in self.runs],
        }


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path, corpus: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.corpus = corpus  # the copy's root (holds pyproject.toml)
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.counter = 0
        self.env = dict(os.environ)
        # Measure the seedlint of this checkout, whatever is installed.
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT)] + ([self.env["PYTHONPATH"]] if self.env.get("PYTHONPATH") else [])
        )
        self.env.pop("NO_COLOR", None)
        # Byte-compiled modules are what an installed seedlint runs; without them every run would compile
        # seedlint's own sources first (tens of milliseconds, much of a warm run).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.seedlint_runs: List[Run] = []

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def measure(self, cmd: Sequence[str], *, timeout: Optional[float] = None) -> Run:
        self.counter += 1
        n = self.counter
        out = self.logs / f"{n:03d}.stdout"
        err = self.logs / f"{n:03d}.stderr"
        res = self.logs / f"{n:03d}.json"
        (self.logs / f"{n:03d}.cmd").write_text(" ".join(map(str, cmd)) + "\n")
        with open(out, "wb") as fo, open(err, "wb") as fe:
            subprocess.run(
                [sys.executable, "-c", WRAPPER, str(res), str(timeout or self.args.timeout), "0.05", *map(str, cmd)],
                stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, cwd=self.tmp, env=self.env, check=False,
            )
        d = json.loads(res.read_text())
        return Run(d["wall"], d["rc"], d["timed_out"], d["maxrss"], d["tree_peak"], d["tree_kind"],
                   d["tree_rss_peak"], d["cpu"], out, err)

    def _one(self, st: Step, cmd: Sequence[str], i: int, repeat: int, seedlint: bool) -> bool:
        """One timed run of ``cmd`` added to ``st``; False when it timed out."""
        self.log(f"  {st.label} [{i + 1}/{repeat}] ...")
        r = self.measure(cmd)
        st.runs.append(r)
        if seedlint:
            self.seedlint_runs.append(r)
        if r.timed_out:
            self.log(f"    > timeout ({self.args.timeout:.0f} s)")
            return False
        self.log(f"    {r.wall:.2f} s, exit {r.rc}, peak {r.peak_mem / MIB:.0f} MiB")
        return True

    def step(self, key: str, label: str, cmd: Sequence[str], repeat: int, *, before=None, seedlint=False) -> Step:
        st = Step(key, label)
        for i in range(repeat):
            if before is not None:
                before(i)
            if not self._one(st, cmd, i, repeat, seedlint):
                break
        return st

    def pair(self, a: Tuple[str, str, Sequence[str]], b: Tuple[str, str, Sequence[str]], repeat: int, *,
             before=None, seedlint=False) -> Tuple[Step, Step]:
        """Two steps run in turn, A B A B ...: their ratio is taken run for run, so that a machine whose
        speed drifts (other work on a shared host) shifts both sides of each ratio alike."""
        sa, sb = Step(a[0], a[1], paired_with=b[0]), Step(b[0], b[1], paired_with=a[0])
        for i in range(repeat):
            if before is not None:
                before(i)
            if not (self._one(sa, a[2], i, repeat, seedlint) and self._one(sb, b[2], i, repeat, False)):
                break
        return sa, sb


# --------------------------------------------------------------------------------------------------------------
def find_corpus(arg: Optional[str]) -> Path:
    if arg:
        p = Path(arg).expanduser().resolve()
        if not p.is_dir():
            sys.exit(f"--corpus {arg}: not a folder")
        return p
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torch is not installed in this interpreter; pass --corpus PATH")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


PYPROJECT = """\
# Written by seedlint's benchmarks/run.py: marks this folder as the project root.
[project]
name = "seedlint-benchmark-corpus"
version = "0"

[tool.fixit]
root = true
"""


def copy_corpus(src: Path, dest_root: Path) -> List[Path]:
    dest = dest_root / src.name
    files: List[Path] = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        rel = Path(dirpath).relative_to(src)
        for name in sorted(filenames):
            if name.endswith(".py"):
                target = dest / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / name, target)
                files.append(target)
    (dest_root / "pyproject.toml").write_text(PYPROJECT)
    return files


def tool_bin(name: str) -> Optional[str]:
    """An executable from this interpreter's scripts folder, else from PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        for cand in (name, name + ".exe"):
            p = Path(folder) / cand
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
    return shutil.which(name)


def cli_version(name: str) -> Optional[str]:
    """``NAME --version`` of an executable found by tool_bin(), its last word (None if there is none)."""
    exe = tool_bin(name)
    if exe is None:
        return None
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = proc.stdout.split()
    return words[-1] if proc.returncode == 0 and words else None


def version_of(dist: str) -> Optional[str]:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def seedlint_commit() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "seedlint"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (seedlint/ modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fmt_s(x: Optional[float]) -> str:
    if x is None:
        return "-"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def load_findings(run: Run) -> Optional[dict]:
    try:
        data = json.loads(run.stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def finding_keys(data: dict) -> List[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in data.get("findings", []))


# --------------------------------------------------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="folder of Python files to check (default: the installed torch package)")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per step (default 3)")
    ap.add_argument("--quick", action="store_true", help="one timed run per step")
    ap.add_argument("--skip-slow", action="store_true",
                    help="skip the multi-minute libcst parse, TorchFix and Fixit runs")
    ap.add_argument("--skip-checks", action="store_true",
                    help="skip the correctness runs (JSON findings cold vs warm vs --jobs 1)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per command before giving up (1800)")
    ap.add_argument("--changed-file", help="file (relative to the corpus) to edit for the one-file-changed rows")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs of every run)")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else (args.repeat or 3)
    if repeat < 1:
        ap.error("--repeat must be >= 1")

    src = find_corpus(args.corpus)
    tmp = Path(tempfile.mkdtemp(prefix="seedlint-bench-"))
    try:
        return _run(args, repeat, src, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, repeat: int, src: Path, tmp: Path) -> int:
    corpus = tmp / "corpus"
    corpus.mkdir()
    print(f"copying {src} ...", file=sys.stderr, flush=True)
    files = copy_corpus(src, corpus)
    if not files:
        sys.exit(f"no *.py files below {src}")
    nbytes = sum(f.stat().st_size for f in files)
    file_list = tmp / "files.txt"
    file_list.write_text("\n".join(map(str, files)) + "\n", encoding="utf-8")
    b = Bench(args, tmp, corpus)
    py = sys.executable
    sl = [py, "-m", "seedlint", "check"]
    steps: Dict[str, Step] = {}

    def add(st: Step) -> None:
        steps[st.key] = st

    # The file edited for "one file changed": the median-sized file, unless named.
    if args.changed_file:
        changed = (corpus / src.name / args.changed_file).resolve()
        if not changed.is_file():
            sys.exit(f"--changed-file {args.changed_file}: not found in the corpus copy")
    else:
        by_size = sorted(files, key=lambda f: (f.stat().st_size, str(f)))
        changed = by_size[len(by_size) // 2]
    original = changed.read_bytes()

    ruff = tool_bin("ruff")
    ruff_cache = tmp / "ruff_cache"
    cache_dir = corpus / ".seedlint_cache"

    versions = {
        "python": platform.python_version(),
        "seedlint": seedlint_commit(),
        "ruff": None,
        "libcst": version_of("libcst"),
        "torchfix": version_of("torchfix") or cli_version("torchfix"),
        "fixit": version_of("fixit") or cli_version("fixit"),
        "torch": version_of("torch"),
    }
    if ruff:
        proc = subprocess.run([ruff, "--version"], capture_output=True, text=True, check=False)
        versions["ruff"] = proc.stdout.strip().removeprefix("ruff ") or None

    b.log(f"corpus: {len(files)} files, {nbytes / MIB:.1f} MiB, copied to {corpus}")
    b.log(f"repeats: {repeat}; one-file-changed file: {changed.relative_to(corpus)}")

    # Untimed warm-up: byte-compiles seedlint and pulls its imports into the page cache, so that the first timed
    # run does not pay for what no later run pays for.
    b.log("warm-up (untimed)")
    b.measure([py, "-m", "compileall", "-q", REPO_ROOT / "seedlint"])
    b.measure([*sl, "--no-cache", "--quiet", "--exit-zero", changed])

    # Ratios are taken from runs made in turn (A B A B ...), pair by pair: on a shared machine the speed drifts
    # over minutes, and two blocks of runs measured minutes apart would carry that drift into the ratio.
    rc = [ruff, "check", "--isolated", "--select", "NPY002,S311", "--exit-zero"] if ruff else []
    ruff_warm_cmd = [*rc, "--cache-dir", ruff_cache, corpus]

    def with_ruff_warm(key: str, label: str, cmd: Sequence[str], before=None) -> None:
        """A seedlint step, each run next to a warm ruff run (hidden row ``pair_ruff_warm_KEY``)."""
        if not ruff:
            add(b.step(key, label, cmd, repeat, before=before, seedlint=True))
            return
        sa, sb = b.pair((key, label, cmd), (f"pair_ruff_warm_{key}", "ruff, warm cache", ruff_warm_cmd), repeat,
                        before=before, seedlint=True)
        add(sa)
        add(sb)

    # 1. seedlint cold, next to CPython's parser
    b.log("seedlint, cold (--no-cache), in turn with CPython ast.parse")
    for st in b.pair(("seedlint_cold", "seedlint check --no-cache (cold)",
                      [*sl, "--no-cache", "--quiet", "--exit-zero", corpus]),
                     ("ast_parse", "CPython ast.parse, every file, 1 process", [py, "-c", AST_SCRIPT, file_list]),
                     repeat, seedlint=True):
        add(st)

    # 2. ruff (its warm cache is then filled for the rows below)
    if ruff:
        b.log("ruff")
        add(b.step("ruff_cold", "ruff check --select NPY002,S311 --no-cache", [*rc, "--no-cache", corpus], repeat))
        shutil.rmtree(ruff_cache, ignore_errors=True)
        b.measure(ruff_warm_cmd)  # fill
    else:
        add(Step("ruff_cold", "ruff check --select NPY002,S311 --no-cache", skipped="not installed"))
        add(Step("ruff_warm", "ruff, warm cache", skipped="not installed"))

    # 3. seedlint warm, in turn with ruff warm
    b.log("seedlint, warm (cache filled by the first run)")
    shutil.rmtree(cache_dir, ignore_errors=True)
    add(b.step("seedlint_fill", "seedlint check, empty cache (fills it)",
               [*sl, "--quiet", "--exit-zero", corpus], 1, seedlint=True))
    if ruff:
        for st in b.pair(("seedlint_warm", "seedlint check, warm cache", [*sl, "--quiet", "--exit-zero", corpus]),
                         ("ruff_warm", "ruff, warm cache", ruff_warm_cmd), repeat, seedlint=True):
            add(st)
    else:
        add(b.step("seedlint_warm", "seedlint check, warm cache",
                   [*sl, "--quiet", "--exit-zero", corpus], repeat, seedlint=True))

    # 4. one file changed: a new comment line before each run, so every run sees a changed file.
    def edit(tag: str):
        def before(i: int) -> None:
            changed.write_bytes(original + f"\n# seedlint benchmark edit {tag} {i}\n".encode())
        return before

    def semantic_edit(i: int) -> None:
        changed.write_bytes(original + f"\n\ndef _seedlint_benchmark_edit_{i}():\n    return {i}\n".encode())

    # The row "code the programs run" edits the top level of a module some program runs (imports), as the
    # analysis that filled the cache recorded it (.seedlint_cache/reads.marshal): the edited file itself if
    # it is one, else the median-sized of those.
    try:
        reads = marshal.loads((cache_dir / "reads.marshal").read_bytes())["reads"]
        run_files = sorted((f for f in files if "<module>" in reads.get(str(f.resolve()), ())),
                           key=lambda f: (f.stat().st_size, str(f)))
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        run_files = []
    run_file = changed if changed in run_files or not run_files else run_files[len(run_files) // 2]
    run_original = run_file.read_bytes()
    run_label = "seedlint, 1 file: code the programs run, whole corpus"
    if not run_files:
        run_label += " (no program's modules known: may not be what it says)"
    if run_file != changed:
        b.log(f"'code the programs run' edits {run_file.relative_to(corpus)}")

    def module_edit(i: int) -> None:
        # one more RNG call than the run before, so every run sees facts it has not seen (a call the analysis
        # has no use for, such as sorted(), leaves no fact, and the lines-moved path would answer it)
        calls = "".join(f"_seedlint_benchmark_edit_{k} = random.random()\n" for k in range(i + 1))
        run_file.write_bytes(run_original + f"\nimport random\n{calls}".encode())

    b.log("seedlint, one file changed")
    try:
        with_ruff_warm("seedlint_one_file", "seedlint, 1 file changed, that file only",
                       [*sl, "--quiet", "--exit-zero", changed], before=edit("file"))
        with_ruff_warm("seedlint_one_corpus", "seedlint, 1 file changed, whole corpus",
                       [*sl, "--quiet", "--exit-zero", corpus], before=edit("corpus"))
        # Edits that change the file's facts. A new function no program runs: the analysis never read it, so
        # the previous outcome still holds. A statement in the module's top level, which the programs that
        # import the module run: the project analysis runs again over every file's cached facts (from the
        # second run on, the file's imports are those of the run before, so their resolution is reused).
        with_ruff_warm("seedlint_one_semantic", "seedlint, 1 file: a new function, whole corpus",
                       [*sl, "--quiet", "--exit-zero", corpus], before=semantic_edit)
        with_ruff_warm("seedlint_one_run", run_label,
                       [*sl, "--quiet", "--exit-zero", corpus], before=module_edit)
    finally:
        changed.write_bytes(original)
        run_file.write_bytes(run_original)

    # 5. libcst parse
    slow_reason = "--skip-slow" if args.skip_slow else None
    if slow_reason:
        add(Step("libcst_parse", "libcst parse_module, every file, 1 process", skipped=slow_reason))
    elif importlib.util.find_spec("libcst") is None:
        add(Step("libcst_parse", "libcst parse_module, every file, 1 process", skipped="not installed"))
    else:
        b.log("libcst parse_module (slow)")
        add(b.step("libcst_parse", "libcst parse_module, every file, 1 process",
                   [py, "-c", LIBCST_SCRIPT, file_list], repeat))

    # 6. TorchFix and Fixit, cold
    for key, label, module, cmd_tail in (
        ("torchfix", "TorchFix (torchfix), cold", "torchfix", [corpus]),
        ("fixit", "Fixit (fixit lint), cold", "fixit", ["lint", corpus]),
    ):
        if slow_reason:
            add(Step(key, label, skipped=slow_reason))
            continue
        # its own executable (it may live in another environment, on PATH), else this interpreter's module
        exe = tool_bin(module)
        if exe is None and importlib.util.find_spec(module) is None:
            add(Step(key, label, skipped="not installed"))
            continue
        cmd = [exe, *cmd_tail] if exe else [py, "-m", module, *cmd_tail]
        b.log(f"{label} (slow)")
        add(b.step(key, label, cmd, repeat))

    # Correctness: findings cold vs warm vs --jobs 1.
    checks: dict = {}
    if not args.skip_checks:
        b.log("checks: JSON findings cold, warm, --jobs 1")
        shutil.rmtree(cache_dir, ignore_errors=True)
        js = [*sl, "--output-format", "json"]
        cold = b.step("check_cold", "seedlint --output-format json, cold (fills cache)", [*js, corpus], 1,
                      seedlint=True)
        warm = b.step("check_warm", "seedlint --output-format json, warm", [*js, corpus], 1, seedlint=True)
        jobs1 = b.step("check_jobs1", "seedlint --output-format json --no-cache --jobs 1",
                       [*js, "--no-cache", "--jobs", "1", corpus], 1, seedlint=True)
        for st in (cold, warm, jobs1):
            add(st)
        data = {k: (load_findings(st.runs[0]) if st.runs and not st.timed_out else None)
                for k, st in (("cold", cold), ("warm", warm), ("jobs1", jobs1))}
        checks["findings"] = {k: (len(v.get("findings", [])) if v else None) for k, v in data.items()}
        checks["errors"] = {k: (v.get("errors", []) if v else None) for k, v in data.items()}
        checks["files_checked"] = {k: (v.get("summary", {}).get("files_checked") if v else None)
                                   for k, v in data.items()}
        diffs = {}
        if data["cold"] is not None:
            base = finding_keys(data["cold"])
            for other in ("warm", "jobs1"):
                if data[other] is None:
                    diffs[other] = None
                    continue
                o = finding_keys(data[other])
                sb, so = set(base), set(o)
                diffs[other] = {"identical": base == o, "n_only_cold": len(sb - so), "n_only_" + other: len(so - sb),
                                "only_cold": sorted(sb - so)[:5], "only_" + other: sorted(so - sb)[:5]}
        checks["same_as_cold"] = diffs
        by_code: Dict[str, int] = {}
        for f in (data["cold"] or {}).get("findings", []):
            by_code[f.get("code", "?")] = by_code.get(f.get("code", "?"), 0) + 1
        checks["findings_by_code"] = dict(sorted(by_code.items()))

    # Exit codes and tracebacks over every seedlint run.
    rcs = sorted({r.rc for r in b.seedlint_runs if not r.timed_out}, key=lambda x: (x is None, x))
    tracebacks = [str(r.stderr) for r in b.seedlint_runs if "Traceback" in r.stderr.read_text(errors="replace")]
    checks["seedlint_runs"] = len(b.seedlint_runs)
    checks["seedlint_exit_codes"] = rcs
    checks["seedlint_exit_ok"] = all(rc in (0, 1) for rc in rcs)
    checks["seedlint_tracebacks"] = len(tracebacks)
    tb_excerpt = ""
    if tracebacks:
        tb_excerpt = Path(tracebacks[0]).read_text(errors="replace")[-3000:]
        checks["first_traceback"] = tb_excerpt

    # ------------------------------------------------------------------------------------------------------
    def med(key: str) -> Optional[float]:
        st = steps.get(key)
        return st.median if st else None

    def ratio(a: str, bkey: str) -> Optional[float]:
        sa = steps.get(a)
        partner = steps.get(sa.paired_with) if sa is not None and sa.paired_with else None
        if partner is not None and partner.key in (bkey, f"pair_{bkey}_{a}") and not (sa.timed_out or
                                                                                        partner.timed_out):
            # runs made in turn: the median of the run-for-run ratios
            pairs = [x / y for x, y in zip(sa.walls, partner.walls) if y > 0]
            return statistics.median(pairs) if pairs else None
        x, y = med(a), med(bkey)
        if x is None or y is None or y == 0:
            return None
        return x / y

    seedlint_keys = ("seedlint_cold", "seedlint_fill", "seedlint_warm", "seedlint_one_file", "seedlint_one_corpus",
                     "seedlint_one_semantic", "seedlint_one_run")
    peak = max((r.peak_mem for k in seedlint_keys for r in (steps[k].runs if k in steps else [])), default=None)
    ratios = []

    def add_ratio(name: str, value: Optional[float], goal: Optional[str], met: Optional[bool], unit: str = "x",
                  why: str = "") -> None:
        ratios.append({"name": name, "value": value, "goal": goal, "met": met, "unit": unit, "why": why})

    def le(v, g):
        return None if v is None else v <= g

    def ge(v, g):
        return None if v is None else v >= g

    r = ratio("seedlint_cold", "ast_parse")
    add_ratio("seedlint cold / CPython ast.parse", r, "<= 1.0", le(r, 1.0))
    r = ratio("seedlint_warm", "ruff_warm")
    add_ratio("seedlint warm / ruff warm", r, "<= 3", le(r, 3.0))
    r = ratio("seedlint_one_file", "ruff_warm")
    add_ratio("1 file changed, that file only / ruff warm", r, "<= 5", le(r, 5.0))
    r = ratio("seedlint_one_corpus", "ruff_warm")
    add_ratio("1 file changed, whole corpus / ruff warm", r, "<= 5", le(r, 5.0))
    r = ratio("seedlint_one_semantic", "ruff_warm")
    add_ratio("1 file: a new function, whole corpus / ruff warm", r, "<= 5", le(r, 5.0))
    r = ratio("seedlint_one_run", "ruff_warm")
    add_ratio("1 file: code the programs run, whole corpus / ruff warm", r, "<= 5", le(r, 5.0))
    add_ratio("seedlint cold / ruff cold", ratio("seedlint_cold", "ruff_cold"), None, None)
    add_ratio("seedlint cold / libcst parse", ratio("seedlint_cold", "libcst_parse"), None, None)
    for key, name in (("torchfix", "TorchFix / seedlint cold"), ("fixit", "Fixit / seedlint cold")):
        st = steps.get(key)
        if st and st.timed_out and med("seedlint_cold"):
            lo = args.timeout / med("seedlint_cold")
            add_ratio(name, lo, ">= 10", True if lo >= 10 else None, unit="x (lower bound: timed out)")
        else:
            r = ratio(key, "seedlint_cold")
            add_ratio(name, r, ">= 10", ge(r, 10.0), why=(st.skipped or "") if st else "")
    add_ratio("seedlint peak memory", peak / MIB if peak else None, "<= 500", le(peak / MIB if peak else None,
                                                                                500.0), unit="MiB")

    # ------------------------------------------------------------------------------------------------------
    out = sys.stdout
    print(file=out)
    print(f"seedlint benchmark, {_dt.date.today().isoformat()}", file=out)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {versions['python']}", file=out)
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if k != "python" and v), file=out)
    print(f"corpus: {src} ({len(files)} files, {nbytes / MIB:.1f} MiB); repeats: {repeat}", file=out)
    print(f"changed file: {changed.relative_to(corpus)}; code the programs run: {run_file.relative_to(corpus)}",
          file=out)
    print(file=out)
    rows = [("step", "median", "min", "max", "peak mem", "runs", "")]
    for st in steps.values():
        if st.key.startswith(("check_", "pair_")):
            continue
        if st.skipped:
            rows.append((st.label, "-", "", "", "", "", f"skipped: {st.skipped}"))
            continue
        if st.timed_out:
            rows.append((st.label, f"> {args.timeout:.0f} s", "", "", "", str(len(st.runs)), "timed out"))
            continue
        w = st.walls
        pm = max(r.peak_mem for r in st.runs)
        rows.append((st.label, fmt_s(st.median), fmt_s(min(w)), fmt_s(max(w)), f"{pm / MIB:.0f} MiB",
                     str(len(w)), ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [c.ljust(widths[j]) if j in (0, 6) else c.rjust(widths[j]) for j, c in enumerate(row)]
        print("  ".join(cells).rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths[:6]), file=out)
    print(file=out)
    rrows = [("ratio", "value", "goal", "")]
    for r in ratios:
        if r["value"] is None:
            val = "-"
        elif r["unit"] == "MiB":
            val = f"{r['value']:.0f} MiB"
        elif r["unit"].startswith("x (lower"):
            val = f"> {r['value']:.1f} x"
        else:
            val = f"{r['value']:.2f} x"
        verdict = "" if r["goal"] is None else ("met" if r["met"] else ("missed" if r["met"] is False else "n/a"))
        rrows.append((r["name"], val, r["goal"] or "", verdict))
    widths = [max(len(r[i]) for r in rrows) for i in range(4)]
    for i, row in enumerate(rrows):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) if j == 1 else c.ljust(widths[j])
                        for j, c in enumerate(row)).rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)
    print("(a ratio of two steps run in turn is the median of their run-for-run ratios)", file=out)
    print(file=out)
    print("checks:", file=out)
    ok = checks["seedlint_exit_ok"] and not checks["seedlint_tracebacks"]
    print(f"  seedlint runs: {checks['seedlint_runs']}; exit codes seen: {rcs} "
          f"({'all 0 or 1' if checks['seedlint_exit_ok'] else 'NOT all 0 or 1'}); "
          f"stderr with 'Traceback': {checks['seedlint_tracebacks']}", file=out)
    if "findings" in checks:
        f = checks["findings"]
        print(f"  findings: cold {f['cold']}, warm {f['warm']}, --jobs 1 {f['jobs1']}; files checked: "
              f"{checks['files_checked']['cold']} of {len(files)}", file=out)
        for other, d in checks["same_as_cold"].items():
            if d is None:
                print(f"  {other} vs cold: no JSON to compare", file=out)
                ok = False
            elif d["identical"]:
                print(f"  {other} vs cold: identical", file=out)
            else:
                ok = False
                print(f"  {other} vs cold: DIFFERENT: {d['n_only_cold']} only cold, {d['n_only_' + other]} only "
                      f"{other}", file=out)
                for tag, items in (("only cold", d["only_cold"][:2]), ("only " + other, d["only_" + other][:2])):
                    for item in items:
                        f = json.loads(item)
                        print(f"    {tag}: {f.get('path')}:{f.get('line')}:{f.get('col')}: {f.get('code')} "
                              f"{str(f.get('message'))[:120]}", file=out)
        errs = checks["errors"]
        n_err = {k: (len(v) if v is not None else None) for k, v in errs.items()}
        print(f"  errors reported in the JSON: {n_err}", file=out)
        if errs.get("cold"):
            for e in errs["cold"][:3]:
                print(f"    {json.dumps(e)[:300]}", file=out)
        print(f"  findings by code (cold): {checks['findings_by_code']}", file=out)
    if tb_excerpt:
        print("  first traceback:\n" + textwrap.indent(tb_excerpt, "    "), file=out)
    print(f"  overall: {'OK' if ok else 'PROBLEMS (see above)'}", file=out)

    if args.json:
        result = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "machine": {"machine": platform.machine(), "cpus": os.cpu_count(), "system": platform.system(),
                        "release": platform.release()},
            "versions": versions,
            "corpus": {"source": str(src), "files": len(files), "bytes": nbytes,
                       "changed_file": str(changed.relative_to(corpus)),
                       "run_file": str(run_file.relative_to(corpus))},
            "repeat": repeat,
            "timeout_s": args.timeout,
            "steps": {k: st.as_dict() for k, st in steps.items()},
            "ratios": ratios,
            "checks": checks,
            "ok": ok,
        }
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
