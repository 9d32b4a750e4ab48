"""Compare the models with a database the way autogenerate does: what a new revision would hold.

The checks read catalogs (inspection/_catalog_drift.py); this comparison is their fallback
where no scratch database can be made, and ModelDrift the shape both report in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_steward.inspection._unwritable_changes import (
    HAND_WRITTEN_REVISION,
    collecting_unwritable_changes,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection


REVISION = '`inv db.revision -m "..."`'
# How a line names what the migrations build and the models lack: the catalogs' comparison
# (`table half1 is in the migrations but not in the models`), or autogenerate's (`remove_table`).
LACKING_IN_MODELS = " but not in the models"
AUTOGENERATE_DROPS = ("remove_table ", "remove_column ")


@dataclass(frozen=True)
class ModelDrift:
    """How the models differ from a database: what autogenerate writes, and what it cannot."""

    # One line per operation a new revision from `inv db.revision` would hold.
    written: list[str]
    # One line per change autogenerate detects but cannot write, saying what to write by hand.
    by_hand: list[str]
    # Why autogenerate could not run at all (its comparison failed): then every line is by hand.
    autogenerate_fails: str | None = None

    @property
    def lines(self) -> list[str]:
        return [*self.written, *self.by_hand]

    @property
    def lacking(self) -> list[str]:
        """What the migrations build and the models lack (`table half1`): not necessarily a
        change the models made, as a hand-written revision may have added it."""
        return [named for line in self.written if (named := lacking_named(line))]

    @property
    def summary(self) -> str:
        """Which way the drift goes, in a few words, before :attr:`advice`."""
        if self.written and len(self.lacking) == len(self.written) and not self.by_hand:
            return "the models differ from the migrations"
        return "the models changed without a revision"

    @property
    def advice(self) -> str:
        """What to run for this drift: only commands that will do what is needed."""
        lacking = self.lacking
        if lacking:
            # Only a drop is written for them: right if the models dropped them, wrong if a
            # revision added them on purpose and the models were never told.
            it, its, it_should = (
                ("it", "its", "it should")
                if len(lacking) == 1
                else ("them", "their", "they should")
            )
            keep = (
                f"the migrations build {', '.join(lacking)}, which the models lack: add {it}"
                f" to the models if {it_should} stay"
            )
            if len(lacking) == len(self.written) and not self.by_hand:
                return f"{keep}, or run {REVISION} to write {its} drop"
            return f"{self.advice_for_all()}; {keep}, else that revision drops {it}"
        return self.advice_for_all()

    def advice_for_all(self) -> str:
        """What to run to write every difference into a revision."""
        if not self.by_hand:
            return f"run {REVISION} to write a revision for them"
        if not self.written:
            # `inv db.revision` would write nothing and fail: the revision is the user's to write.
            why = f"{self.autogenerate_fails}, so " if self.autogenerate_fails else ""
            return (
                f"{why}autogenerate cannot write these: write the revision by hand"
                f" ({HAND_WRITTEN_REVISION})"
            )
        return (
            f"run {REVISION}, then add to that revision by hand what autogenerate cannot write"
            " (marked above)"
        )


def lacking_named(line: str) -> str | None:
    """`table half1` for a line saying the migrations build it and the models lack it."""
    if line.endswith(LACKING_IN_MODELS):
        return line.partition(" is in ")[0]
    if line.startswith(AUTOGENERATE_DROPS):
        kind, _, subject = line.partition(" ")
        return f"{kind.removeprefix('remove_')} {subject}"
    return None


def read_model_drift(connection: Connection) -> ModelDrift:
    """Compare the models with the database the way autogenerate does, sorting what it can write.

    Changes autogenerate cannot write (a generated column's expression) are kept apart, with
    what to write by hand: a check that passed over them would promise a revision never written.
    """
    from alembic.autogenerate import produce_migrations
    from alembic.runtime.migration import MigrationContext

    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._autogenerate_review import comparison_options, review_operations
    from alembic_steward.runtime._bookkeeping import include_name

    options = comparison_options(connection.dialect.name)
    context = MigrationContext.configure(connection, opts={**options, "include_name": include_name})
    with collecting_unwritable_changes() as by_hand:
        script = produce_migrations(context, active_steward().get_metadata())
    review_operations(script, connection.dialect)
    return ModelDrift(written=describe_operations(script.upgrade_ops.ops), by_hand=by_hand)


def describe_operations(operations: list[Any]) -> list[str]:
    """Describe autogenerate's operations, one line per difference."""
    from alembic.operations import ops

    described = []
    for operation in operations:
        # alembic-postgresql-enum's alterations name their type only on the operation itself.
        if hasattr(operation, "old_values") and hasattr(operation, "new_values"):
            old = ", ".join(operation.old_values)
            new = ", ".join(operation.new_values)
            described.append(f"{operation.operation_name} {operation.name}: ({old}) -> ({new})")
            continue
        described.extend(map(describe_difference, ops.UpgradeOps([operation]).as_diffs()))
    return described


def describe_difference(diff: Any) -> str:
    """Render one `compare_metadata` entry as `add_column users.name`-style text."""
    # Column modifications come as a list of tuples, everything else as one tuple.
    if isinstance(diff, list):
        kind, _schema, table, column = diff[0][:4]
        return f"{kind} {table}.{column}"
    kind, subject = diff[0], diff[1]
    if kind in ("add_column", "remove_column"):
        return f"{kind} {diff[2]}.{diff[3].name}"
    # Tables have a full name (with schema); indexes and constraints a name; the rest a str().
    name = getattr(subject, "fullname", "") or getattr(subject, "name", "") or str(subject)
    return f"{kind} {name}"
