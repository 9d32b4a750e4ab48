"""Run the project's tests: migrations, the database fixtures and your own."""

from __future__ import annotations

import shlex
import sys

from invoke import Context, task

from alembic_steward.tasks._project_root import run_from_project_root


@task(
    help={
        "keyword": "Only run tests whose names match this pytest -k expression",
        "verbose": "List every test as it runs",
    }
)
def test(c: Context, keyword: str = "", verbose: bool = False) -> None:
    """Run the test suite with pytest (TEST_DATABASE_URL picks the database server).

    Arguments after `--` are passed to pytest: `inv test -- -x tests/test_migrations.py`.
    """
    # sys.executable: the interpreter running inv, i.e. the project's virtualenv, activated or not.
    command = [sys.executable, "-m", "pytest", "-v" if verbose else "-q"]
    if keyword:
        command += ["-k", keyword]
    # Whatever follows `--` goes to pytest as written: `inv test -- -x tests/test_migrations.py`.
    command += shlex.split(c.remainder)
    run_from_project_root(c, command, pty=sys.stdout.isatty())
