"""Drive a baked project as a user would: its own virtualenv, its real `inv` and `alembic`.

Stdlib only, shared by the walkthrough and the template's tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dev_env import DEV_VENV, TEMPLATE_ROOT, create_venv, run_quietly, venv_executable
from toolkit_build import checkout_requirement

# Variables that would make a baked project's commands see the caller's setup instead of its own.
LEAKY_VARIABLES = ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "ALEMBIC_CONFIG")
# The commit a shared bake returns to after each test (BakedProject.restore_snapshot).
SNAPSHOT_TAG = "template-tests-snapshot"
CREATED_REVISION = re.compile(r"^Created revision (\w+): (\S+)$", re.MULTILINE)

USER_MODEL = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
"""
USER_NAME_COLUMN = "    name: Mapped[str | None] = mapped_column(String(100))\n"
# A revision file as a user writes one by hand, filling in a blank revision.
HAND_WRITTEN_REVISION = '''"""{message}"""

import sqlalchemy as sa
from alembic import op
{imports}
revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def revision_source(
    revision: str,
    down_revision: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str = "    pass",
    *,
    message: str | None = None,
    imports: str = "",
) -> str:
    """The text of a hand-written revision file.

    ``upgrade`` and ``downgrade`` are function bodies, already indented; ``imports`` is one more
    import line the bodies need; ``message`` (the docstring) defaults to the revision id.
    """
    return HAND_WRITTEN_REVISION.format(
        message=message or revision,
        imports=f"\n{imports}\n" if imports else "",
        revision=revision,
        down_revision=down_revision,
        upgrade=upgrade,
        downgrade=downgrade,
    )


def bake(output_dir: Path, **answers: str) -> BakedProject:
    """Bake the template into ``output_dir`` with the defaults and ``answers``.

    The bake depends on this checkout's toolkit/ unless ``answers`` name another.
    """
    if not os.environ.get("COOKIECUTTER_CONFIG"):  # the tests' config names a built wheel
        answers.setdefault("toolkit_requirement", checkout_requirement())
    cookiecutter = venv_executable(DEV_VENV, "cookiecutter")
    extra = [f"{key}={value}" for key, value in answers.items()]
    command = [cookiecutter, "--no-input", "--output-dir", output_dir, TEMPLATE_ROOT, *extra]
    subprocess.run(command, check=True)
    (project_dir,) = [path for path in output_dir.iterdir() if path.is_dir()]
    return BakedProject(project_dir)


@dataclass
class BakedProject:
    path: Path

    @classmethod
    def installed_snapshot(cls, path: Path, *extra_packages: str) -> BakedProject:
        """Install the bake at ``path`` (plus ``extra_packages``) with uv and snapshot it for
        tests. uv, not pip: the same packages in seconds instead of 15; the walkthrough's test
        runs the README's pip install (docs/design_decisions.md)."""
        project = cls(path)
        project.install_with_uv(*extra_packages)
        project.snapshot()
        return project

    @property
    def venv(self) -> Path:
        return self.path / ".venv"

    def executable(self, name: str) -> Path:
        return venv_executable(self.venv, name)

    def install(self, *extra_packages: str) -> None:
        """Create the project's .venv and install it with its dev extra, as its README says."""
        create_venv(self.venv)
        pip_install = [self.executable("python"), "-m", "pip", "install"]
        run_quietly([*pip_install, "-e", ".[dev]", *extra_packages], self.path)

    def install_with_uv(self, *extra_packages: str, python: str = sys.executable) -> None:
        """What ``install`` installs, resolved and installed by uv (the template's dev tools):
        a virtualenv without pip (of ``python``: this one by default), the project editable
        with its dev extra, bytecode compiled."""
        uv = venv_executable(DEV_VENV, "uv")
        run_quietly([uv, "venv", "--quiet", "--python", python, self.venv], self.path)
        # --python names the target: uv would otherwise install into the venv it runs from.
        # --refresh-package: uv keys its build of a folder on the folder's pyproject.toml, so a
        # toolkit/ edited since (the benchmark bakes the folder) would install the stale build.
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode"]
        install += ["--refresh-package", "alembic-steward"]
        install += ["--python", self.executable("python"), "-e", ".[dev]", *extra_packages]
        run_quietly(install, self.path)

    def snapshot(self) -> None:
        """Commit the project as it is now, so tests can return to it without reinstalling."""
        self.git("init", "--quiet")
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", "snapshot")
        self.git("tag", SNAPSHOT_TAG)

    def restore_snapshot(self) -> None:
        """Undo every change since ``snapshot``, keeping the installed virtualenv.

        Back to the snapshot's own commit, not HEAD: a test that commits in the project (the
        README's `git add -A && git commit`) must not move where the next test starts from.
        """
        self.git("reset", "--quiet", "--hard", SNAPSHOT_TAG)
        self.git("clean", "--quiet", "-fdx", "-e", ".venv", "-e", "*.egg-info")

    def git(self, *arguments: str) -> None:
        identity = ["-c", "user.name=template tests", "-c", "user.email=tests@example.invalid"]
        command = ["git", *identity, *arguments]
        subprocess.run(command, cwd=self.path, check=True, capture_output=True)

    def environment(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
        env["PATH"] = f"{self.executable('python').parent}{os.pathsep}{env.get('PATH', '')}"
        env.update(overrides)
        return env

    def run(
        self, *command: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the project's own commands (inv, alembic, pytest, ruff); capture output."""
        return subprocess.run(
            [self.executable(command[0]), *command[1:]],
            cwd=cwd or self.path,
            env=self.environment(**(env or {})),
            capture_output=True,
            text=True,
        )

    def inv(
        self, *arguments: str, code: int = 0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `inv ARGUMENTS`, failing unless it exits with ``code`` and prints no traceback."""
        completed = self.run("inv", *arguments, env=env)
        if completed.returncode != code or "Traceback" in completed.stderr:
            raise AssertionError(
                f"inv {' '.join(arguments)} exited {completed.returncode}, expected {code}\n"
                f"{completed.stdout}{completed.stderr}"
            )
        return completed

    def add_user_model(self) -> None:
        """Add a `users` table to app/models.py, as a user following the README would."""
        models = self.path / "app" / "models.py"
        source = models.read_text()
        source = source.replace(
            "from sqlalchemy import MetaData\n", "from sqlalchemy import MetaData, String\n"
        )
        source = source.replace(
            "from sqlalchemy.orm import DeclarativeBase\n",
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        )
        models.write_text(source + USER_MODEL)

    def add_user_name_column(self) -> None:
        """Add a nullable `name` column to the `users` model added by ``add_user_model``."""
        models = self.path / "app" / "models.py"
        models.write_text(models.read_text() + USER_NAME_COLUMN)


def created_revision(output: str) -> tuple[str, str]:
    """Return (revision id, path) from the output of `inv db.revision`."""
    match = CREATED_REVISION.search(output)
    if match is None:
        raise ValueError(f"no 'Created revision' line in:\n{output}")
    return match.group(1), match.group(2)
