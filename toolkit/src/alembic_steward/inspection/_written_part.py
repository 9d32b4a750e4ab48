"""What autogenerate's revision wrote of the differences the models need, found by running it
(inspection/_catalog_drift.py): listed as written, beside what is left to write by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Difference


def written_part(needed: list[Difference], left: list[Difference]) -> list[Difference]:
    """What of ``needed`` autogenerate's revision wrote: each difference not ``left`` after
    it ran, and of one left, the facts it did change (a table's comment written, its
    collation left to write by hand)."""
    from alembic_steward.catalog import Difference

    left_facts = {(d.kind, d.subject): {fact for fact, *_ in d.facts} for d in left}
    written = []
    for difference in needed:
        still = left_facts.get((difference.kind, difference.subject))
        if still is None:
            written.append(difference)
            continue
        done = tuple(fact for fact in difference.facts if fact[0] not in still)
        if difference.change == "different" and still and done:
            written.append(Difference(difference.kind, difference.subject, "different", done))
    return written
