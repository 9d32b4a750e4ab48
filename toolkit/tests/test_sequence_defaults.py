"""A column default the database cannot build (SQLite has no sequences) is named, with its
table and column, in one line and the status code for models that cannot be described."""

from __future__ import annotations

from project import Project, one_error_line

TICKETS = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

TICKET_NUMBERS = sa.Sequence("ticket_numbers")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(server_default=TICKET_NUMBERS.next_value())
"""


def test_a_sequence_default_on_sqlite_names_the_column(project: Project) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + TICKETS)
    for task in (("db.check",), ("db.status",), ("db.revision", "-m", "Tickets")):
        # 1: status's code for an error its `error:` line names (no state of the database).
        completed = project.inv(*task, code=1)
        assert "will not be checked" not in completed.stderr, completed.stderr
        error = one_error_line(completed.stderr)
        assert "column tickets.number" in error, error
        assert "SQLite has no sequences" in error and "ticket_numbers" in error, error
        assert "NotImplementedError" not in error and "INV_TRACEBACK" not in error, error
    assert not list(project.versions.glob("*.py"))  # db.revision wrote nothing
