"""CUDA determinism check for seedlint.runtime.seed_everything (skipped without a CUDA device).

1. A small conv net (cuDNN convolutions, cuBLAS linear layer, dropout from the CUDA generator, data drawn on the
   GPU) is trained twice, each time after ``seed_everything(0)``: the weights must be bit-identical.
2. ``AdaptiveAvgPool2d`` backward on CUDA, an op of the "raises RuntimeError" list of
   ``torch.use_deterministic_algorithms`` (torch 2.13 docstring), must raise after ``seed_everything(0)`` and only
   warn after ``seed_everything(0, warn_only=True)``.

Run with pytest (``python -m pytest tests/gpu``), or standalone for a short report:
``python tests/gpu/test_gpu_determinism.py`` (exit status 0 when every check passes or CUDA is absent, 1 otherwise).
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # standalone runs from any folder
    sys.path.insert(0, str(_ROOT))

import torch  # noqa: E402

from seedlint.runtime import SeedReport, seed_everything  # noqa: E402
from seedlint.runtime._reproducible import _restore_settings, _settings  # noqa: E402

try:
    import pytest
except ImportError:  # standalone use needs no pytest
    pytest = None

HAS_CUDA = torch.cuda.is_available()
SKIP_REASON = "needs a CUDA device: torch.cuda.is_available() is False"

if pytest is not None:
    pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not HAS_CUDA, reason=SKIP_REASON)]


@contextlib.contextmanager
def _restoring_switches() -> Iterator[None]:
    saved = _settings()
    try:
        yield
    finally:
        _restore_settings(saved)


class SmallConvNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
        )
        self.dropout = torch.nn.Dropout(0.2)
        self.head = torch.nn.Linear(32 * 8 * 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x).flatten(1)))


def train(device: str, seed: int = 0, steps: int = 40) -> Tuple[Dict[str, torch.Tensor], SeedReport]:
    """Seed, build, train on random GPU data; return the final weights (on the CPU) and the seed report."""
    report = seed_everything(seed)
    model = SmallConvNet().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    inputs = torch.randn(128, 3, 32, 32, device=device)
    targets = torch.randn(128, 10, device=device)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}, report


def weight_differences(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> Dict[str, float]:
    """{name: largest absolute difference} for every tensor that is not bit-identical."""
    out = {}
    for name, tensor in a.items():
        if not torch.equal(tensor, b[name]):
            out[name] = float((tensor.double() - b[name].double()).abs().max())
    return out


def nondeterministic_op(device: str) -> Tuple[Optional[str], Optional[str]]:
    """AdaptiveAvgPool2d backward under seed_everything(0), then under warn_only=True.

    Returns (the RuntimeError message or None, the warning message or None)."""
    def backward() -> torch.Tensor:
        x = torch.randn(2, 3, 10, 10, device=device, requires_grad=True)
        torch.nn.AdaptiveAvgPool2d((3, 3))(x).sum().backward()
        return x

    error = None
    seed_everything(0)
    try:
        backward()
    except RuntimeError as exc:
        error = str(exc)
    warned = None
    seed_everything(0, warn_only=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = backward()
    assert x.grad is not None
    for item in caught:
        if "deterministic" in str(item.message):
            warned = str(item.message)
    return error, warned


def test_conv_net_trains_bit_identically_twice():
    with _restoring_switches():
        first, report = train("cuda")
        second, _ = train("cuda")
    assert torch.backends.cudnn.enabled
    assert not weight_differences(first, second), weight_differences(first, second)
    assert any("use_deterministic_algorithms(True" in line for line in report.applied)


def test_list_b_op_raises_then_warns_with_warn_only():
    with _restoring_switches():
        error, warned = nondeterministic_op("cuda")
    assert error is not None and "deterministic" in error, "AdaptiveAvgPool2d backward did not raise on CUDA"
    assert warned is not None, "warn_only=True gave no warning for AdaptiveAvgPool2d backward"


def main() -> int:
    """Standalone report; returns the exit status."""
    print(f"seedlint GPU determinism check: torch {torch.__version__}, CUDA build {torch.version.cuda}")
    if not HAS_CUDA:
        print(f"skipped: {SKIP_REASON}")
        return 0
    print(f"device: {torch.cuda.get_device_name(0)}")
    failures = 0
    with _restoring_switches():
        start = time.perf_counter()
        first, report = train("cuda")
        second, _ = train("cuda")
        elapsed = time.perf_counter() - start
        diffs = weight_differences(first, second)
        verdict = "bit-identical" if not diffs else f"DIFFERENT in {len(diffs)} tensors: {diffs}"
        print(f"1. conv net trained twice ({sum(v.numel() for v in first.values())} weights, {elapsed:.1f} s): "
              f"{verdict}")
        failures += bool(diffs)
        for line in report.applied + [f"not applied: {x}" for x in report.not_applied]:
            print(f"   {line}")
        error, warned = nondeterministic_op("cuda")
        print("2. AdaptiveAvgPool2d backward, deterministic mode: "
              + (f"raised RuntimeError: {error.splitlines()[0][:120]}" if error else "DID NOT RAISE"))
        print("   with warn_only=True: " + (f"warned: {warned.splitlines()[0][:120]}" if warned else "NO WARNING"))
        failures += (error is None) + (warned is None)
    print("result: " + ("PASS" if not failures else f"FAIL ({failures} check(s))"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
