"""seed_worker: DataLoader workers stop replaying the RNG objects their dataset copies hold."""

from __future__ import annotations

import logging
import multiprocessing
import random

import numpy as np
import pytest
import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset

from seedlint import runtime
from seedlint.runtime._worker import find_rngs, reseed_held_rngs

# fork keeps the workers cheap (no re-import of torch); the behaviour under spawn is the same, since each
# worker then unpickles its own copy of the same RNG state.
_CONTEXT = "fork" if "fork" in multiprocessing.get_all_start_methods() else None


class AugmentedDataset(Dataset):
    """Holds its own augmentation RNG, created once in the main process."""

    def __init__(self, n: int = 8) -> None:
        self.n = n
        self.rng = np.random.default_rng(1234)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.tensor([float(index), self.rng.random()], dtype=torch.float64)


class Transforms:
    def __init__(self) -> None:
        self.params = {"flip": {"state": np.random.RandomState(0)}, "names": ["a", "b"]}
        self.python_rng = random.Random(0)
        self.generators = [torch.Generator().manual_seed(0)]


class NestedDataset(Dataset):
    """Several kinds of RNG object, reached through a dict, a list and a plain object."""

    def __init__(self, n: int = 8) -> None:
        self.n = n
        self.transform = Transforms()

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> torch.Tensor:
        t = self.transform
        return torch.tensor([
            float(index),
            t.params["flip"]["state"].random_sample(),
            t.python_rng.random(),
            torch.rand(1, generator=t.generators[0]).item(),
        ], dtype=torch.float64)


def _draws(dataset, **kwargs):
    loader = DataLoader(dataset, batch_size=None, num_workers=2, multiprocessing_context=_CONTEXT, **kwargs)
    return [row.tolist() for row in loader]


def test_without_seed_worker_workers_replay_the_same_stream():
    torch.manual_seed(0)
    rows = _draws(AugmentedDataset())
    # Worker 0 serves indices 0, 2, 4, 6 and worker 1 indices 1, 3, 5, 7: each pair draws the same value.
    values = [v for _, v in rows]
    assert [r[0] for r in rows] == list(range(8))
    assert values[0::2] == values[1::2]


def test_with_seed_worker_streams_differ_and_runs_match():
    first = [v for _, v in _draws(AugmentedDataset(), **runtime.dataloader_kwargs(0))]
    second = [v for _, v in _draws(AugmentedDataset(), **runtime.dataloader_kwargs(0))]
    assert len(set(first)) == len(first)  # no worker repeats another's values
    assert first == second  # and the whole thing is reproducible
    other_seed = [v for _, v in _draws(AugmentedDataset(), **runtime.dataloader_kwargs(1))]
    assert other_seed != first


def test_each_epoch_gets_new_streams():
    loader = DataLoader(AugmentedDataset(), batch_size=None, num_workers=2, multiprocessing_context=_CONTEXT,
                        **runtime.dataloader_kwargs(0))
    epoch1 = [row[1].item() for row in loader]
    epoch2 = [row[1].item() for row in loader]
    assert epoch1 != epoch2


def test_nested_rng_objects_are_reseeded_in_workers():
    dataset = ConcatDataset([Subset(NestedDataset(), [0, 1, 2, 3]), NestedDataset(4)])
    plain = _draws(dataset)
    seeded = _draws(dataset, **runtime.dataloader_kwargs(0))
    again = _draws(dataset, **runtime.dataloader_kwargs(0))
    for column in (1, 2, 3):
        replayed = [row[column] for row in plain]
        assert replayed[0::2] == replayed[1::2], column
        fresh = [row[column] for row in seeded]
        assert len(set(fresh)) == len(fresh), column
    assert seeded == again


def test_find_rngs_paths_and_kinds():
    dataset = ConcatDataset([Subset(NestedDataset(), [0, 1]), AugmentedDataset()])
    found = [(path, kind) for path, _, kind in find_rngs(dataset)]
    assert found == [
        ("dataset.datasets[0].dataset.transform.params['flip']['state']", "numpy.random.RandomState"),
        ("dataset.datasets[0].dataset.transform.python_rng", "random.Random"),
        ("dataset.datasets[0].dataset.transform.generators[0]", "torch.Generator"),
        ("dataset.datasets[1].rng", "numpy.random.Generator"),
    ]


def test_reseed_gives_distinct_reproducible_seeds_per_path():
    class Holder:
        def __init__(self) -> None:
            self.a = np.random.default_rng(0)
            self.b = np.random.default_rng(0)
            self.shared = [self.a]  # the same object reached twice is reseeded once

    def draw(worker_seed):
        holder = Holder()
        paths = reseed_held_rngs(holder, worker_seed, root_name="holder")
        return paths, holder.a.random(), holder.b.random()

    paths, a1, b1 = draw(100)
    assert paths == ["holder.a", "holder.b"]
    assert a1 != b1  # same initial state, different paths: different streams
    assert draw(100)[1:] == (a1, b1)
    assert draw(101)[1:] != (a1, b1)


def test_walk_is_bounded_and_skips_arrays():
    deep = current = {}
    for _ in range(20):
        current["next"] = {}
        current = current["next"]
    current["rng"] = random.Random(0)
    holder = {"deep": deep, "array": np.zeros(10**6), "tensor": torch.zeros(10), "near": random.Random(0)}
    assert [path for path, _, _ in find_rngs(holder, "d")] == ["d['near']"]


def test_system_random_is_reported_not_reseeded(caplog):
    holder = {"sys": random.SystemRandom(), "ok": random.Random(0)}
    with caplog.at_level(logging.WARNING, logger="seedlint.runtime"):
        assert reseed_held_rngs(holder, 5, "d") == ["d['ok']"]
    assert "cannot be seeded" in caplog.text


def test_seed_worker_outside_a_worker_is_a_clear_error():
    with pytest.raises(RuntimeError, match="worker_init_fn=seed_worker"):
        runtime.seed_worker(0)
