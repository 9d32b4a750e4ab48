"""The revisions that drop or rename a table an earlier revision's view, trigger or routine
still names, read from the revision files alone, as inspection/_revision_column_drops.py reads
column drops (the same steps, the same made and dropped objects, oldest first): `inv db.lint`,
`inv db.revision` and `inv db.status` with the revision pending warn before it runs.

What follows the table is not named: its own triggers (a drop takes them, a rename moves them),
on PostgreSQL a view on a rename (it reads the table, not its name), and on SQLite everything on
a rename (RENAME rewrites the views and triggers naming it). A function's body, a MariaDB view,
a trigger on another table keep the old name, and fail whenever they run; PostgreSQL refuses to
drop a table a view reads.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from typing import NamedTuple

from alembic_steward.inspection._names_in_text import names
from alembic_steward.inspection._revision_column_drops import (
    VIEWS,
    Made,
    follow_objects,
    upgrade_steps,
)
from alembic_steward.inspection._sql_code import code_of

ROUTINES = ("FUNCTION", "PROCEDURE")


class NamedDroppedTable(NamedTuple):
    """A revision dropping (or renaming, to ``renamed_to``) a table an earlier object names."""

    revision: str
    table: str
    made: Made
    dialect: str = "postgresql"
    renamed_to: str = ""

    @property
    def shown(self) -> str:
        """The object's name as its statements write it: a routine's with `()`."""
        return f"{self.made.name}()" if self.made.kind in ROUTINES else self.made.name

    @property
    def drop_fails(self) -> bool:
        """PostgreSQL refuses to drop a table a view reads (without CASCADE)."""
        return not self.renamed_to and self.made.kind in VIEWS and self.dialect == "postgresql"

    @property
    def line(self) -> str:
        kind = self.made.kind.lower()
        subject = f"{kind} {self.shown} (made by revision {self.made.revision})"
        if self.renamed_to:
            fix = (
                f"drop {self.shown} before the rename and make it again after it, naming"
                f" {self.renamed_to}"
            )
            if self.made.kind in ROUTINES and self.dialect == "postgresql":
                fix = (
                    f"after the rename, make {self.shown} again naming {self.renamed_to}"
                    f" (`CREATE OR REPLACE {self.made.kind}`)"
                )
            return (
                f"revision {self.revision} renames table {self.table} to {self.renamed_to}, which"
                f" {subject} still names: it then fails whenever it runs; in {self.revision}, {fix}"
            )
        if self.drop_fails:
            effect = "the drop then fails"
        elif self.made.kind in VIEWS:
            effect = f"the drop leaves {kind} {self.shown} failing whenever it is read"
        else:
            runs = "fires" if self.made.kind == "TRIGGER" else "runs"
            effect = f"the drop leaves {kind} {self.shown} failing whenever it {runs}"
        return (
            f"revision {self.revision} drops table {self.table}, which {subject} still names:"
            f" {effect}; in {self.revision}, before the drop, drop {self.shown} or make it again"
            f" without {self.table}"
        )


def follows(made: Made, table: str, renamed: bool, dialect: str) -> bool:
    """Whether ``made`` goes with ``table`` (dropped, or ``renamed``) rather than naming it."""
    if made.kind == "TRIGGER" and made.table == table:
        return True  # a table's own triggers go with it, or move with it
    if renamed and dialect == "sqlite":
        return True  # SQLite's RENAME rewrites every view and trigger naming the table
    return renamed and dialect == "postgresql" and made.kind in VIEWS


def dropped_tables(
    revisions: Iterable[tuple[str, str]], dialect: str = "postgresql"
) -> list[NamedDroppedTable]:
    """Each table drop or rename of ``revisions`` ((revision, file text), oldest first) that an
    object made earlier (or by the same revision, and left) names, unless a later revision
    drops it or makes it again without the table and the drop itself does not fail over it."""
    alive: dict[tuple[str, str], Made] = {}
    found: list[tuple[int, NamedDroppedTable]] = []
    touched: dict[tuple[str, str], int] = {}
    for number, (revision, source) in enumerate(revisions):
        steps = upgrade_steps(source)
        follow_objects(revision, number, steps, alive, touched)
        for step in steps:
            old, new = step.renamed_table or (step.dropped_table, "")
            if not old:
                continue
            table = old.lower()
            # A table of that name made again by the same upgrade() (a rebuild by hand) is what
            # the objects then read: only PostgreSQL's refusal to drop one a view reads stands.
            again = table in tables_made(source)
            for made in alive.values():
                if follows(made, table, bool(new), dialect):
                    continue
                if names(code_of(made.text, dialect), table):
                    named = NamedDroppedTable(revision, table, made, dialect, new.lower())
                    if named.drop_fails or not again:
                        found.append((number, named))
    return [named for number, named in found if not mended_later(named, number, touched, alive)]


def mended_later(named: NamedDroppedTable, number: int, touched: dict, alive: dict) -> bool:
    """Whether a revision after the ``number``-th drops what ``named`` is, or makes it again
    without the table; ``alive``: what the whole history leaves."""
    key = (named.made.kind, named.made.name)
    if named.drop_fails or touched.get(key, -1) <= number:
        return False
    last = alive.get(key)
    return last is None or not names(code_of(last.text, named.dialect), named.table)


@functools.lru_cache(maxsize=256)
def tables_made(source: str) -> frozenset[str]:
    """The tables ``source``'s upgrade() makes (`op.create_table("t", ...)`, or a rename to
    t), lower case; empty when it cannot be read."""
    from alembic_steward._revision_functions import migration_function
    from alembic_steward.inspection._revision_column_drops import called, constant_text

    try:
        function = migration_function(ast.parse(source), "upgrade")
    except SyntaxError:
        return frozenset()
    made = set()
    for node in ast.walk(function) if function is not None else ():
        if not isinstance(node, ast.Call):
            continue
        position = {"create_table": 0, "rename_table": 1}.get(called(node))
        if position is not None and len(node.args) > position:
            name = constant_text(node.args[position])
            if name:
                made.add(name.lower())
    return frozenset(made)
