"""Tasks that move the database along its revisions: upgrade and downgrade.

Each task calls Alembic's Python API in-process with the config from runtime/_config.py.
"""

from __future__ import annotations

import sys
from typing import Any

from invoke import Context, Exit, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._task_options import YES_HELP, LongOnlyOptions
from alembic_steward.tasks._tenants import (
    FAN_OUT_HELP,
    FAN_OUT_NICKNAMES,
    FAN_OUT_OPTIONS,
    fans_out,
    run_fan_out,
)
from alembic_steward.tasks._user_errors import exit_on_user_error

SQL_HELP = "Print the SQL instead of running it (offline; the database is not touched)"


@task(
    klass=LongOnlyOptions,
    long_only=(*FAN_OUT_OPTIONS, "json"),
    nicknames=FAN_OUT_NICKNAMES,
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or +1 (default: head)",
        "sql": SQL_HELP + "; with no range (-r FROM:TO) the SQL runs the whole history from"
        " base, as an empty database needs (`inv db.plan` prints only what the database lacks)",
        "phase": "expand: stop before the first pending contract revision; contract: to head",
        **FAN_OUT_HELP,
        "json": "With --all-tenants or --tenants: print the per-tenant report as JSON",
    },
)
@exit_on_user_error
def upgrade(
    c: Context,
    revision: str = "head",
    sql: bool = False,
    phase: str | None = None,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    canary: str | None = None,
    shard: str | None = None,
    json: bool = False,
) -> None:
    """Apply migrations up to head, or up to the revision given with -r."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    check_revision_argument(revision, ranges=sql)
    if phase is not None:
        refuse_target_with_phase(revision, sql)
    from alembic_steward.runtime._option_values import canary_count

    count = canary_count(canary)  # text: invoke would turn `--canary abc` into a ValueError
    alone = {"tenancy": tenancy, "parallel": parallel, "canary": canary, "shard": shard}
    if fans_out(all_tenants, tenants, **alone, json=json):
        refuse_sql_with_tenants(sql)
        run_fan_out(
            "upgrade",
            revision,
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=count,
            shard=shard,
            as_json=json,
            phase=phase,
        )
        return
    if sql:
        print_offline(build_alembic_config(), "upgrade", revision)
        if ":" not in revision:
            print(from_base_note(revision), file=sys.stderr)
        return
    from alembic_steward.runtime._tenants_left_out import noting_tenants_left_out
    from alembic_steward.tasks._upgrade_targets import below_database_line

    with noting_tenants_left_out("db.upgrade --all-tenants", "upgrade --all-tenants"):
        if phase is not None:
            upgrade_through_phase(phase)
            return
        config = build_alembic_config()
        refuse_upward_step_outside_history(config, revision)
        below = below_database_line(config, revision)
        if below is not None:
            print(below)
            return
        from alembic_steward.runtime._post_upgrade_look import (
            broken_after_upgrade_line,
            schema_before_upgrade,
        )

        before = schema_before_upgrade()
        command.upgrade(config, revision)
    broken = broken_after_upgrade_line(before)
    if broken is not None:
        print(broken, file=sys.stderr)
    from alembic_steward.runtime._hand_object_losses import lost_after_upgrade

    for line in lost_after_upgrade(before):
        print(line, file=sys.stderr)


def from_base_note(target: str) -> str:
    """Say that `db.upgrade --sql` without a range printed the whole history, and how to print
    only what a database lacks: a script from base fails on, or repeats, what it already has."""
    plan = "inv db.plan" if target == "head" else f"inv db.plan -r {target}"
    return (
        f"note: that SQL runs every revision from base up to {target}, as an empty database"
        f" needs; for only what a database lacks, run `{plan}` against it, or give the range"
        f" from its revision (`inv db.current`): `inv db.upgrade --sql -r FROM:{target}`"
    )


def refuse_upward_step_outside_history(config: Any, revision: str) -> None:
    """Refuse `-r -1`, a `-r +N` past head, or a step counted from a named revision (`head-1`,
    `ID+2`) that goes down or leaves the history, reading where the database is; only for a
    step."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import require_movable_state
    from alembic_steward.tasks._relative_steps import is_relative_step, refuse_step_outside_history

    if not is_relative_step(revision):
        return
    script = ScriptDirectory.from_config(config)
    with get_blocking_engine().connect() as connection:
        current = tuple(require_movable_state(script, connection).current)
    refuse_step_outside_history(script, revision, current, "upgrade")


