"""The schema the catalog tests build: a small shop holding one of every catalog feature each
database has, with knobs the feature table (catalog_features.py) turns to seed one fault.

`shop(dialect)` is the models as they should be; `shop(dialect, Knobs(name_length=80))` is
the same models with one thing changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog_shop_behaviour import BehaviourKnobs, behaviour_statements, tags
from catalog_shop_types import (
    MARIADB_AGGREGATE,
    NOTES_SEARCH,
    TypeKnobs,
    score_domain,
    type_statements,
)
from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    UniqueConstraint,
    event,
    func,
    text,
)

# Two collations each database has out of the box: the base one and a changed one.
COLLATIONS = {
    "sqlite": ("NOCASE", "RTRIM"),
    "postgresql": ("C", "POSIX"),
    "mysql": ("utf8mb4_bin", "utf8mb4_unicode_ci"),
}
OTHER_SCHEMA = "audit"


@dataclass(frozen=True)
class Knobs:
    """Each field is one fact of the shop's schema, at its base value."""

    placed_at_type: type = DateTime
    name_length: int = 50
    name_nullable: bool = False
    weight_scale: int = 2
    quantity_default: str = "0"
    other_code_collation: bool = False
    identity_always: bool = False
    # Above 1, so that a start lowered is seen on MariaDB too, whose counter is a floor.
    identity_start: int = 100
    autoincrement: bool = True
    total_expression: str = "price * quantity"
    total_stored: bool = True
    customers_comment: str = "people who order"
    name_comment: str = "as printed on invoices"
    customers_key_name: str = "pk_customers"
    line_key: tuple[str, ...] = ("order_id", "line")
    item_key_column: str = "item_id"
    item_key_target: str = "items"
    customer_key_name: str = "fk_orders_customer"
    customer_key_ondelete: str = "CASCADE"
    customer_key_onupdate: str | None = None
    email_unique: tuple[str, ...] = ("email",)
    email_unique_name: str = "uq_customers_email"
    quantity_check: str = "quantity >= 0"
    quantity_check_name: str = "ck_items_quantity"
    price_check: str = "price >= 0"
    weight_check: str = "weight < 1000"
    name_index: tuple[str, ...] = ("name",)
    name_index_name: str = "ix_items_name"
    name_function: str = "lower"
    stock_predicate: str = "quantity > 0"
    name_opclass: str = "varchar_pattern_ops"
    price_descending: bool = True
    code_index_unique: bool = True
    sequence_increment: int = 1
    # PostgreSQL: the column that owns invoice_numbers (ALTER SEQUENCE ... OWNED BY), and an
    # extension made (CREATE EXTENSION) beside the shop's objects.
    invoice_numbers_owner: str | None = None
    extension: str | None = None
    colors: tuple[str, ...] = ("red", "green")
    sizes: tuple[str, ...] = ("s", "m", "l")
    view_filter: str = "customer_id > 0"
    event_note_length: int = 100
    discontinued_column: bool = False
    coupons_table: bool = False
    trigger_event: str = "INSERT"
    trigger_floor: int = 0
    second_trigger: bool = False
    reports_schema: bool = False
    function_factor: int = 2
    second_function: bool = False
    restock_procedure: bool = False
    behaviour: BehaviourKnobs = BehaviourKnobs()
    types: TypeKnobs = TypeKnobs()


def shop(dialect: str, knobs: Knobs = Knobs()) -> MetaData:  # noqa: B008 (frozen)
    """The shop's models for ``dialect`` (sqlite, postgresql, mysql) with ``knobs``."""
    metadata = MetaData()
    customers(metadata, dialect, knobs)
    items(metadata, dialect, knobs)
    orders(metadata, dialect, knobs)
    if knobs.coupons_table:
        Table("coupons", metadata, Column("id", Integer, primary_key=True))
    if dialect != "sqlite":
        Sequence("invoice_numbers", increment=knobs.sequence_increment, metadata=metadata)
    if dialect == "postgresql":
        event.listen(metadata, "before_create", DDL(f"CREATE SCHEMA {OTHER_SCHEMA}"))
        for statement in postgresql_statements(knobs):
            event.listen(metadata, "after_create", DDL(statement))
        Table(
            "events",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("note", String(knobs.event_note_length)),
            schema=OTHER_SCHEMA,
        )
    event.listen(metadata, "after_create", DDL(view_statement(knobs, dialect)))
    if dialect == "postgresql":
        for statement in type_statements(knobs.types):
            event.listen(metadata, "after_create", DDL(statement))
    elif dialect == "mysql" and knobs.types.second_aggregate:
        event.listen(metadata, "after_create", DDL(MARIADB_AGGREGATE))
    elif dialect == "sqlite" and knobs.types.notes_search:
        event.listen(metadata, "after_create", DDL(NOTES_SEARCH))
    for statement in trigger_statements(dialect, knobs):
        event.listen(metadata, "after_create", DDL(statement))
    if knobs.reports_schema:
        event.listen(metadata, "after_create", DDL(f"CREATE SCHEMA {REPORTS_SCHEMA}"))
    for statement in function_statements(dialect, knobs):
        event.listen(metadata, "after_create", DDL(statement))
    if knobs.restock_procedure and dialect in PROCEDURES:
        event.listen(metadata, "after_create", DDL(PROCEDURES[dialect]))
    tags(metadata, dialect, knobs.behaviour)
    for statement in behaviour_statements(dialect, knobs.behaviour):
        event.listen(metadata, "after_create", DDL(statement))
    return metadata


