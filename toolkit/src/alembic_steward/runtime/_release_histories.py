"""Read another release's migration history: at a git ref, or in an installed or unpacked copy.

Nothing is checked out or imported: the revision files' text is read (`git ls-tree` and
`git cat-file` at the ref; files in a folder; entries in a wheel) and scanned as the start-up
guard scans its own (runtime/_code_history.py).
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from alembic.util import CommandError

from alembic_steward.runtime._code_history import (
    CodeHistory,
    history_from_texts,
    revision_file_names,
)


class ReleaseNotReadable(CommandError):
    """The release named could not be read; the message says why."""


def release_history(release: str, versions_dir: Path, package: str) -> CodeHistory:
    """The history of ``release``: a path (a versions folder, a folder holding the package,
    such as an unpacked release or a site-packages, or a wheel) or else a git ref of the
    repository holding ``versions_dir``. ``package`` is the migrations package's dotted name.

    Raises ReleaseNotReadable.
    """
    inside = f"{package.replace('.', '/')}/versions"
    path = Path(release)
    if path.is_file():
        texts = wheel_texts(path, inside)
    elif path.is_dir():
        texts = folder_texts(path, inside)
    else:
        texts = git_texts(release, versions_dir)
    history = history_from_texts(texts)
    if history is None:
        raise ReleaseNotReadable(
            f"a revision file of {release} has a computed `revision` or `down_revision` line,"
            " which only importing it could read"
        )
    return history


def wheel_texts(wheel: Path, inside: str) -> list[str]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if n.rpartition("/")[0] == inside]
            return [archive.read(name).decode("utf-8") for name in revision_file_names(names)]
    except zipfile.BadZipFile:
        raise ReleaseNotReadable(f"{wheel} is neither a folder nor a wheel") from None


def folder_texts(folder: Path, inside: str) -> list[str]:
    candidates = [folder / inside, *sorted(folder.glob(f"**/{inside}")), folder]
    for versions in candidates:
        names = revision_file_names(p.name for p in versions.glob("*.py"))
        if names:
            return [(versions / name).read_text(encoding="utf-8") for name in names]
    raise ReleaseNotReadable(f"{folder} holds no revision files (looked for {inside}/)")


def git(*arguments: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    """Run git in ``cwd``; return its output, or raise ReleaseNotReadable with its first line."""
    try:
        completed = subprocess.run(
            ["git", *arguments], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise ReleaseNotReadable("git is not installed here, so no ref can be read") from None
    if completed.returncode != 0:
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReleaseNotReadable((lines or ["git failed"])[0].removeprefix("fatal: "))
    return completed.stdout


def git_texts(ref: str, versions_dir: Path) -> list[str]:
    """The revision files' texts in ``versions_dir`` as they are at ``ref``."""
    root = Path(git("rev-parse", "--show-toplevel", cwd=versions_dir).decode().strip())
    inside = versions_dir.resolve().relative_to(root.resolve()).as_posix()
    try:
        git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root)
    except ReleaseNotReadable:
        raise ReleaseNotReadable(
            f"{ref!r} is neither a path nor a commit, tag or branch of the repository at {root}"
        ) from None
    try:
        listed = git("ls-tree", "--name-only", f"{ref}:{inside}", cwd=root).decode()
    except ReleaseNotReadable:
        raise ReleaseNotReadable(f"{ref} has no {inside}/ folder") from None
    names = revision_file_names(listed.splitlines())
    if not names:
        return []
    requests = "".join(f"{ref}:{inside}/{name}\n" for name in names).encode()
    return split_cat_file_batch(git("cat-file", "--batch", cwd=root, stdin=requests))


def split_cat_file_batch(output: bytes) -> list[str]:
    """The contents in `git cat-file --batch` output: a header line, then that many bytes."""
    texts = []
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        header = output[position:header_end].decode()
        if header.endswith(" missing"):
            raise ReleaseNotReadable(f"git could not read {header.removesuffix(' missing')}")
        size = int(header.rsplit(" ", 1)[1])
        start = header_end + 1
        texts.append(output[start : start + size].decode("utf-8"))
        position = start + size + 1  # the newline after each object
    return texts
