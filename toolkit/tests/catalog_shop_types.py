"""The shop's PostgreSQL objects beyond tables, views, sequences, enum types and routines: a
domain (a column of items takes it), a composite type, a range type, a collation, an aggregate
and an operator, with knobs the coverage rows of catalog_features_types.py turn."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer
from sqlalchemy.dialects.postgresql import DOMAIN


@dataclass(frozen=True)
class TypeKnobs:
    """Each field is one fact of the shop's PostgreSQL objects, at its base value."""

    score_check: str = "VALUE >= 0"
    score_not_null: bool = False
    score_default: str | None = None
    address_attributes: str = "street text, city varchar(40)"
    second_range: bool = False
    second_collation: bool = False
    quantity_total_start: int = 0
    second_aggregate: bool = False
    second_operator: bool = False
    # The shop's view (catalog_shop.view_statement), on PostgreSQL and MariaDB.
    view_check_option: bool = False
    view_invoker: bool = False
    # SQLite's full-text search table (with the shadow tables its module makes).
    notes_search: bool = False


def score_domain(knobs: TypeKnobs) -> DOMAIN:
    """The domain items.score takes: made with its table by the models (SQLAlchemy's DOMAIN)."""
    return DOMAIN(
        "score_t",
        Integer,
        check=knobs.score_check,
        not_null=knobs.score_not_null,
        default=knobs.score_default,
    )


def type_statements(knobs: TypeKnobs = TypeKnobs()) -> list[str]:  # noqa: B008 (frozen)
    """What only a statement of its own makes (a revision's op.execute, or a models' listener)."""
    statements = [
        f"CREATE TYPE address AS ({knobs.address_attributes})",
        "CREATE TYPE weight_range AS RANGE (subtype = numeric)",
        "CREATE COLLATION shop_c (locale = 'C')",
        "CREATE AGGREGATE quantity_total(integer)"
        f" (sfunc = int4pl, stype = integer, initcond = '{knobs.quantity_total_start}')",
        "CREATE OPERATOR === (leftarg = integer, rightarg = integer, function = int4eq)",
    ]
    if knobs.second_range:
        statements.append(SECOND_RANGE)
    if knobs.second_collation:
        statements.append(SECOND_COLLATION)
    if knobs.second_aggregate:
        statements.append(SECOND_AGGREGATE)
    if knobs.second_operator:
        statements.append(SECOND_OPERATOR)
    return statements


# Another of each, as a team member would type it by hand.
SECOND_RANGE = "CREATE TYPE floatrange AS RANGE (subtype = float8)"
SECOND_COLLATION = "CREATE COLLATION shop_posix (locale = 'POSIX')"
SECOND_AGGREGATE = (
    "CREATE AGGREGATE quantity_product(integer) (sfunc = int4mul, stype = integer, initcond = '1')"
)
NOTES_SEARCH = "CREATE VIRTUAL TABLE notes USING fts5(body)"
# MariaDB's stored aggregate: a stored function, read as one.
MARIADB_AGGREGATE = (
    "CREATE AGGREGATE FUNCTION quantity_product(x INT) RETURNS INT BEGIN"
    " DECLARE p INT DEFAULT 1; DECLARE CONTINUE HANDLER FOR NOT FOUND RETURN p;"
    " LOOP FETCH GROUP NEXT ROW; SET p = p * x; END LOOP; END"
)
SECOND_OPERATOR = "CREATE OPERATOR !== (leftarg = integer, rightarg = integer, function = int4ne)"
