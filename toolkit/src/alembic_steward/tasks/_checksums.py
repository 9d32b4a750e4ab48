"""Accept what the revision checksums report: an older format's values, or a deliberate edit.

Both rewrite rows of the checksum table (runtime/_revision_checksums.py) from the files as they
are, so both ask first (or want --yes) on a protected database, like a downgrade: they silence
the edit check for those revisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._recovery import TENANT_REPAIR_HELP, TENANT_REPAIR_OPTIONS, for_tenant
from alembic_steward.tasks._task_options import YES_HELP, LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# A revision with no checksum row: not applied, or applied before checksums, stamped by an older
# release, or offline.
NOT_RECORDED = "no run of it is recorded here"
PENDING_HERE = "pending here: an edit counts once it is applied"


@task(help={"yes": YES_HELP})
@exit_on_user_error
def accept_checksums(c: Context, yes: bool = False) -> None:
    """Record older-format checksums anew from the files, once `git log -p` shows them unedited."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_checksums import restamp_first_format

    script = ScriptDirectory.from_config(build_alembic_config())
    # Trusting the files silences the edit check for them, so a protected database asks first.
    confirm_destructive(c, "accept the revision files as applied on", yes)
    with get_blocking_engine().begin() as connection:
        accepted = restamp_first_format(connection, script, trust_files=True)
    if not accepted:
        print("No checksum of an older format is recorded; nothing to accept.")
        return
    print(f"Recorded the checksums of {', '.join(accepted)} in the current format.")


@task(
    klass=LongOnlyOptions,
    long_only=TENANT_REPAIR_OPTIONS,
    iterable=["revision"],
    help={
        "revision": "An applied revision whose edit to accept, e.g. 4f8376af1811; repeat for more",
        "yes": YES_HELP,
        **TENANT_REPAIR_HELP,
        "all_tenants": "Accept the edit in every tenant the tenants callable lists, in turn",
    },
)
@exit_on_user_error
def accept_edit(
    c: Context,
    revision: list[str] | None = None,
    yes: bool = False,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenant: str | None = None,
    tenancy: str | None = None,
) -> None:
    """Accept a deliberate edit to applied revisions: record their files as what ran here."""
    from alembic_steward.runtime._revision_ids import check_revision_argument

    if not revision:
        raise Exit(
            "error: say which edited revision to accept, e.g. `inv db.accept-edit -r REV`"
            " (`inv db.status` lists the edited ones); nothing was changed",
            code=1,
        )
    for value in revision:
        check_revision_argument(value)

    def accept() -> list[str]:
        return accept_edited(c, revision, yes)

    if all_tenants:
        if tenants is not None or tenant is not None:
            raise Exit(
                "error: give --all-tenants or --tenants NAME, not both; nothing was changed",
                code=1,
            )
        from alembic_steward.tasks._every_tenant import repair_every_tenant

        revisions = " ".join(f"-r {value}" for value in revision)
        lines = repair_every_tenant(tenancy, accept, f"db.accept-edit {revisions}")
    else:
        # A tenant's edit is accepted in its own checksum table (its row's advice names it).
        lines = for_tenant(tenant, tenancy, accept, tenants)
    if lines:
        print("\n".join(lines))


