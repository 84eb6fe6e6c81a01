"""The default values of a Hydra program's settings, read from its YAML config files.

``@hydra.main(config_path="conf", config_name="config")`` composes the config the function receives from
``conf/config.yaml`` and the files its defaults list names. A guard such as ``if cfg.get("seed"):`` then tests
a value that comes from YAML, not from argparse: the rules ask :func:`setting_kinds` for it, as they ask
the argparse defaults (``facts.collect_argparse_defaults``), and get the same kinds: "None", "neg", "zero", "off",
"set".

Only what is certain is answered. The YAML reader understands block mappings of plain scalars, comments and
Hydra's defaults list; anything else it meets (flow collections, anchors, tags, block scalars in a key it is
asked about, interpolations) leaves that key unknown. A defaults entry whose file is missing, a list of
options, a package it cannot place or more than a few levels of nesting leaves the whole config unknown.
A setting known under several keys (``seed`` and ``data.seed``) with different kinds is unknown too.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

# a value the reader cannot vouch for
UNKNOWN = object()
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# YAML 1.1 booleans, as PyYAML (OmegaConf's loader) reads them
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_INT = re.compile(r"[-+]?[0-9][0-9_]*\Z")
_FLOAT = re.compile(r"[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?\Z|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+\Z")
_KEY = re.compile(r"([A-Za-z_][\w\-]*|'[^']*'|\"[^\"]*\")\s*:(\s+|\Z)(.*)\Z")
# a defaults entry `[optional|override] group[@package]: option`
_ENTRY = re.compile(r"([^:'\"]+?)\s*:(\s+|\Z)(.*)\Z")
_MAX_DEPTH = 4

Reader = Callable[[str], Optional[bytes]]


class Parsed:
    """What one YAML file holds: its scalar settings by dotted key, its defaults list and its package."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.defaults: List[Any] = []  # each entry: a str, a (key, value) pair, or UNKNOWN
        self.has_defaults = False
        self.package: Optional[str] = None  # from a `# @package X` header


def _scalar(text: str) -> Any:
    """The value of a plain or quoted scalar, UNKNOWN for anything else."""
    if not text:
        return None
    c = text[0]
    if c in "\"'":
        end = text.find(c, 1)
        if end < 0 or text[end + 1:].strip():
            return UNKNOWN
        inner = text[1:end]
        return UNKNOWN if "${" in inner or "\\" in inner else inner
    if c in "[{&*!|>%@`" or "${" in text:
        return UNKNOWN
    if text in _NULLS:
        return None
    if text in _FALSE:
        return False
    if text in _TRUE:
        return True
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _FLOAT.match(text):
        return float(text.replace("_", ""))
    return text


