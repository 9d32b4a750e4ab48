"""Batched data migrations that run outside the migration transaction, resumable after a kill.

A revision declares its backfills in a module-level list; the schema change it makes runs in
`upgrade()` as usual, and the data change runs later, online, with `inv db.backfill run NAME`
(or `python -m app.migrations backfill run NAME` in a deploy):

    from alembic_steward.backfills import Backfill

    backfills = [
        Backfill(
            name="users_email_lower",
            table="users",
            key="id",
            set="email_lower = lower(email)",
            pending="email_lower IS NULL",
            batch_size=1000,
        )
    ]

Each batch updates the rows whose key lies in the next ``batch_size`` keys and that are still
``pending``, in its own transaction, which also saves the batch's last key as the cursor: a
killed run resumes after the last committed batch, and no row is updated twice. A later
revision that needs the data calls :func:`require_backfill` at the top of its `upgrade()`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backfill", "BackfillNotFinished", "require_backfill"]

DEFAULT_BATCH_SIZE = 1000
DEFAULT_PAUSE_SECONDS = 0.05
# Below this many pending rows, a revision that requires a backfill finishes it itself (a
# fresh or test database); above it the revision is refused until the backfill has run.
DEFAULT_FINISH_INLINE_UP_TO = 100


@dataclass(frozen=True)
class Backfill:
    """One batched update of ``table``, walked in order of its single-column ``key``.

    ``set`` is the SQL of an UPDATE's SET clause and ``pending`` a SQL condition true for the
    rows not yet done (it must turn false once ``set`` has run on a row, so a rerun skips it; a
    batch that leaves its rows pending is rolled back and stops the run);
    both are trusted SQL written in the revision. ``batch_size`` is a count of keys per
    transaction; ``pause_seconds`` the wait between batches (the database's breathing room);
    ``schema`` the table's schema when not the default one. ``name`` is unique across the
    history: letters, digits and underscores.
    """

    name: str
    table: str
    key: str
    set: str
    pending: str
    batch_size: int = DEFAULT_BATCH_SIZE
    pause_seconds: float = DEFAULT_PAUSE_SECONDS
    schema: str | None = None

    def __post_init__(self) -> None:
        if not self.name.replace("_", "").isalnum() or not self.name.isascii():
            raise ValueError(f"backfill name {self.name!r}: use letters, digits and underscores")
        if self.name == "all":
            raise ValueError("backfill name 'all' is taken: `inv db.backfill status all`")
        if self.batch_size < 1:
            raise ValueError(f"backfill {self.name}: batch_size must be at least 1")
        if self.pause_seconds < 0:
            raise ValueError(f"backfill {self.name}: pause_seconds cannot be negative")


class BackfillNotFinished(RuntimeError):
    """A revision requires a backfill that has not finished; the text names it and what to run.

    ``backfill`` and ``finish_inline_up_to`` are the refused requirement's, when the refusal
    lasts only until the backfill has run (`inv db.status` then forgets it); None when the
    backfill's declaration is what is wrong.
    """

    def __init__(
        self,
        message: str,
        *,
        backfill: str | None = None,
        finish_inline_up_to: int | None = None,
    ) -> None:
        super().__init__(message)
        self.backfill = backfill
        self.finish_inline_up_to = finish_inline_up_to


BackfillNotFinished.__module__ = "alembic_steward.backfills"


def require_backfill(name: str, *, finish_inline_up_to: int = DEFAULT_FINISH_INLINE_UP_TO) -> None:
    """Refuse to go on with this migration until backfill ``name`` has finished.

    Call it at the top of `upgrade()`. Where the backfill never finished but at most
    ``finish_inline_up_to`` rows are still pending (a fresh database, a test's), the remaining
    rows are updated here, in the migration's transaction, and the backfill is recorded as
    finished. Raises BackfillNotFinished (the migration then fails and is rolled back) naming
    the backfill, its progress read from the database, and the command that runs it; raises
    LookupError when no revision declares ``name``.
    """
    from alembic import op

    from alembic_steward.runtime._backfill_gate import check_required

    if op.get_context().as_sql:
        return  # offline SQL (`--sql`, the lint) has no rows to check; a real run checks
    check_required(op.get_bind(), name, finish_inline_up_to)
