"""Run revisions offline once, recording each Alembic operation and SQL chunk with its source line.

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

    def write(self, text: str) -> int:
        origin = self.origin()
        if origin is not None and text.strip():
            self.trace(origin[0]).sql.append((origin[1], text))
        return super().write(text)

    def record(self, operation: Any) -> None:
        origin = self.origin()
        if origin is not None:
            self.trace(origin[0]).operations.append(RecordedOperation(operation, origin[1]))


@contextmanager
def recording_operations(tracer: RevisionTracer, *, perform: bool) -> Iterator[None]:
    """Record every `op.*` call; perform it too only when its SQL is wanted (``perform``).

    Not performing keeps revisions runnable offline where Alembic could not run them, e.g.
    SQLite batch operations that must reflect the table they rebuild.
    """
    from alembic.operations.base import AbstractOperations

    invoke = AbstractOperations.invoke

    def recording_invoke(self: AbstractOperations, operation: Any) -> Any:
        tracer.record(operation)
        return invoke(self, operation) if perform else None

    AbstractOperations.invoke = recording_invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        AbstractOperations.invoke = invoke  # type: ignore[method-assign]


def trace_upgrade(
    config: Any, revision_range: str, revision_paths: list[Path], *, want_sql: bool
) -> dict[Path, RevisionTrace]:
    """Run `upgrade REVISION_RANGE --sql` in-process and return each revision's trace."""
    from alembic import command

    tracer = RevisionTracer(revision_paths)
    config.output_buffer = tracer
    # env.py configures logging from alembic.ini as it loads; Alembic's "Running upgrade"
    # lines would bury the findings, so they are kept quiet for this run only.
    logging.disable(logging.INFO)
    try:
        with recording_operations(tracer, perform=want_sql):
            command.upgrade(config, revision_range, sql=True)
    finally:
        logging.disable(logging.NOTSET)
    return tracer.traces


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
