"""What to do about a trigger, routine, event or view that fails (inspection/_broken_routines.py
finds them), by who made it.

One made by hand is dropped by hand: the statements that drop it. One that a revision made is
the revisions' own: its build (status's scratch database) makes it again, broken, so a hand
drop would leave the database short of what its revision builds, and status would then advise
making it again. Its way out is a new revision that drops it (`DROP ... IF EXISTS`: it works
whether or not a hand already dropped it) or makes it again without what is gone; the
database then matches its build. The upgrade's warning and status say the same
(docs/decisions.md: "A broken object a revision made is dropped by a new revision").

A PostgreSQL trigger's DROP TRIGGER leaves its function, a difference of its own: the function
is dropped with it when no other trigger runs it (``Broken.also``), and after the last of them
when every trigger that runs it is dropped too (``Broken.shared``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from alembic_steward.inspection._revision_column_drops import MADE

if TYPE_CHECKING:
    from alembic_steward.inspection._broken_routines import Broken

DROPPED_KIND = re.compile(r"^DROP (TRIGGER|FUNCTION|PROCEDURE|EVENT|MATERIALIZED VIEW|VIEW) ")


def drop_statements(broken: Iterable[Broken]) -> list[str]:
    """The statements that drop ``broken``, each object's own and what goes with it: a
    function several triggers run after the last of them, once, when all of them are dropped
    (else it stays, for those that run it still)."""
    statements: list[str] = []
    seen: Counter[tuple] = Counter()
    for item in broken:
        statements += [item.drop, *item.also]
        if item.shared:
            seen[item.shared] += 1
            drop, runners = item.shared
            if seen[item.shared] == runners:
                statements.append(drop)
    return [statement for statement in dict.fromkeys(statements) if statement]


def if_exists(statement: str) -> str:
    """`DROP TRIGGER IF EXISTS trev ON t` for `DROP TRIGGER trev ON t`."""
    return DROPPED_KIND.sub(r"DROP \1 IF EXISTS ", statement, count=1)


def gone_of(broken: Sequence[Broken]) -> str:
    """` (t.c6, table log)`: what ``broken`` names that is gone, or ""."""
    gone = sorted({name for item in broken for name in item.gone})
    return f" ({', '.join(gone)})" if gone else ""


def broken_advice(broken: Sequence[Broken]) -> str:
    """What to do about ``broken``, made by hand: drop them (the statements), or make them
    again without what is gone."""
    them = "it" if len(broken) == 1 else "them"
    statements = "; ".join(f"`{statement}`" for statement in drop_statements(broken))
    return (
        f"drop {them}"
        + (f" ({statements})" if statements else "")
        + f", or make {them} again without what is gone{gone_of(broken)}, in a new revision if"
        f" the migrations should keep {them}"
    )


def new_revision_advice(broken: Sequence[Broken], revisions: Sequence[str] = ()) -> str:
    """What to do about ``broken``, made by the revisions (``revisions``, where known): a new
    revision that drops them or makes them again, never a hand drop or a stamp."""
    from alembic_steward.runtime._advice import advised

    them = "it" if len(broken) == 1 else "them"
    made = f" (revision {', '.join(revisions)})" if revisions else ""
    runs = " and ".join(
        f'`op.execute("{if_exists(statement)}")`' for statement in drop_statements(broken)
    )
    write = advised('db.revision --empty -m "drop what fails"', 'revision -m "drop what fails"')
    return (
        f"the revisions made {them}{made} and build {them} broken, so a hand drop leaves the"
        f" database short of its revision's build, and making {them} again, or a stamp back and"
        f" an upgrade, builds {them} broken again: write a new revision ({write}) whose upgrade()"
        f" runs {runs or 'the statements that drop ' + them}, or runs those and then makes"
        f" {them} again without what is gone{gone_of(broken)} (the revisions before it make"
        f" {them} on every new database), and whose downgrade() is {irreversible_downgrade()},"
        f" then {advised('db.upgrade', 'upgrade')}; its build then matches the database, dropped"
        " by hand already or not"
    )


def irreversible_downgrade() -> str:
    """The downgrade() of a revision that drops what fails: no downgrade can make it again
    as it was (MariaDB refuses a view over a missing table, PostgreSQL a SQL function's body
    reading one), and one that does not fails the baked stairway, which accepts this one."""
    from alembic_steward.runtime._irreversible import IRREVERSIBLE_IMPORT

    return (
        '`raise IrreversibleMigration("what it drops failed on every use")` (with'
        f" `{IRREVERSIBLE_IMPORT}` at the top of the file: what it drops cannot be made again as"
        " it was, and the baked stairway does not revert a revision that raises it)"
    )


def history_upgrades() -> dict[str, str]:
    """Each revision's upgrade() text, oldest first; {} when the history cannot be read."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._leftover_makers import upgrade_texts
    from alembic_steward.runtime._config import build_alembic_config

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        walked = [revision.revision for revision in script.walk_revisions()]
        return upgrade_texts(script, reversed(walked))
    except Exception:  # noqa: BLE001 - no history to read: each is taken as made by hand
        return {}


