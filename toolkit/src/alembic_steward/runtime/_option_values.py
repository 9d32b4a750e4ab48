"""Option values read from their text alike by `inv` and `python -m app.migrations`.

invoke would turn `--canary abc` into a ValueError's traceback line and take `--pause -1`
silently: each value here is refused in one line naming the option and what it takes,
before anything runs.
"""

from __future__ import annotations

import math

from alembic.util import CommandError


class OptionValueError(CommandError):
    """An option's value is not one it takes; its message is one line."""


def canary_count(text: str | None) -> int:
    """`--canary`'s text as a number of tenants (0, the default, for None)."""
    if text is None:
        return 0
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise OptionValueError(
            f"--canary {text} is not a number of tenants (0 or more); nothing was run"
        )
    return count


def pause_seconds(text: str | None) -> float | None:
    """`--pause`'s text as seconds between batches (None: the backfill's own)."""
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not (math.isfinite(seconds) and seconds >= 0):
        raise OptionValueError(
            f"--pause {text} is not a number of seconds between batches (0 or more, e.g. 0.5);"
            " nothing was run"
        )
    return seconds
