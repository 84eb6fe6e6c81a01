"""assert_reproducible and the comparison behind it."""

from __future__ import annotations

import math
import random
import time
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
from torch import nn

from seedlint import runtime
from seedlint.runtime import first_difference


def train_step(steps: int = 3):
    """A seeded-by-the-caller training step: random init, random data, dropout, SGD."""
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 6), torch.randn(16, 2)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"model": model, "losses": losses, "noise": np.random.rand(3), "pick": random.random()}


def test_passes_on_a_seeded_training_step():
    result = runtime.assert_reproducible(train_step, seed=3, runs=3)
    assert isinstance(result["model"], nn.Module)


def test_passes_arguments_through():
    assert runtime.assert_reproducible(lambda a, b=0: [a, b, torch.rand(2)], 1, b=2)[:2] == [1, 2]


def test_catches_time_based_noise():
    def noisy():
        weight = torch.randn(5)
        weight[3] += (time.perf_counter_ns() % 1_000_003 + 1) * 1e-6
        return {"weight": weight}

    with pytest.raises(AssertionError) as info:
        runtime.assert_reproducible(noisy)
    message = str(info.value)
    assert "run 2 differs from run 1 at result['weight'][3]" in message
    assert "largest absolute difference" in message


def test_catches_an_entropy_seeded_generator_and_names_the_module_path():
    def unseeded():
        layer = nn.Linear(3, 2)
        generator = torch.Generator()
        generator.seed()  # a non-deterministic seed (std::random_device or the clock)
        with torch.no_grad():
            layer.bias.add_(torch.rand(2, generator=generator))
        return torch.tensor(0.0), layer

    with pytest.raises(AssertionError, match=r"result\[1\]\.bias\[0\]"):
        runtime.assert_reproducible(unseeded)


def test_catches_an_unseeded_numpy_generator():
    # np.random.default_rng() with no seed draws fresh OS entropy.
    with pytest.raises(AssertionError, match=r"result\[1\]\[0\]"):
        runtime.assert_reproducible(lambda: [1, np.random.default_rng().random(4)])


def test_a_mutated_shared_result_is_still_compared_as_returned():
    model = nn.Linear(2, 2)

    def step():
        with torch.no_grad():
            model.weight.add_(1.0)  # the same object, changed by every call
        return model

    with pytest.raises(AssertionError, match=r"result\.weight\[0, 0\]"):
        runtime.assert_reproducible(step)


def test_restores_the_callers_rng_state_and_switches():
    torch.use_deterministic_algorithms(False)
    random.seed(11)
    np.random.seed(11)
    torch.manual_seed(11)
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(11)
    np.random.seed(11)
    torch.manual_seed(11)
    runtime.assert_reproducible(train_step, seed=0)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected
    assert not torch.are_deterministic_algorithms_enabled()


def test_restores_state_when_fn_raises():
    random.seed(4)
    expected = random.random()
    random.seed(4)

    def boom():
        raise ZeroDivisionError("inside fn")

    with pytest.raises(ZeroDivisionError):
        runtime.assert_reproducible(boom)
    assert random.random() == expected


@pytest.mark.parametrize("runs", [0, 1, 2.0, True])
def test_runs_is_validated(runs):
    with pytest.raises(ValueError, match="runs"):
        runtime.assert_reproducible(lambda: 1, runs=runs)


def test_fn_must_be_callable():
    with pytest.raises(TypeError, match="callable"):
        runtime.assert_reproducible(3)


# ----------------------------------------------------------------------------------------- first_difference

def test_nan_equals_nan_everywhere():
    nan = float("nan")
    assert first_difference([nan, {"a": np.array([1.0, nan])}, torch.tensor([nan, 2.0])],
                            [nan, {"a": np.array([1.0, nan])}, torch.tensor([nan, 2.0])]) is None
    assert first_difference(complex(nan, 1), complex(nan, 1)) is None


def test_tensor_dtype_shape_and_values():
    a = torch.zeros(2, 3)
    assert "dtype torch.float32 vs torch.float64" in first_difference(a, a.double()).describe()
    assert "shape (2, 3) vs (3, 2)" in first_difference(a, torch.zeros(3, 2)).describe()
    b = a.clone()
    b[1, 2] = 0.5
    b[0, 1] = -0.25
    diff = first_difference({"w": a}, {"w": b})
    assert diff.path == "result['w'][0, 1]"
    assert diff.max_abs_diff == 0.5
    assert diff.differing == (2, 6)
    assert diff.describe() == ("result['w'][0, 1]: 0.0 vs -0.25 (largest absolute difference in result['w']: 0.5; "
                               "2 of 6 elements differ)")


def test_nan_against_a_number_is_a_difference():
    diff = first_difference(np.array([1.0, 2.0]), np.array([1.0, math.nan]))
    assert diff.path == "result[1]" and "NaN" in diff.describe()


def test_integer_bool_and_scalar_tensors():
    assert first_difference(torch.tensor(3), torch.tensor(4)).describe().startswith("result: 3 vs 4")
    assert first_difference(torch.tensor([True, False]), torch.tensor([True, True])).path == "result[1]"
    assert first_difference(np.int64(3), np.int64(3)) is None
    assert first_difference(np.float32(1.5), np.float32(2.5)).max_abs_diff == 1.0


def test_numbers_types_and_containers():
    assert first_difference(1, 1.0).detail.startswith("type int vs float")
    assert first_difference((1, 2), [1, 2]).detail.startswith("type tuple vs list")
    assert first_difference([1, 2], [1, 2, 3]).detail == "length 2 vs 3"
    assert first_difference({"a": 1}, {"b": 1}).path == "result['a']"
    assert first_difference(OrderedDict(a=1), OrderedDict(a=1)) is None
    assert first_difference({"x", "y"}, {"x", "z"}).detail.startswith("sets differ")
    assert first_difference("abc", "abd").detail == "'abc' vs 'abd'"
    Point = namedtuple("Point", "x y")
    assert first_difference(Point(1, 2), Point(1, 3)).path == "result.y"


def test_state_dict_paths_read_like_attribute_access():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    b = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    b.load_state_dict(a.state_dict())
    assert first_difference(a, b) is None
    with torch.no_grad():
        b[2].bias.fill_(7.0)
    assert first_difference(a, b).path == "result[2].bias[0]"


def test_optimizer_state_is_compared_through_state_dict():
    def make(lr):
        param = nn.Parameter(torch.ones(2))
        opt = torch.optim.Adam([param], lr=lr)
        param.grad = torch.ones(2)
        opt.step()
        return opt

    assert first_difference(make(0.1), make(0.1)) is None
    assert "param_groups" in first_difference(make(0.1), make(0.2)).path


def test_objects_without_eq_are_compared_by_attributes():
    class Box:
        def __init__(self, v):
            self.v = v

    assert first_difference(Box([1, 2]), Box([1, 2])) is None
    assert first_difference(Box([1, 2]), Box([1, 3])).path == "result.v[1]"
