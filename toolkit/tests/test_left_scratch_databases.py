"""Scratch databases a killed run left (kill -9 during a cold db.check) are removed by a later
run that builds one, once they are old enough and no session uses them; a live run's never
(README "What is kept between runs", docs/failures.md)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from project import Project
from servers import ServerDatabase, connect_admin, only_on, with_database

from alembic_steward.inspection._left_scratch_databases import MINIMUM_AGE_SECONDS


def scratch_name(database: ServerDatabase, label: str, made_seconds_ago: float) -> str:
    """A name as inspection/_scratch_database.py gives one, made ``made_seconds_ago``."""
    own = urlsplit(database.url).path.lstrip("/")
    return f"{own[:40]}_{label}_{int(time.time() - made_seconds_ago):08x}beef"


def server_databases(database: ServerDatabase) -> set[str]:
    sql = (
        "SELECT datname FROM pg_database"
        if database.kind == "postgresql"
        else "SELECT schema_name FROM information_schema.schemata"
    )
    return {row[0] for row in database.query(sql)}


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_cold_check_removes_the_scratch_databases_a_killed_run_left(
    project: Project, database: ServerDatabase
) -> None:
    old = MINIMUM_AGE_SECONDS + 3600
    left = scratch_name(database, "scratch", old)
    left_models = scratch_name(database, "models", old)
    young = scratch_name(database, "models", 5)  # a live run may be about to connect to it
    in_use = scratch_name(database, "scratch", old + 1)
    admin = connect_admin(database.kind, database.url)
    created = [left, left_models, young, in_use]
    try:
        with admin.cursor() as cursor:
            for name in created:
                cursor.execute(f"CREATE DATABASE {name}")
        user = connect_admin(database.kind, with_database(database.url, in_use))
        try:
            check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
        finally:
            user.close()
        assert check.returncode == 0, check.stdout + check.stderr
        remaining = server_databases(database)
        assert left not in remaining and left_models not in remaining, check.stderr
        assert young in remaining and in_use in remaining, check.stderr
        (note,) = [line for line in check.stderr.splitlines() if "scratch database" in line]
        assert note.startswith("note: removed 2 scratch databases that stopped runs left"), note
        assert left in note and left_models in note and young not in note, note
        # Said once: the next run finds none to remove.
        again = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
        assert "removed" not in again.stderr, again.stderr
    finally:
        with admin.cursor() as cursor:
            for name in created:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
