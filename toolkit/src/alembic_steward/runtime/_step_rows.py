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
  Only through a driver with named parameters (PyMySQL): the text names them.
- MySQL and SQLite have neither: each write is a statement of its own, as before.

The writes are the same rows in the same tables either way, in the same order. The compound
statement's text is made once per shape (tables, columns, rows) and process, like SQLAlchemy's
own compiled-statement cache: a tenant of 20 revisions sends one text 20 times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update

if TYPE_CHECKING:
    from sqlalchemy import Connection, Dialect, Table
    from sqlalchemy.sql.dml import Insert, Update

# The first MariaDB with anonymous compound statements outside a stored program.
COMPOUND_STATEMENTS_SINCE = (10, 1, 1)


@dataclass(frozen=True)
class Write:
    """One bookkeeping write: ``rows`` inserted into ``table``, or (``updates``) its every row
    given the values of ``rows[0]`` (the in-progress mark's one row)."""

    table: Table
    rows: list[dict[str, Any]]
    updates: bool = False

    def statement(self) -> Insert | Update:
        if self.updates:
            return update(self.table).values(self.rows[0])
        return insert(self.table).values(self.rows)

    def send_alone(self, connection: Connection) -> None:
        """Send it as a statement of its own; rows inserted as one executemany, as before
        (SQLite caps a statement's parameters: a first run records every earlier revision)."""
        if self.updates:
            connection.execute(self.statement())
        else:
            connection.execute(insert(self.table), self.rows)

    def shape(self) -> tuple[Any, ...]:
        """What its SQL text depends on: not the values, which go as parameters."""
        return (self.table, self.updates, tuple(self.rows[0]), len(self.rows))


class StepRows:
    """Writes kept until the step's callbacks that add them have run (an ``on_version_apply``
    callback itself, listed after them): then sent, in the step's transaction."""

    def __init__(self) -> None:
        self.pending: list[Write] = []
        # Called once the writes are sent: the mark's change counter starts again there.
        self.after_sent: list[Callable[[], None]] = []

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (each with the same columns) into ``table`` with the step's other
        writes."""
        if rows:
            self.pending.append(Write(table, rows))

    def add_update(
        self, table: Table, values: dict[str, Any], then: Callable[[], None] | None = None
    ) -> None:
        """Set ``values`` on every row of ``table`` after the step's other writes; call
        ``then`` once they are all sent."""
        self.pending.append(Write(table, [values], updates=True))
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
            first, *others = [write.statement() for write in pending]
            statement = first
            for number, other in enumerate(others):
                statement = statement.add_cte(other.cte(f"rows_{number}"))
            connection.execute(statement)
        elif len(pending) > 1 and takes_compound_statements(connection):
            shapes = tuple(write.shape() for write in pending)
            text = compound_text(connection.dialect, shapes)
            connection.exec_driver_sql(text, compound_parameters(pending))
        else:
            for write in pending:
                write.send_alone(connection)
        for then in after_sent:
            then()


def takes_compound_statements(connection: Connection) -> bool:
    """Whether ``connection``'s server runs ``BEGIN NOT ATOMIC ... END`` as one statement:
    MariaDB from 10.1.1, outside its Oracle mode (whose blocks read differently)."""
    dialect: Any = connection.dialect
    if dialect.name != "mysql" or not getattr(dialect, "is_mariadb", False):
        return False
    # Its text names its parameters (`%(name)s`): a driver whose parameters are positional
    # (`%s`: mysqlclient, aiomysql, asyncmy) sends each write alone.
    if dialect.paramstyle not in ("pyformat", "named"):
        return False
    version = tuple(dialect.server_version_info or ())
    sql_mode = (getattr(dialect, "_sql_mode", None) or "").upper()
    return version >= COMPOUND_STATEMENTS_SINCE and "ORACLE" not in sql_mode


@lru_cache(maxsize=32)
def compound_text(dialect: Dialect, shapes: tuple[tuple[Any, ...], ...]) -> str:
    """The compound statement running writes of ``shapes`` (:meth:`Write.shape`) in order.

    Each is compiled as SQLAlchemy would send it alone, its values named parameters (the
    driver's ``%(name)s``, escaped by the driver) that :func:`compound_parameters` fills.
    """
    parts = []
    for number, (table, updates, columns, count) in enumerate(shapes):
        rows = [
            {column: bindparam(parameter(number, row, column)) for column in columns}
            for row in range(count)
        ]
        write = Write(table, rows, updates)
        parts.append(write.statement().compile(dialect=dialect).string)
    return f"BEGIN NOT ATOMIC {'; '.join(parts)}; END"


def compound_parameters(writes: list[Write]) -> dict[str, Any]:
    """The values of ``writes``, named as :func:`compound_text` names their parameters."""
    return {
        parameter(number, row, column): value
        for number, write in enumerate(writes)
        for row, values in enumerate(write.rows)
        for column, value in values.items()
    }


def parameter(write: int, row: int, column: str) -> str:
    return f"w{write}_{row}_{column}"
