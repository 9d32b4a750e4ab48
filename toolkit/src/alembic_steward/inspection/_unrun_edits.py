"""Tell a database's differences that are an applied revision's edit, which never ran there.

An applied revision never runs again, so what an edit to its upgrade() adds (a table, a
column) is missing from every database that ran the old text, while fresh databases get it,
and pending revisions may be written against it. Read against the files, such a database
"differs from what its revision builds" exactly as if someone had dropped the table by hand;
only the revision's history tells the two apart. A difference is the edit's when the object it
names is one the edited upgrade() names and the text that ran (kept by git: inspection/
_edits.py) did not, or, for a different object, when upgrade() changed around it. Without the
text that ran (no git), the first half alone decides: the checksum rows still tell the edit.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# A name as SQL writes it, quotes aside (a schema-qualified one is two words).
WORD = re.compile(r"[\w$]+")

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference


@dataclass(frozen=True)
class UnrunEdit:
    """Edited applied revisions, and the differences their edits account for, every one."""

    revisions: tuple[str, ...]
    differences: tuple[str, ...]
    # False when git lacks a text that ran: the edit named what is missing, but whether the
    # old text built it too (and a hand dropped it) cannot be read.
    certain: bool = True

    @property
    def named(self) -> str:
        return ", ".join(self.revisions)

    def cause(self) -> str:
        """What a failed run's state line says instead of "left by an earlier run or by hand"."""
        unsure = (
            ""
            if self.certain
            else ", most likely (git lacks the text that ran, so a hand change is not ruled out)"
        )
        return (
            f"what the edit of applied revision(s) {self.named} builds, which never ran here:"
            f" an applied revision does not run again{unsure}"
        )

    def ways_on(self, then: str) -> str:
        """The two ways to give the database what the edit builds, then ``then``."""
        from alembic_steward.inspection._edits import accept_flags
        from alembic_steward.runtime._advice import bound_tenant_options
        from alembic_steward.runtime._revision_checksums import ACCEPT_EDIT_TASK

        flags = accept_flags(list(self.revisions)) + bound_tenant_options("--tenants")
        # `git log -p` shows only what git has: without the text that ran, nothing to restore.
        restore = (
            "restore the file(s) (see `git log -p` on them)"
            if self.certain
            else "undo the edit in the file(s) yourself (git has no text of it that ran)"
        )
        return (
            f"apply that change by hand, then run `{ACCEPT_EDIT_TASK} {flags}`, or {restore}"
            f" and make the change in a new revision; then {then}"
        )

    def advice(self) -> str:
        """The status verdict: the edit first, then the upgrade it makes possible."""
        from alembic_steward.runtime._up_to_date import upgrade_command

        upgrade = f"`{upgrade_command()}`"
        return (
            f"applied revision(s) {self.named} were edited since they ran here, and what the"
            f" edit builds never ran on this database: {', '.join(self.differences)}; pending"
            f" revisions may need it, so {upgrade} is not the next step:"
            f" {self.ways_on(f'run {upgrade}')}"
        )


def unrun_edit(
    connection: Connection,
    script: ScriptDirectory,
    heads: list[str] | tuple[str, ...],
    differences: list[Difference] | None,
) -> UnrunEdit | None:
    """The edits of applied revisions (at or below ``heads``) that account for every one of
    ``differences`` (the database against what ``heads`` build), or None when some are not."""
    if not differences:
        return None
    edited = applied_edits(connection, script, heads)
    if not edited:
        return None
    changes = edits_names(connection, script, edited)
    accounting = {
        revision
        for difference in differences
        for revision, names in changes.items()
        if names.account_for(difference)
    }
    if not all(
        any(names.account_for(difference) for names in changes.values())
        for difference in differences
    ):
        return None
    return UnrunEdit(
        tuple(sorted(accounting)),
        tuple(difference.brief() for difference in differences),
        certain=all(changes[revision].ran is not None for revision in accounting),
    )


def edits_names(
    connection: Connection, script: ScriptDirectory | None, revisions: list[str]
) -> dict[str, EditedNames]:
    """What the edit of each of ``revisions`` changes in the names its upgrade() uses, against
    the text that ran (git's); a downgrade-only edit changes none. ``script``: the caller's
    history (default: the app's)."""
    from alembic_steward.inspection._edits import upgrade_unchanged
    from alembic_steward.runtime._revision_checksums import recorded_checksums
    from alembic_steward.runtime._upgrade_checksums import recorded_upgrade_checksums

    recorded = recorded_checksums(connection, script or app_script())
    upgrades = recorded_upgrade_checksums(connection, revisions)
    changes = {}
    for revision in revisions:
        if revision not in recorded:
            continue
        checksum, path = recorded[revision]
        if revision in upgrades and upgrade_unchanged(path, upgrades[revision]):
            continue  # only its downgrade() was edited: what it builds is what ran
        changes[revision] = EditedNames.read(Path(path), ran_text(path, checksum))
    return changes


