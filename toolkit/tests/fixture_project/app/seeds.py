"""Rows every environment's database needs (lookup values, a first admin): `inv db.seed`.

`inv db.seed` (and `inv db.setup`) calls `seed(session)` inside one transaction on a database at
head, and commits only if it returns. It may run any number of times, so add each row only
when it is missing: `add_missing` does that. With no models yet there is nothing to add.

Example, once app/models.py has a `Role` model with a unique `name`:

    def seed(session: Session) -> None:
        for name in ("admin", "member"):
            add_missing(session, Role, name=name)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def seed(session: Session) -> None:
    """Add the rows every database needs and lacks; see the module's example."""


def add_missing(session: Session, model: type[Any], **values: Any) -> bool:
    """Add a ``model`` row with ``values`` unless one with those values exists; say if it did."""
    query = select(model).filter_by(**values).limit(1)
    if session.scalars(query).first() is not None:
        return False
    session.add(model(**values))
    return True
