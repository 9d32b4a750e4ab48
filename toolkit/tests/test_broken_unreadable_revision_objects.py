"""Objects a revision made that a later revision breaks stay the revisions' own, however the
database shows them: on MariaDB a view whose column is gone cannot be read back at all, and on
PostgreSQL a broken trigger function fixed by hand is read from the database, never advised
back to the body its revision wrote."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import FIRST, SECOND, run_advised
from test_broken_routines import TABLES
from test_status_sides import inv

DROP_C6 = '    op.drop_column("t", "c6")'
# Each names t.c6, which SECOND drops: the view can no longer be read, the procedure fails.
MADE = ["CREATE VIEW v6 AS SELECT id, c6 FROM t", "CREATE PROCEDURE p6() SELECT c6 FROM t"]


@only_on("mysql", why="PostgreSQL and SQLite refuse a drop a view names")
def test_a_revision_s_view_a_later_drop_makes_unreadable_is_the_revisions_not_made_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    made = "\n".join(f"    op.execute({statement!r})" for statement in MADE)
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{made}"))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_C6))
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "view v6" in warning and "procedure p6" in warning, warning
    assert f"the revisions made them (revision {FIRST})" in warning, warning
    assert "made by hand" not in warning, warning

    status = inv(project, database, "db.status")
    assert status.returncode == 3, status.stdout + status.stderr  # the models lack t: only that
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert len(broken) == 2 and any("view v6" in line for line in broken), status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert f"the revisions made them (revision {FIRST})" in verdict, verdict
    assert 'op.execute("DROP VIEW IF EXISTS v6")' in verdict, verdict
    assert "made by hand" not in verdict and "`DROP VIEW v6`" not in verdict, verdict
    check = inv(project, database, "db.check")
    assert check.returncode == 3, check.stdout + check.stderr
    assert f"the revisions made them (revision {FIRST})" in check.stdout, check.stdout
    assert "made by hand" not in check.stdout, check.stdout

    run_advised(project, database, verdict)


def test_a_view_made_with_its_algorithm_definer_or_security_is_read_as_made() -> None:
    from alembic_steward.inspection._broken_advice import made_by_revisions
    from alembic_steward.inspection._broken_routines import Broken

    upgrades = {
        "r1": "op.execute('CREATE ALGORITHM=MERGE DEFINER=`u`@`%` SQL SECURITY INVOKER VIEW v1"
        " AS SELECT c6 FROM t')",
        "r2": "op.execute('CREATE OR REPLACE SQL SECURITY DEFINER VIEW `v2` AS SELECT 1')",
        "r3": "op.execute('CREATE OR REPLACE TEMPORARY RECURSIVE VIEW v3 (n) AS SELECT 1')",
    }
    broken = [
        Broken(f"view {name} can no longer be read (x)", "", (), ("view", None, "", name))
        for name in ("v1", "v2", "v3", "v4")
    ]
    made = made_by_revisions(broken, upgrades)
    assert {line.split()[1]: makers for line, makers in made.items()} == {
        "v1": ["r1"],
        "v2": ["r2"],
        "v3": ["r3"],
    }
