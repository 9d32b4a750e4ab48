"""The service's SQLAlchemy models: add yours here, then run `inv db.revision -m "..."`.

Example:

    class User(Base):
        __tablename__ = "users"

        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(255), unique=True)

Alembic compares ``Base.metadata`` with the database, so a model that is not imported by this
module (directly or through a module it imports) is invisible to autogenerate.
"""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints can be dropped and altered by later migrations on every database; unnamed
# ones get server-generated names that differ between databases (and SQLite cannot alter them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
