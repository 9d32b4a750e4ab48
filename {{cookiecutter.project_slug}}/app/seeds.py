"""Rows every environment's database needs (lookup values, a first admin): `inv db.seed`.

{% if cookiecutter.use_async -%}
`inv db.seed` (and `inv db.setup`) awaits `seed(session)` on an AsyncSession of the app's engine,
inside one transaction on a database at head, and commits only if it returns. It may run any
number of times, so add each row only when it is missing: `add_missing` does that. With no
models yet there is nothing to add.
{%- else -%}
`inv db.seed` (and `inv db.setup`) calls `seed(session)` inside one transaction on a database at
head, and commits only if it returns. It may run any number of times, so add each row only
when it is missing: `add_missing` does that. With no models yet there is nothing to add.
{%- endif %}

Example, once app/models.py has a `Role` model with a unique `name`:

    {% if cookiecutter.use_async %}async {% endif %}def seed(session: {{ "AsyncSession" if cookiecutter.use_async else "Session" }}) -> None:
        for name in ("admin", "member"):
            {% if cookiecutter.use_async %}await {% endif %}add_missing(session, Role, name=name)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
{%- if cookiecutter.use_async %}
from sqlalchemy.ext.asyncio import AsyncSession


async def seed(session: AsyncSession) -> None:
    """Add the rows every database needs and lacks; see the module's example."""


async def add_missing(session: AsyncSession, model: type[Any], **values: Any) -> bool:
    """Add a ``model`` row with ``values`` unless one with those values exists; say if it did."""
    query = select(model).filter_by(**values).limit(1)
    if (await session.scalars(query)).first() is not None:
        return False
    session.add(model(**values))
    return True
{%- else %}
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
{%- endif %}
