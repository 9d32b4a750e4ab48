"""The folder where what is costly to compute and cheap to key is kept between runs.

Two things are: the models' catalog description (inspection/_models_catalog.py), keyed by their
compiled DDL, and each revision file's checksum (runtime/_revision_checksums.py), keyed by the
file's bytes. Both are written whole or not at all, and a folder that cannot be written only
costs the next run the work again.
"""

from __future__ import annotations

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