def postgresql_statements(knobs: Knobs) -> list[str]:
    """The sequence owner and the extension ``knobs`` ask for."""
    statements = []
    if knobs.invoice_numbers_owner:
        statements.append(f"ALTER SEQUENCE invoice_numbers OWNED BY {knobs.invoice_numbers_owner}")
    if knobs.extension:
        statements.append(f"CREATE EXTENSION {knobs.extension}")
    return statements


REPORTS_SCHEMA = "reports"


def trigger_statements(
    dialect: str,
    knobs: Knobs = Knobs(),  # noqa: B008 (frozen)
    name: str = "items_floor",
) -> list[str]:
    """The shop's trigger (``name``: another one like it), as ``dialect`` writes it: a
    quantity below the floor is raised to it on INSERT (or the event the knobs say)."""
    triggers = [name] + (["items_floor_again"] if knobs.second_trigger else [])
    floor, event_ = knobs.trigger_floor, knobs.trigger_event
    if dialect == "postgresql":
        body = f"BEGIN NEW.quantity := greatest(NEW.quantity, {floor}); RETURN NEW; END"
        return [
            f"CREATE OR REPLACE FUNCTION items_floor() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ {body} $$",
            *(
                f"CREATE TRIGGER {trigger} BEFORE {event_} ON items"
                " FOR EACH ROW EXECUTE FUNCTION items_floor()"
                for trigger in triggers
            ),
        ]
    if dialect == "mysql":
        return [
            f"CREATE TRIGGER {trigger} BEFORE {event_} ON items"
            f" FOR EACH ROW SET NEW.quantity = GREATEST(NEW.quantity, {floor})"
            for trigger in triggers
        ]
    return [
        f"CREATE TRIGGER {trigger} AFTER {event_} ON items FOR EACH ROW"
        f" BEGIN UPDATE items SET quantity = max(quantity, {floor}) WHERE id = NEW.id; END"
        for trigger in triggers
    ]


def function_statements(
    dialect: str,
    knobs: Knobs = Knobs(),  # noqa: B008 (frozen)
    name: str = "scaled",
) -> list[str]:
    """The shop's stored function (``name``: another one like it), as ``dialect`` writes it: a
    quantity times the knobs' factor. SQLite keeps none (an application registers its own)."""
    functions = [name] + (["scaled_again"] if knobs.second_function else [])
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {function}(quantity integer) RETURNS integer"
            f" LANGUAGE sql IMMUTABLE AS $$ SELECT quantity * {knobs.function_factor} $$"
            for function in functions
        ]
    if dialect == "mysql":
        return [
            f"CREATE FUNCTION {function}(quantity INT) RETURNS INT DETERMINISTIC"
            f" RETURN quantity * {knobs.function_factor}"
            for function in functions
        ]
    return []


# A stored procedure each server keeps (SQLite keeps none).
PROCEDURES = {
    "postgresql": "CREATE PROCEDURE restock(amount integer) LANGUAGE sql"
    " AS $$ UPDATE items SET quantity = quantity + amount $$",
    "mysql": "CREATE PROCEDURE restock(IN amount INT)"
    " UPDATE items SET quantity = quantity + amount",
}


def view_statement(knobs: Knobs = Knobs(), dialect: str = "sqlite") -> str:  # noqa: B008 (frozen)
    """The shop's view, with the options the knobs give it as ``dialect`` writes them
    (PostgreSQL's WITH (security_invoker), MariaDB's SQL SECURITY INVOKER)."""
    invoker = knobs.types.view_invoker
    head = "CREATE SQL SECURITY INVOKER VIEW" if invoker and dialect == "mysql" else "CREATE VIEW"
    options = " WITH (security_invoker=true)" if invoker and dialect == "postgresql" else ""
    check = " WITH LOCAL CHECK OPTION" if knobs.types.view_check_option else ""
    query = f"SELECT id, customer_id FROM orders WHERE {knobs.view_filter}"
    return f"{head} big_orders{options} AS {query}{check}"


