"""MariaDB's and MySQL's scheduled events (CREATE EVENT): statements the server runs by itself
on a schedule, as much the schema's doing as a trigger, read from information_schema.EVENTS."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from alembic_steward.catalog._model import Facts, Key

if TYPE_CHECKING:
    from alembic_steward.catalog._mysql import Rows

# Who made an event (DEFINER), the sql_mode and time zone then, and when it was made or last
# ran are no part of the schema, as for a trigger. Its STARTS, ENDS and (a one-time event's) AT
# are, each with how long after the event was made it falls (MOMENT_FACTS: catalog/_model.py):
# written relative to now (CURRENT_TIMESTAMP + INTERVAL 1 HOUR) it is another time on each
# build of the same revision, the same span after; written as a time, the same time.
EVENTS = (
    "SELECT EVENT_NAME, EVENT_TYPE, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, ON_COMPLETION,"
    " EVENT_DEFINITION, EVENT_COMMENT, STARTS, TIMESTAMPDIFF(SECOND, CREATED, STARTS), ENDS,"
    " TIMESTAMPDIFF(SECOND, CREATED, ENDS), EXECUTE_AT, TIMESTAMPDIFF(SECOND, CREATED, EXECUTE_AT)"
    " FROM information_schema.EVENTS"
    " WHERE EVENT_SCHEMA = DATABASE()"
)
# "2031-01-01 03:00:00 (3600 s after it was made)": the time, then the span MOMENT compares.
MOMENT = re.compile(r"^(?P<time>.*) \((?P<after>-?\d+) s after it was made\)$")
# A replica keeps its primary's events disabled: the same event as far as the schema goes.
STATUS = {"SLAVESIDE_DISABLED": "DISABLED"}


def events(rows: Rows) -> dict[Key, Facts]:
    """Each event, keyed by its name: its schedule (`EVERY 1 DAY`, or `AT a set time` for a
    one-time event, with its time), when it starts (when not the moment it was made, the
    default) and ends,
    whether it is enabled, what happens on completion, its body (one spacing) and comment."""
    objects: dict[Key, Facts] = {}
    for (
        name,
        type_,
        every,
        field,
        status,
        completion,
        body,
        comment,
        starts,
        starts_after,
        ends,
        ends_after,
        at,
        at_after,
    ) in rows(EVENTS, "EVENT_NAME"):
        interval = (every or "").strip("'")  # a compound one (`'1:30' HOUR_MINUTE`) is quoted
        schedule = f"EVERY {interval} {field}" if type_ == "RECURRING" else "AT a set time"
        facts = {
            "schedule": schedule,
            "status": STATUS.get(status, status),
            "on completion": f"ON COMPLETION {completion}",
            "definition": " ".join((body or "").split()),
        }
        if comment:
            facts["comment"] = comment
        if starts is not None and abs(starts_after) > 1:  # one second may pass while made
            facts["starts"] = f"{starts} ({starts_after} s after it was made)"
        if ends is not None:
            facts["ends"] = f"{ends} ({ends_after} s after it was made)"
        if at is not None:
            facts["at"] = f"{at} ({at_after} s after it was made)"
        objects[("event", None, "", name)] = facts
    return objects


def same_moment(want: str | None, have: str | None) -> bool:
    """Whether two of an event's times (MOMENT) agree: the same time, or the same span after
    the event was made, give or take the second that may pass while it is made."""
    if want is None or have is None:
        return want == have
    first, second = MOMENT.match(want), MOMENT.match(have)
    if first is None or second is None:
        return want == have
    if first["time"] == second["time"]:
        return True
    return abs(int(first["after"]) - int(second["after"])) <= 1
