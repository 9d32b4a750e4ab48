"""Catch a migration that ends the run's transaction itself, while it does so.

Alembic records a revision in the migration's own transaction, after its ``upgrade()`` or
``downgrade()`` returns. A migration that calls ``commit()`` (or ``rollback()``) on the
migration's connection ends that transaction half-way: SQLAlchemy 2 then begins a new one for
the statements that follow, Alembic's version-table update included, and nothing commits it,
so the run exits 0 with the revision unrecorded and its later statements lost. Such a call is
refused from the connection's ``commit``/``rollback`` events, before it takes effect, so the
migration fails whole instead. ``op.get_context().autocommit_block()`` is the documented way to
run statements outside a transaction: its commits are let through and remembered, since what
ran before them stays even if the migration then fails; so is a raw ``COMMIT`` statement.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError
from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Transaction control sent as SQL: a COMMIT is let through (noted), a ROLLBACK refused.
RAW_COMMIT = re.compile(r"\s*(COMMIT|END)\b(\s+(WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
RAW_ROLLBACK = re.compile(r"\s*(ROLLBACK|ABORT)\b(\s+(WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
AUTOCOMMIT_ADVICE = (
    "run statements that cannot run in a transaction inside"
    " `with op.get_context().autocommit_block():` instead"
)


class MigrationEndedItsTransaction(CommandError):
    """A migration called commit() or rollback() on the migration's connection (refused)."""

    def __init__(self, revision: str, call: str, where: str) -> None:
        effect = (
            "keeping what ran before it and leaving the revision unrecorded"
            if call in ("commit()",)
            else "undoing what ran before it and still recording the revision"
        )
        # What `inv` and `python -m app.migrations` print after the revision and its place.
        self.reason = (
            f"{call} on the migration's connection would end the transaction Alembic records"
            f" the revision in, {effect}; it was refused before it took effect;"
            f" {AUTOCOMMIT_ADVICE}"
        )
        self.revision = revision
        self.where = where
        super().__init__(f"migration {revision} failed at {where}: {self.reason}")

    def add_state(self, state: str) -> None:
        """Complete the message raw `alembic` and start-up code show with the state read."""
        self.args = (f"{self.args[0]}; {state}",)


@dataclass
class OwnCommits:
    """The revisions whose own code committed during this run (autocommit_block, COMMIT)."""

    versions_dir: Path
    revisions: set[str] = field(default_factory=set)


def innermost_revision_frame(versions_dir: Path) -> FrameType | None:
    """The innermost frame on the current stack that runs a revision file's code."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if is_in_folder(frame.f_code.co_filename, versions_dir):
            return frame
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=1024)
def is_in_folder(filename: str, folder: Path) -> bool:
    # Asked for every frame of the stack at every commit: each file's answer is kept.
    return Path(filename).parent == folder


def in_autocommit_block() -> bool:
    """Tell whether Alembic's ``autocommit_block()`` is entering or leaving on this stack."""
    from alembic.runtime.migration import MigrationContext

    code = MigrationContext.autocommit_block.__wrapped__.__code__  # type: ignore[attr-defined]
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def revision_of(frame: FrameType) -> str:
    return str(frame.f_globals.get("revision", Path(frame.f_code.co_filename).stem))


def place_of(frame: FrameType) -> str:
    from alembic_steward._wiring import shown_path

    return f"{shown_path(Path(frame.f_code.co_filename))}:{frame.f_lineno}"


@contextmanager
def watching_own_commits(connection: Connection, versions_dir: Path) -> Iterator[OwnCommits]:
    """Refuse a migration's own commit()/rollback() on ``connection``; note its legitimate ones.

    Raises MigrationEndedItsTransaction (a CommandError) from the offending call.
    """
    seen = OwnCommits(versions_dir)

    def ending(call: str) -> Any:
        def check(connection: Connection) -> None:
            frame = innermost_revision_frame(versions_dir)
            if frame is None:
                return  # Alembic's own end of a migration's transaction
            if in_autocommit_block():
                seen.revisions.add(revision_of(frame))
                return
            raise MigrationEndedItsTransaction(revision_of(frame), call, place_of(frame))

        return check

    def raw_transaction_control(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not (RAW_COMMIT.match(statement) or RAW_ROLLBACK.match(statement)):
            return
        frame = innermost_revision_frame(versions_dir)
        if frame is None or in_autocommit_block():
            return
        if RAW_ROLLBACK.match(statement):
            raise MigrationEndedItsTransaction(revision_of(frame), "ROLLBACK", place_of(frame))
        seen.revisions.add(revision_of(frame))

    listeners = [
        ("commit", ending("commit()")),
        ("rollback", ending("rollback()")),
        ("before_cursor_execute", raw_transaction_control),
    ]
    for name, listener in listeners:
        event.listen(connection, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(connection, name, listener)
