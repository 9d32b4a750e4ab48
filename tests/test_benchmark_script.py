"""The benchmark runs end to end and reports every comparison; timings themselves are not tested.

Speed targets are the benchmark's job (benchmarks/results.md); a timed assertion here would
fail on a busy machine without anything being wrong. One `--quick` run times a row of each
kind the script measures (SMOKE_ROWS) for real; every row's command, baseline, target and
verdict are checked in-process, on the script's own row-making code with the timing faked.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
RUN_SCRIPT = TEMPLATE_ROOT / "benchmarks" / "run.py"
sys.path.insert(0, str(TEMPLATE_ROOT / "benchmarks"))

import run as benchmark  # noqa: E402
from baked_project import BakedProject  # noqa: E402
from comparisons import Target  # noqa: E402
from report import Row, render_table  # noqa: E402
from timing import Timing  # noqa: E402

NUMBER = r"\d+\.\d+"
VERDICTS = {"PASS", "FAIL"}
# What the quick run times for real (`--only`): one row of each kind of measurement the script
# makes, the rest being the same commands with other arguments or on another database.
SMOKE_ROWS = {
    # The bake, timed after an untimed warm-up bake.
    "cookiecutter --no-input": "— cookiecutter --no-input",
    # A fresh database before each timed run.
    "inv db.upgrade": "2 inv db.upgrade",
    # A setup and a teardown, and the file each run writes deleted after it.
    "inv db.revision": "2 inv db.revision -m x",
    # A row measured after the untimed first run its quick run keeps.
    "inv db.check SQLite, warm": "2 inv db.check (SQLite, warm",
    # A database of its own on a server, made and dropped; the models' description removed
    # before each run.
    "inv db.status PostgreSQL, cold": "2 inv db.status (PostgreSQL, cold",
    # The baked project's own tests on the generated chain of revisions.
    "the baked project's whole test suite": "2 pytest -q -p no:cacheprovider",
}


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
    """One `run.py --quick --only ...` (SMOKE_ROWS) into a temporary folder: the output and the
    results file.

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
                [
                    *(
                        sys.executable,
                        RUN_SCRIPT,
                        "--quick",
                        "--work-dir",
                        work,
                        "--output",
                        output,
                    ),
                    *(argument for row in SMOKE_ROWS for argument in ("--only", row)),
                ],
                capture_output=True,
                text=True,
            )
            fields = [completed.args, completed.returncode, completed.stdout, completed.stderr]
            kept.write_text(json.dumps([[str(a) for a in fields[0]], *fields[1:]]))
    arguments, returncode, stdout, stderr = json.loads(kept.read_text())
    completed = subprocess.CompletedProcess(arguments, returncode, stdout, stderr)
    return completed, output.read_text() if output.exists() else ""


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


def test_each_smoke_row_is_timed_once_and_judged(quick_run) -> None:
    _, results = quick_run
    rows = all_rows(results)
    for text, prefix in SMOKE_ROWS.items():
        matching = [
            cells for cells in rows if f"{cells[0]} {cells[1]}".replace("`", "").startswith(prefix)
        ]
        assert len(matching) == 1, (text, rows)
        (cells,) = matching
        if cells[8] == "skipped":
            assert "TEST_POSTGRESQL_URL is not set" in cells[1], cells
            assert not os.environ.get("TEST_POSTGRESQL_URL"), cells
            continue
        assert re.fullmatch(NUMBER, cells[2]), cells
        if cells[3]:
            assert re.fullmatch(NUMBER, cells[4]) and re.fullmatch(NUMBER, cells[6]), cells
        assert cells[8] in VERDICTS | {"—"}, cells
    assert len(rows) == len(SMOKE_ROWS), rows


def test_the_quick_run_judges_the_bake_and_the_wrapper_on_their_targets(quick_run) -> None:
    _, results = quick_run
    rows = table_rows(results)
    assert rows["— cookiecutter --no-input"][7] == "< 1 s"
    assert rows["— cookiecutter --no-input"][8] in VERDICTS
    assert rows["2 inv db.upgrade"][7] == "≤ 1.05"
    assert rows["2 inv db.upgrade"][8] in VERDICTS


ALL_TASKS = {"db.upgrade", "db.revision", "db.current", "db.check", "db.status", "db.lint"}


