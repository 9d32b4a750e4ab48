"""Build a history in scratch databases for `inv db.squash`, and prove two histories equal.

The old history is built with each revision's statements watched: a data step
(UPDATE, DELETE, ...) acts on the rows a live database holds, which a fresh build does not
show, so a squash cannot carry it and names the revision instead. The squashed history is built
afresh from a copy of the versions folder holding the written revision, and its catalog
description and every table's rows are compared with the old build's; its downgrade must leave
an empty database. Nothing trusts a file name or a table list where two descriptions can be
compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog

# A statement that changes existing rows: its effect depends on rows a fresh build lacks.
DATA_STEP = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*"
    r"(UPDATE|DELETE\s+FROM|DELETE|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO|REPLACE\s+INTO|DO)\b"
    r"\s*(?:ONLY\s+)?[`\"\[]?([\w.]*)",
    re.IGNORECASE | re.DOTALL,
)
# The table Alembic's batch mode copies a table into before renaming it back (SQLite).
BATCH_COPY_PREFIX = "_alembic_tmp_"


@dataclass
class Build:
    """What a history built: its catalog description and each table's rows (comparable form)."""

    catalog: Catalog
    rows: dict[str, list[str]]
    data_steps: list[str] = field(default_factory=list)
    text: str = ""


class StatementWatch:
    """Record the statements that change existing rows (bookkeeping aside), by revision.

    One upgrade runs the whole stretch: Alembic writes each revision's id into the version
    table as a literal after that revision's statements, in the same transaction, so the
    statements seen since the last such write belong to the id it writes.
    """

    def __init__(
        self, ignored: set[str], version_table: str, watched: re.Pattern[str] = DATA_STEP
    ) -> None:
        self.ignored = {name.lower() for name in ignored}
        # The statements recorded: the verb first, the table second (DATA_STEP's groups).
        self.watched = watched
        self.version_write = re.compile(
            rf"^\s*(?:UPDATE|INSERT\s+INTO)\s+[`\"]?{re.escape(version_table)}\b[^']*'(\w+)'",
            re.IGNORECASE,
        )
        self.pending: list[str] = []
        self.steps: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        written = self.version_write.match(statement)
        if written is not None:
            self.close(written.group(1))
            return
        match = self.watched.match(statement)
        if match is None:
            return
        table = match.group(2).rsplit(".", 1)[-1].strip('`"').lower()
        # Batch mode's copy (`INSERT INTO _alembic_tmp_t SELECT ... FROM t`) moves the rows a
        # table holds into its rebuilt self and changes none: no data step.
        if table in self.ignored or table.startswith(BATCH_COPY_PREFIX):
            return
        verb = " ".join(match.group(1).split()).upper()
        target = f" on {table}" if table and verb != "DO" else ""
        self.pending.append(f"runs {verb}{target}")

    def close(self, revision: str) -> None:
        """Give the statements seen since the last version write to ``revision``."""
        for step in dict.fromkeys(self.pending):
            self.steps.append(f"{revision} {step}")
        self.pending.clear()


def build_old_history(
    url: URL,
    revision: str,
    ignored: set[str],
    version_table: str,
    schemas: list[str],
    render: Callable[[Connection], str],
) -> Build:
    """Build the history up to ``revision``, watching for data steps; describe the result, read
    its rows and ``render`` the squashed revision from it."""
    from sqlalchemy import event

    from alembic_steward.inspection._scratch_database import revision_built, upgrade_scratch

    watch = StatementWatch(ignored, version_table)
    with revision_built(url, [], label="squash") as connection:
        event.listen(connection, "before_cursor_execute", watch)
        upgrade_scratch(connection, revision)
        event.remove(connection, "before_cursor_execute", watch)
        watch.close(revision)
        build = describe(connection, ignored, schemas)
        build.data_steps = watch.steps
        if not watch.steps:
            build.text = render(connection)
            end_read(connection)
    return build


def build_new_history(
    url: URL, versions: Path, revision: str, ignored: set[str], schemas: list[str]
) -> tuple[Build, Catalog]:
    """Build the history whose files are in ``versions`` up to ``revision``, describe it, then
    run its downgrade to base and describe what is left (empty if the downgrade is complete)."""
    from alembic_steward.inspection._scratch_database import revision_built

    with revision_built(url, [], label="squash") as connection:
        upgrade_from(connection, versions, revision)
        build = describe(connection, ignored, schemas)
        downgrade_from(connection, versions)
        from alembic_steward.inspection._catalog_drift import live_catalog

        return build, live_catalog(connection, schemas)


def upgrade_from(connection: Connection, versions: Path, revision: str) -> None:
    from alembic import command

    from alembic_steward.inspection._scratch_database import quiet_alembic

    with quiet_alembic():
        command.upgrade(config_for(connection, versions), revision)


def downgrade_from(connection: Connection, versions: Path) -> None:
    from alembic import command

    from alembic_steward.inspection._scratch_database import quiet_alembic

    with quiet_alembic():
        command.downgrade(config_for(connection, versions), "base")


def config_for(connection: Connection, versions: Path) -> Any:
    """The project's config on a scratch ``connection``, reading revisions from ``versions``."""
    from alembic_steward.inspection._scratch_database import alembic_config_on

    config = alembic_config_on(connection)
    config.set_main_option("version_locations", str(versions).replace("%", "%%"))
    return config


def describe(connection: Connection, ignored: set[str], schemas: list[str]) -> Build:
    from alembic_steward.catalog import describe_catalog

    catalog = describe_catalog(connection, schemas=schemas, ignore_tables=ignored)
    rows = table_rows(connection, ignored, schemas)
    end_read(connection)
    return Build(catalog, rows)


def end_read(connection: Connection) -> None:
    if connection.in_transaction():
        connection.commit()


def table_rows(connection: Connection, ignored: set[str], schemas: list[str]) -> dict[str, list]:
    """Each table's rows, as sorted reprs (compared as a multiset, whatever the order read)."""
    from sqlalchemy import MetaData, Table, inspect, select

    from alembic_steward.inspection._squash_indexes import expression_indexes_unwarned

    rows: dict[str, list[str]] = {}
    inspector = inspect(connection)
    for schema in [None, *schemas]:
        for name in inspector.get_table_names(schema):
            if name in ignored:
                continue
            with expression_indexes_unwarned():
                table = Table(name, MetaData(), autoload_with=connection, schema=schema)
            shown = f"{schema}.{name}" if schema else name
            rows[shown] = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
    return rows


def row_differences(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[str]:
    """One line per table whose rows differ between the old and the squashed history."""
    lines = []
    for table in sorted(set(old) | set(new)):
        before, after = old.get(table, []), new.get(table, [])
        if before != after:
            missing = len([row for row in before if row not in after])
            extra = len([row for row in after if row not in before])
            lines.append(f"table {table}: {missing} row(s) missing, {extra} unexpected")
    return lines


def first_makers(
    url: URL, revisions: list[str], keys: set[tuple], ignored: set[str], schemas: list[str]
) -> dict[tuple, str]:
    """Which of ``revisions`` (base first) first builds each of the catalog ``keys``: the old
    history built again one revision at a time, described after each, until all are found."""
    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._scratch_database import revision_built, upgrade_scratch

    makers: dict[tuple, str] = {}
    with revision_built(url, [], label="squash") as connection:
        for revision in revisions:
            upgrade_scratch(connection, revision)
            objects = describe_catalog(connection, schemas=schemas, ignore_tables=ignored).objects
            end_read(connection)
            makers.update({key: revision for key in keys - makers.keys() if key in objects})
            if makers.keys() >= keys:
                break
    return makers
