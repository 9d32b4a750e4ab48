"""Which hand-made objects a failed statement's error names: what stops the run, not bystanders.

A MySQL/MariaDB run that stopped half-way tells apart the differences it left from those made
by hand before it (inspection/_run_leftovers.py), and the hand-made ones may stay: no rerun
trips on them. But one the failing statement's error names is what stopped it (MariaDB's 1833
"Cannot change column 'id': used in a foreign key constraint 'fk_hand_post' of table
'db.hand_ref'"), and undoing the half and migrating again fails the same way while it is there.
So the objects of the hand-made differences (a hand-made table's own foreign keys, triggers and
indexes too) are read from the live database, and each whose name the error holds as a whole
word (inspection/_names_in_text.py) is named with the statement that drops it
(inspection/_hand_made_dependents.py's drop_statement).

Some refusals name no key: MariaDB's DROP TABLE of a table a foreign key references says only
1451 "Cannot delete or update a parent row: a foreign key constraint fails". The error still
says a key referencing the statement's table stopped it, and its text holds the statement
(`[SQL: DROP TABLE orders]`): so a hand-made foreign key whose referenced table the text names
is the blocker too, when the error is such a refusal (the key of the table, not the table:
dropping the key is what lets the run go on). A key of the server's automatic name
(`audit_ibfk_1`), which the catalog keys by its definition, is dropped by the name the server
gives it (information_schema).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference
    from alembic_steward.catalog._model import Facts, Key

# A key that references the statement's table refused it: MariaDB's 1451 and 1217 (`parent
# row`), MySQL's 3730 (`referenced by a foreign key`), 1833 (`used in`), 1829 (`needed in`),
# 1701 (`Cannot truncate a table referenced in`).
REFERENCED_REFUSAL = re.compile(
    r"parent row|referenced (?:by|in) a foreign key|(?:used|needed) in a foreign key",
    re.IGNORECASE,
)


def blocking_drops(
    connection: Connection, hand_made: list[Difference], error_text: str
) -> tuple[str, ...]:
    """`ALTER TABLE hand_ref DROP FOREIGN KEY fk_hand_post`: the statements dropping each
    object of ``hand_made`` that ``error_text`` names; () when none is named (or the live
    catalog cannot be read: the line is then as before)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import describe_catalog
    from alembic_steward.catalog._model import subject_of
    from alembic_steward.inspection._hand_made_dependents import drop_statement
    from alembic_steward.inspection._names_in_text import names

    if not hand_made or not error_text:
        return ()
    owners = {difference.subject.split(".")[-1].split(" ")[0] for difference in hand_made}
    owners |= {difference.subject.split(".")[0] for difference in hand_made}
    try:
        live = describe_catalog(connection, owners=owners)
    except (SQLAlchemyError, ValueError):
        return ()
    drops = []
    for key, facts in live.objects.items():
        if not covered(key, subject_of(key, facts), hand_made):
            continue
        if not names(error_text, key[3]) and not refused_by_reference(key, facts, error_text):
            continue
        drop = drop_statement(live.dialect, key)
        for each in [drop] if drop else automatic_key_drops(connection, key, facts):
            if each not in drops:
                drops.append(each)
    return tuple(drops)


def automatic_key_drops(connection: Connection, key: Key, facts: Facts) -> list[str]:
    """`ALTER TABLE audit DROP FOREIGN KEY audit_ibfk_1`: a MySQL/MariaDB foreign key of the
    server's automatic name, which the catalog keys by its definition, dropped by the name the
    server reads for that table's keys to the same table; [] for anything else."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog._references import REFERENCES, unquoted
    from alembic_steward.inspection._hand_made_dependents import unnamed_key

    kind, _schema, owner, name = key
    referenced = REFERENCES.search(facts.get("definition", ""))
    if kind != "foreign key" or not unnamed_key(connection.dialect.name, name) or not referenced:
        return []
    try:
        names = connection.execute(
            text(
                "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS"
                " WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = :owner"
                " AND REFERENCED_TABLE_NAME = :referenced ORDER BY 1"
            ),
            {"owner": owner, "referenced": unquoted(referenced.group(1)).split(".")[-1]},
        ).scalars()
        return [f"ALTER TABLE {owner} DROP FOREIGN KEY {found}" for found in names]
    except SQLAlchemyError:
        return []


def covered(key: Key, subject: str, hand_made: list[Difference]) -> bool:
    """Whether the object at ``key`` (its ``subject``) is one of ``hand_made``, or belongs to
    a table (or view) that is wholly hand-made."""
    kind, schema, owner, _name = key
    table = ".".join(part for part in (schema, owner) if part)
    return any(
        (difference.kind == kind and difference.subject == subject)
        or (
            difference.change == "unexpected"
            and difference.kind in ("table", "view")
            and bool(owner)
            and difference.subject == table
        )
        for difference in hand_made
    )


def refused_by_reference(key: Key, facts: Facts, error_text: str) -> bool:
    """Whether the foreign key at ``key`` references a table ``error_text`` names, and the
    error is a refusal by a key referencing the statement's table (REFERENCED_REFUSAL)."""
    from alembic_steward.catalog._references import REFERENCES, unquoted
    from alembic_steward.inspection._names_in_text import names

    if key[0] != "foreign key" or not REFERENCED_REFUSAL.search(error_text):
        return False
    referenced = REFERENCES.search(facts.get("definition", ""))
    return referenced is not None and names(error_text, unquoted(referenced.group(1)))
