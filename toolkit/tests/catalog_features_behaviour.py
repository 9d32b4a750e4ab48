"""Coverage rows for how a table behaves beyond its columns and keys: row level security,
policies, rules, unlogged and STRICT or WITHOUT ROWID tables, a table's engine (see
catalog_features.py)."""

from __future__ import annotations

from catalog_feature import Feature, Rebuild
from catalog_shop_behaviour import BehaviourKnobs, policy_statement, rule_statement

NO_ROW_SECURITY = "MariaDB has no row level security"
NO_RULES = "MariaDB has no rewrite rules"
SQLITE_ONLY = "SQLite's only"
SQLITE_NO_INHERITANCE = "SQLite has no table inheritance"
POSTGRESQL_ONLY = {"sqlite": "SQLite has no users to keep rows from", "mysql": NO_ROW_SECURITY}
DROP_POLICY = "DROP POLICY orders_by_customer ON orders"


def behaviour(**knobs: object) -> dict[str, BehaviourKnobs]:
    return {"behaviour": BehaviourKnobs(**knobs)}  # type: ignore[arg-type]


def changed_policy(**knobs: object) -> tuple[str, str]:
    changed = BehaviourKnobs(**knobs)  # type: ignore[arg-type]
    kind = "PERMISSIVE" if changed.policy_permissive else "RESTRICTIVE"
    return (DROP_POLICY, policy_statement(changed, kind))


