"""The migrations in app/migrations/versions apply, revert cleanly and match the models.

Two walks over the history, each on a fresh database, are shared by the tests: a plain upgrade
from base to head by `python -m app.migrations upgrade` in a process of its own (conftest's
migrated_connection, which db_session uses too; it runs while the stairway walks), and the
stairway (testing/_stairway.py: each revision up, down and up again, each step run as
`inv db.upgrade` / `inv db.downgrade` would run it, with a row in every table and the schema
compared around every step). The history is read once, and each step costs a few queries
whatever the history's length, so the suite's cost grows linearly with the revisions.
"""

from __future__ import annotations

import warnings

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from alembic_steward.inspection._catalog_drift import models_against_migrations
from alembic_steward.inspection._unbuildable_defaults import UnbuildableModels
from alembic_steward.testing._schema_snapshot import schema_changes, schema_snapshot
from alembic_steward.testing._stairway import StairwayWalk


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def test_every_down_revision_names_a_revision_that_exists(script: ScriptDirectory) -> None:
    # Alembic only warns about a missing parent and treats the revision as a new base.
    known = {revision.revision for revision in script.walk_revisions()}
    missing = [
        f"{revision.revision} revises {parent}, which app/migrations/versions does not have"
        for revision in script.walk_revisions()
        for parent in revision._all_down_revisions
        if parent not in known
    ]
    assert missing == [], "; ".join(missing)


def test_history_has_a_single_head(script: ScriptDirectory) -> None:
    from alembic_steward.inspection._database_state import several_heads_message

    heads = list(script.get_heads())
    assert len(heads) <= 1, several_heads_message(heads)


# migrated_connection (conftest.py): a fresh database upgraded from base to head in one go.


def test_upgrade_from_base_reaches_head(
    migrated_connection: Connection, script: ScriptDirectory
) -> None:
    assert current_revisions(migrated_connection) == set(script.get_heads())


def test_models_match_migrations(migrated_connection: Connection) -> None:
    # The catalogs compared (inspection/_catalog_drift.py, behind `inv db.check` too): what
    # `metadata.create_all` builds against what the migrations built, every module of app/
    # that declares tables imported first.
    try:
        drift = models_against_migrations(migrated_connection)
    except UnbuildableModels as unbuildable:
        # No revision can build them either: `inv db.status`'s line (exit 14), not a drift.
        pytest.fail(str(unbuildable), pytrace=False)
    lines = drift.models.lines
    # How they were compared goes below the differences: it is not one of them.
    note = [f"({drift.note})"] if drift.note else []
    advice = f"{drift.models.summary}: {drift.models.advice}"
    assert lines == [], f"{advice}:\n" + "\n".join(lines + note)


def test_each_revision_upgrades_downgrades_and_upgrades_again(stairway: StairwayWalk) -> None:
    # Rows were in every table before each upgrade: a migration that only works on empty
    # tables (a NOT NULL column without a server default) fails here, as it would in production.
    assert stairway.failure is None, stairway.failure
    # A nullable column of a type no value is known for stays NULL: say so, without failing.
    for note in stairway.unwritten_columns:
        warnings.warn(note, stacklevel=1)


def test_each_downgrade_restores_the_schema_its_upgrade_started_from(
    stairway: StairwayWalk, request: pytest.FixtureRequest
) -> None:
    # Compared step by step, so a column left widened, a default or nullability not restored,
    # or an enum type left behind shows even when the next upgrade tolerates it.
    unrestored = stairway.unrestored
    if not hasattr(
        request.module, test_no_upgrade_loses_a_trigger_or_index_it_does_not_drop.__name__
    ):
        # A service baked before that check imports only this one: what an upgrade lost fails
        # here then, named as the upgrade's, as the downgrade can never give it back.
        unrestored = stairway.lost_objects + unrestored
    assert unrestored == [], "\n".join(unrestored)


def test_no_upgrade_loses_a_trigger_or_index_it_does_not_drop(stairway: StairwayWalk) -> None:
    # SQLite's batch mode recreates a table without the triggers and expression indexes made
    # with op.execute: nothing fails, and every later schema agrees, so only here is it seen.
    assert stairway.lost_objects == [], "\n".join(stairway.lost_objects)


def test_each_downgrade_gives_back_the_data_its_upgrade_kept(stairway: StairwayWalk) -> None:
    # Every table held a row before each step: a downgrade that drops and re-adds a column,
    # or casts it through a type that loses part of it, restores the schema but not the data.
    assert stairway.lost_data == [], "\n".join(stairway.lost_data)


def test_no_migration_leaves_a_row_with_a_broken_foreign_key(stairway: StairwayWalk) -> None:
    # SQLite does not check foreign keys while migrations rebuild tables; PRAGMA
    # foreign_key_check after each step does (the servers refuse such a step outright).
    assert stairway.broken_foreign_keys == [], "\n".join(stairway.broken_foreign_keys)


def test_stairway_ends_with_the_schema_of_a_plain_upgrade(
    stairway: StairwayWalk, migrated_connection: Connection
) -> None:
    if stairway.failure is not None:
        pytest.skip(f"the stairway stopped early: {stairway.failure}")
    # The catalogs compared, as around each step: one line per object that differs.
    changes = [
        difference.line("a plain upgrade's schema", "the stairway's schema")
        for difference in schema_changes(
            schema_snapshot(migrated_connection), stairway.snapshot_at_end
        )
    ]
    assert changes == [], "\n".join(changes)
