"""Say which migration failed, where in its file, and what state it left the database in.

A revision file is the user's code: an error raised in it (or while loading it) is a mistake to
report in two lines, not a traceback through invoke and Alembic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

# Where a failed migration leaves the database, by whether its DDL can be rolled back.
ROLLED_BACK = "rolled back; the database is still at {at}"
HALF_APPLIED = (
    "{dialect} cannot roll DDL back; {revision} may be half-applied;"
    " see `inv db.clear-migration-mark`"
)


@dataclass(frozen=True)
class MigrationFrame:
    """The innermost place in a revision file that an error passed through."""

    path: Path
    line: int
    function: str
    module_globals: dict

    @property
    def revision(self) -> str:
        return str(self.module_globals.get("revision", self.path.stem))

    @property
    def down_revision(self) -> str:
        down = self.module_globals.get("down_revision")
        if isinstance(down, (tuple, list)):
            return ", ".join(down)
        return down or "base"

    @property
    def message(self) -> str:
        doc = (self.module_globals.get("__doc__") or "").strip()
        return doc.splitlines()[0] if doc else ""


def versions_dir() -> Path:
    from app.migrations.config import MIGRATIONS_DIR

    return MIGRATIONS_DIR / "versions"


def shown_path(path: Path) -> str:
    from app.settings import PROJECT_ROOT

    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def migration_frame(error: BaseException) -> MigrationFrame | None:
    """Find the innermost frame of ``error``'s traceback that runs a revision file."""
    folder = versions_dir()
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        frame: FrameType = traceback.tb_frame
        path = Path(frame.f_code.co_filename)
        if path.parent == folder:
            found = MigrationFrame(path, traceback.tb_lineno, frame.f_code.co_name, frame.f_globals)
        traceback = traceback.tb_next
    return found


def exception_text(error: BaseException) -> str:
    """The exception's own message, its first line, naming its type (a DB error: the driver's)."""
    reason = getattr(error, "orig", None) or error
    first_line = (str(reason).strip().splitlines() or [""])[0]
    return f"{type(reason).__name__}: {first_line}" if first_line else type(reason).__name__


def state_after(frame: MigrationFrame) -> str:
    """Say what a failure in ``frame`` left behind, from what the database can roll back."""
    from app.settings import get_settings, parse_url

    parsed = parse_url(get_settings().blocking_database_url)
    backend = parsed.get_backend_name() if parsed is not None else ""
    if frame.function not in ("upgrade", "downgrade"):
        return "the database was not changed"
    if backend in ("mysql", "mariadb"):
        return HALF_APPLIED.format(dialect="MySQL/MariaDB", revision=frame.revision)
    at = frame.down_revision if frame.function == "upgrade" else frame.revision
    return ROLLED_BACK.format(at=at)


def describe_failed_migration(error: BaseException) -> str | None:
    """Two lines for an error raised in a revision file, or None when none was involved."""
    from app.migrations.irreversible import IrreversibleMigration

    if isinstance(error, SyntaxError) and error.filename:
        path = Path(error.filename)
        if path.parent == versions_dir():
            return (
                f"revision file {shown_path(path)}:{error.lineno} cannot be loaded:"
                f" SyntaxError: {error.msg}\nthe database was not changed; fix the file"
            )
    frame = migration_frame(error)
    if frame is None:
        return describe_missing_revision(error)
    where = f"{shown_path(frame.path)}:{frame.line}"
    if frame.function == "<module>":
        return (
            f"revision file {where} cannot be loaded: {exception_text(error)}"
            "\nthe database was not changed; fix the file"
        )
    title = f" ({frame.message})" if frame.message else ""
    if isinstance(error, IrreversibleMigration):
        # A deliberate refusal, raised before any operation: nothing ran, on any database.
        return (
            f"revision {frame.revision}{title} cannot be downgraded: {error.reason};"
            f" nothing was changed, the database is still at {frame.revision}"
        )
    return (
        f"migration {frame.revision}{title} failed in {frame.function}() at {where}:"
        f" {exception_text(error)}\n{state_after(frame)}"
    )


def describe_missing_revision(error: BaseException) -> str | None:
    """Explain Alembic's KeyError for a revision named as down_revision whose file is gone."""
    if not isinstance(error, KeyError) or not error.args:
        return None
    missing = str(error.args[0])
    quoted = re.compile(rf"['\"]{re.escape(missing)}['\"]")
    for path in sorted(versions_dir().glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("down_revision") and quoted.search(line):
                return (
                    f"revision {missing} is missing from the history: {shown_path(path)} names it"
                    " as its down_revision, but no revision file has that id; restore the file"
                    " (e.g. from git) or point down_revision at an existing revision;"
                    " the database was not changed"
                )
    return None
