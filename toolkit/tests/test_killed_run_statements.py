"""A killed MySQL/MariaDB run's statement still running on the server is a run in progress for
every task that would read or repair its mark: status (13), the mark's clearing and an upgrade
refuse as they do while a live run holds the migration lock.

The statement is an UPDATE waiting for a row the test keeps locked: unlike a SLEEP (which
MariaDB ends a few seconds after its client is gone), it runs until the test lets it go.
"""

from __future__ import annotations

import signal
import time

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, connect_admin, only_on

MIGRATION_RUNNING, HALF_APPLIED = 13, 7
CREATE_GATE = """\
    op.create_table("gate", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO gate (id) VALUES (1)")"""
# Commits a table (DDL), then waits for the row the test holds.
ADDS_THEN_WAITS = """\
    op.create_table("slow", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE gate SET id = 1 WHERE id = 1")"""
WAITING = (
    "SELECT 1 FROM information_schema.processlist"
    " WHERE info LIKE 'UPDATE gate%' AND id <> CONNECTION_ID() AND db = DATABASE()"
)


@only_on("mysql", why="only MySQL/MariaDB keep a mark; the statement outlives its client there")
def test_a_killed_runs_statement_still_running_keeps_the_mark_and_the_upgrade_out(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url, "DDL_LOCK_TIMEOUT": "off"}
    project.write_revision("r1.py", revision_source("r1", None, CREATE_GATE, "    pass"))
    project.inv("db.upgrade", env=env)
    project.write_revision("r2.py", revision_source("r2", "r1", ADDS_THEN_WAITS, "    pass"))
    holder = connect_admin(database.kind, database.url)
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM gate WHERE id = 1 FOR UPDATE")
        run = project.start("inv", "db.upgrade", **env)
        deadline = time.monotonic() + 60
        while not database.query(WAITING):
            assert run.poll() is None and time.monotonic() < deadline, "the UPDATE never began"
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=30)

        refused = one_error_line(project.inv("db.clear-migration-mark", code=1, env=env).stderr)
        assert refused.startswith("error: a migration run is in progress (MySQL connection id")
        assert "process stopped) and the mark is its own; nothing was cleared" in refused
        upgrade = project.inv("db.upgrade", code=1, env={**env, "MIGRATION_LOCK_TIMEOUT": "0"})
        assert "process stopped) is still running after 0 s" in one_error_line(upgrade.stderr)
        project.inv("db.status", code=MIGRATION_RUNNING, env=env)
        assert database.query(WAITING), "the statement ended before the test let it go"
    finally:
        holder.close()  # the row goes free: the killed run's statement ends
    deadline = time.monotonic() + 30
    while database.query(WAITING):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    project.inv("db.status", code=HALF_APPLIED, env=env)
