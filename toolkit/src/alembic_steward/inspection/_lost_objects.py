"""What a revision's upgrade loses without dropping it: a trigger or an index the models do not
describe (made with `op.execute`), present before the upgrade and gone after it, on a table the
upgrade keeps.

SQLite's batch mode recreates a table (a copy `_alembic_tmp_<table>`, the old one dropped, the
copy renamed) from what SQLAlchemy reflects: its columns, constraints and plain indexes, but no
trigger and no index on an expression. Nothing fails and every later description agrees, the
scratch build of the history included, so only a comparison around the one upgrade sees it;
the stairway (testing/_stairway.py) and `inv db.revision`'s run of the file it wrote
(inspection/_revision_verification.py) make it. The servers alter a table in place, so there
this names only what a revision's own statements lose the same way.

Not lost: what a statement drops by name (`DROP TRIGGER users_touch`, `op.drop_index`), an
object the same table still has under another name with the same facts (renamed), an index on a
column the upgrade removed (the column took it), anything of a table the upgrade dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic_steward.catalog import Catalog, Key
from alembic_steward.catalog._model import subject_of
from alembic_steward.catalog._one_line_sql import one_line

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The kinds a table's rebuild can leave behind; constraints and columns are the table's own.
LOSABLE = ("trigger", "index")


@dataclass(frozen=True)
class LostObject:
    """One object an upgrade lost, and the table it was on."""

    kind: str
    subject: str
    table: str
    rebuilt_by_batch: bool
    dialect: str = "sqlite"
    # The columns the upgrade removed that its statement names: made again as it was, it
    # would name them still and fail whenever it fires, so the advice says what to change.
    gone: tuple[str, ...] = ()
    # What the rebuild took from an index it kept ("its DESC order": rebuild_takes); "" when
    # the object itself is gone.
    loses: str = ""

    def without(self) -> str:
        """What to change in its statement, when it names a removed column; "" otherwise."""
        if not self.gone:
            return ""
        columns = " and ".join(f"{self.table}.{column}" for column in self.gone)
        return (
            f", written without {columns}, which the upgrade removed (its old statement names"
            f" {'it' if len(self.gone) == 1 else 'them'}: made again as it was, it fails whenever"
            " it fires), or drop it by name if it should go with them"
        )

    def line(self, revision: str) -> str:
        """`revision X's upgrade drops trigger users.users_touch: ...; recreate it ...`."""
        if self.rebuilt_by_batch:
            # Elsewhere only `batch_alter_table(..., recreate="always")` copies a table.
            batch = "SQLite's batch mode" if self.dialect == "sqlite" else "batch mode"
            if self.loses:
                return (
                    f"{revision}'s upgrade makes {self.kind} {self.subject} again without"
                    f" {self.loses}: {batch} recreates table {self.table} from what SQLAlchemy"
                    " reflects, which lacks it; make it again in the same revision, after the"
                    " batch operation (drop it, then create it as it was)"
                )
            return (
                f"{revision}'s upgrade drops {self.kind} {self.subject}: {batch} recreates"
                f" table {self.table} without it; recreate it in the same revision, after the batch"
                f" operation{self.without()}"
            )
        return (
            f"{revision}'s upgrade drops {self.kind} {self.subject} without a statement that"
            f" names it; recreate it in the revision after the statement that loses it, or drop"
            " it by name if that is meant"
        )

    def ran_line(self, revision: str, revision_id: str, statement: str) -> str:
        """The line for a loss of a batch copy in a run: ``revision_id`` has run by then, so an
        edit of it is an edit of an applied revision; a new one makes ``statement`` again."""
        name = self.subject.split(".", 1)[-1]
        new = f'a new revision (`inv db.revision --empty -m "make {name} again"`)'
        run = f"`op.execute({one_line(statement)!r})`"
        if self.loses:
            return (
                f"{revision}'s upgrade made {self.kind} {self.subject} again without"
                f" {self.loses}: SQLite's batch mode recreated table {self.table} from what"
                f" SQLAlchemy reflects, which lacks it; {revision_id} has run, so make it again"
                f" in {new} whose upgrade() drops it and runs {run}"
            )
        if self.gone:
            columns = " and ".join(f"{self.table}.{column}" for column in self.gone)
            return (
                f"{revision}'s upgrade dropped {self.kind} {self.subject}: SQLite's batch mode"
                f" recreated table {self.table} without it; {revision_id} has run, so make it"
                f" again in {new} whose upgrade() runs {run} written without {columns}, which"
                " the upgrade removed (as it was, it fails whenever it fires), or leave it gone"
                " if it should go with them"
            )
        return (
            f"{revision}'s upgrade dropped {self.kind} {self.subject}: SQLite's batch mode"
            f" recreated table {self.table} without it; {revision_id} has run, so make it again"
            f" in {new} whose upgrade() runs {run}"
        )


def lost_objects(before: Catalog, after: Catalog, statements: Iterable[str]) -> list[LostObject]:
    """The triggers and indexes ``before`` has and ``after`` lacks, on tables ``after`` still
    has, that none of ``statements`` (the upgrade's SQL) drops by name."""
    sql = "\n".join(statements)
    kept_tables = {(key[1], key[3]) for key in after.objects if key[0] == "table"}
    lost = []
    for key, facts in before.objects.items():
        kind, schema, table, name = key
        if kind not in LOSABLE or (schema, table) not in kept_tables:
            continue
        if key in after.objects:
            if order := order_lost(key, facts, after, sql):
                lost.append(order)
            continue
        if dropped_by_name(sql, kind, name) or renamed(key, facts, after):
            continue
        if kind == "index" and mentions(facts, removed_columns(before, after, schema, table)):
            continue
        rebuilt = re.search(rf"\b_alembic_tmp_{re.escape(table)}\b", sql, re.IGNORECASE)
        subject = subject_of(key, facts)
        removed = removed_columns(before, after, schema, table)
        gone = named_columns("\n".join(str(value) for value in facts.values()), removed)
        lost.append(LostObject(kind, subject, table, rebuilt is not None, before.dialect, gone))
    return lost


# What SQLite's batch rebuild keeps of an index on plain columns but not their order words:
# SQLAlchemy reflects the columns alone.
ORDER_WORDS = (("its DESC order", r"\bDESC\b"), ("its COLLATE", r"\bCOLLATE\b"))


def rebuild_takes(before: str, after: str = "") -> str:
    """What an index's CREATE statement ``before`` says of its columns' order that ``after``
    (the rebuilt index's) does not: "its DESC order", "its COLLATE", both, or ""."""
    from alembic_steward.inspection._sql_code import code_of

    old, new = code_of(before, "sqlite"), code_of(after, "sqlite")
    return " and ".join(
        words
        for words, pattern in ORDER_WORDS
        if re.search(pattern, old, re.IGNORECASE) and not re.search(pattern, new, re.IGNORECASE)
    )


def order_lost(key: Key, facts: dict, after: Catalog, sql: str) -> LostObject | None:
    """The index ``key`` made again by a batch copy of its table without its DESC order or
    COLLATE (``facts`` before, ``after`` the upgrade, ``sql`` its statements), else None."""
    kind, _schema, table, name = key
    copied = re.search(rf"\b_alembic_tmp_{re.escape(table)}\b", sql, re.IGNORECASE)
    if kind != "index" or copied is None or dropped_by_name(sql, kind, name):
        return None
    old, new = str(facts.get("definition", "")), str(after.objects[key].get("definition", ""))
    loses = rebuild_takes(old, new)
    if not loses:
        return None
    return LostObject(kind, subject_of(key, facts), table, True, after.dialect, loses=loses)


def dropped_by_name(sql: str, kind: str, name: str) -> bool:
    """Whether ``sql`` holds `DROP TRIGGER|INDEX|KEY [IF EXISTS] [schema.]name`, quoted or not."""
    kinds = "TRIGGER" if kind == "trigger" else "INDEX|KEY"
    quoted = r"[\"`\[]?"
    pattern = (
        rf"\bDROP\s+(?:{kinds})\s+(?:IF\s+EXISTS\s+)?(?:{quoted}\w+[\"`\]]?\.)?"
        rf"{quoted}{re.escape(name)}(?![\w$])"
    )
    return re.search(pattern, sql, re.IGNORECASE) is not None


def renamed(key: Key, facts: dict, after: Catalog) -> bool:
    """Whether the same table has, after, an object of the kind with the same facts."""
    kind, schema, table, _ = key
    return any(
        other[:3] == (kind, schema, table) and other_facts == facts
        for other, other_facts in after.objects.items()
        if other[3] != key[3]
    )


def removed_columns(before: Catalog, after: Catalog, schema: str | None, table: str) -> set[str]:
    """The columns of ``table`` before that it lacks after, lower case."""

    def columns(catalog: Catalog) -> set[str]:
        return {
            key[3].lower()
            for key in catalog.objects
            if key[0] == "column" and key[1:3] == (schema, table)
        }

    return columns(before) - columns(after)


def mentions(facts: dict, columns: set[str]) -> bool:
    """Whether an index's definition names one of ``columns``."""
    from alembic_steward.inspection._names_in_text import names

    text = "\n".join(str(value) for value in facts.values())
    return any(names(text, column) for column in columns)


def named_columns(statement: str, columns: Iterable[str]) -> tuple[str, ...]:
    """Those of ``columns`` that ``statement`` (SQLite's, comments and strings aside) names."""
    from alembic_steward.inspection._names_in_text import names
    from alembic_steward.inspection._sql_code import code_of

    code = code_of(statement, "sqlite")
    return tuple(sorted(column for column in columns if names(code, column)))


@contextmanager
def statements_sent(connection: Connection) -> Iterator[list[str]]:
    """The SQL sent on ``connection`` while the block runs, in a list filled as it goes."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)
