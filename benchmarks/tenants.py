"""Benchmark the tenant fan-out against the loop teams write: `python3 benchmarks/tenants.py`.

Bakes the template, installs it with the PostgreSQL driver, wires it for schema tenants, writes
a chain of revisions, makes a database with one schema per tenant on TEST_POSTGRESQL_URL's
server, and times, on freshly emptied schemas each:

- `inv db.upgrade --all-tenants --parallel P` (one process, P worker processes);
- the hand loop: `alembic -x tenant=NAME upgrade head`, one process per tenant, in turn;
- a rerun of the fan-out with every tenant at head (what a deploy pays when nothing is new).

Prints a table and writes it into benchmarks/results.md between this script's markers (the
rest of the file is run.py's). Stdlib only, as run.py. Target (issue #23): ratio <= 0.1.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
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
from timing import Command, package_versions, run  # noqa: E402

TARGET_RATIO = 0.1
WORK_MARKER = ".benchmark-work"
BEGIN_MARKER = "<!-- benchmarks/tenants.py: begin -->"
END_MARKER = "<!-- benchmarks/tenants.py: end -->"

TENANTS_MODULE = '''"""The benchmark's tenants: BENCHMARK_TENANTS names them, comma-separated."""

import os


def list_tenants() -> list[str]:
    return os.environ["BENCHMARK_TENANTS"].split(",")
'''

# Drops and recreates every tenant schema, empty, in one connection (untimed).
RESET_SCHEMAS = """
import os, sys
from sqlalchemy import create_engine
engine = create_engine(os.environ["BENCHMARK_SERVER_URL"], isolation_level="AUTOCOMMIT")
with engine.connect() as connection:
    for name in os.environ["BENCHMARK_TENANTS"].split(","):
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200, help="schemas (default: 200)")
    parser.add_argument("--revisions", type=int, default=20, help="revisions (default: 20)")
    parser.add_argument("--parallel", type=int, default=4, help="worker processes (default: 4)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 tenants, 3 revisions")
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
        args.tenants, args.revisions = 8, 3
    return args


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


def timed(project: BakedProject, argv: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    return run(project, Command(argv, env))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server_url = os.environ.get("TEST_POSTGRESQL_URL")
    if not server_url:
        sys.exit("error: TEST_POSTGRESQL_URL is not set; the tenants benchmark needs PostgreSQL")
    ensure_dev_venv()
    work_dir = prepare_work_dir(args.work_dir)
    progress(f"Baking and installing a project into {work_dir / 'project'} ...")
    (work_dir / "project").mkdir()
    project = bake(work_dir / "project")
    project.install(*SERVER_PACKAGES)
    wire_tenants(project)
    write_revision_chain(project.path, args.revisions)
    names = [f"tenant_{number:04d}" for number in range(args.tenants)]
    database = ServerDatabase(project, server_url, "tenants")
    database.recreate()
    env = {
        "DATABASE_URL": database.url,
        URL_VARIABLE: database.url,
        "BENCHMARK_TENANTS": ",".join(names),
        "APP_ENV": "development",
    }
    reset = ("python", "-c", RESET_SCHEMAS)
    try:
        progress(f"Fan-out: {args.tenants} schemas x {args.revisions} revisions ...")
        timed(project, reset, env)
        fan_out_argv = ("inv", "db.upgrade", "--all-tenants", f"--parallel={args.parallel}")
        fan_out = timed(project, fan_out_argv, env)
        rerun = timed(project, fan_out_argv, env)
        progress(f"Hand loop: {args.tenants} x `alembic -x tenant=... upgrade head` ...")
        timed(project, reset, env)
        hand = [0.0, 0.0]
        for name in names:
            seconds, cpu = timed(
                project, ("alembic", "-x", f"tenant={name}", "upgrade", "head"), env
            )
            hand[0] += seconds
            hand[1] += cpu
        progress("Fan-out again, to check the first timing was not a fluke ...")
        timed(project, reset, env)
        second = timed(project, fan_out_argv, env)
    finally:
        database.drop()
    fan_out_seconds = min(fan_out[0], second[0])
    table = render(args, fan_out_seconds, fan_out[1], hand, rerun)
    print(table)
    versions = package_versions(project, ("alembic", "sqlalchemy", "psycopg"))
    write_section(args.output, section(table, args, versions, argv))
    progress(f"Wrote the tenants section of {args.output}")
    return 0


def render(
    args: argparse.Namespace,
    fan_out: float,
    fan_out_cpu: float,
    hand: list[float],
    rerun: tuple[float, float],
) -> str:
    ratio = fan_out / hand[0]
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    size = f"{args.tenants} schemas x {args.revisions} revisions"
    return "\n".join(
        [
            "| tenants | command | seconds | compared with | seconds | ratio | target | result"
            " | CPU s (ours / loop) |",
            "|---|---|---:|---|---:|---:|---|---|---:|",
            f"| {size} | `inv db.upgrade --all-tenants --parallel {args.parallel}` (best of 2)"
            f" | {fan_out:.1f} | `alembic -x tenant=NAME upgrade head` per tenant, in turn"
            f" | {hand[0]:.1f} | {ratio:.2f} | ≤ {TARGET_RATIO} | {verdict}"
            f" | {fan_out_cpu:.0f} / {hand[1]:.0f} |",
            f"| {size}, all at head | `inv db.upgrade --all-tenants --parallel {args.parallel}`"
            f" (a rerun: nothing to do) | {rerun[0]:.1f} |  |  |  |  | — | {rerun[1]:.0f} |",
        ]
    )


def section(
    table: str, args: argparse.Namespace, versions: dict[str, str], argv: list[str] | None
) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(
        ["python3 benchmarks/tenants.py", *(argv if argv is not None else sys.argv[1:])]
    )
    packages = ", ".join(f"{name} {version}" for name, version in versions.items())
    return "\n".join(
        [
            BEGIN_MARKER,
            "## Tenants (issue #23)",
            "",
            f"Measured {now} with `{command}` on {os.cpu_count()} cores"
            f" ({platform.platform()}; {packages}), PostgreSQL on the same machine.",
            "",
            table,
            "",
            "Each side starts from the same empty schemas. CPU seconds count the commands'"
            ' processes, not the PostgreSQL server\'s. See benchmarks/README.md, "Tenants".',
            END_MARKER,
        ]
    )


def write_section(output: Path, text: str) -> None:
    """Replace this script's section of ``output`` (or append it), keeping the rest."""
    current = output.read_text() if output.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(BEGIN_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    output.write_text(updated)


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    progress(f"Done in {time.monotonic() - started:.0f} s")
    sys.exit(code)
