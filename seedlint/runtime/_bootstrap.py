"""First code of the child interpreter that ``seedlint run`` / ``seedlint verify`` start.

The child is started as ``python -c <code> SEED DETERMINISTIC WARN_ONLY MODE TARGET [ARGS...]`` with
``PYTHONHASHSEED`` already in its environment. :func:`main` applies :func:`seed_everything` (its torch part
when the program first imports torch, which nothing can observe earlier), then runs the
script (``MODE == "script"``) or module (``MODE == "module"``) the way ``python script.py`` / ``python -m
module`` would: ``sys.argv`` is ``[TARGET, *ARGS]``, ``sys.path[0]`` the script's folder (the current folder for
a module), ``__name__ == "__main__"``; the exit status is the program's. A program that cannot start (missing
module) makes the child print ``seedlint run: ...`` on stderr and exit 2.
"""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import io
import os
import runpy
import sys
import types
import zipfile
from typing import List, NoReturn, Optional

from seedlint.runtime._seeding import _seed_everything

START_ERROR_PREFIX = "seedlint run: "
_OWN_FILES = {os.path.abspath(__file__), os.path.abspath(runpy.__file__)}


def _cannot_start(message: str) -> NoReturn:
    sys.stderr.write(f"{START_ERROR_PREFIX}{message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def _own_frame(tb: types.TracebackType) -> bool:
    filename = tb.tb_frame.f_code.co_filename
    return filename == "<string>" or filename.startswith("<frozen importlib") or os.path.abspath(
        filename) in _OWN_FILES


def _trim(tb: Optional[types.TracebackType]) -> Optional[types.TracebackType]:
    """Drop the bootstrap's, runpy's and importlib's frames from the front of a traceback."""
    while tb is not None and _own_frame(tb):
        tb = tb.tb_next
    return tb


def _report_and_exit(exc: BaseException) -> NoReturn:
    """What the interpreter does with an uncaught exception: sys.excepthook, then exit status 1."""
    trimmed = _trim(exc.__traceback__)
    exc.__traceback__ = trimmed
    sys.excepthook(type(exc), exc, trimmed)
    raise SystemExit(1)


def _run_script(path: str) -> None:
    if not os.path.exists(path):
        _cannot_start(f"can't open file {path!r}: No such file or directory")
    if os.path.isdir(path) or zipfile.is_zipfile(path) or path.endswith((".pyc", ".pyo")):
        # A folder or zip archive with __main__.py (runpy puts it on sys.path itself), or compiled code.
        del sys.path[0]
        runpy.run_path(path, run_name="__main__")
        return
    abspath = os.path.abspath(path)
    sys.path[0] = os.path.dirname(os.path.realpath(abspath))
    with io.open_code(abspath) as handle:
        source = handle.read()
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update({
        "__file__": abspath,
        "__builtins__": builtins,
        "__loader__": importlib.machinery.SourceFileLoader("__main__", abspath),
        "__spec__": None,
        "__package__": None,
        "__cached__": None,
    })
    sys.modules["__main__"] = main_module
    code = compile(source, abspath, "exec", dont_inherit=True)
    exec(code, main_module.__dict__)


def _run_module(name: str) -> None:
    sys.path[0] = os.getcwd()
    try:
        spec = importlib.util.find_spec(name)
        is_package = spec is not None and spec.submodule_search_locations is not None
        if is_package and importlib.util.find_spec(f"{name}.__main__") is None:
            _cannot_start(f"No module named {name}.__main__; {name!r} is a package and cannot be directly executed")
    except (ImportError, ValueError) as exc:
        _cannot_start(f"Error while finding module specification for {name!r} ({type(exc).__name__}: {exc})")
    if spec is None:
        _cannot_start(f"No module named {name}")
    runpy.run_module(name, run_name="__main__", alter_sys=True)


def main(argv: Optional[List[str]] = None) -> None:
    """Seed, then run the program named in ``argv`` (default ``sys.argv[1:]``); see the module docstring."""
    args = list(sys.argv[1:] if argv is None else argv)
    seed, deterministic, warn_only, mode, target = args[:5]
    program_args = args[5:]
    _seed_everything(int(seed), deterministic=deterministic == "1", warn_only=warn_only == "1", benchmark=False,
                     defer_torch=True)
    if mode == "module":
        sys.argv = ["-m", *program_args]  # run_module puts the module's file in argv[0], as python -m does
        runner, what = _run_module, target
    else:
        sys.argv = [target, *program_args]
        runner, what = _run_script, target
    try:
        runner(what)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        _report_and_exit(exc)
