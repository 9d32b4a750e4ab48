"""On SQLite, `inv db.lint` flags each operation SQLite cannot run outside batch mode.

The rule asks Alembic's SQLite implementation rather than a list, so it is checked against the
real thing: every operation below is run on a SQLite database holding the tables it changes,
and the lint must flag exactly those that fail there, and none of them in batch mode.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from lint_cases import BASE_UPGRADE, accepted, line_of, lint_in_process, write_revision
from project import Project
from servers import DATABASE_KINDS

RULE = "require-sqlite-batch-mode"
# Operations on the tables of BASE_UPGRADE, one per line, as a revision writes them.
OPERATIONS = [
    'op.alter_column("users", "email", nullable=False, existing_type=sa.String(50))',
    'op.alter_column("users", "email", server_default="none", existing_type=sa.String(50))',
    'op.alter_column("users", "email", comment="where we write", existing_type=sa.String(50))',
    'op.alter_column("users", "email", new_column_name="mail")',
    'op.create_foreign_key("fk_users_team", "users", "teams", ["team_id"], ["id"])',
    'op.drop_constraint("fk_users_team", "users", type_="foreignkey")',
    'op.create_unique_constraint("uq_users_email", "users", ["email"])',
    'op.create_check_constraint("ck_users_id", "users", "id > 0")',
    'op.create_primary_key("pk_teams", "teams", ["id"])',
    'op.add_column("users", sa.Column("boss_id", sa.Integer(), sa.ForeignKey("users.id")))',
    'op.add_column("users", sa.Column("nick", sa.String(20), unique=True))',
    'op.add_column("users", sa.Column("age", sa.Integer(), nullable=True))',
    'op.create_table_comment("users", "who may sign in")',
    'op.create_index("ix_users_email", "users", ["email"])',
    'op.drop_column("users", "email")',
    'op.rename_table("teams", "groups")',
]


def fails_on_sqlite(operation: str) -> bool:
    """Run ``operation`` on a SQLite database holding BASE_UPGRADE's tables; tell if it fails."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        exec(BASE_UPGRADE.replace("\n    ", "\n").strip(), {"op": op, "sa": sa})
        try:
            exec(operation, {"op": op, "sa": sa})
        except (NotImplementedError, sa.exc.OperationalError, sa.exc.CompileError):
            return True
    return False


def test_the_operations_here_include_ones_sqlite_refuses_and_ones_it_runs() -> None:
    refused = {operation for operation in OPERATIONS if fails_on_sqlite(operation)}
    assert 0 < len(refused) < len(OPERATIONS)


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_the_lint_flags_exactly_the_operations_sqlite_refuses_outside_batch_mode(
    project: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    revision = write_revision(project, "l1", "l0", "\n".join("    " + o for o in OPERATIONS))

    linted = lint_in_process(project, kind, capsys)

    flagged = {
        operation
        for operation in OPERATIONS
        if f"{revision.as_posix()}:{line_of(project, revision, '    ' + operation)}: {RULE}\n"
        in linted.stdout
    }
    if kind != "sqlite":
        assert RULE not in linted.stdout
        return
    assert flagged == {operation for operation in OPERATIONS if fails_on_sqlite(operation)}
    assert 'safe:   `with op.batch_alter_table("users") as batch_op:`' in linted.stdout
    assert "`batch_op.create_foreign_key(...)` inside it" in linted.stdout
    assert "No support for ALTER of constraints in SQLite dialect" in linted.stdout
    assert f"SQLite {sqlite3.sqlite_version} cannot run `ALTER TABLE users ALTER COLUMN" in (
        linted.stdout
    )


def test_the_same_operations_in_batch_mode_are_not_flagged(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    in_batch = [
        o.replace("op.", "batch_op.").replace('"users", ', "", 1)
        for o in OPERATIONS
        if '"users"' in o and not o.startswith("op.create_table_comment")
    ]
    upgrade = '    with op.batch_alter_table("users") as batch_op:\n' + "\n".join(
        "        " + o for o in in_batch
    )
    write_revision(project, "l1", "l0", upgrade)

    linted = lint_in_process(project, "sqlite", capsys)

    assert "batch_op.create_foreign_key(" in upgrade
    assert RULE not in linted.stdout


def test_a_marker_accepts_the_finding(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    operation = "    " + OPERATIONS[4]
    revision = write_revision(project, "l1", "l0", operation)
    assert f"{revision.as_posix()}:" in lint_in_process(project, "sqlite", capsys).stdout

    write_revision(project, "l1", "l0", accepted(operation, RULE))

    assert f"{revision.as_posix()}:" not in lint_in_process(project, "sqlite", capsys).stdout
