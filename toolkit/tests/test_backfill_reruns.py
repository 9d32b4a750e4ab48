"""A backfill run again: on a paused backfill (a state, not a failure), after rows turned
pending again (each key counted once), read as JSON, and the lock files a SQLite run leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backfill_histories import ROWS, history_with_backfill, lowered, record
from project import Project
from servers import ServerDatabase, only_on
from test_backfill_status import backfilled  # noqa: F401 - the fixture, used by name
from test_backfill_tenants import Tenants, rows_of
from test_drift_detection import inv


@only_on(
    "sqlite",
    "postgresql",
    why="a paused record is read by the same query everywhere; test_backfills runs each database",
)
def test_run_on_a_paused_backfill_says_it_is_paused_and_is_no_failure(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    inv(project, database, "db.backfill", "pause", "users_lower")
    # A tester's deploy failed here (`error:`, exit 1): the pause was deliberate.
    said = inv(project, database, "db.backfill", "run", "users_lower")
    assert "error:" not in said, said
    assert "backfill users_lower is paused after 0 rows; nothing was run" in said, said
    assert "`inv db.backfill resume users_lower` continues it" in said, said
    assert lowered(database) == 0 and record(database)[0] == "paused"


def test_a_paused_tenants_run_row_is_paused_not_failed(
    backfilled: Tenants,  # noqa: F811 - the fixture imported above
    capsys: pytest.CaptureFixture[str],
) -> None:
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command

    project, _query, _tenancy, (acme, globex) = backfilled
    with project.imported():
        backfill_tenants_command("pause", "notes_title", tenants=acme, tenancy=None)
        capsys.readouterr()
        code = backfill_tenants_command(
            "run", "notes_title", tenants=None, tenancy=None, as_json=True
        )
        rows = rows_of(capsys.readouterr().out)
    assert code == 0, rows
    assert rows[acme]["outcome"] == "paused" and "nothing was run" in rows[acme]["detail"], rows
    assert rows[acme]["exit_code"] == 0, rows  # the code `run` gives that tenant alone
    assert rows[globex]["outcome"] == "finished", rows


def test_a_rerun_over_keys_it_updated_before_counts_each_key_once(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    # Every row pending again: the rerun walks every key, and the count stays the table's.
    database.query("UPDATE users SET email_lower = NULL")
    inv(project, database, "db.backfill", "run", "users_lower")
    assert lowered(database) == ROWS and record(database)[2] == ROWS, record(database)
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert f"finished, {ROWS} rows in" in status, status
    # Rows written since by code that does not set them are new keys: each counts.
    values = ", ".join(f"({n}, 'LATE{n}@EXAMPLE.COM')" for n in range(1001, 1021))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    inv(project, database, "db.backfill", "run", "users_lower")
    assert record(database)[2] == ROWS + 20, record(database)


@only_on(
    "sqlite",
    "postgresql",
    why="the document is built from the same reads everywhere; test_backfills runs each database",
)
def test_status_of_one_database_reads_as_json(project: Project, database: ServerDatabase) -> None:
    history_with_backfill(project, database)
    env = {"DATABASE_URL": database.url}
    before = json.loads(project.inv("db.backfill", "status", "all", "--json", env=env).stdout)
    assert [(each["name"], each["state"], each["pending"]) for each in before] == [
        ("users_lower", "not started", ROWS)
    ], before
    inv(project, database, "db.backfill", "run", "users_lower")
    after = json.loads(
        project.inv("db.backfill", "status", "users_lower", "--json", env=env).stdout
    )
    assert [(each["state"], each["done"]) for each in after] == [("finished", ROWS)], after
    assert after[0]["text"].startswith("backfill users_lower (revision bf0001): finished"), after
    deployed = project.run(
        "python", "-m", "app.migrations", "backfill", "status", "all", "--json", env=env
    )
    assert json.loads(deployed.stdout) == after, deployed.stdout + deployed.stderr
    # Only status reads: a run's report over one database is its lines.
    refused = project.inv("db.backfill", "run", "users_lower", "--json", code=1, env=env)
    assert "--json" in json.loads(refused.stdout)["error"], refused.stdout


@only_on("sqlite", why="the lock files are SQLite's: the servers' locks are the server's")
def test_drop_removes_the_backfill_lock_files_beside_the_database(
    project: Project, database: ServerDatabase, tmp_path: Path
) -> None:
    history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    assert (tmp_path / "safety.db-backfill-users_lower-lock").exists()
    inv(project, database, "db.drop", "--yes")
    assert [path.name for path in tmp_path.glob("safety.db*")] == []


@only_on("postgresql", why="only PostgreSQL refuses to compare the old integer cursor with text")
def test_a_finished_backfill_whose_key_changed_fails_with_the_full_line_and_is_failed(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    database.query("UPDATE users SET email_lower = NULL WHERE id <= 10")
    path = project.versions / "bf0001_backfill.py"
    path.write_text(path.read_text().replace('key="id"', 'key="email"'))
    # The batches ran under key id: refused as a changed declaration, nothing run.
    changed = inv(project, database, "db.backfill", "run", "users_lower", code=1)
    assert "changed (key `id` → `email`) after 250 rows in 3 batches" in changed, changed
    assert record(database)[0] == "finished", record(database)
    # Accepted, its walk from the first key is refused by the database.
    said = inv(project, database, "db.backfill", "run", "users_lower", "--accept-changed", code=1)
    line = [each for each in said.splitlines() if each.startswith("error:")][-1]
    assert line.startswith("error: backfill users_lower (revision bf0001) failed:"), line
    assert "its `key` (email) was refused by the database: operator does not exist" in line, line
    assert "fix the Backfill declaration in revision bf0001, then" in line, line
    assert "runs it again from the first key" in line, line
    assert record(database)[0] == "failed", record(database)
    shown = project.run("inv", "db.backfill", "status", "users_lower", env=env_of(database))
    status = shown.stdout + shown.stderr
    assert "failed" in status and "pending again" not in status, status
    # The advised way on: fixed, the run walks from the first key and lowers the ten rows.
    path.write_text(path.read_text().replace('key="email"', 'key="id"'))
    inv(project, database, "db.backfill", "run", "users_lower")
    assert lowered(database) == ROWS and record(database)[0] == "finished", record(database)


def env_of(database: ServerDatabase) -> dict[str, str]:
    return {"DATABASE_URL": database.url}
