"""Drive a copy of the fixture service as a user would: its `inv`, `alembic`, `pytest`, `python`.

The copy is not installed: its commands run with this environment's Python (where the toolkit is
installed, editable) and PYTHONPATH pointing at the copy, so every test starts from a fresh copy
in a second instead of a virtualenv of its own.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import commands

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


def created_revisions(output: str) -> list[tuple[str, str]]:
    """Every (revision id, path) the output of `inv db.revision` names, in order."""
    return CREATED_REVISION.findall(output)


def git(project: Project, *arguments: str) -> None:
    """Run git in ``project`` with a committer identity of its own, failing on an error."""
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *arguments],
        cwd=project.path,
        check=True,
        capture_output=True,
    )


def commit_everything(project: Project, message: str) -> None:
    """Put ``project`` under git with every file committed, as a team's checkout is."""
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", message)


def one_error_line(stderr: str, prefix: str = "error: ") -> str:
    """The one line of ``stderr`` starting with ``prefix``, failing on a traceback or on more."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stderr
    return lines[0]


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
        env = commands_environment()
        env["PYTHONPATH"] = str(self.path)
        # The models' catalog descriptions are kept per copy, never in the user's cache.
        env["ALEMBIC_STEWARD_CACHE"] = str(self.path.parent / "steward-cache")
        env.update(self.env)
        env.update(overrides)
        return env

    def executable(self, name: str) -> str:
        """The path of one of the project's commands (inv, alembic, pytest, python)."""
        return sys.executable if name == "python" else str(BIN / name)

    def popen(self, *command: str, **options: Any) -> subprocess.Popen:
        """subprocess.Popen of one of the project's commands (inv, alembic, pytest, python),
        forked from the tests' zygote unless it must start plain (commands.py)."""
        argv = [self.executable(command[0]), *command[1:]]
        return commands.popen(argv, commands_environment(), **options)

    def run(
        self, *command: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the project's commands (inv, alembic, pytest, python); capture output."""
        with self.popen(
            *command,
            cwd=cwd or self.path,
            env=self.environment(**(env or {})),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        ) as process:
            stdout, stderr = process.communicate()
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def start(self, *command: str, **env: str) -> subprocess.Popen[str]:
        """Start one of the project's commands without waiting for it; pipe its output."""
        return self.popen(
            *command,
            cwd=self.path,
            env=self.environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def hide_modules(self, *names: str) -> None:
        """Make the project's commands see ``names`` as not installed, as in a leaner install."""
        # The copy is on PYTHONPATH, ahead of the standard library: this sitecustomize wins.
        hidden = "".join(f"sys.modules[{name!r}] = None\n" for name in names)
        (self.path / "sitecustomize.py").write_text(f"import sys\n\n{hidden}")

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

    @contextmanager
    def imported(self, **env: str) -> Iterator[None]:
        """Import the copy's `app` into this process, its commands' environment plus ``env`` set.

        For calling the toolkit in-process on the copy; everything the import and the calls
        change in this process (modules, sys.path, environment, wiring, logging) is put back.
        """
        from alembic_steward import _wiring

        saved_environment, saved_path = dict(os.environ), list(sys.path)
        saved_loggers = logger_states()
        forget_service_modules()
        os.environ.clear()
        os.environ.update(self.environment(**env))
        sys.path.insert(0, str(self.path))
        try:
            importlib.import_module("app.migrations")
            yield
        finally:
            forget_service_modules()
            _wiring._ACTIVE.clear()
            sys.path[:] = saved_path
            os.environ.clear()
            os.environ.update(saved_environment)
            restore_loggers(saved_loggers)

    def write_revision(self, name: str, source: str) -> Path:
        path = self.versions / name
        path.write_text(source)
        return path

    def append_models(self, classes: str, *imported: str) -> None:
        """Append ``classes`` to app/models.py, importing ``Mapped`` and ``mapped_column`` and
        the names ``imported`` from sqlalchemy (``"Integer"``) for them."""
        models = self.path / "app" / "models.py"
        names = ", ".join(sorted({"MetaData", *imported}))
        source = models.read_text().replace(
            "from sqlalchemy import MetaData\n", f"from sqlalchemy import {names}\n"
        )
        source = source.replace(
            "from sqlalchemy.orm import DeclarativeBase\n",
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        )
        models.write_text(source + classes)

    def add_user_model(self) -> None:
        """Add a `users` table to app/models.py, as a user following the README would."""
        self.append_models(USER_MODEL, "String")

    def add_user_name_column(self) -> None:
        models = self.path / "app" / "models.py"
        models.write_text(models.read_text() + USER_NAME_COLUMN)


def commands_environment() -> dict[str, str]:
    """The environment every command of a copy starts from, before the copy's own settings."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    # Cached bytecode, or every command compiles SQLAlchemy and Alembic anew: a second each.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def forget_service_modules() -> None:
    """Drop the fixture service's modules from this process, so the next import is a copy's."""
    from alembic_steward.runtime._model_modules import model_module_names

    for name in [name for name in sys.modules if name == "app" or name.startswith("app.")]:
        del sys.modules[name]
    model_module_names.cache_clear()  # the toolkit's one cache of a service's own files


def logger_states() -> dict[str, tuple]:
    """Each logger's level, handlers, propagation and state: env.py's fileConfig resets them."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return {
        logger.name: (logger.level, list(logger.handlers), logger.propagate, logger.disabled)
        for logger in loggers
        if isinstance(logger, logging.Logger)
    }


def restore_loggers(states: dict[str, tuple]) -> None:
    for name, (level, handlers, propagate, disabled) in states.items():
        logger = logging.getLogger(name if name != "root" else None)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate, logger.disabled = propagate, disabled
