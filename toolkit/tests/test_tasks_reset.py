"""`inv db.reset` empties the database of everything its migrations made, not only its tables.

A view, a standalone sequence, an enum type or a table in another schema left behind makes the
first migration fail on it when reset migrates again ("already exists"), or keeps its rows.
"""

from __future__ import annotations

from made_revisions import add_users
from project import Project, revision_source
from servers import ServerDatabase

AUDIT_MODEL = """

class AuditEntry(Base):
    __tablename__ = "entries"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
"""
VIEW = '    op.execute("CREATE VIEW user_emails AS SELECT email FROM users")\n'
# What each database can hold besides tables and views, made the way migrations make it.
OTHER_OBJECTS = {
    "sqlite": "",
    "mysql": '    op.execute("CREATE SEQUENCE ticket_seq")\n',
    "postgresql": (
        '    op.execute("CREATE SCHEMA audit")\n'
        '    op.create_table("entries", sa.Column("id", sa.Integer, primary_key=True),'
        ' schema="audit")\n'
        '    op.execute("CREATE SEQUENCE ticket_seq")\n'
        "    op.execute(\"CREATE TYPE mood AS ENUM ('calm', 'busy')\")\n"
    ),
}
DROPPED_ALSO = {
    "sqlite": "Dropped also: view user_emails.",
    "mysql": "Dropped also: sequence ticket_seq, view user_emails.",
    "postgresql": (
        "Dropped also: enum type mood, schema audit, sequence ticket_seq, view user_emails."
    ),
}


def test_reset_drops_views_sequences_types_and_other_schemas_and_migrates_again(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    if database.kind == "postgresql":
        models = project.path / "app/models.py"
        models.write_text(models.read_text() + AUDIT_MODEL)
    upgrade = VIEW + OTHER_OBJECTS[database.kind]
    project.write_revision("objects.py", revision_source("objects", first, upgrade.rstrip("\n")))
    project.inv("db.upgrade", env=env)
    database.query("INSERT INTO users (email) VALUES ('a@example.com')")

    for _ in range(2):  # and again, on what the first reset migrated
        output = project.inv("db.reset", env=env).stdout
        assert DROPPED_ALSO[database.kind] in output, output
        assert "Migrated to head." in output
    assert database.query("SELECT count(*) FROM user_emails") == [(0,)]
    assert database.revisions() == {"objects"}
