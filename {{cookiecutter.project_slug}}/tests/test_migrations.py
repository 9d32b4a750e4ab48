"""The migrations in app/migrations/versions apply, revert cleanly and match the models.

The checks come from alembic-steward (alembic_steward.testing.checks); give the stairway
your own row values in tests/migration_rows.py.
"""

from alembic_steward.testing.checks import (  # noqa: F401 - collected by pytest
    test_each_downgrade_gives_back_the_data_its_upgrade_kept,
    test_each_downgrade_restores_the_schema_its_upgrade_started_from,
    test_each_revision_upgrades_downgrades_and_upgrades_again,
    test_every_down_revision_names_a_revision_that_exists,
    test_history_has_a_single_head,
    test_models_match_migrations,
    test_no_migration_leaves_a_row_with_a_broken_foreign_key,
    test_no_upgrade_loses_a_trigger_or_index_it_does_not_drop,
    test_stairway_ends_with_the_schema_of_a_plain_upgrade,
    test_upgrade_from_base_reaches_head,
)
