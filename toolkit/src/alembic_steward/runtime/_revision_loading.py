"""Run each revision file (and env.py) from its source, never from bytecode the source outgrew.

Alembic loads these files with importlib's source loader, which runs a cached `.pyc` whenever
the modification time and size it recorded match the source's: an edit within the same second
that keeps the size, or a copy that restores modification times (`cp -p`, `rsync -t`, `tar`,
a CI cache), leaves the old code to run, while the checksums, read from the source, say all is
well. Our loader uses cached bytecode only when it carries a hash of the very source it was
compiled from (PEP 552's checked pycs), and writes its caches that way, so Python's own
imports check them as well. A revision present only as bytecode (Alembic's `sourceless`
option) is refused: nobody could review it, and its checksum would be of nothing.

Alembic has no hook for how it loads a file, so `load_revisions_from_source` replaces its one
loading function; every in-process entry point calls it (runtime/_config.py, env.py's options).
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from types import CodeType, ModuleType

# PEP 552's flags: the pyc is keyed by the source's hash (bit 0), to be checked on load (bit 1).
CHECKED_HASH = (0b11).to_bytes(4, "little")


def load_revisions_from_source() -> None:
    """Make Alembic load every revision file and env.py through `load_from_source`."""
    from alembic.util import pyfiles

    pyfiles.load_module_py = load_from_source


def load_from_source(module_id: str, path: str | os.PathLike[str]) -> ModuleType:
    """Alembic's `load_module_py`, compiling from the source unless a checked pyc matches it."""
    from alembic_steward.runtime._revision_exits import loading_without_exits, without_exits
    from alembic_steward.runtime._revision_ids import check_loaded_revision_id

    path = Path(path)
    if path.suffix != ".py":
        from alembic.util import CommandError

        from alembic_steward._wiring import shown_path

        raise CommandError(
            f"{shown_path(path)} is a revision without its source file (bytecode only, as"
            " Alembic's `sourceless` option allows); revisions run from their source, which can"
            " be reviewed and checksummed: restore its .py file or delete the bytecode (and"
            " turn `sourceless` off); nothing was run"
        )
    loader = SourceCheckedLoader(module_id, str(path))
    spec = importlib.util.spec_from_file_location(module_id, path, loader=loader)
    if spec is None:  # pragma: no cover - a .py path with a loader always has a spec
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    if path.name == "env.py":  # the project's own, whose run ends with the toolkit's exit codes
        loader.exec_module(module)
        return module
    # A revision's code ending the process fails the revision (runtime/_revision_exits.py).
    loading_without_exits(lambda: loader.exec_module(module))
    without_exits(module)
    check_loaded_revision_id(module, path)
    return module


class SourceCheckedLoader(importlib.machinery.SourceFileLoader):
    """A source loader that trusts cached bytecode only when it holds the source's hash."""

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_data(self.path)
        source_hash = importlib.util.source_hash(source)
        # env.py runs once per tenant of a fan-out: compiled once per process, by its text.
        code = compiled.get((self.path, source_hash))
        if code is not None:
            return code
        cached = cache_path(self.path)
        code = checked_bytecode(cached, source_hash) if cached else None
        if code is None:
            code = self.source_to_code(source, self.path)
            # invoke turns sys.dont_write_bytecode on for its own modules; the interpreter's
            # flag (-B, PYTHONDONTWRITEBYTECODE) is the user's choice, and is honoured.
            if cached and not sys.flags.dont_write_bytecode:
                write_checked_bytecode(cached, code, source_hash)
        compiled[(self.path, source_hash)] = code
        return code


# The code of each file this process loaded, by its path and the hash of its source.
compiled: dict[tuple[str, bytes], CodeType] = {}


def cache_path(source_path: str) -> Path | None:
    try:
        return Path(importlib.util.cache_from_source(source_path))
    except NotImplementedError:  # an interpreter without a bytecode cache
        return None


def header(source_hash: bytes) -> bytes:
    return importlib.util.MAGIC_NUMBER + CHECKED_HASH + source_hash


def checked_bytecode(path: Path, source_hash: bytes) -> CodeType | None:
    """The code cached at ``path`` if it is a checked pyc of this very source, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    expected = header(source_hash)
    if not data.startswith(expected):
        return None  # a timestamp pyc, another Python's, or another source's
    try:
        code = marshal.loads(data[len(expected) :])
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def write_checked_bytecode(path: Path, code: CodeType, source_hash: bytes) -> None:
    """Cache ``code`` at ``path`` as a checked pyc; a folder we cannot write only costs time."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        temporary.write_bytes(header(source_hash) + marshal.dumps(code))
        # Atomic: a concurrent run reads the old cache or the new one, never half of one.
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
