"""The bake's own command files fail the way docs/failures.md says: its `tasks/__init__.py` run
by a Python without the project's libraries, and its Makefile on a protected database.

The toolkit's failures are tested beside it (toolkit/tests/test_failures*.py); these lines are
written by files only the bake ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from baked_project import BakedProject
from dev_env import DEV_VENV, venv_executable
from safety_revisions import write_revision

# One more test on the installed bake of the README examples' worker, not one more install.
pytestmark = pytest.mark.xdist_group("test_readme_examples")


def current_revision(project: BakedProject) -> str:
    completed = project.run("inv", "db.current")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_inv_outside_the_project_virtualenv_says_to_activate_it(
    default_bake: Path, tmp_path: Path
) -> None:
    # A global `inv` (pipx, the system's): a virtualenv holding invoke alone.
    bare = tmp_path / "bare"
    uv = venv_executable(DEV_VENV, "uv")
    subprocess.run([uv, "venv", "--quiet", bare], check=True, capture_output=True)
    install = [uv, "pip", "install", "--quiet", "--python", bare / "bin" / "python", "invoke"]
    subprocess.run(install, check=True, capture_output=True)
    # No __pycache__ left in the bake the other tests share.
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run(
        [bare / "bin" / "inv", "db.current"],
        cwd=default_bake,
        env=environment,
        capture_output=True,
        text=True,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1 and "Traceback" not in output, output
    (line,) = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert "source .venv/bin/activate" in line and ".venv/bin/inv" in line


def test_make_downgrade_passes_the_confirmation(project: BakedProject) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"APP_ENV": "production"})
    if shutil.which("make") is None:
        pytest.skip("make is not installed")

    def make(*arguments: str) -> subprocess.CompletedProcess[str]:
        environment = project.environment(APP_ENV="production")
        command = ["make", "db-downgrade", *arguments]
        return subprocess.run(
            command, cwd=project.path, env=environment, capture_output=True, text=True
        )

    refused = make()
    assert refused.returncode != 0 and "pass --yes" in refused.stderr
    assert current_revision(project).startswith("first")
    confirmed = make("yes=1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "no migration applied" in current_revision(project)


if sys.platform == "win32":  # pragma: no cover - bare venv paths are POSIX here
    pytestmark = [pytestmark, pytest.mark.skip("POSIX only")]
