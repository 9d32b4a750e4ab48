"""Run the test suites: `python3 scripts/test.py [--suite toolkit|template] [pytest arguments]`.

Both suites by default: the toolkit's (toolkit/tests, against its fixture service) and the
template's (tests/, against bakes). Each installs its tools into its own virtualenv on first use
(.venv and toolkit/.venv). Tests that need a database server run when TEST_POSTGRESQL_URL /
TEST_MYSQL_URL are set and are skipped, saying why, when they are not.
"""

import argparse
import subprocess
import sys

from dev_env import TEMPLATE_ROOT, TOOLKIT_DIR, ensure_dev_venv, ensure_toolkit_venv

SUITES = {
    "toolkit": (ensure_toolkit_venv, TOOLKIT_DIR),
    "template": (ensure_dev_venv, TEMPLATE_ROOT),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=[*SUITES, "all"], default="all")
    options, pytest_arguments = parser.parse_known_args()
    chosen = list(SUITES) if options.suite == "all" else [options.suite]
    failed = []
    for name in chosen:
        ensure_venv, folder = SUITES[name]
        python = ensure_venv()
        print(f"== {name} tests ({folder})", flush=True)
        completed = subprocess.run([python, "-m", "pytest", *pytest_arguments], cwd=folder)
        # 5: nothing collected, as when -k matches no test of this suite.
        if completed.returncode not in (0, 5) or (len(chosen) == 1 and completed.returncode):
            failed.append(name)
    if failed:
        print(f"failed: the {' and '.join(failed)} tests", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
