"""`seedlint run` and `seedlint verify`, through `python -m seedlint` in a subprocess."""

from __future__ import annotations

import json
import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from seedlint.runner import artifact_difference, load_safetensors, text_difference

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"


# ----------------------------------------------------------------------------------------------------- run

def test_run_passes_argv_stdin_exit_code_and_seeds(seedlint_cli, tmp_path):
    script = FIXTURES / "echo_io.py"
    proc = seedlint_cli("run", "--seed", "7", "--", script, "3", "--lr", "0.1", "two words", cwd=tmp_path,
                        input="line one\nline two\n")
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr == "to stderr\n"
    state = json.loads(proc.stdout)
    assert state["argv"] == [str(script), "3", "--lr", "0.1", "two words"]
    assert state["stdin"] == "line one\nline two\n"
    assert state["name"] == "__main__"
    assert state["file"] == str(script)
    assert state["path0"] == os.path.realpath(FIXTURES)
    # seed_everything(7) ran before the script's first line, and the hash seed was set before start.
    assert state["random"] == random.Random(7).random()
    assert state["torch_initial_seed"] == 7
    assert state["deterministic"] is True and state["warn_only"] is False
    assert state["hash_seed_env"] == "7" and state["seedlint_seed_env"] == "7"
    assert all(m == "seedlint" or m.startswith("seedlint.runtime") for m in state["modules"]), state["modules"]


def test_run_flags_reach_the_child(seedlint_cli):
    script = FIXTURES / "echo_io.py"
    warn = json.loads(seedlint_cli("run", "--seed", "0", "--warn-only", "--", script).stdout)
    assert warn["deterministic"] is True and warn["warn_only"] is True
    off = json.loads(seedlint_cli("run", "--seed", "0", "--no-deterministic", "--", script).stdout)
    assert off["deterministic"] is False


def test_run_seeds_torch_when_the_script_imports_it_and_not_before(seedlint_cli, tmp_path):
    script = tmp_path / "lazy.py"
    script.write_text(
        "import importlib.util, sys\n"
        "print('torch' in sys.modules)\n"
        "assert importlib.util.find_spec('torch') is not None  # an availability check, not an import\n"
        "def later():\n"
        "    from torch.nn import functional  # the package is imported through a submodule\n"
        "    import torch\n"
        "    print(torch.initial_seed(), torch.are_deterministic_algorithms_enabled(), torch.rand(2).tolist())\n"
        "later()\n"
    )
    proc = seedlint_cli("run", "--seed", "5", "--", script)
    assert proc.returncode == 0, proc.stderr
    before, after = proc.stdout.splitlines()
    assert before == "False"
    torch.manual_seed(5)
    assert after == f"5 True {torch.rand(2).tolist()}"


