"""The triggers and routines that name a column (or a table) the database no longer has.

PostgreSQL keeps a PL/pgSQL function that names a dropped column (only a SQL-standard body is
tied to what it reads), and MariaDB keeps a trigger, routine or event whatever it names: each
fails only when it runs, a trigger on every INSERT or UPDATE of its table. The upgrade looks
after its run (runtime/_post_upgrade_look.py) and `inv db.status` in the catalog it reads
(inspection/_catalog_drift.py), both with :func:`broken_routines`.

Comments and string literals are blanked first (inspection/_sql_code.py): a `-- NEW.city was
set here` or a `'select city from users'` runs nothing. Two readings, of unequal precision. A
trigger's `NEW.x` and `OLD.x` are columns of its own table: checked exactly against the columns
the table has. Any other name in a body cannot be told apart from a variable's or an alias's
without parsing three languages, so only the columns and tables the run dropped (``dropped``: a
listing before it and after it) are looked for, as whole words (inspection/_names_in_text.py):
a dropped column counts where its table is named too (or is the trigger's own), a dropped table
where it follows FROM, JOIN, INTO, UPDATE or TABLE. Status has no listing from before: it reads
the first kind only. After an upgrade only what the run itself dropped is named (a `NEW.x`
whose x was already gone is status's to say), so a run that dropped nothing, or ran no
revision, names nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from alembic_steward.inspection._names_in_text import WORD_CHARACTER, names_column
from alembic_steward.inspection._sql_code import code_of

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog

# `NEW.c6`, `old . "C6"`, MariaDB's NEW.`c6`: the record, and the column as written.
ROW_REFERENCE = re.compile(
    r"(?<![\w$.])(NEW|OLD)\s*\.\s*(\"(?:[^\"]|\"\")+\"|`(?:[^`]|``)+`|[\w$]+)",
    re.IGNORECASE,
)
TRIGGER_EVENTS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
# What goes before a trigger's events in a catalog's `timing` (`AFTER UPDATE OF email`).
TIMING = re.compile(r"^(?:BEFORE|AFTER|INSTEAD\s+OF)\s+", re.IGNORECASE)
# What fails when an object that is not a trigger runs.
FAILS = {"event": "each of its scheduled runs fails", "view": "every read of it fails"}
# (schema, table), the table's name in lower case; the default schema is None.
Table = tuple[str | None, str]


class Body(NamedTuple):
    """One trigger, function, procedure or event, and the text it runs."""

    kind: str
    schema: str | None
    # A trigger's table; "" for the others.
    table: str
    # PostgreSQL's routines with their argument types: `first_c6()`.
    name: str
    # A trigger's events (`INSERT OR UPDATE`); "" for the others.
    events: str
    text: str
    # PostgreSQL: the function a trigger runs (`set_c6()`), and how many triggers run it.
    function: str = ""
    runners: int = 1


class Broken(NamedTuple):
    """One object that will fail: `trigger thand on t names NEW.c6, which t no longer has:
    every INSERT on t fails`, the statement that drops it, and what it names that is gone."""

    line: str
    drop: str
    gone: tuple[str, ...]
    # (kind, schema, table, name), as a catalog keys it; () for a view read after a run.
    key: tuple[str, str | None, str, str] | tuple[()] = ()
    # What else goes with it: a PostgreSQL trigger's own function (`DROP FUNCTION set_c6()`),
    # left behind by its DROP TRIGGER and a difference of its own then.
    also: tuple[str, ...] = ()
    # A function other triggers run too: its DROP, and how many triggers run it; it goes with
    # the last of them, when every one is dropped (inspection/_broken_advice.py).
    shared: tuple[str, int] | tuple[()] = ()


class Dropped(NamedTuple):
    """What the run dropped: tables, and columns of the tables it kept (names lower case)."""

    tables: frozenset[Table]
    columns: frozenset[tuple[str | None, str, str]]
    # Of ``tables``, those a revision's `op.rename_table` took away: old name -> new name.
    renamed: Mapping[str, str] = {}


def dropped_between(before: Mapping[Table, set[str]], after: Mapping[Table, set[str]]) -> Dropped:
    """The tables and columns ``before`` lists (table -> its columns, lower case) that
    ``after`` lacks."""
    tables = frozenset(table for table in before if table not in after)
    columns = frozenset(
        (*table, column)
        for table, kept in after.items()
        for column in before.get(table, set()) - kept
    )
    return Dropped(tables, columns)


def broken_routines(
    dialect: str,
    bodies: list[Body],
    columns: Mapping[Table, set[str]],
    dropped: Dropped | None = None,
    *,
    every_row: bool = False,
    dropper: str = "the upgrade",
) -> list[Broken]:
    """Each of ``bodies`` that names a column its trigger's table lacks (``columns``: each
    table's, lower case), or what ``dropped`` holds (dropped by ``dropper``); [] when none
    does. ``every_row``: each missing row column counts, not only those ``dropped`` holds
    (bodies the run made)."""
    from alembic_steward.inspection._hand_made_dependents import drop_statement

    found = []
    for body in sorted(bodies):
        body = body._replace(text=code_of(body.text, dialect))
        own = missing_row_columns(body, columns)
        if dropped is not None and not every_row:
            own = [name for name in own if dropped_here(body, name, dropped)]
        gone = gone_names(body, dropped) if dropped else []
        if not own and not gone:
            continue
        table = qualified(body.schema, body.table)
        said = []
        if own:
            said.append(f"{' and '.join(own)}, which {table} no longer has")
        said.extend(gone_said(gone, dropped, dropper))
        subject = (
            f"trigger {body.name} on {table}"
            if body.kind == "trigger"
            else (f"{body.kind} {qualified(body.schema, body.name)}")
        )
        line = f"{subject} names {' and '.join(said)}: {what_fails(body, table)}"
        key = (body.kind, body.schema, body.table, body.name)
        written = [f"{table}.{name.split('.', 1)[1]}" for name in own]
        function = (f"DROP FUNCTION {body.function}",) if body.function else ()
        also = function if body.runners <= 1 else ()
        shared = (*function, body.runners) if body.runners > 1 else ()
        drop = drop_statement(dialect, key)
        found.append(Broken(line, drop, (*written, *gone), key, also, shared))
    return found


def gone_said(gone: list[str], dropped: Dropped | None, dropper: str) -> list[str]:
    """`table t, which the upgrade renamed to t2` for each of ``gone`` a rename took away,
    then `t.c6 and table z, which the upgrade dropped` for the rest."""
    renamed = dropped.renamed if dropped is not None else {}
    moved = {
        name: renamed.get(name.removeprefix("table ").split(".")[-1].lower(), "")
        for name in gone
        if name.startswith("table ")
    }
    said = [f"{name}, which {dropper} renamed to {new}" for name, new in moved.items() if new]
    rest = [name for name in gone if not moved.get(name)]
    if rest:
        said.append(f"{' and '.join(rest)}, which {dropper} dropped")
    return said


def missing_row_columns(body: Body, columns: Mapping[Table, set[str]]) -> list[str]:
    """A trigger's `NEW.x` and `OLD.x` whose x its table lacks, as written, once each; []
    for another kind, or a table whose columns are not listed (a view's, say)."""
    has = columns.get((body.schema, body.table.lower())) if body.kind == "trigger" else None
    if not has:
        return []
    missing: dict[str, None] = {}
    for record, written in ROW_REFERENCE.findall(body.text):
        column = written[1:-1] if written[0] in '"`' else written
        if column.lower() not in has:
            missing[f"{record.upper()}.{column}"] = None
    return list(missing)


def dropped_here(body: Body, written: str, dropped: Dropped) -> bool:
    """Whether the column of ``written`` (`NEW.c6`) is one the run dropped from ``body``'s
    table: one gone before it is no doing of the run's."""
    column = written.split(".", 1)[1].lower()
    return (body.schema, body.table.lower(), column) in dropped.columns


def gone_names(body: Body, dropped: Dropped) -> list[str]:
    """`t.c6` for each dropped column ``body`` names with its table (or on its own table, for
    a trigger), `table z` for each dropped table it reads or writes."""
    # A row's columns are read exactly above: `NEW.c6` of another table says nothing here.
    text = ROW_REFERENCE.sub(" ", body.text)
    gone = [
        f"table {qualified(schema, table)}"
        for schema, table in sorted(dropped.tables, key=str)
        if names_table(text, table)
    ]
    for schema, table, column in sorted(dropped.columns, key=str):
        own = body.table if body.kind == "trigger" else ""
        if names_column(text, table, column, own):
            gone.append(f"{qualified(schema, table)}.{column}")
    return gone


def names_table(text: str, table: str) -> bool:
    """Whether ``text`` reads or writes ``table``: its name after FROM, JOIN, INTO, UPDATE or
    TABLE, perhaps with its schema and quoted (a bare word may be a column or a variable)."""
    quoted = rf"[\"`]?{re.escape(table)}[\"`]?"
    pattern = (
        rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:[\"`]?{WORD_CHARACTER}+[\"`]?\.)?{quoted}"
        rf"(?!{WORD_CHARACTER})"
    )
    return re.search(pattern, text, re.IGNORECASE) is not None


def what_fails(body: Body, table: str) -> str:
    """`every INSERT or UPDATE OF email on t fails`; for a routine, its calls."""
    if body.kind == "trigger":
        return f"every {' or '.join(trigger_events(body.events)) or 'statement'} on {table} fails"
    return FAILS.get(body.kind, "every call of it fails")


def trigger_events(events: str) -> list[str]:
    """`INSERT`, `UPDATE OF email`: each event of ``events`` (`AFTER INSERT OR UPDATE OF
    email`), with the columns an UPDATE fires on where they are given."""
    text = TIMING.sub("", events.strip())
    found = []
    for event in re.split(r"\s+OR\s+", text, flags=re.IGNORECASE):
        verb, _, columns = event.strip().partition(" ")
        if verb.upper() in TRIGGER_EVENTS:
            found.append(f"{verb.upper()} {' '.join(columns.split())}".rstrip())
    return found


def qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def catalog_bodies(catalog: Catalog) -> tuple[list[Body], dict[Table, set[str]]]:
    """The triggers of ``catalog`` (status reads only their rows' columns) and each table's
    columns, lower case."""
    from collections import Counter

    from alembic_steward.catalog._trigger_functions import executed_function, trigger_text

    columns: dict[Table, set[str]] = {}
    bodies = []
    runs = {key: executed_function(key, facts) for key, facts in catalog.objects.items()}
    runs = {key: function for key, function in runs.items() if key[0] == "trigger" and function}
    shared = Counter(runs.values())
    for (kind, schema, owner, name), facts in catalog.objects.items():
        if kind == "column":
            columns.setdefault((schema, owner.lower()), set()).add(name.lower())
        elif kind == "trigger":
            # On PostgreSQL, with the function it runs (described as a function of its own).
            text = trigger_text(catalog.objects, (kind, schema, owner, name), facts)
            events = str(facts.get("timing") or "")
            function = runs.get((kind, schema, owner, name))
            runs_it = qualified(function[1], function[3]) if function else ""
            runners = shared[function] if function else 1
            bodies.append(Body(kind, schema, owner, name, events, text, runs_it, runners))
    return sorted(bodies), columns


def broken_in_catalog(catalog: Catalog) -> tuple[Broken, ...]:
    """The triggers of ``catalog`` whose `NEW.x` or `OLD.x` names a column their table lacks."""
    bodies, columns = catalog_bodies(catalog)
    return tuple(broken_routines(catalog.dialect, bodies, columns))
