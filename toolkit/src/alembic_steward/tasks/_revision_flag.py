"""`inv db.show 4f8376af1811`: a revision given without -r, refused in one `error:` line.

invoke reads a word after a task's options as the next task's name, so a revision given
without its flag ended in invoke's "No idea what '4f8376af1811' is!", which names neither the
task nor the flag. Every task that takes a revision takes it as -r (--revision), and a
positional one could not stay optional (invoke requires every positional argument). So after
such a task, invoke's line becomes one that names the flag, as `inv db.show -r nosuch` names
a revision it cannot find; after any other task, or before the first, it is invoke's own.
"""

from __future__ import annotations

import re
from typing import Any

# A bare word only: an unknown flag (`--nosuch`) is no revision, and keeps invoke's line.
UNKNOWN_WORD = re.compile(r"No idea what '([^-].*)' is!$")


def name_the_revision_flag() -> None:
    """Make invoke's parser name -r when a word follows a task that takes a revision."""
    from invoke.exceptions import ParseError
    from invoke.parser.parser import ParseMachine

    invokes_error = ParseMachine.error
    if getattr(invokes_error, "names_the_revision_flag", False):
        return

    def error(parser: Any, message: str) -> None:
        context, word = parser.context, UNKNOWN_WORD.match(message)
        if word and context is not None and "revision" in context.args:
            raise ParseError(
                f"error: {context.name} takes a revision as -r, as in"
                f" `inv {context.name} -r {word.group(1)}`; {word.group(1)!r} is no task",
                context,
            )
        invokes_error(parser, message)

    error.names_the_revision_flag = True  # type: ignore[attr-defined]
    ParseMachine.error = error  # type: ignore[method-assign]
