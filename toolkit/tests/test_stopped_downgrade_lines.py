"""What a downgrade that stopped says: what the run itself did before it stopped (reverted,
or left behind by an empty downgrade()), the state read, and only advice that would work."""

from __future__ import annotations

from migration_faults import ADD_NOTE, CREATE_ITEMS, DROP_ITEMS, DROP_NOTE, IRREVERSIBLE_IMPORT
from project import Project, revision_source
from servers import ServerDatabase, only_on

DROP_EXTRA = '    with op.batch_alter_table("items") as batch:\n        batch.drop_column("extra")'
ADD_EXTRA = (
    '    with op.batch_alter_table("items") as batch:\n'
    '        batch.add_column(sa.Column("extra", sa.String(50), nullable=True))'
)
# Raised at run time only (never declared, so the plan does not refuse it first).
IRREVERSIBLE_WHEN_RUN = (
    "    if op.get_bind() is not None:\n"
    '        raise IrreversibleMigration("the old notes are gone")'
)


def write_history(project: Project, *revisions: tuple[str, str | None, str, str]) -> None:
    for revision, down, upgrade, downgrade in revisions:
        source = revision_source(revision, down, upgrade, downgrade, imports=IRREVERSIBLE_IMPORT)
        project.write_revision(f"{revision}.py", source)


def error_lines(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if line.startswith("error: "))


def test_an_empty_downgrade_then_an_irreversible_one_blames_the_run_for_what_it_left(
    project: Project, database: ServerDatabase
) -> None:
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, IRREVERSIBLE_WHEN_RUN),
        ("r3", "r2", ADD_EXTRA, "    pass"),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    failed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env).stderr
    state = error_lines(failed)
    assert database.revisions() == {"r2"}
    assert "this run had reverted r3 before it, which stays reverted" in state, state
    assert (
        "unexpected column items.extra, which the empty downgrade() of revision r3 left (this"
        " run reverted r3 without undoing what its upgrade() made); undo those by hand, and"
        " write the downgrade() of r3 so it undoes them too; r2 stays applied (it cannot be"
        " downgraded)"
    ) in state, state
    assert "earlier run or by hand" not in state and "again" not in state, state


# Raised where only running it tells (a first statement is refused before the run instead:
# tests/test_irreversible_downgrades.py).
NOT_IMPLEMENTED_WHEN_RUN = "    if op.get_bind() is not None:\n        raise NotImplementedError"


@only_on("mysql", why="PostgreSQL and SQLite roll a failed downgrade back whole")
def test_a_downgrade_raising_not_implemented_never_advises_running_it_again(
    project: Project, database: ServerDatabase
) -> None:
    # r2 drops its column, then raises: MariaDB committed the drop. r3 raises first thing.
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, DROP_NOTE + "\n" + NOT_IMPLEMENTED_WHEN_RUN),
        ("r3", "r2", ADD_EXTRA, NOT_IMPLEMENTED_WHEN_RUN),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    first = error_lines(project.inv("db.downgrade", "--yes", code=1, env=env).stderr)
    assert "r3 had changed nothing when it stopped; the database is still at r3" in first, first
    assert (
        "; write r3's downgrade() (it raises NotImplementedError each time it runs), then"
        " downgrade again: `inv db.downgrade -r r2`; or, to give the step up, undo what r3's"
        " upgrade() made by hand and record that with `inv db.stamp -r r2`"
    ) in first, first
    database.query("ALTER TABLE items DROP COLUMN extra")
    project.inv("db.stamp", "-r", "r2", env=env)

    half = error_lines(project.inv("db.downgrade", "--yes", code=1, env=env).stderr)
    assert "r2's downgrade() half ran: the database is still at r2, and differs from what r2" in (
        half
    ), half
    assert "missing column items.note" in half, half
    assert "record that with `inv db.stamp -r r1`" in half, half
    assert (
        "run `inv db.clear-migration-mark`, write r2's downgrade() (it raises"
        " NotImplementedError each time it runs) before downgrading it again"
    ) in half, half
    assert "inv db.downgrade" not in half, half


# Reverts its column, then sends itself SIGINT as Alembic records that, so the signal lands after
# the step (a held signal is raised once the bookkeeping is done), before the next one.
DROP_EXTRA_THEN_INTERRUPT = (
    DROP_EXTRA
    + """
    import os
    import signal

    def interrupt_bookkeeping(connection, cursor, statement, *args):
        if "alembic_version" in statement and not interrupt_bookkeeping.sent:
            interrupt_bookkeeping.sent = True
            os.kill(os.getpid(), signal.SIGINT)

    interrupt_bookkeeping.sent = False
    sa.event.listen(op.get_bind(), "before_cursor_execute", interrupt_bookkeeping)"""
)


