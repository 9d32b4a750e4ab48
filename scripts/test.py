"""Run the template's test suite: `python3 scripts/test.py [pytest arguments]`.

Installs the dev tools into .venv on first use. Tests that need a database server run when
TEST_POSTGRESQL_URL / TEST_MYSQL_URL are set and are skipped, saying why, when they are not.
"""

import subprocess
import sys

from dev_env import TEMPLATE_ROOT, ensure_dev_venv


def main() -> int:
    python = ensure_dev_venv()
    return subprocess.run([python, "-m", "pytest", *sys.argv[1:]], cwd=TEMPLATE_ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
