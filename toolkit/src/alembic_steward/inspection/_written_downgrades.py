"""Run the downgrade `inv db.revision` wrote on the scratch database its upgrade ran on, and
name what it leaves or loses of what the database's revision builds.

The upgrade alone was checked, so a downgrade that forgot something (a CHECK a type change
drops, an index a batch rebuild loses) was found only by the stairway test or by
`inv db.downgrade` on a real database, long after. The scratch database is at the heads
already, and what its revision builds already described: one downgrade and one description
more. A revision whose downgrade raises IrreversibleMigration says so itself, and is not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog, Difference

# What the downgrade should do about each way it differs from what it started from.
FIX = {
    "missing": "create it again in its downgrade()",
    "unexpected": "drop it in its downgrade()",
    "different": "change it back in its downgrade()",
}


class DowngradeFails(Exception):
    """The written downgrade fails on the scratch database; the text says why."""


def downgrade_differences(
    connection: Connection, current: list[str], built: Catalog, schemas: list[str]
) -> list[Difference] | None:
    """Downgrade the scratch database on ``connection`` back to ``current`` (what ``built``
    describes) and return how it then differs from ``built``; None when it is not checked
    (several revisions, or a downgrade raising IrreversibleMigration).

    Raises DowngradeFails when the downgrade fails there.
    """
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._irreversible import IrreversibleMigration
    from alembic_steward.runtime._irreversible_plans import IrreversibleDowngrade
    from alembic_steward.runtime._migration_frames import migration_frame

    if len(current) > 1:
        return None
    try:
        downgrade_scratch(connection, current[0] if current else "base")
    except (IrreversibleMigration, IrreversibleDowngrade):  # refused as it is read, or raised
        return None
    except SQLAlchemyError as error:
        raise DowngradeFails(error_reason(error)) from None
    except CommandError as error:
        raise DowngradeFails(str(error)) from None
    except Exception as error:  # the written code's own (NameError): not the toolkit's bug
        if migration_frame(error) is None:
            raise
        raise DowngradeFails(f"{type(error).__name__}: {error}") from None
    return compare_catalogs(built, live_catalog(connection, schemas))


def written_downgrade_check(
    connection: Connection, current: list[str], built: Catalog, schemas: list[str], names: str
) -> tuple[list[str], str | None]:
    """The warning lines for what the written downgrade leaves or loses, and what is wrong
    with it and what to do (None when it restores what ``current`` builds, or is not run)."""
    revision = ", ".join(current) or "base"
    try:
        differences = downgrade_differences(connection, current, built, schemas)
    except DowngradeFails as reason:
        return [], f"its downgrade() fails on a scratch database at the new head ({reason}): fix it"
    if not differences:
        return [], None
    dialect = connection.dialect.name
    lines = [downgrade_line(difference, revision, names, dialect) for difference in differences]
    wrong = (
        f"its downgrade() does not restore what {revision} builds: fix it as the lines above say"
    )
    return lines, wrong


def downgrade_line(
    difference: Difference, revision: str, names: str, dialect: str = "sqlite"
) -> str:
    """`check constraint customers.ck is in what <rev> builds but not in what the downgrade of
    revision <id> (<message>) leaves: create it again in its downgrade() (<the call>)`."""
    from alembic_steward.inspection._by_hand import BY_HAND, CHANGE, DROP, DROP_FIRST

    change, kind = difference.change, difference.kind
    fix = FIX[change]
    calls = {"missing": BY_HAND, "unexpected": {**DROP_FIRST, **DROP}, "different": CHANGE}
    call = calls[change].get(kind) or BY_HAND.get(kind, "op.execute(...)")
    if change == "different" and kind in DROP_FIRST:  # a constraint or an index: made anew
        fix = f"drop it and create it again as {revision} builds it in its downgrade()"
        call = f"{DROP_FIRST[kind]}, then {BY_HAND[kind]}"
    elif kind == "trigger" and change in ("missing", "different"):
        # The upgrade that loses it to a batch copy is advised to make it again after the
        # batch; the downgrade's own batch may alter in place and keep that one: a bare CREATE
        # would then fail ("trigger ... already exists").
        fix = (
            f"in its downgrade(), after any batch operation on its table, drop it if it is there"
            f" (its upgrade may make it again) and create it as {revision} builds it"
        )
        call = f"{drop_trigger_if_exists(difference.subject, dialect)}, then {BY_HAND[kind]}"
    seen = difference.line(f"what {revision} builds", f"what the downgrade of {names} leaves")
    return f"{seen}: {fix} ({call})"


def drop_trigger_if_exists(subject: str, dialect: str) -> str:
    """`op.execute("DROP TRIGGER IF EXISTS t_touch")` for the trigger ``subject`` (`t.t_touch`,
    `schema.t.t_touch`); PostgreSQL names a trigger with its table."""
    table, _, name = subject.rpartition(".")
    on = f" ON {table}" if dialect == "postgresql" and table else ""
    return f'op.execute("DROP TRIGGER IF EXISTS {name}{on}")'


def downgrade_scratch(connection: Connection, revision: str) -> None:
    """Migrate the scratch database on ``connection`` down to ``revision`` through env.py,
    quietly, as inspection/_scratch_database.py ``upgrade_scratch`` migrates it up."""
    import warnings

    from alembic import command

    from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes
    from alembic_steward.inspection._scratch_database import alembic_config_on, quiet_alembic
    from alembic_steward.runtime._tenancy import tenant_unbound

    with quiet_alembic(), tenant_unbound(), warnings.catch_warnings():
        # A batch rebuild reflects the table: its expression indexes, which the revision makes
        # again after the batch, are not reflected, and SQLAlchemy warns on this trial run.
        ignore_skipped_expression_indexes()
        command.downgrade(alembic_config_on(connection), revision)
