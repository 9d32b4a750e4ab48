"""Remember the last failed upgrade of each database, so `inv db.status` does not advise it again.

A migration whose failure depends on the data (NOT NULL on a column that has NULL rows) is
rolled back whole: the database is left exactly as before, and a scratch database, being empty,
runs the same revision without complaint. Nothing in either database tells that the advice
"run `inv db.upgrade`" would fail again; only the run that failed knows. So each failed upgrade
is kept per database in the toolkit's cache folder (_cache.py): the revision, its file's
checksum (runtime/_revision_checksums.py), the one-line reason (password removed), when, and
a fingerprint of the schema's description as the failure left it (`schema_fingerprint`);
status reports it while the database is still where that run left it, its schema described
the same and the file is as it ran, and forgets it once the revision is applied or its file
edited (the fix may be there). A schema described otherwise since (the hand-made column the
upgrade tripped on dropped again) is no longer what it failed on: status then predicts nothing
from the record (its scratch run of the pending revisions says whether they pass), and says
again that they would fail if the schema comes back as it was. The rows are not read: a
failure on them is said to be likely, not certain, to recur (decisions.md). A
refusal by `require_backfill` lasts only until its backfill has run: status asks the backfill's
rows again (a bounded read) and forgets the failure once the revision would pass. The key
names the database without its password; nothing else of the URL is kept. A failure that says
the server's condition at the time (a lock another session held, a deadlock, a lost connection:
runtime/_transient_errors.py) is not kept: the same upgrade may well pass once it is over. A
run a signal stopped is kept only when its migration had committed part of its work itself: its
schema may be all its build while its later steps never ran, and status must not advise
stamping it; it is never said to fail again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_steward._cache import keep, keyed_path

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog

# Set in a scratch build's Alembic config (inspection/_scratch_database.py): its failures are
# the toolkit's own probes, not runs on the user's database.
SCRATCH_BUILD = "alembic_steward.scratch_build"
# Set on an error a scratch build's migration raised: a task that lets it out (`db.schema`,
# `db.squash`) reports the build's failure, never a state of the database DATABASE_URL names.
FAILED_ON_SCRATCH = "alembic_steward_failed_on_scratch"


def failed_on_scratch(error: BaseException) -> bool:
    """Whether ``error`` was raised by a migration running on a scratch database."""
    return bool(getattr(error, FAILED_ON_SCRATCH, False))


@dataclass(frozen=True)
class FailedRun:
    """An upgrade that failed: at which revision, why, when, and where it left the database."""

    revision: str
    reason: str
    at: str
    # The version table's rows after the failure, read (runtime/_state_after_failure.py).
    left_at: list[str]
    # The checksum of the revision's file as it failed; "" in a record kept before it was.
    checksum: str = ""
    # Whether the revision had committed part of its work itself (an autocommit_block(), a
    # COMMIT): its schema may then be all there while its later steps never ran.
    committed_part: bool = False
    # A refusal by `require_backfill`: the backfill it waited for, and how many pending rows
    # the revision finishes itself; "" when the failure was anything else.
    backfill: str = ""
    finish_inline_up_to: int = 0
    # Stopped by a signal, not failed (kept only with ``committed_part``): running it again
    # need not fail, so it is never "would fail the same way" (runtime/_state_after_failure.py).
    stopped: bool = False
    # A fingerprint of the schema's description after the failure (`schema_fingerprint`); ""
    # when it could not be read, or in a record kept before it was.
    schema: str = ""
    # MySQL/MariaDB, left half-applied: the statements dropping the hand-made objects its error
    # named (inspection/_blocking_hand_objects.py), which status at the mark names too.
    blockers: list[str] = field(default_factory=list)
    # Its upgrade() failed the same way on a scratch database built at its parent: why its own
    # code is wrong and where to fix it (runtime/_downgrade_trials.py); "" when not so.
    fault: str = ""
    # Set when read, never kept: the schema is described otherwise now than after the failure.
    schema_changed: bool = False

    @property
    def failed_words(self) -> str:
        """`the last upgrade from here failed at revision X (reason; when)`."""
        failed = f"the last upgrade from here failed at revision {self.revision}"
        return f"{failed} ({self.reason}; {self.at})"

    def line(self, upgrade: str) -> str:
        """Advice that does not send the user into the same failure, claiming no more than was
        read: a `require_backfill` refusal's rows are read again, other rows are not."""
        failed = f"the last upgrade from here failed at revision {self.revision} ({self.reason};"
        if self.backfill:
            return (
                f"pending migrations, but {failed} {self.at}), and `{upgrade}` would fail the"
                f" same way while the data and that revision are as they were: fix the data"
                f" (or the revision), then run `{upgrade}`"
            )
        unchanged = "that revision's file is as it ran"
        if self.schema:
            unchanged = f"the schema is described as it was after that failure and {unchanged}"
        return (
            f"pending migrations, but {failed} {self.at}); {unchanged} (the rows were not"
            f" read), so `{upgrade}` would likely fail the same way unless the data changed"
            f" since: fix the data (or the revision), then run `{upgrade}`"
        )


