"""Snapshots of a database's schema, to compare it between the stairway's steps.

A snapshot is the catalog describer's description (catalog/, the one behind `inv db.check`
too), held owner by owner: each table, view, sequence and enum type with everything it owns
(testing/_described.py). The stairway takes one before and after every step, so describing the
whole schema each time would make the walk quadratic in the history's length. SchemaWatch
instead records the SQL each step sends and describes again only the owners it names
(testing/_ddl_targets.py), plus the tables whose foreign keys refer to those (a renamed parent
or column shows in its children's keys) and every view (a PostgreSQL view follows a rename of
what it reads, and its definition then names the new name), through
`describe_catalog(owners=...)`; a statement it
cannot attribute makes it describe everything. Two snapshots are compared on the owners whose
descriptions differ only, so a step costs a few queries whatever the schema's size. Alembic's
and the bookkeeping tables are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, event

from alembic_steward.catalog import Catalog, Difference, compare_catalogs, describe_catalog
from alembic_steward.inspection._catalog_drift import ignored_tables
from alembic_steward.testing._ddl_targets import changed_by
from alembic_steward.testing._described import Described


@dataclass(frozen=True)
class Snapshot:
    """A schema as owner name -> its description, on one kind of database."""

    dialect: str
    owners: Mapping[str, Described]

    def tables(self) -> set[str]:
        """The tables rows can be written into (not views, sequences or enum types)."""
        return {name for name, described in self.owners.items() if described.kind == "table"}

    def index_table(self, index: str) -> str | None:
        """The table an index of this name is on, if any."""
        for name, described in self.owners.items():
            if any(key[3] == index for key in described.of_kind("index")):
                return name
        return None

    def matching(self, names: Iterable[str]) -> set[str]:
        """``names`` and, on SQLite (whose names ignore case), the owners they name."""
        found = set(names)
        if self.dialect == "sqlite":
            lowered = {name.lower() for name in found}
            found |= {name for name in self.owners if name.lower() in lowered}
        return found

    def views(self) -> set[str]:
        """The views (materialized too): what they read may have changed under them."""
        return {
            name
            for name, described in self.owners.items()
            if described.kind in ("view", "materialized view")
        }

    def referrers(self, names: Collection[str]) -> set[str]:
        """The owners whose foreign keys refer to one of ``names``."""
        fold = str.lower if self.dialect == "sqlite" else str
        wanted = {fold(name) for name in names}
        return {
            name
            for name, described in self.owners.items()
            if any(fold(parent) in wanted for parent in described.parents)
        }

    def sequence_owners(self, names: Collection[str]) -> set[str]:
        """The tables that own a sequence of one of ``names`` (described with them): an
        `ALTER SEQUENCE ... OWNED BY NONE` takes it from its table, which is read again too."""
        return {
            owner
            for owner, described in self.owners.items()
            if any(key[3] in names and key[2] for key in described.of_kind("sequence"))
        }

    def catalog(self, names: Iterable[str]) -> Catalog:
        """The catalog description of ``names`` (those this snapshot has)."""
        objects = {}
        for name in names:
            if name in self.owners:
                objects.update(self.owners[name].objects)
        return Catalog(self.dialect, objects)


def described(connection: Connection, owners: Collection[str] | None = None) -> Snapshot:
    """Describe the schema (only ``owners``, when given) and commit the read."""
    catalog = describe_catalog(connection, owners=owners, ignore_tables=ignored_tables())
    if connection.in_transaction():
        connection.commit()
    grouped: dict[str, dict] = {}
    for key, facts in catalog.objects.items():
        grouped.setdefault(key[2] or key[3], {})[key] = facts
    owned = {name: Described(name, objects) for name, objects in grouped.items()}
    return Snapshot(catalog.dialect, owned)


def schema_snapshot(connection: Connection) -> Snapshot:
    """Every table, view, sequence and enum type, described afresh."""
    return described(connection)


def changed_owners(before: Snapshot, after: Snapshot) -> list[str]:
    """The owners whose descriptions were read again between two snapshots."""
    return [
        name
        for name in before.owners.keys() | after.owners.keys()
        if before.owners.get(name) is not after.owners.get(name)
    ]


def schema_changes(before: Snapshot, after: Snapshot) -> list[Difference]:
    """What differs between two snapshots, one Difference per object (catalog/'s order)."""
    names = changed_owners(before, after)
    return compare_catalogs(before.catalog(names), after.catalog(names))


class SchemaWatch:
    """The schema of one connection as last described, kept current step by step."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.recording = False
        self.statements: list[str] = []
        # The statements of the step last refreshed after: what it dropped by name.
        self.last_statements: list[str] = []
        event.listen(connection, "before_cursor_execute", self.record)
        self.snapshot = schema_snapshot(connection)

    def record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            self.statements.append(statement)

    def refresh(self) -> Snapshot:
        """Describe again what the statements recorded since the last refresh may have changed."""
        statements, self.statements = self.statements, []
        self.last_statements = statements
        snapshot = self.snapshot
        changed = changed_by(statements, snapshot.dialect, snapshot.index_table)
        if changed is None:
            self.snapshot = schema_snapshot(self.connection)
            return self.snapshot
        changed = snapshot.matching(changed)
        changed |= snapshot.referrers(changed) | snapshot.sequence_owners(changed)
        if not changed:
            return snapshot
        # Every view too: PostgreSQL's follows a rename of the table or column it reads, and
        # its definition then names the new one (SQLite's RENAME rewrites it), with no word
        # of it in the step's statements.
        changed |= snapshot.views()
        fresh = described(self.connection, changed)
        # The reader may describe more than was asked (a sequence's table): that is current too.
        kept = {
            name: value
            for name, value in snapshot.owners.items()
            if name not in changed and name not in fresh.owners
        }
        self.snapshot = Snapshot(snapshot.dialect, {**kept, **fresh.owners})
        return self.snapshot

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self.record)
