"""Where in the service's own code an error came from, as one-line messages name it."""

from __future__ import annotations

from pathlib import Path


def innermost_project_line(error: BaseException) -> str | None:
    """The last file:line of ``error``'s traceback inside the project (not a library)."""
    from alembic_steward._wiring import project_root

    found = None
    traceback = error.__traceback__
    while traceback is not None:
        path = Path(traceback.tb_frame.f_code.co_filename)
        if path.is_relative_to(project_root()) and ".venv" not in path.parts:
            found = f"{path.relative_to(project_root())}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return found
