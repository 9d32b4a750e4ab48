"""A sequence the models changed is altered, not created: the by-hand line for it gives the
ALTER SEQUENCE of each option that differs (CreateSequence fails, the sequence being there)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from servers import ServerDatabase, only_on


def with_counter(**options: int) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Sequence("counter", metadata=metadata, **options)
    return metadata


def sequence_differences(want, have) -> list:
    from alembic_steward.catalog import compare_catalogs

    return [d for d in compare_catalogs(want, have) if d.kind == "sequence"]


@only_on("postgresql", "mysql", why="SQLite has no sequences")
def test_a_changed_sequence_is_advised_as_alter_sequence_that_runs_both_ways(
    database: ServerDatabase,
) -> None:
    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._by_hand import by_hand_line

    old = with_counter(start=1)
    models = with_counter(start=100, increment=5)
    engine = sa.create_engine(database.url)
    try:
        catalogs = {}
        for name, metadata in (("models", models), ("old", old)):
            with engine.begin() as connection:
                metadata.drop_all(connection)
                metadata.create_all(connection)
                catalogs[name] = describe_catalog(connection)
        (changed,) = sequence_differences(catalogs["models"], catalogs["old"])
        line = by_hand_line(changed, models, dialect=engine.dialect.name)
        assert "CreateSequence" not in line, line
        upgrade, downgrade = re.findall(r"`(op\.execute\([^`]*\))`", line)
        for call, target in ((upgrade, "models"), (downgrade, "old")):
            with engine.begin() as connection:
                connection.exec_driver_sql(re.fullmatch(r'op\.execute\("(.*)"\)', call)[1])
                now = describe_catalog(connection)
            assert sequence_differences(catalogs[target], now) == [], (line, target)
    finally:
        with engine.begin() as connection:
            old.drop_all(connection)
        engine.dispose()
