"""The tables the migration machinery keeps for itself, which autogenerate and drift ignore."""

from typing import Any

from alembic_steward.runtime._backfill_changes import DECLARATION_TABLE
from alembic_steward.runtime._backfill_records import BACKFILL_TABLE
from alembic_steward.runtime._environment_record import ENVIRONMENT_TABLE
from alembic_steward.runtime._half_applied_marks import MARK_TABLE_NAME
from alembic_steward.runtime._phase_records import PHASE_TABLE
from alembic_steward.runtime._revision_checksums import CHECKSUM_TABLE
from alembic_steward.runtime._stamp_differences import STAMP_DIFFERENCES_TABLE
from alembic_steward.runtime._upgrade_checksums import UPGRADE_CHECKSUM_TABLE

BOOKKEEPING_TABLES = frozenset(
    {
        ENVIRONMENT_TABLE,
        MARK_TABLE_NAME,
        CHECKSUM_TABLE,
        UPGRADE_CHECKSUM_TABLE,
        PHASE_TABLE,
        BACKFILL_TABLE,
        DECLARATION_TABLE,
        STAMP_DIFFERENCES_TABLE,
    }
)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Hide the bookkeeping tables, and schemas the models do not use, from autogenerate (an
    ``include_name`` hook)."""
    if type_ == "schema":
        return name is None or name in model_schemas()
    return not (type_ == "table" and name in BOOKKEEPING_TABLES)


def model_schemas() -> set[str]:
    """The schemas the models' tables name besides the default one."""
    from alembic_steward._wiring import active_steward

    metadata = active_steward().get_metadata()
    return {table.schema for table in metadata.tables.values() if table.schema}
