"""Models the database cannot build are named, with their table, in one line: `db.status`
exits with its code for them (14), never advising a revision. SQLAlchemy cannot compile a
column default the database lacks (SQLite has no sequences); the server refuses a generated
column calling a function it does not have."""

from __future__ import annotations

import json

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import set_models

UNBUILDABLE_MODELS = 14
REFUSED = """

class Twice(Base):
    __tablename__ = "twice"

    id: Mapped[int] = mapped_column(primary_key=True)
    doubled: Mapped[int] = mapped_column(sa.Computed("no_such_function(id)", persisted=True))
"""

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
        code = UNBUILDABLE_MODELS if task == ("db.status",) else 1
        completed = project.inv(*task, code=code)
        assert "will not be checked" not in completed.stderr, completed.stderr
        error = one_error_line(completed.stderr)
        assert "column tickets.number" in error, error
        assert "SQLite has no sequences" in error and "ticket_numbers" in error, error
        assert "NotImplementedError" not in error and "INV_TRACEBACK" not in error, error
    assert not list(project.versions.glob("*.py"))  # db.revision wrote nothing
    document = json.loads(project.inv("db.status", "--json", code=UNBUILDABLE_MODELS).stdout)
    assert document["exit_code"] == UNBUILDABLE_MODELS and "tickets.number" in document["problem"]


@only_on("sqlite", "postgresql", why="MariaDB's refusal: test_drift_detection.py")
def test_models_the_server_refuses_are_named_by_status_and_check(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, REFUSED)
    for task, code in (("db.status", UNBUILDABLE_MODELS), ("db.check", 1)):
        completed = project.inv(task, code=code, env={"DATABASE_URL": database.url})
        error = one_error_line(completed.stderr)
        assert "cannot build the models' table twice" in error, error
        assert "no_such_function" in error and "db.revision" not in completed.stdout + error
