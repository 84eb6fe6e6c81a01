"""Command-line interface: typer commands only, no logic.

Exit codes (documented in README.md):
    0  nothing found (or --exit-zero)
    1  findings (check), differences (verify), files that would change (fix --diff)
    2  usage, configuration or internal error
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from seedlint import __version__
from seedlint.entry import internal_error
from seedlint.entry import split_codes as _split_codes

app = typer.Typer(
    name="seedlint",
    help="Find and fix what makes PyTorch / NumPy training runs non-reproducible.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"seedlint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Find and fix what makes PyTorch / NumPy training runs non-reproducible."""


@app.command()
def check(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files or folders to check (default: .)"),
    output_format: str = typer.Option("text", "--output-format", help="text, json, sarif or github"),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Codes or prefixes to enable (replaces the configured set)"),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Codes or prefixes to disable"),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Codes or prefixes to enable in addition"),
    statistics: bool = typer.Option(False, "--statistics", help="Print a count per code instead of each finding"),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print findings only: no summary, no progress"),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the fact cache"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all cores)"),
    config: Optional[Path] = typer.Option(None, "--config", help="pyproject.toml to read instead of the nearest one"),
    fix: bool = typer.Option(False, "--fix", help="Alias for `seedlint fix`"),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="With --fix: also apply unsafe fixes"),
    diff: bool = typer.Option(False, "--diff", help="With --fix: print a diff, write nothing"),
    seed: Optional[int] = typer.Option(None, "--seed", help="With --fix: the seed to insert"),
) -> None:
    """Check Python files for non-reproducible training code."""
    from seedlint import api

    if fix:
        code = api.fix_command(
            paths=paths or [Path(".")], seed=seed, select=_split_codes(select), ignore=_split_codes(ignore),
            extend_select=_split_codes(extend_select), unsafe_fixes=unsafe_fixes, diff=diff, inline=False,
            quiet=quiet, config_path=config, no_cache=no_cache, jobs=jobs,
        )
        raise typer.Exit(code)
    code = api.check_command(
        paths=paths or [Path(".")],
        output_format=output_format,
        select=_split_codes(select),
        ignore=_split_codes(ignore),
        extend_select=_split_codes(extend_select),
        statistics=statistics,
        exit_zero=exit_zero,
        quiet=quiet,
        no_cache=no_cache,
        jobs=jobs,
        config_path=config,
    )
    raise typer.Exit(code)


@app.command()
def fix(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files or folders to fix (default: .)"),
    seed: Optional[int] = typer.Option(None, "--seed", help="The seed to insert (default: config `seed`, else 0)"),
    inline: bool = typer.Option(False, "--inline", help="Write dependency-free seeding code instead of seedlint.runtime"),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe"),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and write nothing"),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Codes or prefixes whose fixes run"),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Codes or prefixes whose fixes do not run"),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    no_cache: bool = typer.Option(False, "--no-cache"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j"),
    config: Optional[Path] = typer.Option(None, "--config"),
) -> None:
    """Insert a seed block where unseeded programs start and apply the safe per-rule fixes."""
    from seedlint import api

    code = api.fix_command(
        paths=paths or [Path(".")], seed=seed, select=_split_codes(select), ignore=_split_codes(ignore),
        extend_select=_split_codes(extend_select), unsafe_fixes=unsafe_fixes, diff=diff, inline=inline,
        quiet=quiet, config_path=config, no_cache=no_cache, jobs=jobs,
    )
    raise typer.Exit(code)


@app.command("rules")
def rules_cmd(
    output_format: str = typer.Option("text", "--output-format", help="text or json"),
) -> None:
    """List every rule: code, name, fix availability and default state."""
    from seedlint import api

    raise typer.Exit(api.rules_command(output_format))


@app.command("rule")
def rule_cmd(code: str = typer.Argument(..., help="A rule code, e.g. SDL101")) -> None:
    """Print a rule's documentation."""
    from seedlint import api

    raise typer.Exit(api.rule_command(code))


_PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command("run", context_settings=_PASSTHROUGH)
def run_cmd(
    ctx: typer.Context,
    seed: int = typer.Option(..., "--seed", help="The seed to apply"),
    no_deterministic: bool = typer.Option(False, "--no-deterministic", help="Do not enable deterministic algorithms"),
    warn_only: bool = typer.Option(False, "--warn-only", help="Deterministic mode warns instead of raising"),
    module: Optional[str] = typer.Option(None, "-m", "--module", help="Run a module, like python -m"),
) -> None:
    """Run a script seeded: `seedlint run --seed 0 -- train.py --lr 0.1`."""
    from seedlint import runner

    raise typer.Exit(
        runner.run_command(
            seed=seed, deterministic=not no_deterministic, warn_only=warn_only, module=module, argv=list(ctx.args)
        )
    )


@app.command("verify", context_settings=_PASSTHROUGH)
def verify_cmd(
    ctx: typer.Context,
    runs: int = typer.Option(2, "--runs", help="How many times to run the script"),
    artifact: Optional[List[str]] = typer.Option(None, "--artifact", help="Glob of output files to compare"),
    vary_hash_seed: bool = typer.Option(False, "--vary-hash-seed", help="Give each run a different PYTHONHASHSEED"),
    seed: int = typer.Option(0, "--seed", help="The seed applied to every run"),
    no_deterministic: bool = typer.Option(False, "--no-deterministic"),
    warn_only: bool = typer.Option(False, "--warn-only"),
    module: Optional[str] = typer.Option(None, "-m", "--module", help="Verify a module, like python -m"),
) -> None:
    """Run a script several times under `seedlint run` and compare what it produces."""
    from seedlint import runner

    raise typer.Exit(
        runner.verify_command(
            runs=runs, artifacts=list(artifact or []), vary_hash_seed=vary_hash_seed, seed=seed,
            deterministic=not no_deterministic, warn_only=warn_only, module=module, argv=list(ctx.args),
        )
    )


def main() -> None:
    """Console-script entry point: usage errors exit 2, never a traceback."""
    import sys

    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - last line of defence
        internal_error(exc)
