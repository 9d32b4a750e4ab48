"""Which of the revisions that build the same schema a database holds (data-only revisions after
a schema change, or one that undoes the changes of those before it: inspection/_later_builds.py)
ran here, by the checksum rows a run wrote (a stamp's rows say applied, not ran).

No description tells them apart: the advice stamps the last with a row, as the upgrade's refusal
does (runtime/_already_applied.py ``recorded_runs``), and names the choice when none has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._later_builds import MatchingBuild


def with_recorded_runs(build: MatchingBuild | None, connection: Connection) -> MatchingBuild | None:
    """``build`` with the revisions of it the live database's checksum rows record as run: not
    those a stamp wrote for work it skipped (a stamp ahead over a data migration would have the
    advice stamp that one, and the upgrade after never run it)."""
    from dataclasses import replace

    from alembic_steward.runtime._already_applied import recorded_runs
    from alembic_steward.runtime._stamp_differences import rows_of_runs

    if build is None or len(build.revisions) < 2:
        return build
    return replace(build, ran=tuple(recorded_runs(build.revisions, rows_of_runs(connection))))


def stamped_revision(build: MatchingBuild) -> str | None:
    """The revision of ``build`` to stamp: the last the checksum rows record as run, the one
    revision when it is alone; None when several build alike and no row tells which ran."""
    if len(build.revisions) == 1:
        return build.revisions[0]
    return build.ran[-1] if build.ran else None


def runs_untold(build: MatchingBuild, then: str) -> str:
    """The words for a database that holds what several revisions build alike, none of them
    with a checksum row: which of their data migrations ran is for the reader to tell."""
    from alembic_steward.runtime._half_applied_marks import stamp_command

    first, *rest = build.revisions
    last = f"{stamp_command([rest[-1]])} if it did"
    if len(rest) == 1:
        choice = f"{stamp_command([first])} if {rest[0]} did not run, {last}"
    else:
        choice = (
            f"{stamp_command([first])} if none of {', '.join(rest)} ran, else the stamp of the"
            f" last of them that did ({last})"
        )
    earlier = ", earlier revisions than the one recorded," if build.earlier else ""
    return (
        f"the database holds exactly what revisions {', '.join(build.revisions)} build{earlier}"
        " (each builds this same schema), and no row of"
        " alembic_revision_checksums says which of them ran (a history run by raw alembic or"
        " another tool leaves none, and a stamp's rows say nothing ran): look for their data"
        f" changes, then record the last that ran: {choice}{then}"
    )


def every_revision_ran(
    connection: Connection, current: Sequence[str], script: ScriptDirectory | None = None
) -> bool:
    """Whether a run (not a stamp) wrote the checksum row of every revision up to ``current``
    (the database's revisions): then no revision was stamped without running, and no stamp
    explains what the database lacks; the upgrade after one would refuse to run them again.
    ``script``: the caller's history, if it holds one (reading it again runs every file)."""
    from alembic_steward.runtime._stamp_differences import rows_of_runs

    ran = rows_of_runs(connection)
    if not ran or not current:
        return False
    if script is None:
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._config import build_alembic_config

        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    below = {revision.revision for revision in script.iterate_revisions(tuple(current), "base")}
    return bool(below) and below <= ran
