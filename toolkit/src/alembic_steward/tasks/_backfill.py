"""`inv db.backfill run|pause|resume|status NAME`: batched data migrations, run online."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

ACTIONS = ("run", "pause", "resume", "status")


@task(
    positional=["action", "name"],
    help={
        "action": "run, pause, resume or status",
        "name": "the backfill's name, as its revision declares it (status: or `all`)",
        "pause": "seconds to wait between batches (default: the backfill's pause_seconds)",
    },
)
@exit_on_user_error
def backfill(c: Context, action: str, name: str, pause: float | None = None) -> None:
    """Run a revision's batched data migration outside the migration transaction.

    `run NAME` updates batch after batch, each committed with its cursor, and resumes where a
    killed run stopped; `pause NAME` stops a running one after its current batch; `resume NAME`
    continues a paused one; `status NAME` (or `status all`) shows progress.
    """
    from alembic_steward.runtime._backfill_commands import backfill_command

    if action not in ACTIONS:
        raise Exit(
            f"error: unknown backfill action {action!r}; use one of {', '.join(ACTIONS)}",
            code=1,
        )
    code = backfill_command(action, name, pause=None if pause is None else float(pause))
    if code:
        raise Exit(code=code)
