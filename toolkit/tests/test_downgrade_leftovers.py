"""`inv db.downgrade` reads what it left: what the target revision does not build (a table, an
index the reverted upgrade made and its downgrade forgot) is named, with exit code 9, status's
"the database differs from what its revision builds"; a downgrade that undoes all exits 0."""

from __future__ import annotations

import signal

import pytest
from failures import stopped_by, write_revision
from made_revisions import add_users
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on, scratch_databases
from test_interrupts import SLEEPING_IN_A_SCRATCH_BUILD

PENDING, DATABASE_DIFFERS = 2, 9
NOTES_UP = (
    '    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))\n'
    '    op.create_index("ix_users_email_notes", "users", ["email"])'
)
NOTES_DOWN = '    op.drop_index("ix_users_email_notes", "users")\n    op.drop_table("notes")'
# Forgets the index: the downgrade of the revision that made it drops only the table.
FORGETFUL_DOWN = '    op.drop_table("notes")'


def notes_without_its_drop(project: Project) -> str:
    """Write users, then notes, whose downgrade() forgets the table it makes; users' id."""
    first = add_users(project)
    notes = '    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))'
    source = revision_source("notes", first, notes, imports="import sqlalchemy as sa")
    project.write_revision("notes.py", source)
    return first


def forgetful_notes_applied(project: Project, env: dict[str, str]) -> str:
    """Apply users, then notes whose downgrade() forgets its index; the users revision's id."""
    first = add_users(project)
    source = revision_source(
        "notes", first, NOTES_UP, FORGETFUL_DOWN, imports="import sqlalchemy as sa"
    )
    project.write_revision("notes.py", source)
    project.inv("db.upgrade", env=env)
    return first


