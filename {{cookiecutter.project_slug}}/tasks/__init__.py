"""The project's invoke tasks; `inv --list` shows them all.

Task modules import nothing heavy at load time, so listing tasks and shell completion stay fast.
"""

import importlib.util
import sys
from pathlib import Path

from invoke import Collection

from tasks import uncaught_errors

# First, so that even the checks below and invoke's own work (help, environment variables)
# end in one line rather than a traceback.
uncaught_errors.install()

# A global `inv` (pipx, the system's) runs these tasks with a Python that lacks the project's
# libraries: say how to reach the project's own before any task fails on an import.
if importlib.util.find_spec("alembic") is None:
    sys.exit(
        f"error: {sys.executable} cannot import Alembic, so this is not the project's virtualenv;"
        " activate it (`source .venv/bin/activate`) or run `.venv/bin/inv`"
    )

# A non-editable install (`pip install .`) puts a copy of app/ in site-packages; the tasks would
# then read and write that copy (models as of the install, revisions written there and lost).
APP_SPEC = importlib.util.find_spec("app")
CHECKOUT_APP = Path(__file__).resolve().parent.parent / "app"
if APP_SPEC is None or Path(APP_SPEC.origin or "").resolve().parent != CHECKOUT_APP:
    sys.exit(
        f"error: Python imports `app` from {APP_SPEC.origin if APP_SPEC else 'nowhere'}, not from"
        f" {CHECKOUT_APP}; install the project in editable mode: python -m pip install -e '.[dev]'"
    )

from tasks import db, lint, test  # noqa: E402 - only once the environment is known to fit

# invoke reads its INVOKE_* variables after importing the tasks, and cannot read a
# comma-separated value into a setting invoke.yaml gives as a YAML list: take ours first.
db.protection.take_protected_list_from_environment()
ns = Collection(db, test.test, lint.lint, lint.format_code)
