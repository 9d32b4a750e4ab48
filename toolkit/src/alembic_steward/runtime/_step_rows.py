"""The bookkeeping writes of a migration step, sent together once its callbacks have run.

The checksum and phase recorders each add one row a revision, and on MySQL/MariaDB the
in-progress mark moves past it (runtime/_half_applied_marks.py), all in the revision's
transaction. Sent as they come, that is a round trip each, paid once a revision by every
tenant of a fan-out. Sent together instead:

- PostgreSQL: a data-modifying WITH sends every table's rows in one statement (its parts see
  one snapshot, which is all separate tables need).
- MariaDB: an anonymous compound statement (``BEGIN NOT ATOMIC ...; END``, MariaDB 10.1.1 on)
  runs the same statements, in order, in one round trip and in the step's transaction (NOT
  ATOMIC: no transaction of its own, no implicit commit); the first that fails fails it.
  Without the MULTI_STATEMENTS flag, which a migration's own ``op.execute`` would then get too.
- MySQL and SQLite have neither: each write is a statement of its own, as before.

The writes are the same rows in the same tables either way, in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table
    from sqlalchemy.sql.dml import Insert, Update

# The first MariaDB with anonymous compound statements outside a stored program.
COMPOUND_STATEMENTS_SINCE = (10, 1, 1)


class StepRows:
    """Writes kept until the step's callbacks that add them have run (an ``on_version_apply``
    callback itself, listed after them): then sent, in the step's transaction."""

    def __init__(self) -> None:
        self.pending: list[Insert | Update] = []
        # Called once the writes are sent: the mark's change counter starts again there.
        self.after_sent: list[Callable[[], None]] = []

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` with the step's other writes."""
        if rows:
            self.pending.append(insert(table).values(rows))

    def add_statement(self, statement: Update, then: Callable[[], None] | None = None) -> None:
        """Send ``statement`` last among the step's writes; call ``then`` once it is sent."""
        self.pending.append(statement)
        if then is not None:
            self.after_sent.append(then)

    def __call__(self, *, ctx: Any, **_: Any) -> None:
        if not ctx.as_sql:
            self.send(ctx.connection)

    def send(self, connection: Connection) -> None:
        """Send the writes kept so far on ``connection``, then keep none."""
        pending, self.pending = self.pending, []
        after_sent, self.after_sent = self.after_sent, []
        if len(pending) > 1 and connection.dialect.name == "postgresql":
            first, *others = pending
            statement = first
            for number, other in enumerate(others):
                statement = statement.add_cte(other.cte(f"rows_{number}"))
            connection.execute(statement)
        elif len(pending) > 1 and takes_compound_statements(connection):
            send_compound(connection, pending)
        else:
            for statement in pending:
                connection.execute(statement)
        for then in after_sent:
            then()


def takes_compound_statements(connection: Connection) -> bool:
    """Whether ``connection``'s server runs ``BEGIN NOT ATOMIC ... END`` as one statement:
    MariaDB from 10.1.1, outside its Oracle mode (whose blocks read differently)."""
    dialect: Any = connection.dialect
    if dialect.name != "mysql" or not getattr(dialect, "is_mariadb", False):
        return False
    version = tuple(dialect.server_version_info or ())
    sql_mode = (getattr(dialect, "_sql_mode", None) or "").upper()
    return version >= COMPOUND_STATEMENTS_SINCE and "ORACLE" not in sql_mode


def send_compound(connection: Connection, statements: list[Insert | Update]) -> None:
    """Run ``statements`` on MariaDB in one compound statement, in order, values as parameters.

    Each is compiled as SQLAlchemy would send it alone, its named parameters (the driver's
    ``%(name)s``, values escaped by the driver) renamed apart: two statements' ``revision_m0``
    must not meet. Their values are strings, which the MySQL dialect passes as they are.
    """
    parts: list[str] = []
    values: dict[str, Any] = {}
    for number, statement in enumerate(statements):
        compiled = statement.compile(dialect=connection.dialect)
        parameters = compiled.construct_params()

        def renamed(match: re.Match[str], prefix: str = f"s{number}_") -> str:
            if match.group(1) is None:
                return match.group(0)  # a literal %, doubled for the driver: kept
            return f"%({prefix}{match.group(1)})s"

        parts.append(PLACEHOLDER.sub(renamed, compiled.string))
        values.update({f"s{number}_{name}": value for name, value in parameters.items()})
    connection.exec_driver_sql(f"BEGIN NOT ATOMIC {'; '.join(parts)}; END", values)


# A doubled % (kept) or a named parameter, read left to right so "%%(x)s" is no parameter.
PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")
