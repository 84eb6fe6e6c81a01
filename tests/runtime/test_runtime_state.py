"""rng_state / set_rng_state / isolate_rng."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
import torch

from seedlint import runtime


def _draw():
    return random.random(), random.gauss(0, 1), np.random.rand(), np.random.standard_normal(), torch.rand(3)


def _same(a, b):
    return a[:4] == b[:4] and torch.equal(a[4], b[4])


def test_round_trip_through_pickle():
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    random.gauss(0, 1)  # leaves a cached gaussian in Python's state
    np.random.standard_normal()  # and in NumPy's
    saved = pickle.loads(pickle.dumps(runtime.rng_state()))
    expected = _draw()
    _draw()
    runtime.set_rng_state(saved)
    assert _same(_draw(), expected)


def test_state_holds_only_builtin_types():
    state = runtime.rng_state()
    assert state["format"] == "seedlint.rng_state"
    assert isinstance(state["torch_cpu"], bytes)
    assert isinstance(state["numpy"]["key"], list)

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        else:
            assert isinstance(value, (int, float, str, bytes, bool, type(None))), type(value)

    walk(state)


def test_isolate_rng_restores_everything():
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    expected = _draw()
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    with runtime.isolate_rng():
        _draw()
        torch.randn(100)
    assert _same(_draw(), expected)


def test_isolate_rng_restores_after_an_exception():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    with pytest.raises(KeyError), runtime.isolate_rng():
        random.random()
        raise KeyError("boom")
    assert random.random() == expected


@pytest.mark.parametrize("bad", [None, {}, {"format": "other"}, [1, 2]])
def test_set_rng_state_rejects_foreign_values(bad):
    with pytest.raises(ValueError, match="rng_state"):
        runtime.set_rng_state(bad)


def test_set_rng_state_rejects_a_newer_version():
    state = runtime.rng_state()
    state["version"] = 99
    with pytest.raises(ValueError, match="version"):
        runtime.set_rng_state(state)


def test_parts_recorded_as_none_are_left_alone():
    state = runtime.rng_state()
    state["numpy"] = None
    state["torch_cpu"] = None
    np.random.seed(9)
    torch.manual_seed(9)
    expected_np, expected_torch = np.random.rand(), torch.rand(2)
    np.random.seed(9)
    torch.manual_seed(9)
    runtime.set_rng_state(state)
    assert np.random.rand() == expected_np
    assert torch.equal(torch.rand(2), expected_torch)
