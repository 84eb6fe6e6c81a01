"""Reading a Python file so that it can be written back byte for byte, and writing it atomically.

What is preserved: the encoding (PEP 263 declaration or BOM), the BOM itself, the line endings (libcst
keeps each line's own; inserted lines take the file's first ending), and the file's mode.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import stat
import tempfile
import tokenize
import warnings
from dataclasses import dataclass
from typing import Optional


class ChangedOnDisk(Exception):
    """The file changed between reading and writing it: it is left alone."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # absolute
    data: bytes  # the bytes read
    encoding: str  # codec name, without "-sig"
    bom: bool
    text: str  # decoded, without the BOM

    def encode(self, text: str) -> bytes:
        """``text`` as this file's bytes: same codec, BOM kept."""
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)


def decode(path: str, data: bytes) -> SourceFile:
    """Decode like the interpreter does. Raises SyntaxError / UnicodeDecodeError / LookupError."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(codecs.BOM_UTF8)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    body = data[len(codecs.BOM_UTF8):] if bom else data
    text = body.decode(encoding)
    return SourceFile(path=path, data=data, encoding=encoding, bom=bom, text=text)


def parses(text: str, path: str = "<fixed>", full: bool = True) -> Optional[str]:
    """None when ``text`` compiles (``full``) or at least parses; else the error, as one line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if full:
                compile(text, path, "exec", dont_inherit=True)
            else:
                ast.parse(text, filename=path)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def atomic_write(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file at ``path`` with ``data``: a temporary file in the same folder, then os.replace.

    The file's permission bits (and, where allowed, its owner) carry over; a symbolic link is followed,
    so the link stays a link. Raises :class:`ChangedOnDisk` when the file no longer holds ``expected``.
    """
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    st = os.stat(real)
    with open(real, "rb") as fh:
        if fh.read() != expected:
            raise ChangedOnDisk(f"{path} changed while it was being fixed")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".seedlint-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown"):
            try:
                if os.stat(tmp).st_uid != st.st_uid or os.stat(tmp).st_gid != st.st_gid:
                    os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
