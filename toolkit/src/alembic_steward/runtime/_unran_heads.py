"""Tell a version table moved ahead of what ran from the bookkeeping rows, without building.

`inv db.downgrade` then `UPDATE alembic_version SET version_num = '<head>'` (a fix found online)
leaves a database at head by its version table while head's work is gone: the upgrade has
nothing to run and said nothing. A stamp would have been compared (runtime/_stamp_differences.py);
a hand UPDATE runs no code of ours. Its trace is in the rows every toolkit run writes with the
version row: a revision's checksum row (runtime/_revision_checksums.py) and its phase row
(runtime/_phase_records.py) are written when its upgrade() runs or a stamp marks it applied,
and dropped when its downgrade() runs. So a head with neither row, whose parents have checksum
rows, never ran here while the toolkit recorded what ran: the version table is ahead of it.

No false alarm on a database whose rows predate the tables: without either table, or without a
checksum row for every parent of the head (rows only for older revisions, or none), nothing is
claimed; a head stamped by a toolkit that wrote no checksum row on a stamp still has its
phase row (without the phase table, from before it, nothing is claimed either). Read only when
nothing is to run: one query for the table names, one for the rows (docs/decisions.md, "A
version table moved ahead by hand is read from the rows").
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from alembic_steward.runtime._stamp_differences import StampedAhead
from alembic_steward.runtime._unran_head_rows import UnranHead, unran_among

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


class AheadOfRuns(StampedAhead):
    """The version table names a revision whose upgrade() never ran here: exit 9, as a stamp
    that found differences."""


def unran_heads(
    connection: Connection,
    script: ScriptDirectory,
    heads: tuple[str, ...] | list[str],
    tables: set[str] | None = None,
) -> list[UnranHead]:
    """The ``heads`` (the version table's) whose upgrade() never ran here, by the rows;
    ``tables``: the database's table names, when the caller has read them already."""
    parents = {head: parents_of(script, head) for head in heads if head not in ("base", None)}
    return unran_among(connection, parents, tables)


def parents_of(script: ScriptDirectory, revision: str) -> tuple[str, ...]:
    """The down revisions of ``revision``; none when this checkout lacks it."""
    try:
        found = script.get_revision(revision)
    except Exception:  # noqa: BLE001 - not in this checkout: another reader says so
        return ()
    if found is None:
        return ()
    down = found.down_revision
    return (down,) if isinstance(down, str) else tuple(down or ())


def recorded_at_head_line(current: Collection[str], unran: list[str]) -> str:
    """The start-up guard's refusal of a version table at head whose head never ran here
    (``unran``): what `db.current --check` says of it (exit 9)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config())
    heads = [UnranHead(revision, parents_of(script, revision)) for revision in unran]
    return unran_heads_line(
        sorted(current), heads, "the database is recorded at head", said_by="advice"
    )


def unran_heads_line(
    heads: tuple[str, ...] | list[str],
    unran: list[UnranHead],
    opening: str = "nothing to run",
    *,
    said_by: str = "upgrade",
) -> str:
    """Say that the version table is ahead of what ran, and the stamps that record the truth;
    after ``opening`` (what the command found), if any; ``said_by`` as already_applied_line's
    (only the upgrade says it ran nothing; status does not advise itself)."""
    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._half_applied_marks import describe_heads, stamp_command
    from alembic_steward.runtime._running_migration import status_command

    first = unran[0]
    names = ", ".join(each.revision for each in unran)
    one = len(unran) == 1
    parent = sorted(first.parents)[-1] if len(first.parents) == 1 else None
    tenants = bound_tenant_options("--tenants")
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    back = (
        f"record that with {stamp_command([parent])}, then run {upgrade}"
        if parent
        else f"record the revision it holds with {stamp_command([])}, then run {upgrade}"
    )
    held = "it holds what its parent builds" if parent else "its work is missing"
    opened = f"{opening}, but the" if opening else "the"
    ran = "; nothing was run" if said_by == "upgrade" else ""
    compares = "" if said_by == "status" else f" ({status_command()} compares)"
    return (
        f"{opened} version table says the database is at {describe_heads(heads)}"
        f" while the upgrade() of {names} never ran here (alembic_revision_checksums keeps a"
        f" row for {'its parent' if one else 'their parents'}, none for {names}, as after a"
        " downgrade): the version table was moved ahead without an upgrade (an UPDATE by"
        f" hand?), so {'its' if one else 'their'} work is likely missing{ran}."
        f" If {held}{compares}, {back}; if the database holds what"
        f" {first.revision} builds, record that with {stamp_command([first.revision])}"
    )


def refuse_upgrade_ahead_of_runs(
    connection: Connection,
    script: ScriptDirectory,
    heads: tuple[str, ...],
    tables: set[str] | None = None,
) -> None:
    """Stop an upgrade with nothing to run over a version table ahead of what ran."""
    unran = unran_heads(connection, script, heads, tables)
    if unran:
        raise AheadOfRuns(unran_heads_line(heads, unran))


def record_stamped_heads(connection: Connection, script: ScriptDirectory) -> None:
    """After a stamp the schema agrees with (or whose differences are accepted): give the heads
    the stamp left unmoved (stamped where they were) the rows a stamp writes, so the upgrade
    stops refusing them."""
    from alembic_steward.runtime._phase_labels import phase_of_file
    from alembic_steward.runtime._phase_records import phase_table
    from alembic_steward.runtime._revision_checksums import checksum_table, file_checksum
    from alembic_steward.runtime._state_after_failure import version_heads
    from alembic_steward.runtime._upgrade_checksums import replace_upgrade_rows

    for each in unran_heads(connection, script, version_heads(connection)):
        path = script.get_revision(each.revision).path
        connection.execute(
            checksum_table().insert().values(revision=each.revision, sha256=file_checksum(path))
        )
        replace_upgrade_rows(connection, [script.get_revision(each.revision)])
        connection.execute(
            phase_table().insert().values(revision=each.revision, phase=phase_of_file(path))
        )
