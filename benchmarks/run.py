"""Benchmark the baked project's commands against raw Alembic: `python3 benchmarks/run.py`.

Bakes the template, installs the project into its own venv, writes revision chains of each
length, times every `inv db.*` task against its raw `alembic` equivalent (alternating, medians),
prints a table with PASS/FAIL per target and writes it to benchmarks/results.md.
Stdlib only: it installs the template's dev tools itself, as scripts/test.py does.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS_DIR.parent / "scripts"))

from baked_project import BakedProject, bake  # noqa: E402
from benchmark_servers import SERVER_PACKAGES, configured_servers  # noqa: E402
from comparisons import BAKE_TARGET, comparisons  # noqa: E402
from dev_env import DEV_VENV, ensure_dev_venv, venv_executable  # noqa: E402
from report import Row, comparison_row, render_table  # noqa: E402
from revision_chain import write_revision_chain  # noqa: E402
from timing import measure_alternating, package_versions, task_names  # noqa: E402

DEFAULT_SIZES = (1, 100, 300)
QUICK_SIZES = (2,)
# Marks a work folder as ours, so a rerun may delete it and nothing else.
WORK_MARKER = ".benchmark-work"
PACKAGES = ("alembic", "sqlalchemy", "invoke", "pytest")


def chain_sizes(text: str) -> tuple[int, ...]:
    """Parse "1,100,300" into (1, 100, 300)."""
    return tuple(int(part) for part in text.split(","))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=chain_sizes,
        default=DEFAULT_SIZES,
        help="comma-separated revision chain lengths (default: 1,100,300)",
    )
    parser.add_argument(
        "--repetitions", type=int, default=5, help="timed runs per command (default: 5)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: one chain of 2 revisions, one timed run each and no untimed one"
        " except where a row needs it (overrides the above)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a measured target fails")
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="time only the rows whose command or note contains TEXT (repeatable; the bake"
        " row only when TEXT is in `cookiecutter --no-input`)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=BENCHMARKS_DIR / "work",
        help="where to bake and install (replaced on each run; default: benchmarks/work)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=BENCHMARKS_DIR / "results.md",
        help="the Markdown file to write (default: benchmarks/results.md)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repetitions = QUICK_SIZES, 1
    if args.repetitions < 1 or min(args.sizes) < 1:
        parser.error("--repetitions and every --sizes value must be at least 1")
    return args


def prepare_work_dir(work_dir: Path) -> Path:
    """Empty ``work_dir`` if this script made it; refuse to delete anything else."""
    if work_dir.exists() and any(work_dir.iterdir()):
        if not (work_dir / WORK_MARKER).exists():
            sys.exit(
                f"error: {work_dir} is not empty and was not made by the benchmark; "
                "choose another --work-dir"
            )
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / WORK_MARKER).touch()
    return work_dir.resolve()


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_bake(work_dir: Path, repetitions: int) -> Row:
    """Time `cookiecutter --no-input` baking the defaults, after one untimed warm-up bake."""
    runs = []
    for number in range(repetitions + 1):
        output_dir = work_dir / "bakes" / str(number)
        output_dir.mkdir(parents=True)
        started = time.perf_counter()
        bake(output_dir)
        if number > 0:
            runs.append(time.perf_counter() - started)
    shutil.rmtree(work_dir / "bakes")
    return Row(
        "—",
        "cookiecutter --no-input",
        statistics.median(runs),
        target=BAKE_TARGET,
        note="bake the defaults",
    )


def measure_size(
    project: BakedProject,
    size: int,
    repetitions: int,
    tasks: set[str],
    only: list[str] | None,
    *,
    warm_up: bool = True,
) -> list[Row]:
    """Write a chain of ``size`` revisions and run every comparison (``only`` those) on it;
    without ``warm_up`` (a smoke run), no untimed first run except for rows that measure after
    one, and no row kept out of smoke runs."""
    write_revision_chain(project.path, size)
    rows = []
    for comparison in comparisons(project, project.path.parent / "benchmark.db", size):
        subject, baseline = comparison.subject.label, comparison.baseline.label
        if only and not any(text in f"{subject} {comparison.note}" for text in only):
            continue
        if not warm_up and not comparison.in_smoke_run:
            continue  # a smoke run checks that the commands run, not what a row costs
        if comparison.task and comparison.task not in tasks:
            rows.append(
                Row(
                    str(size),
                    subject,
                    None,
                    baseline,
                    target=comparison.target,
                    problem="n/a (the baked project has no such task)",
                )
            )
            continue
        if comparison.skipped:
            rows.append(
                Row(
                    str(size),
                    subject,
                    None,
                    baseline,
                    target=comparison.target,
                    problem=f"skipped ({comparison.skipped})",
                    note=comparison.note,
                )
            )
            continue
        described = f" ({comparison.note})" if comparison.note else ""
        progress(f"N={size}: {subject} vs {baseline}{described}")
        if comparison.setup:
            comparison.setup()
        try:
            timings = measure_alternating(
                project,
                [comparison.subject, comparison.baseline],
                repetitions,
                warm_up=warm_up or comparison.needs_warm_up,
            )
        finally:
            if comparison.teardown:
                comparison.teardown()
        rows.append(
            comparison_row(
                size, subject, timings[0], baseline, timings[1], comparison.target, comparison.note
            )
        )
    return rows


def warm_up_words(args: argparse.Namespace) -> str:
    if args.quick:
        return "a smoke run: only the warm rows' commands ran once untimed"
    return "every command ran once untimed"


def results_markdown(
    table: str, args: argparse.Namespace, versions: dict[str, str], command: str
) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    packages = ", ".join(
        f"{name} {version}" for name, version in versions.items() if name != "python"
    )
    return f"""# Benchmark results

