"""The per-file pass: read, decode, parse, collect facts, run the single-file rules.

Everything it returns is plain data (picklable, JSON-able), so it can run in worker processes and be
cached by content hash.
"""

from __future__ import annotations

import ast
import io
import tokenize
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.engine.suppress import file_is_skipped


@dataclass
class FileResult:
    path: str  # absolute
    digest: str = ""
    diagnostics: List[Dict[str, Any]] = field(default_factory=list)  # Diagnostic.to_dict() without path
    facts: Optional[Dict[str, Any]] = None
    skipped: bool = False  # ``# seedlint: noqa`` header
    errors: List[Tuple[Optional[str], str]] = field(default_factory=list)  # (rule code, message)

    def to_json(self) -> Dict[str, Any]:
        return {
            "digest": self.digest, "diagnostics": self.diagnostics, "facts": self.facts,
            "skipped": self.skipped, "errors": self.errors,
        }

    @classmethod
    def from_json(cls, path: str, d: Dict[str, Any]) -> "FileResult":
        return cls(
            path=path, digest=d["digest"], diagnostics=d["diagnostics"], facts=d["facts"],
            skipped=d["skipped"],
            errors=[tuple(e) for e in d["errors"]],  # type: ignore[misc]
        )


def decode_source(data: bytes) -> str:
    """Decode like the interpreter: BOM, PEP 263 declaration, else UTF-8. Raises SyntaxError / UnicodeDecodeError."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def char_col(lines: List[str], line: int, byte_col: int) -> int:
    """Convert the parser's UTF-8 byte offset into a 0-based character offset."""
    if 1 <= line <= len(lines):
        text = lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
    return byte_col


def _sdl000(line: int, col: int, message: str) -> Dict[str, Any]:
    return {"line": max(line, 1), "col": max(col, 1), "end_line": max(line, 1), "end_col": max(col, 1),
            "code": "SDL000", "message": message, "fix": "none"}


def process_source(path: str, data: bytes, digest: str = "") -> FileResult:
    """Run the whole per-file pass over ``data`` (the file's bytes)."""
    from seedlint.project.facts import analyze
    from seedlint.rules import all_rules

    res = FileResult(path=path, digest=digest)
    try:
        source = decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        res.diagnostics.append(_sdl000(1, 1, f"cannot decode file: {reason} (expected UTF-8 or a PEP 263 encoding declaration)"))
        return res
    if file_is_skipped(source):
        res.skipped = True
        return res
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes and the like
            tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        lines = source.splitlines()
        col = exc.offset or 1
        if 1 <= line <= len(lines) and exc.text is not None:
            # CPython reports a 1-based character offset into exc.text
            col = max(col, 1)
        res.diagnostics.append(_sdl000(line, col, f"syntax error: {exc.msg}"))
        return res
    except (ValueError, RecursionError, MemoryError) as exc:
        res.diagnostics.append(_sdl000(1, 1, f"cannot parse file: {exc}"))
        return res
    # an ASCII file's byte offsets are its character offsets: its lines are not needed to convert them
    lines = None if source.isascii() else source.splitlines()
    try:
        ctx, facts = analyze(tree, path, source)
    except RecursionError:
        res.errors.append((None, "file too deeply nested to analyse"))
        return res
    except Exception as exc:  # pragma: no cover - an internal error, reported with the file
        res.errors.append((None, f"fact collection failed: {type(exc).__name__}: {exc}"))
        return res
    res.facts = facts
    for code, rule in all_rules().items():
        if rule.scope not in ("file", "file+program"):
            continue
        try:
            for finding in rule.check(ctx):
                node = finding.node
                if node is not None:
                    line, bcol = node.lineno, node.col_offset
                    end_line = getattr(node, "end_lineno", None) or line
                    end_bcol = getattr(node, "end_col_offset", None) or bcol
                else:
                    line, bcol, end_line, end_bcol = finding.line, finding.col, finding.line, finding.col
                if lines is not None:
                    bcol, end_bcol = char_col(lines, line, bcol), char_col(lines, end_line, end_bcol)
                res.diagnostics.append({
                    "line": line, "col": bcol + 1, "end_line": end_line, "end_col": end_bcol + 1,
                    "code": code, "message": finding.message, "fix": (finding.fix or rule.fix).value,
                })
        except Exception as exc:
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" ({tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno})" if tb else ""
            res.errors.append((code, f"{type(exc).__name__}: {exc}{where}"))
    # positions of fact events are converted to 1-based character columns once, here
    _convert_event_columns(facts, lines)
    return res


def _convert_event_columns(facts: Dict[str, Any], lines: Optional[List[str]]) -> None:
    for ev in facts.get("dsl", ()):
        ev["c"] = (ev["c"] if lines is None else char_col(lines, ev["l"], ev["c"])) + 1
    for fn in facts["functions"].values():
        if lines is None:
            for ev in fn["events"]:
                ev["c"] += 1
        else:
            for ev in fn["events"]:
                ev["c"] = char_col(lines, ev["l"], ev["c"]) + 1


def process_file(path: str) -> FileResult:
    """Read ``path`` and process it; unreadable files give an SDL000 finding."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        res = FileResult(path=path)
        res.diagnostics.append(_sdl000(1, 1, f"cannot read file: {exc.strerror or exc}"))
        return res
    return process_source(path, data, hashlib.sha256(data).hexdigest())


def to_diagnostic(path: str, d: Dict[str, Any]) -> Diagnostic:
    return Diagnostic(path=path, line=d["line"], col=d["col"], code=d["code"], message=d["message"],
                      end_line=d.get("end_line", d["line"]), end_col=d.get("end_col", d["col"]),
                      fix=FixSafety(d.get("fix", "none")))
