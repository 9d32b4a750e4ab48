"""The stairway's sample row keys stay within what a small integer key holds, and differ from
row to row for as many rows as the range holds."""

from __future__ import annotations

import pytest

from alembic_steward.testing._sample_rows import sample_key


@pytest.mark.parametrize(("type_name", "high"), [("TINYINT", 127), ("SMALLINT", 32_767)])
def test_a_small_integer_keys_sample_values_stay_within_its_range_and_differ(
    type_name: str, high: int
) -> None:
    keys = [sample_key(type_name, number) for number in range(1, 5_000)]
    assert max(keys) <= high
    window = len(set(keys))
    assert all(len(set(keys[i : i + window])) == window for i in range(0, len(keys) - window))
    assert min(keys) >= 100  # above the ids a seed revision writes
