"""Name the column whose default this database cannot build, where SQLAlchemy raises bare;
and the table whose CREATE statement the server refuses.

A model column may declare a default only some databases have: `server_default=seq.next_value()`
needs sequences, which SQLite (and MySQL) lack. Compiling the models' CREATE TABLE then raises
NotImplementedError ("Dialect 'sqlite' does not support sequence increments") without naming a
table or column, and every task that describes the models stops on it. This says which column,
why, and what to do, in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.util import CommandError

if TYPE_CHECKING:
    from sqlalchemy import Column, Dialect, Table
    from sqlalchemy.sql.base import Executable

# What each database lacks, by the words of SQLAlchemy's error for it.
LACKS = {"sequence": "sequences"}
DISPLAY_NAMES = {
    "sqlite": "SQLite",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "postgresql": "PostgreSQL",
}


class UnbuildableModels(CommandError):
    """The models hold something this database cannot build; the one line says what and why.
    No check can go around it (a scratch database of this kind cannot hold the models either),
    so every task stops on it."""


def compiled_ddl(statement: Executable, dialect: Dialect) -> str:
    """``statement`` compiled for ``dialect``, or UnbuildableModels naming what it cannot build."""
    from sqlalchemy.exc import CompileError

    try:
        return str(statement.compile(dialect=dialect))
    except (NotImplementedError, CompileError) as error:
        raise unbuildable_models(statement, dialect, error) from None


def unbuildable_models(
    statement: Executable, dialect: Dialect, error: Exception
) -> UnbuildableModels:
    """The one-line error for a models' statement that ``dialect`` cannot compile."""
    from sqlalchemy import Table

    database = display_name(dialect)
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    lacking = [lack for word, lack in LACKS.items() if word in reason]
    why = f"{database} has no {lacking[0]}" if lacking else f"{database} says: {reason}"
    table = getattr(statement, "element", None)
    column = failing_column(table, dialect) if isinstance(table, Table) else None
    if column is None:
        what = f"the models' {type(statement).__name__} for {getattr(table, 'fullname', table)}"
        return UnbuildableModels(
            f"this database cannot build {what} ({why}); change the models so that {database}"
            " can create them, or point DATABASE_URL at a database that has what they use"
        )
    return UnbuildableModels(
        f"the default of column {column.table.fullname}.{column.name} in the models cannot be"
        f" built on this database ({why}, and its server_default is {default_text(column)});"
        f" give the column a default {database} has (or none, and set the value"
        " in the application), or point DATABASE_URL at a database with"
        f" {lacking[0] if lacking else 'what it needs'}"
    )


def refused_models(table: str | None, said: str, dialect: Dialect) -> UnbuildableModels:
    """The one-line error for models whose CREATE statement on ``table`` (None: a statement on
    no one table) the server of ``dialect`` refused, saying ``said``. The same line for every
    task: `db.status`, `db.check`, and `db.revision` before it writes anything."""
    database = display_name(dialect)
    what = f"the models' table {table}" if table else "the models"
    return UnbuildableModels(
        f"this database cannot build {what} ({database} says: {said}); change the models so"
        f" that {database} can create them, or point DATABASE_URL at a database that has what"
        " they use"
    )


def display_name(dialect: Dialect) -> str:
    """The name of ``dialect``'s database as the user knows it: MariaDB's dialect says mysql."""
    name = "mariadb" if getattr(dialect, "is_mariadb", False) else dialect.name
    return DISPLAY_NAMES.get(name, name)


def failing_column(table: Table, dialect: Dialect) -> Column | None:
    """The first column of ``table`` whose own DDL ``dialect`` cannot compile, if one is."""
    from sqlalchemy.exc import CompileError
    from sqlalchemy.schema import CreateColumn

    for column in table.columns:
        try:
            CreateColumn(column).compile(dialect=dialect)
        except (NotImplementedError, CompileError):
            return column
    return None


def default_text(column: Column) -> str:
    """``column``'s server default as the error names it: a sequence by its name."""
    default = getattr(column.server_default, "arg", column.server_default)
    sequence = getattr(default, "sequence", None)
    return f"the next value of sequence {sequence.name}" if sequence is not None else str(default)
