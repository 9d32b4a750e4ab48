"""Checks a service's `tasks/__init__.py` runs before invoke does anything else."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

from alembic_steward.tasks import _early_signals, _revision_flag, _task_help, _uncaught_errors


def prepare_invoke(tasks_file: str, app_package: str = "app") -> None:
    """End invoke's own failures in one line; refuse a Python that would use the wrong project.

    ``tasks_file`` is the caller's ``__file__`` (the project's `tasks/__init__.py`). Exits, in
    one `error:` line, when ``app_package`` is imported from anywhere but this checkout: a
    non-editable install (`pip install .`) puts a copy of app/ in site-packages, and the tasks
    would then read and write that copy (models as of the install, revisions written and lost).
    """
    # First, so that even the check below and invoke's own work (help, environment variables)
    # end in one line rather than a traceback.
    _uncaught_errors.install()
    # Under the `inv` command only (its script imports invoke.main): a test suite importing
    # the tasks keeps its own Ctrl-C.
    if "invoke.main" in sys.modules and threading.current_thread() is threading.main_thread():
        _early_signals.take_stop_signals()
    _task_help.let_help_skip_positional_arguments()
    _revision_flag.name_the_revision_flag()
    spec = importlib.util.find_spec(app_package)
    checkout_app = Path(tasks_file).resolve().parent.parent / app_package
    if spec is None or Path(spec.origin or "").resolve().parent != checkout_app:
        found = spec.origin if spec else "nowhere"
        sys.exit(
            f"error: Python imports `{app_package}` from {found}, not from {checkout_app};"
            " install the project in editable mode: python -m pip install -e '.[dev]'"
        )
