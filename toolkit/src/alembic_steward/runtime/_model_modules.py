"""Find and import every module of the `app` package that declares tables.

Autogenerate only sees the tables registered on ``Base.metadata``, and a model class registers
itself only when its module is imported. A model in a module that app/models.py never imports
would be invisible: `inv db.revision` would write nothing for it and `inv db.check` would pass.
"""

from __future__ import annotations

import functools
import importlib
import re

from alembic_steward._wiring import active_steward

# Alembic's environment and the revisions declare no models; importing env.py would even run
# migrations. Skipped by folder name under app/, with the migrations package's own folder.
SKIPPED_FOLDERS = frozenset({"__pycache__"})
# A module declares a table through a mapped class or a Core Table; reading the source first
# keeps every other module (an app factory, a worker) from being imported for nothing.
DECLARES_TABLES = re.compile(r"^\s+__tablename__\s*=|\bTable\(", re.MULTILINE)


@functools.cache
def model_module_names() -> list[str]:
    """Name every module under app/ (app.migrations excepted) whose source declares a table."""
    steward = active_steward()
    app_dir = steward.app_dir
    app_package = steward.package.rpartition(".")[0]
    skipped = SKIPPED_FOLDERS | {steward.migrations_dir.name}
    names = []
    for path in sorted(app_dir.rglob("*.py")):
        relative = path.relative_to(app_dir)
        if skipped.intersection(relative.parts[:-1]):
            continue
        if not DECLARES_TABLES.search(path.read_text(encoding="utf-8", errors="replace")):
            continue
        parts = relative.with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join((app_package, *parts)))
    return names


def import_model_modules() -> None:
    """Import every module that declares tables, so ``Base.metadata`` holds all of them."""
    for name in model_module_names():
        importlib.import_module(name)
