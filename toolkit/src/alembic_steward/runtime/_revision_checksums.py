"""Remember each revision file's checksum when it is applied, so a later edit can be reported.

An applied revision never runs again on that database, so editing its file afterwards changes
nothing there while fresh databases get the new text: the two drift apart silently. Flyway keeps
a checksum per applied migration for this reason; so do we, in a bookkeeping table.

Checksums of the first format depend on the Python that computed them (_checksum_format.py).
Each is still trusted where the running Python reproduces it, and a migration run rewrites it in
the current format then; one it cannot reproduce is reported, with the way to accept it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_steward._checksum_format import (
    checksum_without_downgrade,
    code_checksum,
    first_format_checksum,
    is_first_format,
    whole_file_checksum,
)
from alembic_steward.runtime._kept_checksums import kept_checksums
from alembic_steward.runtime._upgrade_checksums import (
    forget_upgrade_rows,
    replace_upgrade_rows,
    upgrade_checksum_table,
    upgrade_rows,
)

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection, Table

    from alembic_steward.runtime._step_rows import StepRows

CHECKSUM_TABLE = "alembic_revision_checksums"
ACCEPT_TASK = "inv db.accept-checksums"
# The one way to accept a deliberate edit of an applied revision (tasks/_checksums.py).
ACCEPT_EDIT_TASK = "inv db.accept-edit"


# One Table for the process: SQLAlchemy keeps each statement's compiled form per Table, so
# every run (each tenant of a fan-out) reuses what the first compiled.
@functools.cache
def checksum_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table

    # Every migrated database has these columns: a new format is tagged inside the value.
    return Table(
        CHECKSUM_TABLE,
        MetaData(),
        Column("revision", String(255), primary_key=True),
        Column("sha256", String(64), nullable=False),
    )


def file_checksum(path: str | Path, algorithm: Callable[[str], str] = code_checksum) -> str:
    """Hash what the file does (the current format unless ``algorithm`` says otherwise)."""
    stat = Path(path).stat()
    return checksum_of_version(str(path), stat.st_mtime_ns, stat.st_size, algorithm)


@functools.lru_cache(maxsize=4096)
def checksum_of_version(path: str, mtime_ns: int, size: int, algorithm: Callable) -> str:
    # Keyed by the file's modification time and size too, so an edited file is read again;
    # a run that applies a revision more than once (the baked tests' stairway) reads it once.
    text = Path(path).read_text(encoding="utf-8")
    if algorithm in (code_checksum, checksum_without_downgrade):
        # Across runs too, by the text itself (runtime/_kept_checksums.py).
        return kept_checksums().checksum(text, algorithm)
    return algorithm(text)


def matches_file(checksum: str, path: str) -> bool:
    """Whether ``checksum``, in whichever format it was recorded, is that of the file now.

    A squashed revision (`inv db.squash`) also matches the checksums its file declares the old
    file of its id had: a database that applied that file runs nothing of the squashed one.
    """
    if is_first_format(checksum):
        # Reproducible only under a Python whose ast.dump writes what the recording one wrote.
        same = checksum == file_checksum(path, first_format_checksum)
    else:
        # Recorded before the backfills declaration was left out, it is the whole file's (the
        # same but for a revision that declares backfills: only those parse twice).
        same = checksum == file_checksum(path) or checksum == file_checksum(
            path, whole_file_checksum
        )
    return same or checksum in squashed_checksums(path)


def squashed_checksums(path: str) -> tuple[str, ...]:
    """The checksums a squashed revision file declares in `squashed_checksums = (...)`."""
    import ast

    text = Path(path).read_text(encoding="utf-8")
    if "squashed_checksums" not in text:
        return ()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "squashed_checksums"
            for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            return tuple(item for item in value if isinstance(item, str))
    return ()


def edited_revisions(
    connection: Connection, script: ScriptDirectory, current: Sequence[str] | None = None
) -> list[str]:
    """Return the applied revisions whose file differs from the text that was applied.

    Applied: at or below the version table's revisions (``current``, when the caller has read
    them: reading them again costs a catalog query and a SELECT). A pending revision with a row
    (a stamp back keeps the rows of what ran: runtime/_repairs.py) runs nothing of its file
    until it is applied again, and the upgrade refuses it on that row alone
    (runtime/_already_applied.py): its edit is no edit of this database, so it is not listed."""
    recorded = recorded_checksums(connection, script)
    if not recorded:
        return []
    if current is None:
        from alembic_steward.runtime._state_after_failure import version_heads

        current = version_heads(connection)
    applied = ChecksumRecorder(script).with_ancestors(current)
    edited = sorted(
        revision
        for revision, (checksum, path) in recorded.items()
        if revision in applied and not matches_file(checksum, path)
    )
    kept_checksums().save()
    return edited


def unverifiable_revisions(connection: Connection, edited: list[str]) -> list[str]:
    """Return those of the ``edited`` revisions whose checksum the first format recorded.

    This Python could not reproduce it (else the revision would not be edited), so an edit and
    a change of Python version look the same there.
    """
    from sqlalchemy import select

    if not edited:
        return []
    table = checksum_table()
    query = select(table.c.revision, table.c.sha256).where(table.c.revision.in_(edited))
    return sorted(
        revision for revision, checksum in connection.execute(query) if is_first_format(checksum)
    )


def recorded_checksums(
    connection: Connection, script: ScriptDirectory, recorded: dict[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Map each revision with a recorded checksum and a file in ``script`` to (checksum, path).

    ``recorded``: the table's rows (`recorded_values`) when the caller has read them already.
    """
    if recorded is None:
        recorded = recorded_values(connection)
    if not recorded:
        return {}
    files = {revision.revision: revision.path for revision in script.walk_revisions()}
    return {
        revision: (checksum, files[revision])
        for revision, checksum in recorded.items()
        if revision in files
    }


