"""What the repairs (runtime/_repairs.py) refuse before changing anything, each in one line
with the database's state and a way on: a stamp of a relative step or of a revision the history
lacks, and clearing a mark while what the stopped run left is still in the schema.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# `-1`, `+2`, `head-1`, `ID@-1`: counted from where the database is, which stamp never reads.
RELATIVE_STEP = re.compile(r"[+-]\d+$")


class RepairRefused(Exception):
    """The repair was not made; the message says why and what to do."""


def revisions_listed() -> str:
    """Where the revision ids are listed, where the advice is read: `inv db.history` in a
    checkout; an installed service has no such command, but has the files."""
    from alembic_steward._wiring import WiringError, active_steward
    from alembic_steward.runtime._advice import installed_service

    try:
        steward = active_steward()
    except WiringError:
        return "`inv db.history` lists the revisions"
    if not installed_service():
        return "`inv db.history` lists the revisions this checkout has"
    return f"this release's revisions are the files in {steward.versions_dir}"


def check_stamp_target(revision: str) -> None:
    """Refuse, before anything is read, a stamp target that is not a revision form, or that is
    a relative step (stamp records a revision by name; it never counts from the database)."""
    from alembic_steward.runtime._advice import installed_service
    from alembic_steward.runtime._revision_ids import check_revision_argument

    listed_by = "" if installed_service() else "inv db.history"
    check_revision_argument(revision, option="REV" if not listed_by else "-r", listed_by=listed_by)
    if RELATIVE_STEP.search(revision):
        raise RepairRefused(
            f"stamp records a revision by name, and {revision} is a relative step; give a"
            f" revision id, head or base ({revisions_listed()}); nothing was changed"
        )


def refuse_unknown_target(script: ScriptDirectory, revision: str, connection: Connection) -> None:
    """Refuse a stamp of a revision the history lacks, or named by a prefix several ids start
    with or too short for a stamp (runtime/_revision_prefixes.py), saying where the database is."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from alembic_steward.runtime._advice import installed_service
    from alembic_steward.runtime._lock import current_revision_line
    from alembic_steward.runtime._revision_prefixes import (
        ambiguous_prefix_line,
        short_stamp_prefix_line,
    )

    option = "REV" if installed_service() else "-r"
    at = current_revision_line(connection)
    ambiguous = ambiguous_prefix_line(script, revision, option, at)
    if ambiguous is not None:
        raise RepairRefused(ambiguous)
    short = short_stamp_prefix_line(script, revision, option)
    if short is not None:
        raise RepairRefused(f"{short}; {at}")
    try:
        script.get_revisions(revision)
    except (CommandError, RevisionError) as error:
        raise RepairRefused(
            f"{error}; {current_revision_line(connection)}; {revisions_listed()}"
        ) from None


