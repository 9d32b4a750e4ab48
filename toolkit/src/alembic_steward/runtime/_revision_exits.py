"""A revision whose code ends the process (``sys.exit``, ``raise SystemExit``) fails instead.

SystemExit passes every ``except Exception``: raised in a revision's upgrade(), it rolled the
migration back unrecorded and ended the command with the revision's own exit code, 0 for
``sys.exit(0)``, as if all went well; `inv db.check` and `db.status`, whose scratch builds run
the same code, ended 0 in silence too. Revision code is never the command, so its SystemExit
becomes RevisionEndedTheProcess, an ordinary failure of that revision: reported with the state
read afterwards, by every entry point, online, offline and in scratch builds alike.

The conversion happens where every revision file is loaded (runtime/_revision_loading.py):
around the file's own import, and around its upgrade() and downgrade(), whoever calls them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

MIGRATION_FUNCTIONS = ("upgrade", "downgrade")


class RevisionEndedTheProcess(Exception):
    """A revision's code raised SystemExit, which would have ended the command it runs in."""

    def __init__(self, part: str, code: object) -> None:
        as_success = " as a success" if code in (0, None) else ""
        # What `inv` prints after the revision and its place; raw `alembic` shows it whole.
        self.reason = (
            f"{part} raised SystemExit({code!r}) (sys.exit), which would end the command"
            f"{as_success}; fail it by raising an exception"
        )
        super().__init__(self.reason)


def loading_without_exits(load: Callable[[], None]) -> None:
    """Run ``load`` (a revision file's import); its SystemExit fails the file instead."""
    try:
        load()
    except SystemExit as ended:
        raise converted(ended, "loading it") from None


def without_exits(module: ModuleType) -> None:
    """Make ``module``'s upgrade() and downgrade() fail, not end the process, on SystemExit."""
    for name in MIGRATION_FUNCTIONS:
        function = getattr(module, name, None)
        if callable(function):
            setattr(module, name, failing_on_exit(function, f"{name}()"))


def failing_on_exit(function: Callable[..., Any], part: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def run_revision_code(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SystemExit as ended:
            raise converted(ended, part) from None

    return run_revision_code


def converted(ended: SystemExit, part: str) -> RevisionEndedTheProcess:
    """The failure for ``ended``, keeping its traceback: it names the revision's line."""
    return RevisionEndedTheProcess(part, ended.code).with_traceback(ended.__traceback__)
