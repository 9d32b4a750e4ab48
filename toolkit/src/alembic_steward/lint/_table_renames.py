"""SQLite's table rename as the lint follows it: `op.rename_table("t", "u")` and `ALTER TABLE t
RENAME TO u` in an `op.execute`. SQLite (3.26 on, legacy_alter_table off) rewrites every view
and trigger that names the table, and a trigger's ON clause: `CREATE VIEW v AS SELECT * FROM t`
is stored as `... FROM "u"` after it. The lint reads the revision files, never a database, so
it rewrites the statements it read the same way, and then knows which table a view or trigger
reads and which statement makes it again as it stands. Strings and comments are not names."""

from __future__ import annotations

import re
from typing import Any

RENAME = re.compile(
    r"\bALTER\s+TABLE\s+(?:[\"`\[]?\w+[\"`\]]?\.)?[\"`\[]?(\w+)[\"`\]]?\s+RENAME\s+TO\s+"
    r"[\"`\[]?(\w+)[\"`\]]?",
    re.IGNORECASE,
)
PLAIN = re.compile(r"[A-Za-z_]\w*")


def step_renames(step: Any) -> list[tuple[str, str]]:
    """(old, new), lower case, for each table rename of a step (inspection/
    _revision_column_drops.py): its `op.rename_table`, or each ALTER TABLE ... RENAME TO of its
    SQL."""
    renames = [(old.lower(), new.lower()) for old, new in RENAME.findall(step.sql)]
    if step.renamed_table:
        renames.append((step.renamed_table[0].lower(), step.renamed_table[1].lower()))
    return renames


def with_table_renamed(statement: str, old: str, new: str) -> str:
    """``statement`` (SQLite) with each name of table ``old`` made ``new``, as SQLite's RENAME
    rewrites a view's or trigger's text; quoted when ``new`` is not a plain name."""
    from alembic_steward.inspection._sql_code import pattern

    written = new if PLAIN.fullmatch(new) else '"' + new.replace('"', '""') + '"'
    word = re.compile(rf"(?<![\w$]){re.escape(old)}(?![\w$])", re.IGNORECASE)
    parts, done = [], 0
    for found in pattern("sqlite").finditer(statement):
        parts.append(word.sub(written, statement[done : found.start()]))
        text = found.group()
        if found["name"] is not None and text[1:-1].lower() == old.lower():
            text = written
        parts.append(text)
        done = found.end()
    parts.append(word.sub(written, statement[done:]))
    return "".join(parts)
