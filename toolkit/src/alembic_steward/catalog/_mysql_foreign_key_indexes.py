"""The index InnoDB makes for a foreign key, left out of the description: whether it is there,
and under which name, depends on how the database was made, not on what the schema means.

InnoDB needs an index whose leading columns are a foreign key's. When none exists it makes one,
named after the constraint (or, for a foreign key made without a name, after its first column),
and drops it by itself as soon as a later index covers those columns. An index typed with the
same name and columns (a squashed revision's `op.create_index`, a dump's `KEY` line restored)
stays. The same history therefore leaves the index in a database restored from a dump and not
in one upgraded live, and an index added by hand later covers it in one and replaces it in the
other. Some index always serves the foreign key, so this one says nothing the foreign key does
not (docs/decisions.md, "The index a foreign key made is never described").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog._model import Facts, Key

# How the reader spells a foreign key (catalog/_mysql.py).
FOREIGN_KEY_COLUMNS = re.compile(r"^FOREIGN KEY \((.*?)\) REFERENCES ")
# The kind of index InnoDB makes for a foreign key: a plain ordered one.
SERVING_TYPE = "BTREE"


def without_foreign_keys_own_indexes(objects: dict[Key, Facts]) -> None:
    """Remove from ``objects`` each index InnoDB would have made for a foreign key (its name,
    exactly the foreign key's columns, nothing else said of it), covered by another index or
    not: InnoDB guarantees an index serves the foreign key, and whether this one is it depends
    on the database's history, not its schema."""
    for table, name, columns in foreign_keys(objects):
        key = ("index", None, table, name)
        made_for_it = {"unique": "no", "definition": f"USING {SERVING_TYPE} ({', '.join(columns)})"}
        if objects.get(key) == made_for_it:
            del objects[key]


def foreign_keys(objects: dict[Key, Facts]) -> list[tuple[str, str, list[str]]]:
    """Each foreign key's table, the name the server gives the index it makes for it, and its
    columns."""
    found = []
    for (kind, _schema, table, name), facts in objects.items():
        match = (
            FOREIGN_KEY_COLUMNS.match(facts.get("definition", ""))
            if kind == "foreign key"
            else None
        )
        if match is None:
            continue
        columns = match.group(1).split(", ")
        # An automatically named foreign key is keyed by its definition (catalog/_mysql.py);
        # the index the server makes for it is named after its first column.
        found.append((table, columns[0] if name == facts["definition"] else name, columns))
    return found
