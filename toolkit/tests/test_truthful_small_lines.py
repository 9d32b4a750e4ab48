"""Small lines said truthfully: a stopped downgrade's repairs say "downgrade", advice names only
commands that run here, lists agree in number, bookkeeping rows are called so, a downgrade that
raised or did nothing says what it did, and a pending revision is never called edited."""

from __future__ import annotations

import subprocess
from pathlib import Path

from failures import write_revision
from migration_faults import ADD_NOTE, CREATE_ITEMS, DROP_ITEMS
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on
from stuck_states import branch_into_two_heads
from test_half_applied_downgrades import HALF_REVERTIBLE

SEVERAL_HEADS = 4
ADD_EXTRA = (
    '    with op.batch_alter_table("items") as batch:\n'
    '        batch.add_column(sa.Column("extra", sa.String(50), nullable=True))'
)
DROP_EXTRA = '    with op.batch_alter_table("items") as batch:\n        batch.drop_column("extra")'


@only_on("mysql", why="PostgreSQL and SQLite roll a failed downgrade back whole")
def test_a_half_run_downgrade_says_downgrade_in_its_line_and_in_the_cleared_mark(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, "    pass")
    project.write_revision("second_safety.py", HALF_REVERTIBLE)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    failed = project.inv("db.downgrade", code=1, env=env).stderr
    state = [line for line in failed.splitlines() if line.startswith("error: ")][-1]
    assert "second's downgrade() half ran: the database is still at second" in state, state
    assert "second is half-applied" not in state and "migrate again" not in state, state
    assert "record that with `inv db.stamp -r first`" in state, state
    assert "then downgrade again: `inv db.downgrade -r first`" in state, state

    database.query("CREATE TABLE two (id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY)")
    cleared = project.inv("db.clear-migration-mark", env=env).stdout
    assert "Cleared the mark of the run that stopped at revision second, downgrading it." in (
        cleared
    ), cleared
    assert "stopped after revision" not in cleared, cleared
    assert database.revisions() == {"second"}


def test_several_heads_outside_a_git_checkout_advise_the_merge_alone(project: Project) -> None:
    # `inv db.rebase` refuses outside a git checkout ("is not in a git checkout").
    left, right = branch_into_two_heads(project)
    verdict = project.inv("db.status", code=SEVERAL_HEADS).stdout.splitlines()[-1]
    assert "db.rebase" not in verdict and '`inv db.merge -m "Merge heads"`' in verdict, verdict
    lint = one_error_line(project.inv("db.lint", "--all", code=1).stderr)
    assert "db.rebase" not in lint, lint
    # The head file names one revision; the history's two heads are listed as two.
    heads = " and ".join(sorted([left, right]))
    assert f"the history's heads are {heads};" in lint, lint


def test_a_downgrade_raising_not_implemented_names_the_steps_it_had_reverted(
    project: Project, database: ServerDatabase
) -> None:
    revisions = [
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        # Under a condition: a first-statement raise is refused before the run instead.
        (
            "r2",
            "r1",
            ADD_NOTE,
            "    if op.get_bind() is not None:\n        raise NotImplementedError",
        ),
        ("r3", "r2", ADD_EXTRA, DROP_EXTRA),
    ]
    for revision, down, upgrade, downgrade in revisions:
        project.write_revision(
            f"{revision}.py", revision_source(revision, down, upgrade, downgrade)
        )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    failed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env).stderr
    state = [line for line in failed.splitlines() if line.startswith("error: ")][-1]
    assert database.revisions() == {"r2"}
    assert "this run had reverted r3 before it, which stays reverted; r2's downgrade():" in state
    assert "the database is at r2 (its version table, read after the failure)" in state, state


def test_a_downgrade_whose_downgrade_function_is_empty_warns_that_it_changed_nothing(
    project: Project, database: ServerDatabase
) -> None:
    fill = "    op.execute(\"INSERT INTO items (id, name) VALUES (1, 'a')\")"
    project.write_revision("r1.py", revision_source("r1", None, CREATE_ITEMS, DROP_ITEMS))
    project.write_revision("r2.py", revision_source("r2", "r1", fill, "    pass"))
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    reverted = project.inv("db.downgrade", "--yes", env=env)
    warning = one_error_line(reverted.stderr, "warning: ")
    assert "revision r2's downgrade() is empty, so reverting it changed nothing" in warning
    assert database.revisions() == {"r1"}
    assert database.query("SELECT count(*) FROM items") == [(1,)]
    # Accepted on purpose by the lint's marker: not said.
    database.query("DELETE FROM items")
    project.inv("db.upgrade", env=env)
    allowed = revision_source("r2", "r1", fill, "    pass  # lint: allow empty-downgrade")
    project.write_revision("r2.py", allowed)
    quiet = project.inv("db.downgrade", "--yes", env=env)
    assert "warning:" not in quiet.stderr, quiet.stderr


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True)


def test_a_pending_revision_edited_since_it_ran_is_not_listed_as_edited(
    project: Project,
) -> None:
    # r2 ran, a stamp back to r1 keeps its row (it ran), and its file changes meanwhile.
    create_t = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
    project.write_revision("r1.py", revision_source("r1", None, create_t))
    fill = '    op.execute("INSERT INTO t (id) VALUES (1)")'
    project.write_revision("r2.py", revision_source("r2", "r1", fill))
    project.inv("db.upgrade")
    project.inv("db.stamp", "-r", "r1")
    edited = fill + '\n    op.execute("INSERT INTO t (id) VALUES (2)")'
    project.write_revision("r2.py", revision_source("r2", "r1", edited))

    status = project.inv("db.status", code=9)
    assert "edited:" not in status.stdout, status.stdout
    assert "r2 is recorded as applied here" in status.stdout, status.stdout
    accepted = project.run("inv", "db.accept-edit", "-r", "r2", "--yes")
    said = accepted.stdout + accepted.stderr
    assert "r2 (pending here: an edit counts once it is applied)" in said, said


def test_a_downgrade_failing_in_a_helper_of_its_file_says_what_the_run_reverted(
    project: Project,
) -> None:
    # The innermost frame was the helper's: "the database was not changed", after r3 was reverted.
    helper = '    undo_note()\n\n\ndef undo_note() -> None:\n    raise NotImplementedError("later")'
    revisions = [
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, helper),
        ("r3", "r2", ADD_EXTRA, DROP_EXTRA),
    ]
    for revision, down, upgrade, downgrade in revisions:
        project.write_revision(
            f"{revision}.py", revision_source(revision, down, upgrade, downgrade)
        )
    project.inv("db.upgrade")

    failed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1).stderr
    state = [line for line in failed.splitlines() if line.startswith("error: ")][-1]
    assert "was not changed" not in state, state
    assert "this run had reverted r3 before it, which stays reverted; r2's downgrade():" in state
