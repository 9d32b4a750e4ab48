"""Notes and cancelled tasks read alike on Python 3.10, whose exceptions have no add_note and
whose asyncio.run raises a new CancelledError for a cancelled task (the toolkit runs on 3.10)."""

from __future__ import annotations

import asyncio

from alembic_steward.runtime._cancelled_migrations import raised_in_the_task
from alembic_steward.runtime._exception_notes import excepthook_printing_notes


def test_an_uncaught_exception_s_notes_are_printed_under_its_traceback(capsys) -> None:
    shown = []
    hook = excepthook_printing_notes(lambda kind, error, trace: shown.append(error))
    error = RuntimeError("failed")
    error.__notes__ = ["alembic-steward: rolled back; the database is still at r1"]
    hook(RuntimeError, error, None)
    assert shown == [error]  # the traceback first, by the hook it wraps
    assert capsys.readouterr().err == "alembic-steward: rolled back; the database is still at r1\n"


def test_the_cancelled_error_raised_in_the_task_is_found_behind_a_new_one() -> None:
    inner = asyncio.CancelledError()
    outer = asyncio.CancelledError()
    outer.__context__ = inner  # as Python 3.10's asyncio.run raises it
    assert raised_in_the_task(outer) is inner
    assert raised_in_the_task(inner) is inner  # 3.11 and later raise that one itself
