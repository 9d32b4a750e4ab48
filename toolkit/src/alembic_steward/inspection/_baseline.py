"""Which revision builds a database that was never migrated: found by building each revision in
a scratch database and comparing descriptions, never by table names or a version given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog, Difference


@dataclass(frozen=True)
class Match:
    """The revisions that build the database exactly, oldest first (every one in the history, not
    only those right after the first: a later one builds it again after a change undone), or the
    closest alone with its ``differences``; ``history`` is the order they were built in."""

    revisions: list[str]
    differences: list[Difference]
    history: list[str]


def version_table_name() -> tuple[str, str | None]:
    """The version table the migrations record their revision in, and its schema."""
    from alembic_steward._wiring import active_steward

    options = active_steward().context_options
    return options.get("version_table", "alembic_version"), options.get("version_table_schema")


def never_migrated(connection: Connection) -> bool:
    """Whether ``connection``'s database has no version table at all, as one made by hand (or by
    create_all) has: one to adopt with `inv db.baseline`, not one whose migrations left things.
    A read: a transaction it began is ended, leaving the connection as it was handed in."""
    from sqlalchemy import inspect

    table, schema = version_table_name()
    began = not connection.in_transaction()
    try:
        return not inspect(connection).has_table(table, schema=schema)
    finally:
        if began and connection.in_transaction():
            connection.rollback()


def adoptable(connection: Connection) -> bool:
    """Whether `inv db.baseline` is the advice for ``connection``'s database, found differing
    from base: it has no version table, and no tenant is bound (baseline adopts the database
    DATABASE_URL names, never one tenant of it)."""
    from alembic_steward.runtime._advice import bound_tenant_options

    return not bound_tenant_options() and never_migrated(connection)


def adopt_advice(where: str) -> str:
    """What to do with a database that was never migrated but holds things (``where``): adopt
    it, rather than undo them as a failed run's leftovers, which would drop its data."""
    from alembic_steward.runtime._advice import advised, installed_service

    baseline, upgrade = "`inv db.baseline`", advised("db.upgrade", "upgrade")
    if installed_service():  # no deploy command adopts: baseline builds every revision
        baseline = f"{baseline} (from a checkout of the service, DATABASE_URL naming it)"
    return (
        f"the database has no version table, but has tables {where}: it was never migrated"
        f" (made by hand, by create_all or by another tool), so {upgrade} would run into"
        f" them. To adopt it, run {baseline}: it stamps the revision that builds it exactly (no"
        " migration runs), and names what differs when none does; if it is no database to"
        " keep, drop its tables by hand"
    )


def version_table_revisions(connection: Connection) -> list[str] | None:
    """The revisions ``connection``'s version table holds, sorted ([] when it is empty), or None
    when it has none. A read: the transaction it began is ended."""
    from sqlalchemy import inspect, text

    table, schema = version_table_name()
    if not inspect(connection).has_table(table, schema=schema):
        return None
    query = f"SELECT version_num FROM {qualified(connection, table, schema)}"
    revisions = sorted(row[0] for row in connection.execute(text(query)))
    connection.rollback()
    return revisions


def existing_version_table(connection: Connection) -> str | None:
    """Why ``connection``'s database cannot be baselined (its version table names a revision),
    or None. An empty version table is a database at no revision, as a first upgrade that
    failed on MariaDB leaves one (its CREATE TABLE is not rolled back): one to adopt."""
    revisions = version_table_revisions(connection)
    if not revisions:
        return None
    table, _ = version_table_name()
    return (
        f"the database already has a version table ({table}, at {', '.join(revisions)}), so it"
        " is migrated, not one to adopt"
    )


def empty_version_table_note(connection: Connection) -> str | None:
    """The line baseline prints before adopting a database whose version table is empty."""
    if version_table_revisions(connection) != []:
        return None
    table, _ = version_table_name()
    return (
        f"baseline: found an empty version table ({table}): the database is at no revision (a"
        " first upgrade that failed leaves one), so it is adopted as one never migrated"
    )


def qualified(connection: Connection, table: str, schema: str | None) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def closest_revisions(
    script: ScriptDirectory,
    server: URL,
    live: Catalog,
    progress: Callable[[int, int], None],
    chosen: str | None = None,
) -> Match:
    """Build every revision in turn beside ``server`` and return all that describe the same as
    ``live``, else the one with the fewest differences (the latest of equals).

    The walk never stops at a match: a revision after a schema change and its undo builds the
    same again, and baseline runs once per database. ``chosen`` (`-r`) is judged by its own
    build: one the walk cannot compare (a branched history's) is built alone."""
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._schema_build import (
        each_revision_built,
        linear_revisions,
        whole_prefixes,
    )

    revisions = linear_revisions(script)
    comparable = whole_prefixes(script, revisions)
    best: tuple[str, list[Difference]] | None = None
    exact: list[str] = []
    built = each_revision_built(server, revisions, lambda done: progress(done, len(revisions)))
    for revision, catalog in built:
        if revision not in comparable:
            continue
        differences = compare_catalogs(catalog, live)
        if not differences:
            exact.append(revision)
        elif best is None or len(differences) <= len(best[1]):
            best = (revision, differences)
    built.close()  # drops the scratch database now, not whenever the generator is collected
    if chosen is not None and chosen not in comparable and builds_alone(server, chosen, live):
        exact = sorted([*exact, chosen], key=revisions.index)
    if exact:
        return Match(exact, [], revisions)
    assert best is not None, "a history with no revision is refused before it is built"
    return Match([best[0]], best[1], revisions)


def builds_alone(server: URL, revision: str, live: Catalog) -> bool:
    """Whether ``revision``, built alone on a scratch database from base, describes as ``live``."""
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._schema_build import describe_built
    from alembic_steward.inspection._scratch_database import revision_built

    with revision_built(server, [revision], label="schema") as connection:
        return not compare_catalogs(describe_built(connection), live)
