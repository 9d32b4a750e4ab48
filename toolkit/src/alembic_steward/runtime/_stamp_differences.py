"""Remember a stamp that recorded a revision the database is not, so the upgrade says so.

`alembic stamp head` over a database still missing a revision's work leaves nothing to run: the
next upgrade used to print nothing and exit 0, and only `inv db.status` (a scratch build) told.
A stamp is rare, so it pays for the comparison (runtime/_stamp_comparison.py) and, when the
database differs from what the target builds, keeps the warning in a table of its own; an
upgrade that finds nothing to run reads it (one query, only then) and stops with exit 9, the
code of a database that differs from its revision, until a stamp the schema agrees with clears
it (one with --accept-differences keeps the differences it finds, like any other); an upgrade
with revisions to run reads it too, since running them over a database that is not what they
start from fails half-way (a drop of what is gone) or runs again what a stamp back skipped. A
stamp that found the database what it records keeps its row too, with an empty warning: the
bookkeeping then tells a version table a stamp moved from one moved by hand. A table of its
own, because existing bookkeeping tables never change their columns.

A stamp ahead also keeps, in a second row of the same columns (``WROTE_ROWS`` and the revisions),
the revisions it wrote checksum rows for without running them, raw `alembic stamp`'s as
`inv db.stamp`'s, with those an earlier stamp wrote that are still there: a stamp back that
undoes it drops those rows instead of keeping them as work that ran (runtime/_repairs.py), and
status's advice, which stamps the last revision that ran, never picks one (``rows_of_runs``).
A run that drops a checksum row (a downgrade) forgets that list: what it runs again writes a
run's row.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection, Table

    from alembic_steward.catalog import Difference

STAMP_DIFFERENCES_TABLE = "alembic_stamp_differences"
# The exit code of a database that differs from what its revision builds (docs/decisions.md).
DIFFERS_EXIT_CODE = 9
# Opens ``stamped_revisions`` in the row listing the revisions the stamp wrote checksum rows for
# without running them: never a revision id (ids hold no spaces), so no stamp's row reads as it.
WROTE_ROWS = "wrote rows: "


class StampedAhead(CommandError):
    """An upgrade with nothing to run over a database a stamp recorded as what it is not."""

    exit_code = DIFFERS_EXIT_CODE


@functools.cache
def stamp_differences_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table, Text

    return Table(
        STAMP_DIFFERENCES_TABLE,
        MetaData(),
        Column("stamped_revisions", String(255), nullable=False),
        Column("warning", Text, nullable=False),
    )


def record_stamp_differences(
    connection: Connection, heads: tuple[str, ...], warning: str, wrote: Sequence[str] = ()
) -> None:
    """Keep the warning of the stamp that recorded ``heads`` (empty: it found no difference),
    replacing an older one, and the revisions it wrote checksum rows for (``wrote``)."""
    table = stamp_differences_table()
    table.create(connection, checkfirst=True)
    connection.execute(table.delete())
    connection.execute(table.insert().values(stamped_revisions=" ".join(heads), warning=warning))
    if wrote:
        listed = WROTE_ROWS + " ".join(sorted(wrote))
        connection.execute(table.insert().values(stamped_revisions=listed, warning=""))


def stamp_row(connection: Connection) -> Any:
    """The row of the stamp itself (stamped_revisions, warning), not its list of rows written."""
    from sqlalchemy import select

    table = stamp_differences_table()
    query = select(table.c.stamped_revisions, table.c.warning)
    return connection.execute(
        query.where(~table.c.stamped_revisions.startswith(WROTE_ROWS))
    ).first()


def rows_the_stamp_wrote(connection: Connection, heads: Sequence[str]) -> set[str]:
    """The revisions the stamp that recorded ``heads`` (the version table's) wrote checksum rows
    for without running them; none when another stamp, or no stamp, recorded them."""
    from sqlalchemy import select

    if not stamp_recorded(connection, heads):
        return set()
    table = stamp_differences_table()
    listed = table.c.stamped_revisions.startswith(WROTE_ROWS)
    row = connection.execute(select(table.c.stamped_revisions).where(listed)).first()
    return set() if row is None else set(row.stamped_revisions.removeprefix(WROTE_ROWS).split())


def rows_of_runs(connection: Connection) -> set[str]:
    """The revisions whose checksum row a run wrote: every row but those the stamp that recorded
    the version table's revisions wrote for work it did not run (a stamp's row says applied, not
    ran: advice that stamps the last revision that ran must not pick one of those)."""
    from alembic_steward.runtime._revision_checksums import recorded_values
    from alembic_steward.runtime._state_after_failure import version_heads

    rows = set(recorded_values(connection))
    if not rows:
        return rows
    return rows - rows_the_stamp_wrote(connection, version_heads(connection))


def rows_before_stamp(connection: Connection, heads: Sequence[str]) -> tuple[set[str], set[str]]:
    """Read before a stamp from ``heads``: the revisions with a checksum row (and those a
    downgrade reverted with an empty downgrade(), whose work stayed), and those of them the
    stamp that recorded ``heads`` wrote (still not runs: the next stamp lists them too).
    A read that began a transaction ends it: Alembic would take an open one as the caller's."""
    from alembic_steward.runtime._downgrade_runs import record_here
    from alembic_steward.runtime._revision_checksums import recorded_values

    began = not connection.in_transaction()
    try:
        # Reverted by an empty downgrade(), the database still as it left them: their work is
        # here, as a run's row would say (runtime/_downgrade_runs.py).
        record = record_here(connection, list(heads)) or {}
        emptied = set(record.get("empty", []))
        return set(recorded_values(connection)) | emptied, rows_the_stamp_wrote(connection, heads)
    finally:
        if began and connection.in_transaction():
            connection.rollback()


