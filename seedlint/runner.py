"""`seedlint run` and `seedlint verify`: run a program seeded, and check that it reproduces.

Both start the program in a child interpreter (``sys.executable``) with ``PYTHONHASHSEED`` set before it starts,
and with :func:`seedlint.runtime.seed_everything` applied before the program's first line (see
:mod:`seedlint.runtime._bootstrap`). Exit codes: the program's own for ``run``; for ``verify`` 0 (identical),
1 (a difference, or a run that failed) and 2 (bad input, or a program that cannot start).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from seedlint.runtime._bootstrap import START_ERROR_PREFIX
from seedlint.runtime._compare import first_difference
from seedlint.runtime._seeding import SEED_MAX

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_ERROR = 2

_TENSOR_SUFFIXES = (".npy", ".npz", ".pt", ".pth", ".safetensors")
_STDERR_TAIL_LINES = 15
_SHOW_CHARS = 160


class UsageError(Exception):
    """Bad input on the command line: reported in one line, exit status 2."""


@dataclass
class Target:
    """What to run: a script path or a module name, and its arguments."""

    mode: str  # "script" or "module"
    name: str
    args: List[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"-m {self.name}" if self.mode == "module" else self.name


# --------------------------------------------------------------------------------------------- the child

def _check_seed(seed: int, option: str = "--seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise UsageError(f"{option} must be an integer between 0 and {SEED_MAX} (2**32 - 1), got {seed!r}")
    return seed


def _parse_target(module: Optional[str], argv: Sequence[str], command: str) -> Target:
    args = list(argv)
    if args and args[0] == "--":
        args = args[1:]
    if module is not None:
        if not module.strip() or module.startswith("-"):
            raise UsageError(f"-m needs a module name, got {module!r}")
        return Target("module", module, args)
    if not args:
        raise UsageError(f"no script given: seedlint {command} [options] -- script.py [args...]  "
                         f"(or -m module [args...])")
    script, rest = args[0], args[1:]
    if script == "-":
        raise UsageError("reading the program from stdin is not supported: give a script file")
    if script.startswith("-"):
        raise UsageError(f"unknown option {script!r}: options go before the script, e.g. "
                         f"seedlint {command} --seed 0 -- script.py [args...]")
    if not os.path.exists(script):
        raise UsageError(f"can't open file {script!r}: No such file or directory")
    if os.path.isdir(script) and not os.path.exists(os.path.join(script, "__main__.py")):
        raise UsageError(f"can't find '__main__' module in {script!r}")
    return Target("script", script, rest)


def _child_command(target: Target, seed: int, deterministic: bool, warn_only: bool) -> List[str]:
    package_parent = str(Path(__file__).resolve().parent.parent)
    code = (f"import sys; sys.path.insert(0, {package_parent!r}); "
            "from seedlint.runtime._bootstrap import main; del sys.path[0]; main()")
    return [sys.executable, "-c", code, str(seed), "1" if deterministic else "0", "1" if warn_only else "0",
            target.mode, target.name, *target.args]


def _child_env(hash_seed: int) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = str(hash_seed)
    return env


def _exit_status(returncode: int) -> int:
    """A child killed by signal N exits 128 + N, as a shell reports it."""
    return 128 - returncode if returncode < 0 else returncode


def _error(command: str, message: str) -> int:
    print(f"seedlint {command}: {message}", file=sys.stderr)
    return EXIT_ERROR


def run_command(*, seed: int, deterministic: bool, warn_only: bool, module: Optional[str],
                argv: Sequence[str]) -> int:
    """``seedlint run``: run a script (or ``-m module``) seeded, in a child interpreter; return its exit status.

    The child has ``PYTHONHASHSEED=seed`` from its start and runs ``seed_everything(seed, deterministic=...,
    warn_only=...)`` before the program's first line. ``sys.argv``, ``sys.path[0]``, stdin, stdout and stderr are
    what the program would have under plain ``python``. Bad input (no script, missing file, seed out of range)
    gives a one-line message on stderr and exit status 2.
    """
    try:
        _check_seed(seed)
        target = _parse_target(module, argv, "run")
    except UsageError as exc:
        return _error("run", str(exc))
    try:
        process = subprocess.Popen(_child_command(target, seed, deterministic, warn_only), env=_child_env(seed))
    except OSError as exc:
        return _error("run", f"cannot start {sys.executable}: {exc}")
    while True:
        try:
            return _exit_status(process.wait())
        except KeyboardInterrupt:  # the child got the same SIGINT: let it finish and report its own status
            continue


# --------------------------------------------------------------------------------------------- artifacts

def _matching_files(patterns: Sequence[str]) -> List[str]:
    found: Dict[str, None] = {}
    for pattern in patterns:
        for path in sorted(glob.glob(pattern, recursive=True)):
            if os.path.isfile(path):
                found.setdefault(os.path.normpath(path), None)
    return list(found)


def _digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_files(paths: Sequence[str], folder: str) -> Dict[str, str]:
    """Copy each file into ``folder`` under a numbered name; return {original path: copy}."""
    os.makedirs(folder, exist_ok=True)
    copies: Dict[str, str] = {}
    for index, path in enumerate(paths):
        copy = os.path.join(folder, f"{index:05d}{''.join(Path(path).suffixes[-1:])}")
        shutil.copyfile(path, copy)
        copies[path] = copy
    return copies


def _reset_artifacts(patterns: Sequence[str], originals: Dict[str, str]) -> None:
    """Put the artifact files back as they were before the first run: remove what a run created, restore
    what it changed. Files left unchanged are not touched."""
    for path in _matching_files(patterns):
        if path not in originals:
            os.remove(path)
        elif _digest(path) != _digest(originals[path]):
            shutil.copyfile(originals[path], path)
    for path, copy in originals.items():
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            shutil.copyfile(copy, path)


_SAFETENSORS_TORCH = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64", "I32": "int32",
    "I16": "int16", "I8": "int8", "U8": "uint8", "U16": "uint16", "U32": "uint32", "U64": "uint64",
    "BOOL": "bool", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
}
_SAFETENSORS_NUMPY = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
    "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?",
}


def load_safetensors(path: str) -> Dict[str, Any]:
    """Read a ``.safetensors`` file without the safetensors package: {name: tensor}, plus ``"__metadata__"``.

    Tensors are torch tensors when torch is installed, else NumPy arrays (bfloat16 widened to float32 exactly;
    float8 kept as raw bytes). Raises ``ValueError`` for a malformed file.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 8:
        raise ValueError("not a safetensors file (shorter than its 8-byte header length)")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8:
        raise ValueError("not a safetensors file (header length beyond the end of the file)")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a safetensors file (header is not JSON: {exc})") from None
    if not isinstance(header, dict):
        raise ValueError("not a safetensors file (header is not a JSON object)")
    base = 8 + size
    torch = _optional("torch")
    np = _optional("numpy")
    out: Dict[str, Any] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], list(info["shape"]), info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"not a safetensors file (bad entry for {name!r})") from None
        raw = data[base + begin:base + end]
        if torch is not None and hasattr(torch, _SAFETENSORS_TORCH.get(dtype, "")):
            torch_dtype = getattr(torch, _SAFETENSORS_TORCH[dtype])
            tensor = (torch.frombuffer(bytearray(raw), dtype=torch_dtype) if raw
                      else torch.empty(0, dtype=torch_dtype))
            out[name] = tensor.reshape(shape)
        elif np is not None and dtype in _SAFETENSORS_NUMPY:
            out[name] = np.frombuffer(raw, dtype=_SAFETENSORS_NUMPY[dtype]).reshape(shape)
        elif np is not None and dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            out[name] = bits.view(np.float32).reshape(shape)
        else:
            out[name] = raw
    if "__metadata__" in header:
        out["__metadata__"] = header["__metadata__"]
    return out


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def _load_tensors(path: str) -> Any:
    suffix = Path(path).suffix.lower()
    if suffix == ".safetensors":
        return load_safetensors(path)
    if suffix in (".npy", ".npz"):
        np = _optional("numpy")
        if np is None:
            raise ImportError("numpy is not installed")
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    torch = _optional("torch")
    if torch is None:
        raise ImportError("torch is not installed")
    return torch.load(path, map_location="cpu", weights_only=True)


