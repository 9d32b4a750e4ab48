"""`inv db.check` and `inv db.status` against `alembic check`, warm and cold, on each database.

Both tasks compare catalog descriptions: the models are built in a scratch database and
described, and that description is kept under a fingerprint of their DDL (issue 19); so is the
description of what the database's revision builds, keyed by the revision files. Warm, both
are reused (the untimed first run of each row keeps them); cold, every timed run starts without
the models' descriptions and pays their scratch build, as the first run after a model change
does (the issue's cold). The first run on an empty cache also builds the 300 revisions, as the
first check after a `git pull` brings revisions not built here: its rows have no target and
show that cost.
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
WARM_NOTE = "warm: the models' description kept from the untimed first run"
COLD_NOTE = "cold: the models' description removed before each run, so the models are built"
FIRST_NOTE = "first run: an empty cache before each run, so the models and the revisions are built"
# The models' kept descriptions in a cache folder (inspection/_models_catalog.py).
MODELS_DESCRIPTIONS = "models-*.json"
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
TASKS = ("db.check", "db.status")


def catalog_check_comparisons(
    project: BakedProject, sqlite_database: Path, cache_root: Path
) -> list[Comparison]:
    """Five comparisons per database: check and status, each warm then cold, then check's
    first run."""
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

        first_cache = cache_root / f"first-{kind}"
        first = {**env, "ALEMBIC_STEWARD_CACHE": str(first_cache)}

        def forget_models(folder: Path = cold_cache) -> None:
            for path in folder.glob(MODELS_DESCRIPTIONS):
                path.unlink()

        def empty_cache(folder: Path = first_cache) -> None:
            shutil.rmtree(folder, ignore_errors=True)

        baseline = Command(("alembic", "check"), env)
        # Each row makes its database afresh and drops it after: `--only` may time any of them.
        rows = (
            (WARM_TARGET, warm, None, WARM_NOTE),
            (COLD_TARGET, cold, forget_models, COLD_NOTE),
        )
        comparisons += [
            Comparison(
                Command(("inv", task), variables, before=before),
                baseline,
                target,
                task=task,
                setup=at_head,
                teardown=teardown,
                note=f"{name}, {note}",
                # Warm rows measure after the untimed run; cold ones would only add a build.
                needs_warm_up=target is WARM_TARGET,
            )
            for target, variables, before, note in rows
            for task in TASKS
        ]
        comparisons.append(
            Comparison(
                Command(("inv", "db.check"), first, before=empty_cache),
                baseline,
                None,
                task="db.check",
                setup=at_head,
                teardown=teardown,
                note=f"{name}, {FIRST_NOTE}",
                in_smoke_run=False,
            )
        )
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
    ] + [
        Comparison(
            Command(("inv", "db.check")),
            Command(("alembic", "check")),
            None,
            task="db.check",
            note=f"{name}, first run",
            skipped=reason,
        )
    ]
