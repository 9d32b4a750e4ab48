"""The lint's own rules: what squawk cannot see (Alembic operations, SQLite and MySQL/MariaDB).

On PostgreSQL squawk reads the offline SQL (lint/_squawk.py); the rules here cover the
same risks on the other databases, from the operations a revision performs, under squawk's
rule names so one marker means the same on every database. Three rules are ours alone: an
empty downgrade, `ALTER TYPE ... ADD VALUE` left inside the migration's transaction, and an
operation SQLite cannot run outside batch mode (lint/_sqlite_batch.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from alembic_steward.lint import (
    _existing_triggers,
    _sqlite_batch,
    _sqlite_batch_views,
    _sqlite_rebuilds,
)
from alembic_steward.lint._findings import Finding, RevisionSource
from alembic_steward.lint._trace import RevisionTrace
from alembic_steward.runtime._empty_downgrades import empty_downgrade_of
from alembic_steward.runtime._irreversible import IRREVERSIBLE_IMPORT, IRREVERSIBLE_RAISE

NOT_POSTGRESQL = ("sqlite", "mysql")
# Rule name -> the databases it applies to.
OWN_RULES = {
    "adding-required-field": NOT_POSTGRESQL,
    "adding-not-nullable-field": NOT_POSTGRESQL,
    "changing-column-type": NOT_POSTGRESQL,
    "ban-drop-column": NOT_POSTGRESQL,
    "ban-drop-table": NOT_POSTGRESQL,
    "renaming-column": NOT_POSTGRESQL,
    "renaming-table": NOT_POSTGRESQL,
    "add-enum-value-in-transaction": ("postgresql",),
    "empty-downgrade": ("sqlite", "mysql", "postgresql"),
    _sqlite_batch.RULE: ("sqlite",),
    _sqlite_rebuilds.RULE: ("sqlite",),
    _sqlite_batch_views.RULE: ("sqlite",),
    _sqlite_batch_views.TRIGGER_RULE: ("sqlite",),
    _existing_triggers.RULE: ("sqlite", "mysql"),
}

DEPLOYED_CODE = "the code still deployed reads it until the new release is out, and fails when"
WHY = {
    ("adding-required-field", "sqlite"): (
        "SQLite refuses to add a NOT NULL column without a default, so this upgrade fails"
    ),
    ("adding-required-field", "mysql"): (
        "MySQL/MariaDB silently fill the existing rows with the type's implicit default"
        " (0, '' or a zero date), not the model's default"
    ),
    ("adding-not-nullable-field", "sqlite"): (
        "batch mode copies the rows into a table whose column is NOT NULL: the upgrade fails on"
        " any row holding NULL, which a scratch database (empty) never shows"
    ),
    ("adding-not-nullable-field", "mysql"): (
        "MySQL/MariaDB refuse it on any row holding NULL (strict mode), or silently turn the"
        " NULLs into the type's implicit default (0, '') when not strict"
    ),
    ("changing-column-type", "sqlite"): (
        "batch mode copies the whole table into a new one, holding SQLite's database lock"
        " throughout; values the new type cannot hold are changed or lost"
    ),
    ("changing-column-type", "mysql"): (
        "MySQL/MariaDB rebuild the table (ALGORITHM=COPY) and block writes while they copy it;"
        " a narrower type truncates or rejects existing values"
    ),
    ("ban-drop-column", None): f"{DEPLOYED_CODE} the column is gone; its data is lost",
    ("ban-drop-table", None): f"{DEPLOYED_CODE} the table is gone; its data is lost",
    ("renaming-column", None): f"{DEPLOYED_CODE} the old name disappears",
    ("renaming-table", None): f"{DEPLOYED_CODE} the old name disappears",
}
SAFE = {
    "adding-required-field": (
        "give the column a server_default (e.g. server_default=sa.text('0')), or add it"
        " nullable, backfill the rows, and make it NOT NULL in a later revision"
    ),
    "adding-not-nullable-field": (
        "backfill the NULL rows first, in the same revision before it"
        ' (`op.execute("UPDATE t SET c = ... WHERE c IS NULL")`), or make sure none exist'
        " and mark it `# lint: allow adding-not-nullable-field`"
    ),
    "changing-column-type": (
        "add a new column of the new type, backfill it, switch the code to it,"
        " then drop the old column in a later release"
    ),
    "ban-drop-column": (
        "first release code that no longer reads or writes it (remove it from the model),"
        " then drop it in a revision of a later release"
    ),
    "ban-drop-table": (
        "first release code that no longer uses the table, then drop it in a revision of a"
        " later release"
    ),
    "renaming-column": (
        "add the new column, write both and backfill, switch reads to it, then drop the old"
        " column in a later release"
    ),
    "renaming-table": (
        "create the new table (or a view under the new name), move the code to it, then drop"
        " the old name in a later release"
    ),
    "add-enum-value-in-transaction": (
        "run it outside the transaction: `with op.get_context().autocommit_block():`"
        " around the op.execute(...)"
    ),
    "empty-downgrade": (
        "write the downgrade that reverts the upgrade; when it cannot be reverted, make"
        f" `{IRREVERSIBLE_RAISE}` its first statement, with `{IRREVERSIBLE_IMPORT}` at the top"
    ),
}
UPDATE_TABLE = re.compile(r"\s*UPDATE\s+[`\"]?(\w+)", re.IGNORECASE)
ENUM_ADD_VALUE = re.compile(r"\bALTER\s+TYPE\b.*\bADD\s+VALUE\b", re.IGNORECASE | re.DOTALL)


def operation_findings(path: Path, trace: RevisionTrace, dialect: str) -> Iterator[Finding]:
    """Yield the findings of our operation rules for one revision's recorded operations."""
    from alembic.operations import ops

    created: set[str] = set()
    backfilled: set[str] = set()
    for recorded in trace.operations:
        operation = recorded.operation
        backfilled.add(updated_table(operation) or "")
        # The service's own rules see every operation, on new tables too.
        for rule in project_rules():
            message = rule(operation, dialect)
            if message:
                safe = f"if it is intended here, add `# lint: allow {rule_name(rule)}`"
                yield Finding(path, recorded.line, rule_name(rule), message, safe)
        if isinstance(operation, ops.CreateTableOp):
            created.add(operation.table_name)
        if getattr(operation, "table_name", None) in created:
            continue  # a table this revision created has no rows or readers yet
        for rule, subject in risks(operation, dialect):
            if rule == "adding-not-nullable-field" and operation.table_name.lower() in backfilled:
                continue  # the NULLs were updated just before
            if dialect in OWN_RULES[rule]:
                why = WHY.get((rule, dialect)) or WHY[(rule, None)]
                yield Finding(path, recorded.line, rule, f"{subject}: {why}", SAFE[rule])


