"""Tasks that look without changing anything: current, heads, history, show, check, plan, url."""

from __future__ import annotations

from invoke import Context, Exit, task

from tasks.db.user_errors import exit_on_user_error

VERBOSE_HELP = "Show each revision in full: path, parents, date and message"


@task(
    help={
        "verbose": VERBOSE_HELP,
        "check": "Exit with code 1 when the database is not at head (for scripts and CI)",
    }
)
@exit_on_user_error
def current(c: Context, verbose: bool = False, check: bool = False) -> None:
    """Show the database's current revision(s)."""
    from alembic.script import ScriptDirectory

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from tasks.db.status_report import current_heads

    script = ScriptDirectory.from_config(build_alembic_config())
    with get_blocking_engine().connect() as connection:
        revisions = current_heads(connection)
    for revision in revisions:
        print(script.get_revision(revision).cmd_format(verbose))
    if not revisions:
        print("None: the database has no migration applied.")
    if check and set(revisions) != set(script.get_heads()):
        raise Exit("error: the database is not at head; run `inv db.upgrade`", code=1)


@task(help={"verbose": VERBOSE_HELP})
@exit_on_user_error
def heads(c: Context, verbose: bool = False) -> None:
    """Show the head revision(s) of the history."""
    from alembic import command

    from app.migrations.config import build_alembic_config

    command.heads(build_alembic_config(), verbose=verbose)


@task(
    help={
        "rev_range": "Range to show, e.g. base:head, -3:, 4f8376af1811:current (default: all)",
        "verbose": VERBOSE_HELP,
    }
)
@exit_on_user_error
def history(c: Context, rev_range: str | None = None, verbose: bool = False) -> None:
    """List the revisions, newest first."""
    from alembic import command

    from app.migrations.config import build_alembic_config

    command.history(build_alembic_config(), rev_range=rev_range, verbose=verbose)


@task(help={"revision": "Revision to show, e.g. 4f8376af1811 (default: head)"})
@exit_on_user_error
def show(c: Context, revision: str = "head") -> None:
    """Show one revision in full."""
    from alembic import command

    from app.migrations.config import build_alembic_config

    command.show(build_alembic_config(), revision)


@task
@exit_on_user_error
def check(c: Context) -> None:
    """Exit with code 1 and list the differences when the models need a new revision."""
    from alembic.script import ScriptDirectory

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from app.migrations.drift import model_drift
    from tasks.db.status_report import current_heads

    script = ScriptDirectory.from_config(build_alembic_config())
    with get_blocking_engine().connect() as connection:
        if set(current_heads(connection)) != set(script.get_heads()):
            raise Exit(
                "error: the database is not at head, so it cannot be compared with the models;"
                " run `inv db.upgrade` first",
                code=1,
            )
        differences = model_drift(connection)
    if not differences:
        print("No changes: the models match the migrations.")
        return
    print("The models differ from the migrations:")
    for difference in differences:
        print(f"  {difference}")
    raise Exit(
        'Run `inv db.revision -m "..."` to write a revision for them'
        " (a change marked `autogenerate cannot write it` you write by hand).",
        code=1,
    )


@task(help={"revision": "Target revision: an id, head or base (default: head)"})
@exit_on_user_error
def plan(c: Context, revision: str = "head") -> None:
    """Print the SQL that would take the database from its current revision to -r."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from tasks.db.migration_plan import plan_migration
    from tasks.db.status_report import current_heads

    config = build_alembic_config()
    with get_blocking_engine().connect() as connection:
        planned = plan_migration(
            ScriptDirectory.from_config(config), current_heads(connection), revision
        )
    if planned.direction == "none":
        print(f"-- Nothing to run: the database is already at {revision}.")
        return
    print(f"-- Plan: {planned.direction} {planned.revision_range}")
    getattr(command, planned.direction)(config, planned.revision_range, sql=True)


@task
def url(c: Context) -> None:
    """Show the database URL in effect (password hidden) and where it came from."""
    from app.settings import get_settings, hide_password

    database = get_settings().database
    print(f"{hide_password(database.value)}  (from {database.source})")
