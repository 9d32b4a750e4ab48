"""Ctrl-C while a check drops its scratch database still drops it, or names it as left.

The signal used to land in the DROP DATABASE that ends a finished build: the drop stopped, the
database stayed on the server, and the line said "no migration ran and nothing changed", as if
nothing of the run remained.
"""

from __future__ import annotations

import signal
import time
from urllib.parse import urlsplit

import pytest
from project import Project, revision_source
from servers import ServerDatabase, connect_admin, only_on

# Enough tables that dropping their database takes a moment the test can see.
TABLES = 60
TABLE = '    op.create_table("t{i}", sa.Column("id", sa.Integer, primary_key=True))'
MODEL = 'Table("t{i}", Base.metadata, Column("id", Integer, primary_key=True))'


def many_tables_with_drift(project: Project) -> None:
    """A revision making TABLES tables; models holding them and one more (drift)."""
    body = "\n".join(TABLE.format(i=i) for i in range(TABLES))
    project.write_revision("r1_many.py", revision_source("r1", None, body))
    models = project.path / "app" / "models.py"
    source = models.read_text().replace(
        "from sqlalchemy import MetaData\n",
        "from sqlalchemy import Column, Integer, MetaData, Table\n",
    )
    tables = "\n".join(MODEL.format(i=i) for i in range(TABLES + 1))
    models.write_text(f"{source}\n{tables}\n")


def scratch_databases(database: ServerDatabase) -> set[str]:
    name = urlsplit(database.url).path.lstrip("/")
    rows = database.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{name}\\_%'")
    return {row[0] for row in rows}


def stopped_in_its_drop(project: Project, database: ServerDatabase, command: str) -> str:
    """Run ``command``, send SIGINT while the server drops its scratch database; its stderr."""
    name = urlsplit(database.url).path.lstrip("/")
    watch = connect_admin(database.kind, database.url)
    running = project.start("inv", command, DATABASE_URL=database.url)
    try:
        dropping = (
            "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
            f" AND query LIKE 'DROP DATABASE IF EXISTS %{name}\\_scratch\\_%'"
        )
        deadline = time.monotonic() + 120
        while running.poll() is None and time.monotonic() < deadline:
            if watch.execute(dropping).fetchone():
                running.send_signal(signal.SIGINT)
                break
            time.sleep(0.002)  # a poll without a pause took a core from the run it watched
        else:
            pytest.fail("the run never dropped a scratch database")
        _, stderr = running.communicate(timeout=60)
    finally:
        watch.close()
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 130, stderr
    return stderr


@only_on("postgresql", why="MariaDB's drop empties the tables first, then drops at once")
@pytest.mark.parametrize("command", ["db.check", "db.status"])
def test_ctrl_c_while_the_scratch_database_is_dropped_still_drops_it(
    project: Project, database: ServerDatabase, command: str
) -> None:
    many_tables_with_drift(project)
    upgraded = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    assert upgraded.returncode == 0, upgraded.stderr
    stderr = stopped_in_its_drop(project, database, command)
    assert "Traceback" not in stderr, stderr
    left = scratch_databases(database)
    line = stderr.splitlines()[-1]
    assert left == set(), line
    assert "the scratch database was removed" in line, line
    # Worded by what it was doing: it said "while it built a scratch database".
    assert "while it dropped a scratch database" in line, line
