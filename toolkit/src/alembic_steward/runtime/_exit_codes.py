"""The exit code of a failure that has a documented one, for `inv` and the deploy command alike:
one failure, one code, whichever command met it."""

from __future__ import annotations


def exit_code_of(error: BaseException) -> int:
    """1, or the documented code of an error that has one (75: a lock wait given up on, 9: an
    upgrade with nothing to run over a stamp that found differences, 10: a server that refused
    the sign-in or the database, as `db.status` exits for it)."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._connecting import DatabaseUnreachable
    from alembic_steward.runtime._driver_errors import sign_in_refusal
    from alembic_steward.runtime._lock_retries import LockWaitGaveUp
    from alembic_steward.runtime._stamp_differences import StampedAhead

    if isinstance(error, (LockWaitGaveUp, StampedAhead)):
        return error.exit_code
    if isinstance(error, DatabaseUnreachable) and sign_in_refusal(error.driver_error):
        return StatusExit.REFUSED
    # A scratch database refused with DATABASE_URL's own credentials (`db.schema`, `db.squash`).
    if isinstance(error, ScratchDatabaseRefused) and error.driver_error is not None:
        # Its driver error is the connection's: a sign-in refused, else a server not reached.
        return StatusExit.REFUSED if sign_in_refusal(error.driver_error) else StatusExit.UNREACHABLE
    # Refused reading the version table (PostgreSQL lets any user connect) is a refusal too; a
    # migration's own statement refused is that migration's failure, exit 1, as its line says.
    if isinstance(error, DBAPIError) and sign_in_refusal(error):
        from alembic_steward.runtime._migration_frames import migration_frame

        return StatusExit.REFUSED if migration_frame(error) is None else 1
    return 1