def made_by_revisions(broken: Sequence[Broken], upgrades: Mapping[str, str]) -> dict[str, list]:
    """The revisions whose upgrade() text (``upgrades``: revision -> text) makes each of
    ``broken`` (`CREATE TRIGGER name`, the kinds inspection/_revision_column_drops.py reads),
    by the object's line; those no revision makes are left out."""
    made: dict[str, list] = {}
    for item in broken:
        name = item.key[3].split("(", 1)[0] if item.key else ""
        if not name:
            continue
        makers = [
            revision
            for revision, text in upgrades.items()
            if any(found[2].lower() == name.lower() for found in MADE.finditer(text))
        ]
        if makers:
            made[item.line] = makers
    return made


def subject_of_line(line: str) -> str:
    """`view v6` of `view v6 can no longer be read (...)`, `trigger t on u` of `trigger t on u
    names NEW.c6, ...` or of `trigger t on u cannot be prepared (...)` (SQLite's): the object a
    broken line is about."""
    return re.split(r" names | can no longer be read| cannot be prepared", line, maxsplit=1)[0]


def pending_upgrades() -> dict[str, str]:
    """The upgrade() text of each revision the live database has not run yet, oldest first; {}
    when it is at head, or the history or the database cannot be read."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._leftover_makers import upgrade_texts
    from alembic_steward.runtime._config import build_alembic_config

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        with get_blocking_engine().connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        pending = [revision.revision for revision in script.iterate_revisions("heads", current)]
        return upgrade_texts(script, reversed(pending))
    except Exception:  # noqa: BLE001 - nothing known pending: the advice is as at head
        return {}


def handled_by_pending(
    broken: Sequence[Broken], pending: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """For each of ``broken`` (by its line) that a revision not run yet (``pending``: revision
    -> upgrade() text, oldest first) drops or makes again, the first such and what it does."""
    from alembic_steward.inspection._revision_column_drops import DROPPED

    handled: dict[str, tuple[str, str]] = {}
    for item in broken:
        if not item.key:
            continue
        kind, name = " ".join(item.key[0].split()).lower(), item.key[3].split("(", 1)[0].lower()
        for revision, text in pending.items():
            for pattern, verb in ((DROPPED, "drops it"), (MADE, "makes it again")):
                if any(
                    " ".join(found[1].split()).lower() == kind and found[2].lower() == name
                    for found in pattern.finditer(text)
                ):
                    handled.setdefault(item.line, (revision, verb))
    return handled


def pending_advice(broken: Sequence[Broken], handled: Mapping[str, tuple[str, str]]) -> str:
    """`for trigger t on u: revision r3, which has not run yet, drops it: run ...`."""
    from alembic_steward.runtime._advice import advised

    upgrade = advised("db.upgrade", "upgrade")
    return "; ".join(
        f"for {subject_of_line(item.line)}: revision {handled[item.line][0]}, which has not run"
        f" yet, {handled[item.line][1]}: run {upgrade}"
        for item in broken
    )


def advice_by_maker(
    broken: Sequence[Broken], upgrades: Mapping[str, str], pending: Mapping[str, str] = {}
) -> str:
    """:func:`new_revision_advice` for those of ``broken`` a revision makes, and
    :func:`broken_advice` for the others (made by hand); for those a revision not run yet
    (``pending``: revision -> upgrade() text) drops or makes again, the upgrade that runs it."""
    handled = handled_by_pending(broken, pending)
    left = [item for item in broken if item.line not in handled]
    made = made_by_revisions(left, upgrades)
    by_revisions = [item for item in left if item.line in made]
    by_hand = [item for item in left if item.line not in made]
    revisions = sorted({revision for makers in made.values() for revision in makers})
    parts = []
    if handled:
        parts.append(pending_advice([item for item in broken if item.line in handled], handled))
    if by_revisions:
        subjects = ", ".join(subject_of_line(item.line) for item in by_revisions)
        parts.append(f"for {subjects}: {new_revision_advice(by_revisions, revisions)}")
    if by_hand:
        subjects = ", ".join(subject_of_line(item.line) for item in by_hand)
        lead = f"for {subjects}, made by hand: " if by_revisions else ""
        parts.append(f"{lead}{broken_advice(by_hand)}")
    return "; ".join(parts)


def broken_report(broken: Sequence[Broken]) -> list[str]:
    """`inv db.check`'s lines for ``broken``: status's `broken:` line for each, then what to do
    (status says it in its verdict); [] when none fails."""
    if not broken:
        return []
    lines = [f"broken:  {item.line}" for item in broken]
    advice = advice_by_maker(broken, history_upgrades(), pending_upgrades())
    return [*lines, f"They fail when they fire: {advice}."]
