"""The statements that turn a PostgreSQL or MariaDB database one catalog describes into one
another describes, written from the second's definitions: what the first lacks made (a table
with its columns and primary key, a column, a constraint, an index, a view, a trigger, a
routine, a sequence, an enum type), what it has in addition dropped, what differs dropped and
made again.

Used both ways by the pending revisions' trial (inspection/_pending_trial.py): a scratch
database built at the live database's revision made like the live one, and the live one's
differences undone. Nothing here is trusted: the trial describes the database the statements
ran on and compares it with the catalog they were written from, so a fact they do not write
(a comment, a storage option) leaves the trial untried, never wrong. None where a kind has no
statement here (a schema, an extension, a domain, a policy...).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog
    from alembic_steward.catalog._model import Facts, Key

# Drops in this order (what reads an object before it), makes in the reverse.
ORDER = (
    "trigger",
    "view",
    "materialized view",
    "foreign key",
    "index",
    "check constraint",
    "unique constraint",
    "exclusion constraint",
    "primary key",
    "column",
    "table",
    "function",
    "procedure",
    "sequence",
    "enum type",
)
# What a table's (or view's) CREATE makes with it.
MADE_WITH = ("column", "primary key")
# Facts no statement writes, as no comparison of the trial reads them (catalog/_model.py).
UNWRITTEN = frozenset({"column order", "next id", "tables"})
SEQUENCE_OPTIONS = re.compile(
    r"(?P<type>\w+) start (?P<start>-?\d+) increment (?P<increment>-?\d+)"
    r" min (?P<min>-?\d+) max (?P<max>-?\d+) cache (?P<cache>\d+)(?P<cycle> cycle)?"
)
# A MariaDB name that needs no quotes (a reserved word, which would, fails the trial: it is
# made and described again there).
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
IDENTITY = re.compile(r"(?P<when>always|by default) \((?P<options>.*)\)")


def changing_statements(have: Catalog, want: Catalog) -> list[str] | None:
    """The statements that make a database ``have`` describes what ``want`` describes; None
    where one of the differences has none (see above), or on another database."""
    if want.dialect not in ("postgresql", "mysql"):
        return None
    gone = {key for key in have.objects if key not in want.objects}
    new = {key for key in want.objects if key not in have.objects}
    changed = {
        key
        for key in have.objects.keys() & want.objects.keys()
        if written(have.objects[key]) != written(want.objects[key])
    }
    if any(key[0] not in ORDER for key in gone | new | changed):
        return None
    if any(key[0] in ("table", "enum type") for key in changed):
        # A table's own facts (engine, comment) are not written here; an enum type's values
        # are its own trial's (inspection/_enum_value_revision.py): PostgreSQL drops none.
        return None
    # A foreign key goes first even with its table: it may read another table dropped here.
    drops = [
        drop(have, key)
        for key in by_kind(gone | changed)
        if key[0] == "foreign key" or not within(key, gone)
    ]
    makes = [
        make(want, key, want.objects[key])
        for key in reversed(by_kind(new | changed))
        if not (key[0] in MADE_WITH and within(key, new))
    ]
    if not all(drops) or any(each is None for each in makes):
        return None
    made = [statement for each in makes if each for statement in each]
    # A sequence's owner once its column is there.
    owners = [statement for statement in made if statement.startswith("ALTER SEQUENCE")]
    return [*drops, *(s for s in made if s not in owners), *owners]


def written(facts: Facts) -> dict[str, str]:
    """``facts`` less those no statement writes."""
    return {fact: value for fact, value in facts.items() if fact not in UNWRITTEN}


def by_kind(keys: set[Key]) -> list[Key]:
    """``keys`` in drop order (ORDER), then by name: the same statements every time."""
    return sorted(keys, key=lambda key: (ORDER.index(key[0]), str(key)))


def within(key: Key, keys: set[Key]) -> bool:
    """Whether ``key`` belongs to a table or view in ``keys``, made or dropped with it."""
    _kind, schema, owner, _name = key
    return bool(owner) and any(
        other[0] in ("table", "view", "materialized view")
        and (other[1], other[3]) == (schema, owner)
        for other in keys
    )


def name(dialect: str, *parts: str | None) -> str:
    """``parts`` joined and quoted as ``dialect`` reads them."""
    from alembic_steward.inspection._restoring_statements import quoted

    if dialect == "mysql":  # quoted only when it must be: the advice shows it in backquotes
        return ".".join(
            part if PLAIN_NAME.fullmatch(part) else "`" + part.replace("`", "``") + "`"
            for part in parts
            if part
        )
    return ".".join(quoted(part) for part in parts if part)


def drop(catalog: Catalog, key: Key) -> str:
    """The statement that drops the object at ``key`` of ``catalog``; "" where none is written
    here."""
    from alembic_steward.inspection._hand_made_dependents import drop_statement

    dialect = catalog.dialect
    kind, schema, owner, object_name = key
    object_name = object_name or catalog.objects[key].get("name", "")
    table = name(dialect, schema, owner)
    if kind in ("table", "sequence"):
        return f"DROP {kind.upper()} {name(dialect, schema, object_name)}"
    if kind == "enum type":
        return "" if dialect == "mysql" else f"DROP TYPE {name(dialect, schema, object_name)}"
    if kind == "column":
        return f"ALTER TABLE {table} DROP COLUMN {name(dialect, object_name)}"
    if kind == "primary key" and dialect == "mysql":
        return f"ALTER TABLE {table} DROP PRIMARY KEY"
    if kind in ("check constraint", "unique constraint", "exclusion constraint", "primary key"):
        return "" if not object_name else f"ALTER TABLE {table} DROP CONSTRAINT {object_name}"
    return drop_statement(dialect, key)


def make(catalog: Catalog, key: Key, facts: Facts) -> tuple[str, ...] | None:
    """The statements that make the object at ``key`` as ``facts`` say; None where none is
    written here."""
    dialect = catalog.dialect
    kind, schema, owner, object_name = key
    named = name(dialect, schema, object_name)
    table = name(dialect, schema, owner)
    definition = facts.get("definition", "")
    if kind == "table":
        return table_statements(catalog, key, facts)
    if kind == "column":
        column = column_text(dialect, object_name, facts)
        return None if column is None else (f"ALTER TABLE {table} ADD COLUMN {column}",)
    if kind == "sequence":
        return sequence_statements(dialect, key, facts)
    if kind == "enum type" and dialect == "postgresql":
        return (f"CREATE TYPE {named} AS ENUM ({facts.get('values', '')})",)
    if kind in ("function", "procedure"):
        base = object_name.partition("(")[0]
        return (f"CREATE {kind.upper()} {name(dialect, schema, base)}{definition}",)
    if kind in ("view", "materialized view") and not facts.get("options"):
        return (f"CREATE {kind.upper()} {named} AS {definition.rstrip(';')}",)
    if kind == "trigger" and not facts.get("enabled") and "timing" in facts:
        on = f"{facts['timing']} ON {table}"
        return (f"CREATE TRIGGER {name(dialect, object_name)} {on} {definition}",)
    if kind == "index":
        return (index_statement(dialect, key, facts),)
    if kind == "primary key" and dialect == "mysql":
        return (f"ALTER TABLE {table} ADD {definition}",)
    if kind in ("primary key", "check constraint", "unique constraint", "exclusion constraint"):
        constraint = facts.get("name") or object_name
        return (f"ALTER TABLE {table} ADD CONSTRAINT {name(dialect, constraint)} {definition}",)
    if kind == "foreign key":
        unnamed = dialect == "mysql" and object_name.startswith("FOREIGN KEY ")
        constraint = "" if unnamed else f"CONSTRAINT {name(dialect, object_name)} "
        return (f"ALTER TABLE {table} ADD {constraint}{definition}",)
    return None


def table_statements(catalog: Catalog, key: Key, facts: Facts) -> tuple[str, ...] | None:
    """CREATE TABLE with its columns, in their order, and its primary key (MariaDB's
    AUTO_INCREMENT column must be a key as it is made)."""
    dialect = catalog.dialect
    _kind, schema, _owner, table = key
    order = [column.strip() for column in facts.get("column order", "").split(",") if column]
    parts = []
    for column in order:
        text = column_text(dialect, column, catalog.objects.get(("column", schema, table, column)))
        if text is None:
            return None
        parts.append(text)
    primary = catalog.objects.get(("primary key", schema, table, ""))
    if primary:
        constraint = f"CONSTRAINT {name(dialect, primary['name'])} " if "name" in primary else ""
        parts.append(f"{constraint}{primary['definition']}")
    engine = f" ENGINE={facts['engine']}" if dialect == "mysql" and "engine" in facts else ""
    return (f"CREATE TABLE {name(dialect, schema, table)} ({', '.join(parts)}){engine}",)


def column_text(dialect: str, column: str, facts: Facts | None) -> str | None:
    """A column's definition in a CREATE or ALTER TABLE; None without its facts."""
    if not facts or "type" not in facts:
        return None
    text = f"{name(dialect, column)} {facts['type']}"
    if facts.get("collation"):
        text += f" COLLATE {name(dialect, facts['collation'])}"
    if facts.get("generated"):
        expression, _, how = facts["generated"].rpartition(" ")
        text += f" GENERATED ALWAYS AS ({expression}) {how.upper()}"
    if facts.get("nullable") == "no":
        text += " NOT NULL"
    if facts.get("default") is not None:
        text += f" DEFAULT {facts['default']}"
    if facts.get("on update"):
        text += f" ON UPDATE {facts['on update']}"
    identity = facts.get("identity")
    if identity == "auto_increment":
        text += " AUTO_INCREMENT"
    elif identity and (found := IDENTITY.fullmatch(identity)):
        options = sequence_options(found.group("options"))
        if options is None:
            return None
        text += f" GENERATED {found.group('when').upper()} AS IDENTITY ({options})"
    return text


