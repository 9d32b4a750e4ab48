"""The statement given to drop a hand-made dependent runs as written: PostgreSQL's trigger is
named without a schema, on its schema's table; MySQL's foreign key of an automatic name, which
the catalog keys by its definition, gets no statement but where to read its name."""

from __future__ import annotations

from alembic_steward.inspection._hand_made_dependents import (
    Dependent,
    dependents_advice,
    drop_statement,
)

AUTOMATIC = "FOREIGN KEY (c6) REFERENCES t(c6) ON UPDATE RESTRICT ON DELETE RESTRICT"


def test_a_postgresql_trigger_outside_the_default_schema_is_dropped_on_its_schemas_table() -> None:
    statement = drop_statement("postgresql", ("trigger", "hand", "t", "trg"))
    assert statement == "DROP TRIGGER trg ON hand.t"


def test_a_mysql_foreign_key_of_an_automatic_name_gets_where_to_read_its_name() -> None:
    key = ("foreign key", None, "users", AUTOMATIC)
    assert drop_statement("mysql", key) == ""
    assert drop_statement("mysql", ("foreign key", None, "users", "fk_hand")) == (
        "ALTER TABLE users DROP FOREIGN KEY fk_hand"
    )


def test_the_advice_says_where_an_unnamed_foreign_keys_name_is_read() -> None:
    from alembic_steward.inspection._hand_made_dependents import name_to_find

    find = name_to_find("mysql", ("foreign key", None, "users", AUTOMATIC))
    dependent = Dependent("foreign key of users references t.c6", "", ("t.c6",), find)
    advice = dependents_advice("at eeee00000001", (dependent,))
    assert "DROP FOREIGN KEY FOREIGN KEY" not in advice
    assert "`SHOW CREATE TABLE users` names the foreign key of users" in advice, advice
