"""The folder where what is costly to compute and cheap to key is kept between runs.

Two things are: the models' catalog description (inspection/_models_catalog.py), keyed by their
compiled DDL, and each revision file's checksum (runtime/_revision_checksums.py), keyed by the
file's bytes. Both are written whole or not at all, and a folder that cannot be written only
costs the next run the work again. Records kept per database or server (runtime/_failed_runs.py,
runtime/_offline_server.py) are named by a hash of the URL parts that identify it (keyed_path).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """Where results are kept: $ALEMBIC_STEWARD_CACHE, else the user's cache folder."""
    configured = os.environ.get("ALEMBIC_STEWARD_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "alembic-steward"


def keyed_path(folder: str, parts: list[object]) -> Path:
    """The JSON file in the cache's ``folder`` named by a hash of ``parts``.

    ``keyed_path("server-versions", ["postgresql", "db", 5432])`` is
    ``<cache_dir>/server-versions/<24 hex digits>.json``; parts are any JSON values, anything
    else (a ``Path``) taken as its ``str``, so equal parts always name the same file.
    """
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]
    return cache_dir() / folder / f"{digest}.json"


def keep(path: Path, text: str, *, newest: int | None = None) -> None:
    """Write ``text`` at ``path`` whole or not at all; never raises.

    With ``newest``, only that many files named like ``path`` (same prefix before the first
    ``-``, same suffix) are kept in its folder, the oldest deleted.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            f.write(text)
        os.replace(f.name, path)
        if newest is None:
            return
        siblings = path.parent.glob(f"{path.name.split('-')[0]}-*{path.suffix}")
        kept = sorted(siblings, key=lambda p: p.stat().st_mtime)
        for old in kept[:-newest]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home: the next run computes it again
