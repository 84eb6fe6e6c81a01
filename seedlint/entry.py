"""The console entry point: a plain ``seedlint check`` skips importing the command-line framework.

typer and click take about 37 ms to import, a fifth of a run answered from the cache. ``parse_check``
understands the common ``check`` command lines (paths, the flags, and options given as ``--name value``)
and returns the arguments typer would pass, or None for anything else (``--help``, ``--fix``,
``--name=value``, a value that starts with ``-``, an unknown option, another command...), which typer then
parses as usual. ``tests/test_cli.py`` checks that both parse the same command lines alike.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

_FLAGS = {"--statistics": "statistics", "--exit-zero": "exit_zero", "--quiet": "quiet", "-q": "quiet",
          "--no-cache": "no_cache"}
_LISTS = {"--select": "select", "--ignore": "ignore", "--extend-select": "extend_select"}
_VALUES = {"--output-format": "output_format", "--jobs": "jobs", "-j": "jobs", "--config": "config_path"}


def split_codes(values: Optional[List[str]]) -> Optional[List[str]]:
    """``--select A,B --select C`` -> ``["A", "B", "C"]`` (None when the option was not given)."""
    if values is None:
        return None
    out: List[str] = []
    for v in values:
        out.extend(part.strip() for part in v.split(",") if part.strip())
    return out


def parse_check(argv: Sequence[str]) -> Optional[Dict[str, Any]]:
    """The keyword arguments of ``api.check_command`` for a simple ``check`` command line, else None."""
    if not argv or argv[0] != "check" or os.name == "nt":
        return None  # (on Windows, click expands wildcards in the arguments first)
    kw: Dict[str, Any] = {"output_format": "text", "statistics": False, "exit_zero": False, "quiet": False,
                          "no_cache": False, "jobs": None, "config_path": None}
    lists: Dict[str, Optional[List[str]]] = {"select": None, "ignore": None, "extend_select": None}
    paths: List[Path] = []
    args = list(argv[1:])
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("-"):
            paths.append(Path(a))
        elif a in _FLAGS:
            kw[_FLAGS[a]] = True
        elif a in _LISTS or a in _VALUES:
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                return None  # a missing value, or one click might read otherwise: typer decides
            value = args[i + 1]
            i += 1
            if a in _LISTS:
                lists[_LISTS[a]] = [*(lists[_LISTS[a]] or []), value]
            elif _VALUES[a] == "jobs":
                if not value.isdigit() or not value.isascii():
                    return None  # typer's message for a bad number
                kw["jobs"] = int(value)
            elif _VALUES[a] == "config_path":
                kw["config_path"] = Path(value)
            else:
                kw[_VALUES[a]] = value
        else:
            return None
        i += 1
    kw["paths"] = paths or [Path(".")]
    for name, values in lists.items():
        kw[name] = split_codes(values)
    return kw


def main() -> None:
    """Console-script entry point: usage errors exit 2, never a traceback."""
    kw = parse_check(sys.argv[1:])
    if kw is None:
        from seedlint.cli import main as cli_main

        cli_main()
        return
    # the endings typer gives the same run (typer/core.py, _main), then seedlint.cli.main's last resort
    try:
        from seedlint import api
        from seedlint.engine import retain

        # (and _fast_exit below: the analysis is not freed object by object, nor scanned by a collection once
        # api.check_paths is done with it)
        retain.enable()
        gc.disable()
        code = api.check_command(**kw)
    except KeyboardInterrupt:
        sys.exit(130)
    except EOFError:
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            internal_error(exc)
        # the reader went away (`seedlint check | head`): exit 1, without a second error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # pragma: no cover - last line of defence
        internal_error(exc)
    _fast_exit(code)


def _fast_exit(code: int) -> None:
    """End the process without freeing what the run built (seedlint.engine.retain): flush the output, then
    ``os._exit``. Nothing else is left to do at exit: the worker pool was shut down and the cache written."""
    try:
        sys.stdout.flush()
    except OSError:  # the reader went away (`seedlint check | head`)
        code = 1
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


def internal_error(exc: BaseException) -> None:
    """The last resort of both entry points: one line naming the error, exit 2."""
    print(f"seedlint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(2)
