"""Walrus, match statements, comprehensions, exceptions.

Revision ID: d4
Revises: c3
"""

import sqlalchemy as sa
from alembic import op

revision = "d4"
down_revision = "c3"


def kind_of(value: object) -> str:
    match value:
        case None:
            return "none"
        case True | False:
            return "flag"
        case int(number) if number > 10:
            return "big"
        case [first, *rest]:
            return f"sequence {first} {rest}"
        case {"id": identifier, **others}:
            return f"mapping {identifier} {others}"
        case sa.Column(name=name):
            return name
        case str() as text:
            return text
        case _:
            return "other"


def upgrade() -> None:
    connection = op.get_bind()
    if (count := connection.execute(sa.text("SELECT count(*) FROM users")).scalar()) > 0:
        squares = {n: n * n for n in range(count) if (half := n // 2)}
        print(squares, half if squares else None)
    try:
        op.create_index("ix_users_name", "users", ["name"], unique=False)
    except (ValueError, KeyError) as error:
        raise RuntimeError("index") from error
    else:
        total = sum(x for x in [1, 2, 3])
    finally:
        pass
    while total > 0:
        total -= 1
        if total == 5:
            break
        elif total < 2:
            continue
    else:
        assert total == 0, "loop ran out"
    items = [*range(3), *[4]]
    first, *_ = items
    a = b = items[1:2:1]
    print(not a, -first, ~first, a is b, a is not None, 1 < first <= 3, a[::2], {**{}, "k": 1})


def downgrade() -> None:
    op.drop_index("ix_users_name", table_name="users")
