"""Destructive tasks beyond downgrade: stamp, redo and reset, each guarded by the environment."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.runtime._waited_runs import holding_migration_lock
from alembic_steward.tasks._migrate import announce_reverts
from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._recovery import (
    TENANT_REPAIR_HELP,
    TENANT_REPAIR_OPTIONS,
    for_tenant,
    one_tenant_at_a_time,
)
from alembic_steward.tasks._task_options import YES_HELP, LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error, without_password


@task(
    klass=LongOnlyOptions,
    # No -p for --purge: -p is db.upgrade's --phase.
    long_only=(*TENANT_REPAIR_OPTIONS, "accept_differences", "purge"),
    help={
        "revision": "Revision to record: an id (e.g. 4f8376af1811), head or base; not a step",
        "accept_differences": "Record the revision as the schema is, although it is not what"
        " the revision builds (refused over a half-applied mark without it)",
        "purge": "Empty the version table first, even of revisions this checkout does not have",
        "yes": YES_HELP,
        **TENANT_REPAIR_HELP,
    },
)
@exit_on_user_error
def stamp(
    c: Context,
    revision: str | None = None,
    purge: bool = False,
    yes: bool = False,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenant: str | None = None,
    tenancy: str | None = None,
    accept_differences: bool = False,
) -> None:
    """Record a revision in the database without running any migration."""
    one_tenant_at_a_time("db.stamp", all_tenants)
    # An optional flag, not a positional argument: `inv db.stamp --help` must show help.
    if not revision:
        raise Exit(
            "error: say which revision to record, the last one whose work the database holds:"
            " `inv db.stamp -r REV` (ids: `inv db.history`); nothing was changed",
            code=1,
        )
    from alembic_steward.runtime._repairs import RepairRefused, check_stamp_target, stamp_database

    def confirmed_stamp() -> list[str]:
        # Asked once a tenant named is known to exist: none is asked about a mistyped one.
        confirm_destructive(c, "stamp", yes)
        return stamp_database(revision, purge=purge, accept_differences=accept_differences)

    try:
        check_stamp_target(revision)  # before the question: a relative step is never asked about
        lines = for_tenant(tenant, tenancy, confirmed_stamp, tenants)
    except RepairRefused as refusal:
        raise Exit(f"error: {refusal}", code=1) from None
    print("\n".join(lines))


@task(help={"yes": YES_HELP})
@exit_on_user_error
def redo(c: Context, yes: bool = False) -> None:
    """Revert the last migration and apply it again, to test its downgrade."""
    from alembic import command

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import require_movable_state
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._announced_downgrade import RevertPlan, downgrade_announcing

    config = build_alembic_config()
    plan = RevertPlan(config, "-1", announce_reverts)
    confirm_destructive(c, "redo", yes, preview=plan.preview)
    # One lock for both runs: no other run can slip in between the downgrade and the upgrade;
    # one that moved the database while this waited is said, and redo reads where it left it.
    with holding_migration_lock("redo"):
        with get_blocking_engine().connect() as connection:
            current = require_movable_state(plan.script, connection).current
        if len(current) != 1:
            raise Exit(
                "error: redo needs the database at exactly one revision;"
                " check where it stands with `inv db.status`",
                code=1,
            )
        downgrade_announcing(config, "-1", plan.announce)
        if plan.reverted:
            from alembic_steward.tasks._downgrade_result import check_downgrade_result

            # The downgrade half is what redo tests: read it as `inv db.downgrade` does.
            check_downgrade_result(plan.reverted, redo=True, script=plan.script)
        command.upgrade(config, current[0])
    print(f"Applied {current[0]} again.")


@task(help={"yes": YES_HELP})
@exit_on_user_error
def reset(c: Context, yes: bool = False) -> None:
    """Drop every table, view and other object (made by hand too, with their rows) and migrate
    to head again (development only)."""
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._database_reset import empty_database, reset_failed_line
    from alembic_steward.tasks._tenants_beside import after_reset, tenants_beside

    confirm_destructive(c, "reset", yes)
    # Held from the drop to head: a concurrent upgrade cannot interleave with either.
    with holding_migration_lock():
        engine = get_blocking_engine()
        try:
            with engine.begin() as connection:
                dropped, others = empty_database(connection)
        except SQLAlchemyError as error:
            raise Exit(without_password(reset_failed_line(engine, error)), code=1) from None
        print(f"Dropped {len(dropped)} table(s): {', '.join(dropped) or 'none'}.")
        if others:
            print(f"Dropped also: {', '.join(others)}.")
        command.upgrade(build_alembic_config(), "head")
    print("Migrated to head.")
    if note := after_reset(tenants_beside(engine.url)):
        print(note)
