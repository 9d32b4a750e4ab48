"""Drift read from catalogs: the live database against the models and against its own revision.

Three descriptions, each read from a real catalog (catalog/): the live database; the models,
built by `metadata.create_all` in a scratch database (inspection/_models_catalog.py); and, only
when those two differ, the live database's own revision, built by its migrations in another
scratch database. That third one tells the sides apart: what the database has that its
revision does not build is the database's doing (exit 9, write no revision for it); what the
models have that the migrations do not build needs a revision. Autogenerate's revision for the
latter is then run on that scratch database too, and whatever still differs is what
autogenerate cannot write, to be written by hand.

Where no scratch database can be made, the comparison falls back to autogenerate's
(inspection/_drift.py) and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alembic_steward.inspection._by_hand import MODELS, NEVER_WRITTEN, by_hand_line
from alembic_steward.inspection._drift import ModelDrift
from alembic_steward.inspection._drift_sides import DriftSides

NOT_COMPARED = DriftSides(database=None, models=None)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from sqlalchemy import Connection, MetaData

    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.inspection._broken_routines import Broken

DATABASE = "the database"
MIGRATIONS, OWN_REVISION = "the migrations", "what its revision builds"


@dataclass(frozen=True)
class Drift:
    """How the models and the database differ, each side apart; ``note`` when only partly read."""

    models: ModelDrift
    sides: DriftSides
    note: str | None = None
    # The live database's triggers naming a column their table lacks
    # (inspection/_broken_routines.py): they fail whatever builds them.
    broken: tuple[Broken, ...] = ()


def ignored_tables() -> set[str]:
    """Alembic's version table and the bookkeeping tables: never the models' business."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._bookkeeping import BOOKKEEPING_TABLES

    version_table = active_steward().context_options.get("version_table", "alembic_version")
    return {*BOOKKEEPING_TABLES, version_table}


