"""What the sample rows need to know of a table: columns, primary key, foreign keys and CHECKs.

Columns and keys in the reflected form SQLAlchemy's inspector gives; CHECKs from the catalog's
description (catalog/, through the stairway's snapshot), which holds column-level ones too
(MariaDB's `json_valid` on a JSON column, SQLite's inline CHECK). On PostgreSQL the snapshot
already holds each new table's columns and keys in format_type and pg_get_constraintdef text,
so the shape is read from it instead of four more catalog queries before every step; a column
type or key it cannot read plainly (a domain, a quoted name) sends the whole set to the
inspector instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ARRAY, Connection, Enum, Numeric, String, inspect
from sqlalchemy.types import TypeEngine

from alembic_steward.testing._check_constraints import Check, checks_in
from alembic_steward.testing._described import Described
from alembic_steward.testing._schema_snapshot import Snapshot


@dataclass(frozen=True)
class Shape:
    columns: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict]
    checks: list[Check]


FOREIGN_KEY = re.compile(r"FOREIGN KEY \(([^)\"]*)\) REFERENCES ([\w.]+)\(([^)\"]*)\)")


def table_shapes(connection: Connection, names: list[str], snapshot: Snapshot) -> dict[str, Shape]:
    """Each table's shape: from the snapshot where possible, else from the inspector."""
    if connection.dialect.name == "postgresql":
        shapes = {name: postgresql_shape(connection, name, snapshot) for name in names}
        if all(shape is not None for shape in shapes.values()):
            return shapes  # type: ignore[return-value]
    inspector = inspect(connection)
    # Only the new tables are read, in one query per kind where the database allows it.
    columns = inspector.get_multi_columns(filter_names=names)
    keys = inspector.get_multi_pk_constraint(filter_names=names)
    foreign_keys = inspector.get_multi_foreign_keys(filter_names=names)
    return {
        key[1]: Shape(
            columns[key],
            keys[key]["constrained_columns"],
            foreign_keys[key],
            checks_of(snapshot.owners.get(key[1])),
        )
        for key in columns
    }


def checks_of(described: Described | None) -> list[Check]:
    """The CHECK expressions of a table, whichever database described it."""
    return checks_in(described.check_definitions()) if described is not None else []


def postgresql_shape(connection: Connection, name: str, snapshot: Snapshot) -> Shape | None:
    """The shape of ``name`` from its PostgreSQL description, or None where it is not plain."""
    described = snapshot.owners.get(name)
    if described is None:
        return None
    columns = []
    for column, facts in described.columns().items():
        column_type = postgresql_type(connection, facts["type"], snapshot)
        if column_type is None or '"' in column:
            return None
        columns.append(
            {
                "name": column,
                "type": column_type,
                "nullable": facts["nullable"] == "yes",
                "default": facts.get("default"),
                "computed": facts.get("generated"),
                "identity": facts.get("identity"),
            }
        )
    foreign_keys = []
    for facts in described.of_kind("foreign key").values():
        match = FOREIGN_KEY.match(facts["definition"])
        if match is None:
            return None
        foreign_keys.append(
            {
                "constrained_columns": split_names(match.group(1)),
                "referred_table": match.group(2).rpartition(".")[2],
                "referred_columns": split_names(match.group(3)),
            }
        )
    if any('"' in column for column in described.primary_key):
        return None
    return Shape(columns, list(described.primary_key), foreign_keys, checks_of(described))


def split_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def postgresql_type(connection: Connection, text: str, snapshot: Snapshot) -> TypeEngine | None:
    """The SQLAlchemy type format_type's ``text`` names, or None for one it cannot read."""
    if text.endswith("[]"):
        item = postgresql_type(connection, text.removesuffix("[]"), snapshot)
        return None if item is None else ARRAY(item)
    # "timestamp(6) without time zone": the name around the arguments, and the arguments.
    base, _, arguments = text.partition("(")
    arguments, _, rest = arguments.partition(")")
    base = (base + rest).strip()
    enum = snapshot.owners.get(base)
    labels = enum.enum_labels() if enum is not None else None
    if labels is not None:
        return Enum(*labels, name=base)
    type_class = connection.dialect.ischema_names.get(base)
    if type_class is None:
        return None
    if issubclass(type_class, String) and arguments.isdigit():
        return type_class(length=int(arguments))
    if issubclass(type_class, Numeric) and arguments:  # numeric(precision[,scale])
        return type_class(*(int(number) for number in arguments.split(",")))
    if type_class.__name__ in ("TIMESTAMP", "TIME") and "with time zone" in base:
        return type_class(timezone=True)
    return type_class()
