"""A SQLite file that opens but is not a database, or is damaged: named, with what to do.

SQLite says only "file is not a database" (SQLITE_NOTADB) or "database disk image is
malformed" (SQLITE_CORRUPT), without the file; read as a server that cannot be reached, the
advice (check the folder, `inv db.url`) sent a README-only tester the wrong way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL

DAMAGED_NAMES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
# Python before 3.11 gives the error no name: its text is SQLite's own for these two codes.
DAMAGED_TEXTS = ("file is not a database", "database disk image is malformed")


def damaged_sqlite_line(error: BaseException, url: URL) -> str | None:
    """The line for ``error`` when it says that ``url``'s SQLite file is not a database or is
    damaged (without "error: " or what the command left undone), else None."""
    import sqlite3

    from alembic_steward.runtime._server_databases import sqlite_path

    original = getattr(error, "orig", None) or error
    if url.get_backend_name() != "sqlite" or not isinstance(original, sqlite3.DatabaseError):
        return None
    name = getattr(original, "sqlite_errorname", "")
    reason = str(original).strip()
    if name not in DAMAGED_NAMES and reason not in DAMAGED_TEXTS:
        return None
    path = sqlite_path(url)
    return (
        f"the SQLite file {path or url.database} is not a database, or is damaged ({reason}):"
        " restore it from a backup, or move it aside if nothing in it is needed"
    )
