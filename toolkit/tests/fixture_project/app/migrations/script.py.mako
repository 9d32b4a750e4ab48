<%!
    from alembic_steward.runtime import phase_of_new_revision

    def docstring_text(text):
        """Escape a revision message so it can only ever be text inside the docstring."""
        # Backslashes and quotes are escaped, so a message cannot end the docstring or
        # write an escape sequence; unprintable characters are spelled as escapes too.
        escaped = (text or "").replace("\\", "\\\\").replace('"', '\\"')
        return "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in escaped)
%>"""${message | docstring_text}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}
# expand: the previous release's code keeps working once this has run; contract: it does not.
phase: str = ${repr(phase_of_new_revision(config, up_revision, down_revision))}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
