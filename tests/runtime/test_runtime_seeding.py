"""seed_everything, make_generator, dataloader_kwargs: what is applied, what is reported."""

from __future__ import annotations

import logging
import os
import random
import types

import numpy as np
import pytest
import torch

from seedlint import runtime
from seedlint.runtime import _seeding


def test_seeds_python_numpy_and_torch():
    runtime.seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    runtime.seed_everything(123)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])
    # The same streams plain seeding gives: nothing is derived or shifted.
    assert first[0] == random.Random(123).random()
    assert first[1] == np.random.RandomState(123).rand()
    assert torch.initial_seed() == 123


def test_report_and_switches():
    report = runtime.seed_everything(7)
    assert torch.are_deterministic_algorithms_enabled()
    assert not torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert report.seed == 7 and report.deterministic and not report.warn_only
    assert report.torch_version == torch.__version__ and report.numpy_version == np.__version__
    applied = "\n".join(report.applied)
    for expected in ("random.seed(7)", "numpy.random.seed(7)", "torch.manual_seed(7)",
                     "use_deterministic_algorithms(True, warn_only=False)", "cudnn.deterministic=True"):
        assert expected in applied
    assert os.environ["SEEDLINT_SEED"] == "7" and report.env["SEEDLINT_SEED"] == "7"
    assert os.environ["TORCHINDUCTOR_DETERMINISTIC"] == "1"
    assert "seed_everything(7" in str(report)


def test_pythonhashseed_is_reported_as_not_applied(monkeypatch):
    monkeypatch.setattr(_seeding, "_STARTUP_HASHSEED", None)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    report = runtime.seed_everything(3)
    assert not report.complete
    (item,) = [line for line in report.not_applied if "PYTHONHASHSEED" in line]
    assert "seedlint run" in item
    assert os.environ["PYTHONHASHSEED"] == "3"  # for child processes


def test_pythonhashseed_set_at_start_counts_as_applied(monkeypatch):
    monkeypatch.setattr(_seeding, "_STARTUP_HASHSEED", "11")
    report = runtime.seed_everything(11)
    assert any("PYTHONHASHSEED=11" in line for line in report.applied)
    assert not any("PYTHONHASHSEED" in line for line in report.not_applied)


def test_warn_only_and_not_deterministic():
    runtime.seed_everything(0, warn_only=True)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    report = runtime.seed_everything(0, deterministic=False, benchmark=True)
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.deterministic is False and torch.backends.cudnn.benchmark is True
    assert any("benchmark" in line for line in report.not_applied)


def test_deterministic_mode_really_raises_on_a_list_b_op():
    """Tensor.put_ (accumulate=False) raises on CPU in deterministic mode, and only warns with warn_only."""
    runtime.seed_everything(0)
    with pytest.raises(RuntimeError, match="deterministic"):
        torch.zeros(4).put_(torch.tensor([0, 1]), torch.tensor([1.0, 2.0]))
    runtime.seed_everything(0, warn_only=True)
    with pytest.warns(UserWarning, match="deterministic"):
        torch.zeros(4).put_(torch.tensor([0, 1]), torch.tensor([1.0, 2.0]))


def test_inductor_config_follows_when_loaded():
    import torch._inductor.config as inductor_config

    runtime.seed_everything(0, deterministic=False)
    assert inductor_config.deterministic is False
    report = runtime.seed_everything(0)
    assert inductor_config.deterministic is True
    assert any("torch._inductor.config.deterministic=True" in line for line in report.applied)


def test_does_not_import_inductor(python_code):
    proc = python_code(
        "import sys, seedlint.runtime as r; r.seed_everything(0); "
        "print('torch._inductor.config' in sys.modules, 'torch._dynamo' in sys.modules)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("bad", [-1, 2**32, 10**20])
def test_seed_range_is_validated(bad):
    with pytest.raises(ValueError, match=r"between 0 and 2\*\*32 - 1"):
        runtime.seed_everything(bad)
    with pytest.raises(ValueError):
        runtime.make_generator(bad)


@pytest.mark.parametrize("bad", [1.5, "3", None, True])
def test_seed_type_is_validated(bad):
    with pytest.raises(TypeError, match="seed must be an integer"):
        runtime.seed_everything(bad)


def test_largest_seed_and_numpy_integer_are_accepted():
    assert runtime.seed_everything(2**32 - 1).seed == 2**32 - 1
    assert runtime.seed_everything(np.int64(5)).seed == 5


def test_report_is_logged_not_printed(caplog, capsys):
    with caplog.at_level(logging.INFO, logger="seedlint.runtime"):
        runtime.seed_everything(9)
    assert any("seed_everything(9" in record.getMessage() for record in caplog.records)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _fake_torch(version: str, cuda, initialised: bool):
    return types.SimpleNamespace(
        __version__=version,
        version=types.SimpleNamespace(cuda=cuda),
        cuda=types.SimpleNamespace(is_initialized=lambda: initialised),
    )


@pytest.mark.parametrize("version, cuda, needed", [
    ("2.13.0+cpu", None, False),     # no CUDA in the build
    ("2.13.0", "12.8", False),       # the cuBLAS workspace check is gone (pytorch/pytorch#161749)
    ("2.14.1", "13.0", False),
    ("2.4.1+cu121", "12.1", True),
    ("1.13.1", "11.7", True),
    ("1.13.1", "10.1", False),       # the check applies to CUDA >= 10.2 only
    ("2.1.0", None, False),
])
def test_cublas_workspace_config_is_decided_by_version(version, cuda, needed):
    assert _seeding._cublas_needed(_fake_torch(version, cuda, False)) is needed


def test_cublas_workspace_config_is_set_before_cuda_starts(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    report = runtime.SeedReport(seed=0, deterministic=True, warn_only=False, benchmark=False)
    _seeding._set_cublas(_fake_torch("2.4.1", "12.1", False), report)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert report.env["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8" and report.complete


def test_cublas_workspace_config_warns_when_too_late(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    report = runtime.SeedReport(seed=0, deterministic=True, warn_only=False, benchmark=False)
    with pytest.warns(RuntimeWarning, match="after CUDA was initialised"):
        _seeding._set_cublas(_fake_torch("2.4.1", "12.1", True), report)
    assert any("CUBLAS_WORKSPACE_CONFIG" in line for line in report.not_applied)


def test_cublas_workspace_config_keeps_a_valid_user_value(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    report = runtime.SeedReport(seed=0, deterministic=True, warn_only=False, benchmark=False)
    _seeding._set_cublas(_fake_torch("2.4.1", "12.1", True), report)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8" and report.complete


def test_make_generator_and_dataloader_kwargs():
    g1, g2 = runtime.make_generator(42), runtime.make_generator(42)
    assert isinstance(g1, torch.Generator) and g1.initial_seed() == 42
    assert torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2))
    kwargs = runtime.dataloader_kwargs(5)
    assert set(kwargs) == {"worker_init_fn", "generator"}
    assert kwargs["worker_init_fn"] is runtime.seed_worker
    assert kwargs["generator"].initial_seed() == 5


def test_shuffled_order_does_not_depend_on_global_rng_use():
    data = list(range(20))

    def order(consume: int):
        torch.manual_seed(0)
        torch.rand(consume)  # e.g. a bigger model initialised before the loader is iterated
        loader = torch.utils.data.DataLoader(data, shuffle=True, batch_size=None, **runtime.dataloader_kwargs(1))
        return [int(x) for x in loader]

    assert order(0) == order(1000)


def test_module_import_does_not_import_torch_or_numpy(python_code):
    proc = python_code("import sys, seedlint.runtime; print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
