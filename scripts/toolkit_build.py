"""Build this checkout's toolkit (alembic-steward) once, for bakes that must use exactly it.

Stdlib only, shared by the walkthrough, the tests and the benchmark: each bakes with the answer
`toolkit_requirement` naming the wheel built here, so a bake installs the toolkit as it is in
this checkout, never another commit's or a published release.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dev_env import DEV_VENV, TEMPLATE_ROOT, run_quietly, venv_executable

TOOLKIT_DIR = TEMPLATE_ROOT / "toolkit"
DISTRIBUTION = "alembic-steward[tasks]"


def build_toolkit_wheel(output_dir: Path) -> Path:
    """Build the toolkit's wheel into ``output_dir`` (uv from the dev venv); return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    uv = venv_executable(DEV_VENV, "uv")
    command = [uv, "build", "--quiet", "--wheel", "--out-dir", output_dir, TOOLKIT_DIR]
    run_quietly(command, TEMPLATE_ROOT)
    (wheel,) = sorted(output_dir.glob("alembic_steward-*.whl"))
    return wheel


def wheel_requirement(wheel: Path) -> str:
    """The `toolkit_requirement` answer that installs ``wheel``."""
    return f"{DISTRIBUTION} @ {wheel.resolve().as_uri()}"


def checkout_requirement() -> str:
    """The `toolkit_requirement` answer that installs this checkout's toolkit/ folder."""
    return f"{DISTRIBUTION} @ {TOOLKIT_DIR.resolve().as_uri()}"


if __name__ == "__main__":
    print(wheel_requirement(build_toolkit_wheel(Path(sys.argv[1]))))
