"""Adopting a database that was never migrated: `db.baseline` stamps the revision that builds it.

Each revision is built in a scratch database and compared with it (inspection/_baseline.py); it
stamps only on an exact match, and never guesses between revisions that build the same schema
(data-only ones after a schema change, or one that undoes the changes before it): which of their
data changes the database holds is for its owner to say, with `-r`.
"""

from __future__ import annotations

import sys
from itertools import pairwise
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

PROGRESS_EVERY = 25
NOTHING_STAMPED = "nothing was stamped"


@task(
    help={
        "revision": "The revision to stamp when several build this database exactly (they differ"
        " only in data): the last whose data changes the database holds",
    }
)
@exit_on_user_error
def baseline(c: Context, revision: str | None = None) -> None:
    """Adopt a database that was never migrated: stamp the revision that builds it exactly."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._baseline import (
        closest_revisions,
        empty_version_table_note,
        existing_version_table,
    )
    from alembic_steward.inspection._schema_build import describe_built
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._history import server_url
    from alembic_steward.tasks._local_database import refuse_a_missing_sqlite_file
    from alembic_steward.tasks._scratch_builds import stopped_scratch_build

    refuse_a_missing_sqlite_file(
        ", so there is nothing to adopt; fix DATABASE_URL (`inv db.url` shows where it is set);"
        f" {NOTHING_STAMPED}, and no file was created"
    )
    config = build_alembic_config()
    script = ScriptDirectory.from_config(config)
    chosen = known_revision(script, revision) if revision is not None else None
    with get_blocking_engine().connect() as connection:
        version_table = existing_version_table(connection)
        if version_table is not None:
            raise Exit(f"error: {version_table}; `inv db.status` says where it stands", code=1)
        empty_table = empty_version_table_note(connection)
        if empty_table is not None:
            print(empty_table, file=sys.stderr)
        live = describe_built(connection)
    if not live.owners():
        raise Exit(
            "error: the database is empty, so there is nothing to adopt; run `inv db.upgrade`"
            f" to build it; {NOTHING_STAMPED}",
            code=1,
        )
    if not script.get_heads():
        raise Exit(
            "error: the history has no revision yet, so none can build this database; write an"
            " initial revision that builds this schema, then run `inv db.baseline` again;"
            f" {NOTHING_STAMPED}",
            code=1,
        )
    with stopped_scratch_build("db.baseline", unstamped_line):
        match = closest_revisions(script, server_url(), live, progress_line, chosen)
    if match.differences:
        closest = match.revisions[0]
        print(f"The database against revision {closest}, the closest:")
        for difference in match.differences:
            print(f"  {difference.line(f'revision {closest}', 'the database')}")
        raise Exit(
            f"error: no revision builds this database exactly; the closest, {closest},"
            f" differs in {len(match.differences)} object(s) listed above; make the database"
            " match one (or write a revision that builds it) and run `inv db.baseline` again;"
            f" {NOTHING_STAMPED}",
            code=1,
        )
    candidates, history = match.revisions, match.history
    if chosen is not None and chosen not in candidates:
        raise Exit(f"error: {not_a_match(chosen, candidates, history)}; {NOTHING_STAMPED}", code=1)
    if chosen is None and len(candidates) > 1:
        print_choices(candidates, history)
        raise Exit(f"error: {several_match(candidates, history)}; {NOTHING_STAMPED}", code=1)
    stamped = chosen or candidates[0]
    command.stamp(config, stamped)
    alike_after = candidates[candidates.index(stamped) :]
    print(
        f"Stamped the database at {stamped}: its schema is exactly what that revision builds."
        + (
            f" Later revision(s) {', '.join(alike_after[1:])} build it too"
            f" ({how_alike(alike_after, history)}); `inv db.upgrade` runs"
            f" {', '.join(between(stamped, candidates[-1], history))}."
            if len(alike_after) > 1
            else ""
        )
    )


def known_revision(script: ScriptDirectory, revision: str) -> str:
    """The full id of ``revision`` (an id or a unique prefix of one); exit 1 when the history
    has no such revision, before anything is built."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        found = script.get_revision(revision)
    except (RevisionError, CommandError) as error:
        raise Exit(
            f"error: no revision {revision} in the history ({error}); `inv db.history` lists the"
            f" revisions; {NOTHING_STAMPED}",
            code=1,
        ) from None
    if found is None:  # "base": no revision builds anything
        raise Exit(
            f"error: {revision} is no revision that builds a schema; `inv db.history` lists the"
            f" revisions; {NOTHING_STAMPED}",
            code=1,
        )
    return found.revision