def test_ctrl_c_in_a_downgrade_names_the_revisions_the_run_had_reverted(
    project: Project, database: ServerDatabase
) -> None:
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, DROP_NOTE),
        ("r3", "r2", ADD_EXTRA, DROP_EXTRA_THEN_INTERRUPT),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    stopped = project.inv("db.downgrade", "-r", "r1", "--yes", code=130, env=env)
    line = error_lines(stopped.stderr)
    assert database.revisions() == {"r2"}
    assert "this run had reverted r3 before the stop, which stays reverted" in line, line
    assert "stays applied" not in line and "still at" not in line, line


MARK_NAMES = "    op.execute(\"UPDATE items SET name = 'x#'\")"


@only_on("sqlite", "postgresql", why="one transactional database, and one server, suffice")
def test_a_failed_downgrade_warns_of_an_empty_downgrade_it_ran_and_status_of_running_it_again(
    project: Project, database: ServerDatabase
) -> None:
    # r4's upgrade() changes rows and its downgrade() is empty; r2's downgrade() raises.
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, NOT_IMPLEMENTED_WHEN_RUN),
        ("r3", "r2", ADD_EXTRA, DROP_EXTRA),
        ("r4", "r3", MARK_NAMES, "    pass"),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    state = error_lines(project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env).stderr)
    assert database.revisions() == {"r2"}
    assert "this run had reverted r4 and r3 before it, which stay reverted" in state, state
    assert "r4's downgrade() is empty, so reverting it changed nothing" in state, state

    status = project.inv("db.status", code=2, env=env).stdout.splitlines()[-1]
    assert "revision r4's downgrade() is empty: what its earlier run changed stays" in status, (
        status
    )
    assert "upgrading runs its upgrade() again over it" in status, status


@only_on("mysql", why="PostgreSQL and SQLite roll a failed downgrade back whole: no mark")
def test_status_never_advises_running_again_a_half_run_downgrade_that_raised_by_its_own_code(
    project: Project, database: ServerDatabase
) -> None:
    # r2's downgrade() adds a column (committed by MariaDB), then raises IrreversibleMigration.
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, ADD_EXTRA + "\n" + IRREVERSIBLE_WHEN_RUN),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    failed = error_lines(project.inv("db.downgrade", "--yes", code=1, env=env).stderr)
    assert "r2 stays applied (it cannot be downgraded)" in failed, failed

    status = project.inv("db.status", code=7, env=env).stdout
    assert "where its downgrade() raised IrreversibleMigration" in status, status
    assert "record that with `inv db.stamp -r r1`" in status, status
    assert "inv db.downgrade" not in status, status


CREATE_TAGS = '    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))'
# Written as SQL, as a user writes what op has no call for: no quoted name in the file.
REFS_AND_VIEW = (
    '    op.execute("CREATE TABLE refs (id INT PRIMARY KEY, tag_id INT,'
    ' CONSTRAINT fk_refs_tag FOREIGN KEY (tag_id) REFERENCES tags (id))")\n'
    '    op.execute("CREATE VIEW v_refs AS SELECT id FROM refs")'
)
DROP_VIEW_ONLY = '    op.execute("DROP VIEW v_refs")'


@only_on("postgresql", "mysql", why="SQLite drops a table a foreign key references")
def test_a_downgrade_that_undid_part_of_its_upgrade_is_named_for_the_rest(
    project: Project, database: ServerDatabase
) -> None:
    """r3's downgrade() drops its view but not its table, whose foreign key then stops r2's
    downgrade(): the table is r3's downgrade()'s leftover, never `an earlier run or by hand`
    (t49 S2), though r3's upgrade() makes it in SQL, naming it unquoted."""
    write_history(
        project,
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", CREATE_TAGS, '    op.drop_table("tags")'),
        ("r3", "r2", REFS_AND_VIEW, DROP_VIEW_ONLY),
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    failed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env).stderr
    state = error_lines(failed)
    assert "this run had reverted r3 before it" in state, state
    assert (
        "unexpected table refs, which the downgrade() of revision r3 left (this run reverted"
        " r3, and its downgrade() does not undo all its upgrade() made)"
    ) in state, state
    assert "write the downgrade() of r3 so it undoes them too" in state, state
    assert "earlier run or by hand" not in state, state
