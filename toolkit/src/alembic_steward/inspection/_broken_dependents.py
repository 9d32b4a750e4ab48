"""The views that read a broken function or view, named broken too and dropped first.

PostgreSQL ties a view to the functions and views it reads (pg_depend, through the view's
rewrite rule) and refuses to drop one of them while the view stands (DependentObjectsStillExist):
advice that dropped a broken function alone was a revision that could not run, and the view,
which fails on every read as the function does, went unnamed. A function's body ties it to
nothing, so the view is found from the catalog's facts, never from text. MariaDB and SQLite
drop what a view reads without a word; they keep what they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken

# Each view (or materialized view) reading one of the roots, through any number of views, with
# the longest path to it: a view is dropped before every view it reads.
READERS = (
    "WITH RECURSIVE roots AS ("
    " SELECT 'pg_proc'::regclass AS classid, to_regprocedure(r.name)::oid AS objid, r.label"
    " FROM unnest(CAST(:functions AS text[]), CAST(:function_labels AS text[])) AS r(name, label)"
    " UNION ALL SELECT 'pg_class'::regclass, to_regclass(r.name)::oid, r.label"
    " FROM unnest(CAST(:relations AS text[]), CAST(:relation_labels AS text[])) AS r(name, label)),"
    " readers(oid, label, depth) AS ("
    " SELECT DISTINCT w.ev_class, o.label, 1 FROM roots o"
    " JOIN pg_depend d ON d.refclassid = o.classid AND d.refobjid = o.objid"
    " AND d.classid = 'pg_rewrite'::regclass"
    " JOIN pg_rewrite w ON w.oid = d.objid WHERE w.ev_class <> o.objid"
    " UNION SELECT w.ev_class, r.label, r.depth + 1 FROM readers r"
    " JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = r.oid"
    " AND d.classid = 'pg_rewrite'::regclass"
    " JOIN pg_rewrite w ON w.oid = d.objid WHERE w.ev_class <> r.oid)"
    " SELECT NULLIF(n.nspname, current_schema()), c.relname::text,"
    " CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,"
    " string_agg(DISTINCT r.label, ', '), max(r.depth)"
    " FROM readers r JOIN pg_class c ON c.oid = r.oid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " GROUP BY 1, 2, 3 ORDER BY max(r.depth) DESC, 2"
)
READ = ("function", "procedure", "view", "materialized view")


def with_readers(connection: Connection, broken: Sequence[Broken]) -> list[Broken]:
    """``broken`` with, first, each view that reads one of them (PostgreSQL), the deepest
    first, named broken itself: its drop must come before theirs; ``broken`` as it is on
    another database, or when none is read."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        return list(broken)
    roots = [item for item in broken if item.key and item.key[0] in READ]
    functions = [item for item in roots if item.key[0] in READ[:2]]
    relations = [item for item in roots if item.key[0] not in READ[:2]]
    if not roots:
        return list(broken)
    with connection.begin_nested():
        rows = connection.execute(
            text(READERS),
            {
                "functions": [qualified_key(item.key) for item in functions],
                "function_labels": [subject(item.key) for item in functions],
                "relations": [qualified_key(item.key) for item in relations],
                "relation_labels": [subject(item.key) for item in relations],
            },
        ).all()
    return ordered(broken, [reader(*row[:4]) for row in rows])


def ordered(broken: Sequence[Broken], readers: Sequence[Broken]) -> list[Broken]:
    """``readers`` first (one ``broken`` names already in their place, as it is), then the
    rest of ``broken``."""
    known = {item.key: item for item in broken if item.key}
    first = [known.get(item.key, item) for item in readers]
    keys = {item.key for item in first}
    return [*first, *(item for item in broken if item.key not in keys)]


def reader(schema: str | None, name: str, kind: str, reads: str) -> Broken:
    """The broken line of a view that reads ``reads`` (`function count_posts()`)."""
    from alembic_steward.inspection._broken_routines import Broken, qualified
    from alembic_steward.inspection._hand_made_dependents import drop_statement

    key = (kind, schema, "", name)
    line = f"{kind} {qualified(schema, name)} names {reads}, which fails: every read of it fails"
    return Broken(line, drop_statement("postgresql", key), (), key)


def qualified_key(key: tuple) -> str:
    """`hand.count_posts()`: what to_regprocedure or to_regclass reads for ``key``."""
    from alembic_steward.inspection._broken_routines import qualified

    return qualified(key[1], key[3])


def subject(key: tuple) -> str:
    return f"{key[0]} {qualified_key(key)}"
