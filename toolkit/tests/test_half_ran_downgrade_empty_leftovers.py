"""MySQL/MariaDB: a downgrade that reverted revisions with an empty downgrade() (r7 a column,
r6 an UPDATE) before one whose downgrade() sent DDL and raised (r5) names what the empty ones
left as theirs, and a stamp that records the step finished by hand keeps that knowledge: the
column is a difference, and r6's work is still here (t44 MINOR: MariaDB)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on

R4, R5, R6, R7 = "cdcd00000004", "cdcd00000005", "cdcd00000006", "cdcd00000007"
REVISIONS = {
    R4: (
        None,
        '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("note", sa.String(20)))\n'
        "    op.execute(\"INSERT INTO t (id, note) VALUES (1, 'a')\")",
        '    op.drop_table("t")',
    ),
    R5: (
        R4,
        '    op.add_column("t", sa.Column("extra2", sa.Integer))',
        '    op.drop_column("t", "extra2")\n    raise RuntimeError("stopped half way")',
    ),
    R6: (R5, "    op.execute(\"UPDATE t SET note = 'r6'\")", "    pass"),
    R7: (R6, '    op.add_column("t", sa.Column("x7", sa.Integer))', "    pass"),
}


def downgraded(project: Project, database: ServerDatabase) -> tuple[dict, str]:
    env = {"DATABASE_URL": database.url}
    for revision, (parent, upgrade, downgrade) in REVISIONS.items():
        source = revision_source(revision, parent, upgrade, downgrade)
        project.write_revision(f"{revision}_empty.py", source)
    project.inv("db.upgrade", env=env)
    failed = project.inv("db.downgrade", "-r", R4, code=1, env=env)
    return env, failed.stderr


@only_on("mysql", why="only MySQL/MariaDB leave a downgrade half-ran")
def test_what_empty_downgrades_left_is_traced_and_kept_past_the_stamp(
    project: Project, database: ServerDatabase
) -> None:
    env, failed = downgraded(project, database)
    line = failed.strip().splitlines()[-1]
    assert f"{R5}'s downgrade() half ran" in line, line
    assert f"unexpected column t.x7, which the empty downgrade() of revision {R7} left" in line, (
        line
    )
    # While the mark stands, status says what the empty downgrade()s left stays.
    status = project.inv("db.status", code=7, env=env).stdout
    assert f"the run had reverted {R7} and {R6}, whose downgrade()s are empty" in status, status
    # Finished by hand (r5's downgrade had dropped extra2 already), the stamp its line advises.
    stamped = project.inv("db.stamp", "-r", R4, env=env).stdout
    assert f"Stamped the database at {R4}." in stamped, stamped
    assert f"warning: the database still differs from what {R4} builds by" in stamped, stamped
    assert f"unexpected column t.x7, which the empty downgrade() of revision {R7} left" in stamped
    # Its advice: undo x7 by hand; status then still names r6's empty downgrade() before the
    # upgrade that would run its UPDATE again.
    database.query("ALTER TABLE t DROP COLUMN x7")
    status = project.inv("db.status", code=2, env=env).stdout
    assert f"the downgrade()s of {R6} and {R7} are empty" in status, status
