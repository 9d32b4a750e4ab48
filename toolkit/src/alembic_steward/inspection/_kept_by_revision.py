"""How a hand-made object an upgrade must lose is kept: a revision makes it again.

Made again by hand after the upgrade, it is again an object no revision builds: `inv db.status`
and `inv db.check` report it (exit 9) and `inv db.revision` refuses to write over it, so advice
that said "make it again after the upgrade" led to a dead end. A new revision that makes it
again is the one way the database and its build agree.
"""

from __future__ import annotations


def remade_by_revision(them: str, how: str) -> str:
    """`write a new revision ... whose upgrade() makes them again {how}`: the clause that
    keeps hand-made ``them`` (it or them) past an upgrade."""
    from alembic_steward.runtime._advice import advised

    write = advised(f'db.revision --empty -m "keep {them}"', f'revision -m "keep {them}"')
    subject = "it stays" if them == "it" else "they stay"
    return (
        f"write a new revision after it ({write}) whose upgrade() makes {them} again {how},"
        f" so the migrations keep {them} (made again by hand, {subject} a difference that"
        " status and check report and that `db.revision` stops on)"
    )
