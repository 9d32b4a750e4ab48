"""Upgrade a fresh database from base to head as a deploy does, in a process of its own.

`python -m app.migrations upgrade` is what an installed service runs: every revision in one
run, on an empty database, through the project's own settings and engine. Run in its own
process it goes on beside the stairway (testing/_stairway.py), which needs the test process
itself, so the two walks together take about as long as the stairway alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url

from alembic_steward._wiring import active_steward


class PlainUpgrade:
    """A running `python -m app.migrations upgrade` of the database at ``url``."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        # The URL without its driver: the project picks its own (an asyncio one in async bakes).
        steward = active_steward()
        parsed = make_url(url)
        plain = parsed.set(drivername=parsed.get_backend_name())
        environment = {**os.environ, "DATABASE_URL": plain.render_as_string(hide_password=False)}
        with log.open("wb") as output:  # a file, not a pipe: a long log cannot fill it and stall
            self.process = subprocess.Popen(
                [sys.executable, "-m", steward.package, "upgrade"],
                cwd=steward.project_root,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> None:
        """Wait for the upgrade to end; fail the test in its one error line if it failed."""
        if self.process.wait() != 0:
            lines = self.log.read_text(errors="replace").strip().splitlines()
            last = lines[-1] if lines else f"exit code {self.process.returncode}"
            pytest.fail(
                f"`python -m app.migrations upgrade` on a fresh database failed: {last}",
                pytrace=False,
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


@contextmanager
def running_upgrade(url: str, directory: Path) -> Iterator[PlainUpgrade]:
    """Start upgrading ``url`` to head; stop the upgrade if it still runs when the block ends."""
    upgrade = PlainUpgrade(url, directory / "upgrade.log")
    try:
        yield upgrade
    finally:
        upgrade.stop()
