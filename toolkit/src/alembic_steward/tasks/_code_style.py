"""Check and fix the code's style with ruff: `inv lint` in CI, `inv format` before committing."""

from __future__ import annotations

import sys

from invoke import Context, Exit, task

from alembic_steward.tasks._project_root import run_from_project_root

RUFF = [sys.executable, "-m", "ruff"]


def run_ruff(c: Context, *arguments: str) -> bool:
    """Run ruff from the project root; tell whether it succeeded."""
    return run_from_project_root(c, [*RUFF, *arguments], warn=True).ok


@task
def lint(c: Context) -> None:
    """Check the code with ruff: lint rules, then formatting, without changing anything."""
    checked = run_ruff(c, "check", ".")
    formatted = run_ruff(c, "format", "--check", ".")
    if not (checked and formatted):
        # Only some rule findings have an automatic fix (ruff marks them [*]): promise no more.
        fixes = "the formatting" if checked else "the formatting and the findings marked [*]"
        raise Exit(
            f"error: ruff found problems (listed above); `inv format` fixes {fixes},"
            " the rest need editing by hand",
            code=1,
        )


@task(name="format")
def format_code(c: Context) -> None:
    """Fix what ruff can fix automatically, format the code, then check what is left."""
    # Fix without reporting, format, and only then check: a finding the formatter resolves
    # (a long line it wraps) is no finding, and a fix may leave code the formatter rearranges.
    run_ruff(c, "check", "--fix-only", ".")
    run_ruff(c, "format", ".")
    if not run_ruff(c, "check", "."):
        raise Exit(
            "error: ruff found problems it cannot fix (listed above); edit those lines", code=1
        )
