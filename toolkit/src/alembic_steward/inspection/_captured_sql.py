"""The SQL a SQLite migration run executes, captured from a run on a private copy.

Alembic's offline mode cannot render a batch table rebuild on SQLite (it needs the table's
reflected shape, `copy_from`), nor anything a revision reads from the database. So offline
runs on SQLite run the migrations for real, through the project's env.py, on a copy in a
temporary folder, and print the statements SQLite executed there, with their values in place
(sqlite3's trace callback expands bound parameters). The live file is only read, by sqlite3's
backup API; its lock is taken only as reading needs.
"""

from __future__ import annotations

import inspect
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

# What SQLite runs before and around each migration's transaction (runtime/_transactions.py).
TRANSACTION_START = ("BEGIN",)
TRANSACTION_END = ("COMMIT", "ROLLBACK", "END")
# How the run's record of its environment starts, on a copy from an empty database.
ENVIRONMENT_INSERT = "INSERT INTO ALEMBIC_ENVIRONMENT"


@contextmanager
def private_copy(live_file: Path | None) -> Iterator[Path]:
    """Yield a temporary SQLite file holding ``live_file``'s content (empty for None or missing).

    ``live_file`` is opened read-only: it is never written, and not created when missing.
    """
    from alembic_steward.runtime._offline_runs import read_only_sqlite_uri

    with tempfile.TemporaryDirectory(prefix="offline-run-") as folder:
        copy = Path(folder) / "copy.db"
        with closing(sqlite3.connect(copy)) as target:
            if live_file is not None and live_file.exists():
                uri = read_only_sqlite_uri(live_file)
                with closing(sqlite3.connect(uri, uri=True)) as source:
                    source.backup(target)
        yield copy


@contextmanager
def copy_engine(copy: Path) -> Iterator[Engine]:
    """An engine on ``copy`` that runs migrations as a real run does (BEGIN IMMEDIATE, ...)."""
    from sqlalchemy import create_engine, event, pool

    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    engine = create_engine(f"sqlite:///{copy.as_posix()}", poolclass=pool.NullPool)
    make_sqlite_ddl_transactional(engine)
    # A throwaway file needs no fsync at each migration's commit.
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous = OFF"))
    try:
        yield engine
    finally:
        engine.dispose()


def run_on(connection: Connection, direction: str, target: str, *, quiet: bool) -> None:
    """Run ``direction`` ("upgrade" or "downgrade") to ``target`` on ``connection`` via env.py."""
    from alembic import command

    from alembic_steward.inspection._scratch_database import alembic_config_on
    from alembic_steward.runtime._config import build_alembic_config

    if quiet:
        config: Config = alembic_config_on(connection)
    else:
        # Alembic's INFO lines on stderr, as `alembic upgrade --sql` prints them.
        config = build_alembic_config()
        config.attributes["connection"] = connection
    getattr(command, direction)(config, target)


def captured_sql(copy: Path, direction: str, target: str) -> list[str]:
    """Run ``direction`` to ``target`` on ``copy``; return what changed it, as a SQL script.

    Returns statements without their `;`, and `-- Running upgrade A -> B` comments before each
    migration's; reads (SELECT, PRAGMA queries) and transactions that only read are left out.
    """
    require_expanded_values()
    capture = Capture()
    with copy_engine(copy) as engine, engine.connect() as connection:
        driver_connection = connection.connection.driver_connection
        driver_connection.set_trace_callback(capture.record)
        try:
            run_on(connection, direction, target, quiet=False)
        finally:
            driver_connection.set_trace_callback(None)
    return capture.script()