def every_schema_in_scope() -> bool:
    """Whether every schema of a PostgreSQL database is the service's: not where its tenants
    are schemas of one database (runtime/_tenancy.py), each other tenant's being another."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import bound_tenant

    steward = active_steward()
    tenant = bound_tenant()
    schema_tenants = steward.tenants is not None and steward.tenancy == "schema"
    return not schema_tenants and (tenant is None or tenant.schema is None)


def live_catalog(connection: Connection, schemas: list[str]) -> Catalog:
    """``connection``'s description: the default schema and ``schemas`` in full, and (where
    `every_schema_in_scope`) the name of every other schema, so a hand-made one is seen."""
    from alembic_steward.catalog import describe_catalog

    catalog = describe_catalog(
        connection,
        schemas=schemas,
        ignore_tables=ignored_tables(),
        every_schema=every_schema_in_scope(),
    )
    if connection.in_transaction():
        connection.commit()  # a read: end it, so no lock is held past the description
    return catalog


@contextmanager
def models_described_meanwhile(connection: Connection) -> Iterator[Future[Catalog]]:
    """Describe the models beside ``connection``'s database on a thread of their own while the
    block runs; yield the Future of that description, to pass to `read_drift`.

    A description not kept yet is built in a scratch database, which mostly waits for the
    server; the block meanwhile reads the revisions (their checksums, the edits). The models
    are imported here, on the caller's thread. The Future's result is `models_catalog`'s, or
    raises its ModelsNotDescribable. The thread uses nothing of ``connection`` but its URL and
    dialect. When the block raises (an interrupt, an error), the build starts no more
    statements and keeps nothing; the interpreter waits for the thread at exit, so its scratch
    database is always dropped. Models the server refuses raise UnbuildableModels instead of
    ModelsNotDescribable: no comparison helps there, and a revision written for them fails.
    """
    from concurrent.futures import ThreadPoolExecutor

    from alembic_steward.inspection._models_catalog import import_build_modules
    from alembic_steward.runtime._helper_threads import leave_stop_signals_to_the_main_thread

    metadata, ignored, stop = imported_metadata(), ignored_tables(), threading.Event()
    # Imported here, not by the thread: two threads importing one chain could deadlock.
    import_build_modules(connection.dialect.name)
    builder = ThreadPoolExecutor(
        1,
        thread_name_prefix="models-catalog",
        initializer=leave_stop_signals_to_the_main_thread,
    )
    try:
        future = builder.submit(buildable_models_catalog, connection, metadata, ignored, stop=stop)
    finally:
        builder.shutdown(wait=False)
    try:
        yield future
    except BaseException:
        stop.set()
        raise


def buildable_models_catalog(
    connection: Connection, metadata: MetaData, ignored: set[str], *, stop: threading.Event
) -> Catalog:
    """`models_catalog`, with models the server refuses raised as UnbuildableModels (its one
    line names the table and the server's reason)."""
    from alembic_steward.inspection._models_catalog import ModelsNotDescribable, models_catalog
    from alembic_steward.inspection._unbuildable_defaults import refused_models

    try:
        return models_catalog(connection, metadata, ignored, stop=stop)
    except ModelsNotDescribable as reason:
        if reason.server_refuses:
            raise refused_models(reason.table, reason.server_said, connection.dialect) from None
        raise


def describe_models(connection: Connection) -> Catalog:
    """The models' description, on this thread (`buildable_models_catalog`: models the server
    refuses are its UnbuildableModels here too, not a comparison through autogenerate, whose
    drift would advise the revision that refuses them)."""
    return buildable_models_catalog(
        connection, imported_metadata(), ignored_tables(), stop=threading.Event()
    )


def imported_metadata() -> MetaData:
    """The models' MetaData, their modules imported first."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._model_modules import import_model_modules

    import_model_modules()
    return active_steward().get_metadata()


def read_drift(
    connection: Connection,
    current: list[str],
    *,
    sides: bool = True,
    actual: str = DATABASE,
    models: Future[Catalog] | None = None,
) -> Drift:
    """Compare the database (at ``current``, its revisions) with the models, side by side.

    With ``sides`` false, only the models against the database (called ``actual`` in the
    lines): no scratch database for the revision (when the history is edited, its rebuild
    would not be the database's). ``models``: their description from
    `models_described_meanwhile`, or None to describe them now. Where the live catalog was
    read, what in it fails is named too, by the upgrade's look (inspection/_broken_now.py).
    """
    from alembic_steward.inspection._broken_now import broken_now

    drift, live = drift_and_live(connection, current, sides, actual, models)
    return replace(drift, broken=broken_now(connection, live)) if live is not None else drift


def drift_and_live(
    connection: Connection,
    current: list[str],
    sides: bool,
    actual: str,
    models: Future[Catalog] | None,
) -> tuple[Drift, Catalog | None]:
    """:func:`read_drift`, and the live catalog it read (None when it read none)."""
    from alembic_steward.catalog import compare_catalogs, compare_with_models
    from alembic_steward.inspection._models_catalog import ModelsNotDescribable, model_schemas

    schemas = model_schemas(imported_metadata())
    # The live side first, read while the models' description may still be in the making
    # (other schemas are described on PostgreSQL only: elsewhere the models' side says why).
    describable = not schemas or connection.dialect.name == "postgresql"
    live = live_catalog(connection, schemas) if describable else None
    try:
        described = describe_models(connection) if models is None else models.result()
    except ModelsNotDescribable as reason:
        refused = reason.scratch_refused if sides else None
        if refused is not None:  # the revision's build would be refused the same way
            from alembic_steward.inspection._unbuilt_revisions import refused_drift

            return refused_drift(refused), live
        return autogenerate_drift(connection, current, str(reason), sides=sides), live
    if live is None:
        live = live_catalog(connection, schemas)
    differences = compare_catalogs(described, live, floors=True)
    if not differences or not sides:
        # Without the revision to judge them by, what the models leave to the revisions (a
        # view, a trigger, a schema a revision made) is taken to be theirs.
        lines = [d.line(MODELS, actual) for d in compare_with_models(described, live)]
        plain = Drift(ModelDrift(lines, []), NOT_COMPARED)
        if not sides:
            return plain, live
        # The models match the database; but a change made by hand and to the models alike
        # matches too, while no revision builds it: only the revision's build can tell.
        drift = sides_of(connection, current, described, live, differences)
        if drift.sides.skipped:  # the match is the models' alone: said where it is printed
            return replace(plain, sides=drift.sides), live
        return (drift if drift.sides.database else plain), live
    return sides_of(connection, current, described, live, differences), live


def models_against_migrations(connection: Connection) -> Drift:
    """How the models differ from a database the migrations built (the baked test's check).

    The differences are ``models.lines`` (one line each, ``[]`` when they match); ``note`` says
    how they were compared when only partly (autogenerate's comparison, and why); ``sides`` is
    not compared.
    """
    return read_drift(connection, [], sides=False, actual=MIGRATIONS)


def autogenerate_drift(
    connection: Connection, current: list[str], reason: str, *, sides: bool = True
) -> Drift:
    from alembic_steward.inspection._drift import read_model_drift
    from alembic_steward.inspection._drift_sides import compare_drift_sides

    drift = read_model_drift(connection)
    compared = compare_drift_sides(connection, current) if drift.lines and sides else NOT_COMPARED
    note = f"compared through autogenerate, which misses some kinds of change: {reason}"
    return Drift(drift, compared, note=note)


def sides_of(
    connection: Connection,
    current: list[str],
    models: Catalog,
    live: Catalog,
    differences: list[Difference],
) -> Drift:
    """Build the database's own revision in a scratch database and compare both sides with it."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._kept_builds import keep_build
    from alembic_steward.inspection._later_builds import earlier_build_here
    from alembic_steward.inspection._recorded_runs import every_revision_ran
    from alembic_steward.inspection._scratch_database import (
        ScratchDatabaseRefused,
        revision_built,
    )
    from alembic_steward.inspection._unbuilt_revisions import unbuilt

    as_drift = ModelDrift([difference.line(MODELS, DATABASE) for difference in differences], [])
    schemas = schemas_of(models)
    kept = kept_build_the_models_match(connection, current, models)
    if kept is not None and not compare_catalogs(kept, live):
        return Drift(ModelDrift([], []), DriftSides([], ModelDrift([], [])))
    try:
        if kept is not None:
            # The models need nothing the kept build lacks, so nothing is to be run on a scratch
            # database: building it again would only describe it again (a database changed by
            # hand made every status and check build one).
            drift, own = compare_with_revision(None, models, live, kept)
        else:
            with revision_built(blocking_url(connection), current) as scratch:
                built = live_catalog(scratch, schemas)
                keep_build(connection, current, schemas, built)
                drift, own = compare_with_revision(scratch, models, live, built)
        if drift.sides.lacking and every_revision_ran(connection, current):
            drift = replace(drift, sides=replace(drift.sides, lacking=False))
        if drift.sides.additions:  # a run of another branch's revision, not a hand change?
            from alembic_steward.inspection._runs_elsewhere import runs_outside_history
            from alembic_steward.inspection._sqlite_rebuild_recipe import sqlite_rebuild_recipe

            elsewhere = runs_outside_history(connection)
            # SQLite: what a plain drop cannot undo, the statements that rebuild its table.
            rebuild = sqlite_rebuild_recipe(connection, drift.sides.additions)
            sides = replace(drift.sides, runs_elsewhere=elsewhere, rebuild=rebuild)
            drift = replace(drift, sides=sides)
        # Stamped ahead of what ran? (inspection/_later_builds.py) Not where the database
        # lacks only what its build makes broken (inspection/_broken_builds.py).
        if own and not drift.sides.built_broken:
            built_by = earlier_build_here(connection, live, schemas, current, own)
            return replace(drift, sides=replace(drift.sides, built_by=built_by))
        return drift
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError) as error:
        return Drift(as_drift, unbuilt(error))


def compare_with_revision(
    scratch: Connection | None, models: Catalog, live: Catalog, built: Catalog
) -> tuple[Drift, list[Difference]]:
    """Compare the live database and the models with ``scratch``, at the database's revision
    and described as ``built``; also return how the live database differs from that build.
    ``scratch`` is used only when the models need something ``built`` lacks (None otherwise).

    What the models leave to the revisions (a view, a trigger, a schema) is judged here only:
    the database's one its revision does not build is a hand-made change.
    """
    from alembic_steward.catalog import compare_catalogs, compare_with_models
    from alembic_steward.inspection._broken_builds import lacking_only_broken
    from alembic_steward.inspection._drift_sides import additions_kept_by_models, additions_only
    from alembic_steward.inspection._enum_values import enum_values_added, enum_values_only
    from alembic_steward.inspection._hand_fixed_objects import covered_by, hand_fixes
    from alembic_steward.inspection._restoring_statements import (
        lacks_unrestored,
        restoring_statements,
    )

    own = compare_catalogs(built, live)
    database = [d.line(OWN_REVISION, DATABASE) for d in own]
    needed = compare_with_models(models, built)
    if needed and scratch is None:
        raise ValueError("the models need what the build lacks: a scratch database is needed")
    drift = split_by_autogenerate(scratch, models, built, needed) if needed else None
    drift = drift or ModelDrift([], [])
    additions = tuple(additions_only(own))
    enums = tuple(enum_values_added(own))
    broken = lacking_only_broken(own, built)
    fixed = hand_fixes(own, built, live)
    sides = DriftSides(
        database,
        drift,
        additions=additions,
        enum_values=enums,
        enum_values_alone=enum_values_only(own),
        lacking=lacks_unrestored(own, built) and not broken,
        models_hold_additions=additions_kept_by_models(built, live, models),
        restoring=() if broken else tuple(restoring_statements(own, built)),
        built_broken=broken,
        hand_fixed=fixed,
        hand_fixed_covers=covered_by(fixed, own),
    )
    return Drift(drift, sides), own


def kept_build_the_models_match(
    connection: Connection, current: list[str], models: Catalog
) -> Catalog | None:
    """A kept build of ``current`` (inspection/_kept_builds.py) that holds what the models
    need, or None: then the live database is compared with it, and nothing is built."""
    from alembic_steward.catalog import compare_with_models
    from alembic_steward.inspection._kept_builds import kept_build

    built = kept_build(connection, current, schemas_of(models))
    if built is None or compare_with_models(models, built):
        return None
    return built


def schemas_of(models: Catalog) -> list[str]:
    """The schemas besides the default one that the models' description names."""
    return sorted({key[1] for key in models.objects if key[1]})


def split_by_autogenerate(
    scratch: Connection, models: Catalog, built: Catalog, needed: list[Difference]
) -> ModelDrift:
    """Run what autogenerate would write on ``scratch`` (at the database's revision, described
    as ``built``): what it writes is one part, and what still differs from the models is to be
    written by hand. Its operations on objects both describe alike are left out, as `inv
    db.revision` leaves them out (runtime/_equal_objects.py)."""
    from alembic_steward.catalog import compare_with_models
    from alembic_steward.inspection._autogenerate_trial import run_autogenerate
    from alembic_steward.inspection._comparison_failures import (
        comparison_failure,
        raised_in_comparison,
    )
    from alembic_steward.inspection._written_part import written_part
    from alembic_steward.runtime._equal_objects import agreement

    schemas = schemas_of(models)
    metadata, dialect = imported_metadata(), scratch.dialect.name
    try:
        failures = run_autogenerate(scratch, agreement(models, built))
    except Exception as error:
        if not raised_in_comparison(error):
            raise  # a revision's own failure, or a bug: said by its caller
        # The catalogs' verdict stands; only the writing of it is left to the user.
        scratch.rollback()
        by_hand = [by_hand_line(difference, metadata, dialect=dialect) for difference in needed]
        return ModelDrift([], by_hand, autogenerate_fails=comparison_failure(error))
    left = compare_with_models(models, live_catalog(scratch, schemas))
    # What an operation that failed writes is written, not missing: the failure says so.
    failed = [".".join(part for part in table if part) for _line, table in failures]
    left = [d for d in left if d.kind in NEVER_WRITTEN or not on_any(d.subject, failed)]
    written = [difference.line(MODELS, MIGRATIONS) for difference in written_part(needed, left)]
    by_hand = [by_hand_line(difference, metadata, dialect=dialect) for difference in left]
    # What autogenerate writes but the database refuses: written, yet still to fix by hand.
    by_hand += [f"{line}: fix that by hand" for line, _table in failures]
    return ModelDrift(written, by_hand)


def on_any(subject: str, tables: list[str]) -> bool:
    """Whether ``subject`` (`audit.events`, `events.kind`, `events CHECK (...)`) is one of
    ``tables`` or something on one."""
    return any(
        table and (subject == table or subject.startswith((f"{table}.", f"{table} ")))
        for table in tables
    )
