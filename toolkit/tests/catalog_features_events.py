"""Coverage rows for MariaDB's scheduled events, system versioning and page compression, and for
index comments (see catalog_features.py)."""

from __future__ import annotations

from catalog_feature import Feature
from catalog_shop_behaviour import BehaviourKnobs, code_index_statement, event_statement

NO_EVENTS = {
    "sqlite": "SQLite runs nothing by itself",
    "postgresql": "PostgreSQL has no scheduled events (pg_cron is an extension's own)",
}


def events(**knobs: object) -> dict[str, BehaviourKnobs]:
    return {"behaviour": BehaviourKnobs(**knobs)}  # type: ignore[arg-type]


EVENTS = (
    Feature(
        "event",
        events(second_event=True),
        {"mysql": (event_statement(name="orders_purge_again"),)},
        ("event orders_purge_again is in the database but not in the models",),
        NO_EVENTS,
    ),
    Feature(
        "event schedule",
        events(event_every="2 DAY"),
        {"mysql": ("ALTER EVENT orders_purge ON SCHEDULE EVERY 2 DAY",)},
        ("event orders_purge: schedule",),
        NO_EVENTS,
    ),
    Feature(
        "event enabled or disabled",
        events(event_enabled=False),
        {"mysql": ("ALTER EVENT orders_purge DISABLE",)},
        ("event orders_purge: status",),
        NO_EVENTS,
    ),
    Feature(
        "event on completion",
        events(event_preserve=True),
        {"mysql": ("ALTER EVENT orders_purge ON COMPLETION PRESERVE",)},
        ("event orders_purge: on completion",),
        NO_EVENTS,
    ),
    Feature(
        "event start (STARTS)",
        events(event_starts="'2031-01-01 03:00:00'"),
        {
            "mysql": (
                "ALTER EVENT orders_purge ON SCHEDULE EVERY 1 DAY STARTS '2031-01-01 03:00:00'",
            )
        },
        ("event orders_purge: starts",),
        NO_EVENTS,
    ),
    Feature(
        "event end (ENDS)",
        events(event_ends="CURRENT_TIMESTAMP + INTERVAL 1 WEEK"),
        {
            "mysql": (
                "ALTER EVENT orders_purge ON SCHEDULE EVERY 1 DAY"
                " STARTS CURRENT_TIMESTAMP + INTERVAL 1 HOUR ENDS '2031-01-01 03:00:00'",
            )
        },
        ("event orders_purge: ends",),
        NO_EVENTS,
    ),
    Feature(
        # Two facts: the schedule (EVERY, now AT) and the time.
        "event time (AT)",
        events(event_at="CURRENT_TIMESTAMP + INTERVAL 1 DAY"),
        {"mysql": ("ALTER EVENT orders_purge ON SCHEDULE AT '2031-01-01 03:00:00'",)},
        ("event orders_purge: at",),
        NO_EVENTS,
    ),
    Feature(
        "event body",
        events(event_cutoff="2001-01-01"),
        {
            "mysql": (
                "ALTER EVENT orders_purge DO DELETE FROM orders WHERE placed_at < '2001-01-01'",
            )
        },
        ("event orders_purge: definition",),
        NO_EVENTS,
    ),
    Feature(
        "system versioning",
        events(tags_versioned=True),
        {"mysql": ("ALTER TABLE tags ADD SYSTEM VERSIONING",)},
        ("table tags: system versioning",),
        {
            "sqlite": "SQLite keeps no history of rows",
            "postgresql": "PostgreSQL has no system-versioned tables",
        },
    ),
    Feature(
        "page compression",
        events(tags_page_compressed=True),
        {"mysql": ("ALTER TABLE tags PAGE_COMPRESSED=1",)},
        ("table tags: page compressed",),
        {
            "sqlite": "SQLite has no page compression",
            "postgresql": "PostgreSQL compresses values (TOAST), not pages, by itself",
        },
    ),
    Feature(
        "index comment",
        events(code_index_comment="by code"),
        {
            "postgresql": ("COMMENT ON INDEX ix_customers_code IS 'by code'",),
            "mysql": (code_index_statement("by code"),),
        },
        ("index customers.ix_customers_code: comment",),
        {"sqlite": "SQLite keeps no comments"},
    ),
)
