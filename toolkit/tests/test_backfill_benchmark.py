"""The backfill benchmark (benchmarks/backfill.py) runs end to end on each server, on few rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers import SERVER_URL_VARIABLES

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "backfill.py"


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_the_backfill_benchmark_reports_both_runs_side_by_side(kind: str) -> None:
    url = os.environ.get(SERVER_URL_VARIABLES[kind])
    if not url:
        pytest.skip(f"{SERVER_URL_VARIABLES[kind]} is not set; no {kind} server to run it on")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", url, "--rows", "3000", "--batch-size", "500"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "| one big UPDATE | 3000 |" in completed.stdout
    assert "| inv db.backfill run | 3000 |" in completed.stdout
    assert "Backfill throughput" in completed.stdout
