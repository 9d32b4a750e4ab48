"""Walk every revision up, down and up again, as `inv db.upgrade` / `inv db.downgrade` would.

Each step is one migration in its own transaction, as in a real run. Before each upgrade and
each downgrade every table without a row gets one (testing/_sample_rows.py), and around each
step the schema is described by the catalog describer, the one behind `inv db.check`
(testing/_schema_snapshot.py), and the rows read (testing/_row_watch.py), so a downgrade must
give back exactly the schema its upgrade started from, and every value its upgrade kept. The
walk is one run of env.py (one lock, one connection) with the migration context's DDL memo
emptied before each step: that memo is what lets a second CREATE TABLE skip an enum type it
"already created", so without it a step sees the database as a fresh `inv db.upgrade` would.
The snapshots describe again only what each step's statements name, so the cost per revision
is a few queries whatever the history's length: the walk stays linear. Its steps must be drawn
one at a time, as Alembic runs them: the runtime's wrappers of a plan pass a generator through
untouched (runtime/_already_applied.py), since drawing it ahead would describe and seed an
empty database before anything ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, MigrationStep
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from alembic_steward.inspection._lost_objects import LostObject, lost_objects
from alembic_steward.inspection._scratch_database import alembic_config_on
from alembic_steward.runtime._irreversible import (
    IRREVERSIBLE_IMPORT,
    IRREVERSIBLE_RAISE,
    IrreversibleMigration,
)
from alembic_steward.runtime._irreversible_plans import revision_declaration
from alembic_steward.testing._row_watch import RowWatch, data_lost
from alembic_steward.testing._sample_rows import seed_tables
from alembic_steward.testing._schema_snapshot import (
    SchemaWatch,
    Snapshot,
    changed_owners,
    schema_changes,
    schema_snapshot,
)

# How the two sides of a downgrade's comparison read in its lines.
BEFORE_UPGRADE, AFTER_DOWNGRADE = "the schema before the upgrade", "the schema after the downgrade"


@dataclass
class StairwayWalk:
    """What the walk found; no failure and every list empty means the history is sound."""

    failure: str | None = None
    unrestored: list[str] = field(default_factory=list)
    lost_data: list[str] = field(default_factory=list)
    unwritten_columns: list[str] = field(default_factory=list)
    broken_foreign_keys: list[str] = field(default_factory=list)
    irreversible: list[str] = field(default_factory=list)
    lost_objects: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    snapshot_at_end: Snapshot | None = None
    doing: str = ""


def declares_itself_irreversible(revision: Script) -> bool:
    """Whether the revision's downgrade() always raises IrreversibleMigration, read from its
    source as a downgrade reads it before its first step (runtime/_irreversible_plans.py): the
    revision the walk does not revert is the one `inv db.downgrade` refuses to, no other. A
    raise the reading cannot be sure of is found by running the downgrade, by both."""
    return revision_declaration(revision.path) is not None


def walk_stairway(connection: Connection, script: ScriptDirectory) -> StairwayWalk:
    """Apply, revert and reapply each revision, oldest first; record what went wrong."""
    walk = StairwayWalk()
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    irreversible = {r.revision for r in revisions if declares_itself_irreversible(r)}
    revision_map = script.revision_map
    watch = SchemaWatch(connection)
    rows = RowWatch(connection, watch.snapshot)
    watches = (watch, rows)

    def seed(snapshot: Snapshot, doing: str) -> None:
        walk.doing = doing
        empty = rows.empty(snapshot.tables())
        notes = seed_tables(connection, empty, snapshot)
        walk.unwritten_columns += [n for n in notes if n not in walk.unwritten_columns]
        rows.read(snapshot, empty)

    def stairway_steps(heads, context: MigrationContext) -> Iterator[MigrationStep]:
        # Runs between migrations, when no transaction is open; each yield runs one migration.
        before = watch.snapshot
        for revision in revisions:
            name = f"revision {revision.revision} ({(revision.doc or '').strip()})"
            up = MigrationStep.upgrade_from_script(revision_map, revision)
            down = MigrationStep.downgrade_from_script(revision_map, revision)
            seed(before, f"{name}: inserting a row into each table before the upgrade")
            rows_before = rows.tables
            yield from one_step(context, watches, walk, f"{name}: upgrade", up)
            note_broken_foreign_keys(connection, walk, f"{name}'s upgrade")
            upgraded = watch.refresh()
            rows.refresh(upgraded)
            lost = upgrade_losses(before, upgraded, watch.last_statements)
            walk.lost_objects += [object_.line(name) for object_ in lost]
            if revision.revision in irreversible:
                walk.irreversible.append(name)
            else:
                seed(upgraded, f"{name}: inserting a row into each table before the downgrade")
                rows_upgraded = rows.tables
                yield from one_step(context, watches, walk, f"{name}: downgrade", down)
                note_broken_foreign_keys(connection, walk, f"{name}'s downgrade")
                downgraded = watch.refresh()
                # What the upgrade lost is its finding: the downgrade cannot give it back.
                blamed = {(object_.kind, object_.subject) for object_ in lost}
                walk.unrestored += [
                    f"{name}'s downgrade: {difference.line(BEFORE_UPGRADE, AFTER_DOWNGRADE)}"
                    for difference in schema_changes(before, downgraded)
                    if (difference.kind, difference.subject) not in blamed
                ]
                lost = data_lost(rows_before, rows_upgraded, rows.refresh(downgraded))
                walk.lost_data += [f"{name}'s downgrade: {line}" for line in lost]
                yield from one_step(context, watches, walk, f"{name}: upgrade again", up)
            before = watch.refresh()
            rows.refresh(before)
        walk.doing = ""

    config = alembic_config_on(connection)
    with EnvironmentContext(config, script, fn=stairway_steps, destination_rev="heads"):
        try:
            script.run_env()
        except Exception as error:  # A failed step ends the walk: every later step needs it.
            walk.failure = failure_line(walk.doing, error)
            if connection.in_transaction():
                connection.rollback()
        finally:
            watch.close()
            rows.close()
    walk.reached = set(MigrationContext.configure(connection).get_current_heads())
    walk.snapshot_at_end = schema_snapshot(connection)
    return walk


def failure_line(doing: str, error: Exception) -> str:
    """What the walk says of the step ``doing`` that raised ``error``, and what to do about
    a downgrade that cannot be written."""
    reason = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, IrreversibleMigration):
        # Its reason alone: the state a run's line adds is that of the walk's own database.
        reason = error.reason
    line = f"{doing} failed: {type(error).__name__}: {reason}"
    if isinstance(error, NotImplementedError) and doing.endswith(": downgrade"):
        return (
            f"{line}; to declare a downgrade that cannot be written, make `{IRREVERSIBLE_RAISE}`"
            f" its first statement, with `{IRREVERSIBLE_IMPORT}` at the top"
        )
    if isinstance(error, IrreversibleMigration):
        return (
            f"{line}; reading downgrade() cannot tell that it always raises (the raise is under"
            " a condition, or in a function it calls), so the walk ran it, as `inv db.downgrade`"
            f" would; if it can never be undone, make `{IRREVERSIBLE_RAISE}` a statement of"
            " downgrade() itself, with no condition or `return` before it"
        )
    return line


def upgrade_losses(before: Snapshot, after: Snapshot, statements: list[str]) -> list[LostObject]:
    """The triggers and indexes an upgrade lost without dropping them by name
    (inspection/_lost_objects.py): SQLite's batch mode recreating their table."""
    names = changed_owners(before, after)
    return lost_objects(before.catalog(names), after.catalog(names), statements)


def one_step(
    context: MigrationContext,
    watches: tuple[SchemaWatch, RowWatch],
    walk: StairwayWalk,
    doing: str,
    step: MigrationStep,
) -> Iterator[MigrationStep]:
    """Yield ``step`` to the migration context with nothing remembered from earlier steps.

    The watches record the statements sent from here until the context asks for the next
    step: the migration's own and the bookkeeping that ends it.
    """
    walk.doing = doing
    context.impl.memo.clear()
    for watch in watches:
        watch.recording = True
    yield step
    for watch in watches:
        watch.recording = False


def note_broken_foreign_keys(connection: Connection, walk: StairwayWalk, after: str) -> None:
    """Record the rows SQLite's PRAGMA foreign_key_check finds (SQLite does not check itself)."""
    if connection.dialect.name != "sqlite":
        return
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.commit()
    for table, rowid, parent, _ in rows:
        walk.broken_foreign_keys.append(
            f"after {after}, {table} row {rowid} refers to a missing {parent} row"
        )
