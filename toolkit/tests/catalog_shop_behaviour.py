"""What the shop's tables do beyond their columns and keys: on PostgreSQL row level security,
policies, a rule and an unlogged table; on SQLite a STRICT or WITHOUT ROWID table. The coverage
rows of catalog_features_behaviour.py turn these knobs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, Table, Text


@dataclass(frozen=True)
class BehaviourKnobs:
    """Each field is one fact of how the shop's tables behave, at its base value."""

    row_security_tables: tuple[str, ...] = ("orders",)
    row_security_forced: bool = False
    policy_using: str = "customer_id > 0"
    policy_check: str = "customer_id < 1000"
    policy_command: str = "ALL"
    policy_roles: str = "PUBLIC"
    policy_permissive: bool = True
    second_policy: bool = False
    rule_action: str = "NOTHING"
    second_rule: bool = False
    unlogged_lines: bool = False
    tags_strict: bool = False
    tags_without_rowid: bool = False
    tags_engine: str | None = None
    tags_inherit: bool = False
    tags_partitioned: bool = False
    tags_fillfactor: int | None = None
    tags_replica_full: bool = False
    tags_row_format: str | None = None
    tags_key_block_size: int | None = None
    tags_max_rows: int | None = None
    tags_label_invisible: bool = False
    price_index_ignored: bool = False
    event_every: str = "1 DAY"
    event_enabled: bool = True
    event_preserve: bool = False
    event_cutoff: str = "2000-01-01"
    # Written relative to now, as a revision would: two builds made at other moments agree.
    event_starts: str = "CURRENT_TIMESTAMP + INTERVAL 1 HOUR"
    event_ends: str | None = None
    event_at: str | None = None  # a one-time event, instead of EVERY event_every
    second_event: bool = False
    tags_versioned: bool = False
    tags_page_compressed: bool = False
    code_index_comment: str | None = None


def behaviour_statements(dialect: str, knobs: BehaviourKnobs = BehaviourKnobs()) -> list[str]:  # noqa: B008 (frozen)
    """The statements that give the shop's tables their behaviour (a revision's op.execute, or
    a models' DDL listener): PostgreSQL's (an index comment too), and MariaDB's invisible column
    and ignored index."""
    if dialect == "mysql":
        return mariadb_statements(knobs)
    if dialect != "postgresql":
        return []
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY" for table in knobs.row_security_tables
    ]
    if knobs.row_security_forced:
        statements.append("ALTER TABLE orders FORCE ROW LEVEL SECURITY")
    kind = "PERMISSIVE" if knobs.policy_permissive else "RESTRICTIVE"
    statements.append(policy_statement(knobs, kind))
    if knobs.second_policy:
        statements.append(policy_statement(knobs, kind, "orders_again"))
    if knobs.tags_inherit:
        statements.append("ALTER TABLE tags INHERIT tag_roots")
    if knobs.tags_replica_full:
        statements.append("ALTER TABLE tags REPLICA IDENTITY FULL")
    if knobs.code_index_comment:
        statements.append(f"COMMENT ON INDEX ix_customers_code IS '{knobs.code_index_comment}'")
    statements.append(rule_statement(knobs.rule_action))
    if knobs.second_rule:
        statements.append(rule_statement(knobs.rule_action, "order_lines_kept_again"))
    return statements


def mariadb_statements(knobs: BehaviourKnobs) -> list[str]:
    """What only a statement of its own makes on MariaDB (SQLAlchemy declares neither)."""
    statements = (
        ["ALTER TABLE tags MODIFY label TEXT INVISIBLE"] if knobs.tags_label_invisible else []
    )
    if knobs.price_index_ignored:
        statements.append("ALTER TABLE items ALTER INDEX ix_items_price IGNORED")
    if knobs.tags_versioned:
        statements.append("ALTER TABLE tags ADD SYSTEM VERSIONING")
    if knobs.tags_page_compressed:
        statements.append("ALTER TABLE tags PAGE_COMPRESSED=1")
    if knobs.code_index_comment:
        statements.append(code_index_statement(knobs.code_index_comment))
    statements.append(event_statement(knobs))
    if knobs.second_event:
        statements.append(event_statement(knobs, "orders_purge_again"))
    return statements


