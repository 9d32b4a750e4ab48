"""MariaDB's and MySQL's scheduled events (CREATE EVENT): statements the server runs by itself
on a schedule, as much the schema's doing as a trigger, read from information_schema.EVENTS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.catalog._model import Facts, Key

if TYPE_CHECKING:
    from alembic_steward.catalog._mysql import Rows

# Who made an event (DEFINER), the sql_mode and time zone then, and when it was made or last
# ran are no part of the schema, as for a trigger. Neither are its STARTS, ENDS and AT times:
# written relative to now (CURRENT_TIMESTAMP + INTERVAL 1 DAY, or the default, the moment it
# was made), they differ on each build of the same revision; its interval is the schedule.
EVENTS = (
    "SELECT EVENT_NAME, EVENT_TYPE, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, ON_COMPLETION,"
    " EVENT_DEFINITION, EVENT_COMMENT FROM information_schema.EVENTS"
    " WHERE EVENT_SCHEMA = DATABASE()"
)
# A replica keeps its primary's events disabled: the same event as far as the schema goes.
STATUS = {"SLAVESIDE_DISABLED": "DISABLED"}


def events(rows: Rows) -> dict[Key, Facts]:
    """Each event, keyed by its name: its schedule (`EVERY 1 DAY`, or `AT a set time` for a
    one-time event), whether it is enabled, what happens on completion, its body (one spacing)
    and comment."""
    objects: dict[Key, Facts] = {}
    for name, type_, every, field, status, completion, body, comment in rows(EVENTS, "EVENT_NAME"):
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
        objects[("event", None, "", name)] = facts
    return objects
