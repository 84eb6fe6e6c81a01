"""What the fixer needs to know about one program (a light module: runs answered from the cache build these)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional


@dataclass(frozen=True)
class ProgramInfo:
    """What the fixer needs to know about one program."""

    entry: str  # path of the entry module
    label: str
    function: Optional[str]  # the entry function for [project.scripts] targets, else None
    used: FrozenSet[str]  # RNGs the program draws from (outside covered DataLoader workers)
    seeded: FrozenSet[str]  # RNGs something on its way seeds
    cuda: bool
    deterministic: bool

    @property
    def missing(self) -> FrozenSet[str]:
        return self.used - self.seeded