def record_failed_upgrade(
    url: URL,
    revision: str,
    reason: str,
    left_at: tuple[str, ...],
    path: Path,
    *,
    committed_part: bool = False,
    backfill: str = "",
    finish_inline_up_to: int = 0,
    stopped: bool = False,
    schema: str = "",
    blockers: tuple[str, ...] = (),
    fault: str = "",
) -> None:
    """Keep the failure of ``revision``'s upgrade (its file at ``path``) on ``url``'s database;
    ``backfill``: the backfill `require_backfill` refused it for; ``schema``: the fingerprint
    of the schema it left."""
    from alembic_steward.runtime._revision_checksums import file_checksum

    at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    checksum = file_checksum(path)
    record = FailedRun(
        revision,
        reason,
        at,
        sorted(left_at),
        checksum,
        committed_part,
        backfill,
        finish_inline_up_to,
        stopped,
        schema,
        list(blockers),
        fault,
    )
    keep(record_path(url), json.dumps(asdict(record)))


def failed_upgrade_here(
    url: URL,
    current: list[str],
    pending: dict[str, str],
    *,
    connection: Connection | None = None,
    script: ScriptDirectory | None = None,
) -> FailedRun | None:
    """The last failed upgrade of ``url``'s database, while it is still where that run left it
    (at ``current``) and its revision is pending (``pending`` maps each to its file) and unedited;
    forgotten once that revision was applied or its file changed, or (read on ``connection``,
    against ``script``'s declarations) once the backfill that refused it has run; marked
    ``schema_changed`` while the schema (read on ``connection``) is described otherwise."""
    path = record_path(url)
    try:
        record = FailedRun(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    # Applied since (or gone from the history), or edited: what failed is no longer what runs.
    if record.revision not in pending or edited_since(record, pending[record.revision]):
        path.unlink(missing_ok=True)
        return None
    if record.left_at != sorted(current):
        return None
    if (
        connection is not None
        and script is not None
        and backfill_run_since(record, connection, script)
    ):
        path.unlink(missing_ok=True)
        return None
    if connection is not None and record.schema and not record.backfill:
        try:
            changed = schema_fingerprint(connection) != record.schema
        except Exception:  # noqa: BLE001 - unread: the record says what it read, no more
            changed = False
        # Kept: a schema that comes back as it was would fail again, and a committed part
        # still keeps status from advising to stamp the revision (_status_report.py).
        return replace(record, schema_changed=changed)
    return record


def schema_fingerprint(connection: Connection) -> str:
    """A hash of ``connection``'s schema, as the drift check describes it (its catalog less
    the version and bookkeeping tables): equal exactly when the descriptions are."""
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._drift_sides import described_schemas

    return catalog_fingerprint(live_catalog(connection, described_schemas(connection)))


def catalog_fingerprint(catalog: Catalog) -> str:
    """A hash of what ``catalog`` describes, less its notes (NOTE_FACTS: the tables of a schema
    nothing describes), which no comparison reads: a table made where the toolkit does not
    look leaves the schema what it was."""
    from alembic_steward.catalog._model import NOTE_FACTS

    described = {
        key: {fact: value for fact, value in facts.items() if fact not in NOTE_FACTS}
        for key, facts in catalog.objects.items()
    }
    return hashlib.sha256(replace(catalog, objects=described).to_json().encode()).hexdigest()


def backfill_run_since(record: FailedRun, connection: Connection, script: ScriptDirectory) -> bool:
    """Whether ``record`` is a `require_backfill` refusal whose backfill has run since, so that
    the revision would pass now (its rows read on ``connection``)."""
    from alembic_steward.runtime._backfill_declarations import (
        BackfillDeclarationError,
        declared_backfills,
    )
    from alembic_steward.runtime._backfill_gate import passes_now

    if not record.backfill:
        return False
    try:
        declared = declared_backfills(script).get(record.backfill)
    except BackfillDeclarationError:
        return False  # the history cannot run either: the failure still says what stops it
    if declared is None:  # its declaration is gone: the revision no longer runs as it failed
        return True
    return passes_now(connection, declared, record.finish_inline_up_to)


def edited_since(record: FailedRun, path: str) -> bool:
    """Whether the failed revision's file is no longer the text that failed."""
    from alembic_steward.runtime._revision_checksums import matches_file

    if not record.checksum:  # kept by an older release: the edit cannot be told
        return False
    try:
        return not matches_file(record.checksum, path)
    except OSError:  # the file is gone: so is the failure it recorded
        return True


class ForgottenOnceApplied:
    """An ``on_version_apply`` callback: the kept failure goes once its revision is applied, so
    a later downgrade back to where it failed does not bring back a failure that was fixed."""

    def __init__(self, url: URL) -> None:
        try:
            self.path: Path | None = record_path(url)
        except Exception:  # noqa: BLE001 - no tenant to name: nothing kept to forget either
            self.path = None

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        if ctx.as_sql or not step.is_upgrade or self.path is None or not self.path.exists():
            return
        try:
            revision = json.loads(self.path.read_text(encoding="utf-8"))["revision"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        if revision in step.up_revision_ids:
            self.path.unlink(missing_ok=True)


def record_path(url: URL, folder: str = "failed-upgrades") -> Path:
    """The file of ``url``'s database (of the bound tenant, if any) in the cache's ``folder``,
    named by a hash."""
    from alembic_steward.runtime._tenancy import bound_tenant

    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
        database = str(Path(database).resolve())
    tenant = bound_tenant()
    parts = [url.get_backend_name(), url.username, url.host, url.port, database]
    parts.append(None if tenant is None else tenant.name)
    return keyed_path(folder, parts)