def _show(line: bytes, column: int = 0) -> str:
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    if len(text) <= _SHOW_CHARS:
        return text
    start = max(0, min(column - _SHOW_CHARS // 4, len(text) - _SHOW_CHARS))
    return ("..." if start else "") + text[start:start + _SHOW_CHARS] + (
        "..." if start + _SHOW_CHARS < len(text) else "")


def text_difference(first: bytes, other: bytes, what: str, first_label: str, other_label: str) -> Optional[str]:
    """Describe the first differing line of two outputs, or return ``None`` when they are identical."""
    if first == other:
        return None
    lines_a, lines_b = first.splitlines(keepends=True), other.splitlines(keepends=True)
    for number, (line_a, line_b) in enumerate(zip(lines_a, lines_b), start=1):
        if line_a != line_b:
            column = next((i for i, (x, y) in enumerate(zip(line_a, line_b)) if x != y),
                          min(len(line_a), len(line_b)))
            where = f" (column {column + 1})" if len(line_a) > 1 or len(line_b) > 1 else ""
            if line_a.rstrip(b"\r\n") == line_b.rstrip(b"\r\n"):
                return f"{what} differs at line {number}: the line endings differ"
            return (f"{what} differs at line {number}{where}:\n"
                    f"  {first_label}: {_show(line_a, column)}\n"
                    f"  {other_label}: {_show(line_b, column)}")
    longer, shorter = (first_label, other_label) if len(lines_a) > len(lines_b) else (other_label, first_label)
    extra = (lines_a if len(lines_a) > len(lines_b) else lines_b)[min(len(lines_a), len(lines_b))]
    return (f"{what} differs after line {min(len(lines_a), len(lines_b))}: {shorter} ends there, "
            f"{longer} continues with:\n  {longer}: {_show(extra)}")


def artifact_difference(name: str, first: str, other: str, first_label: str, other_label: str) -> Optional[str]:
    """Compare two copies of the artifact ``name``; describe the first difference, or return ``None``.

    Identical bytes are identical. ``.npy`` / ``.npz`` / ``.pt`` / ``.pth`` / ``.safetensors`` files whose bytes
    differ are loaded and compared as tensors (first differing key and element, largest absolute difference);
    other files are compared as text lines when both are UTF-8, else by first differing byte.
    """
    with open(first, "rb") as handle:
        data_a = handle.read()
    with open(other, "rb") as handle:
        data_b = handle.read()
    if data_a == data_b:
        return None
    note = ""
    if name.lower().endswith(_TENSOR_SUFFIXES):
        try:
            loaded_a, loaded_b = _load_tensors(first), _load_tensors(other)
        except Exception as exc:  # not loadable as tensors: compare the bytes instead
            note = f" (not compared as tensors: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        else:
            try:
                diff = first_difference(loaded_a, loaded_b, name)
            except TypeError as exc:
                note = f" (not compared as tensors: {exc})"
            else:
                if diff is None:
                    return None  # same tensors, different serialisation bytes
                return f"artifact {name} differs at {diff.describe()}"
    try:
        text_a, text_b = data_a.decode("utf-8"), data_b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text_a and "\x00" not in text_b:
            found = text_difference(data_a, data_b, f"artifact {name}", first_label, other_label)
            return f"{found}{note}" if found else None
    offset = next((i for i, (x, y) in enumerate(zip(data_a, data_b)) if x != y), min(len(data_a), len(data_b)))
    return (f"artifact {name} differs from byte {offset} on ({first_label}: {len(data_a)} bytes, "
            f"{other_label}: {len(data_b)} bytes){note}")


# --------------------------------------------------------------------------------------------- verify

@dataclass
class RunOutput:
    """One run of ``verify``: its stdout and the copies of its artifacts."""

    number: int
    hash_seed: int
    stdout: bytes
    artifacts: Dict[str, str]


def _tail(data: bytes, lines: int = _STDERR_TAIL_LINES) -> str:
    text = data.decode("utf-8", "replace").rstrip("\n")
    kept = text.splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in kept) if kept else "  (nothing on stderr)"


def _compare_runs(first: RunOutput, other: RunOutput) -> Optional[str]:
    label_a, label_b = f"run {first.number}", f"run {other.number}"
    found = text_difference(first.stdout, other.stdout, "stdout", label_a, label_b)
    if found:
        return found
    names_a, names_b = set(first.artifacts), set(other.artifacts)
    for name in sorted(names_a - names_b):
        return f"artifact {name} was written by {label_a} but not by {label_b}"
    for name in sorted(names_b - names_a):
        return f"artifact {name} was written by {label_b} but not by {label_a}"
    for name in first.artifacts:
        found = artifact_difference(name, first.artifacts[name], other.artifacts[name], label_a, label_b)
        if found:
            return found
    return None


def verify_command(*, runs: int, artifacts: Sequence[str], vary_hash_seed: bool, seed: int, deterministic: bool,
                   warn_only: bool, module: Optional[str], argv: Sequence[str]) -> int:
    """``seedlint verify``: run the program ``runs`` times under ``seedlint run`` and compare what it produces.

    Compares stdout and every file matched by the ``artifacts`` globs (see :func:`artifact_difference`). Before
    each run the artifact files are put back as they were before the first run, and each run's artifacts are
    copied to a temporary folder; after the command they are as the last run left them. Stdin is empty.
    ``vary_hash_seed`` gives run *i* ``PYTHONHASHSEED = seed + i - 1``, revealing output that depends on the
    iteration order of sets of strings.

    Prints a one-line verdict and returns 0 when everything is identical; prints the first difference (line
    number and both lines for stdout) and returns 1 otherwise, or when a run fails; returns 2 for bad input or
    a program that cannot start.
    """
    try:
        _check_seed(seed)
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
            raise UsageError(f"--runs must be at least 2, got {runs!r}")
        if vary_hash_seed and seed + runs - 1 > SEED_MAX:
            raise UsageError(f"--vary-hash-seed uses PYTHONHASHSEED {seed} to {seed + runs - 1}, beyond {SEED_MAX}")
        for pattern in artifacts:
            if not pattern.strip():
                raise UsageError("--artifact needs a glob pattern, got an empty string")
        target = _parse_target(module, argv, "verify")
    except UsageError as exc:
        return _error("verify", str(exc))

    with tempfile.TemporaryDirectory(prefix="seedlint-verify-") as tmp:
        originals = _copy_files(_matching_files(artifacts), os.path.join(tmp, "before"))
        outputs: List[RunOutput] = []
        for number in range(1, runs + 1):
            if number > 1:
                _reset_artifacts(artifacts, originals)
            hash_seed = seed + number - 1 if vary_hash_seed else seed
            try:
                proc = subprocess.run(_child_command(target, seed, deterministic, warn_only),
                                      env=_child_env(hash_seed), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            except OSError as exc:
                return _error("verify", f"cannot start {sys.executable}: {exc}")
            status = _exit_status(proc.returncode)
            if status != 0:
                stderr = proc.stderr.decode("utf-8", "replace")
                if status == EXIT_ERROR and stderr.startswith(START_ERROR_PREFIX):
                    return _error("verify", f"cannot start {target.label}: {stderr[len(START_ERROR_PREFIX):].strip()}")
                signal_note = ""
                if proc.returncode < 0:
                    try:
                        signal_note = f" (killed by {signal.Signals(-proc.returncode).name})"
                    except ValueError:
                        pass
                print(f"seedlint verify: run {number} of {runs} of {target.label} failed with exit status "
                      f"{status}{signal_note}; nothing was compared. Its stderr ends with:\n{_tail(proc.stderr)}")
                return EXIT_DIFFERENT
            copies = _copy_files(_matching_files(artifacts), os.path.join(tmp, f"run{number}"))
            outputs.append(RunOutput(number, hash_seed, proc.stdout, copies))

        if artifacts and not any(output.artifacts for output in outputs):
            return _error("verify", f"no file matched --artifact {' '.join(repr(p) for p in artifacts)} in any run")

        for other in outputs[1:]:
            found = _compare_runs(outputs[0], other)
            if found:
                print(f"seedlint verify: NOT reproducible: {target.label} (seed {seed}): run {other.number} differs "
                      f"from run 1.\n{found}")
                if vary_hash_seed:
                    print(f"Runs had PYTHONHASHSEED {outputs[0].hash_seed} and {other.hash_seed}. If the output is "
                          "identical without --vary-hash-seed, it depends on the iteration order of a set (or "
                          "frozenset) of str/bytes, which is fixed only when PYTHONHASHSEED is, as under `seedlint "
                          "run`; sort the set before printing or iterating to make it independent of the hash seed.")
                return EXIT_DIFFERENT

    files = len(outputs[0].artifacts)
    lines = len(outputs[0].stdout.splitlines())
    what = f"stdout ({lines} line{'s' if lines != 1 else ''})"
    if artifacts:
        what += f" and {files} artifact file{'s' if files != 1 else ''}"
    hash_note = f", PYTHONHASHSEED {seed}..{seed + runs - 1}" if vary_hash_seed else ""
    print(f"seedlint verify: reproducible: {runs} runs of {target.label} (seed {seed}{hash_note}) gave identical "
          f"{what}")
    return EXIT_OK
