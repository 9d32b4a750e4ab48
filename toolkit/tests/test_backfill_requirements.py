"""A revision that requires a backfill (`require_backfill(NAME)`) is refused by name until the
backfill finished, finishes a few pending rows inline, and a runner whose revision a downgrade
reverted stops saying where the database is (issue 23)."""

from __future__ import annotations

from backfill_histories import (
    ROWS,
    history_with_backfill,
    lowered,
    require_in_next_revision,
)
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import inv


@only_on(
    "sqlite",
    "mysql",
    why="the gate's reads are the same SQL everywhere; MySQL/MariaDB must be left without a mark",
)
def test_a_revision_requiring_the_backfill_is_refused_by_name_until_it_finished(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database)
    require_in_next_revision(project, database, declaring)
    refused = inv(project, database, "db.upgrade", code=1)
    assert "requires backfill users_lower (declared by revision bf0001)" in refused
    assert "it has not been started" in refused and "db.backfill run users_lower" in refused
    assert database.revisions() == {declaring}
    # The deploy entry point says the same in one line (it printed the revision's traceback).
    deployed = project.run(
        "python", "-m", "app.migrations", "upgrade", env={"DATABASE_URL": database.url}
    )
    assert deployed.returncode == 1 and "Traceback" not in deployed.stderr, deployed.stderr
    line = one_error_line(deployed.stderr)
    assert line.startswith("error: upgrade failed:") and "requires backfill users_lower" in line
    assert database.revisions() == {declaring}
    inv(project, database, "db.backfill", "run", "users_lower")
    inv(project, database, "db.upgrade")
    assert database.revisions() == {"bf0002"}


@only_on("sqlite", "postgresql", why="the same reads and writes as on PostgreSQL; kept short")
def test_rows_written_after_it_finished_are_backfilled_by_a_rerun_before_the_requirement(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    # The previous release, still serving during the expand phase, inserts rows it cannot set.
    values = ", ".join(f"({n}, 'LATE{n}@EXAMPLE.COM')" for n in range(1001, 1021))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    listed = inv(project, database, "db.status")
    again = "backfill: users_lower (revision bf0001): finished earlier (250 rows in 3 batches,"
    assert again in listed and "but 20 rows are pending again" in listed, listed
    assert "`inv db.backfill run users_lower` updates them" in listed, listed
    require_in_next_revision(project, database, declaring)
    refused = inv(project, database, "db.upgrade", code=1)
    assert (
        "requires backfill users_lower (declared by revision bf0001) to have finished, but"
        " more than 10 rows written since it finished (by code that does not set them) are"
        " pending again; run `inv db.backfill run users_lower`, then upgrade again"
    ) in refused, refused
    rerun = inv(project, database, "db.backfill", "run", "users_lower")
    assert "running it again from the first key" in rerun and "20 rows in" in rerun
    inv(project, database, "db.upgrade")
    assert lowered(database) == ROWS + 20


@only_on("sqlite", why="the gate's reads are the same SQL on every database")
def test_a_fresh_database_passes_the_requirement_and_a_few_rows_are_finished_inline(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database, rows=5)
    stopped = run_under_a_downgrade(project, database)
    assert (
        "backfill users_lower stopped: the database is at base (read from the database), below"
        " its revision bf0001: a downgrade reverted it, and the backfill's record and cursor"
        " with it; `inv db.upgrade -r bf0001`, then `inv db.backfill run users_lower` starts it"
    ) in stopped, stopped
    database.query(f"INSERT INTO alembic_version VALUES ('{declaring}')")
    database.query("UPDATE users SET email_lower = NULL")
    require_in_next_revision(project, database, declaring)
    inv(project, database, "db.upgrade")
    assert lowered(database) == 5
    # Finished inline: no run recorded, but nothing is pending.
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert "finished, no row is pending (no run recorded)" in status, status


def run_under_a_downgrade(project: Project, database: ServerDatabase) -> str:
    """Run the backfill in this process while, after its first batch, a downgrade (of a
    release that did not refuse it) reverts its revision; return the line it stopped with."""
    from sqlalchemy import create_engine

    with project.imported():
        from alembic_steward.runtime._backfill_commands import load
        from alembic_steward.runtime._backfill_runs import BackfillRefused, run_backfill

        def downgraded(_progress: object) -> None:
            database.query("DELETE FROM alembic_backfills")
            database.query("DELETE FROM alembic_version")

        engine = create_engine(database.url)
        try:
            run_backfill(
                engine,
                load()[1]["users_lower"],
                resume=False,
                report=downgraded,
                stop_requested=lambda: False,
                pause_seconds=0,
            )
        except BackfillRefused as refused:
            return str(refused)
        finally:
            engine.dispose()
    raise AssertionError("the run went on below its revision")
