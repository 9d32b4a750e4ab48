"""Write into an offline script the bookkeeping rows an online run writes.

`inv db.upgrade --sql` on a server prints what Alembic renders: the migrations and the version
table's rows. An online run also keeps each applied revision's checksum and phase row
(runtime/_revision_checksums.py, runtime/_phase_records.py), which the checks read: a version
table at head without its head's rows, while its parents have them, reads as moved ahead by
hand (runtime/_unran_heads.py), and the upgrade refuses. So a script applied by hand (psql,
mysql) left exactly that state. The script now writes the same rows in the same transaction
as each migration's version row: applied by hand, it leaves what the online run leaves. On
SQLite the script is captured from a real run (inspection/_captured_sql.py), rows included.

Each row is deleted before it is inserted, and the tables are made if missing: the script
cannot read the database it will be applied to, so it is written for any (docs/decisions.md,
"An offline script writes the bookkeeping rows").
"""

from __future__ import annotations

from typing import Any


class OfflineBookkeeping:
    """An ``on_version_apply`` callback for offline runs: each upgrade step inserts its
    revisions' checksum and phase rows into the script, each downgrade step deletes them."""

    def __init__(self) -> None:
        self.tables_made = False

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        if not ctx.as_sql or step.is_stamp or ctx.script is None:
            return
        from sqlalchemy.schema import CreateTable

        from alembic_steward.runtime._phase_labels import phase_of_file
        from alembic_steward.runtime._phase_records import phase_table
        from alembic_steward.runtime._revision_checksums import checksum_table, file_checksum

        checksums, phases = checksum_table(), phase_table()
        if not self.tables_made:
            self.tables_made = True
            for table in (checksums, phases):
                write(ctx, CreateTable(table, if_not_exists=True))
        revisions = list(step.up_revision_ids)
        for table in (checksums, phases):
            write(ctx, table.delete().where(table.c.revision.in_(revisions)))
        if not step.is_upgrade:
            return
        paths = {revision: ctx.script.get_revision(revision).path for revision in revisions}
        sums = [{"revision": r, "sha256": file_checksum(p)} for r, p in paths.items()]
        labels = [{"revision": r, "phase": phase_of_file(p)} for r, p in paths.items()]
        write(ctx, checksums.insert().values(sums))
        write(ctx, phases.insert().values(labels))


def write(ctx: Any, statement: Any) -> None:
    """Print ``statement`` into the offline script, its values in place, as Alembic prints its
    own statements."""
    from sqlalchemy.schema import DDLElement

    impl = ctx.impl
    options = {} if isinstance(statement, DDLElement) else {"literal_binds": True}
    compiled = statement.compile(dialect=impl.dialect, compile_kwargs=options)
    impl.static_output(str(compiled).replace("\t", "    ").strip() + impl.command_terminator)
