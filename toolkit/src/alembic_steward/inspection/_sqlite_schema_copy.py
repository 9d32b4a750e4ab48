"""SQLite: the pending revisions tried on an exact copy of the live database's schema.

Behind head, objects made by hand on a table (a view over it, a trigger on it, an index) are
what batch mode's table copy meets: SQLite checks every view and trigger when the copy is
renamed (`error in view v: no such table: main.t`), drops the table's triggers with it, and
copies the indexes SQLAlchemy reflects but not an expression one. What happens is told by
doing it, not by rules: every sqlite_master entry (tables, indexes, views, triggers) is made
again in a scratch file, with no row, the version table at the database's revision, and the
pending revisions run there one at a time (inspection/_sqlite_trial_advice.py words it).
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.inspection._pending_trial import PendingTrial

SCHEMA = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master"
    " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)
# Made in this order: what each kind reads exists before it.
ORDER = ("table", "index", "view", "trigger")
HAND_KINDS = ("index", "view", "trigger")
# `error in view vhand: ...`, `error in trigger thand: ...`: the object SQLite could not keep.
NAMED_IN_ERROR = re.compile(r"error in (view|trigger) \"?([^\s:\"]+)\"?", re.IGNORECASE)


class HandObject(NamedTuple):
    """An index, view or trigger the live database has and its revision's build lacks."""

    kind: str
    name: str
    table: str
    statement: str

    @property
    def subject(self) -> str:
        return self.name if self.kind == "view" else f"{self.table}.{self.name}"


@dataclass(frozen=True)
class SqliteTrial:
    """What the pending revisions did on the copy: where they failed and why, or which hand
    objects they dropped."""

    hand: tuple[HandObject, ...]
    failed_at: str | None = None
    reason: str = ""
    # The hand objects SQLite's error names: the ones to drop before the upgrade.
    blocking: tuple[HandObject, ...] = ()
    # Each hand object the revisions ran past but dropped, and the revision that dropped it.
    dropped: tuple[tuple[HandObject, str], ...] = ()
    # Each hand object they left failing that did not fail before (a trigger writing a column
    # they dropped, fired by an INSERT), and SQLite's reason.
    broken: tuple[tuple[HandObject, str], ...] = ()

    @property
    def to_undo(self) -> tuple[HandObject, ...]:
        """The hand objects to drop before the upgrade: those it fails on, or leaves failing."""
        return self.blocking + tuple(each for each, _ in self.broken)


def schema_entries(connection: Connection) -> list[tuple[str, str, str, str]]:
    """Every sqlite_master entry with a statement: (type, name, table, sql), in ORDER."""
    rows = [tuple(row) for row in connection.exec_driver_sql(SCHEMA).fetchall()]
    return sorted(rows, key=lambda row: ORDER.index(row[0]) if row[0] in ORDER else len(ORDER))


def hand_objects(
    entries: Sequence[tuple[str, str, str, str]], found: Sequence[Difference]
) -> list[HandObject]:
    """The entries that ``found`` (live against its revision's build) says the build lacks."""
    unexpected = {
        (difference.kind, difference.subject.rsplit(".", 1)[-1].lower())
        for difference in found
        if difference.change == "unexpected" and difference.kind in HAND_KINDS
    }
    return [
        HandObject(kind, name, table, sql)
        for kind, name, table, sql in entries
        if (kind, name.lower()) in unexpected
    ]


def copy_schema(
    scratch: Connection, entries: Sequence[tuple[str, str, str, str]], revisions: Sequence[str]
) -> None:
    """Make ``entries`` in the empty ``scratch``, its version table recording ``revisions``."""
    from sqlalchemy import text

    from alembic_steward.inspection._baseline import version_table_name

    for _kind, _name, _table, sql in entries:
        scratch.exec_driver_sql(sql)
    table, _ = version_table_name()
    quoted = scratch.dialect.identifier_preparer.quote(table)
    for revision in revisions:
        scratch.execute(text(f"INSERT INTO {quoted} (version_num) VALUES (:r)"), {"r": revision})
    scratch.commit()