Measured {now} with `{command}`.

Revision chains of N = {", ".join(map(str, args.sizes))}; {warm_up_words(args)}, then
{args.repetitions} timed run(s) each, alternating with the command it is compared with; medians.

- Machine: {os.cpu_count()} cores, {platform.platform()}
- Baked project: Python {versions["python"]}, {packages}

{table}

A ratio is the command's median divided by the median of the command it is compared with.
"n/a" marks a task the baked project does not have; "skipped" a database whose server URL is
not set; "—" a measurement without a target.
Targets: every `inv db.X` within 5% of its raw `alembic` equivalent, except `inv db.check` and
`inv db.status` against `alembic check` on each database (≤ 1× with the models' description
kept, ≤ 2× when it must be built) and `inv db.revision` (≤ 2.5×: it also rebuilds the history
in a scratch database and runs what it wrote); `inv --list` under half of `alembic current`,
the baked test suite at N=300 within 3× one `alembic upgrade head` on SQLite and 4× on
PostgreSQL and MariaDB (server rows shown when TEST_POSTGRESQL_URL / TEST_MYSQL_URL are set),
and baking under 1 s. See benchmarks/README.md for what each row runs.
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_dev_venv()
    work_dir = prepare_work_dir(args.work_dir)
    rows = []
    if not args.only or any(text in "cookiecutter --no-input" for text in args.only):
        progress(f"Timing the bake ({args.repetitions} runs) ...")
        rows.append(time_bake(work_dir, args.repetitions))
    progress(f"Baking and installing a project into {work_dir / 'project'} ...")
    (work_dir / "project").mkdir()
    project = bake(work_dir / "project")
    # The server drivers only when a server row will run (TEST_POSTGRESQL_URL / TEST_MYSQL_URL).
    # uv: the packages pip would install, bytecode compiled, in seconds (the rows time the
    # installed project, never its install).
    project.install_with_uv(*(SERVER_PACKAGES if configured_servers() else ()))
    tasks = task_names(project)
    for size in args.sizes:
        rows.extend(
            measure_size(project, size, args.repetitions, tasks, args.only, warm_up=not args.quick)
        )
    table = render_table(rows)
    print(table)
    versions = package_versions(project, PACKAGES)
    cookiecutter = venv_executable(DEV_VENV, "cookiecutter")
    versions["cookiecutter (template tools)"] = cookiecutter_version(cookiecutter)
    command = " ".join(["python3 benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    kept = other_scripts_sections(args.output)
    args.output.write_text(results_markdown(table, args, versions, command) + kept)
    progress(f"Wrote {args.output}")
    failed = [row for row in rows if row.verdict == "FAIL"]
    return 1 if args.check and failed else 0


def other_scripts_sections(output: Path) -> str:
    """The sections other benchmark scripts (tenants.py) wrote into ``output``, kept as they are."""
    import re

    if not output.exists():
        return ""
    marked = re.compile(r"<!-- (benchmarks/\S+): begin -->.*?<!-- \1: end -->", re.DOTALL)
    return "".join(f"\n{match.group(0)}\n" for match in marked.finditer(output.read_text()))


def cookiecutter_version(executable: Path) -> str:
    import subprocess

    output = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
    # "Cookiecutter 2.6.0 from /path (Python 3.11)"
    parts = output.split()
    return parts[1] if len(parts) > 1 else "unknown"


if __name__ == "__main__":
    sys.exit(main())
