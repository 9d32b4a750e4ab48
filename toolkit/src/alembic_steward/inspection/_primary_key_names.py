"""The exact calls that give a primary key the models' name.

A table keeps one primary key: `op.create_primary_key` beside the one it has fails ("multiple
primary keys for table"), so the advice names the old key too. PostgreSQL renames it in place
(`ALTER TABLE ... RENAME CONSTRAINT`), which keeps the foreign keys that lean on its index;
SQLite's batch copy drops it and creates it anew. Both names are given with `op.f()`: a
naming convention holding `%(constraint_name)s` would otherwise prefix them again. MariaDB
names every primary key PRIMARY: its name never differs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from alembic_steward.catalog import Difference


def primary_key_name_calls(
    difference: Difference, metadata: MetaData | None, dialect: str
) -> str | None:
    """The upgrade's and downgrade's calls for ``difference``, a primary key whose name
    differs (the models' ``metadata`` give its columns); None for any other difference."""
    facts = {fact: (want, have) for fact, want, have in difference.facts}
    if difference.kind != "primary key" or difference.change != "different":
        return None
    if "name" not in facts or None in facts["name"]:
        return None
    want, have = facts["name"]
    schema, _, table = difference.subject.rpartition(".")
    if dialect == "postgresql" and set(facts) == {"name"}:
        rename = 'op.execute("ALTER TABLE {0} RENAME CONSTRAINT {1} TO {2}")'
        return (
            f"`{rename.format(difference.subject, have, want)}`; in downgrade()"
            f" `{rename.format(difference.subject, want, have)}`"
        )
    on = json.dumps(table) + (f", schema={json.dumps(schema)}" if schema else "")
    columns = key_columns(metadata, difference.subject)
    if dialect == "sqlite":
        return (
            f"`with op.batch_alter_table({on}) as batch_op:` then"
            f' `batch_op.drop_constraint(op.f("{have}"), type_="primary")` and'
            f' `batch_op.create_primary_key(op.f("{want}"), {columns})`; in downgrade() the'
            " same batch the other way round"
        )
    # Its name and more differ: dropped first (PostgreSQL refuses while a foreign key leans
    # on it: drop those first and make them again after).
    return (
        f'`op.drop_constraint(op.f("{have}"), {on}, type_="primary")`, then'
        f' `op.create_primary_key(op.f("{want}"), {on.split(", schema=")[0]}, {columns}'
        f"{', schema=' + json.dumps(schema) if schema else ''})`; in downgrade() the other"
        " way round"
    )


def key_columns(metadata: MetaData | None, subject: str) -> str:
    """`["id"]`: the models' primary key columns of table ``subject``; `[...]` unknown."""
    table = metadata.tables.get(subject) if metadata is not None else None
    if table is None or not table.primary_key.columns:
        return "[...]"
    return json.dumps([column.name for column in table.primary_key.columns])