def sqlite_trial(
    live: Connection, built_at: Sequence[str], later: Sequence[str], found: Sequence[Difference]
) -> SqliteTrial | None:
    """Run ``later`` (the pending revisions, oldest first) on a copy of ``live``'s schema at
    ``built_at``; None when it is not SQLite, nothing of ``found`` is a hand-made index, view
    or trigger, or no copy could be made."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

    if live.dialect.name != "sqlite" or not later:
        return None
    entries = live_entries(live)
    hand = tuple(hand_objects(entries, found))
    if not hand or len(hand) != len(found):  # another difference: the earlier verdicts stand
        return None
    try:
        with schema_copy(live, entries, built_at) as scratch:
            return pending_tried(scratch, hand, later)
    except (ScratchDatabaseRefused, SQLAlchemyError):
        return None


def live_entries(live: Connection) -> list[tuple[str, str, str, str]]:
    """``live``'s sqlite_master entries, the connection left as it was handed in."""
    began = not live.in_transaction()
    entries = schema_entries(live)
    if began:
        live.rollback()  # a read: nothing of it stays open
    return entries


@contextmanager
def schema_copy(
    live: Connection, entries: Sequence[tuple[str, str, str, str]], built_at: Sequence[str]
) -> Iterator[Connection]:
    """A scratch SQLite file beside ``live``'s holding ``entries`` (no rows) at ``built_at``;
    a connection to it, the file removed after. Raises ScratchDatabaseRefused or
    SQLAlchemyError when it cannot be made."""
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes
    from alembic_steward.inspection._scratch_database import scratch_database, scratch_engine

    with scratch_database(blocking_url(live), "trial") as url:
        engine = scratch_engine(url)
        try:
            with engine.connect() as scratch, warnings.catch_warnings():
                # Batch mode's reflection skips an expression index: the copy's loss, said.
                ignore_skipped_expression_indexes()
                copy_schema(scratch, entries, built_at)
                yield scratch
        finally:
            engine.dispose()


def pending_tried(
    scratch: Connection, hand: tuple[HandObject, ...], later: Sequence[str]
) -> SqliteTrial:
    """Upgrade the copy ``scratch`` through ``later`` one at a time, noting what each does to
    the ``hand`` objects. A failure SQLite blames on some of them is tried past, as the advice
    goes (those dropped first), so the one status also says what the upgrade then drops."""
    from alembic_steward.runtime._batch_losses import CopyDefinitions

    # What the batch copies meet, as the live run's watch reads it (runtime/_batch_losses.py).
    copies = CopyDefinitions(scratch)
    try:
        return tried_through(scratch, hand, later, copies.found)
    finally:
        copies.close()


def tried_through(
    scratch: Connection,
    hand: tuple[HandObject, ...],
    later: Sequence[str],
    at_copy: dict[tuple[str, str], tuple[str, str]],
) -> SqliteTrial:
    """:func:`pending_tried`'s run, each object dropped named as the batch copy met it last
    (``at_copy``, filled as it goes): after a RENAME of its table, `ON patrons`, not `ON t`."""
    failing_before = failing(scratch, hand)
    dropped: dict[HandObject, str] = {}
    first: tuple[str, str] | None = None  # the failure the hand objects caused, if one did
    blocking: list[HandObject] = []
    for revision in later:
        while (failure := upgrade_failure(scratch, revision)) is not None:
            named = [each for each in named_in(failure, hand) if each not in blocking]
            if not named:  # the revision's own failure: the objects are not what to undo
                return SqliteTrial(hand, revision, failure)
            first = first or (revision, failure)
            blocking += named
            for each in named:
                scratch.exec_driver_sql(f"DROP {each.kind.upper()} {quoted(scratch, each.name)}")
            scratch.commit()
        there = {(kind, name.lower()) for kind, name, *_ in schema_entries(scratch)}
        for each in hand:
            if (each.kind, each.name.lower()) not in there and each not in blocking:
                dropped.setdefault(each, revision)
    after = failing(scratch, hand)
    broken = tuple(
        (each, reason)
        for each, reason in after.items()
        if each not in dropped and each not in failing_before
    )
    failed_at, reason = first or (None, "")
    lost = tuple((as_copied(each, at_copy), revision) for each, revision in dropped.items())
    return SqliteTrial(hand, failed_at, reason, tuple(blocking), lost, broken)