def edits_differences(
    differences: list[Difference], changes: dict[str, EditedNames]
) -> list[Difference]:
    """Those of ``differences`` an edit in ``changes`` accounts for: what it changes."""
    return [d for d in differences if any(names.account_for(d) for names in changes.values())]


def applied_edits(
    connection: Connection, script: ScriptDirectory, heads: list[str] | tuple[str, ...]
) -> list[str]:
    """The revisions at or below ``heads`` whose file differs from the text that ran here."""
    from alembic_steward.runtime._revision_checksums import edited_revisions

    applied = {rev.revision for rev in script.iterate_revisions(list(heads), "base")}
    return [revision for revision in edited_revisions(connection, script) if revision in applied]


def failed_run_edit(
    connection: Connection, heads: list[str], found: list[Difference]
) -> UnrunEdit | None:
    """The edit a failed run's differences (``found``, against ``heads``) all are, or None."""
    return unrun_edit(connection, app_script(), heads or ["base"], found)


def failed_run_edits(connection: Connection, heads: list[str]) -> list[str]:
    """The applied revisions (at or below a failed run's ``heads``) edited since they ran."""
    return applied_edits(connection, app_script(), heads or ["base"])


def app_script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    return ScriptDirectory.from_config(build_alembic_config())


def ran_text(path: str, checksum: str) -> str | None:
    """The text of ``path`` that ``checksum`` was taken of, as git has it; None when it has not."""
    from alembic_steward.inspection._edits import has_checksum, sources_in_git

    for source in sources_in_git(Path(path)):
        if has_checksum(source, checksum):
            return source
    return None


@dataclass(frozen=True)
class EditedNames:
    """The names an edited upgrade() uses, against the text that ran (None: not known)."""

    now: frozenset[str]
    ran: frozenset[str] | None
    upgrade_changed: bool

    @classmethod
    def read(cls, path: Path, ran: str | None) -> EditedNames:
        try:
            now_code, now = upgrade_names(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return cls(frozenset(), frozenset(), False)
        if ran is None:
            return cls(now, None, True)
        try:
            ran_code, ran_names = upgrade_names(ran)
        except (SyntaxError, ValueError):
            return cls(now, None, True)
        return cls(now, ran_names, ran_code != now_code)

    def account_for(self, difference: Difference) -> bool:
        """Whether ``difference`` is this edit's: the object it names is new in upgrade() (or
        gone from it), or, changed, one upgrade() names while upgrade() itself changed."""
        name = difference.subject.rsplit(".", 1)[-1]
        if not self.upgrade_changed:
            return False
        now = names_in(self.now)
        if self.ran is None:
            return name.lower() in now and difference.change != "unexpected"
        if difference.change == "different":
            return name.lower() in now
        return name.lower() in now ^ names_in(self.ran)


def names_in(strings: frozenset[str]) -> frozenset[str]:
    """The words of ``strings``, lower case: a name given alone (`op.create_table("t")`) or
    within SQL (`op.execute("CREATE VIEW v AS ...")`, whose view a changed WHERE redefines)."""
    return frozenset(word.lower() for string in strings for word in WORD.findall(string))


def upgrade_names(text: str) -> tuple[str, frozenset[str]]:
    """(upgrade()'s code, as the checksums serialise it; the strings it holds: the names it
    builds)."""
    from alembic_steward._checksum_format import canonical_text
    from alembic_steward._revision_functions import migration_function

    upgrade = migration_function(ast.parse(text), "upgrade")
    if upgrade is None:
        return "", frozenset()
    # The string constants, not the words of the code (as inspection/_names_in_text.py reads a
    # file): the names are compared between two texts of upgrade(), and a word of the Python
    # around them (a variable renamed, a helper called) would count as a name built or dropped.
    docstring = ast.get_docstring(upgrade, clean=False)
    strings = {
        item.value
        for item in ast.walk(upgrade)
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    }
    # The docstring says what upgrade() does; it builds nothing.
    strings.discard(docstring)
    # Serialised as the checksums are: a docstring or a comment reworded is no change.
    return canonical_text(upgrade), frozenset(strings)


def unrun_edit_here(
    connection: Connection, script: ScriptDirectory, current: list[str]
) -> UnrunEdit | None:
    """Behind head, with applied revisions edited: the edit the database lacks, if its
    differences from what ``current`` builds (one scratch build) are all that edit's."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build

    differences, _ = leftovers_and_matching_build(connection, current, later=False, earlier=False)
    return unrun_edit(connection, script, current, differences)
