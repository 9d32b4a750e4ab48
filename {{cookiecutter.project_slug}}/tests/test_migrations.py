"""The migrations in app/migrations/versions apply, revert cleanly and match the models.

Two walks over the history, each on a fresh database, are shared by the tests: a plain upgrade
from base to head (conftest's migrated_connection, which db_session uses too), and the
stairway (each revision up, down and up again).
The history is read once, and the stairway is one pass through env.py (one lock, one
connection), so the suite's cost grows linearly with the number of revisions instead of
re-reading every revision file and re-running env.py at each step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, MigrationStep
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from app.migrations.config import build_alembic_config
from app.migrations.drift import model_drift
from tests.conftest import alembic_config_on, connection_to, fresh_database


@pytest.fixture(scope="module")
def script() -> ScriptDirectory:
    """The history, read from app/migrations/versions once for the whole module."""
    return ScriptDirectory.from_config(build_alembic_config())


def walk_stairway(connection: Connection, script: ScriptDirectory) -> None:
    """Apply, revert and reapply each revision, oldest first, in one run of env.py."""

    def stairway_steps(heads, context) -> Iterator[MigrationStep]:
        # What alembic.command.upgrade/downgrade would compute, one revision at a time; yielding
        # every step to one migration context runs env.py (and takes its lock) only once.
        for revision in reversed(list(script.walk_revisions("base", "heads"))):
            yield MigrationStep.upgrade_from_script(script.revision_map, revision)
            yield MigrationStep.downgrade_from_script(script.revision_map, revision)
            yield MigrationStep.upgrade_from_script(script.revision_map, revision)

    config = alembic_config_on(connection)
    with EnvironmentContext(config, script, fn=stairway_steps, destination_rev="heads"):
        script.run_env()


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def schema_of(connection: Connection) -> dict[str, dict[str, list]]:
    """Describe every table (columns, keys, indexes, unique constraints) to compare schemas."""
    inspector = inspect(connection)
    # The get_multi_* calls read all tables in one query per kind on servers that support it.
    columns = inspector.get_multi_columns()
    primary_keys = inspector.get_multi_pk_constraint()
    foreign_keys = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    uniques = inspector.get_multi_unique_constraints()
    described = {}
    for key in columns:
        described[key[1]] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in columns[key]],
            "primary key": primary_keys[key]["constrained_columns"],
            "foreign keys": sorted(
                (k["name"] or "", k["referred_table"], tuple(k["constrained_columns"]))
                for k in foreign_keys[key]
            ),
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"])) for i in indexes[key]
            ),
            "unique constraints": sorted(
                (u["name"] or "", tuple(u["column_names"])) for u in uniques[key]
            ),
        }
    return described


@dataclass
class StairwayWalk:
    heads: set[str]
    reached_at_head: set[str]
    schema_at_head: dict


@pytest.fixture(scope="module")
def stairway(tmp_path_factory: pytest.TempPathFactory, script: ScriptDirectory) -> StairwayWalk:
    """Walk each revision up, down and up again on a fresh database."""
    with fresh_database(tmp_path_factory.mktemp("stairway")) as url, connection_to(url) as conn:
        walk_stairway(conn, script)
        return StairwayWalk(
            heads=set(script.get_heads()),
            reached_at_head=current_revisions(conn),
            schema_at_head=schema_of(conn),
        )


def test_history_has_a_single_head(script: ScriptDirectory) -> None:
    heads = script.get_heads()
    assert len(heads) <= 1, f"several heads {heads}: run `inv db.merge` or rebase the revision"


# migrated_connection (conftest.py): a fresh database upgraded from base to head in one go.


def test_upgrade_from_base_reaches_head(
    migrated_connection: Connection, script: ScriptDirectory
) -> None:
    assert current_revisions(migrated_connection) == set(script.get_heads())


def test_models_match_migrations(migrated_connection: Connection) -> None:
    # The comparison autogenerate makes (tasks/db/status_report.py, also behind `inv db.check`).
    drift = model_drift(migrated_connection)
    assert drift == [], f"the models changed without a revision: run `inv db.revision`: {drift}"


def test_each_revision_upgrades_downgrades_and_upgrades_again(stairway: StairwayWalk) -> None:
    assert stairway.reached_at_head == stairway.heads


def test_downgrade_leaves_no_trace(stairway: StairwayWalk, migrated_connection: Connection) -> None:
    # The stairway ran every downgrade and upgraded again: had a downgrade left a table, column,
    # index or constraint behind, the schema would differ from a plain upgrade's (or the second
    # upgrade would have failed on it).
    assert stairway.schema_at_head == schema_of(migrated_connection)
