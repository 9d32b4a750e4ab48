"""What the sample rows need to know of a table: its columns, primary key and foreign keys.

In the reflected form SQLAlchemy's inspector gives. On PostgreSQL the stairway's snapshot
already holds each new table's description (testing/_schema_descriptions.py), so the shape is
read from it instead of four more catalog queries before every step; a column type or key it
cannot read plainly (a domain, a quoted name) sends the whole set to the inspector instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import ARRAY, Connection, Enum, String, inspect
from sqlalchemy.types import NullType, TypeEngine

from alembic_steward.testing._schema_descriptions import Description

Shape = tuple[list[dict], list[str], list[dict]]  # columns, primary key, foreign keys

PRIMARY_KEY = re.compile(r"PRIMARY KEY \(([^)\"]*)\)")
FOREIGN_KEY = re.compile(r"FOREIGN KEY \(([^)\"]*)\) REFERENCES ([\w.]+)\(([^)\"]*)\)")


def table_shapes(
    connection: Connection, names: list[str], described: Mapping[str, Description] | None
) -> dict[str, Shape]:
    """Each table's shape: from its description where possible, else from the inspector."""
    if described is not None and connection.dialect.name == "postgresql":
        shapes = {name: postgresql_shape(connection, name, described) for name in names}
        if all(shape is not None for shape in shapes.values()):
            return shapes  # type: ignore[return-value]
    inspector = inspect(connection)
    # Only the new tables are read, in one query per kind where the database allows it.
    columns = inspector.get_multi_columns(filter_names=names)
    keys = inspector.get_multi_pk_constraint(filter_names=names)
    foreign_keys = inspector.get_multi_foreign_keys(filter_names=names)
    return {
        key[1]: (columns[key], keys[key]["constrained_columns"], foreign_keys[key])
        for key in columns
    }


def postgresql_shape(
    connection: Connection, name: str, described: Mapping[str, Description]
) -> Shape | None:
    """The shape of ``name`` from its PostgreSQL description, or None where it is not plain."""
    if name not in described:
        return None
    columns, primary_key, foreign_keys = [], [], []
    for row in described[name]:
        if row[0] == "column":
            _, column, type_text, not_null, default, generated, identity, _collation = row
            column_type = postgresql_type(connection, type_text, described)
            if column_type is None or '"' in column:
                return None
            columns.append(
                {
                    "name": column,
                    "type": column_type,
                    "nullable": not_null != "true",
                    "default": default,
                    "computed": generated or None,
                    "identity": identity or None,
                }
            )
        elif row[0] == "constraint":
            definition = row[2]
            if match := PRIMARY_KEY.match(definition):
                primary_key = split_names(match.group(1))
            elif match := FOREIGN_KEY.match(definition):
                foreign_keys.append(
                    {
                        "constrained_columns": split_names(match.group(1)),
                        "referred_table": match.group(2).rpartition(".")[2],
                        "referred_columns": split_names(match.group(3)),
                    }
                )
            elif definition.startswith(("FOREIGN KEY", "PRIMARY KEY")):
                return None
    return columns, primary_key, foreign_keys


def split_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def postgresql_type(
    connection: Connection, text: str, described: Mapping[str, Description]
) -> TypeEngine | None:
    """The SQLAlchemy type format_type's ``text`` names, or None for one it cannot read."""
    if text.endswith("[]"):
        return ARRAY(NullType())
    # "timestamp(6) without time zone": the name around the arguments, and the arguments.
    base, _, arguments = text.partition("(")
    arguments, _, rest = arguments.partition(")")
    base = (base + rest).strip()
    labels = [row[1] for row in described.get(f"type {base}", ()) if row[0] == "enum"]
    if labels:
        return Enum(*labels[0].split(","), name=base)
    type_class = connection.dialect.ischema_names.get(base)
    if type_class is None:
        return None
    if issubclass(type_class, String) and arguments.isdigit():
        return type_class(length=int(arguments))
    return type_class()
