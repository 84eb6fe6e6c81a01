"""``seedlint fix``: insert the seed block where unseeded programs start and apply the per-rule fixes.

Edits are made with libcst, so formatting and comments stay as they were. The entry points are
:func:`fix_paths` (returns a :class:`FixReport`, writes unless ``write=False``) and
:func:`fix_command` (what the CLI calls; returns the exit code).
"""

from seedlint.fix.runner import FixReport, FixUsageError, fix_command, fix_paths

__all__ = ["FixReport", "FixUsageError", "fix_command", "fix_paths"]
