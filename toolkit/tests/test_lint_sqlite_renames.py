"""SQLite's RENAME (`op.rename_table`, `ALTER TABLE ... RENAME TO` in `op.execute`) rewrites the
views and triggers that name the table: `inv db.lint` follows it when it decides which table an
earlier revision's view or trigger reads, and advises their statements as the renames left them.

The history: ra makes table t, view v_t over it and trigger trg_t on it; rb renames t to t2;
rc alters a column of t2 in batch mode, which recreates t2.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from lint_cases import LintRun, line_of, lint_in_process, write_revision
from project import Project
from test_sqlite_batch_views import STAIRWAY

TABLE = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("v", sa.String(50), nullable=False),
    )"""
VIEW = "CREATE VIEW v_t AS SELECT id, v FROM t"
TRIGGER = (
    "CREATE TRIGGER trg_t AFTER INSERT ON t"
    " BEGIN UPDATE t SET v = new.v WHERE id = new.id AND 0; END"
)
MADE = f"{TABLE}\n    op.execute({VIEW!r})\n    op.execute({TRIGGER!r})"
UNMADE = (
    '    op.execute("DROP TRIGGER trg_t")\n    op.execute("DROP VIEW v_t")\n    op.drop_table("t")'
)
RENAMES = {
    "op.rename_table": '    op.rename_table("t", "t2")',
    "ALTER TABLE RENAME TO": '    op.execute("ALTER TABLE t RENAME TO t2")',
}
RENAME_BACK = '    op.rename_table("t2", "t")'
NULLABLE = """    with op.batch_alter_table("t2") as b:
        b.alter_column("v", nullable=True, existing_type=sa.String(50))"""
NOT_NULL = NULLABLE.replace("nullable=True", "nullable=False")
RULES = (
    "sqlite-batch-blocked-by-view",
    "sqlite-batch-blocked-by-trigger",
    "sqlite-batch-loses-object",
    "creates-existing-trigger",
)
DROP_VIEW = '    op.execute("DROP VIEW v_t")'
# `op.execute('...')` as a finding's advice writes it (a Python literal).
ADVISED_CALL = re.compile(r"op\.execute\(('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)")


def history(project: Project, rename: str, upgrade: str, downgrade: str) -> None:
    write_revision(project, "ra", None, MADE, UNMADE)
    write_revision(project, "rb", "ra", rename, RENAME_BACK)
    write_revision(project, "rc", "rb", upgrade, downgrade)


def findings(linted: LintRun) -> dict[str, str]:
    """`path:line: rule` -> its `why:` and `safe:` text, for this module's rules."""
    heads = "|".join(RULES)
    blocks = re.findall(rf"^(\S+: (?:{heads}))\n((?:    .*\n?)+)", linted.stdout, re.M)
    return {head: body for head, body in blocks}


def advised_statements(body: str) -> list[str]:
    """The CREATE statements a finding's `safe:` advice says to `op.execute`."""
    safe = body[body.index("safe:") :]
    statements = [ast.literal_eval(call) for call in ADVISED_CALL.findall(safe)]
    return [statement for statement in statements if statement.upper().startswith("CREATE")]


def test_sqlite_fails_the_batch_over_the_renamed_view_and_loses_the_trigger() -> None:
    """What the lint must say, asked of SQLite: the batch on t2 fails over v_t; with v_t
    dropped first, it succeeds and trg_t is gone."""

    def run(*steps: str) -> list[str]:
        with sa.create_engine("sqlite://").begin() as connection:
            op = Operations(MigrationContext.configure(connection))
            for step in (MADE, RENAMES["op.rename_table"], *steps):
                exec(step.replace("\n    ", "\n").strip(), {"op": op, "sa": sa})
            return connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()

    with pytest.raises(sa.exc.OperationalError, match="error in view v_t: no such table: main.t2"):
        run(NULLABLE)
    assert "trg_t" not in run(DROP_VIEW, NULLABLE)


