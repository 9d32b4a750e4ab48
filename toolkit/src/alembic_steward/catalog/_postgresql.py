"""PostgreSQL's catalog, read in one query per kind of object (sent together: see
catalog/_batched_queries.py), in its own canonical text (format_type, pg_get_expr,
pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from alembic_steward.catalog import _postgresql_behaviour as behaviour
from alembic_steward.catalog import _postgresql_types as types
from alembic_steward.catalog._batched_queries import rows_of_each
from alembic_steward.catalog._column_order import add_column_order
from alembic_steward.catalog._model import Facts, Key
from alembic_steward.catalog._one_line_sql import one_line

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The current schema (the connection's default one) and the other schemas asked for.
IN_SCOPE = "(n.nspname = current_schema() OR n.nspname = ANY(%(schemas)s::name[]))"
CURRENT_SCHEMA = "SELECT current_schema()"
RELATIONS = (
    "SELECT n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'),"
    " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,"
    # A view's options (check_option, security_barrier, security_invoker) and a materialized
    # view's storage parameters, in one order (a table's are read with its behaviour).
    " CASE WHEN c.relkind IN ('v', 'm') THEN (SELECT string_agg(o, ', ' ORDER BY o)"
    "  FROM unnest(c.reloptions) AS o) END"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {IN_SCOPE} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
)
COLUMNS = (
    "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
    " a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,"
    # Only a collation other than its type's own is a choice the schema made.
    " CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,"
    " col_description(c.oid, a.attnum),"
    # An identity column's sequence options are part of the identity.
    " (SELECT format('start %%s increment %%s min %%s max %%s cache %%s%%s', s.seqstart,"
    "  s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' cycle' END)"
    "  FROM pg_depend p JOIN pg_sequence s ON s.seqrelid = p.objid"
    # refclassid too: pg_depend's index on what is referred to leads with it.
    "  WHERE p.refclassid = 'pg_class'::regclass AND p.refobjid = c.oid"
    "  AND p.refobjsubid = a.attnum AND p.deptype = 'i' AND p.classid = 'pg_class'::regclass"
    "  LIMIT 1), a.attnum"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    f" WHERE {IN_SCOPE} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    " AND a.attnum > 0 AND NOT a.attisdropped"
)
CONSTRAINTS = (
    "SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)"
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {IN_SCOPE} AND k.contype IN ('p', 'u', 'f', 'c', 'x')"
)
INDEXES = (
    "SELECT n.nspname, t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisvalid,"
    " obj_description(x.indexrelid, 'pg_class')"
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
    " JOIN pg_namespace n ON n.oid = t.relnamespace"
    f" WHERE {IN_SCOPE} AND NOT EXISTS (SELECT FROM pg_constraint k"
    " WHERE k.conindid = x.indexrelid AND k.conrelid = t.oid AND k.contype IN ('p', 'u', 'x'))"
)
SEQUENCES = (
    "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,"
    " s.seqmin, s.seqmax, s.seqcache, s.seqcycle,"
    " t.relname, a.attname"
    " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    # The column that owns it (OWNED BY: a serial's own), whose table it is kept with.
    " LEFT JOIN pg_depend p ON p.objid = c.oid AND p.classid = 'pg_class'::regclass"
    "  AND p.refclassid = 'pg_class'::regclass AND p.deptype = 'a'"
    " LEFT JOIN pg_class t ON t.oid = p.refobjid"
    " LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = p.refobjsubid"
    f" WHERE {IN_SCOPE} AND NOT EXISTS (SELECT FROM pg_depend p"
    "  WHERE p.objid = c.oid AND p.classid = 'pg_class'::regclass AND p.deptype = 'i')"
)
# Spellings PostgreSQL keeps as written for one and the same value: now() and
# transaction_timestamp() are CURRENT_TIMESTAMP (the transaction's start), so a model's
# func.now() and a database's CURRENT_TIMESTAMP describe alike. A quoted literal is kept whole.
SAME_VALUE = re.compile(r"'(?:[^']|'')*'|\b(?:now|transaction_timestamp)\(\)", re.IGNORECASE)
# `col IN ('a', 'b')` on a varchar column reads `= ANY ((ARRAY['a'::character varying, ...])
# ::text[])` when made with the column, but `= ANY (ARRAY[('a'::character varying)::text, ...])`
# once the column's type changed under it (a downgrade's ALTER COLUMN ... TYPE): one list.
CAST_LITERAL = r"'(?:[^']|'')*'::[a-z ]+"
ARRAY_OF_CAST_LITERALS = re.compile(rf"ARRAY\[((?:\({CAST_LITERAL}\)::text(?:, )?)+)\]")
CAST_LITERAL_AS_TEXT = re.compile(rf"\(({CAST_LITERAL})\)::text")
SCHEMAS = f"SELECT n.nspname, NULL, 0 FROM pg_namespace n WHERE {IN_SCOPE}"
# Every schema the database holds but the server's own and an extension's (a hand-made one is
# named even when empty; what is in it is not described unless it was asked for). Of one not
# described, the first few of its tables and views, and how many there are, so a line about
# it says what it holds (SCHEMA_TABLES_SHOWN).
SCHEMA_TABLES_SHOWN = 3
SCHEMA_RELATIONS = (
    "FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
)
EVERY_SCHEMA = (
    f"SELECT n.nspname, CASE WHEN NOT {IN_SCOPE} THEN (SELECT string_agg(r.relname, ', '"
    f" ORDER BY r.relname) FROM (SELECT c.relname {SCHEMA_RELATIONS} ORDER BY c.relname"
    f" LIMIT {SCHEMA_TABLES_SHOWN}) r) END,"
    f" CASE WHEN NOT {IN_SCOPE} THEN (SELECT count(*) {SCHEMA_RELATIONS}) ELSE 0 END"
    f" FROM pg_namespace n WHERE ({IN_SCOPE} OR (left(n.nspname, 3) <> 'pg_'"
    " AND n.nspname <> 'information_schema' AND NOT EXISTS (SELECT FROM pg_depend d"
    " WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')))"
)
TRIGGERS = (
    "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled"
    " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    # A foreign key's own triggers are the server's: described as the key.
    f" WHERE {IN_SCOPE} AND NOT t.tgisinternal"
)
# Functions and procedures, keyed by name and argument types (an overload is another one); an
# extension's are its own. A trigger's function is described here like any other, whether a
# trigger runs it or not (the trigger's definition names it): described with its trigger, it
# read as another object once the trigger was dropped, and a hand-dropped trigger was blamed
# on its function.
ROUTINES = (
    "SELECT n.nspname, p.proname || '(' || oidvectortypes(p.proargtypes) || ')', p.prokind,"
    " pg_get_functiondef(p.oid)"
    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    f" WHERE {IN_SCOPE} AND p.prokind IN ('f', 'p')"
    " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
    # An extension's, or a range type's constructors ('i': made and dropped with their type).
    "  AND d.objid = p.oid AND d.deptype IN ('e', 'i'))"
)
# Extensions, database-wide, with the schema each is in; not their version, which is the
# server's package's (an upgraded server's new database gets the new one) and no schema's:
# docs/catalog.md. Not those initdb made (plpgsql, below FirstNormalObjectId), the server's own
# in every database, which a revision cannot make nor a reset drop.
EXTENSIONS = (
    "SELECT e.extname, n.nspname FROM pg_extension e"
    " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.oid >= 16384"
)
ENUMS = (
    "SELECT n.nspname, t.typname, (SELECT string_agg(quote_literal(e.enumlabel), ', '"
    " ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
    f" WHERE {IN_SCOPE} AND t.typtype = 'e'"
)
# Each query restricted to some owners: matched on an indexed name column, so that a few owners
# cost a few rows whatever the schema's size.
NAMED = "= ANY(%(owners)s::name[])"
OWNED_BY = {
    SCHEMAS: f"{SCHEMAS} AND n.nspname {NAMED}",
    EVERY_SCHEMA: f"{EVERY_SCHEMA} AND n.nspname {NAMED}",
    TRIGGERS: f"{TRIGGERS} AND c.relname {NAMED}",
    RELATIONS: f"{RELATIONS} AND c.relname {NAMED}",
    COLUMNS: f"{COLUMNS} AND c.relname {NAMED}",
    CONSTRAINTS: f"{CONSTRAINTS} AND c.relname {NAMED}",
    INDEXES: f"{INDEXES} AND t.relname {NAMED}",
    # A sequence a table owns is that table's: asked for by either name, described with it.
    SEQUENCES: f"{SEQUENCES} AND c.oid IN (SELECT o.oid FROM pg_class o WHERE o.relname {NAMED}"
    " UNION ALL SELECT d.objid FROM pg_class o JOIN pg_depend d"
    " ON d.refclassid = 'pg_class'::regclass AND d.refobjid = o.oid"
    f" AND d.classid = 'pg_class'::regclass AND d.deptype = 'a' WHERE o.relname {NAMED})",
    ENUMS: f"{ENUMS} AND t.typname {NAMED}",
    EXTENSIONS: f"{EXTENSIONS} AND e.extname {NAMED}",
    ROUTINES: f"{ROUTINES} AND p.proname || '(' || oidvectortypes(p.proargtypes) || ')' {NAMED}",
    **behaviour.OWNED_BY,
    **types.OWNED_BY,
}
CONSTRAINT_KINDS = {
    "p": "primary key",
    "u": "unique constraint",
    "f": "foreign key",
    "c": "check constraint",
    "x": "exclusion constraint",
}
# A materialized view is a kind of its own: DROP VIEW does not drop it.
RELATION_KINDS = {"r": "table", "p": "table", "f": "table", "v": "view", "m": "materialized view"}
IDENTITY = {"a": "always", "d": "by default"}
GENERATED = {"s": "stored"}
# "CREATE [UNIQUE] INDEX name ON [ONLY] schema.table": the key holds all of that already.
INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ")
NAME = r'(?:"(?:[^"]|"")*"|[^\s".]+)'
# "CREATE TRIGGER name BEFORE INSERT OR UPDATE ON schema.table FOR EACH ROW EXECUTE ...": the
# key holds the name and the table; when and on what it fires is a fact, the rest another.
TRIGGER_PARTS = re.compile(
    rf"^CREATE (?:CONSTRAINT )?TRIGGER {NAME} (?P<timing>BEFORE|AFTER|INSTEAD OF)"
    rf" (?P<events>.+?) ON {NAME}(?:\.{NAME})? (?P<rest>.*)$",
    re.DOTALL,
)
# "CREATE OR REPLACE FUNCTION schema.name(": the key holds the name; the schema it was made in
# is no part of what it does. Not its arguments (a plain name ends at "("): the definition
# restores it (inspection/_restoring_statements.py).
ROUTINE_NAME = r'(?:"(?:[^"]|"")*"|[^\s".(]+)'
ROUTINE_HEAD = re.compile(
    rf"^CREATE OR REPLACE (?:FUNCTION|PROCEDURE) {ROUTINE_NAME}(?:\.{ROUTINE_NAME})?"
)
ROUTINE_KINDS = {"f": "function", "p": "procedure"}
TRIGGER_ENABLED = {"D": "no", "R": "on replicas only", "A": "always"}  # "O": as usual


def read(
    connection: Connection,
    schemas: list[str],
    owners: list[str] | None = None,
    *,
    every_schema: bool = False,
) -> dict[Key, Facts]:
    """Every object in the current schema and ``schemas`` (only those of ``owners``, when given,
    and what they own); the current schema is keyed as None. ``every_schema``: name every
    other schema too (EVERY_SCHEMA), without what it holds, and describe the extensions
    (EXTENSIONS): where the database is not the service's alone, they are not its own."""
    kinds = [SEQUENCES, RELATIONS, COLUMNS, CONSTRAINTS, INDEXES, ENUMS, TRIGGERS, ROUTINES]
    kinds += behaviour.QUERIES
    kinds += types.QUERIES
    kinds += [EVERY_SCHEMA, EXTENSIONS] if every_schema else [SCHEMAS] if schemas else []
    queries = [CURRENT_SCHEMA] + [query if owners is None else OWNED_BY[query] for query in kinds]
    results = rows_of_each(connection, queries, {"schemas": schemas, "owners": owners})
    [(default,)], sequences, relations, columns, constraints, indexes, enums, triggers, *rest = (
        results
    )
    routines, tables_behaviour, policies, rules, *rest = rest
    type_rows, extra = rest[: len(types.QUERIES)], rest[len(types.QUERIES) :]

    def schema_of(name: str) -> str | None:
        return None if name == default else name

    if owners is not None and (tables := {row[9] for row in sequences if row[9]} - set(owners)):
        # A table's own sequence was asked for by its name: it is described with its table.
        return read(connection, schemas, [*owners, *sorted(tables)], every_schema=every_schema)
    objects: dict[Key, Facts] = {}
    for schema, first_tables, tables in extra[0] if extra else ():
        if schema != default:  # the default one is where the connection is: always there
            objects[("schema", None, "", schema)] = schema_facts(schema, first_tables, tables)
    for name, schema in extra[1] if every_schema else ():
        objects[("extension", None, "", name)] = {"schema": schema}
    for schema, name, kind, comment, definition, options in relations:
        facts = {"comment": comment, "definition": normalized_view(definition), "options": options}
        objects[(RELATION_KINDS[kind], schema_of(schema), "", name)] = present(facts)
    for (
        schema,
        table,
        column,
        type_,
        not_null,
        default_,
        identity,
        generated,
        collation,
        comment,
        sequence,
        _position,
    ) in columns:
        facts = {
            "type": type_,
            "nullable": "no" if not_null else "yes",
            "default": None if generated else same_value(default_),
            "identity": f"{IDENTITY[identity]} ({sequence})" if identity else None,
            "generated": f"{default_} {GENERATED[generated]}" if generated else None,
            "collation": collation,
            "comment": comment,
        }
        objects[("column", schema_of(schema), table, column)] = present(facts)
    positions = ((("table", schema_of(row[0]), "", row[1]), row[-1], row[2]) for row in columns)
    add_column_order(objects, positions)
    for schema, table, name, kind, definition in constraints:
        facts = {"definition": one_text_array(definition) if kind == "c" else definition}
        if kind == "p":
            # One primary key per table: its name is a fact, so a renamed one is a difference.
            objects[("primary key", schema_of(schema), table, "")] = {"name": name, **facts}
        else:
            objects[(CONSTRAINT_KINDS[kind], schema_of(schema), table, name)] = facts
    for schema, table, name, definition, valid, comment in indexes:
        facts = {
            "unique": "yes" if definition.startswith("CREATE UNIQUE") else "no",
            "definition": INDEX_HEAD.sub("", definition),
            "valid": None if valid else "no (a failed CREATE INDEX CONCURRENTLY left it)",
            "comment": comment,  # COMMENT ON INDEX: SQLAlchemy declares none
        }
        objects[("index", schema_of(schema), table, name)] = present(facts)
    for schema, name, type_, start, increment, low, high, cache, cycle, table, column in sequences:
        options = f"{type_} start {start} increment {increment} min {low} max {high} cache {cache}"
        options += " cycle" if cycle else ""
        # One a column owns is kept with its table (its owner in the key), so that what a table
        # drop or a description of the table reads holds it; compared by its name whoever owns
        # it (catalog/_sequence_owners.py), the owner a fact of its own.
        owned_by = f"{table}.{column}" if table else None
        facts = present({"options": options, "owned by": owned_by})
        objects[("sequence", schema_of(schema), table or "", name)] = facts
    for schema, name, labels in enums:
        objects[("enum type", schema_of(schema), "", name)] = {"values": labels or ""}
    for schema, table, name, definition, enabled in triggers:
        objects[("trigger", schema_of(schema), table, name)] = trigger_facts(definition, enabled)
    for schema, name, kind, definition in routines:
        # One line that runs as written (a line comment made a block one): catalog/_one_line_sql.py.
        definition = one_line(ROUTINE_HEAD.sub("", definition))
        objects[(ROUTINE_KINDS[kind], schema_of(schema), "", name)] = {"definition": definition}
    behaviour.add_behaviour(objects, (tables_behaviour, policies, rules), schema_of)
    types.add_types(objects, type_rows, schema_of, same_value)
    return objects