def refuse_leftovers(connection: Connection, direction: str | None = None) -> str:
    """Refuse to clear a mark while the schema differs from what its revision builds: the
    next upgrade would rerun the stopped migration into what it left, and fail as the first
    run did. Return how the schema was found, for the line that says the mark was cleared.
    ``direction``: the way the stopped run went, as its mark records (None: not recorded)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._gone_before_run import contradicting, gone_before
    from alembic_steward.inspection._later_builds import stamped_wrongly
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._run_leftovers import split_by_run
    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._half_applied_downgrades import downgrade_stopped_at
    from alembic_steward.runtime._half_applied_marks import (
        clear_command,
        describe_heads,
        fault_at_mark,
        following_revisions,
        stamp_command,
    )
    from alembic_steward.runtime._state_after_failure import version_heads

    heads = list(version_heads(connection))
    at = describe_heads(heads)
    differences, built_by = leftovers_and_matching_build(connection, heads or ["base"])
    found = None if differences is None else [difference.brief() for difference in differences]
    if found is None:
        return f"not compared with what {at} builds: no scratch database could be built"
    if not found:
        return f"as {at} builds it"
    script = ScriptDirectory.from_config(build_alembic_config())
    following = following_revisions(at, script)
    named = ", ".join(following) or "the next migration"
    if built_by:
        raise RepairRefused(
            f"the database is at {at} but differs from what {at} builds by: {', '.join(found)};"
            f" {stamped_wrongly(built_by)}; the mark was kept and nothing was changed"
        )
    tenants = bound_tenant_options("--tenants")
    parent = downgrade_stopped_at(at, script, direction)
    # Only what the stopped revision changes can be its leftover; the rest was made by hand.
    older, newer = (parent, heads) if parent else (heads, following)
    ran, by_hand = (
        split_by_run(connection, differences, older, newer) if newer else (differences, [])
    )
    stopped = at if parent else named
    # What the failed statement could not drop was gone before the run
    # (inspection/_gone_before_run.py).
    gone = [] if parent else gone_before(ran, failed_reason(connection, heads, following, script))
    ran = [difference for difference in ran if difference not in gone]
    contrary = contradicting(connection, by_hand, older, newer) if by_hand and newer else []
    hand_made = hand_made_words(by_hand, stopped, contrary)
    if gone:
        raise RepairRefused(gone_line(at, named, ran, gone, hand_made if by_hand else ""))
    # A hand-made object the failed run's error named stops it again: never "can stay".
    blocked = blocked_run(connection, at, following, script, parent) if by_hand else ""
    if not ran:
        return f"as {at} builds it but for {hand_made}{blocked}"
    found = [difference.brief() for difference in ran]
    stays = blocked or ("" if contrary else ", which can stay")
    also = f" (it also differs by {hand_made}{stays})" if by_hand else ""
    if parent:
        # Nothing follows `at`: the stopped run was its downgrade, not an upgrade.
        downgrade = advised(f"db.downgrade{tenants}", f"downgrade{tenants}")
        raise RepairRefused(
            f"what the stopped run left is still there: the database is at {at} but differs"
            f" from what {at} builds by: {', '.join(found)}, left by {at}'s downgrade(), which"
            f" {downgrade} would run again from its start into what it left, and fail{also};"
            " the mark was kept and nothing was changed."
            f" Undo those differences by hand (back to what {at} builds) and run"
            f" {clear_command()} again, or, if that downgrade did finish, record that with"
            f" {stamp_command(parent)}"
        )
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    fault = fault_at_mark(connection.engine.url, at, following, script) if following else ""
    raise RepairRefused(
        f"what the stopped run left is still there: the database is at {at} but differs from"
        f" what {at} builds by: {', '.join(found)}, so {upgrade} would run {named} into it"
        f" and fail{also}{fault}; the mark was kept and nothing was changed. Undo those"
        f" differences by hand and run {clear_command()} again, or, if {named} did finish,"
        f" record that with {stamp_command(following)}"
    )


def blocked_run(
    connection: Connection,
    at: str,
    following: list[str],
    script: ScriptDirectory,
    parent: list[str],
) -> str:
    """`; but first drop by hand ...`: the hand-made objects the failed upgrade's error named
    (the half-run downgrade()'s, when it went to ``parent``) that still stand
    (runtime/_half_applied_marks.py); "" when none."""
    from alembic_steward.runtime._half_applied_marks import blockers_at_mark, downgrade_blockers
    from alembic_steward.runtime._raising_downgrades import kept_at_mark

    url = connection.engine.url
    if parent:
        return downgrade_blockers(url, at, kept_at_mark(url, at, script))
    return blockers_at_mark(url, at, following, script) if following else ""


def hand_made_words(differences: list, revisions: str, contrary: list | None = None) -> str:
    """`unexpected trigger notes.bump, which r2 does not touch: made by hand, not left by the
    stopped run`; of those ``contrary`` (inspection/_gone_before_run.py), that they stand on a
    table whose constraints of that kind the revisions change."""
    from alembic_steward.inspection._run_leftovers import briefs

    touch, change = ("does", "changes") if "," not in revisions else ("do", "change")
    words = (
        f"{briefs(differences)}, which {revisions} {touch} not touch: made by hand, not left"
        " by the stopped run"
    )
    if not contrary:
        return words
    return (
        f"{words}; but {briefs(contrary)} {'stands' if len(contrary) == 1 else 'stand'} on a"
        f" table whose {contrary[0].kind}s {revisions} {change},"
        f" and may keep that change from having effect: drop it by hand unless it should stay"
    )


def gone_line(at: str, named: str, ran: list, gone: list, hand_made: str) -> str:
    """The refusal while what the stopped upgrade's failed statement could not drop is gone:
    gone before the run (dropped by hand), and the rerun fails on it again."""
    from alembic_steward.inspection._run_leftovers import briefs
    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._half_applied_marks import clear_command

    tenants = bound_tenant_options("--tenants")
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    it, was = ("it", "was") if len(gone) == 1 else ("them", "were")
    left = f"{briefs(ran)}, which the stopped run left, and by " if ran else ""
    also = f" (it also differs by {hand_made})" if hand_made else ""
    return (
        f"the database is at {at} but differs from what {at} builds by: {left}{briefs(gone)},"
        f" which {was} gone before the run: {named}'s failed statement could not drop {it}"
        f" (dropped by hand, not by the stopped run), and {upgrade} would run {named} into"
        f" {it} again and fail{also}; the mark was kept and nothing was changed. Make {it}"
        f" again by hand as {at} builds {it}{', undo the rest' if ran else ''}, and run"
        f" {clear_command()} again"
    )


def failed_reason(
    connection: Connection, heads: list[str], following: list[str], script: ScriptDirectory
) -> str:
    """The failed upgrade's error, as kept with it (runtime/_failed_runs.py) while the
    database is where it left it and its file as it ran; "" when none is kept."""
    from alembic_steward.runtime._half_applied_marks import describe_heads, failed_run_at_mark

    url = connection.engine.url
    try:
        record = failed_run_at_mark(url, describe_heads(heads), following, script)
    except Exception:  # noqa: BLE001 - unread: every difference stays the run's, as before
        return ""
    return record.reason if record is not None else ""


def refuse_stamp_over_differences(
    script: ScriptDirectory, revision: str, connection: Connection
) -> list[str]:
    """Refuse to stamp ``revision`` over a half-applied mark while the schema is not what
    ``revision`` builds, as a mark is not cleared while the stopped run's leftovers are there
    (:func:`refuse_leftovers`): the stamp would clear the mark and record a revision whose
    changes are not all there, and status would then say the database differs from it.
    Returns what still differs that the stopped run did not touch (briefs), for the stamp to
    name (runtime/_repaired_downgrade_records.py)."""
    from alembic_steward.inspection._revision_comparison import compare_with_revision
    from alembic_steward.inspection._run_leftovers import split_by_run
    from alembic_steward.runtime._half_applied_marks import clear_command, describe_heads
    from alembic_steward.runtime._lock import database_position

    built = [rev.revision for rev in script.get_revisions(revision) if rev is not None]
    differences = compare_with_revision(connection, built or ["base"], []).found or []
    others: list = []
    if differences:
        # What no revision between the database's and the stamp's changes was made by hand,
        # not left by the stopped run: the stamp records the run, and names that.
        order = in_order(script, connection, built)
        differences, others = split_by_run(connection, differences, *order)
    found = [difference.brief() for difference in differences]
    if not found:  # as it builds it, or not comparable (no scratch database): the stamp is yours
        return [difference.brief() for difference in others]
    raise RepairRefused(
        f"the database differs from what {describe_heads(built)} builds by: {', '.join(found)};"
        f" {database_position(connection) or 'the database'}, with the mark of a run that"
        " stopped half-way; the mark was kept and nothing was changed. Finish"
        f" {revision}'s changes by hand and"
        " stamp again, or undo the stopped run's and run"
        f" {clear_command()}; to record {revision} as the schema is, add {ACCEPT_OPTION}"
    )


def in_order(
    script: ScriptDirectory, connection: Connection, target: list[str]
) -> tuple[list[str], list[str]]:
    """(the older, the newer) of the database's recorded revisions and ``target``."""
    from alembic_steward.runtime._state_after_failure import version_heads

    heads = [head for head in version_heads(connection) if head != "base"]
    below = {each.revision for each in script.iterate_revisions(heads, "base")} if heads else set()
    return (target, heads) if set(target) <= below else (heads, target)


# The escape from :func:`refuse_stamp_over_differences`, on both forms of the stamp.
ACCEPT_OPTION = "--accept-differences"
