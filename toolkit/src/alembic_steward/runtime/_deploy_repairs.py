"""`python -m app.migrations stamp REV --yes` and `clear-migration-mark` (each with an optional
`--tenants NAME`): the repairs the advice after a half-applied MySQL/MariaDB migration names in
an installed service (runtime/_repairs.py, runtime/_tenant_repairs.py).

A pod has no terminal to ask on, so a stamp, which records a revision no migration ran, needs
`--yes`: the operator says they checked the schema against that revision.
"""

from __future__ import annotations

import argparse
import sys


def run_repair(arguments: argparse.Namespace) -> int:
    """Run `stamp` or `clear-migration-mark`; print its lines; return the exit code."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._repairs import RepairRefused, check_stamp_target
    from alembic_steward.runtime._tenancy import TenantError

    command = arguments.command
    if arguments.all_tenants:
        from alembic_steward.runtime._tenant_repairs import one_tenant_at_a_time

        program = active_steward().deploy_command
        print(f"error: {one_tenant_at_a_time(f'`{program} {command}`')}", file=sys.stderr)
        return 1
    tenant = f" --tenants {arguments.tenant}" if arguments.tenant else ""
    if arguments.tenancy and not tenant:
        print(
            "error: --tenancy says what --tenants NAME is; name the tenant with --tenants;"
            " nothing was changed",
            file=sys.stderr,
        )
        return 1
    if arguments.tenancy:
        tenant += f" --tenancy {arguments.tenancy}"
    try:
        if command == "stamp":
            # Before asking for --yes: advice to add it to a stamp that cannot run is no advice.
            check_stamp_target(arguments.revision)
        if command == "stamp" and not arguments.yes:
            program = active_steward().deploy_command
            print(
                f"error: stamp records {arguments.revision} without running any migration; once"
                " the schema matches it (a migration finished by hand), run"
                f" `{program} stamp {arguments.revision} --yes{tenant}`; nothing was changed",
                file=sys.stderr,
            )
            return 1
        lines = repaired(arguments)
    except (RepairRefused, TenantError) as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    # Any other failure: `error: stamp failed: ...`, from the entry point (one_line_on_failure).
    print("\n".join(lines))
    return 0


def repaired(arguments: argparse.Namespace) -> list[str]:
    """Make the repair ``arguments`` name, on its tenant if it names one; return its lines."""
    from alembic_steward.runtime._repairs import clear_mark, stamp_database
    from alembic_steward.runtime._tenant_repairs import repair_tenant

    def repair() -> list[str]:
        if arguments.command != "stamp":
            return clear_mark()
        return stamp_database(arguments.revision, accept_differences=arguments.accept_differences)

    if arguments.tenant is None:
        return repair()
    return repair_tenant(arguments.tenant, arguments.tenancy, repair)
