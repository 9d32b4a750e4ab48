"""A bake for the lowest Python the template accepts installs and walks the workflow on it.

The toolkit says `requires-python = ">=3.10"` and the template's `python_version` accepts 3.10,
but both suites run on one Python: a call only 3.11 knows (`int.from_bytes` without its byte
order, at import) kept every command of a 3.10 bake from starting, and nothing failed. This
test runs a bake's own commands, its tests included, under the lowest version, found on PATH
or in pyenv; it skips, saying so, on a machine that has none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from baked_project import bake, created_revision
from dev_env import TOOLKIT_DIR


def lowest_supported() -> str:
    """The version the toolkit's `requires-python` starts at, as "3.10"."""
    text = (TOOLKIT_DIR / "pyproject.toml").read_text()
    return re.search(r'requires-python\s*=\s*">=\s*(\d+\.\d+)"', text)[1]


def interpreter(version: str) -> str | None:
    """A Python of ``version`` on PATH or in pyenv's versions folder; None when there is none."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(path) for path in sorted(pyenv.glob(f"{version}.*/bin/python"))]
    for candidate in filter(None, candidates):
        reported = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if reported.returncode == 0 and reported.stdout.strip() == version:
            return candidate  # a pyenv shim of a version not selected fails, and is passed
    return None


def test_a_bake_for_the_lowest_python_runs_the_workflow_on_it(tmp_path: Path) -> None:
    version = lowest_supported()
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on PATH or in pyenv: the lowest version is untested")
    project = bake(tmp_path / "bake", python_version=version)
    project.install_with_uv(python=python)
    ran = project.run("python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    assert ran.stdout.strip() == version

    project.add_user_model()
    revision, _ = created_revision(project.inv("db.revision", "-m", "Add users table").stdout)
    project.inv("db.upgrade")
    assert "up to date" in project.inv("db.status").stdout
    project.inv("db.check")
    project.inv("db.downgrade", "--yes")
    deployed = project.run("python", "-m", "app.migrations", "upgrade")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert revision in project.inv("db.current").stdout
    tested = project.inv("test").stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in .*", tested), tested
