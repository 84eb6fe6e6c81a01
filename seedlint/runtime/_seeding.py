"""seed_everything and the seed helpers around it.

torch and numpy are imported inside the functions that need them, never at module import time, and
every function works when either (or both) is missing.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

logger = logging.getLogger("seedlint.runtime")
logger.addHandler(logging.NullHandler())

#: Environment variable through which the seed reaches child processes.
SEED_ENV_VAR = "SEEDLINT_SEED"

SEED_MAX = 2**32 - 1

# The values cuBLAS accepts as deterministic workspace configurations.
_CUBLAS_DETERMINISTIC_CONFIGS = (":4096:8", ":16:8")
# torch raised a RuntimeError on cuBLAS operations in deterministic mode unless CUBLAS_WORKSPACE_CONFIG was
# one of the values above; pytorch/pytorch#161749 removed that check. 2.13 is the first release we have read
# that lacks it (ATen/Context.h). Releases before it are treated as needing the variable: where one of them no
# longer checks, setting it costs only a smaller cuBLAS workspace, while missing it raises.
_CUBLAS_CHECK_ABSENT_FROM = (2, 13)


def _version_tuple(version: str) -> Tuple[int, ...]:
    parts: List[int] = []
    for piece in version.split("+")[0].split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def validate_seed(seed: Any, *, name: str = "seed") -> int:
    """Return ``seed`` as an ``int`` after checking it lies in ``[0, 2**32 - 1]``.

    That range is what every RNG seeded here accepts (NumPy's legacy ``np.random.seed`` is the narrowest).
    Raises ``TypeError`` for a non-integer and ``ValueError`` for an integer out of range.
    """
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise TypeError(f"{name} must be an integer, got {type(seed).__name__} {seed!r}")
    value = seed.__index__()
    if not 0 <= value <= SEED_MAX:
        raise ValueError(
            f"{name} must be an integer between 0 and 2**32 - 1 = {SEED_MAX} (NumPy's legacy seeding accepts "
            f"no more), got {value}"
        )
    return value


def _import_optional(name: str) -> Tuple[Optional[Any], Optional[str]]:
    """Import ``name`` if it is installed; return (module, None) or (None, reason)."""
    try:
        module = __import__(name)
    except ImportError:
        return None, f"{name} is not installed"
    except Exception as exc:  # a broken installation: report it instead of failing the caller
        return None, f"{name} could not be imported ({type(exc).__name__}: {exc})"
    return module, None


@dataclass
class SeedReport:
    """What :func:`seed_everything` applied, and what it could not.

    ``applied`` and ``not_applied`` hold one human-readable line per item; ``env`` maps each environment
    variable that was set to its value. ``str(report)`` gives a readable summary.
    """

    seed: int
    deterministic: bool
    warn_only: bool
    benchmark: bool
    applied: List[str] = field(default_factory=list)
    not_applied: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    torch_version: Optional[str] = None
    numpy_version: Optional[str] = None

    @property
    def complete(self) -> bool:
        """True when nothing was left unapplied."""
        return not self.not_applied

    def __str__(self) -> str:
        head = (f"seed_everything({self.seed}, deterministic={self.deterministic}, warn_only={self.warn_only}, "
                f"benchmark={self.benchmark})")
        lines = [head]
        lines += [f"  applied: {item}" for item in self.applied]
        lines += [f"  not applied: {item}" for item in self.not_applied]
        return "\n".join(lines)


def _seed_torch(torch: Any, report: SeedReport, seed: int, deterministic: bool, warn_only: bool,
                benchmark: bool) -> None:
    report.torch_version = str(torch.__version__)
    torch.manual_seed(seed)
    report.applied.append(f"torch.manual_seed({seed}) (CPU and every CUDA/MPS/XPU device)")

    cudnn = getattr(getattr(torch, "backends", None), "cudnn", None)
    if cudnn is not None:
        cudnn.deterministic = deterministic
        cudnn.benchmark = benchmark
        report.applied.append(f"torch.backends.cudnn.deterministic={deterministic}, benchmark={benchmark}")
        if benchmark:
            report.not_applied.append(
                "cudnn.benchmark=True times candidate kernels and may pick a different one in each run"
            )

    if hasattr(torch, "use_deterministic_algorithms"):
        if not set_deterministic_algorithms(torch, deterministic, warn_only) and warn_only:
            report.not_applied.append("warn_only: this torch's use_deterministic_algorithms has no warn_only")
        report.applied.append(f"torch.use_deterministic_algorithms({deterministic}, warn_only={warn_only})")
    elif deterministic:
        report.not_applied.append(f"torch {torch.__version__} has no use_deterministic_algorithms")

    _set_inductor(report, deterministic)
    if deterministic:
        _set_cublas(torch, report)


# Releases whose torch.use_deterministic_algorithms is exactly torch._C._set_deterministic_algorithms plus, from
# 2.x on, `import torch._inductor.config; config.deterministic = mode` (read in 2.13's torch/__init__.py).
_KNOWN_DETERMINISTIC_SETTER_UP_TO = (2, 13)


def set_deterministic_algorithms(torch: Any, mode: bool, warn_only: bool) -> bool:
    """``torch.use_deterministic_algorithms(mode, warn_only=warn_only)`` without importing Inductor.

    In torch 2.13 that function imports ``torch._inductor.config`` (about a second: it pulls in
    ``torch._dynamo``) only to set ``deterministic``. For releases up to 2.13 this calls the same
    ``torch._C._set_deterministic_algorithms`` and leaves Inductor to :func:`_set_inductor` (the config if loaded,
    else the environment variable it reads on import); later releases get the public function. Returns whether
    ``warn_only`` was supported.
    """
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None or _version_tuple(str(torch.__version__))[:2] > _KNOWN_DETERMINISTIC_SETTER_UP_TO:
        try:
            torch.use_deterministic_algorithms(mode, warn_only=warn_only)
        except TypeError:  # torch < 1.11 has no warn_only
            torch.use_deterministic_algorithms(mode)
            return False
        return True
    try:
        setter(mode, warn_only=warn_only)
    except TypeError:
        setter(mode)
        return False
    return True


def _set_inductor(report: SeedReport, deterministic: bool) -> None:
    """Inductor's deterministic mode: the config if it is loaded, the environment variable for later imports."""
    config = sys.modules.get("torch._inductor.config")
    if config is not None and hasattr(config, "deterministic"):
        # torch 2.13's use_deterministic_algorithms already sets it (torch/__init__.py:1531-1533); older
        # releases with the option do not.
        if config.deterministic != deterministic:
            config.deterministic = deterministic
        report.applied.append(f"torch._inductor.config.deterministic={deterministic}")
    elif deterministic:
        report.applied.append("Inductor deterministic mode: TORCHINDUCTOR_DETERMINISTIC=1 (read when "
                              "torch._inductor.config is imported)")
    # Read by torch._inductor.config when it is first imported, here or in a child process.
    if deterministic:
        os.environ["TORCHINDUCTOR_DETERMINISTIC"] = "1"
        report.env["TORCHINDUCTOR_DETERMINISTIC"] = "1"
    elif os.environ.get("TORCHINDUCTOR_DETERMINISTIC") == "1":
        os.environ["TORCHINDUCTOR_DETERMINISTIC"] = "0"
        report.env["TORCHINDUCTOR_DETERMINISTIC"] = "0"


def _cublas_needed(torch: Any) -> bool:
    cuda = getattr(getattr(torch, "version", None), "cuda", None)
    if not cuda:  # CPU-only or ROCm build
        return False
    if _version_tuple(str(cuda)) < (10, 2):
        return False
    return _version_tuple(str(torch.__version__)) < _CUBLAS_CHECK_ABSENT_FROM


def _set_cublas(torch: Any, report: SeedReport) -> None:
    if not _cublas_needed(torch):
        report.applied.append(
            f"CUBLAS_WORKSPACE_CONFIG: not needed by torch {torch.__version__} "
            f"({'no CUDA in this build' if not getattr(torch.version, 'cuda', None) else 'no cuBLAS workspace check'})"
        )
        return
    current = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    if current in _CUBLAS_DETERMINISTIC_CONFIGS:
        report.applied.append(f"CUBLAS_WORKSPACE_CONFIG={current} (already set)")
        return
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    report.env["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    initialised = False
    try:
        initialised = bool(torch.cuda.is_initialized())
    except Exception:
        pass
    if initialised:
        msg = (
            "CUBLAS_WORKSPACE_CONFIG=:4096:8 was set after CUDA was initialised: if a cuBLAS operation already ran, "
            "this process keeps its old workspace and deterministic mode will raise on cuBLAS operations. "
            "Call seed_everything before any CUDA work, or start the program with `seedlint run`."
        )
        report.not_applied.append(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=5)  # the caller of seed_everything
    else:
        report.applied.append("CUBLAS_WORKSPACE_CONFIG=:4096:8 (set before CUDA initialisation)")


def _startup_hashseed() -> Optional[str]:
    """PYTHONHASHSEED as this interpreter saw it when seedlint.runtime was first imported (under `seedlint run`,
    before any user code ran). A value of 0 set after start is caught by sys.flags; other values cannot be."""
    value = os.environ.get("PYTHONHASHSEED")
    if value is not None and value.strip() == "0" and sys.flags.hash_randomization:
        return None
    return value


_STARTUP_HASHSEED = _startup_hashseed()


def _hash_seed(report: SeedReport, seed: int) -> None:
    if _STARTUP_HASHSEED is not None and _STARTUP_HASHSEED.strip() == str(seed):
        report.applied.append(f"PYTHONHASHSEED={seed} (set before this interpreter started)")
        return
    if _STARTUP_HASHSEED is not None and _STARTUP_HASHSEED.strip() not in ("", "random"):
        report.not_applied.append(
            f"PYTHONHASHSEED is {_STARTUP_HASHSEED} for this interpreter, not {seed}: str/bytes hashing is fixed, "
            f"with that value; use `seedlint run --seed {seed}` to start with {seed}"
        )
        return
    exported = ""
    if os.environ.get("PYTHONHASHSEED") is None:
        os.environ["PYTHONHASHSEED"] = str(seed)  # noqa: SDL006 (for child processes, as the report says)
        report.env["PYTHONHASHSEED"] = str(seed)
        exported = f" (PYTHONHASHSEED={seed} is exported for child processes only)"
    report.not_applied.append(
        "PYTHONHASHSEED cannot change for a running interpreter: the iteration order of sets of str/bytes still "
        f"varies between runs{exported}; start the program with `seedlint run --seed {seed} -- script.py` to fix it"
    )


def seed_everything(seed: int, *, deterministic: bool = True, warn_only: bool = False,
                    benchmark: bool = False) -> SeedReport:
    """Seed every global RNG and set PyTorch's determinism switches.

    - Python's ``random`` with ``random.seed(seed)``; NumPy's global RNG with ``np.random.seed(seed)`` when numpy
      is installed; torch with ``torch.manual_seed(seed)``, which seeds the CPU generator and every CUDA (and
      MPS/XPU) device.
    - ``torch.backends.cudnn.deterministic = deterministic``, ``torch.backends.cudnn.benchmark = benchmark``,
      ``torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)`` and Inductor's deterministic mode
      (``torch._inductor.config.deterministic`` if loaded, ``TORCHINDUCTOR_DETERMINISTIC`` for later imports).
    - ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` when ``deterministic`` and the installed torch still checks it; a
      ``RuntimeWarning`` when CUDA is already initialised, since it may then be too late.
    - Exports ``SEEDLINT_SEED`` (and ``PYTHONHASHSEED`` if unset) for child processes.

    ``PYTHONHASHSEED`` cannot take effect in a running interpreter; the report says so unless the program was
    started with it (``seedlint run`` does that). Raises ``ValueError`` unless ``0 <= seed < 2**32``.

    Returns a :class:`SeedReport`; the same is logged on the ``seedlint.runtime`` logger, never printed.
    """
    return _seed_everything(seed, deterministic=deterministic, warn_only=warn_only, benchmark=benchmark,
                            defer_torch=False)


class _AfterImport:
    """A ``sys.meta_path`` entry that calls ``callback(module)`` once ``name`` has finished importing.

    It finds the module with the other finders and wraps that spec's loader's ``exec_module`` (on the loader
    instance, for this import only); the module, its spec and its loader are otherwise untouched. A lookup that
    is not followed by an import (``importlib.util.find_spec("torch")`` to test availability) leaves the hook in
    place for the real import. After the callback has run, the entry removes itself.
    """

    def __init__(self, name: str, callback: Any) -> None:
        self.name, self.callback, self.fired = name, callback, False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name or self.fired:
            return None
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            try:
                original(module)
            finally:
                try:
                    del loader.exec_module
                except AttributeError:
                    pass
            if not self.fired:
                self.fired = True
                if self in sys.meta_path:
                    sys.meta_path.remove(self)
                self.callback(module)

        loader.exec_module = exec_module
        return spec


def _seed_everything(seed: int, *, deterministic: bool, warn_only: bool, benchmark: bool,
                     defer_torch: bool) -> SeedReport:
    """:func:`seed_everything`; with ``defer_torch``, a torch not imported yet is seeded and switched when the
    program first imports it (``seedlint run`` uses this: a script that never imports torch does not pay for
    importing it, and torch's RNG and switches cannot be observed before it is imported)."""
    seed = validate_seed(seed)
    report = SeedReport(seed=seed, deterministic=bool(deterministic), warn_only=bool(warn_only),
                        benchmark=bool(benchmark))

    random.seed(seed)
    report.applied.append(f"random.seed({seed})")

    np, reason = _import_optional("numpy")
    if np is not None:
        np.random.seed(seed)
        report.numpy_version = str(np.__version__)
        report.applied.append(f"numpy.random.seed({seed})")
    else:
        report.not_applied.append(f"numpy: {reason}")

    deferred = False
    if defer_torch and "torch" not in sys.modules:
        import importlib.util

        try:
            installed = importlib.util.find_spec("torch") is not None
        except (ImportError, ValueError):
            installed = False
        if installed:
            def seed_on_import(torch: Any) -> None:
                try:
                    _seed_torch(torch, report, seed, report.deterministic, report.warn_only, report.benchmark)
                except Exception as exc:  # never break the program's own import of torch
                    report.not_applied.append(f"torch: seeding on import failed ({type(exc).__name__}: {exc})")
                    warnings.warn(f"seedlint: could not seed torch when it was imported: {exc}", RuntimeWarning,
                                  stacklevel=2)
                logger.info("%s", report)

            sys.meta_path.insert(0, _AfterImport("torch", seed_on_import))
            report.applied.append("torch: seeded and switched when the program first imports it")
            deferred = True
    if not deferred:
        torch, reason = _import_optional("torch")
        if torch is not None:
            _seed_torch(torch, report, seed, report.deterministic, report.warn_only, report.benchmark)
        else:
            report.not_applied.append(f"torch: {reason}")

    os.environ[SEED_ENV_VAR] = str(seed)
    report.env[SEED_ENV_VAR] = str(seed)
    _hash_seed(report, seed)

    logger.info("%s", report)
    return report


def make_generator(seed: int) -> Any:
    """Return a new ``torch.Generator`` seeded with ``seed`` (for ``DataLoader(generator=...)``, samplers,
    ``random_split``). Raises ``ValueError`` for a seed outside ``[0, 2**32 - 1]`` and ``ImportError`` without
    torch."""
    seed = validate_seed(seed)
    try:
        import torch
    except ImportError as exc:
        raise ImportError("make_generator needs torch, which is not installed") from exc
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def dataloader_kwargs(seed: int) -> Dict[str, Any]:
    """Keyword arguments that make a ``DataLoader`` reproducible: ``worker_init_fn=seed_worker`` and
    ``generator=make_generator(seed)``. Use as ``DataLoader(dataset, shuffle=True, **dataloader_kwargs(0))``."""
    from seedlint.runtime._worker import seed_worker

    return {"worker_init_fn": seed_worker, "generator": make_generator(seed)}
