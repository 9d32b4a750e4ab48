"""A backfill's declaration as its committed batches ran it, and the refusal to go on under
another one.

A revision's checksum leaves its ``backfills`` out (fixing a failed declaration is no edit of
what the migration did), so nothing else notices a declaration edited between two runs: the
rows done before would follow the old ``set`` and the rest the new one, and the run would say
"finished". So the first run records the parts that decide what a batch writes (table, schema,
key, set, pending) in a table of its own (the bookkeeping tables' columns never change), and a
run finding batches committed under other parts refuses until the declaration is put back or
the change is accepted (``--accept-changed``). ``batch_size`` and ``pause_seconds`` only pace
the walk: changing them is safe and not recorded.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table

    from alembic_steward.backfills import Backfill
    from alembic_steward.runtime._backfill_declarations import Declared
    from alembic_steward.runtime._backfill_records import BackfillRecord

DECLARATION_TABLE = "alembic_backfill_declarations"
# What a batch writes depends on these, in this order in every line naming them.
RECORDED_PARTS = ("table", "schema", "key", "set", "pending")
ACCEPT_OPTION = "--accept-changed"


def declaration_table() -> Table:
    from sqlalchemy import Column, MetaData, String, Table, Text

    return Table(
        DECLARATION_TABLE,
        MetaData(),
        Column("name", String(200), primary_key=True),
        # The recorded parts as JSON: what the batches committed so far ran.
        Column("declaration", Text, nullable=False),
    )


def parts_of(backfill: Backfill) -> dict[str, str | None]:
    return {part: getattr(backfill, part) for part in RECORDED_PARTS}


def ensure_declaration_table(connection: Connection) -> None:
    declaration_table().create(connection, checkfirst=True)


def recorded_declarations(connection: Connection) -> dict[str, dict[str, str | None]]:
    """Each backfill's recorded parts by name ({} before any run recorded one)."""
    from sqlalchemy import inspect, select

    if not inspect(connection).has_table(DECLARATION_TABLE):
        return {}
    rows = connection.execute(select(declaration_table())).all()
    return {name: json.loads(text) for name, text in rows}


def record_declaration(connection: Connection, backfill: Backfill) -> None:
    """Record ``backfill``'s parts as the ones its batches run (in ``connection``'s transaction)."""
    table = declaration_table()
    connection.execute(table.delete().where(table.c.name == backfill.name))
    text = json.dumps(parts_of(backfill), sort_keys=True)
    connection.execute(table.insert().values(name=backfill.name, declaration=text))


def forget_declarations(connection: Connection, names: list[str]) -> None:
    """Drop the recorded parts of ``names`` with their records (their revision is reverted)."""
    from sqlalchemy import inspect

    if inspect(connection).has_table(DECLARATION_TABLE):
        table = declaration_table()
        connection.execute(table.delete().where(table.c.name.in_(names)))


def changed_parts(
    recorded: dict[str, str | None] | None, backfill: Backfill, record: BackfillRecord
) -> list[str]:
    """`set `a` → `b``, one per part changed since batches were committed under ``recorded``;
    [] when none changed, no batch was committed, or no part was recorded (a record an older
    toolkit wrote: nothing to compare, so it goes on as before)."""
    if recorded is None or record.batches == 0:
        return []
    now = parts_of(backfill)
    return [
        f"{part} `{recorded.get(part)}` → `{now[part]}`"
        for part in RECORDED_PARTS
        if recorded.get(part) != now[part]
    ]


def changed_line(declared: Declared, record: BackfillRecord, changes: list[str], words: str) -> str:
    """The refusal of a run (``words``: `run NAME`, `resume NAME`) under a changed declaration:
    what changed, what was done under the old one, and the two ways on."""
    from alembic_steward.runtime._backfill_naming import backfill_advised
    from alembic_steward.runtime._backfill_records import rows_in_batches
    from alembic_steward.runtime._backfill_runs import in_tenant

    name = declared.backfill.name
    return (
        f"backfill {name}{in_tenant()}: its declaration in revision {declared.revision} changed"
        f" ({'; '.join(changes)}) after {rows_in_batches(record.rows_done, record.batches)}"
        f" were done under the old one (read from the database); nothing ran: put the"
        f" declaration back, or, if the change is deliberate,"
        f" {backfill_advised(f'{words} {ACCEPT_OPTION}')} records the new one and walks every"
        " key again under it (rows the old one did stay as they are unless the new `pending`"
        " selects them)"
    )


def status_note(declared: Declared, changes: list[str]) -> str:
    """What `status` adds for a backfill whose declaration changed under committed batches."""
    from alembic_steward.runtime._backfill_naming import backfill_advised

    name = declared.backfill.name
    return (
        f"; its declaration changed since those batches ({'; '.join(changes)}): a run is"
        f" refused until it is put back or accepted with"
        f" {backfill_advised(f'run {name} {ACCEPT_OPTION}')}"
    )


def continues_it(connection: Connection, declared: Declared, record: BackfillRecord) -> str:
    """ "`resume NAME` continues it", unless its declaration changed under committed batches:
    then that resume would be refused, so the advice names the change and the two ways on
    (as :func:`changed_line` and `status` do)."""
    from alembic_steward.runtime._backfill_naming import backfill_advised
    from alembic_steward.runtime._backfill_records import FAILED

    name = declared.backfill.name
    changes = changed_parts(recorded_declarations(connection).get(name), declared.backfill, record)
    if not changes or record.state == FAILED:  # a failed one's fix is taken without the option
        return f"{backfill_advised(f'resume {name}')} continues it"
    return (
        f"its declaration changed since those batches ({'; '.join(changes)}), so"
        f" {backfill_advised(f'resume {name}')} would be refused: put the declaration back, or,"
        f" if the change is deliberate, {backfill_advised(f'resume {name} {ACCEPT_OPTION}')}"
        " records the new one and walks every key again under it"
    )


def declaration_checked(
    connection: Connection,
    declared: Declared,
    record: BackfillRecord,
    resume: bool,
    accept_changed: bool,
) -> bool:
    """Check ``declared`` against the declaration its committed batches ran; return True when
    it changed and ``accept_changed`` accepts it (recorded: the walk starts again). Raises
    BackfillRefused when it changed and is not accepted."""
    from alembic_steward.runtime._backfill_records import FAILED
    from alembic_steward.runtime._backfill_runs import BackfillRefused

    name = declared.backfill.name
    changes = changed_parts(recorded_declarations(connection).get(name), declared.backfill, record)
    if changes and record.state == FAILED:
        # Its failure line asked for this fix; the rows before the failure are the ones
        # its fix keeps, as that line says: go on from the last committed batch.
        record_declaration(connection, declared.backfill)
        print(f"backfill {name}: its declaration was fixed since it failed", file=sys.stderr)
        return False
    if changes and not accept_changed:
        words = f"{'resume' if resume else 'run'} {name}"
        raise BackfillRefused(changed_line(declared, record, changes, words))
    # Recorded whenever it may differ: a record an older toolkit wrote has none yet.
    record_declaration(connection, declared.backfill)
    if changes:
        print(
            f"backfill {name}: its changed declaration is accepted; walking every key again"
            " under it",
            file=sys.stderr,
        )
    return bool(changes)
