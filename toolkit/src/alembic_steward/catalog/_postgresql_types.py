"""PostgreSQL's objects of their own beyond tables, views, sequences, enum types and routines,
read with the rest of the catalog (catalog/_postgresql.py): domains (base type, NOT NULL,
default, collation and each named CHECK), composite types (their attributes), range types,
collations, aggregates and operators. What such an object owns (a range type's constructor
functions, which PostgreSQL makes and drops with it) is described through it, never as an
object of its own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog._model import Facts, Key

# The current schema and the other schemas asked for (as catalog/_postgresql.py's IN_SCOPE).
IN_SCOPE = "(n.nspname = current_schema() OR n.nspname = ANY(%(schemas)s::name[]))"
NAMED = "= ANY(%(owners)s::name[])"
# An extension's own objects are its own (the extension makes and drops them).
NOT_AN_EXTENSIONS = (
    " AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
    "  AND e.objid = {oid} AND e.deptype = 'e')"
)
DOMAINS = (
    "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,"
    " t.typdefault,"
    # Only a collation other than its base type's own is a choice the domain made.
    " CASE WHEN t.typcollation <> b.typcollation THEN t.typcollation::regcollation::text END"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
    " JOIN pg_type b ON b.oid = t.typbasetype"
    f" WHERE {IN_SCOPE} AND t.typtype = 'd'"
    + NOT_AN_EXTENSIONS.format(catalog="pg_type", oid="t.oid")
)
# A domain's CHECKs, each by its name (PostgreSQL 17 also keeps its NOT NULL here: read as the
# domain's typnotnull).
DOMAIN_CHECKS = (
    "SELECT n.nspname, t.typname, k.conname, pg_get_constraintdef(k.oid)"
    " FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid"
    " JOIN pg_namespace n ON n.oid = t.typnamespace"
    f" WHERE {IN_SCOPE} AND k.contype = 'c' AND t.typtype = 'd'"
)
# A composite type of its own (CREATE TYPE ... AS (...)), not a table's row type.
COMPOSITES = (
    "SELECT n.nspname, t.typname, (SELECT string_agg(quote_ident(a.attname) || ' '"
    "  || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attcollation <> y.typcollation"
    "  THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END, ', '"
    "  ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid"
    "  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
    " JOIN pg_class c ON c.oid = t.typrelid"
    f" WHERE {IN_SCOPE} AND t.typtype = 'c' AND c.relkind = 'c'"
    + NOT_AN_EXTENSIONS.format(catalog="pg_type", oid="t.oid")
)
RANGES = (
    "SELECT n.nspname, t.typname, format_type(r.rngsubtype, NULL),"
    " format_type(r.rngmultitypid, NULL),"
    # The subtype's operator class and collation only where not its default ones.
    " CASE WHEN r.rngsubopc <> (SELECT o.oid FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod"
    "  WHERE m.amname = 'btree' AND o.opcdefault AND o.opcintype = r.rngsubtype LIMIT 1)"
    "  THEN (SELECT o.opcname FROM pg_opclass o WHERE o.oid = r.rngsubopc) END,"
    " CASE WHEN r.rngcollation <> s.typcollation THEN r.rngcollation::regcollation::text END,"
    " NULLIF(r.rngcanonical, 0)::regproc::text, NULLIF(r.rngsubdiff, 0)::regproc::text"
    " FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid"
    " JOIN pg_type s ON s.oid = r.rngsubtype JOIN pg_namespace n ON n.oid = t.typnamespace"
    f" WHERE {IN_SCOPE}" + NOT_AN_EXTENSIONS.format(catalog="pg_type", oid="t.oid")
)
# The locale's column is another in each version (colliculocale in 15 and 16, colllocale from
# 17): read through the row as JSON, which has whichever the server keeps.
COLLATIONS = (
    "SELECT n.nspname, c.collname, c.collprovider, c.collisdeterministic,"
    " coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'),"
    " c.collcollate, c.collctype, to_jsonb(c) ->> 'collicurules'"
    " FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace"
    f" WHERE {IN_SCOPE}" + NOT_AN_EXTENSIONS.format(catalog="pg_collation", oid="c.oid")
)
AGGREGATE_KEY = "p.proname || '(' || oidvectortypes(p.proargtypes) || ')'"
AGGREGATES = (
    f"SELECT n.nspname, {AGGREGATE_KEY}, g.aggkind, g.aggtransfn::regproc::text,"
    " format_type(g.aggtranstype, NULL), NULLIF(g.aggfinalfn, 0)::regproc::text, g.agginitval,"
    " NULLIF(g.aggcombinefn, 0)::regproc::text"
    " FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid"
    " JOIN pg_namespace n ON n.oid = p.pronamespace"
    f" WHERE {IN_SCOPE}" + NOT_AN_EXTENSIONS.format(catalog="pg_proc", oid="p.oid")
)
OPERATOR_KEY = (
    "o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL)"
    " END || ', ' || format_type(o.oprright, NULL) || ')'"
)
OPERATORS = (
    f"SELECT n.nspname, {OPERATOR_KEY}, o.oprcode::regproc::text,"
    " format_type(o.oprresult, NULL), NULLIF(o.oprcom, 0)::regoperator::text,"
    " NULLIF(o.oprnegate, 0)::regoperator::text, NULLIF(o.oprrest, 0)::regproc::text,"
    " NULLIF(o.oprjoin, 0)::regproc::text, o.oprcanhash, o.oprcanmerge"
    " FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace"
    f" WHERE {IN_SCOPE}" + NOT_AN_EXTENSIONS.format(catalog="pg_operator", oid="o.oid")
)
QUERIES = (DOMAINS, DOMAIN_CHECKS, COMPOSITES, RANGES, COLLATIONS, AGGREGATES, OPERATORS)
OWNED_BY = {
    DOMAINS: f"{DOMAINS} AND t.typname {NAMED}",
    DOMAIN_CHECKS: f"{DOMAIN_CHECKS} AND t.typname {NAMED}",
    COMPOSITES: f"{COMPOSITES} AND t.typname {NAMED}",
    RANGES: f"{RANGES} AND t.typname {NAMED}",
    COLLATIONS: f"{COLLATIONS} AND c.collname {NAMED}",
    AGGREGATES: f"{AGGREGATES} AND {AGGREGATE_KEY} {NAMED}",
    OPERATORS: f"{OPERATORS} AND {OPERATOR_KEY} {NAMED}",
}
PROVIDERS = {"c": "libc", "i": "icu", "d": "the database's"}
AGGREGATE_KINDS = {"o": "ordered-set", "h": "hypothetical-set"}  # "n": as usual
# `CHECK ((VALUE >= 0))`: the parentheses pg_get_constraintdef doubles are kept as read.
SPACES = re.compile(r"\s+")


def add_types(
    objects: dict[Key, Facts],
    rows: list[list],
    schema_of: Callable[[str], str | None],
    same_value: Callable[[str | None], str | None],
) -> None:
    """Add to ``objects`` the domains, composite types, range types, collations, aggregates
    and operators of ``rows`` (the rows of QUERIES, in their order)."""
    domains, checks, composites, ranges, collations, aggregates, operators = rows
    for schema, name, base, not_null, default, collation in domains:
        facts = {
            "type": base,
            "nullable": "no" if not_null else None,
            "default": same_value(default),
            "collation": collation,
        }
        objects[("domain", schema_of(schema), "", name)] = present(facts)
    for schema, name, check, definition in checks:
        domain = objects.get(("domain", schema_of(schema), "", name))
        if domain is not None:  # an extension's domain is not described
            domain[f"check {check}"] = SPACES.sub(" ", definition)  # type: ignore[index]
    for schema, name, attributes in composites:
        objects[("composite type", schema_of(schema), "", name)] = {"attributes": attributes or ""}
    for schema, name, subtype, multirange, opclass, collation, canonical, diff in ranges:
        facts = {
            "subtype": subtype,
            "multirange type": multirange,
            "subtype operator class": opclass,
            "collation": collation,
            "canonical function": canonical,
            "subtype difference function": diff,
        }
        objects[("range type", schema_of(schema), "", name)] = present(facts)
    for schema, name, provider, deterministic, locale, collate, ctype, rules in collations:
        facts = {
            "provider": PROVIDERS.get(provider, provider),
            "locale": locale if locale is not None else f"{collate} (ctype {ctype})",
            "deterministic": None if deterministic else "no",
            "rules": rules,
        }
        objects[("collation", schema_of(schema), "", name)] = present(facts)
    for schema, name, kind, state_function, state_type, final, initial, combine in aggregates:
        facts = {
            "kind": AGGREGATE_KINDS.get(kind),
            "state function": state_function,
            "state type": state_type,
            "final function": final,
            "initial condition": initial,
            "combine function": combine,
        }
        objects[("aggregate", schema_of(schema), "", name)] = present(facts)
    for (
        schema,
        name,
        function,
        result,
        commutator,
        negator,
        restrict,
        join,
        hashes,
        merges,
    ) in operators:
        facts = {
            "function": function,
            "result": result,
            "commutator": commutator,
            "negator": negator,
            "restrict": restrict,
            "join": join,
            "hashes": "yes" if hashes else None,
            "merges": "yes" if merges else None,
        }
        objects[("operator", schema_of(schema), "", name)] = present(facts)


def present(facts: dict[str, str | None]) -> dict[str, str]:
    return {fact: value for fact, value in facts.items() if value is not None}
