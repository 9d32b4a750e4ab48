"""The index InnoDB makes for a foreign key, left out of the description once another index
serves the foreign key: whether it is still there depends on how it was made, not on what the
schema means.

InnoDB needs an index whose leading columns are a foreign key's. When none exists it makes one,
named after the constraint (or, for a foreign key made without a name, after its first column),
and drops it by itself as soon as a later index covers those columns. An index typed with the
same name and columns (a squashed revision's `op.create_index`, a dump's `KEY` line restored)
stays. The same history therefore leaves the index in a database restored from a dump and not
in one upgraded live; described, that reads as drift nobody made (docs/decisions.md, "The
index a foreign key made is left out once another serves it").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog._model import Facts, Key

# How the reader spells a foreign key, an index and the primary key (catalog/_mysql.py).
FOREIGN_KEY_COLUMNS = re.compile(r"^FOREIGN KEY \((.*?)\) REFERENCES ")
INDEX_COLUMNS = re.compile(r"^USING (\w+) \((.*)\)$")
PRIMARY_KEY_COLUMNS = re.compile(r"^PRIMARY KEY \((.*)\)$")
# An index that serves a foreign key: a plain ordered one (not FULLTEXT or SPATIAL).
SERVING_TYPE = "BTREE"


def without_redundant_foreign_key_indexes(objects: dict[Key, Facts]) -> None:
    """Remove from ``objects`` each index InnoDB would have made for a foreign key (its name,
    exactly the foreign key's columns, nothing else said of it) while another index or the
    primary key covers those columns: the server dropped it if it made it, and keeps it only
    if it was typed, so either way the schema is the same."""
    serving = serving_keys(objects)
    for table, name, columns in foreign_keys(objects):
        key = ("index", None, table, name)
        made_for_it = {"unique": "no", "definition": f"USING {SERVING_TYPE} ({', '.join(columns)})"}
        if objects.get(key) != made_for_it:
            continue
        others = [keyed for other, keyed in serving[table].items() if other != name]
        if any(keyed[: len(columns)] == columns for keyed in others):
            del objects[key]
            # Of two such indexes on the same columns, one stays to serve.
            del serving[table][name]


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


def serving_keys(objects: dict[Key, Facts]) -> dict[str, dict[str, list[str]]]:
    """Each table's keys a foreign key can use, by name (the primary key's is ""): their
    columns in order, read once for every foreign key of the table."""
    keys: dict[str, dict[str, list[str]]] = {}
    for (kind, _schema, table, name), facts in objects.items():
        definition = facts.get("definition", "")
        if kind == "primary key":
            match = PRIMARY_KEY_COLUMNS.match(definition)
            columns = match.group(1) if match else None
        elif kind == "index":
            match = INDEX_COLUMNS.match(definition)
            columns = match.group(2) if match and match.group(1) == SERVING_TYPE else None
        else:
            continue
        if columns is not None:
            keys.setdefault(table, {})[name] = columns.split(", ")
    return keys
