"""Findings users reported on small corners of check, the offline scripts, downgrades and
backfills: each the behaviour they expected."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from test_catalog_truth import start_with
from test_drift_detection import inv, set_models

ACCOUNTS = """

class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (sa.Index("ix_accounts_name_desc", sa.text("name {order}")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        sa.String(100, collation="{collation}"), server_default="{default}"
    )
"""


@only_on("sqlite", why="the text index's key autogenerate could not find was SQLite's rebuild")
def test_a_collation_a_text_index_and_a_default_changed_at_once_are_advice_not_an_error(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ACCOUNTS.format(order="DESC", collation="NOCASE", default="main"))
    set_models(project, ACCOUNTS.format(order="ASC", collation="RTRIM", default="other"))
    checked = inv(project, database, "db.check", code=3)
    assert "KeyError" not in checked and "fix that by hand" not in checked, checked
    assert "index accounts.ix_accounts_name_desc: definition (name)" in checked, checked
