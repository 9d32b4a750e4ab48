"""A real change to a column autogenerate also misreads: the misread part must not ride along.

`inv db.revision` drops autogenerate's operations on objects both catalogs describe alike
(runtime/_equal_objects.py), but keeps or drops a whole `alter_column`. An identity column on
SQLite and MariaDB reads back to Alembic as a changed server default, so when that column
really changes (its type here), the kept `alter_column` carries `server_default=sa.Identity(...)`
too, and the revision fails (SQLite: ArgumentError; MariaDB: CompileError, "modifying an
identity construct ... is not supported in this dialect"). Found by hand; fails today.
"""

from __future__ import annotations

import re

from project import Project
from servers import ServerDatabase
from test_drift_detection import inv, revise_and_upgrade, set_models

COUNTERS = """

class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column({type}, sa.Identity(), primary_key=True)
"""


def test_a_changed_identity_column_is_written_without_the_misread_identity(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, COUNTERS.format(type="sa.Integer"))
    revise_and_upgrade(project, database, "counters")
    set_models(project, COUNTERS.format(type="sa.BigInteger"))
    text = revise_and_upgrade(project, database, "bigger")
    upgrade = text.split("def upgrade")[1].split("def downgrade")[0]
    assert "BigInteger" in upgrade, text
    # existing_server_default=sa.Identity(...) (PostgreSQL) is right; a new one is the misread.
    assert not re.search(r"(?<!existing_)server_default=sa\.Identity", upgrade), text
    inv(project, database, "db.check")
