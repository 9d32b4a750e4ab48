"""Refuse to serve against a database whose schema is not the one this code's migrations end at.

The check a service runs at start-up, so it must be cheap: Alembic's ScriptDirectory imports
every revision file (about 0.2 s at 300 revisions), so the common case, a database at head,
is decided from a text scan of the files' `revision = ...` lines instead. Only when that scan
disagrees with the database, or cannot read a file, is the history loaded to say what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from alembic.util import CommandError

from alembic_steward._wiring import active_steward

# `revision: str = "4f8376af1811"` and `down_revision: ... = None`, as script.py.mako writes them.
IDENTIFIER_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)
# A quoted id, or a tuple or list of them: what Alembic writes, and all the scan trusts.
QUOTED_ID = re.compile(r"""["'](\w+)["']""")
PLAIN_IDS = re.compile(r"""["']\w+["']|[(\[]\s*["']\w+["'](\s*,\s*["']\w+["'])*\s*,?\s*[)\]]""")


class DatabaseNotUpToDate(CommandError):
    """The database is not at this code's single head; the message says what to run."""


# A service's traceback names the public path, not this private module.
DatabaseNotUpToDate.__module__ = "alembic_steward"


def ensure_up_to_date(database_url: str | None = None) -> None:
    """Raise DatabaseNotUpToDate, in one line naming the fix, unless the database is at head.

    Without ``database_url`` it checks the database the app's settings name, and first that
    the app's own driver is installed (DatabaseUrlError otherwise): this check reads through
    a blocking driver, while an asyncio service would fail on its first query.
    """
    if database_url is None:
        from alembic_steward.runtime._connecting import check_app_driver_installed

        check_app_driver_installed()
    current = set(database_revisions(database_url))
    heads = heads_from_files(active_steward().versions_dir)
    if heads is not None and len(heads) <= 1 and current == heads:
        return
    problem = diagnose(current)
    if problem is not None:
        raise DatabaseNotUpToDate(problem)


def database_revisions(database_url: str | None) -> tuple[str, ...]:
    """Read the revisions in the database's version table (none when it has no such table)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._connecting import connected

    # A blocking engine of its own, closed at once: the check runs before the app's own engine
    # (possibly asyncio) exists, and must leave no connection behind.
    url = database_url or get_settings().blocking_database_url
    engine = bound_waits(create_engine(url, poolclass=pool.NullPool))
    try:
        # A server that cannot be reached (or never answers) is one line: DatabaseUnreachable.
        with connected(engine) as connection:
            return MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()


def heads_from_files(versions: Path) -> set[str] | None:
    """Read the heads from the revision files' text, or None when a file is not plainly written."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        if path.name.startswith(("__init__", ".#")):
            continue  # Alembic skips these too.
        assignments = dict(IDENTIFIER_LINE.findall(path.read_text(encoding="utf-8")))
        revision = ids_in(assignments.get("revision", ""))
        down_revision = ids_in(assignments.get("down_revision", ""))
        if revision is None or len(revision) != 1 or down_revision is None:
            return None  # computed or unusual: let Alembic itself read the history
        revisions.update(revision)
        parents.update(down_revision)
    return revisions - parents


def ids_in(value: str) -> list[str] | None:
    """The revision ids a literal names (`None`, `"a"`, `("a", "b")`), or None for anything else."""
    if value == "None":
        return []
    if not PLAIN_IDS.fullmatch(value):
        return None
    return QUOTED_ID.findall(value)


def upgrade_command() -> str:
    """The command that migrates this database: `inv` in a checkout, the module in a wheel."""
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    return (
        "inv db.upgrade" if steward.running_from_checkout else f"{steward.deploy_command} upgrade"
    )


def diagnose(current: Collection[str]) -> str | None:
    """Say how the database differs from head and what to run, or None when it is at head."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config())
    heads = list(script.get_heads())
    if len(heads) > 1:
        return (
            f"this code's migration history has {len(heads)} heads ({', '.join(heads)}), so no"
            ' schema matches it; merge them in the project (`inv db.merge -m "Merge heads"`)'
            " and deploy the merge"
        )
    head = heads[0] if heads else "base"
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(set(current) - known)
    if unknown:
        return (
            f"the database is at revision {', '.join(unknown)}, which this code's migrations do"
            " not contain: it is ahead of this code (a newer deploy migrated it) or from a branch"
            " this code lacks; deploy the code that has that revision, or run"
            f" `inv db.downgrade -r {head}` from that code to bring the database back"
        )
    if set(current) == set(heads):
        return None
    pending = len(list(script.iterate_revisions(head, tuple(current) or "base")))
    where = f"is at {', '.join(sorted(current))}" if current else "has no migration applied"
    return (
        f"the database {where}, behind this code's head {head} ({pending} migration(s)"
        f" pending); run `{upgrade_command()}` before starting the service"
    )
