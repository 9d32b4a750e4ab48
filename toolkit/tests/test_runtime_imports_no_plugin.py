"""The failure lines run in a deploy, where the testing extra (pytest) need not be installed:
reading a foreign key's REFERENCES for them must not import the pytest plugin's package."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from alembic_steward.inspection._blocking_hand_objects import refused_by_reference
key = ("foreign key", None, "audit", "fk_audit_order")
facts = {"definition": "FOREIGN KEY (order_id) REFERENCES orders(id)"}
error = "(1451, 'Cannot delete or update a parent row') [SQL: DROP TABLE orders]"
assert refused_by_reference(key, facts, error)
print("alembic_steward.testing" in sys.modules, "pytest" in sys.modules)
"""


def test_the_blocker_reading_imports_neither_the_plugin_nor_pytest() -> None:
    said = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert said.split() == ["False", "False"], said