def quick_rows_of_every_comparison(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tasks: set[str] = ALL_TASKS
) -> tuple[str, list[tuple[str, bool]]]:
    """The table a quick run (one chain of 2 revisions) makes of every comparison, made by the
    script's own code with each command's timing faked (1.0 s against 2.0 s): what it ran
    stays out, what it reports is real. Also which commands were timed, and with a warm-up."""
    timed: list[tuple[str, bool]] = []

    def timing(project, commands, repetitions, *, warm_up=True) -> list[Timing]:
        timed.append((commands[0].label, warm_up))
        return [Timing([1.0], [1.0]), Timing([2.0], [2.0])]

    every_comparison = benchmark.comparisons

    def without_setup(*arguments):
        return [
            dataclasses.replace(comparison, setup=None, teardown=None)
            for comparison in every_comparison(*arguments)
        ]

    monkeypatch.setattr(benchmark, "write_revision_chain", lambda path, size: None)
    monkeypatch.setattr(benchmark, "measure_alternating", timing)
    monkeypatch.setattr(benchmark, "comparisons", without_setup)
    project = BakedProject(tmp_path / "project")
    rows = benchmark.measure_size(project, 2, 1, tasks, None, warm_up=False)
    return render_table(rows), timed


def test_every_task_of_the_default_bake_is_compared_with_raw_alembic(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table, _ = quick_rows_of_every_comparison(monkeypatch, tmp_path)
    rows = table_rows(table)
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


def test_targets_get_a_verdict_and_untargeted_rows_a_dash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table, _ = quick_rows_of_every_comparison(monkeypatch, tmp_path)
    rows = table_rows(table)
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


@pytest.mark.parametrize("tasks", [ALL_TASKS, {"db.upgrade", "db.revision"}], ids=["all", "few"])
def test_tasks_the_bake_lacks_are_reported_as_not_available(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tasks: set[str]
) -> None:
    table, timed = quick_rows_of_every_comparison(monkeypatch, tmp_path, tasks)
    rows = table_rows(table)
    for task in ("current", "check", "status"):
        cells = rows[f"2 inv db.{task}"]
        if f"db.{task}" in tasks:
            assert cells[8] in VERDICTS, cells
        else:
            assert cells[8] == "n/a" and "no such task" in cells[1], cells
            assert not [label for label, _ in timed if label.startswith(f"inv db.{task}")]


@pytest.mark.parametrize(
    ("database", "variable"),
    [("SQLite", None), ("PostgreSQL", "TEST_POSTGRESQL_URL"), ("MariaDB", "TEST_MYSQL_URL")],
)
@pytest.mark.parametrize("configured", [True, False], ids=["server-set", "server-unset"])
def test_check_and_status_are_timed_warm_and_cold_on_each_database(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database: str,
    variable: str | None,
    configured: bool,
) -> None:
    for name in ("TEST_POSTGRESQL_URL", "TEST_MYSQL_URL"):
        if configured:
            monkeypatch.setenv(name, "postgresql+psycopg://nobody@127.0.0.1:1/unused")
        else:
            monkeypatch.delenv(name, raising=False)
    table, timed = quick_rows_of_every_comparison(monkeypatch, tmp_path)
    for task in ("check", "status"):
        for state, target in (("warm", "≤ 1"), ("cold", "≤ 2")):
            prefix = f"`inv db.{task}` ({database}, {state}"
            (cells,) = [row for row in all_rows(table) if row[1].startswith(prefix)]
            assert cells[3] == "`alembic check`" and cells[7] == target, cells
            if variable is None or configured:
                assert cells[8] in VERDICTS, cells
                assert re.fullmatch(NUMBER, cells[2]) and re.fullmatch(NUMBER, cells[4]), cells
            else:
                assert cells[8] == "skipped" and f"{variable} is not set" in cells[1], cells
    # Warm rows are timed after their untimed first run, even in a quick run; cold ones not.
    assert {warm for label, warm in timed if label.startswith("inv db.check")} == {True, False}
    # The first run's rows show a cost, not a target: a quick run leaves them out.
    assert "first run:" not in table


def test_the_revision_row_says_it_also_runs_what_it_wrote(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table, _ = quick_rows_of_every_comparison(monkeypatch, tmp_path)
    cells = table_rows(table)["2 inv db.revision -m x"]
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
