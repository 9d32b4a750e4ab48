"""Compare the schema with what a stamp's target builds, before the stamp records it.

A stamp runs nothing and used to check nothing, so a mistyped or off-by-one target went
unnoticed until the next upgrade ran a revision a second time or failed on its work. The
comparison is status's (inspection/_revision_comparison.py): a scratch build, a cost a repair
can pay. Its result also decides the checksum rows of the revisions the stamp unmarks, which
stop an upgrade from running them again (_already_applied.py): they are dropped unless the
database has something the target does not build, the sign that their work is still there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference


@dataclass(frozen=True)
class StampComparison:
    """The `warning:` line for a database that is not what the target builds (None when it is);
    whether the rows of the revisions the stamp unmarks must stay; whether the database was
    found differing (runtime/_stamp_differences.py keeps that for the upgrade)."""

    warning: str | None = None
    keep_rows: bool = False
    differs: bool = False
    # What was found (``differs``), and the target said as the warning says it.
    differences: tuple[Difference, ...] = ()
    target: str = ""

    def warning_naming(self, differences: Sequence[Difference]) -> str:
        """The warning for ``differences`` alone, some of those found (without the matching
        build the whole finding may have named: the rest is not that build's)."""
        found = ", ".join(difference.brief() for difference in differences)
        return f"warning: the database differs from what {self.target} builds by: {found}"


def compare_stamp_target(
    script: ScriptDirectory, revision: str, connection: Connection
) -> StampComparison:
    """Compare the database with what ``revision`` builds, for the stamp about to record it."""
    from alembic_steward.inspection._later_builds import stamped_wrongly
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.runtime._half_applied_marks import describe_heads

    built = [rev.revision for rev in script.get_revisions(revision) if rev is not None]
    target = describe_heads(built)
    differences, built_by = leftovers_and_matching_build(connection, built or ["base"])
    if differences == []:
        return StampComparison()
    if differences is None:
        return StampComparison(
            f"warning: the database could not be compared with what {target} builds (no"
            " scratch database could be built)",
            keep_rows=True,
        )
    # Only lacking what the target builds (a stamp ahead undone): nothing of later work is here.
    keep_rows = any(difference.change != "missing" for difference in differences)
    found = ", ".join(difference.brief() for difference in differences)
    why = f"; {stamped_wrongly(built_by)}" if built_by else ""
    return StampComparison(
        f"warning: the database differs from what {target} builds by: {found}{why}",
        keep_rows,
        differs=True,
        differences=tuple(differences),
        target=target,
    )


def accepted_comparison(
    script: ScriptDirectory, revision: str, connection: Connection, accept_differences: bool
) -> StampComparison | None:
    """For a stamp with ``accept_differences``: the comparison with what ``revision`` builds,
    kept as any stamp's (docs/decisions.md); else None."""
    return compare_stamp_target(script, revision, connection) if accept_differences else None


def accepted_warning(compared: StampComparison) -> str | None:
    """The warning of a stamp that accepted ``compared``'s differences: they still count."""
    if not compared.differs or compared.warning is None:
        return compared.warning
    return (
        f"{compared.warning}; recorded as asked, and still counted: status, check, plan,"
        " current --check and the upgrade exit 9 while the database differs from it"
    )


def kept_rows_claim(
    connection: Connection,
    script: ScriptDirectory,
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> str:
    """For the warning of a stamp from ``before`` to ``after``: the revisions left unapplied
    (those it unmarked, and any an earlier stamp back left so) whose checksum row is still there
    once it ran, which an upgrade refuses to run again; "" when none is. Read from the rows
    themselves, as the refusal reads them (runtime/_already_applied.py ``upgrade_refusal``):
    a revision that never ran has none to keep, and an upgrade runs it (a claim about all of
    them was wrong there)."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from alembic_steward.runtime._already_applied import recorded_runs
    from alembic_steward.runtime._revision_checksums import recorded_values

    def applied(heads: tuple[str, ...]) -> list[str]:
        built = [head for head in heads if head != "base"]
        walked = script.iterate_revisions(built, "base") if built else []
        return [each.revision for each in reversed(list(walked))]

    try:
        applied(before)  # a revision this checkout lacks before the stamp: nothing claimed
        left = set(applied(after))
        # What an upgrade to head plans: every revision of the history the stamp left unapplied.
        history = [each.revision for each in reversed(list(script.walk_revisions()))]
        pending = [revision for revision in history if revision not in left]
    except (CommandError, RevisionError):  # a revision this checkout lacks: nothing claimed
        return ""
    kept = recorded_runs(pending, recorded_values(connection))
    if not kept:
        return ""
    one = len(kept) == 1
    return (
        f"; the checksum row{'' if one else 's'} of {', '.join(kept)}, recorded as applied here,"
        f" {'was' if one else 'were'} kept, so an upgrade will refuse to run"
        f" {'it' if one else 'them'} again"
    )


def kept_rows_warning(
    connection: Connection,
    script: ScriptDirectory,
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> str | None:
    """The warning of a stamp back from ``before`` to ``after`` whose schema is what ``after``
    builds, over revisions that ran here (their checksum rows kept): a data step's work leaves
    no schema to compare, yet the upgrade refuses to run it again. The two ways back to a state
    every command accepts; None when no row was kept."""
    from alembic_steward.runtime._half_applied_marks import stamp_command

    claim = kept_rows_claim(connection, script, before, after)
    if not claim or "base" in before:
        return None
    return (
        f"warning: the stamp moved the version table back without running any downgrade()"
        f"{claim}. Their work is most likely still here (a data step leaves no schema to"
        f" compare): record it as applied again with {stamp_command(list(before))}; if you"
        f" undid it by hand, {stamp_command(list(after))} once more drops those checksum rows"
        " and the upgrade runs it again"
    )
