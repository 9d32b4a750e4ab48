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
    for table, names, columns in foreign_keys(objects):
        for name in names:
            key = ("index", None, table, name)
            made_for_it = {"unique": "no", "definition": f"USING {SERVING_TYPE} ({columns})"}
            # One at a time: of two such indexes on the same columns, one stays to serve.
            if objects.get(key) == made_for_it and covered_elsewhere(objects, table, name, columns):
                del objects[key]


def foreign_keys(objects: dict[Key, Facts]) -> list[tuple[str, list[str], str]]:
    """Each foreign key's table, the names the server gives the index it makes for it, and its
    columns as the reader writes them."""
    found = []
    for (kind, _schema, table, name), facts in objects.items():
        match = FOREIGN_KEY_COLUMNS.match(facts.get("definition", ""))
        if kind != "foreign key" or match is None:
            continue
        columns = match.group(1)
        # An automatically named foreign key is keyed by its definition (catalog/_mysql.py);
        # its index is named after its first column.
        names = [columns.split(", ")[0]] if name == facts["definition"] else [name]
        found.append((table, names, columns))
    return found


def covered_elsewhere(objects: dict[Key, Facts], table: str, name: str, columns: str) -> bool:
    """Whether an index of ``table`` other than ``name``, or its primary key, begins with
    ``columns`` (whole columns, in order)."""
    wanted = columns.split(", ")
    primary = PRIMARY_KEY_COLUMNS.match(
        objects.get(("primary key", None, table, ""), {}).get("definition", "")
    )
    if primary and primary.group(1).split(", ")[: len(wanted)] == wanted:
        return True
    for (kind, _schema, owner, other), facts in objects.items():
        if kind != "index" or owner != table or other == name:
            continue
        match = INDEX_COLUMNS.match(facts.get("definition", ""))
        serving = match is not None and match.group(1) == SERVING_TYPE
        if serving and match.group(2).split(", ")[: len(wanted)] == wanted:
            return True
    return False
