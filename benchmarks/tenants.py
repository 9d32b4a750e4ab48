"""Benchmark the tenant fan-out against the loop teams write: `python3 benchmarks/tenants.py`.

Bakes the template, installs it with the server drivers, wires it for tenants and writes a
chain of revisions. Then, on each server whose URL is set (PostgreSQL, TEST_POSTGRESQL_URL:
a schema per tenant in a database of the benchmark's own; MariaDB, TEST_MYSQL_URL: a database
per tenant), it times, on freshly emptied tenants each:

- `inv db.upgrade --all-tenants --parallel P` (one process, P worker processes), twice;
- the hand loop: `alembic -x tenant=NAME upgrade head`, one process per tenant, in turn;
- a rerun of the fan-out with every tenant at head (what a deploy pays when nothing is new).

Prints a table and writes it into benchmarks/results.md between this script's markers (the
rest of the file is run.py's). Stdlib only, as run.py. Target (issue #23): ratio <= 0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS_DIR.parent / "scripts"))

from baked_project import BakedProject, bake  # noqa: E402
from benchmark_servers import SERVER_PACKAGES, URL_VARIABLE, ServerDatabase  # noqa: E402
from dev_env import ensure_dev_venv  # noqa: E402
from revision_chain import write_revision_chain  # noqa: E402
from tenant_table import (  # noqa: E402
    BEGIN_MARKER,
    END_MARKER,
    SIDES,
    Measured,
    Side,
    render,
    section,
    write_section,
)
from timing import Command, package_versions, run  # noqa: E402

__all__ = ["BEGIN_MARKER", "END_MARKER", "main", "write_section"]

WORK_MARKER = ".benchmark-work"

TENANTS_MODULE = '''"""The benchmark's tenants: BENCHMARK_TENANTS names them, comma-separated."""

import os


def list_tenants() -> list[str]:
    return os.environ["BENCHMARK_TENANTS"].split(",")
