"""Values added by hand to PostgreSQL's enum types, and the advice that works for them.

PostgreSQL has no ALTER TYPE ... DROP VALUE, so the usual advice for a hand change (stamp the
revision that really ran, or undo the change) cannot apply: the value is kept, by a revision,
or the type is rebuilt without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Difference


def enum_values_alone_advice(where: str, values: Sequence[str]) -> str:
    """The whole advice when values added to enum types are every difference: no stamp
    explains an added value, and no hand change can undo one, so neither is advised."""
    return (
        f"the database is not what its revision builds {where}: value(s) were added to its enum"
        f" type(s) by hand; {enum_values_advice(values)}"
    )


def enum_values_advice(values: Sequence[str]) -> str:
    """What works for enum values added by hand: PostgreSQL has no ALTER TYPE ... DROP VALUE."""
    from alembic_steward.inspection._enum_value_revision import (
        add_values_code,
        irreversible_downgrade,
    )

    named = ", ".join(values)
    return (
        f"PostgreSQL cannot drop an enum value ({named}), so keep it: write a revision that"
        f" adds it (`{add_values_code(values)}` as its upgrade(), {irreversible_downgrade()})"
        " and add it to the models, then upgrade; or, to be rid of it,"
        " recreate the type without it in a revision (a new type, each column altered to it"
        " USING column::text::new_type, the old type dropped, the new one renamed)"
    )


def enum_values_only(differences: Sequence[Difference]) -> bool:
    """Whether every one of ``differences`` is an enum type that gained values (and lost none):
    then the enum's advice is the whole advice (:func:`enum_values_alone_advice`)."""
    return bool(differences) and all(
        [fact for fact, _built, _live in difference.facts] == ["values"]
        and enum_values_added([difference])
        for difference in differences
    )


def enum_values_added(differences: Sequence[Difference]) -> list[str]:
    """`mood 'meh'`: the values the database's enum types have that its revision does not
    build, where that is how they differ (PostgreSQL's catalog names enum types); one added
    before a value the revision builds says so (`level 'mid' BEFORE 'high'`), as ADD VALUE
    without it appends, and the order would still differ."""
    added = []
    for difference in differences:
        if difference.kind != "enum type" or difference.change != "different":
            continue
        for fact, built, live in difference.facts:
            built_values, live_values = labels(built), labels(live)
            extra = [value for value in live_values if value not in built_values]
            if fact == "values" and extra and set(built_values) <= set(live_values):
                added += [
                    f"{difference.subject} {value}{place(value, live_values, built_values)}"
                    for value in extra
                ]
    return added


def place(value: str, live: list[str], built: list[str]) -> str:
    """Where ``value`` goes among the ``built`` values to stand where the ``live`` type has it:
    ` BEFORE 'next'`, the first built value after it, or nothing at the end. Added in the live
    order, values added side by side each go before the same one, and keep their order."""
    after = live[live.index(value) + 1 :]
    following = next((label for label in after if label in built), None)
    return f" BEFORE {following}" if following else ""


def labels(values: str | None) -> list[str]:
    """The quoted labels of an enum type's description: `'a', 'b'` -> ["'a'", "'b'"]."""
    return [label for label in (values or "").split(", ") if label]
