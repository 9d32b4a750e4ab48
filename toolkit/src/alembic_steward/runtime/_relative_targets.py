"""The revision a relative step (`-r +1`, `-r -2`) reaches from a given revision.

A step counts from where each database is, so over tenants the same `-r +1` means a different
revision for each: advice to go on with a stopped or failed fan-out names that revision, or a
rerun would move a tenant that had already moved once more (runtime/_tenant_reruns.py). A step
counted from a named revision (`head-1`, `ae10+2`) is the same for every tenant: it stays.
"""

from __future__ import annotations

import re
from typing import Any

# A step counted from the database's own revision.
RELATIVE_STEP = re.compile(r"[+-]\d+")


def is_step_from_current(revision: str) -> bool:
    """Whether ``revision`` counts from the database's revision, so differs per database."""
    return RELATIVE_STEP.fullmatch(revision) is not None


class StepMissesOneRevision(Exception):
    """The step does not land on exactly one revision (a merge or a branch point on its way)."""


def reached_by_step(
    revision_map: Any, current: tuple[str, ...], revision: str, direction: str
) -> str:
    """The revision that ``revision``, a step of ``direction`` (upgrade or downgrade), reaches
    from ``current`` ("base" for none), read as Alembic's CLI reads it: no public function
    returns it. Raises Alembic's RevisionError for a step it cannot take, and
    StepMissesOneRevision."""
    if direction == "upgrade":
        reached = revision_map._parse_upgrade_target(current, revision, True)  # noqa: SLF001
        if len(reached) != 1 or reached[0] is None:
            raise StepMissesOneRevision(revision)
        return reached[0].revision
    _, target = revision_map._parse_downgrade_target(current, revision, True)  # noqa: SLF001
    return "base" if target is None else target.revision


def step_target(revision: str, before: str, direction: str) -> str | None:
    """The revision that ``revision``, a step of ``direction`` (upgrade or downgrade), reaches
    from ``before`` (a report's revisions: "base", "a,b"); None when ``before`` was not read
    or the step does not land on one revision."""
    from alembic_steward.runtime._tenant_runs import UNREAD, tenant_history

    if before in ("", UNREAD):
        return None
    current = () if before == "base" else tuple(before.split(","))
    try:
        return reached_by_step(tenant_history().revision_map, current, revision, direction)
    except Exception:  # noqa: BLE001 - a step Alembic cannot take: the run's row says why
        return None
