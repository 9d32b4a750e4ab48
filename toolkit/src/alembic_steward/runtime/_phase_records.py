"""Remember the phase of each applied revision, so code that lacks its file can still judge it.

The start-up guard of an older release meets revisions it has no file for; their phases,
kept here in the same transaction as the version row, tell it whether its code still works
(all expand) or not (a contract revision, named).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._phase_labels import phase_of_file

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection, Table

    from alembic_steward.runtime._step_rows import StepRows

PHASE_TABLE = "alembic_revision_phases"


# One Table for the process: SQLAlchemy keeps each statement's compiled form per Table, so
# every run (each tenant of a fan-out) reuses what the first compiled.
@functools.cache
def phase_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table

    return Table(
        PHASE_TABLE,
        MetaData(),
        Column("revision", String(255), primary_key=True),
        Column("phase", String(16), nullable=False),
    )


def recorded_phases(connection: Connection) -> dict[str, str]:
    """Map each applied revision with a recorded phase to it; empty without the table."""
    from sqlalchemy import inspect, select

    if not inspect(connection).has_table(PHASE_TABLE):
        return {}
    table = phase_table()
    rows = connection.execute(select(table.c.revision, table.c.phase)).all()
    return dict(rows)


class PhaseRecorder:
    """On each applied (or stamped) revision record its phase; on a reverted one drop it.

    The first run that creates the table records the revisions applied before it too, from
    this code's files, which hold every one of them.
    """

    def __init__(self, script: ScriptDirectory, rows: StepRows | None = None) -> None:
        self.script = script
        self.table = phase_table()
        # Where the step's new rows wait to be sent with the other bookkeeping's (None: now).
        self.rows = rows
        # The revisions the table has a row for, read on the first step; None before it.
        self.recorded: set[str] | None = None

    def __call__(self, *, ctx: Any, step: Any, heads: Any, **_: Any) -> None:
        from sqlalchemy import inspect, select

        if ctx.as_sql:
            return
        connection = ctx.connection
        if self.recorded is None:
            if inspect(connection).has_table(PHASE_TABLE):
                self.recorded = set(connection.scalars(select(self.table.c.revision)))
            else:
                self.table.create(connection)
                earlier = [r for r in self.applied(heads) if r not in step.up_revision_ids]
                self.record(connection, earlier)
                self.recorded = set(earlier)
        revisions = list(step.up_revision_ids)
        # Under the migration lock only this run changes the rows: a step whose revisions
        # have none (the usual upgrade) needs no DELETE, a round trip less per migration.
        if self.recorded.intersection(revisions):
            connection.execute(self.table.delete().where(self.table.c.revision.in_(revisions)))
            self.recorded.difference_update(revisions)
        if step.is_upgrade:
            self.record(connection, revisions)
            self.recorded.update(revisions)

    def applied(self, heads: Any) -> list[str]:
        """Every revision at or below ``heads``."""
        if not heads:
            return []
        return [s.revision for s in self.script.iterate_revisions(tuple(heads), "base")]

    def record(self, connection: Connection, revisions: list[str]) -> None:
        if not revisions:
            return
        scripts = [self.script.get_revision(revision) for revision in revisions]
        rows = [{"revision": s.revision, "phase": phase_of_file(s.path)} for s in scripts]
        if self.rows is None:
            connection.execute(self.table.insert(), rows)
        else:
            self.rows.add(self.table, rows)


def rerecord_phases(connection: Connection, script: ScriptDirectory, revisions: list[str]) -> None:
    """Record ``revisions``' phases again from their files (an accepted edit may relabel one)."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table(PHASE_TABLE):
        return
    recorder = PhaseRecorder(script)
    connection.execute(recorder.table.delete().where(recorder.table.c.revision.in_(revisions)))
    recorder.record(connection, revisions)


def prune_phases(connection: Connection, script: ScriptDirectory) -> None:
    """Forget the phases of revisions no longer applied (after `stamp --purge`, which removes
    version rows without the steps that would drop their phases)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    if not inspect(connection).has_table(PHASE_TABLE):
        return
    heads = MigrationContext.configure(connection).get_current_heads()
    applied = PhaseRecorder(script).applied(heads)
    table = phase_table()
    connection.execute(table.delete().where(table.c.revision.not_in(applied)))
