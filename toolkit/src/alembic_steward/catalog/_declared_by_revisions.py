"""What the models leave to the revisions: objects and facts they declare only through DDL of
their own, so that one a revision made is never a revision the models need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.catalog._model import Difference, compare_catalogs

if TYPE_CHECKING:
    from alembic_steward.catalog._model import Catalog

# Kinds the models declare only through DDL of their own (a listener's CREATE VIEW, CREATE
# TRIGGER or CREATE FUNCTION, a schema no table of theirs names; a composite or range type, a
# collation, an aggregate or an operator, which SQLAlchemy has no construct for; a domain no
# column of theirs takes, as SQLAlchemy's DOMAIN is made with its table), and a revision through
# op.execute: one the models do not declare is the revisions' business, judged against what the
# database's own revision builds (inspection/_catalog_drift.py), never a revision the models
# need. One a column of the models takes is theirs: missing or changed, it is named.
DECLARED_BY_REVISIONS = frozenset(
    {
        "schema",
        "view",
        "materialized view",
        "trigger",
        "policy",
        "rule",
        "function",
        "procedure",
        "domain",
        "composite type",
        "range type",
        "collation",
        "aggregate",
        "operator",
        "event",
        # PostgreSQL's CREATE EXTENSION, which SQLAlchemy has no construct for.
        "extension",
    }
)
# Facts of the same kind: a table's row level security (ALTER TABLE ... ENABLE ROW LEVEL
# SECURITY), its persistence (SET UNLOGGED, or the models' prefixes=["UNLOGGED"]), its parents
# (INHERIT, or postgresql_inherits) and its partition key (a CREATE TABLE ... PARTITION BY, or
# postgresql_partition_by). One the models say nothing of (it reads as absent there) is left to
# the revisions likewise.
FACTS_DECLARED_BY_REVISIONS = frozenset(
    {
        ("table", "row level security"),
        ("table", "persistence"),
        ("table", "inherits"),
        ("table", "partitioned by"),
        # PostgreSQL's storage parameters (SET (fillfactor=70), or postgresql_with) and
        # MariaDB's row format, key block size and max rows (ROW_FORMAT=..., or
        # mysql_row_format, mysql_key_block_size, mysql_max_rows).
        ("table", "storage parameters"),
        ("table", "row format"),
        ("table", "key block size"),
        ("table", "max rows"),
        # MariaDB's INVISIBLE column and IGNORED index (MySQL's INVISIBLE index), which
        # SQLAlchemy cannot declare: only a revision's op.execute makes them.
        ("column", "invisible"),
        ("index", "ignored by the optimizer"),
        # PostgreSQL's ALTER TABLE ... REPLICA IDENTITY, which SQLAlchemy cannot declare.
        ("table", "replica identity"),
        # MariaDB's system versioning, page compression and index comment, which SQLAlchemy
        # declares none of.
        ("table", "system versioning"),
        ("table", "page compressed"),
        ("index", "comment"),
    }
)


def declared_by_revisions(difference: Difference) -> bool:
    """Whether ``difference`` (the models expected) is an object of a kind the models leave to
    the revisions (DECLARED_BY_REVISIONS) that the other side has and the models do not."""
    return difference.change == "unexpected" and difference.kind in DECLARED_BY_REVISIONS


def compare_with_models(models: Catalog, actual: Catalog) -> list[Difference]:
    """`compare_catalogs` with the models expected, less what the models leave to the
    revisions (`declared_by_revisions`, and FACTS_DECLARED_BY_REVISIONS the models leave out):
    what a new revision of the models would hold; a counter below the start they declare too
    (FLOOR_FACTS)."""
    needed = []
    for difference in compare_catalogs(models, actual, floors=True):
        facts = tuple(
            (fact, want, have)
            for fact, want, have in difference.facts
            if want is not None or (difference.kind, fact) not in FACTS_DECLARED_BY_REVISIONS
        )
        if declared_by_revisions(difference) or (difference.facts and not facts):
            continue
        needed.append(Difference(difference.kind, difference.subject, difference.change, facts))
    return needed
