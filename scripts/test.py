"""Run the test suites: `python3 scripts/test.py [--suite toolkit|template] [pytest arguments]`.

Both suites by default, side by side: the toolkit's (toolkit/tests, against its fixture service)
and the template's (tests/, against bakes). The template's spend much of their time waiting for
pip and the network while the toolkit's keep both cores busy, so running them together takes
little more than the longer one alone. Each suite's output goes to a log file under
.test-logs/ and is printed whole when the suite ends, one suite after the other, never
interleaved. Each installs its tools into its own virtualenv on first use (.venv and
toolkit/.venv). Tests that need a database server run when TEST_POSTGRESQL_URL /
TEST_MYSQL_URL are set and are skipped, saying why, when they are not.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from dev_env import TEMPLATE_ROOT, TOOLKIT_DIR, ensure_dev_venv, ensure_toolkit_venv

SUITES = {
    "toolkit": (ensure_toolkit_venv, TOOLKIT_DIR),
    "template": (ensure_dev_venv, TEMPLATE_ROOT),
}
LOG_DIR = TEMPLATE_ROOT / ".test-logs"
# Side by side, the template's suite runs at a lower CPU priority: the toolkit's is the longer
# one, so whatever the two contend for goes to it first, and the template's takes the cores
# whenever the toolkit's tests wait (on a timeout, a lock, a server). Neither is starved.
SIDE_SUITE_NICENESS = {"template": 4}
# pytest's exit code when nothing was collected, as when -k matches no test of a suite.
NOTHING_COLLECTED = 5


def start_suite(name: str, pytest_arguments: list[str], log: Path) -> subprocess.Popen:
    """Make suite ``name``'s venv if needed, then start its pytest with its output going to
    ``log``, at its side-by-side priority (SIDE_SUITE_NICENESS)."""
    ensure_venv, folder = SUITES[name]
    python = ensure_venv()
    niceness = SIDE_SUITE_NICENESS.get(name, 0)
    with log.open("w") as output:
        return subprocess.Popen(
            [python, "-m", "pytest", *pytest_arguments],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.nice(niceness)) if niceness else None,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=[*SUITES, "all"], default="all")
    options, pytest_arguments = parser.parse_known_args()
    chosen = list(SUITES) if options.suite == "all" else [options.suite]
    if len(chosen) == 1:
        # One suite: its output as it comes, as pytest prints it.
        ensure_venv, folder = SUITES[chosen[0]]
        completed = subprocess.run([ensure_venv(), "-m", "pytest", *pytest_arguments], cwd=folder)
        return completed.returncode
    # Each suite starts as soon as its venv is ready, the toolkit's (the longer suite) first;
    # the venvs are made one after the other, as their installers would race for one cache.
    LOG_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    running: dict[str, subprocess.Popen] = {}
    codes = {}
    try:
        for name in chosen:
            running[name] = start_suite(name, pytest_arguments, LOG_DIR / f"{name}.log")
        print(
            f"running the {' and '.join(chosen)} tests side by side; logs in {LOG_DIR}",
            flush=True,
        )
        while running:
            for name, process in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                codes[name] = process.returncode
                minutes = (time.monotonic() - started) / 60
                print(f"\n== {name} tests ({SUITES[name][1]}), done after {minutes:.1f} min")
                sys.stdout.write((LOG_DIR / f"{name}.log").read_text(errors="replace"))
                sys.stdout.flush()
            time.sleep(1)
    finally:
        for process in running.values():  # interrupted: stop the other suite too
            process.terminate()
    failed = [name for name, code in codes.items() if code not in (0, NOTHING_COLLECTED)]
    if all(code == NOTHING_COLLECTED for code in codes.values()):
        failed = list(codes)  # neither suite had a test to run
    if failed:
        print(f"failed: the {' and '.join(failed)} tests", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