def require_expanded_values() -> None:
    """Refuse in one line when this Python's trace callback shows `?` instead of the values.

    CPython passes SQLite's expanded statement since 3.11 (python/cpython#89301); a script
    holding placeholders would not apply, so it is not printed at all.
    """
    from alembic.util import CommandError

    traced: list[str] = []
    with closing(sqlite3.connect(":memory:")) as probe:
        probe.set_trace_callback(traced.append)
        probe.execute("SELECT ?", (1,))
    if traced != ["SELECT 1"]:
        raise CommandError(
            "this Python's sqlite3 reports statements without their values, so the SQL of a"
            " SQLite migration run cannot be printed; run the task with Python 3.11 or newer"
        )


def build_to(copy: Path, revision: str) -> None:
    """Upgrade ``copy`` to ``revision`` without capturing: where an offline range starts."""
    if revision == "base":
        return
    with copy_engine(copy) as engine, engine.connect() as connection:
        run_on(connection, "upgrade", revision, quiet=True)


@dataclass
class Capture:
    """The statements a connection executed, each with the migration step it ran in."""

    statements: list[tuple[str | None, str]] = field(default_factory=list)

    def record(self, statement: str) -> None:
        self.statements.append((running_step(), statement.strip()))

    def script(self) -> list[str]:
        lines: list[str] = []
        transaction: list[str] = []
        heading: str | None = None
        for step, statement in self.statements:
            if step is not None and step != heading:
                heading = step
                # Before the settings and BEGIN of its transaction, which Alembic opens before
                # the first step when it reads the current revision.
                position = len(lines)
                while transaction and position and is_transaction_setting(lines[position - 1]):
                    position -= 1
                lines.insert(position, f"-- Running {step}")
            keyword = statement.split(None, 1)[0].upper() if statement else ""
            if keyword in TRANSACTION_START:
                transaction = [statement]
            elif keyword in TRANSACTION_END:
                if any(not is_transaction_setting(kept) for kept in transaction[1:]):
                    lines.extend([*transaction, statement])
                transaction = []
            elif not is_read(statement):
                if statement.upper().startswith(ENVIRONMENT_INSERT):
                    # Said in every dialect's script (runtime/_environment_record.py).
                    (transaction if transaction else lines).append(environment_note())
                (transaction if transaction else lines).append(statement)
        lines.extend(transaction)
        return drop_settings_of_dropped_transactions(lines)


def environment_note() -> str:
    """The comment above the environment's record: the APP_ENV the run on the copy used."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._environment_record import script_note

    return script_note(get_settings().environment.value)


def is_read(statement: str) -> bool:
    """A statement that changes nothing: a SELECT, or a PRAGMA asking rather than setting."""
    words = statement.upper()
    if words.startswith(("SELECT", "VALUES", "EXPLAIN")):
        return True
    return words.startswith("PRAGMA") and "=" not in words


def is_transaction_setting(statement: str) -> bool:
    return statement.upper().startswith("PRAGMA")


def drop_settings_of_dropped_transactions(lines: list[str]) -> list[str]:
    """Remove a `PRAGMA ... = ...` left before a transaction that was left out, or at the end.

    SQLite takes `PRAGMA foreign_keys` only outside a transaction, so each migration sets it
    just before its BEGIN; one not followed by a BEGIN belonged to a transaction that only read.
    """
    kept: list[str] = []
    next_statement = ""
    for line in reversed(lines):
        if line.startswith("--"):
            kept.append(line)
            continue
        if not is_transaction_setting(line) or next_statement.upper().startswith(TRANSACTION_START):
            kept.append(line)
            next_statement = line
    return kept[::-1]


def running_step() -> str | None:
    """`upgrade A -> B` for the migration step Alembic is running in this thread, if any.

    Read from Alembic's ``MigrationContext.run_migrations`` frame (its local ``step``), the
    only place that knows it when SQLite runs a statement; a later Alembic that renames it
    only loses the comments.
    """
    from alembic.runtime.migration import MigrationContext

    run_migrations = MigrationContext.run_migrations.__code__
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_code is run_migrations:
            step: Any = frame.f_locals.get("step")
            return getattr(step, "short_log", None)
        frame = frame.f_back
    return None
