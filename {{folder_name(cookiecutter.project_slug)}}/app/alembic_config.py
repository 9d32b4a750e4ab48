"""Build the Alembic configuration: the one place every in-process entry point gets it from."""

from __future__ import annotations

from argparse import Namespace

from alembic.config import Config

from app.settings import PROJECT_ROOT


def build_alembic_config(*, autogenerate: bool = False, quiet: bool = False) -> Config:
    """Return the project's Alembic config exactly as `alembic` run at the project root sees it.

    ``quiet`` silences Alembic's own status lines, for callers that report in their own words.
    """
    # cmd_opts mirrors the CLI's parsed arguments, so env.py can read them the same way
    # whether it was started by `alembic ...` or by `inv db.*`.
    cmd_opts = Namespace(autogenerate=autogenerate, quiet=quiet, x=None)
    return Config(
        file_=PROJECT_ROOT / "alembic.ini",
        toml_file=PROJECT_ROOT / "pyproject.toml",
        cmd_opts=cmd_opts,
    )
