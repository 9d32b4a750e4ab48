"""Migrate from an installed service, where neither `inv` nor a project checkout is at hand.

    python -m app.migrations upgrade [REV]   # default: head
    python -m app.migrations current

Errors a user can cause (bad URL, unreachable server, unknown revision) end in one line on
stderr and exit code 1; the password in DATABASE_URL is never shown.
"""

from __future__ import annotations

import argparse
import sys


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.migrations",
        description="Migrate the database that DATABASE_URL names.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade = commands.add_parser("upgrade", help="apply migrations up to REV (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target revision")
    commands.add_parser("current", help="show the database's current revision")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    from alembic import command
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from app.migrations.config import build_alembic_config
    from app.settings import get_settings, hide_password, redact_password

    config = build_alembic_config()
    try:
        if arguments.command == "upgrade":
            command.upgrade(config, arguments.revision)
        else:
            command.current(config)
    except (CommandError, SQLAlchemyError) as error:
        where = hide_password(get_settings().database_url)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        reason = redact_password(reason, get_settings().database_url)
        print(f"error: {arguments.command} failed at {where}: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
