"""A stamp back keeps the checksum rows of the revisions it moves over that ran, with or without
`--accept-differences`, and says so alike; status agrees, and the way the warning names first
(the stamp forward again) runs no data step a second time. With the option the rows went, the
warning said nothing of them, and status advised `inv db.upgrade`, which inserted the rows again
(or said the schema's objects were made outside a migration run)."""

from __future__ import annotations

import re

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import NOTE_INSERT, NOTES_TABLE, table_and_insert_applied, write_revision

R1, R2 = "abcd00000001", "abcd00000002"
ADVISED = re.compile(r"`(inv [^`]+)`")


def checksum_rows(database: ServerDatabase) -> set[str]:
    return {row[0] for row in database.query("SELECT revision FROM alembic_revision_checksums")}


def stamped_back_both_ways(
    project: Project, database: ServerDatabase, env: dict[str, str]
) -> tuple[str, str]:
    """Stamp back to R1 without the option, forward to R2 as its warning says, then back with
    it; check both left the same rows and status the same line; the accepting stamp's warning
    and status's last line."""
    plain = project.inv("db.stamp", "-r", R1, env=env)
    plain_rows = checksum_rows(database)
    plain_status = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    project.inv("db.stamp", "-r", R2, env=env)

    accepted = project.inv("db.stamp", "-r", R1, "--accept-differences", env=env)

    assert checksum_rows(database) == plain_rows, plain_rows
    assert R2 in plain_rows, plain_rows
    warning = one_error_line(accepted.stdout + accepted.stderr, "warning: ")
    kept = f"the checksum row of {R2}, recorded as applied here, was kept"
    assert kept in warning and kept in one_error_line(plain.stdout + plain.stderr, "warning: ")
    status = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert status == plain_status, (status, plain_status)
    assert "db.upgrade" not in status and "outside a migration run, by hand" not in status, status
    return warning, status


def follow(project: Project, advice: str, env: dict[str, str]) -> None:
    """Run, as typed, the first command ``advice`` names, then the upgrade."""
    command = ADVISED.search(advice)
    assert command is not None, advice
    project.inv(*command.group(1).split()[1:], env=env)
    project.inv("db.upgrade", env=env)


@only_on("sqlite", "postgresql", "mysql", why="scratch builds compared with a live database")
def test_a_stamp_back_accepting_differences_over_a_data_step_keeps_its_row(
    project: Project, database: ServerDatabase
) -> None:
    env = table_and_insert_applied(project, database.url, R1, R2)

    warning, _ = stamped_back_both_ways(project, database, env)

    assert f"record it as applied again with `inv db.stamp -r {R2}`" in warning, warning
    follow(project, warning, env)
    assert database.query("SELECT note FROM t") == [("r2",)]
    assert database.revisions() == {R2}


@only_on("sqlite", "postgresql", "mysql", why="scratch builds compared with a live database")
def test_a_stamp_back_accepting_differences_over_schema_and_data_keeps_its_row(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, NOTES_TABLE)
    add_column = '    op.add_column("t", sa.Column("x", sa.Integer))'
    write_revision(project, R2, R1, f"{add_column}\n{NOTE_INSERT}")
    project.inv("db.upgrade", env=env)

    warning, status = stamped_back_both_ways(project, database, env)

    assert "recorded as asked, and still counted" in warning, warning
    assert f"record that with `inv db.stamp -r {R2}`" in status, status
    follow(project, status, env)
    assert database.query("SELECT note FROM t") == [("r2",)]
    assert database.revisions() == {R2}
