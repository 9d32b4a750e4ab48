"""A view (or a PostgreSQL function or procedure) a revision made over a table a later
revision dropped, dropped by hand as the upgrade's warning advised against: status reads the
database as lacking only what its revisions build broken and advises the revision that drops
it, never a stamp back (which builds it broken again) nor a restoring statement."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import FIRST, SECOND, run_advised
from test_broken_routines import TABLES
from test_status_sides import inv

# The revision before FIRST, making t: what the database holds once the object is dropped by
# hand, so an earlier revision's build matches it (read as "stamped ahead" before).
ZERO = "bbbc00000000"
AUDIT = '    op.create_table("audit_tmp", sa.Column("who", sa.Integer))'
DROP_AUDIT = '    op.drop_table("audit_tmp")'
VIEW = "CREATE VIEW v_audit_who AS SELECT who FROM audit_tmp"
ROUTINES = {
    "function": (
        "CREATE FUNCTION import_total() RETURNS integer LANGUAGE plpgsql AS"
        " $$ BEGIN RETURN (SELECT count(*) FROM audit_tmp); END $$",
        "DROP FUNCTION import_total()",
        "function import_total()",
    ),
    "procedure": (
        "CREATE PROCEDURE import_all() LANGUAGE plpgsql AS"
        " $$ BEGIN INSERT INTO audit_tmp VALUES (1); END $$",
        "DROP PROCEDURE import_all()",
        "procedure import_all()",
    ),
}


def hand_dropped_verdict(project: Project, database: ServerDatabase, made: str, drop: str) -> str:
    """Status's last line once FIRST made t, audit_tmp and ``made``, SECOND dropped audit_tmp
    (the upgrade warning), and ``drop`` ran by hand; exit 9, no stamp advised."""
    write_history(project, made)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert made.split()[2].split("(")[0] in warning, warning
    database.query(drop)
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict and "stamped ahead" not in verdict, verdict
    assert "CREATE " not in verdict, verdict
    check = inv(project, database, "db.check")  # says the same, with the same exit code
    assert check.returncode == 9, check.stdout + check.stderr
    assert "db.stamp" not in check.stderr, check.stderr
    assert "it lacks only what its revisions build broken" in check.stderr, check.stderr
    return verdict


def write_history(project: Project, made: str) -> None:
    """ZERO makes t; FIRST makes audit_tmp and runs ``made``; SECOND drops audit_tmp."""
    project.write_revision(f"{ZERO}_t.py", revision_source(ZERO, None, TABLES))
    body = f"{AUDIT}\n    op.execute({made!r})"
    project.write_revision(f"{FIRST}_audit.py", revision_source(FIRST, ZERO, body))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_AUDIT))


@only_on("sqlite", "mysql", why="PostgreSQL refuses to drop a table a view reads")
def test_a_hand_drop_of_a_revision_s_view_over_a_dropped_table_advises_no_stamp(
    project: Project, database: ServerDatabase
) -> None:
    verdict = hand_dropped_verdict(project, database, VIEW, "DROP VIEW v_audit_who")
    assert "it lacks only what its revisions build broken (view v_audit_who" in verdict, verdict
    run_advised(project, database, verdict)


@only_on("postgresql", why="only PostgreSQL keeps a routine naming a dropped table unread")
@pytest.mark.parametrize("kind", ["function", "procedure"])
def test_a_hand_drop_of_a_revision_s_routine_over_a_dropped_table_advises_no_stamp(
    project: Project, database: ServerDatabase, kind: str
) -> None:
    made, drop, subject = ROUTINES[kind]
    verdict = hand_dropped_verdict(project, database, made, drop)
    assert f"it lacks only what its revisions build broken ({subject}" in verdict, verdict
    run_advised(project, database, verdict)


@only_on("postgresql", why="only PostgreSQL's status writes a routine's CREATE OR REPLACE")
def test_a_routine_its_revisions_build_broken_is_never_advised_restored(
    project: Project, database: ServerDatabase
) -> None:
    made, drop, _subject = ROUTINES["function"]
    write_history(project, made)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(drop)
    database.query("ALTER TABLE t ADD COLUMN c9 integer")  # an unrelated hand change
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    assert "CREATE OR REPLACE FUNCTION import_total" not in status.stdout, status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict, verdict
