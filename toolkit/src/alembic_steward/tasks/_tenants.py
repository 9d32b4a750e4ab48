"""The tenant options of `db.upgrade`, `db.downgrade` and `db.status`, and `db.tenant-create`.

The fan-out itself lives in runtime/_tenant_fanout.py, shared with `python -m app.migrations`.
"""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.runtime._tenant_pool import PARALLEL_DEFAULT
from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

# The options every fan-out task adds, long only (`-t`, `-p` mean other things elsewhere).
FAN_OUT_OPTIONS = ("all_tenants", "tenants", "tenancy", "parallel", "canary", "shard")
# `--tenant acme` is what a user types for one tenant, as `db.stamp` takes it: the same option.
FAN_OUT_NICKNAMES = {"tenants": ("tenant",)}
FAN_OUT_HELP = {
    "all_tenants": "Run on every tenant the wiring's `tenants` callable lists, one report",
    "tenants": "Run on these tenants only, comma-separated, e.g. acme,globex (--tenant: the"
    " same option)",
    "tenancy": "schema (PostgreSQL schemas) or database (a database each); default: wiring",
    "parallel": f"Worker processes for the tenants (default: {PARALLEL_DEFAULT})",
    "canary": "Run this many tenants first, and stop if any of them fails",
    "shard": "Run only shard I of N (I/N, e.g. $JOB_COMPLETION_INDEX/4), split by name hash",
}


def fans_out(all_tenants: bool, tenants: str | None, **per_tenant: object) -> bool:
    """Whether the task runs per tenant (`--all-tenants` or `--tenants`); the options of a
    fan-out given without either (``per_tenant``, by name) are refused in one line (Exit)."""
    if all_tenants and tenants is not None:
        # Which set was meant cannot be told: the `python -m` form refuses the pair too.
        raise Exit(
            "error: --all-tenants and --tenants name different sets of tenants; give one of"
            " them; nothing was run",
            code=1,
        )
    if all_tenants or tenants is not None:
        return True
    from alembic_steward.runtime._tenant_selection import per_tenant_options_alone

    refusal = per_tenant_options_alone(per_tenant)
    if refusal is not None:
        raise Exit(f"error: {refusal}", code=1)
    return False


def run_fan_out(
    action: str,
    revision: str,
    *,
    tenants: str | None,
    tenancy: str | None,
    parallel: str | None,
    canary: int,
    shard: str | None,
    as_json: bool,
    phase: str | None = None,
    confirmed: bool = False,
) -> None:
    """Run the fan-out; end with Exit(76) after the report when a tenant failed.

    ``parallel`` is the option's text, None when not given (invoke would read an int option's
    0 as "not given", and `--parallel 0` must be refused, not taken for the default)."""
    from alembic_steward.runtime._tenant_fanout import fan_out_command
    from alembic_steward.runtime._tenant_pool import parallel_count

    code = fan_out_command(
        action,
        revision,
        tenants=tenants,
        tenancy=tenancy,
        parallel=None if parallel is None else parallel_count(parallel),
        canary=canary,
        shard=shard,
        as_json=as_json,
        phase=phase,
        confirmed=confirmed,
    )
    if code:
        raise Exit(code=code)


@task(
    klass=LongOnlyOptions,
    long_only=("tenancy",),  # as on every fan-out task: -t is --timeout, --tag elsewhere
    help={
        "name": "The new tenant's name: a schema or a database, as the tenancy says",
        "tenancy": FAN_OUT_HELP["tenancy"],
    },
)
@exit_on_user_error
def tenant_create(c: Context, name: str, tenancy: str | None = None) -> None:
    """Create a tenant (its schema or database) and migrate it to head, in one call."""
    from alembic_steward.runtime._tenant_creation import create_tenant

    print(create_tenant(name, tenancy))