def recorded_values(connection: Connection) -> dict[str, str]:
    """Map every revision the table has a row for to its checksum; empty without the table."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table(CHECKSUM_TABLE):
        return {}
    return table_values(connection)


def table_values(connection: Connection) -> dict[str, str]:
    """Map every revision the table, which must exist, has a row for to its checksum."""
    from sqlalchemy import select

    table = checksum_table()
    rows = connection.execute(select(table.c.revision, table.c.sha256))
    return {revision: checksum for revision, checksum in rows}


def both_tables_values(connection: Connection) -> tuple[dict[str, str], set[str]]:
    """The checksum table's rows (as `table_values`) and the revisions the second checksum's
    table has rows for, in one read; both tables must exist."""
    from sqlalchemy import literal, select, union_all

    table, upgrades = checksum_table(), upgrade_checksum_table()
    rows = connection.execute(
        union_all(
            select(table.c.revision, table.c.sha256, literal("c").label("kind")),
            select(upgrades.c.revision, upgrades.c.sha256, literal("u").label("kind")),
        )
    )
    values: dict[str, str] = {}
    upgrade_recorded: set[str] = set()
    for revision, checksum, kind in rows:
        if kind == "c":
            values[revision] = checksum
        else:
            upgrade_recorded.add(revision)
    return values, upgrade_recorded


def prune_checksums(
    connection: Connection, script: ScriptDirectory, keep: Iterable[str] = ()
) -> None:
    """Forget the checksums of revisions no longer applied (after a stamp), but those of
    ``keep``, when the version table names revisions of this history (else what is applied
    cannot be told)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    if not inspect(connection).has_table(CHECKSUM_TABLE):
        return
    heads = MigrationContext.configure(connection).get_current_heads()
    recorder = ChecksumRecorder(script)
    applied = recorder.with_ancestors(heads)
    if set(heads) - applied:  # a revision this checkout lacks: keep every row
        return
    table = checksum_table()
    kept = applied | set(keep)
    connection.execute(table.delete().where(table.c.revision.not_in(kept)))
    forget_upgrade_rows(connection, keep=kept)


