"""PostgreSQL's sequence ownership and extensions are read from the catalog: a sequence whose
OWNED BY was changed by hand is one line naming its owner (it read as a missing or an extra
sequence), with the ALTER SEQUENCE that restores it; an extension a revision made and a hand
dropped, or one made by hand, is named (neither was: exit 0), and `inv db.reset` drops the
hand-made one but never the server's own (plpgsql). One history serves every step."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import STATUS_DATABASE_DIFFERS
from test_drift_detection import inv, models_match_test, set_models

# A serial column (tickets.id, its sequence owned by it) and a free sequence a column counts with.
TICKETS = """

ticket_numbers = sa.Sequence("ticket_numbers", metadata=Base.metadata)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(ticket_numbers, server_default=ticket_numbers.next_value())
"""
# The revision the models' tables come from, and an extension no model declares.
UPGRADE = (
    "CREATE SEQUENCE ticket_numbers",
    "CREATE TABLE tickets (id SERIAL NOT NULL,"
    " number INTEGER DEFAULT nextval('ticket_numbers') NOT NULL,"
    " CONSTRAINT pk_tickets PRIMARY KEY (id))",
    "CREATE EXTENSION IF NOT EXISTS hstore",
)
DOWNGRADE = (
    "DROP EXTENSION IF EXISTS hstore",
    "DROP TABLE tickets",
    "DROP SEQUENCE ticket_numbers",
)
BUILT = "what its revision builds"


def body(statements: tuple[str, ...]) -> str:
    return "\n".join(f"    op.execute({statement!r})" for statement in statements)


def extensions(database: ServerDatabase) -> set[str]:
    return {name for (name,) in database.query("SELECT extname FROM pg_extension")}


@only_on("postgresql", why="only PostgreSQL has sequence owners and extensions")
def test_sequence_ownership_and_extensions_changed_by_hand_are_named_and_reset(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, TICKETS)
    source = revision_source("0001tickets", None, body(UPGRADE), body(DOWNGRADE))
    project.write_revision("0001_tickets.py", source)
    inv(project, database, "db.upgrade")
    # The models never declare an extension: the revision's is its own, no drift.
    assert "No changes" in inv(project, database, "db.check")
    assert models_match_test(project, database).returncode == 0

    # 1. A free sequence given an owner, and a serial's sequence freed: one line each.
    database.query("ALTER SEQUENCE ticket_numbers OWNED BY tickets.number")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = f"sequence ticket_numbers: owned by none in {BUILT}, tickets.number in the database"
    assert line in status, status
    assert "sequence ticket_numbers is in" not in status and "column tickets" not in status
    assert "ALTER SEQUENCE ticket_numbers OWNED BY NONE" in status, status
    database.query("ALTER SEQUENCE ticket_numbers OWNED BY NONE")
    database.query("ALTER SEQUENCE tickets_id_seq OWNED BY NONE")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = f"sequence tickets_id_seq: owned by tickets.id in {BUILT}, none in the database"
    assert line in status, status
    assert "sequence tickets_id_seq is in" not in status and "column tickets" not in status
    assert "ALTER SEQUENCE tickets_id_seq OWNED BY tickets.id" in status, status
    database.query("ALTER SEQUENCE tickets_id_seq OWNED BY tickets.id")
    assert "No changes" in inv(project, database, "db.check")

    # 2. The revision's extension dropped by hand: named, with the statement that restores it.
    database.query("DROP EXTENSION hstore")
    line = f"extension hstore is in {BUILT} but not in the database"
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert line in status and "CREATE EXTENSION hstore SCHEMA public" in status, status
    database.query("CREATE EXTENSION hstore SCHEMA public")

    # 3. One made by hand: named, and reset drops it but not the server's own plpgsql.
    database.query("CREATE EXTENSION pgcrypto")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert f"extension pgcrypto is in the database but not in {BUILT}" in status, status
    assert "Drop extension pgcrypto by hand" in status, status
    assert "plpgsql" not in status, status
    reset = inv(project, database, "db.reset")
    assert "extension pgcrypto" in reset and "plpgsql" not in reset, reset
    assert extensions(database) == {"plpgsql", "hstore"}  # the upgrade after it made hstore
    assert "No changes" in inv(project, database, "db.check")
