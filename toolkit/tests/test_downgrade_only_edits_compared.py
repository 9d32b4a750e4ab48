"""An applied revision whose downgrade() alone was edited: status compares the database with
what its revisions build before saying anything of the applied schema, and names what is
missing (a downgrade stopped after committing part of its work, as DROP INDEX CONCURRENTLY
commits, leaves the schema short of what the revision built)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase

EDITED = 8
ITEMS = """\
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(50)))
    op.create_index("ix_items_name", "items", ["name"])"""
DOWNGRADE = """\
    op.drop_index("ix_items_name", table_name="items")
    op.drop_table("items")"""
EDITED_DOWNGRADE = """\
    op.drop_index("ix_items_name", table_name="items")
    op.execute("SELECT 1")
    op.drop_table("items")"""


def write_items(project: Project, downgrade: str) -> None:
    source = revision_source("dddd00000001", None, ITEMS, downgrade, message="Items.")
    project.write_revision("dddd00000001_items.py", source)


def applied_then_downgrade_edited(project: Project, database: ServerDatabase) -> dict[str, str]:
    env = {"DATABASE_URL": database.url}
    write_items(project, DOWNGRADE)
    project.inv("db.upgrade", env=env)
    write_items(project, EDITED_DOWNGRADE)
    return env


def status_verdict(project: Project, env: dict[str, str]) -> str:
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == EDITED, status.stdout + status.stderr
    return status.stdout.splitlines()[-1]


def test_a_downgrade_only_edit_over_a_missing_index_names_it_instead_of_calling_the_schema_fine(
    project: Project, database: ServerDatabase
) -> None:
    env = applied_then_downgrade_edited(project, database)
    on = " ON items" if database.kind == "mysql" else ""
    database.query(f"DROP INDEX ix_items_name{on}")  # what a stopped downgrade committed

    verdict = status_verdict(project, env)

    assert "unaffected" not in verdict, verdict
    assert "missing index items.ix_items_name" in verdict, verdict
    # Missing: made again, not "undone".
    assert "undo" not in verdict, verdict
    assert "make" in verdict and "again" in verdict, verdict


def test_a_downgrade_only_edit_over_the_schema_its_revision_builds_is_accepted(
    project: Project, database: ServerDatabase
) -> None:
    env = applied_then_downgrade_edited(project, database)

    verdict = status_verdict(project, env)

    assert "missing" not in verdict, verdict
    assert "accept the edit with `inv db.accept-edit -r dddd00000001`" in verdict, verdict
