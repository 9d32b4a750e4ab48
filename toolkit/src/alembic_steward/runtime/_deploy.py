"""Migrate from an installed service, where neither `inv` nor a project checkout is at hand.

    python -m app.migrations upgrade [REV]   # default: head
    python -m app.migrations upgrade --phase expand   # stop before the first contract revision
    python -m app.migrations current
    python -m app.migrations rollback-check REF   # can the code of REF run on this database?
    python -m app.migrations wait --timeout S      # until the migrations reach this code's head
    python -m app.migrations backfill run NAME     # a revision's batched data migration
    python -m app.migrations backfill run NAME --all-tenants   # in each tenant, in turn
    python -m app.migrations upgrade --all-tenants [--parallel N --canary K --shard I/N --json]
    python -m app.migrations upgrade --phase expand --all-tenants   # each tenant through a phase
    python -m app.migrations status --all-tenants [--tenants A,B --json]   # reads, as db.status
    python -m app.migrations tenant-create NAME    # a tenant's schema or database, at head
    python -m app.migrations stamp REV --yes      # after finishing a migration by hand
    python -m app.migrations clear-migration-mark  # after undoing one by hand (MySQL/MariaDB)

Errors a user can cause (bad URL, unreachable server, unknown revision, an unreadable `.env`, a
full disk) end in one line on stderr and exit code 1 (75 for a migration that gave up waiting
for a lock: runtime/_lock_retries.py; 76 when some tenants of a fan-out failed:
runtime/_tenant_fanout.py); SIGTERM (Kubernetes stopping the Job's pod) and Ctrl-C end in one
line saying what they stopped and the state read from the database, with exit code 143 or 130
(runtime/_interruptions.py); the password in DATABASE_URL is never shown.
"""

from __future__ import annotations

import argparse
import logging
import sys

from alembic_steward.runtime._deploy_arguments import PHASE_TAKES_NO_REVISION, parse_arguments
from alembic_steward.runtime._deploy_tenants import (
    fan_out_or_create,
    fans_out,
    refused_without_tenants,
)

# The commands that run no migration: a signal's line says nothing ran (not what stays applied).
READING_COMMANDS = frozenset({"current", "rollback-check", "wait", "status"})


def main(argv: list[str] | None = None) -> int:
    """Run `python -m app.migrations upgrade [REV]` or `current`; return the exit code.

    ``argv`` defaults to ``sys.argv[1:]``. Errors a user can cause print one line and return 1;
    SIGTERM (a pod stopped) and Ctrl-C one line with the state read after it, and 143 or 130.
    """
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._advice import advising_deploy_commands
    from alembic_steward.runtime._interruptions import exit_on_signals

    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    program = active_steward().deploy_command
    with advising_deploy_commands():
        return exit_on_signals(
            lambda: one_line_on_failure(arguments),
            stopped=f"`{program} {arguments.command}`",
            status_command=f"{program} current",
            reads_only=arguments.command in READING_COMMANDS,
        )


def one_line_on_failure(arguments: argparse.Namespace) -> int:
    """Run the command; any failure the commands do not word themselves (a revision's own
    exception, as `require_backfill` raises) ends in one line too, with the state read after
    it. INV_TRACEBACK=1 shows the traceback instead, as it does for `inv`."""
    from alembic_steward.runtime._traceback_switch import tracebacks_wanted

    try:
        return run_command(arguments)
    except Exception as error:
        if tracebacks_wanted():
            raise
        print(f"error: {arguments.command} failed: {failure_line(error)}", file=sys.stderr)
        return 1


def run_command(arguments: argparse.Namespace) -> int:
    """Run the parsed command; return its exit code."""
    from alembic import command
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import (
        check_revision_argument,
        refusing_duplicate_revision_ids,
    )
    from alembic_steward.settings import EnvFileError

    if arguments.command in ("rollback-check", "wait"):
        return answer_without_migrating(arguments)
    if arguments.command == "backfill":
        return run_backfill_command(arguments)
    if arguments.command in ("stamp", "clear-migration-mark"):
        from alembic_steward.runtime._deploy_repairs import run_repair

        return run_repair(arguments)
    if arguments.command == "tenant-create" or fans_out(arguments):
        return fan_out_or_create(arguments)
    if arguments.command in ("upgrade", "status") and refused_without_tenants(arguments):
        return 1
    try:
        if arguments.command == "upgrade":
            check_revision_argument(arguments.revision, option="REV", listed_by="")
        elif arguments.command == "current" and missing_file_refused():
            return 1
        config = build_alembic_config()
        if config.config_file_name is None:
            # An installed wheel has no alembic.ini to set up logging: say what runs, as the
            # `alembic` command does, so a deploy log shows each migration.
            logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
            logging.getLogger("alembic").setLevel(logging.INFO)
        with refusing_duplicate_revision_ids():
            if arguments.command == "upgrade" and arguments.phase is not None:
                print(phase_upgrade(config, arguments))
            elif arguments.command == "upgrade":
                from alembic_steward.runtime._post_upgrade_look import (
                    broken_after_upgrade_line,
                    schema_before_upgrade,
                )
                from alembic_steward.runtime._tenants_left_out import noting_tenants_left_out

                before = schema_before_upgrade()
                with noting_tenants_left_out("db.upgrade --all-tenants", "upgrade --all-tenants"):
                    command.upgrade(config, arguments.revision)
                broken = broken_after_upgrade_line(before)
                if broken is not None:
                    print(broken, file=sys.stderr)
                from alembic_steward.runtime._hand_object_losses import lost_after_upgrade

                for line in lost_after_upgrade(before):  # as `inv db.upgrade` says them
                    print(line, file=sys.stderr)
            else:
                command.current(config)
    except (CommandError, SQLAlchemyError, ImportError, EnvFileError, OSError) as error:
        from alembic_steward.runtime._exit_codes import exit_code_of

        print(f"error: {arguments.command} failed: {failure_line(error)}", file=sys.stderr)
        return exit_code_of(error)
    return 0


