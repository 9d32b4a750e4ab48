"""A primary key whose name alone differs is advised calls that run: a second
`op.create_primary_key` beside the first failed ("multiple primary keys for table")."""

from __future__ import annotations

import re

from project import Project, created_revision, revision_source
from servers import ServerDatabase, only_on
from test_drift_detection import inv, set_models

FIRST = "ppkk00000001"
ARTICLES = """

class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
# The table as a rename left it: its primary key keeps the old table's name.
RENAMED = """    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )"""
CALL = re.compile(r"`((?:op|batch_op)\.[a-z_]+\([^`]*\))`")
BATCH = re.compile(r"`(with op\.batch_alter_table\([^`]*\) as batch_op:)`")


def advised_body(line: str) -> str:
    """The upgrade() lines ``line`` advises: its calls before `in downgrade()`, inside the
    batch block it names, if any."""
    upgrade = line.partition("; in downgrade()")[0]
    calls = CALL.findall(upgrade)
    assert calls, line
    batch = BATCH.findall(upgrade)
    if batch:
        return "\n".join([f"    {batch[0]}", *(f"        {call}" for call in calls)])
    return "\n".join(f"    {call}" for call in calls)


@only_on("postgresql", "sqlite", why="MariaDB names every primary key PRIMARY")
def test_a_primary_key_whose_name_differs_is_advised_calls_that_rename_it(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_articles.py", revision_source(FIRST, None, RENAMED))
    inv(project, database, "db.upgrade")
    set_models(project, ARTICLES)
    written = inv(project, database, "db.revision", "-m", "pk name", code=1)
    _, path = created_revision(inv(project, database, "db.revision", "--empty", "-m", "pk"))
    lines = [line for line in written.splitlines() if "primary key articles" in line]
    assert len(lines) == 1, written
    revision = project.path / path
    source = revision.read_text()
    empty = '    """Upgrade schema."""\n    pass'
    assert empty in source, source
    revision.write_text(source.replace(empty, advised_body(lines[0]), 1))
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), lines[0]
