"""The one error policy of the `db` tasks: every failure ends in one true line and an exit code.

A user-caused error gets a line saying what happened and what to do; a failed migration two
(what failed where, and the state it left); anything else its type, message and the project
line it came from. The policy itself never raises: if describing an error fails, a generic
line is printed instead. `INV_TRACEBACK=1` shows the full traceback (which may hold a password).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from invoke import Context, Exit

from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes
from alembic_steward.runtime._project_lines import innermost_project_line
from alembic_steward.runtime._traceback_switch import TRACEBACK_VARIABLE, tracebacks_wanted
from alembic_steward.tasks._early_signals import TaskRuns
from alembic_steward.tasks._invoke_defaults import export_invoke_defaults
from alembic_steward.tasks._json_errors import print_json_error
from alembic_steward.tasks._repeated_warnings import stored_computed_warning_once
from alembic_steward.tasks._startup import import_migration_libraries
from alembic_steward.tasks._uncaught_errors import silence_closed_stdout

TRACEBACK_HINT = f"set {TRACEBACK_VARIABLE}=1 for the full traceback"
# Alembic errors whose text says what happened but not what to do about it, by how they start.
ALEMBIC_ERROR_HINTS = {
    "Target database is not up to date.": (
        " Autogenerate compares the models with a database at head:"
        " run `inv db.upgrade` first, then `inv db.revision` again."
    ),
    "downgrade with --sql requires": "; or use `inv db.plan -r REV` to plan from the database",
    "Can't locate revision": "; list the revisions with `inv db.history`",
    "No such revision": "; list the revisions with `inv db.history`",
}
# How Alembic refuses `head` when the history has several: said in the toolkit's words instead.
MULTIPLE_HEADS = "Multiple head"
# How Alembic says a revision is not in versions/: a typo in -r, or the database's own revision.
MISSING_REVISION = "Can't locate revision identified by "


def several_heads_line() -> str | None:
    """The line every task (and `db.status`'s blocked state) gives for several heads, naming
    them; None where the history, read again, has one."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._database_state import several_heads_message
    from alembic_steward.runtime._config import build_alembic_config

    heads = list(ScriptDirectory.from_config(build_alembic_config()).get_heads())
    return several_heads_message(heads) if len(heads) > 1 else None


def describe_missing_revision(text: str) -> str:
    """Tell a mistyped -r from a database stamped at a revision this checkout lacks."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import (
        read_database_state,
        unknown_revision_message,
    )
    from alembic_steward.runtime._config import build_alembic_config

    revision = text.removeprefix(MISSING_REVISION).strip("'")
    script = ScriptDirectory.from_config(build_alembic_config())
    with get_blocking_engine().connect() as connection:
        unknown = read_database_state(script, connection).unknown
    if revision in unknown:
        return unknown_revision_message(unknown)
    return f"{text}; `inv db.history` lists the revisions this checkout has"


def describe_user_error(error: BaseException) -> str | None:
    """Say what went wrong and what to do, or return None when ``error`` is not the user's."""
    # Imported here, not at module level: `inv --list` must not pay for Alembic or SQLAlchemy.
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from alembic_steward._wiring import get_settings
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.runtime._connecting import DatabaseUnreachable, refused_option_line
    from alembic_steward.runtime._driver_errors import error_reason, missing_driver_line
    from alembic_steward.runtime._offline_runs import ran_offline
    from alembic_steward.runtime._protection import EmptyProtectedList
    from alembic_steward.runtime._revision_prefixes import ambiguous_missing_revision
    from alembic_steward.runtime._server_databases import target_url
    from alembic_steward.settings import EnvFileError
    from alembic_steward.tasks._connection_refusals import refusal_line
    from alembic_steward.tasks._failed_migration import describe_failed_migration
    from alembic_steward.urls import DatabaseUrlError, hide_password

    if isinstance(error, DatabaseUnreachable):
        # The tasks say which refusal it was, with the fix for each.
        refused = refusal_line(error.driver_error, target_url())
        return refused or str(error)
    # A scratch database's sign-in refused is DATABASE_URL's user refused (the same credentials).
    if isinstance(error, ScratchDatabaseRefused) and error.driver_error is not None:
        refused = refusal_line(error.driver_error, target_url())
        if refused is not None:
            return refused
        # Not refused: the server could not be reached at all, as db.status says it.
        return (
            f"cannot reach the database at {hide_password(get_settings().database_url)}"
            f" ({error_reason(error.driver_error)}); check that the server is running and"
            " reachable, or check `inv db.url`"
        )
    failed_migration = describe_failed_migration(error)
    if failed_migration is not None:
        return failed_migration
    if isinstance(error, (DatabaseUrlError, EmptyProtectedList, EnvFileError)):
        return str(error)
    if isinstance(error, (CommandError, RevisionError)):
        text = str(error)
        # Offline, the revision is the -r given (the database's own was read before the run),
        # and reading the database to tell them apart would create a missing SQLite file.
        if text.startswith(MISSING_REVISION):
            # Alembic says a prefix several ids start with is missing: it names several.
            ambiguous = ambiguous_missing_revision(text)
            if ambiguous is not None:
                return ambiguous
            if not ran_offline(error):
                return describe_missing_revision(text)
        if text.startswith(MULTIPLE_HEADS):
            return several_heads_line() or text
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
        return missing_driver_line(str(error.name))
    if isinstance(error, (ArgumentError, NoSuchModuleError)):
        # SQLAlchemy appends a multi-line list of valid forms; the first line says what is wrong.
        reason = str(error).splitlines()[0]
        return f"DATABASE_URL is not a usable SQLAlchemy URL ({reason}); check it with `inv db.url`"
    if isinstance(error, DBAPIError):
        from alembic_steward.runtime._damaged_sqlite import damaged_sqlite_line

        refused = (
            refusal_line(error, target_url())
            or refused_option_line(error)
            or damaged_sqlite_line(error, target_url())
        )
        if refused is not None:
            return refused
        url = hide_password(get_settings().database.value)
        from alembic_steward.runtime._connecting import missing_sqlite_folder, sqlite_file_advice

        # A SQLite file in a missing folder: "unable to open database file" alone hides that.
        folder = missing_sqlite_folder(target_url())
        advice = f"; {sqlite_file_advice(target_url())}" if folder is not None else ""
        return f"database error at {url}: {error_reason(error)}{advice}"
    return None


def describe_unexpected(error: BaseException) -> str:
    """One line for an error no rule covers: its type, message and the project line it left."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    where = innermost_project_line(error)
    at = f" (at {where})" if where else ""
    return f"{type(error).__name__}: {first_line}{at}; {TRACEBACK_HINT}"


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
    """Hide DATABASE_URL's password in ``text``: in any URL's password field, or as an argument."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.settings import EnvFileError
    from alembic_steward.urls import redact_password

    try:
        url = get_settings().database.value
    except EnvFileError:
        return text  # no setting was read, so no message can hold the password
    return redact_password(text, url)


def with_offline_state(error: BaseException, message: str) -> str:
    """End the message of an error that stopped an offline run with its state line, once."""
    from alembic_steward.runtime._offline_runs import offline_state_line, ran_offline

    if not ran_offline(error):
        return message
    state = offline_state_line(error)
    return message if state in message else f"{message}\n{state}"


def error_line(error: BaseException) -> str:
    """The message for ``error``, password removed; never raises."""
    try:
        message = describe_user_error(error) or describe_unexpected(error)
        message = with_offline_state(error, message)
        return "\n".join(f"error: {line}" for line in without_password(message).splitlines())
    except BaseException:  # noqa: BLE001 - the policy must end in one line, whatever failed
        # Only the type: its message could hold the password we just failed to remove.
        return f"error: the task failed with {type(error).__name__}; {TRACEBACK_HINT}"


def end_quietly_on_closed_pipe() -> Exit:
    """Stop writing to a reader that has gone (`inv db.upgrade --sql | head`), without noise."""
    silence_closed_stdout()
    return Exit(code=0)


def exit_on_user_error(
    task_body: Callable[..., Any] | None = None, *, reads_only: bool = False
) -> Any:
    """Wrap a task so that any failure ends in one line on stderr and a non-zero exit code.

    Every `db` task passes through here, so this is also where invoke-config defaults are
    exported and the migration libraries loaded (see tasks/_startup.py). A task that runs no
    migration is wrapped with ``@exit_on_user_error(reads_only=True)``: a signal's line then
    says nothing ran on the database, where a migration's says what stays applied.
    """
    if task_body is None:
        return functools.partial(exit_on_user_error, reads_only=reads_only)

    @functools.wraps(task_body)
    def run_task(c: Context, *args: Any, **kwargs: Any) -> Any:
        # Until signals_raise below, a signal ends `inv` at once (tasks/_early_signals.py).
        outer_phase, TaskRuns.phase = TaskRuns.phase, "starting"
        import_migration_libraries()
        # Here, not at module level: `inv --list` must not pay for importing app.migrations.
        from alembic_steward.runtime._interruptions import (
            HeldSignal,
            Terminated,
            exit_code_and_line,
            signals_raise,
        )

        if outer_phase is None:  # a task of its own (not one another task called): its count
            HeldSignal.started = 0
        try:
            with signals_raise(), warnings.catch_warnings(), stored_computed_warning_once():
                TaskRuns.phase = "running"
                # Alembic warns before its KeyError for a missing revision; we explain that.
                warnings.filterwarnings("ignore", message=r"Revision \S+ referenced from")
                # Batch mode and autogenerate reflect SQLite's expression indexes with a warning
                # in any task; the catalog and runtime/_batch_losses.py read them themselves.
                ignore_skipped_expression_indexes()
                from alembic_steward.runtime._revision_ids import refusing_duplicate_revision_ids

                # Every task that reads the history reads it through here: one id in two files
                # fails as that, before any advice built on the confused history.
                with refusing_duplicate_revision_ids():
                    from alembic_steward.tasks._core_flags import refuse_core_flags_after

                    refuse_core_flags_after(task_body)
                    export_invoke_defaults(c)
                    return task_body(c, *args, **kwargs)
        except Exit as stop:
            print_json_error(stop, kwargs)
            raise
        except BrokenPipeError:
            raise end_quietly_on_closed_pipe() from None
        except (KeyboardInterrupt, Terminated) as error:
            if tracebacks_wanted():
                raise
            code, line = exit_code_and_line(error, reads_only=reads_only)
            stop = Exit(line, code=code)
            print_json_error(stop, kwargs)
            raise stop from None
        except Exception as error:
            if tracebacks_wanted():
                raise
            from alembic_steward.runtime._exit_codes import exit_code_of

            stop = Exit(error_line(error), code=exit_code_of(error))
            print_json_error(stop, kwargs)
            raise stop from None
        finally:
            TaskRuns.phase = outer_phase  # a task another task called leaves the caller's

    return run_task
