"""The statements that undo a hand change the catalog names precisely enough to write them:
a sequence's owner changed (`ALTER SEQUENCE ... OWNED BY`), an extension a revision made
dropped (`CREATE EXTENSION ... SCHEMA ...`) or moved (`ALTER EXTENSION ... SET SCHEMA ...`).
Said in the advice of `db.status`/`db.check` exit 9 beside "undo the hand change", at head and
behind it alike, which alone leaves a reader to find the statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog, Difference


def restoring_statements(differences: Sequence[Difference], built: Catalog) -> list[str]:
    """For each of ``differences`` (the live database against ``built``, what its revision
    builds) that one statement undoes, that statement."""
    statements = []
    for difference in differences:
        if difference.kind == "sequence" and difference.change == "different":
            owners = [want for fact, want, _have in difference.facts if fact == "owned by"]
            if owners:
                # The owning table is in the sequence's schema (PostgreSQL requires it).
                schema = difference.subject.rpartition(".")[0]
                owner = f"{schema}.{owners[0]}" if schema and owners[0] else owners[0]
                statements.append(f"ALTER SEQUENCE {difference.subject} OWNED BY {owner or 'NONE'}")
        elif difference.kind == "extension" and difference.change == "missing":
            facts = built.objects.get(("extension", None, "", difference.subject), {})
            schema = f" SCHEMA {facts['schema']}" if "schema" in facts else ""
            statements.append(f"CREATE EXTENSION {difference.subject}{schema}")
        elif difference.kind == "extension" and difference.change == "different":
            schemas = [want for fact, want, _have in difference.facts if fact == "schema"]
            if schemas and schemas[0]:
                statements.append(f"ALTER EXTENSION {difference.subject} SET SCHEMA {schemas[0]}")
    return statements


def restoring_advice(statements: Sequence[str]) -> str:
    """` (`ALTER SEQUENCE ...` restores it)`: to follow "undo the hand change"."""
    if not statements:
        return ""
    named = "; ".join(f"`{statement}`" for statement in statements)
    return f" ({named} {'restores it' if len(statements) == 1 else 'restore them'})"