def missing_file_refused() -> bool:
    """Say so, and return True, when DATABASE_URL names a SQLite file that does not exist:
    reading it would create it."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._offline_runs import missing_sqlite_file, missing_sqlite_words

    missing = missing_sqlite_file()
    if missing is not None:
        print(
            f"error: current failed: {missing_sqlite_words(missing)}; fix DATABASE_URL if it"
            f" should name another file, else `{active_steward().deploy_command} upgrade`"
            " creates it and applies the migrations; nothing was created",
            file=sys.stderr,
        )
    return missing is not None


def answer_without_migrating(arguments: argparse.Namespace) -> int:
    """Run `rollback-check REF` or `wait`: print one line, return its exit code."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._migration_wait import wait_for_head
    from alembic_steward.runtime._rollback_check import CANNOT_TELL, rollback_answer
    from alembic_steward.settings import EnvFileError

    try:
        if arguments.command == "wait":
            code, line = wait_for_head(arguments.timeout)
        else:
            code, line = rollback_answer(arguments.release)
    except (CommandError, SQLAlchemyError, ImportError, EnvFileError, OSError) as error:
        print(f"error: {arguments.command} failed: {failure_line(error)}", file=sys.stderr)
        return CANNOT_TELL if arguments.command == "rollback-check" else 1
    print(line, file=sys.stdout if code == 0 else sys.stderr)
    return code


def run_backfill_command(arguments: argparse.Namespace) -> int:
    """Run `backfill ACTION NAME`; its lines are printed by the command itself."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_commands import backfill_command
    from alembic_steward.runtime._backfill_tenants import print_error
    from alembic_steward.runtime._tenant_selection import per_tenant_options_alone
    from alembic_steward.settings import EnvFileError

    try:
        if arguments.all_tenants or arguments.tenants is not None:
            from alembic_steward.runtime._backfill_tenants import backfill_tenants_command

            return backfill_tenants_command(
                arguments.action,
                arguments.name,
                tenants=arguments.tenants,
                tenancy=arguments.tenancy,
                pause=arguments.pause,
                as_json=arguments.json,
                accept_changed=arguments.accept_changed,
            )
        # `status` reads one database as JSON too; the others' reports are a fan-out's.
        alone = {
            "tenancy": arguments.tenancy,
            "json": arguments.json and arguments.action != "status",
        }
        refusal = per_tenant_options_alone(alone)
        if refusal is not None:
            print_error(f"backfill refused: {refusal}", arguments.json)
            return 1
        return backfill_command(
            arguments.action,
            arguments.name,
            pause=arguments.pause,
            as_json=arguments.json,
            accept_changed=arguments.accept_changed,
        )
    except (CommandError, SQLAlchemyError, ImportError, EnvFileError, OSError) as error:
        print_error(f"backfill failed: {failure_line(error)}", arguments.json)
        return 1


def phase_upgrade(config: object, arguments: argparse.Namespace) -> str:
    """Upgrade through ``arguments.phase``; return the line saying where it stopped."""
    from alembic.util import CommandError

    from alembic_steward.runtime._phased_upgrade import upgrade_phase_under_lock

    if arguments.revision != "head":
        raise CommandError(PHASE_TAKES_NO_REVISION)
    return upgrade_phase_under_lock(config, arguments.phase)


def failure_line(error: BaseException) -> str:
    """What went wrong, the state a failed migration left, and what to do; never raises."""
    from alembic_steward.settings import EnvFileError

    if isinstance(error, EnvFileError):
        return str(error)
    line = safe_reason(error)
    from alembic_steward.runtime._revision_prefixes import ambiguous_missing_revision

    ambiguous = ambiguous_missing_revision(line, "REV")
    if ambiguous is not None:
        return ambiguous
    try:
        from alembic_steward.runtime._migration_frames import migration_frame, state_after
        from alembic_steward.runtime._own_commits import MigrationEndedItsTransaction

        frame = migration_frame(error)
        if isinstance(error, MigrationEndedItsTransaction):
            line = error.reason  # its message names the revision, as the line below does
        if frame is not None:
            line = f"migration {frame.revision} failed: {line}; {state_after(frame, error)}"
    except Exception:  # noqa: BLE001, S110 - the reason alone is still the right line
        pass
    if is_disk_full(error):
        line += "; free space on the disk that holds it and run this again"
    return line


def safe_reason(error: BaseException) -> str:
    """The first line of what went wrong, without the password; never raises."""
    from alembic_steward.runtime._driver_errors import error_reason

    if isinstance(error, ModuleNotFoundError):
        return f"the module {error.name!r} is not installed; install it into this environment"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return error_reason(error)


def is_disk_full(error: BaseException) -> bool:
    """Tell a full disk, as the OS or SQLite (SQLITE_FULL) reports it."""
    import errno

    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return "database or disk is full" in str(getattr(error, "orig", ""))
