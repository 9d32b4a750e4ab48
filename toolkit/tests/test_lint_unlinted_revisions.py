"""`inv db.lint` lints what runs offline and names each revision that does not.

A revision that reads from the connection or reflects a table cannot run offline. The lint
keeps what it recorded up to that line, names the revision in one line, and goes on with the
revisions after it, on every branch, as if it were applied. It then exits non-zero even when
nothing else was found, so CI cannot pass a revision nobody linted.
"""

from __future__ import annotations

import pytest
from lint_cases import BASE_UPGRADE, line_of, lint_in_process, write_revision
from project import Project
from servers import DATABASE_KINDS

READS_ROWS = '    teams = op.get_bind().execute(sa.text("SELECT id FROM teams")).fetchall()'
REFLECTS = '    users = sa.Table("users", sa.MetaData(), autoload_with=op.get_bind())'
DROP_EMAIL = '    op.drop_column("users", "email")'
DROP_TEAMS = '    op.drop_table("teams")'
ADD_NICK = '    op.add_column("users", sa.Column("nick", sa.String(20), nullable=True))'
DROP_NICK = '    op.drop_column("users", "nick")'


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_revisions_after_one_that_cannot_run_offline_are_still_linted(
    project: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # l0 -> a1 (reads rows) -> a2 (drops a column)
    #    -> b1 (reflects a table, after dropping one)  -> m (merges a2 and b1) -> c1
    write_revision(project, "l0", None, BASE_UPGRADE)
    a1 = write_revision(project, "a1", "l0", READS_ROWS + "\n" + ADD_NICK, DROP_NICK)
    a2 = write_revision(project, "a2", "a1", DROP_EMAIL)
    b1 = write_revision(project, "b1", "l0", DROP_TEAMS + "\n" + REFLECTS)
    write_revision(project, "m", ("a2", "b1"), "    pass", "    pass")
    c1 = write_revision(project, "c1", "m", DROP_NICK)

    linted = lint_in_process(project, kind, capsys)

    assert linted.code == 1, linted
    stopped = sorted(line for line in linted.stdout.splitlines() if ": not linted: " in line)
    assert len(stopped) == 2, linted.stdout
    for line, path, failed, revision, reason in [
        (stopped[0], a1, READS_ROWS, "a1", "AttributeError: 'NoneType' object has no attribute"),
        (stopped[1], b1, REFLECTS, "b1", "NoInspectionAvailable: No inspection system"),
    ]:
        assert line.startswith(
            f"{path.as_posix()}:{line_of(project, path, failed)}: not linted: revision"
            f" {revision} stopped here when run offline ({reason}"
        ), line
        assert line.endswith(
            "); code that needs a live database belongs under `if not op.get_context().as_sql:`"
        ), line
    # Below the failed lines, after them, and on both branches past the merge: all linted.
    assert f"{b1.as_posix()}:{line_of(project, b1, DROP_TEAMS)}: ban-drop-table\n" in linted.stdout
    assert f"{a2.as_posix()}:{line_of(project, a2, DROP_EMAIL)}: ban-drop-column\n" in linted.stdout
    assert f"{c1.as_posix()}:{line_of(project, c1, DROP_NICK)}: ban-drop-column\n" in linted.stdout
    assert "in 6 revision(s) linted; 2 of them could not be linted to their end" in linted.error


def test_a_revision_not_linted_fails_the_lint_with_a_code_of_its_own(project: Project) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", REFLECTS)
    write_revision(project, "l2", "l1", ADD_NICK, DROP_NICK)

    completed = project.inv("db.lint", "--all", code=2)

    assert completed.stderr.splitlines()[-1] == (
        "error: no findings in 3 revision(s), but 1 of them could not be linted to their end"
        " (listed above, each with what to do)"
    )
    assert completed.stdout.startswith("app/migrations/versions/l1.py:13: not linted: revision l1")
    # One revision selected alone is run alone, from its parents: the same line.
    alone = project.inv("db.lint", "-r", "l1", code=2)
    assert alone.stdout == completed.stdout
    assert "no findings in 1 revision(s), but 1 of them" in alone.stderr
    assert "No findings in 1 revision(s)." in project.inv("db.lint", "-r", "l2").stdout
