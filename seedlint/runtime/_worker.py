"""seed_worker: per-worker seeding for DataLoader workers, including the RNG objects a dataset holds.

Each DataLoader worker gets a copy of the dataset. An RNG object created before the workers start
(``np.random.default_rng(...)``, ``random.Random(...)``, a ``torch.Generator``) is copied with the same state into
every worker, so every worker replays the same "random" stream. torch reseeds ``random``, numpy's global RNG
and torch in each worker (torch >= 1.9), but not those objects; :func:`seed_worker` does.
"""

from __future__ import annotations

import hashlib
import logging
import random
import sys
import types
from typing import Any, Iterator, List, Optional, Sequence, Tuple

logger = logging.getLogger("seedlint.runtime")

# Bounds of the walk through a dataset's attributes.
MAX_DEPTH = 12
MAX_ITEMS_PER_CONTAINER = 1000
MAX_OBJECTS = 20000

_ATOMIC = (str, bytes, bytearray, int, float, complex, bool, type(None), range, memoryview)
_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
         types.CodeType, types.FrameType)


def _path_int(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest(), "little")


def derive_seed_words(entropy: int, *keys: str, words: int = 4) -> List[int]:
    """Derive ``words`` 32-bit words from an integer ``entropy`` and a path of string ``keys``.

    Uses ``numpy.random.SeedSequence(entropy, spawn_key=...)`` when numpy is already imported (well-mixed,
    independent streams for distinct keys), else BLAKE2b over the same inputs. Distinct keys give unrelated
    seeds, so ``random`` and numpy are never seeded with the same integer.
    """
    entropy = int(entropy) & (2**128 - 1)
    np = sys.modules.get("numpy")
    np_random = sys.modules.get("numpy.random")
    if np is not None and np_random is not None and hasattr(np_random, "SeedSequence"):
        seq = np_random.SeedSequence(entropy, spawn_key=tuple(_path_int(k) for k in keys))
        return [int(w) for w in seq.generate_state(words, np.uint32)]
    digest = hashlib.blake2b(("\x00".join([str(entropy), *keys])).encode("utf-8"), digest_size=4 * words).digest()
    return [int.from_bytes(digest[4 * i:4 * i + 4], "little") for i in range(words)]


def _words_to_int(words: Sequence[int]) -> int:
    value = 0
    for i, w in enumerate(words):
        value |= int(w) << (32 * i)
    return value


def _seed_sequence(worker_seed: int, path: str) -> Any:
    return sys.modules["numpy.random"].SeedSequence(derive_seed_words(worker_seed, "dataset", path, words=4))


def _rng_kind(obj: Any) -> Optional[str]:
    np_random = sys.modules.get("numpy.random")
    if np_random is not None:
        if isinstance(obj, np_random.Generator):
            return "numpy.random.Generator"
        if isinstance(obj, np_random.RandomState):
            return "numpy.random.RandomState"
    if isinstance(obj, random.SystemRandom):
        return "random.SystemRandom"
    if isinstance(obj, random.Random):
        return "random.Random"
    torch = sys.modules.get("torch")
    generator_type = getattr(torch, "Generator", None) if torch is not None else None
    if isinstance(generator_type, type) and isinstance(obj, generator_type):
        return "torch.Generator"
    return None


def _is_leaf_array(obj: Any) -> bool:
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, (np.ndarray, np.generic)):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def _children(obj: Any, path: str) -> Iterator[Tuple[str, Any]]:
    if isinstance(obj, dict):
        for i, (key, value) in enumerate(obj.items()):
            if i >= MAX_ITEMS_PER_CONTAINER:
                return
            label = repr(key) if isinstance(key, (str, int)) else f"<{type(key).__name__} #{i}>"
            yield f"{path}[{label}]", value
        return
    if isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj[:MAX_ITEMS_PER_CONTAINER]):
            yield f"{path}[{i}]", value
        return
    if isinstance(obj, (set, frozenset)):
        return  # no stable path for members of a set
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        attrs = None
    if isinstance(attrs, dict):
        for i, (name, value) in enumerate(list(attrs.items())):
            if i >= MAX_ITEMS_PER_CONTAINER:
                break
            yield f"{path}.{name}", value
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if name in ("__dict__", "__weakref__"):
                continue
            try:
                value = object.__getattribute__(obj, name)
            except AttributeError:
                continue
            yield f"{path}.{name}", value


