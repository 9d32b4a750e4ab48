"""Whether a database differs from its revision's build only by lacking what that build makes
broken: a trigger naming a column its table no longer has (and, on PostgreSQL, the function it
runs), dropped by hand as the upgrade's warning used to advise.

Such a database is no stamp mistake and no hand change to undo: making the object again, or
stamping back and upgrading, builds it broken again, and the earlier-build search
(inspection/_later_builds.py) could call it "stamped ahead". The revisions build something that
fails, so the way out is a new revision that drops it (inspection/_broken_advice.py), after
which the build matches. A trigger's row is read from the build's catalog, at no further query;
a routine, event or view from the revision files (inspection/_revision_column_drops.py and
inspection/_revision_table_drops.py): the column or table a revision drops (or renames) that it
names, and the build lacks (a view over a dropped table, a function reading it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.catalog._model import Key
    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.inspection._revision_column_drops import NamedDroppedColumn
    from alembic_steward.inspection._revision_table_drops import NamedDroppedTable


def lacking_only_broken(own: Sequence[Difference], built: Catalog) -> tuple[Broken, ...]:
    """The objects ``built`` (the revision's build) makes broken that the live database lacks,
    when ``own`` (the live database against that build) is nothing but their absence (or that
    of a PostgreSQL trigger's own function); () otherwise."""
    from alembic_steward.catalog._model import subject_of
    from alembic_steward.catalog._trigger_functions import executed_function
    from alembic_steward.inspection._broken_routines import broken_in_catalog

    if not own or any(difference.change != "missing" for difference in own):
        return ()
    missing = {(difference.kind, difference.subject) for difference in own}
    lacked, covered = [], set()
    routines = any(kind != "trigger" for kind, _subject in missing)
    for item in [*broken_in_catalog(built), *(named_by_column_drops(built) if routines else [])]:
        if not item.key:
            continue
        subjects = {(item.key[0], subject_of(item.key))}
        function = executed_function(item.key, built.objects.get(item.key, {}))
        if function is not None:
            subjects.add((function[0], subject_of(function)))
        if subjects & missing:
            lacked.append(item)
            covered |= subjects
    return tuple(lacked) if missing <= covered else ()


def broken_build_advice(where: str, broken: Sequence[Broken]) -> str:
    """What to do when the database lacks only ``broken``, which its revisions build so."""
    from alembic_steward.inspection._broken_advice import (
        history_upgrades,
        made_by_revisions,
        new_revision_advice,
    )

    made = made_by_revisions(broken, history_upgrades())
    revisions = sorted({revision for makers in made.values() for revision in makers})
    named = "; ".join(item.line for item in broken)
    advice = new_revision_advice(broken, revisions)
    return (
        f"the database is not what its revision builds {where}: it lacks only what its"
        f" revisions build broken ({named}), dropped by hand; {advice}"
    )


def pending_broken_advice(where: str, broken: Sequence[Broken]) -> str:
    """Behind head, what to do when the database lacks only ``broken``, which its revisions
    build so, and the pending revisions do not run past that (one drops it unconditionally):
    never make it again; have the pending revision drop it only if it is there."""
    from alembic_steward.inspection._broken_advice import drop_statements, if_exists
    from alembic_steward.runtime._advice import advised

    them = "it" if len(broken) == 1 else "them"
    named = "; ".join(item.line for item in broken)
    drops = " and ".join(
        f'`op.execute("{if_exists(statement)}")`' for statement in drop_statements(broken)
    )
    return (
        f"the database is not what its revision builds {where}: it lacks only what its"
        f" revisions build broken ({named}), dropped by hand, and the pending migrations do not"
        f" run past its absence (tried on a scratch database made to lack {them} too): do not"
        f" make {them} again, every use fails; have the pending revision that drops {them} or"
        f" uses {them} tolerate the absence ({drops or 'DROP ... IF EXISTS'}), then run"
        f" {advised('db.upgrade', 'upgrade')}"
    )


def named_by_column_drops(built: Catalog) -> list[Broken]:
    """The functions, procedures, events and views of ``built`` that a revision made naming a
    column (inspection/_revision_column_drops.py) or a table
    (inspection/_revision_table_drops.py) a later revision dropped or renamed, which ``built``
    lacks."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._revision_column_drops import dropped_names, history_sources
    from alembic_steward.inspection._revision_table_drops import dropped_tables
    from alembic_steward.runtime._config import build_alembic_config

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        sources = history_sources(script)
        drops = dropped_names(sources, built.dialect)
        tables = dropped_tables(sources, built.dialect)
    except Exception:  # noqa: BLE001 - no history to read: nothing is claimed
        return []
    columns = {
        (key[1], key[2].lower(), key[3].lower()) for key in built.objects if key[0] == "column"
    }
    found = []
    for key in built.objects:
        if key[0] not in ("function", "procedure", "event", "view", "materialized view"):
            continue
        item = column_gone(built.dialect, key, drops, columns) or table_gone(
            built.dialect, key, tables, {(schema, table) for schema, table, _c in columns}
        )
        if item is not None:
            found.append(item)
    return found


def column_gone(
    dialect: str, key: Key, drops: Sequence[NamedDroppedColumn], columns: set
) -> Broken | None:
    """``key``'s object as broken when it names a column of ``drops`` that ``columns`` (the
    build's (schema, table, column), lower case) lacks; None otherwise."""
    from alembic_steward.inspection._broken_routines import qualified

    schema = key[1]
    for named in drops:
        if same_name(named.made.name, key) and (schema, named.table, named.column) not in columns:
            gone = f"{qualified(schema, named.table)}.{named.column}"
            return gone_broken(dialect, key, gone, named, "every use of it fails")
    return None


def table_gone(
    dialect: str, key: Key, drops: Sequence[NamedDroppedTable], tables: set
) -> Broken | None:
    """``key``'s object as broken when it names a table of ``drops`` that ``tables`` (the
    build's (schema, table), lower case) lacks: a view over it, a function reading it."""
    from alembic_steward.inspection._broken_routines import FAILS, qualified

    schema = key[1]
    for named in drops:
        if same_name(named.made.name, key) and (schema, named.table) not in tables:
            gone = f"table {qualified(schema, named.table)}"
            fails = FAILS.get(key[0], "every call of it fails")
            return gone_broken(dialect, key, gone, named, fails)
    return None


def same_name(made: str, key: Key) -> bool:
    """Whether ``made`` (a revision's object, lower case) is ``key``'s (`f()` is f)."""
    return made == key[3].split("(", 1)[0].lower()


def gone_broken(
    dialect: str, key: Key, gone: str, named: NamedDroppedColumn | NamedDroppedTable, fails: str
) -> Broken:
    """`view v names table t, which revision R dropped: every read of it fails`."""
    from alembic_steward.inspection._broken_routines import Broken, qualified
    from alembic_steward.inspection._hand_made_dependents import drop_statement

    kind, schema, _owner, name = key
    done = f"renamed to {named.renamed_to}" if named.renamed_to else "dropped"
    line = (
        f"{kind} {qualified(schema, name)} names {gone}, which revision {named.revision}"
        f" {done}: {fails}"
    )
    return Broken(line, drop_statement(dialect, key), (gone,), key)