def rows_a_stamp_wrote(connection: Connection, before: tuple[set[str], set[str]]) -> set[str]:
    """The rows no run wrote once a stamp ran (``before``: :func:`rows_before_stamp`): those it
    wrote, and those an earlier stamp wrote that are still there."""
    from alembic_steward.runtime._revision_checksums import recorded_values

    rows, stamps = before
    after = set(recorded_values(connection))
    return (after - rows) | (stamps & after)


def forget_rows_written(connection: Connection) -> None:
    """A run dropped checksum rows (a downgrade): the revisions a stamp wrote rows for may run
    now, and write a run's row, so the stamp's list no longer tells which rows are its own."""
    table = stamp_differences_table()
    connection.execute(table.delete().where(table.c.stamped_revisions.startswith(WROTE_ROWS)))


def stamped_over_differences(connection: Connection, heads: Sequence[str]) -> bool:
    """Whether the stamp that recorded ``heads`` found the database differing from their build
    (its warning is kept): what differs may be what the stamp skipped, not a hand change."""
    from sqlalchemy import inspect

    began = not connection.in_transaction()
    try:
        if not inspect(connection).has_table(STAMP_DIFFERENCES_TABLE):
            return False
        row = stamp_row(connection)
    finally:
        if began and connection.in_transaction():
            connection.commit()  # a read: the caller's connection is left as it was handed in
    built = {revision for revision in heads if revision != "base"}
    return row is not None and row.warning != "" and set(row.stamped_revisions.split()) == built


def stamp_recorded(connection: Connection, heads: Sequence[str]) -> bool:
    """Whether a stamp (`inv db.stamp`, the deploy `stamp`, raw `alembic stamp`) recorded
    ``heads``, the version table's, with or without differences."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table(STAMP_DIFFERENCES_TABLE):
        return False
    row = stamp_row(connection)
    built = {revision for revision in heads if revision != "base"}
    return row is not None and set(row.stamped_revisions.split()) == built


def stamp_differences_line(
    connection: Connection,
    heads: tuple[str, ...],
    opening: str = "nothing to run",
    *,
    clear: bool = False,
) -> str | None:
    """The refusal of an upgrade with nothing to run at ``heads`` (or of what ``opening``
    says), when a stamp kept its differences there and the database still differs; None
    otherwise. ``clear``: a run that writes anyway (the upgrade) clears a record whose
    differences are gone."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table(STAMP_DIFFERENCES_TABLE):
        return None
    row = stamp_row(connection)
    if row is None or row.warning == "" or set(row.stamped_revisions.split()) != set(heads):
        return None
    warning = differences_now(connection, heads, row.warning)
    if warning is None:
        if clear:
            table = stamp_differences_table()
            connection.execute(table.update().where(~written_rows_listed(table)).values(warning=""))
        return None
    from alembic_steward.runtime._half_applied_marks import describe_heads, stamp_command

    at = describe_heads(heads)
    warning = warning.removeprefix("warning: ")
    # The comparison names the revision the database is, when one build matches it. Never
    # `--accept-differences`: it records the revision, and every command still says exit 9.
    advice = (
        ""
        if "record that with" in warning
        else (
            f"; undo those differences by hand, or stamp the revision it is with"
            f" {stamp_command(['REV'])}"
        )
    )
    return f"{opening}, but the stamp that recorded {at} found that {warning}{advice}"


