"""Drive a copy of the fixture service as a user would: its `inv`, `alembic`, `pytest`, `python`.

The copy is not installed: its commands run with this environment's Python (where the toolkit is
installed, editable) and PYTHONPATH pointing at the copy, so every test starts from a fresh copy
in a second instead of a virtualenv of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURE_PROJECT = Path(__file__).resolve().parent / "fixture_project"
BIN = Path(sys.executable).parent
# Variables that would make the copy's commands see the caller's setup instead of its own.
LEAKY_VARIABLES = ("DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "ALEMBIC_CONFIG", "APP_ENV")
CREATED_REVISION = re.compile(r"^Created revision (\w+): (\S+)$", re.MULTILINE)

USER_MODEL = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
"""
USER_NAME_COLUMN = "    name: Mapped[str | None] = mapped_column(String(100))\n"
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
    """The text of a hand-written revision file; bodies come indented."""
    return HAND_WRITTEN_REVISION.format(
        message=message or revision,
        imports=f"\n{imports}\n" if imports else "",
        revision=revision,
        down_revision=down_revision,
        upgrade=upgrade,
        downgrade=downgrade,
    )


def created_revision(output: str) -> tuple[str, str]:
    """(revision id, path) from the output of `inv db.revision`."""
    match = CREATED_REVISION.search(output)
    if match is None:
        raise ValueError(f"no 'Created revision' line in:\n{output}")
    return match.group(1), match.group(2)


@dataclass
class Project:
    """A fresh copy of the fixture service at ``path``; ``env`` is added to every command's."""

    path: Path
    env: dict[str, str]

    @classmethod
    def copy_to(cls, path: Path, **env: str) -> Project:
        shutil.copytree(FIXTURE_PROJECT, path, ignore=shutil.ignore_patterns("__pycache__"))
        return cls(path, dict(env))

    @property
    def versions(self) -> Path:
        return self.path / "app" / "migrations" / "versions"

    def environment(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONPATH"] = str(self.path)
        env.update(self.env)
        env.update(overrides)
        return env

    def run(
        self, *command: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the project's commands (inv, alembic, pytest, python); capture output."""
        return subprocess.run(
            [self.executable(command[0]), *command[1:]],
            cwd=cwd or self.path,
            env=self.environment(**(env or {})),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    def executable(self, name: str) -> str:
        """The path of the command ``name`` (inv, alembic, pytest, python) this project runs."""
        return sys.executable if name == "python" else str(BIN / name)

    def start(self, *command: str, **env: str) -> subprocess.Popen[str]:
        """Start one of the project's commands without waiting for it; pipe its output."""
        return subprocess.Popen(
            [self.executable(command[0]), *command[1:]],
            cwd=self.path,
            env=self.environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
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

    def write_revision(self, name: str, source: str) -> Path:
        path = self.versions / name
        path.write_text(source)
        return path

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
        models = self.path / "app" / "models.py"
        models.write_text(models.read_text() + USER_NAME_COLUMN)