def find_rngs(root: Any, root_name: str = "dataset") -> List[Tuple[str, Any, str]]:
    """Find RNG objects held by ``root``: ``(path, rng, kind)`` triples in a stable order.

    Walks attributes (``__dict__`` and ``__slots__``), list/tuple items and dict values, to depth
    ``MAX_DEPTH``, visiting each object once; arrays, tensors, modules, classes and functions are not entered.
    Only types of libraries already imported are recognised: nothing is imported.
    """
    found: List[Tuple[str, Any, str]] = []
    seen = set()
    stack: List[Tuple[str, Any, int]] = [(root_name, root, 0)]
    visited = 0
    while stack and visited < MAX_OBJECTS:
        path, obj, depth = stack.pop()
        if isinstance(obj, _ATOMIC + _SKIP) or id(obj) in seen:
            continue
        seen.add(id(obj))
        visited += 1
        kind = _rng_kind(obj)
        if kind is not None:
            found.append((path, obj, kind))
            continue
        if depth >= MAX_DEPTH or _is_leaf_array(obj):
            continue
        children = list(_children(obj, path))
        for child_path, child in reversed(children):  # depth-first, in attribute order
            stack.append((child_path, child, depth + 1))
    return found


def _reseed(rng: Any, kind: str, worker_seed: int, path: str) -> None:
    if kind == "numpy.random.Generator":
        bit_generator = rng.bit_generator
        fresh = type(bit_generator)(_seed_sequence(worker_seed, path))
        bit_generator.state = fresh.state
    elif kind == "numpy.random.RandomState":
        np = sys.modules["numpy"]
        words = derive_seed_words(worker_seed, "dataset", path, words=4)
        try:
            rng.seed(np.array(words, dtype=np.uint32))
        except (TypeError, ValueError, AttributeError):  # a RandomState over another bit generator
            bit_generator = rng._bit_generator
            rng.set_state(type(bit_generator)(_seed_sequence(worker_seed, path)).state)
    elif kind == "random.Random":
        rng.seed(_words_to_int(derive_seed_words(worker_seed, "dataset", path, words=4)))
    elif kind == "torch.Generator":
        rng.manual_seed(_words_to_int(derive_seed_words(worker_seed, "dataset", path, words=2)) & (2**63 - 1))
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(kind)


def reseed_held_rngs(root: Any, worker_seed: int, root_name: str = "dataset") -> List[str]:
    """Reseed every RNG object found in ``root`` (see :func:`find_rngs`) from ``worker_seed``.

    Each gets its own seed, derived from ``worker_seed`` and its attribute path, so two objects never share a
    stream. ``random.SystemRandom`` cannot be seeded: it is left alone and a warning is logged. Returns the
    paths reseeded, e.g. ``["dataset.rng", "dataset.datasets[1].transform.gen"]``.
    """
    done: List[str] = []
    for path, rng, kind in find_rngs(root, root_name):
        if kind == "random.SystemRandom":
            logger.warning("%s is a random.SystemRandom (OS entropy): it cannot be seeded", path)
            continue
        try:
            _reseed(rng, kind, worker_seed, path)
        except Exception as exc:
            logger.warning("could not reseed %s (%s): %s: %s", path, kind, type(exc).__name__, exc)
            continue
        done.append(path)
    return done


def seed_worker(worker_id: int) -> List[str]:
    """``worker_init_fn`` for ``torch.utils.data.DataLoader``: give each worker its own, reproducible streams.

    The worker's seed is ``torch.initial_seed()`` (torch sets it to the loader's base seed + ``worker_id``, the
    base seed coming from the loader's ``generator``). From it, with distinct derived seeds:

    - Python's ``random`` and NumPy's global RNG are reseeded;
    - every ``np.random.Generator``, ``np.random.RandomState``, ``random.Random`` and ``torch.Generator`` held by
      the worker's copy of the dataset (through attributes, ``Subset.dataset``, ``ConcatDataset.datasets``, lists
      and dicts, to a bounded depth) is reseeded from a seed derived from its attribute path.

    Use ``DataLoader(ds, num_workers=2, worker_init_fn=seed_worker, generator=make_generator(0))``, or
    ``**dataloader_kwargs(0)``. Returns the dataset attribute paths reseeded. Raises ``RuntimeError`` when
    called outside a DataLoader worker.
    """
    torch = sys.modules.get("torch")
    info = None
    if torch is not None:
        info = torch.utils.data.get_worker_info()
    if info is None:
        raise RuntimeError(
            "seed_worker must run inside a DataLoader worker: pass it as DataLoader(..., num_workers=N, "
            "worker_init_fn=seed_worker)"
        )
    worker_seed = int(torch.initial_seed())
    random.seed(_words_to_int(derive_seed_words(worker_seed, "random", words=4)))
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(np.array(derive_seed_words(worker_seed, "numpy", words=4), dtype=np.uint32))
    reseeded = reseed_held_rngs(info.dataset, worker_seed)
    logger.debug("seed_worker(%d): worker seed %d; reseeded %s", worker_id, worker_seed, reseeded or "no dataset RNG")
    return reseeded
