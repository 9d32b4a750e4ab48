"""Say what an edit to an applied revision changed, from the text of it that ran, kept by git.

The checksum table keeps one checksum per applied revision, of the whole file as it ran: it
tells that the file changed, not where. git usually still has the text that ran (HEAD while the
edit is uncommitted, an older commit once it is not): the version whose checksum is the
recorded one. Compared with the file now, it tells an edit to `downgrade()` alone, which leaves
the applied schema as it was, from one to what the revision applied. Without git, or without
that version in its history, the edit is described as an edit, as before, unless the file is
one git has and the database's schema is what it builds: an accepted edit undone by
`git checkout` (`restored`), whose old text is not what this database keeps.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_steward._checksum_format import (
    code_checksum,
    code_without_downgrade,
    first_format_checksum,
    is_first_format,
)
from alembic_steward.runtime._revision_checksums import ACCEPT_EDIT_TASK, recorded_checksums
from alembic_steward.runtime._upgrade_checksums import recorded_upgrade_checksums

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# Enough to reach the text that ran in any ordinary history, and bounded for one that is not.
COMMITS_SEARCHED = 50
GIT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class EditedRevision:
    revision: str
    # True when the text that ran was found and only its downgrade() differs from the file.
    downgrade_only: bool
    # The recorded text is nowhere in git, the file is a version git has, and the database's
    # schema is what the files build: an edit accepted here, then undone in the file.
    restored: bool = False
    # Whether git has any version of the file (staged or committed): one it never had cannot
    # be restored from git, so the advice does not say to. None: git could not be asked (no
    # checkout, a timeout), so the advice says neither.
    in_git: bool | None = True
    # With every edit downgrade-only: how the database differs from what its revisions build
    # (a difference each, `missing index items.ix`), and the statements that undo some of them;
    # None when no comparison could be made. An unchanged upgrade() says nothing of the schema
    # itself: a downgrade of this revision that stopped after committing part of its work
    # (DROP INDEX CONCURRENTLY commits) left it short.
    found: tuple[str, ...] | None = None
    restoring: tuple[str, ...] = ()


def describe_edits(
    connection: Connection,
    script: ScriptDirectory,
    edited: list[str],
    current: tuple[str, ...] | list[str] = (),
) -> list[EditedRevision]:
    """Describe each of the ``edited`` revisions: was only its downgrade() changed, or, with
    ``current`` (the version table's heads), was the file restored to a version git has?"""
    recorded = recorded_checksums(connection, script) if edited else {}
    upgrades = recorded_upgrade_checksums(connection, edited)
    edits, candidates = [], []
    for revision in edited:
        checksum, path = recorded[revision]
        found, downgrade_only, committed, in_git = read_in_git(Path(path), checksum)
        # A first-format value may differ from the file with no edit at all (another Python).
        if revision in upgrades and not is_first_format(checksum):
            downgrade_only = upgrade_unchanged(path, upgrades[revision])
        edits.append(EditedRevision(revision, downgrade_only, in_git=in_git))
        candidates.append(not found and committed)
    if current and any(candidates) and schema_is_what_files_build(connection, current):
        edits = [
            EditedRevision(edit.revision, edit.downgrade_only, candidate, edit.in_git)
            for edit, candidate in zip(edits, candidates, strict=True)
        ]
    if current and edits and all(edit.downgrade_only for edit in edits):
        found, restoring = compared_schema(connection, current)
        edits = [replace(edit, found=found, restoring=restoring) for edit in edits]
    return edits


def compared_schema(
    connection: Connection, current: tuple[str, ...] | list[str]
) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """How the database differs from what ``current`` builds from the files as they are (whose
    upgrade() is what ran, when only downgrade() changed), briefly, and the statements that
    undo some of it; (None, ()) when no comparison could be made."""
    from alembic_steward.inspection._revision_comparison import compare_with_revision

    compared = compare_with_revision(connection, list(current), [], earlier=False)
    if compared.found is None:
        return None, ()
    return tuple(difference.brief() for difference in compared.found), compared.restoring


def schema_is_what_files_build(
    connection: Connection, current: tuple[str, ...] | list[str]
) -> bool:
    """Whether the database's schema is what ``current`` builds from the files as they are."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build

    differences, _ = leftovers_and_matching_build(
        connection, list(current), later=False, earlier=False
    )
    return differences == []


def upgrade_unchanged(path: str, upgrade_checksum: str) -> bool:
    """Whether the file without its downgrade() is what ran (runtime/_upgrade_checksums.py)."""
    from alembic_steward._checksum_format import checksum_without_downgrade
    from alembic_steward.runtime._revision_checksums import file_checksum

    try:
        return file_checksum(path, checksum_without_downgrade) == upgrade_checksum
    except (SyntaxError, ValueError, OSError):
        return False


def only_downgrade_changed(path: Path, checksum: str) -> bool:
    """Whether git has the text of ``path`` that ``checksum`` was taken of, differing only there."""
    return read_in_git(path, checksum)[1]


def read_in_git(path: Path, checksum: str) -> tuple[bool, bool, bool, bool | None]:
    """(whether git has the text ``checksum`` was taken of; whether only its downgrade() differs
    from the file; whether the file as it is is a version git has; whether git has any, None
    when git could not be asked: no checkout, no git, a timeout)."""
    versions = versions_in_git(path)
    if versions is None:
        return False, False, False, None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        text = None
    committed = False
    for source in versions:
        if has_checksum(source, checksum):
            return True, same_upgrade(source, text), committed, True
        committed = committed or source == text
    return False, False, committed, bool(versions)


def same_upgrade(source: str, text: str | None) -> bool:
    """Whether ``source`` and ``text`` (the file now; None unread) differ only in downgrade();
    False when either does not parse."""
    try:
        return text is not None and code_without_downgrade(source) == code_without_downgrade(text)
    except (SyntaxError, ValueError):
        return False


def has_checksum(source: str, checksum: str) -> bool:
    try:
        if is_first_format(checksum):
            return first_format_checksum(source) == checksum
        return code_checksum(source) == checksum
    except (SyntaxError, ValueError):
        return False


def sources_in_git(path: Path) -> Iterator[str]:
    """The texts of ``path`` git has: staged, then each commit's, newest first."""
    yield from versions_in_git(path) or ()


def versions_in_git(path: Path) -> list[str] | None:
    """The texts of ``path`` git has (staged, then each commit's, newest first); None when git
    could not be asked, which says nothing of whether it has the file."""
    folder, name = path.parent, path.name
    log = git(folder, "log", "--all", f"--max-count={COMMITS_SEARCHED}", "--format=%H", "--", name)
    if log is None:
        return None
    # `REV:./NAME` is relative to the folder git runs in; `:./NAME` is the staged text.
    objects = [f":./{name}", *(f"{commit}:./{name}" for commit in log.decode().split())]
    batch = git(folder, "cat-file", "--batch", stdin="\n".join(objects) + "\n")
    return None if batch is None else list(blobs(batch))


def blobs(batch: bytes) -> Iterator[str]:
    """The contents in `git cat-file --batch` output, skipping objects it reports missing."""
    position = 0
    while position < len(batch):
        end = batch.index(b"\n", position)
        fields = batch[position:end].split()
        position = end + 1
        if len(fields) != 3 or fields[1] != b"blob":
            continue  # "<object> missing" or "ambiguous": no content follows
        size = int(fields[2])
        yield batch[position : position + size].decode("utf-8", errors="replace")
        position += size + 1


def git(folder: Path, *arguments: str, stdin: str | None = None) -> bytes | None:
    """Run git in ``folder``; its output, or None when git is missing or fails."""
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=folder,
            input=None if stdin is None else stdin.encode(),
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout if completed.returncode == 0 else None


def accept_flags(revisions: list[str]) -> str:
    return " ".join(f"-r {revision}" for revision in revisions)


def edits_advice(edits: list[EditedRevision]) -> str:
    """What to do about edited applied revisions: accept a downgrade-only edit, else restore."""
    named = ", ".join(edit.revision for edit in edits)
    from alembic_steward.runtime._advice import bound_tenant_options

    # In a tenant's row, the command that acts on that tenant (README: `--tenants NAME`).
    flags = accept_flags([edit.revision for edit in edits]) + bound_tenant_options("--tenants")
    accept = f"`{ACCEPT_EDIT_TASK} {flags}`"
    if all(edit.downgrade_only for edit in edits):
        return downgrade_only_advice(named, edits[0], accept)
    if all(edit.restored for edit in edits):
        return (
            f"the file(s) of applied revision(s) {named} are as git has them, but not the text"
            " recorded for them here, which git does not have (an edit accepted with"
            f" `{ACCEPT_EDIT_TASK}`, then undone in the file?), and the database's schema is"
            " what the files build now: if they are the text that ran here, record them again"
            f" with {accept}"
        )
    return (
        f"applied revision(s) {named} were edited since they ran here, and this database keeps"
        f" what the old text did: {restore_advice(edits)} and make the change in a new revision,"
        f" or, if the edit is a fix this database already has, accept it with {accept}"
    )


def downgrade_only_advice(named: str, edit: EditedRevision, accept: str) -> str:
    """Only downgrade() changed (of the revisions ``named``): the edit is accepted once the
    database is what they build, read (``edit.found``), never assumed from the upgrade()."""
    from alembic_steward.inspection._restoring_statements import restoring_advice
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    opening = f"only the downgrade() of applied revision(s) {named} changed since they ran here"
    if edit.found is None:
        return (
            f"{opening} (their upgrade() is as it ran; the database could not be compared with"
            f" what they build: no scratch database): accept the edit with {accept}"
        )
    if not edit.found:
        return f"{opening}, and the database is what they build: accept the edit with {accept}"
    made_as = " as their upgrade() makes it"
    repair = repair_by_hand(edit.found, restoring_advice(edit.restoring), made_as)
    return (
        f"{opening}, but the database is not what they build: {', '.join(edit.found)} (left by a"
        " downgrade that stopped after committing part of its work, or by hand): "
        f"{repair}, then accept the edit with {accept}"
    )


def restore_advice(edits: list[EditedRevision]) -> str:
    """How to get back each file's text that ran, by what git was found to hold of it: `git log
    -p` where git has the file, the user's own undo where it has none (never committed), and
    no claim either way where git could not be asked."""
    groups: dict[bool | None, list[str]] = {True: [], False: [], None: []}
    for edit in edits:
        groups[edit.in_git].append(edit.revision)
    if not groups[False] and not groups[None]:
        return "restore the files (see `git log -p` on them)"
    ways = []
    if groups[True]:
        ways.append(f"restore the file(s) of {', '.join(groups[True])} (see `git log -p` on them)")
    if groups[False]:
        # `git log -p` shows nothing of a file git never had: the text that ran is only where
        # the editor that changed it still has it.
        ways.append(
            f"undo the edit of {', '.join(groups[False])} in the file yourself (git has no"
            " version of its file: never committed)"
        )
    if groups[None]:
        ways.append(
            f"restore the text of {', '.join(groups[None])} that ran (git could not be asked"
            " here whether it has it)"
        )
    return "; ".join(ways)


def edited_summary(edits: list[EditedRevision], repointed: set[str]) -> str:
    """The `edited:` line of `db.status`: each revision, and what is known of its edit."""

    def described(edit: EditedRevision) -> str:
        if edit.revision in repointed:
            return f"{edit.revision} (re-pointed)"
        if edit.downgrade_only:
            return f"{edit.revision} (only its downgrade())"
        return edit.revision

    return ", ".join(described(edit) for edit in edits)
