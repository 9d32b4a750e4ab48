"""MariaDB's table options that change what a table keeps or returns, beyond its engine and row
format: system versioning (every change kept as history, in hidden row_start and row_end
columns, the primary key widened by row_end), page compression, KEY_BLOCK_SIZE (compressed
pages of that size, whatever ROW_FORMAT says: how long a row and an index key may be) and
MAX_ROWS (what MyISAM and Aria size a table's row pointers by: past it, `table is full`).
STATS_PERSISTENT, STATS_AUTO_RECALC, STATS_SAMPLE_PAGES, MIN_ROWS, AVG_ROW_LENGTH, PACK_KEYS
and the checksums tune statistics, sizing or checking, never what a statement does: left out
(docs/catalog.md)."""

from __future__ import annotations

import re

from alembic_steward.catalog._model import Facts, Key

PAGE_COMPRESSED = re.compile(r"\bpage_compressed`?='?(\w+)", re.IGNORECASE)
KEY_BLOCK_SIZE = re.compile(r"\bkey_block_size=(\d+)", re.IGNORECASE)
MAX_ROWS = re.compile(r"\bmax_rows=(\d+)", re.IGNORECASE)
# The hidden columns MariaDB adds for WITH SYSTEM VERSIONING when none is named for them.
PERIOD_COLUMNS = ("row_start", "row_end")


def table_option_facts(table_type: str, options: str | None) -> dict[str, str | None]:
    """A table's system versioning (`WITH SYSTEM VERSIONING (hidden row_start, row_end)`),
    page compression (`yes`), key block size and max rows (`4`, as typed), read from
    information_schema.TABLES."""
    compressed = PAGE_COMPRESSED.search(options or "")
    key_block_size = KEY_BLOCK_SIZE.search(options or "")
    max_rows = MAX_ROWS.search(options or "")
    versioned = table_type == "SYSTEM VERSIONED"
    return {
        "system versioning": (
            f"WITH SYSTEM VERSIONING (hidden {', '.join(PERIOD_COLUMNS)})" if versioned else None
        ),
        "page compressed": (
            "yes" if compressed and compressed.group(1).upper() in ("1", "ON", "YES") else None
        ),
        "key block size": key_block_size.group(1) if key_block_size else None,
        "max rows": max_rows.group(1) if max_rows else None,
    }


def without_period_columns(objects: dict[Key, Facts]) -> None:
    """Leave a versioned table's hidden period columns out of its primary key: they are its
    system versioning's, described once, on the table."""
    for key, facts in objects.items():
        if key[0] != "primary key":
            continue
        table = objects.get(("table", key[1], "", key[2]), {})
        if "system versioning" not in table:
            continue
        inside = facts["definition"].removeprefix("PRIMARY KEY (").removesuffix(")")
        kept = [name for name in inside.split(", ") if name not in PERIOD_COLUMNS]
        objects[key] = {**facts, "definition": f"PRIMARY KEY ({', '.join(kept)})"}
