"""Say which migration failed, where in its file, and what state it left the database in.

A revision file is the user's code: an error raised in it (or while loading it) is a mistake to
report in two lines, not a traceback through invoke and Alembic.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic_steward._wiring import shown_path
from alembic_steward.runtime._failed_runs import failed_on_scratch
from alembic_steward.runtime._migration_frames import (
    MigrationFrame,
    migration_frame,
    state_after,
    versions_dir,
)
from alembic_steward.runtime._offline_runs import offline_state_line, ran_offline


def exception_text(error: BaseException) -> str:
    """The exception's own message, its first line, naming its type (a DB error: the driver's)."""
    from alembic_steward.runtime._own_commits import MigrationEndedItsTransaction

    if isinstance(error, MigrationEndedItsTransaction):
        # Its message repeats the revision for raw `alembic`; here the line names it already.
        return f"{type(error).__name__}: {error.reason}"
    from alembic_steward.runtime._driver_errors import server_detail

    reason = getattr(error, "orig", None) or error
    first_line = (str(reason).strip().splitlines() or [""])[0]
    detail = server_detail(error)  # PostgreSQL's duplicate key is on a line of its own
    first_line += f": {detail}" if first_line and detail else ""
    return f"{type(reason).__name__}: {first_line}" if first_line else type(reason).__name__


def describe_failed_migration(error: BaseException) -> str | None:
    """Two lines for an error raised in a revision file, or None when none was involved."""
    from alembic_steward.runtime._irreversible import IrreversibleMigration

    def state(online: str) -> str:
        """What the failure left: ``online`` after a run that wrote; offline, nothing changed."""
        return offline_state_line(error) if ran_offline(error) else online

    if isinstance(error, SyntaxError) and error.filename:
        path = Path(error.filename)
        if path.parent == versions_dir():
            return (
                f"revision file {shown_path(path)}:{error.lineno} cannot be loaded:"
                f" SyntaxError: {error.msg}\n{state('the database was not changed')}; fix the file"
            )
    frame = migration_frame(error)
    if frame is None:
        return describe_missing_revision(error, state("the database was not changed"))
    where = f"{shown_path(frame.path)}:{frame.line}"
    if frame.function == "<module>":
        return (
            f"revision file {where} cannot be loaded: {exception_text(error)}"
            f"\n{state('the database was not changed')}; fix the file"
        )
    title = f" ({frame.message})" if frame.message else ""
    if failed_on_scratch(error):
        return scratch_build_failure(error, frame, title, where)
    if isinstance(error, IrreversibleMigration):
        # Raised where no reading of the plan foresaw it (runtime/_irreversible_plans.py): the
        # steps before it in the run committed, so the state is the one read after it.
        return (
            f"revision {frame.revision}{title} cannot be downgraded: {error.reason};"
            f" {state(irreversible_state(frame, error))}"
        )
    return (
        f"migration {frame.revision}{title} failed in {frame.function}() at {where}:"
        f" {exception_text(error)}\n{state(state_after(frame, error))}"
    )


def irreversible_state(frame: MigrationFrame, error: BaseException) -> str:
    """What a downgrade stopped by IrreversibleMigration left, as read after it."""
    from alembic_steward.runtime._irreversible_plans import state_after_irreversible
    from alembic_steward.runtime._migration_frames import not_read
    from alembic_steward.runtime._state_lines import state_of

    state = state_of(error)
    return state_after_irreversible(state, frame) if state is not None else not_read()


# A failure of a task's scratch build (`db.schema`, `db.squash`) is no run on the user's database.
SCRATCH_BUILD_STATE = (
    "the database DATABASE_URL names was not changed: this build runs in a scratch database only;"
    " a database built from the revisions (a new one, CI's) fails the same way: fix the revision"
)


def scratch_build_failure(
    error: BaseException, frame: MigrationFrame, title: str, where: str
) -> str:
    """Two lines for a revision that failed on a task's scratch database: where and why, without
    the scratch database's name, and that the user's own database was not part of it (the state
    read on the scratch database after the failure is that database's, not theirs)."""
    from alembic_steward.inspection._scratch_database import unnamed_scratch

    reason = unnamed_scratch(exception_text(error), None)
    return (
        f"migration {frame.revision}{title} failed in {frame.function}() at {where} on a scratch"
        f" database built from the revisions: {reason}\n{SCRATCH_BUILD_STATE}"
    )


def describe_missing_revision(error: BaseException, state: str) -> str | None:
    """Explain Alembic's KeyError for a revision named as down_revision whose file is gone."""
    if not isinstance(error, KeyError) or not error.args:
        return None
    missing = str(error.args[0])
    quoted = re.compile(rf"['\"]{re.escape(missing)}['\"]")
    for path in sorted(versions_dir().glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("down_revision") and quoted.search(line):
                return (
                    f"revision {missing} is missing from the history: {shown_path(path)} names it"
                    " as its down_revision, but no revision file has that id; restore the file"
                    f" (e.g. from git) or point down_revision at an existing revision; {state}"
                )
    return None
