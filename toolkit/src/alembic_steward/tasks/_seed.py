"""Fill the database with the project's seed data, app/seeds.py, in one transaction."""

from __future__ import annotations

from invoke import Context, task

from alembic_steward.tasks._migrate import YES_HELP
from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._user_errors import exit_on_user_error


@task(help={"yes": YES_HELP})
@exit_on_user_error
def seed(c: Context, yes: bool = False) -> None:
    """Add the seed rows of app/seeds.py that the database lacks."""
    confirm_destructive(c, "seed", yes)
    run_seeds()


def run_seeds() -> None:
    """Run `app.seeds.seed` in one transaction on a database at head; report what it wrote."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from alembic_steward._wiring import active_steward, get_blocking_engine
    from alembic_steward.runtime._up_to_date import ensure_up_to_date

    # Seeds are written against the models, so they need the schema the models describe.
    ensure_up_to_date()
    added: list[object] = []
    changed: list[object] = []

    def count_written(session: Session, _flush_context: object) -> None:
        # after_flush still sees the flushed objects as new or dirty.
        added.extend(session.new)
        changed.extend(row for row in session.dirty if session.is_modified(row))

    with Session(get_blocking_engine()) as session:
        event.listen(session, "after_flush", count_written)
        with session.begin():
            active_steward().get_seed()(session)
    print(f"Seeded the database: {len(added)} row(s) added, {len(changed)} changed.")
