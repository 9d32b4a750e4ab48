"""Remember a downgrade whose downgrade() left part of what its upgrade() made, so `inv db.status`
names it as the likely cause of what is left, as the downgrade's own error did.

Nothing in the database tells a leftover of a downgrade from a hand change or a failed run that
committed part of its work: the downgrade removes the reverted revision's checksum row with its
version row. Only the run that left it knows. So, as a failed upgrade is (runtime/_failed_runs.py),
it is kept per database in the toolkit's cache folder: the revisions reverted, the heads it left
and a fingerprint of the schema it left. Status names it while the database is still exactly
that (same heads, schema described the same); a downgrade that leaves nothing forgets it.

A reverted revision whose downgrade() is empty left all its upgrade() did, rows too, which no
schema comparison sees: the record names it (``empty``) so that status, advising the upgrade
that runs it again, says its earlier run's work is still there (a failed or stopped downgrade
keeps what its finished steps left the same way: runtime/_state_after_failure.py). A stamp
up over such a revision, read while the database is still as the downgrade left it
(``emptied_at_stamp``), records work that is here: a run's, never a data step that "never ran"
(runtime/_repairs.py), whose advice (stamp back, upgrade) would run it a second time.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from alembic_steward._cache import keep

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

FOLDER = "downgrade-leftovers"


def record_downgrade_leftovers(
    connection: Connection, heads: list[str], makers: list[str], empty: list[str] | None = None
) -> None:
    """Keep that the downgrade to ``heads`` on ``connection``'s database left what the
    downgrade() of ``makers`` did not undo, and all that of ``empty`` (their downgrade() does
    nothing); never raises for want of a cache."""
    from alembic_steward.runtime._failed_runs import record_path

    schema = fingerprint_or_none(connection)
    if schema is None:  # a record no schema matches would name nothing: an older one must go
        forget_downgrade_leftovers(connection)
        return
    record = {"makers": makers, "left_at": sorted(heads), "schema": schema, "empty": empty or []}
    keep(record_path(connection.engine.url, FOLDER), json.dumps(record))


def forget_downgrade_leftovers(connection: Connection) -> None:
    """A downgrade that left nothing: what an earlier one left is gone, or is no longer its.
    Never raises for want of a cache (an unwritable or misplaced folder)."""
    from alembic_steward.runtime._failed_runs import record_path

    # A cache it cannot write (a file in its place, no permission) holds nothing it wrote.
    with contextlib.suppress(OSError):
        record_path(connection.engine.url, FOLDER).unlink(missing_ok=True)


def fingerprint_or_none(connection: Connection) -> str | None:
    """The schema's fingerprint (runtime/_failed_runs.py), None when it cannot be read: the
    record is a hint for status, never a reason for a finished downgrade to fail."""
    from alembic_steward.runtime._failed_runs import schema_fingerprint

    try:
        return schema_fingerprint(connection)
    except Exception:  # noqa: BLE001 - unread: nothing is recorded, as without a cache
        return None


def downgrade_left_here(connection: Connection, current: list[str]) -> list[str]:
    """The revisions whose downgrade() left what the database holds, while it is still where
    and as that downgrade left it; [] when no such downgrade is recorded."""
    record = record_here(connection, current)
    return list(record.get("makers", [])) if record else []


def emptied_here(connection: Connection, current: list[str], pending: list[str]) -> list[str]:
    """Those of ``pending`` a downgrade reverted with an empty downgrade(), while the database
    is still where and as that downgrade left it: upgrading runs them again over their work."""
    record = record_here(connection, current)
    empty = record.get("empty", []) if record else []
    return [revision for revision in pending if revision in empty]


def emptied_at_stamp(
    connection: Connection, script: ScriptDirectory, before: Sequence[str]
) -> set[str]:
    """Read before a stamp from ``before``: the revisions the last downgrade reverted with an
    empty downgrade(), while the database is still where and as it left them (their work is
    here). A read that began a transaction ends it, as runtime/_stamp_differences.py's do."""
    began = not connection.in_transaction()
    try:
        every = [each.revision for each in script.walk_revisions()]
        return set(emptied_here(connection, list(before), every))
    except Exception:  # noqa: BLE001 - unread: nothing is claimed, as without a record
        return set()
    finally:
        if began and connection.in_transaction():
            connection.rollback()


