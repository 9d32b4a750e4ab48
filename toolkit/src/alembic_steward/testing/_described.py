"""One table, view, sequence or enum type as the catalog describes it (catalog/), and the facts
the stairway reads off that description: what it is, the tables its foreign keys refer to, its
primary key, its CHECK expressions.

The catalog keeps each constraint in the database's own text (PostgreSQL's
pg_get_constraintdef, MySQL's information_schema, SQLite's statement in canonical form), so
these are read from that text: a name PostgreSQL quotes is unquoted, and on SQLite, where the
catalog lowers names, a name is matched regardless of case by the callers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from alembic_steward.catalog import Facts, Key

# The failure lines read them too (inspection/_blocking_hand_objects.py): the catalog's, since
# the runtime never imports this pytest plugin's package (pytest is the testing extra's).
from alembic_steward.catalog._references import REFERENCES, unquoted

COLUMN_LIST = re.compile(r"\((.*)\)")
LABEL = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class Described:
    """The catalog's objects of one owner: its own row and everything it owns."""

    name: str
    objects: Mapping[Key, Facts]

    @cached_property
    def kind(self) -> str | None:
        """`table`, `view`, `sequence` or `enum type` (None if the owner's own row is absent)."""
        own = [key[0] for key in self.objects if not key[2] and key[3] == self.name]
        return own[0] if own else None

    @cached_property
    def parents(self) -> frozenset[str]:
        """The tables this one's foreign keys refer to, named as the definitions spell them."""
        return frozenset(
            unquoted(match.group(1))
            for facts in self.of_kind("foreign key").values()
            if (match := REFERENCES.search(facts.get("definition", "")))
        )

    @cached_property
    def primary_key(self) -> tuple[str, ...]:
        """The primary key's columns, in order (none when the table has no primary key)."""
        for facts in self.of_kind("primary key").values():
            if match := COLUMN_LIST.search(facts.get("definition", "")):
                return tuple(unquoted(part) for part in match.group(1).split(","))
        return ()

    def of_kind(self, kind: str) -> dict[Key, Facts]:
        return {key: facts for key, facts in self.objects.items() if key[0] == kind}

    def columns(self) -> dict[str, Facts]:
        """Each column's facts by its name (a table's or a view's)."""
        return {key[3]: facts for key, facts in self.of_kind("column").items()}

    def check_definitions(self) -> list[str]:
        """Each CHECK constraint's definition: `CHECK (expression)`."""
        return [facts["definition"] for facts in self.of_kind("check constraint").values()]

    def enum_labels(self) -> list[str] | None:
        """An enum type's labels in order; None for anything else."""
        if self.kind != "enum type":
            return None
        values = next(iter(self.of_kind("enum type").values()))["values"]
        return [label.replace("''", "'") for label in LABEL.findall(values)]
