"""Coverage rows for PostgreSQL's domains, composite and range types, collations, aggregates and
operators, and for a view's options (see catalog_features.py)."""

from __future__ import annotations

from catalog_feature import Feature
from catalog_shop_types import (
    MARIADB_AGGREGATE,
    NOTES_SEARCH,
    SECOND_AGGREGATE,
    SECOND_COLLATION,
    SECOND_OPERATOR,
    SECOND_RANGE,
    TypeKnobs,
)

NO_TYPES = "SQLite has no user-defined types"
MARIADB_NO_TYPES = "MariaDB has no user-defined types"
NO_DOMAINS = {"sqlite": NO_TYPES, "mysql": MARIADB_NO_TYPES}
NO_COLLATIONS = {
    "sqlite": "SQLite's collations are registered by the application on each connection",
    "mysql": "MariaDB's collations are the server's, none made in a database",
}
NO_FUNCTIONS = "SQLite stores no functions (an application registers its own on each connection)"
NO_AGGREGATES = {"sqlite": NO_FUNCTIONS}
AGGREGATE_AS_FUNCTION = "as a function: MariaDB keeps a stored aggregate as a stored function"
NO_OPERATORS = {
    "sqlite": "SQLite has no user-defined operators",
    "mysql": "MariaDB has no user-defined operators",
}
NO_VIEW_OPTIONS = {"sqlite": "SQLite's views have no options"}


def scored(**knobs: object) -> dict[str, object]:
    return {"types": TypeKnobs(**knobs)}  # type: ignore[arg-type]


TYPES = (
    Feature(
        "domain CHECK",
        scored(score_check="VALUE >= 5"),
        {
            "postgresql": (
                "ALTER DOMAIN score_t DROP CONSTRAINT score_t_check",
                "ALTER DOMAIN score_t ADD CONSTRAINT score_t_check CHECK (VALUE >= 5)",
            )
        },
        ("domain score_t: check score_t_check",),
        NO_DOMAINS,
    ),
    Feature(
        "domain NOT NULL",
        scored(score_not_null=True),
        {"postgresql": ("ALTER DOMAIN score_t SET NOT NULL",)},
        ("domain score_t: nullable",),
        NO_DOMAINS,
    ),
    Feature(
        "domain default",
        scored(score_default="7"),
        {"postgresql": ("ALTER DOMAIN score_t SET DEFAULT 7",)},
        ("domain score_t: default",),
        NO_DOMAINS,
    ),
    Feature(
        "composite type attributes",
        scored(address_attributes="street text, city varchar(40), zip text"),
        {"postgresql": ("ALTER TYPE address ADD ATTRIBUTE zip text",)},
        ("composite type address: attributes",),
        NO_DOMAINS,
    ),
    Feature(
        # One line: the constructor functions PostgreSQL makes with it are the type's own.
        "range type",
        scored(second_range=True),
        {"postgresql": (SECOND_RANGE,)},
        ("range type floatrange is in the database but not in the models",),
        NO_DOMAINS,
    ),
    Feature(
        "collation",
        scored(second_collation=True),
        {"postgresql": (SECOND_COLLATION,)},
        ("collation shop_posix is in the database but not in the models",),
        NO_COLLATIONS,
    ),
    Feature(
        "aggregate",
        scored(second_aggregate=True),
        {"postgresql": (SECOND_AGGREGATE,), "mysql": (MARIADB_AGGREGATE,)},
        {
            "postgresql": (
                "aggregate quantity_product(integer) is in the database but not in the models",
            ),
            "mysql": ("function quantity_product is in the database but not in the models",),
        },
        NO_AGGREGATES,
        notes={"mysql": AGGREGATE_AS_FUNCTION},
    ),
    Feature(
        "aggregate definition",
        scored(quantity_total_start=1),
        {
            "postgresql": (
                "DROP AGGREGATE quantity_total(integer)",
                "CREATE AGGREGATE quantity_total(integer)"
                " (sfunc = int4pl, stype = integer, initcond = '1')",
            )
        },
        ("aggregate quantity_total(integer): initial condition",),
        {"sqlite": NO_FUNCTIONS, "mysql": f"{AGGREGATE_AS_FUNCTION} (the function definition row)"},
    ),
    Feature(
        "operator",
        scored(second_operator=True),
        {"postgresql": (SECOND_OPERATOR,)},
        ("operator !==(integer, integer) is in the database but not in the models",),
        NO_OPERATORS,
    ),
    Feature(
        "view check option",
        scored(view_check_option=True),
        {
            "postgresql": ("ALTER VIEW big_orders SET (check_option=local)",),
            "mysql": (
                "ALTER VIEW big_orders AS SELECT id, customer_id FROM orders"
                " WHERE customer_id > 0 WITH LOCAL CHECK OPTION",
            ),
        },
        {"postgresql": ("view big_orders: options",), "mysql": ("view big_orders: check option",)},
        NO_VIEW_OPTIONS,
    ),
    Feature(
        "view security (invoker's rights)",
        scored(view_invoker=True),
        {
            "postgresql": ("ALTER VIEW big_orders SET (security_invoker=true)",),
            "mysql": (
                "ALTER SQL SECURITY INVOKER VIEW big_orders AS SELECT id, customer_id"
                " FROM orders WHERE customer_id > 0",
            ),
        },
        {"postgresql": ("view big_orders: options",), "mysql": ("view big_orders: sql security",)},
        NO_VIEW_OPTIONS,
    ),
    Feature(
        # One line: the shadow tables its module makes (notes_data, notes_idx...) are its own.
        "virtual table",
        scored(notes_search=True),
        {"sqlite": (NOTES_SEARCH,)},
        ("table notes is in the database but not in the models",),
        {
            "postgresql": "SQLite's only (a foreign table is a table)",
            "mysql": "SQLite's only",
        },
    ),
)
