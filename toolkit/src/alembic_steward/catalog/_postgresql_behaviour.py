"""What a PostgreSQL table does beyond its columns and keys, read with the rest of the catalog
(catalog/_postgresql.py): row level security and its policies, rewrite rules, whether the
table is unlogged, the tables it inherits from, its partition key, its storage parameters and
its replica identity. Each changes what a query returns, what survives a crash, what a logical
replica receives (REPLICA IDENTITY FULL) or how the table is kept (fillfactor,
autovacuum, as an index's WITH does), so a hand-made one is a difference like a column; `SET
STORAGE` and `SET STATISTICS` are not read (where a value is kept, what the planner samples)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog._model import Facts, Key

# The current schema and the other schemas asked for (as catalog/_postgresql.py's IN_SCOPE).
IN_SCOPE = "(n.nspname = current_schema() OR n.nspname = ANY(%(schemas)s::name[]))"
NAMED = "c.relname = ANY(%(owners)s::name[])"
# Only a table that differs from CREATE TABLE's defaults: the rest read as they are.
# A table's parents (INHERIT: a query of a parent reads its children's rows too), but a
# partition's, which is no inheritance a team typed.
PARENTS = (
    "(SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)"
    " FROM pg_inherits i WHERE i.inhrelid = c.oid AND NOT c.relispartition)"
)
# A table's storage parameters (`WITH (fillfactor=70)`, `SET (autovacuum_enabled=false)`), in
# one order, as an index's are in its definition: how full a page is kept, whether autovacuum
# runs. Its TOAST table's (`toast.`) are left out with SET STORAGE's.
STORAGE = "(SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(c.reloptions) AS o)"
# REPLICA IDENTITY USING INDEX: the index whose columns a logical replica matches rows by.
REPLICA_INDEX = (
    "(SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
    " WHERE x.indrelid = c.oid AND x.indisreplident)"
)
TABLE_BEHAVIOUR = (
    "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relpersistence,"
    f" {PARENTS}, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, {STORAGE},"
    f" c.relreplident, {REPLICA_INDEX}"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {IN_SCOPE} AND c.relkind IN ('r', 'p')"
    " AND (c.relrowsecurity OR c.relforcerowsecurity OR c.relpersistence = 'u' OR c.relkind = 'p'"
    "  OR c.reloptions IS NOT NULL OR c.relreplident <> 'd'"
    "  OR EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = c.oid))"
)
POLICIES = (
    "SELECT n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive,"
    # Roles by name, in one order; 0 is PUBLIC.
    " (SELECT string_agg(r.name, ', ' ORDER BY r.name) FROM (SELECT CASE WHEN o.oid = 0"
    "  THEN 'PUBLIC' ELSE pg_get_userbyid(o.oid)::text END FROM unnest(p.polroles) AS o(oid))"
    "  AS r(name)),"
    " pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)"
    " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {IN_SCOPE}"
)
# A view's _RETURN rule is its definition, described as the view's.
RULES = (
    "SELECT n.nspname, c.relname, r.rulename, pg_get_ruledef(r.oid), r.ev_enabled"
    " FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {IN_SCOPE} AND r.rulename <> '_RETURN'"
)
QUERIES = (TABLE_BEHAVIOUR, POLICIES, RULES)
OWNED_BY = {query: f"{query} AND {NAMED}" for query in QUERIES}
COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
# What a logical replica matches an UPDATE's or DELETE's row by ("d": the primary key).
REPLICA_IDENTITY = {"f": "full (every column)", "n": "nothing"}  # "i": an index
RULE_ENABLED = {"D": "no", "R": "on replicas only", "A": "always"}  # "O": as usual
NAME = r'(?:"(?:[^"]|"")*"|[^\s".]+)'
# "CREATE RULE name AS ON DELETE TO schema.table DO ...": the key holds the name and the table.
RULE_PARTS = re.compile(
    rf"^CREATE RULE {NAME} AS\s+ON (?P<event>\w+) TO {NAME}(?:\.{NAME})?\s+(?P<rest>.*?);?$",
    re.DOTALL,
)


def row_security(enabled: bool, forced: bool) -> str | None:
    """The table's row level security in a few words (None when off and not forced)."""
    if enabled:
        return "enabled and forced on the table's owner" if forced else "enabled"
    return "forced on the table's owner, not enabled" if forced else None


def add_behaviour(
    objects: dict[Key, Facts],
    rows: tuple[list, list, list],
    schema_of: Callable[[str], str | None],
) -> None:
    """Add to ``objects`` (tables already read) each table's behaviour, its policies and its
    rules, from the ``rows`` of QUERIES."""
    tables, policies, rules = rows
    for (
        schema,
        table,
        enabled,
        forced,
        persistence,
        parents,
        partition_key,
        storage,
        identity,
        identity_index,
    ) in tables:
        facts = dict(objects.get(("table", schema_of(schema), "", table), {}))
        security = row_security(enabled, forced)
        facts.update({"row level security": security} if security else {})
        facts.update({"persistence": "unlogged"} if persistence == "u" else {})
        facts.update({"inherits": parents} if parents else {})
        facts.update({"partitioned by": partition_key} if partition_key else {})
        facts.update({"storage parameters": storage} if storage else {})
        replica = REPLICA_IDENTITY.get(identity) or f"using index {identity_index}"
        facts.update({"replica identity": replica} if identity != "d" else {})
        objects[("table", schema_of(schema), "", table)] = facts
    for schema, table, name, command, permissive, roles, using, check in policies:
        facts = {
            "command": COMMANDS[command],
            "permissive": "yes" if permissive else "no (restrictive)",
            "roles": roles or "PUBLIC",
            "using": using,
            "with check": check,
        }
        objects[("policy", schema_of(schema), table, name)] = {
            fact: value for fact, value in facts.items() if value is not None
        }
    for schema, relation, name, definition, enabled in rules:
        parts = RULE_PARTS.match(definition)
        facts = {
            "event": f"ON {parts.group('event')}" if parts else None,
            "definition": " ".join((parts.group("rest") if parts else definition).split()),
            "enabled": RULE_ENABLED.get(enabled),
        }
        objects[("rule", schema_of(schema), relation, name)] = {
            fact: value for fact, value in facts.items() if value is not None
        }
