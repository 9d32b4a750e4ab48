"""Helpers for revision files: operations written so that they do not block the application.

    from alembic_steward.migration import create_index_online, drop_index_online

    def upgrade() -> None:
        create_index_online("ix_accounts_email", "accounts", ["email"], unique=True)

A plain ``op.create_index`` on PostgreSQL blocks every write to the table until the index is
built. ``create_index_online`` builds it without blocking writes on each database:

- PostgreSQL: ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``, which cannot run in a transaction,
  inside ``op.get_context().autocommit_block()``. A concurrent build that fails (a duplicate
  under a unique index, a cancelled statement) leaves an INVALID index behind, which ``IF NOT
  EXISTS`` would then take for the finished one; it is dropped (``DROP INDEX CONCURRENTLY``)
  before the build, so running the revision again after a failure finishes the job.
- MySQL/MariaDB: ``CREATE INDEX ... ALGORITHM=INPLACE LOCK=NONE``, which the server refuses
  rather than fall back to a blocking copy.
- SQLite: a plain ``CREATE INDEX`` (a single writer at a time anyway).

What runs in the autocommit block is committed at once: the revision's other operations
belong in revisions of their own, so that a failure leaves nothing else half-done. The build
itself runs without the migration's lock timeout (its lock blocks neither reads nor writes, so
nothing queues behind it); what follows it in the revision runs under it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic_steward.runtime._lock_waits import send_settings_again

__all__ = ["create_index_online", "drop_index_online"]

MYSQL_ONLINE = " ALGORITHM=INPLACE LOCK=NONE"


def create_index_online(
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    *,
    unique: bool = False,
    schema: str | None = None,
    **dialect_options: Any,
) -> None:
    """Build index ``index_name`` on ``table_name`` (``columns``: names or SQL expressions)
    without blocking writes to the table; the arguments are ``op.create_index``'s.

    Safe to run again after a failed build on PostgreSQL (an INVALID leftover is dropped
    first). Raises what the database raises (e.g. IntegrityError for duplicates under
    ``unique=True``).
    """
    from alembic import op

    context = op.get_context()
    dialect = context.dialect.name
    if dialect == "postgresql":
        with context.autocommit_block():
            if not context.as_sql and index_is_invalid(op.get_bind(), index_name, schema):
                op.drop_index(
                    index_name, schema=schema, postgresql_concurrently=True, if_exists=True
                )
            op.create_index(
                index_name,
                table_name,
                list(columns),
                unique=unique,
                schema=schema,
                postgresql_concurrently=True,
                if_not_exists=True,
                **dialect_options,
            )
        send_settings_again(context)
        return
    if dialect in ("mysql", "mariadb"):
        create = create_index_sql(
            context, index_name, table_name, columns, unique, schema, dialect_options
        )
        op.execute(create + MYSQL_ONLINE)
        return
    op.create_index(
        index_name, table_name, list(columns), unique=unique, schema=schema, **dialect_options
    )


def drop_index_online(
    index_name: str, table_name: str | None = None, *, schema: str | None = None
) -> None:
    """Drop index ``index_name`` without blocking writes to its table (``table_name``: needed
    on MySQL/MariaDB); does nothing on PostgreSQL when it is already gone."""
    from alembic import op

    context = op.get_context()
    dialect = context.dialect.name
    if dialect == "postgresql":
        with context.autocommit_block():
            op.drop_index(index_name, schema=schema, postgresql_concurrently=True, if_exists=True)
        send_settings_again(context)
        return
    if dialect in ("mysql", "mariadb"):
        if table_name is None:
            raise TypeError("drop_index_online needs table_name on MySQL/MariaDB")
        preparer = context.dialect.identifier_preparer
        qualified = qualified_name(preparer, table_name, schema)
        # DROP INDEX takes no ALGORITHM/LOCK on MariaDB; ALTER TABLE does, comma-separated.
        op.execute(
            f"ALTER TABLE {qualified} DROP INDEX {preparer.quote(index_name)},"
            " ALGORITHM=INPLACE, LOCK=NONE"
        )
        return
    op.drop_index(index_name, table_name=table_name, schema=schema)


def qualified_name(preparer: Any, name: str, schema: str | None) -> str:
    """``name`` (in ``schema``) quoted as the database's SQL needs it."""
    quoted = preparer.quote(name)
    return f"{preparer.quote_schema(schema)}.{quoted}" if schema else quoted


def index_is_invalid(connection: Any, index_name: str, schema: str | None) -> bool:
    """Tell whether PostgreSQL holds ``index_name`` as INVALID: a concurrent build that failed."""
    from sqlalchemy import text

    name = qualified_name(connection.dialect.identifier_preparer, index_name, schema)
    invalid = connection.scalar(
        text("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    return bool(invalid)


def create_index_sql(
    context: Any,
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    unique: bool,
    schema: str | None,
    dialect_options: dict[str, Any],
) -> str:
    """The database's own ``CREATE INDEX`` for these arguments, as ``op.create_index`` writes it."""
    from alembic.operations import ops
    from sqlalchemy.schema import CreateIndex

    operation = ops.CreateIndexOp(
        index_name, table_name, list(columns), schema=schema, unique=unique, **dialect_options
    )
    index = operation.to_index(context)
    return str(CreateIndex(index).compile(dialect=context.dialect))
