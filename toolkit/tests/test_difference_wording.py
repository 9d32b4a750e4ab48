"""Lines that name a difference read as what each side holds: a fact a side leaves out reads
as what that means, and each side is named for what it is."""

from __future__ import annotations


def test_a_valid_index_reads_as_valid_beside_an_invalid_one() -> None:
    # "valid none in what its revision builds": the build's index is valid, not "none".
    from alembic_steward.catalog import Difference

    left = "no (a failed CREATE INDEX CONCURRENTLY left it)"
    invalid = Difference("index", "ix_items_code", "different", (("valid", None, left),))
    line = invalid.line("what its revision builds", "the database")
    assert f"valid yes in what its revision builds, {left} in the database" in line, line


def test_a_by_hand_line_names_what_the_migrations_build_not_what_autogenerate_writes() -> None:
    # A collation autogenerate never writes was "in what autogenerate writes", where the side
    # is what the migrations build, with the revision autogenerate writes.
    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    facts = (("collation", '"C"', None),)
    changed = Difference("column", "misc.lvl2", "different", facts)
    line = by_hand_line(changed, dialect="postgresql")
    assert "what autogenerate writes" not in line, line
    assert "in the models, the default in what the migrations build" in line, line
