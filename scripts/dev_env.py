"""Create or refresh the template's own virtualenv (.venv) with its dev tools.

Stdlib only: this runs on a fresh machine before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
DEV_VENV = TEMPLATE_ROOT / ".venv"
TOOLKIT_DIR = TEMPLATE_ROOT / "toolkit"
TOOLKIT_VENV = TOOLKIT_DIR / ".venv"
# Rewritten after each successful install: a changed pyproject.toml triggers a reinstall.
STAMP_FILE = DEV_VENV / "dev-tools.sha256"
# `pip install --group` (PEP 735 dependency groups) needs pip 25.1 or newer.
PIP_REQUIREMENT = "pip>=25.1"


def venv_executable(venv_dir: Path, name: str) -> Path:
    """Return the path of ``name`` inside ``venv_dir`` on this platform."""
    if os.name == "nt":
        return venv_dir / "Scripts" / f"{name}.exe"
    return venv_dir / "bin" / name


def create_venv(venv_dir: Path) -> None:
    """Create a virtualenv with pip, the way `python -m venv` does on this platform."""
    venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt").create(venv_dir)


def pyproject_digest(folder: Path = TEMPLATE_ROOT) -> str:
    return hashlib.sha256((folder / "pyproject.toml").read_bytes()).hexdigest()


def run_quietly(command: list[str | Path], cwd: Path) -> None:
    """Run ``command``; on failure show its output and stop with its exit code."""
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        shown = " ".join(str(part) for part in command)
        sys.exit(f"error: `{shown}` failed (exit {completed.returncode}); see its output above")


def ensure_dev_venv() -> Path:
    """Make sure .venv holds the template's dev tools; return its Python."""
    python = venv_executable(DEV_VENV, "python")
    digest = pyproject_digest()
    if python.exists() and STAMP_FILE.exists() and STAMP_FILE.read_text() == digest:
        return python
    print(f"Installing the template's dev tools into {DEV_VENV} (once) ...", flush=True)
    if not python.exists():
        create_venv(DEV_VENV)
    run_quietly([python, "-m", "pip", "install", "--quiet", PIP_REQUIREMENT], TEMPLATE_ROOT)
    run_quietly([python, "-m", "pip", "install", "--quiet", "--group", "dev"], TEMPLATE_ROOT)
    STAMP_FILE.write_text(digest)
    return python


def ensure_toolkit_venv() -> Path:
    """Make sure toolkit/.venv holds the toolkit, editable, with its dev extra; return its Python.

    Installed with uv from the template's own dev tools: seconds, where pip takes a minute.
    """
    python = venv_executable(TOOLKIT_VENV, "python")
    stamp = TOOLKIT_VENV / "dev-tools.sha256"
    digest = pyproject_digest(TOOLKIT_DIR)
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    uv = venv_executable(ensure_dev_venv().parent.parent, "uv")
    print(f"Installing the toolkit and its dev tools into {TOOLKIT_VENV} (once) ...", flush=True)
    if not python.exists():
        run_quietly([uv, "venv", "--quiet", "--python", sys.executable, TOOLKIT_VENV], TOOLKIT_DIR)
    # Compiled now, once: without .pyc files every `inv` the tests start would compile
    # SQLAlchemy and Alembic again (uv writes none by default).
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python]
    install += ["-e", ".[dev]"]
    run_quietly(install, TOOLKIT_DIR)
    stamp.write_text(digest)
    return python
