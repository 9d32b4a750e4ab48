"""Under `--json`, a refusal is a document too: `{"error": "..."}` on stdout, beside its line.

A script reading a task's stdout (`inv db.upgrade --tenants nope --json | jq`) otherwise got
nothing at all, and could not tell a refused argument from a crash. A task that prints its
own failure document (`db.status --json`, `db.backfill --json`) marks its Exit, so the
document is printed once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from invoke import Exit

# Set on an Exit whose task printed its own JSON failure document already.
DOCUMENT_PRINTED = "_alembic_steward_json_document_printed"


def document_printed(stop: Exit) -> Exit:
    """``stop``, marked as ending a task that printed its JSON document itself."""
    setattr(stop, DOCUMENT_PRINTED, True)
    return stop


def print_json_error(stop: Exit, options: Mapping[str, Any]) -> None:
    """Print ``stop``'s message as `{"error": ...}` on stdout, when the task was given --json
    (``options``: its keyword arguments) and ends in a refusal no document said yet."""
    if options.get("json") is not True or not stop.code or not stop.message:
        return
    if getattr(stop, DOCUMENT_PRINTED, False):
        return
    said = " ".join(line.removeprefix("error: ") for line in str(stop.message).splitlines())
    print(json.dumps({"error": said}, indent=2), flush=True)
