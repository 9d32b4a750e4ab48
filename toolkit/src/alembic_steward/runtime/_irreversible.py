"""The one way a revision says its downgrade cannot be written: raise IrreversibleMigration."""

from __future__ import annotations

from alembic.util import CommandError

# The words every piece of advice uses for it (the lint, the stairway, the READMEs).
IRREVERSIBLE_IMPORT = "from alembic_steward import IrreversibleMigration"
IRREVERSIBLE_RAISE = 'raise IrreversibleMigration("why it cannot be undone")'


class IrreversibleMigration(CommandError):
    """Raised first thing in ``downgrade()`` by a revision that cannot be undone.

    Example, in a revision that drops a column whose data cannot come back::

        from alembic_steward import IrreversibleMigration

        def downgrade() -> None:
            raise IrreversibleMigration("the dropped users.legacy_id values are gone")

    A downgrade whose path crosses the revision reads that raise in its source and stops
    before its first step (runtime/_irreversible_plans.py), and the baked stairway test
    (testing/_stairway.py) does not try to revert the revision. Raise it before any operation:
    on MySQL/MariaDB a statement already sent cannot be rolled back.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"this revision cannot be downgraded: {reason}")
        self.reason = reason

    def add_state(self, state: str) -> None:
        """Complete the message raw `alembic` shows with the state read after the run stopped
        (runtime/_state_after_failure.py): steps before it in the run may have committed."""
        self.args = (f"{self.args[0]}; {state}",)


# A service's traceback names the public path, not this private module.
IrreversibleMigration.__module__ = "alembic_steward"
