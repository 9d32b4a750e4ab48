"""Coverage rows for keys and CHECK constraints (catalog_features.py assembles the table)."""

from __future__ import annotations

from catalog_feature import AS_UNIQUE_INDEX, Feature, Rebuild, everywhere

KEYS = (
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
)
