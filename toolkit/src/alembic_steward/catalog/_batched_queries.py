"""Run a reader's queries in one round trip where the driver can: psycopg's pipeline mode.

A description is a handful of catalog queries, each quick on the server; run one after another
they cost a round trip each, which on a busy machine is most of the time a restricted read takes
(the stairway reads again after each of its 3N steps). psycopg 3 sends them together and reads
the results after one sync, each query (once prepared, as psycopg does for a query run often)
with a generic plan: planning these joins of the catalog takes longer than running them for a
few tables, and a prepared statement's custom plan is made afresh at each run. The setting is
the transaction's own (`set_config(..., true)`) and put back to what it was by the last
statement sent, so the caller's transaction goes on as before. Another driver runs them one
after another through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The caller's setting is kept in a setting of ours, for the transaction, and put back after.
GENERIC_PLANS = (
    "SELECT set_config('alembic_steward.plan_cache_mode', current_setting('plan_cache_mode'),"
    " true), set_config('plan_cache_mode', 'force_generic_plan', true)"
)
PLANS_AS_BEFORE = (
    "SELECT set_config('plan_cache_mode', current_setting('alembic_steward.plan_cache_mode'), true)"
)


def rows_of_each(
    connection: Connection, queries: Sequence[str], parameters: Mapping[str, Any]
) -> list[list[tuple]]:
    """The rows of each of ``queries`` (run with ``parameters``), in order.

    Runs in the connection's transaction, begun as SQLAlchemy would begin it if none is; raises
    SQLAlchemy's DBAPIError when a query fails.
    """
    driver = connection.connection.driver_connection
    if not in_pipeline_mode_possible(driver):
        return [list(connection.exec_driver_sql(query, parameters)) for query in queries]
    import psycopg

    if not connection.in_transaction():
        connection.begin()  # what executing through SQLAlchemy would do (its autobegin)
    try:
        with driver.pipeline():
            # Prepared as the connection's prepare_threshold says (psycopg's default: from the
            # fifth run on; none where a pooler such as PgBouncer made the service turn it off).
            driver.execute(GENERIC_PLANS)
            cursors = [driver.execute(query, parameters) for query in queries]
            driver.execute(PLANS_AS_BEFORE)
        return [cursor.fetchall() for cursor in cursors]
    except psycopg.Error as error:
        raise DBAPIError.instance(queries[0], parameters, error, psycopg.Error) from error


def in_pipeline_mode_possible(driver: object) -> bool:
    """Whether ``driver`` is a blocking psycopg connection whose libpq has pipeline mode (an
    asyncio one, psycopg.AsyncConnection, is read one query after another, through SQLAlchemy's
    own bridge: its pipeline is an asynchronous context)."""
    if type(driver).__module__.partition(".")[0] != "psycopg":
        return False
    import psycopg

    return isinstance(driver, psycopg.Connection) and psycopg.Pipeline.is_supported()
