"""A version table moved by hand, read from the bookkeeping rows: ahead of what ran (an UPDATE
after a downgrade) or back over revisions that change no schema (raw `alembic stamp`). Every
command that would otherwise say nothing, or advise a command that fails, says exit 9."""

from __future__ import annotations

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

CREATE = (
    '    op.create_table("customers", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("price", sa.Integer))\n'
    '    op.execute("INSERT INTO customers (id, price) VALUES (1, 150)")'
)
ADD_COLUMN = '    op.add_column("customers", sa.Column("note", sa.String(20)))'
IN_CENTS = '    op.execute("UPDATE customers SET price = price * 100")'
EMPTY = "    pass"
# Each revision's downgrade(), so `inv db.downgrade` leaves the schema its parent builds.
DOWNGRADES = {
    CREATE: '    op.drop_table("customers")',
    ADD_COLUMN: '    op.drop_column("customers", "note")',
    IN_CENTS: '    op.execute("UPDATE customers SET price = price / 100")',
    EMPTY: "    pass",
}
ROWS = ("alembic_revision_checksums", "alembic_revision_phases")
WHY = "MariaDB writes the rows as one compound statement; the rest reads the same SQL"


def write_revision(project: Project, revision: str, parent: str | None, upgrade: str) -> None:
    source = revision_source(revision, parent, upgrade, DOWNGRADES[upgrade])
    project.write_revision(f"{revision}_by_hand.py", source)


def written(project: Project, database: ServerDatabase, *upgrades: str) -> dict[str, str]:
    parent = None
    for number, upgrade in enumerate(upgrades, start=1):
        revision = f"eeee0000000{number}"
        write_revision(project, revision, parent, upgrade)
        parent = revision
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    return env


def moved_ahead_by_hand(project: Project, database: ServerDatabase, head: str) -> dict[str, str]:
    env = written(project, database, CREATE, head)
    project.inv("db.downgrade", env=env)
    database.query("UPDATE alembic_version SET version_num = 'eeee00000002'")
    return env


@only_on("sqlite", "mysql", why=WHY)
def test_an_upgrade_and_the_start_up_guard_over_a_version_table_moved_ahead_by_hand_refuse(
    project: Project, database: ServerDatabase
) -> None:
    env = moved_ahead_by_hand(project, database, ADD_COLUMN)

    refused = project.inv("db.upgrade", code=9, env=env)
    raw = project.run("alembic", "upgrade", "head", env=env)
    check = project.inv("db.current", "--check", code=9, env=env)
    started = project.run("python", "-c", "import app; app.start_service()", env=env)

    line = one_error_line(refused.stderr)
    assert "the version table says the database is at eeee00000002" in line, line
    assert "the upgrade() of eeee00000002 never ran here" in line, line
    assert "`inv db.stamp -r eeee00000001`, then run `inv db.upgrade`" in line, line
    assert raw.returncode == 255, raw.stdout + raw.stderr
    assert "never ran here" in one_error_line(raw.stdout + raw.stderr, "FAILED: ")
    assert "never ran here" in one_error_line(check.stderr)
    # The service's guard reads it as `db.current --check` does, in its words.
    assert started.returncode == 1, started.stdout + started.stderr
    guard = started.stderr.strip().splitlines()[-1]
    assert guard == f"alembic_steward.DatabaseNotUpToDate: {one_error_line(check.stderr)[7:]}"
    assert "note" not in database.columns("customers")


@only_on("sqlite", "mysql", why=WHY)
def test_status_reads_a_data_only_head_moved_ahead_by_hand_and_the_stamp_mends_it(
    project: Project, database: ServerDatabase
) -> None:
    env = moved_ahead_by_hand(project, database, IN_CENTS)

    status = project.inv("db.status", code=9, env=env)
    verdict = status.stdout + status.stderr
    assert "never ran here" in verdict and "nothing was run" not in verdict, verdict
    project.inv("db.stamp", "-r", "eeee00000001", env=env)
    project.inv("db.upgrade", env=env)

    assert database.query("SELECT price FROM customers") == [(15000,)]
    project.inv("db.current", "--check", env=env)


@only_on("sqlite", why="the stamp's rows are written by the same SQL on every database")
def test_a_stamp_at_the_head_the_schema_holds_records_its_rows_and_the_upgrade_runs(
    project: Project, database: ServerDatabase
) -> None:
    env = moved_ahead_by_hand(project, database, EMPTY)

    project.inv("db.stamp", "-r", "eeee00000002", env=env)

    assert "No pending" not in project.inv("db.upgrade", env=env).stderr
    project.inv("db.current", "--check", env=env)


@only_on("sqlite", why="which rows are read is the same on every database")
@pytest.mark.parametrize("rows", ["no tables", "empty tables", "stamped by 0.1.0"])
def test_rows_older_than_the_bookkeeping_tables_raise_no_alarm(
    project: Project, database: ServerDatabase, rows: str
) -> None:
    env = written(project, database, CREATE)
    write_revision(project, "eeee00000002", "eeee00000001", ADD_COLUMN)
    database.query("ALTER TABLE customers ADD COLUMN note VARCHAR(20)")
    database.query("UPDATE alembic_version SET version_num = 'eeee00000002'")
    if rows == "no tables":
        for table in ROWS:
            database.query(f"DROP TABLE {table}")
    elif rows == "empty tables":
        for table in ROWS:
            database.query(f"DELETE FROM {table}")
    else:  # 0.1.0's stamp wrote a phase row, no checksum row
        database.query("INSERT INTO alembic_revision_phases VALUES ('eeee00000002', 'contract')")

    project.inv("db.upgrade", env=env)
    project.inv("db.current", "--check", env=env)


@only_on("sqlite", "mysql", why=WHY)
def test_status_after_a_stamp_back_over_revisions_that_change_no_schema_says_stamped_back(
    project: Project, database: ServerDatabase
) -> None:
    env = written(project, database, CREATE, IN_CENTS, EMPTY)
    stamped = project.run("alembic", "stamp", "eeee00000001", env=env)
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr

    status = project.inv("db.status", code=9, env=env)
    refused = project.inv("db.upgrade", code=9, env=env)

    verdict = status.stdout + status.stderr
    moved = "the stamp that recorded eeee00000001 left the version table behind them without"
    assert moved in verdict, verdict
    assert "`inv db.stamp -r eeee00000003`" in verdict, verdict
    assert "run `inv db.upgrade`" not in verdict, verdict
    # Status ran nothing: it says what an upgrade would do, not what this one did.
    assert "an upgrade would refuse to run them a second time" in verdict, verdict
    assert "nothing was run" not in verdict and "this upgrade" not in verdict, verdict
    assert "`inv db.status` compares" not in verdict, verdict  # it is the status
    line = one_error_line(refused.stderr)
    assert moved in line and "nothing was run" in line, line


def test_check_after_inv_stamp_back_over_a_data_only_revision_prints_no_empty_heading(
    project: Project, database: ServerDatabase
) -> None:
    # `inv db.check` printed "The database differs from what its revision builds:" with
    # nothing under it: the schema is what eeee00000001 builds, only the stamp moved back.
    env = written(project, database, CREATE, IN_CENTS)
    project.inv("db.stamp", "-r", "eeee00000001", env=env)

    check = project.inv("db.check", code=9, env=env)
    assert "differs from what its revision builds" not in check.stdout, check.stdout
    assert check.stdout == "", check.stdout
    line = one_error_line(check.stderr)
    moved = "the stamp that recorded eeee00000001 left the version table behind it without running"
    assert moved in line and "`inv db.stamp -r eeee00000002`" in line, line