def _strip_comment(text: str) -> str:
    """``text`` without a trailing comment (a ``#`` at the start or after a space, outside quotes)."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or text[i - 1] in " :[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def parse(text: str) -> Optional[Parsed]:
    """Read a Hydra config file; None when it is not a plain single-document YAML file this reader follows."""
    out = Parsed()
    stack: List[Tuple[int, str]] = []  # (indent, dotted key) of the open mappings
    skip_above: Optional[int] = None  # inside a block this reader does not look into: lines indented past it
    in_defaults = False
    empty: Optional[Tuple[int, str]] = None  # the last key with nothing after its colon
    for raw in text.splitlines():
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            return None
        line = raw.rstrip()
        stripped = line.lstrip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = re.match(r"#\s*@package\s+(\S+)", stripped)
            if m and not out.values and not out.has_defaults and out.package is None:
                out.package = m.group(1)
            continue
        indent = len(line) - len(stripped)
        if skip_above is not None:
            if indent > skip_above:
                continue
            skip_above = None
        if stripped.startswith(("---", "...", "%")) and indent == 0:
            if stripped.startswith("---") and not out.values and not out.has_defaults:
                continue  # a document start before anything else
            return None
        body = _strip_comment(stripped)
        if empty is not None:
            if body.startswith("-") and indent >= empty[0]:
                out.values[empty[1]] = UNKNOWN  # a sequence, not a null
            empty = None
        if body.startswith("- ") or body == "-":
            if in_defaults:
                out.defaults.append(_defaults_entry(body[1:].strip()))
            else:
                # a sequence: its items are no settings this reader names
                skip_above = indent
            continue
        in_defaults = False
        while stack and stack[-1][0] >= indent:
            stack.pop()
        m = _KEY.match(body)
        if m is None:
            return None
        key = m.group(1).strip("'\"")
        dotted = f"{stack[-1][1]}.{key}" if stack else key
        rest = m.group(3).strip()
        if not stack and key == "defaults" and indent == 0:
            out.has_defaults = True
            if rest in ("", "[]"):
                in_defaults = rest == ""
                continue
            return None  # a flow-style defaults list
        if rest == "":
            # a mapping or a sequence follows (more indented, or a sequence at the same indent), or a null
            out.values[dotted] = None
            stack.append((indent, dotted))
            empty = (indent, dotted)
            continue
        if rest[0] in "|>":
            out.values[dotted] = UNKNOWN
            skip_above = indent
            continue
        out.values[dotted] = _scalar(rest)
    # a key followed by a nested mapping is no setting of its own
    for key in [k for k in out.values if out.values[k] is None]:
        prefix = key + "."
        if any(k.startswith(prefix) for k in out.values):
            del out.values[key]
    return out


def _defaults_entry(item: str) -> Any:
    if not item:
        return UNKNOWN
    if item[0] in "[{&*!\"'" and not (item[0] in "\"'" and item[-1] == item[0]):
        return UNKNOWN
    m = _ENTRY.match(item)
    if m is None:
        return item.strip("'\"")
    return (m.group(1).strip("'\""), _scalar(m.group(3).strip()))


def _read_yaml(read: Reader, path: str) -> Optional[Parsed]:
    data = read(path)
    if data is None:
        return None
    try:
        return parse(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None


def config_file(folder: str, name: str) -> str:
    return os.path.join(folder, *name.split("/")) + ("" if name.endswith((".yaml", ".yml")) else ".yaml")


def compose(config_dir: str, config_name: str, read: Reader) -> Optional[Dict[str, Any]]:
    """The default composed config of a Hydra app, as dotted key -> value (UNKNOWN where not certain), or None
    when it cannot be worked out."""
    values: Dict[str, Any] = {}
    if not _merge(config_dir, "", config_name, "", read, values, 0):
        return None
    return values


def _merge(config_dir: str, group: str, name: str, package: str, read: Reader,
           into: Dict[str, Any], depth: int, optional: bool = False) -> bool:
    """Merge config ``name`` of config group ``group`` into ``into`` at ``package`` (dotted, "" for the top);
    False when the outcome is not certain."""
    if depth > _MAX_DEPTH:
        return False
    path = config_file(os.path.join(config_dir, *group.split("/")) if group else config_dir, name)
    parsed = _read_yaml(read, path)
    if parsed is None:
        return optional and read(path) is None
    if parsed.package is not None:
        header = parsed.package
        if header == "_global_":
            package = ""
        elif header == "_group_":
            package = group.replace("/", ".")
        else:
            return False
    entries = list(parsed.defaults)
    if "_self_" not in entries:
        # Hydra >= 1.1: a config's own values override its defaults unless the list places `_self_` earlier
        entries.append("_self_")
    for entry in entries:
        if entry is UNKNOWN:
            return False
        if entry == "_self_":
            for k, v in parsed.values.items():
                into[f"{package}.{k}" if package else k] = v
            continue
        if isinstance(entry, str):
            # a config by name: of this config's group, or absolute with a leading "/"
            where, _, pkg = entry.partition("@")
            sub_group, _, sub_name = where.lstrip("/").rpartition("/")
            if not where.startswith("/") and group:
                sub_group = f"{group}/{sub_group}" if sub_group else group
            sub_package = _package(pkg, package, sub_group.replace("/", "."))
            if sub_package is None:
                return False
            if not _merge(config_dir, sub_group, sub_name, sub_package, read, into, depth + 1):
                return False
            continue
        key, option = entry
        if option is None:
            continue  # `- experiment: null`: nothing chosen by default
        words = key.split()
        opt = words[0] == "optional"
        words = [w for w in words if w not in ("optional", "override")]
        if len(words) != 1 or not isinstance(option, str):
            return False
        target, _, pkg = words[0].partition("@")
        absolute = target.startswith("/")
        target = target.lstrip("/")
        if target == "hydra" or target.startswith("hydra/"):
            continue  # Hydra's own settings (package `hydra`)
        sub_group = target if absolute or not group else f"{group}/{target}"
        sub_package = _package(pkg, package, sub_group.replace("/", "."))
        if sub_package is None:
            return False
        if not _merge(config_dir, sub_group, option, sub_package, read, into, depth + 1, opt):
            return False
    return True


def _package(override: str, here: str, default: str) -> Optional[str]:
    """The package an entry's config lands in: its ``@override``, else the default (its group's path); None
    for an override this reader does not follow."""
    if not override:
        return default
    if override == "_global_":
        return ""
    if override == "_here_":
        return here
    if override.startswith("_") or "${" in override:
        return None
    return f"{here}.{override}" if here else override


def setting_kinds(config_dir: str, config_name: str, read: Reader) -> Dict[str, str]:
    """Setting name (the last part of its key, as a guard names it: ``cfg.train.seed`` -> "seed") -> its
    default's kind ("None", "neg", "zero", "off", "set"); a name with keys of different kinds, or an unknown value,
    is left out."""
    composed = compose(config_dir, config_name, read)
    if not composed:
        return {}
    kinds: Dict[str, Optional[str]] = {}
    for key, value in composed.items():
        name = key.rpartition(".")[2]
        kind = _kind(value)
        if kinds.get(name, kind) != kind:
            kind = None
        kinds[name] = kind
    return {k: v for k, v in kinds.items() if v is not None}


def _kind(value: Any) -> Optional[str]:
    if value is UNKNOWN:
        return None
    if value is None:
        return "None"
    if value is False:
        return "off"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return "neg"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return "zero"
    return "set"
