"""Tasks that write revisions and move the database along them: revision, merge, upgrade, downgrade.

Each task calls Alembic's Python API in-process with the config from app/migrations/config.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

from tasks.db.protection import confirm_destructive
from tasks.db.user_errors import exit_on_user_error

SQL_HELP = "Print the SQL instead of running it (offline; the database is not touched)"
YES_HELP = "Run even when the environment is protected, without asking"


def report_written(written: Any) -> None:
    """Print `Created revision <id>: <path>`, the path relative to the project root."""
    from app.settings import PROJECT_ROOT

    path = Path(written.path)
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    print(f"Created revision {written.revision}: {shown}")


@task(
    help={
        "message": "What the revision does, e.g. 'Add users table' (becomes part of the file name)",
        "empty": "Write a blank revision to fill in by hand instead of autogenerating from models",
        "rev_id": "Use this revision id instead of a generated one, e.g. 0001_add_users",
    }
)
@exit_on_user_error
def revision(c: Context, message: str, empty: bool = False, rev_id: str | None = None) -> None:
    """Create a revision from the differences between the models and the database."""
    from alembic import command

    from app.migrations.autogenerate_review import collecting_unwritable_changes
    from app.migrations.config import build_alembic_config
    from app.migrations.revision_ids import check_revision_id
    from tasks.db.revision_review import DestructiveOperationCollector

    if rev_id is not None:
        check_revision_id(rev_id)
    # Alembic itself refuses several heads ("Multiple heads are present"); user_errors.py adds
    # the advice to merge. Checking first would read the whole history one extra time.
    config = build_alembic_config(autogenerate=not empty, quiet=True)
    collector = DestructiveOperationCollector()
    with collecting_unwritable_changes() as by_hand:
        written = command.revision(
            config,
            message=message,
            autogenerate=not empty,
            rev_id=rev_id,
            process_revision_directives=collector,
        )
    if written:
        report_written(written)
    for operation in collector.found:
        print(f"warning: {operation} may lose data; read the revision before applying it")
    for advice in by_hand:
        print(f"warning: {advice}")
    if not written and by_hand:
        raise Exit("error: the models changed in ways autogenerate cannot write (above)", code=1)
    if not written:
        print("No changes detected in the models; no revision file written.")


@task(help={"message": "What the merge joins, e.g. 'Merge heads' (becomes part of the file name)"})
@exit_on_user_error
def merge(c: Context, message: str) -> None:
    """Merge every head into one revision."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.migrations.config import build_alembic_config

    config = build_alembic_config(quiet=True)
    if len(ScriptDirectory.from_config(config).get_heads()) < 2:
        raise Exit("error: the history has one head; there is nothing to merge", code=1)
    report_written(command.merge(config, "heads", message=message))


@task(
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or +1 (default: head)",
        "sql": SQL_HELP,
    }
)
@exit_on_user_error
def upgrade(c: Context, revision: str = "head", sql: bool = False) -> None:
    """Apply migrations up to head, or up to the revision given with -r."""
    from alembic import command

    from app.migrations.config import build_alembic_config

    command.upgrade(build_alembic_config(), revision, sql=sql)


@task(
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or base (default: -1, one step)",
        "sql": SQL_HELP + "; needs a range, e.g. -r 4f8376af1811:base",
        "yes": YES_HELP,
    }
)
@exit_on_user_error
def downgrade(c: Context, revision: str = "-1", sql: bool = False, yes: bool = False) -> None:
    """Revert the last migration, or every migration after the revision given with -r."""
    from alembic import command

    from app.migrations.config import build_alembic_config
    from tasks.db.announced_downgrade import downgrade_announcing

    if sql:
        command.downgrade(build_alembic_config(), revision, sql=True)
        return
    confirm_destructive(c, "downgrade", yes)
    downgrade_announcing(build_alembic_config(), revision, announce_reverts)


def announce_reverts(scripts: list[Any]) -> None:
    """List the revisions a downgrade is about to revert, newest first."""
    if not scripts:
        print("Nothing to revert: the database is already at the target.")
        return
    print(f"Reverting {len(scripts)} revision(s):")
    for script in scripts:
        print(f"  {script.revision}  {(script.doc or '').strip()}")
