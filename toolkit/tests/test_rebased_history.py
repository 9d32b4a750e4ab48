"""A revision re-pointed after it ran (a rebased branch) cannot hide revisions that never ran.

The database ran `base0` and `a1` (branch A). Branch B added `b1` on `base0`; A was rebased onto
B, so `a1` now follows `b1`. The version table says `a1`, so everything below it, `b1` too,
looks applied; `b1`'s column was never added. `db.status` says so (exit 12), and every
migration run refuses, until the database is mended one of the two ways the line names.
"""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on

REPOINTED_REVISION = 12
BASE0 = revision_source(
    "base0",
    None,
    '    op.create_table("t0", sa.Column("id", sa.Integer(), primary_key=True))',
    '    op.drop_table("t0")',
)
A1_ON = """    op.create_table("ta", sa.Column("id", sa.Integer(), primary_key=True))"""
B1 = revision_source(
    "b1",
    "base0",
    '    op.add_column("t0", sa.Column("b", sa.Integer(), nullable=True))',
    '    op.drop_column("t0", "b")',
)
MODELS = """

class T0(Base):
    __tablename__ = "t0"

    id: Mapped[int] = mapped_column(primary_key=True)
    b: Mapped[int | None] = mapped_column()


class Ta(Base):
    __tablename__ = "ta"

    id: Mapped[int] = mapped_column(primary_key=True)
"""


def a1_on(parent: str) -> str:
    return revision_source("a1", parent, A1_ON, '    op.drop_table("ta")')


def add_models(project: Project) -> None:
    """Models matching the three revisions, so that a mended database is up to date."""
    models = project.path / "app" / "models.py"
    models.write_text(
        models.read_text().replace(
            "from sqlalchemy.orm import DeclarativeBase\n",
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        )
        + MODELS
    )


def ran_branch_a_then_rebased_it(project: Project, env: dict[str, str]) -> None:
    """Run base0 and a1, then rebase a1 onto b1, as `git rebase` and a fixed parent leave it."""
    add_models(project)
    project.write_revision("base0.py", BASE0)
    project.write_revision("a1.py", a1_on("base0"))
    project.inv("db.upgrade", env=env)
    project.write_revision("b1.py", B1)
    project.write_revision("a1.py", a1_on("b1"))


def one_error_line(text: str) -> str:
    assert "Traceback" not in text
    (line,) = [line for line in text.splitlines() if line.startswith(("error: ", "FAILED: "))]
    return line


@only_on(
    "sqlite",
    "mysql",
    why="the checksum rows are read by the same queries everywhere; MySQL/MariaDB's mark besides",
)
def test_status_reports_a_revision_that_never_ran_and_upgrade_refuses(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    ran_branch_a_then_rebased_it(project, env)

    status = project.inv("db.status", code=REPOINTED_REVISION, env=env)
    assert "  [not run]  b1  b1" in status.stdout
    (verdict,) = [line for line in status.stdout.splitlines() if line.startswith("status:")]
    assert "revision a1 was re-pointed since it ran here (it ran on base0" in verdict
    assert "b1 counts as applied but never ran" in verdict
    assert "`inv db.downgrade -r base0` there" in verdict
    assert "`inv db.accept-edit -r a1`" in verdict

    for command in (["inv", "db.upgrade"], ["alembic", "upgrade", "head"], ["inv", "db.redo"]):
        completed = project.run(*command, env=env)
        assert completed.returncode != 0, command
        line = one_error_line(completed.stderr + completed.stdout)
        assert "b1 counts as applied but never ran" in line
    # The rebuilt history's downgrade would run b1's downgrade, which never ran up.
    refused = project.run("inv", "db.downgrade", "-r", "base", env=env)
    assert "b1 counts as applied" in one_error_line(refused.stderr)
    assert "b" not in database.columns("t0")
    assert database.revisions() == {"a1"}
    assert database.model_tables() == {"t0", "ta"}


def test_downgrading_in_the_history_before_the_rebase_then_upgrading_mends_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    ran_branch_a_then_rebased_it(project, env)

    # The checkout from before the rebase: a1 on base0, no b1.
    (project.versions / "b1.py").unlink()
    project.write_revision("a1.py", a1_on("base0"))
    project.inv("db.downgrade", "-r", "base0", env=env)
    # Back to the rebased history.
    project.write_revision("b1.py", B1)
    project.write_revision("a1.py", a1_on("b1"))
    project.inv("db.upgrade", env=env)

    assert "b" in database.columns("t0")
    assert "up to date" in project.inv("db.status", env=env).stdout


def test_applying_the_missing_revision_by_hand_and_accepting_mends_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    ran_branch_a_then_rebased_it(project, env)

    database.query("ALTER TABLE t0 ADD COLUMN b INTEGER")
    project.inv("db.accept-edit", "-r", "a1", env=env)

    assert "up to date" in project.inv("db.status", env=env).stdout
    project.inv("db.upgrade", env=env)


@only_on(
    "sqlite",
    "mysql",
    why="the checksum rows are read by the same queries everywhere; MySQL/MariaDB's mark besides",
)
def test_a_revision_stamped_below_one_that_ran_is_not_taken_for_a_rebase(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    add_models(project)
    project.write_revision("base0.py", BASE0)
    project.write_revision("b1.py", B1)
    project.write_revision("a1.py", a1_on("b1"))
    # The same shape honestly reached: b1 applied by hand and stamped (no checksum row), a1 run.
    project.inv("db.upgrade", "-r", "base0", env=env)
    database.query("ALTER TABLE t0 ADD COLUMN b INTEGER")
    project.inv("db.stamp", "-r", "b1", env=env)
    project.inv("db.upgrade", env=env)

    status = project.inv("db.status", env=env)
    assert "up to date" in status.stdout and "not run" not in status.stdout
