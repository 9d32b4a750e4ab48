"""The project's invoke tasks; `inv --list` shows them all. Add your own beside `db`."""

import sys

try:
    from alembic_steward.tasks import db_collection, format_code, lint, prepare_invoke, test
except ModuleNotFoundError as missing:
    # A global `inv` (pipx, the system's) runs these tasks with a Python that lacks the
    # project's libraries: say how to reach the project's own.
    sys.exit(
        f"error: {sys.executable} cannot import {missing.name}, so this is not the project's"
        " virtualenv; activate it (`source .venv/bin/activate`) or run `.venv/bin/inv`"
    )
from invoke import Collection

prepare_invoke(__file__)

from app.migrations import steward  # noqa: E402 - only once the environment is known to fit

ns = Collection(db_collection(steward), test, lint, format_code)