def test_a_downgrade_that_leaves_what_its_target_does_not_build_names_it_and_exits_9(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = forgetful_notes_applied(project, env)

    completed = project.inv("db.downgrade", code=DATABASE_DIFFERS, env=env)
    output = completed.stdout + completed.stderr
    assert (
        f"index users.ix_users_email_notes is in the database but not in what {first} builds"
        in output
    ), output
    line = one_error_line(completed.stderr)
    assert f"the downgrade to {first} left what {first} does not build" in line, line
    assert "downgrade() of notes" in line and "`inv db.shell`" in line, line
    assert database.revisions() == {first}  # the version row moved: only the schema is wrong
    project.inv("db.status", code=DATABASE_DIFFERS, env=env)

    # What the advice says works: drop it by hand, fix the downgrade, and all is clean again.
    index_drop = "DROP INDEX ix_users_email_notes"
    database.query(index_drop + (" ON users" if database.kind == "mysql" else ""))
    project.inv("db.status", code=PENDING, env=env)
    project.write_revision(
        "notes.py",
        revision_source("notes", first, NOTES_UP, NOTES_DOWN, imports="import sqlalchemy as sa"),
    )
    project.inv("db.upgrade", env=env)
    clean = project.inv("db.downgrade", env=env)
    assert "error" not in clean.stdout + clean.stderr, clean.stderr
    assert database.revisions() == {first}


def test_redo_reads_what_its_downgrade_left_and_does_not_apply_the_revision_again(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = forgetful_notes_applied(project, env)

    # The upgrade half would fail on the index left (or, without it, hide the forgetful
    # downgrade() that redo is there to test): it is not run.
    completed = project.inv("db.redo", code=DATABASE_DIFFERS, env=env)
    output = completed.stdout + completed.stderr
    assert (
        f"index users.ix_users_email_notes is in the database but not in what {first} builds"
        in output
    ), output
    line = one_error_line(completed.stderr)
    assert f"the downgrade to {first} left what {first} does not build" in line, line
    assert "db.redo stopped there and did not apply notes again" in line, line
    assert line.endswith("and `inv db.upgrade -r notes` applies it again"), line
    assert "Applied notes again" not in output and "Traceback" not in output, output
    assert database.revisions() == {first}

    # What the advice says works: drop it by hand, and the upgrade applies notes again.
    index_drop = "DROP INDEX ix_users_email_notes"
    database.query(index_drop + (" ON users" if database.kind == "mysql" else ""))
    project.inv("db.upgrade", "-r", "notes", env=env)
    assert database.revisions() == {"notes"}


def test_a_downgrade_back_past_the_revision_db_revision_wrote_builds_nothing(
    project: Project,
) -> None:
    # SQLite: what is kept, and under which key, is the same on every server.
    env = {"DATABASE_URL": f"sqlite:///{project.path / 'kept.db'}"}
    project.add_user_model()
    project.inv("db.revision", "-m", "Initial", env=env)
    project.inv("db.upgrade", env=env)
    project.add_user_name_column()
    project.inv("db.revision", "-m", "Add name", env=env)
    project.inv("db.upgrade", env=env)
    kept = project.path.parent / "steward-cache" / "revision-builds"
    builds = {path: path.stat().st_mtime_ns for path in kept.glob("build-*.json")}
    # db.revision kept what its parent builds under the new file's key: the downgrade to the
    # parent compares with that, building no scratch database (none is kept anew).
    reverted = project.inv("db.downgrade", env=env)
    assert "Reverting 1 revision(s)" in reverted.stdout, reverted.stdout
    assert {path: path.stat().st_mtime_ns for path in kept.glob("build-*.json")} == builds


def test_ctrl_c_while_the_downgrade_s_result_is_compared_says_the_downgrade_finished(
    project: Project, database: ServerDatabase
) -> None:
    # The comparison builds the target in a scratch database, where this revision sleeps; a
    # stop there must not say "no migration ran": the downgrade ran, and is recorded.
    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", SLEEPING_IN_A_SCRATCH_BUILD)
    write_revision(project, "third", "slow", "    pass")
    upgraded = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    assert upgraded.returncode == 0, upgraded.stderr

    running = project.start("inv", "db.downgrade", DATABASE_URL=database.url)
    try:
        said = [running.stdout.readline().strip() for _ in range(3)]  # what it reverts, first
        assert said[-1] == "started", said
        stderr = stopped_by(running, signal.SIGINT)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 130 and "Traceback" not in stderr, stderr
    line = [line for line in stderr.splitlines() if line.startswith("error: ")][-1]
    assert line == (
        "error: SIGINT stopped db.downgrade while it compared the database with what slow builds,"
        " after the downgrade had finished: the database is at slow; the scratch database was"
        " removed; `inv db.status` compares them"
    ), line
    assert scratch_databases(database) == set()
    assert database.revisions() == {"slow"}


TAGS_UP = '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))'
TAGS_DOWN = '    op.drop_table("tags")'


@pytest.mark.parametrize("order", ["upgrade-first", "downgrade-first"])
def test_a_downgrade_over_several_revisions_names_the_one_whose_upgrade_made_the_leftover(
    project: Project, order: str
) -> None:
    first = add_users(project)
    imports = "import sqlalchemy as sa"
    notes = revision_source("notes", first, NOTES_UP, FORGETFUL_DOWN, imports=imports)
    if order == "downgrade-first":  # upgrade() is read as Python reads it, not as text runs
        head, _, functions = notes.partition("def upgrade")
        upgrade, _, downgrade = functions.partition("def downgrade")
        notes = f"{head}def downgrade{downgrade.rstrip()}\n\n\ndef upgrade{upgrade.rstrip()}\n"
    project.write_revision("notes.py", notes)
    project.write_revision(
        "tags.py", revision_source("tags", "notes", TAGS_UP, TAGS_DOWN, imports=imports)
    )
    project.inv("db.upgrade")

    completed = project.inv("db.downgrade", "-r", first, "--yes", code=DATABASE_DIFFERS)
    line = one_error_line(completed.stderr)
    assert "the downgrade() of notes did not undo" in line, line
    assert "tags" not in line, line


def test_a_second_downgrade_does_not_blame_its_revision_for_what_the_first_one_left(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = notes_without_its_drop(project)
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", code=DATABASE_DIFFERS, env=env)

    completed = project.inv("db.downgrade", code=DATABASE_DIFFERS, env=env)

    line = one_error_line(completed.stderr)
    assert "did not undo" not in line, line
    assert f"the downgrade() of {first} undid what its upgrade() made" in line, line
    assert "table notes" in line and "was there before this downgrade" in line, line
    assert f"which {first} does not touch" in line, line
    assert database.revisions() == set()


def test_status_after_a_downgrade_that_left_a_table_blames_the_downgrade_not_a_stamp(
    project: Project,
) -> None:
    notes_without_its_drop(project)
    project.inv("db.upgrade")
    project.inv("db.downgrade", code=DATABASE_DIFFERS)

    verdict = project.inv("db.status", code=DATABASE_DIFFERS).stdout.splitlines()[-1]

    assert "stamped wrongly" not in verdict, verdict
    assert "left by a downgrade() of notes that did not undo them" in verdict, verdict
    assert "`inv db.stamp -r notes`" in verdict, verdict


@only_on("sqlite", why="the bookkeeping rows read are the same on every database (shared code)")
def test_status_never_says_a_downgrade_ran_of_a_revision_that_never_ran(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = notes_without_its_drop(project)
    project.inv("db.upgrade", "-r", first, env=env)
    database.query("CREATE TABLE notes (id INTEGER NOT NULL, CONSTRAINT pk_notes PRIMARY KEY (id))")

    verdict = project.inv("db.status", code=DATABASE_DIFFERS, env=env).stdout.splitlines()[-1]

    assert "holds exactly what revision notes builds" in verdict, verdict
    assert "ran here" not in verdict, verdict  # notes never ran, up or down
    assert "notes is not recorded as run here" in verdict, verdict
