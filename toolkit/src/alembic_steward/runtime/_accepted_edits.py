"""Remember, per database, the edits `inv db.accept-edit` accepted, so the exit-9 line of a
database that then differs from what its revision builds names the accepted edit (`the edit of
r1 accepted here`), not only "an accepted edit" in general.

Kept in the toolkit's cache folder (_cache.py), as the failed upgrades are
(runtime/_failed_runs.py), keyed by the database without its password: each revision with its
file's checksum as accepted. An entry is named only while the file is still as accepted (a
later change to it is another story, `inv db.status` exit 8). With it, what the edit no longer
builds and the database kept (`view vq`), when git's text that ran tells it surely: status then
names that edit as their cause, not a hand change or a failed migration, pending revisions or
not (inspection/_pending_past_changes.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from alembic_steward._cache import keep

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from alembic.script import ScriptDirectory


def record_path() -> Path:
    """The file of DATABASE_URL's database (of the bound tenant, if any)."""
    from alembic_steward._cache import keyed_path
    from alembic_steward.runtime._failed_runs import record_path as failed_runs_path
    from alembic_steward.runtime._server_databases import target_url

    # The failed runs' key names the database (and tenant) without its password: the same one.
    return keyed_path("accepted-edits", [failed_runs_path(target_url()).stem])


def read_accepted() -> dict[str, str]:
    """Revision -> its file's checksum as accepted; {} when none is kept or it cannot be read."""
    try:
        return dict(json.loads(record_path().read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def left_path() -> Path:
    """The file of what accepted edits left in DATABASE_URL's database (see above)."""
    return record_path().with_name(f"{record_path().stem}-left.json")


def record_accepted(
    script: ScriptDirectory, revisions: list[str], left: Sequence[str] = ()
) -> None:
    """Keep ``revisions`` as accepted here, each with its file's checksum now, and ``left``
    (`view vq`: what the edit no longer builds, surely, that the database kept). Never
    raises."""
    from alembic_steward.runtime._revision_checksums import file_checksum

    try:
        accepted = read_accepted()
        kept = read_left()
        for revision in revisions:
            accepted[revision] = file_checksum(script.get_revision(revision).path)
            kept[revision] = sorted(left)
        keep(record_path(), json.dumps(accepted, sort_keys=True))
        keep(left_path(), json.dumps(kept, sort_keys=True))
    except Exception:  # noqa: BLE001 - a record for advice: the acceptance itself stands
        return


def read_left() -> dict[str, list[str]]:
    """Revision -> what its accepted edit left (`view vq`); {} when none is kept."""
    try:
        return {key: list(value) for key, value in json.loads(left_path().read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def left_by_accepted_edits(script: ScriptDirectory, objects: list[str]) -> list[str]:
    """The revisions accepted here (files still as accepted) whose edits left ``objects``
    (`view vq`), when those account for every one of them; [] otherwise."""
    if not objects:
        return []
    left = read_left()
    named = [revision for revision in accepted_here(script) if left.get(revision)]
    if not set(objects) <= {each for revision in named for each in left[revision]}:
        return []
    return [revision for revision in named if set(left[revision]) & set(objects)]


def accepted_here(script: ScriptDirectory) -> list[str]:
    """The revisions whose edit was accepted on this database, their files still as accepted."""
    from alembic_steward.runtime._revision_checksums import file_checksum

    named = []
    for revision, checksum in sorted(read_accepted().items()):
        try:
            found = script.get_revision(revision)
            if found is not None and file_checksum(found.path) == checksum:
                named.append(revision)
        except Exception:  # noqa: BLE001, S112 - a revision gone or unreadable: not named
            continue
    return named
