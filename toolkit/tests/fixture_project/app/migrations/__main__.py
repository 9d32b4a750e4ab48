"""`python -m app.migrations upgrade [REV]` or `current`: migrate an installed service."""

import sys

from alembic_steward.runtime import deploy_main

from app.migrations import steward  # noqa: F401 - builds the wiring deploy_main reads

if __name__ == "__main__":
    sys.exit(deploy_main())
