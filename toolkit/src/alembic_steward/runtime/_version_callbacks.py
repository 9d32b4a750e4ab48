"""What env.py does after each migration step (Alembic's ``on_version_apply`` callbacks)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._backfill_reverts import ForgottenWhenReverted
from alembic_steward.runtime._batch_losses import BatchLossWatch
from alembic_steward.runtime._failed_runs import ForgottenOnceApplied
from alembic_steward.runtime._half_applied_marks import (
    mark_migration_run,
    records_half_applied_migrations,
)
from alembic_steward.runtime._phase_records import PhaseRecorder
from alembic_steward.runtime._revision_checksums import ChecksumRecorder
from alembic_steward.runtime._step_rows import StepRows
from alembic_steward.runtime._transactions import ForeignKeyCheck

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


def version_callbacks(
    run: ExitStack,
    connection: Connection,
    script: ScriptDirectory,
    *,
    stamping: bool = False,
    current: list[str] | None = None,
    watch_batches: bool = True,
    direction: str | None = None,
) -> list[Any]:
    """Return the callbacks a run on ``connection`` needs, in the order they must run.

    ``run`` holds what must outlive the callbacks' setup: the MySQL/MariaDB in-progress mark
    (which a stamp, ``stamping``, replaces rather than refuses), made at ``current``, the
    revisions read under the migration lock (None: read them). ``watch_batches``: warn when a
    SQLite batch operation recreates a table without a hand-made trigger or index.
    ``direction``: which way the run goes ("upgrade", "downgrade", or None), for the mark.
    """
    callbacks: list[Any] = []
    # SQLite migrations run with foreign keys off (a table rebuild must not cascade into child
    # rows); each checks them itself before it commits (runtime/_transactions.py).
    if connection.dialect.name == "sqlite":
        callbacks.append(ForeignKeyCheck(connection))
        if watch_batches:  # runtime/_batch_losses.py
            watch = BatchLossWatch(connection)
            run.callback(watch.close)
            callbacks.append(watch)
    # Keep each applied revision's checksum, to report later edits (revision_checksums.py).
    rows = StepRows()
    callbacks.append(ChecksumRecorder(script, rows))
    # And its phase, which an older release's start-up guard reads (phase_records.py).
    callbacks.append(PhaseRecorder(script, rows))
    # A failure of its upgrade kept for `inv db.status` is then over (failed_runs.py).
    callbacks.append(ForgottenOnceApplied(connection.engine.url))
    # A reverted revision's backfill records go with it (runtime/_backfill_reverts.py).
    callbacks.append(ForgottenWhenReverted())
    # Where DDL cannot be rolled back, an unfinished run blocks the next
    # (half_applied_marks.py); its move is the last write, once all else is done.
    if records_half_applied_migrations(connection):
        mark = mark_migration_run(
            connection, script, stamping=stamping, current=current, rows=rows, direction=direction
        )
        callbacks.append(run.enter_context(mark))
    # Every write at once: one statement on PostgreSQL and MariaDB (step_rows.py).
    callbacks.append(rows)
    return callbacks
