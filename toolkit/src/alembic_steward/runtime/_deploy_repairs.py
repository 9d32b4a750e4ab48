"""`python -m app.migrations stamp REV --yes` and `clear-migration-mark`: the repairs the advice
after a half-applied MySQL/MariaDB migration names in an installed service (runtime/_repairs.py).

A pod has no terminal to ask on, so a stamp, which records a revision no migration ran, needs
`--yes`: the operator says they checked the schema against that revision.
"""

from __future__ import annotations

import argparse
import sys


def run_repair(arguments: argparse.Namespace) -> int:
    """Run `stamp` or `clear-migration-mark`; print its lines; return the exit code."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._deploy import failure_line
    from alembic_steward.runtime._repairs import RepairRefused, clear_mark, stamp_database
    from alembic_steward.settings import EnvFileError

    command = arguments.command
    if command == "stamp" and not arguments.yes:
        program = active_steward().deploy_command
        print(
            f"error: stamp records {arguments.revision} without running any migration; once"
            " the schema matches it (a migration finished by hand), run"
            f" `{program} stamp {arguments.revision} --yes`; nothing was changed",
            file=sys.stderr,
        )
        return 1
    try:
        lines = stamp_database(arguments.revision) if command == "stamp" else clear_mark()
    except RepairRefused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    except (CommandError, SQLAlchemyError, ImportError, EnvFileError, OSError) as error:
        print(f"error: {command} failed: {failure_line(error)}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
