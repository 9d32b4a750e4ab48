"""Walk every revision up, down and up again, as `inv db.upgrade` / `inv db.downgrade` would.

Each step runs env.py afresh (its own migration context, lock and transaction), so nothing one
step cached can hide what the next meets. Before each upgrade the new tables get a row
(tests/sample_rows.py); around each step the schema is snapshotted (tests/schema_snapshot.py),
so a downgrade must give back exactly the schema its upgrade started from. The cost per
revision is a few queries whatever the history's length: the walk stays linear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, MigrationStep
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from app.migrations.half_applied_marks import clear_half_applied_mark
from app.migrations.irreversible import IrreversibleMigration
from tests.conftest import alembic_config_on
from tests.sample_rows import seed_tables
from tests.schema_snapshot import Snapshot, describe_changes, schema_snapshot, snapshot_tables


@dataclass
class StairwayWalk:
    """What the walk found; every list empty (and no failure) means the history is sound."""

    failure: str | None = None
    unrestored: list[str] = field(default_factory=list)
    broken_foreign_keys: list[str] = field(default_factory=list)
    irreversible: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    snapshot_at_end: Snapshot = field(default_factory=dict)


def run_step(config: Config, script: ScriptDirectory, step: MigrationStep, target: str) -> None:
    """Run one migration step through env.py, as `alembic upgrade` / `downgrade` runs it."""
    with EnvironmentContext(config, script, fn=lambda heads, context: [step], destination_rev=target):
        script.run_env()


def broken_foreign_keys(connection: Connection) -> list[tuple]:
    """SQLite's list of rows whose foreign key points at no row (it does not check by default)."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.commit()
    return [tuple(row) for row in rows]


def walk_stairway(connection: Connection, script: ScriptDirectory) -> StairwayWalk:
    """Apply, revert and reapply each revision, oldest first, each step on its own."""
    walk = StairwayWalk()
    config = alembic_config_on(connection)
    revision_map = script.revision_map
    before = schema_snapshot(connection)
    seeded: set[str] = set()
    for revision in reversed(list(script.walk_revisions("base", "heads"))):
        name = describe(revision)
        fresh = snapshot_tables(before) - seeded
        step = "insert a row into each table before the upgrade"
        try:
            seed_tables(connection, fresh)
            seeded |= fresh
            step = "upgrade"
            run_step(config, script, MigrationStep.upgrade_from_script(revision_map, revision),
                     revision.revision)
            note_broken_foreign_keys(connection, walk, f"{name}'s upgrade")
            step = "downgrade"
            try:
                run_step(config, script,
                         MigrationStep.downgrade_from_script(revision_map, revision),
                         revision.revision)
            except IrreversibleMigration:
                walk.irreversible.append(name)
                forget_unfinished_run(connection)
            else:
                note_broken_foreign_keys(connection, walk, f"{name}'s downgrade")
                changes = describe_changes(before, schema_snapshot(connection))
                if changes:
                    walk.unrestored.append(f"{name}'s downgrade: {' | '.join(changes)}")
                step = "upgrade again"
                run_step(config, script,
                         MigrationStep.upgrade_from_script(revision_map, revision),
                         revision.revision)
        except Exception as error:  # A failed step ends the walk: every later step needs it.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            walk.failure = f"{name}: {step} failed: {type(error).__name__}: {reason}"
            if connection.in_transaction():
                connection.rollback()
            break
        before = schema_snapshot(connection)
        # A table a step dropped and made again is empty: it gets a fresh row next time.
        seeded &= snapshot_tables(before)
    walk.reached = set(MigrationContext.configure(connection).get_current_heads())
    walk.snapshot_at_end = schema_snapshot(connection)
    return walk


def describe(revision: Script) -> str:
    return f"revision {revision.revision} ({(revision.doc or '').strip()})"


def note_broken_foreign_keys(connection: Connection, walk: StairwayWalk, after: str) -> None:
    for table, rowid, parent, _ in broken_foreign_keys(connection):
        walk.broken_foreign_keys.append(
            f"after {after}, {table} row {rowid} refers to a missing {parent} row"
        )


def forget_unfinished_run(connection: Connection) -> None:
    """Drop the MySQL/MariaDB unfinished-run mark an IrreversibleMigration left (nothing ran)."""
    if connection.in_transaction():
        connection.rollback()
    if connection.dialect.name in ("mysql", "mariadb"):
        clear_half_applied_mark(connection.engine)
