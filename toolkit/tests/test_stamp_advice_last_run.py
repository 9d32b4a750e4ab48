"""A database holding what several revisions build alike (a table, then a data migration on
it) is advised the stamp of the last of them the checksum rows record as run: advising the
first made the upgrade after it run the data migration a second time. Status, the upgrade,
the stamp's warning and `inv db.revision` give that one advice."""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import write_revision

TABLE = (
    '    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("name", sa.String(20)))'
)
# A data migration: run twice, it leaves two seed rows.
SEED = "    op.execute(\"INSERT INTO items (name) VALUES ('seed')\")"
COLUMN = '    op.add_column("items", sa.Column("price", sa.Integer))'
R1, R2, R3 = "aaaa00000001", "aaaa00000002", "aaaa00000003"


def seeded_with_a_column_pending(project: Project, database: ServerDatabase) -> dict[str, str]:
    """R1 (a table) and R2 (a data migration) ran; R3 (a column) is written, not run."""
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE)
    write_revision(project, R2, R1, SEED)
    project.inv("db.upgrade", env=env)
    write_revision(project, R3, R2, COLUMN)
    return env


def status_verdict(project: Project, env: dict[str, str]) -> str:
    return project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]


@only_on("sqlite", "mysql", why="MariaDB commits DDL as it goes: the re-run there fails midway")
def test_the_advice_after_a_stamp_at_head_names_the_data_migration_that_ran_and_holds(
    project: Project, database: ServerDatabase
) -> None:
    env = seeded_with_a_column_pending(project, database)

    stamped = project.inv("db.stamp", "-r", "head", env=env).stdout

    warning = one_error_line(stamped, "warning: ")
    assert f"record that with `inv db.stamp -r {R2}`, then run `inv db.upgrade`" in warning
    assert f"{R2} is the last of {R1}, {R2}" in warning, warning
    assert f"`inv db.stamp -r {R1}`" not in warning, warning
    assert "were kept" not in warning, warning
    assert f"`inv db.stamp -r {R2}`" in status_verdict(project, env)
    project.inv("db.stamp", "-r", R2, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT name FROM items") == [("seed",)]
    assert database.revisions() == {R3}
    status = project.run("inv", "db.status", env=env).stdout
    assert "database: against its revision rebuilt: same" in status, status


@only_on("sqlite", why="the choice is worded by the same code on every database")
def test_without_checksum_rows_the_advice_says_it_cannot_tell_which_ran(
    project: Project, database: ServerDatabase
) -> None:
    env = seeded_with_a_column_pending(project, database)
    database.query("DELETE FROM alembic_revision_checksums")

    stamped = project.inv("db.stamp", "-r", "head", env=env).stdout

    warning = one_error_line(stamped, "warning: ")
    assert f"holds exactly what revisions {R1}, {R2} build" in warning, warning
    assert "no row of alembic_revision_checksums says which of them ran" in warning, warning
    assert f"`inv db.stamp -r {R1}` if {R2} did not run" in warning, warning
    assert f"`inv db.stamp -r {R2}` if it did" in warning, warning


@only_on("sqlite", why="the rows are read by the same query on every database")
def test_status_and_upgrade_advise_the_same_stamp_after_the_version_table_is_emptied(
    project: Project, database: ServerDatabase
) -> None:
    env = seeded_with_a_column_pending(project, database)
    database.query("DELETE FROM alembic_version")

    verdict = status_verdict(project, env)
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)

    assert f"`inv db.stamp -r {R2}`" in verdict, verdict
    assert f"`inv db.stamp -r {R1}`" not in verdict, verdict
    assert f"`inv db.stamp -r {R2}`" in refused, refused
    assert database.query("SELECT name FROM items") == [("seed",)]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_new_revision_after_a_stamp_at_head_is_refused_with_status_s_advice(
    project: Project, database: ServerDatabase
) -> None:
    env = seeded_with_a_column_pending(project, database)
    project.inv("db.stamp", "-r", "head", env=env)
    verdict = status_verdict(project, env)

    refused = project.inv("db.revision", "-m", "Next", code=9, env=env)

    line = one_error_line(refused.stderr)
    advice = verdict.split("; ", 1)[1]
    assert advice.startswith("the database holds exactly what revision"), verdict
    assert advice in line, line
    assert "stamp the last revision that really ran" not in line, line


@only_on("sqlite", "mysql", why="the rows are read back by the same query on every database")
def test_a_stamp_back_names_the_checksum_rows_it_kept_and_no_revision_without_one(
    project: Project, database: ServerDatabase
) -> None:
    env = seeded_with_a_column_pending(project, database)
    database.query("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    project.inv("db.stamp", "-r", "head", env=env)
    # As a stamp that wrote no row leaves it (raw alembic's, another tool's).
    database.query(f"DELETE FROM alembic_revision_checksums WHERE revision = '{R3}'")

    stamped = project.inv("db.stamp", "-r", R1, env=env).stdout

    warning = one_error_line(stamped, "warning: ")
    assert f"the checksum row of {R2}, recorded as applied here, was kept" in warning, warning
    assert R3 not in warning, warning
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{R2} is recorded as applied here" in refused, refused
    assert database.query("SELECT name FROM items") == [("seed",)]


PRICE_INDEX = '    op.create_index("ix_items_price", "items", ["price"])'
DROP_PRICE_INDEX = {
    "sqlite": "DROP INDEX ix_items_price",
    "postgresql": "DROP INDEX ix_items_price",
    "mysql": "DROP INDEX ix_items_price ON items",
}


def test_no_stamp_is_advised_when_every_revision_ran_here(
    project: Project, database: ServerDatabase
) -> None:
    # t48 M12: an index dropped by hand after every revision ran (each has a checksum row its
    # run wrote): no stamp can explain it, yet a stamp came first in the advice.
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE)
    write_revision(project, R2, R1, f"{COLUMN}\n{PRICE_INDEX}")
    project.inv("db.upgrade", env=env)
    database.query(DROP_PRICE_INDEX[database.kind])
    verdict = status_verdict(project, env)
    assert "db.stamp" not in verdict, verdict
    assert "a revision was stamped without running" not in verdict, verdict
    assert "undo the hand change" in verdict, verdict
    check = one_error_line(project.inv("db.check", code=9, env=env).stderr)
    assert "db.stamp" not in check, check
    refused = one_error_line(project.inv("db.revision", "-m", "x", code=9, env=env).stderr)
    assert "db.stamp" not in refused and "undo the hand change" in refused, refused
