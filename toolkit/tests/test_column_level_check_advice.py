"""MariaDB keeps a JSON column's CHECK (json_valid) as a column-level constraint named after its
column, which `DROP CONSTRAINT` cannot drop (1091): a model turned from JSON to LONGTEXT is
advised the `MODIFY` that drops it, and that advice, written as a revision, runs."""

from __future__ import annotations

import re

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import STATUS_DRIFT, start_with
from test_drift_detection import inv, set_models

NOTES = """

from sqlalchemy.dialects import mysql


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[str | None] = mapped_column({type_})
"""
ADVICE = re.compile(r'op\.execute\("(ALTER TABLE notes MODIFY [^"]+)"\)')


@only_on("mysql", why="MariaDB's column-level CHECK is its own: elsewhere DROP CONSTRAINT works")
def test_a_json_column_turned_longtext_is_advised_the_modify_that_runs(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, NOTES.format(type_="sa.JSON"))
    set_models(project, NOTES.format(type_="mysql.LONGTEXT"))
    check = inv(project, database, "db.check", code=STATUS_DRIFT)
    assert "check constraint notes.tags" in check, check
    assert 'type_="check"' not in check, check
    advice = ADVICE.search(check)
    assert advice is not None, check

    head = inv(project, database, "db.heads").split()[0]
    statement = advice.group(1)
    project.write_revision(
        "0001_longtext.py", revision_source("0001longtext", head, f"    op.execute({statement!r})")
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