def differences_now(connection: Connection, heads: tuple[str, ...], recorded: str) -> str | None:
    """The warning of the stamp's differences as the live database has them now (the stamp's
    ``recorded`` one when no scratch database can show them); None when they are gone.

    Read again, never trusted: the advice the stamp printed (drop a column added by hand) is
    followed by hand, which no bookkeeping sees, and `inv db.status` compares the live database;
    a record kept as the stamp wrote it refused the upgrade, naming what was no longer there,
    while status said up to date. A stamp over differences is rare, so its readers pay for a
    scratch build only then.
    """
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._stamp_comparison import compare_stamp_target
    from alembic_steward.runtime._state_after_failure import outer_run_kept

    script = ScriptDirectory.from_config(build_alembic_config())
    # Inside an upgrade's run: the scratch build's Alembic would remove the run's `op`.
    with outer_run_kept():
        compared = compare_stamp_target(script, heads or "base", connection)  # type: ignore[arg-type]
    if compared.warning is None:
        return None
    if not compared.differs:
        return recorded
    # The record explains what the stamp found, nothing made since: a hand change after it is
    # judged as any hand change (the upgrade runs over an unrelated hand view), and a record
    # whose differences were all fixed by hand no longer blocks.
    still = [each for each in compared.differences if was_recorded(each, recorded)]
    if not still:
        return None
    if len(still) == len(compared.differences):
        return compared.warning
    return compared.warning_naming(still)


def was_recorded(difference: Difference, recorded: str) -> bool:
    """Whether the stamp's ``recorded`` warning (`... builds by: A, B; why`) names
    ``difference``'s object with the same change (a different one's facts may have moved)."""
    found = recorded.partition(" builds by: ")[2].partition("; ")[0]
    named = f"{difference.change} {difference.kind} {difference.subject}"
    listed = f", {found}, "
    return f", {named}, " in listed or f", {named} (" in listed


def written_rows_listed(table: Table) -> Any:
    """The condition picking the row that lists the checksum rows a stamp wrote."""
    return table.c.stamped_revisions.startswith(WROTE_ROWS)


def refuse_upgrade_over_differing_stamp(connection: Connection, heads: tuple[str, ...]) -> None:
    line = stamp_differences_line(connection, heads, clear=True)
    if line is not None:
        raise StampedAhead(line)


def compare_raw_stamp(
    connection: Connection,
    script: ScriptDirectory,
    before: Sequence[str],
    rows: tuple[set[str], set[str]],
) -> str | None:
    """After raw `alembic stamp` (env.py's run) from ``before`` (``rows``: read then, by
    :func:`rows_before_stamp`), compare and keep or clear the mark as `inv db.stamp` does, with
    the rows the stamp wrote; return the warning to print, if any."""
    from alembic_steward.runtime._stamp_comparison import StampComparison, compare_stamp_target
    from alembic_steward.runtime._state_after_failure import version_heads

    heads = version_heads(connection)
    wrote = sorted(rows_a_stamp_wrote(connection, rows))
    if connection.in_transaction():
        connection.commit()
    # Listed before the comparison, which names the last revision that ran by the rows: those
    # this stamp just wrote are not runs (inspection/_recorded_runs.py).
    with connection.begin():
        keep_stamp_comparison(connection, heads, StampComparison(), wrote)
    compared = compare_stamp_target(script, heads or "base", connection)  # type: ignore[arg-type]
    if connection.in_transaction():
        # The comparison's reads (the checksum rows it names runs by) began one: ended, as
        # the record below is its own transaction.
        connection.commit()
    with connection.begin():
        keep_stamp_comparison(connection, heads, compared, wrote)
    if compared.warning is not None:
        return compared.warning
    # The schema is what the stamp records: its data may not be, as `inv db.stamp` says.
    from alembic_steward.inspection._stamped_data_steps import unrun_data_steps_line

    ran_before = rows[0] - rows[1]
    try:
        return unrun_data_steps_line(
            connection, script, list(before), list(heads), ran_before, rows[1]
        )
    finally:
        if connection.in_transaction():
            connection.commit()  # a read: the run's connection is left as the stamp left it


def keep_stamp_comparison(
    connection: Connection, heads: tuple[str, ...], compared: Any, wrote: Sequence[str] = ()
) -> None:
    """Record the stamp, with the comparison's differences for the upgrade to refuse on, and
    the revisions it wrote checksum rows for without running them (``wrote``)."""
    warning = compared.warning if compared.differs else ""
    record_stamp_differences(connection, heads, warning, wrote)
