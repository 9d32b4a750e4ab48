"""Refuse to serve against a database whose schema this code's migrations do not end at.

A database ahead of the code by expand revisions only is accepted (a rolling deploy's old
pods, a rollback): what the code uses is all still there. One ahead by a contract revision,
or behind, is refused.

The check a service runs at start-up, so it must be cheap: Alembic's ScriptDirectory imports
every revision file (about 0.2 s at 300 revisions), so the common case, a database at head,
is decided from a text scan of the files' `revision = ...` lines instead. Only when that scan
disagrees with the database, or cannot read a file, is the history loaded to say what is wrong.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, TypeVar

from alembic_steward._wiring import active_steward
from alembic_steward.runtime._advice import command_words
from alembic_steward.runtime._code_history import history_from_files, history_from_script
from alembic_steward.runtime._schema_fit import (
    AHEAD_BY_CONTRACT,
    AHEAD_BY_EXPAND,
    AHEAD_OF_RUNS,
    AT_HEAD,
    BEHIND_BY_CONTRACT,
    SchemaFit,
    schema_fit,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._code_history import CodeHistory

logger = logging.getLogger("alembic_steward")
Read = TypeVar("Read")


def __getattr__(name: str) -> object:
    # DatabaseNotUpToDate is a CommandError, and importing Alembic costs a start-up at head
    # most of what the whole check costs: the class is made the first time it is needed.
    if name == "DatabaseNotUpToDate":
        return not_up_to_date_error()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def not_up_to_date_error() -> type[Exception]:
    """DatabaseNotUpToDate, made once: a CommandError."""
    from alembic.util import CommandError

    class DatabaseNotUpToDate(CommandError):
        """The database is neither at this code's single head nor ahead of it by expand
        revisions only; the message says what to run, or names the contract revisions in the
        way."""

    # A service's traceback names the public path, not this private module.
    DatabaseNotUpToDate.__module__ = "alembic_steward"
    DatabaseNotUpToDate.__qualname__ = "DatabaseNotUpToDate"
    return DatabaseNotUpToDate


def ensure_up_to_date(database_url: str | None = None) -> None:
    """Raise DatabaseNotUpToDate, in one line naming the fix, unless the database is at head
    or ahead of it by expand revisions only (then log one line saying so).

    A database ahead by a contract revision is refused, naming it; the phases of revisions
    this code lacks are the ones the database recorded when they ran. Without
    ``database_url`` it checks the database the app's settings name, and first that the app's
    own driver is installed (DatabaseUrlError otherwise): this check reads through a blocking
    driver, while an asyncio service would fail on its first query. A database that cannot
    be reached, or stops answering (DATABASE_CONNECT_TIMEOUT, DATABASE_READ_TIMEOUT), raises
    DatabaseUnreachable, a CommandError of one line.
    """
    from sqlalchemy import make_url
    from sqlalchemy.exc import DBAPIError

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._connecting import unreachable

    if database_url is None:
        from alembic_steward.runtime._connecting import check_app_driver_installed

        check_app_driver_installed()
    try:
        problem = schema_problem(database_url)
    except DBAPIError as error:
        # A server that cannot be reached, or stops answering, is one line too.
        url = make_url(database_url or get_settings().blocking_database_url)
        raise unreachable(error, url) from None
    if problem is not None:
        raise not_up_to_date_error()(problem)


def schema_problem(database_url: str | None) -> str | None:
    """What stops this code from running against the database, or None when nothing does."""
    fit, current, _ = judge_database(database_url)
    if fit.verdict == AHEAD_BY_EXPAND:
        logger.warning(
            "the database is ahead of this code by expand revision(s) %s only, which leave this"
            " code working; starting",
            ", ".join(fit.revisions),
        )
    elif fit.verdict == BEHIND_BY_CONTRACT:
        logger.warning(
            "the database is behind this code by contract revision(s) %s only, which run after"
            " the rollout (`upgrade --phase contract`); starting",
            ", ".join(fit.revisions),
        )
    from alembic_steward.runtime._unfinished_runs import unfinished_run

    unfinished = unfinished_run(database_url, fit)
    return unfinished.line if unfinished else problem_line(fit, current, database_url)


def judge_database(database_url: str | None) -> tuple[SchemaFit, set[str], CodeHistory]:
    """(how the database stands to this code, its revisions, this code's history)."""
    history = history_from_files(active_steward().versions_dir)
    current, recorded, unran = read_database(database_url, lambda c: guard_reading(c, history))
    if history is not None and len(history.heads) <= 1 and current == history.heads:
        return at_head(unran), current, history  # decided without importing a revision
    if history is None:
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._config import build_alembic_config

        history = history_from_script(ScriptDirectory.from_config(build_alembic_config()))
    fit = schema_fit(history, current, recorded)
    if fit.verdict == AT_HEAD:  # a history the text scan could not read: its rows read now
        from alembic_steward.runtime._unran_head_rows import unran_at_head

        known = history
        unran = read_database(database_url, lambda c: unran_at_head(c, known, current, None))
        fit = at_head(unran)
    return fit, current, history


def guard_reading(
    connection: Connection, history: CodeHistory | None
) -> tuple[set[str], dict[str, str], list[str]]:
    """(the database's revisions, the recorded phases where :func:`revisions_and_phases` reads
    them, the heads that never ran here by the rows): at head, three queries, one more than
    the version table alone (docs/decisions.md, "A version table moved ahead by hand is read
    from the rows")."""
    from sqlalchemy import inspect

    from alembic_steward.runtime._unran_head_rows import unran_at_head

    # The table names once, for the version table and the bookkeeping tables both, where the
    # version table is in the default schema (the wiring may name another).
    in_default_schema = active_steward().context_options.get("version_table_schema") is None
    tables = set(inspect(connection).get_table_names()) if in_default_schema else None
    current, recorded = revisions_and_phases(connection, history, tables)
    return current, recorded, unran_at_head(connection, history, current, tables)


def at_head(unran: list[str]) -> SchemaFit:
    """At head by the version table: the code runs, unless the head never ran here."""
    return SchemaFit(AHEAD_OF_RUNS, unran) if unran else SchemaFit(AT_HEAD)


def problem_line(
    fit: SchemaFit, current: Collection[str], database_url: str | None = None
) -> str | None:
    """The one line refusing a database that stands as ``fit`` says, or None if it runs;
    ``database_url``: the database judged (default: the app's settings' URL)."""
    if fit.runs:
        return None
    if fit.verdict == AHEAD_BY_CONTRACT:
        return ahead_by_contract_line(fit.revisions, phased=fit.phased)
    if fit.verdict == AHEAD_OF_RUNS:
        from alembic_steward.runtime._unran_heads import recorded_at_head_line

        return recorded_at_head_line(current, fit.revisions)
    return diagnose(current, database_url)


def ahead_by_contract_line(contract: list[str], *, phased: bool = True) -> str:
    """Say that contract revisions this code lacks stop it, and what to do (``phased``: named
    as contract ones, where the histories use phases at all)."""
    kind = "contract revision(s)" if phased else "revision(s)"
    return (
        f"the database is ahead of this code by {kind} {', '.join(contract)},"
        " which a newer deploy applied and this code may not work with; deploy the code that"
        " has them"
    )


def revisions_and_phases(
    connection: Connection, history: CodeHistory | None, tables: set[str] | None = None
) -> tuple[set[str], dict[str, str]]:
    """The database's revisions, and the recorded phases when it has one ``history`` lacks
    (or ``history`` is unknown): the common case costs two queries, one with ``tables`` (the
    default schema's table names, read already)."""
    from alembic_steward.runtime._phase_records import recorded_phases

    current = version_rows(connection, tables)
    if history is not None and current <= history.revisions:
        return current, {}
    return current, recorded_phases(connection)


def version_rows(connection: Connection, tables: set[str] | None = None) -> set[str]:
    """The revisions in the version table the wiring names (none when there is no such table);
    ``tables``: the default schema's table names, when the caller has read them already.

    Read with SQLAlchemy alone, as Alembic's MigrationContext reads it (the table's presence,
    then its rows): MigrationContext would import all of Alembic, most of what a start-up at
    head would otherwise cost.
    """
    from sqlalchemy import Column, MetaData, String, Table, inspect, select

    options = active_steward().context_options
    name = options.get("version_table", "alembic_version")
    schema = options.get("version_table_schema")
    if schema is None and tables is not None:
        if name not in tables:
            return set()
    elif not inspect(connection).has_table(name, schema=schema):
        return set()
    table = Table(name, MetaData(), Column("version_num", String(32)), schema=schema)
    return set(connection.scalars(select(table.c.version_num)))


def database_revisions(database_url: str | None) -> tuple[str, ...]:
    """Read the revisions in the database's version table (none when it has no such table)."""
    from alembic.runtime.migration import MigrationContext

    return read_database(database_url, lambda c: MigrationContext.configure(c).get_current_heads())


def read_database(database_url: str | None, read: Callable[[Connection], Read]) -> Read:
    """Return ``read(connection)`` on a connection of its own to the database (default: the
    app's settings' URL), closed at once."""
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._main_schema_guard import guard_main_schema
    from alembic_steward.runtime._offline_runs import missing_sqlite_file_read_as_empty

    # A blocking engine of its own, closed at once: the check runs before the app's own engine
    # (possibly asyncio) exists, and must leave no connection behind.
    url = database_url or get_settings().blocking_database_url
    engine = bound_waits(create_engine(url, poolclass=pool.NullPool))
    guard_main_schema(engine)
    try:
        # A SQLite file not made yet reads as empty, and reading it does not make it.
        with missing_sqlite_file_read_as_empty(url), engine.connect() as connection:
            return read(connection)
    finally:
        engine.dispose()


def upgrade_command() -> str:
    """The command that migrates this database: `inv` in a checkout, the module in a wheel;
    with a tenant bound (a fan-out's row), the one that migrates that tenant."""
    from alembic_steward.runtime._advice import bound_tenant_options

    tenants = bound_tenant_options("--tenants")
    return command_words(f"db.upgrade{tenants}", f"upgrade{tenants}")


def diagnose(current: Collection[str], database_url: str | None = None) -> str | None:
    """Say how the database differs from head and what to run, or None when it is at head."""
    from alembic.script import ScriptDirectory

    from alembic_steward._listing import listed
    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config())
    heads = list(script.get_heads())
    if len(heads) > 1:
        return (
            f"this code's migration history has {len(heads)} heads ({', '.join(heads)}), so no"
            ' schema matches it; merge them in the project (`inv db.merge -m "Merge heads"`)'
            " and deploy the merge"
        )
    head = heads[0] if heads else "base"
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set(current) - known)
    if unknown:
        return (
            f"the database is at {'revision' if len(unknown) == 1 else 'revisions'}"
            f" {listed(unknown)}, which this code's migrations do"
            " not contain: it is ahead of this code (a newer deploy migrated it) or from a branch"
            " this code lacks; deploy the code that has that revision, or run"
            f" `inv db.downgrade -r {head}` from that code to bring the database back"
        )
    if set(current) == set(heads):
        return None
    pending = len(list(script.iterate_revisions(head, tuple(current) or "base")))
    where = f"is at {', '.join(sorted(current))}" if current else "has no migration applied"
    from alembic_steward.runtime._already_applied import upgrade_refusal

    # Behind after a stamp moved it back: the upgrade would refuse, so its stamp is the advice.
    refused = read_database(database_url, lambda c: upgrade_refusal(c, script, tuple(current)))
    if refused:
        return f"the database {where}, behind this code's head {head}, and {refused}"
    return (
        f"the database {where}, behind this code's head {head} ({pending} migration(s)"
        f" pending); run `{upgrade_command()}` before starting the service"
    )
