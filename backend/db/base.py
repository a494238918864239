"""The one metadata every table lives in, with stable constraint names for Alembic."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """A ``timestamptz`` column; every instant in the schema is stored with its zone."""
    column: dict[str, Any] = {
        "sa_type": DateTime(timezone=True),
        "nullable": nullable,
        "index": index,
    }
    if default_now:
        return Field(default_factory=utcnow, **column)
    if nullable:
        return Field(default=None, **column)
    return Field(**column)
