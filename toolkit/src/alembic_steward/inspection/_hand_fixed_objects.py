"""A trigger, function or procedure whose revisions build it broken, and what a hand did to it.

A later revision's column drop leaves a revision's trigger or function naming what is gone (a
`NEW.c7`, a `SELECT c6 FROM t`): its build has it so. A hand that made it again without the
column fixed the database, and status sees an object that differs from its build, a hand
change. "Undo the hand change" (with the build's definition, on PostgreSQL) would put the
broken body back, so it is never advised (inspection/_restoring_statements.py skips it): the
hand fix is the database's truth, to keep in a new revision that makes the object so, after
which the build matches. The definitions compared are both catalogs' (pg_get_functiondef,
information_schema), read as the upgrade's look reads bodies (inspection/_broken_routines.py):
a trigger's (a PostgreSQL trigger's function's) with its table, a routine's own text against
the columns the revisions' drops took. A MariaDB routine's statement is left to `SHOW CREATE`:
its catalog keeps the body's words, not its spacing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.catalog._model import Key

ROUTINE_KINDS = ("function", "procedure")
# The databases that keep a trigger or routine naming a dropped column (SQLite refuses the drop).
KEPT_BROKEN = ("postgresql", "mysql")
# What a hand may have fixed: MariaDB's views too (PostgreSQL refuses the drop a view names).
FIXABLE = ("trigger", "view", *ROUTINE_KINDS)
# What CREATE OR REPLACE cannot change: the arguments' names and defaults, and the return type
# (pg_get_functiondef writes them before LANGUAGE).
HEAD = re.compile(r"^(.*?)\sLANGUAGE\s", re.DOTALL)


class HandFix(NamedTuple):
    """A trigger or routine its revisions build broken that the database has fixed by hand."""

    # `function`, `set_c7()`: as the catalog's difference names it.
    kind: str
    name: str
    # Why the build's fails: `trigger trev on t names NEW.c7, which t no longer has: ...`.
    broken: str
    # The statements that make the database's version of it, to keep in a new revision; ()
    # where its description cannot give them (a MariaDB routine: `SHOW CREATE` can).
    statements: tuple[str, ...]

    @property
    def subject(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def runs(self) -> str:
        """What a new revision's upgrade() runs to make it as the database has it."""
        if self.statements:
            return " and ".join(f"`op.execute({python_text(s)})`" for s in self.statements)
        # From the server itself: MariaDB's catalog keeps a body's words, not its spacing.
        kind = self.kind.upper()
        return (
            f"the statements that make {self.subject} as the database has it"
            f" (`DROP {kind} IF EXISTS {self.name}`, then what `SHOW CREATE {kind} {self.name}`"
            " prints)"
        )


def broken_routines_in(catalog: Catalog) -> dict[Key, str]:
    """The functions and procedures (and MariaDB's views) of ``catalog`` that fail, each with
    why: (PostgreSQL) run by a trigger that names a `NEW.x` its table lacks, or naming a column
    the revisions drop (inspection/_revision_column_drops.py) that its table lacks, or a
    table they drop or rename that it lacks."""
    from alembic_steward.catalog._trigger_functions import executed_function
    from alembic_steward.inspection._broken_routines import (
        Body,
        broken_in_catalog,
        broken_routines,
        catalog_bodies,
    )
    from alembic_steward.runtime._post_upgrade_look import history_dropped

    if catalog.dialect not in KEPT_BROKEN:
        return {}
    found: dict[Key, str] = {}
    for item in broken_in_catalog(catalog):
        function = executed_function(item.key, catalog.objects.get(item.key, {}))
        if function is not None:
            found.setdefault(function, item.line)
    # A MariaDB view keeps its definition whatever it names (it can no longer be read then).
    kinds = (*ROUTINE_KINDS, "view") if catalog.dialect == "mysql" else ROUTINE_KINDS
    routines = [
        Body(key[0], key[1], "", key[3], "", str(facts.get("definition") or ""))
        for key, facts in catalog.objects.items()
        if key[0] in kinds and key not in found
    ]
    if routines:
        _bodies, columns = catalog_bodies(catalog)
        dropped = history_dropped(columns, tables=True)
        dialect = catalog.dialect
        for item in broken_routines(dialect, routines, columns, dropped, dropper="a revision"):
            found[item.key] = item.line
    return found


def broken_objects_in(catalog: Catalog) -> dict[Key, str]:
    """The triggers of ``catalog`` that fail (a `NEW.x` their table lacks), and its functions
    and procedures that do (:func:`broken_routines_in`), each with why."""
    from alembic_steward.inspection._broken_routines import broken_in_catalog

    found = {item.key: item.line for item in broken_in_catalog(catalog) if item.key}
    return {**found, **broken_routines_in(catalog)}


