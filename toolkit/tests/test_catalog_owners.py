"""A description restricted to some owners (`describe_catalog(..., owners=...)`) holds exactly
what the full description holds for them, on each database: what the stairway reads again after
a step is what a full read would have said."""

from __future__ import annotations

import pytest
from catalog_databases import SCHEMAS_IN_SCOPE
from catalog_feature import DIALECTS
from catalog_shop import shop
from sqlalchemy import MetaData

from alembic_steward.catalog import Catalog, describe_catalog

KINDS = [pytest.param(kind, marks=pytest.mark.xdist_group(f"catalog[{kind}]")) for kind in DIALECTS]
# Beside the shop: a child whose key names its parent without columns (SQLite reads the
# parent's primary key for it), a serial column's own sequence, and a table named in capitals.
EXTRAS = {
    "sqlite": [
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items)",
        'CREATE TABLE "Labels" (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes)',
    ],
    "postgresql": [
        "CREATE TABLE notes (id SERIAL PRIMARY KEY, item_id INTEGER REFERENCES items)",
        'CREATE TABLE "Labels" (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes)',
    ],
    "mysql": [
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id))",
        "CREATE TABLE Labels (id INTEGER PRIMARY KEY, note_id INTEGER,"
        " FOREIGN KEY (note_id) REFERENCES notes (id))",
    ],
}


def owned_by(catalog: Catalog, names: set[str]) -> dict:
    return catalog.of((schema, name) for schema, name in catalog.owners() if name in names)


@pytest.mark.parametrize("kind", KINDS)
def test_a_description_of_some_owners_is_what_the_full_one_says_of_them(
    scratch_pairs, kind: str
) -> None:
    scratch, _other = scratch_pairs(kind)
    full = scratch.build(shop(kind), EXTRAS[kind])
    names = {name for _schema, name in full.owners()}
    assert {"notes", "Labels", "items", "big_orders"} <= names
    schemas = SCHEMAS_IN_SCOPE.get(kind, ())
    with scratch.engine.connect() as connection:

        def described(owners: list[str]) -> dict:
            return dict(describe_catalog(connection, schemas=schemas, owners=owners).objects)

        for name in sorted(names):
            assert described([name]) == owned_by(full, {name}), name
        assert described(["notes", "Labels", "customers"]) == owned_by(
            full, {"notes", "Labels", "customers"}
        )
        assert described(sorted(names)) == dict(full.objects)
        assert described(["no_such_table"]) == {}
        if kind == "sqlite":  # SQLite's names ignore case
            assert described(["labels", "NOTES"]) == owned_by(full, {"Labels", "notes"})
        if kind == "postgresql":  # named by its sequence, a serial column's table is read
            assert described(["notes_id_seq"]) == owned_by(full, {"notes"})


def test_a_description_leaves_the_transaction_and_its_plan_setting_as_they_were(
    scratch_pairs,
) -> None:
    # PostgreSQL's reader runs its queries together with generic plans, in the caller's
    # transaction: the setting it changes for them is put back.
    scratch, _other = scratch_pairs("postgresql")
    scratch.build(shop("postgresql"))
    with scratch.engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        describe_catalog(connection, owners=["items"])
        describe_catalog(connection)
        mode = connection.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
        assert (mode, connection.in_transaction()) == ("force_custom_plan", True)
        connection.rollback()
        describe_catalog(connection, owners=["items"])
        assert connection.in_transaction()  # begun, as any statement run through it would
        connection.rollback()


@pytest.mark.xdist_group("catalog[postgresql]")
def test_the_stairway_s_snapshot_follows_a_sequence_given_or_taken_from_its_table(
    scratch_pairs, monkeypatch
) -> None:
    """A sequence a column owns is described with its table: a step that frees it (or gives it
    to a column) leaves the snapshot what a full description says, not the sequence twice."""
    from alembic_steward.testing import _schema_snapshot
    from alembic_steward.testing._schema_snapshot import SchemaWatch, schema_snapshot

    # No service here: nothing of the bookkeeping's to leave out.
    monkeypatch.setattr(_schema_snapshot, "ignored_tables", lambda: set())

    scratch, _other = scratch_pairs("postgresql")
    scratch.build(MetaData(), ["CREATE TABLE notes (id SERIAL PRIMARY KEY)"])
    with scratch.engine.connect() as connection:
        watch = SchemaWatch(connection)
        for statement in (
            "ALTER SEQUENCE notes_id_seq OWNED BY NONE",
            "ALTER SEQUENCE notes_id_seq OWNED BY notes.id",
        ):
            watch.recording = True
            connection.exec_driver_sql(statement)
            connection.commit()
            stepped = {name: dict(d.objects) for name, d in watch.refresh().owners.items()}
            full = {name: dict(d.objects) for name, d in schema_snapshot(connection).owners.items()}
            assert stepped == full, statement
        watch.close()


@pytest.mark.parametrize("kind", KINDS)
def test_the_stairway_s_snapshot_reads_again_a_view_over_a_renamed_table(
    kind, scratch_pairs, monkeypatch
) -> None:
    """t49 NEW-S3: PostgreSQL's view follows its table's rename and its definition then names
    the new table (SQLite's RENAME rewrites it too): the step that renames the table, which
    names no view, leaves the snapshot what a full description says all the same."""
    from alembic_steward.testing import _schema_snapshot
    from alembic_steward.testing._schema_snapshot import SchemaWatch, schema_snapshot

    monkeypatch.setattr(_schema_snapshot, "ignored_tables", lambda: set())

    scratch, _other = scratch_pairs(kind)
    scratch.build(
        MetaData(),
        [
            "CREATE TABLE posts (id INTEGER PRIMARY KEY)",
            "CREATE VIEW v_posts AS SELECT id FROM posts",
        ],
    )
    rename = (
        "RENAME TABLE posts TO articles"
        if kind == "mysql"
        else "ALTER TABLE posts RENAME TO articles"
    )
    with scratch.engine.connect() as connection:
        watch = SchemaWatch(connection)
        watch.recording = True
        connection.exec_driver_sql(rename)
        connection.commit()
        stepped = {name: dict(d.objects) for name, d in watch.refresh().owners.items()}
        full = {name: dict(d.objects) for name, d in schema_snapshot(connection).owners.items()}
        assert stepped == full
        watch.close()