def test_run_module(seedlint_cli):
    proc = seedlint_cli("run", "--seed", "0", "-m", "echo_mod", "a", "--b", cwd=FIXTURES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "echo_mod __main__ ['a', '--b']\n"


def test_run_reports_a_script_exception_like_python(seedlint_cli, tmp_path):
    script = tmp_path / "fails.py"
    script.write_text("def f():\n    return 1 / 0\n\nf()\n")
    proc = seedlint_cli("run", "--seed", "0", "--", script)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{script}", line 4' in proc.stderr
    assert "ZeroDivisionError: division by zero" in proc.stderr
    assert "_bootstrap" not in proc.stderr and "runpy" not in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["--seed", "0", "--", "does_not_exist.py"], "can't open file 'does_not_exist.py': No such file or directory"),
    (["--seed", "0"], "no script given"),
    (["--seed", "-3", "--", "x.py"], "--seed must be an integer between 0 and 4294967295"),
    (["--seed", "0", "-m", "no_such_module_here"], "No module named no_such_module_here"),
])
def test_run_bad_input_is_one_line_exit_2(seedlint_cli, tmp_path, args, message):
    proc = seedlint_cli("run", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


# -------------------------------------------------------------------------------------------------- verify

def test_verify_fails_on_clock_seeded_values(seedlint_cli):
    proc = seedlint_cli("verify", "--", FIXTURES / "clock_random.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "NOT reproducible" in proc.stdout
    assert "stdout differs at line 1" in proc.stdout
    assert "  run 1: clock-seeded draws: [" in proc.stdout and "  run 2: clock-seeded draws: [" in proc.stdout


def test_verify_passes_an_unseeded_training_script_with_artifacts(seedlint_cli, tmp_path):
    proc = seedlint_cli("verify", "--artifact", "out/*", "--", FIXTURES / "train_unseeded.py", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("seedlint verify: reproducible: 2 runs of ")
    assert "identical stdout (4 lines) and 2 artifact files" in proc.stdout
    assert len(proc.stdout.splitlines()) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["preds.npy", "weights.pt"]


def test_verify_set_of_strings_depends_on_the_hash_seed_only(seedlint_cli):
    script = FIXTURES / "set_strings.py"
    fixed = seedlint_cli("verify", "--", script)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    varied = seedlint_cli("verify", "--vary-hash-seed", "--", script)
    assert varied.returncode == 1, varied.stdout + varied.stderr
    assert "stdout differs at line 1" in varied.stdout
    assert "PYTHONHASHSEED 0 and 1" in varied.stdout


def test_verify_reports_the_differing_tensor_key(seedlint_cli, tmp_path):
    proc = seedlint_cli("verify", "--artifact", "noise.pt", "--", FIXTURES / "artifact_noise.py", "noise.pt",
                        cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "artifact noise.pt differs at noise.pt['noisy'][0, 0]" in proc.stdout
    assert "largest absolute difference in noise.pt['noisy']" in proc.stdout


def test_verify_reports_a_failing_run(seedlint_cli, tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("print('before')\nraise SystemExit('bad config')\n")
    proc = seedlint_cli("verify", "--", script)
    assert proc.returncode == 1
    assert "run 1 of 2 of" in proc.stdout and "failed with exit status 1" in proc.stdout
    assert "| bad config" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--runs", "1", "--", "x.py"], "--runs must be at least 2"),
    (["--", "missing.py"], "can't open file 'missing.py'"),
    (["-m", "no_such_module_here"], "cannot start -m no_such_module_here: No module named no_such_module_here"),
    (["--artifact", "nothing/*.bin", "--", str(FIXTURES / "set_strings.py")], "no file matched --artifact"),
])
def test_verify_bad_input_exit_2(seedlint_cli, tmp_path, args, message):
    proc = seedlint_cli("verify", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------ comparison helpers, in process

def test_text_difference_shows_line_and_both_lines():
    assert text_difference(b"a\nb\n", b"a\nb\n", "stdout", "run 1", "run 2") is None
    found = text_difference(b"a\nb\nc\n", b"a\nB\nc\n", "stdout", "run 1", "run 2")
    assert found == "stdout differs at line 2 (column 1):\n  run 1: b\n  run 2: B"
    shorter = text_difference(b"a\n", b"a\nextra\n", "stdout", "run 1", "run 2")
    assert shorter == "stdout differs after line 1: run 1 ends there, run 2 continues with:\n  run 2: extra"


def _write_safetensors(path: Path, tensors: dict) -> None:
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def test_safetensors_artifacts_are_compared_as_tensors(tmp_path):
    weight = np.arange(6, dtype="<f4")
    changed = weight.copy()
    changed[4] += 0.125
    bf16 = torch.tensor([1.0, 2.0], dtype=torch.bfloat16).view(torch.int16).numpy().tobytes()
    first, second = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    _write_safetensors(first, {"w": ("F32", [2, 3], weight.tobytes()), "h": ("BF16", [2], bf16)})
    _write_safetensors(second, {"w": ("F32", [2, 3], changed.tobytes()), "h": ("BF16", [2], bf16)})
    loaded = load_safetensors(str(first))
    assert loaded["h"].dtype == torch.bfloat16 and loaded["h"].tolist() == [1.0, 2.0]
    assert loaded["w"].shape == (2, 3) and loaded["__metadata__"] == {"format": "pt"}
    found = artifact_difference("model.safetensors", str(first), str(second), "run 1", "run 2")
    assert found == ("artifact model.safetensors differs at model.safetensors['w'][1, 1]: 4.0 vs 4.125 "
                     "(largest absolute difference in model.safetensors['w']: 0.125; 1 of 6 elements differ)")
    assert artifact_difference("m.safetensors", str(first), str(first), "run 1", "run 2") is None


def test_npy_and_plain_file_artifacts(tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, np.array([[1, 2], [3, 4]], dtype=np.int32))
    np.save(b, np.array([[1, 2], [3, 5]], dtype=np.int32))
    assert artifact_difference("x.npy", str(a), str(b), "run 1", "run 2").startswith(
        "artifact x.npy differs at x.npy[1, 1]: 4 vs 5")
    t1, t2 = tmp_path / "1.csv", tmp_path / "2.csv"
    t1.write_text("epoch,loss\n0,0.5\n")
    t2.write_text("epoch,loss\n0,0.25\n")
    assert "artifact log.csv differs at line 2" in artifact_difference("log.csv", str(t1), str(t2), "run 1", "run 2")
    b1, b2 = tmp_path / "1.bin", tmp_path / "2.bin"
    b1.write_bytes(b"\x00\x01\x02\xff")
    b2.write_bytes(b"\x00\x01\x03\xff")
    assert "differs from byte 2 on" in artifact_difference("x.bin", str(b1), str(b2), "run 1", "run 2")