def hand_fixes(own: Sequence[Difference], built: Catalog, live: Catalog) -> tuple[HandFix, ...]:
    """Those of ``own`` (the live database against ``built``, its revision's build) that are a
    trigger, routine or (MariaDB) view ``built`` has broken and ``live`` has not."""
    from alembic_steward.catalog._model import subject_of

    changed = [
        difference
        for difference in own
        if difference.kind in FIXABLE and difference.change == "different"
    ]
    if built.dialect not in KEPT_BROKEN or not changed:
        return ()
    in_build, in_live = broken_objects_in(built), broken_objects_in(live)
    fixes = []
    for difference in changed:
        for key in in_build:
            if key[0] == difference.kind and subject_of(key) == difference.subject:
                facts = live.objects.get(key)
                if facts is not None and key not in in_live:
                    if key[0] == "trigger":
                        statements = trigger_statements(built.dialect, key, facts)
                    elif key[0] == "view":
                        statements = view_statements(key, facts)
                    elif built.dialect == "postgresql":
                        statements = making_statements(key, built.objects[key], facts)
                    else:  # MariaDB's: SHOW CREATE gives it (HandFix.runs)
                        statements = ()
                    fix = HandFix(difference.kind, difference.subject, in_build[key], statements)
                    fixes.append(fix)
    return tuple(fixes)


def view_statements(key: Key, wanted: dict) -> tuple[str, ...]:
    """The CREATE OR REPLACE VIEW that makes the MariaDB view at ``key`` as ``wanted`` describes
    it; () where it has more than its query (an ALGORITHM, a CHECK OPTION: `SHOW CREATE` then)."""
    if set(wanted) - {"definition"} or not wanted.get("definition"):
        return ()
    return (f"CREATE OR REPLACE VIEW {key[3]} AS {wanted['definition']}",)


def covered_by(fixes: Sequence[HandFix], own: Sequence[Difference]) -> int:
    """How many of ``own`` ``fixes`` account for: each, and a fixed view's columns (its
    build's broken query had others)."""
    views = {fix.name for fix in fixes if fix.kind == "view"}
    columns = [
        difference
        for difference in own
        if difference.kind == "column" and difference.subject.rpartition(".")[0] in views
    ]
    return len(fixes) + len(columns)


def trigger_statements(dialect: str, key: Key, wanted: dict) -> tuple[str, str]:
    """The statements that make the trigger at ``key`` as ``wanted`` describes it (when it
    fires, and what it runs): no database replaces a trigger in place on all its versions."""
    from alembic_steward.inspection._broken_advice import if_exists
    from alembic_steward.inspection._hand_made_dependents import drop_statement
    from alembic_steward.inspection._restoring_statements import quoted

    _kind, schema, table, name = key
    name_of = quoted if dialect == "postgresql" else str
    on = ".".join(name_of(part) for part in (schema, table) if part)
    create = f"CREATE TRIGGER {name_of(name)} {wanted['timing']} ON {on} {wanted['definition']}"
    return if_exists(drop_statement(dialect, key)), create


def making_statements(key: Key, had: dict, wanted: dict) -> tuple[str, ...]:
    """The statements that make the routine at ``key`` as ``wanted`` describes it where it is as
    ``had`` does: CREATE OR REPLACE, after a DROP where the two differ in what CREATE OR
    REPLACE cannot change (its return type, its arguments' names or defaults)."""
    from alembic_steward.inspection._restoring_statements import quoted

    kind, schema, _owner, name = key
    base, _, arguments = name.partition("(")
    named = ".".join(quoted(part) for part in (schema, base) if part)
    create = f"CREATE OR REPLACE {kind.upper()} {named}{wanted['definition']}"
    if head_of(str(had.get("definition") or "")) == head_of(str(wanted["definition"])):
        return (create,)
    return (f"DROP {kind.upper()} {named}({arguments}", create)


def head_of(definition: str) -> str:
    """What comes before LANGUAGE in a routine's definition: its arguments and return type."""
    found = HEAD.match(definition)
    return found.group(1) if found else definition


def hand_fix_advice(fixes: Sequence[HandFix]) -> str:
    """Keep ``fixes`` in a new revision, never undo them."""
    from alembic_steward.runtime._advice import advised

    subjects = ", ".join(fix.subject for fix in fixes)
    changed = "was" if len(fixes) == 1 else "were"
    why = "; ".join(fix.broken for fix in fixes)
    runs = " and ".join(fix.runs for fix in fixes)
    write = advised('db.revision --empty -m "keep the hand fix"', 'revision -m "keep the hand fix"')
    return (
        f"{subjects} {changed} changed by hand, and what the revisions build fails ({why}) while"
        f" the database's does not, so undoing the change would break it again: keep it in a new"
        f" revision ({write}) whose upgrade() runs {runs}, then {advised('db.upgrade', 'upgrade')};"
        " its build then matches the database"
    )


def python_text(statement: str) -> str:
    """``statement`` as a Python string literal, in double quotes where it can be."""
    if '"' in statement or "\\" in statement or "\n" in statement:
        return repr(statement)
    return f'"{statement}"'
