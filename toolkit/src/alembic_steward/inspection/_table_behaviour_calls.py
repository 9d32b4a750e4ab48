"""What to write for a table whose behaviour differs (row level security, UNLOGGED, STRICT,
WITHOUT ROWID, inheritance, a MariaDB engine or collation) or a PostgreSQL index whose comment
does: the statement that changes it in place, or on SQLite the batch rebuild that makes the
table anew with it. Autogenerate writes none of them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Difference

# SQLite's table options, as SQLAlchemy's table keyword for the value the models want.
SQLITE_OPTIONS = {
    ("strict", "yes"): '"sqlite_strict": True',
    ("strict", None): '"sqlite_strict": False',
    ("without rowid", "yes"): '"sqlite_with_rowid": False',
    ("without rowid", None): '"sqlite_with_rowid": True',
}


def table_behaviour_calls(difference: Difference) -> str | None:
    """The calls that give table ``difference.subject`` the behaviour the models want, or None
    when something else of the table differs too."""
    table = difference.subject
    calls = []
    for fact, want, have in difference.facts:
        if fact == "row level security":
            calls.append(f'op.execute("ALTER TABLE {table} {row_security_clauses(want)}")')
        elif fact == "persistence":
            persistence = "UNLOGGED" if want == "unlogged" else "LOGGED"
            calls.append(f'op.execute("ALTER TABLE {table} SET {persistence}")')
        elif fact == "inherits":
            clause = f"INHERIT {want}" if want else f"NO INHERIT {have}"
            calls.append(f'op.execute("ALTER TABLE {table} {clause}")')
        elif fact == "partitioned by":
            # PostgreSQL partitions no table in place: a new one, the rows copied over.
            calls.append(
                f"a new table made as {table} PARTITION BY {want or '(none)'} with its"
                " partitions, the rows copied into it, the old table dropped and the new renamed"
            )
        elif fact == "engine" and want:
            calls.append(f'op.execute("ALTER TABLE {table} ENGINE = {want}")')
        elif fact == "collation" and want:
            # CONVERT: the columns that follow the table's collation take the new one too.
            charset = want.partition("_")[0]
            convert = f"CONVERT TO CHARACTER SET {charset} COLLATE {want}"
            calls.append(f'op.execute("ALTER TABLE {table} {convert}")')
        elif (fact, want) in SQLITE_OPTIONS:
            calls.append(
                f'with op.batch_alter_table("{table}", recreate="always",'
                f" table_kwargs={{{SQLITE_OPTIONS[fact, want]}}}): pass"
            )
        else:
            return None
    return "; ".join(calls) or None


def row_security_clauses(wanted: str | None) -> str:
    """The ALTER TABLE clauses that give a table the row level security the catalog describes
    as ``wanted`` (catalog/_postgresql_behaviour.py: enabled, forced, both or None)."""
    enable = "ENABLE" if wanted and wanted.startswith("enabled") else "DISABLE"
    force = "FORCE" if wanted and "forced" in wanted else "NO FORCE"
    return f"{enable} ROW LEVEL SECURITY, {force} ROW LEVEL SECURITY"


def index_comment_call(difference: Difference, dialect: str) -> str | None:
    """On PostgreSQL, the COMMENT ON INDEX that gives index ``difference.subject`` the comment
    the models want, when that is all that differs (MariaDB makes the index again instead)."""
    if dialect != "postgresql" or difference.kind != "index" or difference.change != "different":
        return None
    if [fact for fact, _want, _have in difference.facts] != ["comment"]:
        return None
    parts = difference.subject.split(".")  # an index is in its table's schema, named without it
    target = ".".join(parts[:-2] + parts[-1:])
    want = difference.facts[0][1]
    literal = "NULL" if want is None else "'" + want.replace("'", "''") + "'"
    # A JSON string is a Python literal in double quotes, as the other calls are written.
    return (
        f"op.execute({json.dumps(f'COMMENT ON INDEX {target} IS {literal}', ensure_ascii=False)})"
    )