def emptied_lines(
    script: ScriptDirectory, before: Sequence[str], after: Sequence[str], emptied: set[str]
) -> list[str]:
    """The stamp's note on those of ``emptied`` it marked applied again: their work stayed."""
    from alembic_steward._listing import listed
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder

    applied = ChecksumRecorder(script)
    marked = applied.with_ancestors(after) - applied.with_ancestors(before)
    history = [each.revision for each in reversed(list(script.walk_revisions()))]
    named = [revision for revision in history if revision in marked & emptied]
    if not named:
        return []
    one = len(named) == 1
    whose = f"{named[0]}'s downgrade() is" if one else f"the downgrade()s of {listed(named)} are"
    return [
        f"note: {whose} empty: the downgrade left what {'its' if one else 'their'} earlier run"
        f" did (schema and rows), so the stamp records {'it' if one else 'them'} as run here;"
        " the upgrade will not run that again"
    ]


def record_here(connection: Connection, current: list[str]) -> dict | None:
    """The recorded downgrade's record while the database is at ``current`` and its schema is
    described as that downgrade left it; None otherwise, or when none was recorded."""
    from alembic_steward.runtime._repaired_downgrade_records import record_at

    record = record_at(connection, current)
    if record is None or "schema" not in record:
        return None
    return record if fingerprint_or_none(connection) == record["schema"] else None


def emptied_advice(emptied: list[str], upgrade: str) -> str:
    """Behind head, past revisions whose downgrade() is empty: their earlier run's work stays,
    and the upgrade runs them again over it (an UPDATE twice, a row inserted twice)."""
    from alembic_steward._listing import listed

    if len(emptied) == 1:
        empty = f"revision {emptied[0]}'s downgrade() is empty: what its earlier run changed"
        again, write = "its upgrade() again over it", "its downgrade()"
    else:
        empty = f"the downgrade()s of {listed(emptied)} are empty: what their earlier runs changed"
        again, write = "their upgrade()s again over it", "their downgrade()s"
    return (
        f"pending migrations, but {empty} stays (a downgrade reverted it without undoing it),"
        f" and upgrading runs {again}; undo that work by hand (or check that running it twice"
        f" is harmless), then run `{upgrade}`, and write {write}"
    )


def downgrade_left_advice(where: str, makers: list[str]) -> str:
    """Behind head: what the recorded downgrade left stands in the pending upgrade's way."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.runtime._advice import bound_tenant_options

    _, upgrade = stamp_and_upgrade_commands()
    reset = "" if bound_tenant_options() else "; in development `inv db.reset` starts over"
    whose, forgot, those = recorded_makers(makers)
    return (
        f"the database is not what its revision builds {where}, so {upgrade} would run into"
        f" them: {whose}, the last run recorded here, most likely left them ({forgot})."
        f" Undo them by hand, make {those} undo them too, then {upgrade}{reset}"
    )


def recorded_makers(makers: list[str]) -> tuple[str, str, str]:
    """(`the downgrade of revision r3`, `its downgrade() does not undo all its upgrade() made`,
    `that downgrade()`), in the plural for several revisions: each has its own downgrade()."""
    from alembic_steward._listing import listed

    if len(makers) == 1:
        return (
            f"the downgrade of revision {makers[0]}",
            "its downgrade() does not undo all its upgrade() made",
            "that downgrade()",
        )
    return (
        f"the downgrades of revisions {listed(makers)}",
        "their downgrade()s do not undo all their upgrade()s made",
        "those downgrade()s",
    )
