"""Remember each revision file's checksum when it is applied, so a later edit can be reported.

An applied revision never runs again on that database, so editing its file afterwards changes
nothing there while fresh databases get the new text: the two drift apart silently. Flyway keeps
a checksum per applied migration for this reason; so do we, in a bookkeeping table.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection, Table

CHECKSUM_TABLE = "alembic_revision_checksums"


def checksum_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table

    return Table(
        CHECKSUM_TABLE,
        MetaData(),
        Column("revision", String(255), primary_key=True),
        Column("sha256", String(64), nullable=False),
    )


def file_checksum(path: str | Path) -> str:
    """Hash what the file does: layout, comments and docstrings do not count."""
    stat = Path(path).stat()
    return checksum_of_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def checksum_of_version(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by the file's modification time and size too, so an edited file is read again;
    # a run that applies a revision more than once (the baked tests' stairway) reads it once.
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        # Docstrings describe, like comments: rewording one changes nothing that runs.
        if isinstance(node, DOCUMENTED) and ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


DOCUMENTED = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class ChecksumRecorder:
    """On each applied revision keep its file's checksum; on a reverted one drop it."""

    def __init__(self, script: ScriptDirectory) -> None:
        self.script = script
        self.table = checksum_table()
        self.table_ready = False

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        if ctx.as_sql:
            return
        connection = ctx.connection
        if not self.table_ready:
            self.table.create(connection, checkfirst=True)
            self.table_ready = True
        revisions = list(step.up_revision_ids)
        connection.execute(self.table.delete().where(self.table.c.revision.in_(revisions)))
        # A stamp runs nothing, so there is no applied text to remember.
        if step.is_upgrade and not step.is_stamp:
            scripts = [self.script.get_revision(revision) for revision in revisions]
            rows = [{"revision": s.revision, "sha256": file_checksum(s.path)} for s in scripts]
            connection.execute(self.table.insert(), rows)


def edited_revisions(connection: Connection, script: ScriptDirectory) -> list[str]:
    """Return the applied revisions whose file differs from the text that was applied."""
    from sqlalchemy import inspect, select

    if not inspect(connection).has_table(CHECKSUM_TABLE):
        return []
    table = checksum_table()
    files = {revision.revision: revision.path for revision in script.walk_revisions()}
    applied = connection.execute(select(table.c.revision, table.c.sha256))
    return sorted(
        revision
        for revision, checksum in applied
        if revision in files and file_checksum(files[revision]) != checksum
    )