def choice_commands(candidates: list[str]) -> str:
    """The baseline command of each of ``candidates``, backquoted: "`…-r a` or `…-r b`"."""
    return " or ".join(f"`inv db.baseline -r {revision}`" for revision in candidates)


def only_data(revisions: list[str]) -> str:
    """ "r2 changes only data" / "r2, r3 change only data"."""
    verb = "changes" if len(revisions) == 1 else "change"
    return f"{', '.join(revisions)} {verb} only data"


def between(first: str, last: str, history: list[str]) -> list[str]:
    """The revisions of ``history`` after ``first``, up to ``last`` included."""
    return history[history.index(first) + 1 : history.index(last) + 1]


def how_alike(candidates: list[str], history: list[str]) -> str:
    """How each of ``candidates`` (oldest first) after the first builds the same schema as the
    one before it: "r3 changes only data; r5 builds it again after r4 changed it"."""
    parts: list[str] = []
    stretch: list[str] = []  # the run of data-only revisions not yet put in words
    for previous, revision in pairwise(candidates):
        changed = between(previous, revision, history)[:-1]
        if not changed:
            stretch.append(revision)
            continue
        if stretch:
            parts.append(only_data(stretch))
            stretch = []
        parts.append(f"{revision} builds it again after {', '.join(changed)} changed it")
    if stretch:
        parts.append(only_data(stretch))
    return "; ".join(parts)


def several_match(candidates: list[str], history: list[str]) -> str:
    """Why baseline does not stamp when ``candidates`` (oldest first) all build the database."""
    return (
        f"revisions {', '.join(candidates)} each build exactly this database's schema"
        f" ({how_alike(candidates, history)}), and no description tells which of those data"
        " changes it holds; look for them in its rows, then run"
        f" {choice_commands(candidates)} (the choices above)"
    )


def print_choices(candidates: list[str], history: list[str]) -> None:
    """Each revision that could be stamped, and what the next upgrade would then run: every
    revision between the matches, a schema change undone among them too (its data change is
    one the database may hold or not)."""
    print(
        f"Revisions {', '.join(candidates)} each build exactly this database's schema;"
        f" {how_alike(candidates, history)}. Stamp:"
    )
    first, last = candidates[0], candidates[-1]
    for revision in candidates:
        held, left = between(first, revision, history), between(revision, last, history)
        if not held:
            when = f"if the database lacks the data changes of {', '.join(left)}"
        elif not left:
            when = f"if it holds the data changes of {', '.join(held)}"
        else:
            when = (
                f"if it holds the data changes of {', '.join(held)} but not those of"
                f" {', '.join(left)}"
            )
        then = (
            f"; the next `inv db.upgrade` runs {', '.join(left)}"
            if left
            else "; they are then recorded as done, and never run here"
        )
        print(f"  {revision}: {when}{then}")


def not_a_match(chosen: str, candidates: list[str], history: list[str]) -> str:
    """Why ``chosen`` cannot be stamped: only ``candidates`` build the database exactly."""
    if len(candidates) == 1:
        return (
            f"revision {chosen} does not build this database exactly; only {candidates[0]} does:"
            f" run {choice_commands(candidates)}"
        )
    return (
        f"revision {chosen} does not build this database exactly; only"
        f" {', '.join(candidates)} do ({how_alike(candidates, history)}): run"
        f" {choice_commands(candidates)}, the last of them whose data changes the database holds"
    )


def unstamped_line() -> str:
    """What a baseline stopped before its stamp left: the version table, read again."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._baseline import (
        existing_version_table,
        version_table_revisions,
    )
    from alembic_steward.runtime._driver_errors import error_reason

    try:
        with get_blocking_engine().connect() as connection:
            version_table = existing_version_table(connection)
            revisions = version_table_revisions(connection)
    except Exception as error:  # noqa: BLE001 - the line says it could not be read
        return f"{NOTHING_STAMPED} (the database could not be read after it: {error_reason(error)})"
    if revisions == []:
        return f"{NOTHING_STAMPED}: the database's version table is still empty (read after it)"
    if version_table is None:
        return f"{NOTHING_STAMPED}: the database still has no version table (read after it)"
    return f"{version_table} (read after it)"


def progress_line(done: int, total: int) -> None:
    if total > PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
        print(f"baseline: built and compared {done}/{total} revisions", file=sys.stderr)
