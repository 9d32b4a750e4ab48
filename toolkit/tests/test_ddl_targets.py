"""The stairway describes again only what a step's SQL names: each form is attributed to the
tables it can change, and anything it cannot attribute means "describe everything"."""

from __future__ import annotations

import pytest

from alembic_steward.testing import _ddl_targets as ddl_targets

EVERYTHING = None


@pytest.mark.parametrize(
    ("dialect", "statements", "changed"),
    [
        ("postgresql", ["CREATE TABLE items (id SERIAL NOT NULL)"], {"items"}),
        ("postgresql", ['CREATE TABLE "Items" (id INTEGER)'], {"Items"}),
        ("postgresql", ["CREATE TABLE Items (id INTEGER)"], {"items"}),
        ("mysql", ["ALTER TABLE `Items` ADD COLUMN note VARCHAR(50)"], {"Items"}),
        ("postgresql", ["ALTER TABLE public.items ALTER COLUMN name SET DEFAULT 'x'"], {"items"}),
        ("postgresql", ['DROP TABLE a, "B"'], {"a", "B"}),
        ("postgresql", ["ALTER TABLE items RENAME TO things"], {"items", "things"}),
        ("mysql", ["ALTER TABLE items RENAME things"], {"items", "things"}),
        ("mysql", ["RENAME TABLE a TO b, c TO d"], {"a", "b", "c", "d"}),
        (
            "sqlite",
            ["ALTER TABLE _alembic_tmp_items RENAME TO items"],
            {"_alembic_tmp_items", "items"},
        ),
        ("postgresql", ["CREATE INDEX ix_a ON items (name)", "DROP INDEX ix_a"], {"items"}),
        ("mysql", ["DROP INDEX ix_a ON items"], {"items"}),
        ("postgresql", ["CREATE TYPE color AS ENUM ('red')"], {"color"}),
        ("postgresql", ["ALTER TYPE color ADD VALUE 'blue'"], {"color"}),
        # Comments are facts of what they describe.
        ("postgresql", ["COMMENT ON TABLE items IS 'what we sell'"], {"items"}),
        ("postgresql", ["COMMENT ON COLUMN public.items.name IS NULL"], {"items"}),
        ("postgresql", ["COMMENT ON CONSTRAINT ck_a ON \"Items\" IS 'x'"], {"Items"}),
        (
            "postgresql",
            ["INSERT INTO items (name) VALUES (%(name)s)", "UPDATE items SET a = 1"],
            set(),
        ),
        (
            "postgresql",
            ["SELECT pg_catalog.pg_type_is_visible(oid) FROM pg_catalog.pg_type"],
            set(),
        ),
        ("mysql", ["SELECT my_function()"], set()),
        # Forms that may change what they do not name, or that hide the statement altogether.
        ("postgresql", ["DROP INDEX ix_unknown"], EVERYTHING),
        ("postgresql", ["DROP TABLE items CASCADE"], EVERYTHING),
        ("postgresql", ["ALTER TYPE color RENAME TO colour"], EVERYTHING),
        ("postgresql", ["ALTER TYPE color RENAME VALUE 'red' TO 'rouge'"], EVERYTHING),
        ("postgresql", ["DO $$ BEGIN EXECUTE 'ALTER TABLE items ADD x int'; END $$"], EVERYTHING),
        ("postgresql", ["SELECT create_hypertable('items', 'at')"], EVERYTHING),
        ("mysql", ["CALL rebuild_everything()"], EVERYTHING),
        ("postgresql", ["CREATE EXTENSION postgis"], EVERYTHING),
        ("postgresql", ["COMMENT ON FUNCTION rewrite() IS 'x'"], EVERYTHING),
        ("postgresql", ["ALTER TABLE a ADD x int; ALTER TABLE b ADD y int"], EVERYTHING),
    ],
)
def test_each_statement_is_attributed_to_what_it_can_change(
    dialect: str, statements: list[str], changed: set[str] | None
) -> None:
    assert ddl_targets.changed_by(statements, dialect, {}.get) == changed


def test_an_index_dropped_by_name_is_its_tables_change() -> None:
    assert ddl_targets.changed_by(["DROP INDEX ix_name"], "sqlite", {"ix_name": "items"}.get) == {
        "items"
    }
