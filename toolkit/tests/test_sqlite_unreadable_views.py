"""A SQLite view that reads a table or column that is gone cannot be prepared, so SQLite lists
no columns for it; the description still holds it (by its definition) and everything else. It
failed whole (`no such table: main.t`), and status read the failure as "the migrations fail on
a scratch database built from the revisions" when autogenerate's trial dropped a table a
revision's view reads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from alembic_steward.catalog import describe_catalog


def test_a_view_over_a_dropped_table_is_described_by_its_definition_alone(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'views.db'}")
    with engine.begin() as connection:
        for statement in (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, c6 INTEGER)",
            "CREATE TABLE u (id INTEGER PRIMARY KEY)",
            "CREATE VIEW vgone AS SELECT id, c6 FROM t",
            "CREATE VIEW vkept AS SELECT id FROM u",
            "DROP TABLE t",  # SQLite keeps the view that reads it
        ):
            connection.exec_driver_sql(statement)
        catalog = describe_catalog(connection)
    engine.dispose()
    # Normalized, as every view's definition is.
    vgone = catalog.objects[("view", None, "", "vgone")]
    assert vgone == {"definition": "select id, c6 from t"}, catalog.objects
    assert ("view", None, "", "vkept") in catalog.objects, catalog.objects
    assert ("column", None, "vkept", "id") in catalog.objects, catalog.objects
    assert not [key for key in catalog.objects if key[:3] == ("column", None, "vgone")]
    assert ("column", None, "u", "id") in catalog.objects, catalog.objects
