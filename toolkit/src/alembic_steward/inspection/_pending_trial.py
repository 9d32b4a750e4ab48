"""Behind head on PostgreSQL or MariaDB, a database that differs from its revision (what an
incomplete downgrade left, a hand change): whether `inv db.upgrade` runs into the differences
is not guessed from the revisions' text but tried, as inspection/_pending_runs_through.py does
for what a database lacks.

A scratch database built at the live database's revision is made what the live one is, from
the live catalog's definitions (inspection/_catalog_changes.py), and described again: only
when it then is the live schema are the pending revisions run there, one at a time. Either
one fails, with the server's error, or they all run, and what then differs from what they
build is named. A failure's advice gives the statements that undo the differences only when a
second scratch database, made the same way and then undone by them, is exactly the revision's
build, from which the pending revisions ran (the caller's own scratch database). Differences
no statement here makes, or made otherwise than the live database has them, leave the trial
untried, and status keeps its earlier verdict, saying so. The rows are not tried: a scratch
database holds only what the revisions wrote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog


@dataclass(frozen=True)
class PendingTrial:
    """What the pending revisions did on a scratch database made what the live one is."""

    # Whether they were run there at all (the scratch database was made the live schema).
    tried: bool
    # The pending revision that failed there, and the server's error, in words.
    failed_at: str = ""
    error: str = ""
    # Once they all ran: how the result differs from what they build (one line each).
    remaining: tuple[str, ...] = ()
    # With a failure: statements that undo the differences, shown to let the run pass.
    undo: tuple[str, ...] = ()

    @property
    def runs_through(self) -> bool:
        """Whether they ran and left exactly what they build."""
        return self.tried and not self.failed_at and not self.remaining


NOT_TRIED = PendingTrial(tried=False)


def pending_trial(
    server: URL,
    built_at: list[str],
    later: Sequence[str],
    built: Catalog,
    live: Catalog,
    head: Catalog,
    schemas: list[str],
) -> PendingTrial:
    """Run ``later`` (the pending revisions, oldest first) on a scratch database on ``server``
    built at ``built_at`` (described: ``built``) and made what ``live`` is; ``head``: what
    they build from ``built``."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._catalog_changes import changing_statements
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

    replay = changing_statements(built, live)
    if not replay or not later:
        return NOT_TRIED
    try:
        return tried(server, built_at, later, replay, live, head, schemas, built)
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError):
        return NOT_TRIED


def tried(
    server: URL,
    built_at: list[str],
    later: Sequence[str],
    replay: list[str],
    live: Catalog,
    head: Catalog,
    schemas: list[str],
    built: Catalog,
) -> PendingTrial:
    """:func:`pending_trial` once ``replay`` makes a database ``built`` describes ``live``."""
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_changes import changing_statements
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._revision_comparison import scratch_failure_reason
    from alembic_steward.inspection._scratch_database import upgrade_scratch

    with made_like(server, built_at, replay, live, schemas) as scratch:
        if scratch is None:
            return NOT_TRIED
        for revision in later:
            try:
                upgrade_scratch(scratch, revision)
            except Exception as error:  # noqa: BLE001 - whatever the revision's own code raises
                failed_at, reason = revision, scratch_failure_reason(error, scratch)
                break
        else:
            remaining = compare_catalogs(head, live_catalog(scratch, schemas))
            return PendingTrial(True, remaining=tuple(each.brief() for each in remaining))
    undo = [] if remakes_broken(live, built) else changing_statements(live, built) or []
    shown = bool(undo) and undone_to(server, built_at, [*replay, *undo], built, schemas)
    return PendingTrial(True, failed_at, reason, undo=tuple(undo) if shown else ())


