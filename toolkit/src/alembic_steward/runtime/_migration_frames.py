"""Find the migration an error or a signal stopped, and say what state it left the database in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import FrameType

MIGRATION_FUNCTIONS = ("upgrade", "downgrade")


# When no state was read after the failure (a caller's own transaction held the run).
def not_read() -> str:
    """What a failure whose state could not be read says: the command that reads it, as it
    runs where the line is read (an installed service has no `inv`)."""
    from alembic_steward.runtime._running_migration import status_command

    return (
        f"its state was not read after the failure; {status_command()} shows where the database"
        " stands"
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
    """Find the innermost frame of ``error``'s traceback that runs a revision file.

    Raised in a helper of the file that its upgrade() or downgrade() called, the frame stands
    for that function (the line stays the helper's): the run had begun, so "not changed" would
    be untrue, and the state read after it is that migration's."""
    from dataclasses import replace

    folder = versions_dir()
    found = None
    migrating = None  # the innermost upgrade()/downgrade() of a revision file
    traceback = error.__traceback__
    while traceback is not None:
        frame: FrameType = traceback.tb_frame
        path = Path(frame.f_code.co_filename)
        if path.parent == folder:
            found = MigrationFrame(path, traceback.tb_lineno, frame.f_code.co_name, frame.f_globals)
            if found.function in MIGRATION_FUNCTIONS:
                migrating = found
        traceback = traceback.tb_next
    if found is not None and migrating is not None and found.function not in MIGRATION_FUNCTIONS:
        return replace(found, function=migrating.function, module_globals=migrating.module_globals)
    return found


def state_after(frame: MigrationFrame, error: BaseException) -> str:
    """Say what the failure ``error`` in ``frame`` left, as read after the run (never guessed)."""
    from alembic_steward.runtime._state_lines import state_of

    if frame.function not in ("upgrade", "downgrade"):
        return "the database was not changed"
    state = state_of(error)
    return state.after_step(frame) if state is not None else not_read()
