"""Declarative base, naming convention and column types shared by every table."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones: values are stored as naive UTC and come back marked as UTC.
    Naive datetimes are refused on the way in, so local time can never slip into the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the stored text parsed straight into an aware UTC datetime.

        SQLAlchemy's path parses it naive, then `process_result_value` marks it as UTC with
        `replace(tzinfo=...)`, which alone costs four times the parse: 0.88 µs a value against
        0.16 µs, forty times on a page of twenty products. Other databases keep that path.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _parse_sqlite_utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a timestamp column held {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_sqlite_utc(value: str | None) -> datetime | None:
    # SQLAlchemy writes SQLite datetimes as naive UTC text: "2026-11-22 17:00:24.934934".
    return None if value is None else datetime.fromisoformat(value + "+00:00")


class Base(DeclarativeBase):
    """Base class of every table; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 - SQLAlchemy reads it once
