"""`inv db.backfill run|pause|resume|status NAME`: batched data migrations, run online."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._migrate import LongOnlyOptions
from alembic_steward.tasks._tenants import FAN_OUT_HELP, fans_out
from alembic_steward.tasks._user_errors import exit_on_user_error

ACTIONS = ("run", "pause", "resume", "status")
# A backfill's tenants run one after another (runtime/_backfill_tenants.py): no pool to size,
# and no canary or shard to split a throttled, resumable run with.
TENANT_OPTIONS = ("all_tenants", "tenants", "tenancy", "json")


@task(
    klass=LongOnlyOptions,
    # No -p: it is --phase in db.upgrade, and a short flag means one thing in every task;
    # no -a for the positional ACTION: -a is db.lint's --all.
    long_only=(*TENANT_OPTIONS, "pause", "action", "accept_changed"),
    positional=["action", "name"],
    help={
        "action": "run, pause, resume or status",
        "name": "the backfill's name, as its revision declares it (status: or `all`)",
        "pause": "seconds to wait between batches (default: the backfill's pause_seconds)",
        "accept_changed": "run/resume: go on under a declaration (table, key, set, pending)"
        " changed since batches were committed under the old one, walking every key again",
        "all_tenants": "Act on every tenant the wiring's `tenants` callable lists, in turn,"
        " one report",
        "tenants": FAN_OUT_HELP["tenants"].replace("Run on", "Act on"),
        "tenancy": FAN_OUT_HELP["tenancy"],
        "json": "Print JSON: with tenants the report, a row per tenant; `status` of one"
        " database each backfill's fields",
    },
)
@exit_on_user_error
def backfill(
    c: Context,
    action: str,
    name: str,
    pause: str | None = None,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    json: bool = False,
    accept_changed: bool = False,
) -> None:
    """Run a revision's batched data migration outside the migration transaction.

    `run NAME` updates batch after batch, each committed with its cursor, and resumes where a
    killed run stopped; `pause NAME` stops a running one after its current batch; `resume NAME`
    continues a paused one; `status NAME` (or `status all`) shows progress. With
    `--all-tenants` or `--tenants A,B` each tenant's backfill, in its own schema or database,
    one tenant after another; exit 76 when any tenant failed.
    """
    from alembic_steward.runtime._backfill_commands import backfill_command
    from alembic_steward.runtime._backfill_tenants import print_error

    if action not in ACTIONS:
        print_error(f"unknown backfill action {action!r}; use one of {', '.join(ACTIONS)}", json)
        raise Exit(code=1)
    from alembic_steward.runtime._option_values import OptionValueError, pause_seconds

    try:
        seconds = pause_seconds(pause)
        # `status` reads one database as JSON too; the others' reports are a fan-out's.
        per_tenant = fans_out(
            all_tenants, tenants, tenancy=tenancy, json=json and action != "status"
        )
    except (Exit, OptionValueError) as refused:  # under --json, the error is the document
        if not json:
            raise
        said = refused.message if isinstance(refused, Exit) else str(refused)
        print_error(str(said).removeprefix("error: "), json)
        raise Exit(code=1) from None
    if per_tenant:
        from alembic_steward.runtime._backfill_tenants import backfill_tenants_command

        code = backfill_tenants_command(
            action,
            name,
            tenants=tenants,
            tenancy=tenancy,
            pause=seconds,
            as_json=json,
            accept_changed=accept_changed,
        )
    else:
        code = backfill_command(
            action, name, pause=seconds, as_json=json, accept_changed=accept_changed
        )
    if code:
        raise Exit(code=code)
