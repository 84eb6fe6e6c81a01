"""seedlint.runtime: make a PyTorch / NumPy program reproducible at run time.

    from seedlint.runtime import seed_everything, dataloader_kwargs

    seed_everything(0)                      # random, numpy, torch (every device), deterministic algorithms
    loader = DataLoader(ds, num_workers=4, shuffle=True, **dataloader_kwargs(0))

torch and numpy are imported only inside the functions that use them, and everything works without either.
This package imports nothing from the rest of seedlint (the linter), nor libcst or typer.
"""

from seedlint.runtime._compare import Difference, first_difference
from seedlint.runtime._reproducible import assert_reproducible
from seedlint.runtime._seeding import (
    SEED_ENV_VAR,
    SeedReport,
    dataloader_kwargs,
    make_generator,
    seed_everything,
    validate_seed,
)
from seedlint.runtime._state import isolate_rng, rng_state, set_rng_state
from seedlint.runtime._worker import seed_worker

__all__ = [
    "SEED_ENV_VAR",
    "Difference",
    "SeedReport",
    "assert_reproducible",
    "dataloader_kwargs",
    "first_difference",
    "isolate_rng",
    "make_generator",
    "rng_state",
    "seed_everything",
    "seed_worker",
    "set_rng_state",
    "validate_seed",
]