def project_rules() -> Sequence[Callable[[Any, str], str | None]]:
    """The service's own rules, from its wiring (`Steward(lint_rules=[...])`)."""
    from alembic_steward._wiring import active_steward

    return active_steward().lint_rules


def rule_name(rule: Callable[..., Any]) -> str:
    """A project rule's name in findings and markers: its function name, dashed."""
    return getattr(rule, "__name__", type(rule).__name__).replace("_", "-")


def risks(operation: Any, dialect: str) -> Iterator[tuple[str, str]]:
    """Yield (rule, what the operation does) for each risk an operation carries on
    ``dialect``'s database (a type as its SQL writes it)."""
    from alembic.operations import ops

    if isinstance(operation, ops.AddColumnOp):
        column = operation.column
        if not column.nullable and column.server_default is None and not column.primary_key:
            subject = f"adds NOT NULL column {operation.table_name}.{column.name}"
            yield "adding-required-field", subject
    elif isinstance(operation, ops.AlterColumnOp):
        column = f"{operation.table_name}.{operation.column_name}"
        if operation.modify_type is not None:
            new_type = type_as_written(operation.modify_type, dialect)
            yield "changing-column-type", f"changes the type of {column} to {new_type}"
        if operation.modify_name is not None:
            yield "renaming-column", f"renames column {column} to {operation.modify_name}"
        if operation.modify_nullable is False and operation.existing_nullable is not False:
            yield "adding-not-nullable-field", f"makes column {column} NOT NULL"
    elif isinstance(operation, ops.DropColumnOp):
        yield "ban-drop-column", f"drops column {operation.table_name}.{operation.column_name}"
    elif isinstance(operation, ops.DropTableOp):
        yield "ban-drop-table", f"drops table {operation.table_name}"
    elif isinstance(operation, ops.RenameTableOp):
        table = operation.table_name
        yield "renaming-table", f"renames table {table} to {operation.new_table_name}"


def type_as_written(type_: Any, dialect: str) -> str:
    """``type_`` as ``dialect``'s DDL writes it: SQLAlchemy's own str() is its generic
    rendering (an Enum as VARCHAR), which on MySQL/MariaDB read a widening as a narrowing."""
    from sqlalchemy.dialects import registry
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return str(type_.compile(dialect=registry.load(dialect)()))
    except (SQLAlchemyError, NotImplementedError):  # a type this dialect cannot write
        return str(type_)


def updated_table(operation: Any) -> str | None:
    """The table an `op.execute("UPDATE t ...")` updates (a backfill), lower-cased, else None."""
    from alembic.operations import ops

    if not isinstance(operation, ops.ExecuteSQLOp):
        return None
    match = UPDATE_TABLE.match(str(operation.sqltext))
    return match.group(1).lower() if match else None


def lines_on_new_tables(trace: RevisionTrace) -> set[int]:
    """Return the lines whose operations touch a table the same revision created before them."""
    from alembic.operations import ops

    created: set[str] = set()
    lines = set()
    for recorded in trace.operations:
        table = getattr(recorded.operation, "table_name", None)
        if table in created:
            lines.add(recorded.line)
        if isinstance(recorded.operation, ops.CreateTableOp):
            created.add(recorded.operation.table_name)
    return lines


def enum_value_findings(path: Path, trace: RevisionTrace) -> Iterator[Finding]:
    """Yield a finding for each `ALTER TYPE ... ADD VALUE` written inside a transaction."""
    in_transaction = True  # each revision runs in a transaction; autocommit_block leaves it
    for line, sql in trace.sql:
        statement = sql.strip().rstrip(";").strip().upper()
        if statement in ("COMMIT", "BEGIN"):
            in_transaction = statement == "BEGIN"
        elif in_transaction and ENUM_ADD_VALUE.search(sql):
            why = (
                "adds an enum value inside the migration's transaction: PostgreSQL before 12"
                " refuses it, and from 12 the value cannot be used until the transaction commits"
            )
            rule = "add-enum-value-in-transaction"
            yield Finding(path, line, rule, why, SAFE[rule])


def downgrade_findings(source: RevisionSource) -> Iterator[Finding]:
    """Yield a finding when the downgrade does nothing although the upgrade does something."""
    downgrade = empty_downgrade_of(source.tree)
    if downgrade is not None:
        why = "the downgrade does nothing: `inv db.downgrade` would succeed and revert nothing"
        # At the body's last line: a marker there reads `pass  # lint: allow empty-downgrade`.
        line = downgrade.body[-1].end_lineno or downgrade.lineno
        yield Finding(source.path, line, "empty-downgrade", why, SAFE["empty-downgrade"])
