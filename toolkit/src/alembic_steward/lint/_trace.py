"""Run revisions offline, recording each Alembic operation and SQL chunk with its source line.

Alembic writes the offline SQL through the config's ``output_buffer`` and performs every
`op.*` call through ``Operations.invoke``. Walking the call stack at those two points up to
the first frame in a revision file tells which line of which revision caused them, so a
finding can point at the Python line a developer wrote rather than at generated SQL.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RecordedOperation:
    operation: Any  # an alembic.operations.ops.MigrateOperation
    line: int
    in_batch: bool = False  # called on `batch_op` inside `op.batch_alter_table(...)`
    # The `op.batch_alter_table(...)` it was called in (its table_name, recreate), if any.
    batch: Any = None


@dataclass
class RevisionTrace:
    """What one revision's upgrade did when run offline."""

    operations: list[RecordedOperation] = field(default_factory=list)
    # (line in the revision file, SQL text) in the order Alembic wrote them.
    sql: list[tuple[int, str]] = field(default_factory=list)


class RevisionTracer(io.StringIO):
    """An output buffer that also records which revision line wrote each chunk of SQL."""

    def __init__(self, revision_paths: list[Path]) -> None:
        super().__init__()
        self.paths = {os.path.realpath(path): Path(path) for path in revision_paths}
        self.traces: dict[Path, RevisionTrace] = {}
        # The revision ids the run planned, in order: after a failure, those before it ran.
        self.planned: list[str] = []
        self._origin_of_code: dict[str, Path | None] = {}

    def origin(self) -> tuple[Path, int] | None:
        """Return the revision file and line of the innermost caller frame in a revision file."""
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename not in self._origin_of_code:
                self._origin_of_code[filename] = self.paths.get(os.path.realpath(filename))
            path = self._origin_of_code[filename]
            if path is not None:
                return path, frame.f_lineno
            frame = frame.f_back
        return None

    def trace(self, path: Path) -> RevisionTrace:
        return self.traces.setdefault(path, RevisionTrace())

    def settings_origin(self) -> tuple[Path, int] | None:
        """The revision whose lock timeouts are being written (runtime/_lock_waits.py), if any."""
        from alembic_steward.runtime._lock_waits import settings_written_for

        written_for = settings_written_for.get()
        if written_for is None:
            return None
        path = self.paths.get(os.path.realpath(written_for[0]))
        return None if path is None else (path, written_for[1])

    def write(self, text: str) -> int:
        # The settings each revision runs under are SQL of that revision: squawk checks them.
        origin = self.origin() or self.settings_origin()
        if origin is not None and text.strip():
            self.trace(origin[0]).sql.append((origin[1], text))
        return super().write(text)

    def record(self, operation: Any, *, batch: Any = None) -> None:
        origin = self.origin()
        if origin is not None:
            recorded = RecordedOperation(operation, origin[1], batch is not None, batch)
            self.trace(origin[0]).operations.append(recorded)


@contextmanager
def recording_operations(tracer: RevisionTracer, *, perform: bool) -> Iterator[None]:
    """Record every `op.*` call; perform it too only when its SQL is wanted (``perform``).

    Not performing keeps revisions runnable offline where Alembic could not run them, e.g.
    SQLite batch operations that must reflect the table they rebuild.
    """
    from alembic.operations.base import AbstractOperations, BatchOperations

    invoke = AbstractOperations.invoke

    def recording_invoke(self: AbstractOperations, operation: Any) -> Any:
        tracer.record(operation, batch=self.impl if isinstance(self, BatchOperations) else None)
        return invoke(self, operation) if perform else None

    AbstractOperations.invoke = recording_invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        AbstractOperations.invoke = invoke  # type: ignore[method-assign]


def trace_upgrade(
    config: Any,
    script: Any,
    applied_heads: tuple[str, ...],
    destination: str,
    tracer: RevisionTracer,
    *,
    want_sql: bool,
) -> None:
    """Run `upgrade HEADS:DESTINATION --sql` in-process, recording into ``tracer``.

    This is `alembic.command.upgrade` with ``sql=True``, except that the starting point may be
    several heads (``applied_heads``, empty for base) and the planned steps are kept.
    """
    from alembic.runtime.environment import EnvironmentContext

    def upgrade(current_heads: Any, context: Any) -> Any:
        steps = script._upgrade_revs(destination, current_heads)
        tracer.planned = [step.revision.revision for step in steps]
        return steps

    config.output_buffer = tracer
    with (
        quiet_alembic_logging(),
        recording_operations(tracer, perform=want_sql),
        EnvironmentContext(
            config,
            script,
            fn=upgrade,
            as_sql=True,
            starting_rev=applied_heads or None,
            destination_rev=destination,
        ),
    ):
        script.run_env()


@contextmanager
def quiet_alembic_logging() -> Iterator[None]:
    """Keep Alembic's INFO lines ("Running upgrade", "Context impl") out of the lint's output.

    env.py configures logging from alembic.ini as it loads, so levels set beforehand would not
    hold: logging below WARNING is switched off for the block instead.
    """
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def failing_revision_line(
    error: BaseException, revision_paths: list[Path]
) -> tuple[Path, int] | None:
    """Return the revision file and line where ``error`` was raised, if it came from one."""
    paths = {os.path.realpath(path): Path(path) for path in revision_paths}
    if isinstance(error, SyntaxError) and error.filename:
        path = paths.get(os.path.realpath(error.filename))
        if path is not None:
            return path, error.lineno or 1
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        path = paths.get(os.path.realpath(traceback.tb_frame.f_code.co_filename))
        if path is not None:
            found = path, traceback.tb_lineno
        traceback = traceback.tb_next
    return found
