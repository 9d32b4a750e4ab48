"""Find and remove the scratch databases a killed run left on a server.

A run's scratch database is dropped however the run ends, except when nothing of it is left to
drop it: kill -9, an OOM kill, a machine gone. Those databases stay on the server, named
`<database>_<label>_<hex>` (inspection/_scratch_database.py), with nothing to remove or report
them. So every command that connects to the database (inspection/_scratch_sweep.py), and every
build before it makes its own, removes the ones of the short builds (the checks', the schema
file's, a squash's) whose run is gone, and says so in one line.

Never another run's live one. A run holds its scratch database's lock from before creating it
until after dropping it (inspection/_scratch_locks.py), and the server frees it with the run's
session: one whose lock is free and that no session is connected to is removed at once, whatever
its age. Names made by older toolkit versions, which hold no lock, have 4 random hex digits
instead of 5: one of those is removed only once older than MINIMUM_AGE_SECONDS (its name carries
when it was made), as nothing tells a live run's between its CREATE DATABASE and its first
connection. A PostgreSQL one is dropped without FORCE, so a session that connects in between
makes the drop fail, and it stays. The test database of a baked test session (`test`) and
`db.previous-release-check`'s (`previous`) live as long as their tests, connected or not: they
are never swept.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The labels of builds that keep a session on their scratch database for as long as they use it.
SWEPT_LABELS = ("scratch", "models", "schema", "squash")
# For older toolkit versions' names (no lock): far beyond the moment between a build's CREATE
# DATABASE and its first connection.
MINIMUM_AGE_SECONDS = 600
# How many characters of the database's own name start a scratch database's name: short enough
# for PostgreSQL's 63 and MySQL's 64 characters with the longest label and the 13 hex digits.
OWN_NAME_CHARACTERS = 40


def scratch_name(database: str | None, label: str) -> str:
    """A new scratch database's name: the database's own first, so a grant on `app%` databases
    covers it; then the label; then when it was made (8 hex digits of seconds) and 5 random, one
    more than older toolkit versions gave, which says its run holds its lock (63 characters at
    most: PostgreSQL's limit)."""
    made = f"{int(time.time()):08x}"[-8:]
    return f"{(database or 'app')[:OWN_NAME_CHARACTERS]}_{label}_{made}{uuid.uuid4().hex[:5]}"


def left_scratch_databases(connection: Connection, database: str | None) -> list[str]:
    """The scratch databases beside ``database`` on ``connection``'s server that a stopped run
    left: of a swept label, with no session connected, and either no session holding its lock
    or, made by an older toolkit version (no lock), old enough."""
    from alembic_steward.inspection._scratch_locks import kept_by_its_run

    shaped = scratch_shape(database)
    now = time.time()
    left = []
    for name in server_database_names(connection, database):
        match = shaped.fullmatch(name)
        if match is None:
            continue
        if match["locked"]:
            if not kept_by_its_run(connection, name):
                left.append(name)
        elif now - int(match.group(1), 16) >= MINIMUM_AGE_SECONDS and not in_use(connection, name):
            left.append(name)
    return left


def scratch_shape(database: str | None) -> re.Pattern[str]:
    """The names of swept scratch databases beside ``database``; group 1 is when one was made,
    ``locked`` its fifth random digit (its run holds its lock)."""
    own = re.escape((database or "app")[:OWN_NAME_CHARACTERS])
    return re.compile(
        rf"{own}_(?:{'|'.join(SWEPT_LABELS)})_([0-9a-f]{{8}})[0-9a-f]{{4}}(?P<locked>[0-9a-f]?)"
    )


def candidates_statement(dialect: str, database: str | None) -> str:
    """One statement listing the server's databases whose name may be a scratch one beside
    ``database`` (a few more: scratch_shape tells). A literal, not a parameter, so it runs on a
    driver's connection as it is; the name is cut at its first character a literal would have to
    escape, as LIKE then matches more, never fewer."""
    own = (database or "app")[:OWN_NAME_CHARACTERS]
    prefix = re.match(r"[A-Za-z0-9_$]*", own).group()  # type: ignore[union-attr]
    if dialect == "postgresql":
        return f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'"
    return f"SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{prefix}%'"


def server_database_names(connection: Connection, database: str | None) -> list[str]:
    """The names of the server's databases that may be scratch ones beside ``database``."""
    from sqlalchemy import text

    # Through text(), which escapes the LIKE's % for a driver that formats parameters with it.
    statement = candidates_statement(connection.dialect.name, database)
    return list(connection.execute(text(statement)).scalars())


def in_use(connection: Connection, name: str) -> bool:
    """Whether any session is connected to the database ``name`` (MySQL/MariaDB: one whose
    default database it is, as the toolkit's own sessions on a scratch database all are)."""
    from sqlalchemy import text

    sql = (
        "SELECT 1 FROM pg_stat_activity WHERE datname = :name"
        if connection.dialect.name == "postgresql"
        else "SELECT 1 FROM information_schema.processlist WHERE db = :name"
    )
    return connection.execute(text(sql), {"name": name}).first() is not None


def remove_left_scratch_databases(connection: Connection, database: str | None) -> list[str]:
    """Drop the scratch databases stopped runs left beside ``database``; say so in one line on
    stderr; return their names. Best effort: a failure leaves them, and the build goes on."""
    from sqlalchemy.exc import DBAPIError

    removed = []
    try:
        for name in left_scratch_databases(connection, database):
            quoted = connection.dialect.identifier_preparer.quote(name)
            try:
                # No FORCE: a session that connected since the check makes it fail, and it stays.
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
            except DBAPIError:
                continue
            removed.append(name)
    except DBAPIError:
        pass  # no right to list them or to read the sessions: leave them
    if removed:
        names = ", ".join(sorted(removed))
        print(
            f"note: removed {len(removed)} scratch database{'s' if len(removed) > 1 else ''}"
            " that stopped runs left on the server (their run gone: no session connected or"
            " holding their lock, or, made by an older toolkit, over"
            f" {MINIMUM_AGE_SECONDS // 60} minutes old): {names}",
            file=sys.stderr,
        )
    return removed
