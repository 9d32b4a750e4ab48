"""An error Alembic's autogenerate comparison raised, told apart from a revision failing.

Both reach the checks as the same SQLAlchemyError from a scratch database. A revision's
upgrade() failing means the history cannot build a new database (fix that revision); the
comparison failing (a query Alembic runs to compare a column's default, say) means only that
autogenerate cannot write the revision here: the migrations build, and the catalogs' verdict
stands. Which one it was is read from where the error was raised.
"""

from __future__ import annotations

# Alembic's comparison: one module before 1.16, a package of them since.
COMPARISON_MODULES = "alembic.autogenerate.compare"


def raised_in_comparison(error: BaseException) -> bool:
    """Whether ``error`` was raised inside autogenerate's comparison of models and database."""
    traceback = error.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if module == COMPARISON_MODULES or module.startswith(f"{COMPARISON_MODULES}."):
            return True
        traceback = traceback.tb_next
    return False


def comparison_failure(error: Exception) -> str:
    """`autogenerate's own comparison fails on this database (UndefinedTable: ...)`."""
    from alembic_steward.inspection._revision_comparison import scratch_failure_reason

    return f"autogenerate's own comparison fails on this database ({scratch_failure_reason(error)})"
