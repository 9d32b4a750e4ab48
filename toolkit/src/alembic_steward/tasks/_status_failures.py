"""The failures `inv db.status` and `inv db.check` share, each ended with status's own exit code.

A database that cannot be reached (5), a server that refuses the user or database (10) and
models no revision can build (14) are the same finding whichever task reads them: CI branching
on one task's code must not meet a plain 1 from the other for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from invoke import Exit

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError


@contextmanager
def status_coded_failures() -> Iterator[None]:
    """Turn an unreachable or refusing database, or unbuildable models, into status's line and
    exit code."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.inspection._unbuildable_defaults import UnbuildableModels

    try:
        yield
    except DBAPIError as error:
        raise connection_failure_exit(error) from None
    except UnbuildableModels as unbuildable:
        # Not the database's state, nor drift: no revision can be written that builds them.
        raise Exit(f"error: {unbuildable}", code=StatusExit.UNBUILDABLE_MODELS) from None


def connection_failure_exit(error: DBAPIError) -> Exit:
    """The Exit for a database `inv db.status` and `inv db.check` could not read: a refused
    sign-in (10: the server answered), an option of the URL the driver refused (1, as every bad
    URL), else an unreachable server (5: CI may wait and retry)."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._connecting import refused_option_line
    from alembic_steward.runtime._damaged_sqlite import damaged_sqlite_line
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._server_databases import target_url
    from alembic_steward.tasks._connection_refusals import refusal_line
    from alembic_steward.tasks._user_errors import without_password
    from alembic_steward.urls import hide_password

    refused = refusal_line(error, target_url())
    if refused is not None:
        # The server answered: no wait or retry helps, so CI must not treat it as code 5.
        return Exit(f"error: {refused}", code=StatusExit.REFUSED)
    refused_option = refused_option_line(error)
    if refused_option is not None:
        return Exit(f"error: {without_password(refused_option)}", code=1)
    damaged = damaged_sqlite_line(error, target_url())
    if damaged is not None:  # no wait or retry helps either
        return Exit(f"error: {damaged}", code=1)
    where = hide_password(get_settings().database_url)
    advice = "check `inv db.url`"
    if target_url().get_backend_name() == "sqlite":  # the file's folder, by name if missing
        from alembic_steward.runtime._connecting import sqlite_file_advice

        advice = sqlite_file_advice(target_url())
    return Exit(
        f"error: cannot reach the database at {where} ({error_reason(error)}); {advice}",
        code=StatusExit.UNREACHABLE,
    )
