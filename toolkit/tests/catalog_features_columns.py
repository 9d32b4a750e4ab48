"""Coverage rows for tables and columns (catalog_features.py assembles the table)."""

from __future__ import annotations

from catalog_feature import DIALECTS, NO_COMMENTS, Feature, Rebuild
from sqlalchemy import Date

COLUMNS = (
    Feature(
        "table",
        {"coupons_table": True},
        {dialect: ("CREATE TABLE coupons (id INTEGER PRIMARY KEY)",) for dialect in DIALECTS},
        ("table coupons is in the database but not in the models",),
    ),
    Feature(
        "column",
        {"discontinued_column": True},
        {dialect: ("ALTER TABLE items ADD COLUMN discontinued DATE",) for dialect in DIALECTS},
        ("column items.discontinued is in the database but not in the models",),
    ),
    Feature(
        "column type",
        {"placed_at_type": Date},
        {
            "sqlite": (Rebuild("orders", "placed_at DATETIME", "placed_at DATE"),),
            "postgresql": ("ALTER TABLE orders ALTER COLUMN placed_at TYPE date",),
            "mysql": ("ALTER TABLE orders MODIFY placed_at DATE",),
        },
        ("column orders.placed_at: type",),
    ),
    Feature(
        "column length",
        {"name_length": 80},
        {
            "sqlite": (Rebuild("items", "name VARCHAR(50)", "name VARCHAR(80)"),),
            "postgresql": ("ALTER TABLE items ALTER COLUMN name TYPE varchar(80)",),
            "mysql": ("ALTER TABLE items MODIFY name VARCHAR(80) NOT NULL",),
        },
        ("column items.name: type",),
    ),
    Feature(
        "column precision and scale",
        {"weight_scale": 3},
        {
            "sqlite": (Rebuild("items", "NUMERIC(6, 2)", "NUMERIC(6, 3)"),),
            "postgresql": ("ALTER TABLE items ALTER COLUMN weight TYPE numeric(6, 3)",),
            "mysql": ("ALTER TABLE items MODIFY weight DECIMAL(6, 3)",),
        },
        ("column items.weight: type",),
    ),
    Feature(
        "column nullability",
        {"name_nullable": True},
        {
            "sqlite": (Rebuild("items", "name VARCHAR(50) NOT NULL", "name VARCHAR(50)"),),
            "postgresql": ("ALTER TABLE items ALTER COLUMN name DROP NOT NULL",),
            "mysql": ("ALTER TABLE items MODIFY name VARCHAR(50) NULL",),
        },
        ("column items.name: nullable",),
    ),
    Feature(
        "column server default",
        {"quantity_default": "1"},
        {
            "sqlite": (Rebuild("items", "DEFAULT '0'", "DEFAULT '1'"),),
            "postgresql": ("ALTER TABLE items ALTER COLUMN quantity SET DEFAULT 1",),
            "mysql": ("ALTER TABLE items ALTER COLUMN quantity SET DEFAULT 1",),
        },
        ("column items.quantity: default",),
    ),
    Feature(
        "column collation",
        {"other_code_collation": True},
        {
            "sqlite": (Rebuild("customers", 'COLLATE "NOCASE"', "COLLATE RTRIM"),),
            "postgresql": (
                'ALTER TABLE customers ALTER COLUMN code TYPE varchar(20) COLLATE "POSIX"',
            ),
            "mysql": ("ALTER TABLE customers MODIFY code VARCHAR(20) COLLATE utf8mb4_unicode_ci",),
        },
        ("column customers.code: collation",),
    ),
    Feature(
        "identity",
        {"identity_always": True, "autoincrement": False},
        {
            "sqlite": (Rebuild("orders", "PRIMARY KEY AUTOINCREMENT", "PRIMARY KEY"),),
            "postgresql": ("ALTER TABLE orders ALTER COLUMN id SET GENERATED ALWAYS",),
            "mysql": (
                "SET foreign_key_checks = 0",
                "ALTER TABLE orders MODIFY id INTEGER NOT NULL",
                "SET foreign_key_checks = 1",
            ),
        },
        ("column orders.id: identity",),
    ),
    Feature(
        "identity options",
        {"identity_start": 1},
        {
            "postgresql": ("ALTER TABLE orders ALTER COLUMN id SET START WITH 1",),
            "mysql": ("ALTER TABLE orders AUTO_INCREMENT = 1",),
        },
        {
            "postgresql": ("column orders.id: identity",),
            "mysql": ("column orders.id: next id 100 in the models, 1 in the database",),
        },
        {"sqlite": "SQLite's AUTOINCREMENT has no options"},
        notes={
            "mysql": "the start as the table's AUTO_INCREMENT counter, a floor: a next id at or"
            " above it, as inserts leave it, is no difference"
        },
    ),
    Feature(
        "computed column expression",
        {"total_expression": "price * quantity * 2"},
        {
            "sqlite": (Rebuild("items", "(price * quantity)", "(price * quantity * 2)"),),
            "postgresql": (
                "ALTER TABLE items DROP COLUMN total",
                "ALTER TABLE items ADD COLUMN total numeric(12, 2)"
                " GENERATED ALWAYS AS (price * quantity * 2) STORED",
            ),
            "mysql": (
                "ALTER TABLE items MODIFY total DECIMAL(12, 2) AS (price * quantity * 2) STORED",
            ),
        },
        ("column items.total: generated",),
    ),
    Feature(
        "computed column stored or virtual",
        {"total_stored": False},
        {
            "sqlite": (Rebuild("items", "quantity) STORED", "quantity) VIRTUAL"),),
            "mysql": (
                "ALTER TABLE items DROP COLUMN total",
                "ALTER TABLE items ADD COLUMN total DECIMAL(12, 2) AS (price * quantity) VIRTUAL",
            ),
        },
        ("column items.total: generated",),
        {"postgresql": "PostgreSQL 15 stores every generated column"},
    ),
    Feature(
        "table comment",
        {"customers_comment": "buyers"},
        {
            "postgresql": ("COMMENT ON TABLE customers IS 'buyers'",),
            "mysql": ("ALTER TABLE customers COMMENT = 'buyers'",),
        },
        ("table customers: comment",),
        {"sqlite": NO_COMMENTS},
    ),
    Feature(
        "column comment",
        {"name_comment": "as on the card"},
        {
            "postgresql": ("COMMENT ON COLUMN customers.name IS 'as on the card'",),
            "mysql": (
                "ALTER TABLE customers MODIFY name VARCHAR(50) NOT NULL COMMENT 'as on the card'",
            ),
        },
        ("column customers.name: comment",),
        {"sqlite": NO_COMMENTS},
    ),
)
