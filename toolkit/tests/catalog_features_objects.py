"""Coverage rows for indexes, sequences, enums, views, triggers, functions and schemas (see
catalog_features.py)."""

from __future__ import annotations

from catalog_feature import (
    DIALECTS,
    NO_ENUMS,
    NO_EXPRESSIONS,
    NO_FUNCTIONS,
    NO_OPCLASS,
    NO_PARTIAL,
    NO_SCHEMAS,
    NO_SEQUENCES,
    Feature,
    Rebuild,
)
from catalog_shop import PROCEDURES, REPORTS_SCHEMA, Knobs, function_statements, trigger_statements

OBJECTS = (
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
        "sequence owner (OWNED BY)",
        {"invoice_numbers_owner": "items.id"},
        {"postgresql": ("ALTER SEQUENCE invoice_numbers OWNED BY items.id",)},
        ("sequence invoice_numbers: owned by none in the models, items.id in the database",),
        {"sqlite": NO_SEQUENCES, "mysql": "MariaDB's sequences belong to no column"},
    ),
    Feature(
        "extension",
        {"extension": "hstore"},
        {"postgresql": ("CREATE EXTENSION hstore",)},
        ("extension hstore is in the database but not in the models",),
        {
            "sqlite": "SQLite's extensions are loaded by the application on each connection",
            "mysql": "MariaDB's plugins are the server's, none installed in a database",
        },
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
        notes={"mysql": "as its column's ENUM type"},
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
        notes={"mysql": "as its column's ENUM type"},
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
        "trigger",
        {"second_trigger": True},
        {
            dialect: tuple(trigger_statements(dialect, name="items_floor_again")[-1:])
            for dialect in DIALECTS
        },
        ("trigger items.items_floor_again is in the database but not in the models",),
    ),
    Feature(
        "trigger timing",
        {"trigger_event": "UPDATE"},
        {
            dialect: (
                "DROP TRIGGER items_floor" + (" ON items" if dialect == "postgresql" else ""),
                trigger_statements(dialect, Knobs(trigger_event="UPDATE"))[-1],
            )
            for dialect in DIALECTS
        },
        ("trigger items.items_floor: timing",),
    ),
    Feature(
        "trigger body",
        {"trigger_floor": 1},
        {
            "sqlite": (
                "DROP TRIGGER items_floor",
                *trigger_statements("sqlite", Knobs(trigger_floor=1)),
            ),
            "postgresql": (trigger_statements("postgresql", Knobs(trigger_floor=1))[0],),
            "mysql": (
                "DROP TRIGGER items_floor",
                *trigger_statements("mysql", Knobs(trigger_floor=1)),
            ),
        },
        {
            "sqlite": ("trigger items.items_floor: definition",),
            "postgresql": ("function items_floor(): definition",),
            "mysql": ("trigger items.items_floor: definition",),
        },
        notes={"postgresql": "as the definition of the function it runs, read as a function"},
    ),
    Feature(
        "function",
        {"second_function": True},
        {
            dialect: tuple(function_statements(dialect, name="scaled_again"))
            for dialect in ("postgresql", "mysql")
        },
        {
            "postgresql": (
                "function scaled_again(integer) is in the database but not in the models",
            ),
            "mysql": ("function scaled_again is in the database but not in the models",),
        },
        {"sqlite": NO_FUNCTIONS},
    ),
    Feature(
        "function definition",
        {"function_factor": 3},
        {
            "postgresql": tuple(function_statements("postgresql", Knobs(function_factor=3))),
            "mysql": (
                "DROP FUNCTION scaled",
                *function_statements("mysql", Knobs(function_factor=3)),
            ),
        },
        {
            "postgresql": ("function scaled(integer): definition",),
            "mysql": ("function scaled: definition",),
        },
        {"sqlite": NO_FUNCTIONS},
    ),
    Feature(
        "procedure",
        {"restock_procedure": True},
        {dialect: (statement,) for dialect, statement in PROCEDURES.items()},
        {
            "postgresql": ("procedure restock(integer) is in the database but not in the models",),
            "mysql": ("procedure restock is in the database but not in the models",),
        },
        {"sqlite": NO_FUNCTIONS},
    ),
    Feature(
        "other schema",
        {"event_note_length": 200},
        {"postgresql": ("ALTER TABLE audit.events ALTER COLUMN note TYPE varchar(200)",)},
        ("column audit.events.note: type",),
        {"sqlite": NO_SCHEMAS, "mysql": NO_SCHEMAS},
    ),
    Feature(
        "schema nothing of the models uses",
        {"reports_schema": True},
        {"postgresql": (f"CREATE SCHEMA {REPORTS_SCHEMA}",)},
        (f"schema {REPORTS_SCHEMA} is in the database but not in the models",),
        {"sqlite": NO_SCHEMAS, "mysql": NO_SCHEMAS},
    ),
)
