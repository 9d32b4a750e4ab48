"""At head, a database that differs from its revision by a changed column (a type, a default)
is told what can bring it back: a stamp, which cannot change a column, is advised only where
something the revision builds is missing; code an applied revision imports, which its checksum
does not cover, is named as a cause beside a hand change."""

from __future__ import annotations

from subprocess import CompletedProcess

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

DATABASE_DIFFERS = 9
FIRST = "dddd00000001"
HELPER = '''"""Code the revisions share."""

import sqlalchemy as sa


def create_notes(op) -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.String(20)),
    )
'''
NOTES_MODEL = """

class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str | None] = mapped_column(String(20))
"""


def with_notes(project: Project) -> None:
    """The notes table built through app/revision_helpers.py, and in the models."""
    project.add_user_model()
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + NOTES_MODEL)
    (project.path / "app" / "revision_helpers.py").write_text(HELPER)
    upgrade = "    create_notes(op)\n    op.create_table('users', sa.Column('id', sa.Integer,"
    upgrade += " primary_key=True), sa.Column('email', sa.String(255), nullable=False),"
    upgrade += " sa.UniqueConstraint('email', name=op.f('uq_users_email')))"
    project.write_revision(
        f"{FIRST}_notes.py",
        revision_source(
            FIRST, None, upgrade, imports="from app.revision_helpers import create_notes"
        ),
    )


def verdict_of(project: Project, database: ServerDatabase) -> tuple[str, str]:
    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    check = inv(project, database, "db.check")
    assert check.returncode == DATABASE_DIFFERS, check.stdout + check.stderr
    return status.stdout.splitlines()[-1], one_error_line(check.stderr)


@only_on("postgresql", "mysql", why="SQLite changes a column's type only by rebuilding its table")
def test_a_column_type_changed_by_hand_at_head_is_not_advised_a_stamp(
    project: Project, database: ServerDatabase
) -> None:
    with_notes(project)
    assert inv(project, database, "db.upgrade").returncode == 0
    widen = (
        "ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(99)"
        if database.kind == "postgresql"
        else "ALTER TABLE notes MODIFY body VARCHAR(99)"
    )
    database.query(widen)
    for line in verdict_of(project, database):
        # At head a stamp and an upgrade change nothing: only undoing the change does.
        assert "db.stamp" not in line and "stamped without running" not in line, line
        assert "changed by hand" in line and "undo the hand change" in line, line
    database.query(widen.replace("99", "20"))
    final = inv(project, database, "db.status")
    assert final.returncode == 0, final.stdout


def test_an_edited_helper_an_applied_revision_imports_is_named(
    project: Project, database: ServerDatabase
) -> None:
    with_notes(project)
    assert inv(project, database, "db.upgrade").returncode == 0
    helper = project.path / "app" / "revision_helpers.py"
    helper.write_text(HELPER.replace("sa.String(20)", "sa.String(40)"))
    for line in verdict_of(project, database):
        assert "stamped without running" not in line and "db.stamp" not in line, line
        # The revision that imports it, and the module: its checksum covers its file alone.
        assert FIRST in line and "app.revision_helpers" in line, line
        assert "git log -p" in line, line
    helper.write_text(HELPER)  # restored, as advised
    final = inv(project, database, "db.status")
    assert final.returncode == 0, final.stdout


TWO_TABLES = """    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))"""
ADD_C2 = '    op.add_column("items", sa.Column("c2", sa.Integer))'


def status_after_a_hand_change_with_c2_pending(
    project: Project, database: ServerDatabase, hand_change: str
) -> CompletedProcess[str]:
    """`inv db.status` of a database at FIRST (users, items) changed by ``hand_change``, with a
    pending revision adding items.c2; checked to exit DATABASE_DIFFERS."""
    project.write_revision(f"{FIRST}_tables.py", revision_source(FIRST, None, TWO_TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    second = "dddd00000002"
    project.write_revision(f"{second}_c2.py", revision_source(second, FIRST, ADD_C2))
    database.query(hand_change)
    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    return status


def test_a_hand_change_the_pending_migrations_leave_alone_is_not_said_to_stop_them(
    project: Project, database: ServerDatabase
) -> None:
    status = status_after_a_hand_change_with_c2_pending(
        project, database, "ALTER TABLE users ADD COLUMN hand INTEGER"
    )
    verdict = status.stdout.splitlines()[-1]
    # The pending migration touches items only: it runs, and the column stays.
    assert "would run into them" not in verdict, verdict
    assert "column users.hand" in status.stdout and "`inv db.upgrade` runs" in verdict, verdict
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("ALTER TABLE users DROP COLUMN hand")  # the undo it advises
    after = inv(project, database, "db.status")
    assert "database: against its revision rebuilt: same" in after.stdout, after.stdout


def test_a_hand_change_on_a_table_a_pending_migration_changes_still_stops_the_advice(
    project: Project, database: ServerDatabase
) -> None:
    status = status_after_a_hand_change_with_c2_pending(
        project, database, "ALTER TABLE items ADD COLUMN c2 INTEGER"
    )
    assert "`inv db.upgrade` runs" not in status.stdout.splitlines()[-1]


@only_on("postgresql", why="only PostgreSQL has materialized views")
def test_a_materialized_view_made_by_hand_is_named_so_its_drop_works(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_tables.py", revision_source(FIRST, None, TWO_TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("CREATE MATERIALIZED VIEW mv AS SELECT id FROM items")

    verdict = verdict_of(project, database)[0]
    assert "Drop materialized view mv by hand" in verdict, verdict
    database.query("DROP MATERIALIZED VIEW mv")  # what the advice says, in SQL
    after = inv(project, database, "db.status")
    assert "database: against its revision rebuilt: same" in after.stdout, after.stdout
