"""Engine options every connection to a service's database should have."""

from __future__ import annotations

__all__ = ["SQLITE_BUSY_TIMEOUT_SECONDS", "sqlite_busy_timeout"]

# How long SQLite waits for another writer's lock, in the app and in migrations alike: the app
# waits out a migration as long as a migration waits out the app.
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def sqlite_busy_timeout(url: str) -> dict[str, float]:
    """The driver's connect arguments that make SQLite wait for a writer's lock ({} elsewhere)."""
    from sqlalchemy import make_url

    if make_url(url).get_backend_name() == "sqlite":
        return {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    return {}
