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

The same calls on the pool's proxy of the driver connection (``op.get_bind().connection``),
which no event sees, are refused the same way. The driver connection itself
(``.dbapi_connection``, ``.driver_connection``) cannot be guarded: runtime/_step_transactions.py
asks the database afterwards whether the migration committed through it.
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

from alembic_steward.runtime._step_transactions import StepTransactions, step_transactions

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Transaction control sent as SQL: a COMMIT is let through (noted), a ROLLBACK refused.
RAW_COMMIT = re.compile(r"\s*(COMMIT|END)\b(\s+(WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
RAW_ROLLBACK = re.compile(r"\s*(ROLLBACK|ABORT)\b(\s+(WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
DRIVER_COMMIT = "commit() on the migration's driver connection"
DRIVER_ROLLBACK = "rollback() on the migration's driver connection"
AUTOCOMMIT_ADVICE = (
    "run statements that cannot run in a transaction inside"
    " `with op.get_context().autocommit_block():` instead"
)

ENDS_ALEMBICS = (
    "{call} on the migration's connection would end the transaction Alembic records the"
    " revision in, "
)
# What each refused call would have done: SQLAlchemy's leaves the rest of the migration in a
# transaction nothing commits; the driver's lets SQLAlchemy go on as if nothing happened.
ENDINGS = {
    "commit()": ENDS_ALEMBICS.format(call="commit()")
    + "keeping what ran before it and leaving the revision unrecorded",
    "rollback()": ENDS_ALEMBICS.format(call="rollback()")
    + "undoing what ran before it and still recording the revision",
    "ROLLBACK": ENDS_ALEMBICS.format(call="ROLLBACK")
    + "undoing what ran before it and still recording the revision",
    DRIVER_COMMIT: f"{DRIVER_COMMIT} would commit what ran before it for good, even if the"
    " migration then failed",
    DRIVER_ROLLBACK: f"{DRIVER_ROLLBACK} would undo what ran before it and still record the"
    " revision",
}


class MigrationEndedItsTransaction(CommandError):
    """A migration called commit() or rollback() on the migration's connection (refused)."""

    def __init__(self, revision: str, call: str, where: str) -> None:
        # What `inv` and `python -m app.migrations` print after the revision and its place.
        self.reason = f"{ENDINGS[call]}; it was refused before it took effect; {AUTOCOMMIT_ADVICE}"
        self.revision = revision
        self.call = call
        self.where = where
        super().__init__(f"migration {revision} failed at {where}: {self.reason}")

    @property
    def refused_call(self) -> str:
        """The refused call and the connection it was made on."""
        if self.call in (DRIVER_COMMIT, DRIVER_ROLLBACK):
            return self.call  # names its connection already
        return f"{self.call} on the migration's connection"

    def add_state(self, state: str) -> None:
        """Complete the message raw `alembic` and start-up code show with the state read."""
        self.args = (f"{self.args[0]}; {state}",)


@dataclass
class OwnCommits:
    """The revisions whose own code committed during this run (autocommit_block, COMMIT)."""

    versions_dir: Path
    # How to ask the database, after a failure, whether the migration committed itself.
    steps: StepTransactions = field(default_factory=StepTransactions)
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
    seen = OwnCommits(versions_dir, step_transactions(connection))

    def ending(call: str) -> Any:
        def check(*_: Any) -> None:
            frame = innermost_revision_frame(versions_dir)
            if frame is None:
                return  # Alembic's own end of a migration's transaction
            if in_autocommit_block():
                seen.revisions.add(revision_of(frame))
                return
            raise MigrationEndedItsTransaction(revision_of(frame), call, place_of(frame))

        return check

    check_commit = ending("commit()")

    def sqlalchemy_commit(connection: Connection) -> None:
        check_commit()
        seen.steps.sqlalchemy_committed()

    def raw_transaction_control(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if seen.steps.statement_outside_transaction(conn):
            # Ended through the driver connection: this statement commits at once.
            frame = innermost_revision_frame(versions_dir)
            if frame is not None and not in_autocommit_block():
                seen.revisions.add(revision_of(frame))
        if not (RAW_COMMIT.match(statement) or RAW_ROLLBACK.match(statement)):
            return
        frame = innermost_revision_frame(versions_dir)
        if frame is None or in_autocommit_block():
            return
        if RAW_ROLLBACK.match(statement):
            raise MigrationEndedItsTransaction(revision_of(frame), "ROLLBACK", place_of(frame))
        seen.revisions.add(revision_of(frame))

    listeners = [
        ("begin", seen.steps.began),
        ("commit", sqlalchemy_commit),
        ("rollback", ending("rollback()")),
        ("before_cursor_execute", raw_transaction_control),
    ]
    for name, listener in listeners:
        event.listen(connection, name, listener)
    # SQLAlchemy's own commits reach the driver through this proxy too: they pass the check.
    proxy = guard_driver_proxy(connection, ending)
    try:
        yield seen
    finally:
        for name in ("commit", "rollback"):
            proxy.__dict__.pop(name, None)
        for name, listener in listeners:
            event.remove(connection, name, listener)


def guard_driver_proxy(connection: Connection, ending: Any) -> Any:
    """Check commit()/rollback() on the pool's proxy of the driver connection before they run.

    The proxy forwards what it lacks to the driver connection (``__getattr__``), so names set on
    the instance come first; the driver's own methods are looked up at each call.
    """
    proxy = connection.connection
    for name, call in (("commit", DRIVER_COMMIT), ("rollback", DRIVER_ROLLBACK)):
        check = ending(call)

        def guarded(*args: Any, _check: Any = check, _name: str = name, **kwargs: Any) -> Any:
            _check()
            return getattr(proxy.dbapi_connection, _name)(*args, **kwargs)

        setattr(proxy, name, guarded)
    return proxy