def code_index_statement(comment: str) -> str:
    """MariaDB's index comment, which SQLAlchemy cannot declare: the index made again with it."""
    return (
        "ALTER TABLE customers DROP INDEX ix_customers_code,"
        f" ADD UNIQUE INDEX ix_customers_code (code) COMMENT '{comment}'"
    )


def event_statement(
    knobs: BehaviourKnobs = BehaviourKnobs(),  # noqa: B008 (frozen)
    name: str = "orders_purge",
) -> str:
    """MariaDB's scheduled event: old orders deleted on a schedule."""
    completion = "PRESERVE" if knobs.event_preserve else "NOT PRESERVE"
    status = "ENABLE" if knobs.event_enabled else "DISABLE"
    ends = f" ENDS {knobs.event_ends}" if knobs.event_ends else ""
    schedule = f"EVERY {knobs.event_every} STARTS {knobs.event_starts}{ends}"
    return (
        f"CREATE EVENT {name} ON SCHEDULE {f'AT {knobs.event_at}' if knobs.event_at else schedule}"
        f" ON COMPLETION {completion} {status}"
        f" DO DELETE FROM orders WHERE placed_at < '{knobs.event_cutoff}'"
    )


def policy_statement(
    knobs: BehaviourKnobs = BehaviourKnobs(),  # noqa: B008 (frozen)
    kind: str = "PERMISSIVE",
    name: str = "orders_by_customer",
) -> str:
    check = f" WITH CHECK ({knobs.policy_check})" if knobs.policy_command != "SELECT" else ""
    return (
        f"CREATE POLICY {name} ON orders AS {kind} FOR {knobs.policy_command}"
        f" TO {knobs.policy_roles} USING ({knobs.policy_using}){check}"
    )


def rule_statement(action: str = "NOTHING", name: str = "order_lines_kept") -> str:
    return f"CREATE RULE {name} AS ON DELETE TO order_lines DO INSTEAD {action}"


def tags(metadata: MetaData, dialect: str, knobs: BehaviourKnobs) -> None:
    """A table whose types SQLite's STRICT accepts, to make it STRICT or WITHOUT ROWID (or, on
    MariaDB, of another ENGINE)."""
    options: dict[str, object] = {"sqlite_strict": True} if knobs.tags_strict else {}
    if knobs.tags_without_rowid:
        options["sqlite_with_rowid"] = False
    if knobs.tags_partitioned and dialect == "postgresql":
        options["postgresql_partition_by"] = "RANGE (id)"
    if knobs.tags_engine and dialect == "mysql":
        options["mysql_engine"] = knobs.tags_engine
    if knobs.tags_row_format and dialect == "mysql":
        options["mysql_row_format"] = knobs.tags_row_format
    if knobs.tags_key_block_size and dialect == "mysql":
        options["mysql_key_block_size"] = str(knobs.tags_key_block_size)
    if knobs.tags_max_rows and dialect == "mysql":
        options["mysql_max_rows"] = str(knobs.tags_max_rows)
    if knobs.tags_fillfactor and dialect == "postgresql":
        if not accepts_storage_parameters():
            pytest.skip(f"SQLAlchemy {sqlalchemy.__version__} has no postgresql_with (2.1 has)")
        options["postgresql_with"] = {"fillfactor": knobs.tags_fillfactor}
    # A table tags could inherit from (PostgreSQL), its columns alike.
    Table("tag_roots", metadata, Column("id", Integer, nullable=False), Column("label", Text))
    Table(
        "tags",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("label", Text),
        **options,
    )


def accepts_storage_parameters() -> bool:
    """Whether this SQLAlchemy takes a table's `postgresql_with` (2.1 does; 2.0 refuses it)."""
    from sqlalchemy.dialects.postgresql.base import PGDialect

    table_arguments = dict(PGDialect.construct_arguments).get(Table, {})
    return "with" in table_arguments
