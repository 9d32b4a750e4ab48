"""Git repositories holding the template as it is in this working tree, for tests that bake
from a checkout (cruft, and where a bake's toolkit comes from)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dev_env import TEMPLATE_ROOT

IDENTITY = ["-c", "user.name=template tests", "-c", "user.email=tests@example.invalid"]


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return completed.stdout


def template_repository(destination: Path) -> Path:
    """A git repository holding the template as it is in this working tree, edits included."""
    listed = git(TEMPLATE_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE_ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_ROOT / name, destination / name)
    git(destination, "init", "--quiet")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--message", "template")
    return destination
