"""Find the migration an error or a signal stopped, and say what state it left the database in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import FrameType

# Where a failed migration leaves the database, by whether its DDL can be rolled back.
ROLLED_BACK = "rolled back; the database is still at {at}"
HALF_APPLIED = (
    "{dialect} cannot roll DDL back; {revision} may be half-applied, and rows it changed before"
    " a DDL statement were committed with it; if you finish it by hand, record that with"
    " {stamp}; if you undo it, run `inv db.clear-migration-mark` and migrate again"
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
    from alembic_steward._wiring import active_steward

    return active_steward().versions_dir


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


def state_after(frame: MigrationFrame) -> str:
    """Say what a failure in ``frame`` left behind, from what the database can roll back."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.urls import parse_url

    parsed = parse_url(get_settings().blocking_database_url)
    backend = parsed.get_backend_name() if parsed is not None else ""
    if frame.function not in ("upgrade", "downgrade"):
        return "the database was not changed"
    at = frame.down_revision if frame.function == "upgrade" else frame.revision
    if backend in ("mysql", "mariadb"):
        from alembic_steward.runtime._half_applied_marks import stamp_command

        # Finished by hand, an upgrade leaves the database at its revision, a downgrade below.
        finished = frame.revision if frame.function == "upgrade" else frame.down_revision
        stamp = stamp_command(finished.split(", "))
        return HALF_APPLIED.format(dialect="MySQL/MariaDB", revision=frame.revision, stamp=stamp)
    return ROLLED_BACK.format(at=at)
