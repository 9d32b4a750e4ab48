"""On SQLite, `inv db.lint` flags a batch operation whose table rebuild loses a trigger or an
expression index an earlier revision made, unless the revision makes it again after the batch.

Each case is checked against SQLite itself first: the revisions run on a database, and the lint
must flag exactly the histories that leave the object gone.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from invoke import Context, Exit
from lint_cases import BASE_UPGRADE, OFFLINE_URLS, line_of, lint_in_process, write_revision
from project import Project

RULE = "sqlite-batch-loses-object"
TRIGGER = (
    "CREATE TRIGGER users_touch AFTER UPDATE OF email ON users"
    " BEGIN UPDATE users SET team_id = 1 WHERE id = new.id; END"
)
MAKE_TRIGGER = f'    op.execute("{TRIGGER}")'
MAKE_INDEX = '    op.execute("CREATE INDEX ix_users_lower ON users (lower(email))")'
BATCH = '    with op.batch_alter_table("users") as batch_op:\n'
ALTER = '        batch_op.alter_column("email", type_=sa.String(80))'
ADD = '        batch_op.add_column(sa.Column("nick", sa.String(20)))'
CASES = {
    "trigger lost": (MAKE_TRIGGER, BATCH + ALTER, True),
    "expression index lost": (MAKE_INDEX, BATCH + ALTER, True),
    "trigger made again after the batch": (
        MAKE_TRIGGER,
        BATCH + ALTER + "\n" + MAKE_TRIGGER,
        False,
    ),
    "trigger on another table": (
        '    op.execute("CREATE TRIGGER teams_touch AFTER INSERT ON teams BEGIN SELECT 1; END")',
        BATCH + ALTER,
        False,
    ),
    "batch that adds a column in place": (MAKE_TRIGGER, BATCH + ADD, False),
}


def lost_on_sqlite(made: str, later: str) -> bool:
    """Run BASE_UPGRADE, ``made`` and ``later`` on SQLite; tell whether the object is gone."""
    with sa.create_engine("sqlite://").begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        for upgrade in (BASE_UPGRADE, made, later):
            exec(upgrade.replace("\n    ", "\n").strip(), {"op": op, "sa": sa})
        names = connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
    return not {"users_touch", "ix_users_lower", "teams_touch"} & set(names)


@pytest.mark.parametrize("case", CASES)
def test_the_lint_flags_a_batch_exactly_when_sqlite_loses_the_object(
    project: Project, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    made, later, lost = CASES[case]
    assert lost_on_sqlite(made, later) is lost
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", made)
    revision = write_revision(project, "l2", "l1", later)

    linted = lint_in_process(project, "sqlite", capsys)

    at_batch = f"{revision.as_posix()}:{line_of(project, revision, later.splitlines()[1])}: {RULE}"
    assert (at_batch in linted.stdout) is lost, linted.stdout
    if lost:
        assert "again in this revision, after the `with op.batch_alter_table(...)`" in (
            linted.stdout
        )


def test_a_trigger_made_below_the_linted_range_is_seen(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic_steward.lint._task import lint as lint_task

    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", MAKE_TRIGGER)
    write_revision(project, "l2", "l1", BATCH + ALTER)
    capsys.readouterr()
    with project.imported(DATABASE_URL=OFFLINE_URLS["sqlite"]), pytest.raises(Exit):
        lint_task(Context(), revision="l1:l2")

    out = capsys.readouterr().out
    assert f"{RULE}" in out and "drops trigger users_touch (revision file l1.py" in out


def test_an_object_dropped_by_name_before_the_batch_is_not_called_lost(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", MAKE_TRIGGER + "\n" + MAKE_INDEX)
    drops = '    op.execute("DROP TRIGGER users_touch")\n    op.drop_index("ix_users_lower")\n'
    write_revision(project, "l2", "l1", drops + BATCH + ALTER)

    assert RULE not in lint_in_process(project, "sqlite", capsys).stdout


EXPRESSION_INDEX = (
    '    op.create_index("ix_users_lower", "users", [sa.literal_column("lower(email)")])'
)
DESC_INDEX = '    op.create_index("ix_users_team_desc", "users", [sa.text("team_id DESC")])'
DESC_BY_SQL = '    op.execute("CREATE INDEX ix_users_team_desc ON users (team_id DESC)")'
ADD_NICK = BATCH + ADD
DROP_NICK = BATCH + '        batch_op.drop_column("nick")'


def indexes_after_downgrade_batch(made: str) -> dict[str, str]:
    """Run the base, ``made``, a batch that adds nick and one that drops it on SQLite; each
    index's CREATE statement after."""
    with sa.create_engine("sqlite://").begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        for step in (BASE_UPGRADE, made, ADD_NICK, DROP_NICK):
            exec(step.replace("\n    ", "\n").strip(), {"op": op, "sa": sa})
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='index'")
        return {name: sql for name, sql in rows}


@pytest.mark.parametrize("made", [EXPRESSION_INDEX + "\n" + DESC_INDEX, DESC_BY_SQL])
def test_a_downgrade_batch_that_loses_an_expression_index_or_a_desc_order_is_flagged(
    project: Project, made: str, capsys: pytest.CaptureFixture[str]
) -> None:
    left = indexes_after_downgrade_batch(made)
    assert "ix_users_lower" not in left and "DESC" not in left["ix_users_team_desc"], left
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", made)
    revision = write_revision(project, "l2", "l1", ADD_NICK, DROP_NICK)

    linted = lint_in_process(project, "sqlite", capsys)

    at_batch = f"{revision.as_posix()}:{line_of(project, revision, DROP_NICK.splitlines()[1])}"
    assert f"{at_batch}: {RULE}" in linted.stdout, linted.stdout
    assert "in downgrade()" in linted.stdout, linted.stdout
    assert "ix_users_team_desc" in linted.stdout and "DESC order" in linted.stdout
    if "lower" in made:
        assert "ix_users_lower" in linted.stdout, linted.stdout


def test_a_downgrade_batch_followed_by_the_index_made_again_is_not_flagged(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", EXPRESSION_INDEX)
    again = '    op.drop_index("ix_users_lower", "users")\n' + EXPRESSION_INDEX
    write_revision(project, "l2", "l1", ADD_NICK, DROP_NICK + "\n" + again)

    assert RULE not in lint_in_process(project, "sqlite", capsys).stdout


def test_an_upgrade_batch_that_loses_a_desc_order_made_by_sql_is_flagged(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", DESC_BY_SQL)
    revision = write_revision(project, "l2", "l1", BATCH + ALTER)

    linted = lint_in_process(project, "sqlite", capsys)

    assert f"{revision.as_posix()}:{line_of(project, revision, ALTER)}: {RULE}" in linted.stdout
    assert "without its DESC order" in linted.stdout, linted.stdout
