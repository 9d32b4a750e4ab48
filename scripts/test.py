"""Run the test suites: `python3 scripts/test.py [--suite toolkit|template] [pytest arguments]`.

Both suites by default, one after the other: the toolkit's (toolkit/tests, against its fixture
service), then the template's (tests/, against bakes). Each keeps both cores busy on its own,
so running them side by side only made them contend (docs/design_decisions.md). Each installs
its tools into its own virtualenv on first use (.venv and toolkit/.venv). Tests that need a
database server run when TEST_POSTGRESQL_URL / TEST_MYSQL_URL are set and are skipped, saying
why, when they are not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from dev_env import TEMPLATE_ROOT, TOOLKIT_DIR, ensure_dev_venv, ensure_toolkit_venv

SUITES = {
    "toolkit": (ensure_toolkit_venv, TOOLKIT_DIR),
    "template": (ensure_dev_venv, TEMPLATE_ROOT),
}
# pytest's exit code when nothing was collected, as when -k matches no test of a suite.
NOTHING_COLLECTED = 5


def run_suite(name: str, pytest_arguments: list[str]) -> int:
    """Make suite ``name``'s venv if needed, then run its pytest, its output as pytest prints
    it; pytest's exit code."""
    ensure_venv, folder = SUITES[name]
    return subprocess.run([ensure_venv(), "-m", "pytest", *pytest_arguments], cwd=folder).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=[*SUITES, "all"], default="all")
    options, pytest_arguments = parser.parse_known_args()
    chosen = list(SUITES) if options.suite == "all" else [options.suite]
    codes = {}
    for name in chosen:
        started = time.monotonic()
        if len(chosen) > 1:
            print(f"== {name} tests ({SUITES[name][1]})", flush=True)
        codes[name] = run_suite(name, pytest_arguments)
        if len(chosen) > 1:
            minutes = (time.monotonic() - started) / 60
            print(f"== {name} tests done after {minutes:.1f} min", flush=True)
    if len(chosen) == 1:
        return codes[chosen[0]]
    failed = [name for name, code in codes.items() if code not in (0, NOTHING_COLLECTED)]
    if all(code == NOTHING_COLLECTED for code in codes.values()):
        failed = list(codes)  # neither suite had a test to run
    if failed:
        print(f"failed: the {' and '.join(failed)} tests", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