def same_value(expression: str | None) -> str | None:
    """``expression`` (pg_get_expr's text) with SAME_VALUE's spellings as CURRENT_TIMESTAMP."""
    if expression is None:
        return None
    return SAME_VALUE.sub(
        lambda found: found.group() if found.group().startswith("'") else "CURRENT_TIMESTAMP",
        expression,
    )


def one_text_array(definition: str) -> str:
    """``definition`` with ARRAY_OF_CAST_LITERALS's spelling of a text list as the other."""

    def as_text_array(found: re.Match[str]) -> str:
        literals = CAST_LITERAL_AS_TEXT.sub(lambda cast: cast.group(1), found.group(1))
        return f"(ARRAY[{literals}])::text[]"

    return ARRAY_OF_CAST_LITERALS.sub(as_text_array, definition)


def trigger_facts(definition: str, enabled: str) -> dict[str, str]:
    """A trigger's facts from pg_get_triggerdef (``definition``, which names the function it
    runs: `FOR EACH ROW EXECUTE FUNCTION f()`) and pg_trigger.tgenabled; the function itself is
    described as a function (ROUTINES)."""
    parts = TRIGGER_PARTS.match(definition)
    facts = {
        "timing": f"{parts.group('timing')} {parts.group('events')}" if parts else None,
        "definition": parts.group("rest") if parts else definition,
        "enabled": TRIGGER_ENABLED.get(enabled),
    }
    return present(facts)


def normalized_view(definition: str | None) -> str | None:
    return " ".join(definition.split()) if definition else None


def present(facts: dict[str, str | None]) -> dict[str, str]:
    return {fact: value for fact, value in facts.items() if value is not None}


def schema_facts(schema: str, first_tables: str | None, tables: int) -> Facts:
    """A schema's facts: of one not described, the tables it holds (`hand.a, hand.b and 2
    more`), a note (NOTE_FACTS) its line shows, never compared."""
    if not first_tables:
        return {}
    named = ", ".join(f"{schema}.{table}" for table in first_tables.split(", "))
    more = f" and {tables - SCHEMA_TABLES_SHOWN} more" if tables > SCHEMA_TABLES_SHOWN else ""
    return {"tables": f"{named}{more}"}