@contextmanager
def made_like(
    server: URL, built_at: list[str], statements: list[str], want: Catalog, schemas: list[str]
) -> Iterator[Connection | None]:
    """A scratch database built at ``built_at`` and changed by ``statements``, when it then is
    ``want`` (an INVALID index taken as valid: `create_index_online` builds it again either
    way); None otherwise. Dropped on leaving."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._scratch_database import revision_built

    postgresql = server.get_backend_name() == "postgresql"
    with revision_built(server, built_at) as scratch:
        try:
            if postgresql:
                # As pg_dump restores: a SQL function's body naming a table that is gone is
                # made as the live database holds it, not refused (checked when it runs).
                scratch.exec_driver_sql("SET check_function_bodies = off")
            for statement in statements:
                scratch.exec_driver_sql(statement)
            if postgresql:  # the pending revisions then run as on the live database
                scratch.exec_driver_sql("RESET check_function_bodies")
            scratch.commit()
            made = live_catalog(scratch, schemas)
        except SQLAlchemyError:  # a statement the server refused: not made so
            scratch.rollback()
            yield None
            return
        yield None if compare_catalogs(valid(want), valid(made)) else scratch


def valid(catalog: Catalog) -> Catalog:
    """``catalog`` with its indexes all valid."""
    from alembic_steward.catalog import Catalog

    objects = {
        key: {fact: value for fact, value in facts.items() if fact != "valid"}
        for key, facts in catalog.objects.items()
    }
    return Catalog(catalog.dialect, objects)


def undone_to(
    server: URL, built_at: list[str], statements: list[str], built: Catalog, schemas: list[str]
) -> bool:
    """Whether a scratch database built at ``built_at`` and changed by ``statements`` (made
    like the live database, then undone) is exactly ``built``."""
    with made_like(server, built_at, statements, built, schemas) as scratch:
        return scratch is not None


def remakes_broken(live: Catalog, built: Catalog) -> bool:
    """Whether undoing the differences would make again (or change back) an object ``built``
    has broken (inspection/_broken_builds.py): no statement that does is advised."""
    from alembic_steward.inspection._broken_routines import broken_in_catalog
    from alembic_steward.inspection._hand_fixed_objects import broken_routines_in

    broken = {item.key for item in broken_in_catalog(built) if item.key}
    broken |= set(broken_routines_in(built))
    return any(live.objects.get(key) != built.objects.get(key) for key in broken)


def trial_advice(
    where: str, trial: PendingTrial, failed_run: str = "", downgrade_left: Sequence[str] = ()
) -> str:
    """Status's advice from what the pending revisions did on the trial's scratch database;
    ``downgrade_left``: the revisions whose downgrade(), the last run here, left the
    differences (runtime/_downgrade_runs.py)."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._pending_runs_through import runs_through_advice

    if trial.runs_through:
        return runs_through_advice(where, failed_run)
    _, upgrade = stamp_and_upgrade_commands()
    tried = (
        " (tried on a scratch database built at its revision and made what the database is;"
        " its rows are not tried)"
    )
    if not trial.failed_at:
        left = ", ".join(trial.remaining)
        return (
            f"the database is not what its revision builds {where}, but the pending migrations"
            f" run through them{tried}, and leave what they do not build: {left}; run"
            f" {upgrade}, then undo those by hand or keep them in a new revision"
        )
    failing = f"{upgrade} fails at revision {trial.failed_at} ({trial.error}){tried}"
    if trial.undo:
        statements = "; ".join(f"`{statement}`" for statement in trial.undo)
        undo = (
            f"undo them first ({statements}: with them the migrations run, tried the same"
            f" way; a DROP drops the rows it names too), then {upgrade}"
        )
    else:
        undo = f"undo them by hand first, then {upgrade}"
    # The trial holds no row of this database: a failure on them is not ruled out.
    rows = f"; {failed_run}: if that was on the rows, fix them too" if failed_run else ""
    if downgrade_left:
        from alembic_steward.runtime._downgrade_runs import recorded_makers

        whose, _, those = recorded_makers(list(downgrade_left))
        rows += (
            f"; {whose}, the last run recorded here, most likely left them: make {those} undo"
            " them too"
        )
    return f"the database is not what its revision builds {where}, and {failing}: {undo}{rows}"


def not_tried_note(trial: PendingTrial | None) -> str:
    """What follows a verdict guessed from the revisions' text, where the trial was not made."""
    if trial is None or trial.tried:
        return ""
    return (
        " (not tried on a scratch database: a difference is not one it can be made to have"
        " as the database has it)"
    )
