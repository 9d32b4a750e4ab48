"""The tenant commands of `python -m app.migrations` (runtime/_deploy.py): `upgrade` and `status`
over `--all-tenants` or `--tenants A,B` (runtime/_tenant_fanout.py), and `tenant-create`.
"""

from __future__ import annotations

import argparse

from alembic_steward.runtime._deploy_arguments import PHASE_TAKES_NO_REVISION

# `status` reads tenants alone: the single-database `inv db.status` lives in the tasks, which
# an installed service does not have (its `current` reads DATABASE_URL's own database).
STATUS_NEEDS_TENANTS = (
    "status reads the tenants: give --all-tenants or --tenants NAME,...;"
    " `{program} current` shows DATABASE_URL's own database's revision"
)


def fans_out(arguments: argparse.Namespace) -> bool:
    """Whether the command runs per tenant: `--all-tenants` or `--tenants` was given."""
    return bool(getattr(arguments, "all_tenants", False)) or (
        getattr(arguments, "tenants", None) is not None
    )


def refused_without_tenants(arguments: argparse.Namespace) -> bool:
    """Say why, and return True, when `upgrade` or `status` has per-tenant options but no
    tenants (it would run on DATABASE_URL's own database), or `status` has no tenants."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._backfill_tenants import print_error
    from alembic_steward.runtime._tenant_selection import per_tenant_options_alone

    options = ("tenancy", "parallel", "canary", "shard", "json")
    given = {name: getattr(arguments, name, None) for name in options}
    refusal = per_tenant_options_alone(given)
    if refusal is None and arguments.command == "status":
        refusal = STATUS_NEEDS_TENANTS.format(program=active_steward().deploy_command)
    if refusal is None:
        return False
    print_error(f"{arguments.command} refused: {refusal}", bool(given["json"]))
    return True


def fan_out_or_create(arguments: argparse.Namespace) -> int:
    """Run `upgrade` or `status` with `--all-tenants`/`--tenants`, or `tenant-create`; return
    the exit code."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._deploy import failure_line
    from alembic_steward.runtime._tenant_creation import create_tenant
    from alembic_steward.runtime._tenant_fanout import fan_out_command
    from alembic_steward.settings import EnvFileError

    try:
        if arguments.command == "tenant-create":
            print(create_tenant(arguments.name, arguments.tenancy))
            return 0
        if arguments.command == "status":
            return fan_out_command(
                "status",
                "head",
                tenants=arguments.tenants,
                tenancy=arguments.tenancy,
                parallel=arguments.parallel,
                canary=0,
                shard=arguments.shard,
                as_json=arguments.json,
            )
        if arguments.phase is not None and arguments.revision != "head":
            raise CommandError(PHASE_TAKES_NO_REVISION)
        return fan_out_command(
            "upgrade",
            arguments.revision,
            tenants=arguments.tenants,
            tenancy=arguments.tenancy,
            parallel=arguments.parallel,
            canary=arguments.canary or 0,
            shard=arguments.shard,
            as_json=arguments.json,
            phase=arguments.phase,
        )
    except (CommandError, SQLAlchemyError, ImportError, EnvFileError, OSError) as error:
        from alembic_steward.runtime._backfill_tenants import print_error

        # Under --json the refusal is the document too, as every other path's outcome is.
        said = f"{arguments.command} failed: {failure_line(error)}"
        print_error(said, getattr(arguments, "json", False))
        return 1
