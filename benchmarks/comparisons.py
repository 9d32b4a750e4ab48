"""What the benchmark compares at each chain length, and the target each comparison must meet."""

from __future__ import annotations

from pathlib import Path

from baked_project import BakedProject
from benchmark_servers import ServerDatabase, configured_servers
from check_comparisons import catalog_check_comparisons
from revision_chain import add_pending_table, remove_pending_table, versions_dir
from targets import Comparison, Target
from timing import Command, remove_new_files, run

# Target is re-exported: the template's tests and report.py name it from here.
__all__ = ["Comparison", "Target", "comparisons"]

# What every `alembic` command and every `inv db.*` task imports (app/models.py needs the ORM).
ALEMBIC_IMPORTS = "import alembic.command, alembic.config, sqlalchemy.orm"
# The chain length at which the migration test suite must stay within its target.
TEST_SUITE_TARGET_SIZE = 300

WRAPPER_TARGET = Target(1.05)
LIST_TARGET = Target(0.5, strict=True)
TEST_SUITE_TARGET = Target(3.0)
SERVER_TEST_SUITE_TARGET = Target(4.0)
# `inv db.lint --all` runs every upgrade offline once, traced, plus the rules (issue #13).
LINT_TARGET = Target(3.0)
# `inv db.revision` does what `alembic revision --autogenerate` does, then rebuilds the
# database's revision in a scratch database (one upgrade through the whole history) and runs
# the new file there: an upgrade's worth of work on top, so about twice autogenerate's time.
REVISION_TARGET = Target(2.5)
BAKE_TARGET = Target(1.0, strict=True, unit=" s")
# What the service's start-up guard may add to its start (the budget holds up to N=300).
GUARD_TARGET = Target(0.05, strict=True, unit=" s more", on_difference=True)
# The guard's imports, and the SQLite driver the service's own engine loads anyway.
GUARD_IMPORTS = "import app.migrations, sqlalchemy.dialects.sqlite.pysqlite, sqlite3"


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
            revision("inv", "db.revision", "-m", "x"),
            revision("alembic", "revision", "--autogenerate", "-m", "x"),
            REVISION_TARGET,
            task="db.revision",
            setup=start_revisions,
            teardown=lambda: remove_pending_table(project.path),
            note=(
                "autogenerate writes one file each run, deleted after; the task also rebuilds"
                " the history in a scratch database and runs what it wrote there, correctness"
                ' over speed (toolkit/docs/decisions.md, "Drift: the catalogs compared")'
            ),
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
        *catalog_check_comparisons(project, database, project.path.parent / "steward-caches"),
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


def server_test_suites(project: BakedProject, size: int) -> list[Comparison]:
    """The baked test suite on each configured server vs one upgrade of a fresh database there."""
    comparisons = []
    for kind, url in configured_servers().items():
        database = ServerDatabase(project, url, "upgrade")
        fresh = {"DATABASE_URL": database.url}
        comparisons.append(
            Comparison(
                Command(("pytest", "-q", "-p", "no:cacheprovider"), {"TEST_DATABASE_URL": url}),
                Command(("alembic", "upgrade", "head"), fresh, database.recreate),
                SERVER_TEST_SUITE_TARGET if size >= TEST_SUITE_TARGET_SIZE else None,
                teardown=database.drop,
                note=f"on {kind}: the whole test suite vs one upgrade of a fresh database",
            )
        )
    return comparisons


def _names(folder: Path) -> list[str]:
    return [path.name for path in folder.iterdir()]
