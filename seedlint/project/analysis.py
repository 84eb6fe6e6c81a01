"""The project-level join: modules, entry points, programs and function summaries.

A *program* is an entry point (a file with ``if __name__ == "__main__":``, a script that runs
top-level code and that no project file imports, a ``[project.scripts]`` target or a configured
``entry-points`` entry; top-level code that only defines names or warns, as a deprecation shim does, is
not a script's, nor, in a package, code that only assigns) plus what it executes: its own top level, the
modules it imports (transitively: their top levels run on import), and the functions called on the way,
across modules, through classes it instantiates, and through the seeding helpers of third-party libraries.

Each function gets a *summary* (which RNGs it seeds and uses, whether it enables deterministic mode,
runs on CUDA, spawns processes ...), merged from its callees, memoised over the whole project, so the
cost is linear in the number of events, not in the number of programs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from seedlint.config import Config
from seedlint.diagnostics import Diagnostic, FixSafety, InternalError
from seedlint.engine.cache import FileReads
from seedlint.engine import retain
from seedlint.engine.discovery import PROJECT_MARKERS
from seedlint.knowledge import apis
from seedlint.knowledge.helpers import HELPERS_BY_NAME, LIGHTNING_CLI, LIGHTNING_TRAINERS, Helper
from seedlint.project.program_info import ProgramInfo

RNGS = ("random", "numpy", "torch")
# a key of Summary.uses beside the RNGs: the first use of torch's RNG that is not a layer's weight
# initialisation (SDL003 on a program that never trains, which loads its weights as a rule)
TORCH_DRAW = "torch:draw"
WORKER_METHODS = frozenset({"__getitem__", "__getitems__", "__iter__", "__next__"})
LOCAL = "<local>."
SELF = "<self>."
STAR = "<star>."  # (as in seedlint.project.facts)
TEST_NAMES = ("test_", "conftest")
NOT_ENTRY_NAMES = frozenset({"setup.py", "conftest.py", "__init__.py", "noxfile.py", "fabfile.py", "conf.py"})

Fid = Tuple[str, str]  # (path, local function id)


class Site(NamedTuple):
    """A place in the project (many per run, often dict keys: a tuple, hashed and built in C)."""

    path: str
    line: int
    col: int
    what: str = ""


class Summary:
    """What running a function does, including everything it calls.

    Site collections are dicts used as ordered sets (first occurrence wins, merging is linear). One is
    made per function and round, hence slots and a plain constructor.
    """

    __slots__ = ("seeds", "seed_sites", "det_on", "det_algos", "det_raise", "uses", "worker_uses", "cuda",
                 "cuda_plain", "cuda_unless", "loader_workers", "worker_seeding", "spawns", "distsamplers", "set_epoch", "cublas",
                 "off_by_default", "maybe_off", "none_fallbacks", "entropy_calls", "trains", "hollow", "det_sites")

    def __init__(self) -> None:
        self.seeds: Dict[str, Site] = {}  # rng -> first seeding site
        # (site, rngs, guards of enclosing ifs, names the seed argument reads)
        self.seed_sites: Dict[Tuple[Site, Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]], None] = {}
        self.det_on: Optional[Site] = None  # any deterministic switch, cuDNN's flag included (SDL102)
        # every switch turned on, with the names the `if`s around it test (only switches of the function itself
        # carry them; one reached through a call counts as unguarded): SDL102 asks whether one runs by default
        self.det_sites: Dict[Tuple[Site, Tuple[str, ...]], None] = {}
        self.det_algos: Optional[Site] = None  # deterministic algorithms (`use_deterministic_algorithms`) (SDL301)
        self.det_raise: Optional[Site] = None  # deterministic algorithms that raise (no warn_only) (SDL302)
        self.uses: Dict[str, Site] = {}  # rng -> first use outside DataLoader workers
        self.worker_uses: Dict[str, Site] = {}  # rng -> first use inside Dataset methods
        self.cuda: Optional[Site] = None  # the first place work goes to CUDA
        # ... and the first one outside any if / loop / try, there and in the calls on the way (SDL102 reports
        # it: `torch.cuda.set_device` under `if num_gpus > 1:` runs in fewer runs than `model.cuda()` after it)
        self.cuda_plain: Optional[Site] = None
        # places that go to CUDA unless a setting is on (`Accelerator(cpu=args.cpu)`): (site, setting) (SDL102)
        self.cuda_unless: Dict[Tuple[Site, str], None] = {}
        self.loader_workers = False
        self.worker_seeding = False  # Lightning seed_everything(workers=True)
        self.spawns: Dict[Tuple[Site, Optional[Fid], str], None] = {}
        self.distsamplers: Dict[Site, None] = {}
        self.set_epoch = False
        self.cublas = False
        self.off_by_default: Dict[Tuple[Site, str], None] = {}  # SDL008 sites
        # SDL008 candidates: a None seed under a condition on settings (site, why, names in the condition)
        self.maybe_off: Dict[Tuple[Site, str, Tuple[str, ...]], None] = {}
        # `if opt.seed is None: opt.seed = random.randint(...)` (site, setting name, where the value comes from)
        # ... and the default it replaces: "None", or "neg" (`if opt.seed < 0:`)
        self.none_fallbacks: Dict[Tuple[Site, str, str, Tuple[str, ...]], None] = {}
        self.entropy_calls: Dict[Tuple[Site, str], None] = {}  # SDL005 via project helpers
        self.trains = False  # a call that looks like training runs (apis.is_training_call; SDL301/SDL302)
        # set once a finished summary is known to hold nothing (most do): merging it is then skipped at once
        self.hollow = False

    def merge_worker(self, other: "Summary") -> None:
        """Merge what runs in DataLoader workers (a helper a ``__getitem__`` calls, a dataset's transform): its
        RNG uses are worker uses, reseeded in every worker from torch's seed."""
        if other.hollow or other is self:
            return
        self.merge(other, uses=False)
        for src in (other.uses, other.worker_uses):
            if src:
                mine = self.worker_uses
                for r, site in src.items():
                    if r not in mine:
                        mine[r] = site
        if self.cuda is None:
            self.cuda = other.cuda
        if self.cuda_plain is None:
            self.cuda_plain = other.cuda_plain
        if other.cuda_unless:
            self.cuda_unless.update(other.cuda_unless)

    def seal(self) -> None:
        """Mark a finished summary that holds nothing as hollow (it is never changed after this)."""
        self.hollow = not (self.seeds or self.seed_sites or self.uses or self.worker_uses or self.spawns
                           or self.distsamplers or self.off_by_default or self.maybe_off or self.none_fallbacks
                           or self.entropy_calls or self.loader_workers or self.worker_seeding or self.set_epoch
                           or self.cublas or self.trains or self.det_sites or self.det_on is not None
                           or self.det_algos is not None
                           or self.det_raise is not None or self.cuda is not None or self.cuda_plain is not None
                           or self.cuda_unless)

    def merge(self, other: "Summary", *, uses: bool = True) -> None:
        # hot: about two merges per call edge; empty fields are skipped without a loop or a write, and a
        # hollow summary (two in three merged on torch) at once
        if other.hollow or other is self:
            return
        if other.seeds:
            mine = self.seeds
            for r, s in other.seeds.items():
                if r not in mine:
                    mine[r] = s
        if other.seed_sites:
            self.seed_sites.update(other.seed_sites)
        if other.det_sites:
            self.det_sites.update(other.det_sites)
        if other.det_on is not None:
            if self.det_on is None:
                self.det_on = other.det_on
            if self.det_algos is None:
                self.det_algos = other.det_algos
            if self.det_raise is None:
                self.det_raise = other.det_raise
        if uses:
            if other.uses:
                mine = self.uses
                for r, s in other.uses.items():
                    if r not in mine:
                        mine[r] = s
            if other.worker_uses:
                mine = self.worker_uses
                for r, s in other.worker_uses.items():
                    if r not in mine:
                        mine[r] = s
            if self.cuda is None:
                self.cuda = other.cuda
            if self.cuda_plain is None:
                self.cuda_plain = other.cuda_plain
            if other.cuda_unless:
                self.cuda_unless.update(other.cuda_unless)
        if other.loader_workers:
            self.loader_workers = True
        if other.worker_seeding:
            self.worker_seeding = True
        if other.spawns:
            self.spawns.update(other.spawns)
        if other.distsamplers:
            self.distsamplers.update(other.distsamplers)
        if other.set_epoch:
            self.set_epoch = True
        if other.cublas:
            self.cublas = True
        if other.trains:
            self.trains = True
        if other.off_by_default:
            self.off_by_default.update(other.off_by_default)
        if other.maybe_off:
            self.maybe_off.update(other.maybe_off)
        if other.none_fallbacks:
            self.none_fallbacks.update(other.none_fallbacks)
        if other.entropy_calls:
            self.entropy_calls.update(other.entropy_calls)


@dataclass
class Straight:
    """The straight-line view of a function, for SDL007: the first effect on each RNG, and violations."""

    first: Dict[str, Tuple[str, Site]] = field(default_factory=dict)  # rng -> ("use"|"seed", site)
    violations: List[Tuple[Site, str, Site]] = field(default_factory=list)  # (seed site, rng, earlier use)


@dataclass
class Program:
    entry: str  # path of the entry module
    label: str  # how to name it in messages
    starts: List[Fid]
    summary: Summary
    modules: Set[str]
    straight: Straight
    parent_seeds: FrozenSet[str] = frozenset()  # seeded in the parent process (not by spawned children)
    # it may run a backward pass: something it runs, or any function of its entry file, looks like training
    trains: bool = False


def _truthy(v: Any) -> bool:
    return v not in (None, False, 0, "", "?") and v is not ...


class Project:
    def __init__(self, facts: Dict[str, Dict[str, Any]], root: Path, cfg: Config) -> None:
        self.facts = facts
        self.root = root
        self.cfg = cfg
        self.paths = set(facts)
        self.seeding_cfg: Dict[str, Tuple[str, ...]] = dict(cfg.seeding_functions)
        if cfg.seed_function:
            # the helper `seedlint fix` is told to call: the user declares it seeds the program
            self.seeding_cfg.setdefault(cfg.seed_function.replace(":", "."), RNGS)
        self._sub_roots = self._find_sub_roots()
        self._script_dirs = self._find_script_dirs()
        self._roots_cache: Dict[str, List[Path]] = {}
        self._resolve_cache: Dict[Tuple[Any, ...], Any] = {}
        self._stars: Dict[str, List[str]] = {}  # path -> what it star-imports, the last import first (_star)
        self._summary: Dict[Fid, Summary] = {}
        self._prev_summary: Dict[Fid, Summary] = {}
        self._mcall_cache: Dict[str, Summary] = {}
        self._instances: Dict[Tuple[str, str], Tuple[Summary, bool]] = {}  # see _instance(): (summary, tainted)
        self._parts: Dict[Tuple[str, str], Tuple[Summary, bool]] = {}  # see _class_part(): (summary, tainted)
        self._tainted: Set[Fid] = set()  # summaries of this round that read a cut edge (see solve())
        self._mcall_tainted: Set[str] = set()
        self._mcall_busy: Set[str] = set()
        self._taint = False  # does the summary being computed depend on a cut edge?
        self._cycle_hit = False
        self._straight: Dict[Fid, Straight] = {}
        self._in_progress: Set[Fid] = set()
        self._imports: Dict[str, Set[str]] = {}
        self._state_in: Optional[Tuple[Dict[str, Any], int]] = None  # see use_import_state()
        self._targets_cache: Dict[Tuple[str, str, int, Optional[Tuple[str, ...]]], List[str]] = {}
        self._class_methods: Dict[Tuple[str, str], List[str]] = {}
        # files besides the sources that the analysis read (Hydra configs), with their digests
        self.file_reads = FileReads()
        # (folder, dotted name) -> file; and the (folder, first part) of every name in it
        self._module_index, self._module_heads = self._build_module_index()
        # path -> what of its functions the analysis read: the local ids of the functions it read or looked
        # up (found or not), and "@Class" for a class whose methods it listed (see incremental.inert_mapping)
        self.reads: Dict[str, Set[str]] = {p: set() for p in facts}
        # methods that may seed (their file seeds, switches determinism or calls something that might),
        # by name: a call `obj.name()` on an object of unknown type may reach one of them
        self.methods_by_name: Dict[str, List[Fid]] = {}
        for path, f in facts.items():
            if not f["ms"]:  # (see facts.may_seed)
                continue
            for lid, fn in f["functions"].items():
                if fn.get("class") is not None:
                    self.methods_by_name.setdefault(fn["name"], []).append((path, lid))

    # ------------------------------------------------------------------ modules
    def _find_sub_roots(self) -> List[str]:
        """Folders (inside the project) that hold a project marker of their own: nested projects."""
        dirs: Set[str] = set()
        seen: Set[str] = set()
        root = str(self.root)
        for p in self.paths:
            d = os.path.dirname(p)
            while d not in seen:
                seen.add(d)
                if any(os.path.isfile(os.path.join(d, m)) for m in PROJECT_MARKERS):
                    dirs.add(d)
                parent = os.path.dirname(d)
                if d == root or parent == d:
                    break
                d = parent
        return sorted(dirs, key=lambda x: x.count(os.sep), reverse=True)

    def _find_script_dirs(self) -> List[str]:
        """Folders below the project root, outside packages, that hold a script (a ``__main__`` guard)."""
        root = str(self.root)
        found = set()
        for path, f in self.facts.items():
            if f.get("main_guard"):
                folder = os.path.dirname(path)
                if folder != root and folder + os.sep + "__init__.py" not in self.paths:
                    found.add(folder)
        return sorted(found)

    def roots_for(self, path: str) -> List[str]:
        """Where ``import x`` is looked up from ``path``: its folder (a script's sys.path[0]), the nested
        project roots above it and their ``src/``, the folders above it that hold a script (``code/train.py``
        run as ``cd code; python train.py``: Python puts ``code/`` first on sys.path, so the modules the script
        imports, ``code/networks/factory.py``, import their siblings from there too), then the project root
        and its ``src/``."""
        r = self._roots_cache.get(path)
        if r is not None:
            return r
        folder = os.path.dirname(path)
        r = self._roots_cache.get(folder)
        if r is not None:
            self._roots_cache[path] = r
            return r
        out: List[str] = [folder]
        for sr in self._sub_roots:
            if folder == sr or folder.startswith(sr + os.sep):
                out.extend([sr, sr + os.sep + "src"])
        for sd in reversed(self._script_dirs):  # (sorted: the nearest folder above comes first)
            if folder.startswith(sd + os.sep):
                out.append(sd)
        root = str(self.root)
        out.extend([root, root + os.sep + "src"])
        if root + os.sep + "__init__.py" in self.paths:
            # the project root is itself a package (a package folder checked on its own): `import pkg.x`
            out.append(os.path.dirname(root))
        seen: Set[str] = set()
        r = [x for x in out if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]
        self._roots_cache[folder] = self._roots_cache[path] = r  # (keyed by file and by folder: no clash)
        return r

    def _module_file(self, base: str, parts: Sequence[str]) -> Optional[str]:
        """The project file of module ``parts`` below folder ``base`` (``a/b.py`` before ``a/b/__init__.py``)."""
        return self._module_index.get((base, ".".join(parts)))

    def _build_module_index(self) -> Tuple[Dict[Tuple[str, str], str], Set[Tuple[str, str]]]:
        """(folder, dotted name) -> file, for every folder above every project file; and the (folder, first
        part of the name) of every entry."""
        plain: Dict[Tuple[str, str], str] = {}
        packages: Dict[Tuple[str, str], str] = {}
        for path in self.paths:
            folder, name = os.path.split(path)
            if not name.endswith(".py"):
                continue
            is_init = name == "__init__.py"
            if "." in name[:-3]:
                continue  # not importable under a dotted name
            dotted: List[str] = [] if is_init else [name[:-3]]
            base = folder
            while True:
                key = (base, ".".join(reversed(dotted)))
                if is_init:
                    packages.setdefault(key, path)
                else:
                    plain.setdefault(key, path)
                parent, part = os.path.split(base)
                if not part or parent == base or "." in part:
                    break
                dotted.append(part)
                base = parent
        # the project root's own __init__.py answers the empty name; a module file wins over a package
        packages.update((k, v) for k, v in plain.items() if k[1])
        return packages, {(base, dotted.partition(".")[0]) for base, dotted in packages}

    def resolve(self, path: str, qual: str, depth: int = 0) -> Any:
        """Resolve a qualified name as seen from ``path``.

        Returns ("func", fid) | ("class", path, class id) | ("module", path) | ("external", canonical) | None.

        Memoised by ``depth`` too (a chain of re-exports is cut past a depth): so the answer to a question
        never depends on which question was asked first, and the resolutions of one run can be reused by
        the next (see ``imports_in`` of :func:`analyze_project`).
        """
        key: Tuple[Any, ...] = (path, qual) if not depth else (path, qual, depth)
        if key in self._resolve_cache:
            return self._resolve_cache[key]
        self._resolve_cache[key] = None  # cycle guard
        out = self._resolve(path, qual, depth)
        self._resolve_cache[key] = out
        return out

    def _resolve(self, path: str, qual: str, depth: int) -> Any:
        if depth > 8:
            return None
        if qual.startswith(LOCAL):
            return self._symbol(path, qual[len(LOCAL):].split("."), depth)
        if qual.startswith(SELF):
            rest = qual[len(SELF):]
            cls, _, meth = rest.rpartition(".")
            return self._method(path, cls, meth, depth)
        if qual.startswith(STAR):
            return self._star(path, qual[len(STAR):].split("."), depth)
        level = len(qual) - len(qual.lstrip("."))
        parts = [p for p in qual.lstrip(".").split(".") if p]
        if level:
            base = os.path.dirname(path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self._from_base(base, parts, depth) or ("external", qual)
        for base in self.roots_for(path):
            hit = self._from_base(base, parts, depth)
            if hit is not None:
                return hit
        return ("external", qual)

    def _from_base(self, base: str, parts: List[str], depth: int) -> Any:
        if not parts or (base, parts[0]) not in self._module_heads:
            return None  # no module below ``base`` starts with that name (most imports are not the project's)
        for i in range(len(parts), 0, -1):
            mod = self._module_file(base, parts[:i])
            if mod is not None:
                rest = parts[i:]
                if not rest:
                    return ("module", mod)
                hit = self._symbol(mod, rest, depth)
                if hit is not None:
                    return hit
                return None
        return None

    def names_project_code(self, path: str, module: str) -> bool:
        """Is there project code below ``module`` as ``path`` imports it, though the name itself resolves to no
        file: a folder without ``__init__.py`` (a namespace package, ``from utils import process``)?"""
        head = module.partition(".")[0]
        return any((base, head) in self._module_heads for base in self.roots_for(path))

    def _symbol(self, mod: str, rest: List[str], depth: int) -> Any:
        f = self.facts.get(mod)
        if f is None or not rest:
            return ("module", mod) if f is not None else None
        name = rest[0]
        funcs = f["functions"]
        self.reads[mod].add(name)
        if len(rest) == 1 and name in funcs:
            return ("func", (mod, name))
        if len(rest) > 1 and name in funcs:
            # a function defined inside another one (`def experiment(): def get_batch(): ...`), called where it is
            # in scope: its local id is the dotted path
            lid = ".".join(rest)
            self.reads[mod].add(lid)
            if lid in funcs:
                return ("func", (mod, lid))
        if name in f["classes"]:
            if len(rest) == 1:
                return ("class", mod, name)
            return self._method(mod, name, rest[1], depth)
        target = f.get("bindings", {}).get(name)
        if target is not None and not target.startswith(LOCAL):
            return self.resolve(mod, ".".join([target, *rest[1:]]), depth + 1)
        if os.path.basename(mod) == "__init__.py":
            sub = self._module_file(os.path.dirname(mod), [name])
            if sub is not None:
                return ("module", sub) if len(rest) == 1 else self._symbol(sub, rest[1:], depth)
        if depth < 8 and not name.startswith("_"):
            # a name the module re-exports with `from .part import *` (a package's __init__.py, as a rule)
            return self._star(mod, rest, depth + 1)
        return None

    def _star(self, path: str, parts: List[str], depth: int) -> Any:
        """A name ``path`` does not bind, looked up in the project modules it star-imports, the last such import
        first (it rebinds what the ones before it bound); None when none of them has it. A star import of a
        module that is not the project's is not looked into: its names are not known."""
        stars = self._stars.get(path)
        if stars is None:
            f = self.facts.get(path)
            stars = self._stars[path] = [] if f is None else [
                "." * imp["lv"] + imp["m"] for imp in reversed(f["imports"]) if imp.get("n") == ["*"]]
        for qual in stars:
            mod = self.resolve(path, qual, depth + 1)
            if mod and mod[0] == "module":
                hit = self._symbol(mod[1], parts, depth + 1)
                if hit is not None:
                    return hit
        return None

    def _method(self, mod: str, cls: str, meth: str, depth: int) -> Any:
        f = self.facts.get(mod)
        if f is None:
            return None
        lid = f"{cls}.{meth}"
        self.reads[mod].add(lid)
        if lid in f["functions"]:
            return ("func", (mod, lid))
        info = f["classes"].get(cls)
        if info is None or depth > 6:
            return None
        for base in info.get("bases", []):
            hit = self.resolve(mod, base, depth + 1)
            if hit and hit[0] == "class":
                m = self._method(hit[1], hit[2], meth, depth + 1)
                if m is not None:
                    return m
        return None

    def class_chain(self, path: str, cls: str, depth: int = 0) -> List[Tuple[str, str]]:
        """The class and its project base classes, nearest first."""
        out = [(path, cls)]
        info = self.facts.get(path, {}).get("classes", {}).get(cls)
        if info is None or depth > 8:
            return out
        for base in info.get("bases", []):
            hit = self.resolve(path, base)
            if hit and hit[0] == "class" and (hit[1], hit[2]) != (path, cls):
                out.extend(x for x in self.class_chain(hit[1], hit[2], depth + 1) if x not in out)
        return out

    def class_methods(self, path: str, cls: str) -> List[str]:
        """Local ids of the methods a class defines itself, ``__init__`` aside, in file order."""
        self.reads[path].add("@" + cls)
        out = self._class_methods.get((path, cls))
        if out is None:
            by_class: Dict[str, List[str]] = {}
            for lid, fn in self.facts[path]["functions"].items():
                c = fn.get("class")
                if c is not None and fn.get("name") != "__init__":
                    by_class.setdefault(c, []).append(lid)
            for c, lids in by_class.items():
                self._class_methods[(path, c)] = lids
            out = self._class_methods.setdefault((path, cls), [])
        return out

    def class_rng(self, path: str, cls: str) -> Optional[str]:
        """The first RNG object a project class (or one of its project bases) stores, if any."""
        for p, c in self.class_chain(path, cls):
            info = self.facts.get(p, {}).get("classes", {}).get(c)
            if info and info.get("rng"):
                return info["rng"]
        return None

    def importers(self) -> Dict[str, Set[str]]:
        """Module path -> the project files that import it. Resolves every import statement of the project
        (memoised for the rest of the analysis); the first resolutions of an analysis, so what they read is
        what :meth:`import_state` records."""
        out: Dict[str, Set[str]] = {}
        for path in self.paths:
            for mod in self.module_imports(path):
                out.setdefault(mod, set()).add(path)
        return out

    def import_state(self) -> Dict[str, Any]:
        """The resolved import statements, and what resolving them read, for :meth:`use_import_state` in a
        later analysis whose files resolve alike (see ``imports_in`` of :func:`analyze_project`). Taken
        right after :meth:`importers`, before any other lookup. Strings are shared, so marshal writes each
        folder and module name once. An analysis that started from a state and resolved nothing more
        returns that state as it is."""
        state_in = self._state_in
        if state_in is not None and len(self._targets_cache) == state_in[1]:
            return state_in[0]  # nothing was resolved beyond it: the same state
        canon: Dict[str, str] = {p: p for p in self.paths}

        def c(x: str) -> str:
            return canon.setdefault(x, x)

        targets = [((c(k[0]), c(k[1]), k[2], k[3]), [c(m) for m in v]) for k, v in self._targets_cache.items()]
        return {"targets": targets, "reads": {c(p): sorted(r) for p, r in self.reads.items() if r}}

    def use_import_state(self, state: Dict[str, Any]) -> None:
        """Start from ``state`` (:meth:`import_state` of an analysis of files that resolve alike): the
        resolution of every import statement and what it read, which :meth:`importers` would compute again
        (resolution is memoised by depth, so an answer never depends on what was asked before it)."""
        self._targets_cache.update((tuple(k), list(v)) for k, v in state["targets"])
        for p, names in state["reads"].items():
            if p in self.reads:
                self.reads[p].update(names)
        self._state_in = (state, len(self._targets_cache))

    def module_imports(self, path: str) -> Set[str]:
        cached = self._imports.get(path)
        if cached is not None:
            return cached
        out: Set[str] = set()
        for imp in self.facts[path]["imports"]:
            for mod in self._import_targets(path, imp):
                if mod != path:
                    out.add(mod)
        self._imports[path] = out
        return out

    def _import_targets(self, path: str, imp: Dict[str, Any]) -> List[str]:
        """The project modules an import statement runs (memoised: each import is resolved once)."""
        names = imp["n"]
        # an absolute import resolves the same from every file of a folder (roots_for() depends on the folder)
        where = path if imp["lv"] else path[:path.rfind(os.sep) + 1]
        key = (where, imp["m"], imp["lv"], tuple(names) if names is not None else None)
        hit = self._targets_cache.get(key)
        if hit is None:
            hit = self._targets_cache[key] = self._compute_import_targets(path, imp)
        return hit

    def _compute_import_targets(self, path: str, imp: Dict[str, Any]) -> List[str]:
        prefix = "." * imp["lv"]
        module = imp["m"]
        out: List[str] = []
        if imp["n"] is None:  # import a.b.c: runs a, a.b and a.b.c
            parts = module.split(".")
            for i in range(1, len(parts) + 1):
                hit = self.resolve(path, ".".join(parts[:i]))
                if hit and hit[0] == "module":
                    out.append(hit[1])
            return out
        base = prefix + module if module else prefix
        hit = self.resolve(path, base) if base.strip(".") or imp["lv"] else None
        if hit is None and imp["lv"] and not module:
            pkg = os.path.dirname(path)
            for _ in range(imp["lv"] - 1):
                pkg = os.path.dirname(pkg)
            init = pkg + os.sep + "__init__.py"
            if init in self.paths:
                hit = ("module", init)
        if hit and hit[0] == "module":
            out.append(hit[1])
        for name in imp["n"]:
            sep = "" if base.endswith(".") else "."
            sub = self.resolve(path, f"{base}{sep}{name}" if base else name)
            if sub and sub[0] == "module":
                out.append(sub[1])
            elif sub and sub[0] in ("func", "class"):
                mod = sub[1][0] if sub[0] == "func" else sub[1]
                out.append(mod)
        return out

    # ------------------------------------------------------------------ summaries
    def summary(self, fid: Fid) -> Summary:
        s = self._summary.get(fid)
        if s is not None:
            if fid in self._tainted:
                self._taint = True
            return s
        if fid in self._in_progress:
            # recursion: use what the previous round of solve() knew (nothing, in the first round)
            self._cycle_hit = True
            self._taint = True
            return self._prev_summary.get(fid) or Summary()
        self._in_progress.add(fid)
        outer, self._taint = self._taint, False
        try:
            s = self._compute_summary(fid)
        finally:
            self._in_progress.discard(fid)
        if self._taint:
            self._tainted.add(fid)
        self._taint = outer or self._taint
        s.seal()
        self._summary[fid] = s
        return s

    def solve(self, starts: Sequence[Fid], max_rounds: int = 2) -> None:
        """Compute the summaries of ``starts`` (and all they reach), refining across call cycles.

        A call cycle is cut where it closes. In the first round the cut edge sees nothing; in the next, it
        sees the previous round's summary of its target, so summaries only grow. Two rounds are the default:
        on torch's own package (thousands of functions in import cycles) the second round changes 163
        findings into 65 and later rounds change no finding, while each round costs a full pass. Rounds
        stop early when nothing was cut, or when what the rules read stops changing. Inputs are sorted, so
        the result never depends on the order files were analysed in.
        """
        # A summary is *tainted* when its computation read a cut edge (or a name-matched method summary
        # still being worked out), directly or through a callee. An untainted summary depends on nothing a
        # later round changes, so it is the value a later round would compute again: it is kept, and only
        # the tainted ones are recomputed, in the same order as a full round would reach them.
        sig = None
        for round_no in range(max_rounds):
            self._cycle_hit = False
            prev = self._summary
            self._prev_summary = prev
            self._summary = {fid: s for fid, s in prev.items() if fid not in self._tainted}
            self._mcall_cache = {m: v for m, v in self._mcall_cache.items() if m not in self._mcall_tainted}
            self._instances = {k: v for k, v in self._instances.items() if not v[1]}
            self._parts = {k: v for k, v in self._parts.items() if not v[1]}
            self._tainted, self._mcall_tainted = set(), set()
            for fid in starts:
                self.summary(fid)
            if not self._cycle_hit or round_no == max_rounds - 1:
                return
            if sig is not None or round_no + 2 < max_rounds:  # (only a signature a later round compares)
                new_sig = self._signature()
                if new_sig == sig:
                    return
                sig = new_sig

    def _signature(self) -> int:
        """What the rules read of the summaries (which RNGs are seeded / used, switches, CUDA): the rounds
        stop when it no longer changes. Site lists are not part of it: they grow by ever later sites."""
        out = [len(self._summary)]
        for s in self._summary.values():
            out.append(hash((tuple(sorted(s.seeds)), tuple(sorted(s.uses)), tuple(sorted(s.worker_uses)), s.det_on is not None,
                             s.det_algos is not None, s.det_raise is not None, s.cuda is not None, s.loader_workers,
                             s.worker_seeding, s.set_epoch, s.cublas, s.trains, len(s.spawns),
                             len(s.distsamplers))))
        return hash(tuple(out))

    def _fn(self, fid: Fid) -> Optional[Dict[str, Any]]:
        f = self.facts.get(fid[0])
        if f is None:
            return None
        self.reads[fid[0]].add(fid[1])
        return f["functions"].get(fid[1])

    def calls_parameter(self, fid: Fid) -> bool:
        """Does the function call a function it is given (``def distributed_main(i, main, cfg): main(cfg)``)?
        Started by a spawn, what that runs is not known here (``mp.spawn(fn, args=(main, cfg))``)."""
        return bool((self._fn(fid) or {}).get("pc"))

    def _compute_summary(self, fid: Fid) -> Summary:
        path, lid = fid
        fn = self._fn(fid)
        s = Summary()
        if fn is None:
            return s
        in_worker = fn.get("name") in WORKER_METHODS and fn.get("class") is not None
        # a dataset's __init__ runs in the main process, the objects it builds are used by its __getitem__
        dataset_init = (fn.get("name") == "__init__" and fn.get("class") is not None
                        and any(self.facts[path]["functions"][m].get("name") in WORKER_METHODS
                                for m in self.class_methods(path, fn["class"])))
        merged: Set[str] = set()  # modules whose import summary is merged into this one
        for ev in fn["events"]:
            k = ev["k"]
            # imports and calls are nearly all the events a summary reads (57,542 of 57,653 on torch)
            if k == "import":
                # (an import event holds the statement's "m", "lv" and "n", as a facts["imports"] entry does)
                for mod in self._import_targets(path, ev):
                    # a module already merged here gives the same summary again (merging is idempotent);
                    # on torch that is one import merge in three
                    if mod != path and mod not in merged:
                        merged.add(mod)
                        s.merge(self.summary((mod, "<module>")))
                continue
            site = Site(path, ev["l"], ev["c"], ev.get("what", ""))
            if k == "call":
                plain = s.cuda_plain
                self._call(s, path, ev, site, in_worker, dataset_init)
                if plain is None and ev.get("cond"):
                    s.cuda_plain = None  # (a place the call reaches runs only when the call does)
            elif k == "use":
                for r in ev["r"]:
                    (s.worker_uses if in_worker else s.uses).setdefault(r, site)
                if not in_worker and not ev.get("init") and "torch" in ev["r"]:
                    s.uses.setdefault(TORCH_DRAW, site)
            elif k == "seed":
                self._add_seed(s, site, tuple(ev["r"]), ev, path)
            elif k == "det":
                if ev["v"]:
                    _det_switch(s, site, ev)
                    if ev.get("src") != "cudnn":  # cudnn.deterministic only picks cuDNN algorithms
                        s.det_algos = s.det_algos or site
                        if not ev.get("wo"):
                            s.det_raise = s.det_raise or site
            elif k == "cuda":
                if ev.get("unless"):
                    s.cuda_unless[(site, ev["unless"])] = None
                elif not ev.get("weak"):
                    s.cuda = s.cuda or site
                    if s.cuda_plain is None and not ev.get("cond"):
                        s.cuda_plain = site
            elif k == "loader":
                if ev.get("w"):
                    s.loader_workers = True
            elif k == "distsampler":
                s.distsamplers[site] = None
            elif k == "set_epoch":
                s.set_epoch = True
            elif k == "cublas":
                s.cublas = True
            elif k == "nonefallback":
                s.none_fallbacks[(site, ev["name"], ev["src"], tuple(ev["on"]))] = None
            elif k == "spawn":
                target = None
                if ev.get("t"):
                    hit = self.resolve(path, ev["t"])
                    if hit and hit[0] == "func":
                        target = hit[1]
                s.spawns[(site, target, ev.get("t") or "the target")] = None

        for m in fn.get("mc", ()):
            if not s.trains and apis.is_training_call(m):
                s.trains = True
            self._mcall(s, m)
        return s

    def _add_seed(self, s: Summary, site: Site, rngs: Tuple[str, ...], ev: Dict[str, Any], path: str) -> None:
        for r in rngs:
            s.seeds.setdefault(r, site)
        guards = tuple(ev.get("g", ()))
        s.seed_sites[(site, rngs, guards, tuple(ev.get("a", {}).get("sn", ())))] = None

    def _call(self, s: Summary, path: str, ev: Dict[str, Any], site: Site, in_worker: bool = False,
              dataset_init: bool = False) -> None:
        target = ev["t"]
        args = ev.get("a", {})
        if not s.trains and apis.is_training_call(target):
            s.trains = True
        hit = self.resolve(path, target)
        if hit is None:
            return
        kind = hit[0]
        if kind == "func" and ev.get("rv"):
            hit = self._returned(hit)
            if hit is None:
                return
        if kind == "func":
            fn = self._fn(hit[1]) or {}
            rq = fn.get("rq")
            if rq is not None and rq[-1][0] >= args.get("n", 0) and _lacks_arguments(rq, args):
                return  # `main()` for `def main(args):` raises TypeError before the body runs
            callee = self.summary(hit[1])
            ne = fn.get("ne")
            pc = fn.get("pc")
            if pc and ("fa" in args or "fk" in args):
                # the callee calls what this call passes it (`launch(main, ...)`: main runs)
                for index, pname in pc:
                    given = args.get("fa", {}).get(str(index)) or args.get("fk", {}).get(pname)
                    run = self.resolve(path, given) if given else None
                    if run is not None and run[0] == "func":
                        if in_worker:
                            s.merge_worker(self.summary(run[1]))
                        else:
                            s.merge(self.summary(run[1]))
            if ne is not None and callee.seeds:
                self._none_entropy_call(s, site, args, ne, hit[1][1])
            if callee.seeds and args.get("entropy"):
                s.entropy_calls[(site, args["entropy"])] = None
            if callee.seeds and ev.get("g"):
                # a helper called under `if args.seed is not None:` seeds only when the guard holds
                s.seed_sites[(site, tuple(sorted(callee.seeds)), tuple(ev["g"]), tuple(args.get("sn", ())))] = None
            if in_worker:
                s.merge_worker(callee)
            else:
                s.merge(callee)
            return
        if kind == "class":
            if in_worker:
                s.merge_worker(self._instance(hit[1], hit[2]))
            elif ev.get("tf") or dataset_init:
                # a dataset's transform, or an object a dataset builds for its __getitem__: built here, its methods
                # called in the workers (Analyzer._note_transforms)
                init = self.resolve(hit[1], f"{SELF}{hit[2]}.__init__")
                if init and init[0] == "func":
                    s.merge(self.summary(init[1]))
                for cpath2, cls2 in self.class_chain(hit[1], hit[2]):
                    s.merge_worker(self._class_part(cpath2, cls2)[0])
            else:
                s.merge(self._instance(hit[1], hit[2]))
            return
        if kind == "external":
            self._external(s, apis.canonical(hit[1]), args, site, ev)

    def _returned(self, hit: Tuple[Any, ...]) -> Optional[Tuple[Any, ...]]:
        """A call through a name given what the project function ``hit`` returned (an "rv" call event,
        Analyzer._returned_call) runs the function's own nested function that it returns (its "ret" fact)."""
        ret = (self._fn(hit[1]) or {}).get("ret")
        return ("func", (hit[1][0], ret)) if ret is not None else None

    def _instance(self, cpath: str, cls: str) -> Summary:
        """What constructing an object of a project class does: its ``__init__``, and its methods (inherited
        ones included), which the object makes callable.

        Merging is associative, so this one summary merged into the caller equals merging each part.
        """
        def build() -> Tuple[Summary, bool]:
            out = Summary()
            final = True
            init = self.resolve(cpath, f"{SELF}{cls}.__init__")
            if init and init[0] == "func":
                final = init[1] not in self._in_progress
                out.merge(self.summary(init[1]))
            for cpath2, cls2 in self.class_chain(cpath, cls):
                part, part_final = self._class_part(cpath2, cls2)
                final = final and part_final
                out.merge(part)
            return out, final

        return self._kept(self._instances, (cpath, cls), build)[0]

    def _class_part(self, cpath: str, cls: str) -> Tuple[Summary, bool]:
        """The merged summaries of one class's own methods, and whether none was still being computed: a
        base class (``nn.Module``) is merged into the instance summary of every subclass once, where each of
        its methods had been merged one by one."""
        def build() -> Tuple[Summary, bool]:
            out = Summary()
            final = True
            done, tainted = self._summary, self._tainted
            for lid in self.class_methods(cpath, cls):
                fid = (cpath, lid)
                # hot (three in four summary() calls on torch come from here): a finished summary is
                # taken as summary() would take it, without the call
                s = done.get(fid)
                if s is None:
                    if fid in self._in_progress:
                        final = False
                    s = self.summary(fid)
                elif fid in tainted:
                    self._taint = True
                if not s.hollow:
                    out.merge(s)
            return out, final

        return self._kept(self._parts, (cpath, cls), build)

    def _kept(self, cache: Dict[Tuple[str, str], Tuple[Summary, bool]], key: Tuple[str, str],
              build: Callable[[], Tuple[Summary, bool]]) -> Tuple[Summary, bool]:
        """A merged summary kept for the round in ``cache`` as (summary, tainted), and whether it is final.

        ``build`` returns the summary and whether none of its parts was still being computed (a recursion:
        that part is a placeholder until it is done); only a final one is kept. A kept one that read a
        tainted part taints its readers as the parts would (solve() drops tainted ones between rounds).
        """
        done = cache.get(key)
        if done is not None:
            if done[1]:
                self._taint = True
            return done[0], True
        outer, self._taint = self._taint, False
        out, final = build()
        if final:
            out.seal()
            cache[key] = (out, self._taint)
        self._taint = outer or self._taint
        return out, final

    def _none_entropy_call(self, s: Summary, site: Site, args: Dict[str, Any], ne: List[Any], fname: str) -> None:
        """A call to a project helper that turns a None seed into entropy, with None (or nothing)."""
        idx, pname, src = ne
        kw = args.get("kw", {})
        given = args.get("n", 0) > idx or pname in kw or args.get("star")
        why = f"`{fname.rsplit('.', 1)[-1]}()` without a seed seeds from `{src.replace('builtins.', '')}()`"
        if (idx == 0 and args.get("none")) or (pname in kw and kw[pname] is None) or not given:
            s.off_by_default[(site, why)] = None
        elif idx == 0 and args.get("none_if"):
            s.maybe_off[(site, why, tuple(args["none_if"]))] = None

    def _external(self, s: Summary, name: str, args: Dict[str, Any], site: Site, ev: Dict[str, Any]) -> None:
        kw = args.get("kw", {})
        helper: Optional[Helper] = HELPERS_BY_NAME.get(name)
        if helper is not None and helper.returns_seed:
            # seed = init_random_seed(args.seed): a random seed when the argument is None
            why = f"`{name.rsplit('.', 1)[1]}(None)` returns a random seed"
            if args.get("none") or (args.get("n", 0) == 0 and "seed" not in kw and not args.get("star")):
                s.off_by_default[(site, why)] = None
            elif args.get("sn"):
                s.maybe_off[(site, why, tuple(args["sn"]))] = None
            return
        if helper is not None:
            if helper.seeds:
                off = False
                if helper.none_seed == "entropy" and helper.seed_param is not None:
                    pos, kwname = helper.seed_param
                    given = args.get("n", 0) > pos or kwname in kw or args.get("star")
                    if args.get("none") or (not given and helper.default_seed_is_none):
                        off = True
                if not off and args.get("none_if"):
                    s.maybe_off[(site, f"`{name.rsplit('.', 1)[1]}(None)` seeds from the clock and OS entropy",
                                 tuple(args["none_if"]))] = None
                if off:
                    s.off_by_default[(site, f"`{name.rsplit('.', 1)[1]}(None)` seeds from the clock and OS "
                                           "entropy")] = None
                self._add_seed(s, site, tuple(sorted(helper.seeds)), ev, site.path)
                if name.endswith("seed_everything") and (kw.get("workers") is True or (
                        name == "lightning.fabric.Fabric.seed_everything" and "workers" not in kw)):
                    s.worker_seeding = True  # (Fabric's defaults to workers=True: lightning/fabric/fabric.py:1110)
            det = helper.deterministic
            if det is True or (isinstance(det, str) and _truthy(kw.get(det.split(":", 1)[1]))):
                _det_switch(s, site, ev)
                if helper.cudnn_only:
                    return
                s.det_algos = s.det_algos or site
                wo = helper.warn_only
                warn = wo is True or (isinstance(wo, str) and _truthy(kw.get(wo.split(":", 1)[1])))
                if not warn:
                    s.det_raise = s.det_raise or site
            return
        if name in self.seeding_cfg:
            what = self.seeding_cfg[name]
            rngs = tuple(r for r in what if r in RNGS)
            if rngs:
                self._add_seed(s, site, rngs, ev, site.path)
            if "deterministic" in what:
                _det_switch(s, site, ev)
                s.det_algos = s.det_algos or site
                s.det_raise = s.det_raise or site
            return
        if name in LIGHTNING_TRAINERS:
            d = kw.get("deterministic")
            if d is True or d == "warn":
                _det_switch(s, site, ev)
                s.det_algos = s.det_algos or site
                if d is True:
                    s.det_raise = s.det_raise or site
            return
        if name in LIGHTNING_CLI:
            v = kw.get("seed_everything_default", True)
            if v not in (False, None):
                self._add_seed(s, site, RNGS, ev, site.path)

    def _mcall(self, s: Summary, m: str) -> None:
        """A method call on an object of unknown type: if a project method of that name seeds, count it.

        Only seeding and deterministic mode are taken from such a match (being generous there avoids
        false "unseeded" reports); RNG use is not, so a common name like ``forward`` adds nothing. The
        seeding of all methods of one name is worked out once per round.
        """
        if m in WORKER_METHODS or m == "__init__" or m not in self.methods_by_name:
            return
        seeding = self._mcall_cache.get(m)
        if seeding is None:
            seeding = Summary()
            self._mcall_cache[m] = seeding  # also the guard against recursion through the same name
            self._mcall_busy.add(m)
            outer, self._taint = self._taint, False
            try:
                for fid in self.methods_by_name[m][:20]:
                    callee = self.summary(fid)
                    if callee.seeds or callee.det_on:
                        _take_seeding(seeding, callee)
            finally:
                self._mcall_busy.discard(m)
            if self._taint:
                self._mcall_tainted.add(m)
            self._taint = outer or self._taint
        elif m in self._mcall_busy or m in self._mcall_tainted:
            self._taint = True  # a partial (recursion) or tainted result
        _take_seeding(s, seeding)

    # ------------------------------------------------------------------ straight-line flow (SDL007)
    def straight(self, fid: Fid) -> Straight:
        st = self._straight.get(fid)
        if st is not None:
            return st
        self._straight[fid] = Straight()  # recursion guard
        st = self._compute_straight(fid)
        self._straight[fid] = st
        return st

    def straight_callees(self, path: str, ev: Dict[str, Any]) -> List[Straight]:
        """The straight-line views of the project code an "import" or "call" event runs."""
        if ev["k"] == "import":
            return [self.straight((m, "<module>")) for m in
                    self._import_targets(path, ev) if m != path]
        hit = self.resolve(path, ev["t"])
        if hit and hit[0] == "func" and ev.get("rv"):
            hit = self._returned(hit)
        if hit and hit[0] == "func":
            return [self.straight(hit[1])]
        if hit and hit[0] == "class":
            init = self.resolve(hit[1], f"{SELF}{hit[2]}.__init__")
            if init and init[0] == "func":
                return [self.straight(init[1])]
        return []

    def _compute_straight(self, fid: Fid) -> Straight:
        path, lid = fid
        fn = self._fn(fid)
        st = Straight()
        if fn is None:
            return st
        if fn.get("name") in WORKER_METHODS and fn.get("class") is not None:
            return st
        for ev in fn["events"]:
            k = ev["k"]
            site = Site(path, ev["l"], ev["c"], ev.get("what", ""))
            cond = bool(ev.get("cond"))
            if k == "use" and not cond and not ev.get("lz"):
                for r in ev["r"]:
                    st.first.setdefault(r, ("use", site))
            elif k == "seed":
                _apply_seed(st, tuple(ev["r"]), site, site)
            elif k in ("call", "import"):
                subs = self.straight_callees(path, ev)
                if k == "call" and not subs:
                    hit = self.resolve(path, ev["t"])
                    if hit and hit[0] == "external":
                        helper = HELPERS_BY_NAME.get(apis.canonical(hit[1]))
                        rngs = tuple(sorted(helper.seeds)) if helper is not None else ()
                        if not rngs and apis.canonical(hit[1]) in self.seeding_cfg:
                            rngs = tuple(r for r in self.seeding_cfg[apis.canonical(hit[1])] if r in RNGS)
                        if rngs:
                            _apply_seed(st, rngs, site, site)
                for sub in subs:
                    for v in sub.violations:
                        if v not in st.violations:
                            st.violations.append(v)
                    for r, (kind, ssite) in sub.first.items():
                        if kind == "use" and not cond:
                            st.first.setdefault(r, ("use", ssite))
                        elif kind == "seed":
                            _apply_seed(st, (r,), site, ssite)
        return st


def _det_switch(s: Summary, site: Site, ev: Dict[str, Any]) -> None:
    """A deterministic switch turned on at ``site``, under the `if` guards of the event that does it."""
    s.det_on = s.det_on or site
    s.det_sites[(site, tuple(ev.get("g", ())))] = None


def _take_seeding(dst: Summary, src: Summary) -> None:
    """Add ``src``'s seeding and deterministic mode to ``dst`` (the first site of each RNG stays)."""
    for r, site in src.seeds.items():
        dst.seeds.setdefault(r, site)
    dst.det_on = dst.det_on or src.det_on
    if src.det_sites:
        dst.det_sites.update(src.det_sites)
    dst.det_algos = dst.det_algos or src.det_algos
    dst.det_raise = dst.det_raise or src.det_raise
    dst.worker_seeding |= src.worker_seeding


def _apply_seed(st: Straight, rngs: Tuple[str, ...], report_site: Site, seed_site: Site) -> None:
    for r in rngs:
        prev = st.first.get(r)
        if prev is None:
            st.first[r] = ("seed", seed_site)
        elif prev[0] == "use":
            v = (report_site, r, prev[1])
            if v not in st.violations:
                st.violations.append(v)
            st.first[r] = ("seed_after_use", prev[1])  # reported once


# ---------------------------------------------------------------------------------------------- programs
def import_interface(result: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, ...]]:
    """What name resolution (``Project.resolve``, import targets) reads of a file's per-file result: its
    import statements, the names of its functions and classes, its classes' bases, its module-level
    bindings and whether it has a ``__main__`` guard (``Project._find_script_dirs``). None for a file the
    analysis leaves out (skipped, or without facts)."""
    if result is None or result.get("skipped"):
        return None
    f = result.get("facts")
    if f is None:
        return None
    return ([(imp["m"], imp["lv"], imp["n"]) for imp in f["imports"]], set(f["functions"]),
            {c: info.get("bases") for c, info in f["classes"].items()}, f.get("bindings", {}),
            bool(f.get("main_guard")))  # (a script's folder is where the modules below it import from)


def _lacks_arguments(required: List[List[Any]], args: Dict[str, Any]) -> bool:
    """Does a call (its argument summary, Analyzer._arg_summary) leave out a parameter of a plain function that
    has no default (``required``: [place, name], the function's ``rq`` fact)? Such a call raises TypeError: the
    function's body never runs (i-jepa's ``src/train.py`` calls ``main()`` for ``def main(args, ...)``)."""
    if args.get("star"):
        return False
    given, kw = args.get("n", 0), args.get("kw", {})
    return any(i >= given and p not in kw for i, p in required)


def _in_package(project: Project, path: str) -> bool:
    """Is ``path`` a module of a package (its folder holds an ``__init__.py`` of the project)? A package
    module without a ``__main__`` guard that only assigns at top level (``example_inputs =
    (torch.randn(3),)``, ``table = np.array(...)``) is library code, not a script: 83 of torch's 99 such
    "scripts" were that, and no script of the 26 training projects measured is."""
    return os.path.join(os.path.dirname(path), "__init__.py") in project.paths


def _self_test(project: Project, path: str, importers: Dict[str, Set[str]]) -> bool:
    """Is the ``__main__`` block of ``path`` a library module's self-test? A module that other project code (not
    tests) imports is library code; its ``if __name__ == "__main__":`` block tries it out
    (``print(Net()(torch.rand(1, 3, 32, 32)).shape)``), it is not how a job is started. In a package that holds
    for any such block that reads no command line. Beside the scripts of a flat layout (``model.py`` next to
    ``train.py``), a module's block may also prepare data for them (``utils.py`` writing the embedding table
    ``train.py`` loads): there it must also not train and name no way to leave an output behind."""
    f = project.facts[path]
    if f.get("cli"):
        return False
    if not _in_package(project, path) and (f.get("tr") or f.get("out")):
        return False
    root = project.root
    return any(imp != path and not _is_test_file(imp, root, project.facts.get(imp)) for imp in importers.get(path, ()))


def _is_test_file(path: str, root: Path, facts: Optional[Dict[str, Any]] = None) -> bool:
    """A test module: named as pytest collects tests, or in a ``tests`` / ``test`` / ``testing`` folder. A
    ``*_test.py`` script that reads a command line and trains, and imports no test framework (pytest,
    unittest, absl's, ``torch.testing`` ...), is a program (TCN's ``add_test.py``, ``pmnist_test.py``); a
    ``test_*.py`` one is a test all the same (accelerate's scripts that its tests launch)."""
    name = os.path.basename(path)
    if name.startswith(TEST_NAMES):
        return True
    if name.endswith("_test.py"):
        return facts is None or not _training_script(facts)
    try:
        rel = Path(path).relative_to(root).parts
    except ValueError:
        rel = Path(path).parts
    return any(part in ("tests", "test", "testing") for part in rel[:-1])


def _training_script(f: Dict[str, Any]) -> bool:
    if not (f.get("cli") and f.get("tr")):
        return False
    return not any(imp["m"] and (imp["m"].split(".", 1)[0] in _TEST_FRAMEWORKS
                                 or imp["m"].startswith(("torch.testing", "absl.testing")))
                   for imp in f["imports"])


_TEST_FRAMEWORKS = frozenset({"pytest", "unittest", "hypothesis", "nose", "nose2", "doctest"})


def _scripts_entries(project: Project) -> List[Tuple[str, str, str]]:
    """[project.scripts] targets and the ``entry-points`` setting: (module path, function, label)."""
    import sys as _sys

    if _sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    out: List[Tuple[str, str, str]] = []
    for folder in sorted({*map(Path, project._sub_roots), project.root}):
        pp = folder / "pyproject.toml"
        if not pp.is_file():
            continue
        try:
            data = tomllib.loads(pp.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        scripts = data.get("project", {}).get("scripts", {}) or {}
        if not isinstance(scripts, dict):
            continue
        for script, target in scripts.items():
            if isinstance(target, str) and ":" in target:
                mod, func = target.split(":", 1)
                hit = _resolve_module_at(project, folder, mod)
                if hit:
                    out.append((hit, func.split("[")[0].strip(), f"the `{script}` script ({target})"))
    for ep in project.cfg.entry_points:
        if ":" in ep:
            mod, func = ep.split(":", 1)
            hit = _resolve_module_at(project, project.root, mod)
            if hit:
                out.append((hit, func, f"entry point {ep}"))
        else:
            p = (project.cfg.path.parent if project.cfg.path else project.root) / ep
            if str(p.resolve()) in project.paths:
                out.append((str(p.resolve()), "", f"entry point {ep}"))
    return out


def _resolve_module_at(project: Project, folder: Path, dotted: str) -> Optional[str]:
    parts = dotted.strip().split(".")
    for base in (str(folder), str(folder / "src")):
        hit = project._module_file(base, parts)
        if hit:
            return hit
    return None


def build_programs(project: Project, importers: Optional[Dict[str, Set[str]]] = None) -> List[Program]:
    if importers is None:
        importers = project.importers()
    entries: Dict[str, Tuple[List[Fid], str]] = {}
    for path, f in sorted(project.facts.items()):
        name = os.path.basename(path)
        if _is_test_file(path, project.root, f):
            continue
        if f["main_guard"] or name == "__main__.py":
            if name != "__main__.py" and _self_test(project, path, importers):
                continue
            entries[path] = ([(path, "<module>"), (path, "<main>")], relative_label(path, project.root))
        elif (f["top_level_work"] if _in_package(project, path) else f["top_level_code"]) and (
                name not in NOT_ENTRY_NAMES and not importers.get(path)):
            entries[path] = ([(path, "<module>")], relative_label(path, project.root))
    for mod, func, label in _scripts_entries(project):
        starts = [(mod, "<module>"), (mod, "<main>")]
        if func:
            project.reads[mod].add(func)
            if func in project.facts[mod]["functions"]:
                starts.append((mod, func))
        key = f"{mod}:{func}"
        entries[key] = (starts, label)
    project.solve([fid for key in sorted(entries) for fid in entries[key][0]])
    programs: List[Program] = []
    for key, (starts, label) in sorted(entries.items()):
        s = Summary()
        st = Straight()
        for fid in starts:
            s.merge(project.summary(fid))
            sub = project.straight(fid)
            for v in sub.violations:
                if v not in st.violations:
                    st.violations.append(v)
            for r, (kind, site) in sub.first.items():
                if kind == "use":
                    st.first.setdefault(r, ("use", site))
                elif kind == "seed":
                    _apply_seed(st, (r,), site, site)
        parent_seeds = frozenset(s.seeds)
        # what spawned processes run is part of the program (their own seeding included)
        for _, target, _ in list(s.spawns):
            if target is not None:
                s.merge(project.summary(target))
        modules = _closure(project, starts[0][0])
        trains = s.trains or bool(project.facts[starts[0][0]].get("tr"))
        programs.append(Program(entry=starts[0][0], label=label, starts=starts, summary=s, modules=modules,
                                straight=st, parent_seeds=parent_seeds, trains=trains))
    return programs


class _Closures:
    """The modules each module's import runs, transitively (itself included).

    Import cycles are collapsed into their strongly connected components first; a component's closure is
    then its own modules plus its successors' closures, kept as bit sets, so many programs that import
    the same large cycle cost one union each instead of one graph walk each.
    """

    def __init__(self) -> None:
        self.index: Dict[str, int] = {}
        self.names: List[str] = []
        self.comp: Dict[int, int] = {}  # module index -> component id
        self.comp_bits: List[int] = []  # component id -> closure bit set

    def _id(self, path: str) -> int:
        i = self.index.get(path)
        if i is None:
            i = self.index[path] = len(self.names)
            self.names.append(path)
        return i

    def _solve(self, project: Project, start: int) -> None:
        """Tarjan's algorithm, iterative, from ``start``; components are finished successors first."""
        names, comp = self.names, self.comp
        low: Dict[int, int] = {}
        order: Dict[int, int] = {}
        stack: List[int] = []
        on_stack: Set[int] = set()
        succs: Dict[int, List[int]] = {}

        def successors(v: int) -> List[int]:
            out = succs.get(v)
            if out is None:
                out = succs[v] = [self._id(m) for m in project.module_imports(names[v])]
            return out

        work = [(start, 0)]
        order[start] = low[start] = 0
        stack.append(start)
        on_stack.add(start)
        counter = 1
        while work:
            v, i = work[-1]
            nexts = successors(v)
            if i < len(nexts):
                work[-1] = (v, i + 1)
                w = nexts[i]
                if w in comp:
                    continue
                if w not in order:
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], order[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == order[v]:
                members = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    members.append(w)
                    if w == v:
                        break
                cid = len(self.comp_bits)
                bits = 0
                for w in members:
                    comp[w] = cid
                    bits |= 1 << w
                for w in members:
                    for x in successors(w):
                        c = comp[x]
                        if c != cid:
                            bits |= self.comp_bits[c]
                self.comp_bits.append(bits)

    def modules(self, project: Project, entry: str) -> Set[str]:
        i = self._id(entry)
        if i not in self.comp:
            self._solve(project, i)
        names = self.names
        flags = bin(self.comp_bits[self.comp[i]])[:1:-1]  # bit k is flags[k]
        out: Set[str] = set()
        k = flags.find("1")
        while k >= 0:
            out.add(names[k])
            k = flags.find("1", k + 1)
        return out


def _closure(project: Project, entry: str) -> Set[str]:
    closures = getattr(project, "_closures", None)
    if closures is None:
        closures = project._closures = _Closures()  # type: ignore[attr-defined]  # (no reference back: no cycle)
    return closures.modules(project, entry)


def relative_label(path: str, root: Path) -> str:
    """``path`` relative to the project root, for messages."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def unseeded_use(prog: Program, rng: str) -> Optional[Tuple[Site, str]]:
    """Where program ``prog`` first uses ``rng`` unseeded (SDL001-SDL003 report it there), and the RNG whose seed
    would make that use repeat: ``rng`` itself, or torch's for a draw in DataLoader workers; or None."""
    s = prog.summary
    site = None
    if rng not in s.seeds:
        site = s.uses.get(rng)
        if rng == "torch" and site is not None and not prog.trains:
            # a program that never trains (inference, export, evaluation) loads the weights it builds: only
            # another draw (sampling, a random input, shuffling) makes its numbers differ
            site = s.uses.get(TORCH_DRAW)
    if site is not None:
        return site, rng
    # RNG use inside Dataset methods runs in DataLoader workers when the program starts any, and they reseed
    # random / numpy / torch from torch's seed (torch/utils/data/_utils/worker.py:244-306): there torch's seed
    # decides, whatever the main process seeds `random` or numpy with; without workers, the RNG's own does
    need = "torch" if s.loader_workers or s.worker_seeding else rng
    if need in s.seeds:
        return None
    site = s.worker_uses.get(rng)
    return (site, need) if site is not None else None


# ---------------------------------------------------------------------------------------------- entry
def program_infos(programs: List[Program]) -> List[ProgramInfo]:
    out = []
    for p in programs:
        s = p.summary
        covered = "torch" in s.seeds and (s.loader_workers or s.worker_seeding)
        # (RNGs only: Summary.uses also holds TORCH_DRAW)
        used = {r for r in s.uses if r in RNGS}
        used |= {r for r in s.worker_uses if r in RNGS and (r == "torch" or not covered)}
        if s.worker_uses and (s.loader_workers or s.worker_seeding):
            used.add("torch")  # (what seeds the workers' RNGs)
        func = next((lid for (path, lid) in p.starts if lid not in ("<module>", "<main>")), None)
        out.append(ProgramInfo(entry=p.entry, label=p.label, function=func, used=frozenset(used),
                               seeded=frozenset(s.seeds), cuda=s.cuda is not None, deterministic=s.det_on is not None))
    return out


def analyze_project(results: Dict[str, Any], root: Path, cfg: Config, targets: Set[str],
                    programs_out: Optional[List[ProgramInfo]] = None,
                    withdrawn_out: Optional[Set[Tuple[str, int, int, str]]] = None,
                    reads_out: Optional[Dict[str, FrozenSet[str]]] = None,
                    imports_in: Optional[Dict[str, Any]] = None,
                    imports_out: Optional[Dict[str, Any]] = None,
                    files_out: Optional[Dict[str, Optional[str]]] = None,
                    ) -> Tuple[List[Diagnostic], List[InternalError]]:
    """Run the program-level rules; return diagnostics for files in ``targets`` only.

    When ``programs_out`` is a list, a :class:`ProgramInfo` for each program is appended to it. When
    ``reads_out`` is a dict, it gets what the analysis read of each file's functions (``Project.reads``).
    When ``imports_out`` is a dict, it gets the resolved import statements (:meth:`Project.import_state`).
    When ``files_out`` is a dict, it gets every other file the analysis read (Hydra configs) and its digest
    (None: missing), which the outcome depends on as much as on the sources.
    ``imports_in`` is such a state from an analysis of the same files, settings and project markers in
    which every file had the same :func:`import_interface`: name resolution reads nothing else, so the
    state is what resolving the imports again would give, and the outcome is the same.
    """
    from seedlint.rules import all_rules

    # sorted: nothing below may depend on the order files were analysed in (the pool returns them as they finish)
    facts = {p: r.facts for p, r in sorted(results.items()) if r.facts is not None and not r.skipped}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    diags: List[Diagnostic] = []
    errors: List[InternalError] = []
    try:
        project = Project(facts, root, cfg)
        if imports_in is not None:
            project.use_import_state(imports_in)
        importers = project.importers()
        if imports_out is not None:
            imports_out.update(project.import_state())
        programs = build_programs(project, importers)
        if programs_out is not None:
            programs_out.extend(program_infos(programs))
        ctx = ProjectContext(project, programs)
        if withdrawn_out is not None:
            # single-file findings a rule takes back once it sees the whole project
            for code, rule in all_rules().items():
                withdraw = getattr(rule, "withdraw", None)
                if withdraw is None:
                    continue
                for path, res in results.items():
                    for d in res.diagnostics:
                        if d["code"] == code:
                            try:
                                if withdraw(ctx, path, d["line"], d["col"]):
                                    withdrawn_out.add((path, d["line"], d["col"], code))
                            except Exception as exc:
                                errors.append(InternalError(path, code, f"{type(exc).__name__}: {exc}"))
        for code, rule in all_rules().items():
            if rule.scope not in ("program", "file+program"):
                continue
            try:
                for d in rule.check_project(ctx):  # type: ignore[attr-defined]
                    if d.path in targets:
                        diags.append(d)
            except RecursionError:
                errors.append(InternalError(str(root), code, "program analysis recursed too deeply"))
            except Exception as exc:  # an internal error: named, not fatal for the other rules
                errors.append(InternalError(str(root), code, f"{type(exc).__name__}: {exc}"))
    finally:
        sys.setrecursionlimit(limit)
    if reads_out is not None:
        reads_out.update((p, frozenset(r)) for p, r in project.reads.items() if r)
    if files_out is not None:
        files_out.update(project.file_reads.digests)
    retain.keep(project)
    return _dedupe(diags), errors


def _dedupe(diags: List[Diagnostic]) -> List[Diagnostic]:
    """One finding per place and code: the first program's message, counting the others."""
    by_key: Dict[Tuple[str, int, int, str], List[Diagnostic]] = {}
    for d in diags:
        by_key.setdefault((d.path, d.line, d.col, d.code), []).append(d)
    out = []
    for group in by_key.values():
        first = group[0]
        others = len({d.message for d in group}) - 1
        if others:
            first = Diagnostic(first.path, first.line, first.col, first.code,
                               first.message + f" (also in {others} other program{'s' if others > 1 else ''})",
                               first.end_line, first.end_col, first.fix,
                               tuple(dict.fromkeys(r for d in group for r in d.refs)))
        out.append(first)
    return out


# The event kinds rules may look up in every function, reached by a program or not (events(), event_at(),
# file_det()). Every other read of a function goes through Project._fn() or a lookup Project.reads records:
# incremental.inert_mapping() relies on both to tell that an edited function cannot change the outcome.
SCANNED_KINDS = frozenset({"op", "set_epoch", "loader", "det"})


def _check_scanned(kind: str) -> None:
    if kind not in SCANNED_KINDS:
        raise ValueError(f"event kind {kind!r} is not in SCANNED_KINDS (seedlint/project/analysis.py)")


class ProjectContext:
    """What program-level rules see."""

    def __init__(self, project: Project, programs: List[Program]) -> None:
        self.project = project
        self.programs = programs
        self._by_module: Dict[str, List[Program]] = {}
        self._argparse: Dict[int, Dict[str, Tuple[str, str]]] = {}  # program -> setting -> (kind, origin)
        self._argparse_modules: Optional[List[str]] = None
        self._events: Optional[Dict[str, List[Tuple[str, str, Dict[str, Any]]]]] = None
        self.memo: Dict[str, Any] = {}  # what a rule works out once per project analysis, by the rule's code
        self._kernels: Dict[int, bool] = {}  # program -> may_run_nondeterministic_kernel
        self._file_kernel: Dict[str, bool] = {}
        self._kernel_import: Dict[str, str] = {}  # file -> the third-party import that is its only evidence
        self._op_files: Optional[Set[str]] = None

    def programs_containing(self, path: str) -> List[Program]:
        """The programs whose modules include ``path``, in program order."""
        hit = self._by_module.get(path)
        if hit is None:
            hit = self._by_module[path] = [prog for prog in self.programs if path in prog.modules]
        return hit

    def may_run_nondeterministic_kernel(self, prog: Program) -> bool:
        """Could deterministic mode change what the program computes? Yes when one of its modules calls an op of
        torch's list (a convolution among them: the events SDL301 reads), a layer or call of
        ``apis.KERNEL_EVIDENCE`` (cuDNN RNNs, attention, compiled or loaded models), or imports a third-party
        package that may build layers seedlint cannot see (anything but ``apis.NO_KERNEL_PACKAGES`` and the
        data parts of torchvision / torchaudio / torchtext). Deterministic mode acts on the listed ops, on cuDNN's choice of
        convolution algorithm and on Inductor (research notes, "Backend flags"): a program of linear layers,
        embeddings and activations written in the project, with none of those, gets nothing from it."""
        hit = self._kernels.get(id(prog))
        if hit is None:
            hit = self._kernels[id(prog)] = any(self._file_kernels(m) for m in sorted(prog.modules))
        return hit

    def _file_kernels(self, path: str) -> bool:
        hit = self._file_kernel.get(path)
        if hit is not None:
            return hit
        if self._op_files is None:
            self._op_files = {p for p, _, _ in self.events("op")}
        f = self.project.facts[path]
        hit = bool(f.get("nk")) or path in self._op_files
        for imp in () if hit else f["imports"]:
            module = imp["m"]
            if imp["lv"] or not module:
                continue
            root, _, rest = module.partition(".")
            if root in apis.STDLIB or root in apis.NO_KERNEL_PACKAGES:
                continue  # (torch among them: a call of KERNEL_EVIDENCE, `torch.hub.load`, is the "nk" fact)
            if root in ("torchvision", "torchaudio", "torchtext"):
                # the data parts build no network; a bare `import torchvision` counts through what is called
                # with it (the "nk" fact: apis.KERNEL_PREFIXES); `from torchvision import models` counts here
                sub = rest.partition(".")[0]
                if sub in apis.NO_KERNEL_SUBMODULES or (not sub and all(
                        n in apis.NO_KERNEL_SUBMODULES for n in imp["n"] or ())):
                    continue
                hit = True
                break
            found = self.project.resolve(path, module)
            if (found is None or found[0] == "external") and not self.project.names_project_code(path, module):
                hit = True
                self._kernel_import[path] = module
                break
        self._file_kernel[path] = hit
        return hit

    def kernel_import(self, prog: Program) -> Optional[str]:
        """When only imports of third-party packages seedlint does not read make the program one that
        deterministic mode may change (may_run_nondeterministic_kernel), the first such module, unless a file
        that is such a sign also imports a well-known model library (apis.MODEL_LIBRARIES); else None."""
        if not self.may_run_nondeterministic_kernel(prog):
            return None
        first = None
        for m in sorted(prog.modules):
            if self._file_kernels(m):
                module = self._kernel_import.get(m)
                if module is None:
                    return None  # an op, a layer or a call seedlint sees
                if any((imp["m"] or "").partition(".")[0] in apis.MODEL_LIBRARIES
                       for imp in self.project.facts[m]["imports"] if not imp["lv"]):
                    return None  # (transformers imported after `evaluate`)
                first = first or module
        return first

    def argparse_default(self, prog: Program, dest: str) -> Optional[str]:
        """The default kind of setting ``dest`` in the program ("None", "neg", "off", "set"): of ``--dest`` in
        its modules' argparse parsers, or of the key in its Hydra config; None when not known."""
        hit = self._settings(prog).get(dest)
        return hit[0] if hit is not None else None

    def default_origin(self, prog: Program, dest: str) -> str:
        """Where setting ``dest``'s default comes from, for messages ("its argparse default")."""
        hit = self._settings(prog).get(dest)
        return hit[1] if hit is not None else "its default"

    def _settings(self, prog: Program) -> Dict[str, Tuple[str, str]]:
        merged = self._argparse.get(id(prog))
        if merged is None:
            if self._argparse_modules is None:
                self._argparse_modules = sorted(p for p, f in self.project.facts.items() if f.get("argparse"))
            merged = {}
            for m in self._argparse_modules:  # sorted, as the first default seen wins
                if m in prog.modules:
                    for k, v in self.project.facts[m]["argparse"].items():
                        merged.setdefault(k, (v, "its argparse default"))
            # a Hydra app's settings: the defaults its YAML config composes to (seedlint/project/hydra.py)
            config = self._hydra_config(prog.entry)
            if config is not None:
                from seedlint.project import hydra

                primary = relative_label(hydra.config_file(*config), self.project.root)
                where = f"its default in the Hydra config `{primary}`"
                for k, v in hydra.setting_kinds(config[0], config[1], self.project.file_reads).items():
                    merged.setdefault(k, (v, where))
            self._argparse[id(prog)] = merged
        return merged

    def _hydra_config(self, entry: str) -> Optional[Tuple[str, str]]:
        """(config folder, config name) of the entry file's ``@hydra.main``, or None."""
        config = self.project.facts[entry].get("hydra")
        if not config or config[0] is None or config[1] is None or "://" in config[0]:
            return None
        return os.path.normpath(os.path.join(os.path.dirname(entry), config[0])), config[1]

    def events(self, kind: str) -> Iterable[Tuple[str, str, Dict[str, Any]]]:
        """Every event of one kind, in file order (an index built on the first call)."""
        _check_scanned(kind)
        if self._events is None:
            index: Dict[str, List[Tuple[str, str, Dict[str, Any]]]] = {}
            for path, f in self.project.facts.items():
                for lid, fn in f["functions"].items():
                    for ev in fn["events"]:
                        k = ev["k"]
                        if k in SCANNED_KINDS:
                            index.setdefault(k, []).append((path, lid, ev))
            self._events = index
        return iter(self._events.get(kind, ()))

    def event_at(self, path: str, kind: str, line: int, col: int) -> Optional[Dict[str, Any]]:
        _check_scanned(kind)
        f = self.project.facts.get(path)
        if f is None:
            return None
        for fn in f["functions"].values():
            for ev in fn["events"]:
                if ev["k"] == kind and ev["l"] == line and ev["c"] == col:
                    return ev
        return None

    def file_det(self, path: str, cudnn: bool = False) -> Tuple[bool, bool]:
        """(deterministic algorithms on anywhere in the file, and without warn_only); cuDNN's flag aside, unless
        ``cudnn`` (for a convolution, which either switch makes deterministic)."""
        on = raising = False
        f = self.project.facts.get(path)
        if f is None:
            return False, False
        for fn in f["functions"].values():
            for ev in fn["events"]:
                if ev["k"] == "det" and ev["v"] and (cudnn or ev.get("src") != "cudnn"):
                    on = True
                    raising = raising or not ev.get("wo")
        return on, raising


def diag(site: Site, code: str, message: str, fix: FixSafety = FixSafety.NONE,
         quotes: Tuple[Site, ...] = ()) -> Diagnostic:
    """A finding at ``site``; ``quotes``: the other places whose line the message names."""
    return Diagnostic(path=site.path, line=site.line, col=site.col, code=code, message=message,
                      end_line=site.line, end_col=site.col, fix=fix, refs=tuple((q.path, q.line) for q in quotes))
