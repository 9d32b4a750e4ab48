"""What the benchmark compares at each chain length, and the target each comparison must meet."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from baked_project import BakedProject
from revision_chain import add_pending_table, remove_pending_table, versions_dir
from timing import Command, remove_new_files, run

# What every `alembic` command and every `inv db.*` task imports (app/models.py needs the ORM).
ALEMBIC_IMPORTS = "import alembic.command, alembic.config, sqlalchemy.orm"
# The chain length at which the migration test suite must stay within its target.
TEST_SUITE_TARGET_SIZE = 300


@dataclass(frozen=True)
class Target:
    """A limit on a ratio (or on seconds, for the bake), inclusive unless ``strict``."""

    limit: float
    strict: bool = False
    unit: str = ""
    # Judge the difference of the medians (seconds) instead of their ratio.
    on_difference: bool = False

    def holds(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit

    def __str__(self) -> str:
        return f"{'<' if self.strict else '≤'} {self.limit:g}{self.unit}"


WRAPPER_TARGET = Target(1.05)
LIST_TARGET = Target(0.5, strict=True)
TEST_SUITE_TARGET = Target(3.0)
SERVER_TEST_SUITE_TARGET = Target(4.0)
# `inv db.lint --all` runs every upgrade offline once, traced, plus the rules (issue #13).
LINT_TARGET = Target(3.0)
# Servers to time the baked test suite on, when their URLs are set (as for the template tests).
SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# What a default (SQLite) bake needs to run on them.
SERVER_PACKAGES = ("psycopg[binary]>=3.2", "pymysql>=1.1", "alembic-postgresql-enum>=1.11")
# The database the baseline upgrades, made afresh before each run; the tests make their own.
# One per run: two runs on one server (CI workers, a developer beside CI) never share it.
BENCHMARK_DATABASE = f"benchmark_upgrade_{os.getpid()}"
# Retried: a server busy with other clients (CI's other test worker, PostgreSQL's autovacuum
# visiting template1) can refuse a CREATE DATABASE for a moment.
RECREATE_DATABASE = """
import sys, time
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import DBAPIError
url = make_url(sys.argv[1])
engine = create_engine(url.set(database=sys.argv[2]), isolation_level="AUTOCOMMIT")
force = " WITH (FORCE)" if engine.dialect.name == "postgresql" else ""
for attempt in range(5):
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {sys.argv[3]}{force}")
            if sys.argv[4] == "create":
                connection.exec_driver_sql(f"CREATE DATABASE {sys.argv[3]}")
        break
    except DBAPIError:
        if attempt == 4:
            raise
        time.sleep(1)
