"""Shared logic of SDL001 / SDL002 / SDL003: an RNG a program uses that nothing on its way seeds."""

from __future__ import annotations

from typing import Iterator

from seedlint.diagnostics import Diagnostic, FixSafety
from seedlint.project.analysis import ProjectContext, diag, unseeded_use

HOW = {
    "random": ("python `random`", "random.seed(seed)"),
    "numpy": ("numpy's global RNG", "np.random.seed(seed)"),
    "torch": ("torch's global RNG", "torch.manual_seed(seed)"),
}


def unseeded(ctx: ProjectContext, rng: str, code: str) -> Iterator[Diagnostic]:
    what, call = HOW[rng]
    # a program that trains first: when several programs reach the same use, the finding names the first
    # (a draw under a training-only option is named with the training script, not the evaluation one)
    for prog in sorted(ctx.programs, key=lambda p: not p.trains):
        hit = unseeded_use(prog, rng)
        if hit is None:
            continue
        site, need = hit
        used = f" ({site.what.replace('numpy.', 'np.')})" if site.what else ""
        if need != rng:
            # a draw in DataLoader workers, which seed their RNGs from torch's seed
            yield diag(site, code,
                       f"{what} is used here{used} in the DataLoader workers of program `{prog.label}`, which seed it "
                       f"from torch's seed, and nothing on the way from it seeds torch: call `{HOW[need][1]}` at its "
                       "start, or run `seedlint fix`", FixSafety.SAFE)
            continue
        yield diag(site, code,
                   f"{what} is used here{used} by program `{prog.label}`, and nothing on the way from it seeds it: "
                   f"call `{call}` at its start, or run `seedlint fix`", FixSafety.SAFE)
