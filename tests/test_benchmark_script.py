"""The benchmark runs end to end and reports every comparison; timings themselves are not tested.

Speed targets are the benchmark's job (benchmarks/results.md); a timed assertion here would
fail on a busy machine without anything being wrong.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
RUN_SCRIPT = TEMPLATE_ROOT / "benchmarks" / "run.py"
sys.path.insert(0, str(TEMPLATE_ROOT / "benchmarks"))

from comparisons import Target  # noqa: E402
from dev_env import venv_executable  # noqa: E402
from report import Row  # noqa: E402

NUMBER = r"\d+\.\d+"
VERDICTS = {"PASS", "FAIL"}


def all_rows(markdown: str) -> list[list[str]]:
    """The cells of every row of the results table, in order."""
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in markdown.splitlines()
        if line.startswith("| ") and not line.startswith("| N ")
    ]


def table_rows(markdown: str) -> dict[str, list[str]]:
    """Map each row's command cell (without notes) to its cells; the first row of a command
    (`inv db.check` is timed on SQLite first, then on each server, warm and cold)."""
    rows: dict[str, list[str]] = {}
    for cells in all_rows(markdown):
        command = re.match(r"`([^`]*)`", cells[1]).group(1)
        rows.setdefault(f"{cells[0]} {command}", cells)
    return rows


@pytest.fixture(scope="session")
def benchmark_folder(tmp_path_factory, worker_id: str) -> Path:
    """A folder every xdist worker of this run shares (the quick run is made once in it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    folder = shared / "benchmark-quick-run"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def quick_run(benchmark_folder: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """One `run.py --quick` into a temporary folder: the output and the results file.

    Made once per test run, whichever worker asks first: it takes minutes, and xdist hands
    this module's tests to both workers. The others wait on the lock and read what it kept.
    """
    import fcntl
    import json

    output = benchmark_folder / "results.md"
    kept = benchmark_folder / "completed.json"
    with (benchmark_folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not kept.exists():
            work = benchmark_folder / "work"
            completed = subprocess.run(
                [sys.executable, RUN_SCRIPT, "--quick", "--work-dir", work, "--output", output],
                capture_output=True,
                text=True,
            )
            fields = [completed.args, completed.returncode, completed.stdout, completed.stderr]
            kept.write_text(json.dumps([[str(a) for a in fields[0]], *fields[1:]]))
    arguments, returncode, stdout, stderr = json.loads(kept.read_text())
    completed = subprocess.CompletedProcess(arguments, returncode, stdout, stderr)
    return completed, output.read_text() if output.exists() else ""


def baked_db_tasks(benchmark_folder: Path) -> set[str]:
    """The `db.*` tasks of the project the quick run baked, as its own `inv --list` shows them."""
    folder = benchmark_folder / "work" / "project"
    # Beside the bake: its database and what the toolkit keeps between runs (steward-caches).
    (project,) = [path for path in folder.iterdir() if (path / "pyproject.toml").exists()]
    completed = subprocess.run(
        [venv_executable(project / ".venv", "inv"), "--list"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(re.findall(r"^\s+db\.([\w-]+)", completed.stdout, re.MULTILINE))


def test_quick_run_exits_zero_and_writes_the_table_it_prints(quick_run) -> None:
    completed, results = quick_run
    assert completed.returncode == 0, completed.stderr
    assert "| N | command | median (s) | compared with |" in completed.stdout
    table = [line for line in completed.stdout.splitlines() if line.startswith("|")]
    assert "\n".join(table) in results


def test_results_name_the_date_machine_versions_and_command(quick_run) -> None:
    _, results = quick_run
    assert re.search(r"Measured \d{4}-\d\d-\d\d \d\d:\d\d UTC", results)
    assert "`python3 benchmarks/run.py --quick" in results
    assert re.search(r"Machine: \d+ cores", results)
    assert re.search(r"alembic \d+\.\d+", results)
    assert re.search(r"sqlalchemy \d+\.\d+", results)
    assert re.search(r"invoke \d+\.\d+", results)


def test_every_task_of_the_default_bake_is_compared_with_raw_alembic(quick_run) -> None:
    _, results = quick_run
    rows = table_rows(results)
    expected = {
        "2 inv db.upgrade": "`alembic upgrade head`",
        "2 inv db.revision -m x": "`alembic revision --autogenerate -m x`",
        "2 inv --list": "`alembic current`",
        "2 pytest -q -p no:cacheprovider": "`alembic upgrade head`",
        "2 python -c import alembic.command, alembic.config, sqlalchemy.orm, invoke": (
            "`python -c import alembic.command, alembic.config, sqlalchemy.orm`"
        ),
    }
    for command, baseline in expected.items():
        cells = rows[command]
        assert cells[3] == baseline, cells
        assert re.fullmatch(NUMBER, cells[2]) and re.fullmatch(NUMBER, cells[4]), " | ".join(cells)
        assert re.fullmatch(NUMBER, cells[6]), f"no ratio: {cells}"


def test_targets_get_a_verdict_and_untargeted_rows_a_dash(quick_run) -> None:
    _, results = quick_run
    rows = table_rows(results)
    assert rows["— cookiecutter --no-input"][8] in VERDICTS
    assert rows["— cookiecutter --no-input"][7] == "< 1 s"
    assert rows["2 inv db.upgrade"][7] == "≤ 1.05"
    assert rows["2 inv db.upgrade"][8] in VERDICTS
    assert rows["2 inv --list"][7] == "< 0.5"
    assert rows["2 inv --list"][8] in VERDICTS
    guard = rows[
        "2 python -c import app.migrations, sqlalchemy.dialects.sqlite.pysqlite, sqlite3;"
        " app.migrations.ensure_up_to_date()"
    ]
    assert guard[7] == "< 0.05 s more" and guard[8] in VERDICTS
    # The 3× target is for 300 revisions; a 2-revision chain only reports the ratio.
    assert rows["2 pytest -q -p no:cacheprovider"][8] == "—"


def test_tasks_the_bake_lacks_are_reported_as_not_available(quick_run, benchmark_folder) -> None:
    _, results = quick_run
    rows = table_rows(results)
    tasks = baked_db_tasks(benchmark_folder)
    assert {"upgrade", "revision"} <= tasks, tasks
    for task in ("current", "check", "status"):
        cells = rows[f"2 inv db.{task}"]
        if task in tasks:
            assert cells[8] in VERDICTS, cells
        else:
            assert cells[8] == "n/a" and "no such task" in cells[1], cells


@pytest.mark.parametrize(
    ("database", "variable"),
    [("SQLite", None), ("PostgreSQL", "TEST_POSTGRESQL_URL"), ("MariaDB", "TEST_MYSQL_URL")],
)
def test_check_and_status_are_timed_warm_and_cold_on_each_database(
    quick_run, database: str, variable: str | None
) -> None:
    _, results = quick_run
    for task in ("check", "status"):
        for state, target in (("warm", "≤ 1"), ("cold", "≤ 2")):
            prefix = f"`inv db.{task}` ({database}, {state}"
            (cells,) = [row for row in all_rows(results) if row[1].startswith(prefix)]
            assert cells[3] == "`alembic check`" and cells[7] == target, cells
            if variable is None or os.environ.get(variable):
                assert cells[8] in VERDICTS, cells
                assert re.fullmatch(NUMBER, cells[2]) and re.fullmatch(NUMBER, cells[4]), cells
            else:
                assert cells[8] == "skipped" and f"{variable} is not set" in cells[1], cells


def test_the_revision_row_says_it_also_runs_what_it_wrote(quick_run) -> None:
    _, results = quick_run
    cells = table_rows(results)["2 inv db.revision -m x"]
    assert "scratch database" in cells[1] and "correctness over speed" in cells[1]
    assert cells[7] == "≤ 2.5" and cells[8] in VERDICTS


def test_generated_revisions_pass_the_baked_projects_own_tests(quick_run) -> None:
    _, results = quick_run
    # A broken chain would make the baked suite (or the upgrade) fail: reported as "failed".
    assert "failed" not in results


def test_a_folder_the_benchmark_did_not_make_is_never_deleted(tmp_path: Path) -> None:
    keep = tmp_path / "precious.txt"
    keep.write_text("mine")
    completed = subprocess.run(
        [sys.executable, RUN_SCRIPT, "--quick", "--work-dir", tmp_path, "--output", tmp_path / "r"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert completed.stderr.strip().startswith("error: ")
    assert len(completed.stderr.strip().splitlines()) == 1
    assert keep.read_text() == "mine"


def test_a_ratio_above_its_limit_fails_and_an_unmeasured_task_is_not_a_failure() -> None:
    slow = Row("1", "inv db.upgrade", 1.2, "alembic upgrade head", 1.0, Target(1.05))
    fast = Row("1", "inv db.upgrade", 1.0, "alembic upgrade head", 1.0, Target(1.05))
    missing = Row("1", "inv db.status", None, "alembic check", target=Target(1.05), problem="n/a")
    assert (slow.verdict, fast.verdict, missing.verdict) == ("FAIL", "PASS", "n/a")


def test_the_bake_target_is_on_seconds_not_on_a_ratio() -> None:
    assert Row("—", "cookiecutter", 0.8, target=Target(1.0, strict=True)).verdict == "PASS"
    assert Row("—", "cookiecutter", 1.0, target=Target(1.0, strict=True)).verdict == "FAIL"
