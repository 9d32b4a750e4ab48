"""Remember a MySQL/MariaDB downgrade() that half ran, then raised by its own code, so that the
mark it left is advised as the run's own line advised it: never "downgrade again".

The mark (runtime/_half_applied_marks.py) says where the run stopped and which way it went,
not why: status, the next run's refusal and `db.verify-checksums` read it alone, and so told
the user to undo the half-run part, clear the mark and downgrade again, into the same
NotImplementedError or IrreversibleMigration (runtime/_stopped_downgrades.py raised_by_code).
Only the failed run knows the error: it is kept per database in the toolkit's cache folder, as
a failed upgrade is (runtime/_failed_runs.py), with the revision's file checksum, and read
while the mark still stands at that revision and the file is as it ran (written since, its
downgrade() may no longer raise). A half-run downgrade that failed otherwise forgets it.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from alembic_steward._cache import keep

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import URL

    from alembic_steward.runtime._migration_frames import MigrationFrame

FOLDER = "raising-downgrades"


def remember_raising_downgrade(
    url: URL,
    frame: MigrationFrame,
    raised: str,
    left: tuple[str, ...] = (),
    fault: str = "",
    blockers: tuple[str, ...] = (),
) -> None:
    """Keep that ``frame``'s downgrade() raised ``raised`` by its own code after changing
    something, or failed the same way on a scratch database (``fault``: the line's words,
    runtime/_downgrade_trials.py), and what it ``left`` (the differences its line listed), and
    the statements dropping what its error named that it does not touch (``blockers``:
    inspection/_blocking_hand_objects.py), for status to say as the line did; with none of
    them, an older record goes; never raises."""
    from alembic_steward.runtime._failed_runs import record_path
    from alembic_steward.runtime._revision_checksums import file_checksum

    path = record_path(url, FOLDER)
    with contextlib.suppress(OSError):  # no cache, no record: the mark is advised as before
        if not (raised or left or fault):
            path.unlink(missing_ok=True)
            return
        checksum = file_checksum(frame.path)
        record = {
            "revision": frame.revision,
            "raised": raised,
            "checksum": checksum,
            "left": list(left),
            "fault": fault,
            "blockers": list(blockers),
        }
        keep(path, json.dumps(record))


def kept_at_mark(url: URL | None, after_revisions: str, script: ScriptDirectory) -> dict:
    """The record of the downgrade() of ``after_revisions`` where a mark stands, while its file
    is as it ran (`raised`, `left`, `fault`); {} when none."""
    from alembic_steward.runtime._failed_runs import record_path
    from alembic_steward.runtime._revision_checksums import matches_file

    if url is None:
        return {}
    try:
        record = json.loads(record_path(url, FOLDER).read_text(encoding="utf-8"))
        found = script.get_revision(after_revisions) if "," not in after_revisions else None
        if record["revision"] != after_revisions or found is None or found.path is None:
            return {}
        return record if matches_file(record["checksum"], found.path) else {}
    except Exception:  # noqa: BLE001 - unread: the mark is advised as if nothing was kept
        return {}


def raised_at_mark(url: URL | None, after_revisions: str, script: ScriptDirectory) -> str:
    """The error type the downgrade() of ``after_revisions``, where a mark stands, raised by its
    own code when it stopped, while its file is as it ran; "" when not recorded."""
    return str(kept_at_mark(url, after_revisions, script).get("raised", ""))
