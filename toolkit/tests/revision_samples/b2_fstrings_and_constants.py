"""Backfill display names with f-strings; constants of every kind.

Revision ID: b2
Revises: a1
"""

import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "a1"
branch_labels = None
depends_on = None

WIDTH = 12
LIMITS = (0, 1.5, 2j, -7, 0x1F, 10**3, b"\x00raw", "caf\u00e9", "\U0001f600", ..., True, None)


def label(name: str, score: float, spec: str = ">8") -> str:
    # Every f-string shape whose tree changed between 3.11 and 3.12.
    plain = f"user {name}"
    debug = f"{name=} {score = }"
    conversions = f"{name!r} {name!s} {name!a}"
    nested_spec = f"{score:{spec}} {score:>{WIDTH}.{2}f} {score:}"
    concatenated = f"prefix {name} suffix{{literal}}"
    escaped = f"{{}} {name:{ {} }>10}" if False else f"{'quoted'} {name!r:^20}"
    multi = f"""
    {name}
    {score:.3f}"""
    raw = rf"\d+{name}\s"
    old_style = "legacy prefix"
    parts = [plain, debug, conversions, nested_spec, concatenated, escaped, multi, raw, old_style]
    return " ".join(parts)


def upgrade() -> None:
    users = sa.table("users", sa.column("id"), sa.column("name"))
    op.execute(users.update().values(name=sa.func.upper(users.c.name)))
    op.execute(sa.text(f"UPDATE users SET name = name || '{label('x', 1.0)}'"))


def downgrade() -> None:
    pass
