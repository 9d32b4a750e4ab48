"""An upgrade() that fails on the database's error is tried on a scratch database built at its
parent, as a failed downgrade() is (runtime/_downgrade_trials.py): failing there too, its own
code is wrong, and the line says to fix it at file:line, never to undo what it left and migrate
again, which fails the same way (t49 S6)."""

from __future__ import annotations

from migration_faults import CREATE_ITEMS, DROP_ITEMS
from project import Project
from servers import ServerDatabase, only_on
from test_stopped_downgrade_lines import error_lines, write_history

# Makes a table, then alters one no revision makes: every database refuses the second
# statement, on a fresh build too (MariaDB has committed the first by then).
CREATES_Y1_THEN_A_TYPO = (
    '    op.execute("CREATE TABLE y1 (id int primary key)")\n'
    '    op.execute("ALTER TABLE nosuch ADD COLUMN z int")'
)
DROPS_Y1 = '    op.execute("DROP TABLE y1")'


def at_r1(project: Project, database: ServerDatabase) -> dict[str, str]:
    """Upgrade to r1 (making items); the commands' environment."""
    write_history(project, ("r1", None, CREATE_ITEMS, DROP_ITEMS))
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    return env


FIX_IT = "so its own code is wrong, not this database: fix it at"


@only_on("mysql", why="only MySQL/MariaDB leave a failed upgrade() half-applied")
def test_a_half_applied_upgrade_whose_own_statement_fails_says_to_fix_it_at_its_line(
    project: Project, database: ServerDatabase
) -> None:
    env = at_r1(project, database)
    write_history(project, ("r2", "r1", CREATES_Y1_THEN_A_TYPO, DROPS_Y1))
    for target in ([], ["-r", "r2"]):
        failed = error_lines(project.inv("db.upgrade", *target, code=1, env=env).stderr)
        assert "r2 is half-applied" in failed and "unexpected table y1" in failed, failed
        assert "r2's upgrade() fails the same way on a scratch database built at r1" in failed
        assert FIX_IT in failed and "r2.py:" in failed.rpartition("fix it at")[2], failed
        # Said before the ways on, not after "migrate again".
        assert failed.index(FIX_IT) < failed.index("migrate again"), failed
        status = project.inv("db.status", code=7, env=env).stdout
        verdict = next(line for line in status.splitlines() if line.startswith("status:"))
        assert "half-applied" in verdict and FIX_IT in verdict, verdict
        cleared = project.run("inv", "db.clear-migration-mark", env=env)
        assert cleared.returncode != 0 and FIX_IT in cleared.stderr, cleared.stderr
        database.query("DROP TABLE y1")
        project.inv("db.clear-migration-mark", env=env)
    # Fixed at its line, it runs.
    write_history(
        project,
        ("r2", "r1", '    op.execute("CREATE TABLE y1 (id int primary key)")', DROPS_Y1),
    )
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"r2"}


@only_on("postgresql", "sqlite", why="their DDL is rolled back")
def test_a_rolled_back_upgrade_over_an_earlier_leftover_says_to_fix_its_code_first(
    project: Project, database: ServerDatabase
) -> None:
    """Rolled back, but what an earlier run left is there: "undo it, then migrate again"
    alone would loop when the revision's own code fails on a fresh build too."""
    env = at_r1(project, database)
    database.query("CREATE TABLE stray (id int primary key)")
    write_history(project, ("r2", "r1", CREATES_Y1_THEN_A_TYPO, DROPS_Y1))
    failed = error_lines(project.inv("db.upgrade", code=1, env=env).stderr)
    assert "rolled back, but" in failed and "unexpected table stray" in failed, failed
    assert "r2's upgrade() fails the same way on a scratch database built at r1" in failed
    assert FIX_IT in failed, failed


@only_on("postgresql", "sqlite", why="their DDL is rolled back")
def test_a_plain_rolled_back_upgrade_is_not_tried(
    project: Project, database: ServerDatabase
) -> None:
    """Nothing to undo, no advice to migrate again: no scratch trial (status tells)."""
    env = at_r1(project, database)
    write_history(project, ("r2", "r1", CREATES_Y1_THEN_A_TYPO, DROPS_Y1))
    failed = error_lines(project.inv("db.upgrade", code=1, env=env).stderr)
    assert failed.splitlines()[-1] == "error: rolled back; the database is still at r1", failed
