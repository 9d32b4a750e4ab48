"""A stamp ahead after a downgrade past a data-only revision: the stamp's warning, status and the
upgrade's refusal advise the same stamp (the schema revision the downgrade left), and no line
claims checksum rows kept that the stamp dropped.

A a table with a row, B a column (A, B build different schemas), D data only (an UPDATE), F a
column.
"""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import DATABASE_KINDS, ServerDatabase

A, B, D, F = "aaaa0000000a", "aaaa0000000b", "aaaa0000000d", "aaaa0000000f"
REVISIONS = {
    A: (
        None,
        '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("INSERT INTO t (id) VALUES (1)")',
        '    op.drop_table("t")',
    ),
    B: (A, '    op.add_column("t", sa.Column("c", sa.Integer))', '    op.drop_column("t", "c")'),
    D: (B, '    op.execute("UPDATE t SET c = 1")', '    op.execute("UPDATE t SET c = NULL")'),
    F: (D, '    op.add_column("t", sa.Column("f", sa.Integer))', '    op.drop_column("t", "f")'),
}


@pytest.mark.parametrize("database", DATABASE_KINDS, indirect=True)
def test_a_stamp_ahead_after_a_downgrade_is_undone_by_the_stamp_every_line_names(
    project: Project, database: ServerDatabase
) -> None:
    for revision, (down, upgrade, downgrade) in REVISIONS.items():
        project.write_revision(
            f"{revision}.py", revision_source(revision, down, upgrade, downgrade)
        )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", "-r", B, env=env)
    warned = project.inv("db.stamp", "-r", "head", env=env).stdout
    assert f"`inv db.stamp -r {B}`" in warned, warned

    advice = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]

    assert f"`inv db.stamp -r {B}`" in advice, advice
    assert f"`inv db.stamp -r {D}`" not in advice, advice
    stamped = project.inv("db.stamp", "-r", B, env=env)
    said = stamped.stdout + stamped.stderr
    assert "kept" not in said, said
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {F}
    assert database.query("SELECT c FROM t") == [(1,)]
    project.inv("db.current", "--check", env=env)
