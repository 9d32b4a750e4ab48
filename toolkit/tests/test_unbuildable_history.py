"""A history that cannot build an empty database is never reported clean by check or status.

Stamped at head with a revision that fails on an empty database, the live database matched the
models, and `db.check` said "No changes" (exit 0) and `db.status` "up to date": the one hint
was a note that the comparison with what the migrations build was never made.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

BROKEN = '    op.execute("INSERT INTO nope VALUES (1)")'
NOT_COMPARED = 1
# The scratch database starts empty, but the revisions write rows into it as they build it.
REASON = "the migrations fail on a scratch database built from the revisions"


# Each database and each side of the models once: whether they match changes only which line
# the same Python prints; the build that fails is the dialect's.
@pytest.mark.parametrize(
    ("database", "models"),
    [("sqlite", "matching"), ("postgresql", "drifted"), ("mysql", "matching")],
    indirect=["database"],
    ids=["sqlite-matching", "postgresql-drifted", "mysql-matching"],
)
def test_a_history_that_fails_on_an_empty_database_fails_check_and_is_named_by_status(
    project: Project, database: ServerDatabase, models: str
) -> None:
    project.write_revision("r1_broken.py", revision_source("r1", None, BROKEN, message="broken"))
    env = {"DATABASE_URL": database.url}
    project.inv("db.stamp", "-r", "head", env=env)
    if models == "drifted":
        project.add_user_model()

    check = project.run("inv", "db.check", env=env)
    assert check.returncode == NOT_COMPARED, check.stdout + check.stderr
    assert "No changes" not in check.stdout + check.stderr
    line = one_error_line(check.stderr)
    assert REASON in line, line
    assert "inv db.revision" not in line, line  # its verification would fail the same way

    status = project.run("inv", "db.status", env=env)
    assert status.returncode == NOT_COMPARED, status.stdout + status.stderr
    assert "up to date" not in status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert verdict.startswith("status:  ") and REASON in verdict, status.stdout
    # Its verdict is that nothing was compared: no advice assumes the database is the build.
    assert "assumes" not in status.stdout, status.stdout


@only_on("sqlite", why="the wording is shared code; the failure is the driver's on any database")
def test_a_build_failing_on_rows_an_earlier_revision_wrote_is_not_said_to_fail_empty(
    project: Project, database: ServerDatabase
) -> None:
    # r2's build failed on the row r1 inserts, and status said the migrations "fail on an
    # empty scratch database": the scratch database held r1's row.
    create = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
    insert = '    op.execute("INSERT INTO t (id) VALUES (1)")'
    project.write_revision("r1_rows.py", revision_source("r1", None, f"{create}\n{insert}"))
    project.write_revision("r2_again.py", revision_source("r2", "r1", insert))
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", "r1", env=env)
    project.inv("db.stamp", "-r", "r2", env=env)

    status = project.run("inv", "db.status", env=env)
    said = status.stdout + status.stderr
    assert status.returncode == NOT_COMPARED, said
    assert REASON in said and "IntegrityError" in said and "empty" not in said, said


def test_a_revision_is_not_written_where_the_history_fails_on_an_empty_database(
    project: Project, database: ServerDatabase
) -> None:
    # It was written, with a note that it "will not be checked", and exit 0.
    project.write_revision("r1_broken.py", revision_source("r1", None, BROKEN, message="broken"))
    env = {"DATABASE_URL": database.url}
    project.inv("db.stamp", "-r", "head", env=env)
    project.add_user_model()
    before = set(project.versions.iterdir())
    written = project.run("inv", "db.revision", "-m", "users", env=env)
    assert written.returncode == 1, written.stdout + written.stderr
    line = one_error_line(written.stderr)
    assert REASON in line and line.endswith("nothing was written"), line
    assert set(project.versions.iterdir()) == before


def test_a_build_stopped_by_a_lock_is_no_failing_history() -> None:
    # Under load a scratch build hit another session's lock, and check said the history
    # cannot build a new database: fix the revision.
    import psycopg
    from sqlalchemy.exc import OperationalError

    from alembic_steward.inspection._unbuilt_revisions import unbuilt

    refused = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    sides = unbuilt(OperationalError("ALTER TABLE t ADD COLUMN c int", {}, refused))
    assert sides.build_stopped and not sides.history_fails
    assert sides.not_compared_advice.endswith("; run `inv db.check` again")
    assert "LockNotAvailable" in (sides.skipped or "")


def test_a_tenant_whose_history_fails_on_an_empty_database_is_not_compared(
    tmp_path, postgresql_url: str
) -> None:
    # A check over tenants read each the same way: "no drift".
    from test_tenants import pg_query, report, schema_project

    project = schema_project(tmp_path, postgresql_url, ["u1"])
    project.inv("db.upgrade", "--all-tenants")
    broken = BROKEN.replace("nope", "nope_u1")
    project.write_revision("0004_broken.py", revision_source("0004", "0003", broken))
    pg_query(postgresql_url, "UPDATE u1.alembic_version SET version_num = '0004'")
    # Its row, as a stamp writes it: without, 0004 never ran here (runtime/_unran_heads.py).
    pg_query(postgresql_url, "INSERT INTO u1.alembic_revision_phases VALUES ('0004', 'expand')")
    checked = project.inv("db.check", "--all-tenants", "--json", code=76)
    row = report(checked)["u1"]
    assert row["outcome"] == "not compared", row
    assert REASON in row["detail"] and row["exit_code"] == NOT_COMPARED, row
