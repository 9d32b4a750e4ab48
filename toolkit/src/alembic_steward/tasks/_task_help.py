"""`inv TASK --help` for a task with positional arguments (`inv db.backfill run NAME`).

invoke checks that every positional argument was given before it looks at `--help`, so
`inv db.backfill --help` would end in "did not receive required positional arguments" instead
of the help a user asked for. When `--help` (or `-h`) is on the command line, no positional
argument is required: invoke then prints the task's help and runs nothing.
"""

from __future__ import annotations

import sys

HELP_FLAGS = ("--help", "-h")


def let_help_skip_positional_arguments(argv: list[str] | None = None) -> None:
    """Make invoke's parser require no positional argument when help was asked for."""
    if not set(HELP_FLAGS) & set(sys.argv[1:] if argv is None else argv):
        return
    from invoke.parser import ParserContext

    ParserContext.missing_positional_args = property(lambda _context: [])