def refuse_target_with_phase(revision: str, sql: bool) -> None:
    """Refuse -r and --sql beside --phase, which chooses where the upgrade stops."""
    if revision != "head" or sql:
        raise Exit(
            "error: --phase chooses where the upgrade stops, so it takes neither -r nor --sql;"
            " nothing was run",
            code=1,
        )


def upgrade_through_phase(phase: str) -> None:
    """Run `db.upgrade --phase PHASE`, which chooses its own target (runtime/_phased_upgrade.py)."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._phased_upgrade import upgrade_phase_under_lock

    print(upgrade_phase_under_lock(build_alembic_config(), phase))


@task(
    klass=LongOnlyOptions,
    long_only=(*FAN_OUT_OPTIONS, "json"),
    nicknames=FAN_OUT_NICKNAMES,
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or base (default: -1, one step)",
        "sql": SQL_HELP + "; needs a range, e.g. -r 4f8376af1811:base",
        "yes": YES_HELP,
        **FAN_OUT_HELP,
        "json": "With --all-tenants or --tenants: print the per-tenant report as JSON",
    },
)
@exit_on_user_error
def downgrade(
    c: Context,
    revision: str = "-1",
    sql: bool = False,
    yes: bool = False,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    canary: str | None = None,
    shard: str | None = None,
    json: bool = False,
) -> None:
    """Revert the last migration, or every migration after the revision given with -r."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument
    from alembic_steward.tasks._announced_downgrade import RevertPlan, downgrade_announcing

    check_revision_argument(revision, ranges=sql)
    from alembic_steward.runtime._option_values import canary_count

    count = canary_count(canary)  # text: invoke would turn `--canary abc` into a ValueError
    alone = {"tenancy": tenancy, "parallel": parallel, "canary": canary, "shard": shard}
    if fans_out(all_tenants, tenants, **alone, json=json):
        refuse_sql_with_tenants(sql)
        if revision.startswith(("-", "+")):
            # Tenants may stand at different revisions: one step back means something else
            # on each, so the target is named.
            raise Exit(
                "error: a downgrade with --all-tenants or --tenants needs a target revision,"
                " not a step: name it with -r REV (a revision id, or base); nothing was run",
                code=1,
            )
        # APP_ENV and DATABASE_URL's record first; then each tenant's own record, in its
        # worker: only --yes lets a protected tenant go (a terminal's answer is for one name).
        import contextlib

        from alembic_steward.runtime._connecting import DatabaseUnreachable

        # Left to the fan-out: each tenant's row says its server cannot be reached, as the
        # upgrade's do, and a tenant that can be reached is still refused when its own record
        # names a protected environment.
        with contextlib.suppress(DatabaseUnreachable):
            confirm_destructive(c, "downgrade", yes)
        run_fan_out(
            "downgrade",
            revision,
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=count,
            shard=shard,
            as_json=json,
            confirmed=yes,
        )
        return
    config = build_alembic_config()
    if sql:
        print_offline(config, "downgrade", revision)
        return
    from alembic_steward.runtime._tenants_left_out import noting_tenants_left_out

    # A fan-out's downgrade takes a target, never a step (above).
    target = "REV" if revision.startswith(("-", "+")) else revision
    with noting_tenants_left_out(f"db.downgrade -r {target} --all-tenants", None):
        # On a terminal the list comes first, then the question: confirm only what you have
        # seen.
        plan = RevertPlan(config, revision, announce_reverts)
        confirm_destructive(c, "downgrade", yes, preview=plan.preview)
        downgrade_announcing(config, revision, plan.announce)
        if plan.reverted:
            from alembic_steward.tasks._downgrade_result import check_downgrade_result

            check_downgrade_result(plan.reverted, script=plan.script)


def refuse_sql_with_tenants(sql: bool) -> None:
    """Refuse --sql beside --all-tenants or --tenants, before anything runs."""
    if sql:
        raise Exit(
            "error: --sql cannot be combined with --all-tenants or --tenants (each tenant runs"
            " online, to the target); run it without them; nothing was run",
            code=1,
        )


def print_offline(config: Any, direction: str, revision: str) -> None:
    """Print the SQL of ``direction`` over ``revision`` (a range), changing nothing."""
    from alembic_steward.runtime._offline_runs import offline_run
    from alembic_steward.tasks._offline_sql import print_range_sql

    with offline_run(f"db.{direction} --sql"):
        print_range_sql(config, direction, revision)


def announce_reverts(scripts: list[Any]) -> None:
    """List the revisions a downgrade is about to revert, newest first."""
    if not scripts:
        print("Nothing to revert: the database is already at the target.")
        return
    print(f"Reverting {len(scripts)} revision(s):")
    for script in scripts:
        print(f"  {script.revision}  {(script.doc or '').strip()}")