def as_copied(each: HandObject, at_copy: dict[tuple[str, str], tuple[str, str]]) -> HandObject:
    """``each`` with its table and statement as the batch copy that dropped it met them."""
    table, statement = at_copy.get((each.kind, each.name.lower()), (each.table, each.statement))
    return each._replace(table=table, statement=statement)


def upgrade_failure(scratch: Connection, revision: str) -> str | None:
    """Upgrade ``scratch`` to ``revision``; why it failed, briefly, or None."""
    from alembic_steward.inspection._revision_comparison import scratch_failure_reason
    from alembic_steward.inspection._scratch_database import upgrade_scratch

    try:
        upgrade_scratch(scratch, revision)
    except Exception as error:  # noqa: BLE001 - whatever the revision's own code raises
        scratch.rollback()  # what the failed step did, as the live run rolls it back
        return scratch_failure_reason(error, scratch)
    return None


def quoted(scratch: Connection, name: str) -> str:
    return scratch.dialect.identifier_preparer.quote(name)


def failing(scratch: Connection, hand: Sequence[HandObject]) -> dict[HandObject, str]:
    """The views of ``hand`` that cannot be read and its triggers that fail when they fire
    (inspection/_sqlite_trigger_failures.py), with SQLite's reason."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._sqlite_trigger_failures import SCHEMA as TRIGGERS
    from alembic_steward.inspection._sqlite_trigger_failures import trigger_failures
    from alembic_steward.runtime._driver_errors import error_reason

    rows = [tuple(row) for row in scratch.exec_driver_sql(TRIGGERS).fetchall()]
    triggers = {name.lower(): reason for (_, name), reason in trigger_failures(rows).items()}
    found = {}
    for each in hand:
        if each.kind == "trigger" and each.name.lower() in triggers:
            found[each] = triggers[each.name.lower()]
        elif each.kind == "view":
            try:
                scratch.exec_driver_sql(f"SELECT * FROM {quoted(scratch, each.name)} LIMIT 0")
            except DBAPIError as error:
                found[each] = error_reason(error)
    return found


def named_in(reason: str, hand: Sequence[HandObject]) -> tuple[HandObject, ...]:
    """The hand objects SQLite's error ``reason`` names (`error in view vhand: ...`)."""
    named = {(kind.lower(), name.lower()) for kind, name in NAMED_IN_ERROR.findall(reason)}
    return tuple(each for each in hand if (each.kind, each.name.lower()) in named)


def only_hand_objects(found: Sequence[Difference]) -> bool:
    """Whether every difference of ``found`` is an index, view or trigger the database has in
    addition: :func:`sqlite_trial` words those object by object."""
    return all(
        difference.change == "unexpected" and difference.kind in HAND_KINDS for difference in found
    )


def copy_trial(
    live: Connection, built_at: Sequence[str], later: Sequence[str], head: Catalog, schemas: list
) -> PendingTrial | None:
    """Run ``later`` (the pending revisions, oldest first) on an exact copy of ``live``'s schema
    at ``built_at`` (a hand-made column or constraint is in its table's statement), and say
    what they did as the other servers' replay says it (inspection/_pending_trial.py): the
    revision that failed there, or what the result has that ``head`` (their build from the
    revision, without the differences) lacks. None off SQLite, or when no copy could be made."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._pending_trial import PendingTrial
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

    if live.dialect.name != "sqlite" or not later:
        return None
    try:
        with schema_copy(live, live_entries(live), built_at) as scratch:
            for revision in later:
                failure = upgrade_failure(scratch, revision)
                if failure is not None:
                    return PendingTrial(tried=True, failed_at=revision, error=failure)
            left = compare_catalogs(head, live_catalog(scratch, schemas))
            return PendingTrial(tried=True, remaining=tuple(d.brief() for d in left))
    except (ScratchDatabaseRefused, SQLAlchemyError):
        return None
