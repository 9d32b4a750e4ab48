"""The application package: settings, database access, models and migrations."""


def start_service() -> None:
    """Run the service's start-up checks; call it first thing wherever your service starts.

    A web app calls it in its factory or lifespan hook, a worker before its first job. It
    refuses (DatabaseNotUpToDate, one line naming the command to run) when the database is
    not at this code's migration head, so the service never serves against a schema its
    models do not match.
    """
    from app.migrations import ensure_up_to_date

    ensure_up_to_date()
