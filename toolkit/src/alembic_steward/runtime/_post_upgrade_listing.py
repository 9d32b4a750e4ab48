"""What the look after an upgrade reads, in one catalog query: each table's columns (only when
the database has a trigger or a routine that could name one), the triggers, routines and
(MariaDB) events with the text they run, and the views (PostgreSQL's of the default schema).

Every upgrade pays for it twice, before its run and after, so it is one query and no full
description (catalog/ reads a dozen): the listing before the run has no bodies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from alembic_steward.inspection._broken_routines import Body, Table

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The schemas a service's objects are in: not the server's own.
POSTGRESQL_SCOPE = (
    "SELECT oid, NULLIF(nspname, current_schema()) AS schema FROM pg_namespace"
    " WHERE nspname <> 'information_schema' AND left(nspname, 3) <> 'pg_'"
)
# A trigger's events from pg_trigger.tgtype's bits, an UPDATE with the columns it fires on
# (`UPDATE OF email`, pg_trigger.tgattr): only such an UPDATE fails.
POSTGRESQL_EVENTS = (
    "concat_ws(' OR ', CASE WHEN t.tgtype::int & 4 <> 0 THEN 'INSERT' END,"
    " CASE WHEN t.tgtype::int & 16 <> 0 THEN 'UPDATE' || COALESCE(' OF ' || (SELECT"
    " string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a"
    " WHERE a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr::int2[])), '') END,"
    " CASE WHEN t.tgtype::int & 8 <> 0 THEN 'DELETE' END,"
    " CASE WHEN t.tgtype::int & 32 <> 0 THEN 'TRUNCATE' END)"
)
POSTGRESQL_LISTING = (
    f"WITH scope AS ({POSTGRESQL_SCOPE}),"
    # Not an extension's, nor a range type's constructors; a trigger's own function is read
    # with its trigger, against its table.
    " routines AS (SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind,"
    " s.schema, '' AS owner, p.proname || '(' || oidvectortypes(p.proargtypes) || ')' AS name,"
    " '' AS events, CASE WHEN :bodies THEN p.prosrc END AS body, '' AS function, 0 AS runners"
    " FROM pg_proc p JOIN scope s ON s.oid = p.pronamespace"
    " WHERE p.prokind IN ('f', 'p') AND p.prorettype <> 'trigger'::regtype"
    " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
    " AND d.objid = p.oid AND d.deptype IN ('e', 'i'))),"
    " triggers AS (SELECT 'trigger' AS kind, s.schema, c.relname::text AS owner,"
    f" t.tgname::text AS name, {POSTGRESQL_EVENTS} AS events,"
    " CASE WHEN :bodies THEN p.prosrc END AS body,"
    # Its function, to drop with it, and how many triggers run it (when others do, it goes
    # only with the last of them: inspection/_broken_advice.py).
    " t.tgfoid::regprocedure::text AS function,"
    " (SELECT count(*) FROM pg_trigger o WHERE o.tgfoid = t.tgfoid) AS runners FROM pg_trigger t"
    " JOIN pg_class c ON c.oid = t.tgrelid JOIN scope s ON s.oid = c.relnamespace"
    " JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal)"
    " SELECT * FROM routines UNION ALL SELECT * FROM triggers UNION ALL"
    # The views of the default schema, read each (runtime/_post_upgrade_look.py): PostgreSQL
    # ties a view to what it reads, but not to what a SQL function it calls reads, and inlines
    # that function when the view is read.
    " SELECT 'view', NULL, '', c.relname::text, '', NULL, '', 0 FROM pg_class c"
    " WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace UNION ALL"
    " SELECT 'column', s.schema, c.relname::text, a.attname::text, '', NULL, '', 0"
    " FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid JOIN scope s ON s.oid = c.relnamespace"
    " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    " AND (EXISTS (SELECT FROM routines) OR EXISTS (SELECT FROM triggers))"
)
MYSQL_HERE = "= DATABASE()"
MYSQL_ROUTINES = (
    f"EXISTS (SELECT 1 FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA {MYSQL_HERE})"
    f" OR EXISTS (SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA {MYSQL_HERE})"
    f" OR EXISTS (SELECT 1 FROM information_schema.EVENTS WHERE EVENT_SCHEMA {MYSQL_HERE})"
)
MYSQL_LISTING = (
    "SELECT 'trigger', EVENT_OBJECT_TABLE, TRIGGER_NAME, EVENT_MANIPULATION,"
    " IF(:bodies, ACTION_STATEMENT, NULL) FROM information_schema.TRIGGERS"
    f" WHERE EVENT_OBJECT_SCHEMA {MYSQL_HERE}"
    " UNION ALL SELECT LOWER(ROUTINE_TYPE), '', ROUTINE_NAME, '',"
    f" IF(:bodies, ROUTINE_DEFINITION, NULL) FROM information_schema.ROUTINES"
    f" WHERE ROUTINE_SCHEMA {MYSQL_HERE}"
    " UNION ALL SELECT 'event', '', EVENT_NAME, '', IF(:bodies, EVENT_DEFINITION, NULL)"
    f" FROM information_schema.EVENTS WHERE EVENT_SCHEMA {MYSQL_HERE}"
    # Each view is read after the run (runtime/_post_upgrade_look.py): MariaDB keeps one
    # whose column or table a migration dropped.
    " UNION ALL SELECT 'view', '', TABLE_NAME, '', NULL FROM information_schema.VIEWS"
    f" WHERE TABLE_SCHEMA {MYSQL_HERE}"
    " UNION ALL SELECT 'column', TABLE_NAME, COLUMN_NAME, '', NULL"
    f" FROM information_schema.COLUMNS WHERE TABLE_SCHEMA {MYSQL_HERE} AND ({MYSQL_ROUTINES})"
)


class Listing(NamedTuple):
    """Each table's columns (lower case), the bodies and the views, as read at one moment."""

    columns: dict[Table, set[str]]
    bodies: list[Body]
    views: list[str]


def read_listing(connection: Connection, *, bodies: bool) -> Listing | None:
    """The listing of ``connection``'s database (PostgreSQL, MySQL/MariaDB), the bodies
    left out unless ``bodies``; None on another database."""
    from sqlalchemy import text

    dialect = connection.dialect.name
    if dialect == "postgresql":
        rows = connection.execute(text(POSTGRESQL_LISTING), {"bodies": bodies}).all()
    elif dialect in ("mysql", "mariadb"):
        found = connection.execute(text(MYSQL_LISTING), {"bodies": bodies}).all()
        rows = [
            (kind, None, owner, name, events, body, "", 0)
            for kind, owner, name, events, body in found
        ]
    else:
        return None
    listing = Listing({}, [], [])
    for kind, schema, owner, name, events, body, function, runners in rows:
        if kind == "column":
            listing.columns.setdefault((schema, owner.lower()), set()).add(name.lower())
        elif kind == "view":
            listing.views.append(name)
        else:
            made = Body(
                kind, schema, owner, name, events or "", body or "", function or "", runners
            )
            listing.bodies.append(made)
    return listing