'''

# Drops every tenant's schema or database and, unless BENCHMARK_RESET is "drop", makes it
# again, empty, in one connection (untimed).
RESET_TENANTS = """
import os
from sqlalchemy import create_engine
engine = create_engine(os.environ["BENCHMARK_SERVER_URL"], isolation_level="AUTOCOMMIT")
postgresql = engine.dialect.name == "postgresql"
with engine.connect() as connection:
    for name in os.environ["BENCHMARK_TENANTS"].split(","):
        kind = "SCHEMA" if postgresql else "DATABASE"
        cascade = " CASCADE" if postgresql else ""
        connection.exec_driver_sql(f"DROP {kind} IF EXISTS {name}{cascade}")
        if os.environ.get("BENCHMARK_RESET") != "drop":
            connection.exec_driver_sql(f"CREATE {kind} {name}")
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tenants", type=int, default=200, help="PostgreSQL schemas (default: 200)"
    )
    parser.add_argument(
        "--mysql-tenants", type=int, default=50, help="MariaDB databases (default: 50)"
    )
    parser.add_argument("--revisions", type=int, default=20, help="revisions (default: 20)")
    parser.add_argument("--parallel", type=int, default=4, help="worker processes (default: 4)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 8 tenants per server, 3 revisions"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=BENCHMARKS_DIR / "work-tenants",
        help="where to bake and install (replaced on each run)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=BENCHMARKS_DIR / "results.md",
        help="the Markdown file whose tenants section is (re)written",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.tenants, args.mysql_tenants, args.revisions = 8, 8, 3
    return args


def tenant_names(side: Side, count: int) -> list[str]:
    """Schemas live in the benchmark's own database; databases share the server, so carry
    this run's process id, as the benchmark's own database does."""
    prefix = "tenant" if side.tenancy == "schema" else f"benchmark_tenant_{os.getpid()}"
    return [f"{prefix}_{number:04d}" for number in range(count)]


def prepare_work_dir(work_dir: Path) -> Path:
    """Empty ``work_dir`` if this script made it (or it is empty); refuse anything else."""
    if work_dir.exists():
        if not (work_dir / WORK_MARKER).exists() and any(work_dir.iterdir()):
            sys.exit(f"error: {work_dir} exists and was not made by this benchmark; choose another")
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    (work_dir / WORK_MARKER).touch()
    return work_dir


def wire_tenants(project: BakedProject) -> None:
    """Uncomment the bake's `tenants=` option and give the service a tenants module."""
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text()
    commented = '    # tenants="app.tenants:list_tenants",\n'
    if commented not in source:
        sys.exit(f"error: {wiring} has no commented `tenants=` line to switch on")
    wiring.write_text(source.replace(commented, commented.replace("# ", "", 1)))
    (project.path / "app" / "tenants.py").write_text(TENANTS_MODULE)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def measure_side(project: BakedProject, result: Measured) -> None:
    """Time ``result``'s side on a database of its own, made and dropped here."""
    side = result.side
    names = tenant_names(side, result.tenants)
    database = ServerDatabase(project, os.environ[side.variable], f"tenants_{side.kind}")
    database.recreate()
    env = {
        "DATABASE_URL": database.url,
        URL_VARIABLE: database.url,
        "BENCHMARK_TENANTS": ",".join(names),
        "APP_ENV": "development",
    }
    reset = Command(("python", "-c", RESET_TENANTS), env)

    def timed(argv: tuple[str, ...]) -> tuple[float, float]:
        result.loads.append(load_average())
        measured = run(project, Command(argv, env))
        result.loads.append(load_average())
        return measured

    fan_out_argv = tuple(result.fan_out_command.split())
    try:
        progress(f"{result.size}: fan-out ...")
        run(project, reset)
        first = timed(fan_out_argv)
        result.rerun = timed(fan_out_argv)
        progress(f"{result.size}: hand loop, `{result.hand_command}` per tenant ...")
        run(project, reset)
        hand = [0.0, 0.0]
        for name in names:
            argv = result.hand_command.replace("NAME", name).split()
            seconds, cpu = timed(tuple(argv))
            hand[0] += seconds
            hand[1] += cpu
        result.hand = (hand[0], hand[1])
        progress(f"{result.size}: fan-out again, to check the first timing was not a fluke ...")
        run(project, reset)
        second = timed(fan_out_argv)
        result.fan_out = min(first, second)
    finally:
        if side.tenancy == "database":
            run(project, Command(reset.argv, {**env, "BENCHMARK_RESET": "drop"}))
        database.drop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts = {"postgresql": args.tenants, "mysql": args.mysql_tenants}
    results = [
        Measured(side, counts[side.kind], args.revisions, args.parallel)
        for side in SIDES
        if counts[side.kind] > 0
    ]
    for result in results:
        if not os.environ.get(result.side.variable):
            result.skipped = f"{result.side.variable} is not set"
    if all(result.skipped for result in results):
        sys.exit("error: set TEST_POSTGRESQL_URL or TEST_MYSQL_URL; the benchmark needs a server")
    ensure_dev_venv()
    work_dir = prepare_work_dir(args.work_dir)
    progress(f"Baking and installing a project into {work_dir / 'project'} ...")
    (work_dir / "project").mkdir()
    project = bake(work_dir / "project")
    project.install_with_uv(*SERVER_PACKAGES)  # as run.py installs it
    wire_tenants(project)
    write_revision_chain(project.path, args.revisions)
    for result in results:
        if not result.skipped:
            measure_side(project, result)
    table = render(results)
    print(table)
    versions = package_versions(project, ("alembic", "sqlalchemy", "psycopg", "pymysql"))
    arguments = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python3 benchmarks/tenants.py", *arguments])
    write_section(args.output, section(table, command, versions))
    progress(f"Wrote the tenants section of {args.output}")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    progress(f"Done in {time.monotonic() - started:.0f} s")
    sys.exit(code)