BEHAVIOUR = (
    Feature(
        "row level security",
        behaviour(row_security_tables=("orders", "customers")),
        {"postgresql": ("ALTER TABLE customers ENABLE ROW LEVEL SECURITY",)},
        ("table customers: row level security",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "row level security forced on the table's owner",
        behaviour(row_security_forced=True),
        {"postgresql": ("ALTER TABLE orders FORCE ROW LEVEL SECURITY",)},
        ("table orders: row level security",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy",
        behaviour(second_policy=True),
        {"postgresql": (policy_statement(name="orders_again"),)},
        ("policy orders.orders_again is in the database but not in the models",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy USING expression",
        behaviour(policy_using="customer_id > 1"),
        {"postgresql": ("ALTER POLICY orders_by_customer ON orders USING (customer_id > 1)",)},
        ("policy orders.orders_by_customer: using",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy WITH CHECK expression",
        behaviour(policy_check="customer_id < 500"),
        {
            "postgresql": (
                "ALTER POLICY orders_by_customer ON orders WITH CHECK (customer_id < 500)",
            )
        },
        ("policy orders.orders_by_customer: with check",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy command",
        behaviour(policy_command="UPDATE"),
        {"postgresql": changed_policy(policy_command="UPDATE")},
        ("policy orders.orders_by_customer: command",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy roles",
        behaviour(policy_roles="pg_monitor"),
        {"postgresql": ("ALTER POLICY orders_by_customer ON orders TO pg_monitor",)},
        ("policy orders.orders_by_customer: roles",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "policy permissive or restrictive",
        behaviour(policy_permissive=False),
        {"postgresql": changed_policy(policy_permissive=False)},
        ("policy orders.orders_by_customer: permissive",),
        POSTGRESQL_ONLY,
    ),
    Feature(
        "rule",
        behaviour(second_rule=True),
        {"postgresql": (rule_statement(name="order_lines_kept_again"),)},
        ("rule order_lines.order_lines_kept_again is in the database but not in the models",),
        {"sqlite": "SQLite has no rewrite rules", "mysql": NO_RULES},
    ),
    Feature(
        "rule action",
        behaviour(rule_action="NOTIFY order_lines_deleted"),
        {
            "postgresql": (
                rule_statement("NOTIFY order_lines_deleted").replace(
                    "CREATE RULE", "CREATE OR REPLACE RULE"
                ),
            )
        },
        ("rule order_lines.order_lines_kept: definition",),
        {"sqlite": "SQLite has no rewrite rules", "mysql": NO_RULES},
    ),
    Feature(
        "unlogged table",
        behaviour(unlogged_lines=True),
        {"postgresql": ("ALTER TABLE order_lines SET UNLOGGED",)},
        ("table order_lines: persistence",),
        {
            "sqlite": "SQLite journals every table of a database alike",
            "mysql": "MariaDB's nearest, a table's engine, is its own row",
        },
    ),
    Feature(
        "table inheritance",
        behaviour(tags_inherit=True),
        {"postgresql": ("ALTER TABLE tags INHERIT tag_roots",)},
        ("table tags: inherits",),
        {"sqlite": SQLITE_NO_INHERITANCE, "mysql": "MariaDB has no table inheritance"},
    ),
    Feature(
        "table storage parameters",
        behaviour(tags_fillfactor=70),
        {"postgresql": ("ALTER TABLE tags SET (fillfactor=70)",)},
        ("table tags: storage parameters",),
        {
            "sqlite": "SQLite has no storage parameters",
            "mysql": "MariaDB's table options are its engine and row format, rows of their own",
        },
    ),
    Feature(
        "replica identity",
        behaviour(tags_replica_full=True),
        {"postgresql": ("ALTER TABLE tags REPLICA IDENTITY FULL",)},
        ("table tags: replica identity",),
        {
            "sqlite": "SQLite has no logical replication",
            "mysql": "MariaDB's binary log has no per-table row identity setting",
        },
    ),
    Feature(
        "row format",
        behaviour(tags_row_format="REDUNDANT"),
        {"mysql": ("ALTER TABLE tags ROW_FORMAT=REDUNDANT",)},
        ("table tags: row format",),
        {"sqlite": "SQLite has one row format", "postgresql": "PostgreSQL has one row format"},
    ),
    Feature(
        "key block size (compressed pages)",
        behaviour(tags_key_block_size=4),
        {"mysql": ("ALTER TABLE tags KEY_BLOCK_SIZE=4",)},
        ("table tags: key block size",),
        {"sqlite": "SQLite has one page size", "postgresql": "PostgreSQL has one page size"},
    ),
    Feature(
        "max rows",
        behaviour(tags_max_rows=1000),
        {"mysql": ("ALTER TABLE tags MAX_ROWS=1000",)},
        ("table tags: max rows",),
        {
            "sqlite": "SQLite sizes no row pointers by a table option",
            "postgresql": "PostgreSQL sizes no row pointers by a table option",
        },
    ),
    Feature(
        "invisible column",
        behaviour(tags_label_invisible=True),
        {"mysql": ("ALTER TABLE tags MODIFY label TEXT INVISIBLE",)},
        ("column tags.label: invisible",),
        {
            "sqlite": "SQLite's hidden columns are a virtual table's only",
            "postgresql": "PostgreSQL has no invisible columns",
        },
    ),
    Feature(
        "ignored index",
        behaviour(price_index_ignored=True),
        {"mysql": ("ALTER TABLE items ALTER INDEX ix_items_price IGNORED",)},
        ("index items.ix_items_price: ignored by the optimizer",),
        {
            "sqlite": "SQLite's planner uses every index",
            "postgresql": "PostgreSQL's planner uses every valid index",
        },
    ),
    Feature(
        "partition key",
        behaviour(tags_partitioned=True),
        {
            "postgresql": (
                "DROP TABLE tags",
                "CREATE TABLE tags (id serial, label text, PRIMARY KEY (id))"
                " PARTITION BY RANGE (id)",
            )
        },
        ("table tags: partitioned by",),
        {
            "sqlite": "SQLite has no partitioned tables",
            "mysql": "not yet described: MariaDB's PARTITION BY",
        },
    ),
    Feature(
        "table engine",
        behaviour(tags_engine="MyISAM"),
        {"mysql": ("ALTER TABLE tags ENGINE = MyISAM",)},
        ("table tags: engine",),
        {
            "sqlite": "SQLite has one storage engine",
            "postgresql": "PostgreSQL has one table storage",
        },
    ),
    Feature(
        "STRICT table",
        behaviour(tags_strict=True),
        {"sqlite": (Rebuild("tags", "PRIMARY KEY (id)\n)", "PRIMARY KEY (id)\n) STRICT"),)},
        ("table tags: strict",),
        {"postgresql": SQLITE_ONLY, "mysql": SQLITE_ONLY},
    ),
    Feature(
        "WITHOUT ROWID table",
        behaviour(tags_without_rowid=True),
        {"sqlite": (Rebuild("tags", "PRIMARY KEY (id)\n)", "PRIMARY KEY (id)\n) WITHOUT ROWID"),)},
        ("table tags: without rowid",),
        {"postgresql": SQLITE_ONLY, "mysql": SQLITE_ONLY},
    ),
)
