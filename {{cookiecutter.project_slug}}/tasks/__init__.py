"""The project's invoke tasks; `inv --list` shows them all.

Task modules import nothing heavy at load time, so listing tasks and shell completion stay fast.
"""

import importlib.util
import sys

from invoke import Collection

# A global `inv` (pipx, the system's) runs these tasks with a Python that lacks the project's
# libraries: say how to reach the project's own before any task fails on an import.
if importlib.util.find_spec("alembic") is None:
    sys.exit(
        f"error: {sys.executable} cannot import Alembic, so this is not the project's virtualenv;"
        " activate it (`source .venv/bin/activate`) or run `.venv/bin/inv`"
    )

from tasks import db, lint, test  # noqa: E402 - only once the environment is known to fit

ns = Collection(db, test.test, lint.lint, lint.format_code)
