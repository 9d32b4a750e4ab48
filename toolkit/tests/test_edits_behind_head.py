"""An applied revision edited to build more, with a pending revision that needs what it adds.

The edit never ran here (an applied revision does not run again), so the upgrade would fail:
`db.status` and `db.check` put the edit first (exit 8, as at head) with the two ways on, and a
failed upgrade's state line names the edit, not "an earlier run or a hand", as the cause,
even where the database happens to equal an earlier revision's build; after a stamp back over
the edit, status reads the refusal the upgrade reads.
"""

from __future__ import annotations

import subprocess

import sqlalchemy as sa
from project import Project, commit_everything, git, one_error_line, revision_source
from servers import ServerDatabase

EDITED_REVISION = 8
PENDING = 2
CREATE_T = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
CREATE_U = '    op.create_table("u", sa.Column("id", sa.Integer, primary_key=True))'
FILL_U = '    op.execute("INSERT INTO u (id) VALUES (1)")'
EDIT_CAUSE = "what the edit of applied revision(s) r1 builds, which never ran here"
HAND_CAUSE = "left by an earlier run or by hand"


def edited_after_it_ran(project: Project, env: dict[str, str], *, committed: bool = True) -> None:
    """r1 (table t) applied, then edited to create u too; r2, pending, fills u."""
    r1 = project.write_revision("r1_t.py", revision_source("r1", None, CREATE_T))
    project.inv("db.upgrade", env=env)
    if committed:
        commit_everything(project, "t")
    r1.write_text(revision_source("r1", None, CREATE_T + "\n" + CREATE_U))
    project.write_revision("r2_fill_u.py", revision_source("r2", "r1", FILL_U))


def status_line(completed: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("status:")]
    return line


def state_line(stderr: str) -> str:
    """The failed run's second line: where it left the database."""
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 2, stderr
    return lines[1]


def test_status_puts_an_unrun_edit_before_the_pending_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    edited_after_it_ran(project, env)

    line = status_line(project.inv("db.status", code=EDITED_REVISION, env=env))
    assert "pending migrations: run" not in line, line
    assert "what the edit builds never ran on this database: missing table u" in line, line
    assert "apply that change by hand, then run `inv db.accept-edit -r r1`" in line, line
    assert "make the change in a new revision" in line, line
    check = one_error_line(project.inv("db.check", code=EDITED_REVISION, env=env).stderr)
    assert check == f"error: {line.removeprefix('status:').strip()}", check

    # The first way on, followed: the change by hand, the edit accepted, then the upgrade.
    engine = sa.create_engine(database.url)
    try:
        # Named as the service's naming convention names what op.create_table() makes.
        key = sa.PrimaryKeyConstraint("id", name="pk_u")
        table = sa.Table("u", sa.MetaData(), sa.Column("id", sa.Integer), key)
        table.create(engine)
    finally:
        engine.dispose()
    project.inv("db.accept-edit", "-r", "r1", env=env)
    assert "pending migrations: run `inv db.upgrade`" in status_line(
        project.inv("db.status", code=PENDING, env=env)
    )
    project.inv("db.upgrade", env=env)


def test_a_failed_upgrade_names_the_unrun_edit_as_its_cause(
    project: Project, database: ServerDatabase
) -> None:
    # MariaDB's differs: its DDL commits, so its line is "r2 had changed nothing".
    env = {"DATABASE_URL": database.url}
    edited_after_it_ran(project, env)

    line = state_line(project.inv("db.upgrade", code=1, env=env).stderr)
    assert f"missing table u ({EDIT_CAUSE}" in line, line
    assert HAND_CAUSE not in line and "undo those by hand" not in line, line
    assert "then run `inv db.accept-edit -r r1`" in line, line
    assert project.run("inv", "db.status", env=env).returncode == EDITED_REVISION


def test_the_restored_file_and_a_new_revision_let_the_upgrade_run(project: Project) -> None:
    # SQLite alone: which text ran is read from git alike on every database.
    edited_after_it_ran(project, {})
    project.inv("db.status", code=EDITED_REVISION)

    # The second way on: r1 as it ran, its edit in r1b, r2 on top of that.
    git(project, "checkout", "--", "app/migrations/versions/r1_t.py")
    project.write_revision("r1b_u.py", revision_source("r1b", "r1", CREATE_U))
    project.write_revision("r2_fill_u.py", revision_source("r2", "r1b", FILL_U))
    project.inv("db.status", code=PENDING)
    project.inv("db.upgrade")


