"""``[tool.seedlint]`` in the nearest ``pyproject.toml``.

Every key is validated; an unknown key or a bad value raises :class:`ConfigError`, whose message is one
line naming the key and the file (the CLI prints it and exits 2).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

RNG_NAMES = ("random", "numpy", "torch")
SEEDABLE = RNG_NAMES + ("deterministic",)
_VERSION_RE = re.compile(r"^\d+(\.\d+){0,2}$")


class ConfigError(Exception):
    """A configuration problem, reported as one line and exit code 2."""


@dataclass(frozen=True)
class Config:
    """Settings for one run. ``path`` is the file they came from (None: defaults)."""

    path: Optional[Path] = None
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    seed: Optional[int] = None
    target_torch_version: Optional[Tuple[int, ...]] = None
    # fully qualified function name -> what it seeds / sets (subset of SEEDABLE)
    seeding_functions: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    entry_points: Tuple[str, ...] = ()
    seed_function: Optional[str] = None
    respect_gitignore: bool = True

    def fingerprint(self) -> str:
        """What of the config can change per-file facts (part of the cache key)."""
        return repr((self.seeding_functions, self.target_torch_version))

    def analysis_fingerprint(self) -> str:
        """What of the config the project analysis reads (part of the project outcome's cache key)."""
        return repr((self.seeding_functions, self.target_torch_version, self.entry_points, self.seed_function,
                     str(self.path) if self.path else None))


def _key_error(key: str, path: Path, what: str) -> ConfigError:
    return ConfigError(f"{path}: [tool.seedlint] {key}: {what}")


def _str_list(key: str, value: Any, path: Path) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _key_error(key, path, f"expected a list of strings, got {value!r}")
    return tuple(value)


def _codes(key: str, value: Any, path: Path) -> Tuple[str, ...]:
    from seedlint.rules import is_known_selector

    codes = _str_list(key, value, path)
    for c in codes:
        if not is_known_selector(c):
            raise _key_error(key, path, f"unknown rule code or prefix {c!r}")
    return codes


def parse_version(text: str) -> Tuple[int, ...]:
    """``"2.13"`` / ``"2.13.0+cpu"`` -> ``(2, 13)`` / ``(2, 13, 0)``."""
    core = re.split(r"[+a-zA-Z]", text.strip(), maxsplit=1)[0].rstrip(".")
    if not _VERSION_RE.match(core):
        raise ValueError(text)
    return tuple(int(p) for p in core.split("."))


def installed_torch_version() -> Optional[Tuple[int, ...]]:
    """The installed torch's version from its package metadata, without importing torch.

    The first ``torch-*.dist-info`` (or ``.egg-info``) on ``sys.path`` is the one ``import torch`` and
    ``importlib.metadata`` would find; reading it directly spares importing ``importlib.metadata``
    (about 20 ms, much of a warm run). Anything unusual falls back to ``importlib.metadata``.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            m = _DIST_RE.match(name)
            if m is None:
                continue
            meta = os.path.join(entry or ".", name)
            if os.path.isdir(meta):
                meta = os.path.join(meta, "METADATA" if name.lower().endswith(".dist-info") else "PKG-INFO")
            try:
                with open(meta, encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        if line.startswith("Version:"):
                            return parse_version(line.split(":", 1)[1])
                        if not line.strip():
                            break  # end of the headers
            except (OSError, ValueError):
                pass
            return _metadata_torch_version()
    return None


def _metadata_torch_version() -> Optional[Tuple[int, ...]]:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return parse_version(version("torch"))
    except (PackageNotFoundError, ValueError):
        return None


_DIST_RE = re.compile(r"^torch-[^-]+\.(?:dist-info|egg-info)$", re.IGNORECASE)


_KEYS = {
    "select", "ignore", "extend-select", "exclude", "extend-exclude", "per-file-ignores", "seed",
    "target-torch-version", "seeding-functions", "entry-points", "seed-function", "respect-gitignore",
}


def load_config(pyproject: Optional[Path]) -> Config:
    """Read and validate ``[tool.seedlint]`` from ``pyproject`` (None: defaults)."""
    if pyproject is None:
        return Config(target_torch_version=installed_torch_version())
    try:
        raw = pyproject.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{pyproject}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("seedlint", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.seedlint] must be a table")
    return config_from_dict(section, pyproject)


def config_from_dict(section: Dict[str, Any], path: Path) -> Config:
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise _key_error(unknown[0], path, f"unknown key (known keys: {', '.join(sorted(_KEYS))})")
    kw: Dict[str, Any] = {"path": path}
    if "select" in section:
        kw["select"] = _codes("select", section["select"], path)
    if "ignore" in section:
        kw["ignore"] = _codes("ignore", section["ignore"], path)
    if "extend-select" in section:
        kw["extend_select"] = _codes("extend-select", section["extend-select"], path)
    if "exclude" in section:
        kw["exclude"] = _str_list("exclude", section["exclude"], path)
    if "extend-exclude" in section:
        kw["extend_exclude"] = _str_list("extend-exclude", section["extend-exclude"], path)
    if "respect-gitignore" in section:
        if not isinstance(section["respect-gitignore"], bool):
            raise _key_error("respect-gitignore", path, "expected true or false")
        kw["respect_gitignore"] = section["respect-gitignore"]
    if "per-file-ignores" in section:
        pfi = section["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise _key_error("per-file-ignores", path, 'expected a table of glob = ["CODE", ...]')
        kw["per_file_ignores"] = tuple(
            (pattern, _codes(f"per-file-ignores.{pattern}", codes, path)) for pattern, codes in pfi.items()
        )
    if "seed" in section:
        seed = section["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise _key_error("seed", path, f"expected an integer in [0, 2**32), got {seed!r}")
        kw["seed"] = seed
    if "target-torch-version" in section:
        v = section["target-torch-version"]
        try:
            if not isinstance(v, str):
                raise ValueError
            kw["target_torch_version"] = parse_version(v)
        except ValueError:
            raise _key_error("target-torch-version", path, f'expected a version string like "2.13", got {v!r}') from None
    else:
        kw["target_torch_version"] = installed_torch_version()
    if "seeding-functions" in section:
        kw["seeding_functions"] = _seeding_functions(section["seeding-functions"], path)
    if "entry-points" in section:
        kw["entry_points"] = _str_list("entry-points", section["entry-points"], path)
    if "seed-function" in section:
        sf = section["seed-function"]
        if not isinstance(sf, str) or not re.match(r"^[\w.]+:[\w.]+$", sf):
            raise _key_error("seed-function", path, f'expected "package.module:function", got {sf!r}')
        kw["seed_function"] = sf
    return Config(**kw)


def _seeding_functions(value: Any, path: Path) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    key = "seeding-functions"
    out: List[Tuple[str, Tuple[str, ...]]] = []
    if isinstance(value, list):
        items = [(v, list(RNG_NAMES)) for v in _str_list(key, value, path)]
    elif isinstance(value, dict):
        items = list(value.items())
    else:
        raise _key_error(key, path, 'expected a list of "pkg.module.function" or a table of name = ["torch", ...]')
    for name, what in items:
        if not isinstance(name, str) or not re.match(r"^[\w.:]+$", name):
            raise _key_error(key, path, f"bad function name {name!r}")
        what_t = _str_list(f"{key}.{name}", what, path)
        bad = [w for w in what_t if w not in SEEDABLE]
        if bad:
            raise _key_error(f"{key}.{name}", path, f"unknown value {bad[0]!r} (expected some of {', '.join(SEEDABLE)})")
        out.append((name.replace(":", "."), what_t))
    return tuple(out)


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.seedlint]`` table,
    else the nearest one at all (None if there is none)."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    nearest: Optional[Path] = None
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            if "[tool.seedlint" in text:
                return candidate
            if nearest is None:
                nearest = candidate
    return nearest