"""
BAKE_TARGET = Target(1.0, strict=True, unit=" s")
# What the service's start-up guard may add to its start (the budget holds up to N=300).
GUARD_TARGET = Target(0.05, strict=True, unit=" s more", on_difference=True)
# The guard's imports, and the SQLite driver the service's own engine loads anyway.
GUARD_IMPORTS = "import app.migrations, sqlalchemy.dialects.sqlite.pysqlite, sqlite3"


@dataclass
class Comparison:
    """A command timed against a baseline, alternating, after an untimed ``setup``."""

    subject: Command
    baseline: Command
    target: Target | None
    # The inv task the subject needs; a project without it reports "n/a".
    task: str | None = None
    setup: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None
    note: str = ""


def comparisons(project: BakedProject, database: Path, size: int) -> list[Comparison]:
    """The comparisons for a chain of ``size`` revisions, in the order they run."""
    env = {"DATABASE_URL": f"sqlite:///{database.as_posix()}"}

    def fresh_database() -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)

    def database_at_head() -> None:
        run(project, Command(("alembic", "upgrade", "head"), env))

    def upgrade(*argv: str) -> Command:
        return Command(argv, env, before=fresh_database)

    versions = versions_dir(project.path)
    pycache = versions / "__pycache__"
    listed: dict[Path, set[str]] = {}

    def start_revisions() -> None:
        database_at_head()
        add_pending_table(project.path)
        pycache.mkdir(exist_ok=True)
        listed.update({folder: set(_names(folder)) for folder in (versions, pycache)})

    def delete_written_revision() -> None:
        for folder, before in listed.items():
            remove_new_files(folder, before)

    def revision(*argv: str) -> Command:
        return Command(argv, env, after=delete_written_revision)

    current = Command(("alembic", "current"), env)
    return [
        Comparison(
            Command(("python", "-c", f"{ALEMBIC_IMPORTS}, invoke")),
            Command(("python", "-c", ALEMBIC_IMPORTS)),
            None,
            note="invoke's own import once Alembic's is paid: the least any `inv db.*` adds",
        ),
        Comparison(
            upgrade("inv", "db.upgrade"),
            upgrade("alembic", "upgrade", "head"),
            WRAPPER_TARGET,
            task="db.upgrade",
            note="fresh database each run",
        ),
        Comparison(
            Command(("inv", "db.current"), env),
            current,
            WRAPPER_TARGET,
            task="db.current",
            setup=database_at_head,
        ),
        Comparison(
            Command(("inv", "db.check"), env),
            Command(("alembic", "check"), env),
            WRAPPER_TARGET,
            task="db.check",
            setup=database_at_head,
        ),
        Comparison(
            Command(("inv", "db.status"), env),
            Command(("alembic", "check"), env),
            WRAPPER_TARGET,
            task="db.status",
            setup=database_at_head,
            note="closest raw command: status also runs the drift check",
        ),
        Comparison(
            revision("inv", "db.revision", "-m", "x"),
            revision("alembic", "revision", "--autogenerate", "-m", "x"),
            WRAPPER_TARGET,
            task="db.revision",
            setup=start_revisions,
            teardown=lambda: remove_pending_table(project.path),
            note="autogenerate writes one file each run; deleted after",
        ),
        Comparison(
            Command(("inv", "db.lint", "--all"), env),
            Command(("alembic", "upgrade", "head", "--sql"), env),
            LINT_TARGET,
            task="db.lint",
            note="offline, both: every revision's upgrade run once without a database",
        ),
        Comparison(
            Command(("python", "-c", f"{GUARD_IMPORTS}; app.migrations.ensure_up_to_date()"), env),
            Command(("python", "-c", GUARD_IMPORTS), env),
            GUARD_TARGET,
            setup=database_at_head,
            note="the service's start-up guard on a database at head, beyond its imports",
        ),
        Comparison(
            Command(("inv", "--list"), env),
            current,
            LIST_TARGET,
            setup=database_at_head,
        ),
        Comparison(
            Command(("pytest", "-q", "-p", "no:cacheprovider")),
            upgrade("alembic", "upgrade", "head"),
            TEST_SUITE_TARGET if size >= TEST_SUITE_TARGET_SIZE else None,
            note="the baked project's whole test suite vs one upgrade",
        ),
        *server_test_suites(project, size),
    ]


def configured_servers() -> dict[str, str]:
    """The servers whose URLs are set: kind -> URL."""
    urls = {kind: os.environ.get(name, "") for kind, name in SERVER_URL_VARIABLES.items()}
    return {kind: url for kind, url in urls.items() if url}


def server_test_suites(project: BakedProject, size: int) -> list[Comparison]:
    """The baked test suite on each configured server vs one upgrade of a fresh database there."""
    comparisons = []
    for kind, url in configured_servers().items():
        database_url = url.rsplit("/", 1)[0] + f"/{BENCHMARK_DATABASE}"
        admin_database = url.rsplit("/", 1)[1]

        def recreate(url: str = url, admin: str = admin_database, action: str = "create") -> None:
            script = ("python", "-c", RECREATE_DATABASE, url, admin, BENCHMARK_DATABASE, action)
            run(project, Command(script))

        def drop(url: str = url, admin: str = admin_database) -> None:
            recreate(url, admin, "drop")

        comparisons.append(
            Comparison(
                Command(("pytest", "-q", "-p", "no:cacheprovider"), {"TEST_DATABASE_URL": url}),
                Command(("alembic", "upgrade", "head"), {"DATABASE_URL": database_url}, recreate),
                SERVER_TEST_SUITE_TARGET if size >= TEST_SUITE_TARGET_SIZE else None,
                teardown=drop,
                note=f"on {kind}: the whole test suite vs one upgrade of a fresh database",
            )
        )
    return comparisons


def _names(folder: Path) -> list[str]:
    return [path.name for path in folder.iterdir()]
