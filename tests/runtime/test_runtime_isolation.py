"""seedlint.runtime stands alone: no libcst / typer / linter imports, and it works without numpy or torch."""

from __future__ import annotations

import json
import textwrap

import pytest

_BLOCK = textwrap.dedent("""
    import sys

    class Block:
        def __init__(self, names):
            self.names = names

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
            return None

    BLOCKED = set(sys.argv[1].split(",")) - {""}
    sys.meta_path.insert(0, Block(BLOCKED))
""")

_EXERCISE = textwrap.dedent("""
    import json, pickle, random
    import seedlint.runtime as rt

    out = {}
    report = rt.seed_everything(5)
    out["applied"] = report.applied
    out["not_applied"] = report.not_applied
    first = random.random()
    rt.seed_everything(5)
    out["python_seeded"] = random.random() == first

    state = pickle.loads(pickle.dumps(rt.rng_state()))
    expected = random.random()
    rt.set_rng_state(state)
    out["round_trip"] = random.random() == expected
    random.seed(1)
    with rt.isolate_rng():
        random.random()
    out["isolated"] = random.random() == random.Random(1).random()

    rt.assert_reproducible(lambda: {"x": [random.random(), 2.5]})
    try:
        rt.assert_reproducible(lambda: [random.SystemRandom().random()])
    except AssertionError as exc:
        out["caught"] = str(exc)

    try:
        rt.make_generator(0)
        out["make_generator"] = "ok"
    except ImportError as exc:
        out["make_generator"] = str(exc)
    try:
        rt.seed_worker(0)
    except RuntimeError as exc:
        out["seed_worker"] = str(exc)

    out["modules"] = sorted(m for m in sys.modules
                            if m.split(".")[0] in ("libcst", "typer", "click") or m.startswith("seedlint"))
    out["loaded"] = sorted(m for m in ("numpy", "torch") if sys.modules.get(m) is not None)
    print(json.dumps(out))
""")


def _exercise(python_code, blocked: str) -> dict:
    proc = python_code(_BLOCK + _EXERCISE, argv=[blocked])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


_RUNTIME_MODULES = {"seedlint", "seedlint.runtime", "seedlint.runtime._compare", "seedlint.runtime._reproducible",
                    "seedlint.runtime._seeding", "seedlint.runtime._state", "seedlint.runtime._worker"}


def test_with_numpy_and_torch_imports_nothing_from_the_linter(python_code):
    out = _exercise(python_code, "")
    assert set(out["modules"]) == _RUNTIME_MODULES
    assert out["loaded"] == ["numpy", "torch"]
    assert out["make_generator"] == "ok"
    assert out["not_applied"] == [line for line in out["not_applied"] if "PYTHONHASHSEED" in line]


@pytest.mark.parametrize("blocked, missing", [
    ("numpy", ["numpy"]),
    ("torch", ["torch"]),
    ("numpy,torch", ["numpy", "torch"]),
])
def test_works_without_numpy_or_torch(python_code, blocked, missing):
    out = _exercise(python_code, blocked)
    assert out["python_seeded"] and out["round_trip"] and out["isolated"]
    assert "result[0]" in out["caught"]
    for name in missing:
        assert any(line.startswith(f"{name}: {name} is not installed") for line in out["not_applied"]), out
    if "torch" in missing:
        assert "needs torch" in out["make_generator"]
        assert "DataLoader worker" in out["seed_worker"]
    else:
        assert out["make_generator"] == "ok"
        assert any(line.startswith("torch.manual_seed(5)") for line in out["applied"])
    assert set(out["modules"]) <= _RUNTIME_MODULES
    assert not set(out["loaded"]) & set(missing)
