"""Capture and restore the global RNG states: Python, NumPy, torch CPU and every CUDA device."""

from __future__ import annotations

import contextlib
import logging
import random
import sys
from typing import Any, Dict, Iterator, List, Optional

logger = logging.getLogger("seedlint.runtime")

STATE_FORMAT = "seedlint.rng_state"
STATE_VERSION = 1


def _numpy_state() -> Optional[Dict[str, Any]]:
    np = sys.modules.get("numpy")
    if np is None:
        return None
    state = np.random.get_state(legacy=False)
    inner = state["state"]
    return {
        "bit_generator": str(state["bit_generator"]),
        "key": [int(v) for v in inner["key"]],
        "pos": int(inner["pos"]),
        "has_gauss": int(state["has_gauss"]),
        "gauss": float(state["gauss"]),
    }


def _tensor_bytes(tensor: Any) -> bytes:
    return bytes(tensor.cpu().tolist())


def _torch_states() -> Dict[str, Any]:
    torch = sys.modules.get("torch")
    if torch is None:
        return {"torch_cpu": None, "torch_cuda": None}
    cuda: Optional[List[bytes]] = None
    # Reading a CUDA generator initialises CUDA; before that, nothing has drawn from them, and initialising CUDA
    # here could come before CUBLAS_WORKSPACE_CONFIG is set (older torch reads it once).
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        cuda = [_tensor_bytes(s) for s in torch.cuda.get_rng_state_all()]
    return {"torch_cpu": _tensor_bytes(torch.get_rng_state()), "torch_cuda": cuda}


def rng_state() -> Dict[str, Any]:
    """Return the state of every global RNG as a plain, picklable ``dict``.

    Holds Python's ``random``; NumPy's global RNG and torch's CPU generator when numpy / torch are imported (a
    library not imported yet has no state anyone depends on, and it is not imported here); and every CUDA
    device's generator once CUDA is initialised (reading them would initialise CUDA; until then no CUDA random
    number has been drawn, and CUDA will start from the seed of the latest ``torch.manual_seed``). Only built-in types are used, so the state unpickles without numpy or torch: save it in a
    checkpoint and pass it to :func:`set_rng_state` to resume the same streams.
    """
    state: Dict[str, Any] = {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "python": random.getstate(),
        "numpy": _numpy_state(),
    }
    state.update(_torch_states())
    return state


def _bytes_tensor(torch: Any, data: bytes) -> Any:
    return torch.tensor(list(data), dtype=torch.uint8)


def _import_for_restore(name: str, part: str) -> Optional[Any]:
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        return __import__(name)
    except ImportError:
        logger.warning("set_rng_state: the state holds a %s RNG state but %s is not installed; skipped", part, name)
        return None


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore RNG states captured by :func:`rng_state`.

    Parts recorded as ``None`` are left alone. Raises ``ValueError`` for something that is not such a state,
    or for CUDA states of more devices than this machine has.
    """
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ValueError("set_rng_state expects the dict returned by seedlint.runtime.rng_state()")
    if state.get("version") != STATE_VERSION:
        raise ValueError(
            f"unsupported rng_state version {state.get('version')!r} (this seedlint reads {STATE_VERSION})"
        )

    python_state = state.get("python")
    if python_state is not None:
        version, internal, gauss = python_state
        random.setstate((version, tuple(internal), gauss))

    numpy_state = state.get("numpy")
    if numpy_state is not None:
        np = _import_for_restore("numpy", "NumPy")
        if np is not None:
            np.random.set_state({
                "bit_generator": numpy_state["bit_generator"],
                "state": {"key": np.array(numpy_state["key"], dtype=np.uint32), "pos": numpy_state["pos"]},
                "has_gauss": numpy_state["has_gauss"],
                "gauss": numpy_state["gauss"],
            })

    cpu, cuda = state.get("torch_cpu"), state.get("torch_cuda")
    if cpu is None and cuda is None:
        return
    torch = _import_for_restore("torch", "torch")
    if torch is None:
        return
    if cpu is not None:
        torch.set_rng_state(_bytes_tensor(torch, cpu))
    if cuda is not None:
        if not torch.cuda.is_available():
            logger.warning("set_rng_state: the state holds %d CUDA RNG states but CUDA is not available; skipped",
                           len(cuda))
            return
        count = torch.cuda.device_count()
        if len(cuda) > count:
            raise ValueError(f"the state holds RNG states for {len(cuda)} CUDA devices; this machine has {count}")
        for index, data in enumerate(cuda):
            torch.cuda.set_rng_state(_bytes_tensor(torch, data), device=index)


@contextlib.contextmanager
def isolate_rng() -> Iterator[Dict[str, Any]]:
    """Context manager: on exit, put every global RNG back as it was on entry (see :func:`rng_state`).

    ``with isolate_rng(): evaluate(model)`` lets the block draw random numbers without shifting the streams the
    rest of the program sees. Yields the state captured on entry.
    """
    saved = rng_state()
    try:
        yield saved
    finally:
        set_rng_state(saved)
