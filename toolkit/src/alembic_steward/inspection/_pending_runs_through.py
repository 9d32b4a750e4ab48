"""Behind head, a database that lacks objects its revision builds, where the pending revisions
touch them (`DROP TRIGGER IF EXISTS t_items`, written after a hand drop as status advised):
"`inv db.upgrade` would run into them" is a guess the revisions' text cannot settle, and its
advice, making the objects again first, can restore something broken.

So the pending revisions are tried against what the live database is: a second scratch
database built at its revision, the objects the live one lacks dropped there too, then the
pending revisions run one at a time. When they pass and leave exactly what they build on a
database without the differences, the upgrade runs through them and the database is then its
head's build: status says so (inspection/_drift_sides.py). Only lacking objects with a drop
statement of their own (inspection/_hand_made_dependents.py) are made to differ that way, and
a PostgreSQL index a failed CREATE INDEX CONCURRENTLY left INVALID (made there from its
definition, valid: `create_index_online` drops an INVALID one and builds it again, and finds
a valid one made, so both end alike); any other difference (a column, another object the live
database has in addition) keeps the earlier verdicts, which this errs towards. The rows are
not tried: a scratch database holds only what the revisions wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL

    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.catalog._model import Key

# The kinds a hand drops alone, which a drop on the scratch database makes lacking there too.
DROPPED_ALONE = ("trigger", "view", "materialized view", "function", "procedure", "event", "index")


def trial_statements(
    found: Sequence[Difference], built: Catalog, live: Catalog
) -> list[str] | None:
    """The statements that make a database built at the revision (``built``) differ as the live
    one does (``found``: ``live`` against ``built``); None when a difference is not one made so
    (see above)."""
    from alembic_steward.catalog._model import subject_of
    from alembic_steward.inspection._hand_made_dependents import drop_statement

    statements = []
    for difference in found:
        if difference.change == "unexpected":
            made = invalid_index_statement(difference, live)
            if made is None:
                return None
            statements.append(made)
            continue
        if difference.change != "missing" or difference.kind not in DROPPED_ALONE:
            return None
        keys: list[Key] = [
            key
            for key in built.objects
            if key[0] == difference.kind and subject_of(key) == difference.subject
        ]
        drops = [drop_statement(built.dialect, key) for key in keys]
        if len(drops) != 1 or not drops[0]:
            return None
        statements.append(drops[0])
    # A trigger before the function it runs: PostgreSQL refuses the function's drop first.
    return sorted(statements, key=lambda statement: "FUNCTION" in statement.split()[:2])


def invalid_index_statement(difference: Difference, live: Catalog) -> str | None:
    """The CREATE INDEX of a PostgreSQL index ``live`` holds INVALID that ``difference`` names
    (one the build lacks); None for any other difference."""
    from alembic_steward.catalog._model import subject_of

    if live.dialect != "postgresql" or difference.kind != "index":
        return None
    for key, facts in live.objects.items():
        if key[0] == "index" and subject_of(key) == difference.subject and facts.get("valid"):
            _kind, schema, table, name = key
            on = ".".join(part for part in (schema, table) if part)
            unique = "UNIQUE " if facts.get("unique") == "yes" else ""
            return f"CREATE {unique}INDEX {name} ON {on} {facts['definition']}"
    return None


def pending_run_through(
    server: URL,
    built_at: list[str],
    later: Sequence[str],
    found: Sequence[Difference],
    built: Catalog,
    live: Catalog,
    head: Catalog,
    schemas: list[str],
) -> bool:
    """Whether ``later`` (the pending revisions, oldest first) run on a scratch database built
    at ``built_at`` and made to differ as ``live`` does (``found``), ending at ``head`` (what
    they build without those differences)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._scratch_database import (
        ScratchDatabaseRefused,
        revision_built,
        upgrade_scratch,
    )

    statements = trial_statements(found, built, live)
    if not statements or not later:
        return False
    try:
        with revision_built(server, built_at) as scratch:
            for statement in statements:
                scratch.exec_driver_sql(statement)
            scratch.commit()
            for revision in later:
                upgrade_scratch(scratch, revision)
            return not compare_catalogs(head, live_catalog(scratch, schemas))
    except (ScratchDatabaseRefused, SQLAlchemyError):
        return False
    except Exception:  # noqa: BLE001 - whatever a revision's own code raises: not run through
        return False


def runs_through_advice(where: str, failed_run: str = "") -> str:
    """Status's advice when the pending revisions were tried past the differences and pass;
    ``failed_run``: the last upgrade from here, recorded as failed, in words, if one is."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands

    _, upgrade = stamp_and_upgrade_commands()
    # The trial holds no row of this database: a failure on them is not ruled out.
    rows = (
        f"; {failed_run}: if that was on the rows, fix them first (the trial reads none)"
        if failed_run
        else ""
    )
    return (
        f"the database is not what its revision builds {where}, but the pending migrations run"
        " through them (tried on a scratch database built at its revision and made to differ"
        " the same way: they pass, and leave exactly what they build)"
        f"{rows}: run {upgrade}, with nothing to undo by hand first"
    )
