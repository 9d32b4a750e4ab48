"""The main database's schema on PostgreSQL, and the schemas a tenant must never take.

PostgreSQL resolves unqualified names, Alembic's `alembic_version` among them, through the
session's search_path, by default `"$user", public`: a schema named after the user DATABASE_URL
signs in as, once it exists, comes before `public`. A tenant schema of that name (or of any name
the search_path lists ahead of the main schema) captured every main-database command and the
app's own sessions. So such a name is never a tenant, and a main-database connection that finds
such a schema in the way fails in one line (docs/decisions.md, "The main schema on PostgreSQL").
"""

from __future__ import annotations

from typing import Any

from alembic.util import CommandError

from alembic_steward.runtime._tenancy import TenantError

USER_ENTRY = "$user"
# Where a connection's record keeps what `check_main_schema` read, for `refuse_listed_main_schema`.
SEARCH_PATH_READ = "alembic_steward_search_path"
# The query a main-database connection answers: where it resolves, who it is, and why.
SEARCH_PATH_QUERY = "SELECT current_schema(), current_user, current_setting('search_path')"


class WrongMainSchema(CommandError):
    """A main-database session resolves to a schema other than the main one; one line."""


def search_path_entries(setting: str, user: str) -> list[tuple[str, bool]]:
    """Each schema ``setting`` (a search_path) names, in order, with whether it came from the
    `"$user"` entry (then it is ``user``)."""
    entries = []
    for raw in setting.split(","):
        entry = raw.strip()
        if entry.startswith('"') and entry.endswith('"') and len(entry) > 1:
            entry = entry[1:-1].replace('""', '"')
        if entry == USER_ENTRY:
            entries.append((user, True))
        elif entry:
            entries.append((entry, False))
    return entries


def schemas_ahead_of_main(names: list[str], user: str, setting: str) -> tuple[str, list[str]]:
    """The main schema of search_path ``setting`` (its first entry that is neither the
    `"$user"` entry nor one of the tenant ``names``; `public` if none) and the schemas ahead of
    it, the signed-in ``user``'s own among them: made, each would take the main's place."""
    ahead = [user]
    for schema, from_user in search_path_entries(setting, user):
        if not from_user and schema not in names:
            return schema, ahead
        ahead.append(schema)
    return "public", ahead


def refuse_shadowing_schemas(connection: Any, names: list[str], source: str) -> None:
    """Refuse (TenantError) the first of ``names`` that, as a schema, comes before the main
    schema on ``connection``'s search_path (a SQLAlchemy Connection to the main database)."""
    _current, user, setting = connection.exec_driver_sql(SEARCH_PATH_QUERY).one()
    main, ahead = schemas_ahead_of_main(names, user, setting)
    for name in names:
        if name in ahead:
            raise TenantError(
                f"{name!r} comes before the main schema {main!r} in the search_path"
                f" ({setting}) of DATABASE_URL's sessions: as a tenant schema it would capture"
                f" every main-database command and the app's sessions (from {source}); choose"
                " another name; nothing was run"
            )


def refuse_names_on_main_search_path(names: list[str], tenancy: str, source: str) -> None:
    """:func:`refuse_shadowing_schemas` over one connection to DATABASE_URL's database, for
    schema tenants on PostgreSQL; a server that does not answer is left to each tenant's row."""
    from sqlalchemy import create_engine, pool
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits

    url = make_url(get_settings().blocking_database_url)
    if tenancy != "schema" or not names or url.get_backend_name() != "postgresql":
        return
    engine = bound_waits(create_engine(url, poolclass=pool.NullPool))
    try:
        with engine.connect() as connection:
            refuse_shadowing_schemas(connection, names, source)
    except DBAPIError:
        return
    finally:
        engine.dispose()


def check_main_schema(dbapi_connection: Any, noted: dict[str, Any] | None = None) -> None:
    """Raise WrongMainSchema when a main-database session's schema is the one the `"$user"`
    entry reaches ahead of the schemas the search_path goes on to name.

    Read from the session alone: the tenants callable is not asked here, inside SQLAlchemy's
    connect event, since a callable that reads the app's table through the same engine would
    wait for that event for ever. A tenant listed ahead of the main schema is refused before
    it is made (:func:`refuse_shadowing_schemas`)."""
    from alembic_steward.runtime._session_statements import session_statement

    [(current, user, setting)] = session_statement(dbapi_connection, SEARCH_PATH_QUERY)
    if noted is not None:  # for the check against the tenants list (refuse_listed_main_schema)
        noted[SEARCH_PATH_READ] = (current, user, setting)
    if current is None or current == "public":
        return
    entries = search_path_entries(setting, user)
    position = next((at for at, (schema, _) in enumerate(entries) if schema == current), None)
    if position is None:
        return
    later = [schema for schema, _ in entries[position + 1 :] if schema != current]
    if not (entries[position][1] and later):
        return
    why = f'the schema named after the user {user} that "$user" reaches first'
    main = later[0]
    raise WrongMainSchema(
        f"DATABASE_URL's sessions resolve to the schema {current!r} ({why}; search_path"
        f" {setting}), not the main schema {main!r}: main-database commands would read and"
        f" migrate {current}.alembic_version; nothing was done; rename that schema if it is"
        f" not the main database's, or pin the main schema in DATABASE_URL"
        f" (?options=-csearch_path%3D{main})"
    )


def refuse_listed_main_schema(read: tuple[str | None, str, str]) -> None:
    """Raise WrongMainSchema when a main-database session's schema (``read``: what
    SEARCH_PATH_QUERY answered) is one the tenants callable lists: named ahead of the main one
    in the search_path, it takes the main's place once made, by hand or not (its creation by
    `tenant-create` is refused, :func:`refuse_shadowing_schemas`). A callable that fails is
    left to the fan-outs, which say why."""
    from alembic_steward.runtime._tenancy import declared_tenants

    current, user, setting = read
    if current is None or current == "public":
        return
    try:
        names = declared_tenants()
    except CommandError:
        return
    if current not in names:
        return
    main, _ahead = schemas_ahead_of_main(names, user, setting)
    raise WrongMainSchema(
        f"DATABASE_URL's sessions resolve to the schema {current!r} (search_path {setting}),"
        f" but the tenants callable lists it as a tenant: main-database commands would read"
        f" and migrate the tenant's tables as the main database's; nothing was done; pin the"
        f" main schema in DATABASE_URL (?options=-csearch_path%3D{main}), or take {current}"
        " off the tenants list if it is the main database's"
    )
