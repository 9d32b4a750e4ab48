"""Refuse to migrate a MySQL/MariaDB database that a migration left half-way.

MySQL and MariaDB commit each DDL statement as it runs, so a migration that fails (or is
killed) half-way cannot be rolled back. Each run records itself in a one-row table before its
first migration and removes the row after its last; a row found at start-up means the last run
did not finish, and the schema must be checked by hand before Alembic touches it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    NullPool,
    String,
    Table,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy import update as sql_update

if TYPE_CHECKING:
    from sqlalchemy import URL

    from alembic_steward.runtime._failed_runs import FailedRun
    from alembic_steward.runtime._step_rows import StepRows

MARK_TABLE_NAME = "alembic_migration_in_progress"
# MySQL's client library numbers its own errors (CR_*: lost connection, gone away) from 2000.
CLIENT_ERRORS_START = 2000
# Set on the error of a run that failed having sent row changes only since its mark last moved:
# those statements, whose tables say whether the rollback undid them (runtime/_kept_rows.py).
ROWS_ONLY = "alembic_steward_rows_only"
# Set in a config's attributes by `inv db.stamp`; raw `alembic stamp` is known by its command.
STAMPING = "alembic_steward.stamping"

mark_table = Table(
    MARK_TABLE_NAME, MetaData(), Column("after_revisions", String(255), nullable=False)
)


class MigrationHalfApplied(CommandError):
    """The last migration run on a database without transactional DDL did not finish."""


def records_half_applied_migrations(connection: Connection) -> bool:
    """Tell whether ``connection``'s database needs in-progress marks (no transactional DDL)."""
    return connection.dialect.name in ("mysql", "mariadb")


def describe_heads(heads: Iterable[str]) -> str:
    return ", ".join(sorted(heads)) or "base"


@contextmanager
def marks_connection(engine: Engine) -> Iterator[Connection]:
    """Open a connection whose every statement commits at once, apart from the migrations."""
    connection = engine.connect()
    try:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")
    except BaseException:
        # Its close talks to the server: when the run failed because the server stopped
        # answering, that close fails too, and must not hide why the run stopped.
        with suppress(Exception):
            connection.close()
        raise
    if isinstance(engine.pool, NullPool):
        # Closed, not kept: the reset a close sends first (a rollback, the isolation level
        # back) would be four round trips a run for a session about to end.
        connection.invalidate()
    connection.close()


def run_is_stamp(config: Any) -> bool:
    """Tell whether this run is `inv db.stamp` or raw `alembic stamp`."""
    from alembic_steward.runtime._protection import raw_alembic_command

    return bool(config.attributes.get(STAMPING)) or raw_alembic_command(config) == "stamp"


@contextmanager
def mark_migration_run(
    connection: Connection,
    script: ScriptDirectory,
    *,
    stamping: bool = False,
    current: list[str] | None = None,
    rows: StepRows | None = None,
    direction: str | None = None,
) -> Iterator[Callable[..., None]]:
    """Refuse if a run is marked unfinished, else mark this one until it ends without error.

    Yields an ``on_version_apply`` callback that moves the mark past each finished migration,
    in that migration's transaction (the mark's row is made and removed on a connection of its
    own, whose statements commit at once): sent at once, or with ``rows``, the step's other
    bookkeeping writes, as the last of them (one round trip on MariaDB, runtime/_step_rows.py).
    A migration that fails before sending any change leaves nothing half-applied, so its run
    takes the mark away again. ``current``: the revisions the caller read under the same
    lock (None: read here), which a new mark starts at. A stamp clears an unfinished run's
    mark, once it has succeeded, instead of refusing: it records where someone who repaired
    that run by hand left the schema. ``direction``: which way this run goes, recorded with
    the mark (runtime/_mark_directions.py), so that its repair is said for that way alone.
    """
    from alembic_steward.runtime._mark_directions import mark_value, read_mark

    changes = ChangeCounter()
    with marks_connection(connection.engine) as marks:
        mark_table.create(marks, checkfirst=True)
        unfinished = marks.scalar(select(mark_table.c.after_revisions))
        stopped = read_mark(unfinished)
        if stopped is not None and not stamping:
            message = half_applied_message(
                stopped.after_revisions, script, stopped.direction, connection.engine.url
            )
            raise MigrationHalfApplied(message)
        if unfinished is None:
            # Read already under this lock, nothing changes them: a tenant's round trip less.
            heads = current if current is not None else read_heads(marks)
            value = mark_value(describe_heads(heads), direction)
            marks.execute(insert(mark_table).values(after_revisions=value))
        # A stamp keeps the unfinished run's mark until it has recorded the new state: a stamp
        # that fails (a mistyped revision) must not clear it.

        def move_mark(*, heads: set[str], **_: Any) -> None:
            # In the migration's own transaction, with its version row: one commit a revision
            # instead of two, and a run stopped at that commit cannot leave the two apart.
            after = {"after_revisions": mark_value(describe_heads(heads), direction)}
            if rows is None:
                connection.execute(sql_update(mark_table).values(after))
                changes.restart()
            else:
                # The step's writes so far are bookkeeping too: counted from once all are sent.
                rows.add_update(mark_table, after, then=changes.restart)

        event.listen(connection, "before_cursor_execute", changes.count)
        event.listen(connection, "after_cursor_execute", changes.ran)
        try:
            yield move_mark
        except BaseException as error:
            changes.forgive_refused_statement(error)
            if not changes.sent and unfinished is None:
                marks.execute(delete(mark_table))
            elif not changes.schema_sent and unfinished is None:
                # Rows only: the rollback undoes them unless the migration committed itself,
                # which only the database can tell (read after the rollback, where the state
                # is read: runtime/_state_after_failure.py, which then takes the mark away).
                setattr(error, ROWS_ONLY, tuple(changes.row_changes))
            raise
        finally:
            event.remove(connection, "before_cursor_execute", changes.count)
            event.remove(connection, "after_cursor_execute", changes.ran)
        marks.execute(delete(mark_table))