def test_without_git_the_edit_is_named_as_the_likely_cause(project: Project) -> None:
    edited_after_it_ran(project, {}, committed=False)

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert "missing table u" in line and "inv db.accept-edit -r r1" in line, line
    failed = state_line(project.inv("db.upgrade", code=1).stderr)
    assert EDIT_CAUSE in failed, failed


def test_a_difference_the_edit_did_not_make_is_not_blamed_on_it(project: Project) -> None:
    # SQLite alone, as the two above: telling an edit from a hand change reads git and files.
    r1 = project.write_revision("r1_t.py", revision_source("r1", None, CREATE_T))
    project.inv("db.upgrade")
    commit_everything(project, "t")
    # Edited, but not where t is made; t then dropped by hand; r2 needs t.
    r1.write_text(revision_source("r1", None, CREATE_T + '\n    op.execute("SELECT 1")'))
    engine = sa.create_engine(f"sqlite:///{project.path / 'fixture_service.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE t")
    finally:
        engine.dispose()
    project.write_revision(
        "r2_fill_t.py",
        revision_source("r2", "r1", '    op.execute("INSERT INTO t (id) VALUES (1)")'),
    )

    assert "edit builds" not in status_line(project.run("inv", "db.status"))
    failed = state_line(project.inv("db.upgrade", code=1).stderr)
    assert f"missing table t ({HAND_CAUSE})" in failed, failed


CREATE_V = '    op.create_table("v", sa.Column("id", sa.Integer, primary_key=True))'
DROP_V = '    op.drop_table("v")'
DATABASE_DIFFERS = 9


def edited_where_an_earlier_build_matches(project: Project, *, fill_v: bool = False) -> None:
    """r1 (t), r2 (v; with ``fill_v`` a row in it too, a data step), r3 (drops v) applied: the
    database is exactly what r1 builds. Then r3 is edited to create u too, and r4, pending,
    fills u."""
    project.write_revision("r1_t.py", revision_source("r1", None, CREATE_T))
    fill = '\n    op.execute("INSERT INTO v (id) VALUES (1)")' if fill_v else ""
    project.write_revision("r2_v.py", revision_source("r2", "r1", CREATE_V + fill))
    r3 = project.write_revision("r3_drop_v.py", revision_source("r3", "r2", DROP_V))
    project.inv("db.upgrade")
    commit_everything(project, "t")
    r3.write_text(revision_source("r3", "r2", DROP_V + "\n" + CREATE_U))
    project.write_revision("r4_fill_u.py", revision_source("r4", "r3", FILL_U))


def test_an_unrun_edit_comes_before_an_earlier_build_it_happens_to_equal(
    project: Project,
) -> None:
    # SQLite alone: which explanation comes first is shared code, read from git and files.
    edited_where_an_earlier_build_matches(project)
    project.inv("db.status", code=EDITED_REVISION)

    line = state_line(project.inv("db.upgrade", code=1).stderr)
    assert "missing table u (what the edit of applied revision(s) r3 builds" in line, line
    assert "then run `inv db.accept-edit -r r3`" in line, line
    assert "stamp" not in line and "exactly what revision r1 builds" not in line, line


def test_status_after_a_stamp_back_over_an_edit_reads_the_upgrades_refusal(
    project: Project,
) -> None:
    # SQLite alone: the refusal is read from the bookkeeping rows alike on every database.
    # r2's row keeps the stamp back from dropping the rows (a data step may not run twice).
    edited_where_an_earlier_build_matches(project, fill_v=True)
    project.inv("db.stamp", "-r", "r1")

    refusal = one_error_line(project.inv("db.upgrade", code=DATABASE_DIFFERS).stderr)
    assert "r2, r3 are recorded as applied here" in refusal, refusal
    line = status_line(project.inv("db.status", code=DATABASE_DIFFERS))
    assert "pending migrations: run" not in line, line
    assert "r2, r3 are recorded as applied here" in line, line
