"""Turn the errors a user can cause into one line and exit code 1; bugs still raise."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from invoke import Context, Exit

from tasks.db.invoke_defaults import export_invoke_defaults
from tasks.db.startup import import_migration_libraries

# Alembic errors whose text says what happened but not what to do about it, by how they start.
ALEMBIC_ERROR_HINTS = {
    "Target database is not up to date.": (
        " Autogenerate compares the models with a database at head:"
        " run `inv db.upgrade` first, then `inv db.revision` again."
    ),
    "Multiple head": '; run `inv db.merge -m "Merge heads"` to join them into one',
    "downgrade with --sql requires": "; or use `inv db.plan -r REV` to plan from the database",
}


# How Alembic says a revision is not in versions/: a typo in -r, or the database's own revision.
MISSING_REVISION = "Can't locate revision identified by "


def describe_missing_revision(text: str) -> str:
    """Tell a mistyped -r from a database stamped at a revision this checkout lacks."""
    from alembic.script import ScriptDirectory

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from tasks.db.database_state import read_database_state, unknown_revision_message

    revision = text.removeprefix(MISSING_REVISION).strip("'")
    script = ScriptDirectory.from_config(build_alembic_config())
    with get_blocking_engine().connect() as connection:
        unknown = read_database_state(script, connection).unknown
    if revision in unknown:
        return unknown_revision_message(unknown)
    return f"{text}; `inv db.history` lists the revisions this checkout has"


def describe_user_error(error: BaseException) -> str | None:
    """Say what went wrong and what to do, or return None when ``error`` is a bug."""
    # Imported here, not at module level: `inv --list` must not pay for Alembic or SQLAlchemy.
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from app.settings import get_settings, hide_password

    if isinstance(error, (CommandError, RevisionError)):
        text = str(error)
        if text.startswith(MISSING_REVISION):
            return describe_missing_revision(text)
        hints = [hint for start, hint in ALEMBIC_ERROR_HINTS.items() if text.startswith(start)]
        return text + "".join(hints[:1])
    if isinstance(error, ValueError) and raised_in(error, "_parse_url"):
        # SQLAlchemy's URL parser lets int() fail on a port: "invalid literal ...: 'abc'".
        port = str(error).rpartition(": ")[2]
        return (
            f"DATABASE_URL is not a usable SQLAlchemy URL (its port {port} is not a number);"
            " check it with `inv db.url`"
        )
    if isinstance(error, ModuleNotFoundError) and raised_in(error, "import_dbapi"):
        return (
            f"the database driver {error.name!r} named by DATABASE_URL is not installed; "
            f"install it into this environment (python -m pip install {error.name})"
        )
    if isinstance(error, (ArgumentError, NoSuchModuleError)):
        # SQLAlchemy appends a multi-line list of valid forms; the first line says what is wrong.
        reason = str(error).splitlines()[0]
        return f"DATABASE_URL is not a usable SQLAlchemy URL ({reason}); check it with `inv db.url`"
    if isinstance(error, DBAPIError):
        url = hide_password(get_settings().database_url)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"database error at {url}: {reason}"
    return None


def raised_in(error: BaseException, function_name: str) -> bool:
    """Tell whether ``error`` was raised by a function of that name (SQLAlchemy's, for us).

    `import_dbapi` is where a dialect imports its DB-API driver; `_parse_url` where a URL's
    port becomes a number.
    """
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and traceback.tb_frame.f_code.co_name == function_name


def without_password(text: str) -> str:
    """Remove the database password from ``text`` wherever a driver may have echoed it."""
    from app.settings import get_settings, redact_password

    return redact_password(text, get_settings().database_url)


def exit_on_user_error(task_body: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a task so that a user-caused failure ends in one line on stderr and exit code 1.

    Every `db` task passes through here, so this is also where invoke-config defaults are
    exported and the migration libraries loaded (see tasks/db/startup.py).
    """

    @functools.wraps(task_body)
    def run_task(c: Context, *args: Any, **kwargs: Any) -> Any:
        try:
            import_migration_libraries()
            export_invoke_defaults(c)
            return task_body(c, *args, **kwargs)
        except Exit:
            raise
        except Exception as error:
            message = describe_user_error(error)
            if message is None:
                raise
            raise Exit(f"error: {without_password(message)}", code=1) from None

    return run_task
