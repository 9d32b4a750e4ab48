"""Lines and advice say what they mean on the database they are read about: no PostgreSQL
remark on MariaDB, no "none" for a collation the models may well have named, and every part of
a table autogenerate wrote listed even when another part of it is left to write by hand."""

from __future__ import annotations

import sqlalchemy as sa

from alembic_steward.catalog import Difference


def with_sequence_column() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "invoices",
        metadata,
        sa.Column("id", sa.Integer, sa.Sequence("invoice_numbers"), primary_key=True),
    )
    return metadata


def test_a_sequence_column_s_advice_speaks_of_the_database_it_is_for() -> None:
    from alembic_steward.inspection._by_hand import by_hand_line

    missing = Difference("sequence", "invoice_numbers", "missing")
    on_mariadb = by_hand_line(missing, with_sequence_column(), dialect="mysql")
    assert "give column id its sequence" in on_mariadb, on_mariadb
    assert "PostgreSQL" not in on_mariadb and "SERIAL" not in on_mariadb, on_mariadb
    on_postgresql = by_hand_line(missing, with_sequence_column(), dialect="postgresql")
    assert "(PostgreSQL would make it a SERIAL of its own)" in on_postgresql, on_postgresql


def test_a_collation_left_out_reads_as_the_default_not_none() -> None:
    table = Difference("table", "customers", "different", (("collation", None, "utf8mb4_bin"),))
    assert table.line() == (
        "table customers: collation the database's default in the models,"
        " utf8mb4_bin in the database"
    )
    column = Difference("column", "customers.code", "different", (("collation", "C", None),))
    assert (
        column.line()
        == "column customers.code: collation C in the models, the default in the database"
    )


def test_what_autogenerate_wrote_of_a_table_is_listed_beside_what_is_left_by_hand() -> None:
    from alembic_steward.inspection._written_part import written_part

    needed = [
        Difference(
            "table",
            "customers",
            "different",
            (("collation", "utf8mb4_bin", None), ("comment", "people", None)),
        ),
        Difference("column", "customers.name", "missing"),
    ]
    left = [Difference("table", "customers", "different", (("collation", "utf8mb4_bin", None),))]
    assert [d.line() for d in written_part(needed, left)] == [
        "table customers: comment people in the models, none in the database",
        "column customers.name is in the models but not in the database",
    ]
