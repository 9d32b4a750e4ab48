"""`inv db.check` and `inv db.status` against `alembic check`, warm and cold, on each database.

Both tasks compare catalog descriptions: the models are built in a scratch database and
described, and that description is kept under a fingerprint of their DDL (issue 19). Warm, the
kept description is reused (the untimed first run of each row keeps it); cold, every timed run
starts from an empty ALEMBIC_STEWARD_CACHE folder and pays the scratch build, as the first run
after a model change does.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from baked_project import BakedProject
from benchmark_servers import SERVER_URL_VARIABLES, ServerDatabase, configured_servers
from targets import Comparison, Target
from timing import Command, run

WARM_TARGET = Target(1.0)
COLD_TARGET = Target(2.0)
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
TASKS = ("db.check", "db.status")


def catalog_check_comparisons(
    project: BakedProject, sqlite_database: Path, cache_root: Path
) -> list[Comparison]:
    """Four comparisons per database: check and status, each warm then cold."""
    comparisons = []
    servers = configured_servers()
    for kind, name in DATABASE_NAMES.items():
        if kind == "sqlite":
            url, setup, teardown = f"sqlite:///{sqlite_database.as_posix()}", None, None
        elif kind in servers:
            database = ServerDatabase(project, servers[kind], "check")
            url, setup, teardown = database.url, database.recreate, database.drop
        else:
            comparisons += skipped(name, f"{SERVER_URL_VARIABLES[kind]} is not set")
            continue
        env = {"DATABASE_URL": url}

        def at_head(env: dict[str, str] = env, create: Callable[[], None] | None = setup) -> None:
            if create is not None:
                create()
            run(project, Command(("alembic", "upgrade", "head"), env))

        warm = {**env, "ALEMBIC_STEWARD_CACHE": str(cache_root / f"warm-{kind}")}
        cold_cache = cache_root / f"cold-{kind}"
        cold = {**env, "ALEMBIC_STEWARD_CACHE": str(cold_cache)}

        def empty_cache(folder: Path = cold_cache) -> None:
            shutil.rmtree(folder, ignore_errors=True)

        baseline = Command(("alembic", "check"), env)
        # Each row makes its database afresh and drops it after: `--only` may time any of them.
        comparisons += [
            Comparison(
                Command(("inv", task), warm),
                baseline,
                WARM_TARGET,
                task=task,
                setup=at_head,
                teardown=teardown,
                note=f"{name}, warm: the models' description kept from the untimed first run",
                needs_warm_up=True,
            )
            for task in TASKS
        ] + [
            Comparison(
                Command(("inv", task), cold, before=empty_cache),
                baseline,
                COLD_TARGET,
                task=task,
                setup=at_head,
                teardown=teardown,
                note=f"{name}, cold: an empty cache before each run, so the models are built",
            )
            for task in TASKS
        ]
    return comparisons


def skipped(name: str, reason: str) -> list[Comparison]:
    """The rows of a database the benchmark cannot reach, each saying why."""
    return [
        Comparison(
            Command(("inv", task)),
            Command(("alembic", "check")),
            target,
            task=task,
            note=f"{name}, {state}",
            skipped=reason,
        )
        for target, state in ((WARM_TARGET, "warm"), (COLD_TARGET, "cold"))
        for task in TASKS
    ]
