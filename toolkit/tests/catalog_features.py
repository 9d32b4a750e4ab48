"""The catalog's coverage, as a table: one row per feature, the fault it seeds in the shop's
models (knobs) and by hand in a database (statements a team member would type), and the line
each database must report for it.

docs/catalog.md is rendered from this table (`python tests/catalog_features.py` rewrites it;
test_catalog.py checks it matches).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Date

DIALECTS = ("sqlite", "postgresql", "mysql")
DIALECT_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
DOC = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


@dataclass(frozen=True)
class Rebuild:
    """SQLite's way to change a table: the same CREATE statement with ``old`` written as
    ``new``, a new table, the old one dropped, the new one renamed (sqlite.org/lang_altertable)."""

    table: str
    old: str
    new: str


@dataclass(frozen=True)
class Feature:
    """One catalog feature: ``knobs`` change it in the models, ``by_hand`` in a database, and
    ``lines`` start each line the comparison must report (per dialect where they differ)."""

    name: str
    knobs: Mapping[str, object]
    by_hand: Mapping[str, tuple[str | Rebuild, ...]]
    lines: tuple[str, ...] | Mapping[str, tuple[str, ...]]
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def status(self, dialect: str) -> str:
        if dialect in self.not_applicable:
            return f"not applicable: {self.not_applicable[dialect]}"
        return f"named ({self.notes[dialect]})" if dialect in self.notes else "named"

    def named_on(self, dialect: str) -> bool:
        return dialect not in self.not_applicable

    def lines_on(self, dialect: str) -> tuple[str, ...]:
        return self.lines[dialect] if isinstance(self.lines, Mapping) else self.lines


def everywhere(*lines: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(DIALECTS, lines)


NO_COMMENTS = "SQLite keeps no comments"
NO_SEQUENCES = "SQLite has no sequences"
NO_ENUMS = "SQLite has no enum type (SQLAlchemy makes it VARCHAR, with no CHECK unless asked)"
NO_PARTIAL = "MariaDB indexes every row"
NO_EXPRESSIONS = "MariaDB indexes columns only (an expression goes in a generated column)"
NO_OPCLASS = "PostgreSQL's only"
AS_UNIQUE_INDEX = "as its unique index: MariaDB keeps no other kind of unique constraint"
NO_SCHEMAS = "one database is one schema here; other databases are out of scope"

FEATURES = (
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
        {"identity_start": 100},
        {"postgresql": ("ALTER TABLE orders ALTER COLUMN id SET START WITH 100",)},
        ("column orders.id: identity",),
        {
            "sqlite": "SQLite's AUTOINCREMENT has no options",
            "mysql": "AUTO_INCREMENT has no options (the table's next value is data, not schema)",
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
    Feature(
        "primary key columns",
        {"line_key": ("order_id", "line", "item_id")},
        {
            "sqlite": (
                Rebuild(
                    "order_lines",
                    "PRIMARY KEY (order_id, line)",
                    "PRIMARY KEY (order_id, line, item_id)",
                ),
            ),
            "postgresql": (
                "ALTER TABLE order_lines DROP CONSTRAINT pk_order_lines,"
                " ADD CONSTRAINT pk_order_lines PRIMARY KEY (order_id, line, item_id)",
            ),
            "mysql": (
                "ALTER TABLE order_lines DROP PRIMARY KEY,"
                " ADD PRIMARY KEY (order_id, line, item_id)",
            ),
        },
        ("primary key order_lines: definition",),
    ),
    Feature(
        "primary key name",
        {"customers_key_name": "pk_customer"},
        {
            "sqlite": (Rebuild("customers", "CONSTRAINT pk_customers", "CONSTRAINT pk_customer"),),
            "postgresql": ("ALTER TABLE customers RENAME CONSTRAINT pk_customers TO pk_customer",),
        },
        ("primary key customers: name",),
        {"mysql": "MariaDB names every primary key PRIMARY"},
    ),
    Feature(
        "foreign key columns",
        {"item_key_column": "substitute_id"},
        {
            "sqlite": (Rebuild("order_lines", "KEY(item_id)", "KEY(substitute_id)"),),
            "postgresql": (
                "ALTER TABLE order_lines DROP CONSTRAINT fk_order_lines_item, ADD CONSTRAINT"
                " fk_order_lines_item FOREIGN KEY (substitute_id) REFERENCES items (id)",
            ),
            "mysql": (
                "ALTER TABLE order_lines DROP FOREIGN KEY fk_order_lines_item",
                "ALTER TABLE order_lines ADD CONSTRAINT fk_order_lines_item"
                " FOREIGN KEY (substitute_id) REFERENCES items (id)",
            ),
        },
        ("foreign key order_lines.fk_order_lines_item: definition",),
    ),
    Feature(
        "foreign key target",
        {"item_key_target": "customers"},
        {
            "sqlite": (
                Rebuild(
                    "order_lines", "(item_id) REFERENCES items", "(item_id) REFERENCES customers"
                ),
            ),
            "postgresql": (
                "ALTER TABLE order_lines DROP CONSTRAINT fk_order_lines_item, ADD CONSTRAINT"
                " fk_order_lines_item FOREIGN KEY (item_id) REFERENCES customers (id)",
            ),
            "mysql": (
                "ALTER TABLE order_lines DROP FOREIGN KEY fk_order_lines_item",
                "ALTER TABLE order_lines ADD CONSTRAINT fk_order_lines_item"
                " FOREIGN KEY (item_id) REFERENCES customers (id)",
            ),
        },
        ("foreign key order_lines.fk_order_lines_item: definition",),
    ),
    Feature(
        "foreign key ON DELETE",
        {"customer_key_ondelete": "RESTRICT"},
        {
            "sqlite": (Rebuild("orders", "ON DELETE CASCADE", "ON DELETE RESTRICT"),),
            "postgresql": (
                "ALTER TABLE orders DROP CONSTRAINT fk_orders_customer, ADD CONSTRAINT"
                " fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)"
                " ON DELETE RESTRICT",
            ),
            "mysql": (
                "ALTER TABLE orders DROP FOREIGN KEY fk_orders_customer",
                "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id)"
                " REFERENCES customers (id) ON DELETE RESTRICT",
            ),
        },
        ("foreign key orders.fk_orders_customer: definition",),
    ),
    Feature(
        "foreign key ON UPDATE",
        {"customer_key_onupdate": "CASCADE"},
        {
            "sqlite": (
                Rebuild("orders", "ON DELETE CASCADE", "ON DELETE CASCADE ON UPDATE CASCADE"),
            ),
            "postgresql": (
                "ALTER TABLE orders DROP CONSTRAINT fk_orders_customer, ADD CONSTRAINT"
                " fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)"
                " ON DELETE CASCADE ON UPDATE CASCADE",
            ),
            "mysql": (
                "ALTER TABLE orders DROP FOREIGN KEY fk_orders_customer",
                "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id)"
                " REFERENCES customers (id) ON DELETE CASCADE ON UPDATE CASCADE",
            ),
        },
        ("foreign key orders.fk_orders_customer: definition",),
    ),
    Feature(
        "foreign key name",
        {"customer_key_name": "fk_orders_buyer"},
        {
            "sqlite": (
                Rebuild("orders", "CONSTRAINT fk_orders_customer", "CONSTRAINT fk_orders_buyer"),
            ),
            "postgresql": (
                "ALTER TABLE orders RENAME CONSTRAINT fk_orders_customer TO fk_orders_buyer",
            ),
            "mysql": (
                "ALTER TABLE orders DROP FOREIGN KEY fk_orders_customer",
                "ALTER TABLE orders ADD CONSTRAINT fk_orders_buyer FOREIGN KEY (customer_id)"
                " REFERENCES customers (id) ON DELETE CASCADE",
            ),
        },
        (
            "foreign key orders.fk_orders_customer is in the models but not in the database",
            "foreign key orders.fk_orders_buyer is in the database but not in the models",
        ),
    ),
    Feature(
        "unique constraint columns",
        {"email_unique": ("email", "name")},
        {
            "sqlite": (Rebuild("customers", "UNIQUE (email)", "UNIQUE (email, name)"),),
            "postgresql": (
                "ALTER TABLE customers DROP CONSTRAINT uq_customers_email,"
                " ADD CONSTRAINT uq_customers_email UNIQUE (email, name)",
            ),
            "mysql": (
                "ALTER TABLE customers DROP INDEX uq_customers_email,"
                " ADD CONSTRAINT uq_customers_email UNIQUE (email, name)",
            ),
        },
        {
            **everywhere("unique constraint customers.uq_customers_email: definition"),
            "mysql": ("index customers.uq_customers_email: definition",),
        },
        notes={"mysql": AS_UNIQUE_INDEX},
    ),
    Feature(
        "unique constraint name",
        {"email_unique_name": "uq_customers_mail"},
        {
            "sqlite": (Rebuild("customers", "uq_customers_email", "uq_customers_mail"),),
            "postgresql": (
                "ALTER TABLE customers RENAME CONSTRAINT uq_customers_email TO uq_customers_mail",
            ),
            "mysql": (
                "ALTER TABLE customers RENAME INDEX uq_customers_email TO uq_customers_mail",
            ),
        },
        {
            **everywhere(
                "unique constraint customers.uq_customers_email is in the models but not in the"
                " database",
                "unique constraint customers.uq_customers_mail is in the database but not in the"
                " models",
            ),
            "mysql": (
                "index customers.uq_customers_email is in the models but not in the database",
                "index customers.uq_customers_mail is in the database but not in the models",
            ),
        },
        notes={"mysql": AS_UNIQUE_INDEX},
    ),
    Feature(
        "CHECK clause (named, table-level)",
        {"quantity_check": "quantity > 0"},
        {
            "sqlite": (Rebuild("items", "CHECK (quantity >= 0)", "CHECK (quantity > 0)"),),
            "postgresql": (
                "ALTER TABLE items DROP CONSTRAINT ck_items_quantity,"
                " ADD CONSTRAINT ck_items_quantity CHECK (quantity > 0)",
            ),
            "mysql": (
                "ALTER TABLE items DROP CONSTRAINT ck_items_quantity,"
                " ADD CONSTRAINT ck_items_quantity CHECK (quantity > 0)",
            ),
        },
        ("check constraint items.ck_items_quantity: definition",),
    ),
    Feature(
        "CHECK name",
        {"quantity_check_name": "ck_items_stock"},
        {
            "sqlite": (Rebuild("items", "ck_items_quantity", "ck_items_stock"),),
            "postgresql": (
                "ALTER TABLE items RENAME CONSTRAINT ck_items_quantity TO ck_items_stock",
            ),
            "mysql": (
                "ALTER TABLE items DROP CONSTRAINT ck_items_quantity,"
                " ADD CONSTRAINT ck_items_stock CHECK (quantity >= 0)",
            ),
        },
        (
            "check constraint items.ck_items_quantity is in the models but not in the database",
            "check constraint items.ck_items_stock is in the database but not in the models",
        ),
    ),
    Feature(
        "CHECK clause (unnamed, column-level)",
        {"price_check": "price > 0"},
        {
            "sqlite": (Rebuild("items", "CHECK (price >= 0)", "CHECK (price > 0)"),),
            "postgresql": (
                "ALTER TABLE items DROP CONSTRAINT items_price_check, ADD CHECK (price > 0)",
            ),
            "mysql": ("ALTER TABLE items MODIFY price DECIMAL(10, 2) CHECK (price > 0)",),
        },
        {
            "sqlite": ("check constraint items (unnamed): definition",),
            "postgresql": ("check constraint items.items_price_check: definition",),
            "mysql": ("check constraint items.price: definition",),
        },
    ),
    Feature(
        "CHECK clause (unnamed, table-level)",
        {"weight_check": "weight < 2000"},
        {
            "sqlite": (Rebuild("items", "CHECK (weight < 1000)", "CHECK (weight < 2000)"),),
            "postgresql": (
                "ALTER TABLE items DROP CONSTRAINT items_weight_check, ADD CHECK (weight < 2000)",
            ),
            "mysql": ("ALTER TABLE items DROP CONSTRAINT CONSTRAINT_1, ADD CHECK (weight < 2000)",),
        },
        {
            "sqlite": ("check constraint items (unnamed): definition",),
            "postgresql": ("check constraint items.items_weight_check: definition",),
            "mysql": ("check constraint items (unnamed): definition",),
        },
    ),
    Feature(
        "index columns",
        {"name_index": ("name", "weight")},
        {
            "sqlite": (
                "DROP INDEX ix_items_name",
                "CREATE INDEX ix_items_name ON items (name, weight)",
            ),
            "postgresql": (
                "DROP INDEX ix_items_name",
                "CREATE INDEX ix_items_name ON items (name, weight)",
            ),
            "mysql": (
                "DROP INDEX ix_items_name ON items",
                "CREATE INDEX ix_items_name ON items (name, weight)",
            ),
        },
        ("index items.ix_items_name: definition",),
    ),
    Feature(
        "index expression",
        {"name_function": "upper"},
        {
            dialect: (
                "DROP INDEX ix_items_name_call",
                "CREATE INDEX ix_items_name_call ON items (upper(name))",
            )
            for dialect in ("sqlite", "postgresql")
        },
        ("index items.ix_items_name_call: definition",),
        {"mysql": NO_EXPRESSIONS},
    ),
    Feature(
        "index predicate",
        {"stock_predicate": "quantity > 10"},
        {
            dialect: (
                "DROP INDEX ix_items_in_stock",
                "CREATE INDEX ix_items_in_stock ON items (quantity) WHERE quantity > 10",
            )
            for dialect in ("sqlite", "postgresql")
        },
        ("index items.ix_items_in_stock: definition",),
        {"mysql": NO_PARTIAL},
    ),
    Feature(
        "index operator class",
        {"name_opclass": "text_pattern_ops"},
        {
            "postgresql": (
                "DROP INDEX ix_items_name_pattern",
                "CREATE INDEX ix_items_name_pattern ON items (name text_pattern_ops)",
            )
        },
        ("index items.ix_items_name_pattern: definition",),
        {"sqlite": NO_OPCLASS, "mysql": NO_OPCLASS},
    ),
    Feature(
        "index order",
        {"price_descending": False},
        {
            "sqlite": ("DROP INDEX ix_items_price", "CREATE INDEX ix_items_price ON items (price)"),
            "postgresql": (
                "DROP INDEX ix_items_price",
                "CREATE INDEX ix_items_price ON items (price)",
            ),
            "mysql": (
                "DROP INDEX ix_items_price ON items",
                "CREATE INDEX ix_items_price ON items (price)",
            ),
        },
        ("index items.ix_items_price: definition",),
    ),
    Feature(
        "index uniqueness",
        {"code_index_unique": False},
        {
            "sqlite": (
                "DROP INDEX ix_customers_code",
                "CREATE INDEX ix_customers_code ON customers (code)",
            ),
            "postgresql": (
                "DROP INDEX ix_customers_code",
                "CREATE INDEX ix_customers_code ON customers (code)",
            ),
            "mysql": (
                "DROP INDEX ix_customers_code ON customers",
                "CREATE INDEX ix_customers_code ON customers (code)",
            ),
        },
        ("index customers.ix_customers_code: unique",),
    ),
    Feature(
        "index name",
        {"name_index_name": "ix_items_title"},
        {
            "sqlite": ("DROP INDEX ix_items_name", "CREATE INDEX ix_items_title ON items (name)"),
            "postgresql": ("ALTER INDEX ix_items_name RENAME TO ix_items_title",),
            "mysql": ("ALTER TABLE items RENAME INDEX ix_items_name TO ix_items_title",),
        },
        (
            "index items.ix_items_name is in the models but not in the database",
            "index items.ix_items_title is in the database but not in the models",
        ),
    ),
    Feature(
        "sequence options",
        {"sequence_increment": 10},
        {
            dialect: ("ALTER SEQUENCE invoice_numbers INCREMENT BY 10",)
            for dialect in ("postgresql", "mysql")
        },
        ("sequence invoice_numbers: options",),
        {"sqlite": NO_SEQUENCES},
    ),
    Feature(
        "native enum labels",
        {"colors": ("red", "green", "blue")},
        {
            "postgresql": ("ALTER TYPE color ADD VALUE 'blue'",),
            "mysql": ("ALTER TABLE items MODIFY color ENUM('red', 'green', 'blue')",),
        },
        {
            "postgresql": ("enum type color: values",),
            "mysql": ("column items.color: type",),
        },
        {"sqlite": NO_ENUMS},
    ),
    Feature(
        "native enum order",
        {"colors": ("green", "red")},
        {
            "postgresql": (
                "ALTER TYPE color RENAME TO color_old",
                "CREATE TYPE color AS ENUM ('green', 'red')",
                "ALTER TABLE items ALTER COLUMN color TYPE color USING color::text::color",
                "DROP TYPE color_old",
            ),
            "mysql": ("ALTER TABLE items MODIFY color ENUM('green', 'red')",),
        },
        {
            "postgresql": ("enum type color: values",),
            "mysql": ("column items.color: type",),
        },
        {"sqlite": NO_ENUMS},
    ),
    Feature(
        "non-native enum (its CHECK)",
        {"sizes": ("s", "m", "x")},
        {
            "sqlite": (Rebuild("items", "'m', 'l')", "'m', 'x')"),),
            "postgresql": (
                "ALTER TABLE items DROP CONSTRAINT item_size,"
                " ADD CONSTRAINT item_size CHECK (size IN ('s', 'm', 'x'))",
            ),
            "mysql": (
                "ALTER TABLE items DROP CONSTRAINT item_size,"
                " ADD CONSTRAINT item_size CHECK (size IN ('s', 'm', 'x'))",
            ),
        },
        ("check constraint items.item_size: definition",),
    ),
    Feature(
        "view definition",
        {"view_filter": "customer_id > 1"},
        {
            dialect: (
                "DROP VIEW big_orders",
                "CREATE VIEW big_orders AS"
                " SELECT id, customer_id FROM orders WHERE customer_id > 1",
            )
            for dialect in DIALECTS
        },
        ("view big_orders: definition",),
    ),
    Feature(
        "other schema",
        {"event_note_length": 200},
        {"postgresql": ("ALTER TABLE audit.events ALTER COLUMN note TYPE varchar(200)",)},
        ("column audit.events.note: type",),
        {"sqlite": NO_SCHEMAS, "mysql": NO_SCHEMAS},
    ),
)


def coverage_table() -> str:
    """docs/catalog.md's table: each feature's status on each database."""
    titles = [DIALECT_TITLES[dialect] for dialect in DIALECTS]
    rows = [f"| feature | {' | '.join(titles)} |", f"|---|{'---|' * len(DIALECTS)}"]
    for feature in FEATURES:
        cells = [feature.status(dialect) for dialect in DIALECTS]
        rows.append(f"| {feature.name} | {' | '.join(cells)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit("TODO")
