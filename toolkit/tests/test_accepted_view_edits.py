"""`inv db.accept-edit` refuses an edit that changes a view's definition the database holds
as it ran: the database does not have what the edited file builds, so accepting would record
that it does. And what an accepted edit left is named as that edit's, pending revisions or not.
"""

from __future__ import annotations

from project import Project, commit_everything, one_error_line, revision_source
from servers import ServerDatabase

FIRST, SECOND = "aeed00000001", "aeed00000002"
TABLE = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("qty", sa.Integer),
    )"""
VIEW = "CREATE VIEW vq AS SELECT id FROM t WHERE qty > {least}"
EDITED = 8


def view_revision(least: int, *, view: bool = True) -> str:
    made = f"\n    op.execute({VIEW.format(least=least)!r})" if view else ""
    return revision_source(FIRST, None, f"{TABLE}{made}")


# The models describe t: else the models' comparison drops it from SQLite's scratch copy, and
# vq (which the models cannot describe) then names a table that is gone.
MODEL = """

class T(Base):
    __tablename__ = "t"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    qty: Mapped[int | None]
"""


def migrated(project: Project, env: dict[str, str]) -> None:
    project.append_models(MODEL)
    project.write_revision(f"{FIRST}_t.py", view_revision(0))
    commit_everything(project, "t and vq")
    project.inv("db.upgrade", env=env)


def test_an_edit_changing_a_view_the_database_holds_as_it_ran_is_refused(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    migrated(project, env)
    project.write_revision(f"{FIRST}_t.py", view_revision(1))
    project.inv("db.status", code=EDITED, env=env)

    refused = project.inv("db.accept-edit", "-r", FIRST, code=1, env=env)
    line = one_error_line(refused.stderr)
    assert f"the database lacks what revision(s) {FIRST} build as edited" in line, line
    assert "view vq" in line and "nothing was changed" in line, line
    project.inv("db.status", code=EDITED, env=env)  # nothing recorded: still an edit

    # Made to match by hand, as the refusal says: then accepted, and the database is its build.
    database.query("DROP VIEW vq")
    database.query(VIEW.format(least=1))
    project.inv("db.accept-edit", "-r", FIRST, env=env)
    status = project.run("inv", "db.status", env=env)
    assert "database: against its revision rebuilt: same" in status.stdout, status.stdout


def test_what_an_accepted_edit_left_is_named_as_its_with_a_revision_pending(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    migrated(project, env)
    project.write_revision(f"{FIRST}_t.py", view_revision(0, view=False))
    project.inv("db.accept-edit", "-r", FIRST, env=env)  # the database keeps vq: a warning
    added = '    op.add_column("t", sa.Column("c", sa.Integer))'
    project.write_revision(f"{SECOND}_c.py", revision_source(SECOND, FIRST, added))
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert f"the edit of {FIRST} accepted here" in verdict, verdict
    assert "left by a migration that failed" not in verdict, verdict
