"""`inv db.revision` tries what it wrote on a scratch database: a Python error the written code
raises there (not only a database's) is said as the trial's, the live database untouched."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import inv, set_models

# Autogenerate writes the type as `app.models.Money(...)`, which the revision does not import.
UNIMPORTED_TYPE = """

class Money(sa.TypeDecorator):
    impl = sa.Numeric
    cache_ok = True


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[float | None] = mapped_column(Money(10, 2))
"""


@only_on("sqlite", why="the trial's wording is the same on every database")
def test_a_python_error_in_the_written_revision_is_said_as_the_scratch_trial_s(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, UNIMPORTED_TYPE)
    output = inv(project, database, "db.revision", "-m", "items", code=1)
    (line,) = [line for line in output.splitlines() if line.startswith("error:")]
    assert "fails on a scratch database" in line and "name 'app' is not defined" in line, line
    assert "(the database was not changed)" in line, line
    assert database.model_tables() == set()
