"""The two repairs after a MySQL/MariaDB migration stopped half-way: record the revision a
migration finished by hand reached (stamp), or clear the mark once it was undone by hand.

Shared by the tasks (`inv db.stamp`, `inv db.clear-migration-mark`) and the installed service's
`python -m app.migrations stamp REV --yes` / `clear-migration-mark`, which the advice names
where there is no `inv` (runtime/_advice.py). Each acts on the bound tenant when one is
(runtime/_tenant_repairs.py binds it for `--tenant NAME`), else on DATABASE_URL's database.
Each returns the lines to print; a refusal raises RepairRefused, whose message is the one line
to print.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


class RepairRefused(Exception):
    """The repair was not made; the message says why and what to do."""


def stamp_database(revision: str, *, purge: bool = False) -> list[str]:
    """Record ``revision`` (an id, head or base) in the database without running a migration;
    the stamp also clears a half-applied mark. ``purge`` empties the version table first.

    Raises alembic's CommandError for an unknown revision, SQLAlchemyError when the database
    cannot be reached.
    """
    from alembic import command

    from alembic_steward.inspection._database_state import half_applied_mark
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._half_applied_marks import STAMPING
    from alembic_steward.runtime._revision_ids import check_revision_argument

    check_revision_argument(revision)
    with repaired_engine() as engine:
        with engine.connect() as connection:
            unfinished = half_applied_mark(connection)
        config = build_alembic_config()
        # After a MySQL/MariaDB migration was finished by hand, the stamp records it and clears
        # the half-applied mark (runtime/_half_applied_marks.py). env.py stamps the bound
        # tenant, if any, as it migrates it.
        config.attributes[STAMPING] = True
        command.stamp(config, revision, purge=purge)
        if purge:
            from alembic.script import ScriptDirectory

            from alembic_steward.runtime._phase_records import prune_phases

            with engine.begin() as connection:
                prune_phases(connection, ScriptDirectory.from_config(config))
    lines = [f"Stamped the database at {revision}."]
    if unfinished is not None:
        lines.append(
            f"The stamp cleared the mark of the run that stopped after revision {unfinished}:"
            " the database now records the schema as you left it."
        )
    return lines


def clear_mark() -> list[str]:
    """Remove the mark a half-applied MySQL/MariaDB migration left, once it was undone by hand.

    Raises RepairRefused while a migration run holds the migration lock (the mark is its own).
    """
    from alembic_steward.runtime._advice import advised
    from alembic_steward.runtime._half_applied_marks import clear_half_applied_mark
    from alembic_steward.runtime._lock import MigrationLockTimeout, hold_migration_lock

    with repaired_engine() as engine:
        if engine.dialect.name not in ("mysql", "mariadb"):
            return [
                f"{engine.dialect.name} rolls failed migrations back; there is no mark to clear."
            ]
        # A run holding the lock owns the mark right now: clearing it would hide its outcome.
        with engine.connect() as connection:
            try:
                with hold_migration_lock(connection, timeout=0):
                    cleared = clear_half_applied_mark(engine)
            except MigrationLockTimeout:
                raise RepairRefused(
                    "a migration run is in progress (it holds the migration lock) and the mark"
                    f" is its own; nothing was cleared. Wait for it to end, then check"
                    f" {advised('db.status', 'current')}"
                ) from None
        if cleared is None:
            return ["No unfinished migration run was marked; nothing to clear."]
        return [
            f"Cleared the mark of the run that stopped after revision {cleared}.",
            what_migrating_again_does(engine),
        ]


@contextmanager
def repaired_engine() -> Iterator[Engine]:
    """An engine, of its own, on the database a repair acts on: the bound tenant's (its
    database, or its schema) or DATABASE_URL's; its waits are bounded as the tasks' are."""
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    engine = bound_tenant_engine() or create_engine(
        get_settings().blocking_database_url, poolclass=pool.NullPool
    )
    try:
        yield bound_waits(engine)
    finally:
        engine.dispose()


def what_migrating_again_does(engine: Engine) -> str:
    """Say where the database stands now and that an upgrade reruns the next migration whole."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._half_applied_marks import (
        describe_heads,
        following_revisions,
        stamp_command,
    )

    with engine.connect() as connection:
        at = describe_heads(MigrationContext.configure(connection).get_current_heads())
    following = following_revisions(at, ScriptDirectory.from_config(build_alembic_config()))
    if not following:
        return f"The database is still at {at}."
    tenants = bound_tenant_options("--tenants")
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    return (
        f"The database is still at {at}, so {upgrade} runs"
        f" {', '.join(following)} again from its start: if you finished it by hand instead, run"
        f" {stamp_command(following)}."
    )
