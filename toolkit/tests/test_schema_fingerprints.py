"""A failed run's or a downgrade's record keeps a fingerprint of the schema the toolkit
describes: a table made in a schema it does not describe (a note, never compared) leaves it."""

from __future__ import annotations

import pytest

from alembic_steward.catalog import Catalog
from alembic_steward.inspection import _catalog_drift, _drift_sides
from alembic_steward.runtime._failed_runs import schema_fingerprint


def fingerprint(monkeypatch: pytest.MonkeyPatch, tables: str, column_type: str = "integer") -> str:
    catalog = Catalog(
        "postgresql",
        {
            ("schema", "hand", None, "hand"): {"tables": tables},
            ("column", None, "t", "a"): {"type": column_type},
        },
    )
    monkeypatch.setattr(_drift_sides, "described_schemas", lambda _connection: [None])
    monkeypatch.setattr(_catalog_drift, "live_catalog", lambda _connection, _schemas: catalog)
    return schema_fingerprint(None)  # type: ignore[arg-type]


def test_a_table_added_in_a_schema_nothing_describes_leaves_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = fingerprint(monkeypatch, "hand.a")
    assert fingerprint(monkeypatch, "hand.a, hand.b") == before
    assert fingerprint(monkeypatch, "hand.a", "text") != before
