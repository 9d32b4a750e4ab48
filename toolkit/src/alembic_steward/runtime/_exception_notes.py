"""Notes on an exception (PEP 678) on every Python the toolkit runs on, 3.10 included.

Raw `alembic` shows the state read after a failed migration as a note under its traceback
(`alembic-steward: rolled back; the database is still at r1`). `BaseException.add_note` and the
traceback's printing of ``__notes__`` came with Python 3.11: on 3.10 the note was not added at
all, so raw alembic's failure said nothing of the state. There, the note is kept in
``__notes__`` as 3.11 keeps it, and the process's excepthook prints the notes of an uncaught
exception under its traceback, as 3.11's does.
"""

from __future__ import annotations

import sys
from types import TracebackType


def add_note(error: BaseException, note: str) -> None:
    """Add ``note`` to ``error``; shown under its traceback if nothing catches it."""
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)
        return
    error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
    if not getattr(sys.excepthook, "prints_notes", False):
        sys.excepthook = excepthook_printing_notes(sys.excepthook)


def excepthook_printing_notes(previous):
    """``previous`` (an excepthook), then the uncaught exception's notes, one per line."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None):
        previous(kind, error, trace)
        for note in getattr(error, "__notes__", ()):
            print(note, file=sys.stderr)

    hook.prints_notes = True  # type: ignore[attr-defined]
    return hook
