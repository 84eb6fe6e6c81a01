"""Output formats: text, json, sarif (2.1.0) and github (workflow annotation commands).

JSON schema (stable, version 1)::

    {"version": 1, "tool": "seedlint", "tool_version": "0.1.0",
     "findings": [{"path", "line", "col", "end_line", "end_col", "code", "name", "message",
                   "fix": "safe" | "unsafe" | "none"}],
     "errors": [{"path", "rule", "message"}],
     "summary": {"findings": int, "files_with_findings": int, "files_checked": int, "fixable": int}}

Lines and columns are 1-based; columns count characters.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import IO, Any, Dict, List

from seedlint import __version__

FORMATS = ("text", "json", "sarif", "github")
INFO_URI = "https://github.com/seedlint/seedlint"


def _use_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def emit(result: Any, fmt: str, *, statistics: bool, quiet: bool, stream: IO[str] = sys.stdout) -> None:
    if fmt == "json":
        stream.write(json.dumps(to_json(result), indent=2) + "\n")
    elif fmt == "sarif":
        stream.write(json.dumps(to_sarif(result), indent=2) + "\n")
    elif fmt == "github":
        for d in result.diagnostics:
            stream.write(github_line(d) + "\n")
    elif statistics:
        _statistics(result, stream)
    else:
        _text(result, stream, quiet)


def _text(result: Any, stream: IO[str], quiet: bool) -> None:
    colour = _use_colour(stream)
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if colour else (lambda s: s)
    red = (lambda s: f"\x1b[1;31m{s}\x1b[0m") if colour else (lambda s: s)
    cyan = (lambda s: f"\x1b[36m{s}\x1b[0m") if colour else (lambda s: s)
    for d in result.diagnostics:
        stream.write(f"{bold(d.path)}{cyan(':')}{d.line}{cyan(':')}{d.col}{cyan(':')} {red(d.code)} {d.message}\n")
    if quiet:
        return
    n = len(result.diagnostics)
    if n == 0:
        checked = len(result.target_paths)
        stream.write(f"All checks passed! ({checked} {'file' if checked == 1 else 'files'} checked)\n")
        return
    files = len({d.path for d in result.diagnostics})
    fixable = sum(1 for d in result.diagnostics if d.fix.value != "none")
    safe = sum(1 for d in result.diagnostics if d.fix.value == "safe")
    plural = "finding" if n == 1 else "findings"
    fplural = "file" if files == 1 else "files"
    extra = ""
    if fixable:
        extra = f" ({fixable} fixable with seedlint fix"
        if fixable != safe:
            extra += f", {fixable - safe} of them with --unsafe-fixes"
        extra += ")"
    stream.write(f"Found {n} {plural} in {files} {fplural}{extra}\n")


def _statistics(result: Any, stream: IO[str]) -> None:
    from seedlint.rules import all_rules

    rules = all_rules()
    counts = Counter(d.code for d in result.diagnostics)
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = rules.get(code)
        fix = "[*]" if rule is not None and rule.fix.value != "none" else "   "
        name = rule.name if rule else ""
        stream.write(f"{count:>6}\t{code}\t{fix} {name}\n")
    if counts:
        stream.write(f"Found {sum(counts.values())} findings.\n")
    else:
        stream.write("All checks passed!\n")


def to_json(result: Any) -> Dict[str, Any]:
    from seedlint.rules import all_rules

    rules = all_rules()
    findings: List[Dict[str, Any]] = []
    for d in result.diagnostics:
        item = d.to_dict()
        item["name"] = rules[d.code].name if d.code in rules else d.code
        findings.append({k: item[k] for k in ("path", "line", "col", "end_line", "end_col", "code", "name",
                                               "message", "fix")})
    return {
        "version": 1,
        "tool": "seedlint",
        "tool_version": __version__,
        "findings": findings,
        "errors": [{"path": e.path, "rule": e.rule, "message": e.message} for e in result.errors],
        "summary": {
            "findings": len(findings),
            "files_with_findings": len({d.path for d in result.diagnostics}),
            "files_checked": len(result.target_paths),
            "fixable": sum(1 for d in result.diagnostics if d.fix.value != "none"),
        },
    }


def to_sarif(result: Any) -> Dict[str, Any]:
    from seedlint.rules import all_rules

    rules = list(all_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_rules = []
    for r in rules:
        sections = r.sections()
        sarif_rules.append({
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.message},
            "fullDescription": {"text": sections.get("What it does", r.message)},
            "help": {"text": r.doc(), "markdown": r.doc()},
            "defaultConfiguration": {"level": "warning" if r.code != "SDL000" else "error", "enabled": r.default},
            "properties": {"family": r.family(), "fix": r.fix.value},
        })
    results = []
    for d in result.diagnostics:
        results.append({
            "ruleId": d.code,
            "ruleIndex": index.get(d.code, 0),
            "level": "error" if d.code == "SDL000" else "warning",
            "message": {"text": d.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": d.path.replace(os.sep, "/")},
                    "region": {"startLine": d.line, "startColumn": d.col,
                               "endLine": max(d.end_line or d.line, d.line),
                               "endColumn": max(d.end_col or d.col, 1)},
                }
            }],
        })
    notifications = [{
        "level": "error",
        "message": {"text": f"internal error{(' in rule ' + e.rule) if e.rule else ''} on {e.path}: {e.message}"},
    } for e in result.errors]
    run: Dict[str, Any] = {
        "tool": {"driver": {"name": "seedlint", "version": __version__, "informationUri": INFO_URI,
                            "rules": sarif_rules}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if notifications:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": notifications}]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Any) -> str:
    level = "error" if d.code == "SDL000" else "warning"
    props = (f"file={_esc_prop(d.path)},line={d.line},col={d.col},endLine={d.end_line or d.line},"
             f"endColumn={d.end_col or d.col},title={_esc_prop(d.code)}")
    return f"::{level} {props}::{_esc_data(d.code + ' ' + d.message)}"
