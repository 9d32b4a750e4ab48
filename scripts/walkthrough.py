"""Bake a project with the defaults and walk the whole migration workflow on SQLite.

Usage: python3 scripts/walkthrough.py [--output-dir DIR]
Stdlib only: on a fresh machine it first installs the template's dev tools into .venv.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from pathlib import Path

from baked_project import BakedProject, bake, created_revision
from dev_env import TEMPLATE_ROOT, ensure_dev_venv

DEFAULT_OUTPUT_DIR = TEMPLATE_ROOT / "walkthrough-output"
# Written into the output folder so a rerun only ever deletes a folder this script made.
MARKER_FILE = ".made-by-walkthrough"


class StepFailed(Exception):
    pass


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def show(project: BakedProject, *command: str, cwd: Path | None = None) -> str:
    """Run a project command, print it and its output, and return its stdout."""
    where = cwd.relative_to(project.path) if cwd else Path(".")
    print(f"[{where}]$ {shlex.join(command)}", flush=True)
    completed = project.run(*command, cwd=cwd)
    for stream in (completed.stdout, completed.stderr):
        if stream.strip():
            print("  " + stream.strip().replace("\n", "\n  "))
    if completed.returncode != 0:
        raise StepFailed(f"`{shlex.join(command)}` exited with {completed.returncode}")
    return completed.stdout


def prepare_output_dir(output_dir: Path) -> None:
    if output_dir.exists():
        if not (output_dir / MARKER_FILE).exists():
            raise StepFailed(f"{output_dir} exists and was not made by this script; pick another")
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    (output_dir / MARKER_FILE).touch()


def walk(output_dir: Path) -> BakedProject:
    step(f"Bake the template with its defaults into {output_dir}")
    prepare_output_dir(output_dir)
    project = bake(output_dir)
    print(f"  baked {project.path}")

    step("Install the project into its own .venv: python -m pip install -e '.[dev]'")
    project.install()
    show(project, "inv", "--list")

    step("Add a User model to app/models.py and autogenerate the first revision")
    project.add_user_model()
    first, path = created_revision(show(project, "inv", "db.revision", "-m", "Initial migration"))
    print(f"  --- {path}\n" + (project.path / path).read_text())

    step("Apply it, then ask for a revision again: nothing changed, so nothing is written")
    show(project, "inv", "db.upgrade")
    show(project, "inv", "db.revision", "-m", "Nothing changed")

    step("Add a column and migrate again")
    project.add_user_name_column()
    show(project, "inv", "db.revision", "-m", "Add user name")
    show(project, "inv", "db.upgrade")

    step("Step back one revision, then go to one revision by id, from a subfolder")
    show(project, "inv", "db.downgrade")
    show(project, "inv", "db.downgrade", "-r", "base", cwd=project.path / "app")
    show(project, "inv", "db.upgrade", "-r", first, cwd=project.path / "app")

    step("The seed's raw Alembic commands work verbatim from the project root")
    show(project, "alembic", "upgrade", "head")
    show(project, "alembic", "current")
    show(project, "alembic", "downgrade", "-1")
    show(project, "alembic", "upgrade", "head")

    step("The project's own migration tests and linters pass")
    show(project, "pytest", "-q")
    show(project, "ruff", "check", ".")
    show(project, "ruff", "format", "--check", ".")
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    output_dir = parser.parse_args().output_dir.resolve()
    ensure_dev_venv()
    try:
        project = walk(output_dir)
    except StepFailed as failure:
        print(f"\nerror: {failure}", file=sys.stderr)
        return 1
    print(f"\nDone. The project is in {project.path}; activate it with")
    print(f"  source {project.venv / 'bin' / 'activate'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
