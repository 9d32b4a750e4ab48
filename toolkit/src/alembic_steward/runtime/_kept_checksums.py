"""Current-format checksums of revision texts, kept on disk by a hash of the text.

`db.check` and `db.status` compare every applied revision's file with its recorded checksum.
Hashing 300 files' bytes takes about 5 ms; parsing them into the format's canonical form takes
0.15 s, a tenth of the check. The canonical form is a function of the text alone, so a text
seen before takes its checksum from the file kept beside the models' descriptions (_cache.py).
The file's name holds a hash of the code that computes the format and the Python version, so a
release that changes either starts a new file rather than trusting values it did not compute.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic_steward import _checksum_format
from alembic_steward._cache import cache_dir, keep

# Enough for every revision of a long history, and of its edits over a while.
KEPT_CHECKSUMS = 10_000


class KeptChecksums:
    """The kept checksums: read once per process, written when new ones were computed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, str] | None = None
        self.used: dict[str, str] = {}
        self.computed = False

    def checksum(
        self, text: str, algorithm: Callable[[str], str] = _checksum_format.code_checksum
    ) -> str:
        """The current-format checksum of ``text`` (`_checksum_format.code_checksum`, or
        ``algorithm``: another function of that module, kept under a key of its own)."""
        if self.values is None:
            self.values = self.read()
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if algorithm is not _checksum_format.code_checksum:
            key = f"{key}:{algorithm.__name__}"
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = algorithm(text)
            self.computed = True
        self.used[key] = value
        return value

    def read(self) -> dict[str, str]:
        try:
            values = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return values if isinstance(values, dict) else {}

    def save(self) -> None:
        """Write the checksums if this run computed any; those it used are kept first."""
        if not self.computed or self.values is None:
            return
        unused = {key: value for key, value in self.values.items() if key not in self.used}
        merged = list({**unused, **self.used}.items())[-KEPT_CHECKSUMS:]
        keep(self.path, json.dumps(dict(merged)))
        self.computed = False


@cache
def kept_checksums() -> KeptChecksums:
    """This process's kept checksums, in the file for this format's code and this Python."""
    code = Path(_checksum_format.__file__).read_bytes()
    version = f"{sys.version_info.major}.{sys.version_info.minor}".encode()
    key = hashlib.sha256(code + b"\0" + version).hexdigest()[:16]
    return KeptChecksums(cache_dir() / f"checksums-{key}.json")
