"""The second checksum of each applied revision: of its code without `downgrade()`.

The checksum table (runtime/_revision_checksums.py) keeps one value per applied revision, of the
whole file, in the String(64) column every migrated database has: it tells that the file
changed, not where. git may still have the text that ran, but not when the file was applied or
stamped before it was committed, and then an edit to `downgrade()` alone, which leaves what the
database holds as it was, read as one to what the revision applied. So whatever records the
whole file's checksum records this one too, in a table of its own with the same two columns
(decision record): the file matching it now means only its downgrade() changed. A revision
recorded before this table has no row in it, and git is asked, as before (inspection/_edits.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table

UPGRADE_CHECKSUM_TABLE = "alembic_revision_upgrade_checksums"


@functools.cache
def upgrade_checksum_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table

    return Table(
        UPGRADE_CHECKSUM_TABLE,
        MetaData(),
        Column("revision", String(255), primary_key=True),
        Column("sha256", String(64), nullable=False),
    )


def upgrade_rows(scripts: Iterable[Any]) -> list[dict[str, str]]:
    """The rows of ``scripts`` (alembic Script objects): each file's checksum without downgrade."""
    from alembic_steward._checksum_format import checksum_without_downgrade
    from alembic_steward.runtime._revision_checksums import file_checksum

    return [
        {"revision": s.revision, "sha256": file_checksum(s.path, checksum_without_downgrade)}
        for s in scripts
    ]


def replace_upgrade_rows(connection: Connection, scripts: list[Any]) -> None:
    """Record ``scripts``' files as what ran here (an accepted edit, a stamp's own rows)."""
    table = upgrade_checksum_table()
    table.create(connection, checkfirst=True)
    revisions = [s.revision for s in scripts]
    connection.execute(table.delete().where(table.c.revision.in_(revisions)))
    connection.execute(table.insert(), upgrade_rows(scripts))


def forget_upgrade_rows(connection: Connection, *, keep: set[str]) -> None:
    """Delete the rows of every revision not in ``keep``, when the table is there."""
    from sqlalchemy import inspect

    if inspect(connection).has_table(UPGRADE_CHECKSUM_TABLE):
        table = upgrade_checksum_table()
        connection.execute(table.delete().where(table.c.revision.not_in(keep)))


def recorded_upgrade_checksums(connection: Connection, revisions: list[str]) -> dict[str, str]:
    """Map each of ``revisions`` that has a row to its checksum; empty without the table."""
    from sqlalchemy import inspect, select

    if not revisions or not inspect(connection).has_table(UPGRADE_CHECKSUM_TABLE):
        return {}
    table = upgrade_checksum_table()
    query = select(table.c.revision, table.c.sha256).where(table.c.revision.in_(revisions))
    return dict(connection.execute(query).all())
