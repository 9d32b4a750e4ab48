"""The revision that keeps enum values added by hand on PostgreSQL, in the type's and the
values' own names, and the advice that names how to write it.

Autogenerate writes no change of an enum type's values, so `inv db.revision` cannot write
this revision: it is written by hand from `inv db.revision --empty`. PostgreSQL has no
ALTER TYPE ... DROP VALUE, so the value is kept; IF NOT EXISTS lets the revision run where the
value was added by hand, and anywhere else it adds it. In an autocommit_block, as the lint asks
(before PostgreSQL 12 ADD VALUE cannot run in a transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

# What `inv db.revision --empty` is run with, when the user has not said.
KEEP_MESSAGE = "Keep enum values added by hand"
# The downgrade() of that revision (runtime/_irreversible.py).
CANNOT_DROP_RAISE = 'raise IrreversibleMigration("PostgreSQL cannot drop an enum value")'


def add_values_code(values: Sequence[str]) -> str:
    """One line of Python for upgrade() that adds ``values`` (`mood 'meh'`, or `level 'mid'
    BEFORE 'high'`, as `enum_values_added` names them) to their types, each in its place:
    `with ...: op.execute(...)`."""
    statements = "; ".join(
        f'op.execute("ALTER TYPE {subject} ADD VALUE IF NOT EXISTS {label}")'
        for subject, label in (value.split(" ", 1) for value in values)
    )
    return f"with op.get_context().autocommit_block(): {statements}"


def keeping_revision_advice(values: Sequence[str]) -> str:
    """How to write the revision that keeps ``values``: its command and its upgrade()'s line."""
    from alembic_steward.runtime._advice import advised

    upgrade = advised("db.upgrade", "upgrade")
    return (
        f"write it by hand, as autogenerate writes no enum value: `inv db.revision --empty -m"
        f' "{KEEP_MESSAGE}"`, with `{add_values_code(values)}` as its upgrade() and'
        f" {irreversible_downgrade()}, then {upgrade}"
    )


def irreversible_downgrade() -> str:
    """The downgrade() of a revision that adds enum values: the one way to say it cannot be
    undone, which the stairway test accepts (an empty one fails it: the values stay)."""
    from alembic_steward.runtime._irreversible import IRREVERSIBLE_IMPORT

    return (
        f"`{CANNOT_DROP_RAISE}` as its downgrade() (with `{IRREVERSIBLE_IMPORT}` at the top),"
        " as PostgreSQL cannot drop them again"
    )


def pending_enum_values_advice(where: str, values: Sequence[str], added_by: str | None) -> str:
    """Behind head, when values added to enum types are every difference: the pending
    revisions run through them if they add them with IF NOT EXISTS; no undo is possible.
    ``added_by``: the pending revision that adds them (:func:`revision_adding`), whose
    downgrade left them, or a run of it stopped after their commit; else added by hand."""
    named = ", ".join(values)
    how = (
        f"left by the downgrade of revision {added_by}, which adds them (or by a run of it"
        " that stopped after adding them)"
        if added_by
        else "added by hand"
    )
    return (
        f"the database is not what its revision builds {where}: enum value(s) {named} were"
        f" {how}, and {run_through_advice(values)}"
    )


def revision_adding(values: Sequence[str], pending: Sequence[str]) -> str | None:
    """The first of the ``pending`` revisions (oldest first) whose file names every one of
    ``values`` (`mood 'meh'`) as a quoted label; None when none does, or none can be read.
    A downgrade cannot drop a PostgreSQL enum value, so a value a pending revision adds was
    left by its downgrade (a text search: the value is a literal in the file)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    labels = [value.split(" ", 1)[1].strip("'").replace("''", "'") for value in values]
    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        for revision in pending:
            found = script.get_revision(revision)
            text = Path(found.path).read_text(encoding="utf-8") if found else ""
            if all(f"'{label}'" in text or f'"{label}"' in text for label in labels):
                return revision
    except Exception:  # noqa: BLE001 - no history or file to read: "by hand" stands
        return None
    return None


def run_through_advice(values: Sequence[str]) -> str:
    """How a pending revision gets past ``values`` the database holds already (added by hand,
    or committed by a failed run's autocommit_block()), PostgreSQL having no DROP VALUE."""
    from alembic_steward.runtime._advice import advised

    upgrade = advised("db.upgrade", "upgrade")
    return (
        "PostgreSQL cannot drop an enum value; a pending revision that adds them with ADD VALUE"
        f" IF NOT EXISTS runs through them: then run {upgrade}; else add"
        f" `{add_values_code(values)}` to its upgrade() first"
    )


def upgrade_runs_through(
    connection: Connection, current: list[str], pending: list[str], values: Sequence[str]
) -> bool:
    """Whether the ``pending`` revisions (oldest first) run on a build of ``current`` that holds
    ``values`` already, as the live database does: a scratch database, the values added there
    as the hand did, then each revision upgraded in turn. A revision's ADD VALUE IF NOT EXISTS
    runs through them; a plain ADD VALUE fails. False when no scratch database can be made or
    the values cannot be added there (ADD VALUE in a transaction, before PostgreSQL 12)."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._revision_comparison import first_failing
    from alembic_steward.inspection._scratch_database import (
        ScratchDatabaseRefused,
        revision_built,
    )

    built_at = [revision for revision in current if revision != "base"]
    try:
        with revision_built(blocking_url(connection), built_at) as scratch:
            for subject, label in (value.split(" ", 1) for value in values):
                scratch.exec_driver_sql(f"ALTER TYPE {subject} ADD VALUE {label}")
                scratch.commit()  # a new value is usable only once committed
            failure, _on_rows = first_failing(scratch, pending)
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError):
        return False
    return failure is None


def upgrade_keeps_them_advice(where: str, values: Sequence[str], revision: str) -> str:
    """Behind head, when the database is exactly what pending ``revision`` builds, by enum
    values alone, and the pending revisions run through them (:func:`upgrade_runs_through`):
    the upgrade, which leaves them as the revision's. Not a stamp: that would skip the
    revisions' run (and its bookkeeping) for nothing; nor an undo, which PostgreSQL lacks."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands

    _stamp, upgrade = stamp_and_upgrade_commands()
    return (
        f"the database is not what its revision builds {where}: it holds enum value(s)"
        f" {', '.join(values)} already, exactly as pending revision {revision} adds them, and"
        f" the pending revisions run through them (tried on a scratch database holding them):"
        f" run {upgrade}, which keeps them as {revision}'s"
    )
