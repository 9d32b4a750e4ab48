"""The application package: settings, database access, models and migrations."""