def accept_edited(c: Context, revision: list[str], yes: bool) -> list[str]:
    """Accept the edits of ``revision`` on the bound tenant, or DATABASE_URL's database."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._phase_records import rerecord_phases
    from alembic_steward.runtime._revision_checksums import accept_edits
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    script = ScriptDirectory.from_config(build_alembic_config())
    revisions = list(dict.fromkeys(single_revision(script, value) for value in revision))
    tenant_engine = bound_tenant_engine()
    engine = tenant_engine or get_blocking_engine()
    try:
        with engine.connect() as connection:
            current = refuse_unedited(connection, script, revisions)
            extra, sure = refuse_what_the_database_lacks(connection, current, revisions, script)
        confirm_destructive(c, "accept edited revision files on", yes)
        with engine.begin() as connection:
            accept_edits(connection, script, revisions)
            # The edit may relabel the revision's phase: older code's guard reads the record.
            rerecord_phases(connection, script, revisions)
        from alembic_steward.runtime._accepted_edits import record_accepted

        # What it left is its own only when git's text that ran says so.
        record_accepted(script, revisions, extra if sure else [])
    finally:
        if tenant_engine is not None:
            tenant_engine.dispose()
    accepted = f"Accepted the edit of {', '.join(revisions)}"
    lines = [f"{accepted}: this database now counts the file(s) as they are as what ran here."]
    if extra:
        # Without the text that ran (git's), what the edit took out cannot be told from a
        # hand's addition: both are named, and the blame says so.
        unless = "" if sure else ", unless a hand added them: git has no text of it that ran"
        lines.append(
            f"warning: the database has what the revisions no longer build as edited:"
            f" {'; '.join(extra)}; `inv db.status` exits 9 for them until they are dropped by"
            f" hand (the accepted edit of {', '.join(revisions)} is why{unless})"
        )
    return lines


def single_revision(script: ScriptDirectory, value: str) -> str:
    """The id of the one revision ``value`` names (an id, a unique prefix, or head)."""
    from alembic.util import CommandError

    found = script.get_revision(value)
    if found is None:
        raise CommandError(f"{value!r} names no revision; `inv db.status` lists the edited ones")
    return found.revision


def refuse_unedited(
    connection: Connection, script: ScriptDirectory, revisions: list[str]
) -> list[str]:
    """Stop, in one line, unless every one of ``revisions`` is reported as edited here; return
    the database's revisions."""
    from alembic.util import CommandError

    from alembic_steward.inspection._database_state import read_database_state
    from alembic_steward.runtime._half_applied_marks import half_applied_message
    from alembic_steward.runtime._revision_checksums import edited_revisions, recorded_checksums

    state = read_database_state(script, connection)
    if state.half_applied_after is not None:
        after, direction = state.half_applied_after, state.half_applied_direction
        raise CommandError(half_applied_message(after, script, direction, connection.engine.url))
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder

    edited = edited_revisions(connection, script, state.current)
    recorded = recorded_checksums(connection, script)
    applied = ChecksumRecorder(script).with_ancestors(state.current)

    def reason(revision: str) -> str:
        if revision not in recorded:
            return NOT_RECORDED
        # Its row is kept from a run, but the version table is below it: nothing of it is here.
        return "its file is what ran here" if revision in applied else PENDING_HERE

    reasons = [
        f"{revision} ({reason(revision)})" for revision in revisions if revision not in edited
    ]
    if reasons:
        from alembic_steward.tasks._every_tenant import NothingToDo

        raise NothingToDo(
            f"there is no edit to accept in {', '.join(reasons)}; `inv db.status` lists the"
            " edited revisions; nothing was changed"
        )
    return state.current


# How many of the objects the database lacks a refusal names.
LACKING_NAMED = 5


def refuse_what_the_database_lacks(
    connection: Connection,
    current: list[str],
    revisions: list[str],
    script: ScriptDirectory | None = None,
) -> tuple[list[str], bool]:
    """Stop, in one line naming them, when the database lacks what the edit of ``revisions``
    builds: the edit added what never ran here, and accepting it would record that it did
    (`inv db.status` would then send the user to undo a hand change that never was). Return
    what the database has that the edit no longer builds (it removed something), which
    accepting leaves for the user to drop, and whether each of those is surely the edit's.
    Only what the edit changes counts (inspection/_unrun_edits.py): a hand change elsewhere is
    no reason to refuse the edit, nor its doing; without git's text that ran, what the edit
    took out is unknown, so every addition is returned, not sure."""
    from alembic.util import CommandError

    from alembic_steward.inspection._catalog_drift import DATABASE, OWN_REVISION
    from alembic_steward.inspection._revision_comparison import compare_with_revision
    from alembic_steward.inspection._unrun_edits import edits_differences, edits_names

    found = compare_with_revision(connection, current, []).found
    connection.rollback()
    if not found:  # none, or no comparison could be made: the acceptance is the user's word
        return [], True
    changes = edits_names(connection, script, revisions)
    touched = edits_differences(found, changes)
    lacking = [d.line(OWN_REVISION, DATABASE) for d in touched if d.change != "unexpected"]
    if lacking:
        more = len(lacking) - LACKING_NAMED
        named = "; ".join(lacking[:LACKING_NAMED]) + (f"; and {more} more" if more > 0 else "")
        raise CommandError(
            f"the database lacks what revision(s) {', '.join(revisions)} build as edited"
            f" ({named}): the edit did not run here, so accepting it would record that it did;"
            " make the database match by hand first (the edit's own statements), then accept"
            " it; or restore the file as it ran (`git log -p` on it) and put the change in a"
            " new revision (`inv db.revision`); nothing was changed"
        )
    sure = all(names.ran is not None for names in changes.values())
    left = touched if sure else [d for d in found if d in touched or d.change == "unexpected"]
    return [f"{d.kind} {d.subject}" for d in left], sure
