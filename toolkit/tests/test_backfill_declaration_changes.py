"""A backfill's declaration edited between two runs, after batches were committed under the
old one: the run refuses, naming what changed and what was done, until the declaration is put
back or the change is accepted (`--accept-changed`); batch size and pause are free to tune.

A README-only tester killed `users_email_lower` part-way, changed its `set` from lower() to
upper() and its batch size, and ran it again: "finished", no warning, the table half each.
"""

from __future__ import annotations

from pathlib import Path

from backfill_histories import (
    BATCH,
    LONG_PAUSE,
    REQUIRING,
    ROWS,
    history_with_backfill,
    record,
    wait_for,
)
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_backfill_tenants import Tenants, rows_of, sqlite_tenants, upgrade_with_notes
from test_drift_detection import inv

__all__ = ["sqlite_tenants"]  # the fixture

LOWER, UPPER = "email_lower = lower(email)", "email_lower = upper(email)"


def killed_after_a_batch(project: Project, database: ServerDatabase) -> None:
    history_with_backfill(project, database, pause=LONG_PAUSE)
    running = project.start("inv", "db.backfill", "run", "users_lower", DATABASE_URL=database.url)
    wait_for(lambda: record(database) and record(database)[3] >= 1)
    running.kill()  # SIGKILL: the open batch is rolled back, the committed ones stay
    running.communicate()


def edit(project: Project, old: str, new: str) -> None:
    revision = project.versions / "bf0001_backfill.py"
    revision.write_text(revision.read_text().replace(old, new))


def test_a_run_under_a_changed_set_is_refused_until_the_change_is_accepted(
    project: Project, database: ServerDatabase
) -> None:
    killed_after_a_batch(project, database)
    edit(project, LOWER, UPPER)
    edit(project, f"batch_size={BATCH}", "batch_size=40")
    before = record(database)
    _state, _cursor, done, batches = before
    refused = inv(project, database, "db.backfill", "run", "users_lower", code=1)
    assert f"set `{LOWER}` → `{UPPER}`" in refused, refused
    assert f"after {done} rows in {batches} batch" in refused and "nothing ran" in refused
    assert "`inv db.backfill run users_lower --accept-changed`" in refused, refused
    assert "batch_size" not in refused and record(database) == before
    # An installed service is told its own command.
    deployed = project.run(
        "python", "-m", "app.migrations", "backfill", "resume", "users_lower",
        env={"DATABASE_URL": database.url},
    )  # fmt: skip
    assert deployed.returncode == 1, deployed.stderr
    accept = "`python -m app.migrations backfill resume users_lower --accept-changed`"
    assert accept in deployed.stderr, deployed.stderr
    # db.status flags it before anyone runs it.
    status = inv(project, database, "db.status")
    assert "its declaration changed since those batches (set" in status, status
    ran = inv(project, database, "db.backfill", "run", "users_lower", "--accept-changed",
              "--pause", "0")  # fmt: skip
    assert "finished." in ran and record(database)[0] == "finished", ran
    written = [row[0] for row in database.query("SELECT email_lower FROM users")]
    assert sum(each.isupper() for each in written) == ROWS - done, (
        ran
    )  # the rows the old set did stay as they were
    assert "declaration changed" not in inv(project, database, "db.backfill", "status", "all")


def test_a_new_batch_size_goes_on_and_a_record_from_before_fingerprints_is_kept(
    project: Project, tmp_path: Path
) -> None:
    database = ServerDatabase("sqlite", f"sqlite:///{tmp_path / 'changes.db'}")
    killed_after_a_batch(project, database)
    edit(project, f"batch_size={BATCH}", "batch_size=40")  # pacing only: safe to tune
    edit(project, f"pause_seconds={LONG_PAUSE}", "pause_seconds=0")
    stopped = inv(project, database, "db.backfill", "status", "users_lower")
    assert "declaration changed" not in stopped, stopped
    # A record an older toolkit wrote has no declaration beside it: nothing to compare with.
    database.query("DELETE FROM alembic_backfill_declarations")
    edit(project, LOWER, UPPER)
    ran = inv(project, database, "db.backfill", "run", "users_lower")
    assert "finished." in ran and record(database)[0] == "finished", ran


def test_a_tenant_s_row_names_the_accept_for_that_tenant(sqlite_tenants: Tenants) -> None:
    project, query, _tenancy, (acme, _globex) = sqlite_tenants
    upgrade_with_notes(sqlite_tenants)
    project.inv("db.backfill", "run", "notes_title", "--tenants", acme)
    query(acme, "INSERT INTO notes (id, body) VALUES (99, 'late')")  # pending again
    revision = project.versions / "0004_backfill.py"
    revision.write_text(revision.read_text().replace("title = body", "title = upper(body)"))
    ran = project.run("inv", "db.backfill", "run", "notes_title", "--all-tenants", "--json")
    assert ran.returncode == 76, ran.stderr
    row = rows_of(ran.stdout)[acme]
    assert "set `title = body` → `title = upper(body)`" in row["detail"], row
    accepted = f"run notes_title --accept-changed --tenants {acme}".split()
    assert f"`inv db.backfill {' '.join(accepted)}`" in row["detail"], row
    project.inv("db.backfill", *accepted)
    assert query(acme, "SELECT title FROM notes WHERE id = 99") == [("LATE",)]


def test_a_paused_backfill_s_advice_names_the_change_its_resume_would_be_refused_for(
    project: Project, tmp_path: Path
) -> None:
    """`run` on a paused backfill whose declaration changed said "`resume NAME` continues
    it", and that resume was refused: the advice names the change and `--accept-changed`."""
    database = ServerDatabase("sqlite", f"sqlite:///{tmp_path / 'paused.db'}")
    killed_after_a_batch(project, database)
    inv(project, database, "db.backfill", "pause", "users_lower")
    edit(project, LOWER, UPPER)
    told = inv(project, database, "db.backfill", "run", "users_lower")
    accept = "`inv db.backfill resume users_lower --accept-changed`"
    assert f"set `{LOWER}` → `{UPPER}`" in told and accept in told, told
    assert "`inv db.backfill resume users_lower` continues it" not in told, told
    paused = inv(project, database, "db.backfill", "pause", "users_lower")
    assert accept in paused, paused
    ran = inv(project, database, "db.backfill", "resume", "users_lower", "--accept-changed",
              "--pause", "0")  # fmt: skip
    assert "finished." in ran, ran


@only_on("sqlite", why="the gate reads the declaration records alike on every database")
def test_a_required_backfill_is_not_finished_inline_under_a_changed_declaration(
    project: Project, database: ServerDatabase
) -> None:
    killed_after_a_batch(project, database)
    edit(project, LOWER, UPPER)
    upgrade = '    require_backfill("users_lower", finish_inline_up_to=1000)'
    source = revision_source("bf0002", "bf0001", upgrade)
    project.write_revision(
        "bf0002_require.py",
        source.replace("from alembic import op\n", "from alembic import op\n" + REQUIRING),
    )
    before = record(database)

    status = inv(project, database, "db.status", code=2)
    assert "not finished inline under a declaration changed since batches ran" in status, status
    assert "`inv db.backfill run users_lower --accept-changed`" in status, status
    refused = inv(project, database, "db.upgrade", code=1)
    assert f"its declaration changed (set `{LOWER}` → `{UPPER}`)" in refused, refused
    assert "rows done under both" in refused and record(database) == before
