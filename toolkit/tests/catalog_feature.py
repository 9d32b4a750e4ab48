"""One row of the catalog's coverage table: a feature, the fault that seeds it in the shop's
models (knobs) and by hand in a database (statements a team member would type), and the lines
each database must report for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DIALECTS = ("sqlite", "postgresql", "mysql")
DIALECT_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}


@dataclass(frozen=True)
class Rebuild:
    """SQLite's way to change a table: the same CREATE statement with ``old`` written as
    ``new``, a new table, the old one dropped, the new one renamed (sqlite.org/lang_altertable)."""

    table: str
    old: str
    new: str


@dataclass(frozen=True)
class Feature:
    """One catalog feature: ``knobs`` change it in the models, ``by_hand`` in a database, and
    ``lines`` start each line the comparison must report (per dialect where they differ)."""

    name: str
    knobs: Mapping[str, object]
    by_hand: Mapping[str, tuple[str | Rebuild, ...]]
    lines: tuple[str, ...] | Mapping[str, tuple[str, ...]]
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def status(self, dialect: str) -> str:
        if dialect in self.not_applicable:
            return f"not applicable: {self.not_applicable[dialect]}"
        return f"named ({self.notes[dialect]})" if dialect in self.notes else "named"

    def named_on(self, dialect: str) -> bool:
        return dialect not in self.not_applicable

    def lines_on(self, dialect: str) -> tuple[str, ...]:
        return self.lines[dialect] if isinstance(self.lines, Mapping) else self.lines


def everywhere(*lines: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(DIALECTS, lines)


NO_COMMENTS = "SQLite keeps no comments"
NO_SEQUENCES = "SQLite has no sequences"
NO_ENUMS = "SQLite has no enum type (SQLAlchemy makes it VARCHAR, with no CHECK unless asked)"
NO_PARTIAL = "MariaDB indexes every row"
NO_EXPRESSIONS = "MariaDB indexes columns only (an expression goes in a generated column)"
NO_OPCLASS = "PostgreSQL's only"
AS_UNIQUE_INDEX = "as its unique index: MariaDB keeps no other kind of unique constraint"
NO_FUNCTIONS = "SQLite stores no functions (an application registers its own on each connection)"
NO_SCHEMAS = "one database is one schema here; other databases are out of scope"
