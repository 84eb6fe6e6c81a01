"""assert_reproducible: run a function several times from the same seeded state and compare the results."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, Optional

from seedlint.runtime._compare import first_difference, snapshot
from seedlint.runtime._seeding import (
    SEED_ENV_VAR,
    _import_optional,
    seed_everything,
    set_deterministic_algorithms,
    validate_seed,
)
from seedlint.runtime._state import rng_state, set_rng_state

_ENV_VARS = (SEED_ENV_VAR, "PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG", "TORCHINDUCTOR_DETERMINISTIC")


def _settings() -> Dict[str, Any]:
    """The global switches seed_everything changes, so that they can be put back."""
    saved: Dict[str, Any] = {"env": {name: os.environ.get(name) for name in _ENV_VARS}}
    torch = sys.modules.get("torch")
    if torch is not None:
        saved["torch"] = (
            torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled(),
            torch.backends.cudnn.deterministic,
            torch.backends.cudnn.benchmark,
        )
        config = sys.modules.get("torch._inductor.config")
        if config is not None and hasattr(config, "deterministic"):
            saved["inductor"] = config.deterministic
    return saved


def _restore_settings(saved: Dict[str, Any]) -> None:
    for name, value in saved["env"].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    torch = sys.modules.get("torch")
    if torch is not None and "torch" in saved:
        mode, warn_only, cudnn_deterministic, cudnn_benchmark = saved["torch"]
        set_deterministic_algorithms(torch, mode, warn_only)
        torch.backends.cudnn.deterministic = cudnn_deterministic
        torch.backends.cudnn.benchmark = cudnn_benchmark
    config = sys.modules.get("torch._inductor.config")
    if config is not None and "inductor" in saved:
        config.deterministic = saved["inductor"]


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def assert_reproducible(fn: Callable[..., Any], *args: Any, seed: int = 0, runs: int = 2, **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)`` ``runs`` times, each right after ``seed_everything(seed)``, and check that
    every result equals the first exactly.

    Results may be tensors (dtype, shape and every element; NaN equals NaN), NumPy arrays, numbers, strings,
    nested lists / tuples / dicts, ``nn.Module`` (compared by ``state_dict()``), or other objects with
    ``state_dict()``. Each result is copied as soon as it is returned, so a function that returns the same,
    later mutated, object is still compared correctly.

    On a difference, raises ``AssertionError`` naming the path of the first differing leaf (for example
    ``result['weight'][3]`` or ``result[1].bias``), both values, and the largest absolute difference. The caller's
    RNG states (see :func:`rng_state`), determinism switches and environment variables are restored afterwards,
    whatever happens. Returns the first run's result.
    """
    if not callable(fn):
        raise TypeError(f"assert_reproducible expects a callable, got {type(fn).__name__}")
    seed = validate_seed(seed)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        raise ValueError(f"runs must be an integer of at least 2, got {runs!r}")
    _import_optional("torch")  # seed_everything imports it: import first so that its switches are saved too
    saved_settings = _settings()
    saved_rng = rng_state()
    try:
        first_result: Optional[Any] = None
        first_copy: Any = None
        for run in range(1, runs + 1):
            seed_everything(seed)
            result = fn(*args, **kwargs)
            copied = snapshot(result)
            if run == 1:
                first_result, first_copy = result, copied
                continue
            diff = first_difference(first_copy, copied, "result")
            if diff is not None:
                raise AssertionError(
                    f"{_name(fn)} is not reproducible (seed={seed}): run {run} differs from run 1 at "
                    f"{diff.describe()}"
                )
        return first_result
    finally:
        _restore_settings(saved_settings)
        set_rng_state(saved_rng)
