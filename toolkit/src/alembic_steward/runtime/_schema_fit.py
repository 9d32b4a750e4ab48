"""Whether a release's code can run against a database, judged from the phases it recorded.

A database ahead of the code by expand revisions only still has everything the code uses
(expand revisions only add); one ahead by a contract revision may lack something. The
revisions the code has no file for are judged by the phases the database recorded when they
ran (runtime/_phase_records.py); a revision without a record is not judged (`UNKNOWN`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from alembic_steward.runtime._code_history import CodeHistory
from alembic_steward.runtime._phase_labels import CONTRACT, EXPAND

AT_HEAD = "at head"
AHEAD_BY_EXPAND = "ahead by expand revisions"
AHEAD_BY_CONTRACT = "ahead by contract revisions"
# Behind the code's head by contract revisions only: a rolling deploy between its expand step
# and its contract step, where this (new) code runs by the rule contract revisions follow.
BEHIND_BY_CONTRACT = "behind by contract revisions"
# At this code's head by the version table, whose head's upgrade() never ran here (moved ahead
# by hand, runtime/_unran_heads.py): its work is likely missing.
AHEAD_OF_RUNS = "recorded at head ahead of what ran"
# Revisions the code lacks, with no recorded phase or not on top of the code's head.
UNKNOWN = "unknown revisions"
# Behind the code, or on a branch of it: said by runtime/_up_to_date.py's diagnose.
ELSE = "behind or elsewhere"


@dataclass(frozen=True)
class SchemaFit:
    """How a database stands to a release's code; ``revisions`` names what decides it."""

    verdict: str
    revisions: list[str] = field(default_factory=list)
    # Whether the histories label revisions with phases at all: a team that never does is told
    # of revisions, not of contract ones (its unlabelled revisions count as contract all the same).
    phased: bool = True

    @property
    def runs(self) -> bool:
        """Whether that code can run against the database."""
        return self.verdict in (AT_HEAD, AHEAD_BY_EXPAND, BEHIND_BY_CONTRACT)


def schema_fit(
    history: CodeHistory, current: Collection[str], recorded: Mapping[str, str]
) -> SchemaFit:
    """Judge a database at ``current`` (its version table), with ``recorded`` phases, against
    ``history``, one release's revisions."""
    current = set(current)
    if current == set(history.heads) and len(history.heads) <= 1:
        return SchemaFit(AT_HEAD)
    unknown_current = current - history.revisions
    if not unknown_current:
        pending = history.pending(current)
        if (
            history.parents
            and len(history.heads) == 1
            and current
            and pending
            and all(
                # Labelled contract, not merely unlabelled: an unlabelled revision may add what
                # this code needs.
                history.labels.get(revision) == CONTRACT
                for revision in pending
            )
        ):
            return SchemaFit(BEHIND_BY_CONTRACT, sorted(pending))
        return SchemaFit(ELSE)
    ahead = set(recorded) - history.revisions
    unrecorded = sorted(unknown_current - ahead)
    if unrecorded:
        return SchemaFit(UNKNOWN, unrecorded)
    if not history.heads <= set(recorded) | current:
        # The code's head never ran here: the database went another way.
        return SchemaFit(UNKNOWN, sorted(unknown_current))
    contract = sorted(revision for revision in ahead if recorded[revision] != EXPAND)
    if contract:
        return SchemaFit(AHEAD_BY_CONTRACT, contract, phased=uses_phases(history, recorded))
    return SchemaFit(AHEAD_BY_EXPAND, sorted(ahead))


def uses_phases(history: CodeHistory, recorded: Mapping[str, str]) -> bool:
    """Whether a revision of ``history`` has a phase line, or the database recorded an expand
    revision (a newer release's, labelled): an unlabelled one is recorded as contract."""
    return any(history.labels.values()) or EXPAND in recorded.values()
