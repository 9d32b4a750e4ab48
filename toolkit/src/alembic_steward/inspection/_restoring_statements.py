"""The statements that undo a hand change the catalog names precisely enough to write them:
a sequence's owner changed (`ALTER SEQUENCE ... OWNED BY`), an extension a revision made
dropped (`CREATE EXTENSION ... SCHEMA ...`) or moved (`ALTER EXTENSION ... SET SCHEMA ...`), a
PostgreSQL trigger a revision made dropped (`CREATE TRIGGER ...`: rerunning the revision is no
way back, an upgrade refuses to run it a second time), a PostgreSQL function or procedure
dropped or changed (`CREATE OR REPLACE FUNCTION ...` with the definition its revision builds,
on one line that runs: catalog/_one_line_sql.py). A function comes before the statements that
need it: `DROP FUNCTION f() CASCADE` dropped its triggers too, and a trigger's CREATE fails
while its function is missing. A changed return type (or argument name or default), which
CREATE OR REPLACE refuses, is dropped first. A function its build has broken (naming a column
a later revision dropped) is never made again so: inspection/_hand_fixed_objects.py.
Said in the advice of `db.status`/`db.check` exit 9 beside "undo the hand change", at head and
behind it alike, which alone leaves a reader to find the statement."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.catalog._model import Key

# A PostgreSQL name that needs no quotes (as pg_get_triggerdef writes one).
PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


def restoring_statements(differences: Sequence[Difference], built: Catalog) -> list[str]:
    """For each of ``differences`` (the live database against ``built``, what its revision
    builds) that one statement undoes, that statement."""
    broken = broken_in(differences, built)
    statements = [
        statement
        for difference in differences
        for statement in routine_statements(difference, built, broken)
    ]
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
        elif (statement := trigger_statement(difference, built)) and not built_broken(
            difference, built
        ):
            statements.append(statement)
    return statements


def built_broken(difference: Difference, built: Catalog) -> bool:
    """Whether ``difference`` is a trigger ``built`` makes broken (its `NEW.x` names a column its
    table lacks): made again, every INSERT fails, so no statement restores it."""
    from alembic_steward.catalog._model import subject_of
    from alembic_steward.inspection._broken_routines import broken_in_catalog

    return any(
        item.key and item.key[0] == difference.kind and subject_of(item.key) == difference.subject
        for item in broken_in_catalog(built)
    )


def lacks_unrestored(differences: Sequence[Difference], built: Catalog) -> bool:
    """Whether something ``built`` has is missing that no restoring statement makes again:
    only then is a stamp and an upgrade the way back (a stamp explains only something missing)."""
    broken = broken_in(differences, built)
    return any(
        difference.change == "missing"
        and not trigger_statement(difference, built)
        and not routine_statements(difference, built, broken)
        for difference in differences
    )


def broken_in(differences: Sequence[Difference], built: Catalog) -> Collection[Key]:
    """The routines ``built`` has broken (inspection/_hand_fixed_objects.py), read only when
    one of ``differences`` is a routine: none is made again with a body that fails."""
    from alembic_steward.inspection._hand_fixed_objects import ROUTINE_KINDS, broken_routines_in

    if not any(difference.kind in ROUTINE_KINDS for difference in differences):
        return ()
    return broken_routines_in(built)


def routine_statements(
    difference: Difference, built: Catalog, broken: Collection[Key] = ()
) -> tuple[str, ...]:
    """The CREATE OR REPLACE that makes a missing or changed PostgreSQL function or procedure
    what ``built`` has (its definition there, one line that runs), after a DROP where the
    database's differs in what CREATE OR REPLACE cannot change (its return type); () for
    another, or for one ``broken`` holds: its build fails, and is no way back."""
    from alembic_steward.catalog._model import subject_of
    from alembic_steward.inspection._hand_fixed_objects import ROUTINE_KINDS, making_statements

    if built.dialect != "postgresql" or difference.kind not in ROUTINE_KINDS:
        return ()
    if difference.change not in ("missing", "different"):
        return ()
    for key, facts in built.objects.items():
        if key[0] == difference.kind and subject_of(key) == difference.subject:
            if key in broken:
                return ()
            have = [have for fact, _want, have in difference.facts if fact == "definition"]
            # Missing, it is made afresh: nothing of it is there to replace.
            return making_statements(key, {"definition": have[0]} if have else facts, facts)
    return ()


def trigger_statement(difference: Difference, built: Catalog) -> str | None:
    """The CREATE TRIGGER that makes a missing PostgreSQL trigger again, from its facts in
    ``built`` (catalog/_postgresql.py: when it fires, and the rest of pg_get_triggerdef,
    which names its function); None for another difference, a trigger not enabled as usual
    (its ALTER TABLE ... ENABLE/DISABLE is left to the reader) or a constraint trigger."""
    from alembic_steward.catalog._model import subject_of

    if built.dialect != "postgresql" or (difference.kind, difference.change) != (
        "trigger",
        "missing",
    ):
        return None
    for key, facts in built.objects.items():
        if key[0] == "trigger" and subject_of(key) == difference.subject:
            # A constraint trigger's DEFERRABLE needs CREATE CONSTRAINT TRIGGER, which its
            # facts do not say: left to the reader too.
            if "enabled" in facts or "timing" not in facts or "DEFERRABLE" in facts["definition"]:
                return None
            _kind, schema, table, name = key
            on = ".".join(quoted(part) for part in (schema, table) if part)
            return f"CREATE TRIGGER {quoted(name)} {facts['timing']} ON {on} {facts['definition']}"
    return None


def restoring_advice(statements: Sequence[str]) -> str:
    """` (`ALTER SEQUENCE ...` restores it)`: to follow "undo the hand change"."""
    if not statements:
        return ""
    named = "; ".join(f"`{statement}`" for statement in statements)
    return f" ({named} {'restores it' if len(statements) == 1 else 'restore them'})"


def quoted(name: str) -> str:
    """``name`` as PostgreSQL reads it back: quoted unless plain (PLAIN_NAME)."""
    return name if PLAIN_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'