def sequence_options(options: str) -> str | None:
    """PostgreSQL's sequence options as its catalog reads them (catalog/_postgresql.py), in
    CREATE SEQUENCE's words, its type left out (`START 1 INCREMENT 1 ...`)."""
    found = SEQUENCE_OPTIONS.fullmatch(options) or SEQUENCE_OPTIONS.fullmatch(f"x {options}")
    if found is None:
        return None
    cycle = " CYCLE" if found.group("cycle") else ""
    return (
        f"START {found.group('start')} INCREMENT {found.group('increment')}"
        f" MINVALUE {found.group('min')} MAXVALUE {found.group('max')}"
        f" CACHE {found.group('cache')}{cycle}"
    )


def sequence_statements(dialect: str, key: Key, facts: Facts) -> tuple[str, ...] | None:
    """CREATE SEQUENCE with its options, and on PostgreSQL the column that owns it."""
    _kind, schema, _owner, sequence = key
    named = name(dialect, schema, sequence)
    if dialect == "mysql":
        return (f"CREATE SEQUENCE {named} {facts.get('options', '')}",)
    found = SEQUENCE_OPTIONS.fullmatch(facts.get("options", ""))
    options = sequence_options(facts.get("options", ""))
    if found is None or options is None:
        return None
    statements = [f"CREATE SEQUENCE {named} AS {found.group('type')} {options}"]
    if facts.get("owned by"):
        table, _, column = facts["owned by"].rpartition(".")
        owner = f"{name(dialect, schema, table)}.{name(dialect, column)}"
        statements.append(f"ALTER SEQUENCE {named} OWNED BY {owner}")
    return tuple(statements)


def index_statement(dialect: str, key: Key, facts: Facts) -> str:
    """CREATE INDEX from an index's definition (`USING btree (code)`)."""
    _kind, schema, table, index = key
    unique = "UNIQUE " if facts.get("unique") == "yes" else ""
    definition = facts.get("definition", "")
    if dialect == "mysql":
        using, _, columns = definition.partition(" (")
        method = using.removeprefix("USING ")
        return (
            f"CREATE {unique}INDEX {name(dialect, index)} USING {method}"
            f" ON {name(dialect, schema, table)} ({columns}"
        )
    on = name(dialect, schema, table)
    return f"CREATE {unique}INDEX {name(dialect, index)} ON {on} {definition}"