def restamp_first_format(
    connection: Connection,
    script: ScriptDirectory,
    *,
    trust_files: bool = False,
    recorded: dict[str, str] | None = None,
) -> list[str]:
    """Rewrite first-format checksums in the current format; return the revisions rewritten.

    One is rewritten when this Python reproduces it from the file, which is then unchanged, or
    with ``trust_files`` in any case: the user has checked the files against their history.
    ``recorded``: the table's rows, when the caller has read them already.
    """
    table = checksum_table()
    rewritten = []
    checksums = recorded_checksums(connection, script, recorded)
    for revision, (checksum, path) in sorted(checksums.items()):
        if is_first_format(checksum) and (trust_files or matches_file(checksum, path)):
            # Guarded by the old value, so a concurrent rewrite of the same row is harmless.
            row = (table.c.revision == revision) & (table.c.sha256 == checksum)
            connection.execute(table.update().where(row).values(sha256=file_checksum(path)))
            rewritten.append(revision)
    return rewritten


def accept_edits(connection: Connection, script: ScriptDirectory, revisions: list[str]) -> None:
    """Record the files of ``revisions`` as what ran here, checksums in the current format.

    Each must be recorded and edited (`edited_revisions`); the caller checks that first.
    """
    table = checksum_table()
    recorded = recorded_checksums(connection, script)
    for revision in revisions:
        checksum, path = recorded[revision]
        # Guarded by the old value, so a concurrent acceptance of the same row is harmless.
        row = (table.c.revision == revision) & (table.c.sha256 == checksum)
        connection.execute(table.update().where(row).values(sha256=file_checksum(path)))
    replace_upgrade_rows(connection, [script.get_revision(revision) for revision in revisions])


def unverifiable_line(revisions: list[str]) -> str:
    """Say why ``revisions`` cannot be rechecked here, and how to accept their files."""
    return (
        f"the checksums of {', '.join(revisions)} were recorded in an older format, which"
        " depends on the Python version: this Python cannot tell an edit from a Python upgrade;"
        " if `git log -p` shows no change to their files since they ran here, run"
        f" `{ACCEPT_TASK}`"
    )


