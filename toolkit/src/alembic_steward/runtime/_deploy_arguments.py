"""The arguments of `python -m app.migrations` (runtime/_deploy.py): its commands and options."""

from __future__ import annotations

import argparse

from alembic_steward.runtime._phase_labels import PHASES
from alembic_steward.runtime._tenancy import TENANCIES

DEFAULT_WAIT_SECONDS = 300.0
PHASE_TAKES_NO_REVISION = "--phase chooses where the upgrade stops, so it takes no REV"


def positive_seconds(text: str) -> float:
    """A number of seconds, 0 or more: 0 checks once (argparse says what was wrong otherwise)."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds, 0 or more")
    return seconds


def pause_argument(text: str) -> float | None:
    """`backfill --pause`'s value, refused by argparse in one line as `inv` refuses it."""
    from alembic_steward.runtime._option_values import OptionValueError, pause_seconds

    try:
        return pause_seconds(text)
    except OptionValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    from alembic_steward._wiring import active_steward

    parser = argparse.ArgumentParser(
        prog=active_steward().deploy_command,
        description="Migrate the database that DATABASE_URL names.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade = commands.add_parser("upgrade", help="apply migrations up to REV (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target revision")
    upgrade.add_argument(
        "--phase",
        choices=PHASES,
        help="expand: stop before the first pending contract revision; contract: to head",
    )
    add_fan_out_arguments(upgrade)
    commands.add_parser("current", help="show the database's current revision")
    status = commands.add_parser(
        "status",
        help="read each tenant's state as `inv db.status --all-tenants` does (exit 0: all at head)",
    )
    # A status only reads: no failure for a few tenants to stop, so no --canary.
    add_fan_out_arguments(status, canary=False)
    create = commands.add_parser(
        "tenant-create", help="create a tenant's schema or database and migrate it to head"
    )
    create.add_argument("name", help="the tenant's name")
    create.add_argument("--tenancy", choices=TENANCIES, help="default: the wiring's")
    check = commands.add_parser(
        "rollback-check",
        help="say whether the code of REF can run against this database (exit 0: yes)",
    )
    check.add_argument(
        "release", metavar="REF", help="a git ref, or a path to an installed release or a wheel"
    )
    wait = commands.add_parser(
        "wait", help="wait until the migrations have brought the database to this code's head"
    )
    wait.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_WAIT_SECONDS,
        help="give up after S seconds",
    )
    stamp = commands.add_parser(
        "stamp",
        help="record REV without running any migration (after finishing one by hand)",
    )
    stamp.add_argument(
        "revision", metavar="REV", help="the revision id to record, head or base (not a step)"
    )
    stamp.add_argument("--yes", action="store_true", help="required: you checked the schema")
    stamp.add_argument(
        "--accept-differences",
        action="store_true",
        help="record REV as the schema is, although it is not what REV builds",
    )
    add_tenant_argument(stamp)
    clear = commands.add_parser(
        "clear-migration-mark",
        help="clear a half-applied MySQL/MariaDB migration's mark, once undone by hand",
    )
    add_tenant_argument(clear)
    backfill = commands.add_parser(
        "backfill", help="run, pause, resume or show a revision's batched data migration"
    )
    backfill.add_argument("action", choices=("run", "pause", "resume", "status"))
    backfill.add_argument("name", help="the backfill's name (status: or `all`)")
    backfill.add_argument(
        "--pause",
        type=pause_argument,
        default=None,
        help="seconds between batches (default: its own)",
    )
    backfill.add_argument(
        "--accept-changed",
        action="store_true",
        help="run/resume: go on under a declaration changed since batches were committed"
        " under the old one, walking every key again",
    )
    add_backfill_tenant_arguments(backfill)
    return parser.parse_args(argv)


def add_tenant_argument(parser: argparse.ArgumentParser) -> None:
    """A repair's `--tenants NAME` (runtime/_tenant_repairs.py), as `inv db.stamp` has it;
    `--tenant`, its older spelling, is the same option."""
    parser.add_argument(
        "--tenants",
        "--tenant",
        dest="tenant",
        help="repair this one tenant alone (its schema or database); --tenant is the same",
    )
    parser.add_argument(
        "--tenancy", choices=TENANCIES, help="with --tenants; default: the wiring's"
    )
    # Refused with the reason (runtime/_tenant_repairs.py), not as an unknown argument.
    parser.add_argument("--all-tenants", action="store_true", help="not taken: one at a time")


def add_backfill_tenant_arguments(parser: argparse.ArgumentParser) -> None:
    """`backfill`'s tenant options (runtime/_backfill_tenants.py), as `inv db.backfill` has
    them: its tenants run one after another, so no --parallel, --canary or --shard."""
    tenants = parser.add_mutually_exclusive_group()
    tenants.add_argument(
        "--all-tenants", action="store_true", help="every tenant the wiring lists, in turn"
    )
    tenants.add_argument("--tenants", help="these tenants only, comma-separated")
    parser.add_argument("--tenancy", choices=TENANCIES, help="default: the wiring's")
    parser.add_argument(
        "--json", action="store_true", help="print the tenants' report (or one's status) as JSON"
    )


def add_fan_out_arguments(parser: argparse.ArgumentParser, *, canary: bool = True) -> None:
    """The per-tenant options (runtime/_tenant_fanout.py), as `inv db.upgrade` has them
    (``canary``: and --canary, which a status has not)."""
    from alembic_steward.runtime._tenant_pool import PARALLEL_DEFAULT

    tenants = parser.add_mutually_exclusive_group()
    tenants.add_argument("--all-tenants", action="store_true", help="every tenant the wiring lists")
    tenants.add_argument("--tenants", help="these tenants only, comma-separated")
    parser.add_argument("--tenancy", choices=TENANCIES, help="default: the wiring's")
    parser.add_argument(
        "--parallel", type=int, help=f"worker processes (default: {PARALLEL_DEFAULT})"
    )
    if canary:
        parser.add_argument("--canary", type=int, help="run K tenants first, stop on any failure")
    parser.add_argument(
        "--shard", help="run shard I of N only, e.g. $JOB_COMPLETION_INDEX/4 (Indexed Job)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
