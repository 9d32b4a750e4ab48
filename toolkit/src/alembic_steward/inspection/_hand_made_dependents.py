"""Behind head, the hand-made objects that read what the pending revisions change or drop: a
view over a column they drop, a foreign key to it, a trigger or a function naming it.

"The pending migrations change none of those objects" is true of the objects themselves and
still no reason to say the upgrade runs past them: PostgreSQL refuses to drop a column a view
reads (DependentObjectsStillExist), SQLite's ALTER TABLE stops on the view ("error in view"),
and MariaDB drops it and leaves the view unreadable. So each object the live database has that
its revision does not build (or has otherwise) is read against what changes between the builds
at its revision and at head (inspection/_revision_comparison.py has both): the table it belongs
to, and the words of its facts (a view's or function's definition, a foreign key's, a
trigger's), naming a changed table and one of its changed columns, or a dropped table.

On SQLite a trigger need not name anything that changes: batch mode copies a table whose column
changes (there is no ALTER COLUMN) and the copy has no triggers (inspection/_lost_objects.py),
so a hand-made trigger on such a table is named too, before the upgrade loses it, not after.

Names are matched as whole words of the definition text, which every database keeps as it would
run it (inspection/_names_in_text.py), its comments and string literals blanked first
(inspection/_sql_code.py: `where 'legacy' = 'legacy'` reads no column legacy): a column of the
same name on another table named in the same text counts too. That errs towards naming one
dependency too many, never towards saying the upgrade runs when it does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from alembic_steward.inspection._names_in_text import names
from alembic_steward.inspection._sql_code import code_of

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from alembic_steward.catalog import Catalog
    from alembic_steward.catalog._model import Facts, Key

# How each kind reads what it depends on.
READS = {"view": "reads", "materialized view": "reads", "foreign key": "references"}


class Dependent(NamedTuple):
    """One hand-made object the pending revisions do not run past."""

    # `view vhand reads t.c6, which the pending migrations drop`
    line: str
    # The statement that drops it (`DROP VIEW vhand`); "" where none does (SQLite's foreign
    # key: only rebuilding its table drops it).
    drop: str
    # The columns and tables it reads that the pending revisions drop (`t.c6`, `table z`):
    # made again as it is, it would fail on them.
    gone: tuple[str, ...]
    # Where to read the name to drop it by, when ``drop`` is "" for want of it (MySQL's
    # foreign key of an automatic name): `SHOW CREATE TABLE t names ...`.
    find: str = ""
    # What else goes with it: a PostgreSQL trigger's function, made by hand and run by no
    # other trigger (`DROP FUNCTION f_hand()`), which names the same column: left, it is the
    # next round's finding (and fails when called).
    also: tuple[str, ...] = ()


def hand_made_dependents(
    built: Catalog, live: Catalog, head: Catalog, renamed: Collection[tuple[str, str]] = ()
) -> tuple[Dependent, ...]:
    """`view vhand reads t.c6, which the pending migrations drop`: one for each object
    ``live`` has, and ``built`` (what its revision builds) does not have as it is, that names a
    column or table that differs or is gone in ``head``; () when none does. ``renamed``: the
    (table, column) the pending revisions rename, lower case, and (table, "") for a table they
    rename, which a PostgreSQL view follows (its query is kept by reference, not by name), so
    reading one (or any column of a renamed table) is no dependence there."""
    from alembic_steward.catalog._model import sort_key, subject_of

    tables = {table for table, column in renamed if not column}
    changed = {
        name: "rename" if name in {(table, "") for table in tables} else verb
        for name, verb in changed_names(built, head).items()
    }
    followed = {
        name: verb
        for name, verb in changed.items()
        if name not in set(renamed) and name[0] not in tables
    }
    rebuilt = rebuilt_tables(built, changed)
    lines = []
    # sort_key, not the keys themselves: a schema is None or a name, which do not compare.
    for key, facts in sorted(live.objects.items(), key=sort_key):
        if built.objects.get(key) == facts:
            continue
        follows = live.dialect == "postgresql" and key[0] in ("view", "materialized view")
        read = changed_read(
            key, facts, followed if follows else changed, live.dialect, live.objects
        )
        if read:
            reads = READS.get(key[0], "depends on")
            grouped = by_verb(read)
            named = " and ".join(
                f"{' and '.join(names)}, which the pending migrations {verb}"
                for verb, names in grouped.items()
            )
            line = f"{key[0]} {subject_of(key, facts)} {reads} {named}"
            gone = (*grouped.get("drop", ()), *grouped.get("rename", ()))
            find = name_to_find(live.dialect, key)
            also = own_function_drop(key, facts, built, live)
            lines.append(Dependent(line, drop_statement(live.dialect, key), gone, find, also))
        elif key[0] == "trigger" and key[2].lower() in rebuilt:
            line = (
                f"trigger {subject_of(key, facts)} is on table {key[2]}, which the pending"
                " migrations rebuild (SQLite's batch mode copies a table without its triggers)"
            )
            lines.append(Dependent(line, drop_statement(live.dialect, key), ()))
    return tuple(lines)


def own_function_drop(key: Key, facts: Facts, built: Catalog, live: Catalog) -> tuple[str, ...]:
    """`DROP FUNCTION f_hand()` for a PostgreSQL trigger at ``key`` whose function ``built``
    lacks (or has otherwise) and no other trigger of ``live`` runs; () for anything else."""
    from alembic_steward.catalog._trigger_functions import executed_function

    function = executed_function(key, facts) if key[0] == "trigger" else None
    if function is None or live.dialect != "postgresql" or function not in live.objects:
        return ()
    if built.objects.get(function) == live.objects[function]:
        return ()  # the revisions' own: theirs to drop
    runs = [
        other
        for other, other_facts in live.objects.items()
        if other[0] == "trigger" and executed_function(other, other_facts) == function
    ]
    return (drop_statement("postgresql", function),) if runs == [key] else ()


def drop_statement(dialect: str, key: Key) -> str:
    """The statement that drops the object at ``key`` on ``dialect``; "" for a kind none drops
    alone (SQLite's foreign key) or that this does not know."""
    kind, schema, owner, name = key
    named = ".".join(part for part in (schema, name) if part)
    table = ".".join(part for part in (schema, owner) if part)
    if kind in ("view", "materialized view", "function", "procedure", "event"):
        return f"DROP {kind.upper()} {named}"
    if kind == "index":
        # MariaDB's index belongs to its table, PostgreSQL's and SQLite's to the schema.
        return f"DROP INDEX {name} ON {table}" if dialect == "mysql" else f"DROP INDEX {named}"
    if kind == "trigger":
        # PostgreSQL's trigger belongs to its table, which alone takes the schema
        # (`DROP TRIGGER trg ON hand.t`); MariaDB's and SQLite's belong to the schema.
        return (
            f"DROP TRIGGER {name} ON {table}"
            if dialect == "postgresql"
            else f"DROP TRIGGER {named}"
        )
    if kind == "foreign key" and unnamed_key(dialect, name):
        return ""  # its name is not in the catalog's key: name_to_find says where it is
    if kind == "foreign key" and dialect != "sqlite":
        constraint = "FOREIGN KEY" if dialect == "mysql" else "CONSTRAINT"
        return f"ALTER TABLE {table} DROP {constraint} {name}"
    return ""


def unnamed_key(dialect: str, name: str) -> bool:
    """Whether ``name`` is the definition a MySQL/MariaDB foreign key of an automatic name
    (`t_ibfk_1`) is keyed by (catalog/_mysql.py), not a name a statement can use."""
    return dialect == "mysql" and name.startswith("FOREIGN KEY ")


def name_to_find(dialect: str, key: Key) -> str:
    """Where the name of the object at ``key`` is read when its key does not hold it: "" for
    every object but a MySQL/MariaDB foreign key of an automatic name."""
    kind, schema, owner, name = key
    if kind != "foreign key" or not unnamed_key(dialect, name):
        return ""
    table = ".".join(part for part in (schema, owner) if part)
    return (
        f"`SHOW CREATE TABLE {table}` names the foreign key of {table} that reads"
        f" `{name}`: `ALTER TABLE {table} DROP FOREIGN KEY` that name"
    )


def rebuilt_tables(built: Catalog, changed: dict[tuple[str, str], str]) -> set[str]:
    """On SQLite, the tables (lower case) a pending revision alters a column of, which batch
    mode recreates; a dropped column counts too (batch mode is how most revisions drop one
    there), erring towards naming a trigger one time too many."""
    if built.dialect != "sqlite":
        return set()
    return {table for (table, column) in changed if column}


def by_verb(read: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The names read, grouped by what the pending migrations do to them (`drop` first, as
    read), a dropped table's columns left out: `table z` says them."""
    dropped = {name.removeprefix("table ") for name, verb in read if name.startswith("table ")}
    grouped: dict[str, list[str]] = {}
    for name, verb in read:
        if not name.startswith("table ") and name.split(".")[0] in dropped:
            continue
        grouped.setdefault(verb, []).append(name)
    return grouped


def changed_names(built: Catalog, head: Catalog) -> dict[tuple[str, str], str]:
    """(table, column) -> `drop` or `change`, for each column of ``built`` that ``head`` lacks
    or has otherwise; (table, "") -> `drop` for each table ``head`` lacks. Names lower case."""
    changed = {}
    for (kind, schema, owner, name), facts in built.objects.items():
        after = head.objects.get((kind, schema, owner, name))
        if kind == "column" and after != facts:
            changed[(owner.lower(), name.lower())] = "change" if after else "drop"
        elif kind == "table" and after is None:
            changed[(name.lower(), "")] = "drop"
    return changed


def changed_read(
    key: Key,
    facts: Facts,
    changed: dict[tuple[str, str], str],
    dialect: str,
    objects: Mapping[Key, Facts] | None = None,
) -> list[tuple[str, str]]:
    """(`t.c6`, verb) for each changed column, (`table t`, `drop`) for each dropped table, that
    the object at ``key`` names in its facts (or belongs to, for its table), outside their
    comments and string literals; a PostgreSQL trigger's words are those of the function it
    runs too, where ``objects`` (the live catalog's) describes it."""
    from alembic_steward.catalog._trigger_functions import trigger_text

    if key[0] == "trigger" and objects is not None:
        text = code_of(trigger_text(objects, key, facts), dialect)
    else:
        # Each fact on its own: a quote left open in one must not blank the next.
        text = "\n".join(code_of(str(value), dialect) for value in facts.values() if value)
    owner = key[2].lower()
    return [
        (f"{table}.{column}" if column else f"table {table}", verb)
        for (table, column), verb in sorted(changed.items())
        if (names(text, table) or table == owner)
        and (not column or names(text, column))
        # A column made by hand on a table they drop goes with it: it reads nothing (and its
        # table being theirs already keeps "runs" from being said).
        and not (key[0] == "column" and not column)
    ]


def dependents_advice(where: str, dependents: tuple[Dependent, ...]) -> str:
    """Behind head, what to do about hand-made objects that read what the pending revisions
    change or drop: drop them first (the statements given); to keep one, a new revision makes
    it again after the upgrade, without what they drop."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._kept_by_revision import remade_by_revision
    from alembic_steward.runtime._advice import bound_tenant_options

    _, upgrade = stamp_and_upgrade_commands()
    reset = "" if bound_tenant_options() else "; in development `inv db.reset` starts over"
    them = "it" if len(dependents) == 1 else "them"
    # A trigger's function after the trigger (PostgreSQL refuses it before), once.
    after = list(dict.fromkeys(also for dependent in dependents for also in dependent.also))
    statements = "; ".join(
        [
            *(
                f"`{dependent.drop}`" if dependent.drop else dependent.find
                for dependent in dependents
                if (dependent.drop or dependent.find) and dependent.drop not in after
            ),
            *(f"`{also}`" for also in after),
        ]
    )
    drop = f"drop {them} by hand before {upgrade}" + (f" ({statements})" if statements else "")
    gone = sorted({name for dependent in dependents for name in dependent.gone})
    # Made again as it was, it would read what is gone: PostgreSQL and SQLite refuse it.
    again = f"written without {' and '.join(gone)}" if gone else "as the upgrade leaves the tables"
    lines = "; ".join(dependent.line for dependent in dependents)
    return (
        f"the database is not what its revision builds {where}: {lines}: {drop}; to keep"
        f" {them}, {remade_by_revision(them, again)}{reset}"
    )
