"""SQLite: a revision that drops a column a trigger names, in batch mode, written by `inv
db.revision` and then edited as its warnings say, upgrades, downgrades and upgrades again; and
`inv db.lint` flags a function that makes a trigger which is still there at that point (the
downgrade that made the old trigger again over the one its upgrade made fails, "trigger ...
already exists"), and a downgrade that makes it before a batch block that loses it."""

from __future__ import annotations

import re

import pytest
from lint_cases import BASE_UPGRADE, line_of, lint_in_process
from lint_cases import write_revision as write_lint_revision
from project import Project, revision_source
from test_lost_objects import EMAIL, USERS

RULE = "creates-existing-trigger"
LOSES = "sqlite-batch-loses-object"
CREATE_USERS = """    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=True),
        sa.Column("email", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )"""
OLD_TRIGGER = (
    "create trigger users_touch after update on users"
    " begin update users set name = new.email where id = new.id and 0; end"
)
NEW_TRIGGER = (
    "create trigger users_touch after update on users"
    " begin update users set name = trim(new.name) where id = new.id and 0; end"
)
# `op.execute("...")` as a warning advises it; the CREATE it leaves as `...` is written out.
ADVISED_CALL = re.compile(r'op\.execute\("([^"]+)"\)')


def test_following_the_warnings_of_db_revision_gives_a_revision_that_downgrades(
    project: Project,
) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + USERS + EMAIL)
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_USERS, '    op.drop_table("users")')
    )
    drop = '    op.execute("drop trigger users_touch")'
    project.write_revision(
        "r2.py", revision_source("r2", "r1", f"    op.execute({OLD_TRIGGER!r})", drop)
    )
    project.inv("db.upgrade")
    models.write_text(models.read_text().replace(EMAIL, ""))
    written = project.inv("db.revision", "-m", "no email", code=1)
    (downgrade_advice,) = [
        line for line in written.stdout.splitlines() if "not in what the downgrade" in line
    ]
    assert "trigger users.users_touch" in downgrade_advice, written.stdout
    assert 'op.execute("DROP TRIGGER IF EXISTS users_touch")' in downgrade_advice, downgrade_advice

    # The upgrade as its warnings say: the old trigger dropped before the drop, the new one
    # made after the batch; the downgrade: the advised calls, the CREATE as r2 wrote it.
    calls = ADVISED_CALL.findall(downgrade_advice)
    restored = [OLD_TRIGGER if call == "CREATE TRIGGER ..." else call for call in calls]
    (path,) = [p for p in project.versions.glob("*.py") if p.name not in ("r1.py", "r2.py")]
    text = path.read_text()
    upgrade_start = text.index("    with op.batch_alter_table", text.index("def upgrade"))
    text = (
        text[:upgrade_start] + '    op.execute("DROP TRIGGER users_touch")\n' + text[upgrade_start:]
    )
    ends = [match.end() for match in re.finditer(r"# ### end Alembic commands ###\n", text)]
    again = "".join(f"    op.execute({statement!r})\n" for statement in restored)
    text = text[: ends[1]] + again + text[ends[1] :]
    text = text[: ends[0]] + f"    op.execute({NEW_TRIGGER!r})\n" + text[ends[0] :]
    path.write_text(text)

    stairway = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py",
        "-k", "upgrades_downgrades_and_upgrades_again or restores_the_schema or loses_a_trigger",
    )  # fmt: skip
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr
    linted = project.run("inv", "db.lint")
    assert RULE not in linted.stdout, linted.stdout


DROP_OLD = '    op.execute("DROP TRIGGER users_touch")'
BATCH = """    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", type_=sa.String(80))"""
BATCH_BACK = """    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", type_=sa.String(50))"""
IN_PLACE_BACK = """    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("nick", sa.String(20)))"""
MAKE_OLD = f"    op.execute({OLD_TRIGGER.replace('new.email', 'new.team_id')!r})"
MAKE_NEW = f"    op.execute({NEW_TRIGGER!r})"
DROP_IF_EXISTS = '    op.execute("DROP TRIGGER IF EXISTS users_touch")'
# (upgrade, downgrade, the line flagged or None): the trigger users_touch made by l1.
CASES = {
    "downgrade makes it over the upgrade's": (
        f"{DROP_OLD}\n{BATCH}\n{MAKE_NEW}",
        f"{IN_PLACE_BACK}\n{MAKE_OLD}",
        MAKE_OLD,
    ),
    "downgrade drops it first": (
        f"{DROP_OLD}\n{BATCH}\n{MAKE_NEW}",
        f"{IN_PLACE_BACK}\n{DROP_IF_EXISTS}\n{MAKE_OLD}",
        None,
    ),
    "downgrade's batch recreates the table first": (
        f"{DROP_OLD}\n{BATCH}\n{MAKE_NEW}",
        f"{BATCH_BACK}\n{MAKE_OLD}",
        None,
    ),
    "upgrade makes it again with no drop": (MAKE_NEW, DROP_OLD, MAKE_NEW),
    "downgrade makes it before its batch": (
        f"{BATCH}\n{MAKE_NEW}",
        f"{DROP_OLD}\n{MAKE_OLD}\n{BATCH_BACK}",
        BATCH_BACK.splitlines()[1],
    ),
    "upgrade makes it after its batch": (f"{BATCH}\n{MAKE_NEW}", DROP_OLD, None),
}


@pytest.mark.parametrize("case", CASES)
def test_the_lint_flags_a_trigger_made_where_it_exists_already(
    project: Project, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade, downgrade, flagged = CASES[case]
    write_lint_revision(project, "l0", None, BASE_UPGRADE)
    write_lint_revision(project, "l1", "l0", MAKE_OLD, DROP_OLD)
    revision = write_lint_revision(project, "l2", "l1", upgrade, downgrade)

    linted = lint_in_process(project, "sqlite", capsys)

    rules = (RULE, LOSES)
    found = [line for line in linted.stdout.splitlines() if line.endswith(rules)]
    if flagged is None:
        assert not found, linted.stdout
        return
    rule = LOSES if "batch_op" in flagged else RULE
    assert found == [f"{revision.as_posix()}:{line_of(project, revision, flagged)}: {rule}"], (
        linted.stdout
    )
    if rule == RULE:
        assert "DROP TRIGGER IF EXISTS users_touch" in linted.stdout, linted.stdout
    else:
        assert "again in downgrade(), after the `with op.batch_alter_table" in linted.stdout
