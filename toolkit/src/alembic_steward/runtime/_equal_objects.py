"""Drop what autogenerate writes for objects the catalogs prove unchanged.

Alembic's comparison has blind spots that its catalog-level twin does not: on MariaDB a
`Float(53)` reads back as DOUBLE and an identity column as a changed default, and on SQLite and
MariaDB a descending index reads back ascending, so autogenerate writes an `alter_column`, or a
`drop_index` and `create_index`, for an object that is the same in the models and the database.
Those ride along with every real change (and the identity one fails on MariaDB). `inv
db.revision` compares the two catalogs first (tasks/_revision_checks.py) and hands over the
keys of the objects both describe alike; an operation on one of those is dropped. Only an
object found on both sides and equal is proof: an operation whose object is not found is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Set in a config's attributes by `inv db.revision`: what the models' and the database's
# catalogs agree on (an Agreement), by key (kind, schema, owner, name).
EQUAL_OBJECTS = "alembic_steward.equal_objects"
# The column facts that say whether an identity changed.
IDENTITY_FACTS = frozenset({"identity", "default"})


@dataclass(frozen=True)
class Agreement:
    """What two catalogs agree on: ``equal``, the keys of the objects both hold with equal
    facts; ``same_facts``, for a column both hold with some facts differing, the facts that
    are equal (a real type change on an identity column keeps its identity)."""

    equal: frozenset[tuple] = frozenset()
    same_facts: Mapping[tuple, frozenset[str]] = field(default_factory=dict)
    # (schema, table) of each table both catalogs hold -> the names of what either has on it.
    names_on_tables: Mapping[tuple, frozenset[str]] = field(default_factory=dict)


def agreement(models: Any, live: Any) -> Agreement:
    """Compare the catalogs' objects key by key (keys with an empty schema as None)."""
    from alembic_steward.catalog._model import differing_facts, fact_agrees

    equal, same_facts = set(), {}
    for key in models.objects.keys() & live.objects.keys():
        want, have = models.objects[key], live.objects[key]
        if not differing_facts(want, have, floors=True):
            equal.add(normal_key(key))
        elif key[0] == "column":
            # A fact neither side has (no default) is one they agree on.
            facts = want.keys() | have.keys() | IDENTITY_FACTS
            same = {fact for fact in facts if fact_agrees(fact, want.get(fact), have.get(fact))}
            same_facts[normal_key(key)] = frozenset(same)
    return Agreement(frozenset(equal), same_facts, names_on_tables(models, live))


def names_on_tables(models: Any, live: Any) -> dict[tuple, frozenset[str]]:
    """For each table both catalogs hold, the names of every object either holds on it (a
    primary key by its name fact), whatever its kind: an index may be a constraint elsewhere."""
    tables = {
        (key[1] or None, key[3]): set()
        for key in models.objects.keys() & live.objects.keys()
        if key[0] == "table"
    }
    for catalog in (models, live):
        for (_kind, schema, owner, name), facts in catalog.objects.items():
            names = tables.get((schema or None, owner))
            if names is not None:
                names.update(filter(None, (name, facts.get("name"))))
    return {table: frozenset(names) for table, names in tables.items()}


def normal_key(key: tuple) -> tuple:
    kind, schema, owner, name = key
    return (kind, schema or None, owner, name)


def forget_operations_on_equal_objects(
    upgrade_ops: Any, agreed: Agreement | None, dialect: str
) -> bool:
    """Remove from ``upgrade_ops`` the column changes and index drop-and-create pairs whose
    object the catalogs hold alike, and from a column change that stays the identity change
    it does not make; return whether anything was removed."""
    from alembic.operations import ops

    if agreed is None:
        return False
    removed = False
    for table_ops in list(upgrade_ops.ops):
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        schema, table = table_ops.schema or None, table_ops.table_name
        recreated = index_names(table_ops, ops.DropIndexOp) & index_names(
            table_ops, ops.CreateIndexOp
        )
        known = agreed.names_on_tables.get((schema, table))
        kept = []
        for operation in table_ops.ops:
            if known is not None and creates_what_neither_holds(operation, known):
                same = True
            elif isinstance(operation, ops.AlterColumnOp):
                key = ("column", schema, table, operation.column_name)
                same_facts = agreed.same_facts.get(key)
                removed |= forget_unchanged_identity(operation, same_facts, dialect)
                # Its identity "change" forgotten, it may change nothing (MariaDB: a start,
                # which AUTO_INCREMENT cannot say, is all that differs).
                same = key in agreed.equal or not operation.has_changes()
            elif isinstance(operation, (ops.DropIndexOp, ops.CreateIndexOp)):
                name = operation.index_name
                same = name in recreated and ("index", schema, table, name) in agreed.equal
            else:
                same = False
            removed |= same
            if not same:
                kept.append(operation)
        table_ops.ops = kept
        if not kept:
            upgrade_ops.ops.remove(table_ops)
    return removed


def creates_what_neither_holds(operation: Any, known: frozenset[str]) -> bool:
    """Whether ``operation`` creates a named constraint or index that neither catalog holds
    anything of that name for on its table (``known``, the names either holds there)."""
    from alembic.operations import ops

    if isinstance(operation, ops.CreateIndexOp):
        name = operation.index_name
    elif isinstance(operation, ops.AddConstraintOp):
        name = getattr(operation, "constraint_name", None)
    else:
        return False
    return bool(name) and str(name) not in known


def forget_unchanged_identity(operation: Any, same: frozenset[str] | None, dialect: str) -> bool:
    """Drop the identity "change" autogenerate adds to a real column change (SQLite and MariaDB
    read an identity column back as a changed default, and cannot alter one) when the
    catalogs agree on the column's identity and default, or on SQLite, which has no identity to
    alter (its batch rebuild refuses one); return whether it did."""
    from sqlalchemy import Identity

    if not isinstance(operation.modify_server_default, Identity):
        return False
    if dialect != "sqlite" and (same is None or not same >= IDENTITY_FACTS):
        return False
    operation.modify_server_default = False  # Alembic's "not changed"
    return True


def index_names(table_ops: Any, kind: type) -> set[str]:
    return {op.index_name for op in table_ops.ops if isinstance(op, kind) and op.index_name}
