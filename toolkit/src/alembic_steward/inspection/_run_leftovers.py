"""Which of a database's differences from its revision's build a stopped run could have left.

A MySQL/MariaDB run that stopped half-way leaves its mark (runtime/_half_applied_marks.py), and
the repairs (`db.clear-migration-mark`, a stamp over the mark: runtime/_repair_targets.py)
refuse while what it left is still there. A run changes only what its revisions change, so a
difference on an object those revisions build alike on both sides of the run (a trigger made
by hand before it) is no leftover of it: it was there before, and no rerun trips on it. The
objects the revisions change are read from their builds, two descriptions kept by earlier
comparisons (inspection/_kept_builds.py) or one scratch database migrated from one to the other.
A run stops anywhere inside its revision, and MySQL/MariaDB keep what it made up to there, so
what the revisions name in their files counts as theirs too: a column a revision adds and drops
again (no build has it), a table made before the statement that fails on the scratch database.
A primary key renamed by hand counts by its names, not by its table's: a revision that adds a
column to the table leaves its key's name alone.
"""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog, Difference

# A difference as compared: its kind and subject (`trigger`, `notes.bump`).
Subject = tuple[str, str]
T = TypeVar("T")
# Set while the revisions run on the scratch database here: the stopped one usually fails
# there again, and that failure's own state read (runtime/_state_after_failure.py) would
# build another scratch database to split, and so on.
_BUILDING: ContextVar[bool] = ContextVar("alembic_steward_run_leftovers", default=False)


def building() -> bool:
    """Whether a run here is building the revisions' scratch database (its failures are
    probes: nothing to read of them)."""
    return _BUILDING.get()


def split_by_run(
    connection: Connection, differences: list[Difference], older: list[str], newer: list[str]
) -> tuple[list[Difference], list[Difference]]:
    """(the ``differences`` on objects the revisions from ``older`` to ``newer`` change, the
    others: made by hand, not by a run of those revisions). When their builds cannot be read,
    every difference is counted as the run's, as before this split was made."""
    built = changed_between(connection, older, newer)
    if built is None:
        return differences, []
    changed, _whole = built
    # A run stops anywhere inside its revision, so what it touches on the way counts too (a
    # column added, then dropped: its build lacks it before and after alike).
    text = revisions_text(real(older), real(newer))

    def the_run_s(difference: Difference) -> bool:
        return (difference.kind, difference.subject) in changed or named_in(difference, text)

    ran = [d for d in differences if the_run_s(d)]
    return ran, [d for d in differences if not the_run_s(d)]


def changed_between(
    connection: Connection, older: list[str], newer: list[str]
) -> tuple[set[Subject], bool] | None:
    """(what differs between the builds of ``older`` and ``newer`` (a later revision), as
    (kind, subject); whether ``newer`` was built whole, or only up to a revision failing on
    the way); None when not even ``older`` can be built."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._drift_sides import described_schemas
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.runtime._interruptions import HeldSignal

    # Never after a stop signal: the build runs the stopped revision again, the very code the
    # user just stopped (a sleep, a long data migration).
    if building() or HeldSignal.received is not None:
        return None
    schemas = described_schemas(connection)
    token = _BUILDING.set(True)
    try:
        before, after, whole = off_the_event_loop(
            builds, connection, real(older), real(newer), schemas
        )
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError):
        return None
    finally:
        _BUILDING.reset(token)
    return {(d.kind, d.subject) for d in compare_catalogs(before, after)}, whole


def off_the_event_loop(function: Callable[..., T], *arguments: object) -> T:
    """``function(*arguments)``, in a thread of its own when this one runs an asyncio event loop
    (an asyncio service reading the state after its failed run): the revisions' code run on the
    scratch database then reaches no task of the service's, where a revision calling
    `asyncio.current_task().cancel()` would cancel the very run that reads the state."""
    import asyncio
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*arguments)
    context = contextvars.copy_context()  # with _BUILDING set, as here
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, function, *arguments).result()


def real(revisions: list[str]) -> list[str]:
    return [revision for revision in revisions if revision != "base"]


def builds(
    connection: Connection, older: list[str], newer: list[str], schemas: list[str]
) -> tuple[Catalog, Catalog, bool]:
    """The descriptions of what ``older`` and ``newer`` build, and whether ``newer``'s is
    whole: kept ones where there are, else one scratch database built to ``older`` and
    migrated on to ``newer``, described as it stands if a revision fails on the way."""
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._kept_builds import keep_build, kept_build
    from alembic_steward.inspection._scratch_database import revision_built, upgrade_scratch

    empty = Catalog(connection.dialect.name, {})
    before = kept_build(connection, older, schemas) if older else empty
    after = kept_build(connection, newer, schemas) if newer else empty
    if before is not None and after is not None:
        return before, after, True
    with revision_built(blocking_url(connection), older) as scratch:
        before = live_catalog(scratch, schemas)
        try:
            for revision in newer:
                upgrade_scratch(scratch, revision)
        except Exception:  # noqa: BLE001 - whatever the revision's own code raises
            if scratch.in_transaction():
                scratch.rollback()
            return before, live_catalog(scratch, schemas), False
        after = live_catalog(scratch, schemas)
    if older:
        keep_build(connection, older, schemas, before)
    if newer:
        keep_build(connection, newer, schemas, after)
    return before, after, True


def revisions_text(older: list[str], newer: list[str]) -> str:
    """The files of the revisions after ``older`` up to ``newer``, one text ("" unreadable)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        between = script.iterate_revisions(newer, older or "base")
        return "\n".join(Path(each.path).read_text(encoding="utf-8") for each in between)
    except Exception:  # noqa: BLE001 - no history to read: names count for nothing
        return ""


def named_in(difference: Difference, text: str) -> bool:
    """Whether revision source ``text`` names ``difference``'s object (its last name part)."""
    from alembic_steward.inspection._names_in_text import names

    return any(names(text, name) for name in written_names(difference))


def written_names(difference: Difference) -> list[str]:
    """The names a revision writes to change ``difference``'s object: its own (the last part
    of its subject); for a primary key differing by its name alone, the two names, not its
    table's (its subject): a revision adding a column to the table never renames its key, and
    one that does names the key (`op.drop_constraint("pk_sales", ...)`)."""
    if difference.kind == "primary key" and difference.change == "different":
        renamed = [name for fact, *sides in difference.facts if fact == "name" for name in sides]
        if renamed and all(fact == "name" for fact, _want, _have in difference.facts):
            return [name for name in renamed if name]
    return [difference.subject.rsplit(".", 1)[-1]]


def briefs(differences: list[Difference]) -> str:
    return ", ".join(difference.brief() for difference in differences)