@pytest.mark.parametrize("rename", RENAMES)
def test_the_lint_follows_the_rename_to_the_view_and_the_trigger_in_one_run(
    project: Project, rename: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history(project, RENAMES[rename], NULLABLE, NOT_NULL)

    found = findings(lint_in_process(project, "sqlite", capsys))

    expected = {
        f"{REVISION}:{line}: {rule}"
        for line in batch_lines(project)
        for rule in ("sqlite-batch-blocked-by-view", "sqlite-batch-loses-object")
    }
    assert set(found) == expected, found
    for body in found.values():
        assert "v_t (made by revision ra) reads table t2" in body or "trg_t" in body, body
        # The statements advised are the ones the rename left, not those ra wrote.
        (statement,) = advised_statements(body)
        assert statement in (VIEW + "2", TRIGGER.replace(" t ", " t2 ")), body


REVISION = Path("app/migrations/versions/rc.py")


def batch_lines(project: Project) -> tuple[int, int]:
    """The lines the findings at rc's upgrade() and downgrade() batch blocks are at."""
    up = line_of(project, REVISION, NULLABLE.splitlines()[1])
    return up, line_of(project, REVISION, NOT_NULL.splitlines()[1])


def made_again_at(found: dict[str, str], line: int) -> str:
    """The calls the findings at ``line`` advise to make again after the batch block."""
    statements = {
        s for head, body in found.items() if f":{line}: " in head for s in advised_statements(body)
    }
    return "".join(f"\n    op.execute({statement!r})" for statement in sorted(statements))


def test_following_the_advice_lints_clean_and_passes_the_stairway(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    history(project, RENAMES["op.rename_table"], NULLABLE, NOT_NULL)
    found = findings(lint_in_process(project, "sqlite", capsys))
    upgrade = f"{DROP_VIEW}\n{NULLABLE}{made_again_at(found, batch_lines(project)[0])}"

    # The upgrade as advised, the downgrade as it was: the trigger the upgrade makes again
    # after the batch is not "already there", and the view rc's upgrade makes again was
    # made by ra: the downgrade must make it again too.
    history(project, RENAMES["op.rename_table"], upgrade, NOT_NULL)
    found = findings(lint_in_process(project, "sqlite", capsys))
    assert not [head for head in found if "creates-existing-trigger" in head], found
    (view,) = [body for head, body in found.items() if "blocked-by-view" in head]
    assert "view v_t (made by revision ra)" in view, view
    assert "not made again" not in view, view
    assert advised_statements(view) == [VIEW + "2"], view

    downgrade = f"{DROP_VIEW}\n{NOT_NULL}{made_again_at(found, batch_lines(project)[1])}"
    history(project, RENAMES["op.rename_table"], upgrade, downgrade)
    assert not findings(lint_in_process(project, "sqlite", capsys))
    stairway = project.run(*STAIRWAY)
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr


RENAMED_VIEW = f"    op.execute({VIEW + '2'!r})"
RENAMED_TRIGGER = f"    op.execute({TRIGGER.replace(' t ', ' t2 ')!r})"


def test_a_trigger_made_again_on_the_renamed_table_after_the_batch_is_not_called_existing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    # The batch on t2 drops trg_t (on t2 since rb): making it after the block is right.
    upgrade = f"{DROP_VIEW}\n{NULLABLE}\n{RENAMED_VIEW}\n{RENAMED_TRIGGER}"
    history(project, RENAMES["op.rename_table"], upgrade, NOT_NULL)

    found = findings(lint_in_process(project, "sqlite", capsys))

    assert not [head for head in found if "creates-existing-trigger" in head], found


USERS = """    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(255)),
    )"""
USERS_VIEW = "CREATE VIEW user_emails AS SELECT id, email FROM users"
SHORTER = """    with op.batch_alter_table("users", recreate="always") as batch_op:
        batch_op.alter_column("email", type_=sa.String(100))"""
LONGER = SHORTER.replace("100", "255")
DROP_USERS_VIEW = '    op.execute("DROP VIEW user_emails")'


def test_a_view_an_upgrade_makes_again_is_made_again_by_its_downgrade_too(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    made, gone = (
        f"{USERS}\n    op.execute({USERS_VIEW!r})",
        f"{DROP_USERS_VIEW}\n    op.drop_table('users')",
    )
    write_revision(project, "ra", None, made, gone)
    upgrade = f"{DROP_USERS_VIEW}\n{SHORTER}\n    op.execute({USERS_VIEW!r})"
    write_revision(project, "rb", "ra", upgrade, LONGER)

    (view,) = findings(lint_in_process(project, "sqlite", capsys)).values()

    assert "view user_emails (made by revision ra)" in view, view
    assert "not made again" not in view, view
    assert advised_statements(view) == [USERS_VIEW], view
    # As advised: the stairway passes.
    downgrade = f"{DROP_USERS_VIEW}\n{LONGER}\n    op.execute({USERS_VIEW!r})"
    write_revision(project, "rb", "ra", upgrade, downgrade)
    assert not findings(lint_in_process(project, "sqlite", capsys))
    stairway = project.run(*STAIRWAY)
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr
