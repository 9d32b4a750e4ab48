"""MariaDB's table options that change what a table keeps or returns, beyond its engine and row
format: system versioning (every change kept as history, in hidden row_start and row_end
columns, the primary key widened by row_end) and page compression."""

from __future__ import annotations

import re

from alembic_steward.catalog._model import Facts, Key

PAGE_COMPRESSED = re.compile(r"\bpage_compressed`?='?(\w+)", re.IGNORECASE)
# The hidden columns MariaDB adds for WITH SYSTEM VERSIONING when none is named for them.
PERIOD_COLUMNS = ("row_start", "row_end")


def table_option_facts(table_type: str, options: str | None) -> dict[str, str | None]:
    """A table's system versioning (`WITH SYSTEM VERSIONING (hidden row_start, row_end)`) and
    page compression (`yes`), read from information_schema.TABLES."""
    compressed = PAGE_COMPRESSED.search(options or "")
    versioned = table_type == "SYSTEM VERSIONED"
    return {
        "system versioning": (
            f"WITH SYSTEM VERSIONING (hidden {', '.join(PERIOD_COLUMNS)})" if versioned else None
        ),
        "page compressed": (
            "yes" if compressed and compressed.group(1).upper() in ("1", "ON", "YES") else None
        ),
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