def read_heads(marks: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(marks).get_current_heads()


class ChangeCounter:
    """Count the statements that may change the schema or data since the mark last moved."""

    # SET changes only the session (the lock timeouts, runtime/_lock_waits.py).
    READ_ONLY = ("SELECT", "SHOW", "DESCRIBE", "EXPLAIN", "SET")
    # Row changes stay in the migration's transaction (InnoDB) until a DDL statement or a
    # COMMIT commits them: a rollback before either undoes them.
    ROW_CHANGES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self) -> None:
        self.sent = 0
        self.schema_sent = 0  # of them, the statements that are no row change (DDL, COMMIT)
        self.unfinished = False  # the last statement counted has not returned
        self.last = ""
        self.row_changes: list[str] = []  # the row changes' statements, as sent

    def count(self, connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        # Alembic's own reads, and its version table, change nothing a migration owns.
        words = statement.lstrip().upper()
        if not words.startswith(self.READ_ONLY) and "ALEMBIC_VERSION" not in words:
            self.sent += 1
            self.schema_sent += not words.startswith(self.ROW_CHANGES)
            if words.startswith(self.ROW_CHANGES):
                self.row_changes.append(statement)
            self.unfinished = True
            self.last = words

    def ran(self, *_: Any) -> None:
        self.unfinished = False

    def restart(self) -> None:
        """Count from zero: the mark has just moved past what was sent."""
        self.sent = self.schema_sent = 0
        self.row_changes = []

    def forgive_refused_statement(self, error: BaseException) -> None:
        """Uncount the last statement when the server refused it (an error it answered with:
        a table that exists, a lock never granted, a bad column): a refused statement changes
        nothing, so a migration that fails at its first change leaves nothing half-applied.
        Not when the answer never came (a signal, a lost connection): it may have run."""
        # `DROP TABLE a, b` drops a before it finds b missing: refused, yet not harmless.
        several = self.last.startswith(("DROP TABLE", "DROP VIEW")) and "," in self.last
        if self.unfinished and not several and refused_by_server(error):
            self.sent -= 1
            self.schema_sent -= not self.last.startswith(self.ROW_CHANGES)
            if self.last.startswith(self.ROW_CHANGES):
                self.row_changes.pop()
            self.unfinished = False


def refused_by_server(error: BaseException) -> bool:
    """Whether ``error`` is the server's refusal of a statement it did not run: a DBAPIError
    whose MySQL error number is the server's (below 2000; 2000 and up are the client's, a lost
    connection among them), on a connection still valid."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError) or error.connection_invalidated:
        return False
    arguments = getattr(error.orig, "args", ())
    number = arguments[0] if arguments else None
    return isinstance(number, int) and 0 < number < CLIENT_ERRORS_START


def down_revisions(down_revision: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if isinstance(down_revision, str):
        return (down_revision,)
    return tuple(down_revision or ())


def following_revisions(after_revisions: str, script: ScriptDirectory) -> list[str]:
    """The revisions whose upgrade starts where the database stands (``describe_heads``)."""
    return [
        revision.revision
        for revision in script.walk_revisions()
        if describe_heads(down_revisions(revision.down_revision)) == after_revisions
    ]


def stamp_command(revisions: list[str], options: str = "") -> str:
    """`inv db.stamp -r REV` for one revision (`python -m app.migrations stamp REV` in an
    installed service, either with `--tenants NAME` for a bound tenant, and ``options`` such as
    ` --accept-differences`); for none or several, say which to name."""
    from alembic_steward.runtime._advice import advised, bound_tenant_options

    # In a fan-out worker, the tenant's own: `--tenants NAME` (runtime/_tenant_repairs.py).
    tenant = options + bound_tenant_options()
    if len(revisions) == 1:
        return advised(f"db.stamp -r {revisions[0]}{tenant}", f"stamp {revisions[0]} --yes{tenant}")
    stamp = advised(f"db.stamp -r REV{tenant}", f"stamp REV --yes{tenant}")
    return f"{stamp} (REV: the revision you finished)"


def clear_command() -> str:
    """The command that clears the mark, backquoted, as it runs where the advice is read."""
    from alembic_steward.runtime._advice import advised, bound_tenant_options

    tenant = bound_tenant_options()
    return advised(f"db.clear-migration-mark{tenant}", f"clear-migration-mark{tenant}")


def downgrade_again(parents: str) -> str:
    """How to run a downgrade again once its half-run part was undone by hand: to the reverted
    revision's parent (``parents``, `a, b` below a merge), by a command that runs: an installed
    service has no downgrade (a checkout of its release does), and `-r a, b` is no revision."""
    from alembic_steward.runtime._advice import bound_tenant_options, installed_service

    if installed_service():
        return "downgrade again from a checkout of this release"
    tenant = bound_tenant_options()
    if "," in parents:
        return f"downgrade again: `inv db.downgrade -r REV{tenant}` (REV: where you were going)"
    return f"downgrade again: `inv db.downgrade -r {parents}{tenant}`"


def parent_of(revision: str, script: ScriptDirectory) -> list[str]:
    """Where a finished downgrade of ``revision`` leaves the database: its parent, or base."""
    found = script.get_revision(revision) if "," not in revision else None
    if found is None:
        return []
    return list(down_revisions(found.down_revision)) or ["base"]


def half_applied_message(
    after_revisions: str,
    script: ScriptDirectory,
    direction: str | None = None,
    url: URL | None = None,
) -> str:
    """Say which migration may be half-applied, what to check and both ways to go on: for the
    ``direction`` the run went, or, not recorded (an older release's mark), for both. ``url``:
    the database's, whose stopped downgrade() may be known to raise by its own code
    (runtime/_raising_downgrades.py), which is then never advised to run again."""
    from alembic_steward.runtime._half_applied_downgrades import (
        downgrade_stopped_at,
        half_applied_downgrade_message,
    )
    from alembic_steward.runtime._mark_directions import UPGRADE
    from alembic_steward.runtime._raising_downgrades import kept_at_mark

    parent = downgrade_stopped_at(after_revisions, script, direction)
    if parent:
        from alembic_steward.runtime._repaired_downgrade_records import emptied_at_mark

        kept = kept_at_mark(url, after_revisions, script)
        said = half_applied_downgrade_message(
            after_revisions,
            parent,
            direction,
            kept.get("raised", ""),
            left=tuple(kept.get("left", ())),
            fault=kept.get("fault", ""),
        )
        return (
            said
            + downgrade_blockers(url, after_revisions, kept)
            + emptied_at_mark(url, after_revisions)
        )
    following = following_revisions(after_revisions, script)
    lacking = "none in this checkout: pull the revision that run applied"
    suspect = ", ".join(following) or (lacking if direction == UPGRADE else "none known")
    upgrade = f"{following[0]}'s upgrade()" if len(following) == 1 else "its upgrade()"
    downgrading = ""
    if after_revisions != "base" and direction != UPGRADE:
        finished = stamp_command(parent_of(after_revisions, script))
        downgrading = (
            f"; if you were downgrading, compare with {after_revisions}'s downgrade() instead,"
            f" and once that is finished by hand record it with {finished}"
        )
    blocked = blockers_at_mark(url, after_revisions, following, script)
    blocked += fault_at_mark(url, after_revisions, following, script)
    return (
        f"the last migration run on this database stopped after revision {after_revisions},"
        f" so the next migration ({suspect}) may be half-applied: MySQL/MariaDB cannot roll"
        " DDL back, and each DDL statement also commits the rows the migration changed before"
        f" it; compare the schema and those rows with {upgrade}, then either finish it by hand"
        f" and record that with {stamp_command(following)} (which also clears this mark), or"
        f" undo it by hand and run {clear_command()}, then migrate again{downgrading}{blocked}"
    )


def blockers_at_mark(
    url: URL | None, after_revisions: str, following: list[str], script: ScriptDirectory
) -> str:
    """`; but first drop by hand ...`: the hand-made objects the failed upgrade's error named
    (kept with it: runtime/_failed_runs.py), while the mark stands where it left the database
    and its file is as it ran; "" when none was kept."""
    record = failed_run_at_mark(url, after_revisions, following, script)
    if record is None:
        return ""
    return drop_first(url, record.blockers, f"made by hand, which stops {record.revision}")


def downgrade_blockers(url: URL | None, after_revisions: str, kept: dict) -> str:
    """`; but first drop by hand ...`: what the half-run downgrade() of ``after_revisions``
    does not touch that its error named (``kept`` with it: runtime/_raising_downgrades.py),
    while it still stands; "" when none."""
    stops = f"which {after_revisions}'s downgrade() does not touch and which stops it"
    return drop_first(url, kept.get("blockers", ()), stops)


def drop_first(url: URL | None, blockers: Sequence[str], stops: str) -> str:
    """`; but first drop by hand what its failed statement's error named, STOPS the same way
    again while it is there: `...``: those of ``blockers`` still standing; "" when none."""
    standing = still_standing(url, tuple(blockers)) if url else ()
    if not standing:
        return ""
    drops = ", ".join(f"`{statement}`" for statement in standing)
    return (
        f"; but first drop by hand what its failed statement's error named, {stops} the same"
        f" way again while it is there: {drops}"
    )


def fault_at_mark(
    url: URL | None, after_revisions: str, following: list[str], script: ScriptDirectory
) -> str:
    """`; but r2's upgrade() fails the same way on a scratch database built at r1 ...: fix it
    at FILE:LINE ...`: the failed upgrade's own code is wrong (runtime/_downgrade_trials.py,
    kept with it), while the mark stands where it left the database and its file is as it
    ran; "" otherwise."""
    record = failed_run_at_mark(url, after_revisions, following, script)
    return f"; but {record.fault}" if record is not None and record.fault else ""


def failed_run_at_mark(
    url: URL | None, after_revisions: str, following: list[str], script: ScriptDirectory
) -> FailedRun | None:
    """The failed upgrade of the one revision ``following`` the mark, kept while the database
    is where it left it and the revision's file is as it ran (runtime/_failed_runs.py)."""
    from alembic_steward.runtime._failed_runs import failed_upgrade_here

    found = script.get_revision(following[0]) if len(following) == 1 else None
    if url is None or found is None or found.path is None:
        return None
    current = after_revisions.split(", ") if after_revisions != "base" else []
    return failed_upgrade_here(url, current, {found.revision: found.path})


# The object a drop statement names, by kind: `ALTER TABLE t DROP FOREIGN KEY fk`, `DROP TABLE t`.
DROPPED = re.compile(
    r"DROP (?P<kind>FOREIGN KEY|CONSTRAINT|TABLE|VIEW|TRIGGER|INDEX|FUNCTION|PROCEDURE|EVENT)"
    r"(?: IF EXISTS)? [`\"]?(?P<name>[^`\"\s(]+)",
    re.IGNORECASE,
)


# `ALTER TABLE audit DROP FOREIGN KEY audit_ibfk_1`: a key of the server's automatic name.
AUTOMATIC_KEY_DROP = re.compile(r"ALTER TABLE (?P<table>\S+) DROP FOREIGN KEY \S+_ibfk_\d+$")


def still_standing(url: URL, drops: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``drops`` whose object the database still holds, read from its catalog (a
    blocker dropped by hand since is not to drop again: MariaDB keeps a foreign key's index,
    so the kind counts too); all of them when it cannot be read."""
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._hand_made_dependents import unnamed_key
    from alembic_steward.runtime._bounded_waits import bound_waits

    if not drops:
        return ()
    # Bounded as every other engine: a server that stops answering must not hang the command.
    engine = bound_waits(create_engine(url, poolclass=pool.NullPool))
    try:
        with engine.connect() as connection:
            objects = describe_catalog(connection).objects
    except (SQLAlchemyError, ValueError):
        return drops
    finally:
        engine.dispose()
    held = {(kind, name.lower()) for kind, _schema, _owner, name in objects}
    # A key of the server's automatic name (`audit_ibfk_1`) is keyed by its definition.
    automatic = {
        owner.lower()
        for kind, _schema, owner, name in objects
        if kind == "foreign key" and unnamed_key("mysql", name)
    }

    def stands(drop: str) -> bool:
        found = DROPPED.search(drop)
        if found is None:
            return True
        kind, name = found["kind"].lower(), found["name"].lower()
        if kind == "constraint":
            return any(each == name for _kind, each in held)
        on = AUTOMATIC_KEY_DROP.match(drop)
        return (kind, name) in held or (on is not None and on["table"].lower() in automatic)

    return tuple(drop for drop in drops if stands(drop))


def clear_half_applied_mark(engine: Engine) -> str | None:
    """Remove an unfinished-run mark after a repair; return what it said, or None."""
    with marks_connection(engine) as marks:
        mark_table.create(marks, checkfirst=True)
        unfinished = marks.scalar(select(mark_table.c.after_revisions))
        marks.execute(delete(mark_table))
    from alembic_steward.runtime._mark_directions import read_mark

    stopped = read_mark(unfinished)
    return None if stopped is None else stopped.after_revisions