class ChecksumRecorder:
    """On each applied revision keep its file's checksum; on a reverted one drop it.

    A stamp does the same for the revisions it marks applied: it declares that the database
    holds what those files build, so a later edit to one of them drifts from it as after an
    upgrade. A row already there is what ran, and stays (only `inv db.accept-edit` replaces it),
    as do the rows of the revisions a stamp marks no longer applied.
    """

    def __init__(self, script: ScriptDirectory, rows: StepRows | None = None) -> None:
        self.script = script
        self.table = checksum_table()
        self.upgrade_table = upgrade_checksum_table()
        # Where the step's new rows wait to be sent with the other bookkeeping's (None: now).
        self.rows = rows
        # The revisions the table has a row for, read on the first step (``read``).
        self.recorded: set[str] = set()
        # Those the second checksum's table has a row for: the same, unless rows of the first
        # were deleted by hand (runtime/_upgrade_checksums.py).
        self.upgrade_recorded: set[str] = set()
        self.read = False
        self.stamp_record = False

    def __call__(self, *, ctx: Any, step: Any, heads: set[str] | None = None, **_: Any) -> None:
        from sqlalchemy import inspect

        # Here, not at module level: the start-up guard imports this module and must not
        # import Alembic, which the stamp record's module does.
        from alembic_steward.runtime._stamp_differences import STAMP_DIFFERENCES_TABLE

        if ctx.as_sql:
            return
        connection = ctx.connection
        if not self.read:
            # Both tables' presence in one read, the round trip a has_table() took alone.
            tables = set(inspect(connection).get_table_names())
            for table in (self.table, self.upgrade_table):
                if table.name not in tables:
                    table.create(connection)
            # A stamp's list of the rows it wrote is forgotten when a run drops rows (drop).
            self.stamp_record = STAMP_DIFFERENCES_TABLE in tables
            values, self.upgrade_recorded = both_tables_values(connection)
            # Here, not in `db.status`: a run may write (and holds the migration lock), while
            # reads may come from a read-only user and must not wait on a running migration.
            restamp_first_format(connection, self.script, recorded=values)
            self.recorded, self.read = set(values), True
        if step.is_stamp:
            # The rows of the revisions a stamp unmarks stay: no downgrade() ran, so their work
            # may well be here, and an upgrade must not run it again (_already_applied.py).
            # `inv db.stamp` drops them once it has compared the schema (prune_checksums).
            applied, _ = self.stamped(step, heads)
            self.insert(connection, sorted(applied - self.recorded))
            return
        revisions = list(step.up_revision_ids)
        self.drop(connection, revisions)
        if step.is_upgrade:
            self.insert(connection, revisions)

    def drop(self, connection: Connection, revisions: Iterable[str]) -> None:
        # Under the migration lock only this run changes the rows: a step whose revisions
        # have none (the usual upgrade) needs no DELETE, a round trip less per migration.
        rows = self.recorded.intersection(revisions)
        if rows:
            connection.execute(self.table.delete().where(self.table.c.revision.in_(rows)))
            self.recorded.difference_update(rows)
            if self.stamp_record:
                from alembic_steward.runtime._stamp_differences import forget_rows_written

                forget_rows_written(connection)
        self.drop_upgrade_rows(connection, revisions)

    def drop_upgrade_rows(self, connection: Connection, revisions: Iterable[str]) -> None:
        rows = self.upgrade_recorded.intersection(revisions)
        if rows:
            where = self.upgrade_table.c.revision.in_(rows)
            connection.execute(self.upgrade_table.delete().where(where))
            self.upgrade_recorded.difference_update(rows)

    def insert(self, connection: Connection, revisions: list[str]) -> None:
        if not revisions:
            return
        self.drop_upgrade_rows(connection, revisions)  # left by a hand-deleted checksum row
        scripts = [self.script.get_revision(revision) for revision in revisions]
        rows = [{"revision": s.revision, "sha256": file_checksum(s.path)} for s in scripts]
        if self.rows is None:
            connection.execute(self.table.insert(), rows)
            connection.execute(self.upgrade_table.insert(), upgrade_rows(scripts))
        else:
            self.rows.add(self.table, rows)
            self.rows.add(self.upgrade_table, upgrade_rows(scripts))
        self.recorded.update(revisions)
        self.upgrade_recorded.update(revisions)

    def stamped(self, step: Any, heads: set[str] | None) -> tuple[set[str], set[str]]:
        """(the revisions ``step``, a stamp, marks applied; those it marks no longer applied),
        from the version table's ``heads`` after it and before it."""
        up, down = set(step.up_revision_ids), set(step.down_revision_ids)
        after_step, left = (up, down) if step.is_upgrade else (down, up)
        after = set(heads) if heads is not None else after_step
        before = (after - after_step) | left
        applied_after, applied_before = self.with_ancestors(after), self.with_ancestors(before)
        return applied_after - applied_before, applied_before - applied_after

    def with_ancestors(self, revisions: Iterable[str]) -> set[str]:
        """``revisions`` and every revision below them (down_revision links)."""
        found: set[str] = set()
        waiting = [revision for revision in revisions if revision not in ("base", None)]
        while waiting:
            revision = waiting.pop()
            if revision in found:
                continue
            try:
                down = self.script.get_revision(revision).down_revision
            except Exception:  # noqa: BLE001 - not in this checkout: nothing to record of it
                continue
            found.add(revision)
            waiting.extend([down] if isinstance(down, str) else list(down or ()))
        return found
