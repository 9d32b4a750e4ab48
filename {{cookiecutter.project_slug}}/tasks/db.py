"""Database migrations: short names for the Alembic workflow, runnable from any project folder.

Each task calls Alembic's Python API in-process with the config from app/alembic_config.py.
"""

from __future__ import annotations

from pathlib import Path

from invoke import Context, task

from tasks.user_errors import exit_on_user_error


@task(
    help={
        "message": "What the revision does, e.g. 'Add users table' (becomes part of the file name)",
        "empty": "Write a blank revision to fill in by hand instead of autogenerating from models",
    }
)
@exit_on_user_error
def revision(c: Context, message: str, empty: bool = False) -> None:
    """Create a revision from the differences between the models and the database."""
    from alembic import command

    from app.alembic_config import build_alembic_config
    from app.settings import PROJECT_ROOT

    config = build_alembic_config(autogenerate=not empty, quiet=True)
    written = command.revision(config, message=message, autogenerate=not empty)
    if not written:
        print("No changes detected in the models; no revision file written.")
        return
    path = Path(written.path)
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    print(f"Created revision {written.revision}: {shown}")


@task(help={"revision": "Target revision, e.g. 4f8376af1811 or +1 (default: head)"})
@exit_on_user_error
def upgrade(c: Context, revision: str = "head") -> None:
    """Apply migrations up to head, or up to the revision given with -r."""
    from alembic import command

    from app.alembic_config import build_alembic_config

    command.upgrade(build_alembic_config(), revision)


@task(help={"revision": "Target revision, e.g. 4f8376af1811 or base (default: -1, one step)"})
@exit_on_user_error
def downgrade(c: Context, revision: str = "-1") -> None:
    """Revert the last migration, or every migration after the revision given with -r."""
    from alembic import command

    from app.alembic_config import build_alembic_config

    command.downgrade(build_alembic_config(), revision)
