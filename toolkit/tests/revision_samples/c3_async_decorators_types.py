"""Decorators, async code, type hints, classes.

Revision ID: c3
Revises: b2
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

import sqlalchemy as sa
from alembic import op

revision = "c3"
down_revision = "b2"

T = TypeVar("T")


def logged(function: Callable[..., T]) -> Callable[..., T]:
    """Log a call."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> T:
        return function(*args, **kwargs)

    return wrapper


class Batch(Generic[T]):
    """A batch of rows."""

    size: int = 100
    rows: list[T]

    def __init__(self, rows: list[T], *, size: int | None = None) -> None:
        self.rows = rows
        self.size = size or self.size

    @property
    def empty(self) -> bool:
        return not self.rows

    @staticmethod
    def limit(value: int, /, ceiling: int = 10, *rest: int, keyword: str, **extra: str) -> int:
        return min(value, ceiling)

    async def chunks(self) -> AsyncIterator[list[T]]:
        for start in range(0, len(self.rows), self.size):
            yield self.rows[start : start + self.size]


async def drain(batch: Batch[int]) -> list[int]:
    seen = [row async for chunk in batch.chunks() for row in chunk if row]
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(drain, batch)
        await stack.aclose()
    return seen


@logged
def upgrade() -> None:
    """Add a column."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=True))
    global T
    pack = lambda x=1, *a, y, **k: (x, a, y, k)  # noqa: E731
    pack(y=2)
    del T


@logged
def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("active")
