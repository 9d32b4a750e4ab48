"""What the sample rows need to know of a table: columns, primary key, foreign keys and CHECKs.

Columns and keys in the reflected form SQLAlchemy's inspector gives; CHECKs from the database's
own text of the table (testing/_check_constraints.py), which holds column-level ones too. On
PostgreSQL the stairway's snapshot already holds each new table's description
(testing/_schema_descriptions.py), so the shape is read from it instead of four more catalog
queries before every step; a column type or key it cannot read plainly (a domain, a quoted
name) sends the whole set to the inspector instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ARRAY, Connection, Enum, Numeric, String, inspect
from sqlalchemy.types import TypeEngine

from alembic_steward.testing._check_constraints import Check, checks_in
from alembic_steward.testing._schema_descriptions import Description, describe


@dataclass(frozen=True)
class Shape:
    columns: list[dict]
    primary_key: list[str]
    foreign_keys: list[dict]
    checks: list[Check]


PRIMARY_KEY = re.compile(r"PRIMARY KEY \(([^)\"]*)\)")
FOREIGN_KEY = re.compile(r"FOREIGN KEY \(([^)\"]*)\) REFERENCES ([\w.]+)\(([^)\"]*)\)")


def table_shapes(
    connection: Connection, names: list[str], described: Mapping[str, Description] | None
) -> dict[str, Shape]:
    """Each table's shape: from its description where possible, else from the inspector."""
    described = {**describe(connection, set(names) - set(described or {})), **(described or {})}
    if connection.dialect.name == "postgresql":
        shapes = {name: postgresql_shape(connection, name, described) for name in names}
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
            checks_of(described.get(key[1], frozenset())),
        )
        for key in columns
    }


def checks_of(description: Description) -> list[Check]:
    """The CHECK expressions in a table's description, whichever database wrote it."""
    return checks_in(str(field) for row in description for field in row[1:])


def is_base_table(name: str, description: Description) -> bool:
    """Whether ``name`` is a table rows can be written into (not a view or a sequence)."""
    for row in description:
        if row[0] == "relation" and row[1] == name:  # PostgreSQL: (relation, name, relkind)
            return row[2] in ("r", "p")
        if row[0] == "definition" and str(row[1]).startswith("CREATE"):  # MySQL
            return str(row[1]).startswith("CREATE TABLE")
    return not description or any(row[0] == "table" for row in description)


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
    return Shape(columns, primary_key, foreign_keys, checks_of(described[name]))


def split_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def postgresql_type(
    connection: Connection, text: str, described: Mapping[str, Description]
) -> TypeEngine | None:
    """The SQLAlchemy type format_type's ``text`` names, or None for one it cannot read."""
    if text.endswith("[]"):
        item = postgresql_type(connection, text.removesuffix("[]"), described)
        return None if item is None else ARRAY(item)
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
    if issubclass(type_class, Numeric) and arguments:  # numeric(precision[,scale])
        return type_class(*(int(number) for number in arguments.split(",")))
    if type_class.__name__ in ("TIMESTAMP", "TIME") and "with time zone" in base:
        return type_class(timezone=True)
    return type_class()