def customers(metadata: MetaData, dialect: str, knobs: Knobs) -> None:
    table = Table(
        "customers",
        metadata,
        Column("id", Integer),
        Column("email", String(120), nullable=False),
        Column("name", String(50), nullable=False, comment=knobs.name_comment),
        Column("code", String(20, collation=COLLATIONS[dialect][knobs.other_code_collation])),
        PrimaryKeyConstraint("id", name=knobs.customers_key_name),
        UniqueConstraint(*knobs.email_unique, name=knobs.email_unique_name),
        comment=knobs.customers_comment,
    )
    Index("ix_customers_code", table.c.code, unique=knobs.code_index_unique)


def items(metadata: MetaData, dialect: str, knobs: Knobs) -> None:
    table = Table(
        "items",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(knobs.name_length), nullable=knobs.name_nullable),
        Column("price", Numeric(10, 2), CheckConstraint(knobs.price_check)),
        Column("weight", Numeric(6, knobs.weight_scale)),
        Column("quantity", Integer, nullable=False, server_default=knobs.quantity_default),
        Column(
            "total", Numeric(12, 2), Computed(knobs.total_expression, persisted=knobs.total_stored)
        ),
        Column("color", Enum(*knobs.colors, name="color")),
        Column(
            "size", Enum(*knobs.sizes, name="item_size", native_enum=False, create_constraint=True)
        ),
        CheckConstraint(knobs.quantity_check, name=knobs.quantity_check_name),
        CheckConstraint(knobs.weight_check),
    )
    if knobs.discontinued_column:
        table.append_column(Column("discontinued", Date))
    Index(knobs.name_index_name, *(table.c[name] for name in knobs.name_index))
    Index("ix_items_price", table.c.price.desc() if knobs.price_descending else table.c.price)
    if dialect != "mysql":  # MariaDB indexes neither expressions nor a part of the rows
        Index("ix_items_name_call", getattr(func, knobs.name_function)(table.c.name))
        predicate = text(knobs.stock_predicate)
        Index(
            "ix_items_in_stock",
            table.c.quantity,
            sqlite_where=predicate,
            postgresql_where=predicate,
        )
    if dialect == "postgresql":
        opclass = {"name": knobs.name_opclass}
        Index("ix_items_name_pattern", table.c.name, postgresql_ops=opclass)
        table.append_column(Column("score", score_domain(knobs.types)))


def orders(metadata: MetaData, dialect: str, knobs: Knobs) -> None:
    identity = Identity(always=knobs.identity_always, start=knobs.identity_start)
    Table(
        "orders",
        metadata,
        Column(
            "id",
            Integer,
            *([identity] if dialect == "postgresql" else []),
            primary_key=True,
            # Identity is PostgreSQL's autoincrement, and refuses the flag.
            autoincrement="auto" if dialect == "postgresql" else knobs.autoincrement,
        ),
        Column("customer_id", Integer, nullable=False),
        Column("placed_at", knobs.placed_at_type),
        ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=knobs.customer_key_name,
            ondelete=knobs.customer_key_ondelete,
            onupdate=knobs.customer_key_onupdate,
        ),
        # Also the index MariaDB's foreign key on customer_id needs, so it makes none of its own.
        UniqueConstraint("customer_id", "placed_at", name="uq_orders_customer_placed"),
        sqlite_autoincrement=knobs.autoincrement,
        # MariaDB's form of the identity's start (inspection/_models_catalog.py writes the
        # models' Identity(start=...) so): the table's counter, a floor its next id is read as.
        **({"mysql_auto_increment": str(knobs.identity_start)} if dialect == "mysql" else {}),
    )
    Table(
        "order_lines",
        metadata,
        Column("order_id", Integer, nullable=False),
        Column("line", Integer, nullable=False),
        Column("item_id", Integer, nullable=False),
        Column("substitute_id", Integer),
        PrimaryKeyConstraint(*knobs.line_key, name="pk_order_lines"),
        ForeignKeyConstraint(["order_id"], ["orders.id"]),  # unnamed: MariaDB numbers it
        ForeignKeyConstraint(
            [knobs.item_key_column], [f"{knobs.item_key_target}.id"], name="fk_order_lines_item"
        ),
        ForeignKeyConstraint(["substitute_id"], ["items.id"]),
        Index("ix_order_lines_item", "item_id"),
        Index("ix_order_lines_substitute", "substitute_id"),
        prefixes=["UNLOGGED"] if knobs.behaviour.unlogged_lines else [],
    )
