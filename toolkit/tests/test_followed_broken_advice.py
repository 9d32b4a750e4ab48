"""The "drop what fails" advice, followed word for word, runs and passes the baked tests.

On PostgreSQL a view that reads a broken function is broken too, and PostgreSQL refuses the
function's DROP while the view stands: the view is named and dropped first. The advised
revision's downgrade() cannot make the broken objects again as they were (MariaDB refuses a
view over a missing table): the advice says to raise IrreversibleMigration, which the baked
stairway accepts.
"""

from __future__ import annotations

import re

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import ADVISED, FIRST, SECOND, THIRD
from test_broken_routines import TABLES
from test_status_sides import inv

CODE = re.compile(r"`([^`]+)`")
# A function reading t by a SQL body (PostgreSQL does not tie it to t) and a view calling it.
COUNTING = [
    "CREATE FUNCTION count_t() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$",
    "CREATE VIEW v_stats AS SELECT count_t() AS n",
]
UNDO_COUNTING = '    op.execute("DROP VIEW v_stats")\n    op.execute("DROP FUNCTION count_t()")'
RENAME = '    op.rename_table("t", "t_renamed")'
# MariaDB: a view reading t.c6, which SECOND drops.
VIEW_C6 = ["CREATE VIEW v6 AS SELECT id, c6 FROM t"]
DROP_C6 = '    op.drop_column("t", "c6")'
ADD_C6 = '    op.add_column("t", sa.Column("c6", sa.Integer))'
# Each case: what FIRST makes and its downgrade, what SECOND runs and its downgrade.
CASES = {
    "postgresql": (COUNTING, UNDO_COUNTING, RENAME, '    op.rename_table("t_renamed", "t")'),
    "mysql": (VIEW_C6, '    op.execute("DROP VIEW v6")', DROP_C6, ADD_C6),
}
STAIRWAY = (
    "upgrades_downgrades_and_upgrades_again or restores_the_schema or plain_upgrade or from_base"
)


def write_breaking_history(project: Project, database: ServerDatabase) -> None:
    """FIRST makes t and what reads it, SECOND breaks that; both with working downgrades."""
    made, unmade, breaking, unbreaking = CASES[database.kind]
    body = "\n".join(f"    op.execute({statement!r})" for statement in made)
    downgrade = f'{unmade}\n    op.drop_table("t")'
    source = revision_source(FIRST, None, f"{TABLES}\n{body}", downgrade)
    project.write_revision(f"{FIRST}_t.py", source)
    project.write_revision(
        f"{SECOND}_break.py", revision_source(SECOND, FIRST, breaking, unbreaking)
    )


def broken_by_an_upgrade(project: Project, database: ServerDatabase) -> str:
    """The warning of the upgrade that runs SECOND over FIRST's objects."""
    write_breaking_history(project, database)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    return warning


def write_advised(project: Project, database: ServerDatabase, advice: str) -> None:
    """THIRD as ``advice`` says, its upgrade() the statements, its downgrade() the code, run."""
    statements = ADVISED.findall(advice)
    assert statements, advice
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    snippets = CODE.findall(advice)
    imports = [code for code in snippets if code.startswith("from alembic_steward import")]
    raises = [code for code in snippets if code.startswith("raise ")]
    downgrade = f"    {raises[0]}" if raises else "    pass"
    source = revision_source(THIRD, SECOND, body, downgrade, imports=imports[0] if imports else "")
    project.write_revision(f"{THIRD}_fix.py", source)
    fixed = inv(project, database, "db.upgrade")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


@only_on("postgresql", why="only PostgreSQL refuses a function's drop while a view calls it")
def test_a_view_calling_a_broken_function_is_named_and_dropped_before_it(
    project: Project, database: ServerDatabase
) -> None:
    warning = broken_by_an_upgrade(project, database)
    assert "view v_stats" in warning, warning
    assert ADVISED.findall(warning) == [
        "DROP VIEW IF EXISTS v_stats",
        "DROP FUNCTION IF EXISTS count_t()",
    ], warning

    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert any("view v_stats" in line for line in broken), status.stdout
    assert any("function count_t() names table t" in line for line in broken), status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert ADVISED.findall(verdict) == ADVISED.findall(warning), verdict

    write_advised(project, database, warning)
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout
    assert "broken:" not in after.stdout, after.stdout


@only_on("postgresql", "mysql", why="SQLite refuses the drop that would break them")
def test_the_advised_drop_what_fails_revision_passes_the_baked_stairway(
    project: Project, database: ServerDatabase
) -> None:
    warning = broken_by_an_upgrade(project, database)

    write_advised(project, database, warning)
    env = {"DATABASE_URL": database.url}
    tests = project.run("pytest", "-q", "-p", "no:cacheprovider", "-k", STAIRWAY, env=env)
    assert tests.returncode == 0, tests.stdout + tests.stderr


@only_on("postgresql", why="only PostgreSQL refuses a function's drop while a view calls it")
def test_one_upgrade_that_makes_and_renames_away_what_a_function_reads_names_both(
    project: Project, database: ServerDatabase
) -> None:
    write_breaking_history(project, database)
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    warnings = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, upgrade.stderr
    assert ADVISED.findall(warnings[0]) == [
        "DROP VIEW IF EXISTS v_stats",
        "DROP FUNCTION IF EXISTS count_t()",
    ], warnings[0]
